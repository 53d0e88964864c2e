#pragma once
// Filter configs: a versioned JSON document that says which documents to keep.
//
// {
//   "format": "shardscope-filter", "version": 1,
//   "fields": {"text": "/text", "id": "/id", "group": "/source"},      (optional)
//   "rules": [
//     {"scorer": "zlib6", "min": 0.25, "max": 0.9, "missing": "drop",
//      "groups": {"email/spam": {"min": 0.3}, "multilingual/udhr": {"disabled": true}}}
//   ],
//   "provenance": {"tool": "shardscope 0.1.0", "created": "2026-11-26T09:00:00Z",
//                  "shards": [...], "documents": N, "kept": K, "dropped": D}
// }
//
// A document is kept when every enabled rule passes (AND). A rule passes when its column's
// value v satisfies min <= v <= max (either bound may be absent); a missing value (NaN)
// fails unless "missing": "keep". A per-group override replaces min and/or max (or disables
// the rule) for documents of that group. "scorer" names a column (e.g. "gopher_word_count");
// "params" is reserved for scorers that take parameters and is carried through unchanged.

#include "fieldmapping.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace shardscope {

struct Bounds {
    std::optional<double> min;
    std::optional<double> max;
    bool disabled = false;
    bool operator==(const Bounds&) const = default;
};

struct FilterRule {
    std::string column;
    Bounds bounds;
    bool keepMissing = false;
    std::map<std::string, Bounds> groups;   // per-group (or per-language) overrides
    std::string paramsJson = "{}";          // opaque, round-tripped
    std::string note;                       // free text (e.g. "suggested: p1..p99")

    const Bounds& boundsFor(std::string_view group) const;
    bool passes(float value, std::string_view group) const;
    bool operator==(const FilterRule&) const = default;
};

struct FilterConfig {
    static constexpr int kVersion = 1;
    std::vector<FilterRule> rules;
    std::optional<FieldMapping> fields;
    std::string provenanceJson = "{}";      // opaque object, written back as is

    // Throws std::runtime_error with the file name and what is wrong (JSON error position,
    // unknown version, a rule without a scorer, min > max).
    static FilterConfig load(const std::string& path);
    static FilterConfig parse(const std::string& json, const std::string& nameForErrors = "<config>");
    std::string toJson() const;
    // Written atomically.
    void save(const std::string& path) const;
    // Distinct column names the rules need, in rule order.
    std::vector<std::string> columns() const;
};

// Builds the provenance object for a config exported from a scan.
std::string makeProvenance(const std::vector<std::string>& shards, uint64_t documents, uint64_t kept,
                           uint64_t dropped);

} // namespace shardscope
