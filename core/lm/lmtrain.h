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

#include "causallm.h"

#include <functional>
#include <string>
#include <vector>

namespace shardscope::lm {

struct TrainOptions {
    std::vector<std::string> inputs;    // shards (.jsonl[.gz|.zst]) or directories, read by the engine
    std::vector<std::string> heldout;   // held-out shards; empty: every 20th document of the inputs
    std::string textField = "text";
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
};

struct TrainResult {
    int64_t steps = 0;
    int64_t tokensSeen = 0;
    double seconds = 0;
    double trainBpb = 0;                // mean over the last 100 steps
    double heldoutBpb = 0;
    int64_t heldoutBytes = 0;
    int64_t trainBytes = 0;
};

TrainResult trainByteLm(const TrainOptions& options);

// Reads every document's text of the given shards with the engine's readers (any format the scan
// reads). Single-threaded so the order is the input order.
std::vector<std::string> readShardTexts(const std::vector<std::string>& inputs, const std::string& textField);

} // namespace shardscope::lm
