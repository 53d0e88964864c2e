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

void NgramCounter::start(const uint64_t* wordHashes, size_t words)
{
    (void)wordHashes; // level 2 keys are made from the word hashes directly
    m_keys.resize(words);
    m_isDup.assign(words, 0);
    m_dupStarts.clear();
    m_dupKeys.clear();
}

NgramLevel NgramCounter::step(const uint64_t* wordHashes, size_t words, int n)
{
    NgramLevel level;
    level.n = n;
    level.dupStarts = &m_dupStarts;
    level.dupKeys = &m_dupKeys;
    if (words < size_t(n)) {
        m_dupStarts.clear();
        m_dupKeys.clear();
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

    // Count; flag a window as repeated when its n-gram is seen the second time (flagging the first
    // occurrence too) or later, so no second pass over the table is needed.
    m_table.reset(count);
    // Keys first (chaining the previous level's key of each window with its last word), so the table
    // slots can be prefetched a few windows ahead.
    for (size_t c = 0; c < count; ++c) {
        const uint32_t i = n == 2 ? uint32_t(c) : m_candidates[c];
        const uint64_t prev = n == 2 ? wordHashes[i] : m_keys[i];
        m_keys[i] = mix64(prev * 0x9E3779B97F4A7C15ULL + wordHashes[i + size_t(n) - 1]);
    }
    // Count; flag a window as repeated when its n-gram is seen the second time (flagging the first
    // occurrence too) or later, so no second pass over the table is needed.
    constexpr size_t kAhead = 8;
    uint32_t bestCount = 0, bestFirst = 0;
    size_t flagged = 0;
    for (size_t c = 0; c < count; ++c) {
        if (c + kAhead < count)
            m_table.prefetch(m_keys[n == 2 ? c + kAhead : m_candidates[c + kAhead]]);
        const uint32_t i = n == 2 ? uint32_t(c) : m_candidates[c];
        const CountTable::Entry& e = m_table.add(m_keys[i], i);
        if (e.count >= 2) {
            if (e.count == 2) {
                m_isDup[e.first] = 1;
                ++flagged;
            }
            m_isDup[i] = 1;
            ++flagged;
            if (e.count > bestCount || (e.count == bestCount && e.first < bestFirst)) {
                bestCount = e.count;
                bestFirst = e.first;
            }
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
    m_dupKeys.clear();
    if (flagged) {
        for (size_t c = 0; c < count; ++c) {
            const uint32_t i = n == 2 ? uint32_t(c) : m_candidates[c];
            if (m_isDup[i]) {
                m_dupStarts.push_back(i);
                m_dupKeys.push_back(m_keys[i]);
            }
        }
    }
    return level;
}

} // namespace shardscope
