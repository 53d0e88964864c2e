#include "scorers/gopher.h"

#include "scorers/bytescan.h"
#include "scorers/ngram.h"
#include "scorers/specscorer.h"
#include "scorers/textsplit.h"
#include "scorers/unicodeclass.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace shardscope {
namespace {

inline float ratio(double num, double den)
{
    return den > 0 ? float(num / den) : kMissing;
}

// text.count('#'), and text.count("...") + text.count("\u2026") (Python's count: runs of k dots hold k / 3),
// in one pass of 16 bytes at a time: lane k of the masks looks at bytes k, k + 1 and k + 2.
struct SymbolCounts {
    size_t hashes = 0;
    size_t ellipses = 0;
};
SymbolCounts countHashesAndEllipses(std::string_view text)
{
    using namespace bytescan;
    const auto* t = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    SymbolCounts c;
    size_t counted = 0; // dots before this index belong to runs already counted
    // p: 18 readable bytes standing for text[at, at + valid)
    auto block = [&](const unsigned char* p, size_t at, uint32_t lanes) {
        const V16 x0 = load16(p), x1 = load16(p + 1);
        // most blocks hold no '#', no E2 lead byte and no "..": one test skips them
        if (!any(mask(x0 == splat('#')) | mask(x0 == splat(0xE2)) | (mask(x0 == splat('.')) & mask(x1 == splat('.')))))
            return;
        const V16 x2 = load16(p + 2);
        if (const uint32_t h = movemask(mask(x0 == splat('#'))) & lanes)
            c.hashes += size_t(popcount16(h));
        if (const uint32_t e = movemask(mask(x0 == splat(0xE2)) & mask(x1 == splat(0x80)) & mask(x2 == splat(0xA6))) & lanes)
            c.ellipses += size_t(popcount16(e));
        for (uint32_t dots = movemask(mask(x0 == splat('.')) & mask(x1 == splat('.')) & mask(x2 == splat('.'))) & lanes;
             dots; dots &= dots - 1) {
            const size_t s = at + size_t(__builtin_ctz(dots)); // the first "..." of a run is where it starts
            if (s < counted)
                continue;
            size_t e = s;
            while (e < n && t[e] == '.')
                ++e;
            c.ellipses += (e - s) / 3;
            counted = e;
        }
    };
    size_t i = 0;
    for (; i + 18 <= n; i += 16)
        block(t + i, i, 0xFFFF);
    unsigned char tail[48] = {}; // zeros match none of the bytes looked for
    std::memcpy(tail, t + i, n - i);
    for (size_t k = 0; i + k < n; k += 16)
        block(tail + k, i + k, n - i - k >= 16 ? 0xFFFFu : (1u << (n - i - k)) - 1);
    return c;
}

// s.find("\n\n", from), 16 bytes at a time (std::string_view::find stops at every '\n').
size_t findDoubleNewline(std::string_view s, size_t from)
{
    using namespace bytescan;
    const auto* t = reinterpret_cast<const unsigned char*>(s.data());
    size_t i = from;
    for (; i + 17 <= s.size(); i += 16)
        if (const uint32_t m = movemask(mask(load16(t + i) == splat('\n')) & mask(load16(t + i + 1) == splat('\n'))))
            return i + size_t(__builtin_ctz(m));
    for (; i + 1 < s.size(); ++i)
        if (t[i] == '\n' && t[i + 1] == '\n')
            return i;
    return std::string_view::npos;
}

// s.starts_with(lit) / s.ends_with(lit) for a string literal: the length is a constant, so the compare is a
// few inline loads (through std::string_view's operator== it was a call to memcmp for every line).
template<size_t N>
inline bool startsWith(std::string_view s, const char (&lit)[N])
{
    return s.size() >= N - 1 && std::memcmp(s.data(), lit, N - 1) == 0;
}
template<size_t N>
inline bool endsWith(std::string_view s, const char (&lit)[N])
{
    return s.size() >= N - 1 && std::memcmp(s.data() + s.size() - (N - 1), lit, N - 1) == 0;
}

constexpr char kEllipsisChar[] = "\xE2\x80\xA6";
constexpr char kBulletChar[] = "\xE2\x80\xA2";

// ---------------------------------------------------------------------------------------------------
// gopher_quality (datatrove)

const ColumnSpec kQualityColumns[] = {
    {"gopher_word_count",
     "SpacyLike tokens that are not made only of datatrove PUNCTUATION_SET characters; empty text 0; datatrove "
     "GopherQualityFilter n_non_symbol_words (tokenizer substitutes spaCy) (Gopher: keep 50..100000)"},
    {"gopher_mean_word_length",
     "mean code-point length of those tokens; kMissing without them; datatrove dialect (Gopher: keep 3..10)"},
    {"gopher_hash_word_ratio",
     "text.count('#') / number of all SpacyLike tokens; kMissing without tokens; datatrove dialect "
     "(Gopher: keep <= 0.1)"},
    {"gopher_ellipsis_word_ratio",
     "(text.count('...') + text.count(U+2026)) / number of all SpacyLike tokens; kMissing without tokens; "
     "datatrove dialect (Gopher: keep <= 0.1)"},
    {"gopher_bullet_line_frac",
     "lines of str.splitlines() whose lstrip() starts with U+2022 or '-' / lines; kMissing for empty text; "
     "datatrove dialect (Gopher: keep <= 0.9)"},
    {"gopher_ellipsis_line_frac",
     "lines of str.splitlines() whose rstrip() ends with '...' or U+2026 / lines; kMissing for empty text; "
     "datatrove dialect (Gopher: keep <= 0.3)"},
    {"gopher_alpha_word_frac",
     "SpacyLike tokens with an alphabetic code point / all tokens; kMissing without tokens; datatrove dialect "
     "(Gopher: keep >= 0.8)"},
    {"gopher_stop_word_count",
     "tokens equal to the/be/to/of/and/that/have/with (case-sensitive); datatrove dialect (Gopher: keep >= 2)"},
};

class GopherQualityWorker final : public ScorerWorker {
public:
    void score(std::string_view text, float* out) override
    {
        if (text.size() > kMaxTokenisedText) {
            std::fill(out, out + std::size(kQualityColumns), kMissing);
            return;
        }
        const std::vector<Token>& tokens = spacyLikeTokens(text);
        size_t nonSym = 0, nonSymChars = 0, alpha = 0, stop = 0;
        for (const Token& t : tokens) {
            const size_t ns = (t.flags & TokNonSymbol) != 0; // no branch: punctuation tokens are frequent
            nonSym += ns;
            nonSymChars += t.chars & (0 - ns);
            alpha += (t.flags & TokAlpha) != 0;
            stop += t.stop;
        }
        const size_t words = tokens.size();
        const SymbolCounts symbols = countHashesAndEllipses(text);
        const size_t hashes = symbols.hashes;
        const size_t ellipses = symbols.ellipses;

        size_t bullet = 0, ellipsisLines = 0;
        const std::vector<StrippedLine>& lineList = splitLines(text); // shared with c4
        for (const StrippedLine& line : lineList) {
            const std::string_view l = line.lstripped(text);
            bullet += startsWith(l, kBulletChar) || startsWith(l, "-");
            const std::string_view r = line.rstripped(text);
            ellipsisLines += endsWith(r, "...") || endsWith(r, kEllipsisChar);
        }
        const size_t lines = lineList.size();

        out[0] = float(nonSym);
        out[1] = ratio(double(nonSymChars), double(nonSym));
        out[2] = ratio(double(hashes), double(words));
        out[3] = ratio(double(ellipses), double(words));
        out[4] = ratio(double(bullet), double(lines));
        out[5] = ratio(double(ellipsisLines), double(lines));
        out[6] = ratio(double(alpha), double(words));
        out[7] = float(stop);
    }
};

// ---------------------------------------------------------------------------------------------------
// gopher_repetition (datatrove)

const ColumnSpec kRepetitionColumns[] = {
    {"gopher_dup_para_frac",
     "paragraphs (re.split(r'\\n{2,}', text.strip())) equal to an earlier one / paragraphs; first occurrence not "
     "counted; empty text 0; datatrove GopherRepetitionFilter (Gopher: drop > 0.30)"},
    {"gopher_dup_para_char_frac",
     "code points of those repeated paragraphs / len(text); kMissing for empty text; datatrove dialect "
     "(Gopher: drop > 0.20)"},
    {"gopher_dup_line_frac",
     "lines (re.split('\\n+', text)) equal to an earlier one / lines; first occurrence not counted; empty text 0; "
     "datatrove dialect (Gopher: drop > 0.30)"},
    {"gopher_dup_line_char_frac",
     "code points of those repeated lines / len(text); kMissing for empty text; datatrove dialect "
     "(Gopher: drop > 0.20)"},
    {"gopher_top_2gram_char_frac",
     "count * len(' '.join(g)) / len(text) for the most frequent token 2-gram g (first seen wins ties); kMissing "
     "with < 2 tokens; SpacyLike tokens, datatrove dialect (Gopher: drop > 0.20)"},
    {"gopher_top_3gram_char_frac",
     "as top_2gram for 3-grams; kMissing with < 3 tokens; datatrove dialect (Gopher: drop > 0.18)"},
    {"gopher_top_4gram_char_frac",
     "as top_2gram for 4-grams; kMissing with < 4 tokens; datatrove dialect (Gopher: drop > 0.16)"},
    {"gopher_dup_5gram_char_frac",
     "find_all_duplicate(tokens, 5) / len(text): left-to-right scan, a repeated 5-gram adds its tokens' code "
     "points (no spaces) and skips 5 tokens; 0 with < 5 tokens, kMissing for empty text; datatrove dialect "
     "(Gopher: drop > 0.15)"},
    {"gopher_dup_6gram_char_frac", "as dup_5gram for 6-grams; datatrove dialect (Gopher: drop > 0.14)"},
    {"gopher_dup_7gram_char_frac", "as dup_5gram for 7-grams; datatrove dialect (Gopher: drop > 0.13)"},
    {"gopher_dup_8gram_char_frac", "as dup_5gram for 8-grams; datatrove dialect (Gopher: drop > 0.12)"},
    {"gopher_dup_9gram_char_frac", "as dup_5gram for 9-grams; datatrove dialect (Gopher: drop > 0.11)"},
    {"gopher_dup_10gram_char_frac", "as dup_5gram for 10-grams; datatrove dialect (Gopher: drop > 0.10)"},
};

class GopherRepetitionWorker final : public ScorerWorker {
public:
    void score(std::string_view text, float* out) override
    {
        if (text.size() > kMaxTokenisedText) {
            std::fill(out, out + std::size(kRepetitionColumns), kMissing);
            return;
        }
        // The pieces of text.split('\n') (shared with the other scorers) hold every code point but the '\n's.
        const std::vector<SplitLine>& pieces = newlinePieces(text);
        size_t pieceChars = 0;
        for (const SplitLine& p : pieces)
            pieceChars += p.chars;
        const double textChars = double(pieceChars + (pieces.size() - 1)); // len(text)

        // paragraphs: re.split(r"\n{2,}", text.strip())
        {
            const std::string_view s = uc::pyStrip(text);
            size_t paras = 0, dups = 0, dupChars = 0;
            m_seen.reset(s.size() / 64 + 8);
            auto visit = [&](std::string_view p) {
                ++paras;
                if (!m_seen.insert(XXH3_64bits(p.data(), p.size()))) {
                    ++dups;
                    dupChars += uc::codePointCount(p);
                }
            };
            size_t start = 0;
            for (size_t i = findDoubleNewline(s, 0); i != std::string_view::npos; i = findDoubleNewline(s, start)) {
                size_t j = i;
                while (j < s.size() && s[j] == '\n')
                    ++j;
                visit(s.substr(start, i - start));
                start = j;
            }
            visit(s.substr(start));
            out[0] = float(double(dups) / double(paras));
            out[1] = ratio(double(dupChars), textChars);
        }
        // lines: re.split("\n+", text), from the pieces of text.split('\n') (shared with the other scorers):
        // the first and the last piece, and the non-empty ones between (the rest are inside runs of '\n').
        // A non-empty line repeats when its first equal piece is earlier (that one is non-empty, so it is
        // a line too); an empty line can only be the first or the last, and the last repeats the first.
        {
            const size_t last = pieces.size() - 1;
            size_t lines = 0, dups = 0, dupChars = 0;
            for (size_t k = 0; k < pieces.size(); ++k) {
                const SplitLine& p = pieces[k];
                if (p.bytes == 0) {
                    if (k != 0 && k != last)
                        continue;
                    ++lines;
                    dups += k != 0 && pieces[0].bytes == 0;
                    continue;
                }
                ++lines;
                if (p.first != k) {
                    ++dups;
                    dupChars += p.chars;
                }
            }
            out[2] = float(double(dups) / double(lines));
            out[3] = ratio(double(dupChars), textChars);
        }
        // n-grams of tokens
        const std::vector<Token>& tokens = spacyLikeTokens(text);
        const size_t words = tokens.size();
        // 32 bits: the sum of the tokens' code points is at most the text's size, at most kMaxTokenisedText
        uint32_t* const prefix = m_prefixChars.prepare(words + 1);
        {
            // running sums in registers: read back from the array, each step would wait for the last store
            uint32_t sum = 0;
            prefix[0] = 0;
            for (size_t i = 0; i < words; ++i) {
                sum += tokens[i].chars;
                prefix[i + 1] = sum;
            }
        }
        for (int k = 4; k < 13; ++k)
            out[k] = textChars > 0 ? 0.0f : kMissing;
        for (int k = 4; k < 7; ++k)
            out[k] = kMissing;
        // the byte length is in each token's hash (tokenHash)
        m_counter.run(tokens.data(), words, 10, [&](const NgramLevel& level) {
            const int n = level.n;
            if (level.windows == 0 || textChars == 0)
                return;
            auto windowChars = [&](uint32_t i) { return uint64_t(prefix[i + size_t(n)] - prefix[i]); };
            if (n <= 4) {
                const double len = double(windowChars(level.topStart) + uint64_t(n - 1));
                out[4 + (n - 2)] = float(double(level.topCount) * len / textChars);
            }
            if (n >= 5) {
                // find_all_duplicate: only n-grams that occur twice or more can ever be "in unique" when
                // revisited, so the scan needs to look at those windows only.
                // "Seen" is a stamp per n-gram, indexed by its first window (dupFirst names the n-gram).
                const uint32_t* const starts = level.dupStarts;
                const uint32_t* const firsts = level.dupFirst;
                if (++m_generation == 0) {
                    std::fill(m_seenAt.begin(), m_seenAt.end(), 0u);
                    m_generation = 1;
                }
                if (m_seenAt.size() < words)
                    m_seenAt.resize(words, 0u);
                uint64_t repeated = 0;
                size_t idx = 0;
                for (size_t d = 0; d < level.dups; ++d) {
                    if (starts[d] < idx)
                        continue; // jumped over
                    uint32_t& seen = m_seenAt[firsts[d]];
                    if (seen == m_generation) {
                        repeated += windowChars(starts[d]);
                        idx = size_t(starts[d]) + size_t(n);
                    } else {
                        seen = m_generation;
                        idx = size_t(starts[d]) + 1;
                    }
                }
                out[7 + (n - 5)] = float(double(repeated) / textChars);
            }
        });
        // a huge document's arrays are not kept for the next one, nor beside the next scorer's
        m_seen.releaseIfLarger(kKeepScratchBytes);
        m_prefixChars.releaseIfLarger(kKeepScratchBytes);
        if (m_seenAt.capacity() * sizeof(uint32_t) > kKeepScratchBytes) {
            std::vector<uint32_t>().swap(m_seenAt);
            m_generation = 0; // the new array is all zeros
        }
    }

private:
    CountTable m_seen;
    NgramCounter m_counter;
    ScratchArray<uint32_t> m_prefixChars;
    std::vector<uint32_t> m_seenAt; // generation stamp per first window of an n-gram
    uint32_t m_generation = 0;
};

// ---------------------------------------------------------------------------------------------------
// dolma_gopher (Dolma gopher_v1)

const ColumnSpec kDolmaColumns[] = {
    {"gopher_dolma_word_count", "len(text.split()); Dolma gopher_v1 (Gopher: keep 50..100000)"},
    {"gopher_dolma_median_word_length",
     "median code-point length of text.split() words (mean of middle two if even); 0 without words; Dolma "
     "gopher_v1 (Gopher's rule is on the mean: keep 3..10)"},
    {"gopher_dolma_symbol_word_ratio",
     "words containing '#' or U+2026 / max(words, 1); Dolma gopher_v1 (Gopher: keep <= 0.1)"},
    {"gopher_dolma_alpha_word_frac",
     "words with an alphabetic code point / max(words, 1); Dolma gopher_v1 (Gopher: keep >= 0.8)"},
    {"gopher_dolma_required_word_count",
     "words equal to the/be/to/of/and/that/have/with (case-sensitive); Dolma gopher_v1 (Gopher: keep >= 2)"},
    {"gopher_dolma_bullet_line_frac",
     "lines of text.split('\\n') starting with '*' or '-' (no strip) / lines; empty text 0; Dolma gopher_v1 "
     "(Gopher: keep <= 0.9)"},
    {"gopher_dolma_ellipsis_line_frac",
     "lines of text.split('\\n') ending with U+2026 (no strip) / lines; empty text 0; Dolma gopher_v1 "
     "(Gopher: keep <= 0.3)"},
    {"gopher_dolma_dup_line_frac",
     "sum of counts of lines occurring more than once (first occurrence included) / lines; empty text 0; Dolma "
     "gopher_v1 (Gopher: drop > 0.30)"},
    {"gopher_dolma_dup_line_char_frac",
     "sum of len(line)*count over repeated lines / max(code points in words, 1); Dolma gopher_v1 "
     "(Gopher: drop > 0.20)"},
    {"gopher_dolma_top_2gram_char_frac",
     "count * code points of the words of the most common word 2-gram / max(code points in words, 1); "
     "kMissing with < 2 words; Dolma gopher_v1 (Gopher: drop > 0.20)"},
    {"gopher_dolma_top_3gram_char_frac", "as top_2gram for 3-grams; Dolma gopher_v1 (Gopher: drop > 0.18)"},
    {"gopher_dolma_top_4gram_char_frac", "as top_2gram for 4-grams; Dolma gopher_v1 (Gopher: drop > 0.16)"},
    {"gopher_dolma_dup_5gram_char_frac",
     "code points of all occurrences of word 5-grams occurring more than once / code points of all 5-gram "
     "occurrences; kMissing with < 5 words; Dolma gopher_v1 (Gopher: drop > 0.15)"},
    {"gopher_dolma_dup_6gram_char_frac", "as dup_5gram for 6-grams; Dolma gopher_v1 (Gopher: drop > 0.14)"},
    {"gopher_dolma_dup_7gram_char_frac", "as dup_5gram for 7-grams; Dolma gopher_v1 (Gopher: drop > 0.13)"},
    {"gopher_dolma_dup_8gram_char_frac", "as dup_5gram for 8-grams; Dolma gopher_v1 (Gopher: drop > 0.12)"},
    {"gopher_dolma_dup_9gram_char_frac", "as dup_5gram for 9-grams; Dolma gopher_v1 (Gopher: drop > 0.11)"},
    {"gopher_dolma_dup_10gram_char_frac", "as dup_5gram for 10-grams; Dolma gopher_v1 (Gopher: drop > 0.10)"},
};

class DolmaGopherWorker final : public ScorerWorker {
public:
    void score(std::string_view text, float* out) override
    {
        constexpr size_t N = std::size(kDolmaColumns);
        if (text.size() > kMaxTokenisedText) {
            std::fill(out, out + N, kMissing);
            return;
        }
        std::fill(out, out + N, 0.0f);
        for (size_t k = 9; k < N; ++k)
            out[k] = kMissing;
        if (text.empty())
            return; // Dolma: character_count == 0 returns the default (zero) attributes

        const std::vector<Token>& wordList = whitespaceWords(text); // shared with the SpacyLike tokens
        const size_t words = wordList.size();
        size_t chars = 0, symbol = 0, alpha = 0, required = 0;
        m_lengthHist.fill(0);
        m_longLengths.clear();
        // filled from the running sum `chars`; 32 bits, as it is at most the text's size (kMaxTokenisedText)
        uint32_t* const prefix = m_prefixChars.prepare(words + 1);
        prefix[0] = 0;
        for (size_t i = 0; i < words; ++i) {
            const Token& w = wordList[i];
            chars += w.chars;
            symbol += (w.flags & TokHashOrEllipsis) != 0;
            alpha += (w.flags & TokAlpha) != 0;
            required += w.stop;
            if (w.chars < m_lengthHist.size())
                ++m_lengthHist[w.chars];
            else
                m_longLengths.push_back(w.chars);
            prefix[i + 1] = uint32_t(chars);
        }
        const double maxWords = double(std::max<size_t>(words, 1));
        const double maxChars = double(std::max<size_t>(chars, 1));
        out[0] = float(words);
        out[1] = float(median(words));
        out[2] = float(double(symbol) / maxWords);
        out[3] = float(double(alpha) / maxWords);
        out[4] = float(required);

        size_t lines = 0, bullet = 0, ellipsis = 0, dupLines = 0, dupLineChars = 0;
        // Counts of each distinct line so far, by its first piece (pieces shared with the other scorers).
        const std::vector<SplitLine>& pieces = newlinePieces(text);
        m_lineSeen.resize(std::max(m_lineSeen.size(), pieces.size()));
        for (size_t k = 0; k < pieces.size(); ++k) {
            const SplitLine& p = pieces[k];
            const std::string_view line = text.substr(p.offset, p.bytes);
            ++lines;
            bullet += startsWith(line, "*") || startsWith(line, "-");
            ellipsis += endsWith(line, kEllipsisChar);
            if (p.first == k)
                m_lineSeen[k] = 0;
            const uint32_t count = ++m_lineSeen[p.first];
            if (count >= 2) {
                const size_t n = count == 2 ? 2 : 1; // the first occurrence counts once it has a repeat
                dupLines += n;
                dupLineChars += n * p.chars;
            }
        }
        out[5] = float(double(bullet) / double(lines));
        out[6] = float(double(ellipsis) / double(lines));
        out[7] = float(double(dupLines) / double(lines));
        out[8] = float(double(dupLineChars) / maxChars);

        // the byte length is in each word's hash (tokenHash)
        m_counter.run(wordList.data(), words, 10, [&](const NgramLevel& level) {
            const int n = level.n;
            if (level.windows == 0)
                return;
            auto windowChars = [&](uint32_t i) { return uint64_t(prefix[i + size_t(n)] - prefix[i]); };
            if (n <= 4) {
                out[9 + (n - 2)] = float(double(level.topCount) * double(windowChars(level.topStart)) / maxChars);
            } else {
                uint64_t dup = 0;
                for (size_t d = 0; d < level.dups; ++d)
                    dup += windowChars(level.dupStarts[d]);
                // the code points of all n-gram occurrences: word j of window i (i < W, j < n) is word i + j, so
                // the total is the sum over j < n of P[W + j] - P[j] (n terms, not a pass over the windows)
                const size_t W = level.windows;
                uint64_t total = 0;
                for (size_t j = 0; j < size_t(n); ++j)
                    total += uint64_t(prefix[W + j] - prefix[j]);
                out[12 + (n - 5)] = float(double(dup) / double(std::max<uint64_t>(total, 1)));
            }
        });
        // a huge document's arrays are not kept for the next one, nor beside the next scorer's
        m_prefixChars.releaseIfLarger(kKeepScratchBytes);
        releaseIfLarger(m_lineSeen, kKeepScratchBytes);
        releaseIfLarger(m_longLengths, kKeepScratchBytes);
    }

private:
    double median(size_t count) const
    {
        if (count == 0)
            return 0.0;
        // the k-th smallest length (0-based) from the histogram, then the sorted overflow
        auto kth = [&](size_t k) -> double {
            for (size_t len = 0; len < m_lengthHist.size(); ++len) {
                if (k < m_lengthHist[len])
                    return double(len);
                k -= m_lengthHist[len];
            }
            std::vector<uint32_t> rest = m_longLengths;
            std::nth_element(rest.begin(), rest.begin() + ptrdiff_t(k), rest.end());
            return double(rest[k]);
        };
        if (count % 2)
            return kth(count / 2);
        return (kth(count / 2 - 1) + kth(count / 2)) / 2.0;
    }

    std::array<uint32_t, 256> m_lengthHist{};
    std::vector<uint32_t> m_longLengths;
    ScratchArray<uint32_t> m_prefixChars;
    std::vector<uint32_t> m_lineSeen; // occurrences so far of each distinct line, by its first piece
    NgramCounter m_counter;
};

} // namespace

std::unique_ptr<Scorer> makeGopherQualityScorer()
{
    return makeSpecScorer<GopherQualityWorker>(
        "gopher_quality", "Gopher quality rules as raw statistics, datatrove dialect (SpacyLike tokens)",
        kQualityColumns);
}

std::unique_ptr<Scorer> makeGopherRepetitionScorer()
{
    return makeSpecScorer<GopherRepetitionWorker>(
        "gopher_repetition", "Gopher repetition statistics (lines, paragraphs, n-grams), datatrove dialect",
        kRepetitionColumns);
}

std::unique_ptr<Scorer> makeDolmaGopherScorer()
{
    return makeSpecScorer<DolmaGopherWorker>(
        "dolma_gopher", "Gopher quality and repetition statistics, Dolma gopher_v1 dialect (whitespace words)",
        kDolmaColumns);
}

} // namespace shardscope
