#include "documenttablepage.h"

#include <documenttablemodel.h>
#include <filterevaluator.h>

#include <QAction>
#include <QCheckBox>
#include <QDateTime>
#include <QEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMouseEvent>
#include <QPushButton>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <array>

namespace shardscope {

DocumentTablePage::DocumentTablePage(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->setSpacing(4);
    auto* bar = new QHBoxLayout;
    // Groups: a checkable list in a popup, so several groups (or all but one) can be shown.
    m_groupFilter = new QToolButton(this);
    m_groupFilter->setObjectName(QStringLiteral("groupFilter"));
    m_groupFilter->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_groupFilter->setToolTip(tr("Groups shown in the table"));
    m_groupFilter->setMinimumWidth(90);
    m_groupPopup = new QFrame(this, Qt::Popup);
    m_groupPopup->setObjectName(QStringLiteral("groupPopup"));
    m_groupPopup->setFrameShape(QFrame::StyledPanel);
    auto* popupLayout = new QVBoxLayout(m_groupPopup);
    popupLayout->setContentsMargins(4, 4, 4, 4);
    m_groupList = new QListWidget(m_groupPopup);
    m_groupList->setObjectName(QStringLiteral("groupList"));
    m_groupList->setTextElideMode(Qt::ElideMiddle);
    m_groupList->setUniformItemSizes(true);
    m_groupList->setMinimumWidth(260);
    popupLayout->addWidget(m_groupList, 1);
    auto* groupButtons = new QHBoxLayout;
    auto addGroupButton = [&](const char* name, const QString& text, const QString& tip) {
        auto* b = new QPushButton(text, m_groupPopup);
        b->setObjectName(QLatin1String(name));
        b->setToolTip(tip);
        b->setAutoDefault(false);
        groupButtons->addWidget(b);
        return b;
    };
    auto* allGroups = addGroupButton("allGroups", tr("All"), tr("Show every group"));
    auto* onlyGroup = addGroupButton("onlyGroup", tr("Only this"), tr("Show the current group alone"));
    auto* allButGroup
        = addGroupButton("allButGroup", tr("All but this"), tr("Show every group except the current one"));
    popupLayout->addLayout(groupButtons);
    connect(m_groupFilter, &QToolButton::clicked, this, [this]() {
        m_groupPopup->adjustSize();
        m_groupPopup->move(m_groupFilter->mapToGlobal(QPoint(0, m_groupFilter->height())));
        m_groupPopup->show();
        m_groupList->setFocus();
    });
    connect(m_groupList, &QListWidget::itemChanged, this, [this]() { applyGroupChecks(); });
    connect(allGroups, &QPushButton::clicked, this, &DocumentTablePage::showAllGroups);
    auto currentGroup = [this]() -> std::optional<uint32_t> {
        const QListWidgetItem* item = m_groupList->currentItem();
        if (!item)
            return std::nullopt;
        return item->data(Qt::UserRole).toUInt();
    };
    connect(onlyGroup, &QPushButton::clicked, this, [this, currentGroup]() {
        if (const auto g = currentGroup())
            showOnlyGroups({ *g });
    });
    connect(allButGroup, &QPushButton::clicked, this, [this, currentGroup]() {
        if (const auto g = currentGroup())
            showAllGroupsBut(*g);
    });
    m_columnButton = new QToolButton(this);
    m_columnButton->setObjectName(QStringLiteral("columnChooser"));
    m_columnButton->setText(tr("Columns"));
    m_columnButton->setToolTip(tr("Choose the columns shown, or a preset by scorer family"));
    m_columnButton->setPopupMode(QToolButton::InstantPopup);
    m_columnMenu = new QMenu(m_columnButton);
    m_columnMenu->setObjectName(QStringLiteral("columnMenu"));
    m_columnButton->setMenu(m_columnMenu);
    // Built when opened: a scan can still add score columns.
    connect(m_columnMenu, &QMenu::aboutToShow, this, &DocumentTablePage::fillColumnMenu);
    m_idFilter = new QLineEdit(this);
    m_idFilter->setObjectName(QStringLiteral("idFilter"));
    m_idFilter->setPlaceholderText(tr("Filter ids…"));
    m_idFilter->setClearButtonEnabled(true);
    m_idFilter->setMinimumWidth(90);
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("textSearch"));
    m_search->setPlaceholderText(tr("Search text (Enter)…"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(120);
    m_searchCase = new QCheckBox(tr("Aa"), this);
    m_searchCase->setToolTip(tr("Case-sensitive text search"));
    m_searchButton = new QPushButton(tr("Search"), this);
    m_searchButton->setObjectName(QStringLiteral("searchButton"));
    m_rowsLabel = new QLabel(this);
    bar->addWidget(new QLabel(tr("Groups:"), this));
    bar->addWidget(m_groupFilter);
    bar->addWidget(m_columnButton);
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
    // Ascending, descending, then unsorted: the rows' own order (a view's, such as Borderline's
    // nearest-the-cutoff-first) is one click away.
    header->setSortIndicatorClearable(true);
    header->setSectionsMovable(true);
    header->setToolTip(tr("Click to sort, again to reverse, a third time for the view's own order; press S in the "
                          "table to sort by the current column"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    // Ids and group names of one corpus share prefixes ("sa/easy-ham-…"): keep both ends.
    m_table->setTextElideMode(Qt::ElideMiddle);
    // Fixed row heights: QTableView then never measures a million rows.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->verticalHeader()->setVisible(false);
    layout->addWidget(m_table, 1);

    // The id names each row, so it stays in view when the table scrolls sideways through dozens
    // of score columns: a second view over the same model and selection shows the id column alone
    // over the table's left edge (Qt's frozen-column pattern), only while the table is scrolled.
    // It gets the model only when first shown (attachFrozenColumn): a view over the model keeps one header
    // section per row, and building them for millions of rows was half the table's cost on every reset (issue 21).
    m_frozen = new QTableView(m_table);
    m_frozen->setObjectName(QStringLiteral("frozenIdColumn"));
    m_frozen->setFocusPolicy(Qt::NoFocus);
    m_frozen->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_frozen->setSelectionMode(QAbstractItemView::SingleSelection);
    m_frozen->setAlternatingRowColors(true);
    m_frozen->setWordWrap(false);
    m_frozen->setTextElideMode(Qt::ElideMiddle);
    m_frozen->verticalHeader()->setVisible(false);
    m_frozen->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_frozen->verticalHeader()->setDefaultSectionSize(m_table->verticalHeader()->defaultSectionSize());
    m_frozen->horizontalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_frozen->horizontalHeader()->setSortIndicatorShown(true);
    m_frozen->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_frozen->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_frozen->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_frozen->setFrameShape(QFrame::NoFrame);
    m_frozen->setStyleSheet(QStringLiteral("QTableView#frozenIdColumn { border-right: 1px solid palette(mid); }"));
    m_frozen->hide();
    connect(m_frozen->verticalScrollBar(), &QAbstractSlider::valueChanged, m_table->verticalScrollBar(),
        &QAbstractSlider::setValue);
    connect(m_table->verticalScrollBar(), &QAbstractSlider::valueChanged, m_frozen->verticalScrollBar(),
        &QAbstractSlider::setValue);
    connect(
        m_table->horizontalScrollBar(), &QAbstractSlider::valueChanged, this, &DocumentTablePage::updateFrozenColumn);
    connect(
        m_table->horizontalScrollBar(), &QAbstractSlider::rangeChanged, this, &DocumentTablePage::updateFrozenColumn);
    connect(m_table->horizontalHeader(), &QHeaderView::sectionResized, this, &DocumentTablePage::updateFrozenColumn);
    connect(m_table->horizontalHeader(), &QHeaderView::sortIndicatorChanged, m_frozen->horizontalHeader(),
        &QHeaderView::setSortIndicator);
    // A click on the frozen header sorts the table, as a click on the id column's own header.
    m_frozen->horizontalHeader()->setSectionsClickable(true);
    connect(m_frozen->horizontalHeader(), &QHeaderView::sectionClicked, this, [this](int column) {
        const auto* h = m_table->horizontalHeader();
        m_table->sortByColumn(column,
            h->sortIndicatorSection() == column && h->sortIndicatorOrder() == Qt::AscendingOrder ? Qt::DescendingOrder
                                                                                                 : Qt::AscendingOrder);
    });
    // Hidden, it lets the model go before a reset rebuilds its sections for nothing.
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this, [this]() {
        if (m_frozen->isHidden() && m_frozen->model() == m_model)
            m_frozen->setModel(nullptr);
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, &DocumentTablePage::updateFrozenColumn);
    connect(m_model, &QAbstractItemModel::columnsInserted, this, &DocumentTablePage::placeLabelColumn);
    connect(m_model, &QAbstractItemModel::modelReset, this, &DocumentTablePage::placeLabelColumn);
    connect(m_model, &QAbstractItemModel::columnsInserted, this, &DocumentTablePage::updateFrozenColumn);
    m_table->installEventFilter(this);
    m_frozen->viewport()->installEventFilter(this);

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

    // The id column names the row: it stays the first column, wherever the others are dragged.
    connect(header, &QHeaderView::sectionMoved, this, &DocumentTablePage::keepIdColumnFirst);
    auto* idTimer = new QTimer(this);
    idTimer->setSingleShot(true);
    idTimer->setInterval(150);
    connect(m_idFilter, &QLineEdit::textChanged, idTimer, qOverload<>(&QTimer::start));
    connect(idTimer, &QTimer::timeout, this, [this]() { m_model->setIdFilter(m_idFilter->text()); });
    connect(m_search, &QLineEdit::returnPressed, this, &DocumentTablePage::startSearch);
    connect(m_searchButton, &QPushButton::clicked, this, &DocumentTablePage::startSearch);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString& t) {
        if (t.isEmpty()) {
            m_model->clearTextSearch();
            if (!m_highlight.isEmpty()) {
                m_highlight.clear();
                Q_EMIT searchHighlightChanged({}, false);
            }
        }
    });
    connect(m_model, &DocumentTableModel::searchProgress, this,
        [this](double f) { m_searchButton->setText(tr("Stop (%1%)").arg(int(f * 100))); });
    connect(m_model, &DocumentTableModel::searchFinished, this, [this](qulonglong matches, const QString& error) {
        m_searchButton->setText(tr("Search"));
        if (!error.isEmpty() && error != tr("cancelled"))
            Q_EMIT errorMessage(tr("Text search"), tr("The search stopped early: %1").arg(error));
        else if (error.isEmpty()) {
            Q_EMIT statusMessage(tr("%L1 documents contain \"%2\"").arg(matches).arg(m_search->text()), 5000);
            m_highlight = m_search->text();
            Q_EMIT searchHighlightChanged(m_highlight, m_searchCase->isChecked());
        }
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
    {
        const QSignalBlocker b(m_groupList);
        m_groupList->clear();
    }
    m_groupsShown = 1; // group 0 is "no group": not listed, it follows "all but" or "only"
    m_groupOthers = true;
    // The model dropped its text search with the corpus: so does the viewer's highlight.
    if (!m_highlight.isEmpty()) {
        m_highlight.clear();
        Q_EMIT searchHighlightChanged({}, false);
    }
    if (!m_corpus) {
        m_idFilter->clear();
        m_search->clear();
        updateGroupButton();
        return;
    }
    syncGroups();
    updateGroupButton();
    updateRowsLabel();
    if (!another)
        return;
    auto* header = m_table->horizontalHeader();
    for (int c = 0; c < m_model->columnCount(); ++c)
        header->setSectionHidden(c, false);
    header->resizeSection(DocumentTableModel::FilterColumn, 64);
    header->resizeSection(DocumentTableModel::IdColumn, 260);
    header->resizeSection(DocumentTableModel::GroupColumn, 170);
    for (int c = DocumentTableModel::BytesColumn; c < m_model->columnCount(); ++c)
        header->resizeSection(c, 80);
    keepIdColumnFirst();
}

void DocumentTablePage::syncGroups()
{
    if (!m_corpus || m_corpus->groupNames().size() <= m_groupsShown)
        return;
    const QSignalBlocker b(m_groupList);
    for (size_t g = m_groupsShown; g < m_corpus->groupNames().size(); ++g) {
        const auto& n = m_corpus->groupNames()[g];
        const QString name = n.empty() ? tr("(no group)") : QString::fromStdString(n);
        auto* item = new QListWidgetItem(name, m_groupList);
        item->setToolTip(name);
        item->setData(Qt::UserRole, uint(g));
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
        // A group found later in a scan follows the mode: shown unless only chosen groups are.
        item->setCheckState(m_groupOthers ? Qt::Checked : Qt::Unchecked);
    }
    m_groupsShown = m_corpus->groupNames().size();
    updateGroupButton();
}

void DocumentTablePage::applyGroupChecks()
{
    std::vector<uint8_t> shown(m_corpus ? m_corpus->groupNames().size() : 0, m_groupOthers ? 1 : 0);
    for (int i = 0; i < m_groupList->count(); ++i) {
        const QListWidgetItem* item = m_groupList->item(i);
        const uint g = item->data(Qt::UserRole).toUInt();
        if (g < shown.size())
            shown[g] = item->checkState() == Qt::Checked;
    }
    m_model->setGroupFilter(std::move(shown), m_groupOthers);
    updateGroupButton();
}

void DocumentTablePage::showOnlyGroups(const std::vector<uint32_t>& groups)
{
    m_groupOthers = false;
    {
        const QSignalBlocker b(m_groupList);
        for (int i = 0; i < m_groupList->count(); ++i) {
            QListWidgetItem* item = m_groupList->item(i);
            const uint32_t g = item->data(Qt::UserRole).toUInt();
            const bool on = std::find(groups.begin(), groups.end(), g) != groups.end();
            item->setCheckState(on ? Qt::Checked : Qt::Unchecked);
        }
    }
    applyGroupChecks();
}

void DocumentTablePage::showAllGroupsBut(uint32_t group)
{
    m_groupOthers = true;
    {
        const QSignalBlocker b(m_groupList);
        for (int i = 0; i < m_groupList->count(); ++i) {
            QListWidgetItem* item = m_groupList->item(i);
            item->setCheckState(item->data(Qt::UserRole).toUInt() == group ? Qt::Unchecked : Qt::Checked);
        }
    }
    applyGroupChecks();
}

void DocumentTablePage::showAllGroups()
{
    m_groupOthers = true;
    {
        const QSignalBlocker b(m_groupList);
        for (int i = 0; i < m_groupList->count(); ++i)
            m_groupList->item(i)->setCheckState(Qt::Checked);
    }
    applyGroupChecks();
}

QString DocumentTablePage::groupFilterText() const
{
    QStringList on, off;
    for (int i = 0; i < m_groupList->count(); ++i)
        (m_groupList->item(i)->checkState() == Qt::Checked ? on : off) << m_groupList->item(i)->text();
    // Said as the user chose it: "all but" shows groups a running scan finds later, "only" does not.
    if (m_groupOthers) {
        if (off.isEmpty())
            return tr("All groups");
        if (off.size() == 1)
            return tr("All but %1").arg(off.front());
        return tr("All but %1 groups").arg(off.size());
    }
    if (on.size() == 1)
        return on.front();
    if (on.isEmpty())
        return tr("No groups");
    return tr("%1 groups").arg(on.size());
}

void DocumentTablePage::updateGroupButton()
{
    const QString text = groupFilterText();
    // Elided in the middle: group names of one corpus often share a prefix ("web/en/…").
    m_groupFilter->setText(m_groupFilter->fontMetrics().elidedText(text, Qt::ElideMiddle, 220));
    m_groupFilter->setToolTip(tr("Groups shown in the table: %1").arg(text));
    m_groupFilter->setEnabled(m_groupList->count() > 1 || m_model->hasGroupFilter());
}

DocumentTablePage::ColumnPreset DocumentTablePage::columnFamily(const QString& column)
{
    static const char* const compression[] = { "zlib", "zstd", "lzma", "xz", "brotli", "bz2", "gzip" };
    for (const char* p : compression)
        if (column.startsWith(QLatin1String(p)))
            return ColumnPreset::Compression;
    if (column.startsWith(QLatin1String("gopher_")))
        return ColumnPreset::Gopher;
    if (column.startsWith(QLatin1String("c4_")))
        return ColumnPreset::C4;
    if (column.startsWith(QLatin1String("fineweb_")))
        return ColumnPreset::FineWeb;
    if (column.startsWith(QLatin1String("lm_")))
        return ColumnPreset::LanguageModel;
    // The language label and its score, and the script statistics of the hygiene scorer.
    if (column == QLatin1String("lang") || column.startsWith(QLatin1String("lang_"))
        || column.contains(QLatin1String("script")))
        return ColumnPreset::Language;
    return ColumnPreset::All; // no family: shown by "All columns" only
}

QString DocumentTablePage::presetName(ColumnPreset preset)
{
    switch (preset) {
    case ColumnPreset::All:
        return tr("All Columns");
    case ColumnPreset::Compression:
        return tr("Compression");
    case ColumnPreset::Gopher:
        return tr("Gopher");
    case ColumnPreset::C4:
        return tr("C4");
    case ColumnPreset::FineWeb:
        return tr("FineWeb");
    case ColumnPreset::LanguageModel:
        return tr("Language Model");
    case ColumnPreset::Language:
        return tr("Language");
    }
    return {};
}

void DocumentTablePage::setColumnShown(int column, bool shown)
{
    if (column == DocumentTableModel::IdColumn)
        shown = true; // the id names the row: never hidden
    m_table->horizontalHeader()->setSectionHidden(column, !shown);
}

void DocumentTablePage::applyColumnPreset(ColumnPreset preset)
{
    if (!m_corpus)
        return;
    for (int c = 0; c < DocumentTableModel::FirstScoreColumn; ++c)
        setColumnShown(c, true);
    for (size_t i = 0; i < m_corpus->columnCount(); ++i) {
        const QString name = QString::fromStdString(m_corpus->columns()[i].name);
        setColumnShown(
            DocumentTableModel::FirstScoreColumn + int(i), preset == ColumnPreset::All || columnFamily(name) == preset);
    }
    m_table->horizontalScrollBar()->setValue(0);
}

QStringList DocumentTablePage::shownScoreColumns() const
{
    QStringList out;
    if (!m_corpus)
        return out;
    const auto* header = m_table->horizontalHeader();
    for (size_t i = 0; i < m_corpus->columnCount(); ++i)
        if (!header->isSectionHidden(DocumentTableModel::FirstScoreColumn + int(i)))
            out << QString::fromStdString(m_corpus->columns()[i].name);
    return out;
}

void DocumentTablePage::fillColumnMenu()
{
    m_columnMenu->clear();
    if (!m_corpus)
        return;
    constexpr std::array families { ColumnPreset::Compression, ColumnPreset::Gopher, ColumnPreset::C4,
        ColumnPreset::FineWeb, ColumnPreset::LanguageModel, ColumnPreset::Language };
    std::vector<std::vector<int>> byFamily(families.size() + 1); // the last: columns of no family
    for (size_t i = 0; i < m_corpus->columnCount(); ++i) {
        const auto f = columnFamily(QString::fromStdString(m_corpus->columns()[i].name));
        const auto it = std::find(families.begin(), families.end(), f);
        byFamily[size_t(it - families.begin())].push_back(DocumentTableModel::FirstScoreColumn + int(i));
    }
    m_columnMenu->addSection(tr("Presets"));
    m_columnMenu->addAction(presetName(ColumnPreset::All), this, [this]() { applyColumnPreset(ColumnPreset::All); });
    for (size_t f = 0; f < families.size(); ++f) {
        const ColumnPreset preset = families[f];
        QAction* a = m_columnMenu->addAction(tr("%1 (%2)").arg(presetName(preset)).arg(byFamily[f].size()), this,
            [this, preset]() { applyColumnPreset(preset); });
        a->setEnabled(!byFamily[f].empty());
    }
    auto* header = m_table->horizontalHeader();
    auto addToggle = [this, header](QMenu* menu, int column) {
        QAction* a = menu->addAction(m_model->headerData(column, Qt::Horizontal).toString());
        a->setCheckable(true);
        a->setChecked(!header->isSectionHidden(column));
        a->setToolTip(m_model->headerData(column, Qt::Horizontal, Qt::ToolTipRole).toString());
        connect(a, &QAction::toggled, this, [this, column](bool on) { setColumnShown(column, on); });
    };
    m_columnMenu->addSection(tr("Columns"));
    QMenu* doc = m_columnMenu->addMenu(tr("Document"));
    doc->setToolTipsVisible(true);
    for (int c : { int(DocumentTableModel::FilterColumn), int(DocumentTableModel::GroupColumn),
             int(DocumentTableModel::BytesColumn), int(DocumentTableModel::CharsColumn) })
        addToggle(doc, c);
    for (size_t f = 0; f <= families.size(); ++f) {
        if (byFamily[f].empty())
            continue;
        QMenu* sub = m_columnMenu->addMenu(f < families.size() ? presetName(families[f]) : tr("Other"));
        sub->setToolTipsVisible(true);
        for (int c : byFamily[f])
            addToggle(sub, c);
    }
}

void DocumentTablePage::updateFrozenColumn()
{
    const int id = DocumentTableModel::IdColumn;
    // Needed only once the id column has scrolled (partly) out of view on the left.
    const bool scrolled = m_table->horizontalScrollBar()->value() > 0 && m_table->columnViewportPosition(id) < 0;
    if (!scrolled) {
        m_frozen->hide();
        return;
    }
    if (m_frozen->model() != m_model) {
        m_frozen->setModel(m_model);
        m_frozen->setSelectionModel(m_table->selectionModel());
        m_frozen->doItemsLayout(); // its scroll range, so that the row offset below holds
        const auto* h = m_table->horizontalHeader();
        m_frozen->horizontalHeader()->setSortIndicator(h->sortIndicatorSection(), h->sortIndicatorOrder());
    }
    for (int c = 0; c < m_model->columnCount(); ++c)
        if (m_frozen->isColumnHidden(c) != (c != id))
            m_frozen->setColumnHidden(c, c != id);
    const int width = m_table->columnWidth(id);
    m_frozen->setColumnWidth(id, width);
    m_frozen->horizontalHeader()->setFixedHeight(m_table->horizontalHeader()->height());
    const int frame = m_table->frameWidth();
    m_frozen->setGeometry(frame, frame, width, m_table->viewport()->height() + m_table->horizontalHeader()->height());
    m_frozen->verticalScrollBar()->setValue(m_table->verticalScrollBar()->value());
    m_frozen->show();
    m_frozen->raise();
}

bool DocumentTablePage::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_table && event->type() == QEvent::Resize)
        QTimer::singleShot(0, this, &DocumentTablePage::updateFrozenColumn); // after the viewport's new size
    if (watched == m_frozen->viewport()) {
        // A click on a frozen id selects its row at a column already in view: made current in the id
        // column itself, the table would scroll back to the left, away from the scores being read.
        if (event->type() == QEvent::MouseButtonPress || event->type() == QEvent::MouseButtonDblClick) {
            const auto* mouse = static_cast<QMouseEvent*>(event);
            const int row = m_frozen->rowAt(mouse->position().toPoint().y());
            if (row >= 0 && mouse->button() == Qt::LeftButton) {
                int column = m_table->columnAt(m_frozen->width() + 1);
                if (column < 0)
                    column = DocumentTableModel::IdColumn;
                m_table->setCurrentIndex(m_model->index(row, column));
                m_table->setFocus(Qt::MouseFocusReason);
            }
            return true;
        }
        if (event->type() == QEvent::MouseButtonRelease || event->type() == QEvent::MouseMove)
            return true;
    }
    return QWidget::eventFilter(watched, event);
}

void DocumentTablePage::placeLabelColumn()
{
    const int label = m_model->labelColumn();
    if (label < 0)
        return;
    auto* header = m_table->horizontalHeader();
    if (header->visualIndex(label) == header->visualIndex(DocumentTableModel::FilterColumn) + 1)
        return;
    // The column is new, or columns were added before it (its logical index moved): the header's order is set
    // again from the start, so the other columns keep the model's order too.
    std::vector<int> order { DocumentTableModel::IdColumn, DocumentTableModel::FilterColumn, label,
        DocumentTableModel::GroupColumn, DocumentTableModel::BytesColumn, DocumentTableModel::CharsColumn };
    for (int c = DocumentTableModel::FirstScoreColumn; c < label; ++c)
        order.push_back(c);
    const QSignalBlocker b(header);
    for (int v = 0; v < int(order.size()); ++v) {
        const int from = header->visualIndex(order[size_t(v)]);
        if (from >= 0 && from != v)
            header->moveSection(from, v);
    }
    header->resizeSection(label, 56);
}

void DocumentTablePage::keepIdColumnFirst()
{
    auto* header = m_table->horizontalHeader();
    const int visual = header->visualIndex(DocumentTableModel::IdColumn);
    if (visual > 0) {
        const QSignalBlocker b(header);
        header->moveSection(visual, 0);
    }
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
        // The sort the header shows is kept (issue 20, bug 4): clearing it behind the user's back
        // looked like the view ignored it. Without a sort the rows come nearest the cutoff first;
        // a third click on the sorted header clears the sort and gives that order back.
        m_model->setRowSet(ev.borderline(*m_corpus, size_t(sampleSize)));
        break;
    }
    case ThresholdPanel::View::RandomDropped:
        m_model->setRowSet(
            FilterEvaluator::randomDropped(keep, size_t(sampleSize), uint64_t(QDateTime::currentMSecsSinceEpoch())));
        break;
    }
}

bool DocumentTablePage::reselect(std::optional<uint32_t> doc)
{
    if (!doc)
        return true;
    const int row = m_model->rowOfDoc(*doc);
    if (row < 0)
        return false;
    const QSignalBlocker b(m_table->selectionModel());
    m_table->setCurrentIndex(m_model->index(row, std::max(0, m_table->currentIndex().column())));
    m_table->scrollTo(m_model->index(row, DocumentTableModel::IdColumn));
    return true;
}

} // namespace shardscope
