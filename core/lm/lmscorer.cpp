#include "lmscorer.h"

#include "lmplugin.h"
#include "safetensorsheader.h"
#include "scorers/assets.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace shardscope {

namespace {

std::mutex g_mutex;
LmOptions g_options;

constexpr size_t kPieceLimit = 4u << 20;
constexpr size_t kPieceSize = 1u << 20;
constexpr size_t kGroupBytes = 2u << 20;   // text per scoreTexts call

// Splits a huge text into pieces cut after whitespace so each can be scored on its own.
std::vector<std::string_view> pieces(std::string_view text)
{
    std::vector<std::string_view> out;
    if (text.size() <= kPieceLimit) {
        out.push_back(text);
        return out;
    }
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = std::min(text.size(), pos + kPieceSize);
        if (end < text.size()) {
            size_t cut = text.find_last_of("\n ", end);
            if (cut != std::string_view::npos && cut > pos + kPieceSize / 2)
                end = cut + 1;
            else
                while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
                    ++end; // never cut inside a UTF-8 sequence
        }
        out.push_back(text.substr(pos, end - pos));
        pos = end;
    }
    return out;
}

class LmWorker final : public ScorerWorker {
public:
    LmWorker(std::shared_ptr<const lm::LoadedLm> m, LmOptions o)
        : m_model(std::move(m))
        , m_opt(std::move(o))
    {
    }
    void score(std::string_view text, float* out) override { scoreBatch({ text }, out, 2); }

    bool prefersBatches() const override { return true; }

    // All documents of a read batch go through scoreTexts together, so windows of short documents
    // share forward passes (grouped by length, little padding). Pieces of huge documents are fed in
    // groups of at most kGroupBytes of text, which bounds the token buffers.
    void scoreBatch(const std::vector<std::string_view>& texts, float* out, size_t rowStride) override
    {
        struct Acc {
            double nats = 0;
            int64_t tokens = 0;
            bool failed = false;
        };
        std::vector<Acc> acc(texts.size());
        std::vector<std::string_view> group;
        std::vector<size_t> owner;
        size_t groupBytes = 0;
        const bool noModel = !m_model;
        bool interrupted = false;
        auto flush = [&] {
            if (!group.empty() && !noModel && !interrupted)
                try {
                    const lm::LmScoreOptions so { m_opt.window, m_opt.stride, m_opt.batchTokens, control().stop,
                        control().modelTokens };
                    std::vector<lm::LmTextLoss> losses;
                    if (!m_model->score(group, so, losses)) {
                        // The scan was cancelled: it drops this batch, so what is left is not scored.
                        interrupted = true;
                    } else {
                        for (size_t i = 0; i < group.size() && i < losses.size(); ++i) {
                            acc[owner[i]].nats += losses[i].sumNats;
                            acc[owner[i]].tokens += losses[i].tokens;
                        }
                        if (control().modelBytes)
                            control().modelBytes->fetch_add(groupBytes, std::memory_order_relaxed);
                    }
                } catch (const std::exception& e) {
                    for (size_t i : owner)
                        acc[i].failed = true;
                    static std::once_flag once;
                    std::call_once(once, [&] { std::fprintf(stderr, "warning: lm scorer: %s\n", e.what()); });
                }
            group.clear();
            owner.clear();
            groupBytes = 0;
        };
        for (size_t r = 0; r < texts.size(); ++r) {
            for (std::string_view p : pieces(texts[r])) {
                if (groupBytes + p.size() > kGroupBytes)
                    flush();
                group.push_back(p);
                owner.push_back(r);
                groupBytes += p.size();
            }
        }
        flush();
        for (size_t r = 0; r < texts.size(); ++r) {
            float* o = out + r * rowStride;
            o[0] = o[1] = kMissing;
            if (noModel || interrupted || acc[r].failed || texts[r].empty() || acc[r].tokens == 0)
                continue;
            o[0] = float(acc[r].nats / double(acc[r].tokens));
            o[1] = float(acc[r].nats / std::log(2.0) / double(texts[r].size()));
        }
    }

private:
    std::shared_ptr<const lm::LoadedLm> m_model;
    LmOptions m_opt;
};

class LmScorer final : public Scorer {
public:
    explicit LmScorer(LmOptions o)
        : m_opt(std::move(o))
        , m_dir(m_opt.modelDir.empty() ? builtinLmDirectory() : m_opt.modelDir)
    {
    }
    std::string name() const override { return "lm"; }
    std::string summary() const override
    {
        return "language-model loss (built-in byte model, or --model DIR: GPT-2, GPT-NeoX, LLaMA/Qwen2)";
    }
    std::vector<ColumnInfo> columns() const override
    {
        return {
            { "lm_loss", "mean -ln p(token | previous tokens) in nats per token; doc-start token prepended; sliding "
                         "windows (stride context/2) for long docs; empty text: missing", {} },
            { "lm_bpb", "sum of token losses / ln 2 / UTF-8 bytes of the text (bits per byte, comparable across "
                        "tokenizers); empty text: missing", {} },
        };
    }
    // The model's files, hashed once per scorer (the weights can be gigabytes): a scorer is made for
    // one scan, so a model retrained afterwards is seen by the next scorer made.
    ScorerIdentity identity() const override
    {
        std::call_once(m_identityOnce, [this] { m_identity = computeIdentity(); });
        return m_identity;
    }
    bool needsModel() const override { return true; }
    bool isSlow() const override { return true; }
    // Only what is known without loading libtorch (this is asked on the GUI thread, and of every
    // scorer a list names): no plugin file, or a load that failed.
    std::string unavailableReason() const override { return lm::lmPluginProblem(); }
    // The first worker made in the process loads the plugin (libtorch).
    std::unique_ptr<ScorerWorker> makeWorker() const override
    {
        std::shared_ptr<const lm::LoadedLm> model;
        try {
            model = loadLm(m_opt);
            if (m_opt.torchThreads > 0)
                lm::lmBackend().setComputeThreads(m_opt.torchThreads);
        } catch (const std::exception& e) {
            static std::once_flag once;
            std::call_once(once, [&] { std::fprintf(stderr, "error: lm scorer: %s (lm columns left missing)\n", e.what()); });
        }
        return std::make_unique<LmWorker>(std::move(model), m_opt);
    }

private:
    ScorerIdentity computeIdentity() const
    {
        namespace fs = std::filesystem;
        // window and stride change the values; the model directory is stood for by its files' hashes;
        // device, batch size and threads change only how fast they come.
        ScorerIdentity id { name(), version(),
            { { "window", std::to_string(m_opt.window) }, { "stride", std::to_string(m_opt.stride) } }, {} };
        if (m_dir.empty()) {
            id.files.push_back({ "weights", "", "" });
            return id;
        }
        const fs::path dir(m_dir);
        id.files.push_back(scorerFile("config", (dir / "config.json").string()));
        id.files.push_back(scorerFile("weights", (dir / "model.safetensors").string()));
        // The tokenizer files BpeTokenizer::fromDirectory() reads, in its order of preference (none for
        // a byte-level model).
        const std::vector<std::vector<const char*>> tokenizerSets { { "tokenizer.json" },
            { "vocab.json", "merges.txt" }, { "encoder.json", "vocab.bpe" } };
        for (const auto& set : tokenizerSets) {
            std::error_code ec;
            if (!std::all_of(set.begin(), set.end(), [&](const char* f) { return fs::exists(dir / f, ec); }))
                continue;
            for (const char* f : set)
                id.files.push_back(scorerFile(std::string("tokenizer:") + f, (dir / f).string()));
            break;
        }
        return id;
    }

    LmOptions m_opt;
    std::string m_dir; // the model directory: m_opt.modelDir, else the built-in model's ("" when not found)
    mutable std::once_flag m_identityOnce;
    mutable ScorerIdentity m_identity;
};

const std::vector<std::string> kLmParams { "model", "device", "window", "stride", "batch_tokens", "threads" };

std::unique_ptr<Scorer> makeLmScorer(const ScorerParams& params)
{
    return std::make_unique<LmScorer>(lmOptionsFromParams(params));
}

// Transitional (scorer.h, ScorerRegistry::DefaultParams): the process-global options, for front ends
// that still call setLmOptions().
ScorerParams globalLmParams()
{
    return lmScorerParams(lmOptions());
}

} // namespace

ScorerParams lmScorerParams(const LmOptions& o)
{
    ScorerParams p { { "device", o.device.empty() ? std::string("cpu") : o.device },
        { "window", std::to_string(o.window) }, { "stride", std::to_string(o.stride) },
        { "batch_tokens", std::to_string(o.batchTokens) }, { "threads", std::to_string(o.torchThreads) } };
    if (!o.modelDir.empty())
        p["model"] = o.modelDir;
    return p;
}

LmOptions lmOptionsFromParams(const ScorerParams& params)
{
    rejectUnknownParams("lm", params, kLmParams);
    LmOptions o;
    o.modelDir = stringParam(params, "model");
    o.device = stringParam(params, "device", o.device);
    o.window = intParam("lm", params, "window", o.window);
    o.stride = intParam("lm", params, "stride", o.stride);
    o.batchTokens = intParam("lm", params, "batch_tokens", o.batchTokens);
    o.torchThreads = intParam("lm", params, "threads", o.torchThreads, 0, 4096);
    return o;
}

void setLmOptions(const LmOptions& options)
{
    std::lock_guard lock(g_mutex);
    g_options = options;
}

LmOptions lmOptions()
{
    std::lock_guard lock(g_mutex);
    return g_options;
}

std::string builtinLmDirectory()
{
    namespace fs = std::filesystem;
    if (const char* env = std::getenv("SHARDSCOPE_BUILTIN_MODEL"); env && *env)
        return env;
    // The install prefix's copy is looked for too (the one `cmake --install` puts there).
    for (const auto& c : assetCandidates("SHARDSCOPE_BUILTIN_MODEL", "byte-lm", "resources/models/byte-lm"))
        if (fs::exists(fs::path(c) / "model.safetensors"))
            return fs::weakly_canonical(c).string();
    return {};
}

std::shared_ptr<const lm::LoadedLm> loadLm(const LmOptions& o)
{
    std::string dir = o.modelDir.empty() ? builtinLmDirectory() : o.modelDir;
    if (dir.empty())
        throw lm::ModelError("the built-in model was not found (looked beside the executable in "
                             "../share/shardscope/models/byte-lm and in the source tree; set SHARDSCOPE_BUILTIN_MODEL "
                             "or pass --model DIR)");
    // The plugin keeps one copy per directory and device.
    return lm::lmBackend().load(dir, o.device);
}

std::shared_ptr<const lm::LoadedLm> loadSelectedLm()
{
    return loadLm(lmOptions());
}

void registerLmScorers(ScorerRegistry& r)
{
    r.addWithParams(&makeLmScorer, kLmParams, &globalLmParams);
}

} // namespace shardscope
