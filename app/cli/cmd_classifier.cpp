// `classifier train` (issue 23): a quality classifier from the labels (classifier.h), saved as a directory that
// `score --classifier DIR` (the linear scorer, column quality) applies.

#include "classifier.h"
#include "classifierrun.h"
#include "command.h"
#include "interrupt.h"
#include "labels.h"
#include "options.h"
#include "scanrun.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace shardscope::cli {

namespace {

class ClassifierCommand : public Command {
public:
    std::string name() const override { return "classifier"; }
    std::string description() const override
    {
        return "Train a quality classifier on labels (classifier train); score --classifier applies it";
    }

    void setup(CLI::App& cmd) override
    {
        cmd.require_subcommand(1);
        m_train = cmd.add_subcommand("train",
            "Train logistic regression over the score columns on the labels, lambda chosen by cross-validated AUC; "
            "writes DIR/model.json (a linear scorer model) and DIR/classifier.json, prints the CV AUC");
        m_corpus.add(m_train);
        m_train->add_option("--labels,-l", m_labels, "Labels TSV (default: the corpus's labels)");
        m_train->add_option("--out,-o", m_out, "Classifier directory to write")->required();
        m_train->add_option("--features", m_features,
            "Scorers whose columns are the features (default: every heuristic-speed scorer, plus language-model "
            "columns already in the cache)");
        m_train->add_option("--folds", m_options.folds, "Cross-validation folds (default: 5)")
            ->check(CLI::Range(2, 20));
        m_train->add_option("--seed", m_options.seed, "Seed of the folds and the bootstrap (default: 1)");
        m_train->add_option(
            "--scores-file", m_scoresFile, "Scores file to read/write (default: in the cache directory)");
    }

    int run() override
    {
        const LabelsSource src = labelsSource(m_corpus, m_labels, m_scoresFile);
        const LabelSet labels = LabelSet::load(src.path);
        ScorerList scorers;
        try {
            scorers = featureScorers(m_corpus, m_features, m_scoresFile);
        } catch (const std::invalid_argument& e) {
            throw UsageError("classifier train", e.what());
        }
        bool cached = false;
        const ScanResult table = scoreOrLoad(m_corpus, scorers, m_scoresFile, false, &cached);
        reportProblems(table, m_corpus.maxErrors);
        throwIfCancelled(table.cancelled);
        const LabelMatch m = matchOrThrow(labels, table, src.path);
        ClassifierResult result;
        try {
            result = trainClassifier(table.scores, m.rows, m.good, m_options);
        } catch (const std::invalid_argument& e) {
            throw InputError(src.path, 0, e.what());
        }
        saveClassifier(m_out, result);
        std::printf("%s\n", result.summary().c_str());
        if (!m_corpus.quiet) {
            for (const auto& d : result.dropped)
                std::fprintf(stderr, "feature left out: %s\n", d.c_str());
            std::fprintf(stderr,
                "trained in %.3f s; wrote %s and %s; apply: shardscope-cli score --classifier %s ...\n", result.seconds,
                classifierModelPath(m_out).c_str(), classifierMetadataPath(m_out).c_str(), m_out.c_str());
        }
        return 0;
    }

private:
    CLI::App* m_train = nullptr;
    CorpusOptions m_corpus;
    ClassifierOptions m_options;
    std::string m_labels, m_out, m_features, m_scoresFile;
};

} // namespace

std::unique_ptr<Command> makeClassifierCommand()
{
    return std::make_unique<ClassifierCommand>();
}

} // namespace shardscope::cli
