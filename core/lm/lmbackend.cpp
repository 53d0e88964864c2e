// The language-model plugin's side of lmplugin.h: the libtorch models behind LmBackend, and the one
// exported symbol the engine looks up after dlopen().
#include "causallm.h"
#include "lmplugin.h"
#include "scorer.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <map>
#include <mutex>

#include <dlfcn.h>

#ifndef SHARDSCOPE_LM_PLUGIN_ABI
#error "SHARDSCOPE_LM_PLUGIN_ABI is not defined (core/lm/CMakeLists.txt sets it)"
#endif

namespace shardscope::lm {

void setComputeThreads(int threads)
{
    torch::set_num_threads(threads);
    // Debian's libtorch multiplies matrices in the system BLAS; without this each scan worker's small
    // matmuls would fan out over every core (N workers x N threads). The setter is looked up at run
    // time: other BLAS builds have none. The plugin is opened RTLD_GLOBAL, so its libraries are seen here.
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
        set(threads);
}

namespace {

class TorchLm final : public LoadedLm {
public:
    explicit TorchLm(std::shared_ptr<const CausalLm> model)
        : m_model(std::move(model))
    {
    }

    bool score(const std::vector<std::string_view>& texts, const LmScoreOptions& o,
        std::vector<LmTextLoss>& out) const override
    {
        out.clear();
        try {
            const auto losses
                = scoreTexts(*m_model, texts, { o.window, o.stride, o.batchTokens, o.stop, o.tokensDone });
            out.reserve(losses.size());
            for (const TextLoss& l : losses)
                out.push_back({ l.sumNats, l.tokens });
        } catch (const Interrupted&) {
            return false;
        }
        return true;
    }

    std::vector<TokenLoss> tokenLosses(std::string_view text) const override
    {
        std::vector<TokenLoss> out;
        const CausalLm& model = *m_model;
        auto ids = model.encode(text);
        auto losses = scoreTexts(model, { text }, {}, true);
        const auto& per = losses.front().perToken;
        for (size_t i = 0; i < ids.size(); ++i)
            out.push_back({ model.tokenText(ids[i]), i < per.size() ? per[i] : kMissing, ids[i] });
        return out;
    }

private:
    std::shared_ptr<const CausalLm> m_model;
};

class TorchBackend final : public LmBackend {
public:
    std::shared_ptr<const LoadedLm> load(const std::string& dir, const std::string& device) override
    {
        std::lock_guard lock(m_mutex);
        const std::string key = dir + "|" + device;
        auto it = m_models.find(key);
        if (it != m_models.end())
            return it->second;
        auto m = std::make_shared<const TorchLm>(CausalLm::load(dir, device));
        m_models[key] = m;
        return m;
    }

    std::vector<std::string> devices() override
    {
        std::vector<std::string> out { "cpu" };
        if (torch::cuda::is_available()) {
            const auto n = torch::cuda::device_count();
            for (size_t i = 0; i < n; ++i)
                out.push_back("cuda:" + std::to_string(i));
        }
        return out;
    }

    std::string resolveDevice(const std::string& device) override { return resolveTorchDevice(device); }

    void setComputeThreads(int threads) override { lm::setComputeThreads(threads); }

    TrainResult train(const TrainOptions& options, TrainTexts texts) override
    {
        return trainOnTexts(options, std::move(texts));
    }

private:
    std::mutex m_mutex;
    std::map<std::string, std::shared_ptr<const TorchLm>> m_models;
};

} // namespace

} // namespace shardscope::lm

// The one symbol the plugin exports (the rest is built with hidden visibility).
extern "C" __attribute__((visibility("default"))) shardscope::lm::LmBackend* shardscope_lm_backend(const char* abi)
{
    static_assert(std::is_same_v<decltype(&shardscope_lm_backend), shardscope::lm::LmPluginEntry>);
    if (!abi || std::string_view(abi) != SHARDSCOPE_LM_PLUGIN_ABI)
        return nullptr;
    static shardscope::lm::TorchBackend backend;
    return &backend;
}
