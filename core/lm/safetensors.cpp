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

// clang-format off
constexpr DtypeInfo kDtypes[] = {
    { "F32", torch::kFloat32, 4 }, { "F16", torch::kFloat16, 2 }, { "BF16", torch::kBFloat16, 2 },
    { "F64", torch::kFloat64, 8 }, { "I64", torch::kInt64, 8 },   { "I32", torch::kInt32, 4 },
    { "I16", torch::kInt16, 2 },   { "I8", torch::kInt8, 1 },     { "U8", torch::kUInt8, 1 },
    { "BOOL", torch::kBool, 1 },
};
// clang-format on

} // namespace

SafetensorsFile loadSafetensors(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ModelError(path + ": cannot open the file");
    in.seekg(0, std::ios::end);
    const uint64_t fileSize = uint64_t(in.tellg());
    in.seekg(0);
    const SafetensorsHeader header = readSafetensorsHeader(in, fileSize, path);
    SafetensorsFile out;
    out.metadata = header.metadata;
    for (const auto& [name, t] : header.tensors) {
        const DtypeInfo* info = nullptr;
        for (const auto& d : kDtypes)
            if (t.dtype == d.name)
                info = &d;
        if (!info)
            throw ModelError(path + ": tensor '" + name + "': unsupported dtype '" + t.dtype + "'");
        torch::Tensor tensor = torch::empty(t.shape, torch::TensorOptions().dtype(info->type));
        in.seekg(std::streamoff(header.dataStart + t.begin));
        in.read(static_cast<char*>(tensor.data_ptr()), std::streamsize(t.end - t.begin));
        if (!in)
            throw ModelError(path + ": tensor '" + name + "': read failed");
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
