// `stats`: per column count, mean, percentiles and histogram, as text or JSON.

#include "command.h"
#include "interrupt.h"
#include "options.h"
#include "sampling.h"
#include "scanrun.h"
#include "stats.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace shardscope::cli {

namespace {

// Issue 21: what a sample says about the whole corpus. N is every record read (sampled or not); a column's
// population is taken as N times the share of sampled documents that have a value in it.
struct SampleEstimates {
    std::string column;
    uint64_t n = 0, population = 0;
    double mean = 0;
    Interval meanCi;
    std::vector<std::pair<double, Interval>> percentiles; // level (0-100), interval
};

std::vector<SampleEstimates> sampleEstimates(const ScanResult& r)
{
    std::vector<SampleEstimates> out;
    const uint64_t docs = r.index.size();
    const double population = sampleSize(r).population;
    for (size_t c = 0; c < r.scores.columns.size(); ++c) {
        if (r.scores.columns[c].categorical())
            continue;
        SampleEstimates e;
        e.column = r.scores.columns[c].name;
        std::vector<float> v;
        for (float x : r.scores.values[c])
            if (!std::isnan(x))
                v.push_back(x);
        std::sort(v.begin(), v.end());
        e.n = v.size();
        e.population = docs ? uint64_t(population * double(v.size()) / double(docs) + 0.5) : 0;
        if (v.empty())
            continue;
        e.mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
        double ss = 0;
        for (float x : v)
            ss += (x - e.mean) * (x - e.mean);
        const double sd = v.size() > 1 ? std::sqrt(ss / double(v.size() - 1)) : 0;
        e.meanCi = meanInterval(e.mean, sd, e.n, e.population);
        for (double level : ColumnStats::percentileLevels())
            e.percentiles.emplace_back(level, quantileInterval(v, level / 100, e.population));
        out.push_back(std::move(e));
    }
    return out;
}

std::string sampleText(const ScanResult& r)
{
    const SampleSize size = sampleSize(r);
    char buf[256];
    std::snprintf(buf, sizeof buf, "\nsample: %llu of %s%.0f records scored (",
        static_cast<unsigned long long>(size.scored), size.exact ? "" : "about ", size.population);
    std::string out = buf + r.selection + "); 95% intervals for the whole corpus, finite-population corrected:\n";
    for (const auto& e : sampleEstimates(r)) {
        std::snprintf(
            buf, sizeof buf, "%-28s mean %.6g [%.6g, %.6g]\n", e.column.c_str(), e.mean, e.meanCi.low, e.meanCi.high);
        out += buf;
        for (const auto& [level, ci] : e.percentiles) {
            std::snprintf(buf, sizeof buf, "%-28s   p%-3g in [%.6g, %.6g]\n", "", level, ci.low, ci.high);
            out += buf;
        }
    }
    return out;
}

std::string withSampleJson(const std::string& statsJson, const ScanResult& r)
{
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(statsJson);
    nlohmann::ordered_json s;
    s["selection"] = r.selection;
    const SampleSize size = sampleSize(r);
    // Plain shards sampled by byte offset are not read whole: their records are estimated.
    s["records"] = uint64_t(size.population + 0.5);
    s["records_exact"] = size.exact;
    s["scored"] = size.scored;
    s["confidence"] = 0.95;
    auto& cols = s["columns"] = nlohmann::ordered_json::array();
    for (const auto& e : sampleEstimates(r)) {
        nlohmann::ordered_json c;
        c["name"] = e.column;
        c["n"] = e.n;
        c["population"] = e.population;
        c["mean"] = { { "estimate", e.mean }, { "low", e.meanCi.low }, { "high", e.meanCi.high } };
        auto& ps = c["percentiles"] = nlohmann::ordered_json::object();
        for (const auto& [level, ci] : e.percentiles) {
            char key[16];
            std::snprintf(key, sizeof key, "p%g", level);
            ps[key] = { { "low", ci.low }, { "high", ci.high } };
        }
        cols.push_back(std::move(c));
    }
    j["sample"] = std::move(s);
    return j.dump(2) + "\n";
}

class StatsCommand : public Command {
public:
    std::string name() const override { return "stats"; }
    std::string description() const override { return "Per-scorer count, mean, percentiles and histogram"; }

    void setup(CLI::App& cmd) override
    {
        m_corpus.add(&cmd);
        m_scorers.add(&cmd, "Comma-separated scorers; 'all' = every model-free scorer");
        cmd.add_flag("--json", m_json, "JSON instead of text");
        cmd.add_option("--bins", m_bins, "Histogram bins (default: Freedman-Diaconis, 10..200)");
        m_sample.add(&cmd);
        m_model.add(&cmd);
    }

    int run() override
    {
        m_model.apply();
        const ScorerList scorers = m_scorers.resolve(name(), m_model.sharedParams());
        bool cached = false;
        const std::shared_ptr<const DocumentSelector> sample = m_sample.selector(m_corpus, name());
        ScanResult r = scoreOrLoad(m_corpus, scorers, {}, false, &cached, sample);
        std::vector<ColumnStats> st;
        st.push_back(ColumnStats::compute(
            "bytes",
            [&] {
                std::vector<float> v(r.index.textBytes.begin(), r.index.textBytes.end());
                return v;
            }(),
            m_bins));
        for (size_t c = 0; c < r.scores.columns.size(); ++c)
            st.push_back(ColumnStats::compute(r.scores.columns[c], r.scores.values[c], m_bins));
        std::string out = m_json ? statsToJson(st, r.index.size()) : statsToText(st, r.index.size());
        if (!r.selection.empty())
            out = m_json ? withSampleJson(out, r) : out + sampleText(r);
        std::fwrite(out.data(), 1, out.size(), stdout);
        if (!m_corpus.quiet)
            printSample(r);
        const bool bad = reportProblems(r, m_corpus.maxErrors);
        throwIfCancelled(r.cancelled);
        return bad ? 1 : 0;
    }

private:
    CorpusOptions m_corpus;
    ScorerOptions m_scorers;
    ModelOptions m_model;
    SampleOptions m_sample;
    bool m_json = false;
    int m_bins = 0;
};

} // namespace

std::unique_ptr<Command> makeStatsCommand()
{
    return std::make_unique<StatsCommand>();
}

} // namespace shardscope::cli
