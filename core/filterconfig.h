#pragma once
// Filter configs: a versioned JSON document that says which documents to keep.
//
// {
//   "format": "shardscope-filter", "version": 2,
//   "fields": {"text": "/text", "id": "/id", "group": "/source"},      (optional)
//   "rules": [
//     {"scorer": "zlib6", "min": 0.25, "max": 0.9, "missing": "drop",
//      "groups": {"email/spam": {"min": 0.3}, "multilingual/udhr": {"disabled": true}}},
//     {"scorer": "fineweb_line_punct_ratio", "min": 0.12, "by": "lang",
//      "overrides": {"de": {"min": 0.1}, "zh": {"disabled": true}},
//      "suggested": {"method": "percentile", "low": 1, "high": 99, "computed_on": 5361}},
//     {"scorer": "lang", "in": ["en", "de"]}
//   ],
//   "provenance": {"tool": "shardscope 0.1.0", "created": "2026-11-26T09:00:00Z",
//                  "shards": [...], "documents": N, "kept": K, "dropped": D}
// }
//
// A document is kept when every enabled rule passes (AND). A rule passes when its column's
// value v satisfies min <= v <= max (either bound may be absent); a missing value (NaN)
// fails unless "missing": "keep". "scorer" names a column (e.g. "gopher_word_count");
// "params" is reserved for scorers that take parameters and is carried through unchanged.
//
// Overrides replace min and/or max, the "in" set, or disable the rule, for some documents:
//   - "groups": {...} keys them by the document's group (version 1; same as "by": "group");
//   - "by": COLUMN with "overrides": {...} keys them by the document's label in a CATEGORICAL
//     column (ColumnInfo::categories, e.g. "lang" from langid, "text_dominant_script"): the
//     column stores an index into its categories as a float, and the override applies when
//     categories[index] equals the key. A document whose `by` value is missing gets the rule's
//     own bounds. An override replaces the rule's bounds as a whole: {"min": 0.1} on a rule with
//     min and max leaves that key without a max (as for groups since version 1).
// "in": [labels] is a rule on a categorical column itself: it passes when the document's label
// is one of them (a missing label fails unless "missing": "keep"); "in" does not combine with
// min/max in the same bounds. Labels that the column does not have match nothing (the langid
// model decides its label set); BoundRules::warnings() names them so a typo does not go unseen.
// "suggested" records where a cutoff came from (suggest.h): method, its parameters and the
// number of documents it was computed on. It is provenance only; it never changes what passes.
// It may appear on the rule and on each override.
//
// "scorers" (version 3, issue 22) lists the scorers built from files whose columns the rules use (a model-backed
// scorer such as the n-gram reference ngram:model=DIR or the classifier linear:model=PATH), each as the spec that
// makes it and every file its identity lists, with the file's SHA-256 (what `sha256sum FILE` prints):
//   "scorers": [{"spec": "ngram:model=/models/ref",
//                "files": [{"role": "model", "path": "/models/ref/ngram.bin", "sha256": "9f2c..."}]}]
// `apply` builds those scorers from their specs (not from the column name alone, which names no model) after
// checking each file: a file that is missing or whose SHA-256 differs is an error naming it and both hashes, so a
// config never runs with another model than the one its cutoffs were chosen on.
//
// Versions: 1 has only "groups" overrides and min/max rules. 2 adds "by"/"overrides" and "in". 3 adds "scorers".
// A config is written with the lowest version that expresses it (1 when it uses none of these), so older readers
// still read it; a version 1 reader would silently ignore "by" and "in", and a version 2 reader "scorers" (then
// running, or failing on, a column without its model), so such configs carry the higher version.

#include "fieldmapping.h"
#include "scorer.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace shardscope {

// Provenance of a suggested cutoff: {"method": "percentile", "low": 1, "high": 99,
// "computed_on": N}. Parameters are numbers, kept in the order they were written. Cutoffs computed on a random
// sample of the corpus (issue 21) say so: "sample": "bernoulli p=0.02 seed=1", "sample_of": records read.
struct SuggestedFrom {
    std::string method;
    std::vector<std::pair<std::string, double>> params;
    uint64_t computedOn = 0;
    std::string sample; // empty: computed on every record
    uint64_t sampleOf = 0;
    bool operator==(const SuggestedFrom&) const = default;
};

struct Bounds {
    std::optional<double> min;
    std::optional<double> max;
    bool disabled = false;
    std::optional<std::vector<std::string>> in;   // categorical: labels that pass
    std::optional<SuggestedFrom> suggested;
    bool operator==(const Bounds&) const = default;
};

struct FilterRule {
    std::string column;
    Bounds bounds;
    bool keepMissing = false;
    // Overrides keyed by the document's group (by empty) or by its label in the categorical
    // column `by`.
    std::string by;
    std::map<std::string, Bounds> overrides;
    std::string paramsJson = "{}";          // opaque, round-tripped
    std::string note;                       // free text

    bool byGroup() const { return by.empty(); }
    // The bounds in effect for a document whose override key (group, or `by` label) is `key`.
    const Bounds& boundsFor(std::string_view key) const;
    // `key` as in boundsFor(). For an "in" rule, `categories` are the rule column's categories
    // (without them an "in" rule cannot tell labels and passes).
    bool passes(float value, std::string_view key, const std::vector<std::string>& categories = {}) const;
    bool operator==(const FilterRule&) const = default;
};

// One file of a ConfigScorer: its role (ScorerFile::role), where it is, and its SHA-256 in lowercase hex.
struct ConfigScorerFile {
    std::string role;
    std::string path;
    std::string sha256;
    bool operator==(const ConfigScorerFile&) const = default;
};

// A scorer built from files that the rules need ("scorers", version 3).
struct ConfigScorer {
    std::string spec; // ScorerSpec text, e.g. "ngram:model=/models/ref"
    std::vector<ConfigScorerFile> files;
    bool operator==(const ConfigScorer&) const = default;
};

struct FilterConfig {
    static constexpr int kVersion = 3;      // the newest version this build reads and writes
    std::vector<FilterRule> rules;
    std::vector<ConfigScorer> scorers;
    std::optional<FieldMapping> fields;
    std::string provenanceJson = "{}";      // opaque object, written back as is

    // Throws std::runtime_error with the file name and what is wrong (JSON error position,
    // unknown version, a rule without a scorer, min > max, "in" with min/max).
    static FilterConfig load(const std::string& path);
    static FilterConfig parse(const std::string& json, const std::string& nameForErrors = "<config>");
    std::string toJson() const;
    // The lowest version that can express this config (1 unless a rule uses "by" or "in", or it has "scorers").
    int requiredVersion() const;
    // Written atomically.
    void save(const std::string& path) const;
    // Distinct column names the rules need (rule columns and `by` columns), in rule order.
    std::vector<std::string> columns() const;
};

// Rules bound to a table's columns (a scan's, a scores file's, the GUI corpus's): column
// indices resolved and labels looked up in the categories once, so a document's fate is a
// few array reads. `row` points at one document's values, indexed like `columns`.
class BoundRules {
public:
    // Throws std::invalid_argument naming the rule when a column is not in `columns` (unless
    // allowMissingColumns: such a rule is then skipped, evaluated() false), when "in" is used
    // on a column that is not categorical, or when `by` names a column that is not categorical.
    BoundRules(std::vector<FilterRule> rules, const std::vector<ColumnInfo>& columns,
               bool allowMissingColumns = false);
    // Bound entries point into this object's own copy of the rules: movable, not copyable.
    BoundRules(const BoundRules&) = delete;
    BoundRules& operator=(const BoundRules&) = delete;
    BoundRules(BoundRules&&) = default;
    BoundRules& operator=(BoundRules&&) = default;

    size_t size() const { return m_rules.size(); }
    const FilterRule& rule(size_t r) const { return m_rules[r]; }
    bool evaluated(size_t r) const { return m_bound[r].column >= 0; }
    int column(size_t r) const { return m_bound[r].column; }
    int byColumn(size_t r) const { return m_bound[r].byColumn; }   // -1: keyed by group
    const ColumnInfo& columnInfo(size_t r) const { return m_columns[size_t(m_bound[r].column)]; }

    // The override key of a document for rule r: its group, or its `by` label ("" if missing).
    std::string_view key(size_t r, const float* row, std::string_view group) const;
    const Bounds& boundsFor(size_t r, const float* row, std::string_view group) const;
    bool passes(size_t r, const float* row, std::string_view group) const;
    // -1 when every rule passes, else the index of the first failing rule.
    int firstFailing(const float* row, std::string_view group) const;
    // For "in" bounds of rule r: 1 per category index of the rule's column that passes.
    const std::vector<uint8_t>& inMask(size_t r, const Bounds& b) const;
    // Labels in "in" sets or `by` overrides that the column does not have.
    const std::vector<std::string>& warnings() const { return m_warnings; }

private:
    struct Bound {
        int column = -1;
        int byColumn = -1;
        const std::vector<std::string>* byLabels = nullptr;
        std::vector<const Bounds*> boundsByLabel;   // per category index of the by column
        std::vector<std::pair<const Bounds*, std::vector<uint8_t>>> inMasks;
    };
    std::vector<FilterRule> m_rules;
    std::vector<ColumnInfo> m_columns;
    std::vector<Bound> m_bound;
    std::vector<std::string> m_warnings;
};

// The label of a categorical value (index stored as float); "" when missing or out of range.
std::string_view categoryLabel(const std::vector<std::string>& categories, float value);

// The "scorers" entry of the scorer `spec` names, made with `shared` parameters as ScorerRegistry::resolveList()
// would make it (the "name.key" ones folded into the spec, so the entry makes the same scorer alone): its canonical
// spec and each file its identity lists, with the file's SHA-256. Throws std::invalid_argument for an unknown scorer
// or a bad parameter, InputError for a model file that cannot be read.
ConfigScorer configScorerFor(const ScorerSpec& spec, const ScorerParams& shared = {});
// Records in config.scorers every scorer of a --scorers style `list` that reads files (its identity lists any) and
// makes a column the rules use; an entry for a scorer of the same name is replaced. Throws as configScorerFor().
void recordFileScorers(FilterConfig& config, const std::string& list, const ScorerParams& shared = {});
// Checks each file of `s` against its SHA-256. Throws InputError naming the file: missing or unreadable, or its
// SHA-256 differs (both hashes given).
void verifyConfigScorer(const ConfigScorer& s);

// Builds the provenance object for a config exported from a scan.
std::string makeProvenance(const std::vector<std::string>& shards, uint64_t documents, uint64_t kept,
                           uint64_t dropped);

} // namespace shardscope
