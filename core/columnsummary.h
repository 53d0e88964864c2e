#pragma once
// Per-column summaries for the plots and the viewer's percentiles, computed off the GUI
// thread from copies of the columns (sorting a million floats takes ~80 ms).

#include "stats.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace shardscope {

struct ColumnSummary {
    std::string name;
    ColumnStats stats;       // histogram spans [p0.5, p99.5] of the column; for a categorical
                             // column one bin per category (stats.categories)
    // Documents with a value, in ascending order of value, and those values: percentiles of
    // a value by binary search, and the documents a moved cutoff flips (FilterEvaluator).
    // Shared, so copying a summary to the plots costs nothing. Summary of docs [0, docs).
    std::shared_ptr<const std::vector<uint32_t>> order;
    std::shared_ptr<const std::vector<float>> sortedValues;
    size_t docs = 0;
    double dataMin = 0, dataMax = 0;
    bool empty() const { return !sortedValues || sortedValues->empty(); }
    // Percentage of values <= v, in [0, 100].
    double percentileOf(double v) const;
    // Per group, the same bins as stats.histogram; only the largest groups.
    struct GroupHistogram {
        uint32_t group;
        std::vector<uint64_t> counts;
    };
    std::vector<GroupHistogram> groups;
};

struct CorpusSummary {
    uint64_t docs = 0;
    std::vector<ColumnSummary> columns;
    const ColumnSummary* column(std::string_view name) const;
    // Replaces the columns `newer` has, keeps the others (summaries of unplotted columns
    // are refreshed less often).
    void merge(CorpusSummary&& newer);
};

struct SummaryInput {
    // Only these columns are summarised (a scan may produce 60 columns; while it runs only
    // the plotted ones are worth sorting again).
    std::vector<std::string> names;
    std::vector<std::vector<float>> columns;
    // Instead of `columns` when not empty: the columns where they are (a table that no longer grows, kept alive by
    // `keepAlive`), so a 10-million-row corpus is not copied (2.7 GB for 68 columns) on the GUI thread.
    std::vector<std::span<const float>> views;
    std::shared_ptr<const void> keepAlive;
    // Per column (parallel to names; may be shorter): categories of a categorical column (lang),
    // whose summary then counts documents per category instead of numeric bins.
    std::vector<std::vector<std::string>> categories;
    std::vector<uint32_t> groups;   // group index per document
    size_t groupCount = 1;
    int maxOverlayGroups = 8;
};

CorpusSummary summarize(const SummaryInput& in);

// Documents with a non-missing value sorted by value (ties by document number), and the
// sorted values. LSD radix sort: ~20 ms for a million values.
void argsortValues(const float* values, size_t n, std::vector<uint32_t>& order, std::vector<float>& sorted);

} // namespace shardscope
