#pragma once
// Per-column summaries for the plots and the viewer's percentiles, computed off the GUI
// thread from copies of the columns (sorting a million floats takes ~80 ms).

#include <stats.h>

#include <cstdint>
#include <string>
#include <vector>

namespace shardscope {

struct ColumnSummary {
    std::string name;
    ColumnStats stats;       // histogram spans [p0.5, p99.5] of the column
    SortedColumn sorted;     // for percentiles of a value
    double dataMin = 0, dataMax = 0;
    bool empty() const { return sorted.sorted.empty(); }
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
    std::vector<uint32_t> groups;   // group index per document
    size_t groupCount = 1;
    int maxOverlayGroups = 8;
};

CorpusSummary summarize(const SummaryInput& in);

} // namespace shardscope
