// The corpus table (issue 19, part 1 and 3): a scan indexes each batch once, whether the table is the
// scan's own (the CLI) or one that another thread appends the batches to (the GUI); ids stay valid and
// out of the heap; a selector scores a reproducible part of the corpus and the counts say so; a scores
// file records each scorer's identity, tells which requested scorers it lacks, and takes their columns
// without a rescan of the others.

#include "corpusdata.h"
#include "linearscorer.h"
#include "scorestore.h"
#include "testutil.h"

#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <map>
#include <mutex>

using namespace shardscope;
using namespace testutil;

namespace {

// The spam/ham mails and the informal sentences as two zstd shards, with a broken line in the second.
std::vector<std::string> makeCorpus(const QTemporaryDir& dir)
{
    const std::string a = dir.filePath(QStringLiteral("a.jsonl.zst")).toStdString();
    const std::string b = dir.filePath(QStringLiteral("b.jsonl")).toStdString();
    writeFile(a, zstdCompress(readFile(testdata::fixture("spam_ham.jsonl"))));
    std::string informal = readFile(testdata::fixture("informal.jsonl"));
    informal.insert(informal.find('\n') + 1, "{\"text\": broken\n");
    writeFile(b, informal);
    return { a, b };
}

ScanOptions options(const std::vector<std::string>& shards, const char* list, int threads)
{
    ScanOptions o;
    o.shards = shards;
    o.fields = detectFields(shards.front(), {}, false);
    o.scorers = scorers(list);
    o.threads = threads;
    o.batchBytes = 16 << 10; // many batches even on small fixtures
    return o;
}

void compareTables(const ScanResult& a, const CorpusData& b)
{
    QCOMPARE(b.size(), a.index.size());
    QCOMPARE(b.shardColumn(), a.index.shard);
    QCOMPARE(b.offsetColumn(), a.index.offset);
    QCOMPARE(b.index.length, a.index.length);
    QCOMPARE(b.index.line, a.index.line);
    QCOMPARE(b.textBytesColumn(), a.index.textBytes);
    QCOMPARE(b.textCharsColumn(), a.index.textChars);
    QCOMPARE(b.groups(), a.index.group);
    QCOMPARE(b.groupNames(), a.index.groups);
    QCOMPARE(b.columnCount(), a.scores.columns.size());
    for (size_t c = 0; c < b.columnCount(); ++c)
        QVERIFY(std::memcmp(b.scores(c).data(), a.scores.values[c].data(), a.scores.values[c].size() * 4) == 0);
    for (size_t i = 0; i < b.size(); ++i)
        QCOMPARE(b.idOf(i), a.index.idOf(i));
}

} // namespace

class TestCorpusTable : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // The GUI's way (batches handed to another thread, appended there) builds the table the CLI's scan
    // builds itself, column for column, on any thread count.
    void handedBatchesBuildTheScansTable()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        REQUIRE_FIXTURE("informal.jsonl");
        QTemporaryDir dir;
        const auto shards = makeCorpus(dir);
        const ScanResult own = Scan(options(shards, "zlib6,zstd3", 1)).run();
        QCOMPARE(own.rejected, uint64_t(1));
        QCOMPARE(own.index.size(), size_t(80 + 300));
        for (int threads : { 1, 2, 3 }) {
            ScanOptions o = options(shards, "zlib6,zstd3", threads);
            CorpusData table;
            table.setColumns(own.scores.columns);
            std::mutex m;
            std::vector<std::shared_ptr<DocBatch>> handed;
            o.indexBatches = [&](std::shared_ptr<DocBatch> b) {
                std::lock_guard lock(m);
                handed.push_back(std::move(b));
            };
            const ScanResult counts = Scan(o).run();
            QCOMPARE(counts.index.size(), size_t(0)); // the scan kept no rows of its own
            QCOMPARE(counts.records, own.records);
            QVERIFY(handed.size() >= 2); // at least one batch per shard
            uint64_t next = 0;
            for (auto& b : handed) {
                QCOMPARE(b->firstDoc, next); // in document order
                next += b->size();
                table.append(std::move(*b));
            }
            QCOMPARE(table.rejected, uint64_t(1));
            compareTables(own, table);
        }
    }

    // Views of ids stay valid while the table grows (a background sort holds them during a scan), and the
    // ids are not copied into the heap.
    void idViewsOutliveAppends()
    {
        IdStore ids;
        for (int i = 0; i < 1000; ++i)
            ids.append("https://example.org/doc/" + std::to_string(i));
        ids.flush();
        std::vector<std::string_view> early;
        for (uint64_t i = 0; i < ids.size(); ++i)
            early.push_back(ids.get(i));
        // 40 MB more: well past any single flush, so a remapping store would have moved.
        const std::string pad(200, 'x');
        for (int i = 0; i < 200000; ++i)
            ids.append(pad + std::to_string(i));
        ids.flush();
        for (int i = 0; i < 1000; ++i)
            QCOMPARE(early[size_t(i)], std::string_view("https://example.org/doc/" + std::to_string(i)));
        QCOMPARE(ids.get(1000 + 199999), std::string_view(pad + "199999"));
        QCOMPARE(ids.bytes().size(), size_t(ids.offsets().back()));
    }

    // A loaded scores file's ids are read through a mapping of the file: equal to the scan's, and still
    // readable after the file is replaced (the cache rewrites it atomically).
    void loadedIdsAreMappedFromTheFile()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        REQUIRE_FIXTURE("informal.jsonl");
        QTemporaryDir dir;
        const auto shards = makeCorpus(dir);
        ScanOptions o = options(shards, "zlib6", 2);
        ScanResult r = Scan(o).run();
        const std::string path = dir.filePath(QStringLiteral("s.sscores")).toStdString();
        saveScores(path, r, o.scorers);
        CorpusData loaded(loadScores(path));
        const auto views = loaded.idViews();
        std::filesystem::remove(path);
        saveScores(path, r, scorers("zstd3")); // another file at the same name
        QCOMPARE(views.size(), r.index.size());
        for (size_t i = 0; i < views.size(); ++i)
            QCOMPARE(views[i], r.index.ids.get(i));
        compareTables(r, loaded);
    }

    // A selector scores a seeded part of the corpus: the counts add up, the choice is the same on any
    // thread count and differs with the seed, the values are the full scan's for the same documents, and
    // such a table is neither cached nor taken for the whole corpus.
    void selectorScoresAReproducibleSample()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        REQUIRE_FIXTURE("informal.jsonl");
        QTemporaryDir dir;
        const auto shards = makeCorpus(dir);
        const ScanResult full = Scan(options(shards, "zlib6,gopher_quality", 2)).run();
        std::map<std::pair<uint16_t, uint32_t>, size_t> rowOf;
        for (size_t i = 0; i < full.index.size(); ++i)
            rowOf[{ full.index.shard[i], full.index.line[i] }] = i;

        std::vector<uint32_t> firstLines;
        for (int threads : { 1, 2 }) {
            ScanOptions o = options(shards, "zlib6,gopher_quality", threads);
            o.selector = std::make_shared<BernoulliSelector>(0.3, 7);
            const ScanResult s = Scan(o).run();
            QCOMPARE(s.selection, std::string("bernoulli p=0.3 seed=7"));
            QCOMPARE(s.records, full.records);
            QCOMPARE(s.records, uint64_t(s.index.size()) + s.rejected + s.skipped);
            QVERIFY2(s.index.size() > 70 && s.index.size() < 160, std::to_string(s.index.size()).c_str()); // 0.3 of 380
            if (firstLines.empty())
                firstLines = s.index.line;
            else
                QCOMPARE(s.index.line, firstLines);
            for (size_t i = 0; i < s.index.size(); ++i) {
                const size_t f = rowOf.at({ s.index.shard[i], s.index.line[i] });
                QCOMPARE(s.index.idOf(i), full.index.idOf(f));
                for (size_t c = 0; c < s.scores.values.size(); ++c) {
                    const float a = s.scores.values[c][i], b = full.scores.values[c][f];
                    QVERIFY((std::isnan(a) && std::isnan(b)) || a == b);
                }
            }
            const CorpusCache cache
                = CorpusCache::of(dir.filePath(QStringLiteral("cache%1").arg(threads)).toStdString(), shards, o.fields);
            QCOMPARE(storeScores(cache, s, o.scorers), std::string());
            QVERIFY(!std::filesystem::exists(cache.scoresPath)); // a sample is not cached
            saveScores(cache.scoresPath, s, o.scorers);
            QVERIFY(!openCached(cache, shards, o.fields, o.scorers)); // nor taken for the whole corpus
        }
        ScanOptions o = options(shards, "zlib6", 2);
        o.selector = std::make_shared<BernoulliSelector>(0.3, 8);
        QVERIFY(Scan(o).run().index.line != firstLines);
    }

    // The scores file records identities; it names the requested scorers it lacks, takes their columns
    // without touching the others, and then serves all of them. openCached narrows to the requested columns.
    void missingScorersAreAppended()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        REQUIRE_FIXTURE("informal.jsonl");
        QTemporaryDir dir;
        const auto shards = makeCorpus(dir);
        ScanOptions o = options(shards, "zlib6", 2);
        const ScanResult first = Scan(o).run();
        const CorpusCache cache
            = CorpusCache::of(dir.filePath(QStringLiteral("cache")).toStdString(), shards, o.fields);
        QCOMPARE(storeScores(cache, first, o.scorers), std::string());

        const auto wanted = scorers("zlib6,zstd3,gopher_repetition");
        CacheContents c = inspectScores(cache.scoresPath, shards, o.fields, wanted);
        QVERIFY(c.usable);
        QCOMPARE(c.present.size(), size_t(1));
        QCOMPARE(c.present[0]->name(), std::string("zlib6"));
        QCOMPARE(c.missing.size(), size_t(2));
        QVERIFY(!openCached(cache, shards, o.fields, wanted));

        // Score only what is missing, then append it.
        ScanOptions rest = options(shards, "zstd3,gopher_repetition", 2);
        ScanResult more = Scan(rest).run();
        QCOMPARE(more.index.offset, first.index.offset);
        appendScoreColumns(cache.scoresPath, c.missing, std::move(more.scores.values));
        c = inspectScores(cache.scoresPath, shards, o.fields, wanted);
        QVERIFY(c.usable);
        QCOMPARE(c.missing.size(), size_t(0));

        const ScanResult all = Scan(options(shards, "zlib6,zstd3,gopher_repetition", 2)).run();
        auto loaded = openCached(cache, shards, o.fields, wanted);
        QVERIFY(loaded);
        QCOMPARE(loaded->scores.columns.size(), all.scores.columns.size());
        for (size_t k = 0; k < all.scores.columns.size(); ++k) {
            QCOMPARE(loaded->scores.columns[k].name, all.scores.columns[k].name);
            QVERIFY(
                std::memcmp(loaded->scores.values[k].data(), all.scores.values[k].data(), all.index.size() * 4) == 0);
        }
        // Narrowed and reordered to the request.
        auto narrow = openCached(cache, shards, o.fields, scorers("zstd3,zlib6"));
        QVERIFY(narrow);
        QCOMPARE(narrow->scores.columns.size(), size_t(2));
        QCOMPARE(narrow->scores.columns[0].name, std::string("zstd3"));

        // A column of the wrong length is refused and the file is left as it was.
        const std::string before = readFile(cache.scoresPath);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
            appendScoreColumns(cache.scoresPath, scorers("zstd3"), std::vector<ScoreColumn> { ScoreColumn(3, 0.5f) }));
        QCOMPARE(readFile(cache.scoresPath), before);
        // Replacing a stored scorer's columns keeps one copy of them.
        appendScoreColumns(cache.scoresPath, scorers("zlib6"), std::vector<ScoreColumn> { first.scores.values[0] });
        ScoresFileInfo info;
        const ScanResult back = loadScores(cache.scoresPath, &info);
        QCOMPARE(back.scores.columns.size(), all.scores.columns.size());
        QCOMPARE(info.scorers.back().identity.name, std::string("zlib6"));
    }

    // The identity stored for a scorer that reads a file is that file's content: a changed file makes its
    // columns missing, not stale scores reused.
    void storedIdentityFollowsTheScorersFile()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        REQUIRE_FIXTURE("informal.jsonl");
        QTemporaryDir dir;
        const auto shards = makeCorpus(dir);
        ScanOptions o = options(shards, "zlib6", 1);
        const ScanResult r = Scan(o).run();
        const std::string path = dir.filePath(QStringLiteral("s.sscores")).toStdString();
        saveScores(path, r, o.scorers);
        ScoresFileInfo info;
        loadScores(path, &info);
        QCOMPARE(info.scorers.size(), size_t(1));
        QVERIFY(info.scorers[0].identity == o.scorers[0]->identity());
        QVERIFY(info.scorers[0].matches(*o.scorers[0]));
        // Another version of the same scorer is not a match.
        StoredScorer older = info.scorers[0];
        older.identity.version += 1;
        QVERIFY(!older.matches(*o.scorers[0]));
        // A file the scorer read, changed: the identity differs.
        StoredScorer withFile = info.scorers[0];
        withFile.identity.files.push_back({ "model", "/m", hashBytes("one") });
        QVERIFY(!withFile.matches(*o.scorers[0]));
    }

    // A scorer over other score columns runs in the scan on each row once its inputs are in, and gives what
    // computeDerived gives over the finished columns; listed before the scorers of its inputs it is refused.
    void derivedScorerRunsInTheScan()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        REQUIRE_FIXTURE("informal.jsonl");
        QTemporaryDir dir;
        const auto shards = makeCorpus(dir);
        LinearModel m;
        m.inputs = { "zlib6", "zstd3" };
        m.mean = { 0.45, 0.5 };
        m.scale = { 0.1, 0.1 };
        m.missing = m.mean;
        m.weights = { 1.5, -0.75 };
        m.bias = -0.2;
        const std::string model = dir.filePath(QStringLiteral("quality.json")).toStdString();
        writeFile(model, m.toJson());
        const std::string list = "zlib6,zstd3,linear:model=" + model;
        for (int threads : { 1, 2 }) {
            ScanOptions o = options(shards, list.c_str(), threads);
            const ScanResult r = Scan(o).run();
            QCOMPARE(r.scores.columns.size(), size_t(3));
            QCOMPARE(r.scores.columns[2].name, std::string("quality"));
            const auto expected = computeDerived(
                *o.scorers[2], { r.scores.values[0].data(), r.scores.values[1].data() }, r.index.size(), 1);
            QCOMPARE(expected[0].size(), r.index.size());
            size_t inRange = 0;
            for (size_t i = 0; i < r.index.size(); ++i) {
                QCOMPARE(r.scores.values[2][i], expected[0][i]);
                inRange += r.scores.values[2][i] > 0.0f && r.scores.values[2][i] < 1.0f;
            }
            QCOMPARE(inRange, r.index.size()); // a probability for every document, none left missing
        }
        const std::string before = "linear:model=" + model + ",zlib6,zstd3";
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Scan(options(shards, before.c_str(), 1)));
    }
};

QTEST_APPLESS_MAIN(TestCorpusTable)
#include "tst_corpustable.moc"
