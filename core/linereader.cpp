#include "linereader.h"

#include "recordparser.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include <sys/mman.h>
#include <unistd.h>

namespace shardscope {

ByteBuffer::ByteBuffer(ByteBuffer&& o) noexcept
    : m_data(std::exchange(o.m_data, nullptr))
    , m_size(std::exchange(o.m_size, 0))
    , m_capacity(std::exchange(o.m_capacity, 0))
{
}

ByteBuffer& ByteBuffer::operator=(ByteBuffer&& o) noexcept
{
    if (this != &o) {
        release();
        m_data = std::exchange(o.m_data, nullptr);
        m_size = std::exchange(o.m_size, 0);
        m_capacity = std::exchange(o.m_capacity, 0);
    }
    return *this;
}

void ByteBuffer::release()
{
    if (m_capacity >= kMapAbove)
        ::munmap(m_data, m_capacity);
    else
        std::free(m_data);
    m_data = nullptr;
    m_size = 0;
    m_capacity = 0;
}

void ByteBuffer::reserve(size_t n)
{
    if (n <= m_capacity)
        return;
    size_t cap = std::max(n, m_capacity + m_capacity / 2);
    void* p = nullptr;
    if (cap < kMapAbove) {
        p = std::realloc(m_data, cap);
    } else {
        const size_t page = size_t(::sysconf(_SC_PAGESIZE));
        cap = (cap + page - 1) / page * page;
        if (m_capacity >= kMapAbove) {
            p = ::mremap(m_data, m_capacity, cap, MREMAP_MAYMOVE);
        } else {
            p = ::mmap(nullptr, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p != MAP_FAILED) {
                if (m_size)
                    std::memcpy(p, m_data, m_size);
                std::free(m_data);
            }
        }
        if (p == MAP_FAILED)
            p = nullptr;
    }
    if (!p)
        throw std::bad_alloc();
    m_data = static_cast<char*>(p);
    m_capacity = cap;
}

void ByteBuffer::append(const char* p, size_t n)
{
    reserve(m_size + n);
    if (n)
        std::memcpy(m_data + m_size, p, n);
    m_size += n;
}

void ByteBuffer::append(size_t n, char c)
{
    reserve(m_size + n);
    std::memset(m_data + m_size, c, n);
    m_size += n;
}

LineReader::LineReader(std::unique_ptr<ByteSource> source, std::string path, size_t batchBytes)
    : m_source(std::move(source))
    , m_path(std::move(path))
    , m_batchBytes(std::max<size_t>(batchBytes, 4096))
{
}

bool LineReader::nextBatch(LineBatch& batch)
{
    batch.lines.clear();
    batch.lastOfShard = false;
    if (m_pendingError) {
        auto e = *m_pendingError;
        m_pendingError.reset();
        m_eof = true;
        throw InputError(e.file(), e.byteOffset(), e.reason() + " (while reading line " + std::to_string(m_lineNo) + ")",
                         m_lineNo);
    }
    if (m_eof && m_carry.empty())
        return false;

    ByteBuffer& buf = batch.data;
    // A huge record grew this (pooled) buffer: give that memory back instead of keeping it
    // resident for the ordinary batches that follow.
    if (buf.capacity() > 4 * (m_batchBytes + RecordParser::kPadding))
        buf.release();
    buf.clear();
    batch.payload = 0;
    buf.reserve(m_batchBytes + RecordParser::kPadding);
    buf.append(m_carry.data(), m_carry.size());
    m_carry.clear();
    if (m_carry.capacity() > 2 * m_batchBytes)
        std::string().swap(m_carry);
    batch.startOffset = m_offset;
    batch.firstLine = m_lineNo;

    size_t scanFrom = 0;   // where to look for the next '\n'
    size_t lineStart = 0;
    for (;;) {
        // Split what we have.
        while (true) {
            const char* nl = static_cast<const char*>(
                std::memchr(buf.data() + scanFrom, '\n', buf.size() - scanFrom));
            if (!nl)
                break;
            size_t end = size_t(nl - buf.data());
            batch.lines.push_back({ uint32_t(lineStart), uint32_t(end - lineStart) });
            lineStart = end + 1;
            scanFrom = lineStart;
        }
        scanFrom = buf.size();
        if (!batch.lines.empty() && buf.size() >= m_batchBytes)
            break;
        if (m_eof)
            break;
        // Need more bytes: grow by a chunk (a 100 MB record grows the buffer as needed). The chunk is at most
        // the batch size, so small batches (a language model's, 64 KiB) stay small: every line read joins the batch.
        const size_t chunk = std::min(m_batchBytes, size_t(1) << 20);
        size_t want = std::max(m_batchBytes - std::min(buf.size(), m_batchBytes), chunk);
        size_t n = 0;
        try {
            n = fill(buf, want);
        } catch (const InputError& e) {
            m_pendingError = std::make_unique<InputError>(e);
            m_eof = true;
        }
        if (n == 0 && !m_pendingError)
            m_eof = true;
        if (m_eof) {
            // Split the final bytes; a last line without '\n' is still a record, unless the
            // stream broke mid-line: then that partial line is not a record and is reported.
            while (true) {
                const char* nl = static_cast<const char*>(
                    std::memchr(buf.data() + scanFrom, '\n', buf.size() - scanFrom));
                if (!nl)
                    break;
                size_t end = size_t(nl - buf.data());
                batch.lines.push_back({ uint32_t(lineStart), uint32_t(end - lineStart) });
                lineStart = end + 1;
                scanFrom = lineStart;
            }
            if (lineStart < buf.size() && !m_pendingError) {
                batch.lines.push_back({ uint32_t(lineStart), uint32_t(buf.size() - lineStart) });
                lineStart = buf.size();
            }
            break;
        }
    }
    // Carry the partial tail line over to the next batch.
    if (lineStart < buf.size()) {
        if (m_pendingError) {
            // Truncated mid-line: count those bytes as lost in the error, not as a record.
            m_carry.clear();
        } else {
            m_carry.assign(buf.data() + lineStart, buf.size() - lineStart);
        }
        buf.resizeUninitialized(lineStart);
    }
    m_offset = batch.startOffset + buf.size();
    m_lineNo += batch.lines.size();
    batch.lastOfShard = m_eof && m_carry.empty() && !m_pendingError;
    batch.payload = buf.size();
    buf.append(RecordParser::kPadding, '\0'); // simdjson's read-ahead room for the last line
    if (batch.lines.empty()) {
        if (m_pendingError)
            return nextBatch(batch);
        return false;
    }
    return true;
}

size_t LineReader::fill(ByteBuffer& buf, size_t want)
{
    size_t old = buf.size();
    // Room for the padding too, so appending it later never reallocates a big buffer.
    if (buf.capacity() < old + want + RecordParser::kPadding)
        buf.reserve(std::max(buf.capacity() * 2, old + want + RecordParser::kPadding));
    buf.resizeUninitialized(old + want);
    size_t got = 0;
    try {
        while (got < want) {
            size_t n = m_source->read(buf.data() + old + got, want - got);
            if (n == 0)
                break;
            got += n;
        }
    } catch (...) {
        buf.resizeUninitialized(old + got);
        throw;
    }
    buf.resizeUninitialized(old + got);
    return got;
}

bool LineReader::next(Line& line)
{
    while (m_singleIdx >= m_single.lines.size()) {
        if (!nextBatch(m_single))
            return false;
        m_singleIdx = 0;
    }
    const auto& l = m_single.lines[m_singleIdx];
    line.text = m_single.line(m_singleIdx);
    line.offset = m_single.startOffset + l.begin;
    line.number = m_single.firstLine + m_singleIdx;
    ++m_singleIdx;
    return true;
}

} // namespace shardscope
