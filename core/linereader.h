#pragma once
// Splits a decompressed stream into records on '\n' only. Unicode line separators (U+2028,
// U+2029, U+0085) and lone '\r' occur inside real texts and are not record boundaries.
// A last line without a trailing newline is still a record.

#include "bytesource.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shardscope {

// A growable byte buffer that does not zero what it grows into (std::string::resize would
// memset every decompressed byte once more) and keeps its capacity across batches.
// Buffers of kMapAbove bytes or more are anonymous mappings grown by mremap(): a line of 100 MB
// grows without being copied at each doubling and without leaving freed 4-32 MB blocks on the
// malloc heap (glibc raises its mmap threshold after the first big free and keeps up to 64 MB of
// such blocks; that was 34 MB of the peak on a 100 MiB record).
class ByteBuffer {
public:
    static constexpr size_t kMapAbove = size_t(1) << 20;

    ByteBuffer() = default;
    ~ByteBuffer() { release(); }
    ByteBuffer(const ByteBuffer&) = delete;
    ByteBuffer& operator=(const ByteBuffer&) = delete;
    ByteBuffer(ByteBuffer&& o) noexcept;
    ByteBuffer& operator=(ByteBuffer&& o) noexcept;

    char* data() { return m_data; }
    const char* data() const { return m_data; }
    size_t size() const { return m_size; }
    size_t capacity() const { return m_capacity; }
    void clear() { m_size = 0; }
    void reserve(size_t n);
    void resizeUninitialized(size_t n)
    {
        reserve(n);
        m_size = n;
    }
    void append(const char* p, size_t n);
    void append(size_t n, char c);
    // Frees the memory (size and capacity become 0).
    void release();
    operator std::string_view() const { return { data(), m_size }; }

private:
    char* m_data = nullptr;
    size_t m_size = 0;
    size_t m_capacity = 0;
};

// A run of whole lines from one shard, read in one go. The data buffer has
// RecordParser::kPadding spare bytes after its end so every line can be parsed in place.
struct LineBatch {
    uint32_t shard = 0;
    uint64_t seq = 0;          // global batch sequence number, for in-order commits
    uint64_t startOffset = 0;  // decompressed offset of data[0] in the shard's stream
    uint64_t firstLine = 0;    // 1-based line number of the first line
    ByteBuffer data;           // the lines, '\n' included (except possibly the shard's last),
                               // then RecordParser::kPadding zero bytes
    size_t payload = 0;        // bytes of data that belong to the stream (data.size() - padding)
    struct Line {
        uint32_t begin;        // offset in data
        uint32_t length;       // without the '\n'
    };
    std::vector<Line> lines;   // includes blank lines, so line numbers stay exact
    bool lastOfShard = false;
    std::string_view line(size_t i) const { return { data.data() + lines[i].begin, lines[i].length }; }
    size_t readableAfter(size_t i) const { return data.size() - (lines[i].begin + lines[i].length); }
};

class LineReader {
public:
    LineReader(std::unique_ptr<ByteSource> source, std::string path, size_t batchBytes = 4 << 20);

    // Reads the next batch of whole lines (at least one line unless the stream has ended).
    // A line longer than batchBytes grows the buffer to hold it. Returns false at end of
    // stream. Throws InputError (with the line number reached) on a broken stream; the lines
    // completed before the break are returned by the preceding calls.
    bool nextBatch(LineBatch& batch);

    // Convenience for small readers (detection, tests): one line at a time.
    struct Line {
        std::string_view text;
        uint64_t offset;
        uint64_t number;
    };
    bool next(Line& line);

    uint64_t compressedPos() const { return m_source->compressedPos(); }
    const std::string& path() const { return m_path; }
    Compression compression() const { return m_source->compression(); }

private:
    size_t fill(ByteBuffer& buf, size_t want);

    std::unique_ptr<ByteSource> m_source;
    std::string m_path;
    size_t m_batchBytes;
    std::string m_carry;       // partial line carried to the next batch
    uint64_t m_offset = 0;     // decompressed offset of m_carry[0]
    uint64_t m_lineNo = 1;
    bool m_eof = false;
    // Error raised while reading; surfaced after the good lines before it were handed out.
    std::unique_ptr<InputError> m_pendingError;

    LineBatch m_single;
    size_t m_singleIdx = 0;
};

} // namespace shardscope
