// Scores file and TSV (issue #2, item 5): a saved scan loads back identical, is reused only
// while the shards, fields and scorers are unchanged, and a corrupt file is an error.

#include "scorestore.h"
#include "testutil.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

using namespace shardscope;
using namespace testutil;

class TestScoreStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void saveLoadReuse()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QTemporaryDir dir;
        std::string shard = dir.filePath(QStringLiteral("mail.jsonl.zst")).toStdString();
        writeFile(shard, zstdCompress(readFile(testdata::fixture("spam_ham.jsonl"))));
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

        // Issue 21: the columns are mapped from the file, not copied to the heap; reading a const column keeps it
        // mapped, a writer gets a copy of its own and never writes to the file.
        for (const auto& c : back.scores.values)
            QVERIFY(c.isMapped());
        const ScanResult& constBack = back;
        double sum = 0;
        for (float v : constBack.scores.values[0])
            sum += v;
        QVERIFY(sum > 0);
        QVERIFY(back.scores.values[0].isMapped());
        const std::string fileBefore = readFile(path);
        ScoreColumn copy = back.scores.values[1];
        QVERIFY(copy.isMapped());
        copy.set(0, -1.0f);
        QVERIFY(!copy.isMapped());
        QCOMPARE(copy[0], -1.0f);
        QCOMPARE(back.scores.values[1][0], r.scores.values[1][0]);
        QCOMPARE(readFile(path), fileBefore);

        // TSV: header and one row per document.
        std::string tsv = dir.filePath(QStringLiteral("s.tsv")).toStdString();
        writeTsv(tsv, back);
        std::vector<std::string> rows = splitLines(readFile(tsv));
        QCOMPARE(rows.front(), std::string("id\tgroup\tbytes\tzlib6\tzstd3"));
        QCOMPARE(rows.size(), r.index.size() + 1);

        // A mapped table outlives its file being replaced (the cache is rewritten by rename): the old pages stay.
        {
            ScanResult mapped = loadScores(path);
            saveScores(path, r, o.scorers);
            std::filesystem::remove(path);
            QCOMPARE(mapped.scores.values, r.scores.values);
            saveScores(path, r, o.scorers);
        }

        // Touching the shard (new content) invalidates the cache.
        writeFile(shard, zstdCompress(readFile(testdata::fixture("spam_ham.jsonl")), 5));
        QVERIFY(!scoresUpToDate(path, o.shards, o.fields, o.scorers));

        // A truncated scores file is reported, not trusted.
        std::string bytes = readFile(path);
        writeFile(path, bytes.substr(0, bytes.size() / 2));
        QVERIFY_THROWS_EXCEPTION(InputError, loadScores(path));
        writeFile(path, "garbage");
        QVERIFY_THROWS_EXCEPTION(InputError, loadScores(path));
    }

    // Issue 21: a reopen checks the header and the index, and each score column the first time it is read, so a
    // cold reopen does not read every column. One corrupt column (a byte flipped inside its block, in a copy of
    // the file): the file still opens, the other columns read their values, the corrupt one reads as missing
    // values (never the flipped bytes) with an error naming the file, the column and its byte offset; it is not
    // written back under a fresh checksum, and appendScoreColumns drops it so that it is scored again.
    void corruptColumnIsReportedOnFirstRead()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QTemporaryDir dir;
        std::string shard = dir.filePath(QStringLiteral("mail.jsonl")).toStdString();
        writeFile(shard, readFile(testdata::fixture("spam_ham.jsonl")));
        ScanOptions o;
        o.shards = { shard };
        o.fields = detectFields(shard, {}, false);
        o.scorers = scorers("zlib6,zstd3,text_hygiene");
        const ScanResult r = Scan(o).run();
        QVERIFY(r.index.size() > 20);
        QVERIFY(r.scores.values.size() >= 3);
        const std::string good = dir.filePath(QStringLiteral("good.sscores")).toStdString();
        saveScores(good, r, o.scorers);

        // Nothing is hashed at load; reading verifies, once, also when several threads read at the same time.
        {
            ScanResult back = loadScores(good);
            for (const auto& c : back.scores.values)
                QVERIFY(c.isMapped() && !c.checked());
            std::vector<double> sums(4);
            std::vector<std::thread> readers;
            for (size_t t = 0; t < sums.size(); ++t)
                readers.emplace_back([&, t] {
                    for (float v : back.scores.values[1])
                        sums[t] += double(v);
                });
            for (auto& t : readers)
                t.join();
            QVERIFY(back.scores.values[1].checked());
            QVERIFY(!back.scores.values[0].checked());
            for (double s : sums)
                QCOMPARE(s, sums[0]);
            QCOMPARE(back.scores.values, r.scores.values);
            QVERIFY(corruptColumns(back.scores, true).empty());
        }

        // The block of column zstd3: its offset and count from the header (name, type, count, offset, xxh3).
        std::string bytes = readFile(good);
        const size_t entry = bytes.find("\"name\":\"score:zstd3\"");
        QVERIFY(entry != std::string::npos);
        const size_t countAt = bytes.find("\"count\":", entry) + 8, offsetAt = bytes.find("\"offset\":", entry) + 9;
        const uint64_t count = std::stoull(bytes.substr(countAt, 20)), offset = std::stoull(bytes.substr(offsetAt, 20));
        QCOMPARE(count, uint64_t(r.index.size()));
        QVERIFY(offset + count * 4 <= bytes.size());
        bytes[offset + count * 2 + 1] = char(bytes[offset + count * 2 + 1] ^ 0x40);
        const std::string bad = dir.filePath(QStringLiteral("bad.sscores")).toStdString();
        writeFile(bad, bytes);

        ScanResult back = loadScores(bad); // opens: the header and the index are intact
        const int z = back.scores.columnIndex("zstd3");
        QCOMPARE(z, 1);
        QVERIFY(corruptColumns(back.scores).empty()); // nothing read yet, nothing reported yet
        for (size_t c = 0; c < back.scores.values.size(); ++c) {
            if (c == size_t(z))
                continue;
            QCOMPARE(back.scores.values[c], r.scores.values[c]);
            QVERIFY(back.scores.values[c].integrityError().empty());
        }
        QVERIFY(!back.scores.values[size_t(z)].checked());
        const std::string error = back.scores.values[size_t(z)].integrityError();
        QVERIFY2(error.find(bad) != std::string::npos, error.c_str());
        QVERIFY2(error.find("zstd3") != std::string::npos, error.c_str());
        QVERIFY2(error.find("byte " + std::to_string(offset)) != std::string::npos, error.c_str());
        for (float v : back.scores.values[size_t(z)])
            QVERIFY(isMissing(v));
        QCOMPARE(back.scores.values[size_t(z)].toVector().size(), size_t(count));
        const std::vector<std::string> reported = corruptColumns(back.scores);
        QCOMPARE(reported.size(), size_t(1));
        QCOMPARE(reported[0], error);
        QCOMPARE(corruptColumns(back.scores, true), reported);
        // A writer's copy of the corrupt column is its missing values, not the file's bytes.
        ScoreColumn copy = back.scores.values[size_t(z)];
        copy.set(0, 1.0f);
        QVERIFY(isMissing(copy[1]));

        // Not laundered: saving the table refuses the corrupt column (by name) ...
        const std::string resaved = dir.filePath(QStringLiteral("resaved.sscores")).toStdString();
        try {
            saveScores(resaved, back, o.scorers);
            QFAIL("a corrupt column was written");
        } catch (const InputError& e) {
            QVERIFY2(std::string(e.what()).find("zstd3") != std::string::npos, e.what());
        }
        QVERIFY(!std::filesystem::exists(resaved));
        // ... and adding a column to the file drops the corrupt scorer, which is then missing (scored again).
        appendScoreColumns(bad, {}, std::vector<ScoreColumn> {});
        const CacheContents held = inspectScores(bad, o.shards, o.fields, o.scorers);
        QVERIFY2(held.usable, held.unusable.c_str());
        QCOMPARE(held.missing.size(), size_t(1));
        QCOMPARE(held.missing[0]->name(), std::string("zstd3"));
        QCOMPARE(held.present.size(), size_t(2));
        ScanResult repaired = loadScores(bad);
        QCOMPARE(repaired.scores.columnIndex("zstd3"), -1);
        QVERIFY(corruptColumns(repaired.scores, true).empty());
        QCOMPARE(repaired.scores.values[0], r.scores.values[0]);
    }

    // formatScore() is printf's "%.9g" (which round-trips a float32), through std::to_chars: the same text
    // for the extremes and for a sweep across the whole float32 range.
    void formatScoreIsPrintf9g()
    {
        std::vector<float> values = { 0.0f, -0.0f, 1.0f, -1.0f, 0.1f, 1e-5f, 123456789.0f, 3.4028235e38f,
            -3.4028235e38f, 1.17549435e-38f, 1.4e-45f, 5.71428585f, 2.5e9f };
        for (uint32_t bits = 0x00000001u; bits < 0x7F800000u; bits += 0x0001F3A7u) { // ~66k values, all exponents
            float f;
            std::memcpy(&f, &bits, sizeof f);
            values.push_back(f);
            values.push_back(-f);
        }
        char printed[64], formatted[kScoreTextMax + 1];
        for (const float v : values) {
            std::snprintf(printed, sizeof printed, "%.9g", double(v));
            *formatScore(v, formatted) = '\0';
            QCOMPARE(std::string(formatted), std::string(printed));
            QCOMPARE(std::strtof(formatted, nullptr), v); // and it reads back as the same float
        }
    }

    // writeTsv() formats blocks of rows on several threads: the file is the same as from one thread, row i
    // is document i, and every score cell is the stored float as "%.9g" (categories as their labels,
    // missing values empty). bench-0000 has more documents than one block holds.
    void tsvSameOnAnyThreadCount()
    {
        REQUIRE_SHARED("bench/bench-0000.jsonl.zst");
        QTemporaryDir dir;
        ScanOptions o;
        o.shards = { testdata::shared("bench/bench-0000.jsonl.zst") };
        o.fields = detectFields(o.shards[0], {}, false);
        o.scorers = scorers("zstd3,text_hygiene");
        o.threads = 2;
        ScanResult r = Scan(o).run();
        QVERIFY(r.index.size() > 4096); // more than one block of rows
        for (size_t i = 0; i < r.index.size(); i += 997) // no document of this shard lacks a score
            r.scores.values[0].set(i, kMissing);
        const std::string one = dir.filePath(QStringLiteral("one.tsv")).toStdString();
        const std::string three = dir.filePath(QStringLiteral("three.tsv")).toStdString();
        writeTsv(one, r, 1);
        writeTsv(three, r, 3);
        const std::string text = readFile(one);
        QVERIFY(text == readFile(three));

        const std::vector<std::string> rows = splitLines(text);
        QCOMPARE(rows.size(), r.index.size() + 1);
        const size_t columns = r.scores.columns.size();
        size_t numbers = 0, labels = 0, empty = 0;
        char printed[64];
        for (size_t i = 0; i < r.index.size(); ++i) {
            const std::vector<std::string> cells = splitTabs(rows[i + 1]);
            QCOMPARE(cells.size(), 3 + columns);
            QCOMPARE(cells[0], r.index.idOf(i));
            QCOMPARE(cells[2], std::to_string(r.index.textBytes[i]));
            for (size_t c = 0; c < columns; ++c) {
                const float v = r.scores.values[c][i];
                const auto& cats = r.scores.columns[c].categories;
                std::string expected;
                if (isMissing(v)) {
                    ++empty;
                } else if (!cats.empty()) {
                    expected = cats.at(size_t(v));
                    ++labels;
                } else {
                    std::snprintf(printed, sizeof printed, "%.9g", double(v));
                    expected = printed;
                    ++numbers;
                }
                QCOMPARE(cells[3 + c], expected);
            }
        }
        // all three kinds of cell were checked
        QVERIFY(numbers > 10000);
        QVERIFY(labels > 1000);
        QVERIFY(empty > 0);
    }
};

QTEST_APPLESS_MAIN(TestScoreStore)
#include "tst_scorestore.moc"
