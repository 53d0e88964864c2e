#include "corpusdata.h"

#include <recordparser.h>

#include <algorithm>
#include <cstring>

namespace shardscope {

void IdChunks::append(std::string_view id)
{
    if (id.empty()) {
        m_views.emplace_back();
        return;
    }
    if (m_used + id.size() > m_capacity) {
        m_capacity = std::max(kChunk, id.size());
        m_chunks.push_back(std::make_unique<char[]>(m_capacity));
        m_used = 0;
    }
    char* dst = m_chunks.back().get() + m_used;
    std::memcpy(dst, id.data(), id.size());
    m_used += id.size();
    m_views.emplace_back(dst, id.size());
}

void CorpusData::setColumns(std::vector<ColumnInfo> columns)
{
    m_columns = std::move(columns);
    m_scores.assign(m_columns.size(), {});
    for (auto& c : m_scores)
        c.reserve(m_shard.capacity());
}

int CorpusData::columnIndex(std::string_view name) const
{
    for (size_t i = 0; i < m_columns.size(); ++i)
        if (m_columns[i].name == name)
            return int(i);
    return -1;
}

int CorpusData::groupIndex(std::string_view name) const
{
    for (size_t i = 0; i < m_groupNames.size(); ++i)
        if (m_groupNames[i] == name)
            return int(i);
    return -1;
}

std::string CorpusData::idOf(size_t doc) const
{
    auto id = m_ids.get(doc);
    if (!id.empty())
        return std::string(id);
    return "#" + std::to_string(m_line[doc]);
}

void CorpusData::reserve(size_t n)
{
    m_shard.reserve(n);
    m_offset.reserve(n);
    m_length.reserve(n);
    m_line.reserve(n);
    m_textBytes.reserve(n);
    m_textChars.reserve(n);
    m_group.reserve(n);
    m_ids.reserve(n);
    for (auto& c : m_scores)
        c.reserve(n);
}

void CorpusData::append(DocBatch&& b)
{
    auto add = [](auto& dst, const auto& src) { dst.insert(dst.end(), src.begin(), src.end()); };
    add(m_shard, b.shard);
    add(m_offset, b.offset);
    add(m_length, b.length);
    add(m_line, b.line);
    add(m_textBytes, b.textBytes);
    add(m_textChars, b.textChars);
    add(m_group, b.group);
    for (auto& g : b.newGroups)
        m_groupNames.push_back(std::move(g));
    uint32_t begin = 0;
    for (uint32_t end : b.idEnds) {
        m_ids.append(std::string_view(b.idBytes).substr(begin, end - begin));
        begin = end;
    }
    for (size_t c = 0; c < m_scores.size() && c < b.scores.size(); ++c)
        add(m_scores[c], b.scores[c]);
    rejected += b.rejected;
    for (auto& r : b.rejects)
        if (rejects.size() < 1000)
            rejects.push_back(std::move(r));
}

void CorpusData::appendSynthetic(std::string_view id, uint32_t group, uint32_t textBytes,
                                 const std::vector<float>& scores)
{
    m_shard.push_back(0);
    m_offset.push_back(0);
    m_length.push_back(0);
    m_line.push_back(uint32_t(m_line.size() + 1));
    m_textBytes.push_back(textBytes);
    m_textChars.push_back(textBytes);
    m_group.push_back(group);
    m_ids.append(id);
    for (size_t c = 0; c < m_scores.size(); ++c)
        m_scores[c].push_back(c < scores.size() ? scores[c] : kMissing);
}

std::shared_ptr<CorpusData> CorpusData::fromScanResult(ScanResult& result)
{
    auto data = std::make_shared<CorpusData>();
    DocIndex& ix = result.index;
    data->m_columns = result.scores.columns;
    data->m_scores = std::move(result.scores.values);
    data->m_scores.resize(data->m_columns.size());
    data->m_shard = std::move(ix.shard);
    data->m_offset = std::move(ix.offset);
    data->m_length = std::move(ix.length);
    data->m_line = std::move(ix.line);
    data->m_textBytes = std::move(ix.textBytes);
    data->m_textChars = std::move(ix.textChars);
    data->m_group = std::move(ix.group);
    data->m_groupNames = ix.groups.empty() ? std::vector<std::string> { std::string() } : std::move(ix.groups);
    ix.ids.flush();
    const size_t n = data->m_shard.size();
    data->m_ids.reserve(n);
    for (size_t i = 0; i < n && i < ix.ids.size(); ++i)
        data->m_ids.append(ix.ids.get(i));
    for (size_t i = ix.ids.size(); i < n; ++i)
        data->m_ids.append({});
    data->shards = result.shards;
    data->fields = result.fields;
    data->rejected = result.rejected;
    data->rejects = result.rejects;
    return data;
}

// ---------------------------------------------------------------------------------------------

BatchCollector::BatchCollector(FieldMapping fields, size_t columns,
                               std::function<void(std::shared_ptr<DocBatch>)> deliver)
    : m_fields(std::move(fields))
    , m_columns(columns)
    , m_deliver(std::move(deliver))
{
    m_groupIds.emplace(std::string(), 0);
}

BatchCollector::~BatchCollector() = default;

void BatchCollector::onBatch(const CommittedBatch& cb)
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
    size_t k = 0;   // accepted document within the batch
    for (size_t i = 0; i < lines.lines.size(); ++i) {
        const int64_t doc = cb.docOf[i];
        if (doc == -2) {
            ++b.rejected;
            if (b.rejects.size() < 16 && rejectIdx < cb.rejectReasons.size())
                b.rejects.push_back({ lines.shard, lines.firstLine + i, lines.startOffset + lines.lines[i].begin,
                                      cb.rejectReasons[rejectIdx] });
            ++rejectIdx;
            continue;
        }
        if (doc < 0)
            continue;
        b.shard.push_back(uint16_t(lines.shard));
        b.offset.push_back(lines.startOffset + lines.lines[i].begin);
        b.length.push_back(lines.lines[i].length);
        b.line.push_back(uint32_t(lines.firstLine + i));
        b.textBytes.push_back(cb.textBytes[k]);
        b.textChars.push_back(cb.textChars[k]);
        const std::string& groupName = cb.groups[k];
        auto it = m_groupIds.find(groupName);
        uint32_t g;
        if (it == m_groupIds.end()) {
            g = m_nextGroup++;
            m_groupIds.emplace(groupName, g);
            b.newGroups.push_back(groupName);
        } else {
            g = it->second;
        }
        b.group.push_back(g);
        b.idBytes.append(cb.ids[k]);
        b.idEnds.push_back(uint32_t(b.idBytes.size()));
        ++k;
    }
    b.scores.assign(m_columns, {});
    for (size_t c = 0; c < m_columns; ++c) {
        auto& col = b.scores[c];
        col.resize(n);
        for (size_t r = 0; r < n; ++r)
            col[r] = cb.scores[r * cb.columns + c];
    }
    m_deliver(std::move(out));
}

} // namespace shardscope
