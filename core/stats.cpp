#include "stats.h"

#include "scorer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace shardscope {

Histogram Histogram::build(const float* v, size_t n, double lo, double hi, int bins)
{
    Histogram h;
    bins = std::max(1, bins);
    if (!(hi > lo))
        hi = lo + 1;   // a constant column still gets a visible bar
    h.lo = lo;
    h.hi = hi;
    h.counts.assign(size_t(bins), 0);
    const double scale = double(bins) / (hi - lo);
    for (size_t i = 0; i < n; ++i) {
        float x = v[i];
        if (isMissing(x))
            continue;
        if (x < lo) {
            ++h.below;
        } else if (x > hi) {
            ++h.above;
        } else {
            size_t b = size_t((x - lo) * scale);
            h.counts[std::min(b, size_t(bins - 1))]++;
        }
    }
    return h;
}

const std::vector<double>& ColumnStats::percentileLevels()
{
    static const std::vector<double> l { 1, 5, 25, 50, 75, 95, 99 };
    return l;
}

SortedColumn SortedColumn::build(std::span<const float> values)
{
    SortedColumn s;
    s.sorted.reserve(values.size());
    for (float v : values) {
        if (isMissing(v))
            ++s.missing;
        else
            s.sorted.push_back(v);
    }
    std::sort(s.sorted.begin(), s.sorted.end());
    return s;
}

uint64_t SortedColumn::countBelow(double x) const
{
    return uint64_t(std::lower_bound(sorted.begin(), sorted.end(), x, [](float a, double b) { return a < b; })
                    - sorted.begin());
}

uint64_t SortedColumn::countAbove(double x) const
{
    return uint64_t(sorted.end()
                    - std::upper_bound(sorted.begin(), sorted.end(), x, [](double a, float b) { return a < b; }));
}

double SortedColumn::percentileOf(double x) const
{
    if (sorted.empty())
        return 0;
    return 100.0 * double(sorted.size() - countAbove(x)) / double(sorted.size());
}

double SortedColumn::valueAtPercentile(double p) const
{
    if (sorted.empty())
        return std::nan("");
    double rank = std::clamp(p, 0.0, 100.0) / 100.0 * double(sorted.size() - 1);
    size_t lo = size_t(std::floor(rank));
    size_t hi = std::min(lo + 1, sorted.size() - 1);
    double frac = rank - double(lo);
    return double(sorted[lo]) + (double(sorted[hi]) - double(sorted[lo])) * frac;
}

ColumnStats ColumnStats::compute(const std::string& name, std::span<const float> values, int bins, bool clipTails)
{
    ColumnStats st;
    st.name = name;
    SortedColumn sc = SortedColumn::build(values);
    st.count = sc.sorted.size();
    st.missing = sc.missing;
    if (sc.sorted.empty())
        return st;
    // Welford's update: stable for millions of values.
    double mean = 0, m2 = 0;
    uint64_t k = 0;
    for (float v : sc.sorted) {
        ++k;
        double dlt = v - mean;
        mean += dlt / double(k);
        m2 += dlt * (v - mean);
    }
    st.mean = mean;
    st.stddev = k > 1 ? std::sqrt(m2 / double(k - 1)) : 0;
    st.min = sc.sorted.front();
    st.max = sc.sorted.back();
    for (double p : percentileLevels())
        st.percentiles.push_back(sc.valueAtPercentile(p));
    double lo = clipTails ? sc.valueAtPercentile(0.5) : st.min;
    double hi = clipTails ? sc.valueAtPercentile(99.5) : st.max;
    if (bins <= 0) {
        // Freedman-Diaconis: width = 2 IQR / n^(1/3).
        double iqr = sc.valueAtPercentile(75) - sc.valueAtPercentile(25);
        double width = 2 * iqr / std::cbrt(double(st.count));
        bins = width > 0 ? int(std::ceil((hi - lo) / width)) : 10;
        bins = std::clamp(bins, 10, 200);
    }
    st.histogram = Histogram::build(sc.sorted.data(), sc.sorted.size(), lo, hi, bins);
    return st;
}

ColumnStats ColumnStats::computeCategorical(
    const std::string& name, std::span<const float> values, const std::vector<std::string>& categories)
{
    ColumnStats st;
    st.name = name;
    st.categories = categories;
    const size_t k = std::max<size_t>(1, categories.size());
    st.histogram.lo = -0.5;
    st.histogram.hi = double(k) - 0.5;
    st.histogram.counts.assign(k, 0);
    for (float v : values) {
        if (isMissing(v)) {
            ++st.missing;
            continue;
        }
        ++st.count;
        // Values are category indices stored as floats; anything else is counted outside.
        if (v < 0)
            ++st.histogram.below;
        else if (size_t(v) >= k)
            ++st.histogram.above;
        else
            ++st.histogram.counts[size_t(v)];
    }
    if (st.count) {
        st.min = double(*std::min_element(values.begin(), values.end(),
                                          [](float a, float b) { return !isMissing(a) && (isMissing(b) || a < b); }));
        st.max = double(*std::max_element(values.begin(), values.end(),
                                          [](float a, float b) { return isMissing(a) || (!isMissing(b) && a < b); }));
    }
    return st;
}

ColumnStats ColumnStats::compute(const ColumnInfo& column, std::span<const float> values, int bins, bool clipTails)
{
    if (column.categorical())
        return computeCategorical(column.name, values, column.categories);
    return compute(column.name, values, bins, clipTails);
}

std::vector<std::pair<size_t, uint64_t>> ColumnStats::topCategories(size_t n) const
{
    std::vector<std::pair<size_t, uint64_t>> out;
    const auto& c = histogram.counts;
    for (size_t i = 0; i < c.size() && i < categories.size(); ++i)
        if (c[i] > 0)
            out.emplace_back(i, c[i]);
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (out.size() > n)
        out.resize(n);
    return out;
}

static std::string fmt(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string statsToText(const std::vector<ColumnStats>& stats, uint64_t docs)
{
    std::string out = "documents: " + std::to_string(docs) + "\n";
    char line[512];
    std::snprintf(line, sizeof line, "%-28s %9s %8s %10s %10s %10s %10s %10s %10s %10s %10s %10s %10s\n", "column",
                  "count", "missing", "mean", "std", "min", "p1", "p5", "p25", "p50", "p75", "p95", "p99");
    out += line;
    for (const auto& s : stats) {
        if (s.categorical()) {
            // Percentiles of category indices mean nothing: the most frequent categories instead.
            std::snprintf(line, sizeof line, "%-28s %9llu %8llu  top:", s.name.c_str(),
                          static_cast<unsigned long long>(s.count), static_cast<unsigned long long>(s.missing));
            std::string row = line;
            for (const auto& [i, n] : s.topCategories(8)) {
                std::snprintf(line, sizeof line, " %s %llu (%.1f%%)", s.categories[i].c_str(),
                              static_cast<unsigned long long>(n), 100.0 * double(n) / double(s.count));
                row += line;
            }
            out += row + "\n";
            continue;
        }
        std::string row;
        std::snprintf(line, sizeof line, "%-28s %9llu %8llu", s.name.c_str(), static_cast<unsigned long long>(s.count),
                      static_cast<unsigned long long>(s.missing));
        row = line;
        auto add = [&](double v) {
            std::snprintf(line, sizeof line, " %10s", s.count ? fmt(v).c_str() : "-");
            row += line;
        };
        add(s.mean);
        add(s.stddev);
        add(s.min);
        for (size_t i = 0; i < 7; ++i)
            add(i < s.percentiles.size() ? s.percentiles[i] : 0);
        out += row + "\n";
    }
    for (const auto& s : stats) {
        if (s.categorical()) {
            const auto top = s.topCategories();
            out += "\ncategories " + s.name + ": " + std::to_string(top.size()) + " of "
                + std::to_string(s.categories.size()) + " present, by count\n";
            const uint64_t peak = top.empty() ? 0 : top.front().second;
            for (const auto& [i, n] : top) {
                int bar = peak ? int(50.0 * double(n) / double(peak) + 0.5) : 0;
                std::snprintf(line, sizeof line, "  %12s %9llu %s\n", s.categories[i].c_str(),
                              static_cast<unsigned long long>(n), std::string(size_t(bar), '#').c_str());
                out += line;
            }
            continue;
        }
        if (s.histogram.counts.empty())
            continue;
        out += "\nhistogram " + s.name + " [" + fmt(s.histogram.lo) + ", " + fmt(s.histogram.hi) + "], "
            + std::to_string(s.histogram.counts.size()) + " bins of " + fmt(s.histogram.binWidth()) + "\n";
        uint64_t peak = *std::max_element(s.histogram.counts.begin(), s.histogram.counts.end());
        for (size_t b = 0; b < s.histogram.counts.size(); ++b) {
            double lo = s.histogram.lo + double(b) * s.histogram.binWidth();
            int bar = peak ? int(50.0 * double(s.histogram.counts[b]) / double(peak) + 0.5) : 0;
            std::snprintf(line, sizeof line, "  %12s %9llu %s\n", fmt(lo).c_str(),
                          static_cast<unsigned long long>(s.histogram.counts[b]), std::string(size_t(bar), '#').c_str());
            out += line;
        }
    }
    return out;
}

std::string statsToJson(const std::vector<ColumnStats>& stats, uint64_t docs)
{
    nlohmann::ordered_json j;
    j["documents"] = docs;
    auto& cols = j["columns"] = nlohmann::ordered_json::array();
    for (const auto& s : stats) {
        nlohmann::ordered_json c;
        c["name"] = s.name;
        c["count"] = s.count;
        c["missing"] = s.missing;
        if (s.categorical()) {
            auto& cats = c["categories"] = nlohmann::ordered_json::array();
            for (const auto& [i, n] : s.topCategories())
                cats.push_back({ { "label", s.categories[i] }, { "count", n } });
        } else if (s.count) {
            c["mean"] = s.mean;
            c["std"] = s.stddev;
            c["min"] = s.min;
            c["max"] = s.max;
            auto& p = c["percentiles"];
            for (size_t i = 0; i < s.percentiles.size(); ++i)
                p["p" + fmt(ColumnStats::percentileLevels()[i])] = s.percentiles[i];
            c["histogram"] = { { "lo", s.histogram.lo },
                               { "hi", s.histogram.hi },
                               { "bin_width", s.histogram.binWidth() },
                               { "counts", s.histogram.counts },
                               { "below", s.histogram.below },
                               { "above", s.histogram.above } };
        }
        cols.push_back(std::move(c));
    }
    return j.dump(2) + "\n";
}

} // namespace shardscope
