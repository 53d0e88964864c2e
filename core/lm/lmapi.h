#pragma once
// The language-model API for code that must not see libtorch's headers: the Qt GUI (torch's
// headers break under Qt's `slots` macro and take seconds to compile per file) and the CLI.
// Everything here is plain C++, implemented in the engine (lmapi.cpp, lmscorer.cpp; built only with
// -DSHARDSCOPE_WITH_TORCH=ON, which defines SHARDSCOPE_HAVE_TORCH for every consumer). What runs a model
// (tokenLossesOfSelected, checkSelectedLm, availableLmDevices, resolveLmDevice("auto")) loads the
// libtorch plugin on first use (lmplugin.h); the options and selectedLmDescription() never do.
//
// The `lm` scorer is made from its parameters (lmOptionsFromParams()); tokenLossesOfSelected() and the
// other *Selected* helpers use the options set by setLmOptions() (the CLI's and GUI's --model/--device),
// else the built-in byte-level model (resources/models/byte-lm, or $SHARDSCOPE_BUILTIN_MODEL).

#include "scorerspec.h"

#include <string>
#include <string_view>
#include <vector>

namespace shardscope {

struct LmOptions {
    std::string modelDir;      // empty: the built-in model
    std::string device = "cpu";
    int window = 0;            // 0: the model's context
    int stride = 0;            // 0: window / 2
    int batchTokens = 0; // 0: 4096 on the CPU (a pass of the built-in model takes about half a second on one core, so a
                         // cancel is prompt), 65536 on a GPU (lm::defaultBatchTokens)
    int torchThreads = 1;      // intra-op threads per scan worker (the scan runs one worker per core)
};

// The lm scorer's parameters, the same settings by name: model (a directory; absent: the built-in
// model), device, window, stride, batch_tokens, threads. lmOptionsFromParams() throws
// std::invalid_argument naming an unknown parameter or a bad number; absent ones keep LmOptions'
// defaults. lmScorerParams() writes every setting (model only when set).
LmOptions lmOptionsFromParams(const ScorerParams& params);
ScorerParams lmScorerParams(const LmOptions& options);

// Transitional (issue 19): the process-global options. The scorer itself never reads them: the
// registry makes `lm` from lmScorerParams(lmOptions()) when its spec and the shared parameters of
// resolveList() give it no parameters at all, so front ends that call setLmOptions() before resolving
// "lm" behave as before. New code passes parameters (ScorerRegistry::resolveList's `shared`, or
// lm:model=DIR,...) instead; these go once the CLI and GUI do. The *Selected* helpers below still
// read them.
void setLmOptions(const LmOptions& options);
LmOptions lmOptions();
// The directory of the built-in model; empty when it cannot be found.
std::string builtinLmDirectory();

// Per-token losses for the document viewer: each token's bytes and its loss in nats (NaN for a
// token the model did not score).
struct TokenLoss {
    std::string bytes;
    float nats;
    int32_t id = -1; // the token's id in the model's vocabulary
};

// Per-token losses of `text` under the model the options select (loaded once per directory and
// device, shared with the scorer). Thread-safe. Throws std::runtime_error (lm::ModelError) with a
// message naming the file when the model cannot be loaded.
std::vector<TokenLoss> tokenLossesOfSelected(std::string_view text);

// Loads (and caches, for the scorer and tokenLossesOfSelected) the model the options select, so a
// front end can report a bad directory before a scan starts. Throws like tokenLossesOfSelected.
void checkSelectedLm();

// One line for a status bar, e.g. "built-in byte model (2.10 bpb held-out) on cpu" or
// "gpt2 (/models/gpt2) on cuda:0". Reads only config.json / training.json, never the weights; the device
// "auto" is said as "auto" until the plugin is loaded.
std::string selectedLmDescription();

// Devices torch can run on here: "cpu", then "cuda:0".."cuda:N-1" when torch sees CUDA ("cpu" alone
// when the plugin cannot be loaded).
std::vector<std::string> availableLmDevices();

// "auto": cuda:0 when torch sees CUDA, else cpu; anything else unchanged (without loading anything).
std::string resolveLmDevice(const std::string& device);

} // namespace shardscope
