#include "documenttablemodel.h"

#include "textsearch.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QLocale>
#include <QPalette>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace shardscope {

namespace {

// Order-preserving map of a float to uint32 (NaN handled by the caller).
inline uint32_t floatKey(float f)
{
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

// Sorts rows by 32-bit keys with missing values last in either order and ties by document
// number: one 64-bit key per row (missing bit, key, row), sorted with an LSD radix sort,
// about 10x faster than std::sort with a comparator at a million rows.
void sortByKeys(std::vector<uint32_t>& rows, const std::function<uint32_t(uint32_t)>& key,
    const std::function<bool(uint32_t)>& missing, bool descending)
{
    const size_t n = rows.size();
    std::vector<uint64_t> keys(n), tmp(n);
    std::vector<size_t> count(65537);
    for (size_t i = 0; i < n; ++i) {
        const uint32_t doc = rows[i];
        const bool miss = missing(doc);
        uint32_t k = miss ? 0 : key(doc);
        if (descending)
            k = ~k;
        // Row position (not doc) in the low 31 bits keeps the sort stable.
        keys[i] = (uint64_t(miss) << 63) | (uint64_t(k) << 31) | uint64_t(i);
    }
    // 16-bit digits: the low 31 bits are already unique per row, but sorting all 64 bits
    // keeps the permutation stable; skip passes whose digit is constant.
    for (int shift = 0; shift < 64; shift += 16) {
        std::fill(count.begin(), count.end(), 0);
        for (uint64_t k : keys)
            ++count[((k >> shift) & 0xffff) + 1];
        bool trivial = false;
        for (size_t b = 1; b <= 65536; ++b)
            if (count[b] == n) {
                trivial = true;
                break;
            }
        if (trivial)
            continue;
        for (size_t b = 1; b <= 65536; ++b)
            count[b] += count[b - 1];
        for (uint64_t k : keys)
            tmp[count[(k >> shift) & 0xffff]++] = k;
        keys.swap(tmp);
    }
    std::vector<uint32_t> out(n);
    for (size_t i = 0; i < n; ++i)
        out[i] = rows[size_t(keys[i] & 0x7fffffffu)];
    rows.swap(out);
}

QString formatScore(float v)
{
    if (std::isnan(v))
        return QStringLiteral("–");
    const double a = std::abs(double(v));
    if (a != 0 && (a >= 1e6 || a < 1e-3))
        return QString::number(double(v), 'g', 4);
    return QString::number(double(v), 'f', a >= 100 ? 1 : 4);
}

} // namespace

DocumentTableModel::DocumentTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

DocumentTableModel::~DocumentTableModel()
{
    if (m_searchStop)
        m_searchStop->store(true);
}

void DocumentTableModel::setCorpus(std::shared_ptr<const CorpusData> corpus)
{
    cancelTextSearch();
    beginResetModel();
    m_corpus = std::move(corpus);
    m_keep = nullptr;
    m_rows.clear();
    m_docsSeen = 0;
    m_groupShown.clear();
    m_groupOthers = true;
    m_idFilter.clear();
    m_rowSet.reset();
    m_rowSetMask.reset();
    m_searchMask.reset();
    m_sortColumn = -1;
    m_sortOrder = Qt::AscendingOrder;
    const bool wasBusy = m_pendingJob != 0;
    m_pendingJob = 0;
    if (m_corpus) {
        m_rows.resize(m_corpus->size());
        std::iota(m_rows.begin(), m_rows.end(), 0u);
        m_docsSeen = m_corpus->size();
    }
    endResetModel();
    if (wasBusy)
        emit busyChanged(false);
}

bool DocumentTableModel::passesCheap(uint32_t doc) const
{
    if (hasGroupFilter() && !groupShown(m_corpus->group(doc)))
        return false;
    if (m_rowSetMask && (doc >= m_rowSetMask->size() || !(*m_rowSetMask)[doc]))
        return false;
    if (m_searchMask && (doc >= m_searchMask->size() || !(*m_searchMask)[doc]))
        return false;
    if (!m_idFilter.empty() && m_corpus->rawId(doc).find(m_idFilter) == std::string_view::npos)
        return false;
    return true;
}

void DocumentTableModel::documentsAppended()
{
    if (!m_corpus)
        return;
    const size_t n = m_corpus->size();
    if (n <= m_docsSeen)
        return;
    if (m_pendingJob)
        return; // appended when the running job's rows arrive
    std::vector<uint32_t> add;
    for (size_t d = m_docsSeen; d < n; ++d)
        if (passesCheap(uint32_t(d)))
            add.push_back(uint32_t(d));
    m_docsSeen = n;
    if (add.empty())
        return;
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + add.size() - 1));
    m_rows.insert(m_rows.end(), add.begin(), add.end());
    endInsertRows();
}

void DocumentTableModel::setKeepMask(const std::vector<uint8_t>* keep)
{
    m_keep = keep;
    // Only the Filter column shows the verdict: the view repaints that column alone.
    if (!m_rows.empty()) {
        emit dataChanged(index(0, FilterColumn), index(int(m_rows.size()) - 1, FilterColumn),
            { Qt::DisplayRole, Qt::ForegroundRole, SortRole });
    }
}

void DocumentTableModel::setLabelMask(const std::vector<uint8_t>* labels)
{
    // The Label column comes and goes with the mask: the view is told, as for any column.
    const int col = FirstScoreColumn + (m_corpus ? int(m_corpus->columnCount()) : 0);
    if (!m_labels && labels) {
        beginInsertColumns({}, col, col);
        m_labels = labels;
        endInsertColumns();
    } else if (m_labels && !labels) {
        beginRemoveColumns({}, col, col);
        m_labels = nullptr;
        endRemoveColumns();
    }
    m_labels = labels;
    if (!m_labels)
        return;
    if (m_labelFilter != LabelFilter::All) {
        refresh();
    } else if (!m_rows.empty()) {
        const int col = labelColumn();
        emit dataChanged(index(0, col), index(int(m_rows.size()) - 1, col), { Qt::DisplayRole, SortRole });
    }
}

int DocumentTableModel::labelColumn() const
{
    return m_labels ? FirstScoreColumn + (m_corpus ? int(m_corpus->columnCount()) : 0) : -1;
}

void DocumentTableModel::setLabelFilter(LabelFilter filter)
{
    if (filter == m_labelFilter)
        return;
    m_labelFilter = filter;
    refresh();
}

void DocumentTableModel::setGroupFilter(int group)
{
    if (group < 0) {
        setGroupFilter({}, true);
        return;
    }
    std::vector<uint8_t> shown(size_t(group) + 1, 0);
    shown[size_t(group)] = 1;
    setGroupFilter(std::move(shown), false);
}

void DocumentTableModel::setGroupFilter(std::vector<uint8_t> shown, bool othersShown)
{
    // Trailing entries equal to the default say nothing: "all" is then always the empty mask.
    while (!shown.empty() && (shown.back() != 0) == othersShown)
        shown.pop_back();
    for (auto& s : shown)
        s = s ? 1 : 0;
    if (shown == m_groupShown && othersShown == m_groupOthers)
        return;
    m_groupShown = std::move(shown);
    m_groupOthers = othersShown;
    refresh();
}

int DocumentTableModel::groupFilter() const
{
    if (!hasGroupFilter())
        return -1;
    if (m_groupOthers)
        return -2;
    int one = -1;
    for (size_t g = 0; g < m_groupShown.size(); ++g)
        if (m_groupShown[g]) {
            if (one >= 0)
                return -2;
            one = int(g);
        }
    return one >= 0 ? one : -2;
}

void DocumentTableModel::setIdFilter(const QString& substring)
{
    std::string s = substring.toStdString();
    if (s == m_idFilter)
        return;
    m_idFilter = std::move(s);
    refresh();
}

void DocumentTableModel::setRowSet(std::optional<std::vector<uint32_t>> docs)
{
    m_rowSet = std::move(docs);
    m_rowSetMask.reset();
    if (m_rowSet && m_corpus) {
        std::vector<uint8_t> mask(m_corpus->size(), 0);
        for (uint32_t d : *m_rowSet)
            if (d < mask.size())
                mask[d] = 1;
        m_rowSetMask = std::move(mask);
    }
    refresh();
}

std::unique_ptr<DocumentTableModel::RowQuery> DocumentTableModel::makeQuery() const
{
    auto q = std::make_unique<RowQuery>();
    if (!m_corpus)
        return q;
    const CorpusData& c = *m_corpus;
    q->docs = c.size();
    q->rowSet = m_rowSet;
    if (m_searchMask)
        q->searchMask = *m_searchMask;
    q->groupShown = m_groupShown;
    q->groupOthers = m_groupOthers;
    q->idFilter = m_idFilter;
    q->sortColumn = m_sortColumn;
    q->order = m_sortOrder;
    if (hasGroupFilter() || m_sortColumn == GroupColumn)
        q->groups = c.groups();
    if (m_labels && m_labelFilter != LabelFilter::All) {
        q->labelFilter = m_labelFilter;
        q->labels = *m_labels;
    }
    if (!m_idFilter.empty() || m_sortColumn == IdColumn)
        q->ids = c.idViews();
    if (m_labels && m_sortColumn == labelColumn()) {
        q->uintKeys.assign(c.size(), 0);
        for (size_t i = 0; i < c.size() && i < m_labels->size(); ++i)
            q->uintKeys[i] = (*m_labels)[i];
    } else if (m_sortColumn >= FirstScoreColumn) {
        q->floatKeys = c.scores(size_t(m_sortColumn - FirstScoreColumn)).toVector();
    } else if (m_sortColumn == BytesColumn) {
        q->uintKeys = c.textBytesColumn();
    } else if (m_sortColumn == CharsColumn) {
        q->uintKeys = c.textCharsColumn();
    } else if (m_sortColumn == FilterColumn) {
        q->uintKeys.resize(c.size(), 1);
        if (m_keep)
            for (size_t i = 0; i < c.size() && i < m_keep->size(); ++i)
                q->uintKeys[i] = (*m_keep)[i];
    } else if (m_sortColumn == GroupColumn) {
        // Rank of each group name, so groups sort by name.
        const auto& names = c.groupNames();
        std::vector<uint32_t> order(names.size());
        std::iota(order.begin(), order.end(), 0u);
        std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return names[a] < names[b]; });
        std::vector<uint32_t> rank(names.size());
        for (size_t r = 0; r < order.size(); ++r)
            rank[order[r]] = uint32_t(r);
        q->uintKeys.resize(c.size());
        for (size_t i = 0; i < c.size(); ++i)
            q->uintKeys[i] = rank[c.group(i)];
    }
    return q;
}

std::vector<uint32_t> DocumentTableModel::computeRows(const RowQuery& q)
{
    std::vector<uint32_t> rows;
    const bool byGroup = q.groupFilter();
    auto groupShown = [&](uint32_t g) { return g < q.groupShown.size() ? q.groupShown[g] != 0 : q.groupOthers; };
    auto keep = [&](uint32_t d) {
        if (d >= q.docs)
            return false;
        if (byGroup && !groupShown(q.groups[d]))
            return false;
        if (!q.searchMask.empty() && (d >= q.searchMask.size() || !q.searchMask[d]))
            return false;
        if (!q.idFilter.empty() && q.ids[d].find(q.idFilter) == std::string_view::npos)
            return false;
        if (q.labelFilter != LabelFilter::All) {
            const uint8_t l = d < q.labels.size() ? q.labels[d] : 0;
            switch (q.labelFilter) {
            case LabelFilter::Labelled:
                return l != 0;
            case LabelFilter::Good:
                return l == kLabelGood;
            case LabelFilter::Bad:
                return l == kLabelBad;
            case LabelFilter::Unlabelled:
                return l == 0;
            case LabelFilter::All:
                break;
            }
        }
        return true;
    };
    const bool anyFilter = byGroup || !q.searchMask.empty() || !q.idFilter.empty() || q.labelFilter != LabelFilter::All;
    if (q.rowSet) {
        rows.reserve(q.rowSet->size());
        for (uint32_t d : *q.rowSet)
            if (keep(d))
                rows.push_back(d);
    } else if (!anyFilter) {
        rows.resize(q.docs);
        std::iota(rows.begin(), rows.end(), 0u);
    } else {
        for (uint32_t d = 0; d < q.docs; ++d)
            if (keep(d))
                rows.push_back(d);
    }
    const bool desc = q.order == Qt::DescendingOrder;
    if (q.sortColumn == IdColumn) {
        // Ids compare as strings; an empty id (record number instead) sorts first.
        std::stable_sort(rows.begin(), rows.end(),
            [&](uint32_t a, uint32_t b) { return desc ? q.ids[b] < q.ids[a] : q.ids[a] < q.ids[b]; });
    } else if (!q.floatKeys.empty()) {
        const float* k = q.floatKeys.data();
        sortByKeys(
            rows, [k](uint32_t d) { return floatKey(k[d]); }, [k](uint32_t d) { return std::isnan(k[d]); }, desc);
    } else if (!q.uintKeys.empty()) {
        const uint32_t* k = q.uintKeys.data();
        sortByKeys(
            rows, [k](uint32_t d) { return k[d]; }, [](uint32_t) { return false; }, desc);
    } else if (q.sortColumn < 0 && q.rowSet) {
        // No sort: the row set's own order (borderline lists are ordered by distance).
    }
    return rows;
}

void DocumentTableModel::applyRows(std::vector<uint32_t> rows)
{
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
    emit rowsRecomputed();
}

void DocumentTableModel::refresh()
{
    if (!m_corpus) {
        applyRows({});
        return;
    }
    auto q = makeQuery();
    m_docsSeen = q->docs;
    const quint64 job = ++m_jobCounter;
    if (q->docs < kAsyncRows) {
        const bool wasBusy = m_pendingJob != 0;
        m_pendingJob = 0;
        applyRows(computeRows(*q));
        if (wasBusy)
            emit busyChanged(false);
        return;
    }
    const bool wasBusy = m_pendingJob != 0;
    m_pendingJob = job;
    if (!wasBusy)
        emit busyChanged(true);
    std::shared_ptr<RowQuery> shared(std::move(q));
    // A continuation on `this` runs at once, inside this call, when the job has already finished by the time
    // .then() attaches it (a loaded machine, seen in CI): the rows would land before sort() returns and a sort
    // issued right after could not supersede them. Queue it, so results always land from the event loop.
    QtConcurrent::run([shared]() { return computeRows(*shared); }).then(this, [this, job](std::vector<uint32_t> rows) {
        QMetaObject::invokeMethod(
            this,
            [this, job, rows = std::move(rows)]() mutable {
                if (job != m_pendingJob)
                    return; // superseded by a newer filter, sort or corpus
                m_pendingJob = 0;
                applyRows(std::move(rows));
                emit busyChanged(false);
                // Documents that arrived while the job ran are appended unsorted.
                documentsAppended();
            },
            Qt::QueuedConnection);
    });
}

void DocumentTableModel::sort(int column, Qt::SortOrder order)
{
    if (column >= columnCount())
        column = -1;
    m_sortColumn = column;
    m_sortOrder = order;
    refresh();
}

int DocumentTableModel::rowOfDoc(uint32_t doc) const
{
    auto it = std::find(m_rows.begin(), m_rows.end(), doc);
    return it == m_rows.end() ? -1 : int(it - m_rows.begin());
}

void DocumentTableModel::startTextSearch(const QString& needle, bool caseSensitive)
{
    cancelTextSearch();
    if (!m_corpus || needle.isEmpty()) {
        clearTextSearch();
        return;
    }
    auto in = std::make_shared<TextSearchInput>();
    for (const auto& s : m_corpus->shards)
        in->shardPaths.push_back(s.path);
    in->fields = m_corpus->fields;
    in->shard = m_corpus->shardColumn();
    in->offset = m_corpus->offsetColumn();
    in->needle = needle.toStdString();
    in->caseSensitive = caseSensitive;
    auto stop = std::make_shared<std::atomic<bool>>(false);
    m_searchStop = stop;
    const quint64 job = ++m_jobCounter;
    m_searchJob = job;
    m_searchRunning = true;
    QPointer<DocumentTableModel> self(this);
    QtConcurrent::run([in, stop, self, job]() {
        return searchTexts(*in, *stop, [&](double f) {
            // Throttled by batch (~4 MB); queued to the GUI thread.
            QMetaObject::invokeMethod(
                self.data(),
                [self, job, f]() {
                    if (self && self->m_searchJob == job)
                        emit self->searchProgress(f);
                },
                Qt::QueuedConnection);
        });
    }).then(this, [this, job](TextSearchResult r) {
        if (job != m_searchJob)
            return;
        m_searchJob = 0; // progress still queued from the worker is stale now
        m_searchRunning = false;
        m_searchStop.reset();
        m_searchMask = std::move(r.mask);
        refresh();
        emit searchFinished(r.matches, QString::fromStdString(r.error));
    });
}

void DocumentTableModel::cancelTextSearch()
{
    if (m_searchStop)
        m_searchStop->store(true);
    m_searchStop.reset();
    if (m_searchRunning) {
        m_searchRunning = false;
        ++m_jobCounter;
        m_searchJob = 0;
        emit searchFinished(0, tr("cancelled"));
    }
}

void DocumentTableModel::clearTextSearch()
{
    cancelTextSearch();
    if (m_searchMask) {
        m_searchMask.reset();
        refresh();
    }
}

int DocumentTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int DocumentTableModel::columnCount(const QModelIndex& parent) const
{
    if (parent.isValid())
        return 0;
    return FirstScoreColumn + (m_corpus ? int(m_corpus->columnCount()) : 0) + (m_labels ? 1 : 0);
}

QVariant DocumentTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()) || !m_corpus)
        return {};
    const uint32_t doc = m_rows[size_t(index.row())];
    const CorpusData& c = *m_corpus;
    if (doc >= c.size())
        return {};
    const int col = index.column();
    const bool kept = !m_keep || doc >= m_keep->size() || (*m_keep)[doc];
    if (m_labels && col == labelColumn()) {
        const uint8_t l = doc < m_labels->size() ? (*m_labels)[doc] : 0;
        if (role == Qt::DisplayRole)
            return l == kLabelGood ? tr("good") : l == kLabelBad ? tr("bad") : QString();
        if (role == SortRole)
            return int(l);
        if (role == DocumentRole)
            return qulonglong(doc);
        if (role == Qt::ForegroundRole && l != 0)
            return QBrush(l == kLabelGood ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28));
        return {};
    }
    switch (role) {
    case Qt::DisplayRole:
        switch (col) {
        case FilterColumn:
            return kept ? tr("kept") : tr("dropped");
        case IdColumn:
            return QString::fromStdString(c.idOf(doc));
        case GroupColumn:
            return QString::fromStdString(c.groupNames()[c.group(doc)]);
        case BytesColumn:
            return QLocale().toString(qulonglong(c.textBytes(doc)));
        case CharsColumn:
            return QLocale().toString(qulonglong(c.textChars(doc)));
        default: {
            const size_t sc = size_t(col - FirstScoreColumn);
            const float v = c.scores(sc)[doc];
            const auto& cats = c.columns()[sc].categories;
            if (!cats.empty() && !std::isnan(v) && v >= 0 && size_t(v) < cats.size())
                return QString::fromStdString(cats[size_t(v)]);
            return formatScore(v);
        }
        }
    case SortRole:
        switch (col) {
        case FilterColumn:
            return kept ? 1 : 0;
        case IdColumn:
            return QString::fromStdString(c.idOf(doc));
        case GroupColumn:
            return QString::fromStdString(c.groupNames()[c.group(doc)]);
        case BytesColumn:
            return qulonglong(c.textBytes(doc));
        case CharsColumn:
            return qulonglong(c.textChars(doc));
        default:
            return double(c.scores(size_t(col - FirstScoreColumn))[doc]);
        }
    case DocumentRole:
        return qulonglong(doc);
    case Qt::TextAlignmentRole:
        if (col >= BytesColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ForegroundRole:
        if (col == FilterColumn)
            return QBrush(kept ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28));
        return {};
    case Qt::ToolTipRole:
        // The view elides long ids and group names in the middle; the tip has them whole.
        if (col == IdColumn)
            return QString::fromStdString(c.idOf(doc));
        if (col == GroupColumn)
            return QString::fromStdString(c.groupNames()[c.group(doc)]);
        return {};
    default:
        return {};
    }
}

QVariant DocumentTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole && m_labels && section == labelColumn())
        return tr("Label");
    if (role == Qt::DisplayRole) {
        switch (section) {
        case FilterColumn:
            return tr("Filter");
        case IdColumn:
            return tr("Id");
        case GroupColumn:
            return tr("Group");
        case BytesColumn:
            return tr("Bytes");
        case CharsColumn:
            return tr("Chars");
        default:
            if (m_corpus && section - FirstScoreColumn < int(m_corpus->columnCount()))
                return QString::fromStdString(m_corpus->columns()[size_t(section - FirstScoreColumn)].name);
            return {};
        }
    }
    if (role == Qt::ToolTipRole && section >= FirstScoreColumn && m_corpus
        && section - FirstScoreColumn < int(m_corpus->columnCount()))
        return QString::fromStdString(m_corpus->columns()[size_t(section - FirstScoreColumn)].definition);
    return {};
}

} // namespace shardscope
