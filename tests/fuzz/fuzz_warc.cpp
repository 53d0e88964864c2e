// Fuzz target (issue 21, part 5): the WARC/WET reader (WarcSource, chosen by ByteSource::open when the
// decompressed stream starts with "WARC/") under the line reader, as the scan reads it. InputError is the
// documented outcome of a broken record or stream; anything else (a crash, a sanitizer report, another
// exception) is a finding, as is output that breaks the reader's contract: every complete line it emits is one
// JSON object with id, url, date, host and tld strings and either a text string or a warc_error (a record
// whose text is not decoded), unless the record's bytes are not valid UTF-8, which the parser rejects as it
// rejects such a JSON Lines record.

#include "fuzzutil.h"

#include "bytesource.h"
#include "fieldmapping.h"
#include "linereader.h"
#include "recordparser.h"
#include "warcsource.h"

#include <vector>

using namespace shardscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static fuzz::MemFile file("fuzz_warc");
    // A WARC file starts with "WARC/": prefix the inputs that do not, so every input reaches the reader.
    std::string input(reinterpret_cast<const char*>(data), size);
    if (!startsWarc(input) && !(size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
        && !(size >= 4 && data[0] == 0x28 && data[1] == 0xb5 && data[2] == 0x2f && data[3] == 0xfd))
        input.insert(0, "WARC/1.0\r\n");
    const std::string& path = file.set(input);

    FieldMapping text; // the defaults, /text and /id, are the synthesized fields
    text.group = "/tld";
    FieldMapping error;
    error.text = "/warc_error";
    RecordParser parser(text), errorParser(error), urlParser({ "/url", "/host", "/date", false, true });
    std::vector<char> padded;
    try {
        auto source = ByteSource::open(path);
        if (!dynamic_cast<WarcSource*>(source.get()))
            return 0; // a compressed input holding something else: fuzz_linereader reads those
        LineReader reader(std::move(source), path, 4096);
        LineBatch batch;
        while (reader.nextBatch(batch)) {
            for (size_t i = 0; i < batch.lines.size(); ++i) {
                const std::string_view line = batch.line(i);
                fuzz::check(!line.empty() && line.front() == '{' && line.back() == '}', "line is not one object");
                ParsedRecord rec = parser.parse(line, batch.readableAfter(i));
                if (rec.ok()) {
                    fuzz::check(!rec.id.empty() || line.starts_with("{\"id\":\"\""), "id lost");
                    continue;
                }
                if (rec.error.find("UTF-8") != std::string::npos)
                    continue;
                ParsedRecord err = errorParser.parse(line, batch.readableAfter(i));
                fuzz::check(err.ok(), "a line without text has no warc_error");
                fuzz::check(urlParser.parse(line, batch.readableAfter(i)).ok(), "url, host, date not strings");
            }
        }
    } catch (const InputError&) {
    }
    fuzz::check(detectFields(path, {}, false).group == "/tld", "a WARC shard is not grouped by TLD");
    return 0;
}
