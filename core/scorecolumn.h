#pragma once
// One score column, values[doc] as float32: either owned (a scan fills it) or a read-only view of a block of a
// scores file mapped into memory (issue 21). A 10M-document corpus reopened from its scores file then keeps its
// columns as file-backed pages, which the kernel can drop and read again, instead of copying gigabytes into
// anonymous heap; reopening maps instead of reading.
//
// Reading never copies. Any change (push_back, resize, assign, set, mutableData) first copies a mapped column into
// memory of its own, so a writer never writes to the file and need not know which kind it holds.

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

namespace shardscope {

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

    ScoreColumn(const ScoreColumn& o)
        : m_owned(o.m_owned)
        , m_mapping(o.m_mapping)
    {
        if (m_mapping) {
            m_data = o.m_data;
            m_size = o.m_size;
        } else
            sync();
    }
    ScoreColumn(ScoreColumn&& o) noexcept
        : m_owned(std::move(o.m_owned))
        , m_mapping(std::move(o.m_mapping))
        , m_data(o.m_data)
        , m_size(o.m_size)
    {
        if (!m_mapping)
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
            m_data = o.m_data;
            m_size = o.m_size;
            if (!m_mapping)
                sync();
            o.reset();
        }
        return *this;
    }

    size_t size() const { return m_size; }
    size_t capacity() const { return m_mapping ? m_size : m_owned.capacity(); }
    bool empty() const { return m_size == 0; }
    const float* data() const { return m_data; }
    const float* begin() const { return m_data; }
    const float* end() const { return m_data + m_size; }
    const float& operator[](size_t i) const { return m_data[i]; }
    const float& front() const { return m_data[0]; }
    const float& back() const { return m_data[m_size - 1]; }
    bool isMapped() const { return m_mapping != nullptr; }
    std::span<const float> span() const { return { m_data, m_size }; }
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
        if (!m_mapping) {
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
        if (m_mapping) {
            m_owned.assign(m_data, m_data + m_size);
            m_mapping.reset();
            sync();
        }
    }
    void drop()
    {
        m_mapping.reset();
        m_data = nullptr;
        m_size = 0;
    }
    void reset()
    {
        m_owned.clear();
        m_mapping.reset();
        m_data = nullptr;
        m_size = 0;
    }

    std::vector<float> m_owned;
    std::shared_ptr<const void> m_mapping; // set: m_data points into a mapped file, m_owned is unused
    const float* m_data = nullptr;
    size_t m_size = 0;
};

} // namespace shardscope
