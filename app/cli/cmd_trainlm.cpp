// `train-lm`: trains a byte-level language model on shards (built with libtorch only).

#ifdef SHARDSCOPE_HAVE_TORCH

#include "command.h"
#include "lm/lmtrain.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace shardscope::cli {

namespace {

class TrainLmCommand : public Command {
public:
    std::string name() const override { return "train-lm"; }
    std::string description() const override
    {
        return "Train a byte-level language model on shards (built-in or reference model)";
    }

    void setup(CLI::App& cmd) override
    {
        lm::TrainOptions& t = m_train;
        cmd.add_option("shards", t.inputs, "Training shards or directories")->required()->check(CLI::ExistingPath);
        cmd.add_option("--out,-o", t.outDir, "Output model directory (config.json, model.safetensors, training.json)")
            ->required();
        cmd.add_option("--heldout", t.heldout, "Held-out shards (default: every 20th training document)")
            ->check(CLI::ExistingPath);
        cmd.add_option("--text-field", t.textField, "Text field name or JSON pointer (default: text)");
        cmd.add_option("--max-documents", t.maxDocuments, "Train on a sample of at most this many documents (0: all)")
            ->capture_default_str();
        cmd.add_option("--max-mb", t.maxMegabytes, "Train on a sample of at most this many MB of text (0: all)")
            ->capture_default_str();
        cmd.add_option("--sample", m_sample,
               "With a limit: 'random' (a uniform sample of all documents; reads every shard) or 'first' "
               "(the first documents in input order)")
            ->check(CLI::IsMember({ "random", "first" }))
            ->capture_default_str();
        cmd.add_option("--layers", t.layers, "Transformer layers")->capture_default_str();
        cmd.add_option("--hidden", t.hidden, "Hidden size")->capture_default_str();
        cmd.add_option("--heads", t.heads, "Attention heads")->capture_default_str();
        cmd.add_option("--context", t.context, "Context in bytes")->capture_default_str();
        cmd.add_option("--batch", t.batch, "Windows per step")->capture_default_str();
        cmd.add_option("--minutes", t.minutes, "Time budget (the learning rate decays over it)")->capture_default_str();
        cmd.add_option("--steps", t.maxSteps, "Step budget (0: time budget only)")->capture_default_str();
        cmd.add_option("--lr", t.lr, "Peak learning rate")->capture_default_str();
        cmd.add_option("--seed", t.seed, "Random seed")->capture_default_str();
        cmd.add_option("--threads,-j", t.threads, "Torch threads (default: all cores)");
        cmd.add_option("--device", t.device, "Where to train: auto (first GPU if any, else CPU), cpu, cuda or cuda:N")
            ->capture_default_str();
    }

    int run() override
    {
        m_train.randomSample = m_sample == "random";
        m_train.log = [](const std::string& s) {
            std::fprintf(stderr, "%s\n", s.c_str());
            std::fflush(stderr);
        };
        const auto r = lm::trainByteLm(m_train);
        std::printf("steps=%lld tokens=%lld seconds=%.0f train_bpb=%.4f heldout_bpb=%.4f heldout_bytes=%lld out=%s\n",
            static_cast<long long>(r.steps), static_cast<long long>(r.tokensSeen), r.seconds, r.trainBpb, r.heldoutBpb,
            static_cast<long long>(r.heldoutBytes), m_train.outDir.c_str());
        return 0;
    }

private:
    lm::TrainOptions m_train;
    std::string m_sample = "random";
};

} // namespace

std::unique_ptr<Command> makeTrainLmCommand()
{
    return std::make_unique<TrainLmCommand>();
}

} // namespace shardscope::cli

#endif
