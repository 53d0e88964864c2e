#pragma once
// Unicode character classes with Python 3's semantics, for scorers that reproduce Python reference
// implementations (datatrove, Dolma): str.isalpha, str.isspace, str.split(), re's \d. The table in
// unicodeclass_table.cpp is generated from Python 3.11's unicodedata (Unicode 14.0), so a code point
// is "alpha" here exactly when Python says it is.
//
// Also: a small UTF-8 decoder for text the reader has already validated.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shardscope::uc {

enum Class : uint8_t {
    Alpha = 1,    // general category L* (Python str.isalpha)
    Digit = 2,    // general category Nd (re \d, str.isdecimal)
    Punct = 4,    // general category P*
    Symbol = 8,   // general category S*
    Space = 16,   // Python str.isspace (what str.split() / str.strip() use)
    Control = 32, // general category Cc
};

extern const uint32_t kClassRanges[];
extern const size_t kClassRangeCount;

// Class bits of an ASCII byte (0..127).
extern const uint8_t kAsciiClass[128];

// Class bits of any code point (binary search over ~1900 ranges; ASCII is a table lookup).
uint8_t classOfNonAscii(char32_t cp);
inline uint8_t classOf(char32_t cp)
{
    return cp < 128 ? kAsciiClass[cp] : classOfNonAscii(cp);
}

// Decodes one code point of valid UTF-8 at p (p < end); returns its length in bytes (1..4).
// Invalid input never crashes: a stray or truncated byte decodes as U+FFFD with length 1 (so a stray
// 0x85 or 0xA0 byte is not mistaken for the whitespace code points U+0085 / U+00A0).
inline int decodeUtf8(const unsigned char* p, const unsigned char* end, char32_t& cp)
{
    const unsigned char b = p[0];
    if (b < 0x80) {
        cp = b;
        return 1;
    }
    if ((b & 0xE0) == 0xC0 && end - p >= 2) {
        cp = (char32_t(b & 0x1F) << 6) | (p[1] & 0x3F);
        return 2;
    }
    if ((b & 0xF0) == 0xE0 && end - p >= 3) {
        cp = (char32_t(b & 0x0F) << 12) | (char32_t(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        return 3;
    }
    if ((b & 0xF8) == 0xF0 && end - p >= 4) {
        cp = (char32_t(b & 0x07) << 18) | (char32_t(p[1] & 0x3F) << 12) | (char32_t(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
        return 4;
    }
    cp = 0xFFFD;
    return 1;
}

// Python len(): the number of code points (bytes that are not UTF-8 continuation bytes).
size_t codePointCount(std::string_view s);

// Python str.isspace() for one code point.
inline bool isPySpace(char32_t cp)
{
    if (cp < 128)
        return kAsciiClass[cp] & Space;
    switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return true;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

// Python str.splitlines() line boundaries, except "\r\n" which the caller treats as one boundary.
inline bool isPyLineBreak(char32_t cp)
{
    return cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || cp == 0x1C || cp == 0x1D || cp == 0x1E
        || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

// Byte length of the Python-whitespace code point starting at p, or 0 if there is none.
inline int pySpaceAt(const unsigned char* p, const unsigned char* end)
{
    const unsigned char b = *p;
    if (b < 0x80)
        return (kAsciiClass[b] & Space) ? 1 : 0;
    if (b != 0xC2 && b != 0xE1 && b != 0xE2 && b != 0xE3)
        return 0;
    char32_t cp;
    const int n = decodeUtf8(p, end, cp);
    return isPySpace(cp) ? n : 0;
}

// First byte at or after p that does not start Python whitespace (end if none): the gap
// str.split() skips between words.
inline const unsigned char* skipPySpace(const unsigned char* p, const unsigned char* end)
{
    int n;
    while (p < end && (n = pySpaceAt(p, end)) > 0)
        p += n;
    return p;
}

// Python str.strip() / lstrip() / rstrip() (Unicode whitespace).
std::string_view pyStrip(std::string_view s);
std::string_view pyLStrip(std::string_view s);
std::string_view pyRStrip(std::string_view s);

} // namespace shardscope::uc
