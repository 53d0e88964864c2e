// Fuzz target (issue 18): the JSON Lines record parser with its field mapping, and the group detection
// that reads a shard's first records. Input: the first line names the fields as a user would give them
// ("text|id|group", each through FieldMapping::toPointer, so dotted names and JSON pointers both occur);
// every further line is a record. A rejected record (ParsedRecord::error) is the documented outcome of bad
// input; parse() and detectFields() never throw. Each record is parsed twice, once copied into the
// parser's own padded buffer and once in place with garbage after it (as in the scan's batch buffers,
// where the next line follows), and both must give the same answer.

#include "fuzzutil.h"

#include "fieldmapping.h"
#include "recordparser.h"

#include <vector>

using namespace shardscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static fuzz::MemFile file("fuzz_recordparser");
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const size_t nl = input.find('\n');
    const std::string_view spec = input.substr(0, nl);
    const std::string_view records = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

    FieldMapping fields;
    std::string_view parts[3];
    size_t n = 0, start = 0;
    while (n < 3) {
        const size_t bar = spec.find('|', start);
        parts[n++] = spec.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start);
        if (bar == std::string_view::npos)
            break;
        start = bar + 1;
    }
    if (n > 0 && !parts[0].empty())
        fields.text = FieldMapping::toPointer(parts[0]);
    if (n > 1)
        fields.id = FieldMapping::toPointer(parts[1]);
    if (n > 2)
        fields.group = FieldMapping::toPointer(parts[2]);
    (void)fields.describe();

    RecordParser copying(fields), inPlace(fields);
    std::vector<char> padded;
    size_t pos = 0;
    while (pos < records.size()) {
        size_t end = records.find('\n', pos);
        if (end == std::string_view::npos)
            end = records.size();
        const std::string_view line = records.substr(pos, end - pos);
        pos = end + 1;

        const ParsedRecord a = copying.parse(line, 0);
        const std::string aText(a.text), aId(a.id), aGroup(a.group), aError(a.error);
        padded.assign(line.begin(), line.end());
        // What follows a line in a batch buffer: '\n' and the next record, here quote and brace bytes that
        // would change the parse if the parser read past the line's end.
        for (size_t i = 0; i < RecordParser::kPadding; ++i)
            padded.push_back("\"}]\\\n,"[i % 6]);
        const ParsedRecord b = inPlace.parse(std::string_view(padded.data(), line.size()), RecordParser::kPadding);
        fuzz::check(a.ok() == b.ok(), "copied and in-place parses disagree on acceptance");
        if (a.ok()) {
            fuzz::check(aText == b.text && aId == b.id && aGroup == b.group,
                "copied and in-place parses disagree on text, id or group");
            (void)utf8Length(b.text);
        } else {
            fuzz::check(aError == b.error, "copied and in-place parses give different errors");
        }
    }

    FieldMapping detected = detectFields(file.set(records), fields, false, 50);
    (void)detected.describe();
    return 0;
}
