#pragma once
// The header of a safetensors file (https://github.com/huggingface/safetensors), read without libtorch so
// the part that trusts nothing from the file can be fuzzed in the core library (issue 18): an unsigned
// 64-bit little-endian header length N, N bytes of JSON mapping tensor names to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the byte after the header), an
// optional "__metadata__" object of strings, then the raw little-endian tensor bytes.
// Every inconsistency (header longer than the file, offsets outside the data, a size that does not match
// dtype x shape, a shape whose element count overflows) is a ModelError naming the file and tensor.

#include <cstdint>
#include <istream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace shardscope::lm {

// A model directory or file that cannot be used; the message names the file and what was expected.
class ModelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SafetensorsTensorInfo {
    std::string dtype; // "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"
    size_t elementBytes = 0;
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0; // byte range relative to dataStart, within the file
};

struct SafetensorsHeader {
    uint64_t dataStart = 0; // 8 + header length
    std::map<std::string, SafetensorsTensorInfo> tensors;
    std::map<std::string, std::string> metadata;
};

// Element size of a safetensors dtype name, 0 when not supported.
size_t safetensorsDtypeBytes(const std::string& dtype);

// Reads the length and the JSON header from the start of `in`, a file of `fileSize` bytes, and checks
// every tensor's range against the data that follows. Throws ModelError.
SafetensorsHeader readSafetensorsHeader(std::istream& in, uint64_t fileSize, const std::string& path);

} // namespace shardscope::lm
