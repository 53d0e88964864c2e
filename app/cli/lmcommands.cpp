#include "lmcommands.h"

#include <CLI/CLI.hpp>

#ifdef SHARDSCOPE_HAVE_TORCH
#include "lmscorer.h"
#include "lmtrain.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

using namespace shardscope;

namespace {

[[noreturn]] void fail(const std::string& msg)
{
    std::fprintf(stderr, "error: %s\n", msg.c_str());
    std::fflush(stderr);
    std::exit(1);
}

void addModelOptions(CLI::App* cmd, LmOptions& o)
{
    cmd->add_option("--model", o.modelDir,
                    "Language model directory for the lm scorer (config.json, model.safetensors, tokenizer); "
                    "default: the built-in byte-level model");
    cmd->add_option("--device", o.device, "Where the lm scorer runs: auto (first GPU if any, else CPU), cpu, cuda or cuda:N (default: cpu)");
    cmd->add_option("--lm-window", o.window, "lm scorer window in tokens (default: the model's context)");
    cmd->add_option("--lm-stride", o.stride, "lm scorer stride in tokens (default: window/2)");
    cmd->add_option("--lm-batch-tokens", o.batchTokens, "tokens per forward batch (default: 8192 on the CPU, 65536 on a GPU)");
    cmd->add_option("--lm-threads", o.torchThreads, "torch threads per scan worker (default: 1)");
    cmd->callback([cmd, &o] {
        setLmOptions(o);
        // Validate an explicit model before the scan starts, so a bad directory is one clear error.
        if (cmd->count("--model") || cmd->count("--device")) {
            try {
                loadSelectedLm();
            } catch (const std::exception& e) {
                fail(e.what());
            }
        }
    });
}

} // namespace

void addLmCommands(CLI::App& app)
{
    static LmOptions scoreOpts, statsOpts, applyOpts;
    for (auto [name, opts] : { std::pair { "score", &scoreOpts }, { "stats", &statsOpts }, { "apply", &applyOpts } }) {
        try {
            addModelOptions(app.get_subcommand(name), *opts);
        } catch (const CLI::OptionNotFound&) {
        }
    }

    static lm::TrainOptions t;
    auto* train = app.add_subcommand("train-lm", "Train a byte-level language model on shards (built-in or reference model)");
    train->add_option("shards", t.inputs, "Training shards or directories")->required()->check(CLI::ExistingPath);
    train->add_option("--out,-o", t.outDir, "Output model directory (config.json, model.safetensors, training.json)")
        ->required();
    train->add_option("--heldout", t.heldout, "Held-out shards (default: every 20th training document)")
        ->check(CLI::ExistingPath);
    train->add_option("--text-field", t.textField, "Text field name or JSON pointer (default: text)");
    train->add_option("--max-documents", t.maxDocuments, "Train on a sample of at most this many documents (0: all)")
        ->capture_default_str();
    train->add_option("--max-mb", t.maxMegabytes, "Train on a sample of at most this many MB of text (0: all)")
        ->capture_default_str();
    static std::string sample = "random";
    train->add_option("--sample", sample,
                      "With a limit: 'random' (a uniform sample of all documents; reads every shard) or 'first' "
                      "(the first documents in input order)")
        ->check(CLI::IsMember({ "random", "first" }))
        ->capture_default_str();
    train->add_option("--layers", t.layers, "Transformer layers")->capture_default_str();
    train->add_option("--hidden", t.hidden, "Hidden size")->capture_default_str();
    train->add_option("--heads", t.heads, "Attention heads")->capture_default_str();
    train->add_option("--context", t.context, "Context in bytes")->capture_default_str();
    train->add_option("--batch", t.batch, "Windows per step")->capture_default_str();
    train->add_option("--minutes", t.minutes, "Time budget (the learning rate decays over it)")->capture_default_str();
    train->add_option("--steps", t.maxSteps, "Step budget (0: time budget only)")->capture_default_str();
    train->add_option("--lr", t.lr, "Peak learning rate")->capture_default_str();
    train->add_option("--seed", t.seed, "Random seed")->capture_default_str();
    train->add_option("--threads,-j", t.threads, "Torch threads (default: all cores)");
    train->add_option("--device", t.device, "Where to train: auto (first GPU if any, else CPU), cpu, cuda or cuda:N")
        ->capture_default_str();
    train->callback([] {
        t.randomSample = sample == "random";
        t.log = [](const std::string& s) {
            std::fprintf(stderr, "%s\n", s.c_str());
            std::fflush(stderr);
        };
        try {
            auto r = lm::trainByteLm(t);
            std::printf("steps=%lld tokens=%lld seconds=%.0f train_bpb=%.4f heldout_bpb=%.4f heldout_bytes=%lld out=%s\n",
                        static_cast<long long>(r.steps), static_cast<long long>(r.tokensSeen), r.seconds, r.trainBpb,
                        r.heldoutBpb, static_cast<long long>(r.heldoutBytes), t.outDir.c_str());
        } catch (const std::exception& e) {
            fail(e.what());
        }
        throw CLI::Success();
    });

    // One token per line even when a token holds a newline or a tab: C-style escapes.
    static auto escapedToken = [](const std::string& b) {
        std::string out;
        for (unsigned char ch : b) {
            if (ch == '\\')
                out += "\\\\";
            else if (ch == '\n')
                out += "\\n";
            else if (ch == '\t')
                out += "\\t";
            else if (ch < 0x20 || ch == 0x7F) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\x%02x", ch);
                out += buf;
            } else
                out += char(ch);
        }
        return out;
    };
    static LmOptions tokOpts;
    static std::string tokText;
    auto* tok = app.add_subcommand("lm-tokens", "Print each token of a text with its loss (nats), tab-separated");
    tok->add_option("text", tokText, "The text (use - to read standard input)")->required();
    tok->add_option("--model", tokOpts.modelDir, "Model directory (default: built-in)");
    tok->add_option("--device", tokOpts.device, "auto, cpu, cuda or cuda:N");
    static bool tokIds = false;
    tok->add_flag("--ids", tokIds, "Print the token id first (id, loss, token)");
    tok->callback([] {
        if (tokText == "-")
            tokText.assign(std::istreambuf_iterator<char>(std::cin), {});
        setLmOptions(tokOpts);
        try {
            auto m = loadSelectedLm();
            for (const auto& tl : tokenLosses(*m, tokText)) {
                if (tokIds)
                    std::printf("%d\t%.6f\t%s\n", tl.id, double(tl.nats), escapedToken(tl.bytes).c_str());
                else
                    std::printf("%.4f\t%s\n", double(tl.nats), CLI::detail::to_string(tl.bytes).c_str());
            }
        } catch (const std::exception& e) {
            fail(e.what());
        }
        throw CLI::Success();
    });
}

#else

void addLmCommands(CLI::App&)
{
}

#endif
