#pragma once
// Substring search over document texts: reads each shard once, sequentially (a random read
// per document would decompress a .zst shard over and over), parses each indexed record's
// text and marks the documents that contain the needle.

#include "fieldmapping.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace shardscope {

struct TextSearchInput {
    std::vector<std::string> shardPaths;
    FieldMapping fields;
    std::vector<uint16_t> shard;      // per document
    std::vector<uint64_t> offset;     // per document
    std::string needle;               // UTF-8
    bool caseSensitive = false;       // case folding is ASCII only
};

struct TextSearchResult {
    std::vector<uint8_t> mask;        // 1 = the document's text contains the needle
    uint64_t matches = 0;
    std::string error;                // first stream error ("file: byte N: what"), if any
};

TextSearchResult searchTexts(const TextSearchInput& in, const std::atomic<bool>& stop,
                             const std::function<void(double)>& progress);

} // namespace shardscope
