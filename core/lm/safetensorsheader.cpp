#include "safetensorsheader.h"

#include <nlohmann/json.hpp>

namespace shardscope::lm {

size_t safetensorsDtypeBytes(const std::string& dtype)
{
    static const std::map<std::string, size_t> kBytes { { "F32", 4 }, { "F16", 2 }, { "BF16", 2 }, { "F64", 8 },
        { "I64", 8 }, { "I32", 4 }, { "I16", 2 }, { "I8", 1 }, { "U8", 1 }, { "BOOL", 1 } };
    auto it = kBytes.find(dtype);
    return it == kBytes.end() ? 0 : it->second;
}

SafetensorsHeader readSafetensorsHeader(std::istream& in, uint64_t fileSize, const std::string& path)
{
    if (fileSize < 8)
        throw ModelError(path + ": " + std::to_string(fileSize) + " bytes, too short for a safetensors header");
    unsigned char lenBytes[8];
    in.read(reinterpret_cast<char*>(lenBytes), 8);
    if (!in)
        throw ModelError(path + ": cannot read the header length");
    uint64_t headerLen = 0;
    for (int i = 7; i >= 0; --i)
        headerLen = (headerLen << 8) | lenBytes[i];
    if (headerLen > fileSize - 8 || headerLen > (100u << 20))
        throw ModelError(path + ": header length " + std::to_string(headerLen) + " does not fit the file ("
            + std::to_string(fileSize) + " bytes): not a safetensors file, or truncated");
    std::string header(headerLen, '\0');
    in.read(header.data(), std::streamsize(headerLen));
    if (!in)
        throw ModelError(path + ": truncated header");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(header);
    } catch (const nlohmann::json::parse_error& e) {
        throw ModelError(path + ": safetensors header is not valid JSON (byte " + std::to_string(8 + e.byte) + ")");
    } catch (const nlohmann::json::exception& e) {
        // A number beyond a double's range ("1e400") is an out_of_range, not a parse_error (issue 18, fuzzing).
        throw ModelError(path + ": safetensors header is not valid JSON: " + e.what());
    }
    if (!j.is_object())
        throw ModelError(path + ": safetensors header is not a JSON object");
    SafetensorsHeader out;
    out.dataStart = 8 + headerLen;
    const uint64_t dataSize = fileSize - out.dataStart;

    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& name = it.key();
        if (name == "__metadata__") {
            if (it.value().is_object())
                for (auto m = it.value().begin(); m != it.value().end(); ++m)
                    if (m.value().is_string())
                        out.metadata[m.key()] = m.value().get<std::string>();
            continue;
        }
        const auto& t = it.value();
        auto bad = [&](const std::string& what) { return ModelError(path + ": tensor '" + name + "': " + what); };
        if (!t.is_object() || !t.contains("dtype") || !t.contains("shape") || !t.contains("data_offsets"))
            throw bad("expected {dtype, shape, data_offsets}");
        SafetensorsTensorInfo info;
        info.dtype = t["dtype"].is_string() ? t["dtype"].get<std::string>() : "";
        info.elementBytes = safetensorsDtypeBytes(info.dtype);
        if (!info.elementBytes)
            throw bad("unsupported dtype '" + info.dtype + "'");
        // The tensor's bytes must lie in the file, so its element count is at most maxElements. Checking each
        // dimension against that before multiplying keeps the product from wrapping around to a count that
        // matches the range ([2^62, 4] x F32 is 0 bytes modulo 2^64), and a dimension of 2^63 from turning
        // negative in the int64 shape torch::empty() takes (issue 18, fuzz_safetensors_header).
        const uint64_t maxElements = dataSize / info.elementBytes;
        uint64_t numel = 1;
        for (const auto& s : t["shape"]) {
            if (!s.is_number_unsigned())
                throw bad("shape entries must be non-negative integers");
            const uint64_t n = s.get<uint64_t>();
            if (n > uint64_t(INT64_MAX) || (n && numel > maxElements / n))
                throw bad("shape needs more bytes than the file's " + std::to_string(dataSize) + " data bytes");
            info.shape.push_back(int64_t(n));
            numel *= n;
        }
        const auto& off = t["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            throw bad("data_offsets must be [begin, end]");
        info.begin = off[0].get<uint64_t>();
        info.end = off[1].get<uint64_t>();
        if (info.begin > info.end || info.end > dataSize)
            throw bad("data_offsets [" + std::to_string(info.begin) + ", " + std::to_string(info.end) + "] outside the "
                + std::to_string(dataSize) + " data bytes (file truncated?)");
        if (info.end - info.begin != numel * info.elementBytes)
            throw bad("holds " + std::to_string(info.end - info.begin) + " bytes but " + info.dtype + " x shape needs "
                + std::to_string(numel * info.elementBytes));
        out.tensors.emplace(name, std::move(info));
    }
    return out;
}

} // namespace shardscope::lm
