#pragma once
// The derived scorer `linear` (issue 19): a linear or logistic model over other score columns, the
// form of the quality classifier that a later issue trains. Spec: linear:model=PATH.
//
// The model file (JSON, written by LinearModel::toJson()):
//   { "format": "shardscope-linear", "version": 1,
//     "inputs":  ["zlib6", "gopher_word_count", ...],   score columns, by name
//     "mean":    [...], "scale": [...],                  per input, for standardising; scale != 0
//     "missing": [...],                                  optional: per input, the raw value used when
//                                                        the input is missing (default: the mean)
//     "weights": [...], "bias": b,
//     "link":    "logistic" | "identity",                optional, default "logistic"
//     "output":  "quality" }                             optional: the output column's name
// Definition, per document, inputs x_1..x_n (x_i = missing_i where the column is missing):
//   z_i = (x_i - mean_i) / scale_i
//   y   = bias + sum_i weights_i * z_i                    (in double precision)
//   out = 1 / (1 + exp(-y)) for "logistic", y for "identity"; stored as float.
// So with the default, a missing input contributes 0 after standardising (it counts as average).
//
// The file is read and hashed when the scorer is made; its identity carries that hash. A file that
// is missing or malformed is an InputError naming it (and, for JSON, the byte offset); one that
// changed after the scorer was made is an InputError from makeWorker(): the scores would no longer
// be what identity() says.

#include "scorer.h"

#include <string>
#include <vector>

namespace shardscope {

struct LinearModel {
    static constexpr int kFormatVersion = 1;
    enum class Link { Logistic, Identity };

    std::vector<std::string> inputs;
    std::vector<double> mean, scale, missing, weights;
    double bias = 0;
    Link link = Link::Logistic;
    std::string output = "quality";

    // Parses and checks a model; `path` names the file in errors. Throws InputError.
    static LinearModel parse(const std::string& json, const std::string& path);
    // The model file's text (format and version included); parse(toJson()) gives the same model.
    std::string toJson() const;
    // The value for one row of inputs in `inputs` order (kMissing for a missing input).
    float apply(const float* x) const;
};

// linear:model=PATH. Without parameters: a scorer that is listed but unavailable (it needs a model).
// Throws InputError for a model file that cannot be read or is malformed, std::invalid_argument for an
// unknown parameter.
std::unique_ptr<Scorer> makeLinearScorer(const ScorerParams& params);

void registerDerivedScorers(ScorerRegistry& r);

} // namespace shardscope
