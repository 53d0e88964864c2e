#pragma once
// Training the n-gram reference model (core/ngramlm.h) on a uniform random sample of a corpus, for front ends
// that train inside a session (the GUI's Language Model > Train N-gram Reference Model…, issue 22). The sample
// is a BernoulliSelector's, as train-ngram --sample draws it: each record is kept by a seeded hash of (shard,
// line), never a prefix. A share of the sampled documents, chosen by a hash of each one's text (XXH3-64 below
// heldOutPercent of the range, as train-ngram), is held out and its bits per byte go to the provenance.

#include "ngramlang.h"
#include "ngramlm.h"
#include "scan.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shardscope {

struct NgramTrainingOptions {
    std::vector<std::string> shards; // expanded, absolute
    FieldMapping fields;
    int threads = 0; // 0: all cores
    double fraction = 1.0; // each record's chance of being in the sample (0, 1]
    uint64_t seed = 1;
    double heldOutPercent = 5; // 0..50
    int order = NgramModel::kDefaultOrder;
    // One model per frequent language plus the all-languages one (core/ngramlang.h; languageOptions' order and
    // held-out share are the two above).
    bool perLanguage = false;
    NgramLanguageOptions languageOptions;
};

struct NgramTrainingResult {
    NgramModel model; // without perLanguage
    std::optional<NgramLanguageModels> languageModels; // with perLanguage
    bool cancelled = false;
    std::vector<std::string> errors; // stream errors of the scan ("file: byte N: what")
    double readSeconds = 0;
};

// The texts of a scan's documents, gathered by a scorer (its one column, train_ngram_bytes, is each text's size):
// the scan reads, decompresses, parses and samples the shards in parallel as it does for scoring. Put scorer()
// among a scan's scorers, run the scan (the workers hand their last texts over when run() returns), then train().
// train-ngram and trainNgramOnSample() both train through it.
class NgramSampleTexts {
public:
    // `identifyLanguages`: the workers also identify each text's language (the lang scorer's model and input), for
    // trainPerLanguage(). Throws LidModelError when lid.176.ftz is not found, std::runtime_error in a build
    // without language identification.
    explicit NgramSampleTexts(bool identifyLanguages = false);
    ~NgramSampleTexts();
    std::shared_ptr<const Scorer> scorer() const;
    // Holds out the documents whose text hashes (XXH3-64) below heldOutPercent of the range (the same documents
    // whatever the threads), counts the rest and measures the held-out bits per byte. The provenance's documents,
    // bytes, held-out figures and training time are set; shards, sample and seed are the caller's. Throws
    // std::invalid_argument for heldOutPercent outside 0..50, a sample without text to train on, and what
    // NgramModel::train throws.
    NgramModel train(int order, double heldOutPercent) const;
    // The per-language set of core/ngramlang.h (needs identifyLanguages). The manifest's training shards, sample and
    // seed are the caller's. Throws std::invalid_argument as train(), for a named language that lid.176 does not
    // know, and for min_lang_score outside 0..1.
    NgramLanguageModels trainPerLanguage(const NgramLanguageOptions& options) const;

    struct Sink; // the gathered texts (ngramtrainer.cpp)

private:
    std::shared_ptr<Sink> m_sink;
};

// Where a corpus's reference model lives: beside its scores in the corpus cache directory.
std::string ngramReferenceDir(const std::string& corpusCacheDir);

// Reads the sample (progress as a scan's, from a worker thread), holds out, counts and measures. Stops with
// cancelled set once *stop is set (checked by the scan and before counting). Throws std::invalid_argument for
// a sample without text or out-of-range options, and what NgramModel::train throws.
NgramTrainingResult trainNgramOnSample(const NgramTrainingOptions& options, const std::atomic<bool>* stop,
    const std::function<void(const ScanProgress&)>& progress = {});

} // namespace shardscope
