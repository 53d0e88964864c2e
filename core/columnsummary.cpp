#include "columnsummary.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace shardscope {

const ColumnSummary* CorpusSummary::column(std::string_view name) const
{
    for (const auto& c : columns)
        if (c.name == name)
            return &c;
    return nullptr;
}

double ColumnSummary::percentileOf(double v) const
{
    if (empty())
        return 0;
    const auto& s = *sortedValues;
    const auto upto = std::upper_bound(s.begin(), s.end(), v, [](double x, float y) { return x < double(y); });
    return 100.0 * double(upto - s.begin()) / double(s.size());
}

void argsortValues(const float* values, size_t n, std::vector<uint32_t>& order, std::vector<float>& sorted)
{
    // Key: order-preserving bits of the float above the document number.
    std::vector<uint64_t> keys, tmp;
    keys.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const float f = values[i];
        if (std::isnan(f))
            continue;
        uint32_t u;
        std::memcpy(&u, &f, 4);
        u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
        keys.push_back((uint64_t(u) << 32) | uint64_t(i));
    }
    tmp.resize(keys.size());
    std::vector<size_t> count(65537);
    // The document number is already in order (low 32 bits ascending): sort the top 32 bits.
    for (int shift = 32; shift < 64; shift += 16) {
        std::fill(count.begin(), count.end(), 0);
        for (uint64_t k : keys)
            ++count[((k >> shift) & 0xffff) + 1];
        for (size_t b = 1; b <= 65536; ++b)
            count[b] += count[b - 1];
        for (uint64_t k : keys)
            tmp[count[(k >> shift) & 0xffff]++] = k;
        keys.swap(tmp);
    }
    order.resize(keys.size());
    sorted.resize(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
        order[i] = uint32_t(keys[i]);
        sorted[i] = values[order[i]];
    }
}

void CorpusSummary::merge(CorpusSummary&& newer)
{
    docs = newer.docs;
    for (auto& c : newer.columns) {
        auto it = std::find_if(columns.begin(), columns.end(), [&](const ColumnSummary& o) { return o.name == c.name; });
        if (it != columns.end())
            *it = std::move(c);
        else
            columns.push_back(std::move(c));
    }
}

CorpusSummary summarize(const SummaryInput& in)
{
    CorpusSummary out;
    out.docs = in.groups.size();
    // The largest groups get an overlay; a corpus with one group has nothing to compare.
    std::vector<uint64_t> groupSizes(in.groupCount, 0);
    for (uint32_t g : in.groups)
        if (g < groupSizes.size())
            ++groupSizes[g];
    std::vector<uint32_t> order(in.groupCount);
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return groupSizes[a] > groupSizes[b]; });
    std::vector<int> overlaySlot(in.groupCount, -1);
    std::vector<uint32_t> overlay;
    size_t nonEmpty = size_t(std::count_if(groupSizes.begin(), groupSizes.end(), [](uint64_t c) { return c > 0; }));
    if (nonEmpty > 1) {
        for (uint32_t g : order) {
            if (groupSizes[g] == 0 || int(overlay.size()) >= in.maxOverlayGroups)
                break;
            overlaySlot[g] = int(overlay.size());
            overlay.push_back(g);
        }
    }

    const size_t columns = in.views.empty() ? in.columns.size() : in.views.size();
    for (size_t c = 0; c < columns; ++c) {
        const std::span<const float> values = in.views.empty() ? std::span<const float>(in.columns[c]) : in.views[c];
        ColumnSummary s;
        s.name = c < in.names.size() ? in.names[c] : std::string();
        auto order = std::make_shared<std::vector<uint32_t>>();
        auto sorted = std::make_shared<std::vector<float>>();
        argsortValues(values.data(), values.size(), *order, *sorted);
        if (!sorted->empty()) {
            s.dataMin = sorted->front();
            s.dataMax = sorted->back();
        }
        s.order = std::move(order);
        s.sortedValues = std::move(sorted);
        s.docs = values.size();
        if (c < in.categories.size() && !in.categories[c].empty())
            s.stats = ColumnStats::computeCategorical(s.name, values, in.categories[c]);
        else
            s.stats = ColumnStats::compute(s.name, values, 0, true);
        const Histogram& h = s.stats.histogram;
        if (!overlay.empty() && !h.counts.empty() && h.hi > h.lo) {
            const size_t bins = h.counts.size();
            std::vector<std::vector<uint64_t>> counts(overlay.size(), std::vector<uint64_t>(bins, 0));
            const double scale = double(bins) / (h.hi - h.lo);
            const size_t n = std::min(values.size(), in.groups.size());
            for (size_t i = 0; i < n; ++i) {
                const int slot = overlaySlot[in.groups[i]];
                const double v = values[i];
                if (slot < 0 || v != v || v < h.lo || v > h.hi)
                    continue;
                size_t b = size_t((v - h.lo) * scale);
                if (b >= bins)
                    b = bins - 1;
                ++counts[size_t(slot)][b];
            }
            for (size_t k = 0; k < overlay.size(); ++k)
                s.groups.push_back({ overlay[k], std::move(counts[k]) });
        }
        out.columns.push_back(std::move(s));
    }
    return out;
}

} // namespace shardscope
