// `train-ngram`: the n-gram reference language model (issue 22, part 2) from a uniform random sample of a corpus.
// The sample is the --sample group's (never a prefix: each record is chosen by a seeded hash of its place); a
// slice of it, chosen by a hash of each document's text, is held out and its bits per byte go to the model's
// ngram.json with the sample's description, seed and size.
// --per-language (issue 22, part 3; core/ngramlang.h): the sample's languages are identified as the lang scorer
// does, and one model is trained per language with at least --min-docs confident documents in the sample (or per
// language of --languages), plus the all-languages model for every other document; DIR then holds
// ngram-languages.json and one directory per model.

#include "command.h"
#include "interrupt.h"
#include "ngramtrainer.h"
#include "options.h"
#include "scanrun.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace shardscope::cli {

namespace {

class TrainNgramCommand : public Command {
public:
    std::string name() const override { return "train-ngram"; }
    std::string description() const override
    {
        return "Train the byte-level Kneser-Ney n-gram reference model on --sample of the corpus (default: every "
               "record), for score --scorers ngram --model DIR; --per-language: one model per frequent language";
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
        cmd.add_flag("--per-language", m_perLanguage,
            "One model per frequent language of the sample (identified as the lang scorer does) plus an "
            "all-languages model for the other documents (CCNet's per-language references)");
        auto* minDocs = cmd.add_option("--min-docs", m_minDocs,
                               "With --per-language: a language gets its own model when the sample holds at least "
                               "this many documents identified as it")
                            ->capture_default_str()
                            ->check(CLI::PositiveNumber);
        auto* languages = cmd.add_option("--languages", m_languages,
            "With --per-language: exactly these languages get their own model (lid.176 labels, e.g. en,de,zh)");
        languages->delimiter(',');
        minDocs->excludes(languages);
        cmd.add_option("--min-lang-score", m_minLangScore,
               "With --per-language: the lid probability (lang_score) below which a document counts as no "
               "language (CCNet: 0.5); used for training and scoring")
            ->capture_default_str()
            ->check(CLI::Range(0.0, 1.0));
        m_perLanguageOptions = { minDocs, languages };
    }

    int run() override
    {
        if (!m_perLanguage)
            for (CLI::Option* o : m_perLanguageOptions)
                if (o->count())
                    throw UsageError(name(), o->get_name() + " needs --per-language");
        const auto t0 = std::chrono::steady_clock::now();
        ScanOptions so;
        so.shards = m_corpus.input.shards();
        so.fields = m_corpus.input.fields(so.shards);
        so.threads = m_corpus.threads.threads;
        so.buildIndex = false;
        so.selector = m_sample.selector(m_corpus, name());
        NgramSampleTexts texts(m_perLanguage); // throws LidModelError without lid.176.ftz: before reading
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
        if (m_perLanguage)
            return runPerLanguage(texts, so, r, t1 - t0) || bad ? 1 : 0;
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
    int runPerLanguage(const NgramSampleTexts& texts, const ScanOptions& so, const ScanResult& r,
        std::chrono::steady_clock::duration reading)
    {
        NgramLanguageOptions o;
        o.order = m_order;
        o.heldOutPercent = m_heldOut;
        o.minDocs = m_minDocs;
        o.languages = m_languages;
        o.minLangScore = m_minLangScore;
        o.threads = m_corpus.threads.threads == 1 ? 1 : 2;
        NgramLanguageModels set;
        try {
            set = texts.trainPerLanguage(o);
        } catch (const std::invalid_argument& e) {
            throw UsageError(name(), e.what());
        }
        NgramModel::Provenance& p = set.manifest.training;
        p.shards = so.shards;
        p.sample = r.selection;
        p.seed = m_sample.enabled() ? m_sample.seed : 0;
        set.save(m_out);
        if (!m_corpus.quiet) {
            if (m_sample.enabled())
                printSample(r);
            std::fprintf(stderr, "read and identified languages %.1f s, counted %.1f s\n",
                std::chrono::duration<double>(reading).count(), p.trainSeconds);
            std::ostringstream seen;
            size_t shown = 0;
            for (const auto& [label, n] : set.manifest.sampleLanguages)
                if (shown++ < 12)
                    seen << (shown > 1 ? " " : "") << (label.empty() ? std::string("(unsure)") : label) << "=" << n;
            std::fprintf(stderr, "sample languages (documents, lang_score >= %g): %s%s\n", o.minLangScore,
                seen.str().c_str(), set.manifest.sampleLanguages.size() > 12 ? " ..." : "");
        }
        for (const NgramLanguageEntry& e : set.manifest.models) {
            auto bpb = [](double v) { return v >= 0 ? std::to_string(v) : std::string("none"); };
            std::printf("language=%s documents=%llu bytes=%llu held_out_documents=%llu held_out_bpb=%s "
                        "held_out_bpb_all_languages=%s model=%s\n",
                e.language.c_str(), static_cast<unsigned long long>(e.documents),
                static_cast<unsigned long long>(e.bytes), static_cast<unsigned long long>(e.heldOutDocuments),
                bpb(e.heldOutBpb).c_str(), bpb(e.heldOutBpbAllLanguages).c_str(),
                (std::filesystem::path(m_out) / e.dir).string().c_str());
        }
        std::printf("order=%d languages=%zu documents=%llu bytes=%llu held_out_documents=%llu held_out_bpb=%s "
                    "held_out_bpb_all_languages=%s manifest=%s\n",
            set.manifest.order, set.manifest.models.size() - 1, static_cast<unsigned long long>(p.documents),
            static_cast<unsigned long long>(p.bytes), static_cast<unsigned long long>(p.heldOutDocuments),
            p.heldOutBpb >= 0 ? std::to_string(p.heldOutBpb).c_str() : "none",
            set.manifest.allLanguages().heldOutBpb >= 0 ? std::to_string(set.manifest.allLanguages().heldOutBpb).c_str()
                                                        : "none",
            (std::filesystem::path(m_out) / NgramLanguageManifest::kFileName).string().c_str());
        return 0;
    }

    CorpusOptions m_corpus;
    SampleOptions m_sample;
    std::string m_out;
    int m_order = NgramModel::kDefaultOrder;
    double m_heldOut = 5;
    bool m_perLanguage = false;
    uint64_t m_minDocs = NgramLanguageOptions::kDefaultMinDocs;
    std::vector<std::string> m_languages;
    double m_minLangScore = NgramLanguageOptions::kDefaultMinLangScore;
    std::vector<CLI::Option*> m_perLanguageOptions;
};

} // namespace

std::unique_ptr<Command> makeTrainNgramCommand()
{
    return std::make_unique<TrainNgramCommand>();
}

} // namespace shardscope::cli
