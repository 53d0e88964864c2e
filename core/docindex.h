#pragma once
// The document index: where each document lives, not its text. Columns, one entry per
// accepted record, in shard order. Memory per document: 8 (offset) + 4 (length) + 4 (text
// bytes) + 4 (text chars) + 4 (line) + 2 (shard) + 4 (group) + 8 (id offset) = 38 bytes,
// plus 4 bytes per score column. Ids live in an IdStore (a file, memory-mapped) so long URL
// ids do not count against resident memory.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shardscope {

struct ShardInfo {
    std::string path;        // absolute
    uint64_t size = 0;       // bytes on disk
    int64_t mtimeNs = 0;
    std::string fingerprint; // hex: size, mtime and XXH3-64 of the first and last 64 KiB
    std::string compression; // "plain", "gzip", "zstd"; a WARC: "warc", "warc+gzip", "warc+zstd"
    // Filled by the scan:
    uint64_t records = 0;    // non-blank lines
    uint64_t rejected = 0;
    uint64_t decompressedBytes = 0;
    bool complete = false;   // false: the scan stopped early or the stream broke
    std::string error;       // stream error (file, byte offset, what), empty if none
};

// Fingerprint of a shard as it is on disk now (cheap: reads at most 128 KiB).
ShardInfo fingerprintShard(const std::string& path);
// Expands files and directories (recursively: *.jsonl, *.jsonl.gz, *.jsonl.zst, *.json.gz,
// *.json.zst, *.ndjson..., and Common Crawl's *.warc.gz, *.warc.wet.gz, *.wet.gz, *.warc, *.wet)
// into a sorted list of absolute paths. Symbolic links to files are followed, links to directories are not (so a link
// loop cannot recurse). Throws InputError, before any work is done, for a path that does not exist, a shard that cannot
// be opened (permission denied, a dangling or looping link named like a shard) and a directory that cannot be listed: a
// corpus read with parts silently missing would give wrong counts.
std::vector<std::string> expandShardPaths(const std::vector<std::string>& inputs);

// Ids, appended in document order, stored in a file so they stay out of the heap.
class IdStore {
public:
    IdStore();
    ~IdStore();
    IdStore(IdStore&&) noexcept;
    IdStore& operator=(IdStore&&) noexcept;
    IdStore(const IdStore&) = delete;
    IdStore& operator=(const IdStore&) = delete;

    // Appends; an empty id is stored as empty and shown as the record's line number.
    void append(std::string_view id);
    // Moves everything appended so far out of the heap into the store (into memory when the temporary
    // file cannot be written).
    void flush();
    // The view of a flushed id stays valid as long as the store (appends and flushes do not move it);
    // the view of an id appended since the last flush is valid until the next append or flush.
    std::string_view get(uint64_t i) const;
    uint64_t size() const { return m_offsets.size() - 1; }
    // Reads the ids from a block of an open file (a scores file: `bytes` bytes at `fileOffset`, whose
    // checksum the caller has verified) through a private read-only mapping; fd may be closed afterwards.
    void adoptFileBlock(std::vector<uint64_t> offsets, int fd, uint64_t fileOffset, uint64_t bytes);
    const std::vector<uint64_t>& offsets() const { return m_offsets; }
    // Bytes of all flushed ids, for saving.
    std::string_view bytes() const;

private:
    std::vector<uint64_t> m_offsets { 0 };
    std::string m_pending;      // not yet written to the file
    struct Impl;
    std::unique_ptr<Impl> d;
};

// The most shards one index (one scan) can hold: a document's shard is stored as 16 bits.
inline constexpr size_t kMaxShards = 65535;

struct DocIndex {
    std::vector<uint16_t> shard;
    std::vector<uint64_t> offset;     // decompressed offset of the record's line
    std::vector<uint32_t> length;     // line length in bytes (without '\n')
    std::vector<uint32_t> line;       // 1-based line number in the shard
    std::vector<uint32_t> textBytes;
    std::vector<uint32_t> textChars;
    std::vector<uint32_t> group;      // index into groups
    std::vector<std::string> groups;  // group names; groups[0] is "" (no group)
    IdStore ids;

    size_t size() const { return offset.size(); }
    void reserve(size_t n);
    void shrinkToFit();
    // id of document i: its id field, or "#<line>" (shard-local line number) when it has none.
    std::string idOf(size_t i) const;
};

} // namespace shardscope
