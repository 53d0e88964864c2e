#pragma once
// What the commands that score a corpus share: scoring it (or loading its cached scores), the progress
// line, and reporting rejected records and broken streams.

#include "filterconfig.h"
#include "options.h"
#include "scan.h"

#include <functional>
#include <memory>
#include <string>

namespace shardscope::cli {

// Scores the shards, or loads their cached scores when they are up to date (only the requested columns,
// in the requested order). `scoresFileOverride`: the scores file to read and write instead of the one in
// the cache directory (an output: failing to write it throws). `seekCache`: also write random-access caches
// for compressed shards. A signal cancels the scan (interrupt.h); the result then says cancelled.
// `sample`: score only the records it selects (a sample is neither loaded from nor written to the cache).
ScanResult scoreOrLoad(const CorpusOptions& o, const ScorerList& scorers, const std::string& scoresFileOverride,
    bool seekCache, bool* fromCache, std::shared_ptr<const DocumentSelector> sample = nullptr);
// "sample: 1,121 of 56,071 records scored (bernoulli p=0.02 seed=1)" on stderr for a sampled result.
// How many records a sampled scan scored, of how many in the corpus: exact when every shard was read (the
// records skipped are counted), estimated when plain shards were sampled by byte offset (BlockSampler).
struct SampleSize {
    uint64_t scored = 0;
    double population = 0;
    bool exact = true;
};
SampleSize sampleSize(const ScanResult& r);
void printSample(const ScanResult& r);

// A progress line on stderr, redrawn in place; none when quiet or when stderr is not a terminal.
std::function<void(const ScanProgress&)> progressPrinter(bool quiet);
// Ends the progress line progressPrinter() drew.
void endProgressLine(bool quiet);

// Prints stream errors and rejected records (at most maxErrors individually); returns true when there was
// any input error.
bool reportProblems(const ScanResult& r, size_t maxErrors);

// The closing "read=... docs=..." line on stderr.
void printSummary(const ScanResult& r, bool fromCache);

// How `score` and `train-lm --score` end: the TSV written to `tsvPath` (when given), the sample and summary lines
// (unless quiet), problems reported. Returns the exit code (1 when there was an input error); throws Cancelled when a
// signal stopped the scan.
int finishScoreRun(const CorpusOptions& o, const ScanResult& r, bool fromCache, const std::string& tsvPath);

// What `apply` and `export` start from: the filter config, and a scan of the corpus with the scorers its rules need
// (--model's parameters for rules named by column, as in `score`). Applies the model options first. Throws
// UsageError (prefixed with `command`, naming the config) for a config that does not load or names an unknown
// column or scorer.
struct ConfigScan {
    FilterConfig config;
    ScanOptions scan;
};
ConfigScan loadConfigScan(
    const std::string& command, const std::string& configPath, const CorpusOptions& corpus, const ModelOptions& model);

} // namespace shardscope::cli
