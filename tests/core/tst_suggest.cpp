// Cutoff suggestions (issue 5, item 4): percentile and mean/sd/MAD cutoffs on real scores
// computed through the engine, checked against numpy run at test time; provenance round trip
// through the filter config; `shardscope-cli suggest` end to end, and its config through `apply`.

#include "apply.h"
#include "filterconfig.h"
#include "scan.h"
#include "suggest.h"
#include "testutil.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <map>

using namespace shardscope;
using namespace testutil;

namespace {

const char* kPython = "/usr/bin/python3";

// Scores generated fixtures (testdata.h) through the engine (the same scan the CLI and GUI run).
ScanResult scoreFixture(const std::vector<std::string>& names, const std::string& scorers)
{
    registerBuiltinScorers();
    ScanOptions so;
    for (const auto& n : names)
        so.shards.push_back(testdata::fixture(n));
    so.fields = detectFields(so.shards.front(), {}, false);
    for (auto& s : ScorerRegistry::instance().resolveList(scorers))
        so.scorers.push_back(std::move(s));
    so.threads = 2;
    Scan scan(so);
    return scan.run();
}

// Runs numpy over the values (one per line, "nan" for missing, written with
// %.17g: the float exactly) and returns the numbers the script prints, one per line.
std::vector<double> numpy(const QTemporaryDir& dir, const std::vector<float>& values, const QString& script)
{
    const std::string path = dir.filePath(QStringLiteral("values.txt")).toStdString();
    std::string text;
    char buf[32];
    for (float v : values) {
        std::snprintf(buf, sizeof buf, "%.17g\n", double(v));
        text += buf;
    }
    writeFile(path, text);
    QProcess p;
    p.start(QString::fromLatin1(kPython),
            { QStringLiteral("-c"),
              QStringLiteral("import numpy as np, sys\n"
                             "a = np.loadtxt(sys.argv[1], dtype=np.float64)\n"
                             "v = np.sort(a[~np.isnan(a)])\n")
                  + script,
              QString::fromStdString(path) });
    p.waitForFinished(60000);
    if (p.exitCode() != 0)
        qWarning("%s", p.readAllStandardError().constData());
    std::vector<double> out;
    for (const QByteArray& line : p.readAllStandardOutput().split('\n'))
        if (!line.trimmed().isEmpty())
            out.push_back(line.trimmed().toDouble());
    return out;
}

bool close(double a, double b)
{
    return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
}

} // namespace

class TestSuggest : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        if (QProcess::execute(QString::fromLatin1(kPython), { QStringLiteral("-c"), QStringLiteral("import numpy") }) != 0)
            QSKIP("/usr/bin/python3 with numpy is needed for the independent reference");
    }

    void parseSpec_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("describe");
        QTest::addColumn<bool>("ok");
        QTest::newRow("percentile") << QStringLiteral("percentile:1,99") << QStringLiteral("p1 .. p99") << true;
        QTest::newRow("low only") << QStringLiteral("percentile:2.5,") << QStringLiteral("p2.5 .. –") << true;
        QTest::newRow("high only") << QStringLiteral("percentile:,99") << QStringLiteral("– .. p99") << true;
        QTest::newRow("meanstd") << QStringLiteral("meanstd:3") << QStringLiteral("mean ± 3·sd") << true;
        QTest::newRow("mad asym") << QStringLiteral("mad:2,4")
                                  << QStringLiteral("median − 2·1.4826·MAD .. median + 4·1.4826·MAD") << true;
        QTest::newRow("unknown") << QStringLiteral("zscore:3") << QString() << false;
        QTest::newRow("no args") << QStringLiteral("meanstd") << QString() << false;
        QTest::newRow("reversed") << QStringLiteral("percentile:99,1") << QString() << false;
        QTest::newRow("over 100") << QStringLiteral("percentile:1,101") << QString() << false;
        QTest::newRow("text") << QStringLiteral("meanstd:x") << QString() << false;
    }
    void parseSpec()
    {
        QFETCH(QString, text);
        QFETCH(QString, describe);
        QFETCH(bool, ok);
        try {
            SuggestSpec s = SuggestSpec::parse(text.toStdString());
            QVERIFY2(ok, "expected an error");
            QCOMPARE(QString::fromStdString(s.describe()), describe);
        } catch (const std::invalid_argument& e) {
            QVERIFY2(!ok, e.what());
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("percentile:")), e.what());
        }
    }

    // All three methods on real zlib6 and punctuation scores (with missing values: empty
    // texts have no ratio) against numpy.
    void methodsAgainstNumpy_data()
    {
        QTest::addColumn<QString>("column");
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("script");
        const QString counts = QStringLiteral("print((v < lo).sum()); print((v > hi).sum())\n");
        for (const char* col : { "zlib6", "text_punct_frac", "gopher_mean_word_length" }) {
            QTest::addRow("%s percentile", col)
                << QString::fromLatin1(col) << QStringLiteral("percentile:1,99")
                << QStringLiteral("lo, hi = np.percentile(v, [1, 99]); print(repr(lo)); print(repr(hi))\n") + counts;
            QTest::addRow("%s meanstd", col)
                << QString::fromLatin1(col) << QStringLiteral("meanstd:3,2")
                << QStringLiteral("m, s = v.mean(), v.std(); lo, hi = m - 3*s, m + 2*s; print(repr(lo)); print(repr(hi))\n")
                    + counts;
            QTest::addRow("%s mad", col)
                << QString::fromLatin1(col) << QStringLiteral("mad:3")
                << QStringLiteral("m = np.median(v); d = 1.4826*np.median(np.abs(v - m)); lo, hi = m - 3*d, m + 3*d\n"
                                  "print(repr(lo)); print(repr(hi))\n")
                    + counts;
        }
    }
    void methodsAgainstNumpy()
    {
        QFETCH(QString, column);
        QFETCH(QString, spec);
        QFETCH(QString, script);
        REQUIRE_FIXTURE("spam_ham.jsonl");
        static ScanResult r = scoreFixture({ "spam_ham.jsonl", "informal.jsonl", "udhr_sentences.jsonl" },
            "zlib6,text_punct_frac,gopher_mean_word_length");
        const int c = r.scores.columnIndex(column.toStdString());
        QVERIFY(c >= 0);
        const ScoreColumn& values = r.scores.values[size_t(c)];
        QVERIFY(values.size() > 100);
        CutoffSuggestion s = suggestCutoffs(values, SuggestSpec::parse(spec.toStdString()), column.toStdString());
        std::vector<double> ref = numpy(m_dir, values.toVector(), script);
        QCOMPARE(ref.size(), size_t(4));
        QVERIFY(s.max);
        float dataMin = INFINITY;
        for (float v : values)
            if (!std::isnan(v))
                dataMin = std::min(dataMin, v);
        if (dataMin >= 0 && ref[0] < 0) {
            // No negative min for a score without negative values (issue 20).
            QVERIFY(!s.min);
            QVERIFY(s.negativeMinLeftOut);
        } else {
            QVERIFY(s.min);
            QVERIFY(!s.negativeMinLeftOut);
            QVERIFY2(close(*s.min, ref[0]),
                qPrintable(QStringLiteral("%1 vs numpy %2").arg(*s.min, 0, 'g', 17).arg(ref[0], 0, 'g', 17)));
        }
        QVERIFY2(close(*s.max, ref[1]), qPrintable(QStringLiteral("%1 vs numpy %2").arg(*s.max, 0, 'g', 17).arg(ref[1], 0, 'g', 17)));
        QCOMPARE(double(s.droppedBelow), ref[2]);
        QCOMPARE(double(s.droppedAbove), ref[3]);
        uint64_t missing = 0;
        for (float v : values)
            missing += std::isnan(v);
        QCOMPARE(s.missing, missing);
        QCOMPARE(s.from.computedOn, uint64_t(values.size()) - missing);
        QCOMPARE(s.docs, uint64_t(values.size()));
    }

    // Issue 20: mean − 3·sd of text_punct_frac, a fraction (never negative) with a long tail, is
    // below zero; the suggestion must not carry that negative min (the CLI's and the GUI's).
    void noNegativeMinForANonNegativeScore()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        ScanResult r = scoreFixture({ "spam_ham.jsonl", "informal.jsonl", "udhr_sentences.jsonl" }, "text_punct_frac");
        const ScoreColumn& values = r.scores.values[0];
        std::vector<double> ref
            = numpy(m_dir, values.toVector(), QStringLiteral("print(repr(v.min())); print(repr(v.mean() - 3*v.std()))\n"));
        QCOMPARE(ref.size(), size_t(2));
        QVERIFY(ref[0] >= 0);
        QVERIFY2(ref[1] < 0, "the fixture no longer gives a negative mean - 3 sd");
        for (const char* spec : { "meanstd:3", "mad:3", "mad:3,", "percentile:0,100" }) {
            const CutoffSuggestion s = suggestCutoffs(values, SuggestSpec::parse(spec), "text_punct_frac");
            QVERIFY2(!s.min || *s.min >= 0, spec);
            QCOMPARE(s.droppedBelow, uint64_t(0));
            for (const auto& k : suggestCutoffsPerKey(values, std::vector<uint32_t>(values.size(), 0), { "all" },
                     SuggestSpec::parse(spec), "text_punct_frac"))
                QVERIFY2(!k.min || *k.min >= 0, spec);
        }
        // A column with negative values keeps a min below its data.
        std::vector<float> signedValues;
        for (int i = 0; i < 200; ++i)
            signedValues.push_back(float(i % 20) - 1.0f);
        const CutoffSuggestion s = suggestCutoffs(signedValues, SuggestSpec::parse("meanstd:3"));
        QVERIFY(s.min && *s.min < -1);
        QVERIFY(!s.negativeMinLeftOut);
    }

    // Per language-like label: text_dominant_script is a categorical column (index into its
    // categories), the same contract as langid's `lang`.
    void perLabelAgainstNumpy()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        ScanResult r = scoreFixture({ "udhr_sentences.jsonl" }, "zlib6,text_dominant_script");
        const int c = r.scores.columnIndex("zlib6");
        const int by = r.scores.columnIndex("text_dominant_script");
        QVERIFY(c >= 0 && by >= 0);
        const ColumnInfo& info = r.scores.columns[size_t(by)];
        QVERIFY(info.categorical());
        std::vector<uint32_t> keys = categoricalKeys(r.scores.values[size_t(by)], info.categories.size());
        std::vector<CutoffSuggestion> per
            = suggestCutoffsPerKey(r.scores.values[size_t(c)], keys, info.categories, SuggestSpec::parse("percentile:5,95"),
                                   "zlib6", 20);
        std::map<std::string, const CutoffSuggestion*> byKey;
        for (const auto& s : per)
            byKey[s.key] = &s;
        // 55 languages x 10 paragraphs: Latin and Cyrillic (60) have enough documents, Greek (10) does not.
        QVERIFY(byKey.count("Latin") && byKey.count("Cyrillic"));
        QVERIFY(!byKey.count("Greek"));
        for (const std::string label : { "Latin", "Cyrillic" }) {
            std::vector<float> sub;
            for (size_t i = 0; i < keys.size(); ++i)
                if (keys[i] < info.categories.size() && info.categories[keys[i]] == label)
                    sub.push_back(r.scores.values[size_t(c)][i]);
            std::vector<double> ref = numpy(m_dir, sub,
                                            QStringLiteral("print(len(v)); print(repr(np.percentile(v, 5))); "
                                                           "print(repr(np.percentile(v, 95)))\n"));
            QCOMPARE(ref.size(), size_t(3));
            const CutoffSuggestion& s = *byKey[label];
            QCOMPARE(double(s.from.computedOn), ref[0]);
            QVERIFY(close(*s.min, ref[1]));
            QVERIFY(close(*s.max, ref[2]));
        }
    }

    // Accepting writes the cutoff and its provenance; both survive the config file.
    void acceptRoundTrip()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        ScanResult r = scoreFixture({ "spam_ham.jsonl" }, "zlib6");
        const ScoreColumn& v = r.scores.values[0];
        FilterRule rule;
        rule.column = "zlib6";
        CutoffSuggestion all = suggestCutoffs(v, SuggestSpec::parse("mad:3"), "zlib6");
        acceptSuggestion(rule, all);
        QCOMPARE(rule.bounds.min, all.min);
        QCOMPARE(rule.bounds.suggested->method, std::string("mad"));
        // A per-group suggestion becomes a group override.
        std::vector<CutoffSuggestion> per
            = suggestCutoffsPerKey(v, r.index.group, r.index.groups, SuggestSpec::parse("percentile:1,"), "zlib6", 10);
        QVERIFY(!per.empty());
        for (const auto& s : per)
            acceptSuggestion(rule, s);
        QCOMPARE(rule.overrides.size(), per.size());
        QVERIFY(!rule.overrides.begin()->second.max);   // "percentile:1," suggests only a min
        FilterConfig cfg;
        cfg.rules.push_back(rule);
        const std::string path = m_dir.filePath(QStringLiteral("suggested.json")).toStdString();
        cfg.save(path);
        const std::string text = readFile(path);
        QVERIFY(text.find("\"computed_on\": " + std::to_string(all.from.computedOn)) != std::string::npos);
        QVERIFY(text.find("\"method\": \"percentile\"") != std::string::npos);
        QVERIFY(text.find("\"version\": 1") != std::string::npos);   // groups only: readable by version 1
        FilterConfig back = FilterConfig::load(path);
        QVERIFY(back.rules[0] == rule);
        QCOMPARE(back.rules[0].bounds.suggested->params, all.from.params);
    }

    // `shardscope-cli suggest` end to end: the table, the config it writes (atomically, with
    // provenance), the cutoffs against numpy, and `apply` agreeing with its predicted counts.
    void cliEndToEnd()
    {
        const QString cache = m_dir.filePath(QStringLiteral("cache"));
        const QString cfg = m_dir.filePath(QStringLiteral("cli.json"));
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        const QString shard = QString::fromStdString(testdata::fixture("udhr_sentences.jsonl"));
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("SHARDSCOPE_CACHE_DIR"), cache);
        p.setProcessEnvironment(env);
        auto run = [&](const QStringList& args) {
            p.start(QStringLiteral(SHARDSCOPE_CLI), args);
            p.waitForFinished(120000);
            return p.exitCode();
        };
        // Score first so suggest reads the cached scores.
        QCOMPARE(run({ QStringLiteral("score"), QStringLiteral("-q"), QStringLiteral("--scorers"),
                       QStringLiteral("zlib6,text_dominant_script"), shard }),
                 0);
        QCOMPARE(run({ QStringLiteral("suggest"), shard, QStringLiteral("--columns"), QStringLiteral("zlib6"),
                       QStringLiteral("--method"), QStringLiteral("percentile:1,99"), QStringLiteral("--by"),
                       QStringLiteral("text_dominant_script"), QStringLiteral("--out"), cfg }),
                 0);
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(QStringLiteral("no rescoring")), qPrintable(err));
        QVERIFY2(out.contains(QStringLiteral("(all)")) && out.contains(QStringLiteral("Cyrillic")), qPrintable(out));
        FilterConfig c = FilterConfig::load(cfg.toStdString());
        QCOMPARE(c.rules.size(), size_t(1));
        const FilterRule& rule = c.rules[0];
        QCOMPARE(rule.by, std::string("text_dominant_script"));
        QVERIFY(rule.overrides.count("Latin") && rule.overrides.count("Cyrillic"));
        QCOMPARE(rule.bounds.suggested->method, std::string("percentile"));
        QCOMPARE(rule.bounds.suggested->computedOn, uint64_t(550));
        QVERIFY(c.provenanceJson.find("\"documents\":550") != std::string::npos);

        ScanResult r = scoreFixture({ "udhr_sentences.jsonl" }, "zlib6");
        std::vector<double> ref = numpy(m_dir, r.scores.values[0].toVector(),
                                        QStringLiteral("print(repr(np.percentile(v, 1))); print(repr(np.percentile(v, 99)))\n"));
        QCOMPARE(ref.size(), size_t(2));
        QVERIFY(close(*rule.bounds.min, ref[0]));
        QVERIFY(close(*rule.bounds.max, ref[1]));

        // The "all rules" line predicts what apply keeps with the same config.
        const QRegularExpressionMatch m
            = QRegularExpression(QStringLiteral("all rules .*read=(\\d+) kept=(\\d+) dropped=(\\d+)")).match(out);
        QVERIFY2(m.hasMatch(), qPrintable(out));
        QCOMPARE(run({ QStringLiteral("apply"), QStringLiteral("-q"), QStringLiteral("--config"), cfg, QStringLiteral("--out"),
                       m_dir.filePath(QStringLiteral("applied")), shard }),
                 0);
        const QString applied = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(applied.contains(QStringLiteral("read=%1 kept=%2 dropped=%3 rejected=0")
                                      .arg(m.captured(1), m.captured(2), m.captured(3))),
                 qPrintable(applied + out));
        QVERIFY(m.captured(3).toInt() > 0);

        // Usage errors: a categorical column, an unknown method, --by on a numeric column.
        QCOMPARE(run({ QStringLiteral("suggest"), shard, QStringLiteral("--columns"), QStringLiteral("text_dominant_script") }), 2);
        QCOMPARE(run({ QStringLiteral("suggest"), shard, QStringLiteral("--columns"), QStringLiteral("zlib6"),
                       QStringLiteral("--method"), QStringLiteral("zscore:3") }),
                 2);
        QCOMPARE(run({ QStringLiteral("suggest"), shard, QStringLiteral("--columns"), QStringLiteral("zlib6"),
                       QStringLiteral("--by"), QStringLiteral("zstd3") }),
                 2);
    }
};

QTEST_APPLESS_MAIN(TestSuggest)
#include "tst_suggest.moc"
