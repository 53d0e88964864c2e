#include "scorers/c4.h"

#include "scorers/bytescan.h"
#include "scorers/specscorer.h"
#include "scorers/textsplit.h"
#include "scorers/unicodeclass.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>

namespace shardscope {
namespace {

const ColumnSpec kC4Columns[] = {
    {"c4_line_count", "number of lines of str.splitlines(); 0 for empty text; datatrove C4QualityFilter"},
    {"c4_dropped_line_frac",
     "lines removed by the C4 line rules (too long word, no terminal punctuation, < 3 words, javascript, policy) "
     "/ lines; kMissing without lines; datatrove C4QualityFilter"},
    {"c4_too_long_word_line_frac",
     "lines with a whitespace word of more than 1000 code points / lines; kMissing without lines; datatrove "
     "dialect (C4: line dropped)"},
    {"c4_no_terminal_punct_line_frac",
     "remaining lines that after citation removal do not end with . ? ! \" ' or end with '...' / lines; kMissing "
     "without lines; datatrove dialect (C4: line dropped)"},
    {"c4_too_few_words_line_frac",
     "remaining lines with fewer than 3 whitespace words / lines; kMissing without lines; datatrove dialect "
     "(C4: line dropped)"},
    {"c4_javascript_line_frac",
     "remaining lines containing 'javascript' (case-insensitive) / lines; kMissing without lines; datatrove "
     "dialect (C4: line dropped)"},
    {"c4_policy_line_frac",
     "remaining lines containing terms of use / privacy policy / cookie policy / uses cookies / use of cookies / "
     "use cookies (case-insensitive) / lines; kMissing without lines; datatrove dialect (C4: line dropped)"},
    {"c4_lorem_ipsum",
     "1 if a line reaching the lorem-ipsum rule contains 'lorem ipsum' (case-insensitive), else 0; datatrove "
     "dialect (C4: drop if 1)"},
    {"c4_curly_bracket",
     "1 if a line reaching the curly-bracket rule (after the javascript rule) contains '{', else 0; datatrove "
     "dialect (C4: drop if 1)"},
    {"c4_sentence_count",
     "sentences in the kept lines (spaCy sentencizer rule over SpacyLike tokens); datatrove dialect "
     "(C4: keep >= 5)"},
};

const ColumnSpec kDolmaC4Columns[] = {
    {"c4_dolma_no_punct_line_frac",
     "lines of text.split('\\n') whose lower().strip() does not end with . ? ! or \" / lines; empty text 1; Dolma "
     "c4_v1 (C4: line dropped)"},
    {"c4_dolma_few_words_line_frac",
     "lines of text.split('\\n') with fewer than 3 whitespace words / lines; empty text 1; Dolma c4_v1 "
     "(C4: line dropped)"},
    {"c4_dolma_javascript",
     "1 if some whitespace word, lower-cased, equals 'javascript', else 0; Dolma c4_v1 has_javascript"},
    {"c4_dolma_lorem_ipsum",
     "1 if some lower-cased line contains 'lorem ipsum', else 0; Dolma c4_v1 (C4: drop if 1)"},
    {"c4_dolma_curly_brace", "1 if the text contains '{', else 0; Dolma c4_v1 (C4: drop if 1)"},
};

bool contains(std::string_view s, std::string_view what)
{
    return s.find(what) != std::string_view::npos;
}

// `lowerNeedle` (ASCII, starting with a letter) in Python's s.lower(), for s without U+212A KELVIN SIGN
// (see lowerForAsciiMatch for why no other non-ASCII code point matters).
size_t findFolded(std::string_view s, std::string_view lowerNeedle)
{
    if (s.size() < lowerNeedle.size())
        return std::string_view::npos;
    const char first = lowerNeedle[0];
    const size_t last = s.size() - lowerNeedle.size();
    const bytescan::V16 firstV = bytescan::splat(static_cast<unsigned char>(first));
    for (size_t i = 0; i <= last; ++i) {
        // skip 16-byte blocks without a byte b with (b | 0x20) == first, the test below
        while (last - i >= 16
               && !bytescan::any(bytescan::mask((bytescan::load16(s.data() + i) | bytescan::splat(0x20)) == firstV)))
            i += 16;
        if ((s[i] | 0x20) != first)
            continue;
        size_t k = 1;
        while (k < lowerNeedle.size()) {
            const char c = s[i + k];
            const char lc = (c >= 'A' && c <= 'Z') ? char(c | 0x20) : c;
            if (lc != lowerNeedle[k])
                break;
            ++k;
        }
        if (k == lowerNeedle.size())
            return i;
    }
    return std::string_view::npos;
}


constexpr std::string_view kKelvin = "\xE2\x84\xAA";

// Does folded-ASCII `lowerNeedle` occur in hay at byte `at` (which may be out of range)?
inline bool foldedAt(std::string_view hay, ptrdiff_t at, std::string_view lowerNeedle)
{
    if (at < 0 || size_t(at) + lowerNeedle.size() > hay.size())
        return false;
    for (size_t k = 0; k < lowerNeedle.size(); ++k) {
        const char c = hay[size_t(at) + k];
        const char lc = (c >= 'A' && c <= 'Z') ? char(c | 0x20) : c;
        if (lc != lowerNeedle[k])
            return false;
    }
    return true;
}

enum PatternBit : unsigned { kLorem = 1, kJavascript = 2, kPolicyAny = 4 };

// The exact test at one position: which patterns start (or, for the cookie phrases, have their "cookie") at i.
inline unsigned patternsAt(std::string_view hay, ptrdiff_t i, unsigned want)
{
    unsigned found = 0;
    if ((want & kLorem) && foldedAt(hay, i, "lorem ipsum"))
        found |= kLorem;
    if ((want & kJavascript) && foldedAt(hay, i, "javascript"))
        found |= kJavascript;
    if ((want & kPolicyAny)
        && (foldedAt(hay, i, "privacy policy") || foldedAt(hay, i, "terms of use")
            || (foldedAt(hay, i, "cookie")
                && (foldedAt(hay, i, "cookie policy") || foldedAt(hay, i - 5, "uses cookies")
                    || foldedAt(hay, i - 7, "use of cookies") || foldedAt(hay, i - 4, "use cookies")))))
        found |= kPolicyAny;
    return found;
}

// For 16 consecutive positions starting at p: could one of the wanted patterns start there? Each pattern
// (and "cookie", which the four cookie phrases contain) is screened by its letters at offsets 0, 2 and 4,
// compared case-folded (x | 0x20 equals a lower-case letter exactly for that letter in either case), so a
// false answer is exact and a true one is checked position by position with patternsAt(). Three loads serve
// every pattern (about 1% of 16-byte blocks of English text pass). Reads p[0, 20).
template<unsigned Want>
inline bool maybePatterns(const unsigned char* p)
{
    using namespace bytescan;
    const V16 x0 = load16(p) | splat(0x20), x2 = load16(p + 2) | splat(0x20), x4 = load16(p + 4) | splat(0x20);
    auto is = [](V16 x, char c) { return mask(x == splat(uint8_t(c))); };
    V16 hit{};
    if constexpr ((Want & kLorem) != 0)
        hit |= is(x0, 'l') & is(x2, 'r') & is(x4, 'm'); // lorem ipsum
    if constexpr ((Want & kJavascript) != 0)
        hit |= is(x0, 'j') & is(x2, 'v') & is(x4, 's'); // javascript
    if constexpr ((Want & kPolicyAny) != 0) {
        hit |= is(x0, 'p') & is(x2, 'i') & is(x4, 'a'); // privacy policy
        hit |= is(x0, 't') & is(x2, 'r') & is(x4, 's'); // terms of use
        hit |= is(x0, 'c') & is(x2, 'o') & is(x4, 'i'); // cookie
    }
    return any(hit);
}

// One pass over hay for C4's case-insensitive substring rules (Python: pattern in line.lower()), the
// patterns in `Want` only. Screens 16 positions at a time (see maybePatterns); the last positions are
// screened in a zero-padded copy (a zero byte matches no letter).
template<unsigned Want = kLorem | kJavascript | kPolicyAny>
unsigned findC4Patterns(std::string_view hay)
{
    unsigned found = 0;
    const auto* b = reinterpret_cast<const unsigned char*>(hay.data());
    const size_t n = hay.size();
    if (n < 6)
        return 0; // every pattern is longer
    auto checkBlock = [&](size_t from) {
        for (size_t k = from; k < from + 16 && k < n; ++k)
            found |= patternsAt(hay, ptrdiff_t(k), Want);
    };
    size_t q = 0;
    for (; q + 20 <= n; q += 16) {
        if (maybePatterns<Want>(b + q)) {
            checkBlock(q);
            if (found == Want)
                return found;
        }
    }
    // positions q..n-1: at most 19 of them
    alignas(16) unsigned char tail[48] = {};
    std::memcpy(tail, b + q, n - q);
    for (size_t t = 0; q + t < n; t += 16)
        if (maybePatterns<Want>(tail + t))
            checkBlock(q + t);
    return found;
}

// re.sub(r"\[\d*]|\[edit]|\[citation needed]", "", line); returns line itself when nothing matches.
std::string_view removeCitations(std::string_view line, std::string& buf)
{
    size_t at = line.find('[');
    if (at == std::string_view::npos)
        return line;
    buf.clear();
    size_t copied = 0;
    while (at != std::string_view::npos) {
        size_t matchEnd = 0;
        // \[\d*]
        {
            const auto* p = reinterpret_cast<const unsigned char*>(line.data()) + at + 1;
            const auto* end = reinterpret_cast<const unsigned char*>(line.data()) + line.size();
            while (p < end) {
                char32_t cp;
                const int n = uc::decodeUtf8(p, end, cp);
                if (!(uc::classOf(cp) & uc::Digit))
                    break;
                p += n;
            }
            if (p < end && *p == ']')
                matchEnd = size_t(p + 1 - reinterpret_cast<const unsigned char*>(line.data()));
        }
        if (!matchEnd) {
            const std::string_view rest = line.substr(at);
            if (rest.starts_with("[edit]"))
                matchEnd = at + 6;
            else if (rest.starts_with("[citation needed]"))
                matchEnd = at + 17;
        }
        if (matchEnd) {
            buf.append(line.substr(copied, at - copied));
            copied = matchEnd;
            at = line.find('[', matchEnd);
        } else {
            at = line.find('[', at + 1);
        }
    }
    if (copied == 0)
        return line;
    buf.append(line.substr(copied));
    return buf;
}

// spaCy Sentencizer.predict over the tokens from `at` on while inside(token) holds: the number of sentence
// starts. Leaves `at` at the first token outside (one walk finds a line's tokens and counts them).
template<typename Inside>
size_t sentenceCount(const Token* tokens, size_t size, size_t& at, Inside&& inside)
{
    if (at == size || !inside(tokens[at]))
        return 0;
    size_t sentences = 1;
    bool seenPeriod = false;
    for (; at < size && inside(tokens[at]); ++at) {
        const Token& t = tokens[at];
        const bool inPunctChars = t.flags & TokSentEnd;
        if (seenPeriod && !(t.flags & TokPunctOnly) && !inPunctChars) {
            ++sentences;
            seenPeriod = false;
        } else if (inPunctChars) {
            seenPeriod = true;
        }
    }
    return sentences;
}

// Counts whitespace words of s and tells whether one is longer than maxChars code points.
void scanWords(std::string_view s, size_t maxChars, size_t& words, bool& tooLong)
{
    words = 0;
    tooLong = false;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        p = uc::skipPySpace(p, end);
        if (p == end)
            break;
        ++words;
        size_t chars = 0;
        while (p < end && !uc::pySpaceAt(p, end)) {
            chars += (*p & 0xC0) != 0x80;
            ++p;
        }
        tooLong = tooLong || chars > maxChars;
    }
}

// min(len(s.split()), 3). Blocks of 16 bytes count word starts (a non-space byte after a space or at the
// start) from their ASCII whitespace masks when no byte of theirs starts a non-ASCII whitespace code point
// (those all start with C2, E1, E2 or E3, and each such byte is tested); other bytes go one code point at a
// time with the exact Python test.
size_t countWordsUpTo3(std::string_view s)
{
    size_t words = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    uint32_t prevSpace = 1; // the byte before p was whitespace (or p is the start)
    while (p < end && words < 3) {
        if (end - p >= 16) {
            using namespace bytescan;
            const V16 x = load16(p);
            bool masks = true;
            if (movemask(x) != 0) {
                const V16 spaceLead = mask(x == splat(0xC2)) | mask(x == splat(0xE1)) | mask(x == splat(0xE2))
                    | mask(x == splat(0xE3));
                for (uint32_t m = movemask(spaceLead); m && masks; m &= m - 1)
                    masks = uc::pySpaceAt(p + __builtin_ctz(m), end) == 0;
            }
            if (masks) {
                const uint32_t sp = movemask(asciiSpaceMask(x));
                const uint32_t starts = ~sp & ((sp << 1) | prevSpace) & 0xFFFF;
                words += size_t(popcount16(starts));
                prevSpace = sp >> 15;
                p += 16;
                continue;
            }
        }
        const int n = uc::pySpaceAt(p, end);
        if (n > 0) {
            prevSpace = 1;
            p += n;
        } else {
            words += prevSpace;
            prevSpace = 0;
            ++p;
        }
    }
    return words < 3 ? words : 3;
}

// The last byte of s (0 for an empty s), and by one table lookup (not a chain of compares and branches)
// whether it is terminal punctuation: . ? ! " ' for datatrove's C4 (kC4Terminal), the same without ' for
// Dolma's (kDolmaTerminal).
inline unsigned char lastByte(std::string_view s)
{
    return s.empty() ? 0 : static_cast<unsigned char>(s.back());
}
constexpr auto kTerminalBits = [] {
    std::array<uint8_t, 256> t{};
    for (const unsigned char c : {'.', '?', '!', '"'})
        t[c] = 3;
    t['\''] = 1;
    return t;
}();
constexpr uint8_t kC4Terminal = 1, kDolmaTerminal = 2;

class C4Worker final : public ScorerWorker {
public:
    void score(std::string_view text, float* out) override
    {
        size_t lines = 0, tooLong = 0, noPunct = 0, fewWords = 0, javascript = 0, policy = 0, kept = 0;
        size_t sentences = 0;
        bool lorem = false, curly = false;
        // Sentences of kept lines come from the text's SpacyLike tokens (shared with the other scorers)
        // where the line is a piece of the text; a line changed by citation removal is tokenised anew.
        const bool tokenised = text.size() <= kMaxTokenisedText;
        const std::vector<Token>* textTokens = tokenised ? &spacyLikeTokens(text) : nullptr;
        const WordStarts* wordBits = tokenised ? &wordStarts(text) : nullptr; // the words of a line, counted
        const std::vector<Token>* textWords = tokenised ? &whitespaceWords(text) : nullptr;
        size_t wordCursor = 0;
        size_t cursor = 0;
        const bool kelvin = contains(text, kKelvin);
        // Once per text, not per line: most texts hold no '[' (no citation to remove) and no '{'.
        const bool brackets = text.find('[') != std::string_view::npos;
        const bool braces = text.find('{') != std::string_view::npos;
        auto visit = [&](std::string_view stripped) { // a line of splitlines(), strip()ped
            ++lines;
            size_t words = 0;
            bool longWord = false;
            const bool scanned = stripped.size() > 1000; // only then can a word have > 1000 code points
            if (scanned && textWords) {
                // the text's whitespace words that start in the line (lines come in order: one cursor)
                const auto from = uint32_t(stripped.data() - text.data()), to = from + uint32_t(stripped.size());
                const std::vector<Token>& ws = *textWords;
                while (wordCursor < ws.size() && ws[wordCursor].offset < from)
                    ++wordCursor;
                for (; wordCursor < ws.size() && ws[wordCursor].offset < to; ++wordCursor) {
                    ++words;
                    longWord = longWord || ws[wordCursor].chars > 1000;
                }
            } else if (scanned) {
                scanWords(stripped, 1000, words, longWord);
            }
            if (longWord) {
                ++tooLong;
                return;
            }
            const std::string_view line = brackets ? removeCitations(stripped, m_citationBuf) : stripped;
            const bool terminal = kTerminalBits[lastByte(line)] & kC4Terminal;
            if (!terminal || line.ends_with("...")) {
                ++noPunct;
                return;
            }
            bool few = words < 3;
            if (!scanned) { // only lines that reach this rule need it
                if (wordBits) {
                    const auto from = uint32_t(stripped.data() - text.data());
                    few = !wordBits->atLeast3(from, from + uint32_t(stripped.size()));
                } else {
                    few = countWordsUpTo3(stripped) < 3;
                }
            }
            if (few) {
                ++fewWords;
                return;
            }
            std::string_view hay = line;
            if (kelvin) {
                lowerForAsciiMatch(line, m_lower);
                hay = m_lower;
            }
            const unsigned found = findC4Patterns(hay);
            lorem = lorem || (found & kLorem);
            if (found & kJavascript) {
                ++javascript;
                return;
            }
            curly = curly || (braces && contains(line, "{"));
            if (found & kPolicyAny) {
                ++policy;
                return;
            }
            ++kept;
            if (!tokenised)
                return;
            if (line.data() >= text.data() && line.data() + line.size() <= text.data() + text.size()) {
                const size_t from = size_t(line.data() - text.data()), to = from + line.size();
                const Token* const all = textTokens->data();
                const size_t size = textTokens->size();
                // past the tokens of the lines before (of dropped lines too): eight at a time, then one
                while (cursor + 8 < size && all[cursor + 8].offset < from)
                    cursor += 8;
                while (cursor < size && all[cursor].offset < from)
                    ++cursor;
                sentences += sentenceCount(all, size, cursor, [to](const Token& t) { return t.offset < to; });
            } else {
                m_splitter.split(line, m_tokens);
                size_t at = 0;
                sentences += sentenceCount(m_tokens.data(), m_tokens.size(), at, [](const Token&) { return true; });
            }
        };
        if (tokenised) {
            for (const StrippedLine& l : splitLines(text)) // shared with gopher_quality
                visit(l.stripped(text));
        } else {
            forEachSplitline(text, [&](std::string_view raw) { visit(uc::pyStrip(raw)); });
        }
        const double n = double(lines);
        auto frac = [&](size_t k) { return lines ? float(double(k) / n) : kMissing; };
        out[0] = float(lines);
        out[1] = frac(lines - kept);
        out[2] = frac(tooLong);
        out[3] = frac(noPunct);
        out[4] = frac(fewWords);
        out[5] = frac(javascript);
        out[6] = frac(policy);
        out[7] = lorem ? 1.0f : 0.0f;
        out[8] = curly ? 1.0f : 0.0f;
        out[9] = float(sentences);
    }

private:
    std::string m_citationBuf;
    std::string m_lower;
    SpacyLikeSplitter m_splitter;
    std::vector<Token> m_tokens;
};

class DolmaC4Worker final : public ScorerWorker {
public:
    void score(std::string_view text, float* out) override
    {
        size_t lines = 0, noPunct = 0, fewWords = 0;
        // lower() changes none of the characters looked at here
        auto terminal = [](std::string_view line) {
            return (kTerminalBits[lastByte(line)] & kDolmaTerminal) != 0;
        };
        if (text.size() <= kMaxTokenisedText) {
            const WordStarts& words = wordStarts(text); // shared with c4
            for (const SplitLine& p : newlinePieces(text)) { // shared with the other scorers
                ++lines;
                noPunct += !terminal(uc::pyStrip(text.substr(p.offset, p.bytes)));
                fewWords += !words.atLeast3(p.offset, p.offset + p.bytes);
            }
        } else {
            forEachSplit(text, '\n', [&](std::string_view raw) {
                ++lines;
                const std::string_view line = uc::pyStrip(raw);
                noPunct += !terminal(line);
                fewWords += countWordsUpTo3(line) < 3;
            });
        }
        // Words and "lorem ipsum" never span a '\n', so the whole text can be searched at once.
        bool javascript = false;
        std::string_view rest = text;
        while (!javascript) {
            const size_t at = findFolded(rest, "javascript");
            if (at == std::string_view::npos)
                break;
            const auto* b = reinterpret_cast<const unsigned char*>(text.data());
            const size_t abs = size_t(rest.data() - text.data()) + at;
            const bool startOk = abs == 0 || isSpaceBefore(b, abs);
            const size_t after = abs + 10;
            const bool endOk = after == text.size() || uc::pySpaceAt(b + after, b + text.size()) > 0;
            javascript = startOk && endOk;
            rest = text.substr(abs + 1);
        }
        out[0] = float(double(noPunct) / double(lines));
        out[1] = float(double(fewWords) / double(lines));
        out[2] = javascript ? 1.0f : 0.0f;
        out[3] = findC4Patterns<kLorem>(text) ? 1.0f : 0.0f;
        out[4] = contains(text, "{") ? 1.0f : 0.0f;
    }

private:
    // Is the code point that ends just before byte `at` Python whitespace?
    static bool isSpaceBefore(const unsigned char* b, size_t at)
    {
        size_t k = at - 1;
        while (k > 0 && (b[k] & 0xC0) == 0x80)
            --k;
        return uc::pySpaceAt(b + k, b + at) == int(at - k);
    }
};

} // namespace

std::unique_ptr<Scorer> makeC4Scorer()
{
    return makeSpecScorer<C4Worker>("c4", "C4 line filter and document rules as raw statistics, datatrove dialect",
                                    kC4Columns);
}

std::unique_ptr<Scorer> makeDolmaC4Scorer()
{
    return makeSpecScorer<DolmaC4Worker>("dolma_c4", "C4 line and document statistics, Dolma c4_v1 dialect",
                                         kDolmaC4Columns);
}

} // namespace shardscope
