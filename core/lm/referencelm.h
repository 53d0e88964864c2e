#pragma once
// A corpus's neural reference model (issue 22, part 1): the byte-level model of lmtrain.h trained on a uniform
// random sample of the corpus itself, kept in the corpus's cache directory beside its scores
// (<cache>/reference-lm/, as the n-gram reference lives in <cache>/ngram-reference/), with how it was trained in
// its training.json. `train-lm --for-corpus` and the GUI's Language Model > Train Reference Model both write it
// through trainReferenceLm(), and both find it again there; `score --scorers lm:model=DIR` scores with it.
// No Qt and no libtorch here (the training loads the language-model plugin).

#include "lmtrain.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shardscope::lm {

// <corpusCacheDir>/reference-lm ("" for "").
std::string referenceLmDir(const std::string& corpusCacheDir);
// Whether `dir` holds a trained model (config.json and model.safetensors).
bool isReferenceLmDir(const std::string& dir);

// What a reference model's training.json says: the trainer's recipe and the corpus section trainReferenceLm()
// adds. Fields an older file lacks keep these defaults.
struct ReferenceLmProvenance {
    std::vector<std::string> shards; // the corpus
    uint64_t seed = 0; // of the sample and of the training
    int64_t maxDocuments = 0; // the sample's limits (0: none)
    double maxMegabytes = 0;
    int64_t trainDocuments = -1, heldoutDocuments = -1; // -1: not recorded
    int64_t trainBytes = 0, heldoutBytes = 0;
    int64_t steps = 0, tokens = 0;
    double seconds = 0;
    double minutes = 0; // the time budget (0: steps only)
    int64_t maxSteps = 0;
    double heldoutBpb = -1; // -1: nothing held out
    double trainBpb = -1;
    std::string device; // where it was trained: "cpu", "cuda:0"
    int layers = 0, hidden = 0, heads = 0, context = 0;
    int64_t parameters = 0;
    std::string date; // UTC, ISO 8601

    int64_t sampleDocuments() const
    {
        return std::max<int64_t>(0, trainDocuments) + std::max<int64_t>(0, heldoutDocuments);
    }
    int64_t sampleBytes() const { return trainBytes + heldoutBytes; }
};
// dir/training.json; nullopt when it is missing or not the JSON train-lm writes.
std::optional<ReferenceLmProvenance> readReferenceLmProvenance(const std::string& dir);

// Trains `options` (inputs: the corpus's shards; outDir is ignored) as the reference model of the corpus whose
// cache directory is `corpusCacheDir`. The model is written to a directory beside referenceLmDir() and replaces
// the model there only once it is complete, so a cancelled or failed training leaves the previous one as it was;
// a cancelled one writes nothing. training.json gets the sample's size in documents, a "corpus" section (the
// shards, the cache directory) and the date. Throws what trainByteLm() throws, and std::filesystem errors.
TrainResult trainReferenceLm(TrainOptions options, const std::string& corpusCacheDir);

} // namespace shardscope::lm
