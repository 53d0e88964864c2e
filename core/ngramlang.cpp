#include "ngramlang.h"

#include "atomicfile.h"
#include "bytesource.h"

#ifdef SHARDSCOPE_HAVE_FASTTEXT
#include "scorers/langid.h"
#endif

#include <nlohmann/json.hpp>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <mutex>
#include <set>
#include <stdexcept>

namespace shardscope {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kChecksumKey = "checksum_xxh3_64";

std::string hex64(uint64_t v)
{
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(v));
    return hex;
}

bool parseHex64(const std::string& s, uint64_t& out)
{
    if (s.size() != 16 || s.find_first_not_of("0123456789abcdef") != std::string::npos)
        return false;
    out = std::stoull(s, nullptr, 16);
    return true;
}

bool isLanguageLabel(const std::string& s)
{
    return !s.empty() && s.size() <= 32
        && s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") == std::string::npos;
}

std::string dirFor(const std::string& language)
{
    return language == NgramLanguageManifest::kAllLanguages ? std::string(NgramLanguageManifest::kAllLanguages)
                                                            : "lang-" + language;
}

uint64_t checksumOf(json j)
{
    j.erase(kChecksumKey);
    // Invalid UTF-8 (a shard path with such bytes) is written as U+FFFD, here and in the file alike.
    const std::string compact = j.dump(-1, ' ', false, json::error_handler_t::replace);
    return XXH3_64bits(compact.data(), compact.size());
}

// Field readers that name what is wrong.
class Fields {
public:
    Fields(const json& j, const std::string& file, std::string where)
        : m_j(j)
        , m_file(file)
        , m_where(std::move(where))
    {
    }
    [[noreturn]] void fail(const std::string& what) const
    {
        throw InputError(m_file, 0,
            "not a valid per-language n-gram manifest: " + (m_where.empty() ? std::string() : m_where + ": ") + what);
    }
    const json& at(const char* key) const
    {
        if (!m_j.contains(key))
            fail(std::string("\"") + key + "\" is missing");
        return m_j[key];
    }
    uint64_t count(const char* key) const
    {
        const json& v = at(key);
        if (!v.is_number_unsigned())
            fail(std::string("\"") + key + "\" must be a whole number >= 0");
        return v.get<uint64_t>();
    }
    double number(const char* key) const
    {
        const json& v = at(key);
        if (!v.is_number() || !std::isfinite(v.get<double>()))
            fail(std::string("\"") + key + "\" must be a finite number");
        return v.get<double>();
    }
    std::string string(const char* key) const
    {
        const json& v = at(key);
        if (!v.is_string())
            fail(std::string("\"") + key + "\" must be a string");
        return v.get<std::string>();
    }

private:
    const json& m_j;
    const std::string& m_file;
    std::string m_where;
};

std::string readWhole(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, 0, "cannot open the per-language n-gram manifest");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw InputError(path, 0, "read error in the per-language n-gram manifest");
    return bytes;
}

} // namespace

std::string NgramLanguageManifest::toJson() const
{
    json j;
    j["format"] = kFormat;
    j["version"] = kVersion;
    j["unit"] = "byte";
    j["order"] = order;
    j["langid"] = { { "model", lidModel }, { "xxh3_128", lidModelHash }, { "min_lang_score", minLangScore } };
    j["min_docs"] = minDocs;
    j["languages_requested"] = languagesRequested;
    json t;
    t["shards"] = training.shards;
    t["sample"] = training.sample;
    t["seed"] = training.seed;
    t["documents"] = training.documents;
    t["bytes"] = training.bytes;
    t["held_out_documents"] = training.heldOutDocuments;
    t["held_out_bytes"] = training.heldOutBytes;
    t["held_out_bpb"] = training.heldOutBpb;
    t["seconds"] = training.trainSeconds;
    j["training"] = t;
    json counts = json::array();
    for (const auto& [label, n] : sampleLanguages)
        counts.push_back(json::array({ label, n }));
    j["sample_languages"] = counts;
    json ms = json::array();
    for (const auto& m : models) {
        json e;
        e["language"] = m.language;
        e["dir"] = m.dir;
        e["documents"] = m.documents;
        e["bytes"] = m.bytes;
        e["held_out_documents"] = m.heldOutDocuments;
        e["held_out_bytes"] = m.heldOutBytes;
        e["held_out_bpb"] = m.heldOutBpb;
        e["held_out_bpb_all_languages"] = m.heldOutBpbAllLanguages;
        e["binary_xxh3_64"] = hex64(m.binaryXxh3);
        ms.push_back(e);
    }
    j["models"] = ms;
    j["tool"] = std::string("shardscope ") + SHARDSCOPE_VERSION;
    j[kChecksumKey] = hex64(checksumOf(j));
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

NgramLanguageManifest NgramLanguageManifest::parse(std::string_view text, const std::string& name)
{
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        throw InputError(name, e.byte > 0 ? uint64_t(e.byte - 1) : 0,
            std::string("the per-language n-gram manifest is not valid JSON: ") + e.what());
    } catch (const json::exception& e) { // a number too large for a double (1e400) is out_of_range, not parse_error
        throw InputError(name, 0, std::string("the per-language n-gram manifest is not valid JSON: ") + e.what());
    }
    if (!j.is_object() || !j.contains("format") || !j["format"].is_string() || j["format"] != kFormat)
        throw InputError(
            name, 0, std::string("not a per-language n-gram manifest (expected \"format\": \"") + kFormat + "\")");
    if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int64_t>() != kVersion)
        throw InputError(name, 0,
            "per-language n-gram manifest version "
                + (j.contains("version") ? j["version"].dump() : std::string("(none)")) + " (this build reads version "
                + std::to_string(kVersion) + "); train the models again");
    uint64_t stored = 0;
    if (!j.contains(kChecksumKey) || !j[kChecksumKey].is_string()
        || !parseHex64(j[kChecksumKey].get<std::string>(), stored))
        throw InputError(name, 0, "the per-language n-gram manifest has no checksum (\"checksum_xxh3_64\")");
    if (checksumOf(j) != stored)
        throw InputError(name, 0,
            "the per-language n-gram manifest is corrupt or was edited (checksum mismatch); train the models again");

    const Fields top(j, name, {});
    NgramLanguageManifest m;
    const json& order = top.at("order");
    if (!order.is_number_integer() || order.get<int64_t>() < 1 || order.get<int64_t>() > NgramModel::kMaxOrder)
        top.fail("\"order\" must be a whole number from 1 to " + std::to_string(NgramModel::kMaxOrder));
    m.order = int(order.get<int64_t>());
    const json& lid = top.at("langid");
    if (!lid.is_object())
        top.fail("\"langid\" must be an object");
    const Fields l(lid, name, "langid");
    m.lidModel = l.string("model");
    m.lidModelHash = l.string("xxh3_128");
    m.minLangScore = l.number("min_lang_score");
    if (m.minLangScore < 0 || m.minLangScore > 1)
        l.fail("\"min_lang_score\" must be from 0 to 1");
    m.minDocs = top.count("min_docs");
    const json& requested = top.at("languages_requested");
    if (!requested.is_array())
        top.fail("\"languages_requested\" must be an array of language labels");
    for (const auto& r : requested) {
        if (!r.is_string() || !isLanguageLabel(r.get<std::string>()))
            top.fail("\"languages_requested\" must be an array of language labels");
        m.languagesRequested.push_back(r.get<std::string>());
    }
    const json& t = top.at("training");
    if (!t.is_object())
        top.fail("\"training\" must be an object");
    const Fields tf(t, name, "training");
    const json& shards = tf.at("shards");
    if (!shards.is_array())
        tf.fail("\"shards\" must be an array of paths");
    for (const auto& s : shards) {
        if (!s.is_string())
            tf.fail("\"shards\" must be an array of paths");
        m.training.shards.push_back(s.get<std::string>());
    }
    m.training.sample = tf.string("sample");
    m.training.seed = tf.count("seed");
    m.training.documents = tf.count("documents");
    m.training.bytes = tf.count("bytes");
    m.training.heldOutDocuments = tf.count("held_out_documents");
    m.training.heldOutBytes = tf.count("held_out_bytes");
    m.training.heldOutBpb = tf.number("held_out_bpb");
    m.training.trainSeconds = tf.number("seconds");
    const json& sl = top.at("sample_languages");
    if (!sl.is_array())
        top.fail("\"sample_languages\" must be an array of [label, documents]");
    for (const auto& p : sl) {
        if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_number_unsigned()
            || (!p[0].get<std::string>().empty() && !isLanguageLabel(p[0].get<std::string>())))
            top.fail("\"sample_languages\" must be an array of [label, documents]");
        m.sampleLanguages.emplace_back(p[0].get<std::string>(), p[1].get<uint64_t>());
    }
    const json& models = top.at("models");
    if (!models.is_array() || models.empty())
        top.fail("\"models\" must be a non-empty array");
    std::set<std::string> seen;
    for (size_t i = 0; i < models.size(); ++i) {
        const std::string where = "models[" + std::to_string(i) + "]";
        if (!models[i].is_object())
            top.fail(where + " must be an object");
        const Fields f(models[i], name, where);
        NgramLanguageEntry e;
        e.language = f.string("language");
        if (!isLanguageLabel(e.language))
            f.fail("\"language\" must be a language label ([a-z0-9_-], at most 32 characters)");
        e.dir = f.string("dir");
        if (e.dir != dirFor(e.language))
            f.fail("\"dir\" must be \"" + dirFor(e.language) + "\"");
        if (!seen.insert(e.language).second)
            f.fail("language \"" + e.language + "\" is listed twice");
        const bool last = i + 1 == models.size();
        if ((e.language == kAllLanguages) != last)
            f.fail(last ? "the last model must be the all-languages one (\"language\": \"all\")"
                        : "the all-languages model must be the last one");
        e.documents = f.count("documents");
        e.bytes = f.count("bytes");
        e.heldOutDocuments = f.count("held_out_documents");
        e.heldOutBytes = f.count("held_out_bytes");
        e.heldOutBpb = f.number("held_out_bpb");
        e.heldOutBpbAllLanguages = f.number("held_out_bpb_all_languages");
        if (!parseHex64(f.string("binary_xxh3_64"), e.binaryXxh3))
            f.fail("\"binary_xxh3_64\" must be 16 lowercase hex digits");
        m.models.push_back(std::move(e));
    }
    return m;
}

void NgramLanguageModels::save(const std::string& dir)
{
    if (models.size() != manifest.models.size() || models.empty())
        throw std::invalid_argument("a per-language n-gram set needs one model per manifest entry");
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error(dir + ": cannot create the model directory: " + ec.message());
    // The old manifest first: while the models are replaced, the directory is no valid set (rather than a set whose
    // manifest pins other files, which loading would refuse anyway).
    fs::remove(fs::path(dir) / NgramLanguageManifest::kFileName, ec);
    std::set<std::string> dirs;
    for (size_t i = 0; i < models.size(); ++i) {
        NgramLanguageEntry& e = manifest.models[i];
        e.dir = dirFor(e.language);
        dirs.insert(e.dir);
        e.binaryXxh3 = models[i]->save((fs::path(dir) / e.dir).string());
    }
    // What an earlier training left: a single model at the top (it would be scored instead of nothing, but the
    // directory must say which kind it is), and models of languages no longer listed.
    for (const char* f : { NgramModel::kBinaryName, NgramModel::kMetaName })
        fs::remove(fs::path(dir) / f, ec);
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (e.is_directory() && name.starts_with("lang-") && !dirs.count(name)) {
            std::error_code ignored;
            fs::remove(e.path() / NgramModel::kBinaryName, ignored);
            fs::remove(e.path() / NgramModel::kMetaName, ignored);
            fs::remove(e.path(), ignored); // only when empty
        }
    }
    writeFileAtomically((fs::path(dir) / NgramLanguageManifest::kFileName).string(), manifest.toJson());
}

NgramLanguageModels NgramLanguageModels::load(const std::string& dir)
{
    const std::string path = (fs::path(dir) / NgramLanguageManifest::kFileName).string();
    NgramLanguageModels out;
    out.manifest = NgramLanguageManifest::parse(readWhole(path), path);
    for (const auto& e : out.manifest.models) {
        const std::string sub = (fs::path(dir) / e.dir).string();
        const std::string bin = (fs::path(sub) / NgramModel::kBinaryName).string();
        uint64_t hash = 0;
        auto model = std::make_shared<NgramModel>(NgramModel::load(sub, &hash));
        if (hash != e.binaryXxh3)
            throw InputError(bin, 0,
                "this is not the model " + path + " lists for \"" + e.language + "\" (XXH3-64 " + hex64(hash)
                    + ", the manifest pins " + hex64(e.binaryXxh3)
                    + "): the directory mixes models of different trainings; train the models again");
        if (model->order() != out.manifest.order)
            throw InputError(bin, 0,
                "order " + std::to_string(model->order()) + ", but " + path + " says "
                    + std::to_string(out.manifest.order));
        out.models.push_back(std::move(model));
    }
    return out;
}

NgramLanguageModels trainNgramLanguageModels(const NgramLanguageSample& sample, const NgramLanguageOptions& o)
{
    if (sample.labels.size() != sample.texts.size() || sample.probabilities.size() != sample.texts.size())
        throw std::invalid_argument("a language sample needs a label and a probability per text");
    if (!(o.heldOutPercent >= 0 && o.heldOutPercent <= 50))
        throw std::invalid_argument("the held-out share must be 0 to 50 percent");
    if (!(o.minLangScore >= 0 && o.minLangScore <= 1))
        throw std::invalid_argument("the minimum language score must be 0 to 1");
    if (o.order < 1 || o.order > NgramModel::kMaxOrder)
        throw std::invalid_argument("n-gram order " + std::to_string(o.order) + " (this build trains orders 1 to "
            + std::to_string(NgramModel::kMaxOrder) + ")");
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<std::string>& labels = sample.labelNames;
    const uint64_t threshold = uint64_t(o.heldOutPercent / 100 * 18446744073709551615.0);
    struct Doc {
        std::string_view text;
        int label; // confident lid label, -1: none
        bool held;
    };
    std::vector<Doc> docs;
    std::vector<uint64_t> confident(labels.size(), 0);
    uint64_t unsure = 0;
    docs.reserve(sample.texts.size());
    for (size_t k = 0; k < sample.texts.size(); ++k) {
        const std::string_view text = sample.texts[k];
        int label = sample.labels[k];
        if (label < 0 || size_t(label) >= labels.size() || !(sample.probabilities[k] >= o.minLangScore))
            label = -1;
        // The held-out documents of train(): a hash of the text.
        const bool held = o.heldOutPercent > 0 && XXH3_64bits(text.data(), text.size()) < threshold;
        docs.push_back({ text, label, held });
        if (label >= 0)
            ++confident[size_t(label)];
        else
            ++unsure;
    }
    // The languages that get a model: named, or frequent enough; by documents (most first), then label.
    std::vector<int> chosen;
    if (!o.languages.empty()) {
        for (const std::string& name : o.languages) {
            const auto it = std::find(labels.begin(), labels.end(), name);
            if (it == labels.end())
                throw std::invalid_argument("language '" + name + "' is not a label of lid.176 (" + sample.lidModel
                    + "; labels such as en, de, zh, als)");
            const int label = int(it - labels.begin());
            if (std::find(chosen.begin(), chosen.end(), label) == chosen.end())
                chosen.push_back(label);
        }
    } else {
        for (size_t l = 0; l < labels.size(); ++l)
            if (confident[l] >= std::max<uint64_t>(o.minDocs, 1))
                chosen.push_back(int(l));
    }
    std::stable_sort(chosen.begin(), chosen.end(), [&](int a, int b) {
        return confident[size_t(a)] != confident[size_t(b)] ? confident[size_t(a)] > confident[size_t(b)]
                                                            : labels[size_t(a)] < labels[size_t(b)];
    });
    std::vector<int> slotOf(labels.size(), -1);
    NgramLanguageModels out;
    NgramLanguageManifest& m = out.manifest;
    std::vector<std::vector<std::string_view>> train(chosen.size() + 1); // the languages, then all
    for (const int l : chosen) {
        // A named language without a confident training document gets no model (its documents go to the
        // all-languages one): a model of nothing would give every byte 8 bits.
        uint64_t trainDocs = 0;
        for (const Doc& d : docs)
            trainDocs += d.label == l && !d.held;
        if (trainDocs == 0)
            continue;
        slotOf[size_t(l)] = int(m.models.size());
        m.models.push_back({ labels[size_t(l)], {}, 0, 0, 0, 0, -1, -1, 0 });
    }
    m.models.push_back({ NgramLanguageManifest::kAllLanguages, {}, 0, 0, 0, 0, -1, -1, 0 });
    train.resize(m.models.size());
    const size_t all = m.models.size() - 1;
    for (const Doc& d : docs) {
        if (d.held)
            continue;
        train[all].push_back(d.text);
        if (d.label >= 0 && slotOf[size_t(d.label)] >= 0)
            train[size_t(slotOf[size_t(d.label)])].push_back(d.text);
    }
    if (train[all].empty())
        throw std::invalid_argument("the sample holds no text to train on");
    for (size_t i = 0; i < m.models.size(); ++i) {
        m.models[i].documents = train[i].size();
        for (std::string_view t : train[i])
            m.models[i].bytes += t.size();
    }
    out.models.resize(m.models.size());
    // Each model is counted on one thread: the all-languages one (the largest) beside the languages in turn.
    auto languages = [&] {
        for (size_t i = 0; i < all; ++i)
            out.models[i] = std::make_shared<const NgramModel>(NgramModel::train(train[i], o.order));
    };
    if (o.threads == 1) {
        out.models[all] = std::make_shared<const NgramModel>(NgramModel::train(train[all], o.order));
        languages();
    } else {
        auto pending = std::async(std::launch::async, languages);
        out.models[all] = std::make_shared<const NgramModel>(NgramModel::train(train[all], o.order));
        pending.get();
    }
    // Held out: each language's documents under its own model and under the all-languages one; every held-out
    // document under the model that scores it (training.held_out_bpb).
    std::vector<double> ownBits(m.models.size(), 0), allBits(m.models.size(), 0);
    double routedBits = 0;
    for (const Doc& d : docs) {
        if (!d.held)
            continue;
        const double a = out.models[all]->bits(d.text);
        const int slot = d.label >= 0 ? slotOf[size_t(d.label)] : -1;
        NgramLanguageEntry& e = m.models[slot >= 0 ? size_t(slot) : all];
        const double own = slot >= 0 ? out.models[size_t(slot)]->bits(d.text) : a;
        routedBits += own;
        if (slot >= 0) {
            ++e.heldOutDocuments;
            e.heldOutBytes += d.text.size();
            ownBits[size_t(slot)] += own;
            allBits[size_t(slot)] += a;
        }
        m.training.heldOutDocuments += 1;
        m.training.heldOutBytes += d.text.size();
        allBits[all] += a;
    }
    m.models[all].heldOutDocuments = m.training.heldOutDocuments;
    m.models[all].heldOutBytes = m.training.heldOutBytes;
    ownBits[all] = allBits[all];
    for (size_t i = 0; i < m.models.size(); ++i)
        if (m.models[i].heldOutBytes) {
            m.models[i].heldOutBpb = ownBits[i] / double(m.models[i].heldOutBytes);
            m.models[i].heldOutBpbAllLanguages = allBits[i] / double(m.models[i].heldOutBytes);
        }
    m.order = o.order;
    m.lidModel = sample.lidModel;
    try {
        m.lidModelHash = sample.lidModel.empty() ? std::string() : hashFile(sample.lidModel);
    } catch (const std::exception&) {
        m.lidModelHash.clear(); // informational only
    }
    m.minLangScore = o.minLangScore;
    m.minDocs = o.languages.empty() ? std::max<uint64_t>(o.minDocs, 1) : 0;
    m.languagesRequested = o.languages;
    m.training.documents = m.models[all].documents;
    m.training.bytes = m.models[all].bytes;
    m.training.heldOutBpb = m.training.heldOutBytes ? routedBits / double(m.training.heldOutBytes) : -1;
    for (size_t l = 0; l < labels.size(); ++l)
        if (confident[l])
            m.sampleLanguages.emplace_back(labels[l], confident[l]);
    std::stable_sort(m.sampleLanguages.begin(), m.sampleLanguages.end(),
        [](const auto& a, const auto& b) { return a.second > b.second; });
    if (unsure)
        m.sampleLanguages.emplace_back(std::string(), unsure);
    m.training.trainSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

bool isNgramLanguageModelDir(const std::string& dir)
{
    std::error_code ec;
    return !dir.empty() && fs::is_regular_file(fs::path(dir) / NgramLanguageManifest::kFileName, ec);
}

namespace {

// A file's identity for a cheap "changed since?" check before each worker: what a retraining in place changes
// (writeFileAtomically renames a new file over it: a new inode and modification time).
struct FileStamp {
    uintmax_t size = 0;
    fs::file_time_type mtime {};
    bool operator==(const FileStamp&) const = default;
    static FileStamp of(const std::string& path)
    {
        FileStamp s;
        std::error_code ec;
        s.size = fs::file_size(path, ec);
        s.mtime = fs::last_write_time(path, ec);
        return s;
    }
};

class NgramLanguageWorker final : public ScorerWorker {
public:
#ifdef SHARDSCOPE_HAVE_FASTTEXT
    NgramLanguageWorker(std::shared_ptr<const NgramLanguageModels> set, std::shared_ptr<const LidModel> lid,
        std::shared_ptr<const std::vector<int>> byLabel)
        : m_set(std::move(set))
        , m_lid(std::move(lid))
        , m_byLabel(std::move(byLabel))
    {
    }
#endif
    void score(std::string_view text, float* out) override
    {
        out[0] = out[1] = kMissing;
        if (text.empty())
            return;
        size_t slot = m_set->models.size() - 1; // all languages
#ifdef SHARDSCOPE_HAVE_FASTTEXT
        const LidModel::Prediction p = m_lid->predict(text, m_scratch);
        if (p.label >= 0 && size_t(p.label) < m_byLabel->size() && p.probability >= m_set->manifest.minLangScore)
            if (const int s = (*m_byLabel)[size_t(p.label)]; s >= 0)
                slot = size_t(s);
#endif
        out[0] = m_set->models[slot]->bitsPerByte(text);
        out[1] = float(slot);
    }

    // A scan's read batch (a few MB of documents) at once: every text's language first, then each model's texts
    // together. Document by document, lid.176's tables and the n-gram tables evicted each other from the caches
    // (bench set: 16.0 s of CPU against 6.8 s + 5.1 s for the two apart).
    bool prefersBatches() const override
    {
        return true;
    }
    void scoreBatch(const std::vector<std::string_view>& texts, float* out, size_t rowStride) override
    {
        const size_t all = m_set->models.size() - 1;
        m_slots.assign(texts.size(), all);
        for (size_t r = 0; r < texts.size(); ++r) {
            if (texts[r].empty())
                continue;
#ifdef SHARDSCOPE_HAVE_FASTTEXT
            const LidModel::Prediction p = m_lid->predict(texts[r], m_scratch);
            if (p.label >= 0 && size_t(p.label) < m_byLabel->size() && p.probability >= m_set->manifest.minLangScore)
                if (const int s = (*m_byLabel)[size_t(p.label)]; s >= 0)
                    m_slots[r] = size_t(s);
#endif
        }
        for (size_t slot = 0; slot <= all; ++slot)
            for (size_t r = 0; r < texts.size(); ++r) {
                if (m_slots[r] != slot)
                    continue;
                float* row = out + r * rowStride;
                if (texts[r].empty()) {
                    row[0] = row[1] = kMissing;
                    continue;
                }
                row[0] = m_set->models[slot]->bitsPerByte(texts[r]);
                row[1] = float(slot);
            }
    }

private:
    std::shared_ptr<const NgramLanguageModels> m_set;
    std::vector<size_t> m_slots;
#ifdef SHARDSCOPE_HAVE_FASTTEXT
    std::shared_ptr<const LidModel> m_lid;
    std::shared_ptr<const std::vector<int>> m_byLabel; // lid label -> model index, -1: none
    LidModel::Scratch m_scratch;
#endif
};

class NgramLanguageScorer final : public Scorer {
public:
    explicit NgramLanguageScorer(std::string dir)
        : m_dir(std::move(dir))
    {
        // Load first: its errors say what is wrong with the set; the hashes are of the same files.
        m_set = std::make_shared<const NgramLanguageModels>(NgramLanguageModels::load(m_dir));
        const std::string manifest = (fs::path(m_dir) / NgramLanguageManifest::kFileName).string();
        addFile("manifest", manifest);
        for (const auto& e : m_set->manifest.models)
            addFile("model:" + e.language, (fs::path(m_dir) / e.dir / NgramModel::kBinaryName).string());
#ifdef SHARDSCOPE_HAVE_FASTTEXT
        try {
            m_lid = sharedLidModel();
        } catch (const std::exception& e) {
            m_unavailable = std::string("ngram (per-language model ") + m_dir + "): " + e.what();
            return;
        }
        // The language model is part of what the scores depend on, as for `lang`.
        m_files.push_back(scorerFile("langid", m_lid->path()));
        m_stamps.push_back(FileStamp::of(m_lid->path()));
        auto byLabel = std::make_shared<std::vector<int>>(m_lid->languages().size(), -1);
        for (size_t i = 0; i + 1 < m_set->manifest.models.size(); ++i) {
            const auto& labels = m_lid->languages();
            const auto it = std::find(labels.begin(), labels.end(), m_set->manifest.models[i].language);
            if (it != labels.end())
                (*byLabel)[size_t(it - labels.begin())] = int(i);
        }
        m_byLabel = std::move(byLabel);
#else
        m_unavailable = "ngram (per-language model " + m_dir
            + "): this build has no language identification (libfasttext), which per-language models need";
#endif
    }

    std::string name() const override
    {
        return "ngram";
    }
    std::string summary() const override
    {
        return "bits per UTF-8 byte under the byte-level Kneser-Ney n-gram model of the document's language "
               "(per-language models from `shardscope-cli train-ngram --per-language`), and which model scored it";
    }
    std::vector<ColumnInfo> columns() const override
    {
        const auto& m = m_set->manifest;
        char score[32];
        std::snprintf(score, sizeof score, "%g", m.minLangScore);
        std::string def = "-(1/B) sum log2 P(byte | <s> and up to N-1 preceding bytes) over the text's B UTF-8 bytes "
                          "(interpolated modified Kneser-Ney, KenLM dialect) under the model of the text's language: "
                          "lid.176 top label (as lang) with probability >= "
            + std::string(score)
            + " when the set has its model, else the all-languages model; empty text: missing; "
              "models "
            + m_dir + " (order " + std::to_string(m.order) + ")";
        std::vector<std::string> categories;
        for (const auto& e : m.models)
            categories.push_back(e.language);
        return { { "ngram_bpb", def, {} },
            { "ngram_lang",
                "categorical: the language whose n-gram model scored ngram_bpb (\"all\": the all-languages model); "
                "empty text: missing",
                categories } };
    }
    ScorerIdentity identity() const override
    {
        return { name(), version(), {}, m_files };
    }
    bool needsModel() const override
    {
        return true;
    }
    std::string unavailableReason() const override
    {
        return m_unavailable;
    }
    std::unique_ptr<ScorerWorker> makeWorker() const override
    {
        if (!m_unavailable.empty())
            throw ScorerUnavailable(m_unavailable);
        // The values must be what identity() says. Hashing every model for every worker thread would read the whole
        // set once per thread: the files' size and time decide, and only a file that looks changed is hashed again.
        for (size_t i = 0; i < m_files.size(); ++i) {
            const ScorerFile& f = m_files[i];
            if (FileStamp::of(f.path) == m_stamps[i])
                continue;
            std::string now;
            try {
                now = hashFile(f.path);
            } catch (const std::exception&) {
                throw InputError(f.path, 0, "the " + f.role + " file is gone or unreadable since the scorer was made");
            }
            if (now != f.hash)
                throw InputError(f.path, 0,
                    "the " + f.role + " file changed since the scorer was made (content hash " + f.hash + ", now " + now
                        + "); make the scorer again");
        }
#ifdef SHARDSCOPE_HAVE_FASTTEXT
        return std::make_unique<NgramLanguageWorker>(m_set, m_lid, m_byLabel);
#else
        throw ScorerUnavailable(m_unavailable);
#endif
    }

private:
    void addFile(const std::string& role, const std::string& path)
    {
        std::string hash;
        try {
            hash = hashFile(path);
        } catch (const std::exception&) {
            throw InputError(path, 0, "cannot read the n-gram model file");
        }
        m_files.push_back({ role, path, hash });
        m_stamps.push_back(FileStamp::of(path));
    }

    std::string m_dir;
    std::shared_ptr<const NgramLanguageModels> m_set;
    std::vector<ScorerFile> m_files;
    std::vector<FileStamp> m_stamps;
    std::string m_unavailable;
#ifdef SHARDSCOPE_HAVE_FASTTEXT
    std::shared_ptr<const LidModel> m_lid;
    std::shared_ptr<const std::vector<int>> m_byLabel;
#endif
};

} // namespace

std::unique_ptr<Scorer> makeNgramLanguageScorer(const std::string& dir)
{
    return std::make_unique<NgramLanguageScorer>(dir);
}

} // namespace shardscope
