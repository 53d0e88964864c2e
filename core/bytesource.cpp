#include "bytesource.h"

#include "warcsource.h"
#include "zstdframes.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

namespace shardscope {

const char* compressionName(Compression c)
{
    switch (c) {
    case Compression::Gzip:
        return "gzip";
    case Compression::Zstd:
        return "zstd";
    case Compression::None:
        break;
    }
    return "plain";
}

InputError::InputError(std::string file, uint64_t byteOffset, std::string what, uint64_t line)
    : std::runtime_error(file + (line ? ":" + std::to_string(line) : std::string()) + ": byte "
                         + std::to_string(byteOffset) + ": " + what)
    , m_file(std::move(file))
    , m_offset(byteOffset)
    , m_line(line)
    , m_reason(std::move(what))
{
}

namespace {

class File {
public:
    explicit File(const std::string& path)
        : m_path(path)
    {
        m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (m_fd < 0)
            throw InputError(path, 0, std::string("cannot open: ") + std::strerror(errno));
#ifdef POSIX_FADV_SEQUENTIAL
        ::posix_fadvise(m_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    ~File()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    File(const File&) = delete;
    File& operator=(const File&) = delete;

    size_t read(char* dst, size_t size)
    {
        for (;;) {
            ssize_t n = ::read(m_fd, dst, size);
            if (n >= 0) {
                m_pos += uint64_t(n);
                return size_t(n);
            }
            if (errno != EINTR)
                throw InputError(m_path, m_pos, std::string("read failed: ") + std::strerror(errno));
        }
    }
    uint64_t pos() const { return m_pos; }
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
    int m_fd = -1;
    uint64_t m_pos = 0;
};

constexpr size_t kInChunk = 256 * 1024;

class PlainSource final : public ByteSource {
public:
    explicit PlainSource(const std::string& path)
        : m_file(path)
    {
    }
    size_t read(char* dst, size_t size) override { return m_file.read(dst, size); }
    uint64_t compressedPos() const override { return m_file.pos(); }
    Compression compression() const override { return Compression::None; }

private:
    File m_file;
};

class GzipSource final : public ByteSource {
public:
    explicit GzipSource(const std::string& path)
        : m_file(path)
        , m_in(kInChunk)
    {
        std::memset(&m_z, 0, sizeof m_z);
        // 16 + MAX_WBITS: gzip wrapper only, so a zlib or raw stream is reported, not guessed.
        if (inflateInit2(&m_z, 16 + MAX_WBITS) != Z_OK)
            throw InputError(path, 0, "zlib inflateInit2 failed");
    }
    ~GzipSource() override { inflateEnd(&m_z); }

    size_t read(char* dst, size_t size) override
    {
        if (m_pending)
            throw *m_pending;
        if (m_done || size == 0)
            return 0;
        m_z.next_out = reinterpret_cast<Bytef*>(dst);
        m_z.avail_out = unsigned(std::min<size_t>(size, 1u << 30));
        auto produced = [&] { return size_t(reinterpret_cast<char*>(m_z.next_out) - dst); };
        try {
            while (m_z.avail_out > 0) {
                if (m_z.avail_in == 0) {
                    size_t n = m_file.read(reinterpret_cast<char*>(m_in.data()), m_in.size());
                    if (n == 0) {
                        if (m_midMember)
                            throw InputError(m_file.path(), m_file.pos(),
                                             "truncated gzip stream (member ends before its trailer)");
                        m_done = true;
                        break;
                    }
                    m_z.next_in = m_in.data();
                    m_z.avail_in = unsigned(n);
                }
                m_midMember = true;
                int rc = inflate(&m_z, Z_NO_FLUSH);
                if (rc == Z_STREAM_END) {
                    // Concatenated members (`cat a.gz b.gz`, pigz, bgzip): start the next one.
                    m_midMember = false;
                    inflateReset(&m_z);
                    continue;
                }
                if (rc != Z_OK) {
                    throw InputError(m_file.path(), compressedPos(),
                                     std::string("corrupt gzip data: ") + (m_z.msg ? m_z.msg : "inflate error"));
                }
            }
        } catch (const InputError& e) {
            // Hand out every good byte first; the error surfaces on the next call.
            if (produced() == 0)
                throw;
            m_pending = e;
        }
        return produced();
    }
    uint64_t compressedPos() const override { return m_file.pos() - m_z.avail_in; }
    Compression compression() const override { return Compression::Gzip; }

private:
    File m_file;
    std::vector<Bytef> m_in;
    z_stream m_z;
    bool m_midMember = false;
    bool m_done = false;
    std::optional<InputError> m_pending;
};

class ZstdSource final : public ByteSource {
public:
    explicit ZstdSource(const std::string& path)
        : m_file(path)
        , m_in(ZSTD_DStreamInSize())
        , m_dctx(ZSTD_createDCtx())
    {
        if (!m_dctx)
            throw InputError(path, 0, "ZSTD_createDCtx failed");
        // Accept the long windows that `zstd --long` writes for big shards.
        ZSTD_DCtx_setParameter(m_dctx, ZSTD_d_windowLogMax, 31);
        m_buf.src = m_in.data();
        m_buf.size = 0;
        m_buf.pos = 0;
    }
    ~ZstdSource() override { ZSTD_freeDCtx(m_dctx); }

    size_t read(char* dst, size_t size) override
    {
        if (m_pending)
            throw *m_pending;
        ZSTD_outBuffer out { dst, size, 0 };
        try {
            while (out.pos < out.size) {
                if (m_buf.pos == m_buf.size) {
                    size_t n = m_file.read(m_in.data(), m_in.size());
                    if (n == 0) {
                        if (m_midFrame)
                            throw InputError(m_file.path(), m_file.pos(),
                                             "truncated zstd stream (frame not finished at end of file)");
                        break;
                    }
                    m_buf.size = n;
                    m_buf.pos = 0;
                }
                size_t rc = ZSTD_decompressStream(m_dctx, &out, &m_buf);
                if (ZSTD_isError(rc))
                    throw InputError(m_file.path(), compressedPos(),
                                     std::string("corrupt zstd data: ") + ZSTD_getErrorName(rc));
                // rc == 0: a frame just ended; following bytes, if any, start another frame.
                m_midFrame = rc != 0;
            }
        } catch (const InputError& e) {
            if (out.pos == 0)
                throw;
            m_pending = e;
        }
        return out.pos;
    }
    uint64_t compressedPos() const override { return m_file.pos() - (m_buf.size - m_buf.pos); }
    Compression compression() const override { return Compression::Zstd; }

private:
    File m_file;
    std::vector<char> m_in;
    ZSTD_DCtx* m_dctx;
    ZSTD_inBuffer m_buf;
    bool m_midFrame = false;
    std::optional<InputError> m_pending;
};

} // namespace

Compression ByteSource::detect(const std::string& path)
{
    File f(path);
    unsigned char magic[4] = { 0, 0, 0, 0 };
    size_t n = f.read(reinterpret_cast<char*>(magic), 4);
    if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        return Compression::Gzip;
    if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
        return Compression::Zstd;
    return Compression::None;
}

static std::unique_ptr<ByteSource> openStream(const std::string& path)
{
    switch (ByteSource::detect(path)) {
    case Compression::Gzip:
        return std::make_unique<GzipSource>(path);
    case Compression::Zstd:
        return std::make_unique<ZstdSource>(path);
    case Compression::None:
        break;
    }
    return std::make_unique<PlainSource>(path);
}

bool ByteSource::isWarc(const std::string& path)
{
    try {
        auto s = openStream(path);
        char head[5];
        size_t n = 0;
        while (n < sizeof head) {
            const size_t k = s->read(head + n, sizeof head - n);
            if (k == 0)
                break;
            n += k;
        }
        return startsWarc(std::string_view(head, n));
    } catch (const InputError&) {
        return false; // the reader reports it, with its offset
    }
}

std::string ByteSource::formatName(const std::string& path)
{
    const Compression c = detect(path);
    if (!isWarc(path))
        return compressionName(c);
    std::string name = "warc";
    if (c != Compression::None)
        name.append("+").append(compressionName(c));
    return name;
}

std::unique_ptr<ByteSource> ByteSource::open(const std::string& path)
{
    auto stream = openStream(path);
    // Peeking at the decompressed start costs a second open of the file; the stream itself starts clean.
    if (isWarc(path))
        return std::make_unique<WarcSource>(std::move(stream), path);
    return stream;
}

// ---- Multi-frame zstd (zstdframes.h) ----

namespace {

constexpr uint32_t kZstdMagic = 0xFD2FB528u;
constexpr uint32_t kSkippableMask = 0xFFFFFFF0u, kSkippableMagic = 0x184D2A50u;
constexpr uint32_t kSeekTableSkippable = 0x184D2A5Eu, kSeekableMagic = 0x8F92EAB1u;
constexpr uint64_t kSeekFooterBytes = 9;

uint32_t le32(const unsigned char* p)
{
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

// The seek table at the end of the file, when there is one that adds up; nullopt otherwise (then the frames are
// walked, which checks everything the table would have told).
std::optional<ZstdFrameIndex> fromSeekTable(const ReadAtFn& read, uint64_t fileBytes, ZstdFrameIndex& idx)
{
    if (fileBytes < 8 + kSeekFooterBytes)
        return std::nullopt;
    unsigned char footer[kSeekFooterBytes];
    idx.bytesRead += kSeekFooterBytes;
    if (read(fileBytes - kSeekFooterBytes, footer, kSeekFooterBytes) != kSeekFooterBytes
        || le32(footer + 5) != kSeekableMagic)
        return std::nullopt;
    const uint64_t frames = le32(footer);
    const unsigned descriptor = footer[4];
    if (descriptor & 0x7C) // reserved bits: a later format this reader does not know
        return std::nullopt;
    const uint64_t entryBytes = (descriptor & 0x80) ? 12 : 8;
    const uint64_t tableBytes = frames * entryBytes + kSeekFooterBytes; // the skippable frame's Frame_Size
    if (tableBytes + 8 > fileBytes)
        return std::nullopt;
    const uint64_t tableStart = fileBytes - tableBytes - 8;
    std::vector<unsigned char> table(size_t(tableBytes + 8));
    idx.bytesRead += table.size();
    if (read(tableStart, table.data(), table.size()) != table.size() || le32(table.data()) != kSeekTableSkippable
        || le32(table.data() + 4) != tableBytes)
        return std::nullopt;
    ZstdFrameIndex out = idx;
    out.seekTable = true;
    uint64_t offset = 0, content = 0;
    for (uint64_t i = 0; i < frames; ++i) {
        const unsigned char* e = table.data() + 8 + i * entryBytes;
        const uint64_t c = le32(e), d = le32(e + 4);
        // A block holds at most 128 KiB and takes at least 4 bytes (an RLE block): more content is a lie.
        if (d > kMaxZstdFrameContent || d > c * 32768)
            return std::nullopt;
        if (d)
            out.frames.push_back({ offset, c, content, d });
        offset += c;
        content += d;
        if (offset > tableStart)
            return std::nullopt;
    }
    if (offset != tableStart)
        return std::nullopt;
    out.contentBytes = content;
    return out;
}

} // namespace

size_t ZstdFrameIndex::frameAt(uint64_t pos) const
{
    const auto it = std::upper_bound(frames.begin(), frames.end(), pos,
        [](uint64_t p, const ZstdFrame& f) { return p < f.contentOffset + f.contentSize; });
    return size_t(it - frames.begin());
}

std::optional<ZstdFrameIndex> indexZstdFrames(const ReadAtFn& read, uint64_t fileBytes, const std::string& path)
{
    ZstdFrameIndex idx;
    idx.fileBytes = fileBytes;
    unsigned char head[18]; // the longest frame header: 4 + 1 + 1 + 4 + 8
    if (fileBytes < 4)
        return std::nullopt;
    idx.bytesRead += 4;
    if (read(0, head, 4) != 4 || (le32(head) != kZstdMagic && (le32(head) & kSkippableMask) != kSkippableMagic))
        return std::nullopt;
    if (std::optional<ZstdFrameIndex> t = fromSeekTable(read, fileBytes, idx))
        return t;
    uint64_t pos = 0, content = 0;
    while (pos < fileBytes) {
        const uint64_t frameStart = pos;
        const size_t n = read(pos, head, size_t(std::min<uint64_t>(sizeof head, fileBytes - pos)));
        idx.bytesRead += n;
        if (n < 4)
            throw InputError(path, frameStart, "truncated zstd frame (fewer than 4 bytes of magic number)");
        const uint32_t magic = le32(head);
        if ((magic & kSkippableMask) == kSkippableMagic) {
            if (n < 8)
                throw InputError(path, frameStart, "truncated skippable frame header");
            pos += 8 + uint64_t(le32(head + 4));
            if (pos > fileBytes)
                throw InputError(path, frameStart, "skippable frame extends past the end of the file");
            continue;
        }
        if (magic != kZstdMagic)
            throw InputError(path, frameStart, "not a zstd frame (unknown magic number after the previous frame)");
        // The frame header (zstd_compression_format.md): descriptor byte (bits 7-6 content-size field size, bit 5
        // single segment, bit 3 reserved, bit 2 checksum, bits 1-0 dictionary id size), a window byte unless single
        // segment, the dictionary id, the content size. ZSTD_getFrameContentSize reads the size.
        if (n < 5)
            throw InputError(path, frameStart, "truncated zstd frame header");
        const unsigned fhd = head[4];
        if (fhd & 0x08)
            throw InputError(path, frameStart, "corrupt zstd frame header (reserved bit set)");
        static constexpr unsigned kDictBytes[4] = { 0, 1, 2, 4 }, kSizeBytes[4] = { 0, 2, 4, 8 };
        const bool singleSegment = fhd & 0x20;
        const unsigned fcsBytes = (fhd >> 6) == 0 && singleSegment ? 1 : kSizeBytes[fhd >> 6];
        const uint64_t headerSize = 5 + (singleSegment ? 0 : 1) + kDictBytes[fhd & 3] + fcsBytes;
        if (n < headerSize)
            throw InputError(path, frameStart, "truncated zstd frame header");
        const unsigned long long contentSize = ZSTD_getFrameContentSize(head, n);
        if (contentSize == ZSTD_CONTENTSIZE_ERROR)
            throw InputError(path, frameStart, "corrupt zstd frame header");
        if (contentSize == ZSTD_CONTENTSIZE_UNKNOWN || contentSize > kMaxZstdFrameContent)
            return std::nullopt; // read as a stream
        const bool checksum = fhd & 0x04;
        // The blocks: a 3-byte header each (bit 0 last block, bits 1-2 type, bits 3-23 size); an RLE block holds
        // one byte whatever its size says.
        pos += headerSize;
        uint64_t blocks = 0;
        for (bool last = false; !last; ++blocks) {
            unsigned char bh[3];
            if (pos + 3 > fileBytes || read(pos, bh, 3) != 3)
                throw InputError(path, frameStart, "truncated zstd frame (a block header past the end of the file)");
            idx.bytesRead += 3;
            const uint32_t h = uint32_t(bh[0]) | uint32_t(bh[1]) << 8 | uint32_t(bh[2]) << 16;
            last = h & 1;
            const unsigned type = (h >> 1) & 3;
            if (type == 3)
                throw InputError(path, pos, "corrupt zstd frame (reserved block type)");
            pos += 3 + (type == 1 ? 1 : uint64_t(h >> 3));
            if (pos > fileBytes)
                throw InputError(path, frameStart, "truncated zstd frame (a block extends past the end of the file)");
        }
        if (contentSize > blocks * (128u << 10))
            throw InputError(
                path, frameStart, "corrupt zstd frame (its header states more content than its blocks can hold)");
        if (checksum)
            pos += 4;
        if (pos > fileBytes)
            throw InputError(path, frameStart, "truncated zstd frame (its checksum is missing)");
        if (contentSize)
            idx.frames.push_back({ frameStart, pos - frameStart, content, contentSize });
        content += contentSize;
    }
    idx.contentBytes = content;
    return idx;
}

std::shared_ptr<const ZstdFrameIndex> zstdFrameIndex(const std::string& path)
{
    struct stat st { };
    if (::stat(path.c_str(), &st) != 0)
        throw InputError(path, 0, std::string("cannot stat: ") + std::strerror(errno));
    using Key = std::tuple<std::string, uint64_t, int64_t>;
    const Key key { path, uint64_t(st.st_size), int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec };
    static std::mutex mutex;
    static std::map<Key, std::shared_ptr<const ZstdFrameIndex>> known;
    {
        std::lock_guard lock(mutex);
        if (const auto it = known.find(key); it != known.end())
            return it->second;
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw InputError(path, 0, std::string("cannot open: ") + std::strerror(errno));
    const ReadAtFn read = [fd](uint64_t offset, void* dst, size_t n) {
        size_t got = 0;
        while (got < n) {
            const ssize_t k = ::pread(fd, static_cast<char*>(dst) + got, n - got, off_t(offset + got));
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            got += size_t(k);
        }
        return got;
    };
    std::shared_ptr<const ZstdFrameIndex> out;
    try {
        if (std::optional<ZstdFrameIndex> idx = indexZstdFrames(read, uint64_t(st.st_size), path))
            out = std::make_shared<const ZstdFrameIndex>(std::move(*idx));
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    std::lock_guard lock(mutex);
    known[key] = out; // nullptr: read as a stream
    return out;
}

void decompressZstdFrame(const std::string& path, const ZstdFrame& f, const void* compressed, std::string& out)
{
    struct DCtx {
        ZSTD_DCtx* p = ZSTD_createDCtx();
        ~DCtx() { ZSTD_freeDCtx(p); }
    };
    thread_local DCtx dctx;
    if (!dctx.p)
        throw InputError(path, f.offset, "ZSTD_createDCtx failed");
    ZSTD_DCtx_reset(dctx.p, ZSTD_reset_session_and_parameters);
    ZSTD_DCtx_setParameter(dctx.p, ZSTD_d_windowLogMax, 31);
    out.resize(size_t(f.contentSize));
    // Exactly one frame: a seek table's sizes that cut a frame short, or cover two, fail here.
    const size_t frameBytes = ZSTD_findFrameCompressedSize(compressed, size_t(f.compressedSize));
    if (ZSTD_isError(frameBytes) || frameBytes != f.compressedSize)
        throw InputError(
            path, f.offset, "corrupt zstd frame (its size is not the one its headers or the seek table state)");
    const size_t rc = ZSTD_decompressDCtx(dctx.p, out.data(), out.size(), compressed, size_t(f.compressedSize));
    if (ZSTD_isError(rc))
        throw InputError(path, f.offset, std::string("corrupt zstd frame: ") + ZSTD_getErrorName(rc));
    if (rc != f.contentSize)
        throw InputError(path, f.offset,
            "corrupt zstd frame: " + std::to_string(rc) + " bytes decompressed, " + std::to_string(f.contentSize)
                + " stated");
}

} // namespace shardscope
