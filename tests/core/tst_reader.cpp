// Readers and the scan on real fixtures in every format, and on broken copies of them
// (issue #2, item 8: bad input never crashes, loses nothing, and says where).

#include "bytesource.h"
#include "linereader.h"
#include "scan.h"
#include "testutil.h"

#include <QTemporaryDir>
#include <QTest>

using namespace shardscope;
using namespace testutil;

namespace {
ScanResult scanFiles(const std::vector<std::string>& files, int threads = 1, size_t batchBytes = 4 << 20,
                     const char* scorers = "zlib6")
{
    registerBuiltinScorers();
    ScanOptions o;
    o.shards = files;
    o.fields = detectFields(files.front(), {}, false);
    for (auto& s : ScorerRegistry::instance().resolveList(scorers))
        o.scorers.push_back(std::move(s));
    o.threads = threads;
    o.batchBytes = batchBytes;
    Scan scan(o);
    return scan.run();
}

// Real e-mails as JSON Lines (generated fixtures: a bare clone has them).
const std::string kMail = "spam_ham.jsonl";
std::string mailPlain()
{
    return readFile(testdata::fixture(kMail));
}
} // namespace

class TestReader : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void formatsAgree_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("plain") << QStringLiteral("fixtures/dolma_cc_en_head-0091.jsonl");
        QTest::newRow("gzip") << QStringLiteral("fixtures/dolma_cc_en_head-0091.jsonl.gz");
    }
    void formatsAgree()
    {
        QFETCH(QString, file);
        REQUIRE_SHARED(file.toStdString());
        ScanResult r = scanFiles({ testdata::shared(file.toStdString()) });
        // Same records whether read plain or through gzip.
        std::vector<std::string> lines = splitLines(readFile(testdata::shared("fixtures/dolma_cc_en_head-0091.jsonl")));
        QCOMPARE(r.records, uint64_t(lines.size()));
        QCOMPARE(r.rejected, uint64_t(0));
        QVERIFY(r.complete());
        QCOMPARE(r.index.size(), lines.size());
        QCOMPARE(r.index.groups.size(), size_t(2)); // "" and the Dolma source
        QCOMPARE(r.fields.group, std::string("/source"));
        QVERIFY(r.index.ids.get(0).starts_with("http"));
    }

    // The usual corpus layouts open without options (issue #2, item 1): real texts rewrapped.
    void layoutsAreDetected_data()
    {
        QTest::addColumn<QString>("prefix");
        QTest::addColumn<QString>("suffix");
        QTest::addColumn<QString>("group");
        QTest::addColumn<QString>("groupName");
        QTest::newRow("pile") << QStringLiteral("{\"text\": ") << QStringLiteral(", \"meta\": {\"pile_set_name\": \"Pile-CC\"}}")
                              << QStringLiteral("/meta/pile_set_name") << QStringLiteral("Pile-CC");
        QTest::newRow("redpajama") << QStringLiteral("{\"meta\": {\"redpajama_set_name\": \"RedPajamaC4\"}, \"text\": ")
                                   << QStringLiteral("}") << QStringLiteral("/meta/redpajama_set_name")
                                   << QStringLiteral("RedPajamaC4");
        QTest::newRow("c4") << QStringLiteral("{\"text\": ") << QStringLiteral(", \"timestamp\": \"2019-04-25T12:57:54Z\", \"url\": \"https://x\"}")
                            << QString() << QString();
        QTest::newRow("dolma-metadata-source") << QStringLiteral("{\"id\": \"a\", \"metadata\": {\"source\": \"cc\"}, \"text\": ")
                                               << QStringLiteral("}") << QStringLiteral("/metadata/source") << QStringLiteral("cc");
    }
    void layoutsAreDetected()
    {
        QFETCH(QString, prefix);
        QFETCH(QString, suffix);
        QFETCH(QString, group);
        QFETCH(QString, groupName);
        // Take the JSON-encoded text values of a real fixture and wrap them in each layout.
        REQUIRE_FIXTURE(kMail);
        std::vector<std::string> lines = splitLines(mailPlain());
        std::string data;
        for (const auto& l : lines) {
            size_t k = l.find("\"text\":");
            size_t start = l.find('"', k + 7);
            size_t end = start + 1;
            while (end < l.size() && l[end] != '"')
                end += l[end] == '\\' ? 2 : 1;
            data += prefix.toStdString() + l.substr(start, end - start + 1) + suffix.toStdString() + "\n";
        }
        QTemporaryDir dir;
        std::string path = dir.filePath(QStringLiteral("layout.jsonl")).toStdString();
        writeFile(path, data);
        ScanResult r = scanFiles({ path });
        QCOMPARE(r.rejected, uint64_t(0));
        QCOMPARE(r.index.size(), lines.size());
        QCOMPARE(QString::fromStdString(r.fields.group), group);
        QCOMPARE(QString::fromStdString(r.index.groups[r.index.group[0]]), groupName);
        ScanResult ref = scanFiles({ testdata::fixture(kMail) });
        QCOMPARE(r.index.textBytes, ref.index.textBytes);
        QCOMPARE(r.scores.values[0], ref.scores.values[0]);
    }

    void concatenatedGzipAndMultiFrameZstd()
    {
        REQUIRE_FIXTURE(kMail);
        QTemporaryDir dir;
        std::string text = mailPlain();
        std::vector<std::string> lines = splitLines(text);
        std::string first, second;
        for (size_t i = 0; i < lines.size(); ++i)
            (i < lines.size() / 2 ? first : second) += lines[i] + "\n";
        std::string gz = dir.filePath(QStringLiteral("two.jsonl.gz")).toStdString();
        writeFile(gz, gzipCompress(first) + gzipCompress(second));
        std::string zs = dir.filePath(QStringLiteral("two.jsonl.zst")).toStdString();
        writeFile(zs, zstdCompress(first) + zstdCompress(second));
        for (const auto& f : { gz, zs }) {
            ScanResult r = scanFiles({ f });
            QCOMPARE(r.records, uint64_t(lines.size()));
            QVERIFY(r.complete());
        }
    }

    void unicodeSeparatorsAreNotLineBreaks()
    {
        // The bench shards hold raw U+2028/U+2029 inside texts; they must not split records.
        QTemporaryDir dir;
        std::string path = dir.filePath(QStringLiteral("u2028.jsonl")).toStdString();
        writeFile(path, "{\"text\": \"a\xE2\x80\xA8" "b\xE2\x80\xA9" "c\\u2028d\xC2\x85" "e\"}\n{\"text\": \"x\"}");
        ScanResult r = scanFiles({ path });
        QCOMPARE(r.records, uint64_t(2));   // the last line has no '\n' and still counts
        QCOMPARE(r.rejected, uint64_t(0));
        QCOMPARE(r.index.textChars[0], uint32_t(9));
    }

    void truncatedZstdKeepsWhatWasRead()
    {
        REQUIRE_FIXTURE(kMail);
        QTemporaryDir dir;
        // zstd decodes whole 128 KiB blocks, so use a fixture of several blocks (416 KB).
        std::string plain = mailPlain();
        std::string comp = zstdCompress(plain);
        std::string path = dir.filePath(QStringLiteral("cut.jsonl.zst")).toStdString();
        writeFile(path, comp.substr(0, comp.size() / 2));
        ScanResult r = scanFiles({ path });
        QVERIFY(!r.complete());
        QCOMPARE(r.errors().size(), size_t(1));
        const std::string err = r.errors().front();
        QVERIFY2(err.find(path) != std::string::npos, err.c_str());
        QVERIFY2(err.find("truncated zstd") != std::string::npos, err.c_str());
        QVERIFY2(err.find("byte ") != std::string::npos, err.c_str());
        // Roughly the first half of the records survives, every one of them intact.
        QVERIFY(r.records > 5);
        QVERIFY(r.records < splitLines(plain).size());
        QCOMPARE(r.rejected, uint64_t(0));
    }

    void corruptGzipNamesTheOffset()
    {
        REQUIRE_FIXTURE(kMail);
        QTemporaryDir dir;
        std::string gz = gzipCompress(mailPlain());
        for (size_t i = gz.size() / 2; i < gz.size() / 2 + 64; ++i)
            gz[i] = char(gz[i] ^ 0x5a);
        std::string path = dir.filePath(QStringLiteral("flipped.jsonl.gz")).toStdString();
        writeFile(path, gz);
        ScanResult r = scanFiles({ path });
        QVERIFY(!r.complete());
        QCOMPARE(r.errors().size(), size_t(1));
        QVERIFY2(r.errors().front().find("gzip") != std::string::npos, r.errors().front().c_str());
        QVERIFY(r.records > 0);
        // Counts still add up: every record read is a document or a rejected record.
        QCOMPARE(r.records, r.index.size() + r.rejected);
    }

    void badRecordsAreRejectedWithLineNumbers()
    {
        REQUIRE_FIXTURE(kMail);
        QTemporaryDir dir;
        std::vector<std::string> lines = splitLines(mailPlain());
        std::string data;
        data += lines[0] + "\n";
        data += "{\"text\": \"caf\xC3\x28\"}\n";          // invalid UTF-8 (line 2)
        data += "{\"text\": 42, \"id\": \"n\"}\n";        // non-string text (line 3)
        data += "{\"id\": \"no-text\"}\n";                // missing text (line 4)
        data += "{\"text\": \"unterminated\n";            // broken JSON (line 5)
        data += "\n";                                     // blank line: not a record
        data += "[1, 2]\n";                               // not an object (line 7)
        data += lines[1];                                 // last line without '\n'
        std::string path = dir.filePath(QStringLiteral("bad.jsonl")).toStdString();
        writeFile(path, data);
        ScanResult r = scanFiles({ path });
        QCOMPARE(r.records, uint64_t(7));
        QCOMPARE(r.rejected, uint64_t(5));
        QCOMPARE(r.index.size(), size_t(2));
        QCOMPARE(r.blankLines, uint64_t(1));
        QVERIFY(r.complete());
        QCOMPARE(r.rejects.size(), size_t(5));
        QCOMPARE(r.rejects[0].line, uint64_t(2));
        QVERIFY2(r.rejects[0].reason.find("UTF-8") != std::string::npos, r.rejects[0].reason.c_str());
        QCOMPARE(r.rejects[1].line, uint64_t(3));
        QVERIFY2(r.rejects[1].reason.find("is a number, expected a string") != std::string::npos,
                 r.rejects[1].reason.c_str());
        QCOMPARE(r.rejects[2].line, uint64_t(4));
        QVERIFY(r.rejects[2].reason.find("missing text field /text (record has: id)") != std::string::npos);
        QCOMPARE(r.rejects[3].line, uint64_t(5));
        QCOMPARE(r.rejects[4].line, uint64_t(7));
        QCOMPARE(r.index.line[1], uint32_t(8));
    }

    void emptyFile()
    {
        QTemporaryDir dir;
        std::string path = dir.filePath(QStringLiteral("empty.jsonl.zst")).toStdString();
        writeFile(path, "");
        ScanResult r = scanFiles({ path });
        QCOMPARE(r.records, uint64_t(0));
        QVERIFY(r.complete());
        QVERIFY(r.errors().empty());
    }

    void hundredMegabyteRecord()
    {
        // One 100 MB text among real records: read whole, scored, in bounded scorer memory.
        QTemporaryDir dir;
        REQUIRE_FIXTURE(kMail);
        std::vector<std::string> lines = splitLines(mailPlain());
        std::string big;
        big.reserve(100u << 20);
        while (big.size() < (100u << 20))
            big += "The quick brown fox jumps over the lazy dog. ";
        std::string data = lines[0] + "\n{\"id\": \"big\", \"text\": \"" + big + "\"}\n" + lines[1] + "\n";
        std::string path = dir.filePath(QStringLiteral("big.jsonl.zst")).toStdString();
        writeFile(path, zstdCompress(data, 1));
        big.clear();
        data.clear();
        ScanResult r = scanFiles({ path }, 2, 1 << 20, "zlib6,zstd3");
        QCOMPARE(r.records, uint64_t(3));
        QCOMPARE(r.rejected, uint64_t(0));
        QCOMPARE(r.index.ids.get(1), std::string_view("big"));
        QVERIFY(r.index.textBytes[1] >= (100u << 20));
        float z = r.scores.values[0][1];
        QVERIFY2(z > 0 && z < 0.01, std::to_string(z).c_str()); // one sentence repeated
    }

    void threadCountDoesNotChangeResults()
    {
        REQUIRE_FIXTURE(kMail);
        std::string f = testdata::fixture("udhr_sentences.jsonl");
        // Small batches force many in-flight batches and out-of-order completion.
        ScanResult a = scanFiles({ f, testdata::fixture(kMail) }, 1, 8192);
        ScanResult b = scanFiles({ f, testdata::fixture(kMail) }, 2, 8192);
        QCOMPARE(a.index.size(), size_t(550 + 80));
        QCOMPARE(a.index.size(), b.index.size());
        QCOMPARE(a.index.offset, b.index.offset);
        QCOMPARE(a.index.shard, b.index.shard);
        QCOMPARE(a.scores.values[0], b.scores.values[0]);
        for (size_t i = 0; i < a.index.size(); ++i)
            QCOMPARE(a.index.idOf(i), b.index.idOf(i));
    }

    void cancelStopsEarly()
    {
        REQUIRE_SHARED("bench/bench-0001.jsonl.zst");
        registerBuiltinScorers();
        ScanOptions o;
        o.shards = { testdata::shared("bench/bench-0000.jsonl.zst"), testdata::shared("bench/bench-0001.jsonl.zst") };
        for (auto& s : ScorerRegistry::instance().resolveList("zlib6"))
            o.scorers.push_back(std::move(s));
        o.threads = 2;
        o.batchBytes = 1 << 20;
        Scan scan(o);
        int calls = 0;
        scan.setProgressCallback([&](const ScanProgress& p) {
            if (++calls == 1 || p.docs > 0)
                scan.cancel();
        }, 0);
        ScanResult r = scan.run();
        QVERIFY(r.cancelled);
        QVERIFY(!r.complete());
        QVERIFY(r.records < 10000);   // two shards hold ~11k
        QCOMPARE(r.records, r.index.size() + r.rejected);
    }

    void documentReaderReturnsTheLine()
    {
        REQUIRE_FIXTURE(kMail);
        QTemporaryDir dir;
        std::string text = mailPlain();
        std::string zs = dir.filePath(QStringLiteral("d.jsonl.zst")).toStdString();
        writeFile(zs, zstdCompress(text));
        std::vector<std::string> lines = splitLines(text);
        for (bool withCache : { false, true }) {
            registerBuiltinScorers();
            ScanOptions o;
            o.shards = { zs, testdata::fixture(kMail) };
            o.threads = 2;
            o.batchBytes = 16384;
            std::string cache = withCache ? dir.filePath(QStringLiteral("seek")).toStdString() : std::string();
            o.seekCacheDir = cache;
            ScanResult r = Scan(o).run();
            DocumentReader reader(r.shards, cache);
            for (size_t i : { size_t(0), size_t(7), lines.size() - 1, lines.size(), r.index.size() - 1 }) {
                std::string got = reader.readLine(r.index.shard[i], r.index.offset[i], r.index.length[i]);
                QCOMPARE(got, lines[i % lines.size()]);
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestReader)
#include "tst_reader.moc"
