#pragma once
// Summary statistics of one score column: count, missing, mean, standard deviation,
// min/max, percentiles and a histogram. Percentiles use linear interpolation between closest
// ranks (numpy.percentile's default, "linear"), over non-missing values.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace shardscope {

struct Histogram {
    double lo = 0, hi = 0;          // range covered; bins are equal width in [lo, hi]
    std::vector<uint64_t> counts;
    uint64_t below = 0, above = 0;  // values outside [lo, hi] (when the range was clipped)
    double binWidth() const { return counts.empty() ? 0 : (hi - lo) / double(counts.size()); }
    // Equal-width bins over [lo, hi]. Values outside are counted in below/above.
    static Histogram build(const float* v, size_t n, double lo, double hi, int bins);
};

struct ColumnInfo;

struct ColumnStats {
    std::string name;
    // Categorical columns (ColumnInfo::categories, e.g. lang): the histogram has one bin per
    // category, bin i centred on value i, and there is no mean, deviation or percentile.
    std::vector<std::string> categories;
    bool categorical() const { return !categories.empty(); }
    // Categories with at least one value, most frequent first (ties: lower index): (index, count).
    std::vector<std::pair<size_t, uint64_t>> topCategories(size_t n = SIZE_MAX) const;
    uint64_t count = 0;     // non-missing values
    uint64_t missing = 0;
    double mean = 0, stddev = 0, min = 0, max = 0;
    // Percentiles at 1, 5, 25, 50, 75, 95, 99.
    static const std::vector<double>& percentileLevels();
    std::vector<double> percentiles;
    Histogram histogram;

    // bins <= 0: Freedman-Diaconis rule clamped to [10, 200]. The histogram spans
    // [min, max] unless clipTails, which spans [p0.5, p99.5] so a few outliers do not
    // squeeze the body into one bar (outliers counted in below/above).
    static ColumnStats compute(
        const std::string& name, std::span<const float> values, int bins = 0, bool clipTails = false);
    static ColumnStats computeCategorical(
        const std::string& name, std::span<const float> values, const std::vector<std::string>& categories);
    // computeCategorical() for a categorical column, else compute().
    static ColumnStats compute(
        const ColumnInfo& column, std::span<const float> values, int bins = 0, bool clipTails = false);
};

// Sorted non-missing copy of a column, for percentiles of a cutoff and fast counting.
struct SortedColumn {
    std::vector<float> sorted;
    uint64_t missing = 0;
    static SortedColumn build(std::span<const float> values);
    uint64_t countBelow(double x) const;       // values < x
    uint64_t countAbove(double x) const;       // values > x
    double percentileOf(double x) const;       // fraction of values <= x, in [0, 100]
    double valueAtPercentile(double p) const;  // linear interpolation, p in [0, 100]
};

std::string statsToText(const std::vector<ColumnStats>& stats, uint64_t docs);
std::string statsToJson(const std::vector<ColumnStats>& stats, uint64_t docs);

} // namespace shardscope
