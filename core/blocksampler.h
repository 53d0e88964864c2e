#pragma once
// A uniform sample of a corpus without reading all of it (issue 21, part 1). Plain JSON Lines can be read at any
// byte offset, but picking random offsets and taking the record under each favours long records: a record is hit
// with probability proportional to its length. Instead each shard is cut into blocks of B bytes and every block is
// chosen independently with probability p (a seeded hash of shard and block, as BernoulliSelector does for
// lines); a record belongs to the block its first byte lies in, and the sample is every record that starts in a
// chosen block. Each record is therefore in the sample with probability exactly p, whatever its length (the
// chi-square test in tst_blocksampler checks it against the length-biased way), and reading costs about
// p * (shard bytes + the records that start in a chosen block).
//
// The records of one block are not independent draws: with B = 4 KiB and web documents of a few KiB, a chosen
// block holds about one record, so the intervals of core/sampling.h (which assume independent draws) stay close.
// The number of records in a sampled plain shard is not known; estimatePopulation() scales the records found
// by the share of blocks read.
//
// Multi-frame zstd shards whose frames state their sizes (zstdframes.h: a seek table, or frame headers with content
// sizes) are sampled the same way in the offset space of the decompressed stream: the blocks are blocks of the
// decompressed bytes, chosen by the same hash, and only the frames holding a chosen block's bytes are decompressed,
// plus what finishing a record needs: the frames after, when the last record of a run goes on past its frame, and
// the frame before, when a run starts at a frame's first byte (whether a record starts there depends on the byte
// before it, the previous frame's last, which only decompressing that frame tells). Two decompressed frames are
// kept, so adjacent runs in one frame decompress it once. Offsets, and estimatePopulation(), are as for the plain
// file that the frames decompress to; a sample of the .zst is the sample of its .jsonl.
//
// Other compressed shards (gzip, single-frame zstd, frames without sizes) cannot be read at an offset: there the
// scan reads every line and select() picks each record with probability p by (shard, line), so a corpus of mixed
// shards is sampled at the same rate everywhere.

#include "linereader.h"
#include "scan.h"
#include "zstdframes.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace shardscope {

class BlockSampler final : public DocumentSelector {
public:
    static constexpr uint64_t kDefaultBlockBytes = 4096;

    BlockSampler(double p, uint64_t seed, uint64_t blockBytes = kDefaultBlockBytes);
    // Blocks about one record long (a power of two from 256 B to 64 KiB): a chosen block then holds about one
    // record, so the sample is close to the independent draws the intervals assume, and few blocks are read for
    // nothing.
    static uint64_t blockBytesFor(double meanRecordBytes);
    // For shards read as a stream (compressed): each record with probability p.
    bool select(uint32_t shard, uint64_t line) const override;
    // "offset-blocks p=0.01 seed=7 block=4096"; estimatePopulation() reads it back.
    std::string describe() const override;

    double probability() const { return m_p; }
    uint64_t seed() const { return m_seed; }
    uint64_t blockBytes() const { return m_blockBytes; }
    bool chooses(uint32_t shard, uint64_t block) const;
    // Blocks of a shard of `fileBytes` bytes, and how many of them are chosen.
    uint64_t blockCount(uint64_t fileBytes) const { return (fileBytes + m_blockBytes - 1) / m_blockBytes; }
    uint64_t chosenCount(uint32_t shard, uint64_t fileBytes) const;

private:
    double m_p;
    uint64_t m_seed;
    uint64_t m_blockBytes;
    BernoulliSelector m_lines; // streamed shards
    BernoulliSelector m_blocks; // plain shards, by block number (another seed, so the two choices are unrelated)
};

// The records of a plain shard that start in the sampler's chosen blocks, in file order, read with pread().
// Batches are runs of adjacent chosen blocks (at most about `batchBytes`, a record that starts in the run is read
// whole, however long). Line numbers are not known: batches have firstLine = 0 and the scan stores line 0
// (a document without an id is then named by its byte offset, "@<offset>").
class BlockLineReader {
public:
    // Throws InputError when the file cannot be opened.
    BlockLineReader(const std::string& path, uint32_t shard, const BlockSampler& sampler, size_t batchBytes = 1 << 20);
    // A multi-frame zstd shard read by frame (`frames`: its index, randomAccess()): the blocks are blocks of the
    // decompressed stream.
    BlockLineReader(const std::string& path, uint32_t shard, const BlockSampler& sampler,
        std::shared_ptr<const ZstdFrameIndex> frames, size_t batchBytes = 1 << 20);
    ~BlockLineReader();
    BlockLineReader(const BlockLineReader&) = delete;
    BlockLineReader& operator=(const BlockLineReader&) = delete;

    // The next batch of sampled records; false when the shard's chosen blocks are done. Throws InputError on a
    // read error (the file, the offset).
    bool nextBatch(LineBatch& batch);
    // How far through the file the reader is (for progress): the end of the last run read (for frames, the file
    // offset of the frame holding it).
    uint64_t compressedPos() const;
    // Bytes read from the file: the runs' bytes for a plain shard; for frames, the frame index's reads and the
    // compressed bytes of every frame decompressed.
    uint64_t bytesRead() const { return m_bytesRead; }
    uint64_t framesDecompressed() const { return m_framesDecompressed; }

private:
    // Appends the bytes [from, to) of the shard (decompressed, for frames) to buf; returns how many there were
    // (fewer at the end).
    size_t readAt(ByteBuffer& buf, uint64_t from, uint64_t to);
    size_t readFrames(ByteBuffer& buf, uint64_t from, uint64_t to);
    const std::string& frame(size_t i);

    std::string m_path;
    uint32_t m_shard;
    const BlockSampler& m_sampler;
    size_t m_batchBytes;
    int m_fd = -1;
    uint64_t m_fileBytes = 0;
    uint64_t m_nextBlock = 0;
    uint64_t m_pos = 0;
    uint64_t m_bytesRead = 0;
    std::shared_ptr<const ZstdFrameIndex> m_frames;
    struct Decompressed {
        size_t frame = SIZE_MAX;
        std::string bytes;
    };
    Decompressed m_cache[2]; // the two frames decompressed last
    size_t m_cacheNext = 0;
    std::string m_compressed;
    uint64_t m_framesDecompressed = 0;
};

// The number of records in the corpus a sampled scan saw: exact (records read) unless plain or multi-frame zstd
// shards were sampled by block, whose records are then scaled by blocks / chosen blocks.
struct PopulationEstimate {
    double records = 0;
    bool exact = true;
};
PopulationEstimate estimatePopulation(const ScanResult& result);

// The frames a scan samples a shard by: its frame index when it is a multi-frame zstd file that can be read by
// frame (ZstdFrameIndex::randomAccess()), else nullptr (a plain shard, or one read as a stream). Throws InputError
// for a broken frame structure (the file and the frame's offset).
std::shared_ptr<const ZstdFrameIndex> sampledFrames(const ShardInfo& info);
// The bytes a BlockSampler cuts a shard into blocks of: the file's size for a plain shard, the decompressed size for
// one sampled by frame; nullopt for a shard read as a stream.
std::optional<uint64_t> blockSampledBytes(const ShardInfo& info);

} // namespace shardscope
