#include "filterconfig.h"

#include "atomicfile.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

using json = nlohmann::ordered_json;

namespace shardscope {

const Bounds& FilterRule::boundsFor(std::string_view group) const
{
    if (!groups.empty()) {
        auto it = groups.find(std::string(group));
        if (it != groups.end())
            return it->second;
    }
    return bounds;
}

bool FilterRule::passes(float value, std::string_view group) const
{
    const Bounds& b = boundsFor(group);
    if (b.disabled)
        return true;
    if (std::isnan(value))
        return keepMissing;
    if (b.min && double(value) < *b.min)
        return false;
    if (b.max && double(value) > *b.max)
        return false;
    return true;
}

std::vector<std::string> FilterConfig::columns() const
{
    std::vector<std::string> out;
    for (const auto& r : rules)
        if (std::find(out.begin(), out.end(), r.column) == out.end())
            out.push_back(r.column);
    return out;
}

static Bounds parseBounds(const json& j, const std::string& where)
{
    Bounds b;
    if (j.contains("min") && !j["min"].is_null()) {
        if (!j["min"].is_number())
            throw std::runtime_error(where + ": \"min\" must be a number");
        b.min = j["min"].get<double>();
    }
    if (j.contains("max") && !j["max"].is_null()) {
        if (!j["max"].is_number())
            throw std::runtime_error(where + ": \"max\" must be a number");
        b.max = j["max"].get<double>();
    }
    if (j.contains("disabled"))
        b.disabled = j["disabled"].get<bool>();
    if (b.min && b.max && *b.min > *b.max)
        throw std::runtime_error(where + ": min " + std::to_string(*b.min) + " is greater than max "
                                 + std::to_string(*b.max));
    return b;
}

static void writeBounds(json& j, const Bounds& b)
{
    if (b.min)
        j["min"] = *b.min;
    if (b.max)
        j["max"] = *b.max;
    if (b.disabled)
        j["disabled"] = true;
}

FilterConfig FilterConfig::parse(const std::string& text, const std::string& name)
{
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        throw std::runtime_error(name + ": byte " + std::to_string(e.byte) + ": invalid JSON: " + e.what());
    }
    try {
        if (!j.is_object() || j.value("format", std::string()) != "shardscope-filter")
            throw std::runtime_error(name + ": not a Shardscope filter config (expected \"format\": \"shardscope-filter\")");
        int version = j.value("version", 0);
        if (version < 1 || version > kVersion)
            throw std::runtime_error(name + ": filter config version " + std::to_string(version)
                                     + " is not supported (this build reads version 1 to "
                                     + std::to_string(kVersion) + ")");
        FilterConfig c;
        if (j.contains("fields")) {
            FieldMapping f;
            const json& fj = j["fields"];
            f.text = FieldMapping::toPointer(fj.value("text", std::string("/text")));
            f.id = fj.contains("id") && fj["id"].is_string() ? FieldMapping::toPointer(fj["id"].get<std::string>()) : "";
            f.group = fj.contains("group") && fj["group"].is_string()
                ? FieldMapping::toPointer(fj["group"].get<std::string>())
                : "";
            f.groupDetected = false;
            c.fields = f;
        }
        if (!j.contains("rules") || !j["rules"].is_array())
            throw std::runtime_error(name + ": \"rules\" must be an array");
        size_t i = 0;
        for (const auto& rj : j["rules"]) {
            std::string where = name + ": rule " + std::to_string(i++);
            if (!rj.is_object() || !rj.contains("scorer") || !rj["scorer"].is_string())
                throw std::runtime_error(where + ": needs a \"scorer\" (a column name such as \"zlib6\")");
            FilterRule r;
            r.column = rj["scorer"].get<std::string>();
            where += " (" + r.column + ")";
            r.bounds = parseBounds(rj, where);
            if (rj.contains("missing")) {
                std::string m = rj["missing"].get<std::string>();
                if (m != "keep" && m != "drop")
                    throw std::runtime_error(where + ": \"missing\" must be \"keep\" or \"drop\"");
                r.keepMissing = m == "keep";
            }
            if (rj.contains("groups")) {
                for (const auto& [g, gj] : rj["groups"].items())
                    r.groups[g] = parseBounds(gj, where + ", group \"" + g + "\"");
            }
            if (rj.contains("params"))
                r.paramsJson = rj["params"].dump();
            if (rj.contains("note") && rj["note"].is_string())
                r.note = rj["note"].get<std::string>();
            c.rules.push_back(std::move(r));
        }
        if (j.contains("provenance"))
            c.provenanceJson = j["provenance"].dump();
        return c;
    } catch (const json::exception& e) {
        throw std::runtime_error(name + ": " + e.what());
    }
}

FilterConfig FilterConfig::load(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(path + ": cannot open filter config");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), path);
}

std::string FilterConfig::toJson() const
{
    json j;
    j["format"] = "shardscope-filter";
    j["version"] = kVersion;
    if (fields) {
        j["fields"]["text"] = fields->text;
        if (!fields->id.empty())
            j["fields"]["id"] = fields->id;
        if (!fields->group.empty())
            j["fields"]["group"] = fields->group;
    }
    j["rules"] = json::array();
    for (const auto& r : rules) {
        json rj;
        rj["scorer"] = r.column;
        writeBounds(rj, r.bounds);
        rj["missing"] = r.keepMissing ? "keep" : "drop";
        if (!r.groups.empty()) {
            json g = json::object();
            for (const auto& [name, b] : r.groups) {
                json bj = json::object();
                writeBounds(bj, b);
                g[name] = bj;
            }
            rj["groups"] = g;
        }
        if (r.paramsJson != "{}" && !r.paramsJson.empty())
            rj["params"] = json::parse(r.paramsJson);
        if (!r.note.empty())
            rj["note"] = r.note;
        j["rules"].push_back(std::move(rj));
    }
    j["provenance"] = json::parse(provenanceJson.empty() ? std::string("{}") : provenanceJson);
    return j.dump(2) + "\n";
}

void FilterConfig::save(const std::string& path) const
{
    writeFileAtomically(path, toJson());
}

std::string makeProvenance(const std::vector<std::string>& shards, uint64_t documents, uint64_t kept, uint64_t dropped)
{
    json p;
    p["tool"] = std::string("shardscope ") + SHARDSCOPE_VERSION;
    std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    p["created"] = buf;
    p["shards"] = shards;
    p["documents"] = documents;
    p["kept"] = kept;
    p["dropped"] = dropped;
    return p.dump();
}

} // namespace shardscope
