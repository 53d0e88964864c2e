// `stats`: per column count, mean, percentiles and histogram, as text or JSON.

#include "command.h"
#include "interrupt.h"
#include "options.h"
#include "scanrun.h"
#include "stats.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace shardscope::cli {

namespace {

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
        m_model.add(&cmd);
    }

    int run() override
    {
        m_model.apply();
        const ScorerList scorers = m_scorers.resolve(name());
        bool cached = false;
        ScanResult r = scoreOrLoad(m_corpus, scorers, {}, false, &cached);
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
        const std::string out = m_json ? statsToJson(st, r.index.size()) : statsToText(st, r.index.size());
        std::fwrite(out.data(), 1, out.size(), stdout);
        const bool bad = reportProblems(r, m_corpus.maxErrors);
        throwIfCancelled(r.cancelled);
        return bad ? 1 : 0;
    }

private:
    CorpusOptions m_corpus;
    ScorerOptions m_scorers;
    ModelOptions m_model;
    bool m_json = false;
    int m_bins = 0;
};

} // namespace

std::unique_ptr<Command> makeStatsCommand()
{
    return std::make_unique<StatsCommand>();
}

} // namespace shardscope::cli
