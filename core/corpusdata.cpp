#include "corpusdata.h"

#include <algorithm>

namespace shardscope {

GroupNumbering::GroupNumbering()
{
    m_ids.emplace(std::string(), 0);
}

uint32_t GroupNumbering::number(const std::string& name, std::vector<std::string>& seen)
{
    auto [it, added] = m_ids.try_emplace(name, uint32_t(m_ids.size()));
    if (added)
        seen.push_back(name);
    return it->second;
}

std::shared_ptr<DocBatch> makeDocBatch(const CommittedBatch& cb, GroupNumbering& groups)
{
    auto out = std::make_shared<DocBatch>();
    DocBatch& b = *out;
    const LineBatch& lines = cb.lines;
    b.firstDoc = cb.firstDoc;
    const size_t n = cb.docs;
    b.shard.reserve(n);
    b.offset.reserve(n);
    b.length.reserve(n);
    b.line.reserve(n);
    b.textBytes.reserve(n);
    b.textChars.reserve(n);
    b.group.reserve(n);
    b.idEnds.reserve(n);
    size_t rejectIdx = 0;
    size_t k = 0; // accepted document within the batch
    for (size_t i = 0; i < lines.lines.size(); ++i) {
        const int64_t doc = cb.docOf[i];
        if (doc == -2) {
            ++b.rejected;
            if (b.rejects.size() < 16 && rejectIdx < cb.rejectReasons.size())
                b.rejects.push_back({ lines.shard, lines.firstLine ? lines.firstLine + i : 0,
                    lines.startOffset + lines.lines[i].begin, cb.rejectReasons[rejectIdx] });
            ++rejectIdx;
            continue;
        }
        if (doc < 0)
            continue;
        b.shard.push_back(uint16_t(lines.shard));
        b.offset.push_back(lines.startOffset + lines.lines[i].begin);
        b.length.push_back(lines.lines[i].length);
        // firstLine 0: a batch read by byte offset (BlockLineReader), line numbers not known.
        b.line.push_back(lines.firstLine ? uint32_t(lines.firstLine + i) : 0);
        b.textBytes.push_back(cb.textBytes[k]);
        b.textChars.push_back(cb.textChars[k]);
        b.group.push_back(groups.number(cb.groups[k], b.newGroups));
        b.idBytes.append(cb.ids[k]);
        b.idEnds.push_back(uint32_t(b.idBytes.size()));
        ++k;
    }
    b.scores.assign(cb.columns, {});
    for (size_t c = 0; c < cb.columns; ++c) {
        auto& col = b.scores[c];
        col.resize(n);
        for (size_t r = 0; r < n; ++r)
            col[r] = cb.scores[r * cb.columns + c];
    }
    return out;
}

void appendRows(ScanResult& t, DocBatch&& b)
{
    auto add = [](auto& dst, const auto& src) { dst.insert(dst.end(), src.begin(), src.end()); };
    DocIndex& ix = t.index;
    add(ix.shard, b.shard);
    add(ix.offset, b.offset);
    add(ix.length, b.length);
    add(ix.line, b.line);
    add(ix.textBytes, b.textBytes);
    add(ix.textChars, b.textChars);
    add(ix.group, b.group);
    for (auto& g : b.newGroups)
        ix.groups.push_back(std::move(g));
    uint32_t begin = 0;
    for (uint32_t end : b.idEnds) {
        ix.ids.append(std::string_view(b.idBytes).substr(begin, end - begin));
        begin = end;
    }
    ix.ids.flush();
    auto& values = t.scores.values;
    for (size_t c = 0; c < values.size() && c < b.scores.size(); ++c)
        values[c].append(b.scores[c].begin(), b.scores[c].end());
}

CorpusData::CorpusData()
{
    index.groups.assign(1, std::string());
}

CorpusData::CorpusData(ScanResult&& result)
    : ScanResult(std::move(result))
{
    if (index.groups.empty())
        index.groups.assign(1, std::string());
    ScanResult::scores.values.resize(ScanResult::scores.columns.size());
    index.ids.flush();
}

std::shared_ptr<CorpusData> CorpusData::fromScanResult(ScanResult& result)
{
    return std::make_shared<CorpusData>(std::move(result));
}

void CorpusData::setColumns(std::vector<ColumnInfo> columns)
{
    ScanResult::scores.columns = std::move(columns);
    ScanResult::scores.values.assign(ScanResult::scores.columns.size(), {});
    for (auto& c : ScanResult::scores.values)
        c.reserve(index.shard.capacity());
}

std::vector<size_t> CorpusData::addColumns(const std::vector<ColumnInfo>& columns)
{
    std::vector<size_t> out;
    for (const auto& c : columns) {
        int at = columnIndex(c.name);
        if (at < 0) {
            ScanResult::scores.columns.push_back(c);
            ScanResult::scores.values.emplace_back();
            at = int(ScanResult::scores.columns.size() - 1);
        } else {
            ScanResult::scores.columns[size_t(at)] = c;
        }
        ScanResult::scores.values[size_t(at)].assign(size(), kMissing);
        out.push_back(size_t(at));
    }
    return out;
}

void CorpusData::fillColumns(
    const std::vector<size_t>& indices, uint64_t firstRow, const std::vector<std::vector<float>>& values)
{
    for (size_t k = 0; k < indices.size() && k < values.size(); ++k) {
        auto& column = ScanResult::scores.values[indices[k]];
        const size_t n = std::min<size_t>(values[k].size(), firstRow < column.size() ? column.size() - firstRow : 0);
        std::copy_n(values[k].begin(), n, column.mutableData() + firstRow);
    }
}

void CorpusData::append(DocBatch&& b)
{
    rejected += b.rejected;
    for (auto& r : b.rejects)
        if (rejects.size() < 1000)
            rejects.push_back(std::move(r));
    appendRows(*this, std::move(b));
}

void CorpusData::takeCounts(ScanResult&& c)
{
    shards = std::move(c.shards);
    fields = std::move(c.fields);
    rejects = std::move(c.rejects);
    records = c.records;
    skipped = c.skipped;
    selection = std::move(c.selection);
    rejected = c.rejected;
    blankLines = c.blankLines;
    cancelled = c.cancelled;
    seconds = c.seconds;
    ScanResult::textBytes = c.textBytes;
}

std::vector<std::string_view> CorpusData::idViews() const
{
    std::vector<std::string_view> out(size());
    for (size_t i = 0; i < out.size(); ++i)
        out[i] = index.ids.get(i);
    return out;
}

int CorpusData::groupIndex(std::string_view name) const
{
    for (size_t i = 0; i < index.groups.size(); ++i)
        if (index.groups[i] == name)
            return int(i);
    return -1;
}

void CorpusData::reserve(size_t n)
{
    index.reserve(n);
    for (auto& c : ScanResult::scores.values)
        c.reserve(n);
}

void CorpusData::appendSynthetic(
    std::string_view id, uint32_t group, uint32_t textBytes, const std::vector<float>& scores)
{
    index.shard.push_back(0);
    index.offset.push_back(0);
    index.length.push_back(0);
    index.line.push_back(uint32_t(index.line.size() + 1));
    index.textBytes.push_back(textBytes);
    index.textChars.push_back(textBytes);
    index.group.push_back(group);
    index.ids.append(id);
    index.ids.flush();
    auto& values = ScanResult::scores.values;
    for (size_t c = 0; c < values.size(); ++c)
        values[c].push_back(c < scores.size() ? scores[c] : kMissing);
}

} // namespace shardscope
