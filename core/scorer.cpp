#include "scorer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace shardscope {

namespace {
thread_local DocumentScope* t_scope = nullptr;
thread_local uint64_t t_lastSerial = 0;
} // namespace

DocumentScope::DocumentScope(std::string_view text)
    : m_text(text)
    , m_serial(++t_lastSerial)
    , m_outer(t_scope)
{
    t_scope = this;
}

DocumentScope::~DocumentScope()
{
    t_scope = m_outer;
}

uint64_t DocumentScope::serialOf(std::string_view text)
{
    const DocumentScope* s = t_scope;
    return s && s->m_text.data() == text.data() && s->m_text.size() == text.size() ? s->m_serial : 0;
}

ScorerRegistry& ScorerRegistry::instance()
{
    static ScorerRegistry r;
    return r;
}

void ScorerRegistry::add(Factory f)
{
    m_entries.push_back({ f, nullptr, {}, nullptr });
}

void ScorerRegistry::addWithParams(ParamFactory f, std::vector<std::string> keys, DefaultParams defaults)
{
    m_entries.push_back({ nullptr, f, std::move(keys), defaults });
}

namespace {

std::unique_ptr<Scorer> makeDefault(const ScorerRegistry::Factory plain, const ScorerRegistry::ParamFactory withParams)
{
    return plain ? plain() : withParams({});
}

} // namespace

std::unique_ptr<Scorer> ScorerRegistry::make(const Entry& e, const std::string& name, const ScorerParams& own,
    const ScorerParams& shared, ScorerParams* effective) const
{
    ScorerParams params;
    const std::string prefix = name + ".";
    for (const auto& [key, value] : shared) {
        if (key.compare(0, prefix.size(), prefix) == 0)
            params[key.substr(prefix.size())] = value; // aimed at this scorer: checked below
        else if (key.find('.') == std::string::npos && std::find(e.keys.begin(), e.keys.end(), key) != e.keys.end())
            params[key] = value;
    }
    for (const auto& [key, value] : own)
        params[key] = value;
    rejectUnknownParams(name, params, e.keys);
    if (params.empty() && e.defaults)
        params = e.defaults();
    if (effective)
        *effective = params;
    return e.plain ? e.plain() : e.withParams(params);
}

std::vector<std::unique_ptr<Scorer>> ScorerRegistry::createAll() const
{
    std::vector<std::unique_ptr<Scorer>> all;
    for (const auto& e : m_entries) {
        auto s = makeDefault(e.plain, e.withParams);
        if (e.withParams && e.defaults)
            s = make(e, s->name(), {}, {});
        all.push_back(std::move(s));
    }
    return all;
}

std::unique_ptr<Scorer> ScorerRegistry::create(const ScorerSpec& spec, const ScorerParams& shared) const
{
    return createWith(spec, shared, nullptr);
}

std::unique_ptr<Scorer> ScorerRegistry::createWith(
    const ScorerSpec& spec, const ScorerParams& shared, ScorerParams* effective) const
{
    const Entry* found = nullptr;
    std::string name;
    for (const auto& e : m_entries) {
        if (auto s = makeDefault(e.plain, e.withParams); s->name() == spec.name) {
            found = &e;
            name = s->name();
            break;
        }
    }
    for (size_t i = 0; !found && i < m_entries.size(); ++i) {
        auto s = makeDefault(m_entries[i].plain, m_entries[i].withParams);
        for (const auto& c : s->columns())
            if (c.name == spec.name) {
                found = &m_entries[i];
                name = s->name();
                break;
            }
    }
    return found ? make(*found, name, spec.params, shared, effective) : nullptr;
}

std::unique_ptr<Scorer> ScorerRegistry::create(std::string_view specText) const
{
    // Without ':' the text is a name as it stands (a filter config's column), unknown or not.
    if (specText.find(':') == std::string_view::npos)
        return create(ScorerSpec { std::string(specText), {} });
    return create(ScorerSpec::parse(specText));
}

std::vector<std::unique_ptr<Scorer>> ScorerRegistry::resolveList(
    std::string_view list, const ScorerParams& shared) const
{
    std::vector<std::unique_ptr<Scorer>> out;
    std::vector<std::string> made; // the spec each scorer in `out` was made from, parameters as given to it
    auto addUnique = [&](std::unique_ptr<Scorer> s, const ScorerParams& params) {
        const std::string spec = ScorerSpec { s->name(), params }.format();
        for (size_t i = 0; i < out.size(); ++i) {
            if (made[i] == spec)
                return; // the same scorer named twice (e.g. "lm" and "lm_bpb")
            if (out[i]->name() == s->name())
                throw std::invalid_argument("scorer '" + s->name() + "' is named twice with different parameters ("
                    + made[i] + " and " + spec + "): both would write its columns");
        }
        out.push_back(std::move(s));
        made.push_back(spec);
    };
    for (const ScorerSpec& spec : ScorerSpec::parseList(list)) {
        if (spec.name == "all") {
            if (!spec.params.empty())
                throw std::invalid_argument("'all' takes no parameters (give them to the scorers, or as shared ones)");
            for (const auto& e : m_entries) {
                auto s = makeDefault(e.plain, e.withParams);
                if (!s->includedInAll())
                    continue;
                ScorerParams params;
                s = make(e, s->name(), {}, shared, &params);
                if (s->includedInAll())
                    addUnique(std::move(s), params);
            }
            continue;
        }
        ScorerParams params;
        auto s = createWith(spec, shared, &params);
        if (!s)
            throw std::invalid_argument(
                "unknown scorer '" + spec.name + "' (run `shardscope-cli scorers` for the list)");
        if (std::string why = s->unavailableReason(); !why.empty())
            throw ScorerUnavailable(why);
        addUnique(std::move(s), params);
    }
    return out;
}

std::vector<std::vector<float>> computeDerived(
    const Scorer& scorer, const std::vector<const float*>& inputColumns, size_t docs, int threads)
{
    const auto inputs = scorer.inputColumns();
    if (inputs.empty())
        throw std::invalid_argument("scorer '" + scorer.name()
            + "' reads text, not score columns: it cannot be "
              "computed from existing scores");
    if (inputColumns.size() != inputs.size())
        throw std::invalid_argument("scorer '" + scorer.name() + "' takes " + std::to_string(inputs.size())
            + " input columns, got " + std::to_string(inputColumns.size()));
    for (size_t i = 0; i < inputColumns.size(); ++i)
        if (!inputColumns[i] && docs > 0)
            throw std::invalid_argument(
                "scorer '" + scorer.name() + "': no values for input column '" + inputs[i] + "'");
    const size_t outputs = scorer.columns().size();
    std::vector<std::vector<float>> out(outputs, std::vector<float>(docs, kMissing));
    // Enough rows per thread that starting it pays off.
    const size_t n = std::max<size_t>(1, std::min<size_t>(size_t(std::max(threads, 1)), docs / 4096 + 1));
    std::vector<std::unique_ptr<ScorerWorker>> workers;
    for (size_t t = 0; t < n; ++t)
        workers.push_back(scorer.makeWorker()); // here, so a failure is thrown to the caller
    auto run = [&](size_t t) {
        const size_t begin = docs * t / n, end = docs * (t + 1) / n;
        std::vector<float> in(inputColumns.size()), row(outputs);
        for (size_t d = begin; d < end; ++d) {
            for (size_t i = 0; i < in.size(); ++i)
                in[i] = inputColumns[i][d];
            std::fill(row.begin(), row.end(), kMissing);
            workers[t]->scoreRow(in.data(), row.data());
            for (size_t c = 0; c < outputs; ++c)
                out[c][d] = row[c];
        }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < n; ++t)
        pool.emplace_back(run, t);
    run(0);
    for (auto& th : pool)
        th.join();
    return out;
}

void registerCompressionScorers(ScorerRegistry& r);
void registerHeuristicScorers(ScorerRegistry& r);
#ifdef SHARDSCOPE_HAVE_TORCH
void registerLmScorers(ScorerRegistry& r); // core/lm (libtorch), built with SHARDSCOPE_WITH_TORCH
#endif
#ifdef SHARDSCOPE_HAVE_FASTTEXT
void registerLangIdScorers(ScorerRegistry& r); // core/scorers/langid.cpp (libfasttext)
#endif
void registerDerivedScorers(ScorerRegistry& r); // core/linearscorer.cpp
void registerNgramScorers(ScorerRegistry& r); // core/ngramlm.cpp

void registerBuiltinScorers()
{
    static std::once_flag once;
    std::call_once(once, [] {
        auto& r = ScorerRegistry::instance();
        registerCompressionScorers(r);
#ifdef SHARDSCOPE_HAVE_HEURISTICS
        registerHeuristicScorers(r);
#endif
#ifdef SHARDSCOPE_HAVE_FASTTEXT
        registerLangIdScorers(r);
#endif
#ifdef SHARDSCOPE_HAVE_TORCH
        registerLmScorers(r);
#endif
        registerNgramScorers(r);
        registerDerivedScorers(r);
    });
}

} // namespace shardscope
