// `apply`: runs a filter config over shards and writes the kept (and dropped, rejected) records.

#include "apply.h"
#include "command.h"
#include "filterconfig.h"
#include "options.h"
#include "scanrun.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace shardscope::cli {

namespace {

class ApplyCommand : public Command {
public:
    std::string name() const override { return "apply"; }
    std::string description() const override { return "Apply a filter config and write kept (and dropped) records"; }

    void setup(CLI::App& cmd) override
    {
        m_corpus.add(&cmd);
        cmd.add_option("--config,-c", m_configPath, "Filter config (JSON)")->required()->check(CLI::ExistingFile);
        cmd.add_option("--out,-o", m_outDir, "Output directory")->required();
        cmd.add_flag("--dropped", m_writeDropped, "Also write dropped records (+ .dropped.tsv with the rule)");
        cmd.add_flag("--rejected", m_writeRejected, "Also write rejected (unparseable) records with the reason");
        m_model.add(&cmd);
    }

    int run() override
    {
        auto [config, so] = loadConfigScan(name(), m_configPath, m_corpus, m_model);
        ApplyOptions ao;
        ao.outDir = m_outDir;
        ao.writeDropped = m_writeDropped;
        ao.writeRejected = m_writeRejected;
        // runApply makes its own scan, which a signal does not reach: apply runs to its end.
        ApplySummary sum = runApply(config, so, ao, progressPrinter(m_corpus.quiet));
        endProgressLine(m_corpus.quiet);
        for (const auto& e : sum.errors)
            std::fprintf(stderr, "error: %s\n", e.c_str());
        if (!m_corpus.quiet)
            for (size_t i = 0; i < config.rules.size(); ++i)
                std::printf("rule %zu %-24s dropped_in_order=%llu dropped_alone=%llu\n", i,
                    config.rules[i].column.c_str(), static_cast<unsigned long long>(sum.total.rules[i].droppedInOrder),
                    static_cast<unsigned long long>(sum.total.rules[i].droppedAlone));
        // Named as in summary.json: the text field's UTF-8 bytes (what the GUI's threshold panel counts) and the JSON
        // lines' bytes (what the outputs hold). Before the counts, which stay the last line for scripts.
        if (!m_corpus.quiet)
            std::printf(
                "kept_text_bytes=%llu dropped_text_bytes=%llu kept_record_bytes=%llu dropped_record_bytes=%llu\n",
                static_cast<unsigned long long>(sum.total.keptTextBytes),
                static_cast<unsigned long long>(sum.total.droppedTextBytes),
                static_cast<unsigned long long>(sum.total.keptRecordBytes),
                static_cast<unsigned long long>(sum.total.droppedRecordBytes));
        std::printf("read=%llu kept=%llu dropped=%llu rejected=%llu\n", static_cast<unsigned long long>(sum.total.read),
            static_cast<unsigned long long>(sum.total.kept), static_cast<unsigned long long>(sum.total.dropped),
            static_cast<unsigned long long>(sum.total.rejected));
        if (sum.cancelled)
            throw Cancelled();
        return (!sum.errors.empty() || sum.total.rejected > 0) ? 1 : 0;
    }

private:
    CorpusOptions m_corpus;
    ModelOptions m_model;
    std::string m_configPath;
    std::string m_outDir;
    bool m_writeDropped = false;
    bool m_writeRejected = false;
};

} // namespace

std::unique_ptr<Command> makeApplyCommand()
{
    return std::make_unique<ApplyCommand>();
}

} // namespace shardscope::cli
