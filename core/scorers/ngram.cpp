#include "scorers/ngram.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace shardscope {

void CountTable::reset(size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2)
        cap <<= 1;
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
    m_old.assign(m_entries.begin(), m_entries.begin() + std::ptrdiff_t(oldCap));
    const size_t cap = oldCap * 2;
    if (m_entries.size() < cap)
        m_entries.resize(cap);
    std::memset(static_cast<void*>(m_entries.data()), 0, cap * sizeof(Entry));
    m_mask = cap - 1;
    for (const Entry& e : m_old) {
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
    size_t cap = 16;
    int bits = 4;
    while (cap < expected * 2) {
        cap <<= 1;
        ++bits;
    }
    if (m_slots.size() < cap)
        m_slots.resize(cap);
    std::memset(static_cast<void*>(m_slots.data()), 0, cap * sizeof(Slot));
    m_mask = cap - 1;
    m_shift = 64 - bits;
}

void NgramCounter::start(const uint64_t* wordHashes, size_t words)
{
    (void)wordHashes;
    m_keys.resize(words);
    m_first.resize(words);
    m_isDup.assign(words + 1, 0);
    m_dupStarts.clear();
    m_dupFirst.clear();
}

NgramLevel NgramCounter::step(const uint64_t* wordHashes, size_t words, int n)
{
    NgramLevel level;
    level.n = n;
    level.dupStarts = &m_dupStarts;
    level.dupFirst = &m_dupFirst;
    if (words < size_t(n)) {
        m_dupStarts.clear();
        m_dupFirst.clear();
        return level;
    }
    const size_t windows = words - size_t(n) + 1;
    level.windows = uint32_t(windows);

    // Level n-1's repeated windows are in m_dupStarts (ascending) and flagged in m_isDup.
    m_candidates.clear();
    if (n > 2) {
        for (const uint32_t d : m_dupStarts)
            if (d < windows && m_isDup[d + 1])
                m_candidates.push_back(d);
        for (const uint32_t d : m_dupStarts)
            m_isDup[d] = 0;
    }
    const size_t count = n == 2 ? windows : m_candidates.size();
    resetTable(count);
    // Keys first, so the table slots can be prefetched a few windows ahead. Level 2: a hash of the word
    // pair (the pair itself is compared on a match); level n: the exact pair of (n-1)-gram numbers (+1, so
    // never 0). All keys are computed before m_first is overwritten with this level's numbers.
    if (n == 2) {
        for (size_t i = 0; i < count; ++i)
            m_keys[i] = mix64(wordHashes[i] * 0x9E3779B97F4A7C15ULL + wordHashes[i + 1]) | 1;
    } else {
        for (const uint32_t i : m_candidates)
            m_keys[i] = ((uint64_t(m_first[i]) << 32) | m_first[i + 1]) + 1;
    }
    // The slot: the top bits of a multiplicative hash (the packed numbers of level n are not random).
    auto slotOf = [&](uint64_t key) { return size_t((key * 0x9E3779B97F4A7C15ULL) >> m_shift); };
    auto same = [&](const Slot& s, uint32_t i) {
        return n > 2 || (wordHashes[s.first] == wordHashes[i] && wordHashes[s.first + 1] == wordHashes[i + 1]);
    };
    // Count; flag a window as repeated when its n-gram is seen the second time (flagging the first
    // occurrence too) or later, so no second pass over the table is needed.
    constexpr size_t kAhead = 8;
    uint32_t bestCount = 0, bestFirst = 0;
    size_t flagged = 0;
    Slot* const slots = m_slots.data();
    for (size_t c = 0; c < count; ++c) {
        if (c + kAhead < count)
            __builtin_prefetch(&slots[slotOf(m_keys[n == 2 ? c + kAhead : m_candidates[c + kAhead]])]);
        const uint32_t i = n == 2 ? uint32_t(c) : m_candidates[c];
        const uint64_t key = m_keys[i];
        size_t at = slotOf(key);
        for (;;) {
            Slot& s = slots[at];
            if (s.key == 0) {
                s.key = key;
                s.count = 1;
                s.first = i;
                m_first[i] = i;
                break;
            }
            if (s.key == key && same(s, i)) {
                const uint32_t cnt = ++s.count;
                m_first[i] = s.first;
                if (cnt == 2) {
                    m_isDup[s.first] = 1;
                    ++flagged;
                }
                m_isDup[i] = 1;
                ++flagged;
                if (cnt > bestCount || (cnt == bestCount && s.first < bestFirst)) {
                    bestCount = cnt;
                    bestFirst = s.first;
                }
                break;
            }
            at = (at + 1) & m_mask;
        }
    }
    if (bestCount >= 2) {
        level.topCount = bestCount;
        level.topStart = bestFirst;
    } else {
        level.topCount = 1; // every n-gram is unique: the first one is "most common"
        level.topStart = 0;
    }

    m_dupStarts.clear();
    m_dupFirst.clear();
    if (flagged) {
        for (size_t c = 0; c < count; ++c) {
            const uint32_t i = n == 2 ? uint32_t(c) : m_candidates[c];
            if (m_isDup[i]) {
                m_dupStarts.push_back(i);
                m_dupFirst.push_back(m_first[i]);
            }
        }
    }
    return level;
}

} // namespace shardscope
