#pragma once
// Compression-ratio scorers: compressed size / raw size of the document's UTF-8 text bytes.
//
// zlib6  = len(zlib.compress(text.encode("utf-8"), 6)) / len(text.encode("utf-8"))
//          Deflate level 6 in the zlib container (2-byte header, 4-byte Adler-32 trailer),
//          windowBits 15, memLevel 8, default strategy: exactly Python's zlib.compress(), so
//          a cutoff found here transfers byte for byte to a Python pipeline. Sizes are
//          identical to Python's as long as both link the same zlib major version (1.2.x and
//          1.3.x produce the same deflate stream for these parameters).
// zstd3  = len(zstd.compress(text, level=3)) / len(text) with a single zstd frame, content
//          size written in the header and no checksum (libzstd's ZSTD_compress() defaults, as
//          `python3-zstandard`'s ZstdCompressor(level=3).compress() writes them).
//
// Empty text (0 bytes): the ratio is undefined and reported as missing (NaN); rules drop a
// missing value unless told to keep it. Both tails matter: low ratios mean repetition
// (boilerplate, keyword spam), ratios near or above 1 mean noise or already-encoded data.
//
// The container overhead (6 bytes for zlib, about 9-13 for zstd) dominates for very short
// texts, so ratios of texts under ~50 bytes are high by construction.

#include "scorer.h"

namespace shardscope {

void registerCompressionScorers(ScorerRegistry& r);

// Exposed for tests and benchmarks: the compressed sizes, computed with reusable contexts.
class ZlibSizer {
public:
    explicit ZlibSizer(int level = 6);
    ~ZlibSizer();
    ZlibSizer(const ZlibSizer&) = delete;
    ZlibSizer& operator=(const ZlibSizer&) = delete;
    size_t compressedSize(std::string_view data);

private:
    struct Impl;
    Impl* d;
};

class ZstdSizer {
public:
    explicit ZstdSizer(int level = 3);
    ~ZstdSizer();
    ZstdSizer(const ZstdSizer&) = delete;
    ZstdSizer& operator=(const ZstdSizer&) = delete;
    size_t compressedSize(std::string_view data);

private:
    struct Impl;
    Impl* d;
};

} // namespace shardscope
