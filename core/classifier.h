#pragma once
// The quality classifier (issue 23): L2-regularised logistic regression over score columns, trained on the
// labels (labels.h), written as the `linear` scorer's model (linearscorer.h), whose column `quality` is the
// probability that a document is good.
//
// Definition. Features: the numeric score columns asked for (categorical ones, such as lang, are left out).
// Each is standardised over the corpus, not the labels: mean and standard deviation of its finite values
// (over at most 65,536 documents spread evenly through the corpus), so z = (x - mean) / sd; a missing or
// non-finite value counts as the mean (z = 0), which is also what the linear scorer does with a missing input.
// A column with no finite value or no spread is dropped (and said so). Model: p = 1 / (1 + exp(-(b + w.z))),
// w minimising  sum_i logloss(y_i, p_i) + lambda/2 |w|^2  (the bias b is not penalised), solved by Newton's
// method with a Cholesky step and step halving: with tens of features the Hessian is tiny, so each fit
// converges in a handful of exact steps (a 1,000-label, 40-feature fit is about a millisecond; liblinear's
// trust-region Newton solves the same problem and would add a dependency without a measurable gain here).
//
// lambda is chosen by stratified k-fold cross-validation (k = 5, fewer when a class has fewer labels) over a
// grid from 1000 down to 0.01: the lambda with the highest mean fold AUC (ties: the larger lambda). Reported:
// the mean fold AUC and the standard deviation over folds at that lambda, and a bootstrap 95% interval of the
// AUC of the pooled out-of-fold predictions. The figure is chosen on the same folds it is reported on, so it is
// slightly optimistic with few labels; the interval says how much it can move.
//
// Everything here is plain computation on value types, safe to run off the GUI thread; a stop flag is polled
// between fits.

#include "linearscorer.h"
#include "scan.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace shardscope {

struct ClassifierOptions {
    std::vector<std::string> features; // columns of the table; empty: every numeric column
    int folds = 5;
    std::vector<double> lambdas; // empty: the default grid
    uint64_t seed = 1;
    int bootstrap = 1000;
    const std::atomic<bool>* stop = nullptr; // set: training throws std::runtime_error("cancelled")
};

struct LambdaResult {
    double lambda = 0;
    double meanAuc = 0; // mean fold AUC
    double foldStd = 0;
};

struct ClassifierResult {
    LinearModel model; // output "quality", logistic link
    size_t labels = 0, good = 0, bad = 0;
    int folds = 0;
    double lambda = 0;
    double cvAuc = 0; // mean fold AUC at the chosen lambda
    double cvAucStd = 0; // standard deviation of the fold AUCs
    std::vector<double> foldAucs; // at the chosen lambda
    double pooledAuc = 0; // AUC of all out-of-fold predictions together
    double ciLow = 0, ciHigh = 0; // bootstrap 95% interval of pooledAuc
    std::vector<LambdaResult> path; // every lambda tried
    std::vector<std::string> dropped; // "column: why"
    double seconds = 0; // training time, cross-validation included
    std::string date; // UTC, ISO 8601

    // The metadata file's text (classifier.json): everything above but the model, which is model.json.
    std::string metadataJson(const std::string& modelHash) const;
    // "CV AUC 0.912 ± 0.031 (5 folds; pooled 0.905, 95% bootstrap 0.86-0.95), 80 labels (40 good, 40 bad)"
    std::string summary() const;
};

// The features of a table as the classifier standardises them (see above): the usable numeric columns among
// `features` (empty: all), their indices in the table, means and standard deviations, and what was dropped.
// Throws std::invalid_argument naming a feature that is not a column, or when no column is usable.
struct FeatureScaling {
    std::vector<std::string> names;
    std::vector<size_t> columns;
    std::vector<double> mean, scale;
    std::vector<std::string> dropped; // "column: why"
};
FeatureScaling featureScaling(const ScoreTable& table, const std::vector<std::string>& features);

// Trains on the labelled rows (rows[i] is a document of `table`, good[i] its label). Throws
// std::invalid_argument when there are fewer than 2 labels of either class or no usable feature, and
// std::invalid_argument naming a feature that is not a column of the table.
ClassifierResult trainClassifier(const ScoreTable& table, const std::vector<uint32_t>& rows,
    const std::vector<uint8_t>& good, const ClassifierOptions& options = {});

// One fit at a fixed lambda, no cross-validation (what "label next" needs: milliseconds). Same errors.
LinearModel fitClassifier(const ScoreTable& table, const std::vector<uint32_t>& rows, const std::vector<uint8_t>& good,
    const std::vector<std::string>& features = {}, double lambda = 1.0);

// Area under the ROC curve of `score` for the positives y = 1 (ties count one half); NaN when a class is absent.
double rocAuc(const std::vector<double>& score, const std::vector<uint8_t>& y);

// A classifier directory: model.json (the linear scorer's model) and classifier.json (metadata). Saving
// creates the directory and writes both files atomically.
std::string classifierModelPath(const std::string& dir);
std::string classifierMetadataPath(const std::string& dir);
void saveClassifier(const std::string& dir, const ClassifierResult& result);
// The scorer spec that applies a saved classifier: "linear:model=DIR/model.json". Throws InputError when the
// directory holds no model.json.
std::string classifierSpec(const std::string& dir);

// The default features: every scorer `--scorers all` runs that is not slow (the heuristic-speed ones), plus the
// slow ones (language models) whose columns `scoresPath` already holds up to date for these shards. Model-backed
// scorers that cannot run here are left out.
std::vector<std::shared_ptr<const Scorer>> defaultFeatureScorers(
    const std::string& scoresPath, const std::vector<std::string>& shards, const FieldMapping& fields);

} // namespace shardscope
