// Shards read in parallel (issue 21, part 4): whatever the thread count, a scan gives the same result in the
// same order, apply writes the same bytes, a cancelled scan stops promptly, and memory stays a few batches per
// thread. The input is real text (the e-mail fixture) split into shards of every kind a corpus holds: plain, gzip,
// zstd of one and of several frames, an empty one, one that breaks in the middle of the list, one that is missing.

#include "apply.h"
#include "filterconfig.h"
#include "scan.h"
#include "testutil.h"

#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

using namespace shardscope;
using namespace testutil;

namespace {

// Small batches, so that every shard is many batches and the workers interleave within and across shards.
constexpr size_t kBatch = 16 << 10;

struct Corpus {
    std::vector<std::string> shards;
    uint64_t goodLines = 0; // non-blank lines of the shards that read to their end
};

std::string joinLines(const std::vector<std::string>& lines, size_t from, size_t to)
{
    std::string out;
    for (size_t i = from; i < to && i < lines.size(); ++i)
        out += lines[i] + "\n";
    return out;
}

// The e-mail fixture (twice) cut into eight shards, in this order: plain, empty, gzip, missing, zstd of two
// frames truncated halfway through the second (keeps the records before the break), zstd of three frames with two
// broken records and blank lines, plain again, gzip again.
Corpus makeCorpus(const QTemporaryDir& dir)
{
    std::vector<std::string> lines = splitLines(readFile(testdata::fixture("spam_ham.jsonl")));
    lines.insert(lines.end(), lines.begin(), lines.end()); // 160 records, about 50 batches
    const size_t n = lines.size(), q = n / 6;
    auto path = [&](const char* name) { return dir.filePath(QString::fromLatin1(name)).toStdString(); };
    Corpus c;
    c.shards = { path("a.jsonl"), path("b-empty.jsonl"), path("c.jsonl.gz"), path("d-missing.jsonl"),
        path("e-truncated.jsonl.zst"), path("f-frames.jsonl.zst"), path("g.jsonl"), path("h.jsonl.gz") };
    writeFile(c.shards[0], joinLines(lines, 0, q));
    writeFile(c.shards[1], "");
    writeFile(c.shards[2], gzipCompress(joinLines(lines, q, 2 * q)));
    const std::string cut = zstdCompress(joinLines(lines, 2 * q + q / 2, 3 * q));
    writeFile(c.shards[4], zstdCompress(joinLines(lines, 2 * q, 2 * q + q / 2)) + cut.substr(0, cut.size() / 2));
    writeFile(c.shards[5],
        zstdCompress(joinLines(lines, 3 * q, 3 * q + q / 2)) + zstdCompress("\n{\"text\": 5}\nnot json\n\n")
            + zstdCompress(joinLines(lines, 3 * q + q / 2, 4 * q)));
    writeFile(c.shards[6], joinLines(lines, 4 * q, 5 * q));
    writeFile(c.shards[7], gzipCompress(joinLines(lines, 5 * q, n)));
    return c;
}

ScanOptions options(const Corpus& c, int threads, const char* scorerList = "zlib6,zstd3")
{
    ScanOptions o;
    o.shards = c.shards;
    o.fields = detectFields(c.shards[0], {}, false);
    if (*scorerList) // "": no scorers, reading and parsing alone
        o.scorers = scorers(scorerList);
    o.threads = threads;
    o.batchBytes = kBatch;
    return o;
}

// Everything in a result that depends on the order of the input.
void compareResults(const ScanResult& a, const ScanResult& b)
{
    QCOMPARE(b.records, a.records);
    QCOMPARE(b.rejected, a.rejected);
    QCOMPARE(b.skipped, a.skipped);
    QCOMPARE(b.blankLines, a.blankLines);
    QCOMPARE(b.textBytes, a.textBytes);
    QCOMPARE(b.cancelled, a.cancelled);
    QCOMPARE(b.shards.size(), a.shards.size());
    for (size_t i = 0; i < a.shards.size(); ++i) {
        QCOMPARE(b.shards[i].records, a.shards[i].records);
        QCOMPARE(b.shards[i].rejected, a.shards[i].rejected);
        QCOMPARE(b.shards[i].decompressedBytes, a.shards[i].decompressedBytes);
        QCOMPARE(b.shards[i].complete, a.shards[i].complete);
        QCOMPARE(b.shards[i].error, a.shards[i].error);
    }
    QCOMPARE(b.rejects.size(), a.rejects.size());
    for (size_t i = 0; i < a.rejects.size(); ++i) {
        QCOMPARE(b.rejects[i].shard, a.rejects[i].shard);
        QCOMPARE(b.rejects[i].line, a.rejects[i].line);
        QCOMPARE(b.rejects[i].offset, a.rejects[i].offset);
        QCOMPARE(b.rejects[i].reason, a.rejects[i].reason);
    }
    QCOMPARE(b.index.size(), a.index.size());
    QCOMPARE(b.index.shard, a.index.shard);
    QCOMPARE(b.index.offset, a.index.offset);
    QCOMPARE(b.index.length, a.index.length);
    QCOMPARE(b.index.line, a.index.line);
    QCOMPARE(b.index.textBytes, a.index.textBytes);
    QCOMPARE(b.index.textChars, a.index.textChars);
    QCOMPARE(b.index.group, a.index.group);
    QCOMPARE(b.index.groups, a.index.groups);
    for (size_t i = 0; i < a.index.size(); ++i)
        QCOMPARE(b.index.ids.get(i), a.index.ids.get(i));
    QCOMPARE(b.scores.values, a.scores.values);
}

// An output that needs the lines' bytes and is slow on the first batch: every other batch is read and scored
// while it waits, so only the scan's budget keeps them from piling up.
class SlowFirstSink final : public ScanSink {
public:
    explicit SlowFirstSink(bool needsBytes)
        : m_needsBytes(needsBytes)
    {
    }
    void onBatch(const CommittedBatch& b) override
    {
        if (m_batches++ == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
        if (m_needsBytes)
            m_bytes += b.lines.payload;
    }
    bool needsLineBytes() const override { return m_needsBytes; }
    uint64_t m_batches = 0, m_bytes = 0;

private:
    bool m_needsBytes;
};

} // namespace

class TestParallelScan : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sameResultWhateverTheThreads_data()
    {
        QTest::addColumn<int>("threads");
        QTest::addColumn<bool>("sample");
        for (int t : { 2, 3, 8 }) {
            QTest::addRow("%d threads", t) << t << false;
            QTest::addRow("%d threads, sampled", t) << t << true;
        }
    }
    void sameResultWhateverTheThreads()
    {
        QFETCH(int, threads);
        QFETCH(bool, sample);
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QTemporaryDir dir;
        const Corpus c = makeCorpus(dir);
        auto run = [&](int t) {
            ScanOptions o = options(c, t);
            if (sample)
                o.selector = std::make_shared<BernoulliSelector>(0.5, 7);
            return Scan(o).run();
        };
        const ScanResult one = run(1);
        // The corpus is what the test says it is: the missing and the truncated shard report errors and keep what
        // came before the break, the broken records are rejected, the empty shard is complete.
        QCOMPARE(one.errors().size(), size_t(2));
        QVERIFY(!one.shards[3].complete && !one.shards[3].error.empty());
        QVERIFY(!one.shards[4].complete && one.shards[4].error.find("e-truncated") != std::string::npos);
        QVERIFY(one.shards[4].records > 0);
        QVERIFY(one.shards[1].complete && one.shards[1].records == 0);
        QCOMPARE(one.rejected, uint64_t(2));
        QCOMPARE(one.rejects[0].shard, uint32_t(5));
        QVERIFY(one.blankLines >= 2);
        QVERIFY(one.shards[5].decompressedBytes > 0);
        if (sample)
            QVERIFY(one.skipped > 0 && one.index.size() > 0);
        QCOMPARE(one.records, one.index.size() + one.rejected + one.skipped);
        // Over shard boundaries the documents keep their shards' order.
        QVERIFY(std::is_sorted(one.index.shard.begin(), one.index.shard.end()));

        for (int round = 0; round < 3; ++round) { // the interleaving differs from run to run
            ScanOptions o = options(c, threads);
            if (sample)
                o.selector = std::make_shared<BernoulliSelector>(0.5, 7);
            Scan scan(o);
            const ScanResult many = scan.run();
            // Progress is the sum over shards: every byte on disk once, the broken and missing shards included.
            const ScanProgress p = scan.progress();
            QVERIFY(p.compressedTotal > 0);
            QCOMPARE(p.compressedDone, p.compressedTotal);
            compareResults(one, many);
            if (QTest::currentTestFailed())
                return;
        }
    }

    // Sinks see every batch once, in input order, and apply's outputs are byte-identical (tst_apply checks what
    // they hold; here they only must not depend on the threads).
    void applyOutputIdentical()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QTemporaryDir dir;
        Corpus c = makeCorpus(dir);
        c.shards.erase(c.shards.begin() + 3); // apply refuses a missing input before it starts
        const FilterConfig config = FilterConfig::parse(R"({"format":"shardscope-filter","version":1,"rules":[
            {"scorer":"zlib6","min":0.3,"max":0.6},{"scorer":"zstd3","max":0.55}]})");
        auto run = [&](int threads) {
            ScanOptions so = options(c, threads);
            so.scorers = resolveConfigScorers(config);
            ApplyOptions ao;
            ao.outDir = dir.filePath(QStringLiteral("out-%1").arg(threads)).toStdString();
            ao.writeDropped = true;
            ao.writeRejected = true;
            ApplySummary s = runApply(config, so, ao);
            std::map<std::string, std::string> files;
            for (const auto& e : std::filesystem::directory_iterator(ao.outDir))
                files[e.path().filename().string()] = readFile(e.path().string());
            return std::make_pair(s, files);
        };
        const auto [one, oneFiles] = run(1);
        QVERIFY(one.total.kept > 0 && one.total.dropped > 0);
        QCOMPARE(one.total.rejected, uint64_t(2));
        QVERIFY(oneFiles.size() >= 6);
        for (int threads : { 2, 3, 8 }) {
            const auto [many, manyFiles] = run(threads);
            QCOMPARE(many.total.read, one.total.read);
            QCOMPARE(many.total.kept, one.total.kept);
            QCOMPARE(many.total.dropped, one.total.dropped);
            QCOMPARE(many.total.rejected, one.total.rejected);
            QCOMPARE(manyFiles.size(), oneFiles.size());
            for (const auto& [name, bytes] : oneFiles) {
                QVERIFY2(manyFiles.count(name), name.c_str());
                if (name == "summary.json")
                    continue; // holds the thread count and timings
                QVERIFY2(manyFiles.at(name) == bytes, (name + " differs at " + std::to_string(threads)).c_str());
            }
        }
    }

    // A batch that waits for its turn to commit holds its buffer only while something still needs the bytes; the
    // batches read behind a slow one stay within the budget (2 x threads + 1 per side of the commit front), and
    // the front shard always proceeds: a later shard that filled the budget does not stall the scan.
    void memoryStaysBounded_data()
    {
        QTest::addColumn<int>("threads");
        QTest::addColumn<bool>("needsBytes");
        for (int t : { 1, 2, 4, 8 }) {
            QTest::addRow("%d threads, sink reads bytes", t) << t << true;
            QTest::addRow("%d threads, sink reads no bytes", t) << t << false;
        }
    }
    void memoryStaysBounded()
    {
        QFETCH(int, threads);
        QFETCH(bool, needsBytes);
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QTemporaryDir dir;
        Corpus c = makeCorpus(dir);
        // Many small batches: about one record each, 900 in all.
        const std::string mail = readFile(testdata::fixture("spam_ham.jsonl"));
        for (int i = 0; i < 4; ++i) {
            c.shards.push_back(dir.filePath(QStringLiteral("more%1.jsonl.zst").arg(i)).toStdString());
            writeFile(c.shards.back(), zstdCompress(mail + mail, 1));
        }
        ScanOptions o = options(c, threads, "zstd3");
        o.batchBytes = 4096;
        SlowFirstSink sink(needsBytes);
        Scan scan(o);
        scan.addSink(&sink);
        const ScanResult r = scan.run();
        QCOMPARE(r.errors().size(), size_t(2));
        QVERIFY2(sink.m_batches > uint64_t(8 * threads), "too few batches to fill the budget");
        const uint64_t bound = 2 * (2 * uint64_t(threads) + 1);
        QVERIFY2(r.peakBatchBuffers <= bound,
            (std::to_string(r.peakBatchBuffers) + " batch buffers at once, bound " + std::to_string(bound)).c_str());
        QVERIFY(r.peakBatchBuffers >= 1);
        qInfo("%d threads: at most %llu batch buffers at once (bound %llu), %llu batches", threads,
            static_cast<unsigned long long>(r.peakBatchBuffers), static_cast<unsigned long long>(bound),
            static_cast<unsigned long long>(sink.m_batches));
        ScanOptions one = options(c, 1, "zstd3");
        one.batchBytes = 4096;
        compareResults(Scan(one).run(), r);
    }

    // Cancel stops the workers at their next batch, also those waiting for the budget or for a reader.
    void cancelStopsPromptly_data()
    {
        QTest::addColumn<int>("threads");
        QTest::newRow("1 thread") << 1;
        QTest::newRow("3 threads") << 3;
        QTest::newRow("8 threads") << 8;
    }
    void cancelStopsPromptly()
    {
        QFETCH(int, threads);
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QTemporaryDir dir;
        // Enough text that the scan takes many seconds: eight copies of the mail in each of six shards.
        const std::string mail = readFile(testdata::fixture("spam_ham.jsonl"));
        std::string eight;
        for (int i = 0; i < 8; ++i)
            eight += mail;
        Corpus c;
        for (int i = 0; i < 6; ++i) {
            c.shards.push_back(dir.filePath(QStringLiteral("m%1.jsonl.zst").arg(i)).toStdString());
            writeFile(c.shards.back(), zstdCompress(eight, 1));
        }
        ScanOptions o = options(c, threads, "zlib6,zstd3");
        o.batchBytes = 64 << 10;
        Scan scan(o);
        std::atomic<int64_t> cancelledAtMs { -1 };
        QElapsedTimer clock;
        clock.start();
        std::thread canceller([&] {
            while (scan.progress().docs < 50)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            cancelledAtMs = clock.elapsed();
            scan.cancel();
        });
        const ScanResult r = scan.run();
        const int64_t stoppedAtMs = clock.elapsed();
        canceller.join();
        QVERIFY(r.cancelled);
        QVERIFY(!r.complete());
        QVERIFY(r.index.size() >= 50);
        QVERIFY2(r.index.size() < 6 * 8 * splitLines(mail).size(), "the scan ran to its end");
        QVERIFY2(stoppedAtMs - cancelledAtMs < 1000,
            ("stopped " + std::to_string(stoppedAtMs - cancelledAtMs) + " ms after cancel").c_str());
        qInfo("%d threads: stopped %lld ms after cancel, %zu documents", threads,
            static_cast<long long>(stoppedAtMs - cancelledAtMs), r.index.size());
        // What was committed is a prefix of the input: documents numbered without gaps, shards in order.
        QVERIFY(std::is_sorted(r.index.shard.begin(), r.index.shard.end()));
        for (size_t i = 1; i < r.index.size(); ++i)
            if (r.index.shard[i] == r.index.shard[i - 1])
                QVERIFY(r.index.line[i] > r.index.line[i - 1]);
    }

    // The bench shards (10 x 24 MB of JSON Lines in 4 MB batches) at the scan's default batch size.
    void benchShardsSameResult()
    {
        REQUIRE_SHARED("bench");
        Corpus c;
        c.shards = expandShardPaths({ testdata::shared("bench") });
        QCOMPARE(c.shards.size(), size_t(10));
        auto run = [&](int threads) {
            ScanOptions o = options(c, threads, "");
            o.batchBytes = 4 << 20;
            o.selector = std::make_shared<BernoulliSelector>(0.25, 21);
            return Scan(o).run();
        };
        const ScanResult one = run(1);
        QVERIFY(one.complete());
        QVERIFY(one.index.size() > 10000);
        compareResults(one, run(3));
    }
};

QTEST_GUILESS_MAIN(TestParallelScan)
#include "tst_parallelscan.moc"
