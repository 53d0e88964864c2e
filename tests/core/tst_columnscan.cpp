// Scoring columns for a table that exists (issue 20, bugs 1 and 2; issue 21's "only new scorers
// rescored"): ColumnScan runs only the scorers asked for and gives values equal to a full scan's, row for
// row, whatever the batch size and thread count; a table that holds a prefix of the corpus (a cancelled
// scan) is filled for its rows only; a shard that changed since the table was made stops the job with the
// shard and byte offset instead of giving another record's scores; the table adds and refills columns.

#include "columnscan.h"
#include "corpusdata.h"
#include "testutil.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <mutex>

using namespace shardscope;
using namespace testutil;

namespace {

ScanResult scanWith(const std::vector<std::string>& shards, const char* list)
{
    ScanOptions o;
    o.shards = shards;
    o.fields = detectFields(shards.front(), {}, false);
    o.scorers = scorers(list);
    o.threads = 2;
    return Scan(o).run();
}

ColumnScanOptions columnOptions(const ScanResult& table, const char* list, int threads, size_t batchBytes)
{
    ColumnScanOptions o;
    for (const auto& s : table.shards)
        o.shards.push_back(s.path);
    o.fields = table.fields;
    o.scorers = scorers(list);
    o.threads = threads;
    o.batchBytes = batchBytes;
    return o;
}

// The values a ColumnScan fills in, assembled as the GUI does (in row order, one fill per batch).
struct Filled {
    std::vector<std::vector<float>> columns;
    uint64_t nextRow = 0;
    bool inOrder = true;
};

} // namespace

class TestColumnScan : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::vector<std::string> m_shards;

private Q_SLOTS:
    void initTestCase()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        const std::string a = m_dir.filePath(QStringLiteral("a.jsonl.zst")).toStdString();
        const std::string b = m_dir.filePath(QStringLiteral("b.jsonl")).toStdString();
        writeFile(a, zstdCompress(readFile(testdata::fixture("spam_ham.jsonl"))));
        std::string informal = readFile(testdata::fixture("informal.jsonl"));
        informal.insert(informal.find('\n') + 1, "{\"text\": broken\n"); // a rejected record: rows skip it
        writeFile(b, informal);
        m_shards = { a, b };
    }

    void valuesEqualAFullScan_data()
    {
        QTest::addColumn<int>("threads");
        QTest::addColumn<int>("batchBytes");
        QTest::newRow("one thread, 16 KiB batches") << 1 << (16 << 10);
        QTest::newRow("two threads, 4 KiB batches") << 2 << (4 << 10);
        QTest::newRow("two threads, default batches") << 2 << 0;
    }

    void valuesEqualAFullScan()
    {
        QFETCH(int, threads);
        QFETCH(int, batchBytes);
        const ScanResult table = scanWith(m_shards, "zlib6");
        const ScanResult full = scanWith(m_shards, "zlib6,zstd3,gopher_quality");
        QVERIFY(table.index.size() > 100);
        QCOMPARE(table.rejected, uint64_t(1));

        ColumnScan scan(table, columnOptions(table, "zstd3,gopher_quality", threads, size_t(batchBytes)));
        const auto columns = scan.columns();
        QCOMPARE(columns.front().name, std::string("zstd3"));
        Filled f;
        f.columns.assign(columns.size(), std::vector<float>(table.index.size(), -1.0f));
        scan.setFillCallback([&](ColumnFill&& fill) {
            f.inOrder = f.inOrder && fill.firstRow == f.nextRow;
            for (size_t c = 0; c < fill.values.size(); ++c)
                std::copy(fill.values[c].begin(), fill.values[c].end(), f.columns[c].begin() + long(fill.firstRow));
            f.nextRow = fill.firstRow + fill.rows();
        });
        const ColumnScanResult r = scan.run();
        QVERIFY(r.complete);
        QVERIFY(!r.cancelled);
        QVERIFY(f.inOrder);
        QCOMPARE(r.rowsFilled, uint64_t(table.index.size()));
        for (size_t c = 0; c < columns.size(); ++c) {
            const int inFull = full.scores.columnIndex(columns[c].name);
            QVERIFY(inFull >= 0);
            // Bit for bit, missing values (NaN) included.
            QVERIFY2(std::memcmp(f.columns[c].data(), full.scores.values[size_t(inFull)].data(),
                         f.columns[c].size() * sizeof(float))
                    == 0,
                columns[c].name.c_str());
        }
    }

    void aPrefixTableIsFilledForItsRowsOnly()
    {
        ScanResult table = scanWith(m_shards, "zlib6");
        const size_t keep = 37;
        // What a scan cancelled after 37 documents leaves: the first rows of the index.
        table.index.shard.resize(keep);
        table.index.offset.resize(keep);
        ColumnScan scan(table, columnOptions(table, "zstd3", 2, 4 << 10));
        uint64_t last = 0;
        scan.setFillCallback([&](ColumnFill&& fill) { last = fill.firstRow + fill.rows(); });
        const ColumnScanResult r = scan.run();
        QVERIFY(r.complete);
        QVERIFY(!r.cancelled);
        QCOMPARE(r.rowsFilled, uint64_t(keep));
        QCOMPARE(last, uint64_t(keep));
    }

    void aChangedShardIsRefused()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("c.jsonl")).toStdString();
        const std::string text = readFile(testdata::fixture("informal.jsonl"));
        writeFile(path, text);
        const ScanResult table = scanWith({ path }, "zlib6");
        // The shard is rewritten with one more record in front: its fingerprint differs.
        const size_t firstEnd = text.find('\n') + 1;
        writeFile(path, text.substr(0, firstEnd) + text);
        ColumnScan scan(table, columnOptions(table, "zstd3", 1, 0));
        try {
            scan.run();
            QFAIL("a changed shard was scored as if it were the table's");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), path);
            QVERIFY2(QByteArray(e.what()).contains("changed since it was scored"), e.what());
        }
    }

    // What a fingerprint cannot see (two records of the same length swapped, the time set back) is caught
    // row by row: the first row whose record is not where the table has it stops the job, with its offset.
    void aRecordNotWhereTheTableHasItStopsWithItsByteOffset()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("d.jsonl")).toStdString();
        const std::string text = readFile(testdata::fixture("informal.jsonl"));
        writeFile(path, text);
        ScanResult table = scanWith({ path }, "zlib6");
        QVERIFY(table.index.size() > 3);
        // The table says row 2's record is one byte longer than it is (as if the line had changed).
        table.index.length[2] += 1;
        ColumnScan scan(table, columnOptions(table, "zstd3", 1, 0));
        try {
            scan.run();
            QFAIL("a record that is not the table's was scored as its row");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), path);
            QCOMPARE(e.byteOffset(), table.index.offset[2]);
            QVERIFY2(QByteArray(e.what()).contains("row 3"), e.what());
        }
    }

    void theTableAddsAndRefillsColumns()
    {
        ScanResult scanned = scanWith(m_shards, "zlib6,zstd3");
        CorpusData table(std::move(scanned));
        const size_t n = table.size();
        const std::vector<float> zlib = table.scores(0).toVector();
        // zstd3 exists: reset to missing in place; lm_bpb is new: appended, all missing.
        const auto at = table.addColumns({ { "zstd3", "again", {} }, { "lm_bpb", "new", {} } });
        QCOMPARE(at, (std::vector<size_t> { 1, 2 }));
        QCOMPARE(table.columnCount(), size_t(3));
        QCOMPARE(table.columns()[1].definition, std::string("again"));
        QCOMPARE(table.scores(0), zlib); // other columns untouched
        for (size_t c : at) {
            QCOMPARE(table.scores(c).size(), n);
            QVERIFY(std::all_of(table.scores(c).begin(), table.scores(c).end(), isMissing));
        }
        table.fillColumns(at, 5, { { 1.5f, 2.5f }, { 3.5f, 4.5f } });
        QCOMPARE(table.scores(1)[5], 1.5f);
        QCOMPARE(table.scores(2)[6], 4.5f);
        QVERIFY(isMissing(table.scores(2)[7]));
        // Values past the end are not written (a fill is never longer than the table, but a bound is cheap).
        table.fillColumns(at, n - 1, { { 7.0f, 8.0f }, { 9.0f, 10.0f } });
        QCOMPARE(table.scores(1)[n - 1], 7.0f);
        QCOMPARE(table.scores(1).size(), n);
    }
};

QTEST_GUILESS_MAIN(TestColumnScan)
#include "tst_columnscan.moc"
