#include "scorers/ngram.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace shardscope {

namespace {
// The exponent of the smallest power of two that is at least atLeast and at least 2^minBits.
int capacityBits(size_t atLeast, int minBits)
{
    int bits = minBits;
    while ((size_t(1) << bits) < atLeast)
        ++bits;
    return bits;
}
} // namespace

void CountTable::reset(size_t expected)
{
    const size_t cap = size_t(1) << capacityBits(std::min(expected, kMaxPresizedKeys) * 2, 4);
    if (m_entries.size() < cap)
        m_entries.resize(cap);
    // Only the first `cap` slots are used for this round; clear just those.
    std::memset(static_cast<void*>(m_entries.data()), 0, cap * sizeof(Entry));
    m_mask = cap - 1;
    m_used = 0;
}

void CountTable::grow()
{
    const size_t oldCap = m_mask + 1;
    // a local copy, freed when done (a member kept the largest table's size resident for good)
    const std::vector<Entry> old(m_entries.begin(), m_entries.begin() + std::ptrdiff_t(oldCap));
    const size_t cap = oldCap * 2;
    if (m_entries.size() < cap)
        m_entries.resize(cap);
    std::memset(static_cast<void*>(m_entries.data()), 0, cap * sizeof(Entry));
    m_mask = cap - 1;
    for (const Entry& e : old) {
        if (e.key == 0)
            continue;
        size_t i = slotOf(e.key);
        while (m_entries[i].key != 0)
            i = (i + 1) & m_mask;
        m_entries[i] = e;
    }
}

void NgramCounter::resetTable(size_t expected)
{
    const int bits = capacityBits(expected * 2, 4);
    const size_t cap = size_t(1) << bits;
    if (m_slots.size() < cap)
        m_slots.resize(cap);
    std::memset(static_cast<void*>(m_slots.data()), 0, cap * sizeof(Slot));
    m_mask = cap - 1;
    m_shift = 64 - bits;
    m_slotsUsed = 0;
}

void NgramCounter::growTable()
{
    const size_t oldCap = m_mask + 1;
    m_oldSlots.assign(m_slots.begin(), m_slots.begin() + std::ptrdiff_t(oldCap));
    resetTable(oldCap); // twice the capacity
    for (const Slot& s : m_oldSlots) {
        if (s.key == 0)
            continue;
        size_t at = size_t((s.key * kSlotMul) >> m_shift);
        while (m_slots[at].key != 0)
            at = (at + 1) & m_mask;
        m_slots[at] = s;
        ++m_slotsUsed;
    }
}

void NgramCounter::start(size_t words)
{
    m_isDup.assign(words, 0);
    if (m_contStamp.size() < words)
        m_contStamp.resize(words, 0u);
    m_dupCount = 0;
}

void NgramCounter::releaseLarge()
{
    m_keys.releaseIfLarger(kKeepScratchBytes);
    for (auto* a : { &m_first, &m_candidates, &m_dupStarts, &m_dupFirst, &m_contSecond, &m_contFirst, &m_count })
        a->releaseIfLarger(kKeepScratchBytes);
    if (m_contStamp.capacity() * sizeof(uint32_t) > kKeepScratchBytes) {
        std::vector<uint32_t>().swap(m_contStamp);
        m_stamp = 0; // a new array is all zeros: no stamp of an earlier level is left in it
    }
    releaseIfLarger(m_isDup, kKeepScratchBytes);
    releaseIfLarger(m_slots, kKeepScratchBytes);
    releaseIfLarger(m_oldSlots, kKeepScratchBytes);
    releaseIfLarger(m_pairSlots, kKeepScratchBytes);
    releaseIfLarger(m_pairCounts, kKeepScratchBytes);
}

NgramLevel NgramCounter::step(const Token* wordTokens, size_t words, int n)
{
    NgramLevel level;
    level.n = n;
    if (words < size_t(n)) {
        m_dupCount = 0;
        return level;
    }
    const size_t windows = words - size_t(n) + 1;
    level.windows = uint32_t(windows);

    // Level n-1's repeated windows are in m_dupStarts (ascending). The n-gram at d can repeat only where
    // the (n-1)-grams at d and d + 1 both do: where the next repeated window is d + 1.
    size_t count = 0; // candidates
    if (n > 2 && m_dupCount > 1) {
        const size_t dn = m_dupCount;
        uint32_t* cand = m_candidates.prepare(dn - 1);
        const uint32_t* d = m_dupStarts.data();
        for (size_t a = 0; a + 1 < dn; ++a) { // branch-free, like the collection at the end
            cand[count] = d[a];
            count += d[a + 1] == d[a] + 1;
        }
    }
    // the most common n-gram so far as (count, ~first window): the larger key wins, the earlier first on a tie
    uint64_t best = 0;
    // The arrays through local pointers: a store through m_isDup's uint8_t may alias anything, so through the
    // members every store would make the compiler reload the other vectors' data pointers.
    uint32_t* const counts = m_count.prepare(words);
    uint32_t* const firsts = m_first.prepare(words);
    uint8_t* const isDup = m_isDup.data();
    uint32_t* const contStamp = m_contStamp.data();
    uint32_t* const contSecond = m_contSecond.prepare(words);
    uint32_t* const contFirst = m_contFirst.prepare(words);
    // A repeat of the n-gram first seen at window `first`, now at window i.
    auto repeat = [&](uint32_t first, uint32_t cnt, uint32_t i) {
        isDup[first] = uint8_t(n); // already set after the n-gram's second occurrence (no branch to mispredict)
        isDup[i] = uint8_t(n);
        best = std::max(best, (uint64_t(cnt) << 32) | uint32_t(~first));
    };
    // The slot: the top bits of a multiplicative hash (the packed numbers of level n are not random).
    auto slotOf = [&](uint64_t key) { return size_t((key * kSlotMul) >> m_shift); };
    Slot* slots = m_slots.data();
    if (n == 2) {
        // Every window's pair key, counted in saturating byte counters indexed by the key's top bits (a shared
        // counter can only say "twice" too often, never too rarely): only the windows whose bigram may occur
        // twice go on, about half of them on English. The table then sees mostly repeats, and its "new or
        // repeat" branch leans one way.
        // Both word hashes are mixed already, and the pair itself is compared: a rotation and an xor spread the
        // pair over the slots well enough. Stored in m_keys: computing them again in the later passes (from the
        // tokens, 24 bytes apart) made the two n-gram scorers about 3% slower on bench-0000.
        auto pairKey = [wordTokens](size_t i) {
            const uint64_t b = wordTokens[i + 1].hash;
            return wordTokens[i].hash ^ ((b << 29) | (b >> 35));
        };
        uint32_t* const cand = m_candidates.prepare(windows);
        uint64_t* const keys = m_keys.prepare(windows);
        {
            const int pairBits = std::min(capacityBits(windows * kPairCounterBytes, 6), kMaxPairCounterBits);
            const size_t pairCap = size_t(1) << pairBits;
            if (m_pairCounts.size() < pairCap)
                m_pairCounts.resize(pairCap);
            uint8_t* const pairCounts = m_pairCounts.data();
            std::memset(pairCounts, 0, pairCap);
            const int pairShift = 64 - pairBits;
            for (size_t i = 0; i < windows; ++i) {
                const uint64_t key = pairKey(i);
                keys[i] = key;
                uint8_t& x = pairCounts[key >> pairShift];
                x |= uint8_t(x + 1); // 0 -> 1 -> 3 -> 7 ... -> 255 (stays): bit 1 set from the second occurrence on
            }
            for (size_t i = 0; i < windows; ++i) { // in place, branch-free
                const uint64_t key = keys[i];
                cand[count] = uint32_t(i);
                keys[count] = key;
                count += (pairCounts[key >> pairShift] >> 1) & 1;
            }
        }
        releaseIfLarger(m_pairCounts, kKeepScratchBytes); // not needed past this point: not beside the table
        auto hashOf = [wordTokens](size_t i) { return wordTokens[i].hash; };
        // 8-byte slots: (32 bits of the pair's hash, first window + 1), 0 when empty; counts live in
        // m_count by first window. A slot's tag only filters: the word-hash pair itself is compared.
        // Sized for every candidate to be distinct, up to kMaxPresizedPairs; past that (a huge document,
        // whose candidates are mostly repeats) the table grows at 3/4 load instead.
        int bits = capacityBits(std::min(count, kMaxPresizedPairs) * 2, 4);
        size_t cap = size_t(1) << bits;
        if (m_pairSlots.size() < cap)
            m_pairSlots.resize(cap);
        std::memset(static_cast<void*>(m_pairSlots.data()), 0, cap * sizeof(uint64_t));
        uint64_t* table = m_pairSlots.data();
        size_t mask = cap - 1;
        int shift = 64 - bits;
        size_t used = 0;
        auto grow = [&] {
            std::vector<uint64_t> bigger(2 * cap); // zeros
            ++bits;
            cap *= 2;
            mask = cap - 1;
            shift = 64 - bits;
            for (size_t s = 0; s < cap / 2; ++s) {
                if (const uint64_t e = table[s]) {
                    size_t at = size_t(pairKey(uint32_t(e) - 1) >> shift);
                    while (bigger[at] != 0)
                        at = (at + 1) & mask;
                    bigger[at] = e;
                }
            }
            m_pairSlots.swap(bigger); // the old table is freed with `bigger`
            table = m_pairSlots.data();
        };
        constexpr size_t kAhead = 8;
        for (size_t c = 0; c < count; ++c) {
            if (c + kAhead < count)
                __builtin_prefetch(&table[keys[c + kAhead] >> shift]);
            const uint32_t i = cand[c];
            const uint64_t h = keys[c];
            const uint64_t tag = h << 32; // the low half; the slot comes from the high bits
            size_t at = size_t(h >> shift);
            for (;;) {
                const uint64_t e = table[at];
                if (e == 0) {
                    table[at] = tag | (uint64_t(i) + 1);
                    counts[i] = 1;
                    firsts[i] = i;
                    if (++used * 4 > cap * 3)
                        grow();
                    break;
                }
                const uint32_t first = uint32_t(e) - 1;
                if ((e >> 32) == (tag >> 32) && hashOf(first) == hashOf(i) && hashOf(first + 1) == hashOf(i + 1)) {
                    firsts[i] = first;
                    repeat(first, ++counts[first], i);
                    break;
                }
                at = (at + 1) & mask;
            }
        }
    } else {
        // The n-gram at i is the pair (f, g) of the (n-1)-gram numbers at i and i + 1. Most repeated
        // (n-1)-grams continue one way only, so each f remembers its first continuation (g and the n-gram's
        // number) in arrays indexed by f; only a second continuation of f goes to the hash table, keyed by
        // the exact packed pair. Candidates ascend, and firsts[i] is read before it is overwritten
        // with this level's number (i + 1's is still the previous level's then).
        if (++m_stamp == 0) {
            std::fill(m_contStamp.begin(), m_contStamp.end(), 0u);
            m_stamp = 1;
        }
        // The table holds only second continuations, which are rare: it starts small and grows.
        bool tableReady = false;
        const uint32_t* const cand = m_candidates.data();
        for (size_t c = 0; c < count; ++c) {
            const uint32_t i = cand[c];
            const uint32_t f = firsts[i], g = firsts[i + 1];
            if (contStamp[f] != m_stamp) {
                contStamp[f] = m_stamp;
                contSecond[f] = g;
                contFirst[f] = i;
                counts[i] = 1;
                firsts[i] = i;
                continue;
            }
            if (contSecond[f] == g) {
                const uint32_t first = contFirst[f];
                firsts[i] = first;
                repeat(first, ++counts[first], i);
                continue;
            }
            if (!tableReady) {
                resetTable(std::min<size_t>(count, 64));
                tableReady = true;
            }
            if ((m_slotsUsed + 1) * 4 > (m_mask + 1) * 3)
                growTable();
            slots = m_slots.data();
            const uint64_t key = ((uint64_t(f) << 32) | g) + 1;
            size_t at = slotOf(key);
            for (;;) {
                Slot& s = slots[at];
                if (s.key == 0) {
                    s = Slot{key, 0, i};
                    ++m_slotsUsed;
                    counts[i] = 1;
                    firsts[i] = i;
                    break;
                }
                if (s.key == key) {
                    firsts[i] = s.first;
                    repeat(s.first, ++counts[s.first], i);
                    break;
                }
                at = (at + 1) & m_mask;
            }
        }
    }
    if (const uint32_t bestCount = uint32_t(best >> 32); bestCount >= 2) {
        level.topCount = bestCount;
        level.topStart = ~uint32_t(best);
    } else {
        level.topCount = 1; // every n-gram is unique: the first one is "most common"
        level.topStart = 0;
    }

    size_t k = 0;
    if (best >> 32 >= 2) { // some n-gram repeats
        // branch-free: write every window, keep it when flagged at this level
        uint32_t* ds = m_dupStarts.prepare(count);
        uint32_t* df = m_dupFirst.prepare(count);
        const uint32_t* const cand = m_candidates.data();
        for (size_t c = 0; c < count; ++c) {
            const uint32_t i = cand[c];
            ds[k] = i;
            df[k] = firsts[i];
            k += isDup[i] == n;
        }
    }
    m_dupCount = k;
    level.dupStarts = m_dupStarts.data();
    level.dupFirst = m_dupFirst.data();
    level.dups = k;
    return level;
}

} // namespace shardscope
