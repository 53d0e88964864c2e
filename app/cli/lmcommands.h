#pragma once
// The language-model part of shardscope-cli, kept apart from main.cpp: `train-lm`, `lm-tokens`, and
// the --model/--device/--lm-* options of `score`, `stats` and `apply`. Without libtorch
// (SHARDSCOPE_WITH_TORCH=OFF) addLmCommands() adds nothing.
//
// Call after the other subcommands exist and before parsing. The commands run from CLI11 callbacks:
// success ends the parse with CLI::Success (exit 0), a usage error with a CLI11 validation error
// (exit 2), an input or model error prints "error: ..." and exits with status 1.

namespace CLI {
class App;
}

void addLmCommands(CLI::App& app);
