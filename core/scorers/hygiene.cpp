#include "scorers/hygiene.h"

#include "scorers/bytescan.h"
#include "scorers/specscorer.h"
#include "scorers/unicodeclass.h"

#include <algorithm>
#include <array>

namespace shardscope {
namespace {

enum Script : uint8_t {
    Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic, Syriac, Thaana, NKo, Devanagari, Bengali, Gurmukhi,
    Gujarati, Oriya, Tamil, Telugu, Kannada, Malayalam, Sinhala, Thai, Lao, Tibetan, Myanmar, Georgian, Hangul,
    Ethiopic, Cherokee, CanadianSyllabics, Ogham, Runic, Khmer, Mongolian, HanKana, Yi, Vai, Tifinagh, Javanese,
    Balinese, Other, ScriptCount
};

const char* const kScriptNames[ScriptCount] = {
    "Latin", "Greek", "Cyrillic", "Armenian", "Hebrew", "Arabic", "Syriac", "Thaana", "NKo", "Devanagari",
    "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala", "Thai",
    "Lao", "Tibetan", "Myanmar", "Georgian", "Hangul", "Ethiopic", "Cherokee", "CanadianSyllabics", "Ogham",
    "Runic", "Khmer", "Mongolian", "Han/Kana", "Yi", "Vai", "Tifinagh", "Javanese", "Balinese", "Other"};

struct ScriptRange {
    char32_t first, last;
    Script script;
};

// Unicode blocks of the major scripts, sorted by first code point. ASCII letters are handled before lookup.
constexpr ScriptRange kScriptRanges[] = {
    {0x00AA, 0x00AA, Latin},     {0x00BA, 0x00BA, Latin},     {0x00C0, 0x024F, Latin},
    {0x0250, 0x02AF, Latin},     {0x02B0, 0x02FF, Latin},     {0x0370, 0x03FF, Greek},
    {0x0400, 0x052F, Cyrillic},  {0x0530, 0x058F, Armenian},  {0x0590, 0x05FF, Hebrew},
    {0x0600, 0x06FF, Arabic},    {0x0700, 0x074F, Syriac},    {0x0750, 0x077F, Arabic},
    {0x0780, 0x07BF, Thaana},    {0x07C0, 0x07FF, NKo},       {0x0860, 0x086F, Syriac},
    {0x0870, 0x08FF, Arabic},    {0x0900, 0x097F, Devanagari}, {0x0980, 0x09FF, Bengali},
    {0x0A00, 0x0A7F, Gurmukhi},  {0x0A80, 0x0AFF, Gujarati},  {0x0B00, 0x0B7F, Oriya},
    {0x0B80, 0x0BFF, Tamil},     {0x0C00, 0x0C7F, Telugu},    {0x0C80, 0x0CFF, Kannada},
    {0x0D00, 0x0D7F, Malayalam}, {0x0D80, 0x0DFF, Sinhala},   {0x0E00, 0x0E7F, Thai},
    {0x0E80, 0x0EFF, Lao},       {0x0F00, 0x0FFF, Tibetan},   {0x1000, 0x109F, Myanmar},
    {0x10A0, 0x10FF, Georgian},  {0x1100, 0x11FF, Hangul},    {0x1200, 0x139F, Ethiopic},
    {0x13A0, 0x13FF, Cherokee},  {0x1400, 0x167F, CanadianSyllabics}, {0x1680, 0x169F, Ogham},
    {0x16A0, 0x16FF, Runic},     {0x1780, 0x17FF, Khmer},     {0x1800, 0x18AF, Mongolian},
    {0x18B0, 0x18FF, CanadianSyllabics}, {0x19E0, 0x19FF, Khmer}, {0x1B00, 0x1B7F, Balinese},
    {0x1C80, 0x1C8F, Cyrillic},  {0x1C90, 0x1CBF, Georgian},  {0x1D00, 0x1DBF, Latin},
    {0x1E00, 0x1EFF, Latin},     {0x1F00, 0x1FFF, Greek},     {0x2071, 0x2071, Latin},
    {0x207F, 0x207F, Latin},     {0x2090, 0x209C, Latin},     {0x2C60, 0x2C7F, Latin},
    {0x2D00, 0x2D2F, Georgian},  {0x2D30, 0x2D7F, Tifinagh},  {0x2D80, 0x2DDF, Ethiopic},
    {0x2DE0, 0x2DFF, Cyrillic},  {0x2E80, 0x2FDF, HanKana},   {0x3005, 0x3007, HanKana},
    {0x3021, 0x3029, HanKana},   {0x3031, 0x303C, HanKana},   {0x3040, 0x30FF, HanKana},
    {0x3100, 0x312F, HanKana},   {0x3130, 0x318F, Hangul},    {0x31A0, 0x31BF, HanKana},
    {0x31F0, 0x31FF, HanKana},   {0x3400, 0x4DBF, HanKana},   {0x4E00, 0x9FFF, HanKana},
    {0xA000, 0xA4CF, Yi},        {0xA500, 0xA63F, Vai},       {0xA640, 0xA69F, Cyrillic},
    {0xA720, 0xA7FF, Latin},     {0xA8E0, 0xA8FF, Devanagari}, {0xA960, 0xA97F, Hangul},
    {0xA980, 0xA9DF, Javanese},  {0xA9E0, 0xA9FF, Myanmar},   {0xAA60, 0xAA7F, Myanmar},
    {0xAB00, 0xAB2F, Ethiopic},  {0xAB30, 0xAB6F, Latin},     {0xAB70, 0xABBF, Cherokee},
    {0xAC00, 0xD7FF, Hangul},    {0xF900, 0xFAFF, HanKana},   {0xFB00, 0xFB06, Latin},
    {0xFB13, 0xFB17, Armenian},  {0xFB1D, 0xFB4F, Hebrew},    {0xFB50, 0xFDFF, Arabic},
    {0xFE70, 0xFEFF, Arabic},    {0xFF21, 0xFF3A, Latin},     {0xFF41, 0xFF5A, Latin},
    {0xFF66, 0xFF9F, HanKana},   {0xFFA0, 0xFFDC, Hangul},    {0x1E900, 0x1E95F, Other},
    {0x20000, 0x323AF, HanKana},
};

// The script of a non-ASCII letter (Other outside the table's ranges).
Script scriptOf(char32_t cp)
{
    auto it = std::upper_bound(std::begin(kScriptRanges), std::end(kScriptRanges), cp,
                               [](char32_t c, const ScriptRange& r) { return c < r.first; });
    if (it == std::begin(kScriptRanges))
        return Other;
    --it;
    return cp <= it->last ? it->script : Other;
}

// scriptOf() for the Basic Multilingual Plane as a 64 KB table, built once: in mixed text (letters, curly
// quotes, dashes) a cache of the last range missed often, and each miss was two binary searches.
struct BmpScripts {
    uint8_t script[0x10000];
    BmpScripts()
    {
        for (char32_t cp = 0; cp < 0x10000; ++cp)
            script[cp] = cp < 0x80 ? uint8_t(Latin) : uint8_t(scriptOf(cp));
    }
};
const BmpScripts& bmpScripts()
{
    static const BmpScripts table;
    return table;
}

const ColumnSpec kHygieneColumns[] = {
    {"text_replacement_char_frac", "U+FFFD / code points; kMissing for empty text; Shardscope definition"},
    {"text_control_char_frac",
     "category Cc except \\t \\n \\r / code points; kMissing for empty text; Shardscope definition"},
    {"text_digit_frac", "category Nd / code points; kMissing for empty text; Shardscope definition"},
    {"text_punct_frac",
     "category P* or ASCII symbol ($+<=>^`|~) / code points; kMissing for empty text; Shardscope definition"},
    {"text_non_ascii_frac", "code points >= U+0080 / code points; kMissing for empty text; Shardscope definition"},
    {"text_script_count",
     "distinct scripts among letters (L*), by a block table of major scripts, Han/Hiragana/Katakana as one; 0 "
     "without letters; Shardscope definition"},
    {"text_non_dominant_script_frac",
     "letters outside the most frequent script / letters; kMissing without letters; Shardscope definition"},
    {"text_dominant_script",
     "categorical: most frequent script among letters; kMissing without letters; Shardscope definition"},
};

class TextHygieneWorker final : public ScorerWorker {
public:
    void score(std::string_view text, float* out) override
    {
        std::array<size_t, ScriptCount> letters{};
        size_t n = 0, replacement = 0, control = 0, digit = 0, punct = 0, nonAscii = 0;
        const auto* p = reinterpret_cast<const unsigned char*>(text.data());
        const auto* end = p + text.size();
        const BmpScripts& bmp = bmpScripts();
        auto nonAsciiCodePoint = [&](char32_t cp) {
            ++nonAscii;
            replacement += cp == 0xFFFD;
            // table lookups in the Basic Multilingual Plane, without a branch on the class
            const uint8_t cls = uc::classOfNonAscii(cp);
            const Script script = cp < 0x10000 ? Script(bmp.script[cp]) : scriptOf(cp);
            letters[script] += (cls & uc::Alpha) != 0;
            digit += (cls & uc::Digit) != 0;
            punct += (cls & uc::Punct) != 0;
            control += (cls & uc::Control) != 0;
        };
        // Blocks of 16 bytes: the ASCII bytes are counted with vector compares that give exactly the
        // kAsciiClass answers (letters A-Z a-z, digits 0-9, punctuation or symbol = the other printables
        // 0x21..0x7E, controls 0x00..0x1F and 0x7F); the code points are the bytes that are not UTF-8
        // continuation bytes; each non-ASCII code point is decoded at its lead byte (its continuation bytes
        // may lie in the next block, valid UTF-8 guarantees they exist). Fewer than 16 bytes at the end go
        // one code point at a time.
        {
            using namespace bytescan;
            // Per-lane counts, each compare's 0xFF (-1) subtracted: letters, digits, printables 0x21..0x7E
            // (punctuation = printables - letters - digits), controls 0x00..0x1F and 0x7F, of those \t \n \r
            // (not counted as controls), and UTF-8 continuation bytes (code points = bytes - those).
            V16 alphaN{}, digitN{}, printN{}, controlN{}, spaceN{}, contN{};
            int blocks = 0;
            size_t bytes = 0;
            auto flush = [&] {
                const uint32_t alpha = sum(alphaN), digits = sum(digitN);
                letters[Latin] += alpha;
                digit += digits;
                punct += sum(printN) - alpha - digits;
                control += sum(controlN) - sum(spaceN);
                n += bytes - sum(contN);
                alphaN = digitN = printN = controlN = spaceN = contN = V16{};
                blocks = 0;
                bytes = 0;
            };
            while (end - p >= 16) {
                const V16 x = load16(p);
                alphaN -= mask(V16((x | splat(0x20)) - splat('a')) < splat(26));
                digitN -= mask(V16(x - splat('0')) < splat(10));
                printN -= mask(V16(x - splat(0x21)) < splat(0x7F - 0x21));
                controlN -= mask((x < splat(0x20)) | (x == splat(0x7F)));
                spaceN -= mask((x == splat('\t')) | (x == splat('\n')) | (x == splat('\r')));
                if (anyNonAscii(x)) {
                    contN -= mask((x & splat(0xC0)) == splat(0x80));
                    for (uint32_t leads = movemask(mask(x >= splat(0xC0))); leads; leads &= leads - 1) {
                        char32_t cp;
                        uc::decodeUtf8(p + __builtin_ctz(leads), end, cp);
                        nonAsciiCodePoint(cp);
                    }
                }
                p += 16;
                bytes += 16;
                if (++blocks == 255) // a lane counts to at most 255
                    flush();
            }
            flush();
            while (p < end && (*p & 0xC0) == 0x80) // the rest of a code point counted at its lead byte
                ++p;
        }
        while (p < end) {
            const unsigned char b = *p;
            ++n;
            if (b < 0x80) {
                const uint8_t cls = uc::kAsciiClass[b];
                letters[Latin] += cls & uc::Alpha;
                digit += (cls & uc::Digit) != 0;
                punct += (cls & (uc::Punct | uc::Symbol)) != 0;
                control += (cls & uc::Control) && b != '\t' && b != '\n' && b != '\r';
                ++p;
                continue;
            }
            char32_t cp;
            p += uc::decodeUtf8(p, end, cp);
            nonAsciiCodePoint(cp);
        }
        size_t total = 0, best = 0, scripts = 0;
        int dominant = -1;
        for (int s = 0; s < ScriptCount; ++s) {
            total += letters[s];
            scripts += letters[s] > 0;
            if (letters[s] > best) {
                best = letters[s];
                dominant = s;
            }
        }
        auto frac = [&](size_t k) { return n ? float(double(k) / double(n)) : kMissing; };
        out[0] = frac(replacement);
        out[1] = frac(control);
        out[2] = frac(digit);
        out[3] = frac(punct);
        out[4] = frac(nonAscii);
        out[5] = float(scripts);
        out[6] = total ? float(double(total - best) / double(total)) : kMissing;
        out[7] = dominant >= 0 ? float(dominant) : kMissing;
    }
};

} // namespace

std::unique_ptr<Scorer> makeTextHygieneScorer()
{
    std::vector<ColumnInfo> columns;
    for (const ColumnSpec& c : kHygieneColumns)
        columns.push_back(ColumnInfo{c.name, c.definition, {}});
    columns.back().categories.assign(std::begin(kScriptNames), std::end(kScriptNames));
    return std::make_unique<SpecScorer<TextHygieneWorker>>(
        "text_hygiene", "Character hygiene: replacement/control characters, digits, punctuation, script mix",
        std::move(columns), 1);
}

} // namespace shardscope
