// The CLI contract of issue #2: TSV header, apply's closing counts line, exit statuses
// (0 ok, 1 input error naming file and line/offset, 2 usage), --help on every command.

#include "testutil.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace testutil;

namespace {
struct Run {
    int code;
    QString out, err;
};

Run cli(const QStringList& args, const QString& cacheDir)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("SHARDSCOPE_CACHE_DIR"), cacheDir);
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(SHARDSCOPE_CLI), args);
    p.waitForFinished(120000);
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
             QString::fromUtf8(p.readAllStandardError()) };
}

QString fixture(const char* name)
{
    return QString::fromStdString(testdata::fixture(name));
}
} // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString cache() const { return m_dir.filePath(QStringLiteral("cache")); }

private Q_SLOTS:
    void scoreWritesTsv()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        // A gzip shard and a plain one.
        const QString gz = m_dir.filePath(QStringLiteral("mail.jsonl.gz"));
        writeFile(gz.toStdString(), gzipCompress(readFile(testdata::fixture("spam_ham.jsonl"))));
        const QString plain = fixture("udhr_sentences.jsonl");
        QString tsv = m_dir.filePath(QStringLiteral("s.tsv"));
        Run r = cli({ QStringLiteral("score"), QStringLiteral("--scorers"), QStringLiteral("zlib6,zstd3"),
                        QStringLiteral("--threads"), QStringLiteral("2"), QStringLiteral("--tsv"), tsv, gz, plain },
            cache());
        QCOMPARE(r.code, 0);
        std::vector<std::string> rows = splitLines(readFile(tsv.toStdString()));
        QCOMPARE(rows.front(), std::string("id\tgroup\tbytes\tzlib6\tzstd3"));
        size_t expected = splitLines(readFile(testdata::fixture("spam_ham.jsonl"))).size()
            + splitLines(readFile(testdata::fixture("udhr_sentences.jsonl"))).size();
        QCOMPARE(rows.size(), expected + 1);
        // A second run reuses the scores file.
        Run again
            = cli({ QStringLiteral("score"), QStringLiteral("--tsv"), tsv + QStringLiteral("2"), gz, plain }, cache());
        QCOMPARE(again.code, 0);
        QVERIFY2(again.err.contains(QStringLiteral("no rescoring")), qPrintable(again.err));
        QCOMPARE(readFile(tsv.toStdString() + "2"), readFile(tsv.toStdString()));
        // "-" is standard output (the summary goes to stderr), not a file named "-"
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("SHARDSCOPE_CACHE_DIR"), cache());
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(m_dir.path());
        p.start(QStringLiteral(SHARDSCOPE_CLI),
            { QStringLiteral("score"), QStringLiteral("--tsv"), QStringLiteral("-"), gz, plain });
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(p.readAllStandardOutput().toStdString(), readFile(tsv.toStdString()));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("-"))));
    }

    void exitStatuses()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QString bad = m_dir.filePath(QStringLiteral("bad.jsonl"));
        writeFile(bad.toStdString(), "{\"text\": \"ok\"}\n{\"text\": [1]}\n");
        Run r = cli({ QStringLiteral("score"), QStringLiteral("--no-cache"), bad }, cache());
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(bad + QStringLiteral(":2:")), qPrintable(r.err));

        QString cut = m_dir.filePath(QStringLiteral("cut.jsonl.zst"));
        std::string comp = zstdCompress(readFile(testdata::fixture("spam_ham.jsonl")));
        writeFile(cut.toStdString(), comp.substr(0, comp.size() - 100));
        r = cli({ QStringLiteral("score"), QStringLiteral("--no-cache"), cut }, cache());
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(cut) && r.err.contains(QStringLiteral("byte ")), qPrintable(r.err));

        QCOMPARE(cli({ QStringLiteral("score"), QStringLiteral("--scorers"), QStringLiteral("nope"), bad }, cache()).code, 2);
        QCOMPARE(cli({ QStringLiteral("frobnicate") }, cache()).code, 2);
        QCOMPARE(cli({ QStringLiteral("score"), m_dir.filePath(QStringLiteral("missing.jsonl")) }, cache()).code, 2);
        for (const char* cmd : { "score", "apply", "stats", "scorers" }) {
            Run h = cli({ QString::fromLatin1(cmd), QStringLiteral("--help") }, cache());
            QCOMPARE(h.code, 0);
            QVERIFY(h.out.contains(QStringLiteral("Usage")));
        }
    }

    void applyEndsWithCounts()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QString cfg = m_dir.filePath(QStringLiteral("f.json"));
        writeFile(cfg.toStdString(), R"({"format":"shardscope-filter","version":1,"rules":[{"scorer":"zlib6","min":0.3,"max":0.5}]})");
        QString out = m_dir.filePath(QStringLiteral("out"));
        Run r = cli({ QStringLiteral("apply"), QStringLiteral("--config"), cfg, QStringLiteral("--out"), out,
                        QStringLiteral("--dropped"), fixture("spam_ham.jsonl") },
            cache());
        QCOMPARE(r.code, 0);
        QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
        QRegularExpression re(QStringLiteral("^read=(\\d+) kept=(\\d+) dropped=(\\d+) rejected=(\\d+)$"));
        auto m = re.match(lines.last());
        QVERIFY2(m.hasMatch(), qPrintable(lines.last()));
        QCOMPARE(m.captured(1).toInt(), 80);
        QCOMPARE(m.captured(2).toInt() + m.captured(3).toInt() + m.captured(4).toInt(), 80);
        QVERIFY(m.captured(2).toInt() > 0 && m.captured(3).toInt() > 0);
    }

    void statsAndScorers()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        Run r = cli({ QStringLiteral("stats"), QStringLiteral("--json"), fixture("spam_ham.jsonl") }, cache());
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains(QStringLiteral("\"p50\"")));
        QVERIFY(r.out.contains(QStringLiteral("\"name\": \"zlib6\"")));
        Run s = cli({ QStringLiteral("scorers") }, cache());
        QCOMPARE(s.code, 0);
        QVERIFY(s.out.contains(QStringLiteral("zlib6")));
        QVERIFY(s.out.contains(QStringLiteral("zlib.compress")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
