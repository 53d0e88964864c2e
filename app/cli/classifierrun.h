#pragma once
// What the label and classifier commands (issue 23) share with `score`: the corpus's score table for the
// classifier's features (cached scores, scored only when missing), its labels, and the quality column of a
// saved classifier added to a table without rescanning the scorers it is computed from.

#include "labels.h"
#include "options.h"
#include "scan.h"

#include <memory>
#include <string>

namespace shardscope::cli {

// The feature scorers: `list` (a --scorers list) or, empty, defaultFeatureScorers() (classifier.h).
ScorerList featureScorers(const CorpusOptions& corpus, const std::string& list, const std::string& scoresFile);

// The labels file a command reads: `path` when given, else the corpus's (labelsPathOf). A missing file is an
// empty set when `missingIsEmpty`, else an InputError.
struct LabelsSource {
    std::string path;
    bool fromCorpus = false;
};
LabelsSource labelsSource(const CorpusOptions& corpus, const std::string& path, const std::string& scoresFile);

// Matches labels to the table's documents; labels whose id is no document's are an InputError naming the file
// and the line of the first, with every one (up to 20) listed on stderr before.
LabelMatch matchOrThrow(const LabelSet& labels, const ScanResult& table, const std::string& path);

// A --scorers list without what `--classifier` provides (quality, linear), so "-s quality --classifier DIR" asks
// for the classifier's column and not for an unconfigured linear scorer. Throws UsageError for a list that does
// not parse.
std::string withoutClassifierColumns(const std::string& list, const std::string& command);

// `score --classifier DIR`: scores (or loads) `requested` and the scorers of the classifier's inputs, then adds
// the classifier's column (quality) with computeDerived: no text is read for it, and the other scorers' cached
// columns are reused, so a retrained model recomputes only this column. The column is stored in the scores
// cache too. The result's columns: those of `requested`, then quality.
ScanResult scoreWithClassifier(const CorpusOptions& corpus, const ScorerList& requested, const std::string& dir,
    const std::string& scoresFile, bool seekCache, bool* fromCache, std::shared_ptr<const DocumentSelector> sample);

} // namespace shardscope::cli
