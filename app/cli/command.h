#pragma once
// A shardscope-cli subcommand. main.cpp makes one object per command, gives each its CLI11 subcommand
// to register its options on (setup), parses, and runs the one chosen.
//
// run() returns the exit status of a run that got to its end: 0, or 1 when the input had problems it
// has reported (rejected records, broken streams). Everything else is thrown, and main.cpp alone turns
// it into a message and an exit status:
//   CLI::ParseError (options)       CLI11's message                           2 (--help, --version: 0)
//   UsageError (found after parsing) "shardscope-cli <command>: <what>"        2
//   Cancelled (SIGINT, SIGTERM)     "cancelled"                               130
//   InputError (core)               "error: <file>: byte N: <what>"           1
//   any other std::exception        "error: <what>"                           1
// so a command never prints its own fatal error and never calls std::exit.

#include <memory>
#include <stdexcept>
#include <string>

namespace CLI {
class App;
}

namespace shardscope::cli {

class Command {
public:
    virtual ~Command() = default;
    virtual std::string name() const = 0;
    virtual std::string description() const = 0; // the line in `shardscope-cli --help`
    // Registers the command's options on its subcommand; they are bound to the command's members.
    virtual void setup(CLI::App& cmd) = 0;
    virtual int run() = 0;
};

// A usage error that only shows after parsing: an unknown scorer, a method that does not parse, a
// filter config that does not load, a column that is not in the scores.
class UsageError : public std::runtime_error {
public:
    UsageError(const std::string& command, const std::string& what)
        : std::runtime_error("shardscope-cli " + command + ": " + what)
    {
    }
};

// The run was stopped by SIGINT or SIGTERM (interrupt.h); whatever it printed before stands.
class Cancelled : public std::runtime_error {
public:
    Cancelled()
        : std::runtime_error("cancelled")
    {
    }
};

// The commands, in the order `shardscope-cli --help` lists them (main.cpp).
std::unique_ptr<Command> makeScoreCommand();
std::unique_ptr<Command> makeApplyCommand();
std::unique_ptr<Command> makeExportCommand();
std::unique_ptr<Command> makeStatsCommand();
std::unique_ptr<Command> makeSuggestCommand();
std::unique_ptr<Command> makeScorersCommand();
std::unique_ptr<Command> makeLabelsCommand();
std::unique_ptr<Command> makeLabelCommand();
std::unique_ptr<Command> makeClassifierCommand();
std::unique_ptr<Command> makeTrainNgramCommand();
std::unique_ptr<Command> makeSlurmCommand();
#ifdef SHARDSCOPE_HAVE_TORCH
std::unique_ptr<Command> makeTrainLmCommand();
std::unique_ptr<Command> makeLmTokensCommand();
#endif

} // namespace shardscope::cli
