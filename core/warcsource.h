#pragma once
// Common Crawl WET and WARC input (issue 21, part 5). A WARC stream (plain, gzip or zstd; detected by
// "WARC/" at the start of the decompressed stream, not by the file name) is read as the JSON Lines the
// rest of the engine reads: WarcSource wraps the decompressed stream and emits one synthesized line per
// document,
//   {"id": WARC-Record-ID, "url": WARC-Target-URI, "date": WARC-Date, "host": ..., "tld": ..., "text": body}
// so the scan, the seek cache, the document viewer and `apply` work unchanged. Offsets and line numbers
// of a WARC shard are those of this synthesized stream (the nth document is line n), never file offsets:
// a WARC shard is recorded as "warc", "warc+gzip" or "warc+zstd", never "plain", so documents are read
// back through the seek cache or by streaming the synthesized stream again.
//
// Documents: every `conversion` record (WET); a `resource` record whose Content-Type is text/plain; a
// `response` record whose HTTP Content-Type is text/plain (the text is the payload after the HTTP
// headers). warcinfo, request, metadata, revisit and every other record are skipped. A text/plain
// response with a Transfer-Encoding or Content-Encoding is not decoded: it becomes a rejected record
// (a line without "text", with "warc_error" saying why), so it is counted, not silently lost.
// The id keeps the WARC-Record-ID as written ("<urn:uuid:...>", as FineWeb's ids do); the URL loses the
// angle brackets some writers (wget) put around it; host is the URL's host in lower case without port
// or user, tld its last label (empty for an IP address or a host without a dot).
// The text is the body's bytes as they are; bytes that are not UTF-8 are copied too, so the record is
// rejected as not valid UTF-8, exactly as a JSON Lines record with such bytes is.
//
// Record boundaries. A record whose header lines end in CRLF (every WARC writer: the standard requires
// CRLF) is delimited by its Content-Length, which must be followed by the record trailer (CRLF CRLF) and
// the next "WARC/" header or the end of the stream; anything else is a wrong Content-Length or a broken
// header, and reading stops with an InputError at that record's decompressed byte offset, after every
// document before it has been handed out. A record whose header lines end in bare LF cannot have an exact
// Content-Length (converting the line ends changed the body's size: cc_net's test WET has byte counts
// that are off by up to 300), so it is read as cc_net reads WET files: the body runs to the next line
// "WARC/1.0" or "WARC/1.1" (or the end), without its trailing line breaks, and Content-Length is ignored.
// Memory: the body is streamed in chunks; a record of any size costs its line in the line reader, as a
// JSON Lines record of that size does, and nothing more.

#include "bytesource.h"

#include <memory>
#include <string>
#include <string_view>

namespace shardscope {

// True when these bytes (the start of a decompressed stream) begin a WARC file.
bool startsWarc(std::string_view head);

class WarcSource final : public ByteSource {
public:
    // `inner` is the decompressed stream (plain, gzip or zstd), read from its start.
    WarcSource(std::unique_ptr<ByteSource> inner, std::string path);
    ~WarcSource() override;

    size_t read(char* dst, size_t size) override;
    uint64_t compressedPos() const override;
    Compression compression() const override;

    // Records read (every type) and documents emitted so far, for tests and messages.
    uint64_t records() const;
    uint64_t documents() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace shardscope
