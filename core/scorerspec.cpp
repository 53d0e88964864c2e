#include "scorerspec.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

#include <xxhash.h>

namespace shardscope {

namespace {

bool isNameChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::invalid_argument specError(std::string_view text, size_t pos, const std::string& what)
{
    return std::invalid_argument("scorer spec '" + std::string(text) + "': " + what + " (at character "
        + std::to_string(pos + 1) + "; expected name or name:key=value,key=value)");
}

// Splits at unescaped commas, keeping the escapes (parse() removes them). `starts` gets each piece's offset.
std::vector<std::string_view> splitUnescaped(std::string_view text, std::vector<size_t>& starts)
{
    std::vector<std::string_view> out;
    size_t begin = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\') {
            ++i; // the escaped character, whatever it is; a dangling '\' is parse()'s to report
        } else if (text[i] == ',') {
            out.push_back(text.substr(begin, i - begin));
            starts.push_back(begin);
            begin = i + 1;
        }
    }
    out.push_back(text.substr(begin));
    starts.push_back(begin);
    return out;
}

std::string_view trimmed(std::string_view s, size_t* offset = nullptr)
{
    size_t lead = 0;
    while (lead < s.size() && s[lead] == ' ')
        ++lead;
    s.remove_prefix(lead);
    while (!s.empty() && s.back() == ' ')
        s.remove_suffix(1);
    if (offset)
        *offset += lead;
    return s;
}

} // namespace

bool isScorerName(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), isNameChar);
}

ScorerSpec ScorerSpec::parse(std::string_view text)
{
    ScorerSpec spec;
    const size_t colon = text.find(':');
    std::string_view name = text.substr(0, colon);
    if (name.empty())
        throw specError(text, 0, "no scorer name");
    for (size_t i = 0; i < name.size(); ++i)
        if (!isNameChar(name[i]))
            throw specError(text, i, std::string("'") + name[i] + "' is not allowed in a scorer name");
    spec.name = std::string(name);
    if (colon == std::string_view::npos)
        return spec;
    const std::string_view rest = text.substr(colon + 1);
    if (rest.empty())
        throw specError(text, colon, "':' without parameters");
    std::vector<size_t> starts;
    const auto pieces = splitUnescaped(rest, starts);
    for (size_t p = 0; p < pieces.size(); ++p) {
        const std::string_view piece = pieces[p];
        const size_t at = colon + 1 + starts[p];
        if (piece.empty())
            throw specError(text, at, "empty parameter (a ',' too many?)");
        const size_t eq = piece.find('=');
        if (eq == std::string_view::npos)
            throw specError(text, at, "parameter '" + std::string(piece) + "' has no '='");
        const std::string_view key = piece.substr(0, eq);
        if (key.empty())
            throw specError(text, at, "parameter without a name before '='");
        for (size_t i = 0; i < key.size(); ++i)
            if (!isNameChar(key[i]))
                throw specError(text, at + i, std::string("'") + key[i] + "' is not allowed in a parameter name");
        std::string value;
        for (size_t i = eq + 1; i < piece.size(); ++i) {
            if (piece[i] == '\\') {
                if (i + 1 == piece.size())
                    throw specError(text, at + i, "'\\' at the end (write '\\\\' for a backslash)");
                ++i;
            }
            value += piece[i];
        }
        if (value.empty())
            throw specError(text, at + eq, "parameter '" + std::string(key) + "' has an empty value");
        if (!spec.params.emplace(std::string(key), std::move(value)).second)
            throw specError(text, at, "parameter '" + std::string(key) + "' given twice");
    }
    return spec;
}

std::vector<ScorerSpec> ScorerSpec::parseList(std::string_view text)
{
    std::vector<size_t> starts;
    const auto pieces = splitUnescaped(text, starts);
    std::vector<std::string> items; // whole specs, escapes kept
    for (size_t p = 0; p < pieces.size(); ++p) {
        size_t at = starts[p];
        const std::string_view piece = trimmed(pieces[p], &at);
        if (piece.empty())
            continue;
        const size_t eq = piece.find('='), colon = piece.find(':');
        const bool continues = eq != std::string_view::npos && (colon == std::string_view::npos || colon > eq);
        if (continues) {
            if (items.empty() || items.back().find(':') == std::string::npos)
                throw specError(text, at, "parameter '" + std::string(piece) + "' follows no scorer with parameters");
            items.back() += ',';
            items.back() += piece;
        } else {
            items.emplace_back(piece);
        }
    }
    std::vector<ScorerSpec> out;
    for (const auto& item : items)
        out.push_back(parse(item));
    return out;
}

std::string ScorerSpec::format() const
{
    std::string out = name;
    char sep = ':';
    for (const auto& [key, value] : params) {
        out += sep;
        sep = ',';
        out += key;
        out += '=';
        for (char c : value) {
            if (c == ',' || c == '\\')
                out += '\\';
            out += c;
        }
    }
    return out;
}

nlohmann::json ScorerIdentity::toJson() const
{
    nlohmann::json j;
    j["name"] = name;
    j["version"] = version;
    j["params"] = nlohmann::json::object();
    for (const auto& [k, v] : params)
        j["params"][k] = v;
    j["files"] = nlohmann::json::array();
    for (const auto& f : files)
        j["files"].push_back({ { "role", f.role }, { "path", f.path }, { "xxh3_128", f.hash } });
    return j;
}

ScorerIdentity ScorerIdentity::fromJson(const nlohmann::json& j)
{
    auto fail = [](const std::string& what) { return std::invalid_argument("scorer identity: " + what); };
    if (!j.is_object())
        throw fail("not a JSON object");
    auto str = [&](const nlohmann::json& o, const char* key, const std::string& where) {
        auto it = o.find(key);
        if (it == o.end() || !it->is_string())
            throw fail(where + "'" + key + "' is missing or not a string");
        return it->get<std::string>();
    };
    ScorerIdentity id;
    id.name = str(j, "name", "");
    auto v = j.find("version");
    if (v == j.end() || !v->is_number_integer())
        throw fail("'version' is missing or not a whole number");
    id.version = v->get<int>();
    auto p = j.find("params");
    if (p != j.end()) {
        if (!p->is_object())
            throw fail("'params' is not an object");
        for (const auto& [k, val] : p->items()) {
            if (!val.is_string())
                throw fail("parameter '" + k + "' is not a string");
            id.params[k] = val.get<std::string>();
        }
    }
    auto f = j.find("files");
    if (f != j.end()) {
        if (!f->is_array())
            throw fail("'files' is not an array");
        for (const auto& e : *f) {
            if (!e.is_object())
                throw fail("an entry of 'files' is not an object");
            const std::string where = "file entry " + std::to_string(id.files.size()) + ": ";
            id.files.push_back({ str(e, "role", where), str(e, "path", where), str(e, "xxh3_128", where) });
        }
    }
    return id;
}

namespace {

std::string hex128(XXH128_hash_t h)
{
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, h);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char b : c.digest) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

} // namespace

std::string hashBytes(std::string_view bytes)
{
    return hex128(XXH3_128bits(bytes.data(), bytes.size()));
}

std::string hashFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(path + ": cannot open the file to hash it");
    std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
    XXH3_128bits_reset(state.get());
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), std::streamsize(buf.size()));
        XXH3_128bits_update(state.get(), buf.data(), size_t(in.gcount()));
    }
    if (in.bad())
        throw std::runtime_error(path + ": read error while hashing the file");
    return hex128(XXH3_128bits_digest(state.get()));
}

ScorerFile scorerFile(std::string role, const std::string& path)
{
    ScorerFile f { std::move(role), path, {} };
    if (!path.empty()) {
        try {
            f.hash = hashFile(path);
        } catch (const std::exception&) {
        }
    }
    return f;
}

void rejectUnknownParams(const std::string& scorer, const ScorerParams& params, const std::vector<std::string>& known)
{
    for (const auto& [key, value] : params) {
        bool ok = false;
        for (const auto& k : known)
            ok = ok || k == key;
        if (ok)
            continue;
        std::string takes;
        for (const auto& k : known)
            takes += (takes.empty() ? "" : ", ") + k;
        throw std::invalid_argument("scorer '" + scorer + "' has no parameter '" + key + "' ("
            + (known.empty() ? std::string("it takes none") : "it takes " + takes) + ")");
    }
}

int intParam(
    const std::string& scorer, const ScorerParams& params, const std::string& key, int fallback, int min, int max)
{
    auto it = params.find(key);
    if (it == params.end())
        return fallback;
    const std::string& s = it->second;
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max)
        throw std::invalid_argument("scorer '" + scorer + "': parameter '" + key + "' must be a whole number from "
            + std::to_string(min) + " to " + std::to_string(max) + ", not '" + s + "'");
    return v;
}

std::string stringParam(const ScorerParams& params, const std::string& key, const std::string& fallback)
{
    auto it = params.find(key);
    return it == params.end() ? fallback : it->second;
}

} // namespace shardscope
