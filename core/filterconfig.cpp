#include "filterconfig.h"

#include "atomicfile.h"
#include "bytesource.h"
#include "sha256.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

using json = nlohmann::ordered_json;

namespace shardscope {

std::string_view categoryLabel(const std::vector<std::string>& categories, float value)
{
    if (!(value >= 0) || value >= float(categories.size()))
        return {};
    return categories[size_t(value)];
}

const Bounds& FilterRule::boundsFor(std::string_view key) const
{
    if (!overrides.empty()) {
        auto it = overrides.find(std::string(key));
        if (it != overrides.end())
            return it->second;
    }
    return bounds;
}

static bool passesBounds(const Bounds& b, float value, bool keepMissing, const std::vector<std::string>& categories)
{
    if (b.disabled)
        return true;
    if (std::isnan(value))
        return keepMissing;
    if (b.in) {
        if (categories.empty())
            return true;
        const std::string_view label = categoryLabel(categories, value);
        return !label.empty() && std::find(b.in->begin(), b.in->end(), label) != b.in->end();
    }
    if (b.min && double(value) < *b.min)
        return false;
    if (b.max && double(value) > *b.max)
        return false;
    return true;
}

bool FilterRule::passes(float value, std::string_view key, const std::vector<std::string>& categories) const
{
    return passesBounds(boundsFor(key), value, keepMissing, categories);
}

std::vector<std::string> FilterConfig::columns() const
{
    std::vector<std::string> out;
    auto add = [&](const std::string& c) {
        if (!c.empty() && std::find(out.begin(), out.end(), c) == out.end())
            out.push_back(c);
    };
    for (const auto& r : rules) {
        add(r.column);
        add(r.by);
    }
    return out;
}

int FilterConfig::requiredVersion() const
{
    if (!scorers.empty())
        return 3;
    for (const auto& r : rules) {
        if (!r.byGroup() || r.bounds.in)
            return 2;
        for (const auto& [k, b] : r.overrides)
            if (b.in)
                return 2;
    }
    return 1;
}

// ---------------------------------------------------------------------------------------------

static SuggestedFrom parseSuggested(const json& j, const std::string& where)
{
    if (!j.is_object() || !j.contains("method") || !j["method"].is_string())
        throw std::runtime_error(where + ": \"suggested\" must be an object with a \"method\"");
    SuggestedFrom s;
    s.method = j["method"].get<std::string>();
    for (const auto& [k, v] : j.items()) {
        if (k == "method")
            continue;
        if (k == "computed_on") {
            // A count: get<uint64_t>() of -1e30 is undefined behaviour (issue 18, UBSan in fuzz_filterconfig).
            if (!v.is_number_unsigned())
                throw std::runtime_error(where + ": \"suggested\": \"computed_on\" must be a document count");
            s.computedOn = v.get<uint64_t>();
            continue;
        }
        if (k == "sample") {
            if (!v.is_string())
                throw std::runtime_error(where + ": \"suggested\": \"sample\" must be a string (how it was drawn)");
            s.sample = v.get<std::string>();
            continue;
        }
        if (k == "sample_of") {
            if (!v.is_number_unsigned())
                throw std::runtime_error(where + ": \"suggested\": \"sample_of\" must be a record count");
            s.sampleOf = v.get<uint64_t>();
            continue;
        }
        if (!v.is_number())
            throw std::runtime_error(where + ": \"suggested\": \"" + k + "\" must be a number");
        s.params.emplace_back(k, v.get<double>());
    }
    return s;
}

static Bounds parseBounds(const json& j, const std::string& where, int version)
{
    if (!j.is_object())
        throw std::runtime_error(where + ": expected an object with \"min\", \"max\", \"in\" or \"disabled\"");
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
    if (j.contains("in")) {
        if (version < 2)
            throw std::runtime_error(where + ": \"in\" needs \"version\": 2");
        if (!j["in"].is_array())
            throw std::runtime_error(where + ": \"in\" must be an array of labels, e.g. [\"en\", \"de\"]");
        std::vector<std::string> labels;
        for (const auto& l : j["in"]) {
            if (!l.is_string())
                throw std::runtime_error(where + ": \"in\" must be an array of labels (strings)");
            labels.push_back(l.get<std::string>());
        }
        if (b.min || b.max)
            throw std::runtime_error(where + ": \"in\" (a set of labels) cannot be combined with \"min\"/\"max\"");
        b.in = std::move(labels);
    }
    if (b.min && b.max && *b.min > *b.max)
        throw std::runtime_error(where + ": min " + std::to_string(*b.min) + " is greater than max "
                                 + std::to_string(*b.max));
    if (j.contains("suggested"))
        b.suggested = parseSuggested(j["suggested"], where);
    return b;
}

static void writeBounds(json& j, const Bounds& b)
{
    if (b.min)
        j["min"] = *b.min;
    if (b.max)
        j["max"] = *b.max;
    if (b.in)
        j["in"] = *b.in;
    if (b.disabled)
        j["disabled"] = true;
    if (b.suggested) {
        json s;
        s["method"] = b.suggested->method;
        for (const auto& [k, v] : b.suggested->params)
            s[k] = v;
        s["computed_on"] = b.suggested->computedOn;
        if (!b.suggested->sample.empty()) {
            s["sample"] = b.suggested->sample;
            s["sample_of"] = b.suggested->sampleOf;
        }
        j["suggested"] = s;
    }
}

FilterConfig FilterConfig::parse(const std::string& text, const std::string& name)
{
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        throw std::runtime_error(name + ": byte " + std::to_string(e.byte) + ": invalid JSON: " + e.what());
    } catch (const json::exception& e) {
        // A number beyond a double's range ("1e400") is an out_of_range, not a parse_error (issue 18, fuzzing).
        throw std::runtime_error(name + ": invalid JSON: " + e.what());
    }
    try {
        if (!j.is_object() || j.value("format", std::string()) != "shardscope-filter")
            throw std::runtime_error(name + ": not a Shardscope filter config (expected \"format\": \"shardscope-filter\")");
        // An integer, read as 64 bits: value<int>() of 1e30 is undefined behaviour, and of 2^32 + 1 it gave 1
        // (issue 18, UBSan in fuzz_filterconfig).
        const auto versionIt = j.find("version");
        const int64_t version64
            = versionIt != j.end() && versionIt->is_number_integer() ? versionIt->get<int64_t>() : 0;
        if (version64 < 1 || version64 > kVersion)
            throw std::runtime_error(name + ": filter config version " + std::to_string(version64)
                + " is not supported (this build reads version 1 to " + std::to_string(kVersion) + ")");
        const int version = int(version64);
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
            r.bounds = parseBounds(rj, where, version);
            if (rj.contains("missing")) {
                std::string m = rj["missing"].get<std::string>();
                if (m != "keep" && m != "drop")
                    throw std::runtime_error(where + ": \"missing\" must be \"keep\" or \"drop\"");
                r.keepMissing = m == "keep";
            }
            if (rj.contains("by")) {
                if (version < 2)
                    throw std::runtime_error(where + ": \"by\" needs \"version\": 2");
                if (!rj["by"].is_string() || rj["by"].get<std::string>().empty())
                    throw std::runtime_error(where + ": \"by\" must name a categorical column (e.g. \"lang\") or \"group\"");
                r.by = rj["by"].get<std::string>();
                if (r.by == "group")
                    r.by.clear();
            }
            if (rj.contains("groups") && rj.contains("overrides"))
                throw std::runtime_error(where + ": give either \"groups\" or \"by\" with \"overrides\", not both");
            if (rj.contains("groups") && !r.byGroup())
                throw std::runtime_error(where + ": \"groups\" are per-group overrides; with \"by\": \"" + r.by
                                         + "\" use \"overrides\"");
            if (rj.contains("overrides") && !rj.contains("by"))
                throw std::runtime_error(where + ": \"overrides\" needs \"by\" (a categorical column such as \"lang\", or \"group\")");
            const char* key = rj.contains("groups") ? "groups" : "overrides";
            if (rj.contains(key)) {
                if (!rj[key].is_object())
                    throw std::runtime_error(where + ": \"" + key + "\" must be an object keyed by "
                                             + (r.byGroup() ? "group" : r.by));
                for (const auto& [k, gj] : rj[key].items())
                    r.overrides[k] = parseBounds(gj, where + ", " + (r.byGroup() ? "group" : r.by) + " \"" + k + "\"",
                                                 version);
            }
            if (rj.contains("params"))
                r.paramsJson = rj["params"].dump();
            if (rj.contains("note") && rj["note"].is_string())
                r.note = rj["note"].get<std::string>();
            c.rules.push_back(std::move(r));
        }
        if (j.contains("scorers")) {
            if (version < 3)
                throw std::runtime_error(name + ": \"scorers\" needs \"version\": 3");
            if (!j["scorers"].is_array())
                throw std::runtime_error(name + ": \"scorers\" must be an array of {\"spec\", \"files\"}");
            size_t k = 0;
            for (const auto& sj : j["scorers"]) {
                const std::string where = name + ": scorers[" + std::to_string(k++) + "]";
                if (!sj.is_object() || !sj.contains("spec") || !sj["spec"].is_string())
                    throw std::runtime_error(where + ": needs a \"spec\" (e.g. \"ngram:model=/models/ref\")");
                ConfigScorer s;
                s.spec = sj["spec"].get<std::string>();
                try {
                    ScorerSpec::parse(s.spec);
                } catch (const std::invalid_argument& e) {
                    throw std::runtime_error(where + ": \"spec\": " + e.what());
                }
                if (sj.contains("files")) {
                    if (!sj["files"].is_array())
                        throw std::runtime_error(where + ": \"files\" must be an array");
                    for (const auto& fj : sj["files"]) {
                        auto str = [&](const char* key) {
                            if (!fj.is_object() || !fj.contains(key) || !fj[key].is_string()
                                || fj[key].get<std::string>().empty())
                                throw std::runtime_error(
                                    where + ": each file needs \"role\", \"path\" and \"sha256\" strings");
                            return fj[key].get<std::string>();
                        };
                        ConfigScorerFile f { str("role"), str("path"), str("sha256") };
                        if (f.sha256.size() != 64
                            || f.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
                            throw std::runtime_error(
                                where + ": \"sha256\" of " + f.path + " is not 64 lowercase hex digits");
                        s.files.push_back(std::move(f));
                    }
                }
                c.scorers.push_back(std::move(s));
            }
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
    j["version"] = requiredVersion();
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
        if (!r.byGroup())
            rj["by"] = r.by;
        if (!r.overrides.empty() || !r.byGroup()) {
            json g = json::object();
            for (const auto& [name, b] : r.overrides) {
                json bj = json::object();
                writeBounds(bj, b);
                g[name] = bj;
            }
            // Per-group overrides keep their version 1 spelling.
            rj[r.byGroup() ? "groups" : "overrides"] = g;
        }
        if (r.paramsJson != "{}" && !r.paramsJson.empty())
            rj["params"] = json::parse(r.paramsJson);
        if (!r.note.empty())
            rj["note"] = r.note;
        j["rules"].push_back(std::move(rj));
    }
    if (!scorers.empty()) {
        j["scorers"] = json::array();
        for (const auto& s : scorers) {
            json sj;
            sj["spec"] = s.spec;
            sj["files"] = json::array();
            for (const auto& f : s.files)
                sj["files"].push_back({ { "role", f.role }, { "path", f.path }, { "sha256", f.sha256 } });
            j["scorers"].push_back(std::move(sj));
        }
    }
    j["provenance"] = json::parse(provenanceJson.empty() ? std::string("{}") : provenanceJson);
    return j.dump(2) + "\n";
}

void FilterConfig::save(const std::string& path) const
{
    writeFileAtomically(path, toJson());
}

// ---------------------------------------------------------------------------------------------

BoundRules::BoundRules(std::vector<FilterRule> rules, const std::vector<ColumnInfo>& columns, bool allowMissingColumns)
    : m_rules(std::move(rules))
    , m_columns(columns)
{
    auto indexOf = [&](const std::string& name) {
        for (size_t c = 0; c < m_columns.size(); ++c)
            if (m_columns[c].name == name)
                return int(c);
        return -1;
    };
    m_bound.resize(m_rules.size());
    for (size_t r = 0; r < m_rules.size(); ++r) {
        const FilterRule& rule = m_rules[r];
        const std::string where = "rule " + std::to_string(r) + " (" + rule.column + ")";
        Bound& b = m_bound[r];
        const int col = indexOf(rule.column);
        const int by = rule.byGroup() ? -1 : indexOf(rule.by);
        if (col < 0 || (!rule.byGroup() && by < 0)) {
            if (allowMissingColumns)
                continue;
            throw std::invalid_argument(where + ": no column '" + (col < 0 ? rule.column : rule.by) + "'");
        }
        const ColumnInfo& info = m_columns[size_t(col)];
        std::vector<const Bounds*> all { &rule.bounds };
        for (const auto& [k, ob] : rule.overrides)
            all.push_back(&ob);
        for (const Bounds* bd : all) {
            if (!bd->in)
                continue;
            if (!info.categorical())
                throw std::invalid_argument(where + ": \"in\" needs a categorical column; '" + rule.column
                                            + "' holds numbers (use min/max)");
            std::vector<uint8_t> mask(info.categories.size(), 0);
            for (const auto& label : *bd->in) {
                auto it = std::find(info.categories.begin(), info.categories.end(), label);
                if (it == info.categories.end())
                    m_warnings.push_back(where + ": '" + label + "' is not a label of column " + rule.column
                                         + " (matches no document)");
                else
                    mask[size_t(it - info.categories.begin())] = 1;
            }
            b.inMasks.emplace_back(bd, std::move(mask));
        }
        if (by >= 0) {
            const ColumnInfo& byInfo = m_columns[size_t(by)];
            if (!byInfo.categorical())
                throw std::invalid_argument(where + ": \"by\": '" + rule.by
                                            + "' is not a categorical column (overrides need labels such as a language)");
            b.byLabels = &byInfo.categories;
            b.boundsByLabel.assign(byInfo.categories.size(), &rule.bounds);
            for (size_t k = 0; k < byInfo.categories.size(); ++k)
                b.boundsByLabel[k] = &rule.boundsFor(byInfo.categories[k]);
            for (const auto& [k, ob] : rule.overrides)
                if (std::find(byInfo.categories.begin(), byInfo.categories.end(), k) == byInfo.categories.end())
                    m_warnings.push_back(where + ": override '" + k + "' is not a label of column " + rule.by
                                         + " (applies to no document)");
        }
        b.byColumn = by;
        b.column = col;
    }
}

std::string_view BoundRules::key(size_t r, const float* row, std::string_view group) const
{
    const Bound& b = m_bound[r];
    if (b.byColumn < 0)
        return group;
    return categoryLabel(*b.byLabels, row[b.byColumn]);
}

const Bounds& BoundRules::boundsFor(size_t r, const float* row, std::string_view group) const
{
    const Bound& b = m_bound[r];
    if (b.byColumn < 0)
        return m_rules[r].boundsFor(group);
    const float v = row[b.byColumn];
    if (!(v >= 0) || v >= float(b.boundsByLabel.size()))
        return m_rules[r].bounds;
    return *b.boundsByLabel[size_t(v)];
}

const std::vector<uint8_t>& BoundRules::inMask(size_t r, const Bounds& bd) const
{
    static const std::vector<uint8_t> none;
    for (const auto& [p, mask] : m_bound[r].inMasks)
        if (p == &bd)
            return mask;
    return none;
}

bool BoundRules::passes(size_t r, const float* row, std::string_view group) const
{
    const Bound& b = m_bound[r];
    if (b.column < 0)
        return true;
    const Bounds& bd = boundsFor(r, row, group);
    const float v = row[b.column];
    if (bd.disabled)
        return true;
    if (std::isnan(v))
        return m_rules[r].keepMissing;
    if (bd.in) {
        const std::vector<uint8_t>& mask = inMask(r, bd);
        return v >= 0 && v < float(mask.size()) && mask[size_t(v)];
    }
    if (bd.min && double(v) < *bd.min)
        return false;
    if (bd.max && double(v) > *bd.max)
        return false;
    return true;
}

int BoundRules::firstFailing(const float* row, std::string_view group) const
{
    for (size_t r = 0; r < m_rules.size(); ++r)
        if (!passes(r, row, group))
            return int(r);
    return -1;
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

namespace shardscope {

ConfigScorer configScorerFor(const ScorerSpec& spec, const ScorerParams& shared)
{
    registerBuiltinScorers();
    auto scorer = ScorerRegistry::instance().create(spec, shared);
    if (!scorer)
        throw std::invalid_argument("unknown scorer or column '" + spec.name + "'");
    ScorerSpec full { scorer->name(), spec.params };
    for (const auto& [key, value] : shared)
        if (key.starts_with(scorer->name() + ".") && !full.params.count(key.substr(scorer->name().size() + 1)))
            full.params[key.substr(scorer->name().size() + 1)] = value;
    ConfigScorer out { full.format(), {} };
    for (const auto& f : scorer->identity().files)
        out.files.push_back({ f.role, f.path, sha256File(f.path) });
    return out;
}

void recordFileScorers(FilterConfig& config, const std::string& list, const ScorerParams& shared)
{
    registerBuiltinScorers();
    const std::vector<std::string> used = config.columns();
    for (const auto& spec : ScorerSpec::parseList(list)) {
        if (spec.name == "all")
            continue;
        auto scorer = ScorerRegistry::instance().create(spec, shared);
        if (!scorer || scorer->identity().files.empty())
            continue;
        bool needed = false;
        for (const auto& c : scorer->columns())
            needed = needed || std::find(used.begin(), used.end(), c.name) != used.end();
        if (!needed)
            continue;
        ConfigScorer entry = configScorerFor(spec, shared);
        const std::string name = scorer->name();
        std::erase_if(config.scorers, [&](const ConfigScorer& s) {
            try {
                return ScorerSpec::parse(s.spec).name == name;
            } catch (const std::invalid_argument&) {
                return false;
            }
        });
        config.scorers.push_back(std::move(entry));
    }
}

void verifyConfigScorer(const ConfigScorer& s)
{
    for (const auto& f : s.files) {
        std::string now;
        try {
            now = sha256File(f.path);
        } catch (const InputError&) {
            throw InputError(f.path, 0,
                "the filter config's scorer '" + s.spec + "' needs this " + f.role + " file (SHA-256 " + f.sha256
                    + "), and it is missing or unreadable");
        }
        if (now != f.sha256)
            throw InputError(f.path, 0,
                "the filter config's scorer '" + s.spec + "' expects this " + f.role + " file with SHA-256 " + f.sha256
                    + ", but it has SHA-256 " + now
                    + " (the model changed since the config was written: restore it, or suggest the config again)");
    }
}

} // namespace shardscope
