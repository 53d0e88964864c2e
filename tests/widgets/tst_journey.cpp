// A researcher's session, scripted end to end on real shards (issue 20, "Done when"): open two shards,
// add histograms from the chooser, place cutoffs by clicking on the plots (no checkbox first), undo one,
// export the config, and run the engine's `apply` over the same shards: it keeps and drops exactly what the
// panel counted, overall and per group. The window is 1600x1000, where the histograms the user added are
// all in view together with a usable table and viewer; the test saves a screenshot of it.

#include "testhelpers.h"

#include <apply.h>
#include <documenttablemodel.h>
#include <documentviewer.h>
#include <filterconfig.h>
#include <histogramstack.h>
#include <histogramwidget.h>
#include <mainwindow.h>
#include <qcustomplot_include.h>

#include <QAction>
#include <QComboBox>
#include <QLineEdit>
#include <QScrollArea>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

#ifndef SHARDSCOPE_TEST_OUTPUT
#define SHARDSCOPE_TEST_OUTPUT "."
#endif

using namespace shardscope;

namespace {

// Clicks on a histogram's plot where `value` is drawn, half way up the bars.
void clickAt(HistogramWidget* h, double value, Qt::KeyboardModifiers modifiers = {})
{
    QCustomPlot* plot = h->plot();
    const QPoint at(int(std::lround(plot->xAxis->coordToPixel(value))), plot->axisRect()->center().y());
    QTest::mouseClick(plot, Qt::LeftButton, modifiers, at);
}

// The value a pixel column stands for: what a click there can set, at best.
double pixelWidth(HistogramWidget* h)
{
    const QCPRange r = h->plot()->xAxis->range();
    return r.size() / std::max(1, h->plot()->axisRect()->width());
}

// The q-quantile of a column of the open corpus: where a user would click to cut a tail.
double quantile(const MainWindow& w, const char* column, double q)
{
    std::vector<float> v = w.corpus()->scores(size_t(w.corpus()->columnIndex(column))).toVector();
    v.erase(std::remove_if(v.begin(), v.end(), [](float x) { return std::isnan(x); }), v.end());
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : double(v[size_t(q * double(v.size() - 1))]);
}

// Whether `w` is on screen whole inside its scroll area's viewport (or has no scroll area).
bool wholeInView(QWidget* w)
{
    for (QWidget* p = w->parentWidget(); p; p = p->parentWidget())
        if (auto* area = qobject_cast<QScrollArea*>(p)) {
            const QRect r(w->mapTo(area->viewport(), QPoint(0, 0)), w->size());
            return area->viewport()->rect().contains(r);
        }
    return w->isVisible();
}

} // namespace

class TestJourney : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void openClickUndoExportApply()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        REQUIRE_FIXTURE("informal.jsonl");
        const QString mail = testhelpers::gzipFixture(m_dir, "spam_ham.jsonl");
        const QString informal = testhelpers::gzipFixture(m_dir, "informal.jsonl");

        MainWindow w;
        w.resize(1600, 1000);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.setScorers("zlib6,zstd3,gopher_quality,c4");
        QSignalSpy finished(&w, &MainWindow::scanFinished);
        w.openInputs({ mail, informal });
        QVERIFY(testhelpers::signalled(finished, 120000));
        QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
        QTRY_VERIFY_WITH_TIMEOUT(w.statsReady(), 60000);
        const size_t docs = w.corpus()->size();
        QVERIFY(docs > 100);

        // Histograms added through the chooser, as a user does.
        HistogramStack* stack = w.histogramStack();
        auto* chooser = stack->findChild<QComboBox*>();
        QVERIFY(chooser);
        for (const QString column : { QStringLiteral("zstd3"), QStringLiteral("gopher_word_count"),
                 QStringLiteral("gopher_mean_word_length") }) {
            if (stack->shownColumns().contains(column))
                continue;
            const int at = chooser->findText(column, Qt::MatchStartsWith);
            QVERIFY2(at >= 0, qPrintable(column));
            chooser->setCurrentIndex(at);
            chooser->activated(at);
            QTRY_VERIFY_WITH_TIMEOUT(stack->shownColumns().contains(column), 5000);
        }
        QTRY_VERIFY_WITH_TIMEOUT(w.statsReady(), 60000);
        QTest::qWait(200);
        // At 1600x1000 the histograms on display are all in view at once, the table and the viewer usable.
        QVERIFY(w.grab().save(QStringLiteral(SHARDSCOPE_TEST_OUTPUT) + QStringLiteral("/tst_journey-layout.png")));
        for (const QString& column : stack->shownColumns()) {
            HistogramWidget* h = w.histogram(column);
            QVERIFY(h);
            QTRY_VERIFY_WITH_TIMEOUT(h->hasData(), 30000);
            QVERIFY2(wholeInView(h), qPrintable(column + QStringLiteral(" is not in view")));
            QVERIFY2(h->plot()->height() >= 90, qPrintable(column));
        }
        QVERIFY(stack->shownColumns().size() >= 4);
        QVERIFY2(w.tableView()->viewport()->height() >= 150, qPrintable(QString::number(w.tableView()->height())));
        QVERIFY2(w.viewer()->height() >= 150, qPrintable(QString::number(w.viewer()->height())));

        // Cutoffs placed by clicking on the plots, no checkbox ticked first.
        QVERIFY(w.rules().empty());
        HistogramWidget* zlib = w.histogram(QStringLiteral("zlib6"));
        HistogramWidget* words = w.histogram(QStringLiteral("gopher_word_count"));
        const double lowZlib = quantile(w, "zlib6", 0.1);
        clickAt(zlib, lowZlib);
        QTRY_COMPARE(w.rules().size(), size_t(1));
        QVERIFY(zlib->minCutoff());
        QVERIFY2(std::abs(*zlib->minCutoff() - lowZlib) <= 2 * pixelWidth(zlib),
            qPrintable(QStringLiteral("%1 vs %2").arg(*zlib->minCutoff()).arg(lowZlib)));
        const uint64_t keptAfterZlib = w.counts().total.kept;
        QVERIFY(keptAfterZlib < docs);
        // The side nearer the pointer: a click in the upper part of the range sets the maximum.
        const double manyWords = quantile(w, "gopher_word_count", 0.8);
        clickAt(words, manyWords);
        QTRY_COMPARE(w.rules().size(), size_t(2));
        QVERIFY(words->maxCutoff());
        QVERIFY(!words->minCutoff());
        const uint64_t keptAfterWords = w.counts().total.kept;
        QVERIFY(keptAfterWords < keptAfterZlib);

        // Undo (Ctrl+Z) takes the last cutoff back, lines and counts with it.
        QTest::keySequence(&w, QKeySequence::Undo);
        QTRY_COMPARE(w.rules().size(), size_t(1));
        QVERIFY(!words->maxCutoff());
        QCOMPARE(w.counts().total.kept, keptAfterZlib);
        // A maximum on zstd3 as well, then the export.
        HistogramWidget* zstd = w.histogram(QStringLiteral("zstd3"));
        clickAt(zstd, quantile(w, "zstd3", 0.9));
        QTRY_COMPARE(w.rules().size(), size_t(2));
        QTRY_VERIFY_WITH_TIMEOUT(w.counts().total.docs == docs, 10000);
        const FilterCounts panel = w.counts();
        const QString config = m_dir.filePath(QStringLiteral("filter.json"));
        QString error;
        QVERIFY2(w.saveFilterConfig(config, &error), qPrintable(error));

        // The engine applies the exported config to the same shards: the same documents kept and dropped.
        const FilterConfig cfg = FilterConfig::load(config.toStdString());
        ScanOptions so;
        so.shards = expandShardPaths({ mail.toStdString(), informal.toStdString() });
        so.fields = w.corpus()->fields;
        so.scorers = resolveConfigScorers(cfg);
        ApplyOptions ao;
        ao.outDir = m_dir.filePath(QStringLiteral("out")).toStdString();
        const ApplySummary applied = runApply(cfg, so, ao);
        QCOMPARE(applied.total.read - applied.total.rejected, uint64_t(docs));
        QCOMPARE(applied.total.kept, panel.total.kept);
        QCOMPARE(applied.total.dropped, panel.total.dropped());
        QCOMPARE(applied.total.read, applied.total.kept + applied.total.dropped + applied.total.rejected);
        const auto& groups = w.corpus()->groupNames();
        for (size_t g = 0; g < groups.size() && g < panel.perGroup.size(); ++g) {
            if (panel.perGroup[g].docs == 0)
                continue;
            const auto it = applied.groups.find(groups[g]);
            QVERIFY2(it != applied.groups.end(), groups[g].c_str());
            QCOMPARE(it->second.kept, panel.perGroup[g].kept);
            QCOMPARE(it->second.dropped, panel.perGroup[g].dropped());
        }

        // Reading a dropped document: chosen in the table, then Ctrl+F with the focus still in the table
        // opens the viewer's find bar (the shortcut is the window's, not only the viewer's).
        w.tableView()->setFocus();
        w.tableView()->setCurrentIndex(w.tableModel()->index(0, 1));
        QTRY_VERIFY_WITH_TIMEOUT(w.viewer()->document().has_value(), 10000);
        auto* findBar = w.viewer()->findChild<QWidget*>(QStringLiteral("findBar"));
        QVERIFY(findBar && !findBar->isVisible());
        QTest::keySequence(w.tableView(), QKeySequence::Find);
        QTRY_VERIFY(findBar->isVisible());
        QTest::keyClicks(w.viewer()->findChild<QLineEdit*>(QStringLiteral("findText")), QStringLiteral("the"));

        QTest::qWait(200);
        const QString png = QStringLiteral(SHARDSCOPE_TEST_OUTPUT) + QStringLiteral("/tst_journey.png");
        QVERIFY(w.grab().save(png));
        qInfo("screenshot: %s", qPrintable(png));
    }
};

QTEST_MAIN(TestJourney)
#include "tst_journey.moc"
