#pragma once
// Sixteen bytes at a time for the heuristic scorers' hot loops, written with GCC/Clang vector extensions so
// the same code becomes SSE2 on x86-64 and NEON on ARM (no intrinsics, no run-time dispatch). Callers use
// these to skip or count plain-ASCII stretches and fall back to their exact per-code-point loops elsewhere,
// so the results do not depend on whether a block took the fast path.

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace shardscope::bytescan {

using V16 = uint8_t __attribute__((vector_size(16)));

inline V16 load16(const void* p)
{
    V16 v;
    std::memcpy(&v, p, 16);
    return v;
}

inline V16 splat(uint8_t c)
{
    return V16{} + c;
}

// A comparison gives 0xFF in the lanes where it holds; these turn it into an unsigned mask.
template<typename M>
inline V16 mask(M m)
{
    return reinterpret_cast<V16>(m);
}

inline bool any(V16 m)
{
    uint64_t a, b;
    std::memcpy(&a, &m, 8);
    std::memcpy(&b, reinterpret_cast<const char*>(&m) + 8, 8);
    return (a | b) != 0;
}

// Does the block hold a byte >= 0x80?
inline bool anyNonAscii(V16 x)
{
    return any(x & splat(0x80));
}

// Bit k set where lane k of the comparison result m is set (m's lanes are 0x00 or 0xFF).
inline uint32_t movemask(V16 m)
{
#if defined(__SSE2__)
    return uint32_t(_mm_movemask_epi8(reinterpret_cast<__m128i>(m)));
#else
    uint32_t r = 0;
    for (int k = 0; k < 16; ++k)
        r |= uint32_t(m[k] >> 7) << k;
    return r;
#endif
}

// Set bits of a 16-bit mask, inline (without -mpopcnt, __builtin_popcount is a call into libgcc).
inline uint32_t popcount16(uint32_t m)
{
    m = m - ((m >> 1) & 0x5555u);
    m = (m & 0x3333u) + ((m >> 2) & 0x3333u);
    m = (m + (m >> 4)) & 0x0F0Fu;
    return (m + (m >> 8)) & 0x1Fu;
}

// Set bits of a 64-bit mask, inline (likewise).
inline unsigned popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return unsigned((x * 0x0101010101010101ULL) >> 56);
}

// Lanes holding ASCII whitespace as Python's str.isspace() sees it: \t \n \v \f \r and 0x1C..0x20.
inline V16 asciiSpaceMask(V16 x)
{
    return mask((V16(x - splat(9)) < splat(5)) | (V16(x - splat(0x1C)) < splat(5)));
}

// Lanes holding an ASCII word byte as the \w of Python's re sees it: [0-9A-Za-z_].
inline V16 asciiWordMask(V16 x)
{
    return mask((V16(x - splat('0')) < splat(10)) | (V16((x | splat(0x20)) - splat('a')) < splat(26))
                | (x == splat('_')));
}

// Sum of the 16 lanes (each lane <= 255).
inline uint32_t sum(V16 v)
{
    uint64_t a, b;
    std::memcpy(&a, &v, 8);
    std::memcpy(&b, reinterpret_cast<const char*>(&v) + 8, 8);
    // add byte pairs, then 16-bit quads, without overflow
    auto fold = [](uint64_t x) {
        x = (x & 0x00FF00FF00FF00FFULL) + ((x >> 8) & 0x00FF00FF00FF00FFULL);
        return (x * 0x0001000100010001ULL) >> 48;
    };
    return uint32_t(fold(a) + fold(b));
}

} // namespace shardscope::bytescan
