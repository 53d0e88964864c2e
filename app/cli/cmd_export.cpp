// `export`: a filter config as something datatrove or Dolma runs, keeping what `apply` keeps (issue 24, part 2).

#include "apply.h"
#include "command.h"
#include "export.h"
#include "filterconfig.h"
#include "options.h"
#include "scanrun.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>

namespace shardscope::cli {

namespace {

class ExportCommand : public Command {
public:
    std::string name() const override { return "export"; }
    std::string description() const override
    {
        return "Export a filter config for datatrove (pipeline.py) or Dolma (attributes + mixer.yaml)";
    }

    void setup(CLI::App& cmd) override
    {
        m_corpus.add(&cmd);
        cmd.add_option("--to", m_to, "Target engine")->required()->check(CLI::IsMember({ "datatrove", "dolma" }));
        cmd.add_option("--config,-c", m_configPath, "Filter config (JSON)")->required()->check(CLI::ExistingFile);
        cmd.add_option("--out,-o", m_outDir, "Output directory")->required();
        cmd.add_option("--name", m_attrName, "Dolma: attribute set and stream name")->default_val("shardscope");
        m_model.add(&cmd);
    }

    int run() override
    {
        auto [config, so] = loadConfigScan(name(), m_configPath, m_corpus, m_model);
        ExportOptions eo;
        eo.target = m_to == "dolma" ? ExportTarget::Dolma : ExportTarget::Datatrove;
        eo.outDir = m_outDir;
        eo.name = m_attrName;
        eo.configPath = m_configPath;
        ExportSummary sum;
        try {
            sum = runExport(config, so, eo, progressPrinter(m_corpus.quiet));
        } catch (const std::invalid_argument& e) {
            throw UsageError(name(), m_configPath + ": " + e.what());
        }
        endProgressLine(m_corpus.quiet);
        for (const auto& e : sum.errors)
            std::fprintf(stderr, "error: %s\n", e.c_str());
        for (const auto& w : sum.warnings)
            std::fprintf(stderr, "warning: %s\n", w.c_str());
        if (!m_corpus.quiet)
            for (const auto& o : sum.outputs)
                std::printf("wrote %s\n", o.c_str());
        // The counts the exported pipeline must reproduce: apply's.
        std::printf("read=%llu kept=%llu dropped=%llu rejected=%llu\n", static_cast<unsigned long long>(sum.records),
            static_cast<unsigned long long>(sum.kept), static_cast<unsigned long long>(sum.documents - sum.kept),
            static_cast<unsigned long long>(sum.rejected));
        if (sum.cancelled)
            throw Cancelled();
        return (!sum.errors.empty() || sum.rejected > 0) ? 1 : 0;
    }

private:
    CorpusOptions m_corpus;
    ModelOptions m_model;
    std::string m_to;
    std::string m_configPath;
    std::string m_outDir;
    std::string m_attrName;
};

} // namespace

std::unique_ptr<Command> makeExportCommand()
{
    return std::make_unique<ExportCommand>();
}

} // namespace shardscope::cli
