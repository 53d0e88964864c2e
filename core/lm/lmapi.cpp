// The language-model API (lmapi.h), in the engine: no libtorch here. What needs torch goes through the
// plugin (lmplugin.h), loaded on first use; the options, parameters and model description do not load it.
#include "lmapi.h"

#include "lmplugin.h"
#include "lmscorer.h"

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
    return loadSelectedLm()->tokenLosses(text);
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
    // Which device "auto" is takes torch to say: until a model is used it stays "auto" rather than
    // loading libtorch for a status line.
    const bool unresolved = (o.device == "auto" || o.device.empty()) && !lm::lmBackendLoaded();
    return what + " on " + (unresolved ? std::string("auto") : resolveLmDevice(o.device));
}

std::vector<std::string> availableLmDevices()
{
    try {
        return lm::lmBackend().devices();
    } catch (const lm::LmPluginError&) {
        return { "cpu" }; // the error comes, with its reasons, when a model is loaded
    }
}

std::string resolveLmDevice(const std::string& device)
{
    if (device != "auto" && !device.empty())
        return device;
    try {
        return lm::lmBackend().resolveDevice("auto");
    } catch (const lm::LmPluginError&) {
        return "cpu";
    }
}

} // namespace shardscope
