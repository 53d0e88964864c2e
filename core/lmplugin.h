#pragma once
// The language-model plugin (issue 21, part 6). Everything that needs libtorch (the causal LM, its
// forward passes, training) is built into a shared library opened with dlopen() the first time a
// language model is used: an `lm` scorer's worker, lm-tokens, train-lm, the GUI's Language Model menu.
// A run without a language model never loads it and so never pays for libtorch's ~290 shared libraries
// (0.35 s and 160 MB before main() when the executables linked them).
//
// This header is the whole boundary and includes no libtorch header. The engine and the plugin are
// built from one tree in one build and pass C++ types (std::string, std::function) across, so the plugin
// is refused unless it was built from the same interface: SHARDSCOPE_LM_PLUGIN_ABI, a hash of this
// header, lm/lmapi.h and lm/lmtrain.h taken at configure time, must match. A stale plugin from another
// version is then an error naming the file, not a crash.
//
// Where the plugin is looked for (lmPluginCandidates()): $SHARDSCOPE_LM_PLUGIN alone when it is set;
// otherwise <exe dir>/<bindir to libdir>/shardscope/ (an installed tree, wherever it was moved),
// the build tree's copy, and <install libdir>/shardscope/. It is opened RTLD_NOW | RTLD_GLOBAL, as the
// libraries were when the executables linked them (libtorch's own lazily opened parts and
// setComputeThreads()'s OpenBLAS look-up rely on its libraries being in the global scope); it
// exports one symbol, kLmPluginEntry.

#include "lm/lmapi.h"
#include "lm/lmtrain.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace shardscope::lm {

// How the texts are cut into windows and batched (causallm.h, WindowOptions): 0 picks the model's default.
struct LmScoreOptions {
    int window = 0;
    int stride = 0;
    int batchTokens = 0;
    const std::atomic<bool>* stop = nullptr; // checked before each forward pass
    std::atomic<uint64_t>* tokensDone = nullptr; // incremented by the tokens each pass scored
};

struct LmTextLoss {
    double sumNats = 0; // over the scored tokens
    int64_t tokens = 0; // scored tokens
};

// A model the plugin loaded; shared by every scan worker and the token-loss view. Thread-safe.
class LoadedLm {
public:
    virtual ~LoadedLm() = default;
    // The summed token losses of each text (one entry per text in `out`). Returns false, `out`
    // incomplete, when options.stop was set before a forward pass. Throws std::runtime_error on failure.
    virtual bool score(const std::vector<std::string_view>& texts, const LmScoreOptions& options,
        std::vector<LmTextLoss>& out) const = 0;
    // Each token of `text` with its loss (lmapi.h).
    virtual std::vector<TokenLoss> tokenLosses(std::string_view text) const = 0;
};

// What trainByteLm() hands the plugin once it has read the text (reading needs no libtorch).
struct TrainTexts {
    std::vector<std::string> train;
    std::vector<std::string> heldout;
    int threads = 1; // torch intra-op threads, resolved (TrainOptions::threads 0 is all cores)
    std::chrono::steady_clock::time_point started; // when trainByteLm() began: the time budget counts reading
};

class LmBackend {
public:
    // Loads config.json, model.safetensors and the tokenizer of `dir` onto `device` ("auto", "cpu",
    // "cuda", "cuda:N"), once per directory and device. Throws ModelError naming the file.
    virtual std::shared_ptr<const LoadedLm> load(const std::string& dir, const std::string& device) = 0;
    // "cpu", then "cuda:0".."cuda:N-1" when torch sees CUDA.
    virtual std::vector<std::string> devices() = 0;
    // "auto": "cuda:0" when torch sees CUDA, else "cpu"; anything else unchanged.
    virtual std::string resolveDevice(const std::string& device) = 0;
    // torch's intra-op threads and OpenBLAS's (lmscorer.cpp). Process-wide.
    virtual void setComputeThreads(int threads) = 0;
    // Trains and writes the model (lmtrain.h, trainByteLm()).
    virtual TrainResult train(const TrainOptions& options, TrainTexts texts) = 0;

protected:
    ~LmBackend() = default; // the plugin owns it and is never unloaded
};

// The plugin's only exported symbol: returns its backend when `abi` is the SHARDSCOPE_LM_PLUGIN_ABI it
// was built with, else nullptr.
inline constexpr const char* kLmPluginEntry = "shardscope_lm_backend";
using LmPluginEntry = LmBackend* (*)(const char* abi);

// The plugin could not be found or opened; the message names every place looked and dlerror()'s words.
class LmPluginError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The backend, loading the plugin on the first call (thread-safe; later calls return at once). Throws
// LmPluginError, the same one on every later call, when it cannot be loaded.
LmBackend& lmBackend();
// Whether the plugin is loaded (nothing is loaded to answer).
bool lmBackendLoaded();
// Why a language model cannot run here, without loading anything: the error of a load that failed, or
// that no candidate file exists; empty when the plugin is loaded or a candidate file exists.
std::string lmPluginProblem();
// The paths the plugin is looked for at, in order.
std::vector<std::string> lmPluginCandidates();

} // namespace shardscope::lm
