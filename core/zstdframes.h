#pragma once
// The frames of a multi-frame zstd file, for reading it at an uncompressed offset (issue 21: sampling a compressed
// shard without decompressing all of it). Each zstd frame decompresses on its own, so a file of many frames whose
// uncompressed sizes are known can be read from any frame: decompress the frames that hold the bytes wanted.
//
// The index comes from the file's own structure, never from guessing:
// - the seek table of the zstd seekable format (contrib/seekable_format in the zstd sources) when the file ends
//   with one: a skippable frame (magic 0x184D2A5E) whose last 9 bytes are the number of frames (u32), a
//   descriptor byte (bit 7: a 4-byte checksum per entry; bits 2-6 reserved, 0) and the magic 0x8F92EAB1, after one
//   entry per frame (compressed size u32, decompressed size u32[, checksum u32]). One read at the end of the file.
//   A table that does not add up to the file (sizes, counts, reserved bits) is not trusted: the frames are walked.
// - otherwise each frame's header (ZSTD_getFrameHeader: its content size) and its blocks' 3-byte headers (to find
//   where the frame ends, as ZSTD_findFrameCompressedSize does, without reading the blocks themselves), skipping
//   skippable frames (pzstd writes one before each frame).
// A frame whose header does not state its content size (zstd writing from a pipe) ends the walk: such a file is read
// as a stream, as are single-frame files (what `zstd FILE` writes) and frames over 1 GiB of content.
//
// Structure that is there but broken (a frame header cut off, a block past the end of the file, a reserved block
// type) is an InputError with the file and the byte offset of the frame; a frame that does not decompress to its
// stated size is one when it is decompressed (decompressZstdFrame).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shardscope {

struct ZstdFrame {
    uint64_t offset = 0; // in the file
    uint64_t compressedSize = 0;
    uint64_t contentOffset = 0; // in the decompressed stream
    uint64_t contentSize = 0;
};

struct ZstdFrameIndex {
    std::vector<ZstdFrame> frames; // frames with content, in file order (skippable and empty frames left out)
    uint64_t contentBytes = 0; // the decompressed stream's length
    uint64_t fileBytes = 0;
    uint64_t bytesRead = 0; // what indexing read from the file
    bool seekTable = false; // from a seek table rather than the frame headers
    // Worth reading by frame: two frames or more (one frame is the whole stream anyway).
    bool randomAccess() const { return frames.size() >= 2; }
    // The frame holding decompressed byte `pos` (frames.size() when pos >= contentBytes).
    size_t frameAt(uint64_t pos) const;
};

// Reads up to `n` bytes at `offset` into `dst`; returns how many it read (fewer only at the end of the file).
using ReadAtFn = std::function<size_t(uint64_t offset, void* dst, size_t n)>;

inline constexpr uint64_t kMaxZstdFrameContent = 1ull << 30; // larger frames are read as a stream

// The index of a zstd file of `fileBytes` bytes, or nullopt when it cannot be read by frame (not zstd, a frame
// without a content size, a frame over kMaxZstdFrameContent). Throws InputError(path, offset) for a broken frame
// structure. The parser the fuzz target fuzz_zstdframes runs.
std::optional<ZstdFrameIndex> indexZstdFrames(const ReadAtFn& read, uint64_t fileBytes, const std::string& path);
// The same for a file, remembered per (path, size, modification time) so that the scan and estimatePopulation()
// ask once. Throws InputError as above, and when the file cannot be opened.
std::shared_ptr<const ZstdFrameIndex> zstdFrameIndex(const std::string& path);

// Decompresses frame `f` of `path` (its compressed bytes in `compressed`, f.compressedSize of them) into `out`
// (resized to f.contentSize). Throws InputError at f.offset when the frame is corrupt or its size is not the stated
// one.
void decompressZstdFrame(const std::string& path, const ZstdFrame& f, const void* compressed, std::string& out);

} // namespace shardscope
