#include "scanrun.h"

#include "interrupt.h"
#include "scorestore.h"

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

ScanResult scoreOrLoad(const CorpusOptions& o, const ScorerList& scorers, const std::string& scoresFileOverride,
    bool seekCache, bool* fromCache)
{
    std::vector<std::string> shards = o.input.shards();
    FieldMapping fields = o.input.fields(shards);
    // The cache policy is core's, the same as the GUI's (openCached, storeScores).
    const CorpusCache cache = CorpusCache::of(o.cacheDir, shards, fields, scoresFileOverride);
    *fromCache = false;
    std::string unusable;
    std::optional<ScanResult> loaded;
    if (!o.noCache)
        loaded = openCached(cache, shards, fields, scorers, &unusable);
    if (!unusable.empty())
        std::fprintf(stderr, "warning: cached scores not usable, rescoring: %s\n", unusable.c_str());
    if (loaded) {
        *fromCache = true;
        if (!o.quiet)
            std::fprintf(stderr, "scores loaded from %s (shards unchanged, no rescoring)\n", cache.scoresPath.c_str());
        return std::move(*loaded);
    }
    ScanOptions so;
    so.shards = shards;
    so.fields = fields;
    so.scorers = scorers;
    so.threads = o.threads.threads;
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

void printSummary(const ScanResult& r, bool fromCache)
{
    std::fprintf(stderr, "read=%llu docs=%llu rejected=%llu blank_lines=%llu text_bytes=%llu %s%.2fs\n",
        static_cast<unsigned long long>(r.records), static_cast<unsigned long long>(r.index.size()),
        static_cast<unsigned long long>(r.rejected), static_cast<unsigned long long>(r.blankLines),
        static_cast<unsigned long long>(r.textBytes), fromCache ? "(cached) " : "", r.seconds);
}

} // namespace shardscope::cli
