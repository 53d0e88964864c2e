#pragma once
// How long scoring a whole corpus with a scorer would take (issue 21, part 3: "Add scorer..." lists what is not
// computed yet with its estimated time): the scorer is timed on a sample of the corpus's own texts, for a
// bounded time, and the rate is scaled to the corpus's text bytes and the scan's threads. A language model
// runs thousands of times slower than a compression ratio, so a user adds it to a big corpus knowingly.

#include "corpusdata.h"
#include "documentsource.h"
#include "scorer.h"

#include <atomic>
#include <string>
#include <vector>

namespace shardscope {

// How many texts a scorer is timed on (Add Scorers, the full-pass estimate of a sample).
inline constexpr size_t kEstimateTexts = 120;

// Where a document's line is, to read its text later off the GUI thread.
struct DocumentLocation {
    uint32_t shard = 0;
    uint64_t offset = 0;
    uint32_t length = 0;
};
// Up to `count` documents spread evenly over the table (every size/count-th), in table order.
std::vector<DocumentLocation> spreadDocuments(const CorpusData& corpus, size_t count = kEstimateTexts);
// Their texts, those that read without error. Stops early, with what it has, once *stop is set.
std::vector<std::string> readTexts(
    DocumentSource& source, const std::vector<DocumentLocation>& where, const std::atomic<bool>* stop = nullptr);

struct ScorerEstimate {
    std::string scorer;
    uint64_t sampleTexts = 0; // texts it scored in the time it had
    uint64_t sampleBytes = 0;
    double bytesPerSecond = 0; // on one thread
    double seconds = -1; // for the whole corpus on `threads` threads; -1 when it could not be measured
    std::string error; // why not (the scorer could not be made, say)
};

// Times `scorer` on `texts` (a sample of the corpus, in order) for at most about `budgetSeconds` (at least one
// text; batched scorers get groups of up to 16 texts, as a scan batches them), then scales the rate to
// `totalTextBytes` on `threads` threads (a scan scales close to linearly with threads until reading limits it).
ScorerEstimate estimateScorer(const Scorer& scorer, const std::vector<std::string>& texts, uint64_t totalTextBytes,
    int threads, double budgetSeconds = 0.5);

} // namespace shardscope
