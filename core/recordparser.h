#pragma once
// Parses one JSON Lines record with simdjson On Demand and extracts text, id and group.
// One RecordParser per thread: it owns simdjson's parser and scratch buffers.

#include "fieldmapping.h"

#include <memory>
#include <string>
#include <string_view>

namespace shardscope {

struct ParsedRecord {
    std::string_view text;   // unescaped UTF-8, valid until the next parse() call
    std::string_view id;     // empty when the record has none (caller uses the record number)
    std::string_view group;  // empty when none
    std::string error;       // non-empty: the record is rejected, with this reason
    bool ok() const { return error.empty(); }
};

class RecordParser {
public:
    explicit RecordParser(FieldMapping fields);
    ~RecordParser();
    RecordParser(const RecordParser&) = delete;
    RecordParser& operator=(const RecordParser&) = delete;

    // `line` must be followed by at least `kPadding` readable bytes (any content): simdjson
    // reads ahead. Lines from the scan's batch buffers satisfy this; otherwise the parser
    // copies the line into its own padded buffer.
    ParsedRecord parse(std::string_view line, size_t readableAfter);
    // As parse(), but the text is unescaped over its own escaped bytes in `line` (JSON escapes
    // never grow), so a huge record's text costs no second buffer. The line is left altered:
    // only for callers that need its bytes no more (the scan when no sink or seek cache reads
    // them). Same records accepted, same errors and the same text as parse().
    ParsedRecord parseInPlace(char* line, size_t size, size_t readableAfter);

    static constexpr size_t kPadding = 64;
    // simdjson's buffers grown past this for a huge record are freed at the next smaller one.
    static constexpr size_t kShrinkAbove = size_t(64) << 20;

private:
    ParsedRecord parseImpl(std::string_view line, size_t readableAfter, bool inPlace);
    struct Impl;
    std::unique_ptr<Impl> d;
};

// Number of Unicode code points in valid UTF-8 (counts bytes that are not continuation bytes).
size_t utf8Length(std::string_view s);

} // namespace shardscope
