// File > Add Scorers… (issue 21, part 3): the dialog offers exactly the scorers the open corpus has no columns
// for, each with the time the whole corpus would take (measured on a sample of its texts, off the GUI
// thread), and the chosen ones are scored as added columns, equal to a full scan's, with nothing else rescored.

#include "testhelpers.h"

#include <addscorerdialog.h>
#include <mainwindow.h>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

#ifndef SHARDSCOPE_TEST_OUTPUT
#define SHARDSCOPE_TEST_OUTPUT "."
#endif

using namespace shardscope;

class TestAddScorerDialog : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void offersWhatIsMissingWithEstimatesAndScoresIt()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        const QString shard = testhelpers::gzipFixture(m_dir, "spam_ham.jsonl");
        MainWindow w;
        w.show();
        w.setScorers("zlib6");
        QSignalSpy finished(&w, &MainWindow::scanFinished);
        w.openInputs({ shard });
        QVERIFY(testhelpers::signalled(finished, 120000));
        const std::vector<float> zlib = w.corpus()->scores(0).toVector();

        QSignalSpy opened(&w, &MainWindow::addScorersOpened);
        w.addScorersDialog();
        QCOMPARE(opened.count(), 1);
        auto* dlg = qobject_cast<AddScorerDialog*>(opened.first().first().value<QDialog*>());
        QVERIFY(dlg);
        const QStringList offered = dlg->offered();
        QVERIFY2(offered.contains(QStringLiteral("zstd3")) && offered.contains(QStringLiteral("gopher_quality")),
            qPrintable(offered.join(QLatin1Char(','))));
        QVERIFY(!offered.contains(QStringLiteral("zlib6"))); // computed already
        QTRY_VERIFY_WITH_TIMEOUT(dlg->estimatesDone(), 120000);
        for (const QString s : { QStringLiteral("zstd3"), QStringLiteral("gopher_quality") }) {
            const QString text = dlg->estimateText(s);
            QVERIFY2(text.startsWith(QStringLiteral("about")) || text == QStringLiteral("under a second"),
                qPrintable(s + QStringLiteral(": ") + text));
        }

        QVERIFY(dlg->grab().save(QStringLiteral(SHARDSCOPE_TEST_OUTPUT) + QStringLiteral("/tst_addscorerdialog.png")));

        QSignalSpy columnsDone(&w, &MainWindow::columnsFinished);
        dlg->setChecked(QStringLiteral("zstd3"), true);
        QCOMPARE(dlg->chosen(), std::string("zstd3"));
        dlg->accept();
        QVERIFY(testhelpers::signalled(columnsDone, 120000));
        QCOMPARE(finished.count(), 1); // no rescan
        const CorpusData* c = w.corpus();
        const int zstd = c->columnIndex("zstd3");
        QVERIFY(zstd >= 0);
        QCOMPARE(c->scores(0), zlib);
        const auto full = testhelpers::scanCorpus({ shard.toStdString() }, "zstd3");
        QCOMPARE(c->scores(size_t(zstd)).size(), full->scores(0).size());
        QVERIFY(std::memcmp(c->scores(size_t(zstd)).data(), full->scores(0).data(), full->scores(0).size() * 4) == 0);
        QVERIFY(w.scorers().find("zstd3") != std::string::npos); // reopening loads it with the rest
    }

    void durationsReadAsAUserCounts()
    {
        QCOMPARE(AddScorerDialog::humanDuration(0.2), QStringLiteral("under a second"));
        QCOMPARE(AddScorerDialog::humanDuration(42), QStringLiteral("about 42 s"));
        QCOMPARE(AddScorerDialog::humanDuration(600), QStringLiteral("about 10 min"));
        QCOMPARE(AddScorerDialog::humanDuration(3 * 3600 + 20 * 60), QStringLiteral("about 3 h 20 min"));
        QCOMPARE(AddScorerDialog::humanDuration(-1), QStringLiteral("unknown"));
    }
};

QTEST_MAIN(TestAddScorerDialog)
#include "tst_addscorerdialog.moc"
