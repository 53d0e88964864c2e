// Training the byte-level model (lmtrain.h), in the language-model plugin: the engine reads the text
// (lmtrain.cpp) and hands it here through LmBackend::train().
#include "causallm.h"
#include "lmplugin.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

namespace shardscope::lm {

namespace {

void say(const TrainOptions& o, const std::string& s)
{
    if (o.log)
        o.log(s);
}

std::string fmt(const char* f, double a, double b = 0, double c = 0, double d = 0, double e = 0)
{
    char buf[256];
    std::snprintf(buf, sizeof buf, f, a, b, c, d, e);
    return buf;
}

} // namespace

TrainResult trainOnTexts(const TrainOptions& o, TrainTexts texts)
{
    namespace fs = std::filesystem;
    setComputeThreads(texts.threads);
    const auto t0 = texts.started;
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };

    auto stopped = [&o] { return o.stopRequested && o.stopRequested(); };
    TrainResult res;
    const bool randomSample = o.randomSample && (o.maxDocuments > 0 || o.maxMegabytes > 0);
    const std::vector<std::string>& docs = texts.train;
    const std::vector<std::string>& held = texts.heldout;
    if (docs.empty())
        throw ModelError("no training documents in the inputs");

    std::vector<int16_t> stream;
    for (const auto& d : docs) {
        stream.push_back(256);
        for (char c : d)
            stream.push_back(int16_t(static_cast<unsigned char>(c)));
    }
    res.trainBytes = int64_t(stream.size() - docs.size());
    say(o,
        fmt("training text: %.0f documents, %.0f bytes; held-out: %.0f documents", double(docs.size()),
            double(res.trainBytes), double(held.size())));
    const int64_t T = o.context;
    if (int64_t(stream.size()) < T + 2)
        throw ModelError("training text shorter than one context window");
    auto data = torch::from_blob(stream.data(), { int64_t(stream.size()) }, torch::kInt16).to(torch::kLong);

    LmConfig cfg;
    cfg.arch = LmConfig::Arch::Gpt2;
    cfg.vocabSize = 257;
    cfg.hidden = o.hidden;
    cfg.layers = o.layers;
    cfg.heads = o.heads;
    cfg.kvHeads = o.heads;
    cfg.intermediate = 4 * o.hidden;
    cfg.maxPositions = o.context;
    cfg.byteTokenizer = true;
    cfg.bosId = 256;
    auto model = CausalLm::init(cfg, o.seed, o.device);
    const torch::Device device = model->device();
    std::vector<torch::Tensor> params;
    for (auto& [n, t] : model->weights()) {
        t.set_requires_grad(true);
        params.push_back(t);
    }
    say(o,
        fmt("model: %.0f layers, %.0f hidden, %.0f heads, context %.0f: %.2fM parameters", cfg.layers, cfg.hidden,
            cfg.heads, cfg.maxPositions, double(cfg.parameterCount()) / 1e6)
            + " on " + device.str());
    torch::optim::AdamW opt(params, torch::optim::AdamWOptions(o.lr).betas({ 0.9, 0.95 }).weight_decay(0.01));
    std::mt19937_64 rng(o.seed);
    std::uniform_int_distribution<int64_t> pick(0, int64_t(stream.size()) - T - 2);
    const int64_t warmup = 100;
    std::vector<double> recent;
    const double budget = o.minutes * 60;
    for (int64_t step = 0;; ++step) {
        double frac = budget > 0 ? elapsed() / budget : 0;
        if (o.maxSteps > 0)
            frac = std::max(frac, double(step) / double(o.maxSteps));
        if (frac >= 1 || (budget <= 0 && o.maxSteps <= 0))
            break;
        if (stopped()) {
            say(o, fmt("cancelled at step %.0f", double(step)));
            res.cancelled = true;
            res.seconds = elapsed();
            return res;
        }
        double lr = o.lr * std::min(1.0, double(step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * frac)));
        for (auto& g : opt.param_groups())
            static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
        std::vector<torch::Tensor> rows;
        for (int b = 0; b < o.batch; ++b)
            rows.push_back(data.narrow(0, pick(rng), T + 1));
        auto batch = torch::stack(rows).to(device);
        auto h = model->hidden(batch.narrow(1, 0, T));
        auto loss = model->nll(h, batch.narrow(1, 1, T)).mean();
        opt.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(params, 1.0);
        opt.step();
        double l = loss.item<double>() / std::log(2.0);
        recent.push_back(l);
        if (recent.size() > 100)
            recent.erase(recent.begin());
        res.steps = step + 1;
        res.tokensSeen += o.batch * T;
        if (o.progress)
            o.progress(std::min(1.0, frac), res.steps, l);
        if (step % 50 == 0)
            say(o,
                fmt("step %.0f  %.1f%%  bpb %.3f (last 100: %.3f)  %.0f tok/s", double(step), 100 * frac, l,
                    std::accumulate(recent.begin(), recent.end(), 0.0) / double(recent.size()),
                    double(res.tokensSeen) / elapsed()));
    }
    res.trainBpb = recent.empty() ? 0 : std::accumulate(recent.begin(), recent.end(), 0.0) / double(recent.size());
    res.seconds = elapsed();

    for (auto& [n, t] : model->weights())
        t = t.detach().set_requires_grad(false);
    if (!held.empty()) {
        std::vector<std::string_view> views(held.begin(), held.end());
        WindowOptions wo;
        auto losses = scoreTexts(*model, views, wo);
        double nats = 0;
        for (size_t i = 0; i < held.size(); ++i) {
            nats += losses[i].sumNats;
            res.heldoutBytes += int64_t(held[i].size());
        }
        res.heldoutBpb = nats / std::log(2.0) / double(std::max<int64_t>(1, res.heldoutBytes));
        say(o, fmt("held-out: %.0f bytes, %.4f bits per byte", double(res.heldoutBytes), res.heldoutBpb));
    }

    fs::create_directories(o.outDir);
    std::map<std::string, torch::Tensor> out;
    for (auto& [n, t] : model->weights())
        out[n] = (o.halfPrecisionFile ? t.to(torch::kFloat16) : t).to(torch::kCPU).contiguous();
    nlohmann::json recipe = {
        { "tool", "shardscope-cli train-lm" },
        { "inputs", o.inputs },
        { "heldout_inputs", o.heldout },
        { "max_documents", o.maxDocuments },
        { "max_megabytes", o.maxMegabytes },
        { "sample", randomSample ? "random" : "first" },
        { "layers", o.layers },
        { "hidden", o.hidden },
        { "heads", o.heads },
        { "context", o.context },
        { "batch", o.batch },
        { "lr", o.lr },
        { "seed", o.seed },
        { "minutes", o.minutes },
        { "max_steps", o.maxSteps },
        { "device", device.str() },
        { "steps", res.steps },
        { "tokens_seen", res.tokensSeen },
        { "train_bytes", res.trainBytes },
        { "seconds", res.seconds },
        { "train_bpb_last100", res.trainBpb },
        { "heldout_bytes", res.heldoutBytes },
        { "heldout_bpb", res.heldoutBpb },
        { "parameters", cfg.parameterCount() },
        { "weights_dtype", o.halfPrecisionFile ? "F16" : "F32" },
    };
    std::map<std::string, std::string> meta = { { "format", "pt" }, { "shardscope_recipe", recipe.dump() } };
    saveSafetensors((fs::path(o.outDir) / "model.safetensors").string(), out, meta);
    {
        std::ofstream c(fs::path(o.outDir) / "config.json");
        c << cfg.toJson();
        std::ofstream r(fs::path(o.outDir) / "training.json");
        r << recipe.dump(2) << "\n";
    }
    return res;
}

} // namespace shardscope::lm
