#pragma once
// Cutoff suggestions from the data, for the user to accept rule by rule (issue 5, item 4).
//
// Methods, over a column's non-missing values (NaN is left out and reported as `missing`):
//   percentile:LOW,HIGH  min = P_LOW, max = P_HIGH, where P_q is the q-th percentile with
//                        linear interpolation between closest ranks (numpy.percentile's default
//                        "linear" method: rank q/100·(n−1) in the ascending values). Drops the
//                        lowest ~LOW% and the highest ~(100−HIGH)% (fewer where values tie).
//   meanstd:K[,K2]       min = mean − K·sd, max = mean + K2·sd (K2 = K when absent), with the
//                        population standard deviation (ddof = 0, numpy.std's default).
//   mad:K[,K2]           the robust form: min = median − K·1.4826·MAD, max = median + K2·1.4826·MAD,
//                        MAD = median(|x − median|); 1.4826·MAD estimates sd for normal data, so K
//                        means the same as in meanstd. Prefer it for skewed scores with long tails
//                        (the mean and sd are dragged by the very outliers one wants to cut).
// Either side can be left out: "percentile:1," suggests only a min, "percentile:,99" only a max,
// "meanstd:,3" only a max.
// Over values that are all >= 0, a negative min is left out (negativeMinLeftOut): no negative
// minimum for a score that cannot be negative (issue 20).
// A suggestion records its method, parameters and the number of values it was computed on
// (SuggestedFrom), which acceptSuggestion() writes into the rule next to the cutoff.

#include "filterconfig.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace shardscope {

enum class SuggestMethod { Percentile, MeanStd, MedianMad };

struct SuggestSpec {
    SuggestMethod method = SuggestMethod::Percentile;
    std::optional<double> low = 1.0;    // percentile: percent; meanstd/mad: k below the centre
    std::optional<double> high = 99.0;  // percentile: percent; meanstd/mad: k above the centre

    // "percentile:1,99", "percentile:1,", "meanstd:3", "meanstd:3,2", "mad:3". Throws
    // std::invalid_argument saying what is accepted.
    static SuggestSpec parse(std::string_view text);
    std::string methodName() const;   // "percentile", "meanstd", "mad"
    std::string describe() const;     // "p1 .. p99", "mean ± 3·sd", "median ± 3·1.4826·MAD"
};

struct CutoffSuggestion {
    std::string column;
    std::string key;                 // "" for all documents, else the group or label
    std::optional<double> min, max;
    SuggestedFrom from;              // method, parameters, computed_on
    double center = 0, spread = 0;   // mean and sd, or median and 1.4826·MAD (percentile: median, IQR)
    uint64_t docs = 0;               // documents considered, with or without a value
    uint64_t missing = 0;            // without a value (a rule drops them unless "missing": "keep")
    uint64_t droppedBelow = 0;       // values < min
    uint64_t droppedAbove = 0;       // values > max
    // The method's min was negative over values that are all >= 0, and was left out: it
    // would drop nothing, and a negative min for a score that cannot be negative (mean − 3·sd
    // of a long-tailed fraction) reads as a mistake in the config.
    bool negativeMinLeftOut = false;
    uint64_t dropped() const { return droppedBelow + droppedAbove; }
};

// The q-th percentile (0..100) of ascending values, linear interpolation (numpy's default).
// NaN for no values.
double percentileOfSorted(const std::vector<float>& sorted, double q);

// One suggestion over all values.
CutoffSuggestion suggestCutoffs(std::span<const float> values, const SuggestSpec& spec, const std::string& column = {});

// One suggestion per key: keys[i] indexes keyNames (a key >= keyNames.size() is "no key": the
// document counts in no per-key suggestion). Keys with fewer than minValues non-missing values
// get none: a cutoff from a handful of documents is noise.
std::vector<CutoffSuggestion> suggestCutoffsPerKey(std::span<const float> values, const std::vector<uint32_t>& keys,
                                                   const std::vector<std::string>& keyNames, const SuggestSpec& spec,
                                                   const std::string& column = {}, uint64_t minValues = 20);

// The key of each document for a `by` column: its label index, or categories.size() when missing.
std::vector<uint32_t> categoricalKeys(std::span<const float> byValues, size_t categories);

// The suggestions the GUI offers per rule: percentile 1/99, 0.5/99.5, 5/95 and mean ± 3·sd,
// median ± 3·1.4826·MAD.
std::vector<SuggestSpec> standardSuggestSpecs();

// Writes min, max and provenance into the rule: its own bounds for key "", else the override
// for the key (rule.by must already name the key's column; "" = group).
void acceptSuggestion(FilterRule& rule, const CutoffSuggestion& s);

} // namespace shardscope
