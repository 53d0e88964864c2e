#include "sampling.h"

#include <algorithm>
#include <cmath>

namespace shardscope {

double finitePopulationCorrection(uint64_t n, uint64_t N)
{
    if (N <= 1 || n == 0)
        return 1.0;
    if (n >= N)
        return 0.0;
    return double(N - n) / double(N - 1);
}

Interval proportionInterval(uint64_t k, uint64_t n, uint64_t N, double z)
{
    if (n == 0)
        return { 0.0, 1.0 };
    const double p = double(k) / double(n);
    const double f = finitePopulationCorrection(n, N);
    if (f <= 0)
        return { p, p }; // the whole population: no uncertainty
    const double m = double(n) / f; // the sample size that has the corrected variance
    const double z2 = z * z;
    const double centre = (p + z2 / (2 * m)) / (1 + z2 / m);
    const double half = z * std::sqrt(p * (1 - p) / m + z2 / (4 * m * m)) / (1 + z2 / m);
    return { std::max(0.0, centre - half), std::min(1.0, centre + half) };
}

Interval meanInterval(double mean, double stddev, uint64_t n, uint64_t N, double z)
{
    if (n == 0)
        return { mean, mean };
    const double half = z * stddev / std::sqrt(double(n)) * std::sqrt(finitePopulationCorrection(n, N));
    return { mean - half, mean + half };
}

Interval quantileInterval(const std::vector<float>& sorted, double q, uint64_t N, double z)
{
    const size_t n = sorted.size();
    if (n == 0)
        return { 0.0, 0.0 };
    q = std::clamp(q, 0.0, 1.0);
    const double f = finitePopulationCorrection(n, N);
    const double spread = z * std::sqrt(double(n) * q * (1 - q) * f);
    // Ranks (0-based) of the order statistics that bracket the quantile.
    const double centre = q * double(n - 1);
    const auto rank = [&](double r) { return size_t(std::clamp(r, 0.0, double(n - 1))); };
    return { double(sorted[rank(std::floor(centre - spread))]), double(sorted[rank(std::ceil(centre + spread))]) };
}

} // namespace shardscope
