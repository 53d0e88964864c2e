#pragma once
// What the GUI knows about an open corpus: the document index and the score columns, in
// document order, owned by the GUI thread. It grows batch by batch while a scan runs, so
// background jobs never read it directly: they take copies of the columns they need
// (a million floats copy in about a millisecond) or string_views into the id chunks, which
// never move once written.

#include <fieldmapping.h>
#include <scan.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace shardscope {

// One committed scan batch, converted on the worker thread into plain values.
struct DocBatch {
    uint64_t firstDoc = 0;
    std::vector<uint16_t> shard;
    std::vector<uint64_t> offset;
    std::vector<uint32_t> length;
    std::vector<uint32_t> line;
    std::vector<uint32_t> textBytes;
    std::vector<uint32_t> textChars;
    std::vector<uint32_t> group;            // indices into the corpus group table
    std::vector<std::string> newGroups;     // group names first seen in this batch, in index order
    std::string idBytes;                    // ids back to back
    std::vector<uint32_t> idEnds;           // end offset of each id in idBytes
    std::vector<std::vector<float>> scores; // [column][doc in batch]
    uint64_t rejected = 0;
    std::vector<RejectedRecord> rejects;    // the first few, for the status line
    size_t size() const { return offset.size(); }
};

// Ids appended into fixed chunks so string_views handed to background jobs stay valid
// while the scan keeps appending.
class IdChunks {
public:
    void append(std::string_view id);
    std::string_view get(size_t i) const { return m_views[i]; }
    size_t size() const { return m_views.size(); }
    const std::vector<std::string_view>& views() const { return m_views; }
    void reserve(size_t n) { m_views.reserve(n); }

private:
    static constexpr size_t kChunk = 1 << 20;
    std::vector<std::unique_ptr<char[]>> m_chunks;
    size_t m_used = kChunk;
    size_t m_capacity = kChunk;
    std::vector<std::string_view> m_views;
};

class CorpusData {
public:
    CorpusData() = default;
    CorpusData(const CorpusData&) = delete;
    CorpusData& operator=(const CorpusData&) = delete;

    // Score columns are fixed when the scan starts.
    void setColumns(std::vector<ColumnInfo> columns);
    void append(DocBatch&& batch);
    // Takes the index and scores of a finished scan or a loaded scores file.
    static std::shared_ptr<CorpusData> fromScanResult(ScanResult& result);

    size_t size() const { return m_shard.size(); }
    size_t columnCount() const { return m_columns.size(); }
    const std::vector<ColumnInfo>& columns() const { return m_columns; }
    int columnIndex(std::string_view name) const;
    const std::vector<float>& scores(size_t column) const { return m_scores[column]; }

    std::string_view rawId(size_t doc) const { return m_ids.get(doc); }
    // The id, or "#<line>" when the record has none (as DocIndex::idOf).
    std::string idOf(size_t doc) const;
    const IdChunks& ids() const { return m_ids; }

    uint32_t group(size_t doc) const { return m_group[doc]; }
    const std::vector<uint32_t>& groups() const { return m_group; }
    const std::vector<std::string>& groupNames() const { return m_groupNames; }
    int groupIndex(std::string_view name) const;

    uint16_t shard(size_t doc) const { return m_shard[doc]; }
    uint64_t offset(size_t doc) const { return m_offset[doc]; }
    uint32_t length(size_t doc) const { return m_length[doc]; }
    uint32_t line(size_t doc) const { return m_line[doc]; }
    uint32_t textBytes(size_t doc) const { return m_textBytes[doc]; }
    uint32_t textChars(size_t doc) const { return m_textChars[doc]; }
    const std::vector<uint32_t>& textBytesColumn() const { return m_textBytes; }
    const std::vector<uint32_t>& textCharsColumn() const { return m_textChars; }
    const std::vector<uint16_t>& shardColumn() const { return m_shard; }
    const std::vector<uint64_t>& offsetColumn() const { return m_offset; }

    // Shard paths (absolute) in scan order; ShardInfo is complete once the scan has finished.
    std::vector<ShardInfo> shards;
    FieldMapping fields;
    uint64_t rejected = 0;
    std::vector<RejectedRecord> rejects;

    // For tests and benchmarks: build a corpus from columns without a scan.
    void appendSynthetic(std::string_view id, uint32_t group, uint32_t textBytes, const std::vector<float>& scores);
    void setGroupNames(std::vector<std::string> names) { m_groupNames = std::move(names); }
    void reserve(size_t n);

private:
    std::vector<ColumnInfo> m_columns;
    std::vector<std::vector<float>> m_scores;
    std::vector<uint16_t> m_shard;
    std::vector<uint64_t> m_offset;
    std::vector<uint32_t> m_length;
    std::vector<uint32_t> m_line;
    std::vector<uint32_t> m_textBytes;
    std::vector<uint32_t> m_textChars;
    std::vector<uint32_t> m_group;
    std::vector<std::string> m_groupNames { std::string() };
    IdChunks m_ids;
};

// A scan sink that turns committed batches into DocBatch values on the worker thread and
// hands them to `deliver` (which posts them to the GUI thread). The scan calls sinks
// serialized and in input order, so the group table here needs no lock.
class BatchCollector : public ScanSink {
public:
    BatchCollector(FieldMapping fields, size_t columns, std::function<void(std::shared_ptr<DocBatch>)> deliver);
    ~BatchCollector() override;
    void onBatch(const CommittedBatch& batch) override;
    // Only offsets and lengths are kept: the text is read from the shard when shown.
    bool needsLineBytes() const override { return false; }

private:
    FieldMapping m_fields;
    size_t m_columns;
    std::function<void(std::shared_ptr<DocBatch>)> m_deliver;
    std::unordered_map<std::string, uint32_t> m_groupIds;
    uint32_t m_nextGroup = 1;
};

} // namespace shardscope
