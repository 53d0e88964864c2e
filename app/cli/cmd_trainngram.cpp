// `train-ngram`: the n-gram reference language model (issue 22, part 2) from a uniform random sample of a corpus.
// The sample is the --sample group's (never a prefix: each record is chosen by a seeded hash of its place); a
// slice of it, chosen by a hash of each document's text, is held out and its bits per byte go to the model's
// ngram.json with the sample's description, seed and size.

#include "command.h"
#include "interrupt.h"
#include "ngramtrainer.h"
#include "options.h"
#include "scanrun.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace shardscope::cli {

namespace {

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
        NgramSampleTexts texts;
        so.scorers = { texts.scorer() };
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

        const auto t1 = std::chrono::steady_clock::now();
        NgramModel model;
        try {
            model = texts.train(m_order, m_heldOut); // the held-out share by a hash of each text, as the GUI's
        } catch (const std::invalid_argument& e) {
            throw UsageError(name(), e.what()); // no text in the sample, or a sample too large for the counters
        }
        NgramModel::Provenance& p = model.provenance;
        p.shards = so.shards;
        p.sample = r.selection;
        p.seed = m_sample.enabled() ? m_sample.seed : 0;
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
