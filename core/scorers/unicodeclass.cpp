#include "scorers/unicodeclass.h"

#include <algorithm>
#include <cstring>

namespace shardscope::uc {

namespace {
uint8_t classBySearch(char32_t cp)
{
    const uint32_t key = (uint32_t(cp) << 8) | 0xFF;
    const uint32_t* end = kClassRanges + kClassRangeCount;
    const uint32_t* it = std::upper_bound(kClassRanges, end, key);
    return uint8_t(it[-1] & 0xFF);
}

// The Basic Multilingual Plane as a flat 64 KB table built once from kClassRanges: the binary search over
// ~1900 ranges cost more than all the rest of the work on non-Latin text.
struct BmpTable {
    uint8_t cls[0x10000];
    BmpTable()
    {
        for (uint32_t cp = 0; cp < 0x10000; ++cp)
            cls[cp] = classBySearch(char32_t(cp));
    }
};
const BmpTable kBmp;
} // namespace

uint8_t classOfNonAscii(char32_t cp)
{
    if (cp < 0x10000)
        return kBmp.cls[cp];
    const uint32_t key = (uint32_t(cp) << 8) | 0xFF;
    const uint32_t* end = kClassRanges + kClassRangeCount;
    const uint32_t* it = std::upper_bound(kClassRanges, end, key);
    return uint8_t(it[-1] & 0xFF); // kClassRanges[0] starts at code point 0, so it > kClassRanges
}

size_t codePointCount(std::string_view s)
{
    // bytes minus continuation bytes (10xxxxxx), eight at a time
    size_t continuation = 0;
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        uint64_t x;
        std::memcpy(&x, s.data() + i, 8);
        const uint64_t cont = (x & 0x8080808080808080ULL) & ~((x << 1) & 0x8080808080808080ULL);
        continuation += size_t(((cont >> 7) * 0x0101010101010101ULL) >> 56); // sum of the 0/1 bytes
    }
    for (; i < s.size(); ++i)
        continuation += (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
    return s.size() - continuation;
}

std::string_view pyLStrip(std::string_view s)
{
    auto p = reinterpret_cast<const unsigned char*>(s.data());
    const auto end = p + s.size();
    while (p < end) {
        const int n = pySpaceAt(p, end);
        if (!n)
            break;
        p += n;
    }
    return std::string_view(reinterpret_cast<const char*>(p), size_t(end - p));
}

std::string_view pyRStrip(std::string_view s)
{
    auto begin = reinterpret_cast<const unsigned char*>(s.data());
    auto end = begin + s.size();
    while (end > begin) {
        // step back to the start of the last code point
        const unsigned char* q = end - 1;
        while (q > begin && (*q & 0xC0) == 0x80)
            --q;
        if (pySpaceAt(q, end) != end - q)
            break;
        end = q;
    }
    return std::string_view(reinterpret_cast<const char*>(begin), size_t(end - begin));
}

std::string_view pyStrip(std::string_view s)
{
    return pyRStrip(pyLStrip(s));
}

} // namespace shardscope::uc
