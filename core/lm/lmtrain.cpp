#include "lmtrain.h"

#include "causallm.h"
#include "docindex.h"
#include "lmscorer.h"
#include "scan.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>

namespace shardscope::lm {

namespace {

// A scorer whose only job is to hand each document's text to the trainer, so training reads every
// shard format the scan reads, with the same field mapping and error handling.
class TextCollector final : public Scorer {
public:
    TextCollector(std::vector<std::string>* out, const ReadLimits& limits) : m_out(out), m_limits(limits) { }
    // Called (under the lock, at most once) when a limit is reached or a stop was requested.
    std::function<void()> onFull;
    std::string name() const override { return "text_collector"; }
    std::string summary() const override { return "collects texts for training"; }
    std::vector<ColumnInfo> columns() const override { return { { "collected", "1", {} } }; }
    std::unique_ptr<ScorerWorker> makeWorker() const override
    {
        struct W final : ScorerWorker {
            const TextCollector* s;
            explicit W(const TextCollector* s) : s(s) { }
            void score(std::string_view text, float* out) override
            {
                std::lock_guard lock(s->m_mutex);
                out[0] = 1;
                if (s->m_full)
                    return;
                const ReadLimits& l = s->m_limits;
                // The first documents: reading ends at a limit. A random sample reads everything.
                const bool limitReached = !l.random
                    && ((l.maxDocuments > 0 && int64_t(s->m_out->size()) >= l.maxDocuments)
                        || (l.maxBytes > 0 && s->m_bytes >= l.maxBytes));
                if (limitReached || (l.stopRequested && l.stopRequested())) {
                    s->m_full = true;
                    if (s->onFull)
                        s->onFull();
                    return;
                }
                if (l.random) {
                    s->offer(text);
                    return;
                }
                s->m_out->emplace_back(text);
                s->m_bytes += int64_t(text.size());
            }
        };
        return std::make_unique<W>(this);
    }

    // Random mode: the kept documents, in input order.
    void finish() const
    {
        if (!m_limits.random)
            return;
        std::vector<Entry> kept(m_heap.begin(), m_heap.end());
        std::sort(kept.begin(), kept.end(), [](const Entry& a, const Entry& b) { return a.index < b.index; });
        for (auto& e : kept)
            m_out->push_back(std::move(e.text));
        m_heap.clear();
    }

private:
    struct Entry {
        uint64_t key;
        int64_t index;
        std::string text;
        bool operator<(const Entry& o) const { return key < o.key; } // max-heap on the key
    };
    // Keeps the documents with the smallest random keys that fit the limits: a uniform sample.
    void offer(std::string_view text) const
    {
        const uint64_t key = m_rng();
        const int64_t index = m_seen++;
        const ReadLimits& l = m_limits;
        if (!m_heap.empty() && ((l.maxDocuments > 0 && int64_t(m_heap.size()) >= l.maxDocuments)
                                || (l.maxBytes > 0 && m_bytes + int64_t(text.size()) > l.maxBytes))
            && key > m_heap.front().key)
            return; // would be evicted at once
        m_heap.push_back({ key, index, std::string(text) });
        std::push_heap(m_heap.begin(), m_heap.end());
        m_bytes += int64_t(text.size());
        while (m_heap.size() > 1 && ((l.maxDocuments > 0 && int64_t(m_heap.size()) > l.maxDocuments)
                                     || (l.maxBytes > 0 && m_bytes > l.maxBytes))) {
            std::pop_heap(m_heap.begin(), m_heap.end());
            m_bytes -= int64_t(m_heap.back().text.size());
            m_heap.pop_back();
        }
    }

    std::vector<std::string>* m_out;
    ReadLimits m_limits;
    mutable std::mutex m_mutex;
    mutable int64_t m_bytes = 0;
    mutable bool m_full = false;
    mutable std::vector<Entry> m_heap;
    mutable std::mt19937_64 m_rng { m_limits.seed };
    mutable int64_t m_seen = 0;
};

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

std::vector<std::string> readShardTexts(const std::vector<std::string>& inputs, const std::string& textField,
                                        const ReadLimits& limits)
{
    std::vector<std::string> texts;
    ScanOptions so;
    so.shards = expandShardPaths(inputs);
    so.fields.text = FieldMapping::toPointer(textField);
    so.fields.id = FieldMapping::toPointer("");
    so.threads = 1;
    so.buildIndex = false;
    auto collector = std::make_shared<TextCollector>(&texts, limits);
    so.scorers.push_back(collector);
    Scan scan(so);
    collector->onFull = [&scan] { scan.cancel(); };
    ScanResult r = scan.run();
    for (const auto& e : r.errors())
        throw ModelError("reading training text: " + e);
    collector->finish();
    return texts;
}

TrainResult trainByteLm(const TrainOptions& o)
{
    namespace fs = std::filesystem;
    // All cores unless told otherwise (a scan in the same process may have pinned them to one).
    setComputeThreads(resolveThreads(o.threads));
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };

    auto stopped = [&o] { return o.stopRequested && o.stopRequested(); };
    TrainResult res;
    ReadLimits limits { o.maxDocuments, int64_t(o.maxMegabytes * 1e6), o.stopRequested,
                        o.randomSample && (o.maxDocuments > 0 || o.maxMegabytes > 0), o.seed };
    std::vector<std::string> docs = readShardTexts(o.inputs, o.textField, limits);
    if (stopped()) {
        res.cancelled = true;
        return res;
    }
    std::vector<std::string> held;
    if (!o.heldout.empty()) {
        held = readShardTexts(o.heldout, o.textField, { 0, 0, o.stopRequested });
    } else {
        std::vector<std::string> keep;
        for (size_t i = 0; i < docs.size(); ++i)
            (i % 20 == 19 ? held : keep).push_back(std::move(docs[i]));
        docs.swap(keep);
    }
    if (docs.empty())
        throw ModelError("no training documents in the inputs");

    std::vector<int16_t> stream;
    for (const auto& d : docs) {
        stream.push_back(256);
        for (char c : d)
            stream.push_back(int16_t(static_cast<unsigned char>(c)));
    }
    res.trainBytes = int64_t(stream.size() - docs.size());
    say(o, fmt("training text: %.0f documents, %.0f bytes; held-out: %.0f documents", double(docs.size()),
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
    say(o, fmt("model: %.0f layers, %.0f hidden, %.0f heads, context %.0f: %.2fM parameters", cfg.layers, cfg.hidden,
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
            say(o, fmt("step %.0f  %.1f%%  bpb %.3f (last 100: %.3f)  %.0f tok/s", double(step), 100 * frac, l,
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
        { "sample", limits.random ? "random" : "first" },
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
