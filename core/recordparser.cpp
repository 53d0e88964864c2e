#include "recordparser.h"

#include "bytesource.h"
#include "linereader.h"

#include <simdjson.h>

#include <algorithm>
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
// Outcomes of at_pointer() after which the document can still be queried.
bool benignPointerError(simdjson::error_code e)
{
    return e == simdjson::NO_SUCH_FIELD || e == simdjson::INCORRECT_TYPE || e == simdjson::INVALID_JSON_POINTER
        || e == simdjson::INDEX_OUT_OF_BOUNDS;
}
} // namespace

struct RecordParser::Impl {
    FieldMapping fields;
    simdjson::ondemand::parser parser;
    std::string padded;   // for lines without read-ahead room
    std::string idScratch;
    std::string groupScratch;
};

RecordParser::RecordParser(FieldMapping fields)
    : d(std::make_unique<Impl>())
{
    d->fields = std::move(fields);
}

RecordParser::~RecordParser() = default;

ParsedRecord RecordParser::parse(std::string_view line, size_t readableAfter)
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
    r.id = stringOrToken(d->fields.id, d->idScratch);
    r.group = stringOrToken(d->fields.group, d->groupScratch);
    if (broken)
        return r;

    ondemand::value v;
    err = doc.at_pointer(d->fields.text).get(v);
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
    if ((err = v.get_string().get(text))) {
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
