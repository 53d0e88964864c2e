#include "histogramstack.h"

#include <histogramwidget.h>

#include <QComboBox>
#include <QFuture>
#include <QLabel>
#include <QScrollArea>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace shardscope {

HistogramStack::HistogramStack(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->setSpacing(2);
    m_add = new QComboBox(this);
    m_add->setObjectName(QStringLiteral("addHistogram"));
    m_add->setToolTip(tr("Add the histogram of another score"));
    layout->addWidget(m_add);
    auto* scroll = m_scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_container = new QWidget(scroll);
    m_layout = new QVBoxLayout(m_container);
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_placeholder = new QLabel(tr("Histograms appear here while the corpus is scanned.\n\n"
                                  "Click or drag on a histogram to set a cutoff (Shift: the other side); "
                                  "the table, counts and viewer follow. Ctrl+drag pans, Ctrl+wheel zooms."),
        m_container);
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_layout->addWidget(m_placeholder);
    m_layout->addStretch(1);
    scroll->setWidget(m_container);
    layout->addWidget(scroll, 1);
    connect(m_add, &QComboBox::activated, this, [this](int index) {
        const QString column = m_add->itemData(index).toString();
        if (!column.isEmpty()) {
            showColumn(column);
            Q_EMIT shownColumnsChanged(m_shown);
            // The new plot is last: bring it into view once the layout has placed it.
            if (HistogramWidget* h = histogram(column))
                QTimer::singleShot(0, h, [this, h]() {
                    m_layout->activate();
                    m_scroll->ensureWidgetVisible(h, 0, 0);
                });
        }
        m_add->setCurrentIndex(0);
    });
}

bool HistogramStack::setCorpus(std::shared_ptr<const CorpusData> corpus, const QStringList& wanted, bool promoteLm)
{
    for (auto& [name, h] : m_histograms)
        delete h;
    m_histograms.clear();
    m_shown.clear();
    m_summary.reset();
    m_rules.clear();
    m_splitBy.clear();
    ++m_groupJob; // a split of the previous corpus is not for these plots
    m_corpus = std::move(corpus);
    if (!m_corpus) {
        m_placeholder->show();
        m_add->clear();
        Q_EMIT plotsChanged();
        return false;
    }
    QStringList names;
    for (const auto& c : m_corpus->columns())
        names << QString::fromStdString(c.name);
    for (const QString& c : wanted)
        if (names.contains(c))
            m_shown << c;
    // Default: the first two scores (the compression ratios).
    if (m_shown.isEmpty())
        m_shown = names.mid(0, 2);
    bool promoted = false;
    if (promoteLm && names.contains(QStringLiteral("lm_bpb"))) {
        for (const QString& c : { QStringLiteral("lm_bpb"), QStringLiteral("lm_loss") })
            if (names.contains(c) && !m_shown.contains(c))
                m_shown << c;
        promoted = true;
    }
    ensure();
    return promoted;
}

void HistogramStack::replaceCorpus(std::shared_ptr<const CorpusData> corpus)
{
    m_corpus = std::move(corpus);
    ensure();
}

HistogramWidget* HistogramStack::histogram(const QString& column) const
{
    auto it = m_histograms.find(column);
    return it == m_histograms.end() ? nullptr : it->second;
}

void HistogramStack::showColumn(const QString& column)
{
    if (!m_shown.contains(column))
        m_shown << column;
    ensure();
    if (histogram(column) && m_summary && !m_summary->column(column.toStdString()))
        Q_EMIT summaryMissing();
}

void HistogramStack::hideColumn(const QString& column)
{
    for (const auto& r : m_rules)
        if (r.column == column.toStdString()) {
            Q_EMIT message(tr("%1 has an active rule; remove the rule first to hide its histogram").arg(column));
            return;
        }
    m_shown.removeAll(column);
    ensure();
    Q_EMIT shownColumnsChanged(m_shown);
}

void HistogramStack::setRules(const std::vector<FilterRule>& rules, bool moveLines)
{
    m_rules = rules;
    // A rule that gained or lost per-label overrides: its plot is split by the other key.
    for (const auto& [name, h] : m_histograms)
        if (const auto it = m_splitBy.find(name); it != m_splitBy.end() && it->second != splitKeyFor(name)) {
            requestGroupValues();
            break;
        }
    if (!moveLines)
        return;
    ensure();
    for (auto& [name, h] : m_histograms)
        applyBounds(name, h);
}

const FilterRule* HistogramStack::ruleFor(const QString& column) const
{
    const FilterRule* rule = nullptr;
    for (const auto& r : m_rules)
        if (r.column == column.toStdString())
            rule = &r;
    return rule;
}

std::string HistogramStack::splitKeyFor(const QString& column) const
{
    // A rule with per-label overrides splits its plot by that label; else by group.
    const FilterRule* rule = ruleFor(column);
    if (!rule || rule->byGroup() || !m_corpus)
        return {};
    const int by = m_corpus->columnIndex(rule->by);
    return by >= 0 && m_corpus->columns()[size_t(by)].categorical() ? rule->by : std::string();
}

QString HistogramStack::keyName(const QString& column, int key) const
{
    if (key < 0 || !m_corpus)
        return {};
    const auto it = m_splitBy.find(column);
    const std::string by = it == m_splitBy.end() ? std::string() : it->second;
    if (by.empty())
        return size_t(key) < m_corpus->groupNames().size() ? QString::fromStdString(m_corpus->groupNames()[size_t(key)])
                                                           : QString();
    const int col = m_corpus->columnIndex(by);
    if (col < 0)
        return {};
    const auto& labels = m_corpus->columns()[size_t(col)].categories;
    return size_t(key) < labels.size() ? QString::fromStdString(labels[size_t(key)]) : QString();
}

void HistogramStack::applyBounds(const QString& column, HistogramWidget* h)
{
    const FilterRule* rule = ruleFor(column);
    const int key = h->selectedGroup();
    if (key < 0 || !m_corpus) {
        h->setGroupNote({});
        h->setBounds(rule ? rule->bounds.min : std::nullopt, rule ? rule->bounds.max : std::nullopt);
        return;
    }
    const auto split = m_splitBy.find(column);
    const std::string by = split == m_splitBy.end() ? std::string() : split->second;
    if (!rule) {
        h->setGroupNote(tr("no rule: a cutoff set here applies to these documents only"));
        h->setBounds(std::nullopt, std::nullopt);
        return;
    }
    if (rule->by != by) {
        h->setGroupNote(
            tr("the rule's overrides are by %1 (edit them in the panel)").arg(QString::fromStdString(rule->by)));
        h->setBounds(rule->bounds.min, rule->bounds.max);
        return;
    }
    const auto it = rule->overrides.find(keyName(column, key).toStdString());
    if (it == rule->overrides.end()) {
        h->setGroupNote(tr("the rule's bounds (no override yet)"));
        h->setBounds(rule->bounds.min, rule->bounds.max);
    } else if (it->second.disabled) {
        h->setGroupNote(tr("the rule is off here"));
        h->setBounds(std::nullopt, std::nullopt);
    } else {
        h->setGroupNote(tr("an override"));
        h->setBounds(it->second.min, it->second.max);
    }
}

void HistogramStack::onUserBounds(const QString& column, HistogramWidget* h)
{
    const int key = h->selectedGroup();
    if (key < 0 || !m_corpus) {
        Q_EMIT boundsChanged(column, h->minCutoff(), h->maxCutoff());
        return;
    }
    const auto split = m_splitBy.find(column);
    const std::string by = split == m_splitBy.end() ? std::string() : split->second;
    const FilterRule* rule = ruleFor(column);
    if (rule && rule->by != by) {
        Q_EMIT message(tr("The rule on %1 has overrides by %2: edit them in the Thresholds panel")
                           .arg(column, QString::fromStdString(rule->by)));
        applyBounds(column, h);
        return;
    }
    Q_EMIT groupBoundsChanged(column, keyName(column, key), h->minCutoff(), h->maxCutoff());
}

void HistogramStack::requestGroupValues()
{
    if (!m_corpus || !m_summary)
        return;
    struct Task {
        std::string column, by;
        std::shared_ptr<const std::vector<uint32_t>> keys;
        std::vector<std::string> names;
    };
    std::vector<Task> tasks;
    // Copied here: the corpus grows on this thread while a scan runs.
    std::shared_ptr<const std::vector<uint32_t>> groups;
    std::map<std::string, std::shared_ptr<const std::vector<uint32_t>>> labels;
    for (const auto& [name, h] : m_histograms) {
        const ColumnSummary* cs = m_summary->column(name.toStdString());
        if (!cs || cs->stats.categorical())
            continue;
        Task t { name.toStdString(), splitKeyFor(name), nullptr, {} };
        if (const auto it = m_splitBy.find(name); it != m_splitBy.end() && it->second != t.by)
            h->setSelectedGroup(-1); // its key means something else in the new split
        m_splitBy[name] = t.by;
        if (t.by.empty()) {
            if (m_corpus->groupNames().size() < 2)
                continue;
            if (!groups)
                groups = std::make_shared<const std::vector<uint32_t>>(m_corpus->groups());
            t.keys = groups;
            t.names = m_corpus->groupNames();
        } else {
            const size_t by = size_t(m_corpus->columnIndex(t.by));
            auto& keys = labels[t.by];
            if (!keys) {
                const std::span<const float> v = m_corpus->scores(by).span();
                auto k = std::make_shared<std::vector<uint32_t>>(v.size());
                for (size_t i = 0; i < v.size(); ++i)
                    (*k)[i] = std::isnan(v[i]) || v[i] < 0 ? UINT32_MAX : uint32_t(v[i]);
                keys = std::move(k);
            }
            t.keys = keys;
            t.names = m_corpus->columns()[by].categories;
        }
        tasks.push_back(std::move(t));
    }
    if (tasks.empty())
        return;
    const uint64_t job = ++m_groupJob;
    struct Split {
        std::string column, by;
        std::vector<GroupValues> values;
        std::vector<std::string> names;
    };
    QtConcurrent::run([summary = m_summary, tasks = std::move(tasks)]() {
        std::vector<Split> out;
        for (const auto& t : tasks)
            if (const ColumnSummary* cs = summary->column(t.column))
                out.push_back({ t.column, t.by, splitByGroup(*cs, *t.keys, t.names.size()), t.names });
        return out;
    }).then(this, [this, job](std::vector<Split> out) {
        if (job != m_groupJob)
            return;
        for (auto& s : out)
            if (HistogramWidget* h = histogram(QString::fromStdString(s.column)))
                h->setGroupValues(std::move(s.values), std::move(s.names), QString::fromStdString(s.by));
    });
}

void HistogramStack::setSummary(std::shared_ptr<const CorpusSummary> summary)
{
    m_summary = std::move(summary);
    ensure();
    if (!m_summary || !m_corpus)
        return;
    for (const auto& cs : m_summary->columns)
        if (HistogramWidget* h = histogram(QString::fromStdString(cs.name)))
            h->setSummary(cs, m_corpus->groupNames());
    requestGroupValues();
}

std::vector<FilterRule> HistogramStack::withOverrideBounds(std::vector<FilterRule> rules, const QString& column,
    const QString& key, std::optional<double> min, std::optional<double> max)
{
    const std::string name = column.toStdString();
    auto it = std::find_if(rules.begin(), rules.end(), [&](const FilterRule& r) { return r.column == name; });
    if (it == rules.end()) {
        rules.emplace_back().column = name;
        it = rules.end() - 1;
    }
    Bounds& b = it->overrides[key.toStdString()];
    b.min = min;
    b.max = max;
    b.disabled = false;
    b.in.reset();
    b.suggested.reset(); // placed by hand now
    return rules;
}

void HistogramStack::toggleLogScale()
{
    for (auto& [name, h] : m_histograms)
        h->setLogScale(!h->logScale());
}

void HistogramStack::toggleGroupOverlay()
{
    for (auto& [name, h] : m_histograms)
        h->setGroupOverlay(!h->groupOverlay());
}

void HistogramStack::ensure()
{
    if (!m_corpus)
        return;
    m_placeholder->setVisible(m_corpus->columnCount() == 0);
    // Columns with rules are always on display, so every cutoff can be seen and dragged.
    for (const auto& r : m_rules) {
        const QString c = QString::fromStdString(r.column);
        if (!m_shown.contains(c) && m_corpus->columnIndex(r.column) >= 0)
            m_shown << c;
    }
    for (auto it = m_histograms.begin(); it != m_histograms.end();) {
        if (!m_shown.contains(it->first)) {
            delete it->second;
            it = m_histograms.erase(it);
        } else {
            ++it;
        }
    }
    int position = 0;
    bool split = false;
    for (const QString& name : std::as_const(m_shown)) {
        const int col = m_corpus->columnIndex(name.toStdString());
        if (col < 0)
            continue;
        HistogramWidget* h = histogram(name);
        if (!h) {
            h = new HistogramWidget(name, m_container);
            h->setToolTip(QString::fromStdString(m_corpus->columns()[size_t(col)].definition));
            // Small enough that four histograms fit the dock's height at 1600x1000 beside a usable table;
            // they share whatever height there is beyond that (issue 20).
            h->setMinimumHeight(170);
            m_histograms[name] = h;
            connect(h, &HistogramWidget::boundsChanged, this, [this, h, name]() { onUserBounds(name, h); });
            connect(h, &HistogramWidget::selectedGroupChanged, this, [this, h, name]() { applyBounds(name, h); });
            connect(h, &HistogramWidget::dragFinished, this, &HistogramStack::dragFinished);
            connect(h, &HistogramWidget::closeRequested, this, [this, name]() { hideColumn(name); });
            applyBounds(name, h);
            if (m_summary)
                if (const ColumnSummary* cs = m_summary->column(name.toStdString())) {
                    h->setSummary(*cs, m_corpus->groupNames());
                    split = true;
                }
            h->show();
        }
        // Placeholder first, then the histograms in display order, then the stretch, which takes no height
        // from the histograms (they grow to fill the dock instead).
        m_layout->insertWidget(1 + position++, h, 1);
    }
    m_layout->setStretch(m_layout->count() - 1, 0);

    // The chooser offers the columns not on display.
    const QSignalBlocker b(m_add);
    m_add->clear();
    m_add->addItem(tr("Add a histogram…"));
    for (const auto& c : m_corpus->columns()) {
        const QString name = QString::fromStdString(c.name);
        if (!m_shown.contains(name)) {
            m_add->addItem(name, name);
            m_add->setItemData(m_add->count() - 1, QString::fromStdString(c.definition), Qt::ToolTipRole);
        }
    }
    Q_EMIT plotsChanged();
    if (split)
        requestGroupValues();
}

} // namespace shardscope
