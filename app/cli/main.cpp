// shardscope-cli: the headless front end of the engine (no Qt, runs on cluster nodes).
// Exit status: 0 success, 1 input error (message names file and line or byte offset),
// 2 usage error, 130 cancelled by SIGINT or SIGTERM. Each command lives in its cmd_*.cpp; this file
// parses, runs the chosen command and maps what it throws to a message and an exit status (command.h).

#include "bytesource.h"
#include "command.h"
#include "interrupt.h"
#include "scorer.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

using namespace shardscope;
using namespace shardscope::cli;

namespace {

std::vector<std::unique_ptr<Command>> makeCommands()
{
    std::vector<std::unique_ptr<Command>> commands;
    commands.push_back(makeScoreCommand());
    commands.push_back(makeApplyCommand());
    commands.push_back(makeExportCommand());
    commands.push_back(makeStatsCommand());
    commands.push_back(makeSuggestCommand());
    commands.push_back(makeScorersCommand());
    // Learning the filter from labels (issue 23): labels export|import, label next, classifier train.
    commands.push_back(makeLabelsCommand());
    commands.push_back(makeLabelCommand());
    commands.push_back(makeClassifierCommand());
    commands.push_back(makeTrainNgramCommand()); // the n-gram reference model (issue 22)
    commands.push_back(makeSlurmCommand()); // Slurm array jobs of apply and score (issue 24)
#ifdef SHARDSCOPE_HAVE_TORCH
    // The language-model commands (issue 4); --model, --device and --lm-* of score, stats and apply are
    // their ModelOptions.
    commands.push_back(makeTrainLmCommand());
    commands.push_back(makeLmTokensCommand());
#endif
    return commands;
}

int runCli(int argc, char** argv)
{
    registerBuiltinScorers();
    installSignalHandlers();

    CLI::App app { "shardscope-cli: score, inspect and filter LLM pretraining corpus shards" };
    app.set_version_flag("--version", std::string("shardscope-cli ") + SHARDSCOPE_VERSION);
    app.require_subcommand(1);

    const std::vector<std::unique_ptr<Command>> commands = makeCommands();
    std::vector<std::pair<CLI::App*, Command*>> subcommands;
    for (const auto& command : commands) {
        CLI::App* sub = app.add_subcommand(command->name(), command->description());
        command->setup(*sub);
        subcommands.emplace_back(sub, command.get());
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }

    for (const auto& [sub, command] : subcommands) {
        if (!*sub)
            continue;
        try {
            return command->run();
        } catch (const UsageError& e) {
            std::fprintf(stderr, "%s\n", e.what());
            return 2;
        } catch (const Cancelled& e) {
            std::fprintf(stderr, "%s\n", e.what());
            return 130;
        } catch (const InputError& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            return 1;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            return 1;
        }
    }
    return 2; // require_subcommand(1) makes this unreachable
}

} // namespace

int main(int argc, char** argv)
{
    const int rc = runCli(argc, argv);
    // stats, suggest and apply print their results: a full disk under a redirected stdout is a failed run too
    // (said once: a run that failed already has its message).
    if ((std::fflush(stdout) != 0 || std::ferror(stdout)) && rc == 0) {
        std::fprintf(stderr, "error: standard output: write failed: %s\n", std::strerror(errno));
        return 1;
    }
    return rc;
}
