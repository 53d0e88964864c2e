#include "ngramtrainer.h"

#ifdef SHARDSCOPE_HAVE_FASTTEXT
#include "scorers/langid.h"
#endif

#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>

namespace shardscope {

struct NgramSampleTexts::Sink {
    std::mutex mutex;
    std::vector<std::string> chunks; // documents appended whole, their ends in `ends`
    std::vector<std::vector<size_t>> ends;
    // With language identification: each document's lid label (-1: none) and its probability, parallel to `ends`.
    std::vector<std::vector<int16_t>> labels;
    std::vector<std::vector<float>> probabilities;
#ifdef SHARDSCOPE_HAVE_FASTTEXT
    std::shared_ptr<const LidModel> lid;
#endif
};

namespace {

using TextSink = NgramSampleTexts::Sink;

class CollectWorker final : public ScorerWorker {
public:
    explicit CollectWorker(TextSink& sink)
        : m_sink(sink)
    {
    }
    ~CollectWorker() override { flush(); }
    void score(std::string_view text, float* out) override
    {
        m_text.append(text);
        m_ends.push_back(m_text.size());
#ifdef SHARDSCOPE_HAVE_FASTTEXT
        if (m_sink.lid) {
            // The lang scorer's prediction (an empty text has none, as there).
            LidModel::Prediction p;
            if (!text.empty())
                p = m_sink.lid->predict(text, m_scratch);
            m_labels.push_back(int16_t(p.label));
            m_probabilities.push_back(p.probability);
        }
#endif
        out[0] = float(text.size());
        if (m_text.size() > (8u << 20))
            flush();
    }

private:
    void flush()
    {
        if (m_ends.empty())
            return;
        std::lock_guard<std::mutex> lock(m_sink.mutex);
        m_sink.chunks.push_back(std::move(m_text));
        m_sink.ends.push_back(std::move(m_ends));
        m_sink.labels.push_back(std::move(m_labels));
        m_sink.probabilities.push_back(std::move(m_probabilities));
        m_text.clear();
        m_ends.clear();
        m_labels.clear();
        m_probabilities.clear();
    }
    TextSink& m_sink;
    std::string m_text;
    std::vector<size_t> m_ends;
    std::vector<int16_t> m_labels;
    std::vector<float> m_probabilities;
#ifdef SHARDSCOPE_HAVE_FASTTEXT
    LidModel::Scratch m_scratch;
#endif
};

class CollectScorer final : public Scorer {
public:
    explicit CollectScorer(std::shared_ptr<TextSink> sink)
        : m_sink(std::move(sink))
    {
    }
    std::string name() const override { return "train_ngram_text"; }
    std::string summary() const override { return "gathers the training text of the n-gram reference model"; }
    std::vector<ColumnInfo> columns() const override
    {
        return { { "train_ngram_bytes", "UTF-8 bytes of the text", {} } };
    }
    std::unique_ptr<ScorerWorker> makeWorker() const override { return std::make_unique<CollectWorker>(*m_sink); }

private:
    std::shared_ptr<TextSink> m_sink;
};

} // namespace

NgramSampleTexts::NgramSampleTexts(bool identifyLanguages)
    : m_sink(std::make_shared<Sink>())
{
    if (!identifyLanguages)
        return;
#ifdef SHARDSCOPE_HAVE_FASTTEXT
    m_sink->lid = sharedLidModel();
#else
    throw std::runtime_error("per-language n-gram models need language identification, and this build has none "
                             "(built without libfasttext)");
#endif
}

NgramSampleTexts::~NgramSampleTexts() = default;

std::shared_ptr<const Scorer> NgramSampleTexts::scorer() const
{
    return std::make_shared<CollectScorer>(m_sink);
}

NgramModel NgramSampleTexts::train(int order, double heldOutPercent) const
{
    if (!(heldOutPercent >= 0 && heldOutPercent <= 50))
        throw std::invalid_argument("the held-out share must be 0 to 50 percent");
    const uint64_t threshold = uint64_t(heldOutPercent / 100 * 18446744073709551615.0);
    std::vector<std::string_view> train, held;
    NgramModel::Provenance p;
    for (size_t c = 0; c < m_sink->chunks.size(); ++c) {
        size_t begin = 0;
        for (size_t end : m_sink->ends[c]) {
            const std::string_view doc(m_sink->chunks[c].data() + begin, end - begin);
            begin = end;
            const bool isHeld = heldOutPercent > 0 && XXH3_64bits(doc.data(), doc.size()) < threshold;
            (isHeld ? held : train).push_back(doc);
            (isHeld ? p.heldOutBytes : p.bytes) += doc.size();
            ++(isHeld ? p.heldOutDocuments : p.documents);
        }
    }
    if (train.empty())
        throw std::invalid_argument("the sample holds no text to train on");
    const auto t0 = std::chrono::steady_clock::now();
    NgramModel model = NgramModel::train(train, order);
    p.trainSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double bits = 0;
    for (std::string_view d : held)
        bits += model.bits(d);
    p.heldOutBpb = p.heldOutBytes ? bits / double(p.heldOutBytes) : -1;
    model.provenance = p;
    return model;
}

NgramLanguageModels NgramSampleTexts::trainPerLanguage(const NgramLanguageOptions& o) const
{
#ifndef SHARDSCOPE_HAVE_FASTTEXT
    (void)o;
    throw std::invalid_argument("per-language n-gram models need language identification (built without libfasttext)");
#else
    if (!m_sink->lid)
        throw std::invalid_argument("the sample was gathered without language identification");
    if (!(o.heldOutPercent >= 0 && o.heldOutPercent <= 50))
        throw std::invalid_argument("the held-out share must be 0 to 50 percent");
    if (!(o.minLangScore >= 0 && o.minLangScore <= 1))
        throw std::invalid_argument("the minimum language score must be 0 to 1");
    if (o.order < 1 || o.order > NgramModel::kMaxOrder)
        throw std::invalid_argument("n-gram order " + std::to_string(o.order) + " (this build trains orders 1 to "
            + std::to_string(NgramModel::kMaxOrder) + ")");
    const auto t0 = std::chrono::steady_clock::now();
    const LidModel& lid = *m_sink->lid;
    const std::vector<std::string>& labels = lid.languages();
    const uint64_t threshold = uint64_t(o.heldOutPercent / 100 * 18446744073709551615.0);
    struct Doc {
        std::string_view text;
        int label; // confident lid label, -1: none
        bool held;
    };
    std::vector<Doc> docs;
    std::vector<uint64_t> confident(labels.size(), 0);
    uint64_t unsure = 0;
    for (size_t c = 0; c < m_sink->chunks.size(); ++c) {
        size_t begin = 0;
        for (size_t k = 0; k < m_sink->ends[c].size(); ++k) {
            const size_t end = m_sink->ends[c][k];
            const std::string_view text(m_sink->chunks[c].data() + begin, end - begin);
            begin = end;
            int label = m_sink->labels[c][k];
            if (label < 0 || size_t(label) >= labels.size() || !(m_sink->probabilities[c][k] >= o.minLangScore))
                label = -1;
            const bool held = o.heldOutPercent > 0 && XXH3_64bits(text.data(), text.size()) < threshold;
            docs.push_back({ text, label, held });
            if (label >= 0)
                ++confident[size_t(label)];
            else
                ++unsure;
        }
    }
    // The languages that get a model: named, or frequent enough; by documents (most first), then label.
    std::vector<int> chosen;
    if (!o.languages.empty()) {
        for (const std::string& name : o.languages) {
            const auto it = std::find(labels.begin(), labels.end(), name);
            if (it == labels.end())
                throw std::invalid_argument("language '" + name + "' is not a label of lid.176 (" + lid.path()
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
    m.lidModel = lid.path();
    try {
        m.lidModelHash = hashFile(lid.path());
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
#endif
}

std::string ngramReferenceDir(const std::string& corpusCacheDir)
{
    return corpusCacheDir.empty() ? std::string() : corpusCacheDir + "/ngram-reference";
}

NgramTrainingResult trainNgramOnSample(const NgramTrainingOptions& options, const std::atomic<bool>* stop,
    const std::function<void(const ScanProgress&)>& progress)
{
    if (!(options.fraction > 0 && options.fraction <= 1))
        throw std::invalid_argument("the sample fraction must be in (0, 1]");
    if (!(options.heldOutPercent >= 0 && options.heldOutPercent <= 50))
        throw std::invalid_argument("the held-out share must be 0 to 50 percent");
    const auto t0 = std::chrono::steady_clock::now();
    NgramTrainingResult out;
    ScanOptions so;
    so.shards = options.shards;
    so.fields = options.fields;
    so.threads = options.threads;
    so.buildIndex = false;
    if (options.fraction < 1)
        so.selector = std::make_shared<BernoulliSelector>(options.fraction, options.seed);
    NgramSampleTexts texts(options.perLanguage);
    so.scorers = { texts.scorer() };
    ScanResult r;
    {
        Scan scan(so);
        scan.setProgressCallback(
            [&scan, stop, &progress](const ScanProgress& p) {
                if (stop && stop->load())
                    scan.cancel();
                if (progress)
                    progress(p);
            },
            200);
        r = scan.run(); // the workers hand their last texts over when run() ends
    }
    out.errors = r.errors();
    if (r.cancelled || (stop && stop->load())) {
        out.cancelled = true;
        return out;
    }
    out.readSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (options.perLanguage) {
        NgramLanguageOptions lo = options.languageOptions;
        lo.order = options.order;
        lo.heldOutPercent = options.heldOutPercent;
        out.languageModels = texts.trainPerLanguage(lo);
        NgramModel::Provenance& p = out.languageModels->manifest.training;
        p.shards = so.shards;
        p.sample = r.selection;
        p.seed = options.fraction < 1 ? options.seed : 0;
        return out;
    }
    out.model = texts.train(options.order, options.heldOutPercent);
    out.model.provenance.shards = so.shards;
    out.model.provenance.sample = r.selection;
    out.model.provenance.seed = options.fraction < 1 ? options.seed : 0;
    return out;
}

} // namespace shardscope
