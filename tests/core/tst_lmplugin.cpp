// Issue 21, part 6: libtorch is loaded only when a language model is used. shardscope-cli --version took
// 0.35 s and 164 MB because the executable linked libtorch's ~290 libraries; now they live behind a plugin
// that the engine opens with dlopen() on first use. The dynamic loader's own trace (LD_DEBUG=libs) shows
// which libraries a run loads: none of libtorch for runs without a language model, libtorch for lm-tokens.
// The lm scorer works through the plugin, and a plugin that is missing or broken is a clear error naming
// where it was looked for, never a crash.

#include "testutil.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace testutil;

namespace {

struct Run {
    int code = -1;
    bool crashed = true;
    QString out, err;
};

Run cli(const QStringList& args, const QStringList& env = {})
{
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.remove(QStringLiteral("SHARDSCOPE_LM_PLUGIN"));
    for (const QString& kv : env)
        e.insert(kv.section(QLatin1Char('='), 0, 0), kv.section(QLatin1Char('='), 1));
    p.setProcessEnvironment(e);
    p.start(QStringLiteral(SHARDSCOPE_CLI), args);
    if (!p.waitForFinished(300000))
        p.kill();
    Run r;
    r.crashed = p.exitStatus() != QProcess::NormalExit;
    r.code = p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

} // namespace

class TestLmPlugin : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_shard; // five documents of real text

private Q_SLOTS:
    void initTestCase()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        const auto lines = splitLines(readFile(testdata::fixture("udhr_sentences.jsonl")));
        QVERIFY(lines.size() >= 5);
        std::string five;
        for (size_t i = 0; i < 5; ++i)
            five += lines[i] + "\n";
        m_shard = m_dir.filePath(QStringLiteral("five.jsonl"));
        writeFile(m_shard.toStdString(), five);
    }

    void onlyLanguageModelRunsLoadTorch_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<bool>("torch");
        QTest::newRow("--version") << QStringList { QStringLiteral("--version") } << false;
        QTest::newRow("scorers") << QStringList { QStringLiteral("scorers") } << false;
        QTest::newRow("score --scorers zlib6") << QStringList { QStringLiteral("score"), QStringLiteral("--no-cache"),
            QStringLiteral("--scorers"), QStringLiteral("zlib6"), QStringLiteral("@shard") }
                                               << false;
        // `all` lists every scorer, lm among them (not included: it needs a model).
        QTest::newRow("stats --scorers all") << QStringList { QStringLiteral("stats"), QStringLiteral("--no-cache"),
            QStringLiteral("--scorers"), QStringLiteral("all"), QStringLiteral("@shard") }
                                             << false;
#ifdef SHARDSCOPE_HAVE_TORCH
        QTest::newRow("train-lm --help") << QStringList { QStringLiteral("train-lm"), QStringLiteral("--help") }
                                         << false;
        // The control: the trace does show libtorch when a model runs.
        QTest::newRow("lm-tokens") << QStringList { QStringLiteral("lm-tokens"), QStringLiteral("Hello") } << true;
#endif
    }

    void onlyLanguageModelRunsLoadTorch()
    {
        QFETCH(QStringList, args);
        QFETCH(bool, torch);
        for (QString& a : args)
            a.replace(QStringLiteral("@shard"), m_shard);
        const Run r = cli(args, { QStringLiteral("LD_DEBUG=libs") });
        QVERIFY2(!r.crashed && r.code == 0, qPrintable(r.err.right(2000)));
        // The trace is there (a loader that ignores LD_DEBUG would make this test prove nothing).
        QVERIFY2(r.err.contains(QStringLiteral("calling init:")), qPrintable(r.err.left(2000)));
        QCOMPARE(r.err.contains(QStringLiteral("libtorch")), torch);
    }

#ifdef SHARDSCOPE_HAVE_TORCH
    // The lm scorer of the CLI goes through the plugin: the built-in byte model scores each document.
    void lmScorerRunsThroughThePlugin()
    {
        const QString tsv = m_dir.filePath(QStringLiteral("lm.tsv"));
        const Run r = cli({ QStringLiteral("score"), QStringLiteral("--no-cache"), QStringLiteral("--scorers"),
            QStringLiteral("zlib6,lm"), QStringLiteral("--tsv"), tsv, m_shard });
        QVERIFY2(!r.crashed && r.code == 0, qPrintable(r.err));
        QVERIFY2(!r.err.contains(QStringLiteral("error")), qPrintable(r.err));
        const auto rows = splitLines(readFile(tsv.toStdString()));
        QCOMPARE(rows.size(), size_t(6));
        const auto header = splitTabs(rows[0]);
        const auto bpb = std::find(header.begin(), header.end(), "lm_bpb") - header.begin();
        QVERIFY(size_t(bpb) < header.size());
        for (size_t i = 1; i < rows.size(); ++i) {
            const double v = std::stod(std::string(splitTabs(rows[i]).at(size_t(bpb))));
            // The built-in model: about 2 bits per byte on English, below 8 (uniform over bytes).
            QVERIFY2(std::isfinite(v) && v > 0.5 && v < 8, rows[i].c_str());
        }
    }

    // A plugin that is not there: the lm requests fail with the path looked at; the rest runs as ever.
    void missingPluginIsAClearError()
    {
        const QString nowhere = m_dir.filePath(QStringLiteral("nowhere/libshardscope_lm.so"));
        const QStringList env { QStringLiteral("SHARDSCOPE_LM_PLUGIN=") + nowhere };
        Run r = cli({ QStringLiteral("score"), QStringLiteral("--no-cache"), QStringLiteral("--scorers"),
                        QStringLiteral("zlib6,lm"), m_shard },
            env);
        QVERIFY2(!r.crashed && r.code == 1, qPrintable(r.err));
        QVERIFY2(r.err.contains(nowhere) && r.err.contains(QStringLiteral("SHARDSCOPE_LM_PLUGIN")), qPrintable(r.err));
        r = cli({ QStringLiteral("lm-tokens"), QStringLiteral("Hello") }, env);
        QVERIFY2(!r.crashed && r.code == 1, qPrintable(r.err));
        QVERIFY2(r.err.contains(nowhere + QStringLiteral(": not found")), qPrintable(r.err));
        r = cli({ QStringLiteral("score"), QStringLiteral("--no-cache"), QStringLiteral("--scorers"),
                    QStringLiteral("zlib6"), m_shard },
            env);
        QVERIFY2(!r.crashed && r.code == 0, qPrintable(r.err));
    }

    // A file that is not a plugin: dlopen()'s reason, and the scan leaves the lm columns missing.
    void brokenPluginIsAClearError()
    {
        const QString broken = m_dir.filePath(QStringLiteral("libshardscope_lm.so"));
        writeFile(broken.toStdString(), "not a shared library\n");
        const QStringList env { QStringLiteral("SHARDSCOPE_LM_PLUGIN=") + broken };
        Run r = cli({ QStringLiteral("lm-tokens"), QStringLiteral("Hello") }, env);
        QVERIFY2(!r.crashed && r.code == 1, qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("cannot load")) && r.err.contains(broken + QStringLiteral(": ")),
            qPrintable(r.err));
        const QString tsv = m_dir.filePath(QStringLiteral("broken.tsv"));
        r = cli({ QStringLiteral("score"), QStringLiteral("--no-cache"), QStringLiteral("--scorers"),
                    QStringLiteral("zlib6,lm"), QStringLiteral("--tsv"), tsv, m_shard },
            env);
        QVERIFY2(!r.crashed, qPrintable(r.err));
        QVERIFY2(r.err.count(QStringLiteral("error: lm scorer: cannot load")) == 1, qPrintable(r.err));
        const auto rows = splitLines(readFile(tsv.toStdString()));
        QCOMPARE(rows.size(), size_t(6)); // every document, its zlib6 value and empty lm columns
    }
#endif
};

QTEST_GUILESS_MAIN(TestLmPlugin)
#include "tst_lmplugin.moc"
