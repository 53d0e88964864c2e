// `train-lm`: trains a byte-level language model on shards (built with libtorch only): the built-in model, a model
// written where --out says, or (--for-corpus, issue 22) the corpus's reference model, kept in the corpus's cache
// directory with its provenance where `score`, `train-lm --score` and the GUI find it. --score then scores the corpus
// with it, so training and scoring are one command.

#ifdef SHARDSCOPE_HAVE_TORCH

#include "command.h"
#include "interrupt.h"
#include "lm/lmapi.h"
#include "lm/lmshape.h"
#include "lm/lmtrain.h"
#include "lm/referencelm.h"
#include "options.h"
#include "scanrun.h"
#include "scorerspec.h"
#include "scorestore.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>

namespace shardscope::cli {

namespace {

class TrainLmCommand : public Command {
public:
    std::string name() const override { return "train-lm"; }
    std::string description() const override
    {
        return "Train a byte-level language model on shards (built-in or reference model); --for-corpus keeps it "
               "as the corpus's reference model, --score scores the corpus with it";
    }

    void setup(CLI::App& cmd) override
    {
        lm::TrainOptions& t = m_train;
        cmd.add_option("shards", t.inputs, "Training shards or directories")->required()->check(CLI::ExistingPath);
        auto* out = cmd.add_option(
            "--out,-o", t.outDir, "Output model directory (config.json, model.safetensors, training.json)");
        auto* forCorpus = cmd.add_flag("--for-corpus", m_forCorpus,
            "Train the corpus's reference model: a uniform random sample of the shards (at most 20 MB of text "
            "unless --max-documents or --max-mb say otherwise), written with its provenance to the corpus's cache "
            "directory (<cache>/<corpus>/reference-lm), where score, --score and the GUI find it");
        forCorpus->excludes(out);
        cmd.add_option("--heldout", t.heldout, "Held-out shards (default: every 20th training document)")
            ->check(CLI::ExistingPath);
        cmd.add_option("--text-field", t.textField, "Text field name or JSON pointer (default: text)");
        cmd.add_option("--id-field", m_corpus.input.idField,
            "With --for-corpus or --score: the id field, as score takes it (it names the corpus's cache directory)");
        cmd.add_option("--group-field", m_corpus.input.groupField,
            "With --for-corpus or --score: the group field, as score takes it (default: detected)");
        cmd.add_option("--cache-dir", m_corpus.cacheDir,
            "With --for-corpus or --score: where the corpus cache lives (default: $SHARDSCOPE_CACHE_DIR or "
            "~/.cache/shardscope)");
        cmd.add_option("--max-documents", t.maxDocuments, "Train on a sample of at most this many documents (0: all)")
            ->capture_default_str();
        cmd.add_option("--max-mb", t.maxMegabytes, "Train on a sample of at most this many MB of text (0: all)")
            ->capture_default_str();
        cmd.add_option("--sample", m_sample,
               "With a limit: 'random' (a uniform sample of all documents; reads every shard) or 'first' "
               "(the first documents in input order)")
            ->check(CLI::IsMember({ "random", "first" }))
            ->capture_default_str();
        cmd.add_option("--size", m_size,
               "Model shape: 'auto' picks the shape that reaches the lowest held-out bits per byte in --minutes on "
               "--device with --threads (measured, core/lm/lmshape.h); 'given' takes --layers, --hidden, --heads, "
               "--context, --batch. Default: auto with --for-corpus unless one of those is given, else given")
            ->check(CLI::IsMember({ "auto", "given" }));
        m_shapeOptions = {
            cmd.add_option("--layers", t.layers, "Transformer layers")->capture_default_str(),
            cmd.add_option("--hidden", t.hidden, "Hidden size")->capture_default_str(),
            cmd.add_option("--heads", t.heads, "Attention heads")->capture_default_str(),
            cmd.add_option("--context", t.context, "Context in bytes")->capture_default_str(),
            cmd.add_option("--batch", t.batch, "Windows per step")->capture_default_str(),
        };
        cmd.add_option("--minutes", t.minutes, "Time budget (the learning rate decays over it)")->capture_default_str();
        cmd.add_option("--steps", t.maxSteps, "Step budget (0: time budget only)")->capture_default_str();
        cmd.add_option("--lr", t.lr, "Peak learning rate")->capture_default_str();
        cmd.add_option("--seed", t.seed, "Random seed (of the sample, the training and --score-sample)")
            ->capture_default_str();
        cmd.add_option("--threads,-j", t.threads, "Torch threads, and scan workers of --score (default: all cores)");
        t.device = "auto";
        cmd.add_option("--device", t.device, "Where to train: auto (first GPU if any, else CPU), cpu, cuda or cuda:N")
            ->capture_default_str();
        cmd.add_flag("--score", m_score,
            "Then score the shards with the model (lm_loss, lm_bpb, with --scorers) into the corpus's scores cache");
        cmd.add_option("--scorers", m_scorers,
               "With --score: the other scorers of the table; cached ones load, and the lm columns are added to the "
               "scores cache beside them")
            ->capture_default_str();
        cmd.add_option("--score-sample", m_scoreSample.sample,
            "With --score: score a uniform random sample of the records, as score --sample takes it (2%, 0.02, "
            "5000); never cached");
        cmd.add_option("--tsv", m_tsv, "With --score: write the scores as TSV here (- for standard output)");
        cmd.add_flag("--quiet,-q", m_corpus.quiet, "No progress output");
    }

    int run() override
    {
        if (!m_forCorpus && m_train.outDir.empty())
            throw UsageError(
                name(), "give --out DIR, or --for-corpus to keep the model in the corpus's cache directory");
        if (m_forCorpus && m_sample == "first")
            throw UsageError(name(),
                "--for-corpus trains on a uniform random sample of the corpus, not its first "
                "documents: leave out --sample first");
        if (!m_score && (!m_scoreSample.sample.empty() || !m_tsv.empty()))
            throw UsageError(name(), "--score-sample and --tsv go with --score");
        m_train.randomSample = m_sample == "random";
        const bool shapeGiven
            = std::any_of(m_shapeOptions.begin(), m_shapeOptions.end(), [](CLI::Option* o) { return o->count() > 0; });
        if (m_size.empty() ? m_forCorpus && !shapeGiven : m_size == "auto") {
            // Issue 22, part 4: on a CPU a short budget is best spent on a smaller model.
            const lm::ShapeChoice choice
                = lm::chooseShapeForBudget(m_train.minutes, resolveLmDevice(m_train.device), m_train.threads);
            lm::applyShape(m_train, choice.shape);
            if (!m_corpus.quiet)
                std::fprintf(stderr, "shape %s: %s\n", choice.shape.name().c_str(), choice.reason.c_str());
        }
        if (!m_corpus.quiet)
            m_train.log = [](const std::string& s) {
                std::fprintf(stderr, "%s\n", s.c_str());
                std::fflush(stderr);
            };
        // The corpus as `score` names it (its shards and fields name its cache directory).
        m_corpus.input.inputs = m_train.inputs;
        m_corpus.input.textField = m_train.textField;
        m_corpus.threads.threads = m_train.threads;
        lm::TrainResult r;
        std::string modelDir = m_train.outDir;
        if (m_forCorpus) {
            const std::vector<std::string> shards = m_corpus.input.shards();
            const FieldMapping fields = m_corpus.input.fields(shards);
            const CorpusCache cache = CorpusCache::of(m_corpus.cacheDir, shards, fields);
            modelDir = lm::referenceLmDir(cache.dir);
            m_train.inputs = shards;
            m_train.textField = fields.text;
            if (m_train.maxDocuments <= 0 && m_train.maxMegabytes <= 0)
                m_train.maxMegabytes = 20;
            r = lm::trainReferenceLm(m_train, cache.dir);
        } else {
            r = lm::trainByteLm(m_train);
        }
        throwIfCancelled(r.cancelled);
        std::printf("steps=%lld tokens=%lld seconds=%.0f train_bpb=%.4f heldout_bpb=%.4f heldout_bytes=%lld "
                    "documents=%lld out=%s\n",
            static_cast<long long>(r.steps), static_cast<long long>(r.tokensSeen), r.seconds, r.trainBpb, r.heldoutBpb,
            static_cast<long long>(r.heldoutBytes), static_cast<long long>(r.trainDocuments + r.heldoutDocuments),
            modelDir.c_str());
        std::fflush(stdout);
        return m_score ? score(modelDir) : 0;
    }

private:
    // `score --scorers <list>,lm:model=DIR` on the same shards: the model's columns join the corpus's cached scores.
    int score(const std::string& modelDir)
    {
        ScorerSpec lmSpec { "lm", { { "model", modelDir }, { "device", m_train.device } } };
        ScorerOptions list;
        list.list = m_scorers.empty() ? lmSpec.format() : m_scorers + "," + lmSpec.format();
        const ScorerList scorers = list.resolve(name());
        m_scoreSample.seed = m_train.seed;
        const std::shared_ptr<const DocumentSelector> sample = m_scoreSample.selector(m_corpus, name());
        bool cached = false;
        ScanResult r = scoreOrLoad(m_corpus, scorers, {}, false, &cached, sample);
        return finishScoreRun(m_corpus, r, cached, m_tsv);
    }

    lm::TrainOptions m_train;
    std::string m_sample = "random";
    std::string m_size; // "auto", "given"; empty: auto with --for-corpus unless a shape option is given
    std::vector<CLI::Option*> m_shapeOptions;
    bool m_forCorpus = false;
    bool m_score = false;
    CorpusOptions m_corpus;
    SampleOptions m_scoreSample;
    std::string m_scorers = "zlib6,zstd3";
    std::string m_tsv;
};

} // namespace

std::unique_ptr<Command> makeTrainLmCommand()
{
    return std::make_unique<TrainLmCommand>();
}

} // namespace shardscope::cli

#endif
