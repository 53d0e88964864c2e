// ScatterWidget driven with real mouse events (issue 20, "Scatter"): hover shows the document
// under the pointer, a click emits its row, log axes leave out values <= 0, points are
// coloured kept/dropped by the rules, and an edge of the cutoff box is dragged like a
// histogram's cutoff line.

#include "testhelpers.h"

#include <documentviewer.h>
#include <filterconfig.h>
#include <filterstate.h>
#include <mainwindow.h>
#include <qcustomplot_include.h>
#include <scatterwidget.h>

#include <QDockWidget>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>

#include <algorithm>
#include <cmath>

using namespace shardscope;

class TestScatterWidget : public QObject {
    Q_OBJECT

    std::shared_ptr<CorpusData> m_udhr;

    // A real corpus: the UDHR sentences scored by zlib6 and zstd3.
    std::shared_ptr<CorpusData> udhr()
    {
        if (!m_udhr)
            m_udhr = testhelpers::scanCorpus({ testdata::fixture("udhr_sentences.jsonl") });
        return m_udhr;
    }

    // A corpus over kSyncRebuildDocuments is prepared on a worker: waits until its points are in.
    static bool waitRebuilt(ScatterWidget& w, int ms = 20000)
    {
        if (!w.rebuilding())
            return true;
        QSignalSpy spy(&w, &ScatterWidget::rebuilt);
        return spy.wait(ms) && !w.rebuilding();
    }

    static void show(ScatterWidget& w)
    {
        w.resize(900, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.plot()->replot(); // lays out the axis rect, so pixels and coordinates agree
    }

    // A document whose point lies at least `gap` pixels from every other point, so it alone is
    // the nearest one under the pointer.
    static std::optional<uint32_t> isolatedDoc(const ScatterWidget& w, const CorpusData& c, int xi, int yi, double gap)
    {
        const auto& xv = c.scores(size_t(xi));
        const auto& yv = c.scores(size_t(yi));
        const QRect r = w.plot()->axisRect()->rect().adjusted(10, 10, -10, -10);
        for (size_t d = 0; d < c.size(); ++d) {
            const QPointF p = w.pixelOf(xv[d], yv[d]);
            if (!r.contains(p.toPoint()))
                continue;
            bool alone = true;
            for (size_t e = 0; e < c.size() && alone; ++e)
                if (e != d) {
                    const QPointF q = w.pixelOf(xv[e], yv[e]);
                    alone = std::hypot(p.x() - q.x(), p.y() - q.y()) >= gap;
                }
            if (alone)
                return uint32_t(d);
        }
        return std::nullopt;
    }

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void hoverShowsTheDocumentUnderThePointer()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        auto c = udhr();
        ScatterWidget w;
        w.setCorpus(c.get());
        w.setColumns({ QStringLiteral("zlib6"), QStringLiteral("zstd3") });
        w.setMode(ScatterWidget::Mode::Points);
        show(w);
        const int xi = c->columnIndex("zlib6"), yi = c->columnIndex("zstd3");
        const auto doc = isolatedDoc(w, *c, xi, yi, 3);
        QVERIFY(doc);
        const QPointF p = w.pixelOf(c->scores(size_t(xi))[*doc], c->scores(size_t(yi))[*doc]);
        // 2 px off the point: still within the hover radius.
        QTest::mouseMove(w.plot(), (p + QPointF(2, 0)).toPoint());
        const QString expected = QString::fromStdString(c->idOf(*doc)) + QStringLiteral("\nzlib6 = ")
            + QString::number(c->scores(size_t(xi))[*doc], 'g', 6) + QStringLiteral("\nzstd3 = ")
            + QString::number(c->scores(size_t(yi))[*doc], 'g', 6);
        QVERIFY2(w.hoverText().startsWith(expected), qPrintable(w.hoverText()));
        QCOMPARE(QToolTip::text(), w.hoverText());
        // Far from every point: no document, no tooltip.
        const QRect r = w.plot()->axisRect()->rect();
        QTest::mouseMove(w.plot(), QPoint(r.left() + 2, r.top() + 2));
        if (!w.documentAt(QPointF(r.left() + 2, r.top() + 2)))
            QVERIFY(w.hoverText().isEmpty());
    }

    void clickEmitsTheRow()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        auto c = udhr();
        ScatterWidget w;
        w.setCorpus(c.get());
        w.setColumns({ QStringLiteral("zlib6"), QStringLiteral("zstd3") });
        w.setMode(ScatterWidget::Mode::Points);
        show(w);
        const int xi = c->columnIndex("zlib6"), yi = c->columnIndex("zstd3");
        const auto doc = isolatedDoc(w, *c, xi, yi, 3);
        QVERIFY(doc);
        const QPoint p = w.pixelOf(c->scores(size_t(xi))[*doc], c->scores(size_t(yi))[*doc]).toPoint();
        QSignalSpy spy(&w, &ScatterWidget::documentActivated);
        const QCPRange before = w.plot()->xAxis->range();
        QTest::mouseClick(w.plot(), Qt::LeftButton, {}, p);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).value<quint64>(), quint64(*doc));
        QCOMPARE(w.plot()->xAxis->range(), before);
        // A click on empty space emits nothing.
        const QRect r = w.plot()->axisRect()->rect();
        if (!w.documentAt(QPointF(r.left() + 2, r.top() + 2))) {
            QTest::mouseClick(w.plot(), Qt::LeftButton, {}, QPoint(r.left() + 2, r.top() + 2));
            QCOMPARE(spy.count(), 1);
        }
    }

    void logAxisLeavesOutNonPositiveValues()
    {
        // x holds two zeros and a negative value: a log x axis cannot place them.
        CorpusData c;
        c.setColumns({ ColumnInfo { "x", "", {} }, ColumnInfo { "y", "", {} } });
        c.setGroupNames({ "" });
        const std::vector<std::pair<float, float>> values
            = { { 0.5f, 1 }, { 0, 2 }, { 2, 3 }, { -1, 4 }, { 10, 5 }, { 0, 6 }, { 100, 7 } };
        for (size_t i = 0; i < values.size(); ++i)
            c.appendSynthetic("d" + std::to_string(i), 0, 100, { values[i].first, values[i].second });
        ScatterWidget w;
        w.setCorpus(&c);
        w.setColumns({ QStringLiteral("x"), QStringLiteral("y") });
        w.setMode(ScatterWidget::Mode::Points);
        QCOMPARE(w.pointCount(), size_t(7));
        QCOMPARE(w.leftOutNonPositive(), uint64_t(0));
        w.setLogX(true);
        QCOMPARE(w.pointCount(), size_t(4));
        QCOMPARE(w.leftOutNonPositive(), uint64_t(3));
        QVERIFY2(w.infoText().contains(QStringLiteral("3 left out")), qPrintable(w.infoText()));
        // Decades are evenly spaced on the log axis.
        show(w);
        const double p1 = w.pixelOf(1, 1).x(), p10 = w.pixelOf(10, 1).x(), p100 = w.pixelOf(100, 1).x();
        QVERIFY(std::abs((p10 - p1) - (p100 - p10)) < 1);
        // The tick labels are values, not their logarithms.
        const QVector<QString> labels = w.plot()->xAxis->tickVectorLabels();
        QVERIFY2(labels.contains(QLocale().toString(1.0, 'g', 3)) && labels.contains(QLocale().toString(10.0, 'g', 3)),
            qPrintable(QStringList(labels.begin(), labels.end()).join(QLatin1Char(' '))));
        // Hover on the point at x = 10 shows its raw value.
        QTest::mouseMove(w.plot(), w.pixelOf(10, 5).toPoint());
        QVERIFY2(w.hoverText().startsWith(QStringLiteral("d4\nx = 10\ny = 5")), qPrintable(w.hoverText()));
        w.setLogX(false);
        QCOMPARE(w.pointCount(), size_t(7));
        QVERIFY(!w.infoText().contains(QStringLiteral("left out")));
    }

    // Issue 21 (ten million documents): a big corpus is drawn from a systematic sample, so a rebuild on the GUI
    // thread does not walk every document several times; the note still counts every document.
    void bigCorporaAreDrawnFromASample()
    {
        CorpusData c;
        c.setColumns({ ColumnInfo { "x", "", {} }, ColumnInfo { "y", "", {} } });
        c.setGroupNames({ "" });
        const size_t n = 3 * size_t(ScatterWidget::kDrawnDocuments) + 7;
        c.reserve(n);
        uint64_t nonPositive = 0;
        for (size_t i = 0; i < n; ++i) {
            const float x = float(i % 1000) - 10; // 10 in 1000 are <= 0
            nonPositive += x <= 0;
            c.appendSynthetic({}, 0, 100, { x, float(i % 97) });
        }
        ScatterWidget w;
        w.setCorpus(&c);
        w.setColumns({ QStringLiteral("x"), QStringLiteral("y") });
        w.setMode(ScatterWidget::Mode::Density);
        QVERIFY(waitRebuilt(w));
        QVERIFY2(w.pointCount() <= size_t(ScatterWidget::kDrawnDocuments) + 1
                && w.pointCount() > size_t(ScatterWidget::kDrawnDocuments) / 2,
            qPrintable(QString::number(w.pointCount())));
        QVERIFY2(w.infoText().startsWith(QLocale().toString(qulonglong(n)) + QStringLiteral(" documents with both")),
            qPrintable(w.infoText()));
        QVERIFY2(w.infoText().contains(QStringLiteral("drawn from 1 in 4")), qPrintable(w.infoText()));
        w.setLogX(true);
        QVERIFY(waitRebuilt(w));
        QCOMPARE(w.leftOutNonPositive(), nonPositive);
        QVERIFY2(w.infoText().startsWith(QLocale().toString(qulonglong(n - nonPositive))), qPrintable(w.infoText()));
    }

    void coloursFollowTheRules()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        auto c = udhr();
        ScatterWidget w;
        w.setCorpus(c.get());
        w.setColumns({ QStringLiteral("zlib6"), QStringLiteral("zstd3") });
        w.setMode(ScatterWidget::Mode::Points);
        const int xi = c->columnIndex("zlib6"), yi = c->columnIndex("zstd3");
        // No rules: every point is kept.
        QCOMPARE(w.keptPoints(), w.pointCount());
        std::vector<float> sorted = c->scores(size_t(xi)).toVector();
        std::sort(sorted.begin(), sorted.end());
        FilterRule zlib;
        zlib.column = "zlib6";
        zlib.bounds.min = sorted[sorted.size() / 3];
        FilterRule zstd;
        zstd.column = "zstd3";
        std::vector<float> sy = c->scores(size_t(yi)).toVector();
        std::sort(sy.begin(), sy.end());
        zstd.bounds.max = sy[sy.size() * 9 / 10];
        QSignalSpy spy(&w, &ScatterWidget::coloursUpdated);
        w.setRules({ zlib, zstd });
        QVERIFY(testhelpers::signalled(spy, 5000));
        size_t kept = 0;
        for (size_t d = 0; d < c->size(); ++d)
            kept += zlib.passes(c->scores(size_t(xi))[d], "") && zstd.passes(c->scores(size_t(yi))[d], "");
        QCOMPARE(w.pointCount(), c->size());
        QCOMPARE(w.keptPoints(), kept);
        QCOMPARE(w.droppedPoints(), c->size() - kept);
        QVERIFY(kept > 0 && kept < c->size());
        QCOMPARE(size_t(w.plot()->graph(0)->dataCount()), kept);
        QCOMPARE(size_t(w.plot()->graph(1)->dataCount()), c->size() - kept);

        show(w);
        QVERIFY(QDir().mkpath(QStringLiteral("/tmp/h")));
        w.grab().save(QStringLiteral("/tmp/h/scatter.png"));
    }

    void coloursOfABigCorpusComeFromAWorker()
    {
        auto c = testhelpers::syntheticCorpus(200000);
        ScatterWidget w;
        w.setCorpus(c.get());
        w.setColumns({ QStringLiteral("a"), QStringLiteral("b") });
        w.setMode(ScatterWidget::Mode::Points);
        QVERIFY(waitRebuilt(w));
        QCOMPARE(w.pointCount(), size_t(ScatterWidget::kMaxPoints));
        FilterRule a;
        a.column = "a";
        a.bounds.max = 0.75;
        QSignalSpy spy(&w, &ScatterWidget::coloursUpdated);
        w.setRules({ a });
        QVERIFY(testhelpers::signalled(spy, 10000));
        // About a quarter of the uniform values exceed 0.75.
        const double dropped = double(w.droppedPoints()) / double(w.pointCount());
        QVERIFY2(dropped > 0.22 && dropped < 0.28, qPrintable(QString::number(dropped)));
    }

    // Issue 21, part 2: preparing a million points took 60-120 ms of the GUI thread, twice per cached open. A big
    // corpus's points come from a worker: the call returns at once with the previous plot in place, one job runs
    // for several changes made in one turn of the event loop, and what lands is what was asked last.
    void bigCorporaArePreparedOnAWorker()
    {
        const size_t n = size_t(ScatterWidget::kSyncRebuildDocuments) * 3;
        auto c = testhelpers::syntheticCorpus(n);
        ScatterWidget w;
        w.setCorpus(c.get()); // no axes yet: nothing to prepare
        QVERIFY(!w.rebuilding());
        QSignalSpy done(&w, &ScatterWidget::rebuilt);
        w.setColumns({ QStringLiteral("a"), QStringLiteral("b") });
        w.setAxes(QStringLiteral("b"), QStringLiteral("a"));
        QVERIFY(w.rebuilding());
        QCOMPARE(w.pointCount(), size_t(0)); // nothing computed on this thread
        QVERIFY(waitRebuilt(w));
        QTest::qWait(50); // a superseded job would land now
        QCOMPARE(done.count(), 1);
        QCOMPARE(w.xColumn(), QStringLiteral("b"));
        // Every document with both values (column b misses 1 in 100), b on x: the plot's x range is b's.
        size_t both = 0;
        for (size_t d = 0; d < n; ++d)
            both += !std::isnan(c->scores(0)[d]) && !std::isnan(c->scores(1)[d]);
        QCOMPARE(w.pointCount(), both);
        const QCPRange xr = w.plot()->xAxis->range();
        QVERIFY2(xr.lower > 0.0 && xr.upper < 1.0, qPrintable(QStringLiteral("%1 %2").arg(xr.lower).arg(xr.upper)));
        // Another corpus (none) while a job runs: the job's points never land.
        w.setAxes(QStringLiteral("a"), QStringLiteral("b"));
        QVERIFY(w.rebuilding());
        w.setCorpus(nullptr);
        QVERIFY(!w.rebuilding());
        QTest::qWait(300);
        QCOMPARE(w.pointCount(), size_t(0));
    }

    // The scatter shares its dock with the histograms: long column names and the log boxes
    // must not make it (and so the window) wider than the histograms need.
    void longColumnNamesDoNotWidenTheDock()
    {
        ScatterWidget w;
        w.setColumns({ QStringLiteral("text_non_dominant_script_frac"),
            QStringLiteral("gopher_fraction_of_duplicate_line_chars") });
        qInfo("minimum width %d", w.minimumSizeHint().width());
        QVERIFY2(w.minimumSizeHint().width() <= 300, qPrintable(QString::number(w.minimumSizeHint().width())));
    }

    void hoverOnAMillionPoints()
    {
        // Density mode indexes every document: the hover looks at a few grid cells. A figure,
        // not a pass/fail timing.
        auto c = testhelpers::syntheticCorpus(1000000);
        ScatterWidget w;
        QElapsedTimer build;
        build.start();
        w.setCorpus(c.get());
        w.setColumns({ QStringLiteral("a"), QStringLiteral("b") });
        QVERIFY(waitRebuilt(w));
        const qint64 buildMs = build.elapsed();
        show(w);
        QVERIFY(w.pointCount() > 980000);
        const QRect r = w.plot()->axisRect()->rect();
        QElapsedTimer t;
        t.start();
        int found = 0;
        for (int i = 0; i < 1000; ++i)
            found += w.documentAt(QPointF(r.left() + (i * 7) % r.width(), r.top() + (i * 13) % r.height())).has_value();
        qInfo(
            "1M documents: axes change %lld ms, 1000 hovers %lld ms, %d over a document", buildMs, t.elapsed(), found);
        QVERIFY(found > 0);
    }

    void draggingTheBoxEdgeMovesTheCutoff()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        auto c = udhr();
        ScatterWidget w;
        w.setCorpus(c.get());
        w.setColumns({ QStringLiteral("zlib6"), QStringLiteral("zstd3") });
        w.setMode(ScatterWidget::Mode::Points);
        show(w);
        const QCPRange xr = w.plot()->xAxis->range();
        FilterRule zlib;
        zlib.column = "zlib6";
        zlib.bounds.min = xr.lower + xr.size() * 0.3;
        zlib.bounds.max = xr.lower + xr.size() * 0.8;
        w.setRules({ zlib });
        w.plot()->replot();
        QSignalSpy bounds(&w, &ScatterWidget::boundsChanged);
        QSignalSpy finished(&w, &ScatterWidget::dragFinished);
        QSignalSpy activated(&w, &ScatterWidget::documentActivated);
        const QRect r = w.plot()->axisRect()->rect();
        const int minPx = int(std::lround(w.plot()->xAxis->coordToPixel(*zlib.bounds.min)));
        const int target = minPx - 60;
        QTest::mousePress(w.plot(), Qt::LeftButton, {}, QPoint(minPx + 2, r.center().y()));
        for (int i = 1; i <= 4; ++i)
            QTest::mouseMove(w.plot(), QPoint(minPx + 2 + (target - minPx - 2) * i / 4, r.center().y()));
        QTest::mouseRelease(w.plot(), Qt::LeftButton, {}, QPoint(target, r.center().y()));
        QVERIFY(bounds.count() >= 1);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(activated.count(), 0);
        const auto last = bounds.last();
        QCOMPARE(last.at(0).toString(), QStringLiteral("zlib6"));
        const auto newMin = last.at(1).value<std::optional<double>>();
        const auto newMax = last.at(2).value<std::optional<double>>();
        QVERIFY(newMin);
        QVERIFY(std::abs(*newMin - w.plot()->xAxis->pixelToCoord(target)) < 1e-9);
        QVERIFY(*newMin < *zlib.bounds.min);
        QCOMPARE(newMax, zlib.bounds.max);
        // The plot did not pan while the edge moved.
        QCOMPARE(w.plot()->xAxis->range(), xr);

        // The max edge cannot be dragged below the min.
        const int maxPx = int(std::lround(w.plot()->xAxis->coordToPixel(*zlib.bounds.max)));
        QTest::mousePress(w.plot(), Qt::LeftButton, {}, QPoint(maxPx - 1, r.center().y()));
        QTest::mouseMove(w.plot(), QPoint(r.left() + 1, r.center().y()));
        QTest::mouseRelease(w.plot(), Qt::LeftButton, {}, QPoint(r.left() + 1, r.center().y()));
        const auto clamped = bounds.last();
        QCOMPARE(clamped.at(2).value<std::optional<double>>(), clamped.at(1).value<std::optional<double>>());
    }

    // The window's hooks: a click on a point shows that document in the viewer, and a dragged
    // box edge is a rule change of FilterState (counted, undoable) like a histogram's line.
    void windowShowsTheClickedDocumentAndTakesTheDraggedCutoff()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        auto c = testhelpers::scanCorpus({ testdata::fixture("udhr_sentences.jsonl") });
        MainWindow w;
        w.resize(1600, 1000);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.showCorpus(c);
        QTRY_VERIFY(w.corpus() == c.get());
        w.findChild<QDockWidget*>(QStringLiteral("scatterDock"))->raise();
        auto* sc = w.findChild<ScatterWidget*>();
        QVERIFY(sc);
        sc->setAxes(QStringLiteral("zlib6"), QStringLiteral("zstd3"));
        sc->setMode(ScatterWidget::Mode::Points);
        QTRY_VERIFY(sc->isVisible() && sc->plot()->axisRect()->rect().width() > 200);
        sc->plot()->replot();
        QCOMPARE(sc->pointCount(), c->size());

        const int xi = c->columnIndex("zlib6"), yi = c->columnIndex("zstd3");
        const auto doc = isolatedDoc(*sc, *c, xi, yi, 3);
        QVERIFY(doc);
        QTest::mouseClick(sc->plot(), Qt::LeftButton, {},
            sc->pixelOf(c->scores(size_t(xi))[*doc], c->scores(size_t(yi))[*doc]).toPoint());
        QCOMPARE(w.viewer()->document(), std::optional<uint32_t>(*doc));

        const QCPRange xr = sc->plot()->xAxis->range();
        FilterRule zlib;
        zlib.column = "zlib6";
        zlib.bounds.min = xr.lower + xr.size() * 0.3;
        w.filterState()->setRules({ zlib });
        const auto before = w.rules();
        const uint64_t droppedBefore = w.counts().total.dropped();
        sc->plot()->replot();
        const QRect r = sc->plot()->axisRect()->rect();
        const int minPx = int(std::lround(sc->plot()->xAxis->coordToPixel(*zlib.bounds.min)));
        QTest::mousePress(sc->plot(), Qt::LeftButton, {}, QPoint(minPx, r.center().y()));
        QTest::mouseMove(sc->plot(), QPoint(minPx + 40, r.center().y()));
        QTest::mouseMove(sc->plot(), QPoint(minPx + 80, r.center().y()));
        QTest::mouseRelease(sc->plot(), Qt::LeftButton, {}, QPoint(minPx + 80, r.center().y()));
        QCOMPARE(w.rules().size(), size_t(1));
        QVERIFY(std::abs(*w.rules()[0].bounds.min - sc->plot()->xAxis->pixelToCoord(minPx + 80)) < 1e-9);
        QVERIFY(w.counts().total.dropped() > droppedBefore);
        // The scatter colours by the window's rules: its dropped points are the window's count.
        QTRY_COMPARE(uint64_t(sc->droppedPoints()), w.counts().total.dropped());
        // One drag, one undo step.
        w.filterState()->undo();
        QCOMPARE(w.rules(), before);
    }
};

QTEST_MAIN(TestScatterWidget)
#include "tst_scatterwidget.moc"
