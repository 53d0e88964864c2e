#pragma once
// Where a record keeps its text, id and group, as JSON pointers (RFC 6901).
// Detection looks at the first records of the first shard and picks, for the group, the
// first pointer that holds a string in most of them. This covers the usual layouts:
//   Dolma      {"id", "text", "source", "metadata": {...}}
//   The Pile   {"text", "meta": {"pile_set_name"}}
//   RedPajama  {"text", "meta": {"redpajama_set_name"}}   (also "metadata.source" variants)
//   C4         {"text", "timestamp", "url"}  -> no group, id = record number
//   WARC, WET  {"id", "url", "date", "host", "tld", "text"} (warcsource.h) -> group /tld

#include <string>
#include <string_view>
#include <vector>

namespace shardscope {

struct FieldMapping {
    std::string text = "/text";
    std::string id = "/id";      // empty: always use the record number
    std::string group;           // empty: no group
    bool groupDetected = false;  // true when detection (not the user) chose `group`
    bool confident = true;       // false when detection saw mixed layouts

    static const std::vector<std::string>& groupCandidates();
    // Accepts "content", "/content" or "meta.pile_set_name" and returns a JSON pointer.
    static std::string toPointer(std::string_view fieldOrPointer);
    bool operator==(const FieldMapping&) const = default;
    std::string describe() const;
};

// Reads up to `maxRecords` records from the start of `shardPath` and fills in the group
// pointer (and confidence) for fields the user did not set. Never throws for bad records:
// detection just sees fewer samples.
FieldMapping detectFields(const std::string& shardPath, FieldMapping given, bool groupGiven,
                          int maxRecords = 200);

} // namespace shardscope
