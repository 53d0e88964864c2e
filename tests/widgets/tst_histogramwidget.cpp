// HistogramWidget driven with real mouse events: dragging a cutoff line updates the bound,
// the spin boxes and (through the same wiring as the main window) the kept/dropped counts.
// Issue #3 items 4 and 5.

#include "testhelpers.h"

#include <columnsummary.h>
#include <filterevaluator.h>
#include <histogramwidget.h>
#include <plotexport.h>
#include <qcustomplot_include.h>
#include <thresholdpanel.h>

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

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
        in.columns = { m_corpus->scores(0), m_corpus->scores(1) };
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

    void pressAwayFromLinesPansInstead()
    {
        auto rig = makeRig();
        QVERIFY(rig);
        HistogramWidget* h = rig->hist;
        QSignalSpy cut(h, &HistogramWidget::cutoffChanged);
        const double mid = (h->linePixel(HistogramWidget::Edge::Min) + h->linePixel(HistogramWidget::Edge::Max)) / 2;
        const QCPRange before = h->plot()->xAxis->range();
        QTest::mousePress(h->plot(), Qt::LeftButton, {}, plotPoint(h, mid));
        QTest::mouseMove(h->plot(), plotPoint(h, mid + 40));
        QTest::mouseRelease(h->plot(), Qt::LeftButton, {}, plotPoint(h, mid + 40));
        QCOMPARE(cut.count(), 0);
        QVERIFY(!h->minCutoff() && !h->maxCutoff());
        QVERIFY(h->plot()->xAxis->range().lower < before.lower);
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
        QCOMPARE(h.categoryLabels(), (QStringList { QStringLiteral("fr"), QStringLiteral("ja"), QStringLiteral("de") }));
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
