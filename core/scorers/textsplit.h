#pragma once
// Word splitters shared by the heuristic scorers.
//
// 1. splitWhitespace(): Python's str.split() with no argument, exactly: maximal runs of code points that
//    are not str.isspace() (Unicode White_Space plus U+001C..U+001F). Dolma's taggers use this.
//
// 2. SpacyLikeSplitter: the substitute for the spaCy English tokenizer that datatrove's Gopher, FineWeb and
//    C4 filters use (datatrove's load_word_tokenizer("en") is spacy.blank("en"); its tokens are stripped and
//    whitespace-only tokens dropped). spaCy cannot run here (no PyPI), so this is a rule-based
//    re-implementation of the parts of spaCy's English prefix/suffix/infix rules that change the statistics,
//    applied to each whitespace-separated chunk:
//      a. prefixes, split off one code point at a time from the front:
//         ! " # $ % & ' ( ) * , : ; < = > ? [ ] _ ` { }, '+' unless a digit follows, any non-ASCII code point
//         of category P* or S*, a run of two or more '.', and U+2026;
//      b. suffixes, split off from the back: the same set without '$', '%', '=' and '+' (which split only
//         after a digit), a run of two or more '.', U+2026, the clitic 's / 'S / ’s / ’S, and a single '.'
//         when spaCy's rule would split it: preceded by a digit, a lower-case or non-ASCII letter, '%', '-',
//         '+' or punctuation, or by two ASCII capitals; never when the rest contains a '.', is a single
//         letter, or is one of spaCy's English abbreviation exceptions (Mr, Mrs, Dr, Inc, Jan, ...);
//      c. the English contraction clitics n't, 'm, 're, 've, 'll, 'd (also with ’, any case) after a stem
//         of letters ("don't" -> "do" "n't", "can't" -> "ca" "n't" as spaCy does);
//      d. infixes (not inside URLs or e-mail addresses: chunks containing "://", '@' or starting "www."):
//         runs of two or more '.' and U+2026; a run of - – — ~ between a letter or digit and a letter;
//         + - * ^ between a digit and a digit or '-'; ',' between letters; : < > = / between a letter or
//         digit and a letter; '.' between an ASCII lower-case and an ASCII capital letter; any non-ASCII
//         symbol (S*).
//    Deviations from spaCy: no emoticon, unit ("10km"), currency-code or other tokenizer exceptions; the
//    suffix set covers all non-ASCII punctuation and symbols, not spaCy's lists; spaCy alternates
//    prefix and suffix search (we take all prefixes, then all suffixes); its URL pattern is approximated
//    as above. The splitter has not been compared with spaCy itself (spaCy is not installable here); its
//    rules were checked against an independent Python port of this specification (tst_heuristics.cpp).
//
// Each token carries its Python len() (code points), flags and a 64-bit hash of its bytes (tokenHash in
// textsplit.cpp: a multiply-mix of the bytes up to 16, XXH3 beyond, the byte length xored into the top byte).

#include "scorers/bytescan.h"

#include <array>
#include <cstring>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shardscope {

struct Token {
    uint32_t offset = 0; // byte offset in the text
    uint32_t bytes = 0;
    uint32_t chars = 0;  // code points (Python len)
    uint8_t flags = 0;
    uint8_t stop = 0;    // 1: the bytes are one of Gopher's stop words (the be to of and that have with; exact)
    uint64_t hash = 0;   // 64-bit hash of the bytes (the same bytes give the same hash)
    std::string_view view(std::string_view text) const { return text.substr(offset, bytes); }
};

enum TokenFlag : uint8_t {
    TokAlpha = 1,      // some code point is alphabetic (Python: any(c.isalpha() for c in w))
    TokNonSymbol = 2,  // some code point is not in datatrove's PUNCTUATION_SET
    TokPunctOnly = 4,  // every code point is of category P* (spaCy Token.is_punct)
    TokSentEnd = 8,    // the token is one of spaCy Sentencizer's default punct_chars (. ! ? and script equivalents)
    TokHashOrEllipsis = 16, // contains '#' or U+2026 (Dolma's SYMBOLS test)
    // set by splitWhitespace() only:
    TokAscii = 32,      // every byte is ASCII
    TokAsciiAlnum = 64, // every byte is an ASCII letter or digit
    TokPlain = 128,     // no ASCII byte other than letters and digits, no code point of category P* or S*
};

// Texts longer than this are not tokenised (offsets are 32-bit); scorers report kMissing for them.
inline constexpr size_t kMaxTokenisedText = 0xFFFFFFF0u;

class WordStarts;

// Python str.split(): appends the whitespace-separated words of text to out (out is cleared first); with
// wordStarts, also the bitmap of where they start.
void splitWhitespace(std::string_view text, std::vector<Token>& out, WordStarts* wordStarts = nullptr);

// splitWhitespace(text), computed once per thread and text (dolma_gopher's words, and the chunks that
// spacyLikeTokens() splits further); cached like spacyLikeTokens below.
const std::vector<Token>& whitespaceWords(std::string_view text);

class SpacyLikeSplitter {
public:
    // Tokenises text into out (cleared first).
    void split(std::string_view text, std::vector<Token>& out);
    // The same, given words = splitWhitespace(text): the whitespace chunks are split further (a TokPlain
    // word, or one of a single code point, is one token, the same one: no prefix, suffix, clitic or infix
    // rule applies to it, or none can split it).
    void splitWords(std::string_view text, const std::vector<Token>& words, std::vector<Token>& out);

    struct Cp { // a decoded code point of a chunk (the general path)
        char32_t cp;
        uint32_t offset;
        uint8_t cls;
    };

private:
    void pushAlnum(const char* base, uint32_t b0, uint32_t b1, bool alpha, std::vector<Token>& out) const;
    void pushAsciiChar(const char* base, uint32_t at, std::vector<Token>& out) const;
    bool splitSimpleAscii(const char* base, uint32_t b0, uint32_t b1, std::vector<Token>& out) const;
    // The general path: prefix, suffix, clitic and infix rules over the chunk's code points (ascii: every
    // byte of the chunk is ASCII, so they need no decoding). The templates take the code points through
    // DecodedCps or AsciiCps (textsplit.cpp).
    void splitChunk(const char* base, uint32_t begin, uint32_t end, bool ascii, std::vector<Token>& out);
    template<typename Cps>
    void splitCodePoints(const char* base, const Cps& cps, size_t count, std::vector<Token>& out);
    template<typename Cps>
    void emit(const char* base, const Cps& cps, size_t from, size_t to, std::vector<Token>& out) const; // [from, to)
    template<typename Cps>
    bool splitFinalDot(const Cps& cps, size_t i, size_t j) const; // the core is [i, j), j-1 is the '.'
    template<typename Cps>
    void splitInfixes(const char* base, const Cps& cps, size_t i, size_t j, std::vector<Token>& out);

    const char* m_end = nullptr; // end of the text being split (token hashes may read up to it)
    std::vector<Token> m_words;  // split()'s whitespace chunks
    std::vector<Cp> m_cps; // splitChunk(): the chunk's code points, then a sentinel (only grown: valid up to it)
    std::vector<std::pair<size_t, size_t>> m_suffixes;
};

// The SpacyLike tokens of text, computed once per thread and text: the gopher_quality, gopher_repetition
// and fineweb workers of one scan thread score the same text one after another, and each would otherwise
// tokenise it again. The cache is keyed by the text's address, size and XXH3 hash (or, inside a
// DocumentScope for the text, the scope's serial number), so a reused buffer with other contents is
// recognised.
const std::vector<Token>& spacyLikeTokens(std::string_view text);

// The words of whitespaceWords(text) as bits: bit k % 64 of word k / 64 is set where a word starts at byte k.
// No word spans whitespace, and every line boundary (of split('\n') or splitlines()) is whitespace, so the
// words of a line, or of its strip(), are the set bits inside it. splitWhitespace() writes it from its
// 64-byte whitespace masks, with whitespaceWords(text) (same cache).
class WordStarts {
public:
    // The bitmap for a text of textSize bytes, for splitWhitespace() to fill: one word per 64 bytes of text
    // (to be written), then zeros.
    uint64_t* prepare(size_t textSize);
    // Do at least 3 words start in [from, to)? Without a loop for ranges of up to 128 bytes.
    bool atLeast3(uint32_t from, uint32_t to) const;

private:
    // the 64 bits from bit `at` on (two words of zeros follow the text's last bit)
    uint64_t bitsAt(size_t at) const
    {
        const size_t q = at >> 6;
        const unsigned r = unsigned(at & 63);
        return (m_bits[q] >> r) | ((m_bits[q + 1] << 1) << (63 - r)); // two shifts: r = 0 must not shift by 64
    }
    std::vector<uint64_t> m_bits;
};
const WordStarts& wordStarts(std::string_view text);

// The pieces of text.split('\n') (count('\n') + 1 of them, empty ones included), each with its code-point
// count and the index of the first piece with the same XXH3-64 hash (equal lines are equal by hash, as in
// every line statistic here). Computed once per thread and text, like spacyLikeTokens: gopher_repetition,
// dolma_gopher and fineweb each need them.
struct SplitLine {
    uint32_t offset = 0;
    uint32_t bytes = 0;
    uint32_t chars = 0;
    uint32_t first = 0; // index of the first piece equal to this one (itself if none earlier)
};
const std::vector<SplitLine>& newlinePieces(std::string_view text);

// The lines of str.splitlines() (see forEachSplitline below), each with the bounds of its strip(): the line
// is text[offset, offset + bytes); lstrip() drops `lead` bytes from its front, rstrip() keeps its first
// `kept` bytes (0 for a blank line). Computed once per thread and text, like newlinePieces: gopher_quality
// and c4 both walk them. Texts longer than kMaxTokenisedText get no lines (their callers split them
// themselves).
struct StrippedLine {
    uint32_t offset = 0;
    uint32_t bytes = 0;
    uint32_t lead = 0;
    uint32_t kept = 0;
    std::string_view lstripped(std::string_view text) const { return text.substr(offset + lead, bytes - lead); }
    std::string_view rstripped(std::string_view text) const { return text.substr(offset, kept); }
    std::string_view stripped(std::string_view text) const
    {
        return text.substr(offset + lead, kept > lead ? kept - lead : 0);
    }
};
const std::vector<StrippedLine>& splitLines(std::string_view text);

// Tokens appended with their flags set; for callers that tokenise a line at a time.
void appendToken(std::string_view text, uint32_t offset, uint32_t bytes, std::vector<Token>& out);

// Python str.splitlines(): calls fn(line) for each line, boundaries \n \r \r\n \v \f \x1c \x1d \x1e
// U+0085 U+2028 U+2029, no trailing empty line after a final boundary, nothing for empty text.
template<typename Fn>
void forEachSplitline(std::string_view text, Fn&& fn)
{
    // bytes that can start a line boundary: \n \v \f \r \x1c \x1d \x1e, 0xC2 (U+0085), 0xE2 (U+2028/9)
    static constexpr auto kCandidate = [] {
        std::array<bool, 256> t{};
        for (const int b : {0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0xC2, 0xE2})
            t[size_t(b)] = true;
        return t;
    }();
    const auto* base = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    size_t start = 0, i = 0;
    while (i < n) {
        // skip 16 bytes at a time while none can start a boundary (non-ASCII text too: only 0xC2 and 0xE2
        // lead bytes stop it)
        while (i + 16 <= n) {
            using namespace bytescan;
            const V16 x = load16(base + i);
            const uint32_t m = movemask(mask(V16(x - splat(0x0A)) < splat(4)) | mask(V16(x - splat(0x1C)) < splat(3))
                                        | mask(x == splat(0xC2)) | mask(x == splat(0xE2)));
            if (m) {
                i += size_t(__builtin_ctz(m));
                break;
            }
            i += 16;
        }
        if (i >= n)
            break;
        const unsigned char b = base[i];
        if (!kCandidate[b]) {
            ++i;
            continue;
        }
        size_t brk = 0; // length of the boundary at i
        if (b < 0x80)
            brk = (b == '\r' && i + 1 < n && base[i + 1] == '\n') ? 2 : 1;
        else if (b == 0xC2 && i + 1 < n && base[i + 1] == 0x85)
            brk = 2;
        else if (b == 0xE2 && i + 2 < n && base[i + 1] == 0x80 && (base[i + 2] == 0xA8 || base[i + 2] == 0xA9))
            brk = 3;
        if (brk) {
            fn(text.substr(start, i - start));
            i += brk;
            start = i;
        } else {
            ++i;
        }
    }
    if (start < n)
        fn(text.substr(start));
}

// Python text.split(sep) for a one-byte separator: calls fn(piece) count(sep) + 1 times.
template<typename Fn>
void forEachSplit(std::string_view text, char sep, Fn&& fn)
{
    size_t start = 0;
    for (;;) {
        const size_t at = text.find(sep, start);
        if (at == std::string_view::npos) {
            fn(text.substr(start));
            return;
        }
        fn(text.substr(start, at - start));
        start = at + 1;
    }
}

// For substring tests of ASCII patterns against Python's s.lower(): writes s with ASCII letters
// lower-cased into out. A non-ASCII code point whose lower() is ASCII is U+212A KELVIN SIGN ('k'), which
// becomes 'k'; U+0130 lowers to "i\u0307", whose 'i' cannot complete any pattern we search (each 'i' in
// them is followed by an ASCII letter), so like every other non-ASCII byte it is kept and never matches.
void lowerForAsciiMatch(std::string_view s, std::string& out);

} // namespace shardscope
