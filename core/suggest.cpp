#include "suggest.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace shardscope {

namespace {

std::optional<double> parseNumber(std::string_view s, std::string_view whole)
{
    if (s.empty())
        return std::nullopt;
    std::string t(s);
    size_t used = 0;
    double v = 0;
    try {
        v = std::stod(t, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != t.size() || !std::isfinite(v) || v < 0)
        throw std::invalid_argument("--method " + std::string(whole) + ": '" + t
                                    + "' is not a non-negative number (expected e.g. percentile:1,99 or meanstd:3)");
    return v;
}

} // namespace

SuggestSpec SuggestSpec::parse(std::string_view text)
{
    const std::string help = " (expected percentile:LOW,HIGH, meanstd:K[,K2] or mad:K[,K2], e.g. percentile:1,99)";
    const size_t colon = text.find(':');
    const std::string_view name = text.substr(0, colon);
    const std::string_view args = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
    SuggestSpec s;
    if (name == "percentile")
        s.method = SuggestMethod::Percentile;
    else if (name == "meanstd")
        s.method = SuggestMethod::MeanStd;
    else if (name == "mad")
        s.method = SuggestMethod::MedianMad;
    else
        throw std::invalid_argument("--method: unknown method '" + std::string(name) + "'" + help);
    if (args.empty())
        throw std::invalid_argument("--method " + std::string(text) + ": parameters missing" + help);
    const size_t comma = args.find(',');
    s.low = parseNumber(args.substr(0, comma), text);
    if (comma == std::string_view::npos)
        s.high = s.method == SuggestMethod::Percentile ? std::nullopt : s.low;
    else
        s.high = parseNumber(args.substr(comma + 1), text);
    if (!s.low && !s.high)
        throw std::invalid_argument("--method " + std::string(text) + ": neither side given" + help);
    if (s.method == SuggestMethod::Percentile) {
        if ((s.low && *s.low > 100) || (s.high && *s.high > 100) || (s.low && s.high && *s.low > *s.high))
            throw std::invalid_argument("--method " + std::string(text)
                                        + ": percentiles must satisfy 0 <= LOW <= HIGH <= 100");
    }
    return s;
}

std::string SuggestSpec::methodName() const
{
    switch (method) {
    case SuggestMethod::Percentile:
        return "percentile";
    case SuggestMethod::MeanStd:
        return "meanstd";
    case SuggestMethod::MedianMad:
        return "mad";
    }
    return {};
}

static std::string num(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string SuggestSpec::describe() const
{
    if (method == SuggestMethod::Percentile) {
        // appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "p" + std::string
        std::string out = low ? std::string("p").append(num(*low)) : std::string("–");
        out += " .. ";
        out += high ? std::string("p").append(num(*high)) : std::string("–");
        return out;
    }
    const std::string centre = method == SuggestMethod::MeanStd ? "mean" : "median";
    const std::string unit = method == SuggestMethod::MeanStd ? "sd" : "1.4826·MAD";
    if (low && high && *low == *high)
        return centre + " ± " + num(*low) + "·" + unit;
    return (low ? centre + " − " + num(*low) + "·" + unit : std::string("–")) + " .. "
        + (high ? centre + " + " + num(*high) + "·" + unit : std::string("–"));
}

double percentileOfSorted(const std::vector<float>& a, double q)
{
    if (a.empty())
        return std::nan("");
    const double rank = q / 100.0 * double(a.size() - 1);
    const size_t lo = size_t(std::floor(rank));
    if (lo + 1 >= a.size())
        return a.back();
    const double frac = rank - double(lo);
    return double(a[lo]) + frac * (double(a[lo + 1]) - double(a[lo]));
}

static double medianOf(std::vector<double>& v)
{
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    if (!n)
        return std::nan("");
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The suggestion over values already stripped of NaN and sorted ascending.
static CutoffSuggestion suggestSorted(const std::vector<float>& sorted, const SuggestSpec& spec)
{
    CutoffSuggestion s;
    s.from.method = spec.methodName();
    s.from.computedOn = sorted.size();
    if (sorted.empty())
        return s;
    const size_t n = sorted.size();
    switch (spec.method) {
    case SuggestMethod::Percentile: {
        if (spec.low) {
            s.min = percentileOfSorted(sorted, *spec.low);
            s.from.params.emplace_back("low", *spec.low);
        }
        if (spec.high) {
            s.max = percentileOfSorted(sorted, *spec.high);
            s.from.params.emplace_back("high", *spec.high);
        }
        s.center = percentileOfSorted(sorted, 50);
        s.spread = percentileOfSorted(sorted, 75) - percentileOfSorted(sorted, 25);
        break;
    }
    case SuggestMethod::MeanStd: {
        double sum = 0;
        for (float v : sorted)
            sum += v;
        const double mean = sum / double(n);
        double ss = 0;
        for (float v : sorted)
            ss += (double(v) - mean) * (double(v) - mean);
        const double sd = std::sqrt(ss / double(n));
        s.center = mean;
        s.spread = sd;
        break;
    }
    case SuggestMethod::MedianMad: {
        std::vector<double> d(sorted.begin(), sorted.end());
        const double median = medianOf(d);
        for (double& x : d)
            x = std::abs(x - median);
        s.center = median;
        s.spread = 1.4826 * medianOf(d);
        break;
    }
    }
    if (spec.method != SuggestMethod::Percentile) {
        if (spec.low) {
            s.min = s.center - *spec.low * s.spread;
            s.from.params.emplace_back("k_low", *spec.low);
        }
        if (spec.high) {
            s.max = s.center + *spec.high * s.spread;
            s.from.params.emplace_back("k_high", *spec.high);
        }
        s.from.params.emplace_back(spec.method == SuggestMethod::MeanStd ? "mean" : "median", s.center);
        s.from.params.emplace_back(spec.method == SuggestMethod::MeanStd ? "sd" : "mad_scaled", s.spread);
    }
    // A score without negative values (a ratio, a fraction, a count) gets no negative min: it
    // would drop nothing anywhere. A min between 0 and the smallest value stays: suggestions are
    // often computed on a sample, and the rest of the corpus may reach below it.
    if (s.min && sorted.front() >= 0 && *s.min < 0) {
        s.min.reset();
        s.negativeMinLeftOut = true;
    }
    // Same comparisons as FilterRule::passes (on doubles), found by binary search.
    if (s.min)
        s.droppedBelow = uint64_t(std::partition_point(sorted.begin(), sorted.end(),
                                                       [&](float v) { return double(v) < *s.min; })
                                  - sorted.begin());
    if (s.max)
        s.droppedAbove = uint64_t(sorted.end()
                                  - std::partition_point(sorted.begin(), sorted.end(),
                                                         [&](float v) { return double(v) <= *s.max; }));
    return s;
}

CutoffSuggestion suggestCutoffs(std::span<const float> values, const SuggestSpec& spec, const std::string& column)
{
    std::vector<float> sorted;
    sorted.reserve(values.size());
    for (float v : values)
        if (!std::isnan(v))
            sorted.push_back(v);
    std::sort(sorted.begin(), sorted.end());
    CutoffSuggestion s = suggestSorted(sorted, spec);
    s.column = column;
    s.docs = values.size();
    s.missing = values.size() - sorted.size();
    return s;
}

std::vector<CutoffSuggestion> suggestCutoffsPerKey(std::span<const float> values, const std::vector<uint32_t>& keys,
                                                   const std::vector<std::string>& keyNames, const SuggestSpec& spec,
                                                   const std::string& column, uint64_t minValues)
{
    std::vector<std::vector<float>> perKey(keyNames.size());
    std::vector<uint64_t> docs(keyNames.size(), 0);
    const size_t n = std::min(values.size(), keys.size());
    for (size_t i = 0; i < n; ++i) {
        if (keys[i] >= keyNames.size())
            continue;
        ++docs[keys[i]];
        if (!std::isnan(values[i]))
            perKey[keys[i]].push_back(values[i]);
    }
    std::vector<CutoffSuggestion> out;
    for (size_t k = 0; k < keyNames.size(); ++k) {
        if (perKey[k].size() < std::max<uint64_t>(minValues, 1))
            continue;
        std::sort(perKey[k].begin(), perKey[k].end());
        CutoffSuggestion s = suggestSorted(perKey[k], spec);
        s.column = column;
        s.key = keyNames[k];
        s.docs = docs[k];
        s.missing = docs[k] - perKey[k].size();
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<uint32_t> categoricalKeys(std::span<const float> byValues, size_t categories)
{
    std::vector<uint32_t> keys(byValues.size());
    for (size_t i = 0; i < byValues.size(); ++i) {
        const float v = byValues[i];
        keys[i] = v >= 0 && v < float(categories) ? uint32_t(v) : uint32_t(categories);
    }
    return keys;
}

std::vector<SuggestSpec> standardSuggestSpecs()
{
    return { { SuggestMethod::Percentile, 1.0, 99.0 },
             { SuggestMethod::Percentile, 0.5, 99.5 },
             { SuggestMethod::Percentile, 5.0, 95.0 },
             { SuggestMethod::MeanStd, 3.0, 3.0 },
             { SuggestMethod::MedianMad, 3.0, 3.0 } };
}

void acceptSuggestion(FilterRule& rule, const CutoffSuggestion& s)
{
    Bounds& b = s.key.empty() ? rule.bounds : rule.overrides[s.key];
    b.min = s.min;
    b.max = s.max;
    b.in.reset();
    b.disabled = false;
    b.suggested = s.from;
}

} // namespace shardscope
