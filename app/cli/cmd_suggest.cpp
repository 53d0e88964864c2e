// `suggest`: cutoffs per column (and per group or label with --by) from the cached scores, printed with
// what each would drop, and written as a filter config that records, per cutoff, the method, its
// parameters and how many values it was computed on.

#include "command.h"
#include "filterconfig.h"
#include "interrupt.h"
#include "options.h"
#include "scanrun.h"
#include "suggest.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <optional>

namespace shardscope::cli {

namespace {

std::vector<std::string> splitComma(const std::string& list)
{
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos <= list.size()) {
        size_t comma = list.find(',', pos);
        std::string item = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!item.empty())
            out.push_back(item);
        if (comma == std::string::npos)
            break;
        pos = comma + 1;
    }
    return out;
}

std::string formatCutoff(const std::optional<double>& v)
{
    if (!v)
        return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", *v);
    return buf;
}

class SuggestCommand : public Command {
public:
    std::string name() const override { return "suggest"; }
    std::string description() const override
    {
        return "Suggest cutoffs from the (cached) scores and write them as a filter config with their provenance";
    }

    void setup(CLI::App& cmd) override
    {
        m_corpus.add(&cmd);
        m_sample.add(&cmd);
        m_model.add(&cmd);
        cmd.add_option("--columns", m_columns, "Comma-separated score columns to suggest cutoffs for")->required();
        cmd.add_option("--method,-m", m_method,
               "percentile:LOW,HIGH | meanstd:K[,K2] (mean ± K·sd, population sd) | mad:K[,K2] "
               "(robust: median ± K·1.4826·MAD); leave a side empty for one bound, e.g. percentile:1,")
            ->capture_default_str();
        cmd.add_option("--by", m_by, "Also suggest per-key overrides: 'group', or a categorical column such as lang");
        cmd.add_option("--min-docs", m_minDocs, "Smallest group/label that gets its own override (default: 20)");
        cmd.add_option("--out,-o", m_out, "Write the filter config here (atomically)");
    }

    int run() override
    {
        SuggestSpec spec;
        const std::vector<std::string> columns = splitComma(m_columns);
        const bool byGroup = m_by == "group";
        const std::string by = byGroup ? std::string() : m_by;
        ScorerList list;
        try {
            spec = SuggestSpec::parse(m_method);
            if (columns.empty())
                throw std::invalid_argument("--columns: no column given");
            m_model.apply();
            list = resolveScorers(m_columns + (by.empty() ? std::string() : "," + by), m_model.sharedParams());
        } catch (const std::invalid_argument& e) {
            throw UsageError(name(), e.what());
        }
        bool cached = false;
        const std::shared_ptr<const DocumentSelector> sample = m_sample.selector(m_corpus, name());
        ScanResult r = scoreOrLoad(m_corpus, list, {}, false, &cached, sample);
        // Cutoffs from a sample say so in their provenance (issue 21).
        auto fromSample = [&r](CutoffSuggestion& s) {
            if (!r.selection.empty()) {
                s.from.sample = r.selection;
                s.from.sampleOf = uint64_t(sampleSize(r).population + 0.5);
            }
        };
        throwIfCancelled(r.cancelled);
        // Keys for per-group or per-label suggestions.
        std::vector<uint32_t> keys;
        std::vector<std::string> keyNames;
        if (byGroup) {
            keys = r.index.group;
            keyNames = r.index.groups;
        } else if (!by.empty()) {
            const int bc = r.scores.columnIndex(by);
            if (bc < 0 || !r.scores.columns[size_t(bc)].categorical())
                throw UsageError(
                    name(), "--by " + by + ": not a categorical column (use 'group' or a column such as lang)");
            keyNames = r.scores.columns[size_t(bc)].categories;
            keys = categoricalKeys(r.scores.values[size_t(bc)], keyNames.size());
        }
        FilterConfig config;
        config.fields = r.fields;
        std::vector<CutoffSuggestion> all;
        for (const auto& col : columns) {
            const int c = r.scores.columnIndex(col);
            if (c < 0 || r.scores.columns[size_t(c)].categorical())
                throw UsageError(name(),
                    "--columns " + col + ": "
                        + (c < 0 ? "no such column (a scorer such as gopher_quality has several: name "
                                   "the column)"
                                 : "a categorical column has no numeric cutoff (write an \"in\" rule)"));
            const ScoreColumn& values = r.scores.values[size_t(c)];
            FilterRule rule;
            rule.column = col;
            rule.by = by;
            CutoffSuggestion s = suggestCutoffs(values, spec, col);
            fromSample(s);
            acceptSuggestion(rule, s);
            all.push_back(s);
            if (!keyNames.empty())
                for (auto& p : suggestCutoffsPerKey(values, keys, keyNames, spec, col, m_minDocs)) {
                    fromSample(p);
                    acceptSuggestion(rule, p);
                    all.push_back(p);
                }
            config.rules.push_back(std::move(rule));
        }
        // What the whole config would keep, with the engine's own rule evaluation.
        uint64_t kept = 0;
        {
            BoundRules bound(config.rules, r.scores.columns);
            std::vector<float> row(r.scores.columns.size());
            for (size_t i = 0; i < r.index.size(); ++i) {
                for (size_t k = 0; k < row.size(); ++k)
                    row[k] = r.scores.values[k][i];
                kept += bound.firstFailing(row.data(), r.index.groups[r.index.group[i]]) < 0;
            }
        }
        const uint64_t docs = r.index.size();
        std::vector<std::string> shardPaths;
        for (const auto& sh : r.shards)
            shardPaths.push_back(sh.path);
        config.provenanceJson = makeProvenance(shardPaths, docs, kept, docs - kept);

        std::printf("%-28s %-20s %-24s %12s %12s %9s %8s %9s %9s %7s\n", "column",
            by.empty() ? (byGroup ? "group" : "") : by.c_str(), "method", "min", "max", "values", "missing", "below",
            "above", "drop%");
        for (const auto& s : all) {
            const uint64_t values = s.docs - s.missing;
            std::printf("%-28s %-20s %-24s %12s %12s %9llu %8llu %9llu %9llu %6.2f%%\n", s.column.c_str(),
                s.key.empty() ? "(all)" : s.key.c_str(), spec.describe().c_str(), formatCutoff(s.min).c_str(),
                formatCutoff(s.max).c_str(), static_cast<unsigned long long>(values),
                static_cast<unsigned long long>(s.missing), static_cast<unsigned long long>(s.droppedBelow),
                static_cast<unsigned long long>(s.droppedAbove),
                values ? 100.0 * double(s.dropped()) / double(values) : 0.0);
        }
        std::printf("all rules (missing values dropped): read=%llu kept=%llu dropped=%llu\n",
            static_cast<unsigned long long>(docs), static_cast<unsigned long long>(kept),
            static_cast<unsigned long long>(docs - kept));
        if (!m_corpus.quiet)
            printSample(r);
        if (!m_out.empty()) {
            // The config names the model files its columns need, with their SHA-256 (issue 22).
            recordFileScorers(config, m_columns, m_model.sharedParams());
            config.save(m_out);
            if (!m_corpus.quiet)
                std::fprintf(stderr, "filter config written to %s\n", m_out.c_str());
        }
        return reportProblems(r, m_corpus.maxErrors) ? 1 : 0;
    }

private:
    CorpusOptions m_corpus;
    SampleOptions m_sample;
    ModelOptions m_model;
    std::string m_columns;
    std::string m_method = "percentile:1,99";
    std::string m_by;
    uint64_t m_minDocs = 20;
    std::string m_out;
};

} // namespace

std::unique_ptr<Command> makeSuggestCommand()
{
    return std::make_unique<SuggestCommand>();
}

} // namespace shardscope::cli
