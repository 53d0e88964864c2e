#pragma once
// Hash tables and the n-gram counting shared by the Gopher repetition statistics of both dialects.
//
// Equality of lines, paragraphs and words is decided by 64-bit hashes (XXH3 of the bytes). Two different
// strings in one document compare equal with probability about k^2 / 2^65 for k distinct strings, i.e.
// never in practice.
//
// N-gram counting visits only what can matter: an n-gram can occur twice only where the (n-1)-grams
// starting at the same word and at the next word both occur at least twice, so level n counts only those
// windows (all windows have count 1 otherwise). Levels n >= 3 therefore cost a fraction of a pass over the
// words on ordinary text. Level 2 likewise counts only the windows whose bigram may occur twice or more
// (found with saturating counters indexed by the pair's key, which can only err towards "twice").
//
// N-gram identity: a bigram is the pair of its word hashes, compared as the pair (exact given the word
// hashes). Every repeated window gets a canonical number, the first window with the same n-gram; at level
// n >= 3 the n-gram at i is exactly the pair (canonical (n-1)-gram at i, canonical (n-1)-gram at i + 1),
// packed into one 64-bit key, so no n-gram hash can collide: two n-grams are equal here exactly when their
// word hash sequences are.

#include "scorers/textsplit.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>
#include <vector>

namespace shardscope {

// A per-document work array that is overwritten before it is read: unlike std::vector::resize(), making it
// longer does not zero the new elements (for a document longer than the last one, resize() would write every
// element twice; those zeroing writes were ~40% of all bytes the heuristic scorers stored). Its contents are
// undefined after prepare().
template<typename T>
class ScratchArray {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

public:
    // A pointer to at least n elements (undefined values).
    T* prepare(size_t n)
    {
        if (n > m_capacity) {
            m_capacity = std::max(n, 2 * m_capacity);
            m_data.reset(new T[m_capacity]);
        }
        return m_data.get();
    }
    T* data() const { return m_data.get(); }
    // Frees the array when it holds more than `bytes` (after a huge document, so that it does not stay
    // resident for the rest of the scan, nor beside the next scorer's arrays for the same document).
    void releaseIfLarger(size_t bytes)
    {
        if (m_capacity * sizeof(T) > bytes) {
            m_data.reset();
            m_capacity = 0;
        }
    }

private:
    std::unique_ptr<T[]> m_data;
    size_t m_capacity = 0;
};

// std::vector's counterpart of ScratchArray::releaseIfLarger().
template <typename T> void releaseIfLarger(std::vector<T>& v, size_t bytes)
{
    if (v.capacity() * sizeof(T) > bytes)
        std::vector<T>().swap(v);
}

// Work arrays larger than this are freed after the document that grew them. Above glibc's largest mmap
// threshold (32 MiB), so what is freed goes back to the system; documents of up to about 5 MB of text keep
// theirs (no new page faults for each of them).
inline constexpr size_t kKeepScratchBytes = size_t(32) << 20;

inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

// Counts keys; remembers the index at which each key was first added.
class CountTable {
public:
    struct Entry {
        uint64_t key;
        uint32_t count;
        uint32_t first;
    };
    // Empties the table and sizes it for `expected` keys, or for kMaxPresizedKeys if that is less (expected
    // is an upper bound from the text's size: on a huge text it would reserve far more than the distinct
    // keys need); it grows by itself past 3/4 load, which moves entries (a reference returned by add()
    // stays valid while no more than min(expected, kMaxPresizedKeys) keys are added).
    void reset(size_t expected);
    static constexpr size_t kMaxPresizedKeys = size_t(1) << 19; // 16 MiB of slots
    // See ScratchArray::releaseIfLarger().
    void releaseIfLarger(size_t bytes)
    {
        if (m_entries.capacity() * sizeof(Entry) > bytes) {
            std::vector<Entry>().swap(m_entries);
            m_mask = 0;
            m_used = 0;
        }
    }
    // Adds one occurrence of key (first seen at index `at` if new); returns the entry.
    Entry& add(uint64_t key, uint32_t at)
    {
        key |= (key == 0); // 0 marks an empty slot
        if (m_used * 4 >= (m_mask + 1) * 3)
            grow();
        size_t i = slotOf(key);
        for (;;) {
            Entry& e = m_entries[i];
            if (e.key == key) {
                ++e.count;
                return e;
            }
            if (e.key == 0) {
                e.key = key;
                e.count = 1;
                e.first = at;
                ++m_used;
                return e;
            }
            i = (i + 1) & m_mask;
        }
    }
    // Hints the cache that key is about to be added.
    void prefetch(uint64_t key) const { __builtin_prefetch(&m_entries[slotOf(key | (key == 0))]); }
    // Inserts key; returns true when it was not there yet.
    bool insert(uint64_t key) { return add(key, 0).count == 1; }

private:
    // Keys are hash outputs already (XXH3, or mix64 chains): fold the high half in for the index.
    size_t slotOf(uint64_t key) const { return size_t(key ^ (key >> 29)) & m_mask; }
    void grow();

    std::vector<Entry> m_entries;
    size_t m_mask = 0;
    size_t m_used = 0;
};

struct NgramLevel {
    int n = 0;
    uint32_t windows = 0;    // number of n-grams (words - n + 1), 0 if fewer than n words
    uint32_t topCount = 0;   // occurrences of the most common n-gram (first-seen wins ties), 0 if no n-grams
    uint32_t topStart = 0;   // the word index where that n-gram first occurs
    // Windows (word index of their first word, ascending) whose n-gram occurs at least twice, and for each
    // the first window with the same n-gram (equal n-grams have equal first windows, so it names the n-gram).
    const uint32_t* dupStarts = nullptr;
    const uint32_t* dupFirst = nullptr;
    size_t dups = 0; // the length of both
};

// Runs n = 2..maxN (maxN < 256: the repeat marks hold the level in a byte) over the words' hashes
// (Token::hash, read in place: a copy of them was 8 bytes a word more at the peak), calling
// visit(const NgramLevel&) for each n in order. Work arrays of more than kKeepScratchBytes are freed at the end.
class NgramCounter {
public:
    template <typename Visit> void run(const Token* words, size_t count, int maxN, Visit&& visit)
    {
        start(count);
        for (int n = 2; n <= maxN; ++n) {
            NgramLevel level = step(words, count, n);
            visit(level);
        }
        releaseLarge();
    }

private:
    struct Slot {
        uint64_t key; // 0: empty
        uint32_t count;
        uint32_t first;
    };
    void start(size_t words);
    NgramLevel step(const Token* words, size_t count, int n);
    void resetTable(size_t expected);
    void growTable();
    void releaseLarge();
    static constexpr uint64_t kSlotMul = 0x9E3779B97F4A7C15ULL; // levels n >= 3: slot = top bits of key * this

    std::vector<Slot> m_slots;
    std::vector<Slot> m_oldSlots; // scratch for growTable()
    size_t m_slotsUsed = 0;
    std::vector<uint64_t> m_pairSlots; // level 2
    std::vector<uint8_t> m_pairCounts; // level 2: 0, 1, or (bit 1 set) "twice or more", by pair key
    static constexpr size_t kPairCounterBytes = 16; // level 2: counters per window, at least
    // ... up to 64 MiB of counters (4M windows): beyond, a huge document's 16 per window were half its peak.
    // Fewer counters only let more unique bigrams through to the exact table.
    static constexpr int kMaxPairCounterBits = 26;
    static constexpr size_t kMaxPresizedPairs = size_t(1) << 20; // level 2's table: 16 MiB at most before it grows
    uint64_t m_mask = 0;
    int m_shift = 64;
    ScratchArray<uint64_t> m_keys;       // level 2: the table key of each candidate window, in candidate order
    ScratchArray<uint32_t> m_first;      // canonical (first) window of each repeated window's n-gram
    std::vector<uint8_t> m_isDup;        // n where the window's n-gram occurs twice or more (the last such n)
    // levels n >= 3: per (n-1)-gram number f, its first continuation seen at this level (stamped; the other two
    // are read only where the stamp is current, so they are not cleared, and a huge document's pages of them
    // are touched only where a repeated n-gram starts)
    std::vector<uint32_t> m_contStamp;
    ScratchArray<uint32_t> m_contSecond, m_contFirst;
    ScratchArray<uint32_t> m_count; // occurrences so far of the n-gram numbered by its first window (written first)
    uint32_t m_stamp = 0;
    ScratchArray<uint32_t> m_candidates; // this level's windows that may repeat, ascending
    ScratchArray<uint32_t> m_dupStarts;  // the last level's repeated windows, ascending, and their first windows
    ScratchArray<uint32_t> m_dupFirst;
    size_t m_dupCount = 0;
};

} // namespace shardscope
