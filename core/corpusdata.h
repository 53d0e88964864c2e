#pragma once
// The corpus table: one row per accepted document (where it lives, its id, group and text size)
// and one float column per score, in document order. A scan fills it with one append per committed
// batch, whoever runs the scan: the CLI's scan appends on its commit thread (ScanResult), the GUI
// hands the same batches to its thread and appends them there (CorpusData), and a scores file
// loads into it. CorpusData is a ScanResult (the table plus what the scan counted) with the
// accessors the widgets read.
//
// The GUI thread owns a CorpusData and grows it while a scan runs, so background jobs never read it
// directly: they take copies of the columns they need (a million floats copy in about a millisecond)
// or string_views of the ids, which never move once appended (IdStore). Once its scan has finished a
// table is not changed any more, so it can be read (saved to the cache) from another thread.

#include "fieldmapping.h"
#include "scan.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace shardscope {

// One committed scan batch as plain values: what a table appends.
struct DocBatch {
    uint64_t firstDoc = 0;
    std::vector<uint16_t> shard;
    std::vector<uint64_t> offset;
    std::vector<uint32_t> length;
    std::vector<uint32_t> line;
    std::vector<uint32_t> textBytes;
    std::vector<uint32_t> textChars;
    std::vector<uint32_t> group; // indices into the corpus group table
    std::vector<std::string> newGroups; // group names first seen in this batch, in index order
    std::string idBytes; // ids back to back
    std::vector<uint32_t> idEnds; // end offset of each id in idBytes
    std::vector<std::vector<float>> scores; // [column][doc in batch]
    uint64_t rejected = 0;
    std::vector<RejectedRecord> rejects; // the first few, for the status line
    size_t size() const { return offset.size(); }
};

// Numbers group names in the order they first appear (0 is "", no group): every scan's numbering.
class GroupNumbering {
public:
    GroupNumbering();
    // The number of `name`, appending it to *seen the first time.
    uint32_t number(const std::string& name, std::vector<std::string>& seen);

private:
    std::unordered_map<std::string, uint32_t> m_ids;
};

// Converts a committed batch (called on the scan's commit thread, in order) into a DocBatch.
std::shared_ptr<DocBatch> makeDocBatch(const CommittedBatch& batch, GroupNumbering& groups);

// The one append of a scan's rows: index columns, ids (flushed, so their views stay valid), new group
// names and score columns. Counts (records, rejected) are the scan's and are not touched here.
void appendRows(ScanResult& table, DocBatch&& batch);

class CorpusData : public ScanResult {
public:
    CorpusData();
    // Takes a finished scan's or a loaded scores file's table (moved: no column or id is copied).
    explicit CorpusData(ScanResult&& result);
    CorpusData(const CorpusData&) = delete;
    CorpusData& operator=(const CorpusData&) = delete;
    static std::shared_ptr<CorpusData> fromScanResult(ScanResult& result);

    // Score columns are fixed when the scan starts.
    void setColumns(std::vector<ColumnInfo> columns);
    // Columns scored after the table was built (ColumnScan): each is added with every value missing, or,
    // when a column of that name exists (a language model scored again with another model), reset to
    // missing in place. Returns the index of each, in order. Not while rows are being appended.
    std::vector<size_t> addColumns(const std::vector<ColumnInfo>& columns);
    // Writes a ColumnFill's values (values[k] is column `indices[k]`) into rows firstRow...
    void fillColumns(
        const std::vector<size_t>& indices, uint64_t firstRow, const std::vector<std::vector<float>>& values);
    // appendRows, plus the batch's rejected records for the live status while the scan runs.
    void append(DocBatch&& batch);
    // Takes what the scan counted (shards with their state, records, rejected records, skipped, timings)
    // from the result of a scan whose rows went to this table (ScanOptions::indexBatches).
    void takeCounts(ScanResult&& counts);
    // The table and counts, as saveScores and writeTsv take them.
    const ScanResult& result() const { return *this; }

    size_t size() const { return index.size(); }
    size_t columnCount() const { return ScanResult::scores.columns.size(); }
    const std::vector<ColumnInfo>& columns() const { return ScanResult::scores.columns; }
    int columnIndex(std::string_view name) const { return ScanResult::scores.columnIndex(name); }
    const ScoreColumn& scores(size_t column) const { return ScanResult::scores.values[column]; }

    std::string_view rawId(size_t doc) const { return index.ids.get(doc); }
    // The id, or "#<line>" when the record has none (as DocIndex::idOf).
    std::string idOf(size_t doc) const { return index.idOf(doc); }
    // Views of every id, for a background job (valid as long as this table).
    std::vector<std::string_view> idViews() const;

    uint32_t group(size_t doc) const { return index.group[doc]; }
    const std::vector<uint32_t>& groups() const { return index.group; }
    const std::vector<std::string>& groupNames() const { return index.groups; }
    int groupIndex(std::string_view name) const;

    uint16_t shard(size_t doc) const { return index.shard[doc]; }
    uint64_t offset(size_t doc) const { return index.offset[doc]; }
    uint32_t length(size_t doc) const { return index.length[doc]; }
    uint32_t line(size_t doc) const { return index.line[doc]; }
    uint32_t textBytes(size_t doc) const { return index.textBytes[doc]; }
    uint32_t textChars(size_t doc) const { return index.textChars[doc]; }
    const std::vector<uint32_t>& textBytesColumn() const { return index.textBytes; }
    const std::vector<uint32_t>& textCharsColumn() const { return index.textChars; }
    const std::vector<uint32_t>& lengthColumn() const { return index.length; }
    const std::vector<uint16_t>& shardColumn() const { return index.shard; }
    const std::vector<uint64_t>& offsetColumn() const { return index.offset; }

    // For tests and benchmarks: build a corpus from columns without a scan.
    void appendSynthetic(std::string_view id, uint32_t group, uint32_t textBytes, const std::vector<float>& scores);
    void setGroupNames(std::vector<std::string> names) { index.groups = std::move(names); }
    void reserve(size_t n);
};

} // namespace shardscope
