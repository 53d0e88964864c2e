#pragma once
// 95% intervals for figures estimated from a uniform random sample of a corpus (issue 21, part 1): a scan with
// a BernoulliSelector scores each record independently with probability p, so the n documents it scored are a
// simple random sample (of random size) of the N records read. Every interval here takes the finite-population
// correction into account (sampling a large part of a corpus leaves little uncertainty; all of it, none).
//
// - A proportion (the kept fraction, a group's share): the Wilson score interval, with the sample size divided
//   by the correction factor (N-n)/(N-1), so it stays inside [0, 1] and behaves for small counts.
// - A mean: mean ± z·s/√n·√((N-n)/(N-1)).
// - A quantile: distribution-free, between the order statistics of ranks n·q ∓ z·√(n·q·(1-q)·(N-n)/(N-1))
//   (the normal approximation to the binomial count of sample values below the true quantile).

#include <cstdint>
#include <vector>

namespace shardscope {

struct Interval {
    double low = 0, high = 0;
    bool contains(double x) const { return x >= low && x <= high; }
};

inline constexpr double kZ95 = 1.959963984540054;

// The factor (N-n)/(N-1) the variance of a sample estimate is multiplied by; 1 when N is 0 (unknown).
double finitePopulationCorrection(uint64_t n, uint64_t N);
// k of n sampled items have the property; N: the population size (0: unknown, taken as infinite).
Interval proportionInterval(uint64_t k, uint64_t n, uint64_t N, double z = kZ95);
Interval meanInterval(double mean, double stddev, uint64_t n, uint64_t N, double z = kZ95);
// `sorted`: the sample's values in ascending order; q in [0, 1].
Interval quantileInterval(const std::vector<float>& sorted, double q, uint64_t N, double z = kZ95);

} // namespace shardscope
