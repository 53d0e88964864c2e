// Reading the training text, in the engine (no libtorch); the training itself is the plugin's
// (lmplugin.h, bytelmtrainer.cpp).
#include "lmtrain.h"

#include "docindex.h"
#include "lmplugin.h"
#include "safetensorsheader.h"
#include "scan.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>

namespace shardscope::lm {

namespace {

// A scorer whose only job is to hand each document's text to the trainer, so training reads every
// shard format the scan reads, with the same field mapping and error handling.
class TextCollector final : public Scorer {
public:
    TextCollector(std::vector<std::string>* out, const ReadLimits& limits) : m_out(out), m_limits(limits) { }
    // Called (under the lock, at most once) when a limit is reached or a stop was requested.
    std::function<void()> onFull;
    std::string name() const override { return "text_collector"; }
    std::string summary() const override { return "collects texts for training"; }
    std::vector<ColumnInfo> columns() const override { return { { "collected", "1", {} } }; }
    std::unique_ptr<ScorerWorker> makeWorker() const override
    {
        struct W final : ScorerWorker {
            const TextCollector* s;
            explicit W(const TextCollector* s) : s(s) { }
            void score(std::string_view text, float* out) override
            {
                std::lock_guard lock(s->m_mutex);
                out[0] = 1;
                if (s->m_full)
                    return;
                const ReadLimits& l = s->m_limits;
                // The first documents: reading ends at a limit. A random sample reads everything.
                const bool limitReached = !l.random
                    && ((l.maxDocuments > 0 && int64_t(s->m_out->size()) >= l.maxDocuments)
                        || (l.maxBytes > 0 && s->m_bytes >= l.maxBytes));
                if (limitReached || (l.stopRequested && l.stopRequested())) {
                    s->m_full = true;
                    if (s->onFull)
                        s->onFull();
                    return;
                }
                if (l.random) {
                    s->offer(text);
                    return;
                }
                s->m_out->emplace_back(text);
                s->m_bytes += int64_t(text.size());
            }
        };
        return std::make_unique<W>(this);
    }

    // Random mode: the kept documents, in input order.
    void finish() const
    {
        if (!m_limits.random)
            return;
        std::vector<Entry> kept(m_heap.begin(), m_heap.end());
        std::sort(kept.begin(), kept.end(), [](const Entry& a, const Entry& b) { return a.index < b.index; });
        for (auto& e : kept)
            m_out->push_back(std::move(e.text));
        m_heap.clear();
    }

private:
    struct Entry {
        uint64_t key;
        int64_t index;
        std::string text;
        bool operator<(const Entry& o) const { return key < o.key; } // max-heap on the key
    };
    // Keeps the documents with the smallest random keys that fit the limits: a uniform sample.
    void offer(std::string_view text) const
    {
        const uint64_t key = m_rng();
        const int64_t index = m_seen++;
        const ReadLimits& l = m_limits;
        if (!m_heap.empty() && ((l.maxDocuments > 0 && int64_t(m_heap.size()) >= l.maxDocuments)
                                || (l.maxBytes > 0 && m_bytes + int64_t(text.size()) > l.maxBytes))
            && key > m_heap.front().key)
            return; // would be evicted at once
        m_heap.push_back({ key, index, std::string(text) });
        std::push_heap(m_heap.begin(), m_heap.end());
        m_bytes += int64_t(text.size());
        while (m_heap.size() > 1 && ((l.maxDocuments > 0 && int64_t(m_heap.size()) > l.maxDocuments)
                                     || (l.maxBytes > 0 && m_bytes > l.maxBytes))) {
            std::pop_heap(m_heap.begin(), m_heap.end());
            m_bytes -= int64_t(m_heap.back().text.size());
            m_heap.pop_back();
        }
    }

    std::vector<std::string>* m_out;
    ReadLimits m_limits;
    mutable std::mutex m_mutex;
    mutable int64_t m_bytes = 0;
    mutable bool m_full = false;
    mutable std::vector<Entry> m_heap;
    mutable std::mt19937_64 m_rng { m_limits.seed };
    mutable int64_t m_seen = 0;
};

} // namespace

std::vector<std::string> readShardTexts(const std::vector<std::string>& inputs, const std::string& textField,
                                        const ReadLimits& limits)
{
    std::vector<std::string> texts;
    ScanOptions so;
    so.shards = expandShardPaths(inputs);
    so.fields.text = FieldMapping::toPointer(textField);
    so.fields.id = FieldMapping::toPointer("");
    so.threads = 1;
    so.buildIndex = false;
    auto collector = std::make_shared<TextCollector>(&texts, limits);
    so.scorers.push_back(collector);
    Scan scan(so);
    collector->onFull = [&scan] { scan.cancel(); };
    ScanResult r = scan.run();
    for (const auto& e : r.errors())
        throw ModelError("reading training text: " + e);
    collector->finish();
    return texts;
}

TrainResult trainByteLm(const TrainOptions& o)
{
    TrainTexts texts;
    texts.started = std::chrono::steady_clock::now();
    // Before the reading, which can take minutes: a build whose plugin cannot be loaded says so at once.
    LmBackend& backend = lmBackend();
    // All cores unless told otherwise (a scan in the same process may have pinned them to one).
    texts.threads = resolveThreads(o.threads);
    auto stopped = [&o] { return o.stopRequested && o.stopRequested(); };
    ReadLimits limits { o.maxDocuments, int64_t(o.maxMegabytes * 1e6), o.stopRequested,
                        o.randomSample && (o.maxDocuments > 0 || o.maxMegabytes > 0), o.seed };
    std::vector<std::string> docs = readShardTexts(o.inputs, o.textField, limits);
    if (stopped()) {
        TrainResult res;
        res.cancelled = true;
        return res;
    }
    if (!o.heldout.empty()) {
        texts.heldout = readShardTexts(o.heldout, o.textField, { 0, 0, o.stopRequested });
        texts.train = std::move(docs);
    } else {
        for (size_t i = 0; i < docs.size(); ++i)
            (i % 20 == 19 ? texts.heldout : texts.train).push_back(std::move(docs[i]));
    }
    const int64_t trainDocuments = int64_t(texts.train.size()), heldoutDocuments = int64_t(texts.heldout.size());
    TrainResult r = backend.train(o, std::move(texts));
    r.trainDocuments = trainDocuments;
    r.heldoutDocuments = heldoutDocuments;
    return r;
}

} // namespace shardscope::lm
