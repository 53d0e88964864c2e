// Language identification (issue 5, item 3): the langid scorer (lang, lang_score) with fastText
// lid.176.ftz on real sentences in 75 languages, its categorical column through the scan, the
// scores file, the TSV and stats, and a clear error when the model is missing or corrupt.

#include "testutil.h"

#ifdef SHARDSCOPE_HAVE_FASTTEXT
#include "scan.h"
#include "scorer.h"
#include "scorers/langid.h"
#include "scorestore.h"
#include "stats.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

using namespace shardscope;
using namespace testutil;

namespace {

struct Sentence {
    std::string text, label;
};

// Labelled sentences: the shared 75 x 10 set, or the generated UDHR paragraphs (55 languages x 10, every
// one a lid.176 label), which a bare clone has.
const std::string kShared75 = "fixtures/lang_sentences_75x10.jsonl";
const std::string kUdhr = "udhr_sentences.jsonl";

std::vector<Sentence> labelledSentences(const std::string& path)
{
    std::vector<Sentence> out;
    for (const auto& line : splitLines(readFile(path))) {
        if (line.empty())
            continue;
        const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(line)).object();
        out.push_back({ o.value(QStringLiteral("text")).toString().toStdString(),
                        o.value(QStringLiteral("label")).toString().toStdString() });
    }
    return out;
}

std::vector<std::string> jsonlTexts(const std::string& content, size_t limit = SIZE_MAX)
{
    std::vector<std::string> out;
    for (const auto& line : splitLines(content)) {
        if (line.empty())
            continue;
        const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(line)).object();
        out.push_back(o.value(QStringLiteral("text")).toString().toStdString());
        if (out.size() >= limit)
            break;
    }
    return out;
}

// The model the product itself fetches at set-up (scripts/fetch-models.sh).
const std::string kModel = testdata::model("lid176/lid.176.ftz");

// Points SHARDSCOPE_LID_MODEL elsewhere for one scope.
struct ModelEnv {
    explicit ModelEnv(const std::string& path) { ::setenv("SHARDSCOPE_LID_MODEL", path.c_str(), 1); }
    ~ModelEnv() { ::setenv("SHARDSCOPE_LID_MODEL", kModel.c_str(), 1); }
};

} // namespace

class TestLangId : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        REQUIRE_MODEL("lid176/lid.176.ftz");
        ::setenv("SHARDSCOPE_LID_MODEL", kModel.c_str(), 1);
        registerBuiltinScorers();
        QVERIFY(m_dir.isValid());
    }

    void modelLabels()
    {
        auto m = sharedLidModel();
        QCOMPARE(m->languages().size(), size_t(176));
        const std::set<std::string> labels(m->languages().begin(), m->languages().end());
        for (const char* l : { "en", "de", "fr", "ru", "ja", "zh", "ar", "hi", "sw", "yo" })
            QVERIFY2(labels.count(l), l);
        // The column carries them as its categories, in the model's order.
        auto s = ScorerRegistry::instance().create("lang");
        QVERIFY(s);
        QCOMPARE(s->name(), std::string("langid"));
        const auto cols = s->columns();
        QCOMPARE(cols.size(), size_t(2));
        QCOMPARE(cols[0].name, std::string("lang"));
        QVERIFY(cols[0].categorical());
        QCOMPARE(cols[0].categories, m->languages());
        QVERIFY(!cols[1].categorical());
    }

    // 75 languages x 10 real sentences. Measured with lid.176.ftz: 596 of 750 right (79.5%);
    // 596 of 660 (90.3%) over the 66 fixture languages whose code the model has (it lacks nb (it
    // says "no"), lg, mi, sn, st, tn, ts, xh, zu). Misses among known ones: bs (all 10, said hr/sr),
    // so, yo (all 10), ms (8: said id), nn (4: said no).
    void accuracyOnFixture()
    {
        REQUIRE_SHARED(kShared75);
        auto m = sharedLidModel();
        const std::set<std::string> known(m->languages().begin(), m->languages().end());
        auto w = ScorerRegistry::instance().create("langid")->makeWorker();
        const auto sentences = labelledSentences(testdata::shared(kShared75));
        QCOMPARE(sentences.size(), size_t(750));
        std::map<std::string, int> right, total;
        int ok = 0, okKnown = 0, nKnown = 0;
        for (const auto& s : sentences) {
            float out[2];
            w->score(s.text, out);
            QVERIFY(!isMissing(out[0]));
            const std::string& got = m->languages()[size_t(out[0])];
            const bool hit = got == s.label;
            ok += hit;
            right[s.label] += hit;
            ++total[s.label];
            if (known.count(s.label)) {
                ++nKnown;
                okKnown += hit;
            }
        }
        qInfo("lid.176.ftz on the fixture: %d/%zu right overall (%.1f%%), %d/%d over languages the model has (%.1f%%)",
              ok, sentences.size(), 100.0 * ok / double(sentences.size()), okKnown, nKnown, 100.0 * okKnown / nKnown);
        std::string missed;
        for (const auto& [l, n] : right)
            if (n < total[l])
                missed += " " + l + ":" + std::to_string(n) + "/" + std::to_string(total[l]) + (known.count(l) ? "" : "*");
        qInfo("languages with misses (* = not a lid.176 label):%s", missed.c_str());
        QVERIFY2(ok >= 580, "overall accuracy fell below 77%");
        QVERIFY2(okKnown >= nKnown * 87 / 100, "accuracy over known languages fell below 87%");
        // Well-known languages are all right.
        for (const char* l : { "en", "de", "fr", "es", "it", "pt", "ru", "uk", "pl", "nl", "sv", "tr", "ar", "he", "hi",
                               "ko", "th", "vi", "el", "fi" })
            QVERIFY2(right[l] == 10, qPrintable(QStringLiteral("%1: %2/10").arg(QString::fromLatin1(l)).arg(right[l])));
        QVERIFY(right["zh"] >= 9 && right["ja"] >= 9);
    }

    // The generated UDHR paragraphs: 55 languages x 10, each a lid.176 label, so the accuracy check runs
    // on a bare clone too. Measured with lid.176.ftz: 536 of 550 right.
    void accuracyOnUdhr()
    {
        REQUIRE_FIXTURE(kUdhr);
        auto m = sharedLidModel();
        auto w = ScorerRegistry::instance().create("langid")->makeWorker();
        const auto sentences = labelledSentences(testdata::fixture(kUdhr));
        QCOMPARE(sentences.size(), size_t(550));
        std::map<std::string, int> right;
        int ok = 0;
        for (const auto& s : sentences) {
            float out[2];
            w->score(s.text, out);
            QVERIFY(!isMissing(out[0]));
            const bool hit = m->languages()[size_t(out[0])] == s.label;
            ok += hit;
            right[s.label] += hit;
        }
        std::string missed;
        for (const auto& [l, n] : right)
            if (n < 10)
                missed += " " + l + ":" + std::to_string(n) + "/10";
        qInfo("lid.176.ftz on the UDHR paragraphs: %d/550 right; misses:%s", ok, missed.c_str());
        QVERIFY2(ok >= 525, qPrintable(QString::number(ok))); // measured: 536 (am 3/10, sk 8, sw 8, gl id sl 9)
        for (const char* l : { "en", "de", "fr", "es", "ru", "ja", "zh", "ar", "hi", "ko", "th", "el" })
            QVERIFY2(right[l] == 10, qPrintable(QStringLiteral("%1: %2/10").arg(QString::fromLatin1(l)).arg(right[l])));
    }

    void scoreRangeAndEmptyText()
    {
        REQUIRE_FIXTURE(kUdhr);
        auto w = ScorerRegistry::instance().create("langid")->makeWorker();
        float out[2];
        for (const auto& s : labelledSentences(testdata::fixture(kUdhr))) {
            w->score(s.text, out);
            QVERIFY(out[1] > 0.0f && out[1] <= 1.0f);
        }
        w->score("", out);
        QVERIFY(isMissing(out[0]) && isMissing(out[1]));
        // A confident English sentence scores near 1 (fastText says up to ~1.0001: clamped).
        w->score("The committee will publish its annual report on the state of the economy next week.", out);
        QCOMPARE(sharedLidModel()->languages()[size_t(out[0])], std::string("en"));
        QVERIFY(out[1] > 0.9f && out[1] <= 1.0f);
        // Newlines are spaces (datatrove): the second line counts, not only the first.
        float oneLine[2], twoLines[2];
        w->score("Hello\nDas ist ein ganz normaler deutscher Satz über das Wetter in Berlin.", twoLines);
        w->score("Hello Das ist ein ganz normaler deutscher Satz über das Wetter in Berlin.", oneLine);
        QCOMPARE(twoLines[0], oneLine[0]);
        QCOMPARE(twoLines[1], oneLine[1]);
        QCOMPARE(sharedLidModel()->languages()[size_t(oneLine[0])], std::string("de"));
    }

    // The fast tokenizer must give fastText's own input rows on every text.
    void fastPathEqualsFastText()
    {
        REQUIRE_FIXTURE(kUdhr);
        auto m = sharedLidModel();
        std::vector<std::string> texts;
        for (const char* f : { "udhr_sentences.jsonl", "spam_ham.jsonl", "informal.jsonl" })
            for (auto& t : jsonlTexts(readFile(testdata::fixture(f))))
                texts.push_back(std::move(t));
        for (auto& line : splitLines(readFile(testdata::fixture("blns.txt"))))
            texts.push_back(std::move(line));
        const size_t generated = texts.size();
        // More real text when the shared data folder is there.
        if (testdata::exists(testdata::shared("bench/bench-0000.jsonl.zst"))) {
            for (const char* f : { "fixtures/web_pages_wetlike_50.jsonl", "fixtures/lang_sentences_75x10.jsonl" })
                for (auto& t : jsonlTexts(readFile(testdata::shared(f))))
                    texts.push_back(std::move(t));
            for (auto& t : jsonlTexts(zstdDecompressFile(testdata::shared("bench/bench-0000.jsonl.zst")), 1500))
                texts.push_back(std::move(t));
        }
        texts.push_back(std::string("tab\tvt\vff\fcr\r\nnul") + '\0' + "after");
        texts.push_back("__label__en __label__xx hello __label__ <s> world");
        texts.push_back("words before </s> and after the end-of-sentence token");
        texts.push_back("   \n\n  ");
        texts.push_back("\xc3\xa9t\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80 a\xcc\x81");
        std::vector<int32_t> fast, ref;
        std::string scratch;
        size_t nonEmpty = 0;
        for (const auto& t : texts) {
            m->wordIds(t, fast, scratch);
            m->referenceWordIds(t, ref);
            if (fast != ref)
                QFAIL(qPrintable(QStringLiteral("input rows differ for: %1").arg(QString::fromStdString(t.substr(0, 200)))));
            nonEmpty += !fast.empty();
        }
        QCOMPARE(nonEmpty, texts.size()); // every text has at least </s>
        QVERIFY(generated > 1500);
    }

    // Same results with one and with two scan workers (the FastText object is shared read-only).
    void sameResultsAcrossThreads()
    {
        REQUIRE_FIXTURE(kUdhr);
        const std::string shard = m_dir.filePath(QStringLiteral("mixed.jsonl")).toStdString();
        writeFile(shard, readFile(testdata::fixture(kUdhr)) + readFile(testdata::fixture("spam_ham.jsonl")));
        auto run = [&](int threads) {
            ScanOptions o;
            o.shards = { shard };
            o.fields = detectFields(shard, {}, false);
            o.scorers = scorers("langid");
            o.threads = threads;
            o.batchBytes = 16 << 10; // many batches, so both workers get some
            return Scan(o).run();
        };
        ScanResult one = run(1), two = run(2);
        QCOMPARE(one.index.size(), size_t(550 + 80));
        QCOMPARE(two.index.size(), one.index.size());
        QCOMPARE(one.scores.columns.size(), size_t(2));
        for (size_t c = 0; c < 2; ++c)
            QVERIFY(std::memcmp(one.scores.values[c].data(), two.scores.values[c].data(), 4 * one.index.size()) == 0);
        QVERIFY(one.scores.columns[0].categorical());
    }

    void tsvLabelsAndScoresFileRoundTrip()
    {
        REQUIRE_FIXTURE(kUdhr);
        const std::string shard = testdata::fixture(kUdhr);
        ScanOptions o;
        o.shards = { shard };
        o.fields = detectFields(shard, {}, false);
        o.scorers = scorers("zlib6,langid");
        ScanResult r = Scan(o).run();
        const int lc = r.scores.columnIndex("lang");
        QVERIFY(lc >= 0);

        // TSV: the label, not the index.
        const std::string tsv = m_dir.filePath(QStringLiteral("lang.tsv")).toStdString();
        writeTsv(tsv, r);
        const auto rows = splitLines(readFile(tsv));
        QCOMPARE(rows.front(), std::string("id\tgroup\tbytes\tzlib6\tlang\tlang_score"));
        std::map<std::string, std::string> langOf;
        for (size_t i = 1; i < rows.size(); ++i) {
            if (rows[i].empty())
                continue;
            const std::vector<std::string> cells = splitTabs(rows[i]);
            QCOMPARE(cells.size(), size_t(6));
            langOf[cells[0]] = cells[4];
        }
        QCOMPARE(langOf.size(), size_t(550));
        QCOMPARE(langOf["udhr:eng:0"], std::string("en"));
        QCOMPARE(langOf["udhr:jpn:3"], std::string("ja"));
        QCOMPARE(langOf["udhr:rus:5"], std::string("ru"));

        // Scores file: categories stay with the column.
        const std::string path = m_dir.filePath(QStringLiteral("cache/scores.sscores")).toStdString();
        saveScores(path, r, o.scorers);
        QVERIFY(scoresUpToDate(path, o.shards, o.fields, o.scorers));
        ScanResult back = loadScores(path);
        const int bc = back.scores.columnIndex("lang");
        QVERIFY(bc >= 0);
        QCOMPARE(back.scores.columns[size_t(bc)].categories, sharedLidModel()->languages());
        QVERIFY(back.scores.columns[size_t(back.scores.columnIndex("zlib6"))].categories.empty());
        QVERIFY(std::memcmp(back.scores.values[size_t(bc)].data(), r.scores.values[size_t(lc)].data(),
                            4 * r.index.size()) == 0);
    }

    void statsCountLanguages()
    {
        REQUIRE_FIXTURE(kUdhr);
        const auto sentences = labelledSentences(testdata::fixture(kUdhr));
        auto m = sharedLidModel();
        auto w = ScorerRegistry::instance().create("langid")->makeWorker();
        std::vector<float> lang;
        for (const auto& s : sentences) {
            float out[2];
            w->score(s.text, out);
            lang.push_back(out[0]);
        }
        lang.push_back(kMissing);
        ColumnInfo info { "lang", "", m->languages() };
        ColumnStats st = ColumnStats::compute(info, lang);
        QVERIFY(st.categorical());
        QCOMPARE(st.count, uint64_t(550));
        QCOMPARE(st.missing, uint64_t(1));
        QVERIFY(st.percentiles.empty());
        const auto top = st.topCategories(3);
        QCOMPARE(top.size(), size_t(3));
        // The counts are the labels' own: 10 paragraphs per language, a few misread.
        std::map<std::string, uint64_t> expected;
        for (const auto& s : sentences) {
            float out[2];
            w->score(s.text, out);
            ++expected[m->languages()[size_t(out[0])]];
        }
        const std::string topLabel = m->languages()[top[0].first];
        QCOMPARE(top[0].second, expected[topLabel]);
        QVERIFY(top[0].second >= 10 && top[0].second >= top[1].second && top[1].second >= top[2].second);
        uint64_t sum = 0;
        for (const auto& [i, n] : st.topCategories()) {
            QCOMPARE(n, expected[m->languages()[i]]);
            sum += n;
        }
        QCOMPARE(sum, uint64_t(550));
        const std::string text = statsToText({ st }, lang.size());
        QVERIFY(text.find("top: " + topLabel + " " + std::to_string(top[0].second)) != std::string::npos);
        QVERIFY(text.find("categories lang:") != std::string::npos);
        const std::string json = statsToJson({ st }, lang.size());
        QVERIFY(json.find("\"label\": \"" + topLabel + "\"") != std::string::npos);
        QVERIFY(json.find("\"p50\"") == std::string::npos);
    }

    void allIncludesLangidOnlyWithModel()
    {
        auto has = [](const std::vector<std::shared_ptr<const Scorer>>& l) {
            for (const auto& s : l)
                if (s->name() == "langid")
                    return true;
            return false;
        };
        QVERIFY(has(scorers("all")));
        ModelEnv env(m_dir.filePath(QStringLiteral("no-such-model.ftz")).toStdString());
        QVERIFY(!has(scorers("all")));
    }

    void missingOrCorruptModel_data()
    {
        QTest::addColumn<QByteArray>("content"); // empty: no file at all
        QTest::addColumn<QString>("expect");
        const std::string real = readFile(kModel);
        QTest::newRow("missing") << QByteArray() << QStringLiteral("does not exist");
        QTest::newRow("garbage") << QByteArray("this is not a fastText model, just some text\n").repeated(100)
                                 << QStringLiteral("wrong magic number");
        // Truncated inside the dictionary: libfasttext itself would loop forever here.
        QTest::newRow("truncated-dictionary") << QByteArray::fromStdString(real.substr(0, 20000))
                                              << QStringLiteral("dictionary entry");
        QTest::newRow("truncated-matrix") << QByteArray::fromStdString(real.substr(0, real.size() * 2 / 3))
                                          << QStringLiteral("file ends inside the input matrix");
        std::string huge = real;
        const int64_t rows = int64_t(1) << 40; // the output matrix claims 2^40 rows
        std::memcpy(huge.data() + huge.size() - 176 * 16 * 4 - 16, &rows, 8);
        QTest::newRow("huge-matrix") << QByteArray::fromStdString(huge) << QStringLiteral("output matrix");
        QTest::newRow("trailing-bytes") << QByteArray::fromStdString(real + "xx") << QStringLiteral("2 bytes after");
    }
    void missingOrCorruptModel()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, expect);
        const std::string path = m_dir.filePath(QStringLiteral("bad-%1.ftz").arg(QString::fromLatin1(QTest::currentDataTag()))).toStdString();
        if (!content.isEmpty())
            writeFile(path, content.toStdString());
        ModelEnv env(path);
        try {
            scorers("zlib6,langid");
            QFAIL("a scorer list naming langid resolved without a usable model");
        } catch (const ScorerUnavailable& e) {
            const QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.contains(QString::fromStdString(path)), qPrintable(msg));
            QVERIFY2(msg.contains(expect), qPrintable(msg));
        }
        // A worker made anyway leaves the columns missing instead of crashing.
        auto w = ScorerRegistry::instance().create("langid")->makeWorker();
        float out[2] = { 0, 0 };
        w->score("Some English text.", out);
        QVERIFY(isMissing(out[0]) && isMissing(out[1]));
    }

    void cliReportsMissingModel()
    {
        REQUIRE_FIXTURE(kUdhr);
        const QString bad = m_dir.filePath(QStringLiteral("garbage.ftz"));
        writeFile(bad.toStdString(), std::string(4096, 'x'));
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("SHARDSCOPE_CACHE_DIR"), m_dir.filePath(QStringLiteral("clicache")));
        env.insert(QStringLiteral("SHARDSCOPE_LID_MODEL"), bad);
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(SHARDSCOPE_CLI),
            { QStringLiteral("score"), QStringLiteral("--scorers"), QStringLiteral("langid"),
                QString::fromStdString(testdata::fixture(kUdhr)) });
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 1);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(bad) && err.contains(QStringLiteral("wrong magic number")), qPrintable(err));

        // With the model: `scorers` lists both columns, and a score run writes labels.
        env.insert(QStringLiteral("SHARDSCOPE_LID_MODEL"), QString::fromStdString(kModel));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(SHARDSCOPE_CLI), { QStringLiteral("scorers") });
        QVERIFY(p.waitForFinished(60000));
        const QString list = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY(list.contains(QStringLiteral("langid")) && list.contains(QStringLiteral("lang_score")));
    }
};

QTEST_APPLESS_MAIN(TestLangId)
#else
class TestLangId : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void skipped() { QSKIP("built without libfasttext (Debian: libfasttext-dev): no langid scorer"); }
};
QTEST_APPLESS_MAIN(TestLangId)
#endif
#include "tst_langid.moc"
