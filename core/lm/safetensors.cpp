#include "safetensors.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace shardscope::lm {

namespace {

struct DtypeInfo {
    const char* name;
    torch::ScalarType type;
    size_t bytes;
};

constexpr DtypeInfo kDtypes[] = {
    { "F32", torch::kFloat32, 4 }, { "F16", torch::kFloat16, 2 }, { "BF16", torch::kBFloat16, 2 },
    { "F64", torch::kFloat64, 8 }, { "I64", torch::kInt64, 8 },   { "I32", torch::kInt32, 4 },
    { "I16", torch::kInt16, 2 },   { "I8", torch::kInt8, 1 },     { "U8", torch::kUInt8, 1 },
    { "BOOL", torch::kBool, 1 },
};

} // namespace

SafetensorsFile loadSafetensors(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ModelError(path + ": cannot open the file");
    in.seekg(0, std::ios::end);
    const uint64_t fileSize = uint64_t(in.tellg());
    in.seekg(0);
    if (fileSize < 8)
        throw ModelError(path + ": " + std::to_string(fileSize) + " bytes, too short for a safetensors header");
    unsigned char lenBytes[8];
    in.read(reinterpret_cast<char*>(lenBytes), 8);
    uint64_t headerLen = 0;
    for (int i = 7; i >= 0; --i)
        headerLen = (headerLen << 8) | lenBytes[i];
    if (headerLen > fileSize - 8 || headerLen > (100u << 20))
        throw ModelError(path + ": header length " + std::to_string(headerLen) + " does not fit the file ("
                         + std::to_string(fileSize) + " bytes): not a safetensors file, or truncated");
    std::string header(headerLen, '\0');
    in.read(header.data(), std::streamsize(headerLen));
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(header);
    } catch (const nlohmann::json::parse_error& e) {
        throw ModelError(path + ": safetensors header is not valid JSON (byte " + std::to_string(8 + e.byte) + ")");
    }
    if (!j.is_object())
        throw ModelError(path + ": safetensors header is not a JSON object");
    const uint64_t dataStart = 8 + headerLen;
    const uint64_t dataSize = fileSize - dataStart;

    SafetensorsFile out;
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
        const std::string dt = t["dtype"].is_string() ? t["dtype"].get<std::string>() : "";
        const DtypeInfo* info = nullptr;
        for (const auto& d : kDtypes)
            if (dt == d.name)
                info = &d;
        if (!info)
            throw bad("unsupported dtype '" + dt + "'");
        std::vector<int64_t> shape;
        uint64_t numel = 1;
        for (const auto& s : t["shape"]) {
            if (!s.is_number_unsigned())
                throw bad("shape entries must be non-negative integers");
            shape.push_back(s.get<int64_t>());
            numel *= s.get<uint64_t>();
        }
        const auto& off = t["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            throw bad("data_offsets must be [begin, end]");
        uint64_t b = off[0].get<uint64_t>(), e = off[1].get<uint64_t>();
        if (b > e || e > dataSize)
            throw bad("data_offsets [" + std::to_string(b) + ", " + std::to_string(e) + "] outside the "
                      + std::to_string(dataSize) + " data bytes (file truncated?)");
        if (e - b != numel * info->bytes)
            throw bad("holds " + std::to_string(e - b) + " bytes but " + dt + " x shape needs "
                      + std::to_string(numel * info->bytes));
        torch::Tensor tensor = torch::empty(shape, torch::TensorOptions().dtype(info->type));
        in.seekg(std::streamoff(dataStart + b));
        in.read(static_cast<char*>(tensor.data_ptr()), std::streamsize(e - b));
        if (!in)
            throw bad("read failed");
        out.tensors.emplace(name, std::move(tensor));
    }
    return out;
}

void saveSafetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                     const std::map<std::string, std::string>& metadata)
{
    nlohmann::json h = nlohmann::json::object();
    if (!metadata.empty())
        h["__metadata__"] = metadata;
    uint64_t offset = 0;
    std::vector<torch::Tensor> ordered;
    for (const auto& [name, t0] : tensors) {
        torch::Tensor t = t0.detach().to(torch::kCPU).contiguous();
        const DtypeInfo* info = nullptr;
        for (const auto& d : kDtypes)
            if (t.scalar_type() == d.type)
                info = &d;
        if (!info)
            throw ModelError(path + ": cannot write tensor '" + name + "' of this dtype");
        uint64_t n = uint64_t(t.numel()) * info->bytes;
        h[name] = { { "dtype", info->name }, { "shape", t.sizes().vec() }, { "data_offsets", { offset, offset + n } } };
        offset += n;
        ordered.push_back(t);
    }
    std::string header = h.dump();
    while ((header.size() + 8) % 8)
        header += ' '; // the format pads the header with spaces to align the data
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw ModelError(tmp + ": cannot write");
        uint64_t len = header.size();
        unsigned char lb[8];
        for (int i = 0; i < 8; ++i)
            lb[i] = uint8_t(len >> (8 * i));
        out.write(reinterpret_cast<const char*>(lb), 8);
        out.write(header.data(), std::streamsize(header.size()));
        for (const auto& t : ordered)
            out.write(static_cast<const char*>(t.data_ptr()), std::streamsize(t.nbytes()));
        if (!out)
            throw ModelError(tmp + ": write failed (disk full?)");
    }
    std::filesystem::rename(tmp, path);
}

} // namespace shardscope::lm
