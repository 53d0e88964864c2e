#include "referencelm.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace shardscope::lm {

namespace fs = std::filesystem;

std::string referenceLmDir(const std::string& corpusCacheDir)
{
    return corpusCacheDir.empty() ? std::string() : corpusCacheDir + "/reference-lm";
}

bool isReferenceLmDir(const std::string& dir)
{
    std::error_code ec;
    return !dir.empty() && fs::is_regular_file(fs::path(dir) / "config.json", ec)
        && fs::is_regular_file(fs::path(dir) / "model.safetensors", ec);
}

std::optional<ReferenceLmProvenance> readReferenceLmProvenance(const std::string& dir)
{
    std::ifstream in(fs::path(dir) / "training.json");
    if (!in)
        return std::nullopt;
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object())
        return std::nullopt;
    ReferenceLmProvenance p;
    // Field by field with defaults: a file from an older train-lm lacks the newer ones.
    auto get = [&j](const char* key, auto fallback) {
        const auto it = j.find(key);
        using T = decltype(fallback);
        if (it == j.end() || it->is_null())
            return fallback;
        if constexpr (std::is_same_v<T, std::string>)
            return it->is_string() ? it->template get<std::string>() : fallback;
        else
            return it->is_number() ? it->template get<T>() : fallback;
    };
    if (const auto c = j.find("corpus"); c != j.end() && c->is_object())
        if (const auto s = c->find("shards"); s != c->end() && s->is_array())
            for (const auto& e : *s)
                if (e.is_string())
                    p.shards.push_back(e.get<std::string>());
    if (p.shards.empty())
        if (const auto s = j.find("inputs"); s != j.end() && s->is_array())
            for (const auto& e : *s)
                if (e.is_string())
                    p.shards.push_back(e.get<std::string>());
    p.seed = get("seed", uint64_t(0));
    p.maxDocuments = get("max_documents", int64_t(0));
    p.maxMegabytes = get("max_megabytes", 0.0);
    p.trainDocuments = get("train_documents", int64_t(-1));
    p.heldoutDocuments = get("heldout_documents", int64_t(-1));
    p.trainBytes = get("train_bytes", int64_t(0));
    p.heldoutBytes = get("heldout_bytes", int64_t(0));
    p.steps = get("steps", int64_t(0));
    p.tokens = get("tokens_seen", int64_t(0));
    p.seconds = get("seconds", 0.0);
    p.minutes = get("minutes", 0.0);
    p.maxSteps = get("max_steps", int64_t(0));
    p.heldoutBpb = p.heldoutBytes > 0 ? get("heldout_bpb", -1.0) : -1.0;
    p.trainBpb = get("train_bpb_last100", -1.0);
    p.device = get("device", std::string());
    p.layers = get("layers", 0);
    p.hidden = get("hidden", 0);
    p.heads = get("heads", 0);
    p.context = get("context", 0);
    p.parameters = get("parameters", int64_t(0));
    p.date = get("date", std::string());
    return p;
}

namespace {

std::string utcNow()
{
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// A name beside `dir` no other training (another process, or another job of this one) uses.
std::string sideDir(const std::string& dir, const char* what)
{
    static std::atomic<unsigned> counter { 0 };
    return dir + "." + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

} // namespace

TrainResult trainReferenceLm(TrainOptions options, const std::string& corpusCacheDir)
{
    if (corpusCacheDir.empty())
        throw std::invalid_argument("no corpus cache directory for the reference model");
    const std::string dir = referenceLmDir(corpusCacheDir);
    fs::create_directories(corpusCacheDir);
    const std::string partial = sideDir(dir, "partial");
    options.outDir = partial;
    TrainResult r;
    try {
        r = trainByteLm(options);
        if (r.cancelled) {
            std::error_code ec;
            fs::remove_all(partial, ec);
            return r;
        }
        // The provenance the trainer does not know: what the sample is of, its size in documents, and when.
        const fs::path recipePath = fs::path(partial) / "training.json";
        nlohmann::json recipe;
        {
            std::ifstream in(recipePath);
            recipe = nlohmann::json::parse(in, nullptr, false);
        }
        if (!recipe.is_object())
            recipe = nlohmann::json::object();
        recipe["tool"] = "shardscope reference model (train-lm --for-corpus)";
        recipe["train_documents"] = r.trainDocuments;
        recipe["heldout_documents"] = r.heldoutDocuments;
        recipe["sample_documents"] = r.trainDocuments + r.heldoutDocuments;
        recipe["sample_bytes"] = r.trainBytes + r.heldoutBytes;
        recipe["date"] = utcNow();
        recipe["corpus"]
            = { { "shards", options.inputs }, { "text_field", options.textField }, { "cache_dir", corpusCacheDir } };
        {
            std::ofstream out(recipePath, std::ios::trunc);
            out << recipe.dump(2) << "\n";
            if (!out)
                throw std::runtime_error("could not write " + recipePath.string());
        }
        // The old model goes only now: scores cached from it stay valid for as long as it is there.
        const std::string old = sideDir(dir, "old");
        std::error_code ec;
        const bool hadOne = fs::exists(dir, ec);
        if (hadOne)
            fs::rename(dir, old);
        fs::rename(partial, dir);
        if (hadOne)
            fs::remove_all(old, ec);
    } catch (...) {
        std::error_code ec;
        fs::remove_all(partial, ec);
        throw;
    }
    return r;
}

} // namespace shardscope::lm
