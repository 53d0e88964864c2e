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
        ++m_generation;
        m_lastMovedRule = size_t(-1);
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
    //
    // Issue 21 (ten million documents): a move costs O(bins + two bins' documents), not O(documents crossed).
    // The first move of a rule's line builds, over the column's sorted order cut into about 4096 bins, per bin
    // the documents the rule's own bounds move, and of those the ones passing every other rule, summed per
    // group and per label, and the ones failing exactly one other rule; then a move sums the whole bins it
    // crosses and visits only the documents of the bins at its ends. The index is kept while the same line moves
    // again, and built again when another rule's line moves.
    FilterCounts evaluateTracked(const CorpusData& corpus, std::vector<uint8_t>& keep);
    // Counts and `keep` exact on return.
    bool updateBounds(const CorpusData& corpus, size_t rule, const Bounds& bounds, const std::vector<uint32_t>& order,
                      const std::vector<float>& sortedValues, std::vector<uint8_t>& keep, FilterCounts& counts);
    // Counts exact on return; the keep mask (and the fail bits) of the documents crossed are written by
    // catchUp(), which the caller runs in slices between events (the summary's arrays are kept alive here until
    // then). Any other updateBounds() catches up first; setRules() and evaluateTracked() drop what is pending.
    bool updateBounds(const CorpusData& corpus, size_t rule, const Bounds& bounds,
        std::shared_ptr<const std::vector<uint32_t>> order, std::shared_ptr<const std::vector<float>> sortedValues,
        std::vector<uint8_t>& keep, FilterCounts& counts);
    // Writes up to `budget` documents of what the last moves left pending; returns how many are still pending.
    size_t catchUp(std::vector<uint8_t>& keep, size_t budget = size_t(-1));
    size_t pendingDocs() const;

    // The drag index. By default a move without one builds it at once (an O(documents) pass, about 10-20 ms per
    // million). setBuildDragIndexInline(false): such a move recounts document by document instead, and the caller
    // builds the index elsewhere: dragJob() now (one byte per document copied), buildDragIndex() on a worker,
    // adoptDragIndex() back here, which drops an index whose rules or fail bits changed meanwhile.
    // Documents passing every other rule in one bin, for one group or label (key).
    struct Agg {
        uint32_t key = 0;
        int64_t docs = 0;
        uint64_t bytes = 0, records = 0;
    };
    // The index of the rule whose line is dragged (see updateBounds).
    struct Drag {
        size_t rule = size_t(-1);
        uint64_t generation = 0; // of the other rules' fail bits it was summed from
        std::shared_ptr<const std::vector<uint32_t>> order;
        std::shared_ptr<const std::vector<float>> sorted;
        uint32_t bit = 0;
        size_t bits = 0; // fail bits in use
        std::vector<size_t> ruleOfBit;
        std::vector<uint8_t> overridden; // per group, or per label of byValues: keeps its own bounds
        const float* byValues = nullptr;
        uint32_t byLabels = 0;
        const float* labelValues = nullptr; // the breakdown column the aggregates were summed for
        uint32_t labelCount = 0;
        size_t binSize = 1;
        std::vector<uint32_t> movable, passOthers, single; // per bin; single: per bin and other bit
        std::vector<uint32_t> groupStart, labelStart; // per bin: its first Agg
        std::vector<Agg> groupAgg, labelAgg;
        // Documents at sorted positions [L, H) pass the rule's own bounds as the counts have them; the keep
        // mask and fail bits have [appliedL, appliedH) until catchUp() brings them up.
        size_t L = 0, H = 0, appliedL = 0, appliedH = 0;
        bool isOverridden(uint32_t doc, const uint32_t* groups) const
        {
            if (overridden.empty())
                return false;
            if (!byValues)
                return overridden[groups[doc]];
            const float v = byValues[doc];
            return overridden[v >= 0 && v < float(byLabels) ? uint32_t(v) : byLabels];
        }
    };
    // What buildDragIndex() reads, taken on the evaluator's thread; the corpus columns must outlive the build.
    struct DragJob {
        size_t rule = 0;
        uint64_t generation = 0;
        std::shared_ptr<const std::vector<uint32_t>> order;
        std::shared_ptr<const std::vector<float>> sorted;
        uint32_t bit = 0;
        size_t bits = 0;
        std::vector<size_t> ruleOfBit;
        std::vector<uint8_t> overridden;
        const float* byValues = nullptr;
        uint32_t byLabels = 0;
        const float* labelValues = nullptr;
        uint32_t labelCount = 0;
        const uint32_t* groups = nullptr;
        const uint32_t* bytes = nullptr;
        const uint32_t* records = nullptr;
        size_t groupCount = 0;
        std::vector<uint8_t> othersCode; // per document: 0 passes the other rules, 1 + j fails only bit j, else 255
    };
    void setBuildDragIndexInline(bool on) { m_inlineIndex = on; }
    std::shared_ptr<DragJob> dragJob(const CorpusData& corpus, size_t rule,
        std::shared_ptr<const std::vector<uint32_t>> order, std::shared_ptr<const std::vector<float>> sorted,
        const FilterCounts& counts) const;
    static std::shared_ptr<Drag> buildDragIndex(const DragJob& job);
    bool adoptDragIndex(std::shared_ptr<Drag> index);
    bool hasDragIndex(size_t rule) const;

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
        std::shared_ptr<Drag> drag;
    };
    Tracked m_tracked;
    uint64_t m_generation = 0; // changes whenever the fail bits may change other than by the dragged rule
    size_t m_lastMovedRule = size_t(-1);
    bool m_inlineIndex = true;
    bool updatePerDocument(const CorpusData& corpus, size_t rule, const Bounds& bounds,
        const std::vector<uint32_t>& order, const std::vector<float>& sortedValues, std::vector<uint8_t>& keep,
        FilterCounts& counts);
    template <typename Flip> static void sweep(size_t from, size_t to, size_t other, bool lower, Flip&& flip);
};

} // namespace shardscope
