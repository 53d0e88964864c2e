#pragma once
// The language-model scorer `lm`: columns `lm_loss` and `lm_bpb`.
//
// Definition, per document (UTF-8 text t, tokens x_1..x_n by the model's tokenizer; the built-in
// model's tokens are the bytes):
//   lm_loss = (1/n) * sum_i -ln p(x_i | x_<i)            mean nats per token
//   lm_bpb  = (sum_i -ln p(x_i | x_<i)) / ln 2 / |t|      bits per UTF-8 byte (comparable across tokenizers)
// Every token is predicted: the model's document-start token (bos_token_id; <|endoftext|> for GPT-2,
// id 256 for the built-in model) is prepended. Documents longer than the context are scored with
// sliding windows (see lm::scoreTexts: window = context, stride = context/2 by default). Documents
// over 4 MiB are scored in 1 MiB pieces cut after a newline or space, each starting a fresh context,
// so memory stays bounded. Empty text: both columns missing. A model that fails to load gives
// missing values (and one message on stderr), never a crash.
//
// Which model: the scorer's parameters (lm:model=DIR,device=cuda:0; see lmOptionsFromParams() in
// lmapi.h), fixed when the scorer is made; without a model parameter the built-in byte-level model
// (resources/models/byte-lm, or $SHARDSCOPE_BUILTIN_MODEL). A spec without any parameters takes them
// from setLmOptions() (transitional, see lmapi.h).
// Identity: version 1; parameters window and stride; files config.json, model.safetensors and the
// tokenizer files, each by content hash.
//
// The scorer itself (name, columns, identity, parameters) needs no libtorch: making one, listing it or
// resolving `--scorers all` loads nothing. Its workers run the model through the plugin (lmplugin.h),
// which the first makeWorker() loads; a plugin that cannot be loaded is reported like a model that
// cannot (missing values, one message on stderr), and unavailableReason() says so without loading it
// when no plugin file is found.

#include "lmapi.h"
#include "scorer.h"

#include <memory>
#include <string>
#include <vector>

namespace shardscope {

namespace lm {
class LoadedLm;
}

// Loads (once per directory and device; shared by all workers and scorers) the model the options
// select: o.modelDir, else the built-in model, loading the plugin first. Throws lm::LmPluginError when
// the plugin cannot be loaded, lm::ModelError with a message naming the file when the model cannot.
std::shared_ptr<const lm::LoadedLm> loadLm(const LmOptions& o);
// loadLm(lmOptions()).
std::shared_ptr<const lm::LoadedLm> loadSelectedLm();

void registerLmScorers(ScorerRegistry& r);

} // namespace shardscope
