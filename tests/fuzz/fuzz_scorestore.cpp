// Fuzz target (issue 18): the scores file loader (loadScores, and readHeader inside it). It documents
// InputError for a corrupt or foreign file. A file it accepts must hold what its consumers index without
// checking (the table model, writeTsv, the filter): every DocIndex column and every score column as long
// as the document count, group indices within the group names, an id per document. This target reads all
// of it the way those consumers do, so a loader that lets an inconsistent file through is caught here
// rather than in the GUI.
//
// The file carries checksums (the header's XXH3 after its length, one per block in the header, and the
// file's length in "file_bytes"), which random mutations almost never satisfy: they would keep the fuzzer
// at the first check. So, as fuzzers for PNG do with CRCs, the target first makes them agree with the
// mutated bytes: the data is cut or zero-padded to "file_bytes", each block's "xxh3" (16 hex digits, so
// the header keeps its length) is recomputed from its offset, count and type, then the header's checksum.
// An input whose header is not JSON is loaded as it is.

#include "fuzzutil.h"

#include "bytesource.h"
#include "scorestore.h"

#include <nlohmann/json.hpp>
#include <xxhash.h>

#include <cstring>

using namespace shardscope;

namespace {

constexpr size_t kPrefix = 8 + 4 + 4 + 8 + 8; // magic, version, reserved, header length, header XXH3

std::string fixChecksums(std::string file)
{
    if (file.size() < kPrefix || std::memcmp(file.data(), "SSCORES\0", 8) != 0)
        return file;
    uint64_t headerLen = 0;
    std::memcpy(&headerLen, file.data() + 16, 8);
    if (headerLen > file.size() - kPrefix)
        return file;
    const std::string_view header(file.data() + kPrefix, headerLen);
    nlohmann::ordered_json h = nlohmann::ordered_json::parse(header, nullptr, false);
    if (h.is_discarded() || !h.is_object())
        return file;
    if (auto it = h.find("file_bytes"); it != h.end() && it->is_number_unsigned()) {
        const uint64_t want = it->get<uint64_t>();
        if (want >= kPrefix + headerLen && want <= (1u << 20))
            file.resize(want, '\0');
    }
    std::vector<std::string> hashes;
    if (auto blocks = h.find("blocks"); blocks != h.end() && blocks->is_array()) {
        for (const auto& b : *blocks) {
            uint64_t hash = 0;
            if (b.is_object() && b.contains("offset") && b.contains("count") && b["offset"].is_number_unsigned()
                && b["count"].is_number_unsigned()) {
                const std::string type
                    = b.contains("type") && b["type"].is_string() ? b["type"].get<std::string>() : "";
                const uint64_t elem = type == "u8" ? 1 : type == "u16" ? 2 : type == "u64" ? 8 : 4;
                const uint64_t off = b["offset"].get<uint64_t>(), count = b["count"].get<uint64_t>();
                if (off <= file.size() && count <= (file.size() - off) / elem)
                    hash = XXH3_64bits(file.data() + off, count * elem);
            }
            char hex[17];
            std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
            hashes.emplace_back(hex, 16);
        }
    }
    // Overwrite the "xxh3" values in the order they appear (the blocks' order), where they are 16 digits.
    const std::string key = "\"xxh3\":\"";
    size_t pos = kPrefix, next = 0;
    while (next < hashes.size()) {
        pos = file.find(key, pos);
        if (pos == std::string::npos || pos + key.size() + 16 > kPrefix + headerLen)
            break;
        pos += key.size();
        std::memcpy(file.data() + pos, hashes[next++].data(), 16);
    }
    const uint64_t headerHash = XXH3_64bits(file.data() + kPrefix, headerLen);
    std::memcpy(file.data() + 24, &headerHash, 8);
    return file;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static fuzz::MemFile file("fuzz_scorestore");
    const std::string& path = file.set(fixChecksums(std::string(reinterpret_cast<const char*>(data), size)));
    ScanResult r;
    ScoresFileInfo info;
    try {
        r = loadScores(path, &info);
    } catch (const InputError&) {
        return 0;
    }
    const DocIndex& ix = r.index;
    const size_t n = ix.size();
    fuzz::check(ix.shard.size() == n && ix.length.size() == n && ix.line.size() == n && ix.textBytes.size() == n
            && ix.textChars.size() == n && ix.group.size() == n && ix.ids.size() == n,
        "a DocIndex column's length differs from the document count");
    for (const auto& v : r.scores.values)
        fuzz::check(v.size() == n, "a score column's length differs from the document count");
    fuzz::check(r.scores.values.size() == r.scores.columns.size(), "score columns and values disagree");
    uint64_t sum = 0;
    for (size_t i = 0; i < n; ++i) {
        sum += ix.shard[i] + ix.length[i] + ix.line[i] + ix.textBytes[i] + ix.textChars[i];
        sum += ix.groups[ix.group[i]].size();
        sum += ix.idOf(i).size();
        for (size_t c = 0; c < r.scores.values.size(); ++c)
            sum += r.scores.values[c][i] > 0;
    }
    (void)sum;
    return 0;
}
