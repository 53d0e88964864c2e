#include "filterevaluator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>
#include <unordered_set>

namespace shardscope {

namespace {

// Float bounds equivalent to the double comparisons of FilterRule::passes(): for a float v,
// v >= lowerF(lo) exactly when double(v) >= lo, and v <= upperF(hi) exactly when
// double(v) <= hi. Comparing floats lets the loops below run four or eight lanes at a time.
float lowerF(double lo)
{
    if (std::isinf(lo))
        return lo < 0 ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    float f = float(lo);
    if (double(f) < lo)
        f = std::nextafter(f, std::numeric_limits<float>::infinity());
    return f;
}

float upperF(double hi)
{
    if (std::isinf(hi))
        return hi < 0 ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    float f = float(hi);
    if (double(f) > hi)
        f = std::nextafter(f, -std::numeric_limits<float>::infinity());
    return f;
}

// The key of a document for a rule keyed by a categorical column: its label index, or
// `labels` (one past the last) when it has no label.
inline uint32_t labelKey(float v, uint32_t labels)
{
    return v >= 0 && v < float(labels) ? uint32_t(v) : labels;
}

// A rule's bounds resolved for every key (group index, or label index of its `by` column).
struct ResolvedRule {
    const float* values = nullptr;
    bool perKey = false;
    const float* byValues = nullptr;   // keyed by this column's labels; null: by group
    uint32_t labels = 0;
    float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
    bool passMissing = false;       // keepMissing, or the rule is off for everyone
    std::vector<float> glo, ghi;
    std::vector<uint8_t> gpassMissing;
    std::vector<const std::vector<uint8_t>*> gin;   // per key: the "in" mask over labels, or null
};

struct Resolved {
    // One binding per rule (a broken rule, e.g. "in" on a numeric column, is skipped alone);
    // the "in" masks live in them.
    std::vector<std::unique_ptr<BoundRules>> bound;
    std::vector<ResolvedRule> rules;
};

Resolved resolve(const std::vector<FilterRule>& rules, const CorpusData& corpus, std::vector<bool>& evaluated)
{
    Resolved out;
    evaluated.assign(rules.size(), false);
    const auto& names = corpus.groupNames();
    constexpr float inf = std::numeric_limits<float>::infinity();
    auto bound = FilterEvaluator::bindEach(rules, corpus.columns());
    for (size_t r = 0; r < rules.size(); ++r) {
        std::unique_ptr<BoundRules> br = std::move(bound[r]);
        if (!br || !br->evaluated(0))
            continue;
        evaluated[r] = true;
        const FilterRule& rule = br->rule(0);
        ResolvedRule rr;
        rr.values = corpus.scores(size_t(br->column(0))).data();
        struct Key {
            float lo, hi;
            bool passMissing;
            const std::vector<uint8_t>* in;
        };
        auto set = [&](const Bounds& b) {
            if (b.disabled)
                return Key { -inf, inf, true, nullptr };
            return Key { b.min ? lowerF(*b.min) : -inf, b.max ? upperF(*b.max) : inf, rule.keepMissing,
                         b.in ? &br->inMask(0, b) : nullptr };
        };
        const Key own = set(rule.bounds);
        rr.lo = own.lo;
        rr.hi = own.hi;
        rr.passMissing = own.passMissing;
        if (!rule.overrides.empty() || own.in) {
            rr.perKey = true;
            std::vector<const Bounds*> perKey;
            if (br->byColumn(0) >= 0) {
                const ColumnInfo& by = corpus.columns()[size_t(br->byColumn(0))];
                rr.byValues = corpus.scores(size_t(br->byColumn(0))).data();
                rr.labels = uint32_t(by.categories.size());
                for (const auto& label : by.categories)
                    perKey.push_back(&rule.boundsFor(label));
                perKey.push_back(&rule.bounds);   // no label
            } else {
                for (const auto& g : names)
                    perKey.push_back(&rule.boundsFor(g));
            }
            for (const Bounds* b : perKey) {
                const Key k = set(*b);
                rr.glo.push_back(k.lo);
                rr.ghi.push_back(k.hi);
                rr.gpassMissing.push_back(k.passMissing);
                rr.gin.push_back(k.in);
            }
        }
        out.rules.push_back(std::move(rr));
        out.bound.push_back(std::move(br));
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

// Rule r's pass/fail into keep (AND) and into the per-document fail bits.
template<typename Bits>
uint64_t applyRule(const ResolvedRule& rr, const uint32_t* groups, size_t n, uint8_t* keep, Bits* failBits, Bits bit)
{
    const float* v = rr.values;
    uint64_t failed = 0;
    if (!rr.perKey) {
        const float lo = rr.lo, hi = rr.hi;
        const uint8_t pm = rr.passMissing;
        for (size_t i = 0; i < n; ++i) {
            const float x = v[i];
            const uint8_t pass = uint8_t((x >= lo) & (x <= hi)) | uint8_t(pm & (x != x));
            keep[i] &= pass;
            failBits[i] |= Bits(pass ^ 1u) * bit;
            failed += pass ^ 1u;
        }
    } else {
        const float* by = rr.byValues;
        const uint32_t labels = rr.labels;
        for (size_t i = 0; i < n; ++i) {
            const uint32_t k = by ? labelKey(by[i], labels) : groups[i];
            const float x = v[i];
            const std::vector<uint8_t>* in = rr.gin[k];
            uint8_t pass;
            if (x != x)
                pass = rr.gpassMissing[k];
            else if (in)
                pass = uint8_t(x >= 0 && x < float(in->size()) && (*in)[size_t(x)]);
            else
                pass = uint8_t((x >= rr.glo[k]) & (x <= rr.ghi[k]));
            keep[i] &= pass;
            failBits[i] |= Bits(pass ^ 1u) * bit;
            failed += pass ^ 1u;
        }
    }
    return failed;
}

template<typename Bits>
void countOnly(const std::vector<Bits>& failBits, std::vector<uint64_t>& only)
{
    for (const Bits b : failBits) {
        // Exactly one bit set: this rule alone drops the document.
        if (b && !(b & (b - 1)))
            ++only[size_t(__builtin_ctzll(uint64_t(b)))];
    }
}

} // namespace

FilterCounts FilterEvaluator::evaluate(const CorpusData& corpus, std::vector<uint8_t>* keepOut) const
{
    FilterCounts fc;
    const Resolved resolved = resolve(m_rules, corpus, fc.ruleEvaluated);
    const auto& rules = resolved.rules;
    const size_t n = corpus.size();
    const size_t nGroups = corpus.groupNames().size();
    const size_t nr = rules.size();
    std::vector<uint64_t> failed(nr, 0), only(nr, 0);

    std::vector<uint8_t> localKeep;
    std::vector<uint8_t>& keep = keepOut ? *keepOut : localKeep;
    keep.assign(n, 1);
    const uint32_t* groups = corpus.groups().data();
    // One pass per rule over its float column, recording which rules each document fails
    // (a byte per document for up to 8 rules, the usual case, else 64 bits).
    if (nr <= 8) {
        std::vector<uint8_t> bits(nr ? n : 0, 0);
        for (size_t r = 0; r < nr; ++r)
            failed[r] = applyRule<uint8_t>(rules[r], groups, n, keep.data(), bits.data(), uint8_t(1u << r));
        if (nr)
            countOnly(bits, only);
    } else {
        std::vector<uint64_t> bits(n, 0);
        for (size_t r = 0; r < nr; ++r)
            failed[r] = applyRule<uint64_t>(rules[r], groups, n, keep.data(), bits.data(),
                                            r < 64 ? uint64_t(1) << r : 0);
        countOnly(bits, only);
    }

    // Per group: documents and bytes (cached), and the kept ones (branch-free accumulation).
    const uint32_t* bytes = corpus.textBytesColumn().data();
    const uint32_t* records = corpus.lengthColumn().data();
    if (m_totalsOf != &corpus || m_totalsSize != n || m_groupDocs.size() != nGroups) {
        m_groupDocs.assign(nGroups, 0);
        m_groupBytes.assign(nGroups, 0);
        m_groupRecordBytes.assign(nGroups, 0);
        for (size_t i = 0; i < n; ++i) {
            ++m_groupDocs[groups[i]];
            m_groupBytes[groups[i]] += bytes[i];
            m_groupRecordBytes[groups[i]] += records[i];
        }
        m_totalsOf = &corpus;
        m_totalsSize = n;
    }
    const std::vector<uint64_t>& docs = m_groupDocs;
    const std::vector<uint64_t>& allBytes = m_groupBytes;
    std::vector<uint64_t> kept(nGroups, 0), keptBytes(nGroups, 0), keptRecordBytes(nGroups, 0);
    for (size_t i = 0; i < n; ++i) {
        const uint32_t g = groups[i];
        const uint64_t k = keep[i];
        kept[g] += k;
        keptBytes[g] += uint64_t(bytes[i]) & (0 - k);
        keptRecordBytes[g] += uint64_t(records[i]) & (0 - k);
    }
    // Per label of the breakdown column (e.g. per language), when there is one.
    if (const int bc = m_breakdown.empty() ? -1 : corpus.columnIndex(m_breakdown);
        bc >= 0 && corpus.columns()[size_t(bc)].categorical()) {
        const auto& cats = corpus.columns()[size_t(bc)].categories;
        const uint32_t nl = uint32_t(cats.size());
        const float* lv = corpus.scores(size_t(bc)).data();
        fc.breakdownColumn = m_breakdown;
        fc.labelNames = cats;
        fc.labelNames.emplace_back();
        fc.perLabel.assign(nl + 1, KeepCounts {});
        for (size_t i = 0; i < n; ++i) {
            KeepCounts& c = fc.perLabel[labelKey(lv[i], nl)];
            const uint64_t k = keep[i];
            ++c.docs;
            c.bytes += bytes[i];
            c.kept += k;
            c.keptBytes += uint64_t(bytes[i]) & (0 - k);
            c.recordBytes += records[i];
            c.keptRecordBytes += uint64_t(records[i]) & (0 - k);
        }
    }
    fc.perGroup.resize(nGroups);
    for (size_t g = 0; g < nGroups; ++g) {
        fc.perGroup[g] = { docs[g], kept[g], allBytes[g], keptBytes[g], m_groupRecordBytes[g], keptRecordBytes[g] };
        fc.total.add(fc.perGroup[g]);
    }
    // Report per rule of m_rules (unevaluated rules count zero).
    fc.failedByRule.assign(m_rules.size(), 0);
    fc.onlyRule.assign(m_rules.size(), 0);
    for (size_t r = 0, j = 0; r < m_rules.size(); ++r) {
        if (!fc.ruleEvaluated[r])
            continue;
        fc.failedByRule[r] = failed[j];
        fc.onlyRule[r] = nr <= 64 ? only[j] : 0;
        ++j;
    }
    return fc;
}

FilterCounts FilterEvaluator::evaluateTracked(const CorpusData& corpus, std::vector<uint8_t>& keep)
{
    FilterCounts fc = evaluate(corpus, &keep);
    m_tracked = {};
    // Rebuild the per-document fail bits (a second pass over the rule columns, once per rule
    // set rather than once per move).
    std::vector<bool> evaluated;
    const Resolved resolved = resolve(m_rules, corpus, evaluated);
    const auto& rules = resolved.rules;
    if (rules.size() > 32)
        return fc;
    const size_t n = corpus.size();
    m_tracked.failBits.assign(n, 0);
    std::vector<uint8_t> scratch(n, 1);
    for (size_t j = 0; j < rules.size(); ++j)
        applyRule<uint32_t>(rules[j], corpus.groups().data(), n, scratch.data(), m_tracked.failBits.data(), 1u << j);
    m_tracked.bitOfRule.assign(m_rules.size(), -1);
    for (size_t r = 0, j = 0; r < m_rules.size(); ++r)
        if (evaluated[r])
            m_tracked.bitOfRule[r] = int(j++);
    m_tracked.corpus = &corpus;
    m_tracked.docs = n;
    return fc;
}

bool FilterEvaluator::updateBounds(const CorpusData& corpus, size_t rule, const Bounds& bounds,
                                   const std::vector<uint32_t>& order, const std::vector<float>& sortedValues,
                                   std::vector<uint8_t>& keep, FilterCounts& counts)
{
    const size_t n = corpus.size();
    if (m_tracked.corpus != &corpus || m_tracked.docs != n || rule >= m_rules.size() || keep.size() != n
        || m_tracked.bitOfRule.size() != m_rules.size() || m_tracked.bitOfRule[rule] < 0 || bounds.disabled
        || m_rules[rule].bounds.disabled || bounds.in || m_rules[rule].bounds.in || order.size() != sortedValues.size() || counts.perGroup.size() != corpus.groupNames().size()
        || counts.failedByRule.size() != m_rules.size())
        return false;
    FilterRule& r = m_rules[rule];
    const int col = corpus.columnIndex(r.column);
    if (col < 0)
        return false;
    const float* values = corpus.scores(size_t(col)).data();
    const uint32_t bit = 1u << m_tracked.bitOfRule[rule];
    constexpr float inf = std::numeric_limits<float>::infinity();
    const float oldLo = r.bounds.min ? lowerF(*r.bounds.min) : -inf, oldHi = r.bounds.max ? upperF(*r.bounds.max) : inf;
    const float newLo = bounds.min ? lowerF(*bounds.min) : -inf, newHi = bounds.max ? upperF(*bounds.max) : inf;
    // Groups (or labels of the `by` column) with their own bounds for this rule do not move
    // with the rule's own ones.
    std::vector<uint8_t> overridden;
    const float* byValues = nullptr;
    uint32_t byLabels = 0;
    if (!r.overrides.empty()) {
        if (r.byGroup()) {
            overridden.assign(corpus.groupNames().size(), 0);
            for (size_t g = 0; g < overridden.size(); ++g)
                overridden[g] = r.overrides.count(corpus.groupNames()[g]) > 0;
        } else {
            const int bc = corpus.columnIndex(r.by);
            if (bc < 0)
                return false;
            const auto& cats = corpus.columns()[size_t(bc)].categories;
            byValues = corpus.scores(size_t(bc)).data();
            byLabels = uint32_t(cats.size());
            overridden.assign(cats.size() + 1, 0);
            for (size_t k = 0; k < cats.size(); ++k)
                overridden[k] = r.overrides.count(cats[k]) > 0;
        }
    }
    // The per-label breakdown moves with the kept documents.
    const float* labelValues = nullptr;
    uint32_t labelCount = 0;
    if (!counts.perLabel.empty()) {
        const int bc = corpus.columnIndex(counts.breakdownColumn);
        if (bc < 0 || counts.perLabel.size() != corpus.columns()[size_t(bc)].categories.size() + 1)
            return false;
        labelValues = corpus.scores(size_t(bc)).data();
        labelCount = uint32_t(counts.perLabel.size() - 1);
    }
    const uint32_t* groups = corpus.groups().data();
    const uint32_t* bytes = corpus.textBytesColumn().data();
    const uint32_t* records = corpus.lengthColumn().data();
    auto visit = [&](size_t from, size_t to) {
        for (size_t i = from; i < to; ++i) {
            const uint32_t doc = order[i];
            const uint32_t g = groups[doc];
            if (!overridden.empty() && overridden[byValues ? labelKey(byValues[doc], byLabels) : g])
                continue;
            const float v = values[doc];
            const bool pass = v >= newLo && v <= newHi;
            const uint32_t before = m_tracked.failBits[doc];
            const uint32_t after = pass ? (before & ~bit) : (before | bit);
            if (after == before)
                continue;
            m_tracked.failBits[doc] = after;
            counts.failedByRule[rule] += pass ? uint64_t(-1) : 1;
            if (before && !(before & (before - 1)))
                --counts.onlyRule[size_t(std::find(m_tracked.bitOfRule.begin(), m_tracked.bitOfRule.end(),
                                                   __builtin_ctz(before)) - m_tracked.bitOfRule.begin())];
            if (after && !(after & (after - 1)))
                ++counts.onlyRule[size_t(std::find(m_tracked.bitOfRule.begin(), m_tracked.bitOfRule.end(),
                                                   __builtin_ctz(after)) - m_tracked.bitOfRule.begin())];
            const bool keptBefore = before == 0, keptAfter = after == 0;
            if (keptBefore != keptAfter) {
                keep[doc] = keptAfter;
                for (KeepCounts* c : { &counts.perGroup[g],
                                       labelValues ? &counts.perLabel[labelKey(labelValues[doc], labelCount)] : nullptr }) {
                    if (!c)
                        continue;
                    if (keptAfter) {
                        ++c->kept;
                        c->keptBytes += bytes[doc];
                        c->keptRecordBytes += records[doc];
                    } else {
                        --c->kept;
                        c->keptBytes -= bytes[doc];
                        c->keptRecordBytes -= records[doc];
                    }
                }
            }
        }
    };
    const auto lowerIdx = [&](float x) {
        return size_t(std::lower_bound(sortedValues.begin(), sortedValues.end(), x) - sortedValues.begin());
    };
    const auto upperIdx = [&](float x) {
        return size_t(std::upper_bound(sortedValues.begin(), sortedValues.end(), x) - sortedValues.begin());
    };
    // Passing the minimum flips for values in [min(old, new), max(old, new)); passing the
    // maximum for values in (min(old, new), max(old, new)].
    if (oldLo != newLo)
        visit(lowerIdx(std::min(oldLo, newLo)), lowerIdx(std::max(oldLo, newLo)));
    if (oldHi != newHi)
        visit(upperIdx(std::min(oldHi, newHi)), upperIdx(std::max(oldHi, newHi)));
    r.bounds.min = bounds.min;
    r.bounds.max = bounds.max;
    counts.total = {};
    for (const auto& c : counts.perGroup)
        counts.total.add(c);
    return true;
}

std::vector<std::unique_ptr<BoundRules>> FilterEvaluator::bindEach(const std::vector<FilterRule>& rules,
                                                                  const std::vector<ColumnInfo>& columns)
{
    std::vector<std::unique_ptr<BoundRules>> out;
    out.reserve(rules.size());
    for (const FilterRule& r : rules) {
        try {
            out.push_back(std::make_unique<BoundRules>(std::vector<FilterRule> { r }, columns, true));
        } catch (const std::invalid_argument&) {
            out.push_back(nullptr);
        }
    }
    return out;
}

std::vector<std::string> FilterEvaluator::reasons(const CorpusData& corpus, size_t doc) const
{
    std::vector<std::string> out;
    if (doc >= corpus.size())
        return out;
    const std::string& group = corpus.groupNames()[corpus.group(doc)];
    std::vector<float> row(corpus.columnCount());
    for (size_t c = 0; c < row.size(); ++c)
        row[c] = corpus.scores(c)[doc];
    for (const auto& br : bindEach(m_rules, corpus.columns())) {
        if (!br || !br->evaluated(0) || br->passes(0, row.data(), group))
            continue;
        const FilterRule& rule = br->rule(0);
        const Bounds& b = br->boundsFor(0, row.data(), group);
        const float v = row[size_t(br->column(0))];
        const ColumnInfo& info = br->columnInfo(0);
        const std::string key(br->key(0, row.data(), group));
        const bool overridden = rule.overrides.count(key) > 0;
        std::string why;
        if (isMissing(v)) {
            why = rule.column + " is missing (the rule drops missing values)";
        } else if (b.in) {
            std::string set;
            for (const auto& l : *b.in)
                set += (set.empty() ? "" : ", ") + l;
            why = rule.column + " = " + std::string(categoryLabel(info.categories, v)) + " is not in {" + set + "}";
        } else if (b.min && double(v) < *b.min) {
            why = rule.column + " = " + formatValue(v) + " < min " + formatValue(*b.min);
        } else if (b.max && double(v) > *b.max) {
            why = rule.column + " = " + formatValue(v) + " > max " + formatValue(*b.max);
        } else {
            why = rule.column + " = " + formatValue(v) + " fails";
        }
        if (overridden)
            why += rule.byGroup() ? " (override for group \"" + key + "\")"
                                  : " (override for " + rule.by + " \"" + key + "\")";
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
        if (rule.bounds.in)
            continue;
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
