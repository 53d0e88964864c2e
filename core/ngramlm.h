#pragma once
// The n-gram reference language model (issue 22, part 2) and its scorer `ngram:model=DIR`, column ngram_bpb.
//
// Model: byte-level, order N (1..7, default 5), interpolated modified Kneser-Ney (Chen & Goodman 1998, the
// dialect of KenLM's lmplz: three discounts per order from the counts-of-counts, n-grams that begin at the
// start of a document keep their raw counts). Symbols are the UTF-8 bytes of the text, so bits per byte are
// directly comparable with the neural lm_bpb; a document begins with a begin-of-document symbol <s> (never
// predicted) and there is no end symbol.
//
// Definition of ngram_bpb for a text of B bytes t_1..t_B (B >= 1):
//   ngram_bpb = -(1/B) * sum_i log2 P(t_i | <s> t_1 .. t_{i-1} truncated to its last N-1 symbols)
//   P(w | h) = max(a(hw) - D_n(a(hw)), 0) / a(h.) + gamma(h) * P(w | h')     when a(h.) > 0, else P(w | h')
//   gamma(h) = (D_n1 * N1(h.) + D_n2 * N2(h.) + D_n3 * N3+(h.)) / a(h.),     P(w | "before empty") = 1/256
// where h' is h without its first symbol, n = |h| + 1, a() is the raw count for n = N and for n-grams that
// begin with <s>, and otherwise the number of distinct symbols seen before the n-gram (the KN continuation
// count); a(h.) sums a(hw) over w, Nk(h.) counts the w with a(hw) = k (3: k >= 3). Discounts, per order:
//   Y = n1 / (n1 + 2 n2), D1 = 1 - 2Y n2/n1, D2 = 2 - 3Y n3/n2, D3 = 3 - 4Y n4/n3    (nk: n-grams with a = k)
// or 0.5, 1, 1.5 where a count-of-counts is 0 or an estimate falls outside (0, k] (small samples: a discount of 0
// would give unseen bytes no probability). So P > 0 for every byte, and P sums to 1 over the 256 bytes in
// every context. Empty text: missing. Every byte of the text is counted (also newlines and the bytes of
// multi-byte characters); the text is taken as it is, without normalisation.
//
// Storage and speed: n-grams are keyed exactly (up to 7 bytes and the <s> flag packed in 64 bits), so counts
// never collide; the hash only chooses the slot of an open-addressing table (linear probing). Training
// converts the interpolated model to its exact backoff form: each stored n-gram g = h w keeps
//   q(g) = P(w|h) / C(h)   and   C(g) (for order N: C of g without its first symbol)
// with C(s) = product of gamma over every suffix of s (the empty one included). Then for a context c whose
// longest stored suffix matched last time, P(w | c) = q(g) * C(c) where g is the longest stored n-gram
// ending in w within c: scoring is one table lookup per byte on text like the training text (more where the
// context was not seen) and a few additions in log2, which is what makes it fast.
//
// Files: a model is a directory holding ngram.bin (magic "SSNGRAM\0", format version, order, per-order sizes,
// the entries sorted by key, XXH3-64 checksum of everything before it) and ngram.json (format
// "shardscope-ngram", the same version and order, discounts, entry counts, how it was trained: the sample,
// its seed, documents and bytes, and the held-out bits per byte). Loading checks both and throws InputError
// naming the file for anything that is not a model this build reads.

#include "scorer.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shardscope {

// One open-addressing table of an order's n-grams (key 0 marks an empty slot; no n-gram packs to 0).
struct NgramEntry {
    uint64_t key = 0;
    float log2q = 0; // log2 q(g)
    float log2next = 0; // log2 C of the context that follows a match of g
};

class NgramModel {
public:
    static constexpr int kFormatVersion = 1;
    static constexpr int kMaxOrder = 7;
    static constexpr int kDefaultOrder = 5;
    static constexpr const char* kBinaryName = "ngram.bin";
    static constexpr const char* kMetaName = "ngram.json";

    // Where the training text came from, written to ngram.json.
    struct Provenance {
        std::vector<std::string> shards;
        std::string sample; // the sample's description ("bernoulli p=0.1 seed=1"); empty: every record
        uint64_t seed = 0;
        uint64_t documents = 0, bytes = 0; // trained on
        uint64_t heldOutDocuments = 0, heldOutBytes = 0;
        double heldOutBpb = -1; // -1: no held-out text
        double trainSeconds = 0;
        bool operator==(const Provenance&) const = default;
    };

    // Counts `docs` (each a document's text) and builds the model. Throws std::invalid_argument for an
    // order outside 1..kMaxOrder, or more than 4 GiB of text (the counts are 32-bit).
    static NgramModel train(const std::vector<std::string_view>& docs, int order = kDefaultOrder);

    // Writes DIR/ngram.bin and DIR/ngram.json atomically (creating DIR); returns the XXH3-64 of ngram.bin. A
    // per-language set that DIR held (core/ngramlang.h: its manifest and model directories) is removed, so the
    // directory holds one kind of reference. Throws std::runtime_error naming the file.
    uint64_t save(const std::string& dir) const;
    // Throws InputError naming the file: missing, truncated, corrupt (checksum), another format or version.
    // `binaryHash` (when given) receives the XXH3-64 of the ngram.bin read.
    static NgramModel load(const std::string& dir, uint64_t* binaryHash = nullptr);
    // The binary image alone (what ngram.bin holds), and its parser; `nameForErrors` names it in InputErrors.
    std::string serialize() const;
    static NgramModel deserialize(std::string_view bytes, const std::string& nameForErrors);

    int order() const { return m_order; }
    size_t entries(int n) const { return m_count[size_t(n)]; }
    const std::array<double, 3>& discounts(int n) const { return m_discounts[size_t(n)]; }
    Provenance provenance;

    // Sum of -log2 P over the bytes of `text` (a document from its start). Thread-safe.
    double bits(std::string_view text) const;
    // bits(text) / bytes; kMissing for empty text.
    float bitsPerByte(std::string_view text) const;
    // P(w | <s> prefix) for every byte w (for tests: they sum to 1).
    std::array<double, 256> distribution(std::string_view prefix) const;

private:
    const NgramEntry* find(int n, uint64_t key) const;
    void build(int n, std::vector<NgramEntry> sorted);

    int m_order = kDefaultOrder;
    std::array<std::vector<NgramEntry>, kMaxOrder + 1> m_tables; // by order; power-of-two sizes
    std::array<uint64_t, kMaxOrder + 1> m_mask {};
    std::array<size_t, kMaxOrder + 1> m_count {};
    std::array<std::array<double, 3>, kMaxOrder + 1> m_discounts {};
    float m_log2Empty = 0; // log2 gamma(empty context)
    float m_log2Bos = 0; // log2 C(<s>)
};

// Whether `dir` holds an n-gram model (its ngram.bin) or a per-language set (core/ngramlang.h: its manifest), as
// train-ngram writes them; false for an empty path.
bool isNgramModelDir(const std::string& dir);

// ngram:model=DIR. Without parameters: listed, unavailable (it needs a model). A DIR holding a per-language set
// gives the per-language scorer (core/ngramlang.h: columns ngram_bpb and ngram_lang). Throws InputError for a
// model that cannot be read.
std::unique_ptr<Scorer> makeNgramScorer(const ScorerParams& params);

void registerNgramScorers(ScorerRegistry& r);

} // namespace shardscope
