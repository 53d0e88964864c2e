// The main window on real shards: open, scan in the background, drag a cutoff, load and
// export configs and ids, settings per corpus, and the lifecycle cases of issue #3 item 8
// (another corpus mid-scan, closing mid-scan, unreadable input). Ends with a screenshot.

#include "testhelpers.h"

#include <documenttablemodel.h>
#include <documentviewer.h>
#include <filterconfig.h>
#include <histogramwidget.h>
#include <mainwindow.h>
#include <qcustomplot_include.h>

#include <QAction>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <scatterwidget.h>

#include <set>

#ifndef SHARDSCOPE_TEST_OUTPUT
#define SHARDSCOPE_TEST_OUTPUT "."
#endif

using namespace shardscope;

class TestMainWindow : public QObject {
    Q_OBJECT

    QTemporaryDir m_fixtureDir;
    QString m_fixture;
    QTemporaryDir m_tmp;

    // The compression ratios and one heuristic family keep the scans short.
    static constexpr const char* kScorers = "zlib6,zstd3,gopher_quality";

    static bool openAndWait(MainWindow& w, const QStringList& inputs, int timeoutMs = 120000)
    {
        w.setScorers(kScorers);
        QSignalSpy finished(&w, &MainWindow::scanFinished);
        w.openInputs(inputs);
        if (!testhelpers::signalled(finished, timeoutMs))
            return false;
        QElapsedTimer t;
        t.start();
        while (!w.statsReady() && t.elapsed() < timeoutMs)
            QTest::qWait(20);
        return w.statsReady();
    }

    static QStringList readLines(const QString& path)
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        return QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    }

private Q_SLOTS:
    void initTestCase()
    {
        testhelpers::isolate();
        // Real e-mails as a gzip shard, made from the generated fixtures (a bare clone has them).
        REQUIRE_FIXTURE("spam_ham.jsonl");
        m_fixture = testhelpers::gzipFixture(m_fixtureDir, "spam_ham.jsonl");
        QVERIFY(!m_fixture.isEmpty());
    }

    void openFillsTableHistogramsAndRecent()
    {
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, { m_fixture }));
        QVERIFY(w.corpus());
        const int docs = int(w.corpus()->size());
        QVERIFY(docs > 0);
        QCOMPARE(w.tableModel()->rowCount(), docs);
        HistogramWidget* h = w.histogram(QStringLiteral("zlib6"));
        QVERIFY(h);
        QVERIFY(h->hasData());
        QCOMPARE(w.counts().total.docs, uint64_t(docs));
        QCOMPARE(w.recentFiles().value(0), QFileInfo(m_fixture).absoluteFilePath());
        QVERIFY(w.lastError().isEmpty());
    }

    // Issue 20, bug 5: after another corpus is opened the scatter drew the previous corpus's cutoff box.
    void scatterDropsThePreviousCorpusCutoffBox()
    {
        REQUIRE_FIXTURE("informal.jsonl");
        // Copies of their own: the cutoffs set here are remembered per corpus and must not reach other tests.
        QTemporaryDir own;
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(openAndWait(w, { testhelpers::gzipFixture(own, "spam_ham.jsonl") }));
        auto* scatter = w.findChild<ScatterWidget*>();
        QVERIFY(scatter);
        scatter->setAxes(QStringLiteral("zlib6"), QStringLiteral("zstd3"));
        auto box = [scatter]() -> QCPItemRect* {
            for (int i = 0; i < scatter->plot()->itemCount(); ++i)
                if (auto* r = qobject_cast<QCPItemRect*>(scatter->plot()->item(i)))
                    return r;
            return nullptr;
        };
        QVERIFY(box());
        w.filterState()->setBounds("zlib6", 0.3, 0.9, nullptr);
        w.filterState()->endDrag();
        QTRY_VERIFY(box()->visible());
        const QString other = testhelpers::gzipFixture(own, "informal.jsonl");
        QVERIFY(openAndWait(w, { other }));
        QVERIFY(w.filterState()->rules().empty()); // the new corpus has no cutoffs of its own
        QTest::qWait(100);
        QVERIFY(!box()->visible());
    }

    void dragCutoffInWindowUpdatesCounts()
    {
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(openAndWait(w, { m_fixture }));
        HistogramWidget* h = w.histogram(QStringLiteral("zlib6"));
        QVERIFY(h);
        QTRY_VERIFY(h->plot()->isVisible());
        h->plot()->replot();
        const auto& z = w.corpus()->scores(size_t(w.corpus()->columnIndex("zlib6")));
        std::vector<float> sorted(z.begin(), z.end());
        std::sort(sorted.begin(), sorted.end());
        const double median = sorted[sorted.size() / 2];
        const double startPx = h->linePixel(HistogramWidget::Edge::Min);
        const double targetPx = h->plot()->xAxis->coordToPixel(median);
        const int y = h->plot()->axisRect()->rect().center().y();
        QSignalSpy counts(&w, &MainWindow::countsUpdated);
        QTest::mousePress(h->plot(), Qt::LeftButton, {}, QPoint(int(std::lround(startPx)), y));
        QTest::mouseMove(h->plot(), QPoint(int(std::lround((startPx + targetPx) / 2)), y));
        QTest::mouseMove(h->plot(), QPoint(int(std::lround(targetPx)), y));
        QTest::mouseRelease(h->plot(), Qt::LeftButton, {}, QPoint(int(std::lround(targetPx)), y));
        QVERIFY(counts.count() >= 2); // updated while dragging, not only at the end
        QVERIFY(h->minCutoff());
        const double cut = *h->minCutoff();
        uint64_t kept = 0;
        for (float v : z)
            kept += !std::isnan(v) && v >= cut;
        QCOMPARE(w.counts().total.kept, kept);
        QVERIFY(w.counts().total.dropped() > 0);
        QCOMPARE(w.rules().size(), size_t(1));
        QCOMPARE(w.rules()[0].column, std::string("zlib6"));
        QVERIFY(w.thresholdPanel()->keptText().contains(QLocale().toString(qulonglong(kept))));
        // The table's Filter column follows.
        int droppedRows = 0;
        for (int r = 0; r < w.tableModel()->rowCount(); ++r)
            droppedRows += w.tableModel()->data(w.tableModel()->index(r, DocumentTableModel::FilterColumn)).toString()
                == QStringLiteral("dropped");
        QCOMPARE(uint64_t(droppedRows), w.counts().total.dropped());
        // "Dropped only" view.
        w.thresholdPanel()->setView(ThresholdPanel::View::Dropped);
        QCOMPARE(uint64_t(w.tableModel()->rowCount()), w.counts().total.dropped());
        w.thresholdPanel()->setView(ThresholdPanel::View::All);
        QCOMPARE(size_t(w.tableModel()->rowCount()), w.corpus()->size());
    }

    void loadConfigMovesLinesAndRoundTrips()
    {
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(openAndWait(w, { m_fixture }));
        const QString cfgPath = m_tmp.filePath(QStringLiteral("in.json"));
        {
            QFile f(cfgPath);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(R"({"format":"shardscope-filter","version":1,"rules":[
                {"scorer":"zlib6","min":0.45,"max":0.6},
                {"scorer":"gopher_word_count","min":100},
                {"scorer":"no_such_column","max":1}]})");
        }
        HistogramWidget* z = w.histogram(QStringLiteral("zlib6"));
        QVERIFY(z);
        z->plot()->replot();
        const double before = z->linePixel(HistogramWidget::Edge::Min);
        QString error;
        QVERIFY2(w.loadFilterConfig(cfgPath, &error), qPrintable(error));
        QCOMPARE(w.rules().size(), size_t(3));
        QCOMPARE(*z->minCutoff(), 0.45);
        QCOMPARE(*z->maxCutoff(), 0.6);
        z->plot()->replot();
        QVERIFY(std::abs(z->linePixel(HistogramWidget::Edge::Min) - before) > 1);
        QCOMPARE(z->linePixel(HistogramWidget::Edge::Min), z->plot()->xAxis->coordToPixel(0.45));
        // A rule on a column without a plot brings its histogram up.
        HistogramWidget* wc = w.histogram(QStringLiteral("gopher_word_count"));
        QVERIFY(wc);
        QCOMPARE(*wc->minCutoff(), 100.0);
        QVERIFY(!wc->maxCutoff());
        // The unknown column is carried but not evaluated.
        QCOMPARE(w.counts().ruleEvaluated, (std::vector<bool> { true, true, false }));

        const QString outPath = m_tmp.filePath(QStringLiteral("out.json"));
        QVERIFY2(w.saveFilterConfig(outPath, &error), qPrintable(error));
        FilterConfig saved = FilterConfig::load(outPath.toStdString());
        QCOMPARE(saved.rules.size(), size_t(3));
        QCOMPARE(*saved.rules[0].bounds.min, 0.45);
        QVERIFY(saved.fields.has_value());
        QVERIFY(saved.provenanceJson.find("\"kept\"") != std::string::npos);

        // Clear, then load the exported file back: every cutoff returns.
        w.thresholdPanel()->clearRulesRequested();
        QVERIFY(w.rules().empty());
        QVERIFY(!z->minCutoff());
        QVERIFY(w.loadFilterConfig(outPath, &error));
        QCOMPARE(*z->minCutoff(), 0.45);
        QCOMPARE(*z->maxCutoff(), 0.6);
        QCOMPARE(*wc->minCutoff(), 100.0);

        QVERIFY(!w.loadFilterConfig(m_tmp.filePath(QStringLiteral("missing.json")), &error));
        QVERIFY(error.contains(QStringLiteral("missing.json")));
    }

    // Issue 19: the window wires the table page's search to its status bar, and Edit > Undo to the
    // filter state, which moves the plots' lines back.
    void textSearchReportsInTheStatusBar()
    {
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, { m_fixture }));
        auto* search = w.findChild<QLineEdit*>(QStringLiteral("textSearch"));
        QVERIFY(search);
        QTest::keyClicks(search, QStringLiteral("Subject"));
        QTest::keyClick(search, Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(
            w.statusBar()->currentMessage().contains(QStringLiteral("documents contain \"Subject\"")), 30000);
    }

    void undoRestoresRulesAndLines()
    {
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, { m_fixture }));
        QAction* undo = nullptr;
        for (QAction* a : w.findChildren<QAction*>())
            if (a->shortcut() == QKeySequence(QKeySequence::Undo))
                undo = a;
        QVERIFY(undo);
        QVERIFY(!undo->isEnabled()); // cutoffs restored from an earlier test are not an edit
        w.thresholdPanel()->clearRulesRequested();
        HistogramWidget* h = w.histogram(QStringLiteral("zlib6"));
        QVERIFY(h);
        h->enableBox(HistogramWidget::Edge::Min)->setChecked(true);
        h->spinBox(HistogramWidget::Edge::Min)->setValue(0.4);
        QCOMPARE(w.rules().size(), size_t(1));
        const uint64_t kept = w.counts().total.kept;
        QVERIFY(kept < w.corpus()->size());
        w.thresholdPanel()->clearRulesRequested();
        QVERIFY(w.rules().empty());
        QVERIFY(!h->minCutoff());
        QVERIFY(undo->isEnabled());
        undo->trigger(); // the cleared rules come back, lines and counts with them
        QCOMPARE(w.rules().size(), size_t(1));
        QCOMPARE(*h->minCutoff(), 0.4);
        QCOMPARE(w.counts().total.kept, kept);
        w.thresholdPanel()->clearRulesRequested();
    }

    void exportKeptAndDroppedIds()
    {
        MainWindow w;
        QVERIFY(openAndWait(w, { m_fixture }));
        FilterRule r;
        r.column = "zlib6";
        r.bounds.min = w.corpus()->scores(0)[0];
        const QString cfg = m_tmp.filePath(QStringLiteral("ids.json"));
        FilterConfig c;
        c.rules = { r };
        c.save(cfg.toStdString());
        QVERIFY(w.loadFilterConfig(cfg));
        const QString kept = m_tmp.filePath(QStringLiteral("kept.txt"));
        const QString dropped = m_tmp.filePath(QStringLiteral("dropped.txt"));
        QCOMPARE(w.exportIds(kept, true).result(), QString()); // written off the GUI thread
        QCOMPARE(w.exportIds(dropped, false).result(), QString());
        QVERIFY(!w.exportIds(m_tmp.filePath(QStringLiteral("no-such-dir/x.txt")), true).result().isEmpty());
        const QStringList k = readLines(kept), d = readLines(dropped);
        QCOMPARE(uint64_t(k.size()), w.counts().total.kept);
        QCOMPARE(uint64_t(d.size()), w.counts().total.dropped());
        QCOMPARE(size_t(k.size() + d.size()), w.corpus()->size());
        const std::set<QString> ks(k.begin(), k.end());
        for (const auto& id : d)
            QVERIFY(!ks.count(id));
        QVERIFY(ks.count(QString::fromStdString(w.corpus()->idOf(0))));
    }

    void cutoffsPersistPerCorpus()
    {
        {
            MainWindow w;
            QVERIFY(openAndWait(w, { m_fixture }));
            HistogramWidget* h = w.histogram(QStringLiteral("zstd3"));
            QVERIFY(h);
            h->enableBox(HistogramWidget::Edge::Max)->setChecked(true);
            h->spinBox(HistogramWidget::Edge::Max)->setValue(0.55);
            QCOMPARE(w.rules().size(), size_t(1));
            w.close(); // saves settings
        }
        MainWindow w2;
        QVERIFY(openAndWait(w2, { m_fixture }));
        QCOMPARE(w2.rules().size(), size_t(1));
        QCOMPARE(w2.rules()[0].column, std::string("zstd3"));
        QCOMPARE(*w2.rules()[0].bounds.max, 0.55);
        QCOMPARE(*w2.histogram(QStringLiteral("zstd3"))->maxCutoff(), 0.55);
        w2.thresholdPanel()->clearRulesRequested();
        w2.close();
    }

    void anotherCorpusMidScanDropsTheOld()
    {
        REQUIRE_SHARED("bench");
        const QString bench = testhelpers::sharedData(QStringLiteral("bench"));
        MainWindow w;
        w.setUseCache(false);
        w.setScorers(kScorers);
        w.openInputs({ bench });
        QTRY_VERIFY_WITH_TIMEOUT(w.corpus() && w.corpus()->size() > 0, 60000);
        QVERIFY(w.scanRunning());
        QVERIFY(openAndWait(w, { m_fixture }));
        // Nothing of the bench corpus leaked in: same size and groups as a scan of the fixture alone.
        auto alone = testhelpers::scanCorpus({ m_fixture.toStdString() }, kScorers);
        QCOMPARE(w.corpus()->size(), alone->size());
        QCOMPARE(w.corpus()->groupNames(), alone->groupNames());
        QCOMPARE(size_t(w.tableModel()->rowCount()), alone->size());
        QTest::qWait(300); // late batches of the cancelled job would arrive now
        QCOMPARE(w.corpus()->size(), alone->size());
    }

    void closingMidScanExitsCleanly()
    {
        REQUIRE_SHARED("bench");
        const QString bench = testhelpers::sharedData(QStringLiteral("bench"));
        auto* w = new MainWindow;
        w->setUseCache(false);
        w->setScorers(kScorers);
        w->show();
        w->openInputs({ bench });
        QTRY_VERIFY_WITH_TIMEOUT(w->corpus() && w->corpus()->size() > 0, 60000);
        QElapsedTimer t;
        t.start();
        QVERIFY(w->close());
        delete w;
        qInfo("closed mid-scan in %lld ms", static_cast<long long>(t.elapsed()));
        QVERIFY(t.elapsed() < 20000);
    }

    void unreadableInputKeepsWhatWasRead()
    {
        // A real .zst shard cut in the middle of a frame.
        REQUIRE_SHARED("bench/bench-0003.jsonl.zst");
        const QString src = testhelpers::sharedData(QStringLiteral("bench/bench-0003.jsonl.zst"));
        QFile in(src);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray all = in.readAll();
        const QString broken = m_tmp.filePath(QStringLiteral("truncated.jsonl.zst"));
        QFile out(broken);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(all.left(all.size() / 2));
        out.close();
        MainWindow w;
        QVERIFY(openAndWait(w, { broken }));
        QVERIFY(w.corpus()->size() > 0);
        QVERIFY2(w.lastError().contains(QStringLiteral("truncated.jsonl.zst")), qPrintable(w.lastError()));
        QVERIFY2(w.lastError().contains(QStringLiteral("byte")), qPrintable(w.lastError()));
        QCOMPARE(size_t(w.tableModel()->rowCount()), w.corpus()->size());
    }

    void screenshotOfTheMainWindow()
    {
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(openAndWait(w, { m_fixture }));
        QSignalSpy loaded(w.viewer(), &DocumentViewer::documentLoaded);
        w.tableView()->setCurrentIndex(w.tableModel()->index(0, DocumentTableModel::IdColumn));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
        QVERIFY(!w.viewer()->displayedText().isEmpty());
        QTest::qWait(100);
        const QImage shot = w.grab().toImage();
        QCOMPARE(shot.size(), QSize(1400, 900));
        const QString path = QDir(QStringLiteral(SHARDSCOPE_TEST_OUTPUT)).filePath(QStringLiteral("mainwindow.png"));
        QVERIFY(shot.save(path));
        qInfo("screenshot: %s", qPrintable(path));
        // Not a blank frame: the plots and table draw many distinct colours.
        std::set<QRgb> colours;
        for (int y = 0; y < shot.height(); y += 7)
            for (int x = 0; x < shot.width(); x += 7)
                colours.insert(shot.pixel(x, y));
        QVERIFY(colours.size() > 20);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
