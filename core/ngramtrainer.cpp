#include "ngramtrainer.h"

#include <xxhash.h>

#include <chrono>
#include <mutex>
#include <stdexcept>

namespace shardscope {

struct NgramSampleTexts::Sink {
    std::mutex mutex;
    std::vector<std::string> chunks; // documents appended whole, their ends in `ends`
    std::vector<std::vector<size_t>> ends;
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
        m_text.clear();
        m_ends.clear();
    }
    TextSink& m_sink;
    std::string m_text;
    std::vector<size_t> m_ends;
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

NgramSampleTexts::NgramSampleTexts()
    : m_sink(std::make_shared<Sink>())
{
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
    NgramSampleTexts texts;
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
    out.model = texts.train(options.order, options.heldOutPercent);
    out.model.provenance.shards = so.shards;
    out.model.provenance.sample = r.selection;
    out.model.provenance.seed = options.fraction < 1 ? options.seed : 0;
    return out;
}

} // namespace shardscope
