// Scores file and TSV (issue #2, item 5): a saved scan loads back identical, is reused only
// while the shards, fields and scorers are unchanged, and a corrupt file is an error.

#include "scorestore.h"
#include "testutil.h"

#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

using namespace shardscope;
using namespace testutil;

namespace {
std::vector<std::shared_ptr<const Scorer>> scorers(const char* list)
{
    registerBuiltinScorers();
    std::vector<std::shared_ptr<const Scorer>> out;
    for (auto& s : ScorerRegistry::instance().resolveList(list))
        out.push_back(std::move(s));
    return out;
}
} // namespace

class TestScoreStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void saveLoadReuse()
    {
        QTemporaryDir dir;
        std::string shard = dir.filePath(QStringLiteral("web.jsonl.zst")).toStdString();
        writeFile(shard, zstdCompress(readFile(sharedData("fixtures/web_pages_wetlike_50.jsonl"))));
        ScanOptions o;
        o.shards = { shard };
        o.fields = detectFields(shard, {}, false);
        o.scorers = scorers("zlib6,zstd3");
        ScanResult r = Scan(o).run();
        std::string path = dir.filePath(QStringLiteral("cache/scores.sscores")).toStdString();
        saveScores(path, r, o.scorers);

        QVERIFY(scoresUpToDate(path, o.shards, o.fields, o.scorers));
        QVERIFY(scoresUpToDate(path, o.shards, o.fields, scorers("zlib6")));
        FieldMapping other = o.fields;
        other.text = "/content";
        QVERIFY(!scoresUpToDate(path, o.shards, other, o.scorers));

        ScoresFileInfo info;
        ScanResult back = loadScores(path, &info);
        QCOMPARE(back.index.size(), r.index.size());
        QCOMPARE(back.index.offset, r.index.offset);
        QCOMPARE(back.index.group, r.index.group);
        QCOMPARE(back.index.groups, r.index.groups);
        QCOMPARE(back.scores.values, r.scores.values);
        QCOMPARE(back.scores.columns.size(), size_t(2));
        QCOMPARE(back.scores.columns[0].definition, r.scores.columns[0].definition);
        for (size_t i = 0; i < r.index.size(); ++i)
            QCOMPARE(back.index.idOf(i), r.index.idOf(i));
        QCOMPARE(info.shards.at(0).fingerprint, r.shards.at(0).fingerprint);

        // TSV: header and one row per document.
        std::string tsv = dir.filePath(QStringLiteral("s.tsv")).toStdString();
        writeTsv(tsv, back);
        std::vector<std::string> rows = splitLines(readFile(tsv));
        QCOMPARE(rows.front(), std::string("id\tgroup\tbytes\tzlib6\tzstd3"));
        QCOMPARE(rows.size(), r.index.size() + 1);

        // Touching the shard (new content) invalidates the cache.
        writeFile(shard, zstdCompress(readFile(sharedData("fixtures/web_pages_wetlike_50.jsonl")), 5));
        QVERIFY(!scoresUpToDate(path, o.shards, o.fields, o.scorers));

        // A truncated scores file is reported, not trusted.
        std::string bytes = readFile(path);
        writeFile(path, bytes.substr(0, bytes.size() / 2));
        QVERIFY_THROWS_EXCEPTION(InputError, loadScores(path));
        writeFile(path, "garbage");
        QVERIFY_THROWS_EXCEPTION(InputError, loadScores(path));
    }
};

QTEST_APPLESS_MAIN(TestScoreStore)
#include "tst_scorestore.moc"
