#include "warcsource.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

namespace shardscope {

bool startsWarc(std::string_view head)
{
    return head.substr(0, 5) == "WARC/";
}

namespace {

constexpr size_t kReadChunk = 256 * 1024;
constexpr size_t kStep = 64 * 1024; // body bytes turned into output per step
constexpr size_t kMaxHeader = 1 << 20; // a WARC header (or a response's HTTP header) longer than this is broken
constexpr size_t kMaxHttpHeader = 64 * 1024;

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = char(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = char(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// "text/plain; charset=utf-8" -> true
bool isTextPlain(std::string_view contentType)
{
    std::string_view media = trim(contentType.substr(0, contentType.find(';')));
    return iequals(media, "text/plain");
}

// Appends `s` as the inside of a JSON string. Bytes >= 0x80 are copied as they are: valid UTF-8 stays
// text, and invalid bytes make the line invalid UTF-8, so the record is rejected as a JSON Lines record
// with such bytes is.
void appendEscaped(std::string& out, const char* s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    for (size_t i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    out.append(s + run, n - run);
}

void appendField(std::string& out, const char* name, std::string_view value)
{
    out += out.back() == '{' ? "\"" : ",\"";
    out += name;
    out += "\":\"";
    appendEscaped(out, value.data(), value.size());
    out += '"';
}

// Host and top-level domain of a URL: "https://User@www.Example.co.uk:8080/x" -> "www.example.co.uk", "uk".
void hostAndTld(std::string_view url, std::string& host, std::string& tld)
{
    host.clear();
    tld.clear();
    const size_t scheme = url.find("://");
    if (scheme == std::string_view::npos)
        return;
    std::string_view auth = url.substr(scheme + 3);
    auth = auth.substr(0, auth.find_first_of("/?#"));
    const size_t at = auth.rfind('@');
    if (at != std::string_view::npos)
        auth.remove_prefix(at + 1);
    if (!auth.empty() && auth.front() == '[') { // IPv6 literal: a host, no TLD
        host.assign(auth.substr(0, auth.find(']') + 1));
        return;
    }
    auth = auth.substr(0, auth.find(':'));
    while (!auth.empty() && auth.back() == '.')
        auth.remove_suffix(1);
    host.assign(auth);
    for (char& c : host)
        if (c >= 'A' && c <= 'Z')
            c = char(c - 'A' + 'a');
    const size_t dot = host.rfind('.');
    if (dot == std::string::npos)
        return;
    tld = host.substr(dot + 1);
    if (std::all_of(tld.begin(), tld.end(), [](char c) { return c >= '0' && c <= '9'; }))
        tld.clear(); // an IPv4 address
}

// A line "WARC/1.0" or "WARC/1.1" (LF or CRLF, or at the end of the stream) at p: a record starts here.
bool isVersionLine(const char* p, size_t avail)
{
    if (avail < 8 || std::memcmp(p, "WARC/1.", 7) != 0 || (p[7] != '0' && p[7] != '1'))
        return false;
    if (avail == 8)
        return true;
    return p[8] == '\n' || (p[8] == '\r' && (avail == 9 || p[9] == '\n'));
}

std::string printable(const char* p, size_t n)
{
    std::string s;
    for (size_t i = 0; i < n && s.size() < 40; ++i) {
        const unsigned char c = static_cast<unsigned char>(p[i]);
        if (c == '\r')
            s += "\\r";
        else if (c == '\n')
            s += "\\n";
        else if (c < 0x20 || c >= 0x7f)
            s += '?';
        else
            s += char(c);
    }
    return "'" + s + "'";
}

} // namespace

struct WarcSource::Impl {
    std::unique_ptr<ByteSource> inner;
    std::string path;

    // The decompressed WARC stream: in[pos, end) is read but not consumed; in[0] is at stream offset base.
    std::vector<char> in;
    size_t pos = 0, end = 0;
    uint64_t base = 0;
    bool innerEof = false;
    // The decompressed stream broke (a truncated or corrupt gzip member): raised once a record needs bytes
    // past the break, so the records before it, already in the buffer, are read first.
    std::optional<InputError> innerError;

    // Synthesized JSON Lines not yet handed out.
    std::string out;
    size_t outPos = 0;
    std::optional<InputError> pending;
    bool done = false;

    enum class State { Header, ExactBody, LineBody, Trailer };
    State state = State::Header;
    uint64_t recordStart = 0; // stream offset of the current record's "WARC/"
    uint64_t contentLength = 0;
    uint64_t remaining = 0; // ExactBody: body bytes left
    bool document = false; // the record's body becomes a line's text
    bool rejected = false; // the record is a document whose text cannot be given (warc_error)
    bool atLineStart = true; // LineBody
    std::string heldBreaks; // LineBody: line breaks not yet emitted (dropped at the record's end)
    uint64_t records = 0, documents = 0;

    uint64_t offset() const { return base + pos; }
    size_t avail() const { return end - pos; }
    const char* at() const { return in.data() + pos; }

    [[noreturn]] void fail(const std::string& what) const
    {
        throw InputError(path, recordStart,
            "WARC record starting at decompressed byte " + std::to_string(recordStart) + ": " + what);
    }

    // Makes at least `want` unconsumed bytes available unless the stream ends first; returns how many are.
    size_t fill(size_t want)
    {
        while (end - pos < want && !innerEof) {
            if (pos > 0 && (in.size() - end < kReadChunk || pos >= in.size() / 2)) {
                std::memmove(in.data(), in.data() + pos, end - pos);
                end -= pos;
                base += pos;
                pos = 0;
            }
            if (in.size() - end < kReadChunk)
                in.resize(std::max(in.size() * 2, end + kReadChunk));
            size_t n = 0;
            try {
                n = inner->read(in.data() + end, in.size() - end);
            } catch (const InputError& e) {
                innerError = e;
            }
            if (n == 0)
                innerEof = true;
            end += n;
        }
        // A huge header grew the buffer: give it back once it is consumed.
        if (pos == end && in.size() > 4 * kReadChunk) {
            base += pos;
            pos = end = 0;
            std::vector<char>().swap(in);
        }
        return end - pos;
    }

    // Called where fewer bytes than needed are left: the end of the stream, or the error that broke it.
    void endOfStream() const
    {
        if (innerError)
            throw *innerError;
    }

    void step();
    void header();
    void exactBody();
    void lineBody();
    void trailer();
    void endRecord();
};

void WarcSource::Impl::step()
{
    switch (state) {
    case State::Header:
        header();
        break;
    case State::ExactBody:
        exactBody();
        break;
    case State::LineBody:
        lineBody();
        break;
    case State::Trailer:
        trailer();
        break;
    }
}

void WarcSource::Impl::header()
{
    // Blank lines between records (LF files put more or fewer than the standard's two).
    for (;;) {
        if (fill(1) == 0) {
            endOfStream();
            done = true;
            return;
        }
        if (*at() != '\r' && *at() != '\n')
            break;
        ++pos;
    }
    recordStart = offset();
    // The whole header: lines up to the first empty one.
    size_t headerEnd = 0; // bytes of header, blank line included
    for (size_t want = 4096;; want *= 2) {
        const size_t n = fill(std::min(want, kMaxHeader + 2));
        size_t lineStart = 0;
        while (true) {
            const char* nl = static_cast<const char*>(std::memchr(at() + lineStart, '\n', n - lineStart));
            if (!nl)
                break;
            const size_t lineEnd = size_t(nl - at());
            std::string_view line(at() + lineStart, lineEnd - lineStart);
            lineStart = lineEnd + 1;
            if (line.empty() || line == "\r") {
                headerEnd = lineStart;
                break;
            }
        }
        if (headerEnd)
            break;
        if (n > kMaxHeader)
            fail("header longer than " + std::to_string(kMaxHeader) + " bytes (no empty line ends it)");
        if (n < std::min(want, kMaxHeader + 2)) {
            endOfStream();
            fail("the stream ends inside the record's header (" + std::to_string(n) + " bytes, no empty line)");
        }
    }
    const std::string_view head(at(), headerEnd);
    if (!startsWarc(head))
        fail("expected a WARC record header ('WARC/1.0'), found " + printable(at(), std::min<size_t>(headerEnd, 40)));
    const size_t firstNl = head.find('\n');
    const bool crlf = firstNl > 0 && head[firstNl - 1] == '\r';

    std::string type, id, url, date, contentType, lengthText;
    bool haveLength = false;
    std::string* last = nullptr;
    size_t p = firstNl + 1;
    while (p < head.size()) {
        const size_t nl = head.find('\n', p);
        std::string_view line = head.substr(p, nl - p);
        p = nl + 1;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.empty())
            break;
        if ((line.front() == ' ' || line.front() == '\t') && last) { // a folded continuation line
            *last += ' ';
            *last += trim(line);
            continue;
        }
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            fail("malformed header line " + printable(line.data(), line.size()) + " (expected 'Name: value')");
        const std::string_view name = trim(line.substr(0, colon));
        const std::string_view value = trim(line.substr(colon + 1));
        last = nullptr;
        if (iequals(name, "WARC-Type"))
            last = &type;
        else if (iequals(name, "WARC-Record-ID"))
            last = &id;
        else if (iequals(name, "WARC-Target-URI"))
            last = &url;
        else if (iequals(name, "WARC-Date"))
            last = &date;
        else if (iequals(name, "Content-Type"))
            last = &contentType;
        else if (iequals(name, "Content-Length")) {
            last = &lengthText;
            haveLength = true;
        }
        if (last)
            last->assign(value);
    }
    if (crlf) {
        if (!haveLength)
            fail("malformed header: no Content-Length");
        if (lengthText.empty() || lengthText.size() > 15
            || !std::all_of(lengthText.begin(), lengthText.end(), [](char c) { return c >= '0' && c <= '9'; }))
            fail("malformed header: Content-Length " + printable(lengthText.data(), lengthText.size())
                + " is not a byte count");
        contentLength = std::stoull(lengthText);
    }
    pos += headerEnd;
    ++records;
    // Some writers (wget) put the URI in angle brackets, as WARC 1.0's grammar once showed it.
    if (url.size() >= 2 && url.front() == '<' && url.back() == '>')
        url = url.substr(1, url.size() - 2);

    document = false;
    rejected = false;
    std::string why;
    size_t skip = 0; // bytes of the body before the text (a response's HTTP header)
    if (iequals(type, "conversion")) {
        document = true;
    } else if (iequals(type, "resource")) {
        document = isTextPlain(contentType);
    } else if (iequals(type, "response")) {
        const std::string_view media = trim(std::string_view(contentType).substr(0, contentType.find(';')));
        if (!iequals(media, "application/http")) {
            document = isTextPlain(contentType);
        } else {
            // The HTTP header decides: it ends at the first empty line, within the body.
            size_t limit = crlf ? size_t(std::min<uint64_t>(contentLength, kMaxHttpHeader)) : kMaxHttpHeader;
            const size_t n = std::min(fill(limit), limit);
            std::string_view body(at(), n);
            if (!crlf) { // a LF file's body ends at the next version line
                for (size_t q = 0; q < body.size();) {
                    if (isVersionLine(body.data() + q, body.size() - q) && (q == 0 || body[q - 1] == '\n')) {
                        body = body.substr(0, q);
                        break;
                    }
                    const size_t nl = body.find('\n', q);
                    q = nl == std::string_view::npos ? body.size() : nl + 1;
                }
            }
            size_t httpEnd = 0;
            std::string httpType, encoding;
            for (size_t q = 0; q < body.size();) {
                const size_t nl = body.find('\n', q);
                if (nl == std::string_view::npos)
                    break;
                std::string_view line = body.substr(q, nl - q);
                q = nl + 1;
                if (!line.empty() && line.back() == '\r')
                    line.remove_suffix(1);
                if (line.empty()) {
                    httpEnd = q;
                    break;
                }
                const size_t colon = line.find(':');
                if (colon == std::string_view::npos)
                    continue; // the status line
                const std::string_view name = trim(line.substr(0, colon));
                const std::string_view value = trim(line.substr(colon + 1));
                if (iequals(name, "Content-Type"))
                    httpType.assign(value);
                else if ((iequals(name, "Transfer-Encoding") || iequals(name, "Content-Encoding"))
                    && !iequals(value, "identity"))
                    encoding = std::string(name) + ": " + std::string(value);
            }
            if (httpEnd && isTextPlain(httpType)) {
                document = true;
                skip = httpEnd;
                if (!encoding.empty()) {
                    rejected = true;
                    why = "text/plain response with " + encoding + ", which is not decoded";
                }
            }
        }
    }
    if (document) {
        ++documents;
        out += '{';
        appendField(out, "id", id);
        appendField(out, "url", url);
        appendField(out, "date", date);
        std::string host, tld;
        hostAndTld(url, host, tld);
        appendField(out, "host", host);
        appendField(out, "tld", tld);
        if (rejected)
            appendField(out, "warc_error", "record at decompressed byte " + std::to_string(recordStart) + ": " + why);
        else
            out += ",\"text\":\"";
    }
    if (crlf) {
        remaining = contentLength;
        const size_t n = size_t(std::min<uint64_t>(skip, remaining));
        pos += n; // within what fill() made available for the HTTP header
        remaining -= n;
        state = State::ExactBody;
    } else {
        pos += skip;
        atLineStart = skip == 0 || at()[-1] == '\n';
        heldBreaks.clear();
        state = State::LineBody;
    }
}

void WarcSource::Impl::exactBody()
{
    if (remaining == 0) {
        state = State::Trailer;
        return;
    }
    const size_t n = fill(size_t(std::min<uint64_t>(remaining, kStep)));
    if (n == 0)
        endOfStream();
    if (n == 0)
        fail("truncated: the stream ends " + std::to_string(contentLength - remaining)
            + " bytes into a body whose Content-Length is " + std::to_string(contentLength));
    const size_t take = size_t(std::min<uint64_t>({ remaining, uint64_t(n), uint64_t(kStep) }));
    if (document && !rejected)
        appendEscaped(out, at(), take);
    pos += take;
    remaining -= take;
}

void WarcSource::Impl::trailer()
{
    // The standard's record trailer is CRLF CRLF, then the next record's "WARC/" or the end. A body that ends
    // the stream without its trailer is complete all the same.
    size_t n = fill(4);
    if (n < 4)
        endOfStream();
    if (n > 0) {
        if (n < 4 || std::memcmp(at(), "\r\n\r\n", 4) != 0) {
            if (std::all_of(at(), at() + n, [](char c) { return c == '\r' || c == '\n'; }) && n < 4) {
                pos += n; // a trailer cut short by the end of the stream
            } else {
                fail("Content-Length " + std::to_string(contentLength)
                    + " does not end the record: the body is followed by " + printable(at(), n)
                    + " where the record trailer (CRLF CRLF) and the next 'WARC/' header should be");
            }
        } else {
            pos += 4;
            while (fill(1) > 0 && (*at() == '\r' || *at() == '\n'))
                ++pos;
            n = fill(5);
            if (n < 5)
                endOfStream();
            if (n > 0 && !startsWarc(std::string_view(at(), n)))
                fail("Content-Length " + std::to_string(contentLength)
                    + " does not end the record: the trailer is followed by " + printable(at(), std::min<size_t>(n, 40))
                    + " where the next 'WARC/' header should be");
        }
    }
    endRecord();
}

void WarcSource::Impl::lineBody()
{
    // A LF file: the body runs to the next "WARC/1.x" line; its trailing line breaks are the record separator.
    const size_t n = fill(atLineStart ? 10 : 1);
    if (n < (atLineStart ? 10u : 1u))
        endOfStream();
    if (n == 0 || (atLineStart && isVersionLine(at(), n))) {
        endRecord();
        return;
    }
    const size_t span = std::min(n, kStep);
    const char* nl = static_cast<const char*>(std::memchr(at(), '\n', span));
    const size_t take = nl ? size_t(nl - at()) + 1 : span;
    if (document && !rejected) {
        size_t content = take;
        while (content > 0 && (at()[content - 1] == '\n' || at()[content - 1] == '\r'))
            --content;
        if (content > 0) {
            appendEscaped(out, heldBreaks.data(), heldBreaks.size());
            heldBreaks.clear();
            appendEscaped(out, at(), content);
        }
        heldBreaks.append(at() + content, take - content);
    }
    pos += take;
    atLineStart = nl != nullptr;
}

void WarcSource::Impl::endRecord()
{
    if (document)
        out += rejected ? "}\n" : "\"}\n";
    heldBreaks.clear();
    if (heldBreaks.capacity() > kReadChunk)
        std::string().swap(heldBreaks);
    state = State::Header;
}

WarcSource::WarcSource(std::unique_ptr<ByteSource> inner, std::string path)
    : d(std::make_unique<Impl>())
{
    d->inner = std::move(inner);
    d->path = std::move(path);
}

WarcSource::~WarcSource() = default;

size_t WarcSource::read(char* dst, size_t size)
{
    Impl& s = *d;
    size_t produced = 0;
    while (produced < size) {
        if (s.outPos < s.out.size()) {
            const size_t n = std::min(size - produced, s.out.size() - s.outPos);
            std::memcpy(dst + produced, s.out.data() + s.outPos, n);
            produced += n;
            s.outPos += n;
            continue;
        }
        if (s.pending) {
            // Every good byte first; the error surfaces on the next call.
            if (produced)
                break;
            throw *s.pending;
        }
        if (s.done)
            break;
        s.out.clear();
        s.outPos = 0;
        if (s.out.capacity() > 4 * kReadChunk)
            std::string().swap(s.out);
        try {
            s.step();
        } catch (const InputError& e) {
            s.pending = e;
        }
    }
    return produced;
}

uint64_t WarcSource::compressedPos() const
{
    return d->inner->compressedPos();
}

Compression WarcSource::compression() const
{
    return d->inner->compression();
}

uint64_t WarcSource::records() const
{
    return d->records;
}

uint64_t WarcSource::documents() const
{
    return d->documents;
}

} // namespace shardscope
