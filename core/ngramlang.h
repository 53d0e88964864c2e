#pragma once
// Per-language n-gram reference models (issue 22, part 3; CCNet's choice, Wenzek et al. 2020: one model per
// language). One reference trained on a corpus that is mostly English gives every other language a high ngram_bpb,
// so a cutoff on it drops whole languages the model saw little of. A per-language model directory holds one byte
// n-gram model (core/ngramlm.h) per frequent language of the sample plus one trained on the whole sample (all
// languages), the fallback for every other document.
//
// Language: the `lang` scorer's (core/scorers/langid.h): fastText lid.176.ftz found the same way, the same input
// ('\n' -> ' ', a final '\n'), its top label and probability. A document belongs to language L when lid's top label
// is L and its probability (`lang_score`) is at least min_lang_score (default 0.5, CCNet's threshold); otherwise it
// has no confident language.
//
// Training (NgramSampleTexts::trainPerLanguage, train-ngram --per-language): the sampled documents are split into
// training and held-out text as for one model (XXH3-64 of the text below heldOutPercent of the range). Languages
// that get a model: those named (--languages), or else every language with at least min_docs confident documents
// in the sample (training and held-out together; default kDefaultMinDocs). Each such language's model is counted
// on its confident training documents; the all-languages model on every training document (any language, also
// those without a confident language). For each model the manifest records its documents, bytes, and the held-out
// bits per byte of that language's held-out documents under its own model and under the all-languages model.
//
// Scoring (ngram:model=DIR when DIR holds ngram-languages.json): for a text of B >= 1 bytes
//   L = lid top label if its probability >= min_lang_score, else none
//   ngram_bpb  = ngram_bpb (core/ngramlm.h) under L's model when the directory has one, else under the
//                all-languages model
//   ngram_lang = categorical: the model that scored it, one of the manifest's languages or "all"
// Empty text: both missing (as lang). The language is decided per document on its whole text.
//
// Directory (written by NgramLanguageModels::save, the manifest last):
//   DIR/ngram-languages.json   the manifest (below)
//   DIR/all/ngram.bin, ngram.json       the all-languages model
//   DIR/lang-<L>/ngram.bin, ngram.json  the model of language L (a lid label: "de", "zh", "als", ...)
// Manifest: {"format": "shardscope-ngram-languages", "version": 1, "order", "langid": {"model", "xxh3_128",
// "min_lang_score"}, "min_docs" (0 when languages were named), "languages_requested", "training": {shards, sample,
// seed, documents, bytes, held_out_documents, held_out_bytes, held_out_bpb: every held-out document under the
// model that scores it, seconds}, "sample_languages": [[label, confident
// documents], ...] (label "" for documents without a confident language), "models": [{"language", "dir",
// "documents", "bytes", "held_out_documents", "held_out_bytes", "held_out_bpb", "held_out_bpb_all_languages",
// "binary_xxh3_64"}, ...] (languages by documents, then "all" last), "checksum_xxh3_64"}. The checksum is XXH3-64
// of the manifest's compact JSON without that key, so an edited or damaged manifest is refused; each model's
// "binary_xxh3_64" pins its ngram.bin (whose own checksum guards its bytes), so models from another training are
// refused too. Loading throws InputError naming the file for anything that is not such a set.

#include "ngramlm.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shardscope {

struct NgramLanguageEntry {
    std::string language; // a lid label, or kAllLanguages
    std::string dir; // "lang-<language>", or "all"
    uint64_t documents = 0, bytes = 0; // trained on
    uint64_t heldOutDocuments = 0, heldOutBytes = 0;
    double heldOutBpb = -1; // the language's held-out documents under this model; -1: none
    double heldOutBpbAllLanguages = -1; // the same documents under the all-languages model
    uint64_t binaryXxh3 = 0; // XXH3-64 of dir/ngram.bin
    bool operator==(const NgramLanguageEntry&) const = default;
};

struct NgramLanguageManifest {
    static constexpr const char* kFileName = "ngram-languages.json";
    static constexpr const char* kFormat = "shardscope-ngram-languages";
    static constexpr int kVersion = 1;
    static constexpr const char* kAllLanguages = "all";

    int order = NgramModel::kDefaultOrder;
    std::string lidModel; // the lid.176.ftz used for training (for messages)
    std::string lidModelHash; // its XXH3-128, hex (informational: scoring uses the lang scorer's model)
    double minLangScore = 0.5;
    uint64_t minDocs = 0; // 0: the languages were named
    std::vector<std::string> languagesRequested;
    NgramModel::Provenance training; // documents/bytes of the whole sample
    std::vector<std::pair<std::string, uint64_t>> sampleLanguages;
    std::vector<NgramLanguageEntry> models; // languages, then the all-languages entry last

    const NgramLanguageEntry& allLanguages() const { return models.back(); }
    // The manifest text (with its checksum).
    std::string toJson() const;
    // Throws InputError naming `nameForErrors`: not JSON, another format or version, a checksum that does not
    // match, a field missing or of the wrong type, an order outside 1..7, a language label that is not
    // [a-z0-9_-]{1,32}, a directory other than lang-<language>, a language listed twice, no "all" entry or one
    // that is not last.
    static NgramLanguageManifest parse(std::string_view text, const std::string& nameForErrors);
    bool operator==(const NgramLanguageManifest&) const = default;
};

struct NgramLanguageOptions {
    static constexpr uint64_t kDefaultMinDocs = 100;
    static constexpr double kDefaultMinLangScore = 0.5;
    int order = NgramModel::kDefaultOrder;
    double heldOutPercent = 5;
    uint64_t minDocs = kDefaultMinDocs; // used when `languages` is empty
    std::vector<std::string> languages; // named languages (lid labels); empty: by minDocs
    double minLangScore = kDefaultMinLangScore;
    int threads = 2; // models counted at once (each is counted on one thread); 1: one after the other
};

class NgramLanguageModels {
public:
    NgramLanguageManifest manifest;
    std::vector<std::shared_ptr<const NgramModel>> models; // parallel to manifest.models

    // Writes every model, then the manifest (atomically), into `dir`; removes what an earlier training left there
    // (a single model's ngram.bin and ngram.json, lang-* directories of languages no longer listed), so the
    // directory holds one kind of reference. Fills the manifest's binary hashes. Throws std::runtime_error.
    void save(const std::string& dir);
    // Throws InputError naming the file: the manifest (see NgramLanguageManifest::parse), a model that cannot be
    // read (NgramModel::load), whose ngram.bin is not the one the manifest pins, or whose order differs.
    static NgramLanguageModels load(const std::string& dir);
};

// A sample whose languages are identified: each text's lid label (an index into labelNames, -1: none) and its
// probability.
struct NgramLanguageSample {
    std::vector<std::string_view> texts;
    std::vector<int> labels;
    std::vector<float> probabilities;
    std::vector<std::string> labelNames; // lid.176's labels
    std::string lidModel; // its file, for the manifest
};

// Trains the set as described above (NgramSampleTexts::trainPerLanguage gathers the sample from a scan; the
// benchmark calls this directly). The manifest's training shards, sample and seed are the caller's. Throws
// std::invalid_argument for options out of range, a named language that is not a label, or no text to train on.
NgramLanguageModels trainNgramLanguageModels(const NgramLanguageSample& sample, const NgramLanguageOptions& options);

// Whether `dir` holds a per-language set (its manifest).
bool isNgramLanguageModelDir(const std::string& dir);

// The ngram scorer of a per-language directory (ngram:model=DIR chooses it when DIR holds a manifest). Throws
// InputError for a set that cannot be read; without language identification (no lid.176.ftz, or a build without
// fastText) the scorer is unavailable and says why.
std::unique_ptr<Scorer> makeNgramLanguageScorer(const std::string& dir);

} // namespace shardscope
