#pragma once
// "Label next" (issue 23): which documents a user should label next so the quality classifier learns the most
// per label, chosen from scores that exist (no text is read, nothing is rescored).
//
// Definition. Candidates: the documents without a label. Features: the classifier's (classifier.h), each
// standardised over the corpus; the diversity test below compares documents in that space.
// - No model yet (fewer than 2 labels of either class): the first selection comes from the tails of the score
//   columns: (column, low end) and (column, high end) in a seeded order, from each an unlabelled document drawn
//   at random from the lowest or highest `tailFraction` (2%) of the column (the extreme one when none is found,
//   or with tailFraction 0), so the first labels span what the scorers tell apart without being only outliers.
// - With a model: uncertainty sampling, the documents whose predicted probability of good is closest to 0.5
//   (smallest |logit|).
// In both, a share `randomFraction` (default 20%, rounded, at least one when n >= 3 and the share is not 0) are drawn
// uniformly from the candidates instead, so the labels stay partly a random sample and the cross-validated AUC of the
// classifier keeps meaning something for the corpus as a whole. Diversity: a document whose standardised score vector
// lies within `minDistance` (Euclidean, per feature on average: distance / sqrt(features)) of one already chosen is
// passed over (near-duplicates teach the classifier nothing new).
//
// Cost: one pass over the feature columns to standardise (sampled, as the classifier does), one pass to score
// every candidate (or to find the tails), and heaps of a few times n candidates: linear in documents x features,
// no sort of the corpus. Plain value types, safe off the GUI thread.

#include "labels.h"
#include "linearscorer.h"
#include "scan.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shardscope {

struct LabelNextOptions {
    size_t n = 10;
    double randomFraction = 0.2;
    double minDistance = 0.05; // RMS per-feature distance in standard deviations below which two are the same
    uint64_t seed = 1;
    std::vector<std::string> features; // empty: every numeric column of the table
    double tailFraction = 0.02; // first selection: how far into each end of a column (0: the extremes)
};

struct LabelCandidate {
    uint32_t row = 0;
    enum class Why { Tail, Uncertain, Random } why = Why::Random;
    float probability = kMissing; // the model's probability of good; missing in the first selection
    std::string detail; // Tail: "column low" / "column high"
};
const char* whyName(LabelCandidate::Why w); // "tail", "uncertain", "random"

// `labelled`: per document of the table, 1 when it has a label (LabelMatch::labelledMask; empty: none).
// `model`: the classifier fitted on the labels so far (fitClassifier), or nullopt for the first selection.
// Returns at most options.n candidates (fewer when fewer documents are unlabelled), uncertain or tail ones first.
std::vector<LabelCandidate> selectNext(const ScoreTable& table, const std::vector<uint8_t>& labelled,
    const std::optional<LinearModel>& model, const LabelNextOptions& options = {});

// The whole step as `label next` runs it, for a front end: the labels matched to the corpus's documents, the
// classifier fitted on them when there are 2 good and 2 bad (fitClassifier, lambda 1), and the selection, with
// each candidate's id. Labels whose id is no document's are returned, not thrown (the caller decides). Throws
// std::invalid_argument as selectNext() and fitClassifier() do.
struct LabelNextResult {
    std::vector<LabelCandidate> candidates;
    std::vector<std::string> ids; // per candidate, DocIndex::idOf
    size_t labelled = 0, good = 0, bad = 0; // documents with a label
    bool usedModel = false; // false: the first selection (tails)
    std::vector<const LabelEntry*> unknown; // labels that match no document (pointing into `labels`)
};
LabelNextResult labelNext(
    const ScoreTable& table, const DocIndex& index, const LabelSet& labels, const LabelNextOptions& options = {});

} // namespace shardscope
