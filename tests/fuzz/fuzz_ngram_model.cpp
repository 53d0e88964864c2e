// Fuzz target (issue 22): the n-gram model loader (NgramModel::deserialize, what NgramModel::load runs on ngram.bin
// after reading ngram.json). It documents InputError for a file that is truncated, corrupt, of another version or
// not a model. A model it accepts must score any text without crashing and give finite bits, and write back
// exactly the bytes it was read from (the entries are sorted and unique, the values kept bit for bit), which
// filter configs rely on: they name the file by its SHA-256.
//
// The file ends in an XXH3-64 of everything before it, which random mutations almost never satisfy, so the target
// first makes it agree with the mutated bytes (as fuzz_scorestore does with its checksums); an input shorter than
// the magic number is loaded as it is.
//
// An input that begins with '{' is a per-language manifest instead (ngram-languages.json, issue 22 part 3:
// NgramLanguageManifest::parse, what NgramLanguageModels::load reads before any model). Its "checksum_xxh3_64" is
// made to agree when the input is a JSON object, so that mutations reach the checks behind it; the documented
// refusal is InputError. A manifest it accepts must write back to text that parses to the same manifest.

#include "fuzzutil.h"

#include "bytesource.h"
#include "ngramlang.h"
#include "ngramlm.h"

#include <nlohmann/json.hpp>
#include <xxhash.h>

#include <cstdio>

#include <cmath>
#include <cstring>

using namespace shardscope;

namespace {

void manifest(std::string text)
{
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_object()) {
        j.erase("checksum_xxh3_64");
        const std::string compact = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        char hex[17];
        std::snprintf(
            hex, sizeof hex, "%016llx", static_cast<unsigned long long>(XXH3_64bits(compact.data(), compact.size())));
        j["checksum_xxh3_64"] = hex;
        text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    NgramLanguageManifest m;
    try {
        m = NgramLanguageManifest::parse(text, "fuzz.ngram-languages.json");
    } catch (const InputError&) {
        return;
    }
    fuzz::check(!m.models.empty() && m.allLanguages().language == NgramLanguageManifest::kAllLanguages,
        "accepted a manifest without the all-languages model last");
    fuzz::check(m.order >= 1 && m.order <= NgramModel::kMaxOrder, "accepted an order out of range");
    for (const auto& e : m.models)
        fuzz::check(e.dir.find('/') == std::string::npos && e.dir.find("..") == std::string::npos,
            "accepted a model directory outside the set");
    NgramLanguageManifest back;
    try {
        back = NgramLanguageManifest::parse(m.toJson(), "fuzz.written.json");
    } catch (const InputError&) {
        fuzz::fail("a manifest it accepted does not read back");
    }
    fuzz::check(back == m, "a manifest it accepted reads back different");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string file(reinterpret_cast<const char*>(data), size);
    if (!file.empty() && file[0] == '{') {
        manifest(std::move(file));
        return 0;
    }
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
