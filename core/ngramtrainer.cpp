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
    NgramLanguageSample sample;
    sample.labelNames = m_sink->lid->languages();
    sample.lidModel = m_sink->lid->path();
    for (size_t c = 0; c < m_sink->chunks.size(); ++c) {
        size_t begin = 0;
        for (size_t k = 0; k < m_sink->ends[c].size(); ++k) {
            const size_t end = m_sink->ends[c][k];
            sample.texts.emplace_back(m_sink->chunks[c].data() + begin, end - begin);
            sample.labels.push_back(m_sink->labels[c][k]);
            sample.probabilities.push_back(m_sink->probabilities[c][k]);
            begin = end;
        }
    }
    return trainNgramLanguageModels(sample, o);
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
