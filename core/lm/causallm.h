#pragma once
// Causal language models evaluated with libtorch: GPT-2, GPT-NeoX (Pythia) and LLaMA/Qwen2 (SmolLM)
// from a Hugging Face directory (config.json, model.safetensors, tokenizer), and Shardscope's built-in
// byte-level model (GPT-2 architecture over 256 byte ids plus a document-start id 256).
//
// One forward implementation serves inference and training: the weights are a name -> tensor map
// using the Hugging Face names, so a model trained by `shardscope-cli train-lm` is an ordinary
// GPT-2 checkpoint (config "model_type": "gpt2", plus "shardscope_tokenizer": "bytes").

#include "safetensors.h"

#include "lm/bpetokenizer.h"
#include "lm/lmtrain.h"

#include <torch/types.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace shardscope::lm {

struct LmConfig {
    enum class Arch { Gpt2, GptNeoX, Llama };
    Arch arch = Arch::Gpt2;
    std::string modelType = "gpt2";
    int vocabSize = 257;
    int hidden = 256;
    int layers = 4;
    int heads = 4;
    int kvHeads = 4;
    int intermediate = 1024;
    int maxPositions = 512;
    double normEps = 1e-5;
    double ropeTheta = 10000;
    double rotaryPct = 1.0;
    bool parallelResidual = false;
    bool tieEmbeddings = true;
    bool byteTokenizer = false;   // ids are UTF-8 bytes, document start = 256
    int bosId = -1;               // prepended so the first token is predicted; -1: first token not scored

    // Throws ModelError naming the file for an unknown model_type or a missing field.
    static LmConfig fromJsonFile(const std::string& path);
    std::string toJson() const;   // a config.json Hugging Face transformers can load (GPT-2)
    int64_t parameterCount() const;
};

class CausalLm {
public:
    // Loads config.json + model.safetensors + the tokenizer; checks that they fit together.
    // device: "cpu", "cuda", "cuda:N". Weights are float32 on CPU, bfloat16 on CUDA.
    static std::shared_ptr<CausalLm> load(const std::string& dir, const std::string& device = "cpu");
    // A randomly initialised model (GPT-2 style init) for training.
    static std::shared_ptr<CausalLm> init(const LmConfig& config, uint64_t seed, const std::string& device = "cpu");

    const LmConfig& config() const { return m_config; }
    const std::string& directory() const { return m_dir; }
    torch::Device device() const { return m_device; }
    std::map<std::string, torch::Tensor>& weights() { return m_w; }

    // Token ids of a text (byte ids for the built-in model). Thread-safe.
    std::vector<int32_t> encode(std::string_view text) const;
    std::string tokenText(int32_t id) const;

    // Final hidden states [B, T, hidden] for ids [B, T] (int64). Right padding is harmless: attention
    // is causal, so positions before the padding never see it.
    torch::Tensor hidden(const torch::Tensor& ids) const;
    torch::Tensor logits(const torch::Tensor& ids) const;   // [B, T, vocab], float32
    // Per-position negative log-likelihood (nats) of `targets` [B, T] given hidden states; computed in
    // chunks of rows so a 50k vocabulary never materialises a [B, T, V] tensor.
    torch::Tensor nll(const torch::Tensor& hidden, const torch::Tensor& targets) const;

private:
    torch::Tensor w(const std::string& name) const;
    torch::Tensor layerNorm(const torch::Tensor& x, const std::string& prefix) const;
    torch::Tensor rmsNorm(const torch::Tensor& x, const std::string& prefix) const;
    torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) const;
    torch::Tensor rotary(const torch::Tensor& x, int64_t t) const;
    torch::Tensor lmHead() const;

    LmConfig m_config;
    std::string m_dir;
    torch::Device m_device { torch::kCPU };
    std::map<std::string, torch::Tensor> m_w;
    std::optional<BpeTokenizer> m_tokenizer;
    torch::Tensor m_invFreq;
};

// Per-token losses of many texts, windowed and batched. Each text is prefixed by the model's
// document-start token (when it has one) so every token is predicted. A text longer than the window
// is scored with windows of `window` tokens advancing by `stride`; each token is scored once, in the
// first window where it is not among the first window-stride positions (so it has at least
// window-stride tokens of context), as the Hugging Face perplexity guide does.
// Windows of all texts are grouped by length into batches of about `batchTokens` tokens.
// Tokens per forward batch when none is given: a GPU needs far bigger batches than a CPU core to
// be busy (kernel launches dominate small ones).
int defaultBatchTokens(const CausalLm& model);

struct WindowOptions {
    int window = 0;          // 0: the model's maximum positions
    int stride = 0;          // 0: window / 2
    int batchTokens = 0;     // 0: defaultBatchTokens(the model's device)
    // Checked before each forward pass: when set, scoreTexts throws Interrupted (a cancel is honoured
    // within one pass, about a second on a CPU, not after the whole group of texts).
    const std::atomic<bool>* stop = nullptr;
    // Incremented by the tokens each forward pass scored (progress between commits).
    std::atomic<uint64_t>* tokensDone = nullptr;
};

// Thrown by scoreTexts when WindowOptions::stop was set: the texts' losses are incomplete.
struct Interrupted : std::runtime_error {
    Interrupted()
        : std::runtime_error("scoring interrupted")
    {
    }
};

struct TextLoss {
    double sumNats = 0;      // over scored tokens
    int64_t tokens = 0;      // scored tokens
    std::vector<float> perToken; // when requested: NLL of each token, in order
};

std::vector<TextLoss> scoreTexts(const CausalLm& model, const std::vector<std::string_view>& texts,
                                 const WindowOptions& opt, bool perToken = false);

// "auto": "cuda:0" when torch sees CUDA, else "cpu"; anything else unchanged.
std::string resolveTorchDevice(const std::string& device);

// Sets torch's intra-op threads and, where the BLAS is OpenBLAS's pthread build (which keeps its own
// pool and ignores torch's setting), OpenBLAS's threads too. Process-wide, like both settings.
void setComputeThreads(int threads);

struct TrainTexts;
// The training of trainByteLm() (lmtrain.h) on the text the engine read (bytelmtrainer.cpp).
TrainResult trainOnTexts(const TrainOptions& options, TrainTexts texts);

} // namespace shardscope::lm
