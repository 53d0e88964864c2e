// Fuzz target (issue 22): the n-gram model loader (NgramModel::deserialize, what NgramModel::load runs on ngram.bin
// after reading ngram.json). It documents InputError for a file that is truncated, corrupt, of another version or
// not a model. A model it accepts must score any text without crashing and give finite bits, and write back
// exactly the bytes it was read from (the entries are sorted and unique, the values kept bit for bit), which
// filter configs rely on: they name the file by its SHA-256.
//
// The file ends in an XXH3-64 of everything before it, which random mutations almost never satisfy, so the target
// first makes it agree with the mutated bytes (as fuzz_scorestore does with its checksums); an input shorter than
// the magic number is loaded as it is.

#include "fuzzutil.h"

#include "bytesource.h"
#include "ngramlm.h"

#include <xxhash.h>

#include <cmath>
#include <cstring>

using namespace shardscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string file(reinterpret_cast<const char*>(data), size);
    if (file.size() >= 16 && std::memcmp(file.data(), "SSNGRAM", 7) == 0) {
        const uint64_t sum = XXH3_64bits(file.data(), file.size() - 8);
        std::memcpy(file.data() + file.size() - 8, &sum, 8);
    }
    NgramModel model;
    try {
        model = NgramModel::deserialize(file, "fuzz.ngram.bin");
    } catch (const InputError&) {
        return 0;
    }
    fuzz::check(model.order() >= 1 && model.order() <= NgramModel::kMaxOrder, "accepted an order out of range");
    fuzz::check(model.serialize() == file, "a model it accepted does not write back the same bytes");
    static const char* const texts[] = { "", "a", "the cat sat on the mat", "\xff\xfe\x01 caf\xc3\xa9 \xe4\xb8\xad" };
    for (const char* t : texts) {
        const double bits = model.bits(t);
        fuzz::check(std::isfinite(bits), "bits are not finite");
    }
    const std::string tail(file.data(), std::min<size_t>(file.size(), 300));
    fuzz::check(std::isfinite(model.bits(tail)), "bits of the input's own bytes are not finite");
    return 0;
}
