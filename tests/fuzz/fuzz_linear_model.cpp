// Fuzz target (issue 23): the quality classifier's saved model, a shardscope-linear JSON file (linearscorer.h), as
// `score --classifier`, `apply` of a quality rule and the GUI's label controller read it. LinearModel::parse()
// documents InputError (naming the file) for everything malformed: a wrong format or version, inputs, means,
// scales and weights of different lengths, a zero or non-finite scale, an unknown link. A model it accepts must
// score any row without crashing (a logistic one to a probability in [0, 1] or missing) and write back (toJson)
// to a file that parses to the same model.

#include "fuzzutil.h"

#include "bytesource.h"
#include "linearscorer.h"
#include "scorer.h"

#include <cmath>
#include <vector>

using namespace shardscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    LinearModel model;
    try {
        model = LinearModel::parse(text, "fuzz.json");
    } catch (const InputError& e) {
        fuzz::check(e.file() == "fuzz.json", "an InputError that does not name the file");
        return 0;
    }
    const size_t n = model.inputs.size();
    fuzz::check(model.mean.size() == n && model.scale.size() == n && model.weights.size() == n,
        "a model whose per-input arrays disagree with its inputs was accepted");
    // Rows: all missing, all zero, and the bytes of the input spread over the features.
    std::vector<float> row(n, kMissing);
    const bool logistic = model.link == LinearModel::Link::Logistic;
    const float missing = model.apply(row.data());
    if (logistic && !std::isnan(missing))
        fuzz::check(missing >= 0.0f && missing <= 1.0f, "a logistic model gave a value outside [0, 1]");
    for (size_t i = 0; i < n; ++i)
        row[i] = i < size ? float(data[i]) - 128.0f : 0.0f;
    const float v = model.apply(row.data());
    if (logistic && !std::isnan(v))
        fuzz::check(v >= 0.0f && v <= 1.0f, "a logistic model gave a value outside [0, 1]");
    const std::string written = model.toJson();
    LinearModel again;
    try {
        again = LinearModel::parse(written, "written.json");
    } catch (const InputError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        fuzz::fail("toJson() wrote a model that parse() rejects");
    }
    fuzz::check(again.inputs == model.inputs && again.output == model.output && again.link == model.link,
        "the inputs, output or link changed in a round trip");
    fuzz::check(again.toJson() == written, "toJson() not stable in a round trip");
    return 0;
}
