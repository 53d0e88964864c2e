#pragma once
// Streaming decompression of one shard. The format is chosen by magic bytes, not by the file
// name, so a mislabelled file still reads: gzip (1f 8b, concatenated members are read in turn,
// as `zcat` does), zstd (28 b5 2f fd, every frame of a multi-frame file), anything else plain.
// A decompressed stream that starts with "WARC/" is a WARC or WET file: open() returns it as the
// JSON Lines of its documents (warcsource.h).

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace shardscope {

enum class Compression { None, Gzip, Zstd };
const char* compressionName(Compression c);

// Thrown for unreadable input: carries the file and the compressed byte offset where the
// stream broke, so a message can say exactly where to look.
class InputError : public std::runtime_error {
public:
    InputError(std::string file, uint64_t byteOffset, std::string what, uint64_t line = 0);
    const std::string& file() const { return m_file; }
    uint64_t byteOffset() const { return m_offset; }
    uint64_t line() const { return m_line; } // 0 when not known
    const std::string& reason() const { return m_reason; }

private:
    std::string m_file;
    uint64_t m_offset;
    uint64_t m_line;
    std::string m_reason;
};

class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Fills up to `size` decompressed bytes; returns 0 only at a clean end of stream.
    // Throws InputError on a corrupt or truncated stream (after returning all good bytes).
    virtual size_t read(char* dst, size_t size) = 0;
    // Compressed (on-disk) bytes consumed so far; drives progress bars.
    virtual uint64_t compressedPos() const = 0;
    virtual Compression compression() const = 0;

    static std::unique_ptr<ByteSource> open(const std::string& path);
    // The transport compression, by magic bytes.
    static Compression detect(const std::string& path);
    // True when the decompressed stream starts with "WARC/" (false when it cannot be read).
    static bool isWarc(const std::string& path);
    // What a shard is recorded as (ShardInfo::compression): "plain", "gzip", "zstd", or for a WARC
    // "warc", "warc+gzip", "warc+zstd". Only "plain" offsets are file offsets.
    static std::string formatName(const std::string& path);
};

} // namespace shardscope
