#include "blocksampler.h"

#include "recordparser.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace shardscope {

namespace {
constexpr uint64_t kBlockSeedSalt = 0x6f66667365742d62ULL; // "offset-b"
}

BlockSampler::BlockSampler(double p, uint64_t seed, uint64_t blockBytes)
    : m_p(std::clamp(p, 0.0, 1.0))
    , m_seed(seed)
    , m_blockBytes(std::max<uint64_t>(blockBytes, 1))
    , m_lines(p, seed)
    , m_blocks(p, seed ^ kBlockSeedSalt)
{
}

uint64_t BlockSampler::blockBytesFor(double meanRecordBytes)
{
    uint64_t b = 256;
    while (b < 65536 && double(b) < meanRecordBytes)
        b *= 2;
    return b;
}

bool BlockSampler::select(uint32_t shard, uint64_t line) const
{
    return m_lines.select(shard, line);
}

bool BlockSampler::chooses(uint32_t shard, uint64_t block) const
{
    return m_blocks.select(shard, block);
}

uint64_t BlockSampler::chosenCount(uint32_t shard, uint64_t fileBytes) const
{
    uint64_t n = 0;
    const uint64_t blocks = blockCount(fileBytes);
    for (uint64_t b = 0; b < blocks; ++b)
        n += chooses(shard, b);
    return n;
}

std::string BlockSampler::describe() const
{
    char buf[96];
    std::snprintf(buf, sizeof buf, "offset-blocks p=%.9g seed=%llu block=%llu", m_p,
        static_cast<unsigned long long>(m_seed), static_cast<unsigned long long>(m_blockBytes));
    return buf;
}

BlockLineReader::BlockLineReader(
    const std::string& path, uint32_t shard, const BlockSampler& sampler, size_t batchBytes)
    : m_path(path)
    , m_shard(shard)
    , m_sampler(sampler)
    , m_batchBytes(std::max<size_t>(batchBytes, sampler.blockBytes()))
{
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st { };
    if (m_fd < 0 || ::fstat(m_fd, &st) != 0) {
        const int err = errno;
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
        throw InputError(path, 0, std::string("cannot open: ") + std::strerror(err));
    }
    m_fileBytes = uint64_t(st.st_size);
}

BlockLineReader::BlockLineReader(const std::string& path, uint32_t shard, const BlockSampler& sampler,
    std::shared_ptr<const ZstdFrameIndex> frames, size_t batchBytes)
    : BlockLineReader(path, shard, sampler, batchBytes)
{
    m_frames = std::move(frames);
    m_fileBytes = m_frames->contentBytes;
    m_bytesRead = m_frames->bytesRead;
}

uint64_t BlockLineReader::compressedPos() const
{
    if (!m_frames)
        return m_pos;
    const size_t i = m_frames->frameAt(m_pos);
    return i < m_frames->frames.size() ? m_frames->frames[i].offset : m_frames->fileBytes;
}

const std::string& BlockLineReader::frame(size_t i)
{
    for (const Decompressed& d : m_cache)
        if (d.frame == i)
            return d.bytes;
    const ZstdFrame& f = m_frames->frames[i];
    m_compressed.resize(size_t(f.compressedSize));
    size_t got = 0;
    while (got < m_compressed.size()) {
        const ssize_t n = ::pread(m_fd, m_compressed.data() + got, m_compressed.size() - got, off_t(f.offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw InputError(m_path, f.offset + got, std::string("read failed: ") + std::strerror(errno));
        if (n == 0)
            throw InputError(m_path, f.offset + got, "truncated zstd frame (the file is shorter than when indexed)");
        got += size_t(n);
    }
    m_bytesRead += got;
    Decompressed& d = m_cache[m_cacheNext];
    m_cacheNext = (m_cacheNext + 1) % 2;
    d.frame = SIZE_MAX; // until it holds frame i
    decompressZstdFrame(m_path, f, m_compressed.data(), d.bytes);
    d.frame = i;
    ++m_framesDecompressed;
    return d.bytes;
}

size_t BlockLineReader::readFrames(ByteBuffer& buf, uint64_t from, uint64_t to)
{
    to = std::min(to, m_fileBytes);
    if (from >= to)
        return 0;
    const size_t old = buf.size();
    buf.reserve(old + size_t(to - from) + RecordParser::kPadding);
    for (size_t i = m_frames->frameAt(from); from < to && i < m_frames->frames.size(); ++i) {
        const ZstdFrame& f = m_frames->frames[i];
        const std::string& bytes = frame(i);
        const uint64_t a = from - f.contentOffset, b = std::min(to, f.contentOffset + f.contentSize) - f.contentOffset;
        buf.append(bytes.data() + a, size_t(b - a));
        from = f.contentOffset + b;
    }
    return buf.size() - old;
}

BlockLineReader::~BlockLineReader()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

size_t BlockLineReader::readAt(ByteBuffer& buf, uint64_t from, uint64_t to)
{
    if (m_frames)
        return readFrames(buf, from, to);
    to = std::min(to, m_fileBytes);
    if (from >= to)
        return 0;
    const size_t want = size_t(to - from);
    const size_t old = buf.size();
    buf.reserve(old + want + RecordParser::kPadding);
    buf.resizeUninitialized(old + want);
    size_t got = 0;
    while (got < want) {
        const ssize_t n = ::pread(m_fd, buf.data() + old + got, want - got, off_t(from + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int err = errno;
            buf.resizeUninitialized(old + got);
            throw InputError(m_path, from + got, std::string("read failed: ") + std::strerror(err));
        }
        if (n == 0)
            break; // the file shrank: what is there is all there is
        got += size_t(n);
    }
    buf.resizeUninitialized(old + got);
    m_bytesRead += got;
    return got;
}

bool BlockLineReader::nextBatch(LineBatch& batch)
{
    const uint64_t B = m_sampler.blockBytes();
    const uint64_t blocks = m_sampler.blockCount(m_fileBytes);
    ByteBuffer& buf = batch.data;
    if (buf.capacity() > 4 * (m_batchBytes + RecordParser::kPadding))
        buf.release();
    for (;;) {
        while (m_nextBlock < blocks && !m_sampler.chooses(m_shard, m_nextBlock))
            ++m_nextBlock;
        if (m_nextBlock >= blocks) {
            m_pos = m_fileBytes;
            return false;
        }
        // A run of adjacent chosen blocks, [runStart, runEnd).
        uint64_t first = m_nextBlock, last = m_nextBlock + 1;
        while (last < blocks && (last - first) * B < m_batchBytes && m_sampler.chooses(m_shard, last))
            ++last;
        m_nextBlock = last;
        const uint64_t runStart = first * B, runEnd = std::min(last * B, m_fileBytes);
        m_pos = runEnd;

        // A record starts at runStart if it is the file's start or follows a '\n': read from the byte before.
        buf.clear();
        const uint64_t readFrom = runStart ? runStart - 1 : 0;
        readAt(buf, readFrom, runEnd);
        size_t begin = 0; // the first record's start in buf
        if (runStart) {
            const void* nl = std::memchr(buf.data(), '\n', buf.size());
            if (!nl)
                continue; // the run lies inside one record that started before it
            begin = size_t(static_cast<const char*>(nl) - buf.data()) + 1;
        }
        if (readFrom + begin >= runEnd)
            continue; // no record starts in the run
        batch.lines.clear();
        batch.shard = m_shard;
        batch.firstLine = 0; // not known
        batch.startOffset = readFrom + begin;
        // Lines from `begin`: every one that starts before runEnd, read to its end past the run if need be.
        size_t lineStart = begin;
        uint64_t readTo = runEnd;
        while (readFrom + lineStart < runEnd) {
            size_t scanFrom = lineStart;
            const char* nl = nullptr;
            for (;;) {
                nl = static_cast<const char*>(std::memchr(buf.data() + scanFrom, '\n', buf.size() - scanFrom));
                if (nl || readTo >= m_fileBytes)
                    break;
                scanFrom = buf.size();
                const uint64_t more = std::max<uint64_t>(B, std::min<uint64_t>(buf.size(), 4 << 20));
                readAt(buf, readTo, readTo + more);
                readTo = std::min(readTo + more, m_fileBytes);
            }
            const size_t end = nl ? size_t(nl - buf.data()) : buf.size();
            if (!nl && end == lineStart)
                break; // the file ends with '\n': no record after it
            batch.lines.push_back({ uint32_t(lineStart - begin), uint32_t(end - lineStart) });
            lineStart = end + 1;
            if (!nl)
                break;
        }
        // Drop the bytes before the first record and after the last one, then pad as LineReader does.
        const size_t payloadEnd = std::min(lineStart, buf.size());
        std::memmove(buf.data(), buf.data() + begin, payloadEnd - begin);
        buf.resizeUninitialized(payloadEnd - begin);
        batch.payload = buf.size();
        buf.append(RecordParser::kPadding, '\0');
        batch.lastOfShard = false;
        if (!batch.lines.empty())
            return true;
    }
}

std::shared_ptr<const ZstdFrameIndex> sampledFrames(const ShardInfo& info)
{
    if (info.compression != "zstd" || !info.error.empty())
        return nullptr;
    std::shared_ptr<const ZstdFrameIndex> idx = zstdFrameIndex(info.path);
    return idx && idx->randomAccess() ? idx : nullptr;
}

std::optional<uint64_t> blockSampledBytes(const ShardInfo& info)
{
    if (info.compression == "plain")
        return info.size;
    try {
        const std::shared_ptr<const ZstdFrameIndex> idx = sampledFrames(info);
        return idx ? std::optional<uint64_t>(idx->contentBytes) : std::nullopt;
    } catch (const InputError&) {
        return std::nullopt; // the scan could not read it by frame either: it reported the shard's error
    }
}

PopulationEstimate estimatePopulation(const ScanResult& result)
{
    PopulationEstimate e;
    unsigned long long seed = 0, block = 0;
    double p = 0;
    const bool blocks
        = std::sscanf(result.selection.c_str(), "offset-blocks p=%lf seed=%llu block=%llu", &p, &seed, &block) == 3;
    const BlockSampler sampler(p, seed, block);
    for (size_t s = 0; s < result.shards.size(); ++s) {
        const ShardInfo& info = result.shards[s];
        // The blocks a shard was sampled by: its file's bytes (plain), or its decompressed stream's when the scan
        // read its frames (blockSampledBytes(), the same decision).
        const std::optional<uint64_t> bytes = blocks ? blockSampledBytes(info) : std::nullopt;
        if (!bytes) {
            e.records += double(info.records);
            continue;
        }
        e.exact = false;
        const uint64_t chosen = sampler.chosenCount(uint32_t(s), *bytes);
        if (chosen)
            e.records += double(info.records) * double(sampler.blockCount(*bytes)) / double(chosen);
    }
    return e;
}

} // namespace shardscope
