#include "filterevaluator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
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

// The per-label breakdown of `counts`, which moves with the kept documents: the label column's values and the
// number of labels ({nullptr, 0} when the counts keep none). Nullopt when the counts do not fit the corpus's column
// (the caller then gives up on the incremental update).
struct LabelBreakdown {
    const float* values = nullptr;
    uint32_t count = 0;
};
std::optional<LabelBreakdown> labelBreakdown(const CorpusData& corpus, const FilterCounts& counts)
{
    if (counts.perLabel.empty())
        return LabelBreakdown {};
    const int bc = corpus.columnIndex(counts.breakdownColumn);
    if (bc < 0 || counts.perLabel.size() != corpus.columns()[size_t(bc)].categories.size() + 1)
        return std::nullopt;
    return LabelBreakdown { corpus.scores(size_t(bc)).data(), uint32_t(counts.perLabel.size() - 1) };
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
    ++m_generation;
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
    // Views that do not own: the per-document state is caught up before this returns, so nothing keeps them.
    const bool ok = updateBounds(corpus, rule, bounds,
        std::shared_ptr<const std::vector<uint32_t>>(std::shared_ptr<void>(), &order),
        std::shared_ptr<const std::vector<float>>(std::shared_ptr<void>(), &sortedValues), keep, counts);
    catchUp(keep);
    m_tracked.drag.reset();
    return ok;
}

bool FilterEvaluator::updateBounds(const CorpusData& corpus, size_t rule, const Bounds& bounds,
    std::shared_ptr<const std::vector<uint32_t>> orderPtr, std::shared_ptr<const std::vector<float>> sortedPtr,
    std::vector<uint8_t>& keep, FilterCounts& counts)
{
    const size_t n = corpus.size();
    if (!orderPtr || !sortedPtr || m_tracked.corpus != &corpus || m_tracked.docs != n || rule >= m_rules.size()
        || keep.size() != n || m_tracked.bitOfRule.size() != m_rules.size() || m_tracked.bitOfRule[rule] < 0
        || bounds.disabled || m_rules[rule].bounds.disabled || bounds.in || m_rules[rule].bounds.in
        || orderPtr->size() != sortedPtr->size() || counts.perGroup.size() != corpus.groupNames().size()
        || counts.failedByRule.size() != m_rules.size())
        return false;
    FilterRule& r = m_rules[rule];
    const int col = corpus.columnIndex(r.column);
    if (col < 0)
        return false;
    const std::optional<LabelBreakdown> labels = labelBreakdown(corpus, counts);
    if (!labels)
        return false;
    const float* const labelValues = labels->values;
    const uint32_t labelCount = labels->count;
    // Another line than the last one moved: the other rules' fail bits of every index built so far change.
    if (m_lastMovedRule != rule) {
        ++m_generation;
        m_lastMovedRule = rule;
    }
    const auto& cur = m_tracked.drag;
    if (!cur || cur->rule != rule || cur->order != orderPtr || cur->sorted != sortedPtr || cur->labelCount != labelCount
        || (labelCount && cur->labelValues != labelValues) || cur->generation != m_generation) {
        // What the previous index left pending is written out first (its own rule's bits).
        catchUp(keep);
        m_tracked.drag.reset();
        if (m_inlineIndex)
            if (auto job = dragJob(corpus, rule, orderPtr, sortedPtr, counts))
                adoptDragIndex(buildDragIndex(*job));
    }
    if (!m_tracked.drag)
        return updatePerDocument(corpus, rule, bounds, *orderPtr, *sortedPtr, keep, counts);
    Drag& d = *m_tracked.drag;
    const std::vector<float>& sortedValues = *d.sorted;
    constexpr float inf = std::numeric_limits<float>::infinity();
    const float newLo = bounds.min ? lowerF(*bounds.min) : -inf, newHi = bounds.max ? upperF(*bounds.max) : inf;
    // The documents passing the rule's own bounds are the positions [L, H) of the column's sorted order.
    const size_t newL
        = size_t(std::lower_bound(sortedValues.begin(), sortedValues.end(), newLo) - sortedValues.begin());
    const size_t newH
        = size_t(std::upper_bound(sortedValues.begin(), sortedValues.end(), newHi) - sortedValues.begin());
    const std::vector<uint32_t>& order = *d.order;
    const uint32_t* groups = corpus.groups().data();
    const uint32_t* bytes = corpus.textBytesColumn().data();
    const uint32_t* records = corpus.lengthColumn().data();
    const size_t nb = d.bits;
    // One document or one bin leaving (sign +1: now fails the rule) or entering the rule's range. Only the
    // other rules' bits are read: they do not change while this rule's line moves.
    auto addKept = [](KeepCounts& c, int64_t docs, int64_t b, int64_t rec) {
        c.kept += uint64_t(docs);
        c.keptBytes += uint64_t(b);
        c.keptRecordBytes += uint64_t(rec);
    };
    auto visit = [&](size_t from, size_t to, int64_t sign) {
        for (size_t i = from; i < to; ++i) {
            const uint32_t doc = order[i];
            if (d.isOverridden(doc, groups))
                continue;
            const uint32_t others = m_tracked.failBits[doc] & ~d.bit;
            counts.failedByRule[rule] += uint64_t(sign);
            if (others == 0) {
                counts.onlyRule[rule] += uint64_t(sign);
                addKept(counts.perGroup[groups[doc]], -sign, -sign * bytes[doc], -sign * records[doc]);
                if (labelValues)
                    addKept(counts.perLabel[labelKey(labelValues[doc], labelCount)], -sign, -sign * bytes[doc],
                        -sign * records[doc]);
            } else if (!(others & (others - 1))) {
                counts.onlyRule[d.ruleOfBit[size_t(__builtin_ctz(others))]] -= uint64_t(sign);
            }
        }
    };
    auto flip = [&](size_t from, size_t to, int64_t sign) {
        if (from >= to)
            return;
        const size_t S = d.binSize;
        const size_t b0 = (from + S - 1) / S, b1 = to / S; // whole bins [b0, b1)
        if (b0 >= b1) {
            visit(from, to, sign);
            return;
        }
        visit(from, b0 * S, sign);
        for (size_t b = b0; b < b1; ++b) {
            counts.failedByRule[rule] += uint64_t(sign * int64_t(d.movable[b]));
            counts.onlyRule[rule] += uint64_t(sign * int64_t(d.passOthers[b]));
            for (size_t j = 0; j < nb; ++j)
                if (const uint32_t c = d.single[b * nb + j])
                    counts.onlyRule[d.ruleOfBit[j]] -= uint64_t(sign * int64_t(c));
            for (uint32_t e = d.groupStart[b]; e < d.groupStart[b + 1]; ++e) {
                const Agg& a = d.groupAgg[e];
                addKept(counts.perGroup[a.key], -sign * a.docs, -sign * int64_t(a.bytes), -sign * int64_t(a.records));
            }
            for (uint32_t e = d.labelStart[b]; e < d.labelStart[b + 1]; ++e) {
                const Agg& a = d.labelAgg[e];
                addKept(counts.perLabel[a.key], -sign * a.docs, -sign * int64_t(a.bytes), -sign * int64_t(a.records));
            }
        }
        visit(b1 * S, to, sign);
    };
    // The lower end moves with the upper one where it was; then the upper one (see sweep()).
    sweep(d.L, newL, d.H, true, flip);
    d.L = newL;
    sweep(d.H, newH, d.L, false, flip);
    d.H = newH;
    r.bounds.min = bounds.min;
    r.bounds.max = bounds.max;
    counts.total = {};
    for (const auto& c : counts.perGroup)
        counts.total.add(c);
    return true;
}

template <typename Flip> void FilterEvaluator::sweep(size_t from, size_t to, size_t other, bool lower, Flip&& flip)
{
    // A document at sorted position p passes the rule's own bounds when L <= p < H. Moving L from `from` to `to`
    // with H = `other` flips the positions between them that lie below H; moving H flips those at or above L.
    // Each such range flips one way: +1, now failing; -1, now passing.
    if (lower) {
        if (to > from)
            flip(from, std::min(to, other), +1);
        else if (to < from)
            flip(to, std::min(from, other), -1);
    } else {
        if (to > from)
            flip(std::max(from, other), to, -1);
        else if (to < from)
            flip(std::max(to, other), from, +1);
    }
}

std::shared_ptr<FilterEvaluator::DragJob> FilterEvaluator::dragJob(const CorpusData& corpus, size_t rule,
    std::shared_ptr<const std::vector<uint32_t>> order, std::shared_ptr<const std::vector<float>> sorted,
    const FilterCounts& counts) const
{
    const size_t n = corpus.size();
    if (!order || !sorted || m_tracked.corpus != &corpus || m_tracked.docs != n || rule >= m_rules.size()
        || m_tracked.bitOfRule.size() != m_rules.size() || m_tracked.bitOfRule[rule] < 0
        || m_rules[rule].bounds.disabled || m_rules[rule].bounds.in || order->size() != sorted->size())
        return nullptr;
    auto job = std::make_shared<DragJob>();
    DragJob& j = *job;
    const FilterRule& r = m_rules[rule];
    if (!r.overrides.empty()) {
        // Groups (or labels of the `by` column) with their own bounds for this rule do not move with its own ones.
        if (r.byGroup()) {
            j.overridden.assign(corpus.groupNames().size(), 0);
            for (size_t g = 0; g < j.overridden.size(); ++g)
                j.overridden[g] = r.overrides.count(corpus.groupNames()[g]) > 0;
        } else {
            const int bc = corpus.columnIndex(r.by);
            if (bc < 0)
                return nullptr;
            const auto& cats = corpus.columns()[size_t(bc)].categories;
            j.byValues = corpus.scores(size_t(bc)).data();
            j.byLabels = uint32_t(cats.size());
            j.overridden.assign(cats.size() + 1, 0);
            for (size_t k = 0; k < cats.size(); ++k)
                j.overridden[k] = r.overrides.count(cats[k]) > 0;
        }
    }
    const std::optional<LabelBreakdown> labels = labelBreakdown(corpus, counts);
    if (!labels)
        return nullptr;
    j.labelValues = labels->values;
    j.labelCount = labels->count;
    j.rule = rule;
    j.generation = m_generation;
    j.bit = 1u << m_tracked.bitOfRule[rule];
    for (int b : m_tracked.bitOfRule)
        j.bits = std::max(j.bits, size_t(b + 1));
    j.ruleOfBit.assign(j.bits, 0);
    for (size_t i = 0; i < m_tracked.bitOfRule.size(); ++i)
        if (m_tracked.bitOfRule[i] >= 0)
            j.ruleOfBit[size_t(m_tracked.bitOfRule[i])] = i;
    j.order = std::move(order);
    j.sorted = std::move(sorted);
    j.groups = corpus.groups().data();
    j.bytes = corpus.textBytesColumn().data();
    j.records = corpus.lengthColumn().data();
    j.groupCount = corpus.groupNames().size();
    // What the index needs of the fail bits, one byte per document (a copy: a worker reads it while this rule's
    // line may still move document by document): 0 passes every other rule, 1 + j fails exactly other bit j.
    j.othersCode.resize(n);
    const uint32_t* fb = m_tracked.failBits.data();
    for (size_t doc = 0; doc < n; ++doc) {
        const uint32_t others = fb[doc] & ~j.bit;
        j.othersCode[doc] = others == 0 ? 0 : !(others & (others - 1)) ? uint8_t(1 + __builtin_ctz(others)) : 255;
    }
    return job;
}

std::shared_ptr<FilterEvaluator::Drag> FilterEvaluator::buildDragIndex(const DragJob& j)
{
    auto out = std::make_shared<Drag>();
    Drag& d = *out;
    d.rule = j.rule;
    d.generation = j.generation;
    d.order = j.order;
    d.sorted = j.sorted;
    d.bit = j.bit;
    d.bits = j.bits;
    d.ruleOfBit = j.ruleOfBit;
    d.overridden = j.overridden;
    d.byValues = j.byValues;
    d.byLabels = j.byLabels;
    d.labelValues = j.labelValues;
    d.labelCount = j.labelCount;
    const std::vector<uint32_t>& order = *j.order;
    const size_t m = order.size();
    // About 4096 bins: a move sums the whole bins it crosses and visits at most two bins' documents per end.
    d.binSize = std::max<size_t>(64, (m + 4095) / 4096);
    const size_t bins = (m + d.binSize - 1) / d.binSize;
    d.movable.assign(bins, 0);
    d.passOthers.assign(bins, 0);
    d.single.assign(bins * d.bits, 0);
    d.groupStart.assign(bins + 1, 0);
    d.labelStart.assign(bins + 1, 0);
    // Per bin, the documents passing every other rule, summed per group and per label (sparse: the keys met).
    std::vector<Agg> gScratch(j.groupCount), lScratch(j.labelCount + 1);
    std::vector<uint32_t> gTouched, lTouched;
    for (size_t b = 0; b < bins; ++b) {
        const size_t end = std::min(m, (b + 1) * d.binSize);
        for (size_t i = b * d.binSize; i < end; ++i) {
            const uint32_t doc = order[i];
            if (d.isOverridden(doc, j.groups))
                continue;
            ++d.movable[b];
            const uint8_t code = j.othersCode[doc];
            if (code == 0) {
                ++d.passOthers[b];
                const uint32_t g = j.groups[doc];
                if (gScratch[g].docs++ == 0)
                    gTouched.push_back(g);
                gScratch[g].bytes += j.bytes[doc];
                gScratch[g].records += j.records[doc];
                if (j.labelValues) {
                    const uint32_t l = labelKey(j.labelValues[doc], j.labelCount);
                    if (lScratch[l].docs++ == 0)
                        lTouched.push_back(l);
                    lScratch[l].bytes += j.bytes[doc];
                    lScratch[l].records += j.records[doc];
                }
            } else if (code != 255) {
                ++d.single[b * d.bits + size_t(code - 1)];
            }
        }
        for (uint32_t g : gTouched) {
            Agg a = gScratch[g];
            a.key = g;
            d.groupAgg.push_back(a);
            gScratch[g] = {};
        }
        for (uint32_t l : lTouched) {
            Agg a = lScratch[l];
            a.key = l;
            d.labelAgg.push_back(a);
            lScratch[l] = {};
        }
        gTouched.clear();
        lTouched.clear();
        d.groupStart[b + 1] = uint32_t(d.groupAgg.size());
        d.labelStart[b + 1] = uint32_t(d.labelAgg.size());
    }
    return out;
}

bool FilterEvaluator::adoptDragIndex(std::shared_ptr<Drag> index)
{
    if (!index || index->generation != m_generation || !m_tracked.corpus || index->rule >= m_rules.size()
        || (m_tracked.drag && pendingDocs() != 0))
        return false;
    const FilterRule& r = m_rules[index->rule];
    if (r.bounds.disabled || r.bounds.in)
        return false;
    // The fail bits of this rule are exact (moves without an index write them document by document): the range
    // of sorted positions passing its own bounds now.
    constexpr float inf = std::numeric_limits<float>::infinity();
    const float lo = r.bounds.min ? lowerF(*r.bounds.min) : -inf, hi = r.bounds.max ? upperF(*r.bounds.max) : inf;
    const auto& sorted = *index->sorted;
    index->L = index->appliedL = size_t(std::lower_bound(sorted.begin(), sorted.end(), lo) - sorted.begin());
    index->H = index->appliedH = size_t(std::upper_bound(sorted.begin(), sorted.end(), hi) - sorted.begin());
    m_tracked.drag = std::move(index);
    return true;
}

bool FilterEvaluator::hasDragIndex(size_t rule) const
{
    return m_tracked.drag && m_tracked.drag->rule == rule && m_tracked.drag->generation == m_generation;
}

size_t FilterEvaluator::pendingDocs() const
{
    if (!m_tracked.drag)
        return 0;
    const Drag& d = *m_tracked.drag;
    auto dist = [](size_t a, size_t b) { return a > b ? a - b : b - a; };
    return dist(d.appliedL, d.L) + dist(d.appliedH, d.H);
}

size_t FilterEvaluator::catchUp(std::vector<uint8_t>& keep, size_t budget)
{
    if (!m_tracked.drag || keep.size() != m_tracked.failBits.size())
        return pendingDocs();
    Drag& d = *m_tracked.drag;
    const std::vector<uint32_t>& order = *d.order;
    const uint32_t* groups = m_tracked.corpus->groups().data();
    // Every position swept takes the state of the range as it is after the step, so the per-document state is
    // "passes when appliedL <= p < appliedH" after every step, whatever the budget cut off.
    auto set = [&](size_t from, size_t to) {
        for (size_t i = from; i < to; ++i) {
            const uint32_t doc = order[i];
            if (d.isOverridden(doc, groups))
                continue;
            const bool pass = i >= d.appliedL && i < d.appliedH;
            const uint32_t before = m_tracked.failBits[doc];
            const uint32_t after = pass ? (before & ~d.bit) : (before | d.bit);
            m_tracked.failBits[doc] = after;
            keep[doc] = after == 0;
        }
    };
    auto step = [&](size_t& applied, size_t target) {
        if (applied == target || budget == 0)
            return;
        const size_t k = std::min(budget, applied > target ? applied - target : target - applied);
        const size_t from = applied;
        applied = applied > target ? applied - k : applied + k;
        set(std::min(from, applied), std::max(from, applied));
        budget -= k;
    };
    step(d.appliedL, d.L);
    step(d.appliedH, d.H);
    return pendingDocs();
}

// Without a drag index: every document between the old and the new cutoff, one by one (the rule is known valid).
bool FilterEvaluator::updatePerDocument(const CorpusData& corpus, size_t rule, const Bounds& bounds,
    const std::vector<uint32_t>& order, const std::vector<float>& sortedValues, std::vector<uint8_t>& keep,
    FilterCounts& counts)
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
    const std::optional<LabelBreakdown> labels = labelBreakdown(corpus, counts);
    if (!labels)
        return false;
    const float* const labelValues = labels->values;
    const uint32_t labelCount = labels->count;
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
