#include "bytesource.h"

#include "warcsource.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <algorithm>
#include <vector>

#include <fcntl.h>
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

} // namespace shardscope
