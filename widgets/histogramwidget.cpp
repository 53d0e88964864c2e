#include "histogramwidget.h"

#include "qcustomplot_include.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QSignalBlocker>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace shardscope {

namespace {

const QColor kCutColor(0xd3, 0x2f, 0x2f);

QColor groupColor(int i)
{
    static const QColor colors[] = { QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c),
                                     QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b), QColor(0xe3, 0x77, 0xc2),
                                     QColor(0x7f, 0x7f, 0x7f), QColor(0xbc, 0xbd, 0x22) };
    return colors[i % 8];
}

QString number(double v)
{
    return QString::number(v, 'g', 4);
}

} // namespace

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
        s->setMinimumWidth(90);
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
    controls->addSpacing(8);
    controls->addWidget(m_maxBox);
    controls->addWidget(m_maxSpin);
    controls->addStretch(1);
    layout->addLayout(controls);

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("plot-") + column);
    m_plot->setMinimumHeight(150);
    m_plot->setNotAntialiasedElements(QCP::aeAll);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->xAxis->setLabel(column);
    m_plot->yAxis->setLabel(tr("documents"));
    m_plot->yAxis->setNumberFormat(QStringLiteral("gb"));
    layout->addWidget(m_plot, 1);

    m_bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_bars->setWidthType(QCPBars::wtPlotCoords);
    m_bars->setName(tr("all"));

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
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) {
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
    m_info->clear();
    rebuildPlottables();
    updateAxes();
    updateCutoffItems();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void HistogramWidget::setSummary(const ColumnSummary& summary, const std::vector<std::string>& groupNames)
{
    m_summary = summary;
    m_groupNames = groupNames;
    m_hasData = !summary.empty();
    const auto& st = summary.stats;
    const QLocale loc;
    QString info;
    setCategorical(st.categorical());
    if (m_hasData && m_categorical) {
        m_catBars = st.topCategories(size_t(kMaxCategoryBars));
        const size_t present = st.topCategories().size();
        info = tr("n=%1").arg(loc.toString(qulonglong(st.count)));
        if (st.missing)
            info += tr(" · missing %1").arg(loc.toString(qulonglong(st.missing)));
        info += tr(" · %1 of %2 categories present").arg(present).arg(st.categories.size());
        if (present > m_catBars.size())
            info += tr(" · top %1 shown").arg(m_catBars.size());
    } else if (m_hasData) {
        info = tr("n=%1").arg(loc.toString(qulonglong(st.count)));
        if (st.missing)
            info += tr(" · missing %1").arg(loc.toString(qulonglong(st.missing)));
        if (st.percentiles.size() >= 4)
            info += tr(" · median %1").arg(number(st.percentiles[3]));
        info += tr(" · range %1 … %2").arg(number(st.min), number(st.max));
        const auto& h = st.histogram;
        if (h.below || h.above)
            info += tr(" · %1 below / %2 above the plotted range")
                        .arg(loc.toString(qulonglong(h.below)), loc.toString(qulonglong(h.above)));
    } else {
        info = tr("no values");
    }
    m_info->setText(info);
    m_info->setToolTip(info);
    m_clampLo = std::min(summary.dataMin, st.histogram.lo);
    m_clampHi = std::max(summary.dataMax, st.histogram.hi);
    if (!(m_clampHi > m_clampLo))
        m_clampHi = m_clampLo + 1;
    const double step = (m_clampHi - m_clampLo) / 200.0;
    const double mag = step > 0 ? std::pow(10.0, std::floor(std::log10(step))) : 0.01;
    m_minSpin->setSingleStep(mag);
    m_maxSpin->setSingleStep(mag);
    if (m_categorical)
        updateCategoryTicks();
    rebuildPlottables();
    updateAxes();
    updateCutoffItems();
    syncControls();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void HistogramWidget::rebuildPlottables()
{
    // Overlay graphs are rebuilt from scratch; the bars stay.
    for (int i = m_plot->graphCount() - 1; i >= 0; --i)
        m_plot->removeGraph(i);
    const auto& h = m_summary.stats.histogram;
    QVector<double> keys, values;
    double w = h.binWidth();
    if (m_categorical) {
        // Bar i is the i-th most frequent category.
        w = 0.8;
        for (size_t i = 0; i < m_catBars.size(); ++i) {
            keys.push_back(double(i));
            values.push_back(double(m_catBars[i].second));
        }
    } else {
        keys.reserve(int(h.counts.size()));
        values.reserve(int(h.counts.size()));
        for (size_t i = 0; i < h.counts.size(); ++i) {
            keys.push_back(h.lo + (double(i) + 0.5) * w);
            values.push_back(double(h.counts[i]));
        }
    }
    m_bars->setWidth(w > 0 ? w : 1);
    m_bars->setData(keys, values, true);
    const QColor base = palette().color(QPalette::Highlight);
    QColor fill = m_overlay ? base.lighter(170) : base;
    fill.setAlpha(m_overlay ? 110 : 200);
    m_bars->setPen(Qt::NoPen);
    m_bars->setBrush(fill);

    m_plot->legend->setVisible(false);
    if (m_overlay && !m_summary.groups.empty()) {
        int i = 0;
        for (const auto& g : m_summary.groups) {
            auto* graph = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
            graph->setLineStyle(QCPGraph::lsStepCenter);
            graph->setPen(QPen(groupColor(i++), 1.5));
            const std::string& name = g.group < m_groupNames.size() ? m_groupNames[g.group] : std::string();
            graph->setName(name.empty() ? tr("(no group)") : QString::fromStdString(name));
            QVector<double> gv;
            gv.reserve(int(g.counts.size()));
            if (m_categorical) {
                for (const auto& [cat, n] : m_catBars) {
                    const uint64_t c = cat < g.counts.size() ? g.counts[cat] : 0;
                    gv.push_back(m_log && c == 0 ? std::nan("") : double(c));
                }
            } else {
                for (uint64_t c : g.counts)
                    gv.push_back(m_log && c == 0 ? std::nan("") : double(c));
            }
            graph->setData(keys, gv, true);
        }
        m_plot->legend->setVisible(true);
        QFont lf = font();
        lf.setPointSizeF(lf.pointSizeF() * 0.8);
        m_plot->legend->setFont(lf);
        m_plot->legend->setRowSpacing(-3);
        m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
        m_bars->removeFromLegend();
    }
}

void HistogramWidget::updateAxes()
{
    const auto& h = m_summary.stats.histogram;
    double lo = h.lo, hi = h.hi;
    if (m_categorical) {
        lo = -0.5;
        hi = std::max<double>(1, double(m_catBars.size())) - 0.5;
    } else if (!m_hasData || !(hi > lo)) {
        lo = m_hasData ? m_summary.dataMin - 0.5 : 0;
        hi = m_hasData ? m_summary.dataMax + 0.5 : 1;
    }
    // Keep active cutoffs in view even when they lie in the clipped tails.
    if (m_min && !m_categorical)
        lo = std::min(lo, *m_min);
    if (m_max && !m_categorical)
        hi = std::max(hi, *m_max);
    const double pad = m_categorical ? 0.1 : (hi - lo) * 0.03;
    m_plot->xAxis->setRange(lo - pad, hi + pad);
    double maxCount = 1;
    for (uint64_t c : h.counts)
        maxCount = std::max(maxCount, double(c));
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

double HistogramWidget::lineValue(Edge edge) const
{
    // An unset line waits at the edge of what is visible (the histogram clips the outer
    // 0.5% tails, so the data's extremes may lie outside the view), where it can be grabbed.
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

void HistogramWidget::onMousePress(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || !m_plot->axisRect()->rect().contains(event->position().toPoint()))
        return;
    auto edge = hitTest(event->position().x());
    if (!edge)
        return;
    m_dragging = edge;
    // QCustomPlot starts a range drag after this signal unless the interaction is off.
    m_rangeDragWasOn = m_plot->interactions().testFlag(QCP::iRangeDrag);
    m_plot->setInteraction(QCP::iRangeDrag, false);
    event->accept();
}

void HistogramWidget::onMouseMove(QMouseEvent* event)
{
    const double px = event->position().x();
    if (!m_dragging) {
        m_plot->setCursor(hitTest(px) ? Qt::SizeHorCursor : Qt::ArrowCursor);
        return;
    }
    setEdgeValue(*m_dragging, m_plot->xAxis->pixelToCoord(px), true);
}

void HistogramWidget::onMouseRelease(QMouseEvent* event)
{
    if (!m_dragging)
        return;
    setEdgeValue(*m_dragging, m_plot->xAxis->pixelToCoord(event->position().x()), true);
    m_dragging.reset();
    m_plot->setInteraction(QCP::iRangeDrag, m_rangeDragWasOn);
    m_plot->setCursor(Qt::ArrowCursor);
    emit dragFinished();
}

void HistogramWidget::setCategorical(bool on)
{
    if (m_categorical == on)
        return;
    m_categorical = on;
    if (!on)
        m_catBars.clear();
    for (QWidget* w : std::initializer_list<QWidget*> { m_minBox, m_minSpin, m_maxBox, m_maxSpin })
        w->setVisible(!on);
    for (QCPAbstractItem* item : std::initializer_list<QCPAbstractItem*> { m_minLine, m_maxLine, m_minShade, m_maxShade })
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
        ticker->addTick(double(i), m_catBars[i].first < cats.size() ? QString::fromStdString(cats[m_catBars[i].first])
                                                                     : QString());
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setTickLabelRotation(m_catBars.size() > 12 ? 60 : 0);
    m_plot->xAxis->setSubTicks(false);
}

QStringList HistogramWidget::categoryLabels() const
{
    QStringList out;
    for (const auto& [cat, n] : m_catBars)
        out << (cat < m_summary.stats.categories.size() ? QString::fromStdString(m_summary.stats.categories[cat]) : QString());
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
    updateAxes();
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
    rebuildPlottables();
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
