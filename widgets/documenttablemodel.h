#pragma once
// The document table: one row per document, columns Filter (kept/dropped), Id, Group, Bytes,
// Chars and one per score. Rows are a vector of document numbers: filtering by group, id
// substring, a row set (dropped only, borderline, sample) or a text search, and sorting,
// all produce a new vector that is swapped in under beginResetModel()/endResetModel().
// Above kAsyncRows documents the vector is computed on a worker from copies of the columns
// it needs, so a sort of a million rows never blocks the GUI thread.

#include "corpusdata.h"

#include <QAbstractTableModel>
#include <QFutureWatcher>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace shardscope {

class DocumentTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Roles {
        SortRole = Qt::UserRole, // raw number (or string for Id/Group)
        DocumentRole, // document number (qulonglong)
    };
    enum FixedColumn { FilterColumn, IdColumn, GroupColumn, BytesColumn, CharsColumn, FirstScoreColumn };
    static constexpr size_t kAsyncRows = 100000;

    explicit DocumentTableModel(QObject* parent = nullptr);
    ~DocumentTableModel() override;

    // A new corpus (or none): drops every filter, the sort and any running job.
    void setCorpus(std::shared_ptr<const CorpusData> corpus);
    const CorpusData* corpus() const { return m_corpus.get(); }
    // The corpus grew (scan in progress): appends the new documents that pass the filters,
    // unsorted, at the end. Call refresh() when the scan ends to sort them in.
    void documentsAppended();
    // Recomputes rows with the current filters and sort.
    void refresh();

    // Keep mask from the filter rules (1 = kept), or null; owned by the caller.
    void setKeepMask(const std::vector<uint8_t>* keep);

    // Labels (issue 23): per document 0 none, 1 bad, 2 good (kLabelBad, kLabelGood), or null. Owned by the caller;
    // call again when it changed. With labels the table has a Label column, the last one.
    static constexpr uint8_t kLabelBad = 1, kLabelGood = 2;
    void setLabelMask(const std::vector<uint8_t>* labels);
    int labelColumn() const;
    enum class LabelFilter { All, Labelled, Good, Bad, Unlabelled };
    void setLabelFilter(LabelFilter filter);
    LabelFilter labelFilter() const { return m_labelFilter; }

    // Rows of one group (-1: all groups).
    void setGroupFilter(int group);
    // Rows of several groups: shown[g] != 0 for each group shown; groups at or past shown.size()
    // (a scan still finding new ones) are shown when `othersShown`, so "all but one" stays true.
    // An empty `shown` with `othersShown` is no group filter.
    void setGroupFilter(std::vector<uint8_t> shown, bool othersShown);
    // -1: no group filter; the group when exactly one is shown; -2: several.
    int groupFilter() const;
    bool hasGroupFilter() const { return !m_groupShown.empty() || !m_groupOthers; }
    bool groupShown(uint32_t group) const
    {
        return group < m_groupShown.size() ? m_groupShown[group] != 0 : m_groupOthers;
    }
    void setIdFilter(const QString& substring);
    // Restrict to these documents (their order is kept while no sort is set), or all.
    void setRowSet(std::optional<std::vector<uint32_t>> docs);
    bool hasRowSet() const { return m_rowSet.has_value(); }

    // Background search of document text (the shards are read again, sequentially).
    void startTextSearch(const QString& needle, bool caseSensitive);
    void clearTextSearch();
    void cancelTextSearch();
    bool searchRunning() const { return m_searchRunning; }

    uint32_t docAt(int row) const { return m_rows[size_t(row)]; }
    int rowOfDoc(uint32_t doc) const;
    bool busy() const { return m_pendingJob != 0; }
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }
    const std::vector<uint32_t>& rows() const { return m_rows; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    // Computes the rows for these inputs; public for tests and the benchmark.
    struct RowQuery;
    static std::vector<uint32_t> computeRows(const RowQuery& q);

signals:
    void busyChanged(bool busy);
    void rowsRecomputed();
    void searchProgress(double fraction);
    void searchFinished(qulonglong matches, const QString& error);

private:
    std::unique_ptr<RowQuery> makeQuery() const;
    void applyRows(std::vector<uint32_t> rows);
    bool passesCheap(uint32_t doc) const;

    std::shared_ptr<const CorpusData> m_corpus;
    const std::vector<uint8_t>* m_keep = nullptr;
    const std::vector<uint8_t>* m_labels = nullptr;
    LabelFilter m_labelFilter = LabelFilter::All;
    std::vector<uint32_t> m_rows;
    size_t m_docsSeen = 0; // documents of the corpus considered so far
    std::vector<uint8_t> m_groupShown; // empty with m_groupOthers: no group filter
    bool m_groupOthers = true;
    std::string m_idFilter;
    std::optional<std::vector<uint32_t>> m_rowSet;
    std::optional<std::vector<uint8_t>> m_rowSetMask; // membership of m_rowSet, for appends
    std::optional<std::vector<uint8_t>> m_searchMask; // 1 = text matches
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    quint64 m_jobCounter = 0;
    quint64 m_pendingJob = 0;
    quint64 m_searchJob = 0;
    bool m_searchRunning = false;
    std::shared_ptr<std::atomic<bool>> m_searchStop;
};

// Inputs of a row computation: copies (or stable views) of what it reads, so it can run on a
// worker while the corpus keeps growing.
struct DocumentTableModel::RowQuery {
    size_t docs = 0;
    std::optional<std::vector<uint32_t>> rowSet;
    std::vector<uint8_t> searchMask; // empty: no text search
    std::vector<uint8_t> groupShown; // per group; with groupOthers for the rest
    bool groupOthers = true;
    bool groupFilter() const { return !groupShown.empty() || !groupOthers; }
    std::vector<uint32_t> groups; // filled when filtering or sorting by group
    std::string idFilter;
    std::vector<std::string_view> ids; // filled when filtering or sorting by id
    LabelFilter labelFilter = LabelFilter::All;
    std::vector<uint8_t> labels; // filled when filtering by label
    int sortColumn = -1;
    Qt::SortOrder order = Qt::AscendingOrder;
    std::vector<float> floatKeys; // score column
    std::vector<uint32_t> uintKeys; // bytes, chars, group rank, filter verdict
};

} // namespace shardscope
