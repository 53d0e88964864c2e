#include "lmshape.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

namespace shardscope::lm {

namespace {

// Tokens a shape must see per parameter before it is chosen over the next smaller one (see lmshape.h). What was
// measured bounds it from below only: with 156-185 CPU-seconds of one core, 2x128 after 4.6 tokens per parameter
// (3.740 bpb held out) beat 3x192 after 0.61 (3.922) and 4x256 after 0.16, so k > 0.61; with about 65
// CPU-seconds (5 minutes of wall time on the loaded machine) 2x128 won too. No budget was measured at which a
// larger shape wins (that needs runs of 10 or more core-minutes each), so k = 2 is a judgement: three times the
// bound, where 3x192 has seen about twice the tokens per parameter with which it lost.
constexpr double kTokensPerParameter = 2.0;

// Issue 4's GPU run (tests/benchmarks/README.md, "Training on the GPU"): 4x256, batch 64, H100.
constexpr double kCudaTokensPerSecond4x256 = 903202;

// Assumed, not measured (a shared 2-core machine cannot): each torch thread after the first adds 0.6 of a core
// to training on these small matrices.
double effectiveCores(int threads)
{
    return 1 + 0.6 * double(std::max(0, threads - 1));
}

} // namespace

int64_t ModelShape::parameters() const
{
    const int64_t h = hidden, l = layers;
    // Embeddings (tied output), positions, per layer 2 layer norms + attention (qkv, proj) + MLP, final norm.
    return 257 * h + int64_t(context) * h + l * (12 * h * h + 13 * h) + 2 * h;
}

double ModelShape::trainingFlopsPerToken() const
{
    return 6.0 * double(parameters()) + 6.0 * layers * context * hidden;
}

std::string ModelShape::name() const
{
    return std::to_string(layers) + "x" + std::to_string(hidden);
}

const std::vector<ShapeMeasurement>& measuredShapes()
{
    // 2026-12-07, train-lm --threads 1 --batch 16 --context 256, step budgets of 156-185 CPU-seconds, 20 MB
    // uniform sample of ../shared/data/bench, 59 held-out bench documents (tests/benchmarks/README.md, "Model
    // size for a time budget"). Tokens per CPU-second of the trainer process between its step-0 and last logged
    // step (reading and the held-out pass excluded).
    static const std::vector<ShapeMeasurement> shapes = {
        { { 2, 128, 4, 256, 16 }, 11963, 3.7404 },
        { { 3, 192, 4, 256, 16 }, 5570, 3.9221 },
        { { 4, 256, 4, 256, 16 }, 2834, 4.0981 },
        // Not trained to the end here (at the load of the day it saw fewer than 50 steps in 5 minutes): 4x256's
        // rate scaled by training FLOPs per token, 21.3M / 68.6M.
        { { 6, 384, 6, 256, 16 }, 880, -1 },
    };
    return shapes;
}

ShapeChoice chooseShapeForBudget(double minutes, std::string_view device, int threads)
{
    ShapeChoice c;
    if (!(minutes > 0)) {
        c.reason = "no time budget: the default shape";
        return c;
    }
    const bool cuda = device.substr(0, 4) == "cuda";
    if (threads <= 0)
        threads = int(std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::pair<ModelShape, double>> candidates; // shape, tokens per second
    if (cuda) {
        const ModelShape ref;
        std::vector<ModelShape> shapes;
        for (const auto& m : measuredShapes())
            shapes.push_back(m.shape);
        shapes.push_back({ 8, 512, 8, 256, 16 });
        for (ModelShape s : shapes) {
            s.batch = 64;
            candidates.emplace_back(
                s, kCudaTokensPerSecond4x256 * ref.trainingFlopsPerToken() / s.trainingFlopsPerToken());
        }
    } else {
        for (const auto& m : measuredShapes())
            candidates.emplace_back(m.shape, m.tokensPerCoreSecond * effectiveCores(threads));
    }
    // Smallest first: the last that sees enough tokens wins; none does: the smallest.
    c.shape = candidates.front().first;
    c.tokensPerSecond = candidates.front().second;
    for (const auto& [shape, rate] : candidates) {
        if (rate * minutes * 60 >= kTokensPerParameter * double(shape.parameters())) {
            c.shape = shape;
            c.tokensPerSecond = rate;
        }
    }
    c.budgetTokens = c.tokensPerSecond * minutes * 60;
    char line[200];
    std::snprintf(line, sizeof line, "%s (%.2fM parameters): about %.1fM tokens in %.3g min on %s%s",
        c.shape.name().c_str(), double(c.shape.parameters()) / 1e6, c.budgetTokens / 1e6, minutes,
        cuda ? "the GPU" : "the CPU",
        cuda ? "" : (", " + std::to_string(threads) + (threads == 1 ? " thread" : " threads")).c_str());
    c.reason = line;
    return c;
}

void applyShape(TrainOptions& options, const ModelShape& shape)
{
    options.layers = shape.layers;
    options.hidden = shape.hidden;
    options.heads = shape.heads;
    options.context = shape.context;
    options.batch = shape.batch;
}

} // namespace shardscope::lm
