#include "filterevaluator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <unordered_set>

namespace shardscope {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A rule's bounds resolved for every group index of the corpus.
struct ResolvedRule {
    const float* values = nullptr;
    bool perGroup = false;
    double lo = -kInf, hi = kInf;
    bool passMissing = false;       // keepMissing, or the rule is off for everyone
    std::vector<double> glo, ghi;
    std::vector<uint8_t> gpassMissing;
};

std::vector<ResolvedRule> resolve(const std::vector<FilterRule>& rules, const CorpusData& corpus,
                                  std::vector<bool>& evaluated)
{
    std::vector<ResolvedRule> out;
    evaluated.assign(rules.size(), false);
    const auto& names = corpus.groupNames();
    for (size_t r = 0; r < rules.size(); ++r) {
        const FilterRule& rule = rules[r];
        int col = corpus.columnIndex(rule.column);
        if (col < 0)
            continue;
        evaluated[r] = true;
        ResolvedRule rr;
        rr.values = corpus.scores(size_t(col)).data();
        auto set = [&](const Bounds& b, double& lo, double& hi, bool& passMissing) {
            if (b.disabled) {
                lo = -kInf;
                hi = kInf;
                passMissing = true;
                return;
            }
            lo = b.min ? *b.min : -kInf;
            hi = b.max ? *b.max : kInf;
            passMissing = rule.keepMissing;
        };
        set(rule.bounds, rr.lo, rr.hi, rr.passMissing);
        if (!rule.groups.empty()) {
            rr.perGroup = true;
            rr.glo.resize(names.size());
            rr.ghi.resize(names.size());
            rr.gpassMissing.resize(names.size());
            for (size_t g = 0; g < names.size(); ++g) {
                bool pm = false;
                set(rule.boundsFor(names[g]), rr.glo[g], rr.ghi[g], pm);
                rr.gpassMissing[g] = pm;
            }
        }
        out.push_back(std::move(rr));
    }
    return out;
}

std::string formatValue(double v)
{
    std::ostringstream s;
    s.precision(6);
    s << v;
    return s.str();
}

} // namespace

FilterCounts FilterEvaluator::evaluate(const CorpusData& corpus, std::vector<uint8_t>* keepOut) const
{
    FilterCounts fc;
    auto rules = resolve(m_rules, corpus, fc.ruleEvaluated);
    const size_t n = corpus.size();
    const size_t nGroups = corpus.groupNames().size();
    const size_t nr = rules.size();
    fc.perGroup.assign(nGroups, {});
    std::vector<uint64_t> failed(nr, 0), only(nr, 0);

    std::vector<uint8_t> localKeep;
    std::vector<uint8_t>& keep = keepOut ? *keepOut : localKeep;
    keep.assign(n, 1);
    // Fail bits per rule, accumulated column by column: each inner loop is a straight pass
    // over one float array that the compiler vectorises for rules without group overrides.
    std::vector<uint32_t> failBits;
    const bool trackOnly = nr <= 32;
    if (trackOnly)
        failBits.assign(n, 0);
    const uint32_t* groups = corpus.groups().data();
    for (size_t r = 0; r < nr; ++r) {
        const ResolvedRule& rr = rules[r];
        const float* v = rr.values;
        uint64_t f = 0;
        const uint32_t bit = trackOnly ? (1u << r) : 0u;
        uint8_t* k = keep.data();
        uint32_t* fb = trackOnly ? failBits.data() : nullptr;
        if (!rr.perGroup) {
            const double lo = rr.lo, hi = rr.hi;
            const bool pm = rr.passMissing;
            for (size_t i = 0; i < n; ++i) {
                const double x = v[i];
                const bool pass = (x >= lo && x <= hi) || (pm && x != x);
                f += !pass;
                k[i] &= uint8_t(pass);
                if (fb)
                    fb[i] |= pass ? 0u : bit;
            }
        } else {
            for (size_t i = 0; i < n; ++i) {
                const uint32_t g = groups[i];
                const double x = v[i];
                const bool pass = (x >= rr.glo[g] && x <= rr.ghi[g]) || (rr.gpassMissing[g] && x != x);
                f += !pass;
                k[i] &= uint8_t(pass);
                if (fb)
                    fb[i] |= pass ? 0u : bit;
            }
        }
        failed[r] = f;
    }
    const uint32_t* bytes = corpus.textBytesColumn().data();
    KeepCounts* pg = fc.perGroup.data();
    for (size_t i = 0; i < n; ++i) {
        KeepCounts& c = pg[groups[i]];
        const uint8_t kk = keep[i];
        c.docs += 1;
        c.kept += kk;
        c.bytes += bytes[i];
        c.keptBytes += kk ? bytes[i] : 0;
    }
    if (trackOnly && nr > 0) {
        for (size_t i = 0; i < n; ++i) {
            const uint32_t b = failBits[i];
            // Exactly one bit set: this rule alone drops the document.
            if (b && !(b & (b - 1)))
                ++only[size_t(__builtin_ctz(b))];
        }
    }
    for (const auto& c : fc.perGroup) {
        fc.total.docs += c.docs;
        fc.total.kept += c.kept;
        fc.total.bytes += c.bytes;
        fc.total.keptBytes += c.keptBytes;
    }
    // Report per rule of m_rules (unevaluated rules count zero).
    fc.failedByRule.assign(m_rules.size(), 0);
    fc.onlyRule.assign(m_rules.size(), 0);
    for (size_t r = 0, j = 0; r < m_rules.size(); ++r) {
        if (!fc.ruleEvaluated[r])
            continue;
        fc.failedByRule[r] = failed[j];
        fc.onlyRule[r] = only[j];
        ++j;
    }
    return fc;
}

std::vector<std::string> FilterEvaluator::reasons(const CorpusData& corpus, size_t doc) const
{
    std::vector<std::string> out;
    if (doc >= corpus.size())
        return out;
    const std::string& group = corpus.groupNames()[corpus.group(doc)];
    for (const FilterRule& rule : m_rules) {
        int col = corpus.columnIndex(rule.column);
        if (col < 0)
            continue;
        const float v = corpus.scores(size_t(col))[doc];
        if (rule.passes(v, group))
            continue;
        const Bounds& b = rule.boundsFor(group);
        const bool overridden = rule.groups.count(group) > 0;
        std::string why;
        if (isMissing(v))
            why = rule.column + " is missing (the rule drops missing values)";
        else if (b.min && double(v) < *b.min)
            why = rule.column + " = " + formatValue(v) + " < min " + formatValue(*b.min);
        else if (b.max && double(v) > *b.max)
            why = rule.column + " = " + formatValue(v) + " > max " + formatValue(*b.max);
        else
            why = rule.column + " = " + formatValue(v) + " fails";
        if (overridden)
            why += " (override for group \"" + group + "\")";
        out.push_back(std::move(why));
    }
    return out;
}

std::vector<uint32_t> FilterEvaluator::dropped(const std::vector<uint8_t>& keep)
{
    std::vector<uint32_t> out;
    for (size_t i = 0; i < keep.size(); ++i)
        if (!keep[i])
            out.push_back(uint32_t(i));
    return out;
}

std::vector<uint32_t> FilterEvaluator::kept(const std::vector<uint8_t>& keep)
{
    std::vector<uint32_t> out;
    out.reserve(keep.size());
    for (size_t i = 0; i < keep.size(); ++i)
        if (keep[i])
            out.push_back(uint32_t(i));
    return out;
}

std::vector<uint32_t> FilterEvaluator::randomDropped(const std::vector<uint8_t>& keep, size_t n, uint64_t seed)
{
    std::vector<uint32_t> sample;
    sample.reserve(n);
    std::mt19937_64 rng(seed);
    uint64_t seen = 0;
    for (size_t i = 0; i < keep.size(); ++i) {
        if (keep[i])
            continue;
        ++seen;
        if (sample.size() < n) {
            sample.push_back(uint32_t(i));
        } else {
            std::uniform_int_distribution<uint64_t> pick(0, seen - 1);
            uint64_t j = pick(rng);
            if (j < n)
                sample[j] = uint32_t(i);
        }
    }
    std::sort(sample.begin(), sample.end());
    return sample;
}

std::vector<uint32_t> FilterEvaluator::borderline(const CorpusData& corpus, size_t perSide) const
{
    std::vector<uint32_t> out;
    std::unordered_set<uint32_t> seen;
    const size_t n = corpus.size();
    for (const FilterRule& rule : m_rules) {
        int col = corpus.columnIndex(rule.column);
        if (col < 0)
            continue;
        const float* v = corpus.scores(size_t(col)).data();
        for (const auto& cut : { rule.bounds.min, rule.bounds.max }) {
            if (!cut)
                continue;
            const double c = *cut;
            // Nearest below and nearest at-or-above the cutoff: partial selection by distance
            // on each side, O(n) per bound.
            std::vector<std::pair<double, uint32_t>> below, above;
            for (size_t i = 0; i < n; ++i) {
                const double x = v[i];
                if (x != x)
                    continue;
                (x < c ? below : above).emplace_back(std::abs(x - c), uint32_t(i));
            }
            for (auto* side : { &below, &above }) {
                const size_t k = std::min(perSide, side->size());
                std::partial_sort(side->begin(), side->begin() + ptrdiff_t(k), side->end());
                for (size_t j = 0; j < k; ++j)
                    if (seen.insert((*side)[j].second).second)
                        out.push_back((*side)[j].second);
            }
        }
    }
    return out;
}

} // namespace shardscope
