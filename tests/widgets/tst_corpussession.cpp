// The corpus session (issue 19): opening real shards through ScanController, the counts of the
// scan's report (documents, non-blank records, rejected records) from a scan, from the scores
// cache and from a rescan that ignores the cache, a cancel that stops the scan and keeps what
// was read, a second open that drops the first scan's late results, and a corpus shown whole
// without a scan.

#include "testhelpers.h"

#include <corpussession.h>

#include <QDateTime>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace shardscope;

class TestCorpusSession : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_mixed; // 30 real e-mails, 3 broken records, 2 blank lines
    QString m_large; // the 80 e-mails 60 times over: a scan that takes a while
    QByteArrayList m_lines;

    static constexpr const char* kScorers = "zlib6,zstd3";

    static bool waitFinished(CorpusSession& s, QSignalSpy& finished, int ms = 120000)
    {
        if (!testhelpers::signalled(finished, ms))
            return false;
        QElapsedTimer t;
        t.start();
        while (!s.statsReady() && t.elapsed() < ms)
            QTest::qWait(20);
        return s.statsReady();
    }

private Q_SLOTS:
    void initTestCase()
    {
        testhelpers::isolate();
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QFile in(testhelpers::fixture("spam_ham.jsonl"));
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray all = in.readAll();
        m_lines = all.split('\n');
        while (!m_lines.isEmpty() && m_lines.last().isEmpty())
            m_lines.removeLast();
        QVERIFY(m_lines.size() >= 40);

        QByteArray mixed;
        for (int i = 0; i < 30; ++i) {
            mixed += m_lines[i] + '\n';
            if (i == 5)
                mixed += "{\"text\": \"a record cut off in the middle\n";
            if (i == 12)
                mixed += "\n";
            if (i == 17)
                mixed += "this line is not JSON at all\n";
            if (i == 25)
                mixed += "{\"text\": }\n\n";
        }
        m_mixed = m_tmp.filePath(QStringLiteral("mixed.jsonl"));
        QFile out(m_mixed);
        QVERIFY(out.open(QIODevice::WriteOnly) && out.write(mixed) == mixed.size());
        out.close();

        m_large = m_tmp.filePath(QStringLiteral("large.jsonl"));
        QFile large(m_large);
        QVERIFY(large.open(QIODevice::WriteOnly));
        for (int i = 0; i < 60; ++i)
            QVERIFY(large.write(all) == all.size());
    }

    void scanCacheAndRescanCountTheSame()
    {
        CorpusSession s;
        s.setScorers(kScorers);
        QSignalSpy started(&s, &CorpusSession::started);
        QSignalSpy finished(&s, &CorpusSession::finished);
        QSignalSpy opening(&s, &CorpusSession::opening);
        QSignalSpy uncertain(&s, &CorpusSession::fieldsUncertain);
        s.open({ m_mixed });
        QCOMPARE(opening.count(), 1);
        QCOMPARE(opening.first().first().toStringList(), QStringList { m_mixed });
        QVERIFY(s.running());
        // A tenth of the lines are broken: detection asks, as the window's dialog would, and
        // the detected mapping is confirmed.
        QVERIFY(testhelpers::signalled(uncertain, 60000));
        QCOMPARE(uncertain.first().at(0).toStringList(), QStringList { m_mixed });
        const FieldMapping detected = uncertain.first().at(1).value<FieldMapping>();
        QVERIFY(finished.isEmpty() && started.isEmpty());
        s.open({ m_mixed }, detected);
        QVERIFY(waitFinished(s, finished));
        QCOMPARE(started.count(), 1);
        QCOMPARE(uncertain.count(), 1);
        QVERIFY(!s.running());
        QVERIFY(s.fields() == detected);
        QCOMPARE(s.documents(), uint64_t(30));
        QCOMPARE(s.records(), uint64_t(33)); // blank lines are not records
        QCOMPARE(s.rejected(), uint64_t(3));
        QVERIFY(s.lastError().isEmpty());
        QVERIFY(!s.outcome()->fromCache);
        QCOMPARE(s.outcome()->rejects.size(), size_t(3));
        // The documents are the real e-mails in order, with their scores.
        const CorpusData& c = *s.corpus();
        const int zlib = c.columnIndex("zlib6");
        QVERIFY(zlib >= 0);
        for (size_t d = 0; d < c.size(); ++d)
            QVERIFY(std::isfinite(c.scores(size_t(zlib))[d]) && c.scores(size_t(zlib))[d] > 0);
        QCOMPARE(uint64_t(c.length(0)), uint64_t(m_lines[0].size()));
        QCOMPARE(c.offset(6),
            uint64_t(m_lines.mid(0, 6).join('\n').size() + 1)
                + uint64_t(QByteArray("{\"text\": \"a record cut off in the middle\n").size()));
        // Statistics cover the corpus.
        QVERIFY(s.summary()->column("zlib6"));
        QCOMPARE(uint64_t(s.summary()->column("zlib6")->docs), uint64_t(30));
        QVERIFY(!s.corpusKey().isEmpty());

        // Opened again with its mapping: the scores come from the cache, counted the same.
        started.clear();
        finished.clear();
        s.reopen();
        QVERIFY(waitFinished(s, finished));
        QVERIFY(s.outcome()->fromCache);
        QCOMPARE(finished.first().at(1).toBool(), true); // the cached corpus replaced the empty one
        QCOMPARE(s.documents(), uint64_t(30));
        QCOMPARE(s.records(), uint64_t(33));
        QCOMPARE(s.rejected(), uint64_t(3));

        // Rescan: the cache is ignored for this request only.
        finished.clear();
        s.rescan();
        QVERIFY(waitFinished(s, finished));
        QVERIFY(!s.outcome()->fromCache);
        QCOMPARE(s.documents(), uint64_t(30));
        QCOMPARE(s.records(), uint64_t(33));
        QCOMPARE(s.rejected(), uint64_t(3));
        QVERIFY(s.useCache());
        finished.clear();
        s.reopen();
        QVERIFY(waitFinished(s, finished));
        QVERIFY(s.outcome()->fromCache);
        QCOMPARE(uncertain.count(), 1);
    }

    void cancelStopsTheScanAndKeepsWhatWasRead()
    {
        CorpusSession s;
        s.setUseCache(false);
        s.setScorers("zlib6,zstd3,gopher_quality");
        QSignalSpy finished(&s, &CorpusSession::finished);
        QSignalSpy cancelled(&s, &CorpusSession::cancelled);
        QSignalSpy started(&s, &CorpusSession::started);
        s.open({ m_large });
        QVERIFY(testhelpers::signalled(started, 60000));
        QVERIFY(s.running());
        QVERIFY(finished.isEmpty());
        s.cancel();
        QCOMPARE(cancelled.count(), 1);
        QVERIFY(!s.running());
        const uint64_t kept = s.documents();
        QVERIFY(kept < uint64_t(60 * m_lines.size()));
        // Nothing of the stopped scan arrives later.
        QTest::qWait(1500);
        QCOMPARE(s.documents(), kept);
        QVERIFY(finished.isEmpty());
        QVERIFY(!s.outcome());
        QTRY_VERIFY_WITH_TIMEOUT(s.statsReady(), 30000); // statistics of what was read
        s.cancel(); // nothing runs: no second signal
        QCOMPARE(cancelled.count(), 1);
    }

    void secondOpenDropsTheFirstScan()
    {
        CorpusSession s;
        s.setUseCache(false);
        s.setScorers(kScorers);
        QSignalSpy aboutToChange(&s, &CorpusSession::aboutToChange);
        QSignalSpy finished(&s, &CorpusSession::finished);
        s.open({ m_large });
        QSignalSpy started(&s, &CorpusSession::started);
        QVERIFY(testhelpers::signalled(started, 60000));
        s.open({ m_mixed }, s.fields()); // the same e-mail format: no question about fields
        QCOMPARE(aboutToChange.count(), 2);
        QVERIFY(waitFinished(s, finished));
        QCOMPARE(finished.count(), 1);
        QCOMPARE(s.documents(), uint64_t(30));
        QTest::qWait(500); // late batches of the dropped scan would arrive now
        QCOMPARE(s.documents(), uint64_t(30));
        QCOMPARE(s.inputs(), QStringList { m_mixed });
    }

    void loadedCorpusRunsNoScan()
    {
        auto corpus = testhelpers::scanCorpus({ m_mixed.toStdString() }, kScorers);
        QCOMPARE(corpus->size(), size_t(30));
        CorpusSession s;
        QSignalSpy opening(&s, &CorpusSession::opening);
        QSignalSpy started(&s, &CorpusSession::started);
        QSignalSpy finished(&s, &CorpusSession::finished);
        s.showLoaded(corpus);
        QCOMPARE(opening.count(), 1);
        QVERIFY(opening.first().first().toStringList().isEmpty());
        QCOMPARE(started.count(), 1);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.first().at(1).toBool(), false);
        QVERIFY(!s.running());
        QCOMPARE(s.corpus().get(), corpus.get());
        QCOMPARE(s.documents(), uint64_t(30));
        QVERIFY(s.outcome()->fromCache);
        QVERIFY(s.corpusKey().isEmpty()); // nothing to remember cutoffs under
        QVERIFY(s.inputs().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(s.statsReady(), 30000);
        QCOMPARE(uint64_t(s.summary()->column("zstd3")->docs), uint64_t(30));
    }

    // Issue 21: a cached column is checked when first read. One that fails (a byte flipped in its block of the
    // scores file) reads as missing values, and the session says so once, naming the file and the column.
    void corruptCachedColumnIsReported()
    {
        const QString copy = m_tmp.filePath(QStringLiteral("corrupt.jsonl"));
        QVERIFY(QFile::copy(m_mixed, copy));
        CorpusSession s;
        s.setScorers(kScorers);
        QSignalSpy finished(&s, &CorpusSession::finished);
        QSignalSpy uncertain(&s, &CorpusSession::fieldsUncertain);
        s.open({ copy });
        QVERIFY(testhelpers::signalled(uncertain, 60000));
        s.open({ copy }, uncertain.first().at(1).value<FieldMapping>());
        QVERIFY(waitFinished(s, finished));
        const std::optional<FieldMapping> fields = s.fields();
        QVERIFY(!s.outcome()->fromCache);

        // The scores file the scan wrote: the newest in the test's cache directory.
        QString path;
        QDateTime newest;
        QDirIterator it(QString::fromLocal8Bit(qgetenv("SHARDSCOPE_CACHE_DIR")), { QStringLiteral("*.sscores") },
            QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QFileInfo fi(it.next());
            if (path.isEmpty() || fi.lastModified() > newest)
                path = fi.filePath(), newest = fi.lastModified();
        }
        QVERIFY(!path.isEmpty());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QByteArray bytes = f.readAll();
        const qsizetype entry = bytes.indexOf("\"name\":\"score:zstd3\"");
        QVERIFY(entry >= 0);
        const qsizetype offsetAt = bytes.indexOf("\"offset\":", entry) + 9;
        const qint64 offset = bytes.mid(offsetAt, 20).split(',').first().split('}').first().toLongLong();
        QVERIFY(offset > 0 && offset + 30 * 4 <= bytes.size());
        bytes[offset + 9] = char(bytes[offset + 9] ^ 0x40);
        QVERIFY(f.seek(0) && f.write(bytes) == bytes.size());
        f.close();

        QSignalSpy corrupt(&s, &CorpusSession::corruptColumnsFound);
        finished.clear();
        s.open({ copy }, fields);
        QVERIFY(waitFinished(s, finished));
        QVERIFY(s.outcome()->fromCache); // the file opens: its header and index are intact
        QCOMPARE(s.documents(), uint64_t(30));
        QTRY_COMPARE_WITH_TIMEOUT(corrupt.count(), 1, 30000);
        const QString message = corrupt.first().first().toString();
        QVERIFY2(message.contains(path) && message.contains(QStringLiteral("zstd3")), qPrintable(message));
        QVERIFY2(!message.contains(QStringLiteral("zlib6")), qPrintable(message));
        const CorpusData& c = *s.corpus();
        for (size_t d = 0; d < c.size(); ++d) {
            QVERIFY(std::isnan(c.scores(size_t(c.columnIndex("zstd3")))[d]));
            QVERIFY(std::isfinite(c.scores(size_t(c.columnIndex("zlib6")))[d]));
        }
        // Statistics again (as after a drag): the same column is not reported twice.
        s.requestStats();
        QTest::qWait(300);
        QCOMPARE(corrupt.count(), 1);
    }

    void summaryFilterLimitsStatistics()
    {
        CorpusSession s;
        s.setSummaryFilter([](const std::string& column) { return column == "zstd3"; });
        s.showLoaded(testhelpers::scanCorpus({ m_mixed.toStdString() }, kScorers));
        QTRY_VERIFY_WITH_TIMEOUT(s.statsReady(), 30000);
        QVERIFY(s.summary()->column("zstd3"));
        QVERIFY(!s.summary()->column("zlib6"));
        // A column put on display later is summarised on request, merged with the others.
        s.setSummaryFilter([](const std::string&) { return true; });
        QSignalSpy stats(&s, &CorpusSession::statsUpdated);
        s.requestStats();
        QVERIFY(testhelpers::signalled(stats, 30000));
        QVERIFY(s.summary()->column("zlib6"));
        QVERIFY(s.summary()->column("zstd3"));
    }
};

QTEST_MAIN(TestCorpusSession)
#include "tst_corpussession.moc"
