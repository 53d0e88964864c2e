#include "suggestdialog.h"

#include "filterstate.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace shardscope {

namespace {

const QString kAll = QStringLiteral("all:");
const QString kGroup = QStringLiteral("group:");
const QString kLabel = QStringLiteral("label:");

QString cutoffText(const std::optional<double>& v)
{
    return v ? QString::number(*v, 'g', 6) : QStringLiteral("–");
}

// One column to suggest for, copied for the worker (the corpus grows on the GUI thread while
// a scan runs).
struct Job {
    std::string column;
    std::vector<float> values;
};

} // namespace

SuggestDialog::SuggestDialog(
    FilterState* filter, std::shared_ptr<const CorpusData> corpus, const std::string& column, QWidget* parent)
    : QDialog(parent)
    , m_filter(filter)
    , m_corpus(std::move(corpus))
{
    setObjectName(QStringLiteral("suggestDialog"));
    setWindowTitle(tr("Suggest Cutoffs"));
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    layout->addLayout(top);

    auto* columnsBox = new QVBoxLayout;
    columnsBox->addWidget(new QLabel(tr("Columns"), this));
    m_columns = new QListWidget(this);
    m_columns->setObjectName(QStringLiteral("suggestColumns"));
    m_columns->setMaximumWidth(260);
    columnsBox->addWidget(m_columns, 1);
    top->addLayout(columnsBox);

    auto* form = new QFormLayout;
    m_method = new QComboBox(this);
    m_method->setObjectName(QStringLiteral("suggestMethod"));
    m_method->addItem(tr("Percentiles"), int(SuggestMethod::Percentile));
    m_method->addItem(tr("Mean ± k·sd"), int(SuggestMethod::MeanStd));
    m_method->addItem(tr("Median ± k·1.4826·MAD (robust)"), int(SuggestMethod::MedianMad));
    m_method->setToolTip(tr("Percentiles drop a fixed share; mean ± k·sd and median ± k·MAD drop what lies far from "
                            "the centre (prefer the median for skewed scores with long tails)"));
    form->addRow(tr("Method"), m_method);
    m_low = new QDoubleSpinBox(this);
    m_low->setObjectName(QStringLiteral("suggestLow"));
    m_high = new QDoubleSpinBox(this);
    m_high->setObjectName(QStringLiteral("suggestHigh"));
    for (QDoubleSpinBox* s : { m_low, m_high }) {
        s->setDecimals(2);
        s->setSingleStep(0.5);
    }
    m_lowLabel = new QLabel(this);
    m_highLabel = new QLabel(this);
    form->addRow(m_lowLabel, m_low);
    form->addRow(m_highLabel, m_high);
    m_sides = new QComboBox(this);
    m_sides->setObjectName(QStringLiteral("suggestSides"));
    m_sides->addItem(tr("Two-sided (min and max)"));
    m_sides->addItem(tr("One-sided: min only"));
    m_sides->addItem(tr("One-sided: max only"));
    m_sides->setToolTip(tr("A one-sided suggestion keeps the rule's other cutoff as it is"));
    form->addRow(tr("Sides"), m_sides);
    m_scope = new QComboBox(this);
    m_scope->setObjectName(QStringLiteral("suggestScope"));
    m_scope->addItem(tr("All documents"), kAll);
    m_scope->addItem(tr("Per group"), kGroup);
    if (m_corpus)
        for (const ColumnInfo& c : m_corpus->columns())
            if (c.categorical())
                m_scope->addItem(tr("Per label of %1").arg(QString::fromStdString(c.name)),
                    QString(kLabel + QString::fromStdString(c.name)));
    m_scope->setToolTip(tr("Per group or label: one cutoff per key with at least %1 values, written as the rule's "
                           "overrides; other keys keep the rule's own cutoffs")
                            .arg(kMinValuesPerKey));
    form->addRow(tr("Computed over"), m_scope);
    top->addLayout(form, 1);

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("suggestPreview"));
    m_table->setColumnCount(7);
    m_table->setHorizontalHeaderLabels(
        { tr("Column"), tr("Key"), tr("Min"), tr("Max"), tr("Would drop"), tr("% of documents"), tr("Missing") });
    m_table->horizontalHeaderItem(4)->setToolTip(tr("Documents whose value lies outside the suggested cutoffs"));
    m_table->horizontalHeaderItem(6)->setToolTip(
        tr("Documents without a value (a rule drops them unless it keeps missing values)"));
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    layout->addWidget(m_table, 1);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Apply)
        ->setToolTip(tr("Write these cutoffs into the rules (Edit > Undo takes them back)"));
    layout->addWidget(m_buttons);
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &SuggestDialog::apply);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    m_timer.setSingleShot(true);
    m_timer.setInterval(60);
    connect(&m_timer, &QTimer::timeout, this, &SuggestDialog::compute);

    // Numeric columns; the rule's column (or the ruled columns) ticked.
    if (m_corpus) {
        std::vector<std::string> ruled;
        if (column.empty() && m_filter)
            for (const FilterRule& r : m_filter->rules())
                ruled.push_back(r.column);
        else
            ruled.push_back(column);
        for (const ColumnInfo& c : m_corpus->columns()) {
            if (c.categorical())
                continue;
            auto* item = new QListWidgetItem(QString::fromStdString(c.name), m_columns);
            item->setToolTip(QString::fromStdString(c.definition));
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
            item->setCheckState(
                std::find(ruled.begin(), ruled.end(), c.name) != ruled.end() ? Qt::Checked : Qt::Unchecked);
        }
    }
    methodChanged();
    connect(m_columns, &QListWidget::itemChanged, this, &SuggestDialog::schedule);
    connect(m_method, &QComboBox::currentIndexChanged, this, &SuggestDialog::methodChanged);
    connect(m_low, &QDoubleSpinBox::valueChanged, this, &SuggestDialog::schedule);
    connect(m_high, &QDoubleSpinBox::valueChanged, this, &SuggestDialog::schedule);
    connect(m_sides, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_low->setEnabled(i != int(Sides::MaxOnly));
        m_high->setEnabled(i != int(Sides::MinOnly));
        schedule();
    });
    connect(m_scope, &QComboBox::currentIndexChanged, this, &SuggestDialog::schedule);
    resize(820, 520);
    schedule();
}

SuggestDialog* SuggestDialog::openFor(FilterState* filter, std::shared_ptr<const CorpusData> corpus, int ruleIndex,
    QWidget* parent, const SampleScope& sample)
{
    const auto& rules = filter->rules();
    const std::string column
        = ruleIndex >= 0 && ruleIndex < int(rules.size()) ? rules[size_t(ruleIndex)].column : std::string();
    auto* d = new SuggestDialog(filter, std::move(corpus), column, parent);
    d->setAttribute(Qt::WA_DeleteOnClose);
    d->setSample(sample);
    // Its preview is of a corpus that went: nothing of it may be applied to the next one.
    connect(filter, &FilterState::rulesChanged, d, [d](FilterState::Change change) {
        if (change == FilterState::Change::Cleared)
            d->reject();
    });
    d->open();
    return d;
}

void SuggestDialog::methodChanged()
{
    const bool percent = SuggestMethod(m_method->currentData().toInt()) == SuggestMethod::Percentile;
    const QSignalBlocker bl(m_low), bh(m_high);
    if (percent) {
        m_lowLabel->setText(tr("Lower percentile"));
        m_highLabel->setText(tr("Upper percentile"));
        m_low->setRange(0, 100);
        m_high->setRange(0, 100);
        m_low->setValue(1);
        m_high->setValue(99);
        m_low->setSuffix(QStringLiteral(" %"));
        m_high->setSuffix(QStringLiteral(" %"));
    } else {
        m_lowLabel->setText(tr("k below the centre"));
        m_highLabel->setText(tr("k above the centre"));
        m_low->setRange(0, 50);
        m_high->setRange(0, 50);
        m_low->setValue(3);
        m_high->setValue(3);
        m_low->setSuffix(QString());
        m_high->setSuffix(QString());
    }
    schedule();
}

void SuggestDialog::setColumns(const QStringList& columns)
{
    const QSignalBlocker b(m_columns);
    for (int i = 0; i < m_columns->count(); ++i)
        m_columns->item(i)->setCheckState(columns.contains(m_columns->item(i)->text()) ? Qt::Checked : Qt::Unchecked);
    schedule();
}

QStringList SuggestDialog::checkedColumns() const
{
    QStringList out;
    for (int i = 0; i < m_columns->count(); ++i)
        if (m_columns->item(i)->checkState() == Qt::Checked)
            out << m_columns->item(i)->text();
    return out;
}

void SuggestDialog::setMethod(SuggestMethod method)
{
    m_method->setCurrentIndex(m_method->findData(int(method)));
}

void SuggestDialog::setParameters(double low, double high)
{
    m_low->setValue(low);
    m_high->setValue(high);
}

void SuggestDialog::setSides(Sides sides)
{
    m_sides->setCurrentIndex(int(sides));
}

void SuggestDialog::setScope(const QString& scope)
{
    const QString data = scope.isEmpty() ? kAll : scope == QLatin1String("group") ? kGroup : QString(kLabel + scope);
    m_scope->setCurrentIndex(std::max(0, m_scope->findData(data)));
}

SuggestSpec SuggestDialog::spec() const
{
    SuggestSpec s;
    s.method = SuggestMethod(m_method->currentData().toInt());
    const Sides sides = Sides(m_sides->currentIndex());
    s.low = sides == Sides::MaxOnly ? std::nullopt : std::optional<double>(m_low->value());
    s.high = sides == Sides::MinOnly ? std::nullopt : std::optional<double>(m_high->value());
    if (s.method == SuggestMethod::Percentile && s.low && s.high && *s.low > *s.high)
        std::swap(*s.low, *s.high);
    return s;
}

void SuggestDialog::schedule()
{
    m_busy = true;
    m_jobs.invalidate(); // a preview for other settings is of no use
    m_buttons->button(QDialogButtonBox::Apply)->setEnabled(false);
    m_status->setText(tr("Computing…"));
    m_timer.start();
}

void SuggestDialog::compute()
{
    const QStringList columns = checkedColumns();
    if (!m_corpus || columns.isEmpty()) {
        m_busy = false;
        m_suggestions.clear();
        showPreview();
        m_status->setText(tr("Tick the columns to suggest cutoffs for."));
        Q_EMIT previewReady();
        return;
    }
    const SuggestSpec spec = this->spec();
    const QString scope = m_scope->currentData().toString();
    // Copies of the columns and keys (a million floats copy in about a millisecond).
    auto jobs = std::make_shared<std::vector<Job>>();
    for (const QString& c : columns) {
        const int i = m_corpus->columnIndex(c.toStdString());
        if (i >= 0)
            jobs->push_back({ c.toStdString(), m_corpus->scores(size_t(i)).toVector() });
    }
    auto keys = std::make_shared<std::vector<uint32_t>>();
    auto keyNames = std::make_shared<std::vector<std::string>>();
    std::string scopeName;
    if (scope == kGroup) {
        *keys = m_corpus->groups();
        *keyNames = m_corpus->groupNames();
        scopeName = "group";
    } else if (scope.startsWith(kLabel)) {
        scopeName = scope.mid(kLabel.size()).toStdString();
        if (const int bc = m_corpus->columnIndex(scopeName); bc >= 0) {
            *keyNames = m_corpus->columns()[size_t(bc)].categories;
            *keys = categoricalKeys(m_corpus->scores(size_t(bc)), keyNames->size());
        }
    }
    const bool perKey = !scopeName.empty();
    const JobTracker::Token job = m_jobs.start();
    QtConcurrent::run([jobs, keys, keyNames, spec, perKey]() {
        std::vector<CutoffSuggestion> out;
        for (const Job& j : *jobs) {
            if (!perKey) {
                out.push_back(suggestCutoffs(j.values, spec, j.column));
                continue;
            }
            std::vector<uint32_t> k = *keys;
            k.resize(j.values.size(), uint32_t(keyNames->size()));
            for (auto& s : suggestCutoffsPerKey(j.values, k, *keyNames, spec, j.column, kMinValuesPerKey))
                // A key without a name cannot be an override (its "" would be the rule's own bounds).
                if (!s.key.empty())
                    out.push_back(std::move(s));
        }
        return out;
    }).then(this, [this, job, spec, scopeName](std::vector<CutoffSuggestion> out) {
        if (!m_jobs.isCurrent(job))
            return;
        m_busy = false;
        m_suggestions = std::move(out);
        if (m_sample.active())
            for (CutoffSuggestion& s : m_suggestions) {
                s.from.sample = m_sample.selection;
                s.from.sampleOf = m_sample.population;
            }
        m_previewSpec = spec;
        m_previewScope = scopeName;
        showPreview();
        Q_EMIT previewReady();
    });
}

void SuggestDialog::setSample(const SampleScope& sample)
{
    m_sample = sample;
    schedule();
}

void SuggestDialog::showPreview()
{
    const QLocale loc;
    m_table->setRowCount(int(m_suggestions.size()));
    int belowData = 0;
    for (size_t i = 0; i < m_suggestions.size(); ++i) {
        const CutoffSuggestion& s = m_suggestions[i];
        const uint64_t considered = s.docs;
        const double pct = considered ? 100.0 * double(s.dropped()) / double(considered) : 0;
        QString minText = cutoffText(s.min);
        if (s.negativeMinLeftOut) {
            minText = tr("none");
            ++belowData;
        }
        QString pctText = loc.toString(pct, 'f', 2) + QStringLiteral(" %");
        if (m_sample.active() && considered) {
            const Interval ci = m_sample.fraction(s.dropped(), considered);
            pctText = QStringLiteral("≈ %1 (%2–%3 %)")
                          .arg(pctText, loc.toString(100 * ci.low, 'f', 1), loc.toString(100 * ci.high, 'f', 1));
        }
        const QStringList cells = { QString::fromStdString(s.column),
            s.key.empty() ? tr("(all)") : QString::fromStdString(s.key), minText, cutoffText(s.max),
            loc.toString(qulonglong(s.dropped())), pctText, loc.toString(qulonglong(s.missing)) };
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c >= 2)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (c == 2 && s.negativeMinLeftOut)
                item->setToolTip(tr("The method's min is negative, and this score has no negative values: it "
                                    "would drop nothing, so none is suggested"));
            if (c == 4)
                item->setToolTip(
                    tr("%1 below the min, %2 above the max, of %3 documents")
                        .arg(loc.toString(qulonglong(s.droppedBelow)), loc.toString(qulonglong(s.droppedAbove)),
                            loc.toString(qulonglong(considered))));
            m_table->setItem(int(i), c, item);
        }
    }
    QString text = m_suggestions.empty()
        ? tr("No suggestion: no values, or no key with %1 values or more.").arg(kMinValuesPerKey)
        : tr("%n cutoff(s), %1.", nullptr, int(m_suggestions.size()))
              .arg(QString::fromStdString(m_previewSpec.describe()));
    if (belowData)
        text += QLatin1Char(' ') + tr("%n negative min(s) left out: the score is never negative.", nullptr, belowData);
    if (!m_previewScope.empty())
        text += QLatin1Char(' ')
            + tr("Keys with fewer than %1 values keep the rule's own cutoffs.").arg(kMinValuesPerKey);
    if (m_sample.active())
        text += QLatin1Char(' ')
            + tr("Computed on a sample of %1 of %2 %3 documents: the shares are estimates with their 95% interval, "
                 "and the cutoffs record the sample they came from.")
                  .arg(loc.toString(qulonglong(m_sample.documents)), m_sample.populationExact ? QString() : tr("about"),
                      loc.toString(qulonglong(m_sample.population)))
                  .simplified();
    m_status->setText(text);
    m_buttons->button(QDialogButtonBox::Apply)->setEnabled(!m_suggestions.empty() && m_filter);
}

std::vector<FilterRule> SuggestDialog::proposedRules() const
{
    std::vector<FilterRule> rules = m_filter ? m_filter->rules() : std::vector<FilterRule>();
    const bool perKey = !m_previewScope.empty();
    const std::string by = m_previewScope == "group" ? std::string() : m_previewScope;
    for (const CutoffSuggestion& s : m_suggestions) {
        auto it = std::find_if(rules.begin(), rules.end(), [&](const FilterRule& r) { return r.column == s.column; });
        if (it == rules.end()) {
            FilterRule r;
            r.column = s.column;
            rules.push_back(std::move(r));
            it = rules.end() - 1;
        }
        FilterRule& rule = *it;
        if (perKey && rule.by != by) {
            rule.by = by;
            rule.overrides.clear();
        }
        // A one-sided suggestion keeps the other cutoff in effect for its documents: the
        // key's override when it has one, else the rule's own.
        const Bounds before = perKey && rule.overrides.count(s.key) ? rule.overrides[s.key] : rule.bounds;
        acceptSuggestion(rule, s);
        Bounds& b = perKey ? rule.overrides[s.key] : rule.bounds;
        if (!m_previewSpec.low)
            b.min = before.min;
        if (!m_previewSpec.high)
            b.max = before.max;
    }
    return rules;
}

void SuggestDialog::apply()
{
    if (!m_filter || m_busy || m_suggestions.empty())
        return;
    m_filter->setRules(proposedRules());
    accept();
}

} // namespace shardscope
