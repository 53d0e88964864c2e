#include "thresholdpanel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace shardscope {

namespace {
QString percent(uint64_t part, uint64_t whole)
{
    if (!whole)
        return QStringLiteral("–");
    return QString::number(100.0 * double(part) / double(whole), 'f', 1) + QLatin1Char('%');
}
}

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
        return tr("%1: %2 of %3 documents dropped, %4 of %5 text")
            .arg(m_names[size_t(index.row())], loc.toString(qulonglong(c.dropped())), loc.toString(qulonglong(c.docs)),
                 ThresholdPanel::formatBytes(c.droppedBytes()), ThresholdPanel::formatBytes(c.bytes));
    }
    return {};
}

QVariant GroupCountsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case GroupColumn:
        return tr("Group");
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
    layout->addWidget(m_kept);
    layout->addWidget(m_dropped);

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
    ruleButtons->addWidget(remove);
    ruleButtons->addWidget(clearAll);
    ruleButtons->addStretch(1);
    rulesLayout->addLayout(ruleButtons);
    layout->addWidget(rulesBox);
    connect(remove, &QPushButton::clicked, this, [this]() {
        const int row = m_rules->currentRow();
        if (row >= 0 && row < int(m_ruleList.size()))
            emit removeRuleRequested(QString::fromStdString(m_ruleList[size_t(row)].column));
    });
    connect(clearAll, &QPushButton::clicked, this, &ThresholdPanel::clearRulesRequested);

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

    auto* groupsBox = new QGroupBox(tr("Per group"), this);
    auto* groupsLayout = new QVBoxLayout(groupsBox);
    groupsLayout->setContentsMargins(4, 4, 4, 4);
    m_groupModel = new GroupCountsModel(this);
    m_groups = new QTableView(groupsBox);
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
    layout->addWidget(groupsBox, 1);

    clear();
}

void ThresholdPanel::clear()
{
    m_ruleList.clear();
    m_counts = {};
    m_kept->setText(tr("No corpus open."));
    m_dropped->clear();
    m_rules->setRowCount(0);
    m_groupModel->clear();
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
    m_ruleList = rules;
    updateRulesTable();
}

void ThresholdPanel::setCounts(const FilterCounts& counts, const std::vector<std::string>& groupNames)
{
    m_counts = counts;
    const QLocale loc;
    const KeepCounts& t = counts.total;
    m_kept->setText(tr("<b>Kept</b> %1 docs (%2) · %3")
                        .arg(loc.toString(qulonglong(t.kept)), percent(t.kept, t.docs), formatBytes(t.keptBytes)));
    m_dropped->setText(tr("<b style='color:#c62828'>Dropped</b> %1 docs (%2) · %3")
                           .arg(loc.toString(qulonglong(t.dropped())), percent(t.dropped(), t.docs),
                                formatBytes(t.droppedBytes())));
    m_groupModel->setCounts(counts.perGroup, groupNames);
    updateRulesTable();
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
        auto* name = set(row, 0, QString::fromStdString(rule.column));
        QString tip;
        if (!rule.overrides.empty())
            tip = tr("%n per-group override(s)", nullptr, int(rule.overrides.size()));
        const bool evaluated = r < m_counts.ruleEvaluated.size() && m_counts.ruleEvaluated[r];
        if (!evaluated && !m_counts.ruleEvaluated.empty())
            tip = tr("This corpus has no column \"%1\": the rule is kept in exports but not evaluated.")
                      .arg(QString::fromStdString(rule.column));
        name->setToolTip(tip);
        set(row, 1, rule.bounds.min ? QString::number(*rule.bounds.min, 'g', 5) : QStringLiteral("–"));
        set(row, 2, rule.bounds.max ? QString::number(*rule.bounds.max, 'g', 5) : QStringLiteral("–"));
        const bool have = r < m_counts.failedByRule.size();
        set(row, 3, have && evaluated ? loc.toString(qulonglong(m_counts.failedByRule[r])) : QStringLiteral("n/a"));
        set(row, 4, have && evaluated ? loc.toString(qulonglong(m_counts.onlyRule[r])) : QStringLiteral("n/a"));
    }
}

} // namespace shardscope
