// `labels export|import` and `label next` (issue 23): the corpus's labels as TSV, and which documents to label
// next. The labels of a corpus live beside its cached scores (labelsPathOf); the TSV is how they travel.

#include "classifier.h"
#include "classifierrun.h"
#include "command.h"
#include "interrupt.h"
#include "labelnext.h"
#include "labels.h"
#include "options.h"
#include "scanrun.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>

namespace shardscope::cli {

namespace {

double msSince(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// The corpus's documents (ids) and the feature columns, from the scores cache when it is up to date.
ScanResult featureTable(const CorpusOptions& corpus, const ScorerList& scorers, const std::string& scoresFile)
{
    bool cached = false;
    ScanResult r = scoreOrLoad(corpus, scorers, scoresFile, false, &cached);
    reportProblems(r, corpus.maxErrors);
    throwIfCancelled(r.cancelled);
    return r;
}

class LabelsCommand : public Command {
public:
    std::string name() const override { return "labels"; }
    std::string description() const override
    {
        return "Export or import a corpus's labels (TSV: id<TAB>label, good or bad), kept beside its scores";
    }

    void setup(CLI::App& cmd) override
    {
        cmd.require_subcommand(1);
        m_export = cmd.add_subcommand("export", "Write the corpus's labels as TSV");
        m_exportCorpus.add(m_export);
        m_export->add_option("--out,-o", m_out, "Write here (atomically; default: standard output)");
        m_export->add_option("--scores-file", m_exportScores, "The scores file the labels live beside");

        m_import = cmd.add_subcommand(
            "import", "Add the labels of a TSV to the corpus's (checked: every id must be a document of the shards)");
        m_importCorpus.add(m_import);
        m_import->add_option("--labels,-l", m_in, "The labels TSV to import")->required();
        m_import->add_flag("--replace", m_replace, "Replace the corpus's labels instead of adding to them");
        m_import->add_flag(
            "--skip-unknown", m_skipUnknown, "Import the labels of known ids and only report the others");
        m_import->add_option("--scores-file", m_importScores, "The scores file the labels live beside");
    }

    int run() override
    {
        if (*m_export) {
            const LabelsSource src = labelsSource(m_exportCorpus, {}, m_exportScores);
            const LabelSet labels = LabelSet::loadIfExists(src.path);
            if (m_out.empty() || m_out == "-")
                std::fputs(labels.toTsv().c_str(), stdout);
            else
                labels.save(m_out);
            if (!m_exportCorpus.quiet)
                std::fprintf(stderr, "%zu label(s) (%zu good, %zu bad) from %s\n", labels.size(),
                    labels.count(Label::Good), labels.count(Label::Bad), src.path.c_str());
            return 0;
        }
        const LabelSet incoming = LabelSet::load(m_in);
        const ScanResult table = featureTable(m_importCorpus, {}, m_importScores);
        LabelMatch m = matchLabels(incoming, table.index);
        LabelSet known;
        if (!m.unknown.empty()) {
            if (!m_skipUnknown)
                matchOrThrow(incoming, table, m_in); // lists them, throws naming the first unknown id's line
            std::fputs(describeUnknown(m, m_in).c_str(), stderr);
            for (const auto& e : incoming.entries())
                known.set(e.id, e.label, e.line);
            for (const LabelEntry* e : m.unknown)
                known.remove(e->id);
        } else {
            known = incoming;
        }
        const LabelsSource dest = labelsSource(m_importCorpus, {}, m_importScores);
        LabelSet stored = m_replace ? LabelSet() : LabelSet::loadIfExists(dest.path);
        const size_t added = stored.merge(known);
        stored.save(dest.path);
        std::fprintf(stderr,
            "imported %zu label(s) (%zu new, %zu unknown id(s) %s); %s now holds %zu (%zu good, %zu bad)\n",
            known.size(), added, m.unknown.size(), m_skipUnknown ? "skipped" : "", dest.path.c_str(), stored.size(),
            stored.count(Label::Good), stored.count(Label::Bad));
        return 0;
    }

private:
    CLI::App* m_export = nullptr;
    CLI::App* m_import = nullptr;
    CorpusOptions m_exportCorpus, m_importCorpus;
    std::string m_out, m_in, m_exportScores, m_importScores;
    bool m_replace = false, m_skipUnknown = false;
};

class LabelCommand : public Command {
public:
    std::string name() const override { return "label"; }
    std::string description() const override
    {
        return "Which documents to label next (label next): where the classifier is least sure, plus random ones";
    }

    void setup(CLI::App& cmd) override
    {
        cmd.require_subcommand(1);
        m_next = cmd.add_subcommand("next",
            "Print the ids of the documents to label next, one per line: id, why (tail, uncertain, random), the "
            "classifier's probability of good, detail");
        m_corpus.add(m_next);
        m_next->add_option("--labels,-l", m_labels,
            "Labels TSV so far (missing or empty: the first selection, from the tails of the scores; default: the "
            "corpus's labels)");
        m_next->add_option("-n", m_options.n, "How many (default: 10)")->check(CLI::PositiveNumber);
        m_next
            ->add_option("--random-fraction", m_options.randomFraction,
                "Share drawn uniformly at random, so the labels stay partly a random sample (default: 0.2)")
            ->check(CLI::Range(0.0, 1.0));
        m_next->add_option("--seed", m_options.seed, "Seed of the random picks and tie-breaks (default: 1)");
        m_next->add_option("--features", m_features,
            "Scorers whose columns the classifier uses (default: every heuristic-speed scorer, plus language-model "
            "columns already in the cache)");
        m_next->add_option(
            "--scores-file", m_scoresFile, "Scores file to read/write (default: in the cache directory)");
    }

    int run() override
    {
        const auto started = std::chrono::steady_clock::now();
        const LabelsSource src = labelsSource(m_corpus, m_labels, m_scoresFile);
        const LabelSet labels = LabelSet::loadIfExists(src.path);
        ScorerList scorers;
        try {
            scorers = featureScorers(m_corpus, m_features, m_scoresFile);
        } catch (const std::invalid_argument& e) {
            throw UsageError("label next", e.what());
        }
        const ScanResult table = featureTable(m_corpus, scorers, m_scoresFile);
        const double loadMs = msSince(started);
        const auto t0 = std::chrono::steady_clock::now();
        const LabelNextResult next = labelNext(table.scores, table.index, labels, m_options);
        const double selectMs = msSince(t0);
        if (!next.unknown.empty())
            matchOrThrow(labels, table, src.path); // names the file and line of each unknown id, and throws
        for (size_t i = 0; i < next.candidates.size(); ++i) {
            const LabelCandidate& c = next.candidates[i];
            const std::string& id = next.ids[i];
            std::string p;
            if (!isMissing(c.probability)) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%.4f", double(c.probability));
                p = buf;
            }
            std::printf("%s\t%s\t%s\t%s\n", id.c_str(), whyName(c.why), p.c_str(), c.detail.c_str());
        }
        if (!m_corpus.quiet)
            std::fprintf(stderr,
                "%zu of %zu documents labelled (%zu good, %zu bad; %s); %s; scores loaded in %.0f ms, selected in "
                "%.0f ms\n",
                next.labelled, table.index.size(), next.good, next.bad, src.path.c_str(),
                next.usedModel ? "uncertainty sampling"
                               : "first selection: tails of the scores (a classifier needs 2 good and 2 bad)",
                loadMs, selectMs);
        return 0;
    }

private:
    CLI::App* m_next = nullptr;
    CorpusOptions m_corpus;
    LabelNextOptions m_options;
    std::string m_labels, m_features, m_scoresFile;
};

} // namespace

std::unique_ptr<Command> makeLabelsCommand()
{
    return std::make_unique<LabelsCommand>();
}

std::unique_ptr<Command> makeLabelCommand()
{
    return std::make_unique<LabelCommand>();
}

} // namespace shardscope::cli
