#include "scorers/textsplit.h"

#include "scorer.h"

#include "scorers/bytescan.h"
#include "scorers/ngram.h"
#include "scorers/unicodeclass.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace shardscope {
namespace {

// datatrove.utils.text.PUNCTUATION_SET, non-ASCII members other than the C1 controls U+0080..U+009F.
constexpr std::array<char32_t, 34> kDatatrovePunctNonAscii = {
    0xab, 0xb4, 0xbb, 0x2013, 0x2014, 0x2019, 0x201c, 0x201d, 0x201e, 0x2026, 0x2236, 0x2501,
    0x25ba, 0x3001, 0x3002, 0x3008, 0x3009, 0x300a, 0x300b, 0x300c, 0x300d, 0x3010, 0x3011, 0xff01,
    0xff05, 0xff08, 0xff09, 0xff0c, 0xff0e, 0xff11, 0xff1a, 0xff1b, 0xff1f, 0xff5e};

inline bool inDatatrovePunctuation(char32_t cp)
{
    // ASCII: all of string.punctuation and the controls except \t and \n.
    if (cp < 128)
        return (cp < 32 && cp != 9 && cp != 10) || cp == 127 || (uc::kAsciiClass[cp] & (uc::Punct | uc::Symbol));
    if (cp < 0xA0)
        return true;
    if (cp < 0xAB)
        return false;
    // Whole scripts lie between the members (Latin, Cyrillic, CJK, Hangul): one predictable test for most text.
    if (cp <= 0xBB)
        return cp == 0xAB || cp == 0xB4 || cp == 0xBB;
    if (cp < 0x2013 || cp > 0xFF5E || (cp > 0x25BA && cp < 0x3001) || (cp > 0x3011 && cp < 0xFF01))
        return false;
    return std::binary_search(kDatatrovePunctNonAscii.begin(), kDatatrovePunctNonAscii.end(), cp);
}

// Per ASCII byte: the flags it sets (low byte) and the flags it keeps (high byte).
constexpr std::array<uint16_t, 128> kAsciiTokenBits = [] {
    std::array<uint16_t, 128> t{};
    constexpr const char* punct = "!\"#%&'()*,-./:;?@[\\]_{}"; // ASCII of category P*
    for (int c = 0; c < 128; ++c) {
        uint8_t set = 0, keep = uint8_t(~TokPunctOnly);
        const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        const bool digit = c >= '0' && c <= '9';
        if (alpha)
            set |= TokAlpha;
        if (alpha || digit || c == 9 || c == 10 || c == ' ')
            set |= TokNonSymbol; // not in datatrove's PUNCTUATION_SET
        for (const char* p = punct; *p; ++p)
            if (*p == c)
                keep = 0xFF;
        if (c == '#')
            set |= TokHashOrEllipsis;
        t[size_t(c)] = uint16_t(set | (keep << 8));
    }
    return t;
}();

// The token hash: a function of the bytes alone, whichever path made the token. Tokens of up to 16 bytes
// (nearly all) are two masked 8-byte words, mixed, with no branch on the length (XXH3's
// short-input code branches three ways on it, which mispredicts on text); longer ones take XXH3. `end` is
// the end of the readable text: a token near it is copied into a zeroed buffer first, which gives the same
// words. TokenWords: those two words (zero past the token's end), which the stop-word test reuses.
struct TokenWords {
    uint64_t a, b;
};
// The words of a token of len <= 16 bytes that x, the 16 bytes loaded from its start, begins with: x
// masked to the token's bytes (a window into 16 0xFF bytes then 16 zeros gives the mask for len).
inline TokenWords tokenWords(bytescan::V16 x, uint32_t len)
{
    alignas(16) static constexpr uint8_t kOnesThenZeros[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                                               0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    using U64x2 = uint64_t __attribute__((vector_size(16)));
    const U64x2 m = reinterpret_cast<U64x2>(x & bytescan::load16(kOnesThenZeros + 16 - len));
    return {m[0], m[1]};
}
// The same for the len <= 16 bytes at p; near the text's end they are copied into a buffer first.
inline TokenWords tokenWords(const char* p, uint32_t len, const char* end)
{
    if (end - p >= 16)
        return tokenWords(bytescan::load16(p), len);
    char buf[16] = {};
    std::memcpy(buf, p, len);
    return tokenWords(bytescan::load16(buf), len);
}
// The length also goes into the top byte after mixing: inside the mix it lands in the low byte, where for a
// token ending in zero bytes it can cancel against the first byte ("b" and "a\0" mix the same word).
inline uint64_t tokenHash(const TokenWords& w, uint32_t len)
{
    // mix64 and the odd multiplier are bijections, so tokens of up to 8 bytes (b = 0) and the same length
    // never collide; longer ones collide with probability about 2^-64 per pair, as with XXH3.
    return mix64(w.a ^ (w.b * 0xC2B2AE3D27D4EB4FULL) ^ len) ^ (uint64_t(len) << 56);
}
inline uint64_t tokenHash(const char* p, uint32_t len, const char* end)
{
    return len > 16 ? XXH3_64bits(p, len) ^ (uint64_t(len) << 56) : tokenHash(tokenWords(p, len, end), len);
}

// Accumulates a token's flags code point by code point.
struct FlagAccumulator {
    uint32_t chars = 0;
    uint8_t flags = TokPunctOnly;
    char32_t only = 0;
    inline void addAscii(unsigned char c)
    {
        ++chars;
        only = c;
        const uint16_t bits = kAsciiTokenBits[c];
        flags = uint8_t((flags | (bits & 0xFF)) & (bits >> 8));
    }
    inline void add(char32_t cp, uint8_t cls)
    {
        if (cp < 128) {
            addAscii(static_cast<unsigned char>(cp));
            return;
        }
        ++chars;
        only = cp;
        if (cls & uc::Alpha)
            flags |= TokAlpha;
        if (!(cls & uc::Punct))
            flags &= uint8_t(~TokPunctOnly);
        if (!inDatatrovePunctuation(cp))
            flags |= TokNonSymbol;
        if (cp == '#' || cp == 0x2026)
            flags |= TokHashOrEllipsis;
    }
    inline uint8_t finish() const;
};

// spaCy Sentencizer.default_punct_chars, the members in common use.
bool isSentencizerPunct(char32_t cp)
{
    switch (cp) {
    case '!': case '.': case '?': case 0x589: case 0x61F: case 0x6D4: case 0x700: case 0x701: case 0x702:
    case 0x964: case 0x965: case 0x104A: case 0x104B: case 0x1362: case 0x1367: case 0x1368: case 0x166E:
    case 0x1803: case 0x1809: case 0x203C: case 0x203D: case 0x2047: case 0x2048: case 0x2049: case 0x2E2E:
    case 0x2E3C: case 0xFE52: case 0xFE56: case 0xFE57: case 0xFF01: case 0xFF0E: case 0xFF1F: case 0xFF61:
    case 0x3002:
        return true;
    default:
        return false;
    }
}

// Bit tables for the ASCII prefix and suffix sets of spaCy's English tokenizer (see textsplit.h).
constexpr bool asciiIn(const char* set, char32_t c)
{
    for (; *set; ++set)
        if (char32_t(static_cast<unsigned char>(*set)) == c)
            return true;
    return false;
}
constexpr const char* kPrefixAscii = "!\"#$%&'()*,:;<=>?[]_`{}";
constexpr const char* kSuffixAscii = "!\"#&'()*,:;<>?[]_`{}";

constexpr std::array<bool, 128> asciiTable(const char* set)
{
    std::array<bool, 128> t{};
    for (int c = 0; c < 128; ++c)
        t[size_t(c)] = asciiIn(set, char32_t(c));
    return t;
}
constexpr std::array<bool, 128> kIsPrefixAscii = asciiTable(kPrefixAscii);
constexpr std::array<bool, 128> kIsSuffixAscii = asciiTable(kSuffixAscii);
// The ASCII code points that can start an infix (splitInfixes): '.', the operators between digits, the
// hyphens, ',', and : < > = /. splitInfixes' ASCII path tests the same set with vector compares
// (tst_heuristics' asciiAndDecodedChunksSplitAlike fails if the two differ).
constexpr std::array<bool, 128> kInfixStartAscii = asciiTable(".+-*^~,:<>=/");
inline bool isPrefixAscii(char32_t c) { return c < 128 && kIsPrefixAscii[c]; }
inline bool isSuffixAscii(char32_t c) { return c < 128 && kIsSuffixAscii[c]; }

inline bool isAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
inline bool isAsciiLower(char32_t c) { return c >= 'a' && c <= 'z'; }
inline bool isAsciiUpper(char32_t c) { return c >= 'A' && c <= 'Z'; }
inline bool isHyphen(char32_t c) { return c == '-' || c == 0x2013 || c == 0x2014 || c == '~'; }
inline bool isApostrophe(char32_t c) { return c == '\'' || c == 0x2019; }

// spaCy English tokenizer exceptions that keep a final '.' (besides single letters).
constexpr std::array<std::string_view, 38> kAbbreviations = {
    "Adm", "Apr", "Aug", "Bros", "Co", "Corp", "Dec", "Dr", "Feb", "Gen", "Gov", "Inc", "Jan",
    "Jr", "Jul", "Jun", "Ltd", "Mar", "Md", "Messrs", "Mo", "Mont", "Mr", "Mrs", "Ms", "Nov", "Oct",
    "Prof", "Rep", "Rev", "Sen", "Sep", "Sept", "St", "co", "vs", "Ph", "Mt"};

// The abbreviations as keys: the bytes in the low bytes of a uint64_t, the length in the top byte.
constexpr uint64_t abbreviationKey(std::string_view w)
{
    uint64_t k = uint64_t(w.size()) << 56;
    for (size_t i = 0; i < w.size() && i < 7; ++i)
        k |= uint64_t(static_cast<unsigned char>(w[i])) << (8 * i);
    return k;
}
constexpr std::array<uint64_t, kAbbreviations.size()> kAbbreviationKeys = [] {
    std::array<uint64_t, kAbbreviations.size()> keys{};
    for (size_t i = 0; i < kAbbreviations.size(); ++i)
        keys[i] = abbreviationKey(kAbbreviations[i]);
    return keys;
}();
static_assert([] {
    for (const std::string_view a : kAbbreviations)
        if (!(a[0] >= 'A' && a[0] <= 'Z') && a != "co" && a != "vs")
            return false; // isAbbreviation's first test would miss it
    return true;
}());
// Whether w is one of kAbbreviations (all are at most 6 bytes).
inline bool isAbbreviation(std::string_view w)
{
    // all of them but "co" and "vs" start with a capital: most words before a final '.' stop here
    if (w.size() > 6 || w.empty() || (!isAsciiUpper(char32_t(static_cast<unsigned char>(w[0]))) && w != "co" && w != "vs"))
        return false;
    const uint64_t k = abbreviationKey(w);
    bool found = false;
    for (const uint64_t a : kAbbreviationKeys)
        found |= a == k;
    return found;
}

inline uint8_t FlagAccumulator::finish() const
{
    return (chars == 1 && isSentencizerPunct(only)) ? uint8_t(flags | TokSentEnd) : flags;
}

constexpr uint64_t stopKey(std::string_view w)
{
    uint64_t v = 0;
    for (size_t k = 0; k < w.size(); ++k)
        v |= uint64_t(static_cast<unsigned char>(w[k])) << (8 * k);
    return (uint64_t(w.size()) << 56) | v;
}

// The eight stop words' keys at the slots of a perfect hash: (key * kStopMul) >> 61 differs for each of them
// (checked below), so a key is a stop word exactly when it equals the key at its slot.
constexpr std::string_view kStopWords[8] = {"the", "be", "to", "of", "and", "that", "have", "with"};
constexpr uint64_t kStopMul = 0xef901b932a7c1881ULL;
constexpr unsigned stopSlot(uint64_t key) { return unsigned((key * kStopMul) >> 61); }
constexpr std::array<uint64_t, 8> kStopTable = [] {
    std::array<uint64_t, 8> t{}; // 0 is no token's key (a token has at least one byte)
    for (const std::string_view w : kStopWords)
        t[stopSlot(stopKey(w))] = stopKey(w);
    return t;
}();
static_assert([] {
    for (const std::string_view w : kStopWords)
        if (kStopTable[stopSlot(stopKey(w))] != stopKey(w))
            return false; // two words share a slot: pick another multiplier
    return true;
}());

// Token::hash and Token::stop for the len bytes at p (end: the end of the readable text). The stop-word test
// needs no branch on the length: the token's first bytes (zero past its end) with the length in the top
// byte, looked up in kStopTable; a stop word has at most 4 bytes, so that key is exact for those.
inline void setHashAndStop(const TokenWords& w, uint32_t len, Token& t) // len <= 16
{
    t.hash = tokenHash(w, len);
    const uint64_t key = w.a ^ (uint64_t(len) << 56);
    t.stop = uint8_t((kStopTable[stopSlot(key)] == key) & (len <= 4));
}
inline void setHashAndStop(const char* p, uint32_t len, const char* end, Token& t)
{
    if (len > 16) {
        t.hash = tokenHash(p, len, end);
        t.stop = 0;
        return;
    }
    setHashAndStop(tokenWords(p, len, end), len, t);
}

} // namespace

void appendToken(std::string_view text, uint32_t offset, uint32_t bytes, std::vector<Token>& out)
{
    Token t;
    t.offset = offset;
    t.bytes = bytes;
    const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + offset;
    const auto* end = p + bytes;
    FlagAccumulator acc;
    while (p < end) {
        char32_t cp;
        p += uc::decodeUtf8(p, end, cp);
        acc.add(cp, uc::classOf(cp));
    }
    t.chars = acc.chars;
    t.flags = acc.finish();
    setHashAndStop(text.data() + offset, bytes, text.data() + text.size(), t);
    out.push_back(t);
}

namespace {

// Bit k set for byte k of a 16-byte block being an ASCII letter, letter or digit, or '#'.
struct AsciiMasks {
    uint32_t alpha, alnum, hash;
};
inline AsciiMasks asciiMasks(bytescan::V16 x)
{
    using namespace bytescan;
    const V16 alphaM = mask(V16((x | splat(0x20)) - splat('a')) < splat(26));
    const V16 digitM = mask(V16(x - splat('0')) < splat(10));
    return {movemask(alphaM), movemask(alphaM | digitM), movemask(mask(x == splat('#')))};
}

// The flags that only splitWhitespace() sets (the SpacyLike tokens clear them).
constexpr uint8_t kWhitespaceOnlyFlags = TokAscii | TokAsciiAlnum | TokPlain;

// A word of len (<= 16) ASCII bytes at start, none of them whitespace; x holds the 16 bytes from start; alpha,
// alnum and hash have bit k set for byte k being a letter, a letter or digit, '#'. The flags are those
// FlagAccumulator gives these bytes: with a letter or digit in it, a word is neither punctuation-only nor a
// one-character sentence end.
inline void makeAsciiWord(const unsigned char* base, const unsigned char* start, uint32_t len, bytescan::V16 x,
                          uint32_t alpha, uint32_t alnum, uint32_t hash, Token& t)
{
    t.offset = uint32_t(start - base);
    t.bytes = len;
    t.chars = len;
    if (alnum) {
        t.flags = uint8_t(TokNonSymbol | (alpha ? TokAlpha : 0) | (hash ? TokHashOrEllipsis : 0));
    } else {
        FlagAccumulator acc;
        for (uint32_t k = 0; k < len; ++k)
            acc.addAscii(start[k]);
        t.flags = acc.finish();
    }
    t.flags |= uint8_t(TokAscii | (alnum == (1u << len) - 1 ? TokAsciiAlnum | TokPlain : 0));
    setHashAndStop(tokenWords(x, len), len, t);
}

// The 64 bytes at p as bit masks (bit k for byte k): Python whitespace, apart from the non-ASCII spaces,
// and the bytes that may start a non-ASCII space (C2, E1, E2, E3: U+0085, U+00A0, U+1680, U+2000..U+200A,
// U+2028, U+2029, U+202F, U+205F, U+3000).
struct SpaceMasks64 {
    uint64_t space, lead;
};
inline SpaceMasks64 spaceMasks64(const unsigned char* p)
{
    using namespace bytescan;
    SpaceMasks64 m{0, 0};
    for (int k = 0; k < 4; ++k) {
        const V16 x = load16(p + 16 * k);
        m.space |= uint64_t(movemask(asciiSpaceMask(x))) << (16 * k);
        if (anyNonAscii(x)) {
            const V16 e = x & splat(0xFE); // E2 or E3
            const V16 lead = mask((x == splat(0xC2)) | (x == splat(0xE1)) | (e == splat(0xE2)));
            m.lead |= uint64_t(movemask(lead)) << (16 * k);
        }
    }
    return m;
}
} // namespace

void splitWhitespace(std::string_view text, std::vector<Token>& out, WordStarts* wordStarts)
{
    if (text.size() > kMaxTokenisedText) {
        out.clear();
        if (wordStarts)
            wordStarts->prepare(0);
        return;
    }
    const auto* base = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = base + text.size();
    const size_t n = text.size();
    // 1. Word boundaries, 64 bytes at a time: the start (a byte that is no space after one that is) and
    //    the end (the reverse) of every word, from one whitespace mask per block. A non-ASCII space is
    //    decoded where a lead byte that can start one is (UTF-8 lead bytes are unambiguous in valid text),
    //    and its continuation bytes, which may reach into the next block, are marked too.
    thread_local std::vector<uint32_t> bounds; // start, end, start, end, ...: ascending, so one loop per block
    size_t count = 0;         // bounds found
    uint64_t carry = 1;       // bit 63 of the previous block's space mask (the text starts after "space")
    uint64_t spill = 0;       // continuation bytes of a non-ASCII space that started in the previous block
    alignas(16) unsigned char tail[64];
    uint64_t* const startBits = wordStarts ? wordStarts->prepare(n) : nullptr;
    for (size_t q = 0; q < n; q += 64) {
        const unsigned char* p = base + q;
        if (n - q < 64) { // the last bytes, padded with spaces (which end the last word at n)
            std::memset(tail, ' ', sizeof tail);
            std::memcpy(tail, p, n - q);
            p = tail;
        }
        SpaceMasks64 m = spaceMasks64(p);
        m.space |= spill;
        spill = 0;
        for (uint64_t lead = m.lead; lead; lead &= lead - 1) {
            const int k = __builtin_ctzll(lead);
            const int len = uc::pySpaceAt(base + q + size_t(k), end);
            if (len == 0)
                continue;
            const uint64_t run = (uint64_t(1) << len) - 1;
            m.space |= run << k;
            if (k + len > 64)
                spill |= run >> (64 - k);
        }
        const uint64_t spaceBefore = (m.space << 1) | carry; // bit k: byte k - 1 is a space
        uint64_t edges = m.space ^ spaceBefore; // bit k: byte k is a space and k - 1 not, or the reverse
        if (startBits)
            startBits[q >> 6] = spaceBefore & ~m.space; // the words' starts
        carry = m.space >> 63;
        if (bounds.size() < count + 65) // this block's edges, and the end of a word open at the text's end
            bounds.resize(2 * bounds.size() + 64);
        uint32_t* const at = bounds.data();
        for (; edges; edges &= edges - 1)
            at[count++] = uint32_t(q) + uint32_t(__builtin_ctzll(edges));
    }
    if (count % 2) // the text ends inside a word (its length is a multiple of 64)
        bounds[count++] = uint32_t(n);
    const size_t words = count / 2;
    const uint32_t* const starts = bounds.data();

    // 2. Each word's token: a word of up to 16 ASCII bytes from the masks of one 16-byte load at its start,
    //    any other code point by code point.
    out.resize(words); // not cleared first: only tokens past the last text's are constructed (zeroed), and
                       // every field of every token is written below
    Token* tok = out.data();
    for (size_t w = 0; w < words; ++w) {
        const uint32_t s = starts[2 * w], len = starts[2 * w + 1] - s;
        const unsigned char* start = base + s;
        if (len <= 16 && end - start >= 16) {
            using namespace bytescan;
            const V16 x = load16(start);
            const uint32_t wm = (1u << len) - 1;
            if ((movemask(x) & wm) == 0) {
                const AsciiMasks am = asciiMasks(x);
                makeAsciiWord(base, start, len, x, am.alpha & wm, am.alnum & wm, am.hash & wm, tok[w]);
                continue;
            }
        }
        FlagAccumulator acc;
        uint8_t kind = kWhitespaceOnlyFlags; // cleared as bytes show otherwise
        for (const unsigned char* p = start; p < start + len;) {
            const unsigned char b = *p;
            if (b < 0x80) {
                if (!(uc::kAsciiClass[b] & (uc::Alpha | uc::Digit)))
                    kind &= uint8_t(~(TokAsciiAlnum | TokPlain));
                acc.addAscii(b);
                ++p;
                continue;
            }
            char32_t cp;
            p += uc::decodeUtf8(p, end, cp);
            const uint8_t cls = uc::classOf(cp);
            kind &= (cls & (uc::Punct | uc::Symbol)) ? uint8_t(0) : uint8_t(TokPlain);
            acc.add(cp, cls);
        }
        Token& t = tok[w];
        t.offset = s;
        t.bytes = len;
        t.chars = acc.chars;
        t.flags = uint8_t(acc.finish() | kind);
        setHashAndStop(reinterpret_cast<const char*>(start), len, reinterpret_cast<const char*>(end), t);
    }
    // a huge text's boundaries (8 bytes a word) are not kept beside the tokens made from them
    releaseIfLarger(bounds, kKeepScratchBytes);
}

void SpacyLikeSplitter::split(std::string_view text, std::vector<Token>& out)
{
    splitWhitespace(text, m_words);
    splitWords(text, m_words, out);
}

void SpacyLikeSplitter::splitWords(std::string_view text, const std::vector<Token>& words, std::vector<Token>& out)
{
    out.clear();
    m_end = text.data() + text.size();
    if (text.size() > kMaxTokenisedText)
        return;
    // Twice the chunks: more tokens than that are rare (a 100 MiB text of bench records has 1.33 a chunk,
    // 18.6M tokens), and a vector that grows holds both copies at once (there 0.42 GB more at the peak). The
    // reservation's untouched pages are not resident.
    out.reserve(2 * words.size());
    for (const Token& w : words) {
        if ((w.flags & TokPlain) || w.chars == 1) { // one token, with the flags splitChunk() would give it
            Token t = w;
            t.flags &= uint8_t(~kWhitespaceOnlyFlags);
            out.push_back(t);
        } else if (!((w.flags & TokAscii) && splitSimpleAscii(text.data(), w.offset, w.offset + w.bytes, out))) {
            splitChunk(text.data(), w.offset, w.offset + w.bytes, (w.flags & TokAscii) != 0, out);
        }
    }
}

void SpacyLikeSplitter::pushAlnum(const char* base, uint32_t b0, uint32_t b1, bool alpha, std::vector<Token>& out) const
{
    Token t;
    t.offset = b0;
    t.bytes = b1 - b0;
    t.chars = t.bytes;
    t.flags = alpha ? uint8_t(TokNonSymbol | TokAlpha) : uint8_t(TokNonSymbol);
    setHashAndStop(base + b0, t.bytes, m_end, t);
    out.push_back(t);
}

namespace {
// The one-byte tokens' flags and hashes (pushAsciiChar() makes many: punctuation split off words).
struct AsciiCharToken {
    uint64_t hash;
    uint8_t flags;
};
const std::array<AsciiCharToken, 128> kAsciiCharTokens = [] {
    std::array<AsciiCharToken, 128> t{};
    for (int c = 0; c < 128; ++c) {
        FlagAccumulator acc;
        acc.addAscii(static_cast<unsigned char>(c));
        const char b[16] = {char(c)};
        t[size_t(c)] = {tokenHash(b, 1, b + 16), acc.finish()};
    }
    return t;
}();
} // namespace

void SpacyLikeSplitter::pushAsciiChar(const char* base, uint32_t at, std::vector<Token>& out) const
{
    const AsciiCharToken& c = kAsciiCharTokens[static_cast<unsigned char>(base[at]) & 0x7F];
    Token t;
    t.offset = at;
    t.bytes = 1;
    t.chars = 1;
    t.flags = c.flags;
    t.hash = c.hash;
    out.push_back(t);
}

// The common ASCII chunk shapes, without decoding: prefix punctuation, letters and digits, an optional
// '.', suffix punctuation ("(word", "word,", "word).", "end."). Gives exactly what splitChunk() gives
// for them; returns false (having emitted nothing) for anything else.
bool SpacyLikeSplitter::splitSimpleAscii(const char* base, uint32_t b0, uint32_t b1, std::vector<Token>& out) const
{
    auto cls = [&](uint32_t k) { return uc::kAsciiClass[static_cast<unsigned char>(base[k])]; };
    uint32_t a = b0;
    while (a < b1 && isPrefixAscii(static_cast<unsigned char>(base[a])))
        ++a;
    uint32_t z = a;
    bool alpha = false;
    if (m_end - (base + a) >= 16) {
        // the run of letters and digits from a, from one 16-byte mask (no loop exit to mispredict)
        const AsciiMasks m = asciiMasks(bytescan::load16(base + a));
        const uint32_t run = uint32_t(__builtin_ctz(~m.alnum)); // < 17: bit 16 of ~alnum is set
        z = std::min(a + run, b1);
        alpha = (m.alpha & ((1u << (z - a)) - 1)) != 0; // z - a <= 16
    }
    // one byte at a time: past a run of all 16 bytes, or the whole run near the text's end
    while (z < b1 && (cls(z) & (uc::Alpha | uc::Digit))) {
        alpha = alpha || (cls(z) & uc::Alpha);
        ++z;
    }
    if (z == a)
        return false;
    uint32_t s = z;
    bool dot = false;
    if (s < b1 && base[s] == '.') {
        dot = true;
        ++s;
    }
    for (uint32_t k = s; k < b1; ++k)
        if (!isSuffixAscii(static_cast<unsigned char>(base[k])))
            return false;
    bool splitDot = false;
    if (dot) {
        const char last = base[z - 1];
        if (isAsciiUpper(char32_t(static_cast<unsigned char>(last))))
            return false; // the two-capitals rule: leave it to splitChunk
        const std::string_view core(base + a, z - a);
        splitDot = !(core.size() == 1 && (cls(a) & uc::Alpha))
            && !isAbbreviation(core);
    }
    for (uint32_t k = b0; k < a; ++k)
        pushAsciiChar(base, k, out);
    if (dot && !splitDot) {
        // "a." or an abbreviation: the '.' stays on the word
        Token t;
        t.offset = a;
        t.bytes = z + 1 - a;
        t.chars = t.bytes;
        t.flags = TokNonSymbol | TokAlpha;
        t.hash = tokenHash(base + a, t.bytes, m_end);
        out.push_back(t); // stop stays 0: no stop word holds a '.'
    } else {
        pushAlnum(base, a, z, alpha, out);
        if (dot)
            pushAsciiChar(base, z, out);
    }
    for (uint32_t k = s; k < b1; ++k)
        pushAsciiChar(base, k, out);
    return true;
}

namespace {
// The general path's view of a chunk's code points: index k gives code point k, its class and its byte
// offset in the text; offset(count) is the chunk's end. Decoded ones (any text) and the bytes of an ASCII
// chunk, which need no decoding.
struct DecodedCps {
    static constexpr bool kAscii = false;
    const SpacyLikeSplitter::Cp* cps; // the code points, then a sentinel whose offset is the chunk's end
    char32_t cp(size_t k) const { return cps[k].cp; }
    uint8_t cls(size_t k) const { return cps[k].cls; }
    uint32_t offset(size_t k) const { return cps[k].offset; }
};
struct AsciiCps {
    static constexpr bool kAscii = true;
    const unsigned char* base; // the text
    uint32_t begin;            // the chunk's first byte (every byte of the chunk is ASCII)
    char32_t cp(size_t k) const { return base[begin + k] & 0x7F; } // the mask tells the compiler "ASCII"
    uint8_t cls(size_t k) const { return uc::kAsciiClass[base[begin + k] & 0x7F]; }
    uint32_t offset(size_t k) const { return begin + uint32_t(k); }
};
} // namespace

template<typename Cps>
void SpacyLikeSplitter::emit(const char* base, const Cps& cps, size_t from, size_t to, std::vector<Token>& out) const
{
    if (from >= to)
        return;
    if (to - from == 1 && cps.cp(from) < 128) { // one ASCII character (mostly punctuation split off): a table
        pushAsciiChar(base, cps.offset(from), out);
        return;
    }
    // the offset after the last code point is the chunk's end
    const uint32_t b0 = cps.offset(from);
    const uint32_t b1 = cps.offset(to);
    if constexpr (Cps::kAscii) {
        // up to 16 ASCII bytes: the flags from one 16-byte load's masks, as splitWhitespace makes an ASCII word
        const auto* start = reinterpret_cast<const unsigned char*>(base) + b0;
        const auto* end = reinterpret_cast<const unsigned char*>(m_end);
        if (b1 - b0 <= 16 && end - start >= 16) {
            const uint32_t len = b1 - b0, wm = (1u << len) - 1;
            const bytescan::V16 x = bytescan::load16(start);
            const AsciiMasks m = asciiMasks(x);
            Token t;
            makeAsciiWord(reinterpret_cast<const unsigned char*>(base), start, len, x, m.alpha & wm, m.alnum & wm,
                          m.hash & wm, t);
            t.flags &= uint8_t(~kWhitespaceOnlyFlags);
            out.push_back(t);
            return;
        }
    }
    FlagAccumulator acc;
    for (size_t k = from; k < to; ++k)
        acc.add(cps.cp(k), cps.cls(k));
    Token t;
    t.offset = b0;
    t.bytes = b1 - b0;
    t.chars = acc.chars;
    t.flags = acc.finish();
    setHashAndStop(base + b0, t.bytes, m_end, t);
    out.push_back(t);
}

template<typename Cps>
bool SpacyLikeSplitter::splitFinalDot(const Cps& cps, size_t i, size_t j) const
{
    // the '.' is code point j - 1; the rest of the core is [i, j - 1)
    if (j - 1 <= i)
        return false; // the '.' alone
    const size_t n = j - 1 - i;
    for (size_t k = i; k < j - 1; ++k)
        if (cps.cp(k) == '.')
            return false;
    const char32_t prev = cps.cp(j - 2);
    if (n == 1 && (cps.cls(i) & uc::Alpha))
        return false;
    if (n <= 6) {
        char buf[8];
        bool ascii = true;
        for (size_t k = 0; k < n; ++k) {
            if (cps.cp(i + k) >= 128)
                ascii = false;
            buf[k] = char(cps.cp(i + k));
        }
        if (ascii
            && isAbbreviation(std::string_view(buf, n)))
            return false;
    }
    if (isAsciiUpper(prev))
        return n >= 2 && isAsciiUpper(cps.cp(j - 3));
    return true; // digits, lower-case and non-ASCII letters, %, -, +, punctuation, symbols
}

template<typename Cps>
void SpacyLikeSplitter::splitInfixes(const char* base, const Cps& cps, size_t i, size_t j, std::vector<Token>& out)
{
    if (i >= j)
        return;
    // URLs and e-mail addresses stay whole. Most chunks hold neither '@' nor ':' (16 bytes at a time).
    bool maybeUrl = false;
    {
        using namespace bytescan;
        const char* p = base + cps.offset(i);
        const char* const q = base + cps.offset(j); // j is a code point or the chunk's end
        auto hits = [](V16 x) { return movemask(mask((x == splat('@')) | (x == splat(':')))); };
        for (; q - p >= 16 && !maybeUrl; p += 16)
            maybeUrl = hits(load16(p)) != 0;
        if (!maybeUrl && p < q) {
            if (m_end - p >= 16) {
                maybeUrl = (hits(load16(p)) & ((1u << (q - p)) - 1)) != 0;
            } else {
                for (; p < q; ++p)
                    maybeUrl = maybeUrl || *p == '@' || *p == ':';
            }
        }
    }
    for (size_t k = i; maybeUrl && k < j; ++k) {
        const char32_t c = cps.cp(k);
        if (c == '@' || (c == ':' && k + 2 < j && cps.cp(k + 1) == '/' && cps.cp(k + 2) == '/')) {
            emit(base, cps, i, j, out);
            return;
        }
    }
    if (j - i > 4 && (cps.cp(i) | 0x20) == 'w' && (cps.cp(i + 1) | 0x20) == 'w' && (cps.cp(i + 2) | 0x20) == 'w'
        && cps.cp(i + 3) == '.') {
        emit(base, cps, i, j, out);
        return;
    }
    auto alpha = [&](size_t k) { return k >= i && k < j && (cps.cls(k) & uc::Alpha); };
    auto digit = [&](size_t k) { return k >= i && k < j && isAsciiDigit(cps.cp(k)); };
    // The end of the infix that starts at code point k (c), or k if none does.
    auto infixEnd = [&](size_t k, char32_t c) {
        size_t m = k; // the infix is [k, m) when m > k
        if (c == '.' && k + 1 < j && cps.cp(k + 1) == '.') {
            m = k + 2;
            while (m < j && cps.cp(m) == '.')
                ++m;
        } else if (c == 0x2026) {
            m = k + 1;
        } else if (k > i) {
            const char32_t next = k + 1 < j ? cps.cp(k + 1) : 0;
            if ((c == '+' || c == '-' || c == '*' || c == '^') && digit(k - 1) && (isAsciiDigit(next) || next == '-')) {
                m = k + 1;
            } else if (isHyphen(c) && (alpha(k - 1) || digit(k - 1))) {
                size_t r = k;
                while (r < j && isHyphen(cps.cp(r)))
                    ++r;
                if (alpha(r))
                    m = r;
            } else if (c == ',' && alpha(k - 1) && alpha(k + 1)) {
                m = k + 1;
            } else if ((c == ':' || c == '<' || c == '>' || c == '=' || c == '/') && (alpha(k - 1) || digit(k - 1))
                       && alpha(k + 1)) {
                m = k + 1;
            } else if (c == '.' && isAsciiLower(cps.cp(k - 1)) && isAsciiUpper(next)) {
                m = k + 1;
            }
        }
        if (m == k && c >= 128 && (cps.cls(k) & uc::Symbol))
            m = k + 1;
        return m;
    };
    size_t seg = i;
    size_t k = i;
    if constexpr (Cps::kAscii) {
        // An ASCII chunk: the bytes that can start an infix from one mask per 16 bytes, visited in order (no
        // test and branch per byte). Positions inside an infix already split off are passed over.
        const auto* p = reinterpret_cast<const unsigned char*>(base) + cps.offset(0);
        if (m_end - reinterpret_cast<const char*>(p + j) >= 16) { // every block below is readable
            using namespace bytescan;
            for (size_t block = i; block < j; block += 16) {
                const V16 x = load16(p + block);
                uint32_t starts = movemask(mask(V16(x - splat(0x2A)) < splat(6)) // * + , - . /
                                           | mask(V16(x - splat(0x3C)) < splat(3)) // < = >
                                           | mask((x == splat(':')) | (x == splat('^')) | (x == splat('~'))));
                if (j - block < 16)
                    starts &= (1u << (j - block)) - 1;
                for (; starts; starts &= starts - 1) {
                    const size_t at = block + size_t(__builtin_ctz(starts));
                    if (at < k)
                        continue;
                    if (const size_t m = infixEnd(at, cps.cp(at)); m > at) {
                        emit(base, cps, seg, at, out);
                        emit(base, cps, at, m, out);
                        seg = k = m;
                    }
                }
            }
            emit(base, cps, seg, j, out);
            return;
        }
    }
    while (k < j) {
        const char32_t c = cps.cp(k);
        // most code points (letters, digits) start no infix: one table test
        if (c < 128 ? !kInfixStartAscii[c] : (c != 0x2026 && !isHyphen(c) && !(cps.cls(k) & uc::Symbol))) {
            ++k;
            continue;
        }
        if (const size_t m = infixEnd(k, c); m > k) {
            emit(base, cps, seg, k, out);
            emit(base, cps, k, m, out);
            seg = k = m;
        } else {
            ++k;
        }
    }
    emit(base, cps, seg, j, out);
}

void SpacyLikeSplitter::splitChunk(const char* base, uint32_t begin, uint32_t end, bool ascii, std::vector<Token>& out)
{
    if (ascii) { // code points are the bytes: nothing to decode
        splitCodePoints(base, AsciiCps{reinterpret_cast<const unsigned char*>(base), begin}, end - begin, out);
        return;
    }
    // at most one code point per byte, and the sentinel; only ever grown, so written in place
    if (m_cps.size() < size_t(end - begin) + 1)
        m_cps.resize(size_t(end - begin) + 1);
    Cp* const cps = m_cps.data();
    const auto* p = reinterpret_cast<const unsigned char*>(base) + begin;
    const auto* e = reinterpret_cast<const unsigned char*>(base) + end;
    size_t count = 0;
    while (p < e) {
        char32_t cp;
        const int n = uc::decodeUtf8(p, e, cp);
        cps[count++] = {cp, uint32_t(p - reinterpret_cast<const unsigned char*>(base)), uc::classOf(cp)};
        p += n;
    }
    cps[count] = {0, end, 0}; // sentinel
    splitCodePoints(base, DecodedCps{cps}, count, out);
}

template<typename Cps>
void SpacyLikeSplitter::splitCodePoints(const char* base, const Cps& cps, size_t count, std::vector<Token>& out)
{
    auto isAffix = [&](size_t k) { return cps.cp(k) >= 128 && (cps.cls(k) & (uc::Punct | uc::Symbol)); };

    // a. prefixes
    size_t i = 0, j = count;
    while (i < j) {
        const char32_t c = cps.cp(i);
        if (c == '.' && i + 1 < j && cps.cp(i + 1) == '.') {
            size_t r = i + 2;
            while (r < j && cps.cp(r) == '.')
                ++r;
            emit(base, cps, i, r, out);
            i = r;
        } else if (isPrefixAscii(c) || (c == '+' && !(i + 1 < j && isAsciiDigit(cps.cp(i + 1))))
                   || isAffix(i)) {
            emit(base, cps, i, i + 1, out);
            ++i;
        } else {
            break;
        }
    }
    // b. suffixes, collected back to front
    m_suffixes.clear();
    while (j > i) {
        const char32_t c = cps.cp(j - 1);
        const char32_t prev = j - 1 > i ? cps.cp(j - 2) : 0;
        if (c == '.') {
            if (prev == '.') {
                size_t r = j - 2;
                while (r > i && cps.cp(r - 1) == '.')
                    --r;
                m_suffixes.emplace_back(r, j);
                j = r;
                continue;
            }
            if (!splitFinalDot(cps, i, j))
                break;
            m_suffixes.emplace_back(j - 1, j);
            --j;
        } else if ((c == 's' || c == 'S') && j - 2 > i && isApostrophe(prev)) {
            m_suffixes.emplace_back(j - 2, j);
            j -= 2;
        } else if (isSuffixAscii(c) || ((c == '$' || c == '%' || c == '+') && isAsciiDigit(prev))
                   || isAffix(j - 1)) {
            m_suffixes.emplace_back(j - 1, j);
            --j;
        } else {
            break;
        }
    }
    // c. contraction clitics after a stem of letters
    if (j - i >= 3) {
        auto lower = [&](size_t k) { return cps.cp(k) < 128 ? (cps.cp(k) | 0x20) : cps.cp(k); };
        size_t clitic = 0;
        const char32_t l1 = lower(j - 1), l2 = lower(j - 2);
        if (l1 == 't' && isApostrophe(cps.cp(j - 2)) && lower(j - 3) == 'n' && j - i >= 4)
            clitic = 3; // n't
        else if ((l1 == 'm' || l1 == 'd') && isApostrophe(cps.cp(j - 2)))
            clitic = 2;
        else if (((l1 == 'e' && (l2 == 'r' || l2 == 'v')) || (l1 == 'l' && l2 == 'l')) && isApostrophe(cps.cp(j - 3))
                 && j - i >= 4)
            clitic = 3;
        if (clitic) {
            bool stem = true;
            for (size_t k = i; k < j - clitic; ++k)
                stem = stem && (cps.cls(k) & uc::Alpha);
            if (stem && j - clitic > i) {
                m_suffixes.emplace_back(j - clitic, j);
                j -= clitic;
            }
        }
    }
    // d. infixes
    splitInfixes(base, cps, i, j, out);
    for (auto it = m_suffixes.rbegin(); it != m_suffixes.rend(); ++it)
        emit(base, cps, it->first, it->second, out);
}

uint64_t* WordStarts::prepare(size_t textSize)
{
    const size_t blocks = (textSize + 63) / 64;
    m_bits.resize(blocks + 3); // bitsAt() reads up to two words past a range that ends at textSize
    std::fill(m_bits.begin() + std::ptrdiff_t(blocks), m_bits.end(), 0);
    return m_bits.data();
}

namespace {
// The low k bits set, k in [0, 64].
inline uint64_t lowBits(size_t k)
{
    return k ? ~uint64_t(0) >> (64 - k) : 0;
}
} // namespace

bool WordStarts::atLeast3(uint32_t from, uint32_t to) const
{
    using bytescan::popcount64;
    const size_t len = to - from;
    const size_t lo = std::min<size_t>(len, 64), hi = len > 64 ? std::min<size_t>(len - 64, 64) : 0;
    unsigned count = popcount64(bitsAt(from) & lowBits(lo)) + popcount64(bitsAt(size_t(from) + 64) & lowBits(hi));
    // a line longer than 128 bytes with fewer than 3 words in its first 128 (rare): the rest, 64 bits at a time
    for (size_t at = size_t(from) + 128; count < 3 && at < to; at += 64)
        count += popcount64(bitsAt(at) & lowBits(std::min<size_t>(to - at, 64)));
    return count >= 3;
}

void lowerForAsciiMatch(std::string_view s, std::string& out)
{
    out.resize(s.size());
    size_t o = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        const unsigned char b = static_cast<unsigned char>(s[i]);
        if (b >= 'A' && b <= 'Z') {
            out[o++] = char(b | 0x20);
        } else if (b == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x84
                   && static_cast<unsigned char>(s[i + 2]) == 0xAA) {
            out[o++] = 'k';
            i += 2;
        } else {
            out[o++] = char(b);
        }
    }
    out.resize(o);
}

namespace {
// Which text a per-thread cache holds: the same bytes at the same address (the scorers of one
// document share the cached split; a new document, even at a reused address, differs in hash or in
// DocumentScope serial number).
struct CachedText {
    const char* data = nullptr;
    size_t size = 0;
    uint64_t hash = 0;
    uint64_t serial = 0; // the DocumentScope it was computed in, 0 if none (then hash is set)
    bool valid = false;
    // True when `text` is the cached one; otherwise remembers it and returns false. Inside a
    // DocumentScope for this text the scope's serial number decides, without hashing.
    bool holds(std::string_view text)
    {
        if (const uint64_t s = DocumentScope::serialOf(text)) {
            if (valid && serial == s)
                return true;
            remember(text, 0, s);
            return false;
        }
        const uint64_t h = XXH3_64bits(text.data(), text.size());
        if (valid && serial == 0 && data == text.data() && size == text.size() && hash == h)
            return true;
        remember(text, h, 0);
        return false;
    }
    void remember(std::string_view text, uint64_t h, uint64_t s)
    {
        data = text.data();
        size = text.size();
        hash = h;
        serial = s;
        valid = true;
    }
};

struct WordCache {
    CachedText key;
    std::vector<Token> words;
    WordStarts starts;
};

WordCache& wordCache(std::string_view text)
{
    thread_local WordCache cache;
    if (!cache.key.holds(text)) {
        releaseIfLarger(cache.words, kKeepScratchBytes); // a huge text's, not kept for the next texts
        splitWhitespace(text, cache.words, &cache.starts);
    }
    return cache;
}

struct TokenCache {
    CachedText key;
    SpacyLikeSplitter splitter;
    std::vector<Token> tokens;
};

struct StrippedLineCache {
    CachedText key;
    std::vector<StrippedLine> lines;
};

struct LineCache {
    CachedText key;
    std::vector<SplitLine> lines;
    CountTable seen;
};
} // namespace

const std::vector<Token>& whitespaceWords(std::string_view text)
{
    return wordCache(text).words;
}

const WordStarts& wordStarts(std::string_view text)
{
    return wordCache(text).starts;
}

const std::vector<Token>& spacyLikeTokens(std::string_view text)
{
    thread_local TokenCache cache;
    if (!cache.key.holds(text)) {
        releaseIfLarger(cache.tokens, kKeepScratchBytes); // a huge text's, not kept for the next texts
        cache.splitter.splitWords(text, whitespaceWords(text), cache.tokens);
    }
    return cache.tokens;
}

namespace {
// len(line) - len(line.lstrip()). From one 16-byte mask when that much of the text is readable and the first
// byte that is no ASCII whitespace is ASCII (or the line ends first); otherwise code point by code point.
inline uint32_t leadingSpace(std::string_view line, const char* textEnd)
{
    if (textEnd - line.data() >= 16) {
        using namespace bytescan;
        const auto* p = reinterpret_cast<const unsigned char*>(line.data());
        const size_t size = line.size();
        // bytes that are not ASCII whitespace, and every lane at or past the line's end
        const uint32_t stop = (~movemask(asciiSpaceMask(load16(p))) | (0xFFFFu << (size < 16 ? size : 16))) & 0xFFFF;
        if (stop) {
            const uint32_t k = uint32_t(__builtin_ctz(stop));
            if ((k >= size) | (p[k] < 0x80)) // the line ends, or an ASCII byte that is no space: not a space
                return k < size ? k : uint32_t(size);
        }
    }
    return uint32_t(line.size() - uc::pyLStrip(line).size());
}
} // namespace

const std::vector<StrippedLine>& splitLines(std::string_view text)
{
    thread_local StrippedLineCache cache;
    if (cache.key.holds(text))
        return cache.lines;
    cache.lines.clear();
    releaseIfLarger(cache.lines, kKeepScratchBytes); // a huge text's, not kept for the next texts
    if (text.size() > kMaxTokenisedText)
        return cache.lines;
    forEachSplitline(text, [&](std::string_view line) {
        StrippedLine l;
        l.offset = uint32_t(line.data() - text.data());
        l.bytes = uint32_t(line.size());
        l.lead = leadingSpace(line, text.data() + text.size());
        l.kept = uint32_t(uc::pyRStrip(line).size());
        cache.lines.push_back(l);
    });
    return cache.lines;
}

const std::vector<SplitLine>& newlinePieces(std::string_view text)
{
    thread_local LineCache cache;
    if (cache.key.holds(text))
        return cache.lines;
    cache.lines.clear();
    releaseIfLarger(cache.lines, kKeepScratchBytes); // a huge text's, not kept for the next texts
    cache.seen.reset(text.size() / 32 + 8);
    // One pass, 16 bytes at a time: the '\n's end the pieces, and the UTF-8 continuation bytes counted so far
    // give each piece's code points (its bytes minus its continuation bytes).
    const auto* t = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    size_t start = 0, contBefore = 0, cont = 0; // continuation bytes before `start`, before block i
    auto piece = [&](size_t end, size_t contAtEnd) {
        SplitLine l;
        l.offset = uint32_t(start);
        l.bytes = uint32_t(end - start);
        l.chars = uint32_t((end - start) - (contAtEnd - contBefore));
        const uint32_t index = uint32_t(cache.lines.size());
        l.first = cache.seen.add(XXH3_64bits(t + start, end - start), index).first;
        cache.lines.push_back(l);
        start = end + 1;
        contBefore = contAtEnd;
    };
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        using namespace bytescan;
        const V16 x = load16(t + i);
        const uint32_t contMask = movemask(mask((x & splat(0xC0)) == splat(0x80)));
        for (uint32_t nl = movemask(mask(x == splat('\n'))); nl; nl &= nl - 1) {
            const uint32_t k = uint32_t(__builtin_ctz(nl));
            piece(i + k, cont + popcount16(contMask & ((1u << k) - 1)));
        }
        cont += popcount16(contMask);
    }
    for (; i < n; ++i) {
        if (t[i] == '\n')
            piece(i, cont);
        cont += (t[i] & 0xC0) == 0x80;
    }
    piece(n, cont);
    cache.seen.releaseIfLarger(kKeepScratchBytes); // only needed while the pieces are found
    return cache.lines;
}

} // namespace shardscope
