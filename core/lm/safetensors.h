#pragma once
// Reading and writing the safetensors format (https://github.com/huggingface/safetensors):
// an unsigned 64-bit little-endian header length N, N bytes of JSON mapping tensor names to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the byte after the header),
// an optional "__metadata__" object of strings, then the raw little-endian tensor bytes.
// The header is read by safetensorsheader.h (no libtorch, fuzzed); every inconsistency (header longer than
// the file, offsets outside the data, a size that does not match dtype x shape) is a ModelError naming the
// file and tensor.

#include "safetensorsheader.h"

#include <torch/types.h>

#include <map>
#include <string>

namespace shardscope::lm {

struct SafetensorsFile {
    std::map<std::string, torch::Tensor> tensors; // as stored (F32, F16, BF16, I64...), CPU, owning
    std::map<std::string, std::string> metadata;
};

SafetensorsFile loadSafetensors(const std::string& path);
// Writes contiguous CPU tensors atomically (temporary file + rename).
void saveSafetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
    const std::map<std::string, std::string>& metadata = {});

} // namespace shardscope::lm
