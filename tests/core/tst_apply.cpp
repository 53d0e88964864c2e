// `apply`: kept and dropped records byte-identical to their input lines, counts that add up,
// atomic outputs, per-rule counts (issue #2, item 6).

#include "apply.h"
#include "scan.h"
#include "testutil.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <map>
#include <set>

using namespace shardscope;
using namespace testutil;

class TestApply : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void keptPlusDroppedIsTheInput()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QTemporaryDir dir;
        std::string input = readFile(testdata::fixture("spam_ham.jsonl"));
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

    // Issue 5, item 4/5: per-label overrides ("by" a categorical column, as per-language cutoffs
    // on langid's `lang`) and "in" rules, with counts per label. text_dominant_script is a
    // categorical column of the same contract (an index into its categories).
    void byLabelOverridesAndInRules()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        QTemporaryDir dir;
        const std::string shard = testdata::fixture("udhr_sentences.jsonl");
        const std::string withBad = dir.filePath(QStringLiteral("langs.jsonl")).toStdString();
        writeFile(withBad, readFile(shard) + "{\"text\": null}\n");
        FilterConfig c = FilterConfig::parse(R"({"format":"shardscope-filter","version":2,"rules":[
            {"scorer":"text_dominant_script","in":["Latin","Cyrillic","Greek","Arabic"]},
            {"scorer":"zlib6","max":0.75,"by":"text_dominant_script",
             "overrides":{"Cyrillic":{"disabled":true},"Greek":{"max":0.65},"Arabic":{"min":0.6}}}]})");
        ScanOptions so;
        so.shards = { withBad };
        so.fields = detectFields(withBad, {}, false);
        so.scorers = resolveConfigScorers(c);
        so.threads = 2;
        so.batchBytes = 8192;
        ApplyOptions ao;
        ao.outDir = dir.filePath(QStringLiteral("out")).toStdString();
        ao.writeDropped = true;
        ApplySummary s = runApply(c, so, ao);

        // The expected fates, computed here from the engine's scores with plain comparisons.
        ScanOptions plain = so;
        Scan scan(plain);
        ScanResult r = scan.run();
        const int sc = r.scores.columnIndex("text_dominant_script"), zc = r.scores.columnIndex("zlib6");
        QVERIFY(sc >= 0 && zc >= 0);
        const std::vector<std::string>& scripts = r.scores.columns[size_t(sc)].categories;
        std::map<std::string, std::pair<uint64_t, uint64_t>> perScript; // kept, dropped
        uint64_t kept = 0, droppedByIn = 0, droppedByZlib = 0, zlibAlone = 0;
        for (size_t i = 0; i < r.index.size(); ++i) {
            const float sv = r.scores.values[size_t(sc)][i];
            const std::string script = sv == sv ? scripts[size_t(sv)] : std::string();
            const double z = r.scores.values[size_t(zc)][i];
            const bool inSet = script == "Latin" || script == "Cyrillic" || script == "Greek" || script == "Arabic";
            bool zlibOk = z <= 0.75;
            if (script == "Cyrillic")
                zlibOk = true;
            else if (script == "Greek")
                zlibOk = z <= 0.65;
            else if (script == "Arabic")
                zlibOk = z >= 0.6;
            zlibAlone += !zlibOk;
            if (!inSet)
                ++droppedByIn;
            else if (!zlibOk)
                ++droppedByZlib;
            const bool k = inSet && zlibOk;
            kept += k;
            (k ? perScript[script].first : perScript[script].second)++;
        }
        QCOMPARE(s.total.read, uint64_t(551)); // 55 languages x 10 paragraphs, and the null text
        QCOMPARE(s.total.rejected, uint64_t(1));
        QCOMPARE(s.total.read, s.total.kept + s.total.dropped + s.total.rejected);
        QCOMPARE(s.total.kept, kept);
        QCOMPARE(s.total.rules[0].droppedInOrder, droppedByIn);
        QCOMPARE(s.total.rules[1].droppedInOrder, droppedByZlib);
        QCOMPARE(s.total.rules[1].droppedAlone, zlibAlone);
        // The overrides matter on this data: Greek and Arabic documents are dropped and kept
        // differently than the rule's own max would.
        QVERIFY(droppedByZlib > 0 && perScript["Cyrillic"].second == 0
            && perScript["Cyrillic"].first == 60); // ru uk bg mk be kk
        QVERIFY(s.byLabel.count("text_dominant_script"));
        const auto& labels = s.byLabel.at("text_dominant_script");
        uint64_t labelRead = 0;
        for (const auto& [label, counts] : labels) {
            labelRead += counts.read;
            QCOMPARE(counts.read, counts.kept + counts.dropped + counts.rejected);
            QCOMPARE(counts.kept, perScript[label].first);
            QCOMPARE(counts.dropped, perScript[label].second);
        }
        QCOMPARE(labelRead, s.total.read - s.total.rejected);
        const std::string summary = readFile(ao.outDir + "/summary.json");
        QVERIFY(summary.find("\"by\": {\n    \"text_dominant_script\": {") != std::string::npos);
        // The dropped TSV names the override that chose the bounds.
        const std::string tsv = readFile(ao.outDir + "/langs.dropped.tsv");
        QVERIFY(tsv.starts_with("line\tid\trule\tscorer\tvalue\tmin\tmax\toverride\n"));
        QVERIFY2(tsv.find("\tzlib6\t") != std::string::npos
                && (tsv.find("text_dominant_script=Greek") != std::string::npos
                    || tsv.find("text_dominant_script=Arabic") != std::string::npos),
            tsv.c_str());
        QVERIFY(tsv.find("\tin:Latin,Cyrillic,Greek,Arabic\t") != std::string::npos);
    }

    // Issue 20, bug 9: the GUI's "Dropped text" counted text bytes while apply's dropped_bytes counted JSON lines
    // under the same word. Both sizes are now reported and named: *_text_bytes are the UTF-8 bytes of the text
    // field, *_record_bytes the bytes of the lines the outputs hold. The expected figures are read back from the
    // outputs themselves, each kept and dropped line parsed here with another JSON library.
    void sizesAreNamedForWhatTheyCount()
    {
        REQUIRE_FIXTURE("informal.jsonl");
        QTemporaryDir dir;
        const std::string shard = testdata::fixture("informal.jsonl");
        FilterConfig c = FilterConfig::parse(
            R"({"format":"shardscope-filter","version":1,"rules":[{"scorer":"zlib6","min":0.9}]})");
        ScanOptions so;
        so.shards = { shard };
        so.fields = detectFields(shard, {}, false);
        so.scorers = resolveConfigScorers(c);
        so.threads = 2;
        so.batchBytes = 8192;
        ApplyOptions ao;
        ao.outDir = dir.filePath(QStringLiteral("out")).toStdString();
        ao.writeDropped = true;
        ApplySummary s = runApply(c, so, ao);
        QVERIFY(s.total.kept > 0 && s.total.dropped > 0);

        struct Sizes {
            uint64_t text = 0, record = 0;
        };
        auto sizesOf = [](const std::string& path) {
            Sizes z;
            for (const std::string& line : splitLines(zstdDecompressFile(path))) {
                z.record += line.size();
                z.text += nlohmann::json::parse(line).at("text").get<std::string>().size();
            }
            return z;
        };
        const Sizes kept = sizesOf(ao.outDir + "/informal.kept.jsonl.zst");
        const Sizes dropped = sizesOf(ao.outDir + "/informal.dropped.jsonl.zst");
        QCOMPARE(s.total.keptTextBytes, kept.text);
        QCOMPARE(s.total.droppedTextBytes, dropped.text);
        QCOMPARE(s.total.keptRecordBytes, kept.record);
        QCOMPARE(s.total.droppedRecordBytes, dropped.record);
        // Short texts: the records are far larger than their text, so mixing the two up is visible.
        QVERIFY(dropped.record > dropped.text + 40 * s.total.dropped);

        // summary.json names both, overall and per group, with the same values.
        const auto j = nlohmann::json::parse(readFile(ao.outDir + "/summary.json"));
        const auto& t = j.at("total");
        QCOMPARE(t.at("kept_text_bytes").get<uint64_t>(), kept.text);
        QCOMPARE(t.at("dropped_text_bytes").get<uint64_t>(), dropped.text);
        QCOMPARE(t.at("kept_record_bytes").get<uint64_t>(), kept.record);
        QCOMPARE(t.at("dropped_record_bytes").get<uint64_t>(), dropped.record);
        QVERIFY(!t.contains("dropped_bytes") && !t.contains("kept_bytes")); // the ambiguous name is gone
        uint64_t groupDroppedText = 0;
        for (const auto& [g, gc] : j.at("groups").items())
            groupDroppedText += gc.at("dropped_text_bytes").get<uint64_t>();
        QCOMPARE(groupDroppedText, dropped.text);
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
