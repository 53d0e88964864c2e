#pragma once
// Option groups that several commands share. Each group is a struct holding the values CLI11 parses
// into, an add() that registers its options on a subcommand, and the method that turns them into what
// the engine takes. Help text lists options in the order they are added.

#include "fieldmapping.h"
#include "scan.h"
#include "scorer.h"

#ifdef SHARDSCOPE_HAVE_TORCH
#include "lm/lmapi.h"
#endif

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
} // namespace CLI

namespace shardscope {
namespace lm {
class LoadedLm;
}
} // namespace shardscope

namespace shardscope::cli {

using ScorerList = std::vector<std::shared_ptr<const Scorer>>;

// The shards (positional) and where their text, id and group are.
struct InputOptions {
    std::vector<std::string> inputs;
    std::string textField = "text";
    std::string idField = "id";
    std::string groupField;

    void add(CLI::App* cmd);
    // The shard files: directories expanded, sorted within each. Throws InputError naming a file that is
    // gone or unreadable.
    std::vector<std::string> shards() const;
    // The field mapping, with what the options leave open detected from the first shard.
    FieldMapping fields(const std::vector<std::string>& shards) const;
};

// --threads, -j: scan workers.
struct ThreadOptions {
    int threads = 0; // 0: all cores

    void add(CLI::App* cmd);
};

// What every command that reads a corpus takes: the inputs, threads, progress, the scores cache and how
// many rejected records to print.
struct CorpusOptions {
    InputOptions input;
    ThreadOptions threads;
    bool quiet = false;
    std::string cacheDir;
    bool noCache = false;
    size_t maxErrors = 20;

    void add(CLI::App* cmd);
};

// --sample and --seed (issue 21): score a uniform random sample of the records, never a prefix. Each record is
// chosen independently (a seeded hash of its shard and line: the same seed picks the same records whatever the
// thread count), so figures computed from it are estimates with intervals (sampling.h).
struct SampleOptions {
    std::string sample; // "2%", "0.02" (a fraction) or "5000" (records); empty: every record
    uint64_t seed = 1;

    void add(CLI::App* cmd);
    bool enabled() const { return !sample.empty(); }
    // Null without --sample. Plain JSON Lines shards are sampled by byte offset (BlockSampler: only the chosen
    // blocks are read, and their record count is estimated); compressed shards are read whole and sampled line by
    // line. A number of records needs the corpus's record count first: estimated from the first MiB of a few
    // shards when all are plain, else one pass that reads and splits the lines without parsing them (about the
    // speed of decompression). Throws UsageError for a bad value.
    std::shared_ptr<const DocumentSelector> selector(const CorpusOptions& corpus, const std::string& command) const;
};

// --scorers, -s: a comma-separated list of scorers or columns.
struct ScorerOptions {
    std::string list = "zlib6,zstd3";

    void add(CLI::App* cmd, const std::string& description);
    // The scorers of the list. Throws UsageError (prefixed with `command`) for an unknown name,
    // ScorerUnavailable (an input error) for a scorer whose model is missing.
    // `shared`: parameters for the scorers of the list that take them (ModelOptions::sharedParams()).
    ScorerList resolve(const std::string& command, const ScorerParams& shared = {}) const;
};

// resolve()'s list without the error mapping: throws std::invalid_argument for an unknown name.
ScorerList resolveScorers(const std::string& list, const ScorerParams& shared = {});

// The language model the lm scorer runs (--model, --device, --lm-*). Without libtorch the group adds no
// options and apply() does nothing.
//
// This group is the only code in the CLI that hands the model settings to the engine (today through the
// process-global setLmOptions()). When the lm scorer takes them as scorer parameters (issue 19), only
// publish() in options.cpp changes: it then yields the parameters for resolving the scorer lists.
struct ModelOptions {
#ifdef SHARDSCOPE_HAVE_TORCH
    LmOptions lm;
#endif

    // --model, --device, --lm-window, --lm-stride, --lm-batch-tokens, --lm-threads (score, stats, apply).
    void add(CLI::App* cmd);
    // --model and --device only, with their lm-tokens wording.
    void addModelAndDevice(CLI::App* cmd);
    // Makes the settings the lm scorer's, and loads a model named by --model or --device now, so a bad
    // directory is one clear error before a scan starts (throws the loader's error naming the file).
    // Call before resolving scorers.
    void apply() const;
    // --model DIR for the n-gram reference model (issue 22): {"ngram.model": DIR} when DIR holds one (ngram.bin, from
    // train-ngram), and in a build without libtorch (where only ngram takes --model) whenever --model is given; the
    // lm scorer then keeps its built-in model. Pass to ScorerOptions::resolve().
    ScorerParams sharedParams() const;
#ifdef SHARDSCOPE_HAVE_TORCH
    // Makes the settings the lm scorer's and loads the model, and with it the language-model plugin
    // (throws the loader's error naming the file).
    std::shared_ptr<const lm::LoadedLm> load() const;
#endif

private:
    void publish() const;
#ifndef SHARDSCOPE_HAVE_TORCH
    std::string m_ngramModel;
#endif
    CLI::Option* m_model = nullptr;
    CLI::Option* m_device = nullptr;
};

} // namespace shardscope::cli
