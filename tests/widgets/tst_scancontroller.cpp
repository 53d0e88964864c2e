// The GUI's scan (issue 19, part 1): the controller indexes each batch once into the one table the
// window reads (ScanStart::corpus), appended on the GUI thread in document order, and the cache it saves
// is that table: equal, column for column and id for id, to what the engine's own scan of the same shards
// builds. A cancelled scan keeps its rows and saves nothing.

#include "scancontroller.h"
#include "testhelpers.h"

#include <scorestore.h>

#include <QSignalSpy>
#include <QTest>

#include <cstring>
#include <filesystem>

using namespace shardscope;
using namespace testhelpers;

class TestScanController : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { isolate(); }

    void scanFillsTheOneTableAndCachesIt()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QTemporaryDir dir;
        const QString shard = gzipFixture(dir, "spam_ham.jsonl");
        ScanController controller;
        std::shared_ptr<const ScanStart> start;
        quint64 expectedFirst = 0, batches = 0;
        bool inOrder = true;
        connect(&controller, &ScanController::started, this,
            [&](quint64, std::shared_ptr<const ScanStart> s) { start = std::move(s); });
        connect(&controller, &ScanController::rowsAppended, this, [&](quint64, quint64 first, quint64 rows) {
            inOrder = inOrder && start && first == expectedFirst && start->corpus->size() == first + rows;
            expectedFirst = first + rows;
            ++batches;
        });
        QSignalSpy finished(&controller, &ScanController::finished);
        OpenRequest req;
        req.inputs = { shard };
        req.fields = detectFields(shard.toStdString(), {}, false);
        req.scorers = "zlib6,zstd3,gopher_repetition";
        req.threads = 2;
        controller.start(req);
        QVERIFY(signalled(finished, 60000));
        QVERIFY(start && start->corpus);
        QVERIFY(!start->fromCache);
        QVERIFY(inOrder);
        QVERIFY(batches >= 1);
        const CorpusData& table = *start->corpus;
        QCOMPARE(table.size(), size_t(80));
        QCOMPARE(table.records, uint64_t(80));
        QVERIFY(table.complete());

        // The engine's own scan of the same shard, for comparison.
        ScanOptions so;
        so.shards = { std::filesystem::absolute(shard.toStdString()).lexically_normal().string() };
        so.fields = *req.fields;
        for (auto& s : ScorerRegistry::instance().resolveList(req.scorers))
            so.scorers.push_back(std::move(s));
        const ScanResult own = Scan(so).run();
        QCOMPARE(table.offsetColumn(), own.index.offset);
        QCOMPARE(table.groupNames(), own.index.groups);
        for (size_t i = 0; i < own.index.size(); ++i)
            QCOMPARE(table.idOf(i), own.index.idOf(i));

        // The saved cache is that table.
        const CorpusCache cache = CorpusCache::of({}, so.shards, so.fields);
        QVERIFY(std::filesystem::exists(cache.scoresPath));
        auto cached = openCached(cache, so.shards, so.fields, so.scorers);
        QVERIFY(cached);
        QCOMPARE(cached->index.offset, own.index.offset);
        QCOMPARE(cached->records, own.records);
        QCOMPARE(cached->scores.columns.size(), own.scores.columns.size());
        for (size_t c = 0; c < own.scores.columns.size(); ++c)
            QVERIFY(std::memcmp(cached->scores.values[c].data(), table.scores(c).data(), own.index.size() * 4) == 0);

        // Opened again: from the cache, with the same rows.
        QSignalSpy again(&controller, &ScanController::finished);
        controller.start(req);
        QVERIFY(signalled(again, 60000));
        auto outcome = again.takeFirst().at(1).value<std::shared_ptr<ScanOutcome>>();
        QVERIFY(outcome->fromCache);
        QVERIFY(outcome->corpus);
        QCOMPARE(outcome->corpus->size(), table.size());
    }

    void cancelledScanSavesNothing()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        QTemporaryDir dir;
        const QString shard = gzipFixture(dir, "udhr_sentences.jsonl");
        ScanController controller;
        std::shared_ptr<const ScanStart> start;
        connect(&controller, &ScanController::started, this,
            [&](quint64, std::shared_ptr<const ScanStart> s) { start = std::move(s); });
        QSignalSpy finished(&controller, &ScanController::finished);
        OpenRequest req;
        req.inputs = { shard };
        req.fields = detectFields(shard.toStdString(), {}, false);
        req.scorers = "zlib6";
        controller.start(req);
        controller.cancel();
        controller.shutdown();
        QCoreApplication::processEvents();
        QCOMPARE(finished.count(), 0); // a cancelled job's results are dropped
        const std::vector<std::string> shards = expandShardPaths({ shard.toStdString() });
        QVERIFY(!std::filesystem::exists(CorpusCache::of({}, shards, *req.fields).scoresPath));
    }
};

QTEST_MAIN(TestScanController)
#include "tst_scancontroller.moc"
