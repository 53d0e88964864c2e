// `apply`: kept and dropped records byte-identical to their input lines, counts that add up,
// atomic outputs, per-rule counts (issue #2, item 6).

#include "apply.h"
#include "scan.h"
#include "testutil.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace shardscope;
using namespace testutil;

class TestApply : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void keptPlusDroppedIsTheInput()
    {
        QTemporaryDir dir;
        std::string input = readFile(sharedData("fixtures/spamassassin_40spam_40ham.jsonl"));
        std::vector<std::string> lines = splitLines(input);
        // Add broken records so rejected output is exercised too.
        std::string withBad = input + "{\"text\": 5}\nnot json\n";
        std::string shard = dir.filePath(QStringLiteral("mail.jsonl.gz")).toStdString();
        writeFile(shard, gzipCompress(withBad));

        FilterConfig c = FilterConfig::parse(R"({"format":"shardscope-filter","version":1,"rules":[
            {"scorer":"zlib6","min":0.3,"max":0.6},{"scorer":"zstd3","max":0.55}]})");
        ScanOptions so;
        so.shards = { shard };
        so.fields = detectFields(shard, {}, false);
        so.scorers = resolveConfigScorers(c);
        so.threads = 2;
        so.batchBytes = 16384;
        ApplyOptions ao;
        ao.outDir = dir.filePath(QStringLiteral("out")).toStdString();
        ao.writeDropped = true;
        ao.writeRejected = true;
        ApplySummary s = runApply(c, so, ao);

        QCOMPARE(s.total.read, uint64_t(lines.size() + 2));
        QCOMPARE(s.total.read, s.total.kept + s.total.dropped + s.total.rejected);
        QCOMPARE(s.total.rejected, uint64_t(2));
        QVERIFY(s.total.kept > 0);
        QVERIFY(s.total.dropped > 0);
        // In-order drops sum to all drops; a rule alone drops at least what it drops in order.
        QCOMPARE(s.total.rules[0].droppedInOrder + s.total.rules[1].droppedInOrder, s.total.dropped);
        for (const auto& rc : s.total.rules)
            QVERIFY(rc.droppedAlone >= rc.droppedInOrder);
        uint64_t groupSum = 0;
        for (const auto& [g, gc] : s.groups)
            groupSum += gc.read;
        QCOMPARE(groupSum, s.total.read - s.total.rejected);

        std::vector<std::string> kept = splitLines(zstdDecompressFile(ao.outDir + "/mail.kept.jsonl.zst"));
        std::vector<std::string> dropped = splitLines(zstdDecompressFile(ao.outDir + "/mail.dropped.jsonl.zst"));
        std::vector<std::string> rejected = splitLines(zstdDecompressFile(ao.outDir + "/mail.rejected.jsonl.zst"));
        QCOMPARE(uint64_t(kept.size()), s.total.kept);
        QCOMPARE(uint64_t(dropped.size()), s.total.dropped);
        QCOMPARE(rejected, (std::vector<std::string> { "{\"text\": 5}", "not json" }));
        // Every output record is byte-identical to an input line, in input order, and
        // together they are the input.
        std::vector<std::string> merged;
        size_t ki = 0, di = 0;
        for (const auto& l : lines) {
            if (ki < kept.size() && kept[ki] == l)
                merged.push_back(kept[ki++]);
            else if (di < dropped.size() && dropped[di] == l)
                merged.push_back(dropped[di++]);
        }
        QCOMPARE(merged, lines);
        // The reasons file is line-aligned with the dropped records.
        std::vector<std::string> reasons = splitLines(readFile(ao.outDir + "/mail.dropped.tsv"));
        QCOMPARE(reasons.size(), dropped.size() + 1);
        QVERIFY(reasons[1].find("\tzlib6\t") != std::string::npos || reasons[1].find("\tzstd3\t") != std::string::npos);
        // No temporary files are left behind.
        for (const QString& f : QDir(QString::fromStdString(ao.outDir)).entryList(QDir::Files))
            QVERIFY2(!f.contains(QStringLiteral(".tmp-")), qPrintable(f));
        QVERIFY(QFile::exists(QString::fromStdString(ao.outDir + "/summary.json")));
    }

    void unknownScorerIsAnError()
    {
        FilterConfig c = FilterConfig::parse(
            R"({"format":"shardscope-filter","version":1,"rules":[{"scorer":"no_such_score","min":1}]})");
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, resolveConfigScorers(c));
    }
};

QTEST_APPLESS_MAIN(TestApply)
#include "tst_apply.moc"
