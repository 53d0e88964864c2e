// Fuzz target (issue 18): the byte sources (plain, gzip, zstd, chosen by magic bytes) and the line reader
// on top of them. InputError is the documented outcome of a corrupt or truncated stream; anything else
// (a crash, a sanitizer report, another exception) is a finding, as is a batch that breaks its own
// contract (a line outside the payload, a '\n' inside a line, missing padding, wrong line numbers).

#include "fuzzutil.h"

#include "bytesource.h"
#include "linereader.h"
#include "recordparser.h"
#include "warcsource.h"

#include <cstring>

using namespace shardscope;

static void readBatches(const std::string& path, std::string_view input)
{
    LineReader reader(ByteSource::open(path), path, 4096);
    LineBatch batch;
    uint64_t expectLine = 1;
    uint64_t expectOffset = 0;
    try {
        while (reader.nextBatch(batch)) {
            fuzz::check(!batch.lines.empty(), "nextBatch returned true with no lines");
            fuzz::check(batch.firstLine == expectLine, "batch line numbers are not contiguous");
            fuzz::check(batch.startOffset == expectOffset, "batch offsets are not contiguous");
            fuzz::check(batch.data.size() == batch.payload + RecordParser::kPadding, "batch padding missing");
            for (size_t i = 0; i < RecordParser::kPadding; ++i)
                fuzz::check(batch.data.data()[batch.payload + i] == '\0', "batch padding not zero");
            for (size_t i = 0; i < batch.lines.size(); ++i) {
                const auto& l = batch.lines[i];
                fuzz::check(uint64_t(l.begin) + l.length <= batch.payload, "line outside the payload");
                fuzz::check(std::memchr(batch.data.data() + l.begin, '\n', l.length) == nullptr, "'\\n' inside a line");
                fuzz::check(batch.readableAfter(i) >= RecordParser::kPadding, "line without read-ahead room");
            }
            expectLine += batch.lines.size();
            expectOffset += batch.payload;
        }
        // A plain WARC file is read as the JSON Lines of its documents (fuzz_warc checks it).
        if (reader.compression() == Compression::None && !startsWarc(input))
            fuzz::check(expectOffset == input.size(), "plain file not read to its end");
    } catch (const InputError&) {
        fuzz::check(
            reader.compression() != Compression::None || startsWarc(input), "InputError on a plain in-memory file");
    }
}

static void readLines(const std::string& path)
{
    LineReader reader(ByteSource::open(path), path, 4096);
    LineReader::Line line;
    uint64_t expect = 1;
    try {
        while (reader.next(line)) {
            fuzz::check(line.number == expect++, "line numbers are not contiguous");
            fuzz::check(line.text.find('\n') == std::string_view::npos, "'\\n' inside a line");
        }
    } catch (const InputError&) {
    }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static fuzz::MemFile file("fuzz_linereader");
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string& path = file.set(input);
    readBatches(path, input);
    readLines(path);
    return 0;
}
