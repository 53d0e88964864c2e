// File > Export Plot (issue 19): disabled without a corpus; one entry per histogram on display,
// in display order, and one for the scatter plot; it follows the histograms shown.

#include "testhelpers.h"

#include <histogramstack.h>
#include <plotexportmenu.h>
#include <scatterwidget.h>

#include <QAction>
#include <QTest>

using namespace shardscope;

class TestPlotExportMenu : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void entriesFollowTheHistograms()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        auto corpus = testhelpers::scanCorpus({ testhelpers::fixture("spam_ham.jsonl").toStdString() }, "zlib6,zstd3");
        QWidget window;
        HistogramStack stack(&window);
        ScatterWidget scatter(&window);
        PlotExportMenu menu(QStringLiteral("Export Plot"), &stack, &scatter, &window);
        connect(&stack, &HistogramStack::plotsChanged, &menu, [&]() { menu.rebuild(true); });
        QVERIFY(!menu.isEnabled());
        stack.setCorpus(corpus, { QStringLiteral("zstd3") });
        QVERIFY(menu.isEnabled());
        QCOMPARE(testhelpers::menuLabels(menu),
            (QStringList { QStringLiteral("Histogram of zstd3…"), QStringLiteral("Scatter Plot…") }));
        stack.showColumn(QStringLiteral("zlib6"));
        QCOMPARE(testhelpers::menuLabels(menu),
            (QStringList { QStringLiteral("Histogram of zstd3…"), QStringLiteral("Histogram of zlib6…"),
                QStringLiteral("Scatter Plot…") }));
        menu.rebuild(false);
        QVERIFY(!menu.isEnabled());
        QVERIFY(testhelpers::menuLabels(menu).isEmpty());
    }
};

QTEST_MAIN(TestPlotExportMenu)
#include "tst_plotexportmenu.moc"
