#include "histogramwidget.h"

#include "qcustomplot_include.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QSignalBlocker>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace shardscope {

namespace {

const QColor kCutColor(0xd3, 0x2f, 0x2f);

QColor groupColor(int i)
{
    static const QColor colors[]
        = { QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c), QColor(0x94, 0x67, 0xbd),
              QColor(0x8c, 0x56, 0x4b), QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f), QColor(0xbc, 0xbd, 0x22) };
    return colors[i % 8];
}

QString number(double v)
{
    return QString::number(v, 'g', 4);
}

constexpr size_t kMaxOverlayGroups = 8;

} // namespace

std::vector<GroupValues> splitByGroup(
    const ColumnSummary& summary, const std::vector<uint32_t>& docGroups, size_t groupCount)
{
    if (summary.empty() || !summary.order)
        return {};
    const auto& order = *summary.order;
    const auto& values = *summary.sortedValues;
    const size_t n = std::min(order.size(), values.size());
    std::vector<size_t> sizes(groupCount, 0);
    for (size_t i = 0; i < n; ++i)
        if (order[i] < docGroups.size() && docGroups[order[i]] < groupCount)
            ++sizes[docGroups[order[i]]];
    std::vector<std::vector<float>> per(groupCount);
    for (size_t g = 0; g < groupCount; ++g)
        per[g].reserve(sizes[g]);
    // The summary's order is by value, so each group's share comes out sorted.
    for (size_t i = 0; i < n; ++i)
        if (order[i] < docGroups.size() && docGroups[order[i]] < groupCount)
            per[docGroups[order[i]]].push_back(values[i]);
    std::vector<GroupValues> out;
    for (size_t g = 0; g < groupCount; ++g)
        if (!per[g].empty())
            out.push_back({ uint32_t(g), std::make_shared<const std::vector<float>>(std::move(per[g])) });
    return out;
}

HistogramWidget::HistogramWidget(const QString& column, QWidget* parent)
    : QWidget(parent)
    , m_column(column)
{
    setObjectName(QStringLiteral("histogram-") + column);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(2);

    auto* top = new QHBoxLayout;
    m_title = new QLabel(QStringLiteral("<b>%1</b>").arg(column.toHtmlEscaped()), this);
    m_info = new QLabel(this);
    // Clipped rather than widening the dock; the full text is in the tooltip.
    m_info->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_info->setMinimumWidth(0);
    QFont small = m_info->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    m_info->setFont(small);
    top->addWidget(m_title);
    top->addWidget(m_info, 1);
    m_logBox = new QCheckBox(tr("log"), this);
    m_logBox->setToolTip(tr("Logarithmic counts"));
    m_overlayBox = new QCheckBox(tr("groups"), this);
    m_overlayBox->setToolTip(tr("Overlay the largest groups' histograms"));
    m_groupBox = new QComboBox(this);
    m_groupBox->setObjectName(QStringLiteral("groupBox"));
    m_groupBox->setToolTip(tr("Show one group's histogram and edit that group's cutoffs (an override of the rule)"));
    m_groupBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_groupBox->setMinimumContentsLength(5);
    // It takes the room the spin boxes leave and no more, so the dock never scrolls sideways.
    m_groupBox->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_groupBox->setMinimumWidth(56);
    m_groupBox->setVisible(false);
    m_rangeButton = new QToolButton(this);
    m_rangeButton->setObjectName(QStringLiteral("rangeButton"));
    m_rangeButton->setText(tr("p1–p99"));
    m_rangeButton->setCheckable(true);
    m_rangeButton->setAutoRaise(true);
    m_rangeButton->setToolTip(tr("Zoom to the 1st–99th percentile (on) or show the whole data range (off)"));
    top->addWidget(m_rangeButton);
    top->addWidget(m_logBox);
    top->addWidget(m_overlayBox);
    auto* close = new QToolButton(this);
    close->setText(QStringLiteral("×"));
    close->setAutoRaise(true);
    close->setToolTip(tr("Hide this histogram (its cutoffs stay active)"));
    connect(close, &QToolButton::clicked, this, &HistogramWidget::closeRequested);
    top->addWidget(close);
    layout->addLayout(top);

    auto* controls = new QHBoxLayout;
    auto makeSpin = [this]() {
        auto* s = new QDoubleSpinBox(this);
        s->setDecimals(4);
        s->setRange(-1e12, 1e12);
        s->setKeyboardTracking(false);
        s->setAccelerated(true);
        s->setMinimumWidth(64);
        return s;
    };
    m_minBox = new QCheckBox(tr("min"), this);
    m_minBox->setToolTip(tr("Drop documents below this value"));
    m_minSpin = makeSpin();
    m_minSpin->setObjectName(QStringLiteral("minSpin"));
    m_maxBox = new QCheckBox(tr("max"), this);
    m_maxBox->setToolTip(tr("Drop documents above this value"));
    m_maxSpin = makeSpin();
    m_maxSpin->setObjectName(QStringLiteral("maxSpin"));
    controls->addWidget(m_minBox);
    controls->addWidget(m_minSpin);
    controls->addSpacing(4);
    controls->addWidget(m_maxBox);
    controls->addWidget(m_maxSpin);
    controls->addStretch(1);
    controls->addWidget(m_groupBox, 3);
    layout->addLayout(controls);

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("plot-") + column);
    m_plot->setMinimumHeight(100);
    m_plot->setNotAntialiasedElements(QCP::aeAll);
    // Range dragging is switched on for a press with Ctrl only (onMousePress): plain presses
    // place cutoffs. Zooming is filtered to Ctrl+wheel (eventFilter).
    m_plot->setInteractions(QCP::iRangeZoom);
    m_plot->installEventFilter(this);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->xAxis->setLabel(column);
    m_plot->yAxis->setLabel(tr("documents"));
    m_plot->yAxis->setNumberFormat(QStringLiteral("gb"));
    layout->addWidget(m_plot, 1);

    m_bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_bars->setWidthType(QCPBars::wtPlotCoords);
    m_bars->setName(tr("all"));
    m_errors = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis);
    m_errors->setDataPlottable(m_bars);
    m_errors->setErrorType(QCPErrorBars::etValueError);
    m_errors->setSymbolGap(0);
    m_errors->setWhiskerWidth(5);
    m_errors->removeFromLegend();
    m_errors->setVisible(false);
    m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_plot->legend->setWrap(4);

    // Cutoff items live on a buffered layer above the bars: moving them re-renders only
    // this layer.
    m_plot->addLayer(QStringLiteral("cutoffs"), m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    m_cutoffLayer = m_plot->layer(QStringLiteral("cutoffs"));
    m_cutoffLayer->setMode(QCPLayer::lmBuffered);
    auto makeShade = [this]() {
        auto* r = new QCPItemRect(m_plot);
        r->setLayer(m_cutoffLayer);
        r->setClipToAxisRect(true);
        r->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
        r->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
        r->setPen(Qt::NoPen);
        QColor fill = kCutColor;
        fill.setAlpha(40);
        r->setBrush(fill);
        r->setSelectable(false);
        return r;
    };
    auto makeLine = [this]() {
        auto* l = new QCPItemStraightLine(m_plot);
        l->setLayer(m_cutoffLayer);
        l->setClipToAxisRect(true);
        l->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
        l->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
        l->setSelectable(false);
        return l;
    };
    m_minShade = makeShade();
    m_maxShade = makeShade();
    m_minLine = makeLine();
    m_maxLine = makeLine();

    connect(m_plot, &QCustomPlot::mousePress, this, &HistogramWidget::onMousePress);
    connect(m_plot, &QCustomPlot::mouseMove, this, &HistogramWidget::onMouseMove);
    connect(m_plot, &QCustomPlot::mouseRelease, this, &HistogramWidget::onMouseRelease);
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent* event) {
        // A plain double-click is two clicks placing a cutoff; with Ctrl it restores the view.
        if (!(event->modifiers() & Qt::ControlModifier))
            return;
        updateAxes();
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    });
    connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
        [this](const QCPRange&) { updateCutoffItems(); });

    connect(m_minSpin, &QDoubleSpinBox::valueChanged, this, [this](double v) { setEdgeValue(Edge::Min, v, true); });
    connect(m_maxSpin, &QDoubleSpinBox::valueChanged, this, [this](double v) { setEdgeValue(Edge::Max, v, true); });
    connect(m_minBox, &QCheckBox::toggled, this, [this](bool on) {
        setEdgeValue(Edge::Min, on ? std::optional<double>(m_minSpin->value()) : std::nullopt, true);
    });
    connect(m_maxBox, &QCheckBox::toggled, this, [this](bool on) {
        setEdgeValue(Edge::Max, on ? std::optional<double>(m_maxSpin->value()) : std::nullopt, true);
    });
    connect(m_logBox, &QCheckBox::toggled, this, &HistogramWidget::setLogScale);
    connect(m_overlayBox, &QCheckBox::toggled, this, &HistogramWidget::setGroupOverlay);
    connect(m_rangeButton, &QToolButton::toggled, this, &HistogramWidget::setPercentileView);
    connect(m_groupBox, &QComboBox::activated, this,
        [this](int index) { setSelectedGroup(m_groupBox->itemData(index).toInt()); });

    applyPalette();
    updateCutoffItems();
    syncControls();
}

HistogramWidget::~HistogramWidget() = default;

QDoubleSpinBox* HistogramWidget::spinBox(Edge edge) const
{
    return edge == Edge::Min ? m_minSpin : m_maxSpin;
}

QCheckBox* HistogramWidget::enableBox(Edge edge) const
{
    return edge == Edge::Min ? m_minBox : m_maxBox;
}

void HistogramWidget::clear()
{
    m_hasData = false;
    m_summary = {};
    m_catBars.clear();
    m_groupNames.clear();
    m_groupValues.clear();
    m_keyNames.clear();
    m_keyColumn.clear();
    m_group = -1;
    m_info->clear();
    updateGroupBox();
    redraw();
}

void HistogramWidget::setSummary(const ColumnSummary& summary, const std::vector<std::string>& groupNames)
{
    m_summary = summary;
    m_groupNames = groupNames;
    m_hasData = !summary.empty();
    const auto& st = summary.stats;
    setCategorical(st.categorical());
    if (m_hasData && m_categorical)
        m_catBars = st.topCategories(size_t(kMaxCategoryBars));
    // The lines reach every value: the data's extremes, not only the binned range.
    m_clampLo = std::min(summary.dataMin, st.histogram.lo);
    m_clampHi = std::max(summary.dataMax, st.histogram.hi);
    if (m_hasData && !m_categorical) {
        m_clampLo = summary.dataMin;
        m_clampHi = summary.dataMax;
    }
    if (!(m_clampHi > m_clampLo))
        m_clampHi = m_clampLo + 1;
    const double step = (m_clampHi - m_clampLo) / 200.0;
    const double mag = step > 0 ? std::pow(10.0, std::floor(std::log10(step))) : 0.01;
    m_minSpin->setSingleStep(mag);
    m_maxSpin->setSingleStep(mag);
    if (m_categorical)
        updateCategoryTicks();
    updateGroupBox();
    redraw();
    syncControls(); // the spin boxes follow the new clamp range
}

void HistogramWidget::updateInfo()
{
    const auto& st = m_summary.stats;
    const QLocale loc;
    QString info;
    if (m_hasData && m_categorical) {
        const size_t present = st.topCategories().size();
        info = tr("n=%1").arg(loc.toString(qulonglong(st.count)));
        if (st.missing)
            info += tr(" · missing %1").arg(loc.toString(qulonglong(st.missing)));
        info += tr(" · %1 of %2 categories present").arg(present).arg(st.categories.size());
        if (present > m_catBars.size())
            info += tr(" · top %1 shown").arg(m_catBars.size());
    } else if (m_hasData) {
        const GroupValues* shown = nullptr;
        for (const auto& g : m_groupValues)
            if (int(g.group) == m_group)
                shown = &g;
        if (shown) {
            const auto& v = *shown->sorted;
            info = (m_keyColumn.isEmpty() ? tr("group %1").arg(keyLabel(shown->group))
                                          : QStringLiteral("%1 = %2").arg(m_keyColumn, keyLabel(shown->group)))
                + tr(": n=%1").arg(loc.toString(qulonglong(v.size())));
            info += tr(" · median %1").arg(number(v[v.size() / 2]));
            info += tr(" · range %1 … %2").arg(number(v.front()), number(v.back()));
        } else {
            info = tr("n=%1").arg(loc.toString(qulonglong(st.count)));
            if (st.missing)
                info += tr(" · missing %1").arg(loc.toString(qulonglong(st.missing)));
            if (st.percentiles.size() >= 4) {
                info += tr(" · median %1").arg(number(st.percentiles[3]));
                if (m_sample.active() && m_summary.sortedValues && !m_summary.sortedValues->empty()) {
                    const Interval ci = quantileInterval(
                        *m_summary.sortedValues, 0.5, uint64_t(std::llround(m_sample.populationDocuments())));
                    info += QStringLiteral(" (%1–%2)").arg(number(ci.low), number(ci.high));
                }
            }
            info += tr(" · range %1 … %2").arg(number(m_summary.dataMin), number(m_summary.dataMax));
        }
        if (m_bins.below || m_bins.above)
            info += tr(" · %1 below / %2 above the view")
                        .arg(loc.toString(qulonglong(m_bins.below)), loc.toString(qulonglong(m_bins.above)));
        if (!m_groupNote.isEmpty() && shown)
            info += QStringLiteral(" · ") + m_groupNote;
    } else {
        info = tr("no values");
    }
    if (m_hasData && m_sample.active())
        info += tr(" · sample ×%1").arg(number(m_sample.scale()));
    m_info->setText(info);
    m_info->setToolTip(info);
}

void HistogramWidget::rebin()
{
    m_bins = {};
    m_overlayBins.clear();
    const auto& st = m_summary.stats;
    if (m_categorical || !m_hasData) {
        m_bins = st.histogram;
        return;
    }
    // The view: every value, or p1..p99 (percentiles are at 1, 5, 25, 50, 75, 95, 99).
    double lo = m_summary.dataMin, hi = m_summary.dataMax;
    const auto& p = st.percentiles;
    if (m_percentileView && p.size() >= 7 && p[6] > p[0]) {
        lo = p[0];
        hi = p[6];
    }
    if (!(hi > lo)) {
        lo -= 0.5;
        hi += 0.5;
    }
    // Freedman-Diaconis on the whole column, as ColumnStats does, so a group's bars line up
    // with the overlay's.
    int bins = 10;
    if (p.size() >= 7 && st.count > 0) {
        const double width = 2 * (p[4] - p[2]) / std::cbrt(double(st.count));
        bins = width > 0 ? int(std::min(1e6, std::ceil((hi - lo) / width))) : 10;
        bins = std::clamp(bins, 10, 200);
    }
    auto build = [&](const std::vector<float>& v) { return Histogram::build(v.data(), v.size(), lo, hi, bins); };
    const GroupValues* shown = nullptr;
    for (const auto& g : m_groupValues)
        if (int(g.group) == m_group)
            shown = &g;
    m_bins = build(shown ? *shown->sorted : *m_summary.sortedValues);
    if (!m_overlay || shown)
        return;
    if (m_groupValues.size() > 1) {
        std::vector<const GroupValues*> largest;
        for (const auto& g : m_groupValues)
            largest.push_back(&g);
        std::stable_sort(largest.begin(), largest.end(),
            [](const GroupValues* a, const GroupValues* b) { return a->sorted->size() > b->sorted->size(); });
        largest.resize(std::min(largest.size(), kMaxOverlayGroups));
        for (const GroupValues* g : largest)
            m_overlayBins.emplace_back(g->group, build(*g->sorted));
    } else {
        // No per-group values yet: the summary's own overlay bins (drawn at their keys, scaled
        // to the bars' bin width in rebuildPlottables).
        for (const auto& g : m_summary.groups) {
            Histogram h;
            h.lo = st.histogram.lo;
            h.hi = st.histogram.hi;
            h.counts = g.counts;
            m_overlayBins.emplace_back(g.group, std::move(h));
        }
    }
}

void HistogramWidget::rebuildPlottables()
{
    // Overlay graphs are rebuilt from scratch; the bars stay.
    for (int i = m_plot->graphCount() - 1; i >= 0; --i)
        m_plot->removeGraph(i);
    QVector<double> keys, values;
    double w = m_bins.binWidth();
    if (m_categorical) {
        // Bar i is the i-th most frequent category.
        w = 0.8;
        for (size_t i = 0; i < m_catBars.size(); ++i) {
            keys.push_back(double(i));
            values.push_back(double(m_catBars[i].second));
        }
    } else {
        keys.reserve(int(m_bins.counts.size()));
        values.reserve(int(m_bins.counts.size()));
        for (size_t i = 0; i < m_bins.counts.size(); ++i) {
            keys.push_back(m_bins.lo + (double(i) + 0.5) * w);
            values.push_back(double(m_bins.counts[i]));
        }
    }
    // A sample's counts stand for the corpus's: scaled, with each bin's interval.
    QVector<double> below, above;
    if (m_sample.active()) {
        for (double& v : values) {
            const Interval ci = m_sample.count(uint64_t(v));
            const double scaled = v * m_sample.scale();
            double low = ci.low;
            if (m_log) // the log axis starts at 0.8: a whisker to 0 would run off it
                low = scaled > 0 ? std::max(low, 0.9) : scaled;
            below.push_back(std::max(0.0, scaled - low));
            above.push_back(std::max(0.0, ci.high - scaled));
            v = scaled;
        }
    }
    m_bars->setWidth(w > 0 ? w : 1);
    m_bars->setData(keys, values, true);
    m_errors->setVisible(m_sample.active());
    if (m_sample.active())
        m_errors->setData(below, above);
    else
        m_errors->data()->clear();
    const bool overlay = m_overlay && (m_categorical ? !m_summary.groups.empty() : !m_overlayBins.empty());
    const QColor base = m_group >= 0 ? groupColor(m_group) : palette().color(QPalette::Highlight);
    QColor fill = overlay ? base.lighter(170) : base;
    fill.setAlpha(overlay ? 110 : 200);
    m_bars->setPen(Qt::NoPen);
    m_bars->setBrush(fill);

    auto groupName = [this](uint32_t group) {
        const std::string& name = group < m_groupNames.size() ? m_groupNames[group] : std::string();
        return name.empty() ? tr("(no group)") : QString::fromStdString(name);
    };
    auto overlayName = [&](uint32_t key) { return m_groupValues.empty() ? groupName(key) : keyLabel(key); };
    placeLegend(overlay);
    if (!overlay)
        return;
    int i = 0;
    if (m_categorical) {
        for (const auto& g : m_summary.groups) {
            auto* graph = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
            graph->setLineStyle(QCPGraph::lsStepCenter);
            graph->setPen(QPen(groupColor(i++), 1.5));
            graph->setName(groupName(g.group));
            QVector<double> gv;
            for (const auto& [cat, n] : m_catBars) {
                const uint64_t c = cat < g.counts.size() ? g.counts[cat] : 0;
                const double scaled = double(c) * (m_sample.active() ? m_sample.scale() : 1.0);
                gv.push_back(m_log && c == 0 ? std::nan("") : scaled);
            }
            graph->setData(keys, gv, true);
        }
    } else {
        for (const auto& [group, h] : m_overlayBins) {
            auto* graph = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
            graph->setLineStyle(QCPGraph::lsStepCenter);
            graph->setPen(QPen(groupColor(i++), 1.5));
            graph->setName(overlayName(group));
            const double gw = h.binWidth();
            const double scale = (gw > 0 && w > 0 ? w / gw : 1) * (m_sample.active() ? m_sample.scale() : 1.0);
            QVector<double> gk, gv;
            for (size_t b = 0; b < h.counts.size(); ++b) {
                gk.push_back(h.lo + (double(b) + 0.5) * gw);
                const double c = double(h.counts[b]) * scale;
                gv.push_back(m_log && c == 0 ? std::nan("") : c);
            }
            graph->setData(gk, gv, true);
        }
    }
    QFont lf = font();
    lf.setPointSizeF(lf.pointSizeF() * 0.8);
    m_plot->legend->setFont(lf);
    m_plot->legend->setRowSpacing(-3);
    m_bars->removeFromLegend();
}

void HistogramWidget::placeLegend(bool outside)
{
    // Shown, the legend is a row of its own above the axis rect, where it cannot cover a bar;
    // hidden, it waits in the axis rect's inset layout (which owns it).
    QCPLayoutGrid* grid = m_plot->plotLayout();
    const bool isOutside = grid->hasElement(0, 0) && grid->element(0, 0) == m_plot->legend;
    m_plot->legend->setVisible(outside);
    if (outside == isOutside)
        return;
    if (outside) {
        m_plot->axisRect()->insetLayout()->take(m_plot->legend);
        grid->insertRow(0);
        grid->addElement(0, 0, m_plot->legend);
        grid->setRowStretchFactor(0, 0.001);
        m_plot->legend->setMargins(QMargins(4, 2, 4, 2));
    } else {
        grid->take(m_plot->legend);
        grid->simplify();
        m_plot->axisRect()->insetLayout()->addElement(m_plot->legend, Qt::AlignTop | Qt::AlignRight);
    }
}

void HistogramWidget::updateAxes()
{
    double lo = m_bins.lo, hi = m_bins.hi;
    if (m_categorical) {
        lo = -0.5;
        hi = std::max<double>(1, double(m_catBars.size())) - 0.5;
    } else if (!m_hasData || !(hi > lo)) {
        lo = m_hasData ? m_summary.dataMin - 0.5 : 0;
        hi = m_hasData ? m_summary.dataMax + 0.5 : 1;
    }
    // Keep active cutoffs in view even when they lie outside the percentile view.
    if (m_min && !m_categorical)
        lo = std::min(lo, *m_min);
    if (m_max && !m_categorical)
        hi = std::max(hi, *m_max);
    const double pad = m_categorical ? 0.1 : (hi - lo) * 0.03;
    m_plot->xAxis->setRange(lo - pad, hi + pad);
    double maxCount = 1;
    for (uint64_t c : m_bins.counts)
        maxCount = std::max(maxCount, m_sample.active() ? m_sample.count(c).high : double(c));
    for (int i = 0; i < m_plot->graphCount(); ++i)
        for (auto it = m_plot->graph(i)->data()->constBegin(); it != m_plot->graph(i)->data()->constEnd(); ++it)
            if (!std::isnan(it->value))
                maxCount = std::max(maxCount, it->value);
    if (m_log) {
        m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
        m_plot->yAxis->setRange(0.8, maxCount * 2.0);
    } else {
        m_plot->yAxis->setScaleType(QCPAxis::stLinear);
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        m_plot->yAxis->setRange(0, maxCount * 1.08);
    }
}

QString HistogramWidget::keyLabel(uint32_t key) const
{
    const bool labels = !m_keyColumn.isEmpty() && !m_groupValues.empty();
    const auto& names = labels ? m_keyNames : m_groupNames;
    const std::string& name = key < names.size() ? names[key] : std::string();
    if (name.empty())
        return labels ? tr("(none)") : tr("(no group)");
    return QString::fromStdString(name);
}

void HistogramWidget::setGroupValues(
    std::vector<GroupValues> groups, std::vector<std::string> keyNames, const QString& keyColumn)
{
    if (keyColumn != m_keyColumn && m_group >= 0) {
        // Another kind of key: the index shown means something else now.
        m_group = -1;
        m_groupValues.clear();
        emit selectedGroupChanged(m_group);
    }
    m_keyColumn = keyColumn;
    m_keyNames = std::move(keyNames);
    m_groupValues = std::move(groups);
    updateGroupBox();
    redraw();
}

void HistogramWidget::setSample(const SampleScope& sample)
{
    if (!sample.active() && !m_sample.active())
        return;
    m_sample = sample;
    m_plot->yAxis->setLabel(sample.active() ? tr("documents (estimated)") : tr("documents"));
    m_plot->setToolTip(sample.active()
            ? tr("Estimated from a sample of %L1 of %L2 documents: each bar is its bin's sample count scaled to the "
                 "corpus, its whisker the range the corpus's count lies in with 95% confidence.")
                  .arg(qulonglong(sample.documents))
                  .arg(qulonglong(std::llround(sample.populationDocuments())))
            : QString());
    redraw();
}

void HistogramWidget::redraw()
{
    rebin();
    rebuildPlottables();
    updateAxes();
    updateInfo();
    updateCutoffItems();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void HistogramWidget::updateGroupBox()
{
    bool known = m_group < 0;
    {
        const QSignalBlocker b(m_groupBox);
        m_groupBox->clear();
        m_groupBox->addItem(tr("All documents"), -1);
        const QLocale loc;
        for (const auto& g : m_groupValues) {
            const QString label = keyLabel(g.group);
            m_groupBox->addItem(label, int(g.group));
            const QString what = m_keyColumn.isEmpty() ? label : QStringLiteral("%1 = %2").arg(m_keyColumn, label);
            m_groupBox->setItemData(m_groupBox->count() - 1,
                tr("%1: %2 documents").arg(what, loc.toString(qulonglong(g.sorted->size()))), Qt::ToolTipRole);
            known = known || int(g.group) == m_group;
        }
        // Labels of a `by` column are worth choosing even when there is one; one group is not.
        m_groupBox->setVisible(!m_categorical && m_groupValues.size() > (m_keyColumn.isEmpty() ? 1u : 0u));
    }
    if (!known) {
        // The group shown has no values any more (another corpus): back to all documents.
        m_group = -1;
        emit selectedGroupChanged(m_group);
    }
    const QSignalBlocker b(m_groupBox);
    m_groupBox->setCurrentIndex(std::max(0, m_groupBox->findData(m_group)));
}

void HistogramWidget::setSelectedGroup(int group)
{
    if (group == m_group)
        return;
    m_group = group;
    updateGroupBox();
    redraw();
    emit selectedGroupChanged(m_group);
}

void HistogramWidget::setGroupNote(const QString& note)
{
    m_groupNote = note;
    updateInfo();
}

void HistogramWidget::setPercentileView(bool on)
{
    {
        const QSignalBlocker b(m_rangeButton);
        m_rangeButton->setChecked(on);
    }
    if (m_percentileView == on)
        return;
    m_percentileView = on;
    redraw();
    syncControls(); // the spin boxes follow the new clamp range
}

double HistogramWidget::lineValue(Edge edge) const
{
    // An unset line waits at the edge of what is visible (in the percentile view the data's
    // extremes lie outside it), where it can be grabbed.
    const QCPRange r = m_plot->xAxis->range();
    if (edge == Edge::Min)
        return m_min ? *m_min : std::clamp(r.lower, m_clampLo, m_clampHi);
    return m_max ? *m_max : std::clamp(r.upper, m_clampLo, m_clampHi);
}

double HistogramWidget::linePixel(Edge edge) const
{
    return m_plot->xAxis->coordToPixel(lineValue(edge));
}

void HistogramWidget::updateCutoffItems()
{
    const QCPRange r = m_plot->xAxis->range();
    auto place = [&](QCPItemStraightLine* line, QCPItemRect* shade, Edge edge, const std::optional<double>& v) {
        const double x = lineValue(edge);
        line->point1->setCoords(x, 0);
        line->point2->setCoords(x, 1);
        if (v) {
            line->setPen(QPen(kCutColor, 2));
        } else {
            QPen pen(palette().color(QPalette::Mid), 1, Qt::DashLine);
            line->setPen(pen);
        }
        shade->setVisible(v.has_value() && !m_categorical);
        line->setVisible(!m_categorical);
        if (edge == Edge::Min) {
            shade->topLeft->setCoords(std::min(r.lower, x), 0);
            shade->bottomRight->setCoords(x, 1);
        } else {
            shade->topLeft->setCoords(x, 0);
            shade->bottomRight->setCoords(std::max(r.upper, x), 1);
        }
    };
    place(m_minLine, m_minShade, Edge::Min, m_min);
    place(m_maxLine, m_maxShade, Edge::Max, m_max);
}

void HistogramWidget::replotCutoffs()
{
    // Only the cutoff layer changed: re-render it alone when its buffer is valid, else
    // queue a full replot (coalesced with any other pending one).
    if (m_plot->width() > 0 && m_plot->isVisible())
        m_cutoffLayer->replot();
    else
        m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void HistogramWidget::syncControls()
{
    const QSignalBlocker b1(m_minSpin), b2(m_maxSpin), b3(m_minBox), b4(m_maxBox);
    m_minBox->setChecked(m_min.has_value());
    m_maxBox->setChecked(m_max.has_value());
    m_minSpin->setValue(lineValue(Edge::Min));
    m_maxSpin->setValue(lineValue(Edge::Max));
    m_minSpin->setEnabled(m_min.has_value());
    m_maxSpin->setEnabled(m_max.has_value());
}

void HistogramWidget::setBounds(std::optional<double> min, std::optional<double> max)
{
    // The same bounds back (the rules of a line being dragged): nothing moves, and the view
    // under the pointer stays put.
    if (min == m_min && max == m_max)
        return;
    m_min = min;
    m_max = max;
    updateAxes();
    updateCutoffItems();
    syncControls();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void HistogramWidget::setEdgeValue(Edge edge, std::optional<double> value, bool fromUser)
{
    if (value) {
        double v = std::clamp(*value, m_clampLo, m_clampHi);
        // The lines never cross: the minimum stays at or below the maximum.
        if (edge == Edge::Min && m_max)
            v = std::min(v, *m_max);
        if (edge == Edge::Max && m_min)
            v = std::max(v, *m_min);
        value = v;
    }
    auto& slot = edge == Edge::Min ? m_min : m_max;
    if (slot == value)
        return;
    slot = value;
    updateCutoffItems();
    syncControls();
    replotCutoffs();
    if (fromUser) {
        emit cutoffChanged(lineValue(edge));
        emit boundsChanged();
    }
}

std::optional<HistogramWidget::Edge> HistogramWidget::hitTest(double px) const
{
    if (m_categorical)
        return std::nullopt; // no cutoff lines over category indices
    const double dMin = std::abs(px - linePixel(Edge::Min));
    const double dMax = std::abs(px - linePixel(Edge::Max));
    if (std::min(dMin, dMax) > kGrabPixels)
        return std::nullopt;
    // Overlapping lines: take the one whose side the cursor is on.
    if (std::abs(dMin - dMax) < 0.5)
        return px < linePixel(Edge::Min) ? Edge::Min : Edge::Max;
    return dMin <= dMax ? Edge::Min : Edge::Max;
}

HistogramWidget::Edge HistogramWidget::nearerSide(double x) const
{
    const auto& p = m_summary.stats.percentiles;
    const double median = p.size() >= 4 ? p[3] : (m_summary.dataMin + m_summary.dataMax) / 2;
    double pivot = median;
    if (m_min && m_max)
        pivot = (*m_min + *m_max) / 2;
    else if (m_min)
        pivot = std::max(*m_min, median);
    else if (m_max)
        pivot = std::min(*m_max, median);
    return x < pivot ? Edge::Min : Edge::Max;
}

void HistogramWidget::onMousePress(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || !m_plot->axisRect()->rect().contains(event->position().toPoint()))
        return;
    // QCustomPlot starts a range drag after this signal when the interaction is on: on for a
    // press with Ctrl (panning), off for every other one.
    const bool pan = event->modifiers().testFlag(Qt::ControlModifier) && !m_categorical;
    m_plot->setInteraction(QCP::iRangeDrag, pan);
    m_panning = pan;
    if (pan || m_categorical || !m_hasData)
        return;
    const double px = event->position().x();
    std::optional<Edge> edge = hitTest(px);
    m_dragging = edge;
    if (!edge) {
        // Away from the lines: a cutoff is placed here.
        const double x = m_plot->xAxis->pixelToCoord(px);
        Edge side = nearerSide(x);
        if (event->modifiers().testFlag(Qt::ShiftModifier))
            side = side == Edge::Min ? Edge::Max : Edge::Min;
        m_dragging = side;
        setEdgeValue(side, x, true);
    }
    m_plot->setCursor(Qt::SizeHorCursor);
    event->accept();
}

void HistogramWidget::onMouseMove(QMouseEvent* event)
{
    const double px = event->position().x();
    if (m_panning)
        return;
    if (!m_dragging) {
        const bool inside = m_plot->axisRect()->rect().contains(event->position().toPoint());
        m_plot->setCursor(hitTest(px)                   ? Qt::SizeHorCursor
                : inside && m_hasData && !m_categorical ? Qt::CrossCursor
                                                        : Qt::ArrowCursor);
        return;
    }
    setEdgeValue(*m_dragging, m_plot->xAxis->pixelToCoord(px), true);
}

void HistogramWidget::onMouseRelease(QMouseEvent* event)
{
    if (m_panning) {
        m_panning = false;
        m_plot->setInteraction(QCP::iRangeDrag, false);
        return;
    }
    if (!m_dragging)
        return;
    setEdgeValue(*m_dragging, m_plot->xAxis->pixelToCoord(event->position().x()), true);
    m_dragging.reset();
    m_plot->setCursor(Qt::ArrowCursor);
    emit dragFinished();
}

bool HistogramWidget::eventFilter(QObject* watched, QEvent* event)
{
    // QCustomPlot accepts every wheel event (and zooms): a wheel without Ctrl is ignored before
    // it gets there, so it propagates to the scroll area around the plots.
    if (watched == m_plot && event->type() == QEvent::Wheel
        && !static_cast<QWheelEvent*>(event)->modifiers().testFlag(Qt::ControlModifier)) {
        event->ignore();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void HistogramWidget::setCategorical(bool on)
{
    if (m_categorical == on)
        return;
    m_categorical = on;
    if (!on)
        m_catBars.clear();
    for (QWidget* w : std::initializer_list<QWidget*> { m_minBox, m_minSpin, m_maxBox, m_maxSpin, m_rangeButton })
        w->setVisible(!on);
    for (QCPAbstractItem* item :
        std::initializer_list<QCPAbstractItem*> { m_minLine, m_maxLine, m_minShade, m_maxShade })
        item->setVisible(!on);
    m_plot->axisRect()->setRangeZoom(on ? Qt::Orientations() : Qt::Horizontal);
    m_plot->axisRect()->setRangeDrag(on ? Qt::Orientations() : Qt::Horizontal);
    if (!on)
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
}

void HistogramWidget::updateCategoryTicks()
{
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    const auto& cats = m_summary.stats.categories;
    for (size_t i = 0; i < m_catBars.size(); ++i)
        ticker->addTick(
            double(i), m_catBars[i].first < cats.size() ? QString::fromStdString(cats[m_catBars[i].first]) : QString());
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setTickLabelRotation(m_catBars.size() > 12 ? 60 : 0);
    m_plot->xAxis->setSubTicks(false);
}

QStringList HistogramWidget::categoryLabels() const
{
    QStringList out;
    for (const auto& [cat, n] : m_catBars)
        out << (cat < m_summary.stats.categories.size() ? QString::fromStdString(m_summary.stats.categories[cat])
                                                        : QString());
    return out;
}

std::vector<uint64_t> HistogramWidget::categoryCounts() const
{
    std::vector<uint64_t> out;
    for (const auto& [cat, n] : m_catBars)
        out.push_back(n);
    return out;
}

void HistogramWidget::setLogScale(bool on)
{
    if (m_log == on)
        return;
    m_log = on;
    {
        const QSignalBlocker b(m_logBox);
        m_logBox->setChecked(on);
    }
    rebuildPlottables();
    const QCPRange view = m_plot->xAxis->range();
    updateAxes();
    m_plot->xAxis->setRange(view);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void HistogramWidget::setGroupOverlay(bool on)
{
    if (m_overlay == on)
        return;
    m_overlay = on;
    {
        const QSignalBlocker b(m_overlayBox);
        m_overlayBox->setChecked(on);
    }
    rebin();
    rebuildPlottables();
    const QCPRange view = m_plot->xAxis->range();
    updateAxes(); // the overlay may be taller than the bars
    m_plot->xAxis->setRange(view);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void HistogramWidget::applyPalette()
{
    const QPalette pal = palette();
    m_plot->setBackground(pal.brush(QPalette::Base));
    m_plot->axisRect()->setBackground(pal.brush(QPalette::Base));
    const QColor text = pal.color(QPalette::Text);
    for (QCPAxis* axis : { m_plot->xAxis, m_plot->yAxis }) {
        axis->setBasePen(QPen(text));
        axis->setTickPen(QPen(text));
        axis->setSubTickPen(QPen(text));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        QColor grid = pal.color(QPalette::Mid);
        grid.setAlpha(80);
        axis->grid()->setPen(QPen(grid, 0, Qt::DotLine));
    }
    m_plot->legend->setBrush(pal.brush(QPalette::Base));
    m_plot->legend->setTextColor(text);
    m_plot->legend->setBorderPen(QPen(pal.color(QPalette::Mid)));
}

void HistogramWidget::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPalette();
        rebuildPlottables();
        updateCutoffItems();
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

} // namespace shardscope
