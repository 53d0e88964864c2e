// Labels (issue 23): the TSV exchange format (round trip, escapes, every malformed line an error naming the
// file and line), matching labels to a corpus's documents (unknown ids reported), and the CLI's labels
// export|import on the SpamAssassin fixture.

#include "bytesource.h"
#include "labels.h"
#include "scan.h"
#include "testutil.h"

#include "clirun.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

using namespace shardscope;

using testutil::cli;
using testutil::Run;

namespace {

const char* kSpam = "fixtures/spamassassin_40spam_40ham.jsonl";

// The fixture's own labels (spam = bad, ham = good), read from the file.
LabelSet fixtureLabels(const std::string& path)
{
    LabelSet set;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const size_t idAt = line.find("\"id\": \"") + 7;
        const std::string id = line.substr(idAt, line.find('"', idAt) - idAt);
        set.set(id, line.find("\"label\": \"spam\"") != std::string::npos ? Label::Bad : Label::Good);
    }
    return set;
}

} // namespace

class TestLabels : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void roundTrip()
    {
        LabelSet set;
        set.set("doc-1", Label::Good);
        set.set("spam-2/00658.2324b", Label::Bad);
        set.set("with\ttab and\nnewline\rand \\ backslash", Label::Good);
        set.set("café 中文", Label::Bad);
        set.set("doc-1", Label::Bad); // changed in place
        const std::string tsv = set.toTsv();
        QVERIFY(tsv.starts_with("id\tlabel\n"));
        QVERIFY(tsv.find("doc-1\tbad\n") != std::string::npos);
        QVERIFY(tsv.find("with\\ttab and\\nnewline\\rand \\\\ backslash\tgood\n") != std::string::npos);
        const LabelSet back = LabelSet::parse(tsv, "t.tsv");
        QCOMPARE(back.size(), size_t(4));
        for (size_t i = 0; i < set.size(); ++i) {
            QCOMPARE(back.entries()[i].id, set.entries()[i].id);
            QCOMPARE(back.entries()[i].label, set.entries()[i].label);
            QCOMPARE(back.entries()[i].line, uint64_t(i + 2));
        }
        QCOMPARE(back.count(Label::Good), size_t(1));
        QCOMPARE(back.toTsv(), tsv);

        const std::string path = m_dir.filePath(QStringLiteral("labels.tsv")).toStdString();
        back.save(path);
        QCOMPARE(LabelSet::load(path).toTsv(), tsv);
        QVERIFY(LabelSet::loadIfExists(m_dir.filePath(QStringLiteral("none.tsv")).toStdString()).empty());
        QVERIFY_THROWS_EXCEPTION(InputError, LabelSet::load(m_dir.filePath(QStringLiteral("none.tsv")).toStdString()));
    }

    void tolerated()
    {
        // A spreadsheet's byte order mark and CRLF, blank lines, a repeated label that agrees.
        const LabelSet s = LabelSet::parse("\xEF\xBB\xBFid\tlabel\r\na\tgood\r\n\r\nb\tbad\na\tgood\n", "s.tsv");
        QCOMPARE(s.size(), size_t(2));
        QCOMPARE(*s.get("a"), Label::Good);
        QCOMPARE(*s.get("b"), Label::Bad);
        QVERIFY(LabelSet::parse("id\tlabel\n", "h.tsv").empty());
        QVERIFY(LabelSet::parse("", "empty.tsv").empty()); // issue 23: an empty file gives the first selection
    }

    void malformed_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("what");
        QTest::newRow("no header") << QByteArray("a\tgood\n") << 1 << QStringLiteral("header");
        QTest::newRow("one field") << QByteArray("id\tlabel\na\tgood\njustanid\n") << 3 << QStringLiteral("two fields");
        QTest::newRow("three fields") << QByteArray("id\tlabel\na\tgood\tx\n") << 2
                                      << QStringLiteral("more than two fields");
        QTest::newRow("unknown label") << QByteArray("id\tlabel\na\tmaybe\n") << 2
                                       << QStringLiteral("label 'maybe' (expected 'good' or 'bad')");
        QTest::newRow("upper case") << QByteArray("id\tlabel\na\tGood\n") << 2 << QStringLiteral("expected 'good'");
        QTest::newRow("empty id") << QByteArray("id\tlabel\n\tgood\n") << 2 << QStringLiteral("empty id");
        QTest::newRow("bad escape") << QByteArray("id\tlabel\na\\x\tgood\n") << 2 << QStringLiteral("escapes");
        QTest::newRow("trailing backslash") << QByteArray("id\tlabel\na\\\tgood\n") << 2 << QStringLiteral("escapes");
        QTest::newRow("conflict") << QByteArray("id\tlabel\na\tgood\nb\tbad\na\tbad\n") << 4
                                  << QStringLiteral("on line 2");
    }

    void malformed()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, line);
        QFETCH(QString, what);
        try {
            LabelSet::parse(text.toStdString(), "bad.tsv");
            QFAIL("no error");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), std::string("bad.tsv"));
            QCOMPARE(e.line(), uint64_t(line));
            QVERIFY2(QString::fromStdString(e.what()).contains(what), e.what());
            QVERIFY2(QString::fromStdString(e.what()).startsWith(QStringLiteral("bad.tsv:%1:").arg(line)), e.what());
        }
    }

    void matchesTheCorpus()
    {
        REQUIRE_SHARED(kSpam);
        const std::string path = testdata::shared(kSpam);
        ScanOptions o;
        o.shards = { path };
        o.fields = detectFields(path, FieldMapping {}, false);
        Scan scan(o);
        const ScanResult r = scan.run();
        QCOMPARE(r.index.size(), size_t(80));
        LabelSet labels = fixtureLabels(path);
        QCOMPARE(labels.size(), size_t(80));
        labels.set("not-a-document", Label::Good, 0);
        const LabelMatch m = matchLabels(labels, r.index);
        QCOMPARE(m.rows.size(), size_t(80));
        QCOMPARE(m.unknown.size(), size_t(1));
        QCOMPARE(m.unknown.front()->id, std::string("not-a-document"));
        QCOMPARE(size_t(std::count(m.good.begin(), m.good.end(), uint8_t(1))), size_t(40));
        QCOMPARE(size_t(std::count(m.labelledMask.begin(), m.labelledMask.end(), uint8_t(1))), size_t(80));
        for (size_t i = 0; i < m.rows.size(); ++i)
            QCOMPARE(m.good[i] == 1, *labels.get(r.index.idOf(m.rows[i])) == Label::Good);
        QVERIFY(describeUnknown(m, "x.tsv").find("x.tsv: label for id 'not-a-document' matches no document")
            != std::string::npos);
    }

    // labels import checks the ids against the corpus; export gives back what was imported.
    void cliImportExport()
    {
        REQUIRE_SHARED(kSpam);
        const QString shard = QString::fromStdString(testdata::shared(kSpam));
        const QString cache = m_dir.filePath(QStringLiteral("cache"));
        const LabelSet labels = fixtureLabels(shard.toStdString());
        LabelSet some;
        for (size_t i = 0; i < 10; ++i)
            some.set(labels.entries()[i * 8].id, labels.entries()[i * 8].label);
        const QString in = m_dir.filePath(QStringLiteral("some.tsv"));
        some.save(in.toStdString());

        Run r
            = cli({ QStringLiteral("labels"), QStringLiteral("import"), QStringLiteral("--labels"), in, shard }, cache);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        r = cli({ QStringLiteral("labels"), QStringLiteral("export"), QStringLiteral("-q"), shard }, cache);
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.toStdString(), some.toTsv());

        // An id of no document: exit 1, the file and line named, nothing imported.
        LabelSet wrong = some;
        wrong.set("spam-9/nothing", Label::Bad);
        const QString wrongPath = m_dir.filePath(QStringLiteral("wrong.tsv"));
        wrong.save(wrongPath.toStdString());
        r = cli({ QStringLiteral("labels"), QStringLiteral("import"), QStringLiteral("-l"), wrongPath,
                    QStringLiteral("--replace"), shard },
            cache);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(wrongPath + QStringLiteral(":12:")), qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("spam-9/nothing")), qPrintable(r.err));
        r = cli({ QStringLiteral("labels"), QStringLiteral("export"), QStringLiteral("-q"), shard }, cache);
        QCOMPARE(r.out.toStdString(), some.toTsv());
        // --skip-unknown imports the rest and still names the unknown one.
        r = cli({ QStringLiteral("labels"), QStringLiteral("import"), QStringLiteral("-l"), wrongPath,
                    QStringLiteral("--skip-unknown"), shard },
            cache);
        QCOMPARE(r.code, 0);
        QVERIFY2(r.err.contains(QStringLiteral("spam-9/nothing")), qPrintable(r.err));

        // A malformed file: exit 1 with file and line, no crash.
        const QString broken = m_dir.filePath(QStringLiteral("broken.tsv"));
        testutil::writeFile(broken.toStdString(), "id\tlabel\nx\tgood\ny,bad\n");
        r = cli({ QStringLiteral("labels"), QStringLiteral("import"), QStringLiteral("-l"), broken, shard }, cache);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(broken + QStringLiteral(":3:")), qPrintable(r.err));
    }
};

QTEST_APPLESS_MAIN(TestLabels)
#include "tst_labels.moc"
