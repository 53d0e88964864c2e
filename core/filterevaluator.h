#pragma once
// Evaluates a set of filter rules over a CorpusData in one pass: the keep mask, kept and
// dropped counts in documents and text bytes, overall, per group and per rule. This is the
// inner loop while a cutoff line is dragged, so it is a flat loop over column arrays with
// the bounds resolved per group up front: about 2-4 ms for a million documents and two rules.
//
// Semantics are BoundRules::passes(): min <= v <= max on the double value, a missing (NaN)
// value fails unless the rule keeps missing values, a disabled override passes all. Overrides
// are keyed by the group or by a label of the rule's `by` column (per-language cutoffs); an
// "in" rule passes the labels of its set. Rules with overrides or "in" resolve their bounds
// per key up front, so the loop stays a table lookup per document.

#include "corpusdata.h"

#include "filterconfig.h"

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace shardscope {

// Sizes two ways, as apply's summary.json names them (issue 20, bug 9): `bytes` are the UTF-8 bytes of the text
// field (*_text_bytes), `recordBytes` the bytes of the whole JSON line without its newline (*_record_bytes).
struct KeepCounts {
    uint64_t docs = 0;
    uint64_t kept = 0;
    uint64_t bytes = 0;
    uint64_t keptBytes = 0;
    uint64_t recordBytes = 0;
    uint64_t keptRecordBytes = 0;
    uint64_t dropped() const { return docs - kept; }
    uint64_t droppedBytes() const { return bytes - keptBytes; }
    uint64_t droppedRecordBytes() const { return recordBytes - keptRecordBytes; }
    void add(const KeepCounts& o)
    {
        docs += o.docs;
        kept += o.kept;
        bytes += o.bytes;
        keptBytes += o.keptBytes;
        recordBytes += o.recordBytes;
        keptRecordBytes += o.keptRecordBytes;
    }
};

struct FilterCounts {
    KeepCounts total;
    std::vector<KeepCounts> perGroup;      // indexed like CorpusData::groupNames()
    std::vector<uint64_t> failedByRule;    // documents failing each rule (regardless of others)
    std::vector<uint64_t> onlyRule;        // documents dropped by this rule alone
    std::vector<bool> ruleEvaluated;       // false: the rule's column is not in this corpus
    // The breakdown per label of one categorical column (FilterEvaluator::setBreakdownColumn):
    // labels are the column's categories, then "" for documents without a value.
    std::string breakdownColumn;
    std::vector<std::string> labelNames;
    std::vector<KeepCounts> perLabel;
};

class FilterEvaluator {
public:
    void setRules(std::vector<FilterRule> rules)
    {
        m_rules = std::move(rules);
        m_tracked = {};
    }
    const std::vector<FilterRule>& rules() const { return m_rules; }
    // Also count per label of this categorical column (e.g. "lang"); "" or a column that is
    // not categorical in the corpus: no breakdown.
    void setBreakdownColumn(std::string column) { m_breakdown = std::move(column); }
    const std::string& breakdownColumn() const { return m_breakdown; }

    // One pass over documents [0, corpus.size()); fills keep (1 = kept) when non-null.
    FilterCounts evaluate(const CorpusData& corpus, std::vector<uint8_t>* keep = nullptr) const;

    // Incremental evaluation for a dragged line. evaluateTracked() is evaluate() that also
    // remembers which rules each document fails; afterwards updateBounds() moves the bounds
    // of one rule and visits only the documents whose value lies between the old and the new
    // cutoff (found by binary search in `sortedValues`, the column's non-missing values in
    // ascending order, with `order` the matching documents). A one-pixel drag over a
    // million documents touches a few thousand. Returns false (and changes nothing) when the
    // state does not fit: another corpus size, another rule set, no such rule.
    FilterCounts evaluateTracked(const CorpusData& corpus, std::vector<uint8_t>& keep);
    bool updateBounds(const CorpusData& corpus, size_t rule, const Bounds& bounds, const std::vector<uint32_t>& order,
                      const std::vector<float>& sortedValues, std::vector<uint8_t>& keep, FilterCounts& counts);

    // Why a document is dropped: one line per failing rule, e.g. "zlib6 = 0.181 < min 0.25".
    std::vector<std::string> reasons(const CorpusData& corpus, size_t doc) const;

    // Each rule bound on its own to `columns` (missing columns allowed), so one broken rule ("in" on
    // a numeric column, `by` on a non-categorical one) is skipped alone: nullptr in its place.
    static std::vector<std::unique_ptr<BoundRules>> bindEach(const std::vector<FilterRule>& rules,
                                                             const std::vector<ColumnInfo>& columns);

    // Dropped documents (keep == 0), in document order.
    static std::vector<uint32_t> dropped(const std::vector<uint8_t>& keep);
    // Kept documents, in document order.
    static std::vector<uint32_t> kept(const std::vector<uint8_t>& keep);
    // A uniform random sample of the dropped documents (reservoir sampling), in document order.
    static std::vector<uint32_t> randomDropped(const std::vector<uint8_t>& keep, size_t n, uint64_t seed);
    // For each active bound: the `perSide` documents nearest the cutoff on each side, in
    // order of distance (closest first), without duplicates.
    std::vector<uint32_t> borderline(const CorpusData& corpus, size_t perSide) const;

private:
    std::vector<FilterRule> m_rules;
    std::string m_breakdown;
    // Documents and bytes per group do not depend on the rules: computed once per corpus
    // state and reused while a line is dragged.
    mutable const CorpusData* m_totalsOf = nullptr;
    mutable size_t m_totalsSize = 0;
    mutable std::vector<uint64_t> m_groupDocs, m_groupBytes, m_groupRecordBytes;
    // State of the last evaluateTracked().
    struct Tracked {
        const CorpusData* corpus = nullptr;
        size_t docs = 0;
        std::vector<uint32_t> failBits;   // bit j: fails the j-th evaluated rule (j < 32)
        std::vector<int> bitOfRule;       // per rule of m_rules, -1 when not evaluated
    };
    Tracked m_tracked;
};

} // namespace shardscope
