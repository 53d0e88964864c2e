// `train-ngram`: the n-gram reference language model (issue 22, part 2) from a uniform random sample of a corpus.
// The sample is the --sample group's (never a prefix: each record is chosen by a seeded hash of its place); a
// slice of it, chosen by a hash of each document's text, is held out and its bits per byte go to the model's
// ngram.json with the sample's description, seed and size.

#include "command.h"
#include "interrupt.h"
#include "ngramlm.h"
#include "options.h"
#include "scanrun.h"

#include <CLI/CLI.hpp>
#include <xxhash.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>

namespace shardscope::cli {

namespace {

// The sampled texts, gathered by a scorer: the scan then reads, decompresses, parses and samples the shards in
// parallel as it does for scoring. The order of the documents does not matter: counts are sums.
struct TextSink {
    std::mutex mutex;
    std::vector<std::string> chunks; // documents appended whole, their ends in `ends`
    std::vector<std::vector<size_t>> ends;
};

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
    explicit CollectScorer(TextSink& sink)
        : m_sink(sink)
    {
    }
    std::string name() const override { return "train_ngram_text"; }
    std::string summary() const override { return "gathers the training text of train-ngram"; }
    std::vector<ColumnInfo> columns() const override
    {
        return { { "train_ngram_bytes", "UTF-8 bytes of the text", {} } };
    }
    std::unique_ptr<ScorerWorker> makeWorker() const override { return std::make_unique<CollectWorker>(m_sink); }

private:
    TextSink& m_sink;
};

class TrainNgramCommand : public Command {
public:
    std::string name() const override { return "train-ngram"; }
    std::string description() const override
    {
        return "Train the byte-level Kneser-Ney n-gram reference model on --sample of the corpus (default: every "
               "record), for score --scorers ngram --model DIR";
    }

    void setup(CLI::App& cmd) override
    {
        m_corpus.add(&cmd);
        cmd.add_option("--out,-o", m_out, "Model directory to write (ngram.bin, ngram.json)")->required();
        cmd.add_option("--order", m_order, "n-gram order in bytes (1 to 7)")
            ->capture_default_str()
            ->check(CLI::Range(1, NgramModel::kMaxOrder));
        cmd.add_option("--held-out", m_heldOut, "Percent of the sampled documents held out to measure bits per byte")
            ->capture_default_str()
            ->check(CLI::Range(0.0, 50.0));
        m_sample.add(&cmd);
    }

    int run() override
    {
        const auto t0 = std::chrono::steady_clock::now();
        ScanOptions so;
        so.shards = m_corpus.input.shards();
        so.fields = m_corpus.input.fields(so.shards);
        so.threads = m_corpus.threads.threads;
        so.buildIndex = false;
        so.selector = m_sample.selector(m_corpus, name());
        TextSink sink;
        so.scorers = { std::make_shared<CollectScorer>(sink) };
        Scan scan(so);
        scan.setProgressCallback(progressPrinter(m_corpus.quiet), 200);
        // The workers hand their last texts over when run() ends (each thread destroys its own).
        const ScanResult r = [&scan] {
            CancelOnSignal cancelOnSignal(scan);
            return scan.run();
        }();
        endProgressLine(m_corpus.quiet);
        const bool bad = reportProblems(r, m_corpus.maxErrors);
        throwIfCancelled(r.cancelled);

        // Held out: a document whose text hashes below the threshold (the same documents whatever the threads).
        const uint64_t threshold = uint64_t(m_heldOut / 100 * 18446744073709551615.0);
        std::vector<std::string_view> train, held;
        NgramModel::Provenance p;
        for (size_t c = 0; c < sink.chunks.size(); ++c) {
            size_t begin = 0;
            for (size_t end : sink.ends[c]) {
                const std::string_view doc(sink.chunks[c].data() + begin, end - begin);
                begin = end;
                const bool out = m_heldOut > 0 && XXH3_64bits(doc.data(), doc.size()) < threshold;
                (out ? held : train).push_back(doc);
                (out ? p.heldOutBytes : p.bytes) += doc.size();
                ++(out ? p.heldOutDocuments : p.documents);
            }
        }
        if (train.empty())
            throw UsageError(name(), "the sample holds no text to train on");
        const auto t1 = std::chrono::steady_clock::now();
        NgramModel model;
        try {
            model = NgramModel::train(train, m_order);
        } catch (const std::invalid_argument& e) {
            throw UsageError(name(), e.what()); // a sample too large for the counters
        }
        const auto t2 = std::chrono::steady_clock::now();
        double bits = 0;
        for (std::string_view d : held)
            bits += model.bits(d);
        p.shards = so.shards;
        p.sample = r.selection;
        p.seed = m_sample.enabled() ? m_sample.seed : 0;
        p.heldOutBpb = p.heldOutBytes ? bits / double(p.heldOutBytes) : -1;
        p.trainSeconds = std::chrono::duration<double>(t2 - t1).count();
        model.provenance = p;
        model.save(m_out);
        size_t entries = 0;
        for (int m = 1; m <= model.order(); ++m)
            entries += model.entries(m);
        if (!m_corpus.quiet) {
            if (m_sample.enabled())
                printSample(r);
            std::fprintf(stderr, "read %.1f s, counted %.1f s\n", std::chrono::duration<double>(t1 - t0).count(),
                p.trainSeconds);
        }
        std::printf("order=%d documents=%llu bytes=%llu n-grams=%zu held_out_documents=%llu held_out_bytes=%llu "
                    "held_out_bpb=%s model=%s\n",
            model.order(), static_cast<unsigned long long>(p.documents), static_cast<unsigned long long>(p.bytes),
            entries, static_cast<unsigned long long>(p.heldOutDocuments),
            static_cast<unsigned long long>(p.heldOutBytes),
            p.heldOutBpb >= 0 ? std::to_string(p.heldOutBpb).c_str() : "none", m_out.c_str());
        return bad ? 1 : 0;
    }

private:
    CorpusOptions m_corpus;
    SampleOptions m_sample;
    std::string m_out;
    int m_order = NgramModel::kDefaultOrder;
    double m_heldOut = 5;
};

} // namespace

std::unique_ptr<Command> makeTrainNgramCommand()
{
    return std::make_unique<TrainNgramCommand>();
}

} // namespace shardscope::cli
