// DocumentViewer: text read on demand off the GUI thread from real shards (plain and gzip),
// whitespace and control characters made visible, percentiles and the reasons a document is
// dropped. Issue #3 item 3.

#include "testhelpers.h"

#include <columnsummary.h>
#include <documentviewer.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>

using namespace shardscope;

class TestDocumentViewer : public QObject {
    Q_OBJECT

    static QString textOfLine(const QString& path, int line)
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        for (int i = 1; !f.atEnd(); ++i) {
            const QByteArray l = f.readLine();
            if (i == line)
                return QJsonDocument::fromJson(l).object().value(QStringLiteral("text")).toString();
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void markWhitespace_data()
    {
        QTest::addColumn<QString>("in");
        QTest::addColumn<QString>("out");
        QTest::newRow("space and tab") << QStringLiteral("a b\tc") << QStringLiteral("a·b→\tc");
        QTest::newRow("newline and CR") << QStringLiteral("a\r\nb") << QStringLiteral("a␍¶\nb");
        QTest::newRow("C0 control") << QString(QChar(0x07)) << QString(QChar(0x2407));
        QTest::newRow("line separator breaks the line") << QString(QChar(0x2028)) << QStringLiteral("⟨U+2028⟩\n");
        QTest::newRow("zero width space") << QString(QChar(0x200B)) << QStringLiteral("⟨U+200B⟩");
        QTest::newRow("no-break space") << QString(QChar(0xA0)) << QStringLiteral("⍽");
        QTest::newRow("plain text unchanged") << QStringLiteral("Grüße") << QStringLiteral("Grüße");
    }

    void markWhitespace()
    {
        QFETCH(QString, in);
        QFETCH(QString, out);
        QCOMPARE(DocumentViewer::markWhitespace(in), out);
    }

    void readsTextOnDemand_data()
    {
        QTest::addColumn<bool>("gzip");
        QTest::newRow("plain jsonl") << false;
        QTest::newRow("gzip") << true;
    }

    void readsTextOnDemand()
    {
        QFETCH(bool, gzip);
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QTemporaryDir tmp;
        const QString plain = testhelpers::fixture("spam_ham.jsonl");
        const QString path = gzip ? testhelpers::gzipFixture(tmp, "spam_ham.jsonl") : plain;
        QVERIFY(!path.isEmpty());
        auto corpus = testhelpers::scanCorpus({ path.toStdString() });
        QVERIFY(corpus->size() >= 5);
        auto source = std::make_shared<DocumentSource>(corpus->shards, std::string(), corpus->fields);
        DocumentViewer viewer;
        viewer.resize(900, 500);
        viewer.show();
        viewer.setCorpus(corpus, source);
        QSignalSpy loaded(&viewer, &DocumentViewer::documentLoaded);
        viewer.showDocument(4);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
        QCOMPARE(loaded.at(0).at(0).toUInt(), 4u);
        const QString expected = textOfLine(plain, int(corpus->line(4)));
        QVERIFY(!expected.isEmpty());
        QCOMPARE(viewer.displayedText(), expected);

        viewer.setShowWhitespace(true);
        QVERIFY(viewer.displayedText().contains(QChar(0xB7)));
        QCOMPARE(viewer.displayedText().count(QChar(0xB6)), expected.count(QLatin1Char('\n')));
        viewer.setShowWhitespace(false);
        QCOMPARE(viewer.displayedText(), expected);

        // A quick second selection supersedes the first: only the last one is shown.
        loaded.clear();
        viewer.showDocument(1);
        viewer.showDocument(2);
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() >= 1, 10000);
        QTest::qWait(50);
        QCOMPARE(loaded.last().at(0).toUInt(), 2u);
        QCOMPARE(viewer.displayedText(), textOfLine(plain, int(corpus->line(2))));
    }

    void scoresPercentilesAndReasons()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        const QString path = testhelpers::fixture("spam_ham.jsonl");
        auto corpus = testhelpers::scanCorpus({ path.toStdString() });
        DocumentViewer viewer;
        viewer.setCorpus(corpus, std::make_shared<DocumentSource>(corpus->shards, std::string(), corpus->fields));
        SummaryInput in;
        for (size_t c = 0; c < corpus->columnCount(); ++c) {
            in.names.push_back(corpus->columns()[c].name);
            in.columns.push_back(corpus->scores(c));
        }
        in.groups = corpus->groups();
        in.groupCount = corpus->groupNames().size();
        viewer.setSummary(std::make_shared<const CorpusSummary>(summarize(in)));
        // The document with the highest zlib6 is at the 100th percentile and dropped by max.
        const auto& z = corpus->scores(0);
        const uint32_t top = uint32_t(std::max_element(z.begin(), z.end()) - z.begin());
        FilterRule rule;
        rule.column = "zlib6";
        rule.bounds.max = double(z[top]) - 1e-4;
        viewer.setRules({ rule });
        viewer.showDocument(top);
        QCOMPARE(viewer.scoreTable()->item(0, 0)->text(), QStringLiteral("zlib6"));
        QCOMPARE(viewer.scoreTable()->item(0, 2)->text(), QStringLiteral("100.00%"));
        QVERIFY(viewer.verdictText().contains(QStringLiteral("Dropped")));
        QVERIFY(viewer.verdictText().contains(QStringLiteral("&gt; max")) || viewer.verdictText().contains(QStringLiteral("> max")));
        viewer.setRules({});
        QVERIFY(viewer.verdictText().contains(QStringLiteral("Kept")));
    }

    // Issue 5 item 5: the score table's rule column judges a rule as the filter does, with the
    // override for the document's label in a categorical `by` column and with "in" sets (it used
    // to apply the group's bounds and ignore "in"). Real multilingual sentences, the categorical
    // column text_dominant_script standing in for langid's lang.
    void ruleColumnUsesLabelOverridesAndInSets()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        const QString path = testhelpers::fixture("udhr_sentences.jsonl");
        auto corpus = testhelpers::scanCorpus({ path.toStdString() }, "zlib6,text_hygiene");
        const int zc = corpus->columnIndex("zlib6"), sc = corpus->columnIndex("text_dominant_script");
        QVERIFY(zc >= 0 && sc >= 0);
        const auto& labels = corpus->columns()[size_t(sc)].categories;
        const auto& script = corpus->scores(size_t(sc));
        const std::string first = std::string(categoryLabel(labels, script[0]));
        uint32_t other = 0;
        while (other < corpus->size() && (isMissing(script[other]) || std::string(categoryLabel(labels, script[other])) == first))
            ++other;
        QVERIFY2(other < corpus->size(), "the fixture has more than one script");
        const std::string otherLabel(categoryLabel(labels, script[other]));

        FilterRule byScript; // passes everything, except the other script's override fails this document
        byScript.column = "zlib6";
        byScript.by = "text_dominant_script";
        byScript.bounds.max = 1e9;
        byScript.overrides[otherLabel].max = double(corpus->scores(size_t(zc))[other]) - 1e-4;
        FilterRule inRule;
        inRule.column = "text_dominant_script";
        inRule.bounds.in = std::vector<std::string> { first };

        DocumentViewer viewer;
        viewer.setCorpus(corpus, std::make_shared<DocumentSource>(corpus->shards, std::string(), corpus->fields));
        viewer.setRules({ byScript, inRule });
        viewer.showDocument(other);
        const QString zRule = viewer.scoreTable()->item(zc, 3)->text();
        const QString sRule = viewer.scoreTable()->item(sc, 3)->text();
        QVERIFY2(zRule.endsWith(QChar(0x2717)) && zRule.contains(QString::fromStdString(otherLabel)), qPrintable(zRule));
        QVERIFY2(sRule.contains(QStringLiteral("in {") + QString::fromStdString(first)) && sRule.endsWith(QChar(0x2717)),
                 qPrintable(sRule));
        QVERIFY2(viewer.verdictText().contains(QStringLiteral("2 rule")), qPrintable(viewer.verdictText()));

        viewer.showDocument(0); // the first script: base bounds of the zlib6 rule, and in the set
        QVERIFY2(viewer.scoreTable()->item(zc, 3)->text().endsWith(QChar(0x2713)), qPrintable(viewer.scoreTable()->item(zc, 3)->text()));
        QVERIFY(viewer.scoreTable()->item(sc, 3)->text().endsWith(QChar(0x2713)));
        QVERIFY(viewer.verdictText().contains(QStringLiteral("Kept")));
    }
};

QTEST_MAIN(TestDocumentViewer)
#include "tst_documentviewer.moc"
