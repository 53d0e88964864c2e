// shardscope-cli: the headless front end of the engine (no Qt, runs on cluster nodes).
// Exit status: 0 success, 1 input error (message names file and line or byte offset),
// 2 usage error.

#include "apply.h"
#include "bytesource.h"
#include "filterconfig.h"
#include "lmcommands.h"
#include "scan.h"
#include "scorestore.h"
#include "stats.h"
#include "suggest.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include <unistd.h>

using namespace shardscope;

namespace {

std::atomic<Scan*> g_scan { nullptr };
std::atomic<bool> g_interrupted { false };

void onSignal(int)
{
    g_interrupted = true;
    if (Scan* s = g_scan.load())
        s->cancel();
}

struct CommonOptions {
    std::vector<std::string> inputs;
    int threads = 0;
    std::string textField = "text";
    std::string idField = "id";
    std::string groupField;
    bool quiet = false;
    std::string cacheDir;
    bool noCache = false;
    size_t maxErrors = 20;
};

void addCommon(CLI::App* cmd, CommonOptions& o)
{
    cmd->add_option("shards", o.inputs, "Shards (.jsonl, .jsonl.gz, .jsonl.zst) or directories of them")
        ->required()
        ->check(CLI::ExistingPath);
    cmd->add_option("--threads,-j", o.threads, "Worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
    cmd->add_option("--text-field", o.textField, "Text field name or JSON pointer (default: text)");
    cmd->add_option("--id-field", o.idField, "Id field name or JSON pointer; empty: record number (default: id)");
    cmd->add_option("--group-field", o.groupField,
                    "Group field (default: detected from source, meta.pile_set_name, meta.redpajama_set_name, "
                    "metadata.source)");
    cmd->add_flag("--quiet,-q", o.quiet, "No progress output");
    cmd->add_option("--cache-dir", o.cacheDir, "Where scores files and seek caches live (default: "
                                               "$SHARDSCOPE_CACHE_DIR or ~/.cache/shardscope)");
    cmd->add_flag("--no-cache", o.noCache, "Neither read nor write cached scores");
    cmd->add_option("--max-errors", o.maxErrors, "Rejected records to print individually (default: 20)");
}

FieldMapping resolveFields(const CommonOptions& o, const std::vector<std::string>& shards)
{
    FieldMapping f;
    f.text = FieldMapping::toPointer(o.textField);
    f.id = FieldMapping::toPointer(o.idField);
    f.group = FieldMapping::toPointer(o.groupField);
    if (shards.empty())
        return f;
    return detectFields(shards.front(), f, !o.groupField.empty());
}

std::string humanSeconds(double s)
{
    char buf[32];
    if (s < 0)
        return "?";
    if (s < 90)
        std::snprintf(buf, sizeof buf, "%.0fs", s);
    else
        std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
    return buf;
}

std::function<void(const ScanProgress&)> progressPrinter(bool quiet)
{
    if (quiet || !::isatty(STDERR_FILENO))
        return {};
    return [](const ScanProgress& p) {
        std::fprintf(stderr, "\r[%3.0f%%] %llu docs  %.0f docs/s  %.1f MB/s  ETA %s   ", 100 * p.fraction(),
                     static_cast<unsigned long long>(p.docs), p.docsPerSecond, p.mbPerSecond,
                     humanSeconds(p.etaSeconds).c_str());
        std::fflush(stderr);
    };
}

// Prints stream errors and rejected records; returns true when there was any input error.
bool reportProblems(const ScanResult& r, size_t maxErrors)
{
    bool bad = false;
    for (const auto& e : r.errors()) {
        std::fprintf(stderr, "error: %s\n", e.c_str());
        bad = true;
    }
    size_t shown = 0;
    for (const auto& rj : r.rejects) {
        if (shown++ >= maxErrors)
            break;
        std::fprintf(stderr, "rejected: %s:%llu: byte %llu: %s\n", r.shards[rj.shard].path.c_str(),
                     static_cast<unsigned long long>(rj.line), static_cast<unsigned long long>(rj.offset),
                     rj.reason.c_str());
    }
    if (r.rejected > shown && shown > 0)
        std::fprintf(stderr, "rejected: ... and %llu more\n", static_cast<unsigned long long>(r.rejected - shown));
    return bad || r.rejected > 0;
}

// Scores shards, or loads the cached scores when they are up to date.
ScanResult scoreOrLoad(const CommonOptions& o, const std::vector<std::shared_ptr<const Scorer>>& scorers,
                       const std::string& scoresFileOverride, bool seekCache, bool* fromCache)
{
    std::vector<std::string> shards = expandShardPaths(o.inputs);
    FieldMapping fields = resolveFields(o, shards);
    std::string cacheDir = corpusCacheDir(o.cacheDir.empty() ? defaultCacheRoot() : o.cacheDir, shards, fields);
    std::string scoresPath = scoresFileOverride.empty() ? cacheDir + "/scores.sscores" : scoresFileOverride;
    *fromCache = false;
    std::string unusable;
    std::optional<ScanResult> loaded;
    if (!o.noCache)
        loaded = loadCachedScores(scoresPath, shards, fields, scorers, &unusable);
    if (!unusable.empty())
        std::fprintf(stderr, "warning: cached scores not usable, rescoring: %s\n", unusable.c_str());
    if (loaded) {
        ScanResult cached = std::move(*loaded);
        // Keep only the requested columns, in the requested order.
        ScoreTable t;
        for (const auto& sc : scorers)
            for (const auto& c : sc->columns()) {
                int idx = cached.scores.columnIndex(c.name);
                if (idx >= 0) {
                    t.columns.push_back(cached.scores.columns[size_t(idx)]);
                    t.values.push_back(std::move(cached.scores.values[size_t(idx)]));
                }
            }
        cached.scores = std::move(t);
        *fromCache = true;
        if (!o.quiet)
            std::fprintf(stderr, "scores loaded from %s (shards unchanged, no rescoring)\n", scoresPath.c_str());
        return cached;
    }
    ScanOptions so;
    so.shards = shards;
    so.fields = fields;
    so.scorers = scorers;
    so.threads = o.threads;
    if (seekCache && !o.noCache)
        so.seekCacheDir = cacheDir + "/seek";
    if (!o.quiet)
        std::fprintf(stderr, "%zu shard(s), fields: %s\n", shards.size(), fields.describe().c_str());
    Scan scan(so);
    g_scan = &scan;
    scan.setProgressCallback(progressPrinter(o.quiet), 200);
    ScanResult r = scan.run();
    g_scan = nullptr;
    if (!o.quiet && ::isatty(STDERR_FILENO))
        std::fprintf(stderr, "\n");
    if (!o.noCache && r.complete()) {
        try {
            saveScores(scoresPath, r, scorers);
        } catch (const std::exception& e) {
            // A --scores-file the user named is an output: not writing it is an error (exit 1). The default cache
            // is not: the results are complete and the next run rescores, so a full cache disk only warns.
            if (!scoresFileOverride.empty())
                throw;
            std::fprintf(stderr, "warning: could not write the scores cache: %s\n", e.what());
        }
    }
    return r;
}

std::vector<std::shared_ptr<const Scorer>> resolveScorers(const std::string& list)
{
    std::vector<std::shared_ptr<const Scorer>> out;
    for (auto& s : ScorerRegistry::instance().resolveList(list))
        out.push_back(std::move(s));
    return out;
}

void printSummary(const ScanResult& r, bool fromCache)
{
    std::fprintf(stderr, "read=%llu docs=%llu rejected=%llu blank_lines=%llu text_bytes=%llu %s%.2fs\n",
                 static_cast<unsigned long long>(r.records), static_cast<unsigned long long>(r.index.size()),
                 static_cast<unsigned long long>(r.rejected), static_cast<unsigned long long>(r.blankLines),
                 static_cast<unsigned long long>(r.textBytes), fromCache ? "(cached) " : "", r.seconds);
}

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

// `suggest`: cutoffs per column (and per group or label with --by) from the cached scores,
// printed with what each would drop, and written as a filter config that records, per cutoff,
// the method, its parameters and how many values it was computed on.
int runSuggest(const CommonOptions& o, const std::string& columnList, const std::string& methodText, std::string by,
               uint64_t minDocs, const std::string& outPath)
{
    SuggestSpec spec;
    std::vector<std::string> columns = splitComma(columnList);
    const bool byGroup = by == "group";
    if (byGroup)
        by.clear();
    std::vector<std::shared_ptr<const Scorer>> list;
    try {
        spec = SuggestSpec::parse(methodText);
        if (columns.empty())
            throw std::invalid_argument("--columns: no column given");
        list = resolveScorers(columnList + (by.empty() ? std::string() : "," + by));
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "shardscope-cli suggest: %s\n", e.what());
        return 2;
    }
    bool cached = false;
    ScanResult r = scoreOrLoad(o, list, {}, false, &cached);
    if (r.cancelled || g_interrupted) {
        std::fprintf(stderr, "cancelled\n");
        return 130;
    }
    // Keys for per-group or per-label suggestions.
    std::vector<uint32_t> keys;
    std::vector<std::string> keyNames;
    if (byGroup) {
        keys = r.index.group;
        keyNames = r.index.groups;
    } else if (!by.empty()) {
        const int bc = r.scores.columnIndex(by);
        if (bc < 0 || !r.scores.columns[size_t(bc)].categorical()) {
            std::fprintf(stderr,
                         "shardscope-cli suggest: --by %s: not a categorical column (use 'group' or a column such as lang)\n",
                         by.c_str());
            return 2;
        }
        keyNames = r.scores.columns[size_t(bc)].categories;
        keys = categoricalKeys(r.scores.values[size_t(bc)], keyNames.size());
    }
    FilterConfig config;
    config.fields = r.fields;
    std::vector<CutoffSuggestion> all;
    for (const auto& col : columns) {
        const int c = r.scores.columnIndex(col);
        if (c < 0 || r.scores.columns[size_t(c)].categorical()) {
            std::fprintf(stderr, "shardscope-cli suggest: --columns %s: %s\n", col.c_str(),
                         c < 0 ? "no such column (a scorer such as gopher_quality has several: name the column)"
                               : "a categorical column has no numeric cutoff (write an \"in\" rule)");
            return 2;
        }
        const std::vector<float>& values = r.scores.values[size_t(c)];
        FilterRule rule;
        rule.column = col;
        rule.by = by;
        CutoffSuggestion s = suggestCutoffs(values, spec, col);
        acceptSuggestion(rule, s);
        all.push_back(s);
        if (!keyNames.empty())
            for (const auto& p : suggestCutoffsPerKey(values, keys, keyNames, spec, col, minDocs)) {
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

    std::printf("%-28s %-20s %-24s %12s %12s %9s %8s %9s %9s %7s\n", "column", by.empty() ? (byGroup ? "group" : "")
                                                                                      : by.c_str(),
                "method", "min", "max", "values", "missing", "below", "above", "drop%");
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
    if (!outPath.empty()) {
        config.save(outPath);
        if (!o.quiet)
            std::fprintf(stderr, "filter config written to %s\n", outPath.c_str());
    }
    return reportProblems(r, o.maxErrors) ? 1 : 0;
}

} // namespace

namespace {
int runCli(int argc, char** argv)
{
    registerBuiltinScorers();
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    // Past a file size limit (ulimit -f) the kernel would kill the process with SIGXFSZ, leaving its temporary
    // files and no message; ignored, the write fails with EFBIG and ends as any other write error: a message
    // naming the file, exit 1, the temporary file removed and the previous file at the final name untouched.
    std::signal(SIGXFSZ, SIG_IGN);

    CLI::App app { "shardscope-cli: score, inspect and filter LLM pretraining corpus shards" };
    app.set_version_flag("--version", std::string("shardscope-cli ") + SHARDSCOPE_VERSION);
    app.require_subcommand(1);

    // score
    CommonOptions scoreOpt;
    std::string scorerList = "zlib6,zstd3";
    std::string tsvPath, scoresFile;
    bool seekCache = false;
    auto* score = app.add_subcommand("score", "Score every document and write a TSV (id, group, bytes, scores)");
    addCommon(score, scoreOpt);
    score->add_option("--scorers,-s", scorerList, "Comma-separated scorers or columns; 'all' = every model-free scorer")
        ->capture_default_str();
    score->add_option("--tsv", tsvPath, "Write the scores as TSV here (written atomically; - for standard output)");
    score->add_option("--scores-file", scoresFile, "Scores file to write/reuse (default: in the cache directory)");
    score->add_flag("--seek-cache", seekCache, "Also write random-access caches for compressed shards (for the GUI)");

    // apply
    CommonOptions applyOpt;
    std::string configPath, outDir;
    bool writeDropped = false, writeRejected = false;
    auto* apply = app.add_subcommand("apply", "Apply a filter config and write kept (and dropped) records");
    addCommon(apply, applyOpt);
    apply->add_option("--config,-c", configPath, "Filter config (JSON)")->required()->check(CLI::ExistingFile);
    apply->add_option("--out,-o", outDir, "Output directory")->required();
    apply->add_flag("--dropped", writeDropped, "Also write dropped records (+ .dropped.tsv with the rule)");
    apply->add_flag("--rejected", writeRejected, "Also write rejected (unparseable) records with the reason");

    // stats
    CommonOptions statsOpt;
    std::string statsScorers = "zlib6,zstd3";
    bool statsJson = false;
    int bins = 0;
    auto* stats = app.add_subcommand("stats", "Per-scorer count, mean, percentiles and histogram");
    addCommon(stats, statsOpt);
    stats->add_option("--scorers,-s", statsScorers, "Comma-separated scorers; 'all' = every model-free scorer")
        ->capture_default_str();
    stats->add_flag("--json", statsJson, "JSON instead of text");
    stats->add_option("--bins", bins, "Histogram bins (default: Freedman-Diaconis, 10..200)");

    // suggest
    CommonOptions suggestOpt;
    std::string suggestColumns, suggestMethod = "percentile:1,99", suggestBy, suggestOut;
    uint64_t suggestMinDocs = 20;
    auto* suggest = app.add_subcommand(
        "suggest", "Suggest cutoffs from the (cached) scores and write them as a filter config with their provenance");
    addCommon(suggest, suggestOpt);
    suggest->add_option("--columns", suggestColumns, "Comma-separated score columns to suggest cutoffs for")->required();
    suggest->add_option("--method,-m", suggestMethod,
                        "percentile:LOW,HIGH | meanstd:K[,K2] (mean ± K·sd, population sd) | mad:K[,K2] "
                        "(robust: median ± K·1.4826·MAD); leave a side empty for one bound, e.g. percentile:1,")
        ->capture_default_str();
    suggest->add_option("--by", suggestBy,
                        "Also suggest per-key overrides: 'group', or a categorical column such as lang");
    suggest->add_option("--min-docs", suggestMinDocs, "Smallest group/label that gets its own override (default: 20)");
    suggest->add_option("--out,-o", suggestOut, "Write the filter config here (atomically)");

    // scorers
    auto* scorers = app.add_subcommand("scorers", "List every scorer with its definition");
    bool scorersVerbose = false;
    scorers->add_flag("--columns", scorersVerbose, "Also list each column with its exact definition");

    // Language-model commands and options (issue 4), implemented in lmcommands.cpp.
    addLmCommands(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }

    try {
        if (*scorers) {
            for (const auto& s : ScorerRegistry::instance().createAll()) {
                std::printf("%-20s %s%s\n", s->name().c_str(), s->summary().c_str(),
                            s->needsModel() ? " [needs a model]" : "");
                if (scorersVerbose || s->columns().size() > 1)
                    for (const auto& c : s->columns())
                        if (c.name != s->name())
                            std::printf("  %-26s %s\n", c.name.c_str(), c.definition.c_str());
            }
            return 0;
        }
        if (*score) {
            std::vector<std::shared_ptr<const Scorer>> list;
            try {
                list = resolveScorers(scorerList);
            } catch (const std::invalid_argument& e) {
                std::fprintf(stderr, "shardscope-cli score: %s\n", e.what());
                return 2;
            }
            bool cached = false;
            ScanResult r = scoreOrLoad(scoreOpt, list, scoresFile, seekCache, &cached);
            if (!tsvPath.empty())
                writeTsv(tsvPath, r, scoreOpt.threads);
            if (!scoreOpt.quiet)
                printSummary(r, cached);
            bool bad = reportProblems(r, scoreOpt.maxErrors);
            if (r.cancelled || g_interrupted) {
                std::fprintf(stderr, "cancelled\n");
                return 130;
            }
            return bad ? 1 : 0;
        }
        if (*stats) {
            std::vector<std::shared_ptr<const Scorer>> list;
            try {
                list = resolveScorers(statsScorers);
            } catch (const std::invalid_argument& e) {
                std::fprintf(stderr, "shardscope-cli stats: %s\n", e.what());
                return 2;
            }
            bool cached = false;
            ScanResult r = scoreOrLoad(statsOpt, list, {}, false, &cached);
            std::vector<ColumnStats> st;
            st.push_back(ColumnStats::compute("bytes", [&] {
                std::vector<float> v(r.index.textBytes.begin(), r.index.textBytes.end());
                return v;
            }(), bins));
            for (size_t c = 0; c < r.scores.columns.size(); ++c)
                st.push_back(ColumnStats::compute(r.scores.columns[c], r.scores.values[c], bins));
            std::string out = statsJson ? statsToJson(st, r.index.size()) : statsToText(st, r.index.size());
            std::fwrite(out.data(), 1, out.size(), stdout);
            bool bad = reportProblems(r, statsOpt.maxErrors);
            return r.cancelled ? 130 : bad ? 1 : 0;
        }
        if (*suggest)
            return runSuggest(suggestOpt, suggestColumns, suggestMethod, suggestBy, suggestMinDocs, suggestOut);
        if (*apply) {
            FilterConfig config;
            try {
                config = FilterConfig::load(configPath);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "shardscope-cli apply: %s\n", e.what());
                return 2;
            }
            ScanOptions so;
            so.shards = expandShardPaths(applyOpt.inputs);
            so.fields = resolveFields(applyOpt, so.shards);
            so.threads = applyOpt.threads;
            try {
                so.scorers = resolveConfigScorers(config);
            } catch (const std::invalid_argument& e) {
                std::fprintf(stderr, "shardscope-cli apply: %s: %s\n", configPath.c_str(), e.what());
                return 2;
            }
            ApplyOptions ao;
            ao.outDir = outDir;
            ao.writeDropped = writeDropped;
            ao.writeRejected = writeRejected;
            ApplySummary sum = runApply(config, so, ao, progressPrinter(applyOpt.quiet));
            if (!applyOpt.quiet && ::isatty(STDERR_FILENO))
                std::fprintf(stderr, "\n");
            for (const auto& e : sum.errors)
                std::fprintf(stderr, "error: %s\n", e.c_str());
            if (!applyOpt.quiet)
                for (size_t i = 0; i < config.rules.size(); ++i)
                    std::printf("rule %zu %-24s dropped_in_order=%llu dropped_alone=%llu\n", i,
                                config.rules[i].column.c_str(),
                                static_cast<unsigned long long>(sum.total.rules[i].droppedInOrder),
                                static_cast<unsigned long long>(sum.total.rules[i].droppedAlone));
            std::printf("read=%llu kept=%llu dropped=%llu rejected=%llu\n",
                        static_cast<unsigned long long>(sum.total.read), static_cast<unsigned long long>(sum.total.kept),
                        static_cast<unsigned long long>(sum.total.dropped),
                        static_cast<unsigned long long>(sum.total.rejected));
            if (sum.cancelled)
                return 130;
            return (!sum.errors.empty() || sum.total.rejected > 0) ? 1 : 0;
        }
    } catch (const InputError& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 2;
}
} // namespace

int main(int argc, char** argv)
{
    const int rc = runCli(argc, argv);
    // stats, suggest and apply print their results: a full disk under a redirected stdout is a failed run too
    // (said once: a run that failed already has its message).
    if ((std::fflush(stdout) != 0 || std::ferror(stdout)) && rc == 0) {
        std::fprintf(stderr, "error: standard output: write failed: %s\n", std::strerror(errno));
        return 1;
    }
    return rc;
}
