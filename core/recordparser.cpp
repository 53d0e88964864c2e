#include "recordparser.h"

#include "bytesource.h"
#include "linereader.h"

#include <simdjson.h>
#include <utf8proc.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>

namespace shardscope {

static_assert(RecordParser::kPadding >= simdjson::SIMDJSON_PADDING, "padding must cover simdjson's read-ahead");

namespace {
const char* typeName(simdjson::ondemand::json_type t)
{
    using T = simdjson::ondemand::json_type;
    switch (t) {
    case T::array:
        return "an array";
    case T::object:
        return "an object";
    case T::number:
        return "a number";
    case T::string:
        return "a string";
    case T::boolean:
        return "a boolean";
    case T::null:
        return "null";
    }
    return "unknown";
}
bool hex4(const char* p, uint32_t& out)
{
    out = 0;
    for (int i = 0; i < 4; ++i) {
        const char c = p[i];
        uint32_t v;
        if (c >= '0' && c <= '9')
            v = uint32_t(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = uint32_t(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v = uint32_t(c - 'A' + 10);
        else
            return false;
        out = out << 4 | v;
    }
    return true;
}

// Unescapes the JSON string body s[0, len) onto itself as simdjson's get_string() does (without
// replacement of bad surrogates): the same escapes accepted, the same rejected. Writes never
// overtake reads, since every escape is at least as long as what it stands for.
bool unescapeInPlace(char* s, size_t len, size_t& outLen)
{
    char* w = s;
    const char* r = s;
    const char* const end = s + len;
    while (r < end) {
        const char* bs = static_cast<const char*>(std::memchr(r, '\\', size_t(end - r)));
        const size_t plain = size_t((bs ? bs : end) - r);
        if (w != r)
            std::memmove(w, r, plain);
        w += plain;
        r += plain;
        if (!bs)
            break;
        if (end - r < 2)
            return false;
        switch (r[1]) {
        case '"':
        case '\\':
        case '/':
            *w++ = r[1];
            r += 2;
            continue;
        case 'b':
            *w++ = '\b';
            r += 2;
            continue;
        case 'f':
            *w++ = '\f';
            r += 2;
            continue;
        case 'n':
            *w++ = '\n';
            r += 2;
            continue;
        case 'r':
            *w++ = '\r';
            r += 2;
            continue;
        case 't':
            *w++ = '\t';
            r += 2;
            continue;
        case 'u':
            break;
        default:
            return false;
        }
        uint32_t cp;
        if (end - r < 6 || !hex4(r + 2, cp))
            return false;
        r += 6;
        if (cp >= 0xD800 && cp < 0xDC00) {
            uint32_t low;
            if (end - r < 6 || r[0] != '\\' || r[1] != 'u' || !hex4(r + 2, low) || low < 0xDC00 || low > 0xDFFF)
                return false;
            cp = (((cp - 0xD800) << 10) | (low - 0xDC00)) + 0x10000;
            r += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
        }
        w += utf8proc_encode_char(utf8proc_int32_t(cp), reinterpret_cast<utf8proc_uint8_t*>(w));
    }
    outLen = size_t(w - s);
    return true;
}

// Outcomes of at_pointer() after which the document can still be queried.
bool benignPointerError(simdjson::error_code e)
{
    return e == simdjson::NO_SUCH_FIELD || e == simdjson::INCORRECT_TYPE || e == simdjson::INVALID_JSON_POINTER
        || e == simdjson::INDEX_OUT_OF_BOUNDS;
}

// simdjson compares a pointer's keys with a record's raw (still escaped) key bytes and assumes they hold no
// quote: with a field name containing '"' it matched past the end of a key, so what a record yielded
// depended on the bytes after it, the next record in a batch (issue 18, found by fuzz_recordparser). The
// keys are compared in their JSON-escaped form instead, the form a quote or backslash takes in a record.
std::string rawKeyPointer(const std::string& pointer)
{
    std::string out;
    out.reserve(pointer.size());
    for (char c : pointer) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}
} // namespace

struct RecordParser::Impl {
    FieldMapping fields;
    std::string textPointer, idPointer, groupPointer; // fields as simdjson matches them (rawKeyPointer)
    simdjson::ondemand::parser parser;
    std::string padded;   // for lines without read-ahead room
    std::string idScratch;
    std::string groupScratch;
};

RecordParser::RecordParser(FieldMapping fields)
    : d(std::make_unique<Impl>())
{
    d->fields = std::move(fields);
    d->textPointer = rawKeyPointer(d->fields.text);
    d->idPointer = rawKeyPointer(d->fields.id);
    d->groupPointer = rawKeyPointer(d->fields.group);
}

RecordParser::~RecordParser() = default;

ParsedRecord RecordParser::parse(std::string_view line, size_t readableAfter)
{
    return parseImpl(line, readableAfter, false);
}

ParsedRecord RecordParser::parseInPlace(char* line, size_t size, size_t readableAfter)
{
    return parseImpl(std::string_view(line, size), readableAfter, true);
}

ParsedRecord RecordParser::parseImpl(std::string_view line, size_t readableAfter, bool inPlace)
{
    using namespace simdjson;
    ParsedRecord r;
    // Tolerate CRLF files: the '\r' before '\n' is not part of the JSON.
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    // simdjson keeps the capacity of the largest record it has seen, and its string buffer keeps
    // that record's unescaped text resident (100 MB after a 100 MiB text): free it once records
    // are ordinary again rather than hold it for the rest of the scan.
    if (d->parser.capacity() > kShrinkAbove && line.size() < d->parser.capacity() / 4)
        if (d->parser.allocate(std::max(line.size(), kShrinkAbove / 4)) != simdjson::SUCCESS)
            d->parser = simdjson::ondemand::parser(); // out of memory: start again from nothing
    const char* buf = line.data();
    size_t capacity = line.size() + readableAfter;
    if (readableAfter < simdjson::SIMDJSON_PADDING) {
        d->padded.assign(line);
        d->padded.append(simdjson::SIMDJSON_PADDING, ' ');
        buf = d->padded.data();
        capacity = d->padded.size();
    }
    ondemand::document doc;
    auto err = d->parser.iterate(buf, line.size(), capacity).get(doc);
    if (err) {
        r.error = std::string("invalid JSON: ") + error_message(err);
        return r;
    }
    ondemand::json_type rootType;
    if ((err = doc.type().get(rootType))) {
        r.error = std::string("invalid JSON: ") + error_message(err);
        return r;
    }
    if (rootType != ondemand::json_type::object) {
        r.error = std::string("record is ") + typeName(rootType) + ", expected a JSON object";
        return r;
    }

    // id and group first: simdjson reuses its string buffer on every at_pointer() (it rewinds),
    // so they are copied out before the text is unescaped into that buffer. An error other
    // than "not there" / "wrong type" leaves simdjson's iterator unusable (it abandons the
    // document), so the record is rejected at once instead of being looked at again.
    bool broken = false;
    auto stringOrToken = [&](const std::string& ptr, std::string& out) -> std::string_view {
        if (ptr.empty() || broken)
            return {};
        ondemand::value fv;
        auto e = doc.at_pointer(ptr).get(fv);
        if (e) {
            if (!benignPointerError(e)) {
                broken = true;
                r.error = std::string("invalid JSON: ") + error_message(e);
            }
            return {};
        }
        ondemand::json_type ft;
        if ((e = fv.type().get(ft))) {
            broken = true;
            r.error = std::string("invalid JSON: ") + error_message(e);
            return {};
        }
        if (ft == ondemand::json_type::string) {
            std::string_view s;
            if (!(e = fv.get_string().get(s)))
                return out.assign(s);
            broken = true;
            r.error = std::string("invalid JSON: ") + error_message(e);
            return {};
        }
        if (ft == ondemand::json_type::number) {
            std::string_view tok = fv.raw_json_token();
            while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t' || tok.back() == ',' || tok.back() == '}'))
                tok.remove_suffix(1);
            return out.assign(tok);
        }
        return {};
    };
    r.id = stringOrToken(d->idPointer, d->idScratch);
    r.group = stringOrToken(d->groupPointer, d->groupScratch);
    if (broken)
        return r;

    ondemand::value v;
    err = doc.at_pointer(d->textPointer).get(v);
    if (err == NO_SUCH_FIELD || err == INVALID_JSON_POINTER || err == INCORRECT_TYPE) {
        // Name the fields that are there: a wrong --text-field is the usual cause.
        r.error = "missing text field " + d->fields.text;
        std::string keys;
        ondemand::object obj;
        doc.rewind();
        if (!doc.get_object().get(obj)) {
            int n = 0;
            for (auto field : obj) {
                std::string_view key;
                if (field.unescaped_key().get(key) || ++n > 8)
                    break;
                keys += (keys.empty() ? "" : ", ") + std::string(key);
            }
        }
        if (!keys.empty())
            r.error += " (record has: " + keys + ")";
        return r;
    }
    if (err) {
        r.error = std::string("invalid JSON: ") + error_message(err);
        return r;
    }
    ondemand::json_type t;
    if ((err = v.type().get(t))) {
        r.error = std::string("invalid JSON: ") + error_message(err);
        return r;
    }
    if (t != ondemand::json_type::string) {
        r.error = "text field " + d->fields.text + " is " + typeName(t) + ", expected a string";
        return r;
    }
    std::string_view text;
    if (inPlace && buf == line.data()) {
        // The token runs from its opening quote to the next token; simdjson's stage 1 has already
        // matched the quotes and validated the UTF-8, so what is left is the escapes.
        std::string_view tok = v.raw_json_token();
        while (tok.size() > 1 && (tok.back() == ' ' || tok.back() == '\t' || tok.back() == '\n' || tok.back() == '\r'))
            tok.remove_suffix(1);
        if (tok.size() < 2 || tok.front() != '"' || tok.back() != '"') {
            r.error = "text field " + d->fields.text + ": " + error_message(STRING_ERROR);
            return r;
        }
        char* begin = const_cast<char*>(tok.data()) + 1;
        size_t n = 0;
        if (!unescapeInPlace(begin, tok.size() - 2, n)) {
            r.error = "text field " + d->fields.text + ": " + error_message(STRING_ERROR);
            return r;
        }
        text = std::string_view(begin, n);
    } else if ((err = v.get_string().get(text))) {
        r.error = "text field " + d->fields.text + ": " + error_message(err);
        return r;
    }
    r.text = text;

    return r;
}

size_t utf8Length(std::string_view s)
{
    size_t n = 0;
    for (unsigned char c : s)
        n += (c & 0xC0) != 0x80;
    return n;
}

// ---------------------------------------------------------------------------------------------

const std::vector<std::string>& FieldMapping::groupCandidates()
{
    static const std::vector<std::string> c { "/source", "/meta/pile_set_name", "/meta/redpajama_set_name",
                                              "/metadata/source", "/meta/source" };
    return c;
}

std::string FieldMapping::toPointer(std::string_view f)
{
    if (f.empty() || f.front() == '/')
        return std::string(f);
    std::string p = "/";
    for (char c : f) {
        if (c == '.')
            p += '/';
        else if (c == '~')
            p += "~0";
        else
            p += c;
    }
    return p;
}

std::string FieldMapping::describe() const
{
    return "text=" + text + " id=" + (id.empty() ? std::string("(record number)") : id)
        + " group=" + (group.empty() ? std::string("(none)") : group) + (confident ? "" : " (unsure)");
}

FieldMapping detectFields(const std::string& shardPath, FieldMapping given, bool groupGiven, int maxRecords)
{
    if (groupGiven)
        return given;
    // WARC and WET documents (warcsource.h) all have a URL: group by its top-level domain, a few dozen
    // groups (the host, `--group host`, gives one per site).
    if (ByteSource::isWarc(shardPath)) {
        given.group = "/tld";
        given.groupDetected = true;
        given.confident = true;
        return given;
    }
    std::map<std::string, int> hits;
    int seen = 0;
    try {
        LineReader reader(ByteSource::open(shardPath), shardPath);
        simdjson::ondemand::parser parser;
        LineReader::Line line;
        while (seen < maxRecords && reader.next(line)) {
            if (line.text.find_first_not_of(" \t\r") == std::string_view::npos)
                continue;
            // In place: the reader's buffer has kPadding readable bytes after every line, so a huge
            // record is not copied whole into a padded_string just to look up its group field.
            simdjson::ondemand::document doc;
            if (parser.iterate(line.text.data(), line.text.size(), line.text.size() + RecordParser::kPadding).get(doc))
                continue;
            ++seen;
            for (const auto& ptr : FieldMapping::groupCandidates()) {
                simdjson::ondemand::value v;
                auto e = doc.at_pointer(ptr).get(v);
                if (e && !benignPointerError(e))
                    break;
                std::string_view s;
                if (!e && !v.get_string().get(s))
                    ++hits[ptr];
            }
        }
    } catch (const InputError&) {
        // Detection is best-effort; the scan reports the error with full context.
    }
    given.group.clear();
    given.groupDetected = true;
    given.confident = true;
    for (const auto& ptr : FieldMapping::groupCandidates()) {
        auto it = hits.find(ptr);
        if (it != hits.end() && it->second * 2 > seen) {
            given.group = ptr;
            given.confident = it->second == seen;
            break;
        }
        if (it != hits.end())
            given.confident = false;
    }
    return given;
}

} // namespace shardscope
