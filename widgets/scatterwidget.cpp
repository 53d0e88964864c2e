#include "scatterwidget.h"

#include "qcustomplot_include.h"

#include <filterevaluator.h>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QSignalBlocker>
#include <QToolTip>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <memory>
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

// Labels of a log10 axis: the value, not its logarithm.
class PowerTicker : public QCPAxisTicker {
protected:
    QString getTickLabel(double tick, const QLocale& locale, QChar, int) override
    {
        return locale.toString(std::pow(10.0, tick), 'g', 3);
    }
};

QString number(double v)
{
    return QString::number(v, 'g', 6);
}

} // namespace

ScatterWidget::ScatterWidget(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("scatter"));
    m_pool.setMaxThreadCount(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* top = new QHBoxLayout;
    m_x = new QComboBox(this);
    m_y = new QComboBox(this);
    // Long column names must not widen the dock the scatter shares with the histograms (the
    // choosers stretch to the dock; four characters is their least).
    for (QComboBox* axis : { m_x, m_y }) {
        axis->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        axis->setMinimumContentsLength(4);
    }
    m_modeBox = new QComboBox(this);
    m_modeBox->addItem(tr("density"));
    m_modeBox->addItem(tr("points"));
    m_logXBox = new QCheckBox(tr("log"), this);
    m_logXBox->setObjectName(QStringLiteral("logX"));
    m_logXBox->setToolTip(tr("Logarithmic x axis (documents with x <= 0 are left out)"));
    m_logYBox = new QCheckBox(tr("log"), this);
    m_logYBox->setObjectName(QStringLiteral("logY"));
    m_logYBox->setToolTip(tr("Logarithmic y axis (documents with y <= 0 are left out)"));
    m_info = new QLabel(this);
    m_info->setWordWrap(true);
    top->addWidget(new QLabel(tr("x"), this));
    top->addWidget(m_x, 1);
    top->addWidget(m_logXBox);
    top->addWidget(new QLabel(tr("y"), this));
    top->addWidget(m_y, 1);
    top->addWidget(m_logYBox);
    layout->addLayout(top);
    // The mode goes beside the note, so the axis row stays as narrow as the histograms' dock.
    auto* second = new QHBoxLayout;
    second->addWidget(m_modeBox);
    second->addWidget(m_info, 1);
    layout->addLayout(second);

    m_plot = new QCustomPlot(this);
    m_plot->setMinimumHeight(200);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    // Hover needs move events without a button pressed.
    m_plot->setMouseTracking(true);
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

    // Kept points in the highlight colour, dropped ones in orange-red on top (they are fewer).
    m_points = m_plot->addGraph();
    m_points->setName(tr("kept"));
    m_points->setLineStyle(QCPGraph::lsNone);
    // Fixed colours (the info line names them), told apart with red-green colour blindness too.
    const QColor pc(0x1f, 0x77, 0xb4, 150);
    m_points->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, pc, pc, 2.5));
    m_points->setAdaptiveSampling(true);
    m_dropped = m_plot->addGraph();
    m_dropped->setName(tr("dropped"));
    m_dropped->setLineStyle(QCPGraph::lsNone);
    const QColor dc(0xe6, 0x55, 0x0d, 150);
    m_dropped->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, dc, dc, 3));
    m_dropped->setAdaptiveSampling(true);

    m_box = new QCPItemRect(m_plot);
    m_box->setPen(QPen(QColor(0xd3, 0x2f, 0x2f), 2));
    m_box->setBrush(Qt::NoBrush);
    m_box->setClipToAxisRect(true);

    connect(m_x, &QComboBox::currentTextChanged, this, &ScatterWidget::rebuild);
    connect(m_y, &QComboBox::currentTextChanged, this, &ScatterWidget::rebuild);
    connect(m_logXBox, &QCheckBox::toggled, this, &ScatterWidget::rebuild);
    connect(m_logYBox, &QCheckBox::toggled, this, &ScatterWidget::rebuild);
    connect(m_modeBox, &QComboBox::currentIndexChanged, this,
        [this](int i) { setMode(i == 0 ? Mode::Density : Mode::Points); });
    connect(m_plot, &QCustomPlot::mousePress, this, &ScatterWidget::onMousePress);
    connect(m_plot, &QCustomPlot::mouseMove, this, &ScatterWidget::onMouseMove);
    connect(m_plot, &QCustomPlot::mouseRelease, this, &ScatterWidget::onMouseRelease);
}

ScatterWidget::~ScatterWidget() = default;

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

void ScatterWidget::setLogX(bool on)
{
    m_logXBox->setChecked(on);
}

void ScatterWidget::setLogY(bool on)
{
    m_logYBox->setChecked(on);
}

bool ScatterWidget::logX() const
{
    return m_logXBox->isChecked();
}

bool ScatterWidget::logY() const
{
    return m_logYBox->isChecked();
}

double ScatterWidget::tx(double v) const
{
    return logX() ? std::log10(v) : v;
}

double ScatterWidget::ty(double v) const
{
    return logY() ? std::log10(v) : v;
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
    recolour();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QString ScatterWidget::infoText() const
{
    return m_info->text();
}

size_t ScatterWidget::keptPoints() const
{
    return size_t(std::count(m_keep.begin(), m_keep.end(), uint8_t(1)));
}

size_t ScatterWidget::droppedPoints() const
{
    return m_keep.size() - keptPoints();
}

QPointF ScatterWidget::pixelOf(double x, double y) const
{
    return { m_plot->xAxis->coordToPixel(tx(x)), m_plot->yAxis->coordToPixel(ty(y)) };
}

// Everything a rebuild computes from the two columns, with no widget in reach: run on a worker for a big
// corpus (issue 21: at a million documents this was 60-120 ms of the GUI thread, twice per open).
struct ScatterWidget::Prepared {
    bool valid = false;
    bool logX = false, logY = false;
    Mode mode = Mode::Density;
    size_t step = 1;
    uint64_t both = 0, leftOut = 0;
    double xlo = 0, xhi = 1, ylo = 0, yhi = 1;
    int nx = 0, ny = 0;
    std::vector<double> cells; // density mode: nx * ny counts
    std::vector<uint32_t> docs;
    std::vector<float> px, py;
    int gridN = 0;
    double gx0 = 0, gy0 = 0, gdx = 1, gdy = 1;
    std::vector<uint32_t> cellStart, cellItems;
};

std::shared_ptr<ScatterWidget::Prepared> ScatterWidget::prepare(
    const ScoreColumn& xc, const ScoreColumn& yc, bool lx, bool ly, Mode mode)
{
    // Raw pointers, taken once: the first read of a mapped column verifies its checksum.
    const float* xv = xc.data();
    const float* yv = yc.data();
    auto out = std::make_shared<Prepared>();
    Prepared& p = *out;
    p.valid = true;
    p.logX = lx;
    p.logY = ly;
    p.mode = mode;
    const size_t n = std::min(xc.size(), yc.size());
    auto usable = [&](float x, float y) { return !std::isnan(x) && !std::isnan(y); };
    auto positive = [&](float x, float y) { return (!lx || x > 0) && (!ly || y > 0); };
    auto tx = [lx](double v) { return lx ? std::log10(v) : v; };
    auto ty = [ly](double v) { return ly ? std::log10(v) : v; };
    // A big corpus is drawn from every step-th document (a systematic sample of about kDrawnDocuments): the map
    // and the cloud look the same at a fraction of the work. The counts in the note are of all documents.
    const size_t step = n > size_t(kDrawnDocuments) ? (n + kDrawnDocuments - 1) / kDrawnDocuments : 1;
    p.step = step;
    if (step > 1) {
        for (size_t i = 0; i < n; ++i) {
            const float x = xv[i], y = yv[i];
            if (!usable(x, y))
                continue;
            if (positive(x, y))
                ++p.both;
            else
                ++p.leftOut;
        }
    }
    // The documents drawn with both values (positive ones on a log axis), in axis coordinates.
    std::vector<uint32_t> docs;
    std::vector<float> px, py;
    docs.reserve(n / step + 1);
    px.reserve(n / step + 1);
    py.reserve(n / step + 1);
    for (size_t i = step / 2; i < n; i += step) {
        const float x = xv[i], y = yv[i];
        if (!usable(x, y))
            continue;
        if (!positive(x, y)) {
            if (step == 1)
                ++p.leftOut;
            continue;
        }
        docs.push_back(uint32_t(i));
        px.push_back(float(tx(x)));
        py.push_back(float(ty(y)));
    }
    if (step == 1)
        p.both = docs.size();
    std::tie(p.xlo, p.xhi) = robustRange(px);
    std::tie(p.ylo, p.yhi) = robustRange(py);
    if (mode == Mode::Density) {
        p.nx = 120;
        p.ny = 90;
        p.cells.assign(size_t(p.nx) * size_t(p.ny), 0);
        for (size_t k = 0; k < docs.size(); ++k) {
            const int cx = int((px[k] - p.xlo) / (p.xhi - p.xlo) * p.nx);
            const int cy = int((py[k] - p.ylo) / (p.yhi - p.ylo) * p.ny);
            if (cx < 0 || cy < 0 || cx >= p.nx || cy >= p.ny)
                continue;
            p.cells[size_t(cy) * size_t(p.nx) + size_t(cx)] += 1;
        }
        // Hover finds any document of the map.
        p.docs = std::move(docs);
        p.px = std::move(px);
        p.py = std::move(py);
    } else {
        // A random sample keeps the cloud readable and the replot fast.
        std::vector<uint32_t> pick(docs.size());
        for (size_t k = 0; k < pick.size(); ++k)
            pick[k] = uint32_t(k);
        if (pick.size() > size_t(kMaxPoints)) {
            std::mt19937 rng(42);
            std::shuffle(pick.begin(), pick.end(), rng);
            pick.resize(size_t(kMaxPoints));
            std::sort(pick.begin(), pick.end());
        }
        p.docs.reserve(pick.size());
        p.px.reserve(pick.size());
        p.py.reserve(pick.size());
        for (uint32_t k : pick) {
            p.docs.push_back(docs[k]);
            p.px.push_back(px[k]);
            p.py.push_back(py[k]);
        }
    }
    buildGrid(p);
    return out;
}

void ScatterWidget::rebuild()
{
    ++m_colourJob; // colours of the previous points are of no use
    ++m_rebuildJob;
    const int xi = m_corpus ? m_corpus->columnIndex(xColumn().toStdString()) : -1;
    const int yi = m_corpus ? m_corpus->columnIndex(yColumn().toStdString()) : -1;
    if (xi < 0 || yi < 0 || m_corpus->size() == 0) {
        setRebuilding(false);
        applyPrepared(Prepared {});
        return;
    }
    const bool lx = logX(), ly = logY();
    const Mode mode = m_mode;
    if (m_corpus->size() <= size_t(kSyncRebuildDocuments)) {
        setRebuilding(false);
        applyPrepared(*prepare(m_corpus->scores(size_t(xi)), m_corpus->scores(size_t(yi)), lx, ly, mode));
        return;
    }
    // A worker reads its own copies of the two columns: a mapped column (a reopened corpus) is shared, not
    // copied; an owned one (a scan may still append to it) is copied, about a millisecond per million values.
    // The plot shows the previous points until the new ones land; a newer rebuild supersedes this one. Several
    // rebuilds asked in one turn of the event loop (setCorpus, then setColumns) start one job.
    m_pendingInput = std::make_shared<PrepareInput>(
        PrepareInput { m_corpus->scores(size_t(xi)), m_corpus->scores(size_t(yi)), lx, ly, mode });
    setRebuilding(true);
    if (m_startQueued)
        return;
    m_startQueued = true;
    QMetaObject::invokeMethod(
        this,
        [this]() {
            m_startQueued = false;
            // Its own pool: Qt's raster engine waits for fills it splits over the global pool (see FilterState).
            auto in = std::move(m_pendingInput);
            if (!in)
                return;
            const quint64 job = m_rebuildJob;
            QtConcurrent::run(&m_pool, [in]() {
                return prepare(in->x, in->y, in->logX, in->logY, in->mode);
            }).then(this, [this, job](std::shared_ptr<Prepared> p) {
                if (job != m_rebuildJob)
                    return; // axes, mode or corpus changed meanwhile
                setRebuilding(false);
                applyPrepared(std::move(*p));
            });
        },
        Qt::QueuedConnection);
}

void ScatterWidget::setRebuilding(bool on)
{
    if (!on)
        m_pendingInput.reset();
    m_rebuilding = on;
}

void ScatterWidget::applyPrepared(Prepared p)
{
    ++m_colourJob;
    m_map->data()->clear();
    m_points->data()->clear();
    m_dropped->data()->clear();
    m_keep.clear();
    m_hoverText.clear();
    m_docs = std::move(p.docs);
    m_px = std::move(p.px);
    m_py = std::move(p.py);
    m_cellStart = std::move(p.cellStart);
    m_cellItems = std::move(p.cellItems);
    m_gridN = p.gridN;
    m_gx0 = p.gx0;
    m_gy0 = p.gy0;
    m_gdx = p.gdx;
    m_gdy = p.gdy;
    m_leftOut = p.leftOut;
    if (!p.valid) {
        m_baseInfo = m_corpus ? tr("choose two score columns") : QString();
        m_info->setText(m_baseInfo);
        m_map->setVisible(false);
        m_scale->setVisible(false);
        m_box->setVisible(false);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        Q_EMIT rebuilt();
        return;
    }
    const bool lx = p.logX, ly = p.logY;
    m_plot->xAxis->setLabel(lx ? tr("%1 (log)").arg(xColumn()) : xColumn());
    m_plot->yAxis->setLabel(ly ? tr("%1 (log)").arg(yColumn()) : yColumn());
    m_plot->xAxis->setTicker(
        lx ? QSharedPointer<QCPAxisTicker>(new PowerTicker) : QSharedPointer<QCPAxisTicker>::create());
    m_plot->yAxis->setTicker(
        ly ? QSharedPointer<QCPAxisTicker>(new PowerTicker) : QSharedPointer<QCPAxisTicker>::create());
    m_plot->xAxis->setRange(p.xlo - (p.xhi - p.xlo) * 0.03, p.xhi + (p.xhi - p.xlo) * 0.03);
    m_plot->yAxis->setRange(p.ylo - (p.yhi - p.ylo) * 0.03, p.yhi + (p.yhi - p.ylo) * 0.03);
    if (p.mode == Mode::Density) {
        m_map->data()->setSize(p.nx, p.ny);
        m_map->data()->setRange(QCPRange(p.xlo, p.xhi), QCPRange(p.ylo, p.yhi));
        double maxCell = 1;
        for (int cy = 0; cy < p.ny; ++cy)
            for (int cx = 0; cx < p.nx; ++cx) {
                const double c = p.cells[size_t(cy) * size_t(p.nx) + size_t(cx)];
                maxCell = std::max(maxCell, c);
                m_map->data()->setCell(cx, cy, c > 0 ? c : std::nan(""));
            }
        m_map->setDataRange(QCPRange(1, std::max(2.0, maxCell)));
        m_map->setVisible(true);
        m_scale->setVisible(true);
        m_points->setVisible(false);
        m_dropped->setVisible(false);
    } else {
        m_map->setVisible(false);
        m_scale->setVisible(false);
        m_points->setVisible(true);
        m_dropped->setVisible(true);
    }
    const QLocale loc;
    QString text = tr("%1 documents with both scores%2")
                       .arg(loc.toString(qulonglong(p.both)),
                           p.mode == Mode::Points && m_docs.size() < p.both
                               ? tr(" (showing a random %1)").arg(loc.toString(qulonglong(m_docs.size())))
                               : p.step > 1 ? tr(" (drawn from 1 in %1: %2)")
                                                  .arg(qulonglong(p.step))
                                                  .arg(loc.toString(qulonglong(m_docs.size())))
                                            : QString());
    if (m_leftOut)
        text += tr("; %1 left out (value <= 0 on a log axis)").arg(loc.toString(qulonglong(m_leftOut)));
    m_baseInfo = text;
    m_info->setText(text);
    updateBox();
    recolour();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    Q_EMIT rebuilt();
}

void ScatterWidget::buildGrid(Prepared& p)
{
    // A counting sort of the points into gridN x gridN cells over their full extent: about
    // four points per cell on average, at most 512 per side.
    p.cellStart.clear();
    p.cellItems.clear();
    const size_t n = p.docs.size();
    if (!n) {
        p.gridN = 0;
        return;
    }
    const auto [xmin, xmax] = std::minmax_element(p.px.begin(), p.px.end());
    const auto [ymin, ymax] = std::minmax_element(p.py.begin(), p.py.end());
    p.gridN = std::clamp(int(std::sqrt(double(n) / 4)), 1, 512);
    p.gx0 = *xmin;
    p.gy0 = *ymin;
    p.gdx = std::max(double(*xmax - *xmin), 1e-12) / p.gridN * (1 + 1e-9);
    p.gdy = std::max(double(*ymax - *ymin), 1e-12) / p.gridN * (1 + 1e-9);
    const size_t cells = size_t(p.gridN) * size_t(p.gridN);
    auto cellOf = [&](size_t k) {
        const int cx = std::clamp(int((p.px[k] - p.gx0) / p.gdx), 0, p.gridN - 1);
        const int cy = std::clamp(int((p.py[k] - p.gy0) / p.gdy), 0, p.gridN - 1);
        return size_t(cy) * size_t(p.gridN) + size_t(cx);
    };
    p.cellStart.assign(cells + 1, 0);
    for (size_t k = 0; k < n; ++k)
        ++p.cellStart[cellOf(k) + 1];
    for (size_t c = 0; c < cells; ++c)
        p.cellStart[c + 1] += p.cellStart[c];
    p.cellItems.resize(n);
    std::vector<uint32_t> fill(p.cellStart.begin(), p.cellStart.end() - 1);
    for (size_t k = 0; k < n; ++k)
        p.cellItems[fill[cellOf(k)]++] = uint32_t(k);
}

std::optional<uint32_t> ScatterWidget::documentAt(const QPointF& pos) const
{
    if (m_docs.empty() || !m_gridN || !m_plot->axisRect()->rect().contains(pos.toPoint()))
        return std::nullopt;
    const double r = kHoverPixels;
    double x0 = m_plot->xAxis->pixelToCoord(pos.x() - r), x1 = m_plot->xAxis->pixelToCoord(pos.x() + r);
    double y0 = m_plot->yAxis->pixelToCoord(pos.y() + r), y1 = m_plot->yAxis->pixelToCoord(pos.y() - r);
    if (x0 > x1)
        std::swap(x0, x1);
    if (y0 > y1)
        std::swap(y0, y1);
    const double gx1 = m_gx0 + m_gdx * m_gridN, gy1 = m_gy0 + m_gdy * m_gridN;
    if (x1 < m_gx0 || x0 > gx1 || y1 < m_gy0 || y0 > gy1)
        return std::nullopt;
    const int cx0 = std::clamp(int(std::floor((x0 - m_gx0) / m_gdx)), 0, m_gridN - 1);
    const int cx1 = std::clamp(int(std::floor((x1 - m_gx0) / m_gdx)), 0, m_gridN - 1);
    const int cy0 = std::clamp(int(std::floor((y0 - m_gy0) / m_gdy)), 0, m_gridN - 1);
    const int cy1 = std::clamp(int(std::floor((y1 - m_gy0) / m_gdy)), 0, m_gridN - 1);
    double best = r * r;
    std::optional<uint32_t> found;
    for (int cy = cy0; cy <= cy1; ++cy)
        for (int cx = cx0; cx <= cx1; ++cx) {
            const size_t c = size_t(cy) * size_t(m_gridN) + size_t(cx);
            for (uint32_t j = m_cellStart[c]; j < m_cellStart[c + 1]; ++j) {
                const uint32_t k = m_cellItems[j];
                const double dx = m_plot->xAxis->coordToPixel(m_px[k]) - pos.x();
                const double dy = m_plot->yAxis->coordToPixel(m_py[k]) - pos.y();
                const double d = dx * dx + dy * dy;
                if (d <= best) {
                    best = d;
                    found = m_docs[k];
                }
            }
        }
    return found;
}

void ScatterWidget::recolour()
{
    const uint64_t job = ++m_colourJob;
    m_keep.clear();
    auto show = [this]() {
        QVector<QCPGraphData> kept, dropped;
        kept.reserve(int(m_docs.size()));
        for (size_t k = 0; k < m_docs.size(); ++k)
            (m_keep.empty() || m_keep[k] ? kept : dropped).push_back(QCPGraphData(m_px[k], m_py[k]));
        // Points are not sorted by key: a scatter, not a function.
        m_points->data()->set(kept, false);
        m_dropped->data()->set(dropped, false);
        const QLocale loc;
        m_info->setText(m_keep.empty() ? m_baseInfo
                                       : m_baseInfo
                    + tr("; of the points shown %1 kept (blue), %2 dropped (orange) by the rules")
                          .arg(loc.toString(qulonglong(kept.size())), loc.toString(qulonglong(dropped.size()))));
    };
    if (m_mode != Mode::Points || !m_corpus || m_docs.empty()) {
        m_points->data()->clear();
        m_dropped->data()->clear();
        // The density map counts documents, kept or not: say where the colours are.
        m_info->setText(m_mode == Mode::Density && !m_rules.empty() && !m_docs.empty()
                ? m_baseInfo + tr("; choose points to see them kept (blue) or dropped (orange)")
                : m_baseInfo);
        return;
    }
    // The rules as the table's evaluator binds them (a broken rule is skipped alone), over a
    // copy of the points' rows: the worker reads nothing the scan may still append to.
    auto bound = std::make_shared<std::vector<std::unique_ptr<BoundRules>>>(
        FilterEvaluator::bindEach(m_rules, m_corpus->columns()));
    const bool anyRule = std::any_of(bound->begin(), bound->end(), [](const auto& b) { return b != nullptr; });
    if (!anyRule) {
        m_keep.assign(m_docs.size(), 1);
        show();
        Q_EMIT coloursUpdated();
        return;
    }
    const size_t cols = m_corpus->columnCount(), n = m_docs.size();
    std::vector<float> rows(n * cols);
    std::vector<uint32_t> groups(n);
    for (size_t c = 0; c < cols; ++c) {
        const auto& col = m_corpus->scores(c);
        for (size_t k = 0; k < n; ++k)
            rows[k * cols + c] = m_docs[k] < col.size() ? col[m_docs[k]] : std::nanf("");
    }
    for (size_t k = 0; k < n; ++k)
        groups[k] = m_corpus->group(m_docs[k]);
    auto evaluate
        = [bound, rows = std::move(rows), groups = std::move(groups), cols, n, names = m_corpus->groupNames()]() {
              std::vector<uint8_t> keep(n, 1);
              for (size_t k = 0; k < n; ++k) {
                  const std::string_view group
                      = groups[k] < names.size() ? std::string_view(names[groups[k]]) : std::string_view();
                  for (const auto& b : *bound)
                      if (b && !b->passes(0, rows.data() + k * cols, group)) {
                          keep[k] = 0;
                          break;
                      }
              }
              return keep;
          };
    if (n <= size_t(kSyncColourPoints)) {
        m_keep = evaluate();
        show();
        Q_EMIT coloursUpdated();
        return;
    }
    // Meanwhile the points keep their old colours.
    QtConcurrent::run(std::move(evaluate)).then(this, [this, job, show](std::vector<uint8_t> keep) {
        if (job != m_colourJob)
            return;
        m_keep = std::move(keep);
        show();
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        Q_EMIT coloursUpdated();
    });
    if (m_points->data()->isEmpty() && m_dropped->data()->isEmpty())
        show();
}

void ScatterWidget::updateBox()
{
    std::optional<double> x0, x1, y0, y1;
    const std::string xc = xColumn().toStdString(), yc = yColumn().toStdString();
    m_xRule = m_yRule = -1;
    for (size_t i = 0; i < m_rules.size(); ++i) {
        const auto& r = m_rules[i];
        if (r.bounds.disabled || r.bounds.in)
            continue;
        // The first rule of a column, as FilterState::setBounds moves it.
        if (r.column == xc && m_xRule < 0) {
            x0 = r.bounds.min;
            x1 = r.bounds.max;
            m_xRule = int(i);
        }
        if (r.column == yc && m_yRule < 0) {
            y0 = r.bounds.min;
            y1 = r.bounds.max;
            m_yRule = int(i);
        }
    }
    const bool any = x0 || x1 || y0 || y1;
    m_box->setVisible(any && (m_corpus != nullptr));
    if (!any)
        return;
    // Open sides extend far past the view so the box reads as a half-plane there. On a log
    // axis a bound <= 0 is off the axis: an open side.
    const QCPRange xr = m_plot->xAxis->range(), yr = m_plot->yAxis->range();
    const double bigX = xr.size() * 100, bigY = yr.size() * 100;
    auto onX = [&](const std::optional<double>& v) { return v && (!logX() || *v > 0); };
    auto onY = [&](const std::optional<double>& v) { return v && (!logY() || *v > 0); };
    m_box->topLeft->setCoords(onX(x0) ? tx(*x0) : xr.lower - bigX, onY(y1) ? ty(*y1) : yr.upper + bigY);
    m_box->bottomRight->setCoords(onX(x1) ? tx(*x1) : xr.upper + bigX, onY(y0) ? ty(*y0) : yr.lower - bigY);
}

std::optional<ScatterWidget::Edge> ScatterWidget::hitTest(const QPointF& pos) const
{
    if (!m_box->visible() || !m_plot->axisRect()->rect().contains(pos.toPoint()))
        return std::nullopt;
    std::optional<Edge> best;
    double bestD = kGrabPixels;
    auto consider = [&](Edge e, const std::optional<double>& v, bool isX) {
        if (!v || ((isX ? logX() : logY()) && *v <= 0))
            return;
        const double d = isX ? std::abs(m_plot->xAxis->coordToPixel(tx(*v)) - pos.x())
                             : std::abs(m_plot->yAxis->coordToPixel(ty(*v)) - pos.y());
        if (d <= bestD) {
            bestD = d;
            best = e;
        }
    };
    if (m_xRule >= 0) {
        consider(Edge::XMin, m_rules[size_t(m_xRule)].bounds.min, true);
        consider(Edge::XMax, m_rules[size_t(m_xRule)].bounds.max, true);
    }
    if (m_yRule >= 0) {
        consider(Edge::YMin, m_rules[size_t(m_yRule)].bounds.min, false);
        consider(Edge::YMax, m_rules[size_t(m_yRule)].bounds.max, false);
    }
    return best;
}

void ScatterWidget::moveEdge(Edge edge, const QPointF& pos)
{
    const bool isX = edge == Edge::XMin || edge == Edge::XMax;
    const int ri = isX ? m_xRule : m_yRule;
    if (ri < 0 || size_t(ri) >= m_rules.size())
        return;
    FilterRule& rule = m_rules[size_t(ri)];
    double v = isX ? m_plot->xAxis->pixelToCoord(pos.x()) : m_plot->yAxis->pixelToCoord(pos.y());
    if (isX ? logX() : logY())
        v = std::pow(10.0, v);
    // min never passes max, as on a histogram.
    if ((edge == Edge::XMin || edge == Edge::YMin) && rule.bounds.max)
        v = std::min(v, *rule.bounds.max);
    if ((edge == Edge::XMax || edge == Edge::YMax) && rule.bounds.min)
        v = std::max(v, *rule.bounds.min);
    if (edge == Edge::XMin || edge == Edge::YMin)
        rule.bounds.min = v;
    else
        rule.bounds.max = v;
    rule.bounds.suggested.reset();
    updateBox();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    Q_EMIT boundsChanged(QString::fromStdString(rule.column), rule.bounds.min, rule.bounds.max);
}

void ScatterWidget::onMousePress(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton)
        return;
    const QPointF pos = event->position();
    m_pressPos = pos;
    m_pressed = true;
    if (auto edge = hitTest(pos)) {
        m_dragging = edge;
        // QCustomPlot starts a range drag after this signal unless the interaction is off.
        m_rangeDragWasOn = m_plot->interactions().testFlag(QCP::iRangeDrag);
        m_plot->setInteraction(QCP::iRangeDrag, false);
        QToolTip::hideText();
        event->accept();
    }
}

void ScatterWidget::onMouseMove(QMouseEvent* event)
{
    const QPointF pos = event->position();
    if (m_dragging) {
        moveEdge(*m_dragging, pos);
        return;
    }
    if (event->buttons() != Qt::NoButton)
        return; // panning
    if (auto edge = hitTest(pos)) {
        m_plot->setCursor(edge == Edge::XMin || edge == Edge::XMax ? Qt::SizeHorCursor : Qt::SizeVerCursor);
    } else {
        m_plot->setCursor(Qt::ArrowCursor);
    }
    const auto doc = documentAt(pos);
    if (!doc || !m_corpus) {
        if (!m_hoverText.isEmpty())
            QToolTip::hideText();
        m_hoverText.clear();
        return;
    }
    const int xi = m_corpus->columnIndex(xColumn().toStdString());
    const int yi = m_corpus->columnIndex(yColumn().toStdString());
    QString text = QString::fromStdString(m_corpus->idOf(*doc));
    if (xi >= 0)
        text += QStringLiteral("\n") + xColumn() + QStringLiteral(" = ") + number(m_corpus->scores(size_t(xi))[*doc]);
    if (yi >= 0)
        text += QStringLiteral("\n") + yColumn() + QStringLiteral(" = ") + number(m_corpus->scores(size_t(yi))[*doc]);
    if (m_mode == Mode::Points && !m_keep.empty()) {
        const auto it = std::lower_bound(m_docs.begin(), m_docs.end(), *doc);
        if (it != m_docs.end() && *it == *doc)
            text += QStringLiteral("\n") + (m_keep[size_t(it - m_docs.begin())] ? tr("kept") : tr("dropped"));
    }
    text += QStringLiteral("\n") + tr("click to show it in the viewer");
    m_hoverText = text;
    QToolTip::showText(m_plot->mapToGlobal(pos.toPoint()), text, m_plot);
}

void ScatterWidget::onMouseRelease(QMouseEvent* event)
{
    const QPointF pos = event->position();
    if (m_dragging) {
        moveEdge(*m_dragging, pos);
        m_dragging.reset();
        m_pressed = false;
        m_plot->setInteraction(QCP::iRangeDrag, m_rangeDragWasOn);
        m_plot->setCursor(Qt::ArrowCursor);
        recolour();
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        Q_EMIT dragFinished();
        return;
    }
    if (!m_pressed || event->button() != Qt::LeftButton)
        return;
    m_pressed = false;
    // A click, not a pan: the pointer stayed put.
    if ((pos - m_pressPos).manhattanLength() > 3)
        return;
    if (const auto doc = documentAt(pos))
        Q_EMIT documentActivated(quint64(*doc));
}

} // namespace shardscope
