#pragma once
// Training a small byte-level causal language model (GPT-2 architecture over UTF-8 bytes) on the
// text of shards or text files: Shardscope's built-in model, or a user's reference model trained on a
// sample of their own corpus (the CCNet / "reference model" approach: score a corpus by its loss
// under a model of text you want more of).
//
// Documents are joined into one byte stream, each preceded by the document-start id 256. Each step
// draws `batch` random windows of `context` bytes; AdamW, linear warm-up, cosine decay over the time
// or step budget, gradient clipping at 1. The held-out bits per byte are measured at the end with
// the same windowed scorer that `score --scorers lm_bpb` uses, so the figure is the column's value.
//
// No libtorch types here: the GUI includes this header (torch's headers break under Qt's `slots`).
// trainByteLm() loads the language-model plugin (lmplugin.h) before it reads anything; readShardTexts()
// needs no libtorch.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace shardscope::lm {

struct TrainOptions {
    std::vector<std::string> inputs;    // shards (.jsonl[.gz|.zst]) or directories, read by the engine
    std::vector<std::string> heldout;   // held-out shards; empty: every 20th document of the inputs
    std::string textField = "text";
    // A sample of the inputs, up to either limit (0: no limit): a uniform random sample of the
    // documents (randomSample, which reads all of them) or the first ones in input order. The
    // held-out share (every 20th) is taken from this sample.
    int64_t maxDocuments = 0;
    double maxMegabytes = 0;
    bool randomSample = true;
    std::string outDir;
    int layers = 4, hidden = 256, heads = 4, context = 256;
    int batch = 16;
    double minutes = 10;                // time budget (0: use maxSteps only)
    int64_t maxSteps = 0;               // 0: until the time budget ends
    double lr = 2e-3;
    uint64_t seed = 1;
    int threads = 0;                    // torch intra-op threads; 0: all cores
    bool halfPrecisionFile = true;      // store weights as F16 (half the size; evaluated as F32)
    std::string device = "cpu";
    std::function<void(const std::string&)> log;
    // Cooperative cancellation, checked between steps (and between reading and training): when it
    // returns true, training stops, nothing is written and the result has cancelled = true.
    std::function<bool()> stopRequested;
    // Called after every step with the fraction of the budget used (0..1) and the step's bits per
    // byte; throttle on the receiving side.
    std::function<void(double fraction, int64_t step, double bpb)> progress;
};

struct TrainResult {
    int64_t steps = 0;
    int64_t tokensSeen = 0;
    double seconds = 0;
    double trainBpb = 0;                // mean over the last 100 steps
    double heldoutBpb = 0;
    int64_t heldoutBytes = 0;
    int64_t trainBytes = 0;
    bool cancelled = false;             // stopRequested() said so; no model was written
    // The documents read (the sample), split into training and held-out ones: provenance (issue 22).
    int64_t trainDocuments = 0;
    int64_t heldoutDocuments = 0;
};

TrainResult trainByteLm(const TrainOptions& options);

// Reads every document's text of the given shards with the engine's readers (any format the scan
// reads) up to the limits (0: none), or until stopRequested() says so. Single-threaded, texts in
// input order. With `random`, the documents kept under the limits are a uniform random sample of
// all of them (each gets a random key from `seed`; the smallest keys that fit the limits are kept),
// which reads every shard; otherwise the first documents, and reading stops at the limit.
struct ReadLimits {
    int64_t maxDocuments = 0;
    int64_t maxBytes = 0;
    std::function<bool()> stopRequested;
    bool random = false;
    uint64_t seed = 1;
};
std::vector<std::string> readShardTexts(const std::vector<std::string>& inputs, const std::string& textField,
                                        const ReadLimits& limits = {});

} // namespace shardscope::lm
