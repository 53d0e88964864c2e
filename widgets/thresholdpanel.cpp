#include "thresholdpanel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace shardscope {

namespace {
// What the panel's byte figures count (issue 20, bug 9: "Dropped text" here and apply's dropped_bytes were two
// different sizes under one word). The panel has the corpus table's text sizes, the same figure as apply's
// *_text_bytes; apply's *_record_bytes count the whole JSON lines.
QString textBytesExplanation()
{
    return ThresholdPanel::tr("Text: the UTF-8 bytes of the documents' text field, what shardscope-cli apply "
                              "reports as kept_text_bytes and dropped_text_bytes. Records: the bytes of the whole "
                              "JSON lines (field names, escapes and other fields included), apply's "
                              "kept_record_bytes and dropped_record_bytes: what the output files hold.");
}

QString percent(uint64_t part, uint64_t whole)
{
    if (!whole)
        return QStringLiteral("–");
    return QString::number(100.0 * double(part) / double(whole), 'f', 1) + QLatin1Char('%');
}

// "≈ 61.8% (60.9–62.7%)": k of m sampled documents, with the 95% interval of the corpus's share.
QString estimatedPercent(const SampleScope& sample, uint64_t k, uint64_t m)
{
    if (!m)
        return QStringLiteral("–");
    const Interval ci = sample.fraction(k, m);
    return QStringLiteral("≈ %1% (%2–%3%)")
        .arg(QString::number(100.0 * double(k) / double(m), 'f', 1), QString::number(100.0 * ci.low, 'f', 1),
            QString::number(100.0 * ci.high, 'f', 1));
}

QString estimatedCount(const SampleScope& sample, uint64_t k)
{
    return QString(QStringLiteral("≈ ") + QLocale().toString(qulonglong(std::llround(double(k) * sample.scale()))));
}

QString intervalExplanation()
{
    return ThresholdPanel::tr("Estimated from a uniform random sample: the whole corpus's share lies in the bracketed "
                              "range with 95% confidence (Wilson interval, corrected for the part of the corpus "
                              "sampled), and counts and bytes are the sample's scaled to the corpus.");
}
} // namespace

QString ThresholdPanel::formatBytes(uint64_t bytes)
{
    return QLocale().formattedDataSize(qint64(bytes), 1, QLocale::DataSizeSIFormat);
}

// ---------------------------------------------------------------------------------------------

void GroupCountsModel::setCounts(const std::vector<KeepCounts>& perGroup, const std::vector<std::string>& names)
{
    // Group 0 ("no group") is shown only when it has documents.
    std::vector<KeepCounts> counts;
    std::vector<QString> labels;
    for (size_t g = 0; g < perGroup.size(); ++g) {
        if (g == 0 && perGroup[g].docs == 0)
            continue;
        counts.push_back(perGroup[g]);
        const std::string& n = g < names.size() ? names[g] : std::string();
        labels.push_back(n.empty() ? tr("(no group)") : QString::fromStdString(n));
    }
    if (labels == m_names) {
        // Same rows: a value update, which is what dragging a cutoff produces.
        m_counts = std::move(counts);
        if (!m_counts.empty())
            emit dataChanged(index(0, DocsColumn), index(int(m_counts.size()) - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_counts = std::move(counts);
    m_names = std::move(labels);
    endResetModel();
}

void GroupCountsModel::setSample(const SampleScope& sample)
{
    const bool changed = sample.active() != m_sample.active();
    m_sample = sample;
    if (changed)
        emit headerDataChanged(Qt::Horizontal, DocsColumn, ColumnCount - 1);
    if (!m_counts.empty())
        emit dataChanged(index(0, DocsColumn), index(int(m_counts.size()) - 1, ColumnCount - 1));
}

void GroupCountsModel::setKeyTitle(const QString& title)
{
    if (title == m_keyTitle)
        return;
    m_keyTitle = title;
    emit headerDataChanged(Qt::Horizontal, GroupColumn, GroupColumn);
}

void GroupCountsModel::clear()
{
    beginResetModel();
    m_counts.clear();
    m_names.clear();
    endResetModel();
}

int GroupCountsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_counts.size());
}

int GroupCountsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant GroupCountsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_counts.size()))
        return {};
    const KeepCounts& c = m_counts[size_t(index.row())];
    const QLocale loc;
    if (role == Qt::DisplayRole && m_sample.active()) {
        // Estimates (the note above the table and the tooltips say so), as narrow as exact counts so the group
        // names keep their room.
        auto scaled = [this](uint64_t n) { return uint64_t(std::llround(double(n) * m_sample.scale())); };
        switch (index.column()) {
        case DocsColumn:
            return loc.toString(qulonglong(scaled(c.docs)));
        case KeptColumn:
            return loc.toString(qulonglong(scaled(c.kept)));
        case DroppedColumn:
            return loc.toString(qulonglong(scaled(c.dropped())));
        case DroppedPercentColumn: {
            if (!c.docs)
                return QStringLiteral("–");
            const Interval ci = m_sample.fraction(c.dropped(), c.docs);
            return QStringLiteral("%1 (%2–%3)")
                .arg(QString::number(100.0 * double(c.dropped()) / double(c.docs), 'f', 1),
                    QString::number(100.0 * ci.low, 'f', 1), QString::number(100.0 * ci.high, 'f', 1));
        }
        case DroppedBytesColumn:
            return ThresholdPanel::formatBytes(scaled(c.droppedBytes()));
        }
    }
    if (role == Qt::ToolTipRole && m_sample.active()) {
        return tr("%1: %2 of the %3 sampled documents dropped, %4 of the corpus's documents.\n%5")
            .arg(m_names[size_t(index.row())], loc.toString(qulonglong(c.dropped())), loc.toString(qulonglong(c.docs)),
                estimatedPercent(m_sample, c.dropped(), c.docs), intervalExplanation());
    }
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case GroupColumn:
            return m_names[size_t(index.row())];
        case DocsColumn:
            return loc.toString(qulonglong(c.docs));
        case KeptColumn:
            return loc.toString(qulonglong(c.kept));
        case DroppedColumn:
            return loc.toString(qulonglong(c.dropped()));
        case DroppedPercentColumn:
            return percent(c.dropped(), c.docs);
        case DroppedBytesColumn:
            return ThresholdPanel::formatBytes(c.droppedBytes());
        }
    } else if (role == Qt::UserRole) {
        switch (index.column()) {
        case GroupColumn:
            return m_names[size_t(index.row())];
        case DocsColumn:
            return qulonglong(c.docs);
        case KeptColumn:
            return qulonglong(c.kept);
        case DroppedColumn:
            return qulonglong(c.dropped());
        case DroppedPercentColumn:
            return c.docs ? double(c.dropped()) / double(c.docs) : 0.0;
        case DroppedBytesColumn:
            return qulonglong(c.droppedBytes());
        }
    } else if (role == Qt::TextAlignmentRole && index.column() != GroupColumn) {
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    } else if (role == Qt::ToolTipRole) {
        return tr("%1: %2 of %3 documents dropped, %4 of %5 text (UTF-8 bytes of the text field)")
            .arg(m_names[size_t(index.row())], loc.toString(qulonglong(c.dropped())), loc.toString(qulonglong(c.docs)),
                ThresholdPanel::formatBytes(c.droppedBytes()), ThresholdPanel::formatBytes(c.bytes));
    }
    return {};
}

QVariant GroupCountsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == DroppedBytesColumn)
        return textBytesExplanation();
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && m_sample.active() && section != GroupColumn)
        return intervalExplanation();
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    if (m_sample.active() && section == DroppedPercentColumn)
        return tr("% (95%)"); // the share with its interval; every count is the sample's scaled to the corpus
    switch (section) {
    case GroupColumn:
        return m_keyTitle.isEmpty() ? tr("Group") : m_keyTitle;
    case DocsColumn:
        return tr("Docs");
    case KeptColumn:
        return tr("Kept");
    case DroppedColumn:
        return tr("Dropped");
    case DroppedPercentColumn:
        return tr("%");
    case DroppedBytesColumn:
        return tr("Dropped text");
    }
    return {};
}

// ---------------------------------------------------------------------------------------------

ThresholdPanel::ThresholdPanel(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("thresholdPanel"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);

    m_kept = new QLabel(this);
    m_kept->setObjectName(QStringLiteral("keptLabel"));
    m_dropped = new QLabel(this);
    m_dropped->setObjectName(QStringLiteral("droppedLabel"));
    QFont big = m_kept->font();
    big.setPointSizeF(big.pointSizeF() * 1.15);
    m_kept->setFont(big);
    m_dropped->setFont(big);
    m_kept->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_dropped->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_kept->setToolTip(textBytesExplanation());
    m_dropped->setToolTip(textBytesExplanation());
    layout->addWidget(m_kept);
    layout->addWidget(m_dropped);
    // Shown while the counts come from a sample (issue 21).
    m_sampleRow = new QWidget(this);
    auto* sampleLayout = new QHBoxLayout(m_sampleRow);
    sampleLayout->setContentsMargins(0, 0, 0, 0);
    m_sampleNote = new QLabel(m_sampleRow);
    m_sampleNote->setObjectName(QStringLiteral("sampleNote"));
    m_sampleNote->setToolTip(intervalExplanation());
    m_stopAtSample = new QPushButton(tr("Stop at sample"), m_sampleRow);
    m_stopAtSample->setObjectName(QStringLiteral("panelStopAtSample"));
    m_stopAtSample->setToolTip(tr("Keep the sample on display and do not score the rest of the corpus"));
    sampleLayout->addWidget(m_sampleNote, 1);
    sampleLayout->addWidget(m_stopAtSample);
    layout->addWidget(m_sampleRow);
    m_sampleRow->hide();
    connect(m_stopAtSample, &QPushButton::clicked, this, &ThresholdPanel::stopAtSampleRequested);

    auto* rulesBox = new QGroupBox(tr("Active rules (all must pass)"), this);
    auto* rulesLayout = new QVBoxLayout(rulesBox);
    rulesLayout->setContentsMargins(4, 4, 4, 4);
    m_rules = new QTableWidget(rulesBox);
    m_rules->setObjectName(QStringLiteral("rulesTable"));
    m_rules->setColumnCount(5);
    m_rules->setHorizontalHeaderLabels({ tr("Score"), tr("Min"), tr("Max"), tr("Fails"), tr("Only") });
    m_rules->horizontalHeaderItem(3)->setToolTip(tr("Documents failing this rule"));
    m_rules->horizontalHeaderItem(4)->setToolTip(tr("Documents dropped by this rule alone"));
    m_rules->verticalHeader()->setVisible(false);
    m_rules->verticalHeader()->setDefaultSectionSize(m_rules->fontMetrics().height() + 4);
    m_rules->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_rules->horizontalHeader()->setStretchLastSection(true);
    m_rules->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_rules->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_rules->setMaximumHeight(150);
    rulesLayout->addWidget(m_rules);
    auto* ruleButtons = new QHBoxLayout;
    auto* remove = new QPushButton(tr("Remove rule"), rulesBox);
    auto* clearAll = new QPushButton(tr("Clear all"), rulesBox);
    clearAll->setObjectName(QStringLiteral("clearAllButton"));
    m_suggest = new QPushButton(tr("Suggest cutoffs…"), rulesBox);
    m_suggest->setObjectName(QStringLiteral("suggestButton"));
    m_suggest->setToolTip(tr("Cutoffs for the selected rule from the data: percentiles, mean ± k·sd and "
                             "median ± k·MAD, overall and per group or label, with what each would drop"));
    ruleButtons->addWidget(remove);
    ruleButtons->addWidget(clearAll);
    ruleButtons->addWidget(m_suggest);
    ruleButtons->addStretch(1);
    rulesLayout->addLayout(ruleButtons);
    layout->addWidget(rulesBox);
    connect(remove, &QPushButton::clicked, this, [this]() {
        const int row = m_rules->currentRow();
        if (row >= 0 && row < int(m_ruleList.size()))
            emit removeRuleRequested(QString::fromStdString(m_ruleList[size_t(row)].column));
    });
    connect(clearAll, &QPushButton::clicked, this, &ThresholdPanel::confirmClearAll);
    connect(m_suggest, &QPushButton::clicked, this, [this]() {
        const int row = currentRule();
        if (row >= 0) {
            m_suggestLabel->setText(
                tr("Computing suggestions for %1…").arg(QString::fromStdString(m_ruleList[size_t(row)].column)));
            m_tabs->setCurrentIndex(2);
            emit suggestRequested(row);
        }
    });
    connect(m_rules, &QTableWidget::currentCellChanged, this, [this]() { updateOverridesEditor(); });

    auto* viewBox = new QGroupBox(tr("Show in the table"), this);
    auto* viewLayout = new QHBoxLayout(viewBox);
    viewLayout->setContentsMargins(4, 4, 4, 4);
    m_viewBox = new QComboBox(viewBox);
    m_viewBox->setObjectName(QStringLiteral("viewBox"));
    m_viewBox->addItem(tr("All documents"));
    m_viewBox->addItem(tr("Kept only"));
    m_viewBox->addItem(tr("Dropped only"));
    m_viewBox->addItem(tr("Borderline (nearest each cutoff)"));
    m_viewBox->addItem(tr("Random sample of dropped"));
    m_sample = new QSpinBox(viewBox);
    m_sample->setRange(1, 100000);
    m_sample->setValue(50);
    m_sample->setToolTip(tr("Documents per side of each cutoff (borderline) or sample size"));
    m_resample = new QPushButton(tr("Refresh"), viewBox);
    m_resample->setToolTip(tr("Recompute the view for the current cutoffs (a new random sample)"));
    viewLayout->addWidget(m_viewBox, 1);
    viewLayout->addWidget(m_sample);
    viewLayout->addWidget(m_resample);
    layout->addWidget(viewBox);
    connect(m_viewBox, &QComboBox::currentIndexChanged, this, [this]() { emit viewRequested(view()); });
    connect(m_resample, &QPushButton::clicked, this, [this]() { emit viewRequested(view()); });

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("panelTabs"));

    // Counts per group, or per label of a categorical column (e.g. per language).
    auto* countsPage = new QWidget(m_tabs);
    auto* groupsLayout = new QVBoxLayout(countsPage);
    groupsLayout->setContentsMargins(4, 4, 4, 4);
    auto* breakdownRow = new QHBoxLayout;
    breakdownRow->addWidget(new QLabel(tr("Counts per"), countsPage));
    m_breakdownBox = new QComboBox(countsPage);
    m_breakdownBox->setObjectName(QStringLiteral("breakdownBox"));
    m_breakdownBox->addItem(tr("group"), QString());
    breakdownRow->addWidget(m_breakdownBox, 1);
    groupsLayout->addLayout(breakdownRow);
    connect(
        m_breakdownBox, &QComboBox::currentIndexChanged, this, [this]() { emit breakdownChanged(breakdownColumn()); });
    m_groupModel = new GroupCountsModel(this);
    m_groups = new QTableView(countsPage);
    m_groups->setObjectName(QStringLiteral("groupTable"));
    m_groups->setModel(m_groupModel);
    m_groups->verticalHeader()->setVisible(false);
    m_groups->verticalHeader()->setDefaultSectionSize(m_groups->fontMetrics().height() + 4);
    // Group names are the long column: it takes the spare width, at least ~14 characters.
    m_groups->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_groups->horizontalHeader()->setSectionResizeMode(GroupCountsModel::GroupColumn, QHeaderView::Stretch);
    m_groups->horizontalHeader()->setMinimumSectionSize(36);
    m_groups->setMinimumWidth(m_groups->fontMetrics().horizontalAdvance(QLatin1Char('x')) * 48);
    m_groups->setAlternatingRowColors(true);
    m_groups->setTextElideMode(Qt::ElideMiddle);
    m_groups->setWordWrap(false);
    m_groups->setSelectionBehavior(QAbstractItemView::SelectRows);
    groupsLayout->addWidget(m_groups);
    m_tabs->addTab(countsPage, tr("Counts"));

    // Overrides of the selected rule: per group, or per label of a categorical column.
    auto* overridesPage = new QWidget(m_tabs);
    auto* ovLayout = new QVBoxLayout(overridesPage);
    ovLayout->setContentsMargins(4, 4, 4, 4);
    m_overridesLabel = new QLabel(overridesPage);
    m_overridesLabel->setWordWrap(true);
    ovLayout->addWidget(m_overridesLabel);
    auto* byRow = new QHBoxLayout;
    byRow->addWidget(new QLabel(tr("Keyed by"), overridesPage));
    m_byBox = new QComboBox(overridesPage);
    m_byBox->setObjectName(QStringLiteral("byBox"));
    m_byBox->setToolTip(tr("Overrides apply to the documents of a group, or to those with a label in a "
                           "categorical column (e.g. a language). Changing it clears the overrides."));
    byRow->addWidget(m_byBox, 1);
    ovLayout->addLayout(byRow);
    m_overrides = new QTableWidget(overridesPage);
    m_overrides->setObjectName(QStringLiteral("overridesTable"));
    m_overrides->setColumnCount(4);
    m_overrides->setHorizontalHeaderLabels({ tr("Key"), tr("Min"), tr("Max"), tr("Off") });
    m_overrides->horizontalHeaderItem(1)->setToolTip(tr("Empty: no lower bound for this key"));
    m_overrides->horizontalHeaderItem(3)->setToolTip(tr("The rule does not apply to this key"));
    m_overrides->verticalHeader()->setVisible(false);
    m_overrides->verticalHeader()->setDefaultSectionSize(m_overrides->fontMetrics().height() + 4);
    m_overrides->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_overrides->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_overrides->setSelectionBehavior(QAbstractItemView::SelectRows);
    ovLayout->addWidget(m_overrides, 1);
    auto* addRow = new QHBoxLayout;
    m_addKey = new QComboBox(overridesPage);
    m_addKey->setObjectName(QStringLiteral("addKeyBox"));
    m_addKey->setEditable(true);
    m_addKey->setInsertPolicy(QComboBox::NoInsert);
    auto* add = new QPushButton(tr("Add"), overridesPage);
    auto* removeOv = new QPushButton(tr("Remove"), overridesPage);
    addRow->addWidget(m_addKey, 1);
    addRow->addWidget(add);
    addRow->addWidget(removeOv);
    ovLayout->addLayout(addRow);
    m_tabs->addTab(overridesPage, tr("Overrides"));
    connect(add, &QPushButton::clicked, this, [this]() { addOverride(m_addKey->currentText()); });
    connect(removeOv, &QPushButton::clicked, this, [this]() {
        const int r = currentRule();
        const int row = m_overrides->currentRow();
        if (r < 0 || row < 0 || !m_overrides->item(row, 0))
            return;
        FilterRule rule = m_ruleList[size_t(r)];
        rule.overrides.erase(m_overrides->item(row, 0)->text().toStdString());
        emitEdited(r, std::move(rule));
    });
    connect(m_overrides, &QTableWidget::cellChanged, this, &ThresholdPanel::onOverrideItemChanged);
    connect(m_byBox, &QComboBox::activated, this, [this]() {
        const int r = currentRule();
        if (r < 0)
            return;
        FilterRule rule = m_ruleList[size_t(r)];
        const std::string by = m_byBox->currentData().toString().toStdString();
        if (by == rule.by)
            return;
        rule.by = by;
        rule.overrides.clear();
        emitEdited(r, std::move(rule));
    });

    // Suggestions for the selected rule.
    auto* suggestPage = new QWidget(m_tabs);
    auto* sgLayout = new QVBoxLayout(suggestPage);
    sgLayout->setContentsMargins(4, 4, 4, 4);
    m_suggestLabel = new QLabel(tr("Select a rule and press “Suggest cutoffs…”."), suggestPage);
    m_suggestLabel->setWordWrap(true);
    sgLayout->addWidget(m_suggestLabel);
    m_suggestTable = new QTableWidget(suggestPage);
    m_suggestTable->setObjectName(QStringLiteral("suggestionsTable"));
    m_suggestTable->setColumnCount(6);
    m_suggestTable->setHorizontalHeaderLabels(
        { tr("Key"), tr("Min"), tr("Max"), tr("Would drop"), tr("%"), tr("Method") });
    m_suggestTable->horizontalHeaderItem(3)->setToolTip(
        tr("Documents with a value outside the suggested bounds (documents without a value are dropped anyway "
           "unless the rule keeps them)"));
    m_suggestTable->verticalHeader()->setVisible(false);
    m_suggestTable->verticalHeader()->setDefaultSectionSize(m_suggestTable->fontMetrics().height() + 4);
    m_suggestTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_suggestTable->horizontalHeader()->setStretchLastSection(true);
    m_suggestTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_suggestTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_suggestTable->setSelectionMode(QAbstractItemView::SingleSelection);
    sgLayout->addWidget(m_suggestTable, 1);
    auto* accept = new QPushButton(tr("Accept selected"), suggestPage);
    accept->setObjectName(QStringLiteral("acceptSuggestion"));
    accept->setToolTip(tr("Write this cutoff and where it came from into the rule (kept in exported configs)"));
    auto* acceptRow = new QHBoxLayout;
    acceptRow->addStretch(1);
    acceptRow->addWidget(accept);
    sgLayout->addLayout(acceptRow);
    m_tabs->addTab(suggestPage, tr("Suggestions"));
    connect(accept, &QPushButton::clicked, this, [this]() { acceptSuggestion(m_suggestTable->currentRow()); });
    connect(m_suggestTable, &QTableWidget::cellDoubleClicked, this, [this](int row) { acceptSuggestion(row); });

    layout->addWidget(m_tabs, 1);

    clear();
}

// Asks before clearing (issue 20): every rule and its overrides go at once. The box is opened with open(), not
// exec(): no nested event loop, and a test answers it by clicking its button.
void ThresholdPanel::confirmClearAll()
{
    if (m_ruleList.empty())
        return;
    const QString question = m_ruleList.size() == 1
        ? tr("Remove the rule on %1 and its overrides?").arg(QString::fromStdString(m_ruleList.front().column))
        : tr("Remove all %1 rules and their overrides?").arg(m_ruleList.size());
    auto* box = new QMessageBox(
        QMessageBox::Question, tr("Clear all rules"), question, QMessageBox::Yes | QMessageBox::No, this);
    box->setObjectName(QStringLiteral("clearAllConfirmation"));
    box->setInformativeText(tr("Edit > Undo (%1) brings them back.")
                                .arg(QKeySequence(QKeySequence::Undo).toString(QKeySequence::NativeText)));
    box->setDefaultButton(QMessageBox::No);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this, [this, box](QAbstractButton* button) {
        if (box->standardButton(button) == QMessageBox::Yes)
            emit clearRulesRequested();
    });
    box->open();
}

void ThresholdPanel::clear()
{
    m_ruleList.clear();
    m_counts = {};
    setSample({}, false);
    m_kept->setText(tr("No corpus open."));
    m_dropped->clear();
    m_rules->setRowCount(0);
    m_groupModel->clear();
    m_suggestionList.clear();
    m_suggestRule = -1;
    m_suggestTable->setRowCount(0);
    m_groupChoices.clear();
    m_categorical.clear();
    updateKeyChoices();
    updateOverridesEditor();
}

ThresholdPanel::View ThresholdPanel::view() const
{
    return View(m_viewBox->currentIndex());
}

void ThresholdPanel::setView(View v)
{
    m_viewBox->setCurrentIndex(int(v));
}

int ThresholdPanel::sampleSize() const
{
    return m_sample->value();
}

QString ThresholdPanel::keptText() const
{
    return m_kept->text();
}

QString ThresholdPanel::droppedText() const
{
    return m_dropped->text();
}

void ThresholdPanel::setRules(const std::vector<FilterRule>& rules)
{
    const bool sameRules = rules.size() == m_ruleList.size()
        && std::equal(rules.begin(), rules.end(), m_ruleList.begin(),
            [](const FilterRule& a, const FilterRule& b) { return a.column == b.column; });
    m_ruleList = rules;
    updateRulesTable();
    if (!sameRules) {
        // Suggestions belong to a rule index: stale once the rules are others.
        m_suggestionList.clear();
        m_suggestRule = -1;
        m_suggestTable->setRowCount(0);
    }
    if (currentRule() < 0 && !m_ruleList.empty())
        m_rules->setCurrentCell(0, 0);
    updateOverridesEditor();
}

QString ThresholdPanel::sampleText() const
{
    return m_sampleRow->isHidden() ? QString() : m_sampleNote->text();
}

void ThresholdPanel::setSample(const SampleScope& sample, bool fullPassFollows)
{
    const bool wasSample = m_sampleScope.active();
    m_sampleScope = sample;
    m_groupModel->setSample(sample);
    m_sampleRow->setVisible(sample.active());
    m_stopAtSample->setVisible(sample.active() && fullPassFollows);
    if (sample.active()) {
        const QLocale loc;
        m_sampleNote->setText(tr("Estimated from %1 of %2 documents (%3% sample, seed %4)")
                                  .arg(loc.toString(qulonglong(sample.documents)),
                                      (sample.populationExact ? QString() : tr("about "))
                                          + loc.toString(qulonglong(std::llround(sample.populationDocuments()))),
                                      loc.toString(sample.probability * 100, 'g', 3))
                                  .arg(qulonglong(sample.seed)));
        m_sampleNote->setToolTip((fullPassFollows ? tr("The full pass over the whole corpus is running; its exact "
                                                       "figures replace these when it ends.\n")
                                                  : QString())
            + intervalExplanation());
    }
    if (wasSample || sample.active()) {
        showTotals();
        updateRulesTable();
    }
}

void ThresholdPanel::showTotals()
{
    const QLocale loc;
    const KeepCounts& t = m_counts.total;
    if (m_sampleScope.active()) {
        // The share with its interval is the figure to read; the counts and bytes (the sample's scaled to the
        // corpus) go on a line of their own, so a narrow panel does not cut them off.
        const double k = m_sampleScope.scale();
        auto scaled = [k](uint64_t n) { return uint64_t(std::llround(double(n) * k)); };
        m_kept->setText(
            tr("<b>Kept</b> %1<br>&nbsp;&nbsp;%2 docs · %3 text · %4 records")
                .arg(estimatedPercent(m_sampleScope, t.kept, t.docs), loc.toString(qulonglong(scaled(t.kept))),
                    formatBytes(scaled(t.keptBytes)), formatBytes(scaled(t.keptRecordBytes))));
        m_dropped->setText(tr("<b style='color:#c62828'>Dropped</b> %1<br>&nbsp;&nbsp;%2 docs · %3 text · %4 records")
                               .arg(estimatedPercent(m_sampleScope, t.dropped(), t.docs),
                                   loc.toString(qulonglong(scaled(t.dropped()))), formatBytes(scaled(t.droppedBytes())),
                                   formatBytes(scaled(t.droppedRecordBytes()))));
        m_kept->setToolTip(intervalExplanation() + QLatin1Char('\n') + textBytesExplanation());
        m_dropped->setToolTip(m_kept->toolTip());
        return;
    }
    m_kept->setToolTip(textBytesExplanation());
    m_dropped->setToolTip(textBytesExplanation());
    m_kept->setText(tr("<b>Kept</b> %1 docs (%2) · %3 text (UTF-8) · %4 records")
                        .arg(loc.toString(qulonglong(t.kept)), percent(t.kept, t.docs), formatBytes(t.keptBytes),
                            formatBytes(t.keptRecordBytes)));
    m_dropped->setText(tr("<b style='color:#c62828'>Dropped</b> %1 docs (%2) · %3 text (UTF-8) · %4 records")
                           .arg(loc.toString(qulonglong(t.dropped())), percent(t.dropped(), t.docs),
                               formatBytes(t.droppedBytes()), formatBytes(t.droppedRecordBytes())));
}

void ThresholdPanel::setCounts(const FilterCounts& counts, const std::vector<std::string>& groupNames)
{
    m_counts = counts;
    showTotals();
    if (!breakdownColumn().isEmpty() && !counts.perLabel.empty()
        && counts.breakdownColumn == breakdownColumn().toStdString()) {
        std::vector<std::string> labels = counts.labelNames;
        // Group 0 is shown only when it has documents: put documents without a label last.
        std::vector<KeepCounts> perLabel = counts.perLabel;
        if (!labels.empty()) {
            labels.back() = tr("(no label)").toStdString();
            std::rotate(labels.rbegin(), labels.rbegin() + 1, labels.rend());
            std::rotate(perLabel.rbegin(), perLabel.rbegin() + 1, perLabel.rend());
        }
        // Labels without documents (most of langid's 176) are left out.
        std::vector<KeepCounts> shown { perLabel.front() };
        std::vector<std::string> shownNames { labels.front() };
        for (size_t k = 1; k < perLabel.size(); ++k)
            if (perLabel[k].docs) {
                shown.push_back(perLabel[k]);
                shownNames.push_back(labels[k]);
            }
        m_groupModel->setKeyTitle(breakdownColumn());
        m_groupModel->setCounts(shown, shownNames);
    } else {
        m_groupModel->setKeyTitle(tr("Group"));
        m_groupModel->setCounts(counts.perGroup, groupNames);
    }
    updateRulesTable();
}

QString ThresholdPanel::breakdownColumn() const
{
    return m_breakdownBox->currentData().toString();
}

void ThresholdPanel::setBreakdownColumn(const QString& column)
{
    const int i = m_breakdownBox->findData(column);
    if (i >= 0)
        m_breakdownBox->setCurrentIndex(i);
}

int ThresholdPanel::currentRule() const
{
    const int row = m_rules->currentRow();
    return row >= 0 && row < int(m_ruleList.size()) ? row : -1;
}

void ThresholdPanel::setCurrentRule(int rule)
{
    if (rule >= 0 && rule < int(m_ruleList.size()))
        m_rules->setCurrentCell(rule, 0);
}

void ThresholdPanel::setKeyChoices(const std::vector<std::string>& groups, const std::vector<ColumnInfo>& categorical)
{
    std::vector<ColumnInfo> cats;
    for (const auto& c : categorical)
        if (c.categorical())
            cats.push_back(c);
    const bool sameCats = cats.size() == m_categorical.size()
        && std::equal(cats.begin(), cats.end(), m_categorical.begin(),
            [](const ColumnInfo& a, const ColumnInfo& b) { return a.name == b.name && a.categories == b.categories; });
    if (groups == m_groupChoices && sameCats)
        return;
    m_groupChoices = groups;
    m_categorical = std::move(cats);
    updateKeyChoices();
    updateOverridesEditor();
}

void ThresholdPanel::updateKeyChoices()
{
    const QString current = breakdownColumn();
    {
        const QSignalBlocker block(m_breakdownBox);
        m_breakdownBox->clear();
        m_breakdownBox->addItem(tr("group"), QString());
        for (const auto& c : m_categorical)
            m_breakdownBox->addItem(QString::fromStdString(c.name), QString::fromStdString(c.name));
        const int i = m_breakdownBox->findData(current);
        m_breakdownBox->setCurrentIndex(i >= 0 ? i : 0);
    }
    if (breakdownColumn() != current)
        emit breakdownChanged(breakdownColumn());
}

void ThresholdPanel::updateOverridesEditor()
{
    const int r = currentRule();
    m_updatingOverrides = true;
    const QSignalBlocker block(m_overrides);
    const QSignalBlocker blockBy(m_byBox);
    m_byBox->clear();
    m_byBox->addItem(tr("group"), QString());
    for (const auto& c : m_categorical)
        m_byBox->addItem(QString::fromStdString(c.name), QString::fromStdString(c.name));
    m_addKey->clear();
    if (r < 0) {
        m_overridesLabel->setText(tr("Select a rule to edit its per-group or per-label overrides."));
        m_overrides->setRowCount(0);
        m_byBox->setEnabled(false);
        m_updatingOverrides = false;
        return;
    }
    const FilterRule& rule = m_ruleList[size_t(r)];
    m_byBox->setEnabled(true);
    int byIndex = m_byBox->findData(QString::fromStdString(rule.by));
    if (byIndex < 0) {
        // A by column this corpus does not have: keep showing it.
        m_byBox->addItem(QString::fromStdString(rule.by), QString::fromStdString(rule.by));
        byIndex = m_byBox->count() - 1;
    }
    m_byBox->setCurrentIndex(byIndex);
    m_overridesLabel->setText(tr("Rule %1: %2. An override replaces the rule's bounds for its key; empty = no bound.")
                                  .arg(r)
                                  .arg(QString::fromStdString(rule.column)));
    // Keys to add: the groups, or the labels of the by column, without those already there.
    std::vector<std::string> keys;
    if (rule.byGroup()) {
        keys = m_groupChoices;
    } else {
        for (const auto& c : m_categorical)
            if (c.name == rule.by)
                keys = c.categories;
    }
    for (const auto& k : keys)
        if (!k.empty() && !rule.overrides.count(k))
            m_addKey->addItem(QString::fromStdString(k));
    m_overrides->setRowCount(int(rule.overrides.size()));
    int row = 0;
    auto number = [](const std::optional<double>& v) { return v ? QString::number(*v, 'g', 6) : QString(); };
    for (const auto& [key, b] : rule.overrides) {
        auto* k = new QTableWidgetItem(QString::fromStdString(key));
        k->setFlags(k->flags() & ~Qt::ItemIsEditable);
        if (b.suggested)
            k->setToolTip(tr("Suggested: %1 on %2 values")
                              .arg(QString::fromStdString(b.suggested->method))
                              .arg(b.suggested->computedOn));
        m_overrides->setItem(row, 0, k);
        if (b.in) {
            QString set;
            for (const auto& l : *b.in)
                set += (set.isEmpty() ? QString() : QStringLiteral(", ")) + QString::fromStdString(l);
            auto* inItem = new QTableWidgetItem(tr("in {%1}").arg(set));
            inItem->setFlags(inItem->flags() & ~Qt::ItemIsEditable);
            m_overrides->setItem(row, 1, inItem);
            auto* none = new QTableWidgetItem;
            none->setFlags(none->flags() & ~Qt::ItemIsEditable);
            m_overrides->setItem(row, 2, none);
        } else {
            m_overrides->setItem(row, 1, new QTableWidgetItem(number(b.min)));
            m_overrides->setItem(row, 2, new QTableWidgetItem(number(b.max)));
        }
        auto* off = new QTableWidgetItem;
        off->setFlags((off->flags() | Qt::ItemIsUserCheckable) & ~Qt::ItemIsEditable);
        off->setCheckState(b.disabled ? Qt::Checked : Qt::Unchecked);
        m_overrides->setItem(row, 3, off);
        ++row;
    }
    m_updatingOverrides = false;
}

bool ThresholdPanel::addOverride(const QString& key)
{
    const int r = currentRule();
    const std::string k = key.trimmed().toStdString();
    if (r < 0 || k.empty())
        return false;
    FilterRule rule = m_ruleList[size_t(r)];
    if (rule.overrides.count(k))
        return false;
    Bounds b = rule.bounds;
    b.suggested.reset();
    rule.overrides[k] = b;
    emitEdited(r, std::move(rule));
    return true;
}

void ThresholdPanel::onOverrideItemChanged(int row, int column)
{
    const int r = currentRule();
    if (m_updatingOverrides || r < 0 || !m_overrides->item(row, 0))
        return;
    FilterRule rule = m_ruleList[size_t(r)];
    auto it = rule.overrides.find(m_overrides->item(row, 0)->text().toStdString());
    if (it == rule.overrides.end())
        return;
    Bounds& b = it->second;
    QTableWidgetItem* item = m_overrides->item(row, column);
    if (column == 3) {
        b.disabled = item->checkState() == Qt::Checked;
    } else if (column == 1 || column == 2) {
        const QString text = item->text().trimmed();
        std::optional<double> v;
        if (!text.isEmpty()) {
            bool ok = false;
            const double d = QLocale().toDouble(text, &ok);
            const double c = ok ? d : text.toDouble(&ok);
            if (!ok) {
                item->setToolTip(tr("“%1” is not a number").arg(text));
                updateOverridesEditor();
                return;
            }
            v = c;
        }
        (column == 1 ? b.min : b.max) = v;
        if (b.min && b.max && *b.min > *b.max) {
            updateOverridesEditor();
            return;
        }
    } else {
        return;
    }
    // A hand-edited cutoff is no longer the suggestion it may have come from.
    if (column != 3)
        b.suggested.reset();
    emitEdited(r, std::move(rule));
}

void ThresholdPanel::emitEdited(int index, FilterRule rule)
{
    emit ruleEdited(index, rule);
}

void ThresholdPanel::setSuggestions(int rule, const std::string& column, std::vector<CutoffSuggestion> suggestions)
{
    m_suggestRule = rule;
    m_suggestColumn = column;
    m_suggestionList = std::move(suggestions);
    const QLocale loc;
    m_suggestTable->setRowCount(int(m_suggestionList.size()));
    auto number = [](const std::optional<double>& v) { return v ? QString::number(*v, 'g', 5) : QStringLiteral("–"); };
    uint64_t computedOn = 0;
    for (size_t i = 0; i < m_suggestionList.size(); ++i) {
        const CutoffSuggestion& s = m_suggestionList[i];
        if (s.key.empty())
            computedOn = s.from.computedOn;
        const int row = int(i);
        SuggestSpec spec;
        spec.method = s.from.method == "percentile" ? SuggestMethod::Percentile
            : s.from.method == "meanstd"            ? SuggestMethod::MeanStd
                                                    : SuggestMethod::MedianMad;
        spec.low.reset();
        spec.high.reset();
        for (const auto& [k, v] : s.from.params) {
            if (k == "low" || k == "k_low")
                spec.low = v;
            if (k == "high" || k == "k_high")
                spec.high = v;
        }
        const uint64_t values = s.docs - s.missing;
        // Drop counts before the method, so a narrow dock still shows them.
        const QString cells[] = { s.key.empty() ? tr("(all)") : QString::fromStdString(s.key), number(s.min),
            number(s.max), loc.toString(qulonglong(s.dropped())), percent(s.dropped(), values),
            QString::fromStdString(spec.describe()) };
        for (int c = 0; c < 6; ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c >= 1 && c <= 4)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            item->setToolTip(
                tr("%1 of %2 values below the min, %3 above the max; computed on %2 values (%4 without a value)")
                    .arg(loc.toString(qulonglong(s.droppedBelow)), loc.toString(qulonglong(values)),
                        loc.toString(qulonglong(s.droppedAbove)), loc.toString(qulonglong(s.missing))));
            m_suggestTable->setItem(row, c, item);
        }
    }
    m_suggestLabel->setText(tr("Suggestions for rule %1 (%2), computed on %3 values. Accept one to write it, with "
                               "where it came from, into the rule; a keyed one becomes an override.")
                                .arg(rule)
                                .arg(QString::fromStdString(column), loc.toString(qulonglong(computedOn))));
    if (!m_suggestionList.empty())
        m_suggestTable->setCurrentCell(0, 0);
}

bool ThresholdPanel::acceptSuggestion(int row)
{
    if (row < 0 || row >= int(m_suggestionList.size()) || m_suggestRule < 0 || m_suggestRule >= int(m_ruleList.size())
        || m_ruleList[size_t(m_suggestRule)].column != m_suggestColumn)
        return false;
    FilterRule rule = m_ruleList[size_t(m_suggestRule)];
    shardscope::acceptSuggestion(rule, m_suggestionList[size_t(row)]);
    emitEdited(m_suggestRule, std::move(rule));
    return true;
}

void ThresholdPanel::updateRulesTable()
{
    const QLocale loc;
    if (m_rules->rowCount() != int(m_ruleList.size()))
        m_rules->setRowCount(int(m_ruleList.size()));
    auto set = [this](int row, int col, const QString& text) {
        auto* item = m_rules->item(row, col);
        if (!item) {
            item = new QTableWidgetItem;
            m_rules->setItem(row, col, item);
        }
        if (item->text() != text)
            item->setText(text);
        return item;
    };
    for (size_t r = 0; r < m_ruleList.size(); ++r) {
        const FilterRule& rule = m_ruleList[r];
        const int row = int(r);
        auto* name = set(row, 0,
            QString::fromStdString(rule.column)
                + (rule.overrides.empty() ? QString()
                                          : QStringLiteral(" (+%1 %2)")
                                                .arg(rule.overrides.size())
                                                .arg(rule.byGroup() ? tr("groups") : QString::fromStdString(rule.by))));
        QString tip;
        if (!rule.overrides.empty())
            tip = rule.byGroup()
                ? tr("%n per-group override(s)", nullptr, int(rule.overrides.size()))
                : tr("%n override(s) by %1", nullptr, int(rule.overrides.size())).arg(QString::fromStdString(rule.by));
        if (rule.bounds.suggested)
            tip += (tip.isEmpty() ? QString() : QStringLiteral("\n"))
                + tr("Suggested: %1 on %2 values")
                      .arg(QString::fromStdString(rule.bounds.suggested->method))
                      .arg(rule.bounds.suggested->computedOn);
        const bool evaluated = r < m_counts.ruleEvaluated.size() && m_counts.ruleEvaluated[r];
        if (!evaluated && !m_counts.ruleEvaluated.empty())
            tip = tr("This corpus has no column \"%1\": the rule is kept in exports but not evaluated.")
                      .arg(QString::fromStdString(rule.column));
        name->setToolTip(tip);
        if (rule.bounds.in) {
            QString labels;
            for (const auto& l : *rule.bounds.in)
                labels += (labels.isEmpty() ? QString() : QStringLiteral(",")) + QString::fromStdString(l);
            set(row, 1, tr("in %1").arg(labels));
            set(row, 2, QString());
        } else {
            set(row, 1, rule.bounds.min ? QString::number(*rule.bounds.min, 'g', 5) : QStringLiteral("–"));
            set(row, 2, rule.bounds.max ? QString::number(*rule.bounds.max, 'g', 5) : QStringLiteral("–"));
        }
        const bool have = r < m_counts.failedByRule.size();
        auto count = [&](uint64_t n) {
            return m_sampleScope.active() ? estimatedCount(m_sampleScope, n) : loc.toString(qulonglong(n));
        };
        set(row, 3, have && evaluated ? count(m_counts.failedByRule[r]) : QStringLiteral("n/a"));
        set(row, 4, have && evaluated ? count(m_counts.onlyRule[r]) : QStringLiteral("n/a"));
    }
}

} // namespace shardscope
