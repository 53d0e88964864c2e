// Fuzz target (issue 18): the safetensors header reader (lm/safetensorsheader.h, the part of
// loadSafetensors that needs no libtorch). ModelError is the documented refusal. For a header it accepts,
// loadSafetensors allocates torch::empty(shape) and reads end - begin bytes into it, so every tensor's
// shape must be non-negative, its element count times the dtype size must equal end - begin without
// overflowing, and the range must lie within the file.

#include "fuzzutil.h"

#include "lm/safetensorsheader.h"

#include <sstream>

using namespace shardscope::lm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    SafetensorsHeader h;
    try {
        h = readSafetensorsHeader(in, size, "fuzz.safetensors");
    } catch (const ModelError&) {
        return 0;
    }
    fuzz::check(h.dataStart >= 8 && h.dataStart <= size, "data start outside the file");
    for (const auto& [name, t] : h.tensors) {
        uint64_t numel = 1;
        for (int64_t d : t.shape) {
            fuzz::check(d >= 0, "negative dimension accepted");
            fuzz::check(!__builtin_mul_overflow(numel, uint64_t(d), &numel), "element count overflows");
        }
        uint64_t bytes = 0;
        fuzz::check(!__builtin_mul_overflow(numel, uint64_t(t.elementBytes), &bytes), "byte count overflows");
        fuzz::check(t.begin <= t.end && t.end - t.begin == bytes, "tensor byte range does not match its shape");
        fuzz::check(h.dataStart + t.end <= size, "tensor range outside the file");
    }
    return 0;
}
