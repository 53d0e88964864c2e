// `scorers`: every scorer with its one-line definition (and its columns').

#include "command.h"
#include "scorer.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace shardscope::cli {

namespace {

class ScorersCommand : public Command {
public:
    std::string name() const override { return "scorers"; }
    std::string description() const override { return "List every scorer with its definition"; }

    void setup(CLI::App& cmd) override
    {
        cmd.add_flag("--columns", m_columns, "Also list each column with its exact definition");
    }

    int run() override
    {
        for (const auto& s : ScorerRegistry::instance().createAll()) {
            std::printf(
                "%-20s %s%s\n", s->name().c_str(), s->summary().c_str(), s->needsModel() ? " [needs a model]" : "");
            if (m_columns || s->columns().size() > 1)
                for (const auto& c : s->columns())
                    if (c.name != s->name())
                        std::printf("  %-26s %s\n", c.name.c_str(), c.definition.c_str());
        }
        return 0;
    }

private:
    bool m_columns = false;
};

} // namespace

std::unique_ptr<Command> makeScorersCommand()
{
    return std::make_unique<ScorersCommand>();
}

} // namespace shardscope::cli
