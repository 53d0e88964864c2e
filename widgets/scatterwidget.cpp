#include "scatterwidget.h"

#include "qcustomplot_include.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <random>

namespace shardscope {

namespace {

// [p0.5, p99.5] of a column, so a few outliers do not squash the cloud into a corner.
std::pair<double, double> robustRange(const std::vector<float>& v)
{
    std::vector<float> s;
    s.reserve(v.size());
    for (float x : v)
        if (!std::isnan(x))
            s.push_back(x);
    if (s.empty())
        return { 0, 1 };
    auto at = [&](double p) {
        size_t k = size_t(p * double(s.size() - 1));
        std::nth_element(s.begin(), s.begin() + ptrdiff_t(k), s.end());
        return double(s[k]);
    };
    double lo = at(0.005), hi = at(0.995);
    if (!(hi > lo)) {
        lo -= 0.5;
        hi += 0.5;
    }
    return { lo, hi };
}

} // namespace

ScatterWidget::ScatterWidget(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("scatter"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* top = new QHBoxLayout;
    m_x = new QComboBox(this);
    m_y = new QComboBox(this);
    m_modeBox = new QComboBox(this);
    m_modeBox->addItem(tr("density"));
    m_modeBox->addItem(tr("points"));
    m_info = new QLabel(this);
    top->addWidget(new QLabel(tr("x"), this));
    top->addWidget(m_x, 1);
    top->addWidget(new QLabel(tr("y"), this));
    top->addWidget(m_y, 1);
    top->addWidget(m_modeBox);
    layout->addLayout(top);
    layout->addWidget(m_info);

    m_plot = new QCustomPlot(this);
    m_plot->setMinimumHeight(200);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    layout->addWidget(m_plot, 1);

    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    m_scale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(0, 1, m_scale);
    m_scale->setType(QCPAxis::atRight);
    m_scale->setDataScaleType(QCPAxis::stLogarithmic);
    m_scale->axis()->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    m_scale->axis()->setLabel(tr("documents"));
    m_map->setColorScale(m_scale);
    // Viridis (QCustomPlot 2.1 has no preset for it): perceptually uniform, readable in grey.
    QCPColorGradient gradient;
    gradient.clearColorStops();
    gradient.setColorStopAt(0.0, QColor(68, 1, 84));
    gradient.setColorStopAt(0.25, QColor(59, 82, 139));
    gradient.setColorStopAt(0.5, QColor(33, 145, 140));
    gradient.setColorStopAt(0.75, QColor(94, 201, 98));
    gradient.setColorStopAt(1.0, QColor(253, 231, 37));
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    m_map->setGradient(gradient);
    m_map->setInterpolate(false);
    auto* group = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);

    m_points = m_plot->addGraph();
    m_points->setLineStyle(QCPGraph::lsNone);
    QColor pc = palette().color(QPalette::Highlight);
    pc.setAlpha(90);
    m_points->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, pc, pc, 2.5));
    m_points->setAdaptiveSampling(true);

    m_box = new QCPItemRect(m_plot);
    m_box->setPen(QPen(QColor(0xd3, 0x2f, 0x2f), 2));
    m_box->setBrush(Qt::NoBrush);
    m_box->setClipToAxisRect(true);

    connect(m_x, &QComboBox::currentTextChanged, this, &ScatterWidget::rebuild);
    connect(m_y, &QComboBox::currentTextChanged, this, &ScatterWidget::rebuild);
    connect(m_modeBox, &QComboBox::currentIndexChanged, this,
            [this](int i) { setMode(i == 0 ? Mode::Density : Mode::Points); });
}

void ScatterWidget::setColumns(const QStringList& names)
{
    const QString x = xColumn(), y = yColumn();
    {
        const QSignalBlocker bx(m_x), by(m_y);
        m_x->clear();
        m_y->clear();
        m_x->addItems(names);
        m_y->addItems(names);
        // Default: the first two columns (compression ratio against the next scorer).
        m_x->setCurrentIndex(names.contains(x) ? int(names.indexOf(x)) : 0);
        m_y->setCurrentIndex(names.contains(y) ? int(names.indexOf(y)) : std::min<int>(1, int(names.size()) - 1));
    }
    rebuild();
}

void ScatterWidget::setAxes(const QString& x, const QString& y)
{
    const QSignalBlocker bx(m_x), by(m_y);
    m_x->setCurrentText(x);
    m_y->setCurrentText(y);
    rebuild();
}

QString ScatterWidget::xColumn() const
{
    return m_x->currentText();
}

QString ScatterWidget::yColumn() const
{
    return m_y->currentText();
}

void ScatterWidget::setMode(Mode mode)
{
    m_mode = mode;
    {
        const QSignalBlocker b(m_modeBox);
        m_modeBox->setCurrentIndex(mode == Mode::Density ? 0 : 1);
    }
    rebuild();
}

void ScatterWidget::setCorpus(const CorpusData* corpus)
{
    m_corpus = corpus;
    rebuild();
}

void ScatterWidget::refresh()
{
    rebuild();
}

void ScatterWidget::setRules(const std::vector<FilterRule>& rules)
{
    m_rules = rules;
    updateBox();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ScatterWidget::rebuild()
{
    m_map->data()->clear();
    m_points->data()->clear();
    const int xi = m_corpus ? m_corpus->columnIndex(xColumn().toStdString()) : -1;
    const int yi = m_corpus ? m_corpus->columnIndex(yColumn().toStdString()) : -1;
    if (xi < 0 || yi < 0 || m_corpus->size() == 0) {
        m_info->setText(m_corpus ? tr("choose two score columns") : QString());
        m_map->setVisible(false);
        m_scale->setVisible(false);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const auto& xv = m_corpus->scores(size_t(xi));
    const auto& yv = m_corpus->scores(size_t(yi));
    const size_t n = std::min(xv.size(), yv.size());
    auto [xlo, xhi] = robustRange(xv);
    auto [ylo, yhi] = robustRange(yv);
    m_plot->xAxis->setLabel(xColumn());
    m_plot->yAxis->setLabel(yColumn());
    m_plot->xAxis->setRange(xlo - (xhi - xlo) * 0.03, xhi + (xhi - xlo) * 0.03);
    m_plot->yAxis->setRange(ylo - (yhi - ylo) * 0.03, yhi + (yhi - ylo) * 0.03);
    uint64_t both = 0;
    if (m_mode == Mode::Density) {
        const int nx = 120, ny = 90;
        m_map->data()->setSize(nx, ny);
        m_map->data()->setRange(QCPRange(xlo, xhi), QCPRange(ylo, yhi));
        std::vector<double> cells(size_t(nx) * ny, 0);
        for (size_t i = 0; i < n; ++i) {
            const double x = xv[i], y = yv[i];
            if (x != x || y != y)
                continue;
            ++both;
            int cx = int((x - xlo) / (xhi - xlo) * nx);
            int cy = int((y - ylo) / (yhi - ylo) * ny);
            if (cx < 0 || cy < 0 || cx >= nx || cy >= ny)
                continue;
            cells[size_t(cy) * nx + size_t(cx)] += 1;
        }
        double maxCell = 1;
        for (int cy = 0; cy < ny; ++cy)
            for (int cx = 0; cx < nx; ++cx) {
                const double c = cells[size_t(cy) * nx + size_t(cx)];
                maxCell = std::max(maxCell, c);
                m_map->data()->setCell(cx, cy, c > 0 ? c : std::nan(""));
            }
        m_map->setDataRange(QCPRange(1, std::max(2.0, maxCell)));
        m_map->setVisible(true);
        m_scale->setVisible(true);
        m_points->setVisible(false);
    } else {
        // A random sample keeps the cloud readable and the replot fast.
        std::vector<uint32_t> idx;
        for (size_t i = 0; i < n; ++i)
            if (!std::isnan(xv[i]) && !std::isnan(yv[i]))
                idx.push_back(uint32_t(i));
        both = idx.size();
        if (idx.size() > size_t(kMaxPoints)) {
            std::mt19937 rng(42);
            std::shuffle(idx.begin(), idx.end(), rng);
            idx.resize(size_t(kMaxPoints));
        }
        QVector<QCPGraphData> pts;
        pts.reserve(int(idx.size()));
        for (uint32_t i : idx)
            pts.push_back(QCPGraphData(xv[i], yv[i]));
        // Points are not sorted by key: a scatter, not a function.
        m_points->data()->set(pts, false);
        m_map->setVisible(false);
        m_scale->setVisible(false);
        m_points->setVisible(true);
    }
    const QLocale loc;
    m_info->setText(tr("%1 documents with both scores%2")
                        .arg(loc.toString(qulonglong(both)),
                             m_mode == Mode::Points && both > uint64_t(kMaxPoints)
                                 ? tr(" (showing a random %1)").arg(loc.toString(kMaxPoints))
                                 : QString()));
    updateBox();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ScatterWidget::updateBox()
{
    std::optional<double> x0, x1, y0, y1;
    const std::string xc = xColumn().toStdString(), yc = yColumn().toStdString();
    for (const auto& r : m_rules) {
        if (r.bounds.disabled)
            continue;
        if (r.column == xc) {
            x0 = r.bounds.min;
            x1 = r.bounds.max;
        }
        if (r.column == yc) {
            y0 = r.bounds.min;
            y1 = r.bounds.max;
        }
    }
    const bool any = x0 || x1 || y0 || y1;
    m_box->setVisible(any);
    if (!any)
        return;
    // Open sides extend far past the view so the box reads as a half-plane there.
    const QCPRange xr = m_plot->xAxis->range(), yr = m_plot->yAxis->range();
    const double bigX = xr.size() * 100, bigY = yr.size() * 100;
    m_box->topLeft->setCoords(x0 ? *x0 : xr.lower - bigX, y1 ? *y1 : yr.upper + bigY);
    m_box->bottomRight->setCoords(x1 ? *x1 : xr.upper + bigX, y0 ? *y0 : yr.lower - bigY);
}

} // namespace shardscope
