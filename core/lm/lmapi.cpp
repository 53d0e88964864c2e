// The torch-free language-model API (lmapi.h). Kept apart from lmscorer.cpp so the GUI-facing
// helpers can change without touching the scorer's hot path.
#include "lmapi.h"

#include "lmscorer.h"

#include <torch/cuda.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace shardscope {

namespace {

nlohmann::json readJson(const std::filesystem::path& path)
{
    std::ifstream in(path);
    if (!in)
        return {};
    try {
        return nlohmann::json::parse(in);
    } catch (const std::exception&) {
        return {};
    }
}

} // namespace

std::vector<TokenLoss> tokenLossesOfSelected(std::string_view text)
{
    auto model = loadSelectedLm();
    return tokenLosses(*model, text);
}

void checkSelectedLm()
{
    loadSelectedLm();
}

std::string selectedLmDescription()
{
    namespace fs = std::filesystem;
    const LmOptions o = lmOptions();
    const std::string builtin = builtinLmDirectory();
    const std::string dir = o.modelDir.empty() ? builtin : o.modelDir;
    if (dir.empty())
        return "no language model (the built-in model was not found)";
    std::error_code ec;
    const bool isBuiltin = !builtin.empty() && fs::equivalent(fs::path(dir), fs::path(builtin), ec);
    const nlohmann::json config = readJson(fs::path(dir) / "config.json");
    const nlohmann::json training = readJson(fs::path(dir) / "training.json");
    std::string what;
    if (isBuiltin) {
        what = "built-in byte model";
    } else if (config.value("shardscope_tokenizer", std::string()) == "bytes") {
        what = "byte model " + fs::path(dir).filename().string();
    } else {
        what = config.value("model_type", std::string("model")) + " " + fs::path(dir).filename().string();
    }
    // A model trained without held-out text records 0: say nothing rather than "0.00 bpb".
    if (training.is_object() && training.value("heldout_bytes", int64_t(0)) > 0 && training.contains("heldout_bpb")
        && training["heldout_bpb"].is_number()) {
        char buf[64];
        std::snprintf(buf, sizeof buf, " (%.2f bpb held-out)", training["heldout_bpb"].get<double>());
        what += buf;
    }
    return what + " on " + resolveLmDevice(o.device);
}

std::vector<std::string> availableLmDevices()
{
    std::vector<std::string> out { "cpu" };
    if (torch::cuda::is_available()) {
        const auto n = torch::cuda::device_count();
        for (size_t i = 0; i < n; ++i)
            out.push_back("cuda:" + std::to_string(i));
    }
    return out;
}

std::string resolveLmDevice(const std::string& device)
{
    if (device != "auto" && !device.empty())
        return device;
    return torch::cuda::is_available() ? std::string("cuda:0") : std::string("cpu");
}

} // namespace shardscope
