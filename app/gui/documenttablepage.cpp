#include "documenttablepage.h"

#include <documenttablemodel.h>
#include <filterevaluator.h>

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace shardscope {

DocumentTablePage::DocumentTablePage(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->setSpacing(4);
    auto* bar = new QHBoxLayout;
    m_groupFilter = new QComboBox(this);
    m_groupFilter->setObjectName(QStringLiteral("groupFilter"));
    m_groupFilter->setMinimumContentsLength(8);
    m_groupFilter->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_idFilter = new QLineEdit(this);
    m_idFilter->setObjectName(QStringLiteral("idFilter"));
    m_idFilter->setPlaceholderText(tr("Filter ids…"));
    m_idFilter->setClearButtonEnabled(true);
    m_idFilter->setMinimumWidth(120);
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("textSearch"));
    m_search->setPlaceholderText(tr("Search text (Enter)…"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(160);
    m_searchCase = new QCheckBox(tr("Aa"), this);
    m_searchCase->setToolTip(tr("Case-sensitive text search"));
    m_searchButton = new QPushButton(tr("Search"), this);
    m_rowsLabel = new QLabel(this);
    bar->addWidget(new QLabel(tr("Group:"), this));
    bar->addWidget(m_groupFilter);
    bar->addWidget(m_idFilter, 1);
    bar->addWidget(m_search, 2);
    bar->addWidget(m_searchCase);
    bar->addWidget(m_searchButton);
    bar->addWidget(m_rowsLabel);
    layout->addLayout(bar);

    m_model = new DocumentTableModel(this);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("documentTable"));
    m_table->setModel(m_model);
    m_table->setSortingEnabled(true);
    auto* header = m_table->horizontalHeader();
    header->setSortIndicatorShown(true);
    header->setSortIndicator(-1, Qt::AscendingOrder);
    header->setSectionsMovable(true);
    header->setToolTip(tr("Click to sort; press S in the table to sort by the current column"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    // Fixed row heights: QTableView then never measures a million rows.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->verticalHeader()->setVisible(false);
    layout->addWidget(m_table, 1);

    // Keyboard sorting: S sorts by the current column, again to reverse.
    auto* sortAction = new QAction(tr("Sort by Current Column"), m_table);
    sortAction->setShortcut(QKeySequence(Qt::Key_S));
    sortAction->setShortcutContext(Qt::WidgetShortcut);
    m_table->addAction(sortAction);
    connect(sortAction, &QAction::triggered, this, [this]() {
        const int col = m_table->currentIndex().isValid() ? m_table->currentIndex().column() : 0;
        const auto* header = m_table->horizontalHeader();
        const Qt::SortOrder order
            = header->sortIndicatorSection() == col && header->sortIndicatorOrder() == Qt::AscendingOrder
            ? Qt::DescendingOrder
            : Qt::AscendingOrder;
        m_table->sortByColumn(col, order);
    });

    connect(m_groupFilter, &QComboBox::currentIndexChanged, this, [this]() {
        m_model->setGroupFilter(m_groupFilter->currentData().isValid() ? m_groupFilter->currentData().toInt() : -1);
    });
    auto* idTimer = new QTimer(this);
    idTimer->setSingleShot(true);
    idTimer->setInterval(150);
    connect(m_idFilter, &QLineEdit::textChanged, idTimer, qOverload<>(&QTimer::start));
    connect(idTimer, &QTimer::timeout, this, [this]() { m_model->setIdFilter(m_idFilter->text()); });
    connect(m_search, &QLineEdit::returnPressed, this, &DocumentTablePage::startSearch);
    connect(m_searchButton, &QPushButton::clicked, this, &DocumentTablePage::startSearch);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString& t) {
        if (t.isEmpty())
            m_model->clearTextSearch();
    });
    connect(m_model, &DocumentTableModel::searchProgress, this,
        [this](double f) { m_searchButton->setText(tr("Stop (%1%)").arg(int(f * 100))); });
    connect(m_model, &DocumentTableModel::searchFinished, this, [this](qulonglong matches, const QString& error) {
        m_searchButton->setText(tr("Search"));
        if (!error.isEmpty() && error != tr("cancelled"))
            Q_EMIT errorMessage(tr("Text search"), tr("The search stopped early: %1").arg(error));
        else if (error.isEmpty())
            Q_EMIT statusMessage(tr("%L1 documents contain \"%2\"").arg(matches).arg(m_search->text()), 5000);
    });
    connect(m_model, &DocumentTableModel::rowsRecomputed, this, &DocumentTablePage::updateRowsLabel);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &DocumentTablePage::updateRowsLabel);
    connect(m_model, &DocumentTableModel::busyChanged, this, &DocumentTablePage::updateRowsLabel);
    connect(
        m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
            if (current.isValid())
                Q_EMIT documentSelected(m_model->docAt(current.row()));
        });
    setCorpus(nullptr);
}

void DocumentTablePage::startSearch()
{
    if (m_model->searchRunning()) {
        m_model->cancelTextSearch();
        return;
    }
    if (m_search->text().isEmpty()) {
        m_model->clearTextSearch();
        return;
    }
    m_searchButton->setText(tr("Stop"));
    m_model->startTextSearch(m_search->text(), m_searchCase->isChecked());
}

void DocumentTablePage::updateRowsLabel()
{
    if (!m_corpus) {
        m_rowsLabel->clear();
        return;
    }
    m_rowsLabel->setText(m_model->busy()
            ? tr("sorting…")
            : tr("%L1 of %L2 rows").arg(m_model->rowCount()).arg(qulonglong(m_corpus->size())));
}

void DocumentTablePage::setCorpus(std::shared_ptr<const CorpusData> corpus)
{
    const bool another = !corpus || !m_corpus;
    m_corpus = std::move(corpus);
    m_model->setCorpus(m_corpus);
    if (!m_corpus) {
        {
            const QSignalBlocker b(m_groupFilter);
            m_groupFilter->clear();
            m_groupFilter->addItem(tr("All groups"));
        }
        m_groupsShown = 1; // group 0 is "no group"
        m_idFilter->clear();
        m_search->clear();
        return;
    }
    syncGroups();
    if (!another)
        return;
    auto* header = m_table->horizontalHeader();
    header->resizeSection(DocumentTableModel::FilterColumn, 64);
    header->resizeSection(DocumentTableModel::IdColumn, 260);
    header->resizeSection(DocumentTableModel::GroupColumn, 170);
    for (int c = DocumentTableModel::BytesColumn; c < m_model->columnCount(); ++c)
        header->resizeSection(c, 80);
}

void DocumentTablePage::syncGroups()
{
    if (!m_corpus || m_corpus->groupNames().size() <= m_groupsShown)
        return;
    const QSignalBlocker b(m_groupFilter);
    for (size_t g = m_groupsShown; g < m_corpus->groupNames().size(); ++g) {
        const auto& n = m_corpus->groupNames()[g];
        m_groupFilter->addItem(n.empty() ? tr("(no group)") : QString::fromStdString(n), int(g));
    }
    m_groupsShown = m_corpus->groupNames().size();
}

void DocumentTablePage::documentsAppended()
{
    m_model->documentsAppended();
    syncGroups();
}

void DocumentTablePage::setKeepMask(const std::vector<uint8_t>* keep)
{
    m_model->setKeepMask(keep);
}

void DocumentTablePage::showView(
    ThresholdPanel::View view, int sampleSize, const std::vector<uint8_t>& keep, const std::vector<FilterRule>& rules)
{
    if (!m_corpus)
        return;
    switch (view) {
    case ThresholdPanel::View::All:
        m_model->setRowSet(std::nullopt);
        break;
    case ThresholdPanel::View::Kept:
        m_model->setRowSet(FilterEvaluator::kept(keep));
        break;
    case ThresholdPanel::View::Dropped:
        m_model->setRowSet(FilterEvaluator::dropped(keep));
        break;
    case ThresholdPanel::View::Borderline: {
        FilterEvaluator ev;
        ev.setRules(rules);
        // Distance order is the point of this view: drop any sort so it shows.
        m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
        m_model->setRowSet(ev.borderline(*m_corpus, size_t(sampleSize)));
        break;
    }
    case ThresholdPanel::View::RandomDropped:
        m_model->setRowSet(
            FilterEvaluator::randomDropped(keep, size_t(sampleSize), uint64_t(QDateTime::currentMSecsSinceEpoch())));
        break;
    }
}

void DocumentTablePage::reselect(std::optional<uint32_t> doc)
{
    if (!doc)
        return;
    const int row = m_model->rowOfDoc(*doc);
    if (row < 0)
        return;
    const QSignalBlocker b(m_table->selectionModel());
    m_table->setCurrentIndex(m_model->index(row, std::max(0, m_table->currentIndex().column())));
    m_table->scrollTo(m_model->index(row, 0));
}

} // namespace shardscope
