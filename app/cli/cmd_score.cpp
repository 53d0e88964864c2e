// `score`: every document's scores, as a TSV and in the scores cache.

#include "classifierrun.h"
#include "command.h"
#include "interrupt.h"
#include "options.h"
#include "scanrun.h"
#include "scorestore.h"

#include <CLI/CLI.hpp>

namespace shardscope::cli {

namespace {

class ScoreCommand : public Command {
public:
    std::string name() const override { return "score"; }
    std::string description() const override
    {
        return "Score every document and write a TSV (id, group, bytes, scores)";
    }

    void setup(CLI::App& cmd) override
    {
        m_corpus.add(&cmd);
        m_scorers.add(&cmd, "Comma-separated scorers or columns; 'all' = every model-free scorer");
        cmd.add_option("--tsv", m_tsvPath, "Write the scores as TSV here (written atomically; - for standard output)");
        cmd.add_option("--scores-file", m_scoresFile, "Scores file to write/reuse (default: in the cache directory)");
        cmd.add_flag(
            "--seek-cache", m_seekCache, "Also write random-access caches for compressed shards (for the GUI)");
        m_sample.add(&cmd);
        m_model.add(&cmd);
        cmd.add_option("--classifier", m_classifier,
            "Add the quality column of a classifier directory (classifier train --out DIR): the linear scorer on "
            "DIR/model.json, computed from cached columns without rescanning them");
    }

    int run() override
    {
        m_model.apply();
        if (!m_classifier.empty())
            m_scorers.list = withoutClassifierColumns(m_scorers.list, name());
        const ScorerList scorers = m_scorers.resolve(name(), m_model.sharedParams());
        bool cached = false;
        const std::shared_ptr<const DocumentSelector> sample = m_sample.selector(m_corpus, name());
        ScanResult r = m_classifier.empty()
            ? scoreOrLoad(m_corpus, scorers, m_scoresFile, m_seekCache, &cached, sample)
            : scoreWithClassifier(m_corpus, scorers, m_classifier, m_scoresFile, m_seekCache, &cached, sample);
        return finishScoreRun(m_corpus, r, cached, m_tsvPath);
    }

private:
    CorpusOptions m_corpus;
    ScorerOptions m_scorers;
    ModelOptions m_model;
    SampleOptions m_sample;
    std::string m_tsvPath;
    std::string m_scoresFile;
    std::string m_classifier;
    bool m_seekCache = false;
};

} // namespace

std::unique_ptr<Command> makeScoreCommand()
{
    return std::make_unique<ScoreCommand>();
}

} // namespace shardscope::cli
