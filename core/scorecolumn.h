#pragma once
// One score column, values[doc] as float32: either owned (a scan fills it) or a read-only view of a block of a
// scores file mapped into memory (issue 21). A 10M-document corpus reopened from its scores file then keeps its
// columns as file-backed pages, which the kernel can drop and read again, instead of copying gigabytes into
// anonymous heap; reopening maps instead of reading.
//
// A mapped column is checked lazily: loading verifies the scores file's header and index but not the columns' bytes
// (reading a 3.4 GB file for its checksums made a cold reopen of 10M documents take 10 s). The first read of a
// column's values (data(), operator[], span(), begin(), ...; size() reads none) hashes its block once, on whichever
// thread comes first, and compares the XXH3 the file recorded. A column that fails reads as missing (every value
// NaN, as a scorer's missing value), never as the corrupt bytes, and integrityError() names the file, the column and
// the block's byte offset so that the CLI and the GUI can say which column to rescore. Other columns are unaffected.
//
// Reading never copies. Any change (push_back, resize, assign, set, mutableData) first copies a mapped column into
// memory of its own, so a writer never writes to the file and need not know which kind it holds.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace shardscope {

// The deferred checksum of one mapped column, shared by every copy of it. values() is safe from any thread.
class ColumnCheck {
public:
    // `values`: n floats in a mapping kept alive by the column; `file`, `column`, `offset`: for the message.
    ColumnCheck(const float* values, size_t n, uint64_t xxh3, std::string file, std::string column, uint64_t offset)
        : m_mapped(values)
        , m_size(n)
        , m_xxh3(xxh3)
        , m_file(std::move(file))
        , m_column(std::move(column))
        , m_offset(offset)
    {
    }
    // The mapped values once their checksum holds, else n NaNs. The first call verifies.
    const float* values() const
    {
        if (const float* p = m_ready.load(std::memory_order_acquire)) [[likely]]
            return p;
        return verify();
    }
    // Empty when the checksum holds; else "FILE: column NAME (block at byte OFFSET) fails its checksum ...".
    // Verifies first.
    const std::string& error() const
    {
        values();
        return m_error;
    }
    size_t size() const { return m_size; }
    bool checked() const { return m_ready.load(std::memory_order_acquire) != nullptr; }
    const std::string& file() const { return m_file; }
    const std::string& column() const { return m_column; }
    uint64_t offset() const { return m_offset; }

private:
    const float* verify() const; // scorestore.cpp

    const float* m_mapped;
    size_t m_size;
    uint64_t m_xxh3;
    std::string m_file, m_column;
    uint64_t m_offset;
    mutable std::once_flag m_once;
    mutable std::atomic<const float*> m_ready { nullptr };
    mutable std::vector<float> m_missing; // the NaNs of a failed column
    mutable std::string m_error;
};

class ScoreColumn {
public:
    using value_type = float;
    using size_type = size_t;
    using const_iterator = const float*;
    using iterator = const float*; // reading; writers use data() or operator[] (which own the values first)

    ScoreColumn() = default;
    explicit ScoreColumn(size_t n, float value = 0.0f)
        : m_owned(n, value)
    {
        sync();
    }
    ScoreColumn(std::vector<float> values) // NOLINT: a vector is a column
        : m_owned(std::move(values))
    {
        sync();
    }
    ScoreColumn(std::initializer_list<float> values)
        : m_owned(values)
    {
        sync();
    }
    template <typename It>
    ScoreColumn(It first, It last)
        : m_owned(first, last)
    {
        sync();
    }
    // A view of `n` floats at `data`, valid while `keepAlive` (the mapping) lives.
    static ScoreColumn mapped(std::shared_ptr<const void> keepAlive, const float* data, size_t n)
    {
        ScoreColumn c;
        c.m_mapping = std::move(keepAlive);
        c.m_data = data;
        c.m_size = n;
        return c;
    }
    // The same, its values checked against `check` on first read (scores files; see ColumnCheck).
    static ScoreColumn mapped(std::shared_ptr<const void> keepAlive, std::shared_ptr<const ColumnCheck> check)
    {
        ScoreColumn c;
        c.m_mapping = std::move(keepAlive);
        c.m_check = std::move(check);
        c.m_size = c.m_check ? c.m_check->size() : 0;
        return c;
    }

    ScoreColumn(const ScoreColumn& o)
        : m_owned(o.m_owned)
        , m_mapping(o.m_mapping)
        , m_check(o.m_check)
    {
        if (m_mapping || m_check) {
            m_data = o.m_data;
            m_size = o.m_size;
        } else
            sync();
    }
    ScoreColumn(ScoreColumn&& o) noexcept
        : m_owned(std::move(o.m_owned))
        , m_mapping(std::move(o.m_mapping))
        , m_check(std::move(o.m_check))
        , m_data(o.m_data)
        , m_size(o.m_size)
    {
        if (!m_mapping && !m_check)
            sync();
        o.reset();
    }
    ScoreColumn& operator=(const ScoreColumn& o)
    {
        if (this != &o)
            *this = ScoreColumn(o);
        return *this;
    }
    ScoreColumn& operator=(ScoreColumn&& o) noexcept
    {
        if (this != &o) {
            m_owned = std::move(o.m_owned);
            m_mapping = std::move(o.m_mapping);
            m_check = std::move(o.m_check);
            m_data = o.m_data;
            m_size = o.m_size;
            if (!m_mapping && !m_check)
                sync();
            o.reset();
        }
        return *this;
    }

    size_t size() const { return m_size; }
    size_t capacity() const { return m_mapping ? m_size : m_owned.capacity(); }
    bool empty() const { return m_size == 0; }
    // Every read goes through data(): a lazily checked column is verified here, once. The check is out of line so
    // that a loop of operator[] over an owned column is still vectorised (the compiler splits the loop on m_check;
    // with the check inline it did not, and such a loop over 10M values took 80 ms instead of 20). Over a lazily
    // checked column such a loop calls checkedData() per value (80 ms per 10M): loops over many values take span()
    // or data() once, as the statistics and the filter evaluator do.
    const float* data() const
    {
        if (m_check) [[unlikely]]
            return checkedData();
        return m_data;
    }
    const float* begin() const { return data(); }
    const float* end() const { return data() + m_size; }
    const float& operator[](size_t i) const { return data()[i]; }
    const float& front() const { return data()[0]; }
    const float& back() const { return data()[m_size - 1]; }
    bool isMapped() const { return m_mapping != nullptr; }
    // Whether this column's values have been checked against the scores file (a column that needs no check: true).
    bool checked() const { return !m_check || m_check->checked(); }
    // Empty, or why this column reads as missing: its block in the scores file failed its checksum (names the file,
    // the column and the byte offset). Checks the column if that has not happened yet.
    std::string integrityError() const { return m_check ? m_check->error() : std::string(); }
    std::span<const float> span() const { return { data(), m_size }; }
    operator std::span<const float>() const { return span(); } // NOLINT: reading needs no copy
    // A copy, where a function wants a vector of its own. Deliberately not an implicit conversion: binding a
    // `const std::vector<float>&` to a column would copy it silently, and returning that reference dangles.
    std::vector<float> toVector() const { return { begin(), end() }; }

    // Writers: each owns the values first. (data() and operator[] are const only, so that reading a non-const
    // column, or making a std::span of it, never copies a mapped one.)
    float* mutableData()
    {
        own();
        return m_owned.data();
    }
    void set(size_t i, float v)
    {
        own();
        m_owned[i] = v;
    }
    std::vector<float>& owned()
    {
        own();
        return m_owned;
    }
    void push_back(float v)
    {
        own();
        m_owned.push_back(v);
        sync();
    }
    void resize(size_t n, float v = 0.0f)
    {
        own();
        m_owned.resize(n, v);
        sync();
    }
    void assign(size_t n, float v)
    {
        drop();
        m_owned.assign(n, v);
        sync();
    }
    template <typename It> void assign(It first, It last)
    {
        std::vector<float> v(first, last); // first..last may lie in this column
        drop();
        m_owned = std::move(v);
        sync();
    }
    template <typename It> void append(It first, It last)
    {
        own();
        m_owned.insert(m_owned.end(), first, last);
        sync();
    }
    void reserve(size_t n)
    {
        own();
        m_owned.reserve(n);
        sync();
    }
    void clear()
    {
        drop();
        m_owned.clear();
        sync();
    }
    void shrink_to_fit()
    {
        if (!m_mapping && !m_check) {
            m_owned.shrink_to_fit();
            sync();
        }
    }

    friend bool operator==(const ScoreColumn& a, const ScoreColumn& b)
    {
        if (a.size() != b.size())
            return false;
        for (size_t i = 0; i < a.size(); ++i)
            if (!(a[i] == b[i]))
                return false;
        return true;
    }
    friend bool operator==(const ScoreColumn& a, const std::vector<float>& b) { return a == ScoreColumn::view(b); }

private:
    static ScoreColumn view(const std::vector<float>& v)
    {
        ScoreColumn c;
        c.m_data = v.data();
        c.m_size = v.size();
        return c;
    }
    void sync()
    {
        m_data = m_owned.data();
        m_size = m_owned.size();
    }
    void own()
    {
        if (m_mapping || m_check) {
            const float* values = data(); // checked: a writer's copy of a corrupt column is its missing values
            m_owned.assign(values, values + m_size);
            m_mapping.reset();
            m_check.reset();
            sync();
        }
    }
    void drop()
    {
        m_mapping.reset();
        m_check.reset();
        m_data = nullptr;
        m_size = 0;
    }
    void reset()
    {
        m_owned.clear();
        m_mapping.reset();
        m_check.reset();
        m_data = nullptr;
        m_size = 0;
    }

    std::vector<float> m_owned;
    std::shared_ptr<const void> m_mapping; // set: m_data points into a mapped file, m_owned is unused
    [[gnu::noinline]] const float* checkedData() const { return m_check->values(); }

    std::shared_ptr<const ColumnCheck> m_check; // set: a mapped column read through its check (m_data unused)
    const float* m_data = nullptr;
    size_t m_size = 0;
};

} // namespace shardscope
