#include "scorerestimate.h"

#include <algorithm>
#include <chrono>
#include <string_view>

namespace shardscope {

std::vector<DocumentLocation> spreadDocuments(const CorpusData& corpus, size_t count)
{
    std::vector<DocumentLocation> where;
    const size_t n = corpus.size();
    const size_t step = std::max<size_t>(1, n / std::max<size_t>(count, 1));
    for (size_t d = 0; d < n && where.size() < count; d += step)
        where.push_back({ corpus.shard(d), corpus.offset(d), corpus.length(d) });
    return where;
}

std::vector<std::string> readTexts(
    DocumentSource& source, const std::vector<DocumentLocation>& where, const std::atomic<bool>* stop)
{
    std::vector<std::string> texts;
    for (const DocumentLocation& w : where) {
        if (stop && stop->load())
            break;
        DocumentSource::Document doc = source.read(w.shard, w.offset, w.length);
        if (doc.error.empty())
            texts.push_back(std::move(doc.text));
    }
    return texts;
}

ScorerEstimate estimateScorer(const Scorer& scorer, const std::vector<std::string>& texts, uint64_t totalTextBytes,
    int threads, double budgetSeconds)
{
    using Clock = std::chrono::steady_clock;
    ScorerEstimate e;
    e.scorer = scorer.name();
    if (texts.empty())
        return e;
    std::unique_ptr<ScorerWorker> worker;
    try {
        worker = scorer.makeWorker();
    } catch (const std::exception& ex) {
        e.error = ex.what();
        return e;
    }
    const size_t width = std::max<size_t>(1, scorer.columns().size());
    std::vector<float> out;
    const auto start = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
    const bool batched = worker->prefersBatches();
    size_t next = 0;
    // A derived scorer reads no text: its cost per document is a few multiplications, not worth timing.
    const bool derived = !scorer.inputColumns().empty();
    while (next < texts.size() && (next == 0 || elapsed() < budgetSeconds)) {
        const size_t n = batched ? std::min<size_t>(16, texts.size() - next) : 1;
        std::vector<std::string_view> views;
        for (size_t i = next; i < next + n; ++i) {
            views.emplace_back(texts[i]);
            e.sampleBytes += texts[i].size();
        }
        out.assign(n * width, 0.0f);
        if (!derived && batched)
            worker->scoreBatch(views, out.data(), width);
        else if (!derived)
            worker->score(views.front(), out.data());
        next += n;
    }
    e.sampleTexts = next;
    const double seconds = elapsed();
    if (derived || seconds <= 0 || e.sampleBytes == 0) {
        e.seconds = 0;
        return e;
    }
    e.bytesPerSecond = double(e.sampleBytes) / seconds;
    e.seconds = double(totalTextBytes) / e.bytesPerSecond / double(std::max(1, threads));
    return e;
}

} // namespace shardscope
