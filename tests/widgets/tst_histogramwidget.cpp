// HistogramWidget driven with real mouse events: dragging a cutoff line updates the bound,
// the spin boxes and (through the same wiring as the main window) the kept/dropped counts.
// Issue #3 items 4 and 5. Issue 20: a click places a cutoff, Ctrl pans and zooms, the wheel
// scrolls the panel, the x range covers every value, the percentile view, the legend outside
// the bars, one group's histogram.

#include "testhelpers.h"

#include <columnsummary.h>
#include <filterevaluator.h>
#include <histogramwidget.h>
#include <plotexport.h>
#include <qcustomplot_include.h>
#include <thresholdpanel.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QWheelEvent>

using namespace shardscope;

class TestHistogramWidget : public QObject {
    Q_OBJECT

    std::shared_ptr<CorpusData> m_corpus;
    CorpusSummary m_summary;

    // Histogram + threshold panel wired as in MainWindow::onBoundsChanged.
    struct Rig {
        QWidget window;
        HistogramWidget* hist = nullptr;
        ThresholdPanel* panel = nullptr;
        FilterCounts counts;
    };

    std::unique_ptr<Rig> makeRig()
    {
        auto rig = std::make_unique<Rig>();
        auto* layout = new QHBoxLayout(&rig->window);
        rig->hist = new HistogramWidget(QStringLiteral("a"), &rig->window);
        rig->panel = new ThresholdPanel(&rig->window);
        layout->addWidget(rig->hist, 2);
        layout->addWidget(rig->panel, 1);
        rig->window.resize(900, 420);
        rig->hist->setSummary(*m_summary.column("a"), m_corpus->groupNames());
        Rig* r = rig.get();
        const auto* corpus = m_corpus.get();
        connect(rig->hist, &HistogramWidget::boundsChanged, &rig->window, [r, corpus]() {
            FilterRule rule;
            rule.column = "a";
            rule.bounds.min = r->hist->minCutoff();
            rule.bounds.max = r->hist->maxCutoff();
            FilterEvaluator ev;
            ev.setRules({ rule });
            r->counts = ev.evaluate(*corpus);
            r->panel->setRules(ev.rules());
            r->panel->setCounts(r->counts, corpus->groupNames());
        });
        rig->window.show();
        if (!QTest::qWaitForWindowExposed(&rig->window))
            return nullptr;
        rig->hist->plot()->replot();
        return rig;
    }

    uint64_t countInRange(std::optional<double> min, std::optional<double> max) const
    {
        uint64_t n = 0;
        for (float v : m_corpus->scores(0))
            if (!std::isnan(v) && (!min || v >= *min) && (!max || v <= *max))
                ++n;
        return n;
    }

    static QPoint plotPoint(HistogramWidget* h, double x)
    {
        const QRect r = h->plot()->axisRect()->rect();
        return QPoint(int(std::lround(x)), r.center().y());
    }

private Q_SLOTS:
    void initTestCase()
    {
        testhelpers::isolate();
        m_corpus = testhelpers::syntheticCorpus(100000, 21);
        SummaryInput in;
        in.names = { "a", "b" };
        in.columns = { m_corpus->scores(0).toVector(), m_corpus->scores(1).toVector() };
        in.groups = m_corpus->groups();
        in.groupCount = m_corpus->groupNames().size();
        m_summary = summarize(in);
    }

    void dragMinLineUpdatesCounts()
    {
        auto rig = makeRig();
        QVERIFY(rig);
        HistogramWidget* h = rig->hist;
        QSignalSpy cut(h, &HistogramWidget::cutoffChanged);
        QSignalSpy finished(h, &HistogramWidget::dragFinished);
        const QCPRange before = h->plot()->xAxis->range();
        const double startPx = h->linePixel(HistogramWidget::Edge::Min);
        const double targetPx = h->plot()->xAxis->coordToPixel(0.4);

        // Grab the line 3 px off (inside the 5 px hit zone) and drag it in steps.
        QTest::mousePress(h->plot(), Qt::LeftButton, {}, plotPoint(h, startPx + 3));
        for (int i = 1; i <= 5; ++i)
            QTest::mouseMove(h->plot(), plotPoint(h, startPx + 3 + (targetPx - startPx - 3) * i / 5));
        QTest::mouseRelease(h->plot(), Qt::LeftButton, {}, plotPoint(h, targetPx));

        QVERIFY(h->minCutoff().has_value());
        const double value = *h->minCutoff();
        const double pxWidth = std::abs(h->plot()->xAxis->pixelToCoord(1) - h->plot()->xAxis->pixelToCoord(0));
        QVERIFY2(std::abs(value - 0.4) <= 1.5 * pxWidth, qPrintable(QString::number(value)));
        QVERIFY(!h->maxCutoff().has_value());
        QVERIFY(cut.count() >= 5);
        QCOMPARE(cut.last().at(0).toDouble(), value);
        QCOMPARE(finished.count(), 1);
        // Range dragging was off during the drag: the axis did not pan.
        QCOMPARE(h->plot()->xAxis->range().lower, before.lower);
        QCOMPARE(h->plot()->xAxis->range().upper, before.upper);
        // Spin box and checkbox follow the line.
        QVERIFY(h->enableBox(HistogramWidget::Edge::Min)->isChecked());
        QVERIFY(std::abs(h->spinBox(HistogramWidget::Edge::Min)->value() - value) < 1e-4);
        // Counts: kept = values >= cutoff; dropped = the rest (including missing).
        const uint64_t kept = countInRange(value, std::nullopt);
        QCOMPARE(rig->counts.total.kept, kept);
        QCOMPARE(rig->counts.total.dropped(), m_corpus->size() - kept);
        QVERIFY(rig->panel->keptText().contains(QLocale().toString(qulonglong(kept))));
        QVERIFY(rig->panel->droppedText().contains(QLocale().toString(qulonglong(m_corpus->size() - kept))));
    }

    void dragMaxLineIsClampedAndNeverCrossesMin()
    {
        auto rig = makeRig();
        QVERIFY(rig);
        HistogramWidget* h = rig->hist;
        h->setBounds(0.5, std::nullopt);
        h->plot()->replot();
        // Drag the max line far past the right edge of the plot: clamped to the data range.
        const double maxPx = h->linePixel(HistogramWidget::Edge::Max);
        QTest::mousePress(h->plot(), Qt::LeftButton, {}, plotPoint(h, maxPx - 2));
        QTest::mouseMove(h->plot(), plotPoint(h, maxPx - 100));
        QTest::mouseMove(h->plot(), QPoint(h->plot()->width() + 300, plotPoint(h, 0).y()));
        QTest::mouseRelease(h->plot(), Qt::LeftButton, {}, QPoint(h->plot()->width() + 300, plotPoint(h, 0).y()));
        QVERIFY(h->maxCutoff().has_value());
        QCOMPARE(*h->maxCutoff(), h->clampHigh());
        // Now drag it left past the min line: it stops at the minimum.
        h->plot()->replot();
        const double px = h->linePixel(HistogramWidget::Edge::Max);
        QTest::mousePress(h->plot(), Qt::LeftButton, {}, plotPoint(h, px));
        QTest::mouseMove(h->plot(), plotPoint(h, h->plot()->xAxis->coordToPixel(0.1)));
        QTest::mouseRelease(h->plot(), Qt::LeftButton, {}, plotPoint(h, h->plot()->xAxis->coordToPixel(0.1)));
        QCOMPARE(*h->maxCutoff(), 0.5);
        QCOMPARE(*h->minCutoff(), 0.5);
        QCOMPARE(rig->counts.total.kept, countInRange(0.5, 0.5));
    }

    // Issue 20: panning moved to Ctrl+drag (a plain press places a cutoff, below).
    void ctrlDragPans()
    {
        auto rig = makeRig();
        QVERIFY(rig);
        HistogramWidget* h = rig->hist;
        QSignalSpy cut(h, &HistogramWidget::cutoffChanged);
        const double mid = (h->linePixel(HistogramWidget::Edge::Min) + h->linePixel(HistogramWidget::Edge::Max)) / 2;
        const QCPRange before = h->plot()->xAxis->range();
        QTest::mousePress(h->plot(), Qt::LeftButton, Qt::ControlModifier, plotPoint(h, mid));
        QTest::mouseMove(h->plot(), plotPoint(h, mid + 40));
        QTest::mouseRelease(h->plot(), Qt::LeftButton, Qt::ControlModifier, plotPoint(h, mid + 40));
        QCOMPARE(cut.count(), 0);
        QVERIFY(!h->minCutoff() && !h->maxCutoff());
        QVERIFY(h->plot()->xAxis->range().lower < before.lower);
    }

    // Issue 20: a press away from the lines places a cutoff there without ticking a box first:
    // left of the median the minimum, right of it the maximum, Shift the other one; the line
    // follows the pointer until release, the box and spin box follow, and the counts with them.
    void clickPlacesCutoff()
    {
        auto rig = makeRig();
        QVERIFY(rig);
        HistogramWidget* h = rig->hist;
        QCPAxis* x = h->plot()->xAxis;
        const double pxWidth = std::abs(x->pixelToCoord(1) - x->pixelToCoord(0));
        auto near = [&](std::optional<double> v, double want) { return v && std::abs(*v - want) <= 1.5 * pxWidth; };
        QSignalSpy cut(h, &HistogramWidget::cutoffChanged);
        QSignalSpy bounds(h, &HistogramWidget::boundsChanged);
        QSignalSpy finished(h, &HistogramWidget::dragFinished);
        const QCPRange before = x->range();

        // Press at 0.2 (left of the median, ~0.5): the minimum is placed there at once.
        QTest::mousePress(h->plot(), Qt::LeftButton, {}, plotPoint(h, x->coordToPixel(0.2)));
        QVERIFY2(near(h->minCutoff(), 0.2), qPrintable(QString::number(h->minCutoff().value_or(-1))));
        QVERIFY(!h->maxCutoff());
        QCOMPARE(bounds.count(), 1);
        QCOMPARE(cut.count(), 1);
        QVERIFY(h->enableBox(HistogramWidget::Edge::Min)->isChecked());
        QCOMPARE(finished.count(), 0);
        // Dragging moves that new line with the pointer; release finishes the drag.
        QTest::mouseMove(h->plot(), plotPoint(h, x->coordToPixel(0.25)));
        QTest::mouseRelease(h->plot(), Qt::LeftButton, {}, plotPoint(h, x->coordToPixel(0.3)));
        QVERIFY(near(h->minCutoff(), 0.3));
        QCOMPARE(finished.count(), 1);
        QVERIFY(std::abs(h->spinBox(HistogramWidget::Edge::Min)->value() - *h->minCutoff()) < 1e-4);
        // The view did not pan.
        QCOMPARE(x->range().lower, before.lower);
        QCOMPARE(x->range().upper, before.upper);

        // A click right of the median places the maximum.
        QTest::mouseClick(h->plot(), Qt::LeftButton, {}, plotPoint(h, x->coordToPixel(0.8)));
        QVERIFY(near(h->maxCutoff(), 0.8));
        QVERIFY(near(h->minCutoff(), 0.3));
        QVERIFY(h->enableBox(HistogramWidget::Edge::Max)->isChecked());
        QCOMPARE(finished.count(), 2);
        // Between the lines, the nearer one moves: 0.7 is nearer the maximum...
        QTest::mouseClick(h->plot(), Qt::LeftButton, {}, plotPoint(h, x->coordToPixel(0.7)));
        QVERIFY(near(h->maxCutoff(), 0.7));
        QVERIFY(near(h->minCutoff(), 0.3));
        // ... and with Shift the other one moves there instead.
        QTest::mouseClick(h->plot(), Qt::LeftButton, Qt::ShiftModifier, plotPoint(h, x->coordToPixel(0.6)));
        QVERIFY(near(h->minCutoff(), 0.6));
        QVERIFY(near(h->maxCutoff(), 0.7));
        QCOMPARE(rig->counts.total.kept, countInRange(*h->minCutoff(), *h->maxCutoff()));
        QCOMPARE(cut.last().at(0).toDouble(), *h->minCutoff());
    }

    // Issue 20: the wheel over a plot is left to the scroll area around it (ignored) unless
    // Ctrl is held, which zooms.
    void wheelZoomsOnlyWithCtrl()
    {
        auto rig = makeRig();
        QVERIFY(rig);
        HistogramWidget* h = rig->hist;
        const QPointF pos = plotPoint(h, h->plot()->axisRect()->rect().center().x());
        const QCPRange before = h->plot()->xAxis->range();
        QWheelEvent plain(pos, h->plot()->mapToGlobal(pos), {}, QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
            Qt::NoScrollPhase, false);
        QApplication::sendEvent(h->plot(), &plain);
        QVERIFY(!plain.isAccepted());
        QCOMPARE(h->plot()->xAxis->range().lower, before.lower);
        QCOMPARE(h->plot()->xAxis->range().upper, before.upper);
        QWheelEvent ctrl(pos, h->plot()->mapToGlobal(pos), {}, QPoint(0, 120), Qt::NoButton, Qt::ControlModifier,
            Qt::NoScrollPhase, false);
        QApplication::sendEvent(h->plot(), &ctrl);
        QVERIFY(ctrl.isAccepted());
        QVERIFY(h->plot()->xAxis->range().size() < before.size());
    }

    void spinBoxesMoveTheLines()
    {
        auto rig = makeRig();
        QVERIFY(rig);
        HistogramWidget* h = rig->hist;
        QSignalSpy changed(h, &HistogramWidget::boundsChanged);
        h->enableBox(HistogramWidget::Edge::Max)->setChecked(true);
        h->spinBox(HistogramWidget::Edge::Max)->setValue(0.75);
        QCOMPARE(changed.count(), 2);
        QCOMPARE(*h->maxCutoff(), 0.75);
        QCOMPARE(h->linePixel(HistogramWidget::Edge::Max), h->plot()->xAxis->coordToPixel(0.75));
        QCOMPARE(rig->counts.total.kept, countInRange(std::nullopt, 0.75));
        // Unchecking removes the bound and keeps everything (but missing values stay kept
        // only because no rule is left to drop them).
        h->enableBox(HistogramWidget::Edge::Max)->setChecked(false);
        QVERIFY(!h->maxCutoff());
        QCOMPARE(rig->counts.total.kept, countInRange(std::nullopt, std::nullopt));
    }

    void logScaleAndOverlay()
    {
        auto rig = makeRig();
        QVERIFY(rig);
        HistogramWidget* h = rig->hist;
        h->setLogScale(true);
        QCOMPARE(h->plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
        h->setGroupOverlay(true);
        QCOMPARE(h->plot()->graphCount(), 3); // web, books, code
        QVERIFY(h->plot()->legend->visible());
        h->setGroupOverlay(false);
        QCOMPARE(h->plot()->graphCount(), 0);
        h->setLogScale(false);
        QCOMPARE(h->plot()->yAxis->scaleType(), QCPAxis::stLinear);
    }

    void exportsPngSvgPdf_data()
    {
        QTest::addColumn<QString>("suffix");
        QTest::newRow("png") << QStringLiteral("png");
        QTest::newRow("svg") << QStringLiteral("svg");
        QTest::newRow("pdf") << QStringLiteral("pdf");
    }

    void exportsPngSvgPdf()
    {
        QFETCH(QString, suffix);
        auto rig = makeRig();
        QVERIFY(rig);
        rig->hist->setBounds(0.2, 0.8);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("plot.") + suffix);
        QCOMPARE(exportPlot(rig->hist->plot(), path), QString());
        QVERIFY(QFileInfo(path).size() > 1000);
        QVERIFY(!exportPlot(rig->hist->plot(), dir.filePath(QStringLiteral("plot.bmpx"))).isEmpty());
    }

    // A zlib6-like column: the body in 0.3..1.5 and 0.2% of the values at 2.0, beyond the
    // 99.5th percentile.
    static ColumnSummary tailedSummary()
    {
        std::vector<float> v;
        for (int i = 0; i < 10000; ++i)
            v.push_back(0.3f + 1.2f * float(i % 1000) / 1000.0f);
        for (int i = 0; i < 20; ++i)
            v.push_back(2.0f);
        SummaryInput in;
        in.names = { "zlib6" };
        in.columns = { v };
        in.groups.assign(v.size(), 0);
        return summarize(in).columns.front();
    }

    // Issue 20: zlib6's axis ended near 1.52 while values of 2.0 exist (the bins spanned
    // p0.5..p99.5): the view and the bars cover every value, and a line reaches 2.0.
    void xRangeCoversTheData()
    {
        HistogramWidget h(QStringLiteral("zlib6"));
        h.resize(600, 320);
        h.show();
        QVERIFY(QTest::qWaitForWindowExposed(&h));
        const ColumnSummary s = tailedSummary();
        h.setSummary(s, { "" });
        h.plot()->replot();
        QCOMPARE(s.dataMax, 2.0);
        QVERIFY2(h.plot()->xAxis->range().upper >= 2.0, qPrintable(QString::number(h.plot()->xAxis->range().upper)));
        // Every value is in a drawn bar: the bars' counts add up to the column's.
        double inBars = 0, lastKey = 0;
        auto* bars = qobject_cast<QCPBars*>(h.plot()->plottable(0));
        QVERIFY(bars);
        for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it) {
            inBars += it->value;
            if (it->value > 0)
                lastKey = it->key;
        }
        QCOMPARE(inBars, double(s.stats.count));
        QVERIFY(lastKey + bars->width() / 2 >= 2.0);
        // Dragging the maximum line past the right edge stops at the largest value.
        const double px = h.linePixel(HistogramWidget::Edge::Max);
        QTest::mousePress(h.plot(), Qt::LeftButton, {}, plotPoint(&h, px - 2));
        QTest::mouseMove(h.plot(), QPoint(h.plot()->width() + 200, plotPoint(&h, 0).y()));
        QTest::mouseRelease(h.plot(), Qt::LeftButton, {}, QPoint(h.plot()->width() + 200, plotPoint(&h, 0).y()));
        QCOMPARE(h.maxCutoff(), std::optional<double>(2.0));
    }

    // Issue 20: one click toggles between the whole range and the 1st-99th percentile.
    void percentileButtonTogglesView()
    {
        HistogramWidget h(QStringLiteral("zlib6"));
        h.resize(600, 320);
        h.show();
        QVERIFY(QTest::qWaitForWindowExposed(&h));
        const ColumnSummary s = tailedSummary();
        h.setSummary(s, { "" });
        const double p1 = s.stats.percentiles.front(), p99 = s.stats.percentiles.back();
        QVERIFY(p99 < 1.6);
        QVERIFY(h.rangeButton()->isVisible());
        QTest::mouseClick(h.rangeButton(), Qt::LeftButton);
        QVERIFY(h.percentileView());
        const QCPRange zoomed = h.plot()->xAxis->range();
        QVERIFY2(zoomed.upper < 1.7 && zoomed.upper >= p99, qPrintable(QString::number(zoomed.upper)));
        QVERIFY(zoomed.lower > 0.25 && zoomed.lower <= p1);
        QCOMPARE(h.bins().lo, p1);
        QCOMPARE(h.bins().hi, p99);
        QVERIFY(h.bins().above >= 20); // the 2.0s at least, counted out of the view
        QTest::mouseClick(h.rangeButton(), Qt::LeftButton);
        QVERIFY(!h.percentileView());
        QVERIFY(h.plot()->xAxis->range().upper >= 2.0);
        QCOMPARE(h.bins().above + h.bins().below, uint64_t(0));
    }

    // Issue 20: the group overlay's legend sits outside the axis rect, so no bar is under it.
    // SHARDSCOPE_SCREENSHOT_DIR: where to save the plot with cutoffs placed and the overlay on.
    void legendDoesNotCoverBars()
    {
        auto rig = makeRig();
        QVERIFY(rig);
        HistogramWidget* h = rig->hist;
        h->setGroupOverlay(true);
        QCPAxis* x = h->plot()->xAxis;
        QTest::mouseClick(h->plot(), Qt::LeftButton, {}, plotPoint(h, x->coordToPixel(0.15)));
        QTest::mouseClick(h->plot(), Qt::LeftButton, {}, plotPoint(h, x->coordToPixel(0.9)));
        h->plot()->replot();
        QVERIFY(h->plot()->legend->visible());
        QCOMPARE(h->plot()->legend->itemCount(), 3);
        QVERIFY2(!h->plot()->legend->outerRect().intersects(h->plot()->axisRect()->rect()),
            qPrintable(QStringLiteral("legend %1,%2 %3x%4")
                           .arg(h->plot()->legend->outerRect().x())
                           .arg(h->plot()->legend->outerRect().y())
                           .arg(h->plot()->legend->outerRect().width())
                           .arg(h->plot()->legend->outerRect().height())));
        const QString dir = qEnvironmentVariable("SHARDSCOPE_SCREENSHOT_DIR");
        if (!dir.isEmpty())
            QVERIFY(h->grab().save(dir + QStringLiteral("/histogram.png")));
        // Off again: the legend goes and the axis rect takes its room back.
        h->setGroupOverlay(false);
        h->plot()->replot();
        QVERIFY(!h->plot()->legend->visible());
        QCOMPARE(h->plot()->plotLayout()->rowCount(), 1);
    }

    // Issue 20: choosing a group draws that group's histogram alone (the owner then sets its
    // bounds); the group box lists all documents and each group with values.
    void groupChoiceShowsGroupHistogram()
    {
        auto rig = makeRig();
        QVERIFY(rig);
        HistogramWidget* h = rig->hist;
        QVERIFY(!h->groupBox()->isVisible()); // no per-group values yet
        h->setGroupValues(splitByGroup(*m_summary.column("a"), m_corpus->groups(), m_corpus->groupNames().size()));
        QVERIFY(h->groupBox()->isVisible());
        QCOMPARE(h->groupBox()->count(), 4); // all documents, web, books, code
        QCOMPARE(h->groupBox()->itemText(2), QStringLiteral("books"));
        QSignalSpy chosen(h, &HistogramWidget::selectedGroupChanged);
        h->groupBox()->setCurrentIndex(2);
        Q_EMIT h->groupBox()->activated(2);
        QCOMPARE(chosen.count(), 1);
        QCOMPARE(h->selectedGroup(), m_corpus->groupIndex("books"));
        uint64_t books = 0;
        for (size_t i = 0; i < m_corpus->size(); ++i)
            books
                += m_corpus->group(i) == uint32_t(m_corpus->groupIndex("books")) && !std::isnan(m_corpus->scores(0)[i]);
        uint64_t drawn = 0;
        for (uint64_t c : h->bins().counts)
            drawn += c;
        QCOMPARE(drawn, books);
        QVERIFY(books < m_corpus->size() / 2);
        // The owner's bounds for that group are drawn.
        h->setBounds(0.3, 0.6);
        QCOMPARE(h->linePixel(HistogramWidget::Edge::Min), h->plot()->xAxis->coordToPixel(0.3));
        h->setSelectedGroup(-1);
        drawn = 0;
        for (uint64_t c : h->bins().counts)
            drawn += c;
        QCOMPARE(drawn, uint64_t(m_corpus->size()));
    }

    // Issue 5: a categorical column (lang) is drawn as counts per category, most frequent first,
    // with its labels; there is no cutoff line to grab.
    void categoricalColumnShowsCategoryCounts()
    {
        std::vector<float> lang;
        const std::vector<std::pair<int, int>> counts = { { 2, 50 }, { 0, 7 }, { 3, 20 } }; // (index, documents)
        for (const auto& [cat, n] : counts)
            for (int i = 0; i < n; ++i)
                lang.push_back(float(cat));
        lang.push_back(std::nanf(""));
        SummaryInput in;
        in.names = { "lang" };
        in.columns = { lang };
        in.categories = { { "de", "en", "fr", "ja", "zh" } };
        in.groups.assign(lang.size(), 0);
        const CorpusSummary summary = summarize(in);
        HistogramWidget h(QStringLiteral("lang"));
        h.resize(500, 300);
        h.show();
        QVERIFY(QTest::qWaitForWindowExposed(&h));
        h.setSummary(summary.columns.front(), { "" });
        QVERIFY(h.categorical());
        QCOMPARE(
            h.categoryLabels(), (QStringList { QStringLiteral("fr"), QStringLiteral("ja"), QStringLiteral("de") }));
        QCOMPARE(h.categoryCounts(), (std::vector<uint64_t> { 50, 20, 7 }));
        QVERIFY(!h.spinBox(HistogramWidget::Edge::Min)->isVisible());
        QVERIFY(!h.enableBox(HistogramWidget::Edge::Max)->isVisible());
        // Pressing and dragging where a numeric plot's min line would be changes nothing.
        QSignalSpy bounds(&h, &HistogramWidget::boundsChanged);
        const double px = h.plot()->xAxis->coordToPixel(h.plot()->xAxis->range().lower);
        QTest::mousePress(h.plot(), Qt::LeftButton, {}, plotPoint(&h, px + 1));
        QTest::mouseMove(h.plot(), plotPoint(&h, px + 60));
        QTest::mouseRelease(h.plot(), Qt::LeftButton, {}, plotPoint(&h, px + 60));
        QCOMPARE(bounds.count(), 0);
        QVERIFY(!h.minCutoff() && !h.maxCutoff());
    }
};

QTEST_MAIN(TestHistogramWidget)
#include "tst_histogramwidget.moc"
