// The window's status bar (issue 19): progress on its fixed scale with rate and ETA, Cancel,
// the summary of a finished scan with the first rejected records as a tooltip, and what the
// scores cache reported.

#include <corpusstatusbar.h>
#include <scancontroller.h>

#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

using namespace shardscope;

class TestCorpusStatusBar : public QObject {
    Q_OBJECT

    static QStringList visibleTexts(const CorpusStatusBar& bar)
    {
        QStringList out;
        for (auto* l : bar.findChildren<QLabel*>())
            if (l->isVisible())
                out << l->text();
        return out;
    }

private Q_SLOTS:
    void scanLifecycle()
    {
        CorpusStatusBar bar;
        bar.resize(1400, 30);
        bar.show();
        auto* progress = bar.findChild<QProgressBar*>();
        auto* cancel = bar.findChild<QPushButton*>(QStringLiteral("cancelScan"));
        QVERIFY(progress && cancel);
        QVERIFY(!progress->isVisible() && !cancel->isVisible());
        bar.showOpening();
        QVERIFY(progress->isVisible() && cancel->isVisible());
        QVERIFY(visibleTexts(bar).contains(QStringLiteral("Opening…")));

        ScanProgress p;
        p.docs = 12345;
        p.compressedDone = 250;
        p.compressedTotal = 1000;
        p.docsPerSecond = 2000;
        p.mbPerSecond = 12.5;
        p.etaSeconds = 125;
        bar.showProgress(p);
        QCOMPARE(progress->value(), int(std::lround(p.fraction() * 1000)));
        const QString line = visibleTexts(bar).join(QLatin1Char('|'));
        QVERIFY2(line.contains(QStringLiteral("12.5 MB/s")) && line.contains(QStringLiteral("ETA 2:05 min")),
            qPrintable(line));

        QSignalSpy cancelled(&bar, &CorpusStatusBar::cancelRequested);
        QTest::mouseClick(cancel, Qt::LeftButton);
        QCOMPARE(cancelled.count(), 1);
        bar.showCancelled(4321);
        QVERIFY(!progress->isVisible() && !cancel->isVisible());
        QVERIFY(visibleTexts(bar).join(QLatin1Char('|')).contains(QStringLiteral("Cancelled")));
    }

    void finishedSummary()
    {
        CorpusStatusBar bar;
        bar.show();
        ScanOutcome o;
        o.shards.push_back(ShardInfo {});
        o.shards[0].path = "/data/mail.jsonl";
        o.rejected = 2;
        o.rejects = { RejectedRecord { 0, 7, 1234, "not JSON" }, RejectedRecord { 0, 19, 5678, "no text field" } };
        o.seconds = 3.2;
        o.cacheWarning = "disk full";
        bar.showFinished(o, 80);
        QLabel* note = nullptr;
        for (auto* l : bar.findChildren<QLabel*>())
            if (l->text().contains(QStringLiteral("documents scored in 3 s")))
                note = l;
        QVERIFY(note);
        QVERIFY(note->text().contains(QStringLiteral("2 records rejected")));
        QVERIFY2(note->toolTip().contains(QStringLiteral("/data/mail.jsonl:7 (byte 1234): not JSON")),
            qPrintable(note->toolTip()));
        QVERIFY(note->toolTip().contains(QStringLiteral("no text field")));
        QCOMPARE(bar.currentMessage(), QStringLiteral("Scores were not cached: disk full"));

        o.fromCache = true;
        o.rejected = 0;
        o.cacheWarning.clear();
        bar.showFinished(o, 80);
        QVERIFY(note->text().contains(QStringLiteral("scores from the cache")));
        bar.setLanguageModelStatus(QStringLiteral("LM: tiny on cpu"), QStringLiteral("why"));
        QCOMPARE(bar.languageModelStatus(), QStringLiteral("LM: tiny on cpu"));
        QCOMPARE(CorpusStatusBar::humanSeconds(-1), QStringLiteral("?"));
        QCOMPARE(CorpusStatusBar::humanSeconds(42.4), QStringLiteral("42 s"));
    }
};

QTEST_MAIN(TestCorpusStatusBar)
#include "tst_corpusstatusbar.moc"
