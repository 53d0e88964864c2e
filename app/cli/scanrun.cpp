#include "scanrun.h"

#include "apply.h"
#include "blocksampler.h"
#include "columnscan.h"
#include "command.h"
#include "interrupt.h"
#include "scorestore.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include <unistd.h>

namespace shardscope::cli {

namespace {

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

} // namespace

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

void endProgressLine(bool quiet)
{
    if (!quiet && ::isatty(STDERR_FILENO))
        std::fprintf(stderr, "\n");
}

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
            static_cast<unsigned long long>(rj.line), static_cast<unsigned long long>(rj.offset), rj.reason.c_str());
    }
    if (r.rejected > shown && shown > 0)
        std::fprintf(stderr, "rejected: ... and %llu more\n", static_cast<unsigned long long>(r.rejected - shown));
    return bad || r.rejected > 0;
}

namespace {

// The names of the scorers in a list, comma-separated, for messages.
std::string names(const ScorerList& list)
{
    std::string out;
    for (const auto& s : list)
        out += (out.empty() ? "" : ",") + s->name();
    return out;
}

// Issue 21: the scores file holds some of the requested scorers up to date: those load, and only `missing`
// are scored (ColumnScan), their columns appended to the table and to the scores file. The result's columns
// are in the requested order, as a full scan's would be.
ScanResult loadAndAddColumns(const CorpusOptions& o, const CorpusCache& cache, ScanResult table,
    const ScorerList& scorers, const ScorerList& missing)
{
    ColumnScanOptions options;
    options.shards = o.input.shards();
    options.fields = table.fields;
    options.scorers = missing;
    options.threads = o.threads.threads;
    ColumnScan scan(table, options);
    const std::vector<ColumnInfo> added = scan.columns();
    std::vector<std::vector<float>> values(added.size(), std::vector<float>(table.index.size(), kMissing));
    scan.setFillCallback([&values](ColumnFill&& fill) {
        for (size_t c = 0; c < fill.values.size(); ++c)
            std::copy(fill.values[c].begin(), fill.values[c].end(), values[c].begin() + long(fill.firstRow));
    });
    scan.setProgressCallback(progressPrinter(o.quiet), 200);
    if (!o.quiet)
        std::fprintf(stderr, "scores of %zu scorer(s) loaded from %s; scoring %s\n", scorers.size() - missing.size(),
            cache.scoresPath.c_str(), names(missing).c_str());
    const ColumnScanResult r = [&scan] {
        CancelOnSignal cancelOnSignal(scan.scan());
        return scan.run();
    }();
    endProgressLine(o.quiet);
    // A stream that broke while the new columns were scored is reported (and sets the exit status) as the
    // corpus's; rows it did not reach keep missing values.
    for (const auto& e : r.errors) {
        ShardInfo& first = table.shards.front();
        first.error += (first.error.empty() ? "" : "; ") + e;
        first.complete = false;
    }
    table.cancelled = r.cancelled;
    if (r.complete) {
        // A --scores-file the user named is an output: not writing it is an error; the default cache only warns.
        try {
            appendScoreColumns(cache.scoresPath, missing, values);
        } catch (const std::exception& e) {
            if (cache.userNamedScores)
                throw;
            std::fprintf(stderr, "warning: could not write the scores cache: %s\n", e.what());
        }
    }
    for (size_t c = 0; c < added.size(); ++c) {
        table.scores.columns.push_back(added[c]);
        table.scores.values.push_back(std::move(values[c]));
    }
    ScoreTable ordered;
    for (const auto& s : scorers)
        for (const auto& c : s->columns()) {
            const int at = table.scores.columnIndex(c.name);
            if (at >= 0) {
                ordered.columns.push_back(table.scores.columns[size_t(at)]);
                ordered.values.push_back(std::move(table.scores.values[size_t(at)]));
            }
        }
    table.scores = std::move(ordered);
    table.seconds = r.seconds;
    return table;
}

// A loaded score column is checked against its checksum when first read (issue 21), and one that fails reads
// as missing values. Every command reads all its columns, so they are all checked here, before use: a failure
// is reported like a torn file and the corpus is rescored (which rewrites the file). Empty when all hold.
std::string corruptColumnsNote(const ScanResult& loaded)
{
    const std::vector<std::string> bad = corruptColumns(loaded.scores, true);
    if (bad.empty())
        return {};
    return bad.front() + (bad.size() > 1 ? " (and " + std::to_string(bad.size() - 1) + " more columns)" : "");
}

} // namespace

ScanResult scoreOrLoad(const CorpusOptions& o, const ScorerList& scorers, const std::string& scoresFileOverride,
    bool seekCache, bool* fromCache, std::shared_ptr<const DocumentSelector> sample)
{
    std::vector<std::string> shards = o.input.shards();
    FieldMapping fields = o.input.fields(shards);
    // The cache policy is core's, the same as the GUI's (openCached, storeScores).
    const CorpusCache cache = CorpusCache::of(o.cacheDir, shards, fields, scoresFileOverride);
    *fromCache = false;
    std::string unusable;
    std::optional<ScanResult> loaded;
    // A sample is always scanned: the cache holds whole corpora only, and its scores are not the sample's draw.
    if (!o.noCache && !sample)
        loaded = openCached(cache, shards, fields, scorers, &unusable);
    if (loaded) {
        unusable = corruptColumnsNote(*loaded);
        if (!unusable.empty())
            loaded.reset();
    }
    if (!unusable.empty())
        std::fprintf(stderr, "warning: cached scores not usable, rescoring: %s\n", unusable.c_str());
    if (loaded) {
        *fromCache = true;
        if (!o.quiet)
            std::fprintf(stderr, "scores loaded from %s (shards unchanged, no rescoring)\n", cache.scoresPath.c_str());
        return std::move(*loaded);
    }
    if (!o.noCache && unusable.empty() && !sample) {
        // Some scorers cached, others not: score only those (a derived scorer needs one scan of them all).
        const CacheContents held = inspectScores(cache.scoresPath, shards, fields, scorers);
        const bool derived
            = std::any_of(scorers.begin(), scorers.end(), [](const auto& s) { return !s->inputColumns().empty(); });
        if (held.usable && !held.present.empty() && !held.missing.empty() && !derived)
            if (std::optional<ScanResult> part = openCached(cache, shards, fields, held.present, &unusable)) {
                if (const std::string bad = corruptColumnsNote(*part); bad.empty())
                    return loadAndAddColumns(o, cache, std::move(*part), scorers, held.missing);
                else
                    std::fprintf(stderr, "warning: cached scores not usable, rescoring: %s\n", bad.c_str());
            }
    }
    ScanOptions so;
    so.shards = shards;
    so.fields = fields;
    so.scorers = scorers;
    so.threads = o.threads.threads;
    so.selector = std::move(sample);
    if (seekCache && !o.noCache)
        so.seekCacheDir = cache.seekDir;
    if (!o.quiet)
        std::fprintf(stderr, "%zu shard(s), fields: %s\n", shards.size(), fields.describe().c_str());
    Scan scan(so);
    scan.setProgressCallback(progressPrinter(o.quiet), 200);
    ScanResult r = [&scan] {
        CancelOnSignal cancelOnSignal(scan);
        return scan.run();
    }();
    endProgressLine(o.quiet);
    // A --scores-file the user named is an output: not writing it is an error (exit 1). The default cache
    // is not: the results are complete and the next run rescores, so a full cache disk only warns.
    if (!o.noCache)
        if (const std::string warning = storeScores(cache, r, scorers); !warning.empty())
            std::fprintf(stderr, "warning: could not write the scores cache: %s\n", warning.c_str());
    return r;
}

SampleSize sampleSize(const ScanResult& r)
{
    const PopulationEstimate e = estimatePopulation(r);
    return { r.records - r.skipped, e.records, e.exact };
}

void printSample(const ScanResult& r)
{
    if (r.selection.empty())
        return;
    const SampleSize s = sampleSize(r);
    std::fprintf(stderr, "sample: %llu of %s%.0f records scored (%s); figures are estimates with 95%% intervals\n",
        static_cast<unsigned long long>(s.scored), s.exact ? "" : "about ", s.population, r.selection.c_str());
}

void printSummary(const ScanResult& r, bool fromCache)
{
    std::fprintf(stderr, "read=%llu docs=%llu rejected=%llu blank_lines=%llu text_bytes=%llu %s%.2fs\n",
        static_cast<unsigned long long>(r.records), static_cast<unsigned long long>(r.index.size()),
        static_cast<unsigned long long>(r.rejected), static_cast<unsigned long long>(r.blankLines),
        static_cast<unsigned long long>(r.textBytes), fromCache ? "(cached) " : "", r.seconds);
}

int finishScoreRun(const CorpusOptions& o, const ScanResult& r, bool fromCache, const std::string& tsvPath)
{
    if (!tsvPath.empty())
        writeTsv(tsvPath, r, o.threads.threads);
    if (!o.quiet) {
        printSample(r);
        printSummary(r, fromCache);
    }
    const bool bad = reportProblems(r, o.maxErrors);
    throwIfCancelled(r.cancelled);
    return bad ? 1 : 0;
}

ConfigScan loadConfigScan(
    const std::string& command, const std::string& configPath, const CorpusOptions& corpus, const ModelOptions& model)
{
    model.apply();
    ConfigScan out;
    try {
        out.config = FilterConfig::load(configPath);
    } catch (const std::exception& e) {
        throw UsageError(command, e.what());
    }
    out.scan.shards = corpus.input.shards();
    out.scan.fields = corpus.input.fields(out.scan.shards);
    out.scan.threads = corpus.threads.threads;
    try {
        out.scan.scorers = resolveConfigScorers(out.config, model.sharedParams());
    } catch (const std::invalid_argument& e) {
        throw UsageError(command, configPath + ": " + e.what());
    }
    return out;
}

} // namespace shardscope::cli
