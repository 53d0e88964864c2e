#pragma once
// Which model shape to train for a time budget (issue 22, part 4): `train-lm --size auto` and the GUI's
// reference-model training ask chooseShapeForBudget() instead of always training the default 4x256.
//
// The rule. Early in training a byte model is still learning which bytes are frequent, and a larger one gets
// through fewer tokens per second; so for a short budget the best held-out bits per byte come from the largest
// shape that still sees enough tokens for its size:
//     tokens(shape) = tokensPerCoreSecond(shape) x effectiveCores(threads) x minutes x 60
//     choose the largest shape with tokens(shape) >= 2 x parameters(shape), else the smallest.
// The choice can only grow with the budget (more minutes or more threads), never shrink.
//
// Measured 2026-12-07 (tests/benchmarks/README.md, "Model size for a time budget"): this project's 2-core
// development machine, Debian libtorch 1.13 with OpenBLAS, `train-lm --threads 1 --context 256 --batch 16` on a
// 20 MB uniform sample of ../shared/data/bench, held out: 59 other bench documents (201,152 bytes). The machine
// was shared (load 10-14, a run got 5-15% of a core), so the budgets are steps worth 156-185 CPU-seconds of the
// trainer (2.5-3 minutes of one core), not wall minutes:
//     shape   params  tokens/CPU-s  CPU-s  steps  tokens     held-out bpb
//     2x128   0.46M   11,963        178    524    2,146,304  3.740
//     3x192   1.43M   5,570         156    212    868,352    3.922
//     4x256   3.29M   2,834         185    128    524,288    4.098
// With 5 minutes of wall time on the same loaded machine (about 65 CPU-seconds each) the order was the same:
// 2x128 3.948, 4x256 4.730, 3x192 5.226 (both larger ones still in the 100-step warm-up). No measured budget
// made a larger shape win, so the threshold of 2 tokens per parameter is bounded by data only from below (0.61);
// see lmshape.cpp. Thread scaling (0.6 of a core per extra thread) is assumed, not measured.
// On CUDA the one measured point is issue 4's: 4x256 at 903,202 tokens/s (H100, batch 64, 45 s: 2.085 bpb);
// other shapes are assumed to scale with their training FLOPs per token (6 x parameters + 6 x layers x context
// x hidden), which is pessimistic for small shapes (a GPU is not compute-bound on them). With this rule a 5-minute
// GPU budget trains 6x384 (10.8M parameters), 45 seconds 4x256.
//
// No libtorch and no plugin: this is arithmetic on a table, callable from the CLI, the GUI and tests in every
// build.

#include "lmtrain.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shardscope::lm {

struct ModelShape {
    int layers = 4, hidden = 256, heads = 4, context = 256;
    int batch = 16; // windows per step (train-lm --batch): 16 on a CPU, 64 on a GPU

    // GPT-2 over bytes as bytelmtrainer.cpp builds it: 257-token vocabulary, tied embeddings, learned
    // positions, MLP 4 x hidden. 4x256 at context 256: 3,290,880.
    int64_t parameters() const;
    // Training FLOPs per token: 6 x parameters + 6 x layers x context x hidden (attention).
    double trainingFlopsPerToken() const;
    // "4x256" (layers x hidden).
    std::string name() const;
    bool operator==(const ModelShape&) const = default;
};

struct ShapeMeasurement {
    ModelShape shape;
    double tokensPerCoreSecond; // training tokens per CPU-second of one thread (--threads 1)
    double heldoutBpb; // held-out bits per byte after the measured budget; <0: not measured
};

// The CPU candidates, smallest first, with what was measured on each.
const std::vector<ShapeMeasurement>& measuredShapes();
// The budget the held-out figures were measured at, in minutes of one core (156-185 CPU-seconds).
inline constexpr double kMeasuredBudgetMinutes = 2.5;

struct ShapeChoice {
    ModelShape shape;
    double tokensPerSecond = 0; // expected, with the threads given
    double budgetTokens = 0; // tokensPerSecond x minutes x 60
    std::string reason; // one line for a log or a tooltip
};

// The shape for a budget of `minutes` on `device` ("cpu", "cuda", "cuda:N"; resolve "auto" first with
// resolveLmDevice(), lmapi.h: anything that does not start with "cuda" is taken as the CPU) with `threads`
// torch threads (<= 0: every core, as TrainOptions::threads). minutes <= 0 (a step budget only): the default
// shape, ModelShape{}.
ShapeChoice chooseShapeForBudget(double minutes, std::string_view device, int threads);

// Sets options.layers, hidden, heads, context and batch from `shape`.
void applyShape(TrainOptions& options, const ModelShape& shape);

} // namespace shardscope::lm
