// DocumentViewer: text read on demand off the GUI thread from real shards (plain and gzip),
// whitespace and control characters made visible, percentiles and the reasons a document is
// dropped. Issue #3 item 3. Issue 20: ids shown whole in the field table, the find bar (Ctrl+F)
// and the table search's matches highlighted in the text.

#include "testhelpers.h"

#include <columnsummary.h>
#include <documentviewer.h>

#include <QCheckBox>
#include <QFile>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMap>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QStyle>
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
            in.columns.push_back(corpus->scores(c).toVector());
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
        QVERIFY(viewer.verdictText().contains(QStringLiteral("&gt; max"))
            || viewer.verdictText().contains(QStringLiteral("> max")));
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
        while (other < corpus->size()
            && (isMissing(script[other]) || std::string(categoryLabel(labels, script[other])) == first))
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
        QVERIFY2(
            zRule.endsWith(QChar(0x2717)) && zRule.contains(QString::fromStdString(otherLabel)), qPrintable(zRule));
        QVERIFY2(
            sRule.contains(QStringLiteral("in {") + QString::fromStdString(first)) && sRule.endsWith(QChar(0x2717)),
            qPrintable(sRule));
        QVERIFY2(viewer.verdictText().contains(QStringLiteral("2 rule")), qPrintable(viewer.verdictText()));

        viewer.showDocument(0); // the first script: base bounds of the zlib6 rule, and in the set
        QVERIFY2(viewer.scoreTable()->item(zc, 3)->text().endsWith(QChar(0x2713)),
            qPrintable(viewer.scoreTable()->item(zc, 3)->text()));
        QVERIFY(viewer.scoreTable()->item(sc, 3)->text().endsWith(QChar(0x2713)));
        QVERIFY(viewer.verdictText().contains(QStringLiteral("Kept")));
    }

    // Issue 20, bug 7: the field table elided ids that fit ("spam-assassin:easy-h…"): the value
    // column stretched to what was left and no further. Ids of the demo corpus's shape, in a viewer
    // of the bottom dock's size; each value must be shown whole (its column at least as wide as the
    // text), and carry its full text as a tooltip.
    // Issue 21, part 5: a Common Crawl WET document shows its url and date among the metadata, read from the
    // record with the text.
    void wetDocumentsShowUrlAndDate()
    {
        REQUIRE_SHARED("fixtures/cc_net_sample.wet.txt");
        auto corpus = testhelpers::scanCorpus({ testdata::shared("fixtures/cc_net_sample.wet.txt") });
        QVERIFY(corpus->size() >= 2);
        auto source = std::make_shared<DocumentSource>(corpus->shards, std::string(), corpus->fields);
        DocumentViewer viewer;
        viewer.resize(900, 500);
        viewer.show();
        viewer.setCorpus(corpus, source);
        QSignalSpy loaded(&viewer, &DocumentViewer::documentLoaded);
        viewer.showDocument(0);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
        auto* meta = viewer.findChild<QTableWidget*>(QStringLiteral("metadata"));
        QVERIFY(meta);
        QMap<QString, QString> rows;
        for (int r = 0; r < meta->rowCount(); ++r)
            rows[meta->item(r, 0)->text()] = meta->item(r, 1)->text();
        QCOMPARE(rows.value(QStringLiteral("URL")), QStringLiteral("http://sample_english.com"));
        QCOMPARE(rows.value(QStringLiteral("Date")), QStringLiteral("2019-03-18T00:00:00Z"));
        // A JSON Lines record without them shows none.
        REQUIRE_FIXTURE("spam_ham.jsonl");
        auto plain = testhelpers::scanCorpus({ testhelpers::fixture("spam_ham.jsonl").toStdString() });
        viewer.setCorpus(plain, std::make_shared<DocumentSource>(plain->shards, std::string(), plain->fields));
        viewer.showDocument(1);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, 10000);
        for (int r = 0; r < meta->rowCount(); ++r)
            QVERIFY(meta->item(r, 0)->text() != QStringLiteral("URL"));
    }

    void metadataShowsIdsWhole()
    {
        auto corpus = std::make_shared<CorpusData>();
        corpus->setColumns({ ColumnInfo { "zlib6", "ratio", {} } });
        corpus->setGroupNames({ "", "email/spam-assassin" });
        const std::vector<float> score { 0.5f };
        corpus->appendSynthetic("spam-assassin:easy-ham-2/00439", 1, 2000, score);
        corpus->appendSynthetic("nlp-corpus:doc-83/593-a-rather-longer-identifier-of-a-document", 1, 500, score);
        DocumentViewer viewer;
        viewer.resize(1400, 290);
        viewer.show();
        QVERIFY(QTest::qWaitForWindowExposed(&viewer));
        viewer.setCorpus(corpus, nullptr);
        auto* meta = viewer.findChild<QTableWidget*>(QStringLiteral("metadata"));
        QVERIFY(meta);
        for (uint32_t doc : { 0u, 1u }) {
            viewer.showDocument(doc);
            const QString id = QString::fromStdString(corpus->idOf(doc));
            QCOMPARE(meta->item(0, 1)->text(), id);
            const int needed = meta->fontMetrics().horizontalAdvance(id)
                + 2 * meta->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, meta) + 2;
            QVERIFY2(meta->columnWidth(1) >= needed,
                qPrintable(
                    QStringLiteral("value column %1 px, the id needs %2 px").arg(meta->columnWidth(1)).arg(needed)));
            QCOMPARE(meta->item(0, 1)->toolTip(), id);
        }
        // Short values still fill the table: no empty strip on the right.
        viewer.showDocument(0);
        QVERIFY(meta->columnWidth(0) + meta->columnWidth(1) >= meta->viewport()->width());
    }

    // Issue 20: Ctrl+F on the viewer opens a find bar; typing counts the matches in the text (a
    // real e-mail), Enter and Shift+Enter step through them, Escape closes the bar.
    void ctrlFFindsMatches()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        const QString path = testhelpers::fixture("spam_ham.jsonl");
        auto corpus = testhelpers::scanCorpus({ path.toStdString() });
        DocumentViewer viewer;
        viewer.resize(1000, 500);
        viewer.show();
        viewer.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&viewer));
        viewer.setCorpus(corpus, std::make_shared<DocumentSource>(corpus->shards, std::string(), corpus->fields));
        QSignalSpy loaded(&viewer, &DocumentViewer::documentLoaded);
        viewer.showDocument(0);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
        const QString text = textOfLine(path, int(corpus->line(0)));
        const QString word = QStringLiteral("localhost");
        const int expected = int(text.count(word, Qt::CaseInsensitive));
        QVERIFY2(expected >= 3, "the first e-mail names localhost several times");

        auto* edit = viewer.findChild<QPlainTextEdit*>(QStringLiteral("documentText"));
        auto* find = viewer.findChild<QLineEdit*>(QStringLiteral("findText"));
        QVERIFY(edit && find);
        QVERIFY(!viewer.findOpen());
        edit->setFocus();
        QTest::keyClick(edit, Qt::Key_F, Qt::ControlModifier);
        QVERIFY(viewer.findOpen());
        QVERIFY(find->hasFocus());
        QTest::keyClicks(find, word);
        QCOMPARE(viewer.findMatchCount(), expected);
        QCOMPARE(viewer.findStatusText(), QStringLiteral("1 of %1").arg(expected));
        QCOMPARE(edit->extraSelections().size(), expected);
        // The current match is where the caret went.
        const int first = edit->textCursor().position();
        QCOMPARE(edit->toPlainText().mid(first, word.size()).toLower(), word);
        QTest::keyClick(find, Qt::Key_Return);
        QCOMPARE(viewer.findCurrent(), 1);
        QCOMPARE(viewer.findStatusText(), QStringLiteral("2 of %1").arg(expected));
        QVERIFY(edit->textCursor().position() > first);
        QTest::keyClick(find, Qt::Key_Return, Qt::ShiftModifier);
        QTest::keyClick(find, Qt::Key_Return, Qt::ShiftModifier);
        QCOMPARE(viewer.findCurrent(), expected - 1); // wraps around
        // Match case: the word never appears capitalised as "LOCALHOST".
        viewer.findChild<QCheckBox*>(QStringLiteral("findCase"))->setChecked(true);
        find->setText(word.toUpper());
        QCOMPARE(viewer.findMatchCount(), 0);
        QCOMPARE(viewer.findStatusText(), QStringLiteral("No matches"));
        QTest::keyClick(find, Qt::Key_Escape);
        QVERIFY(!viewer.findOpen());
        QVERIFY(edit->extraSelections().isEmpty());
    }

    // Issue 20: the table's text search is highlighted in the document that is opened, and Ctrl+F
    // starts from it.
    void highlightsTheTableSearch()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        const QString path = testhelpers::fixture("spam_ham.jsonl");
        auto corpus = testhelpers::scanCorpus({ path.toStdString() });
        DocumentViewer viewer;
        viewer.resize(1000, 500);
        viewer.show();
        viewer.setCorpus(corpus, std::make_shared<DocumentSource>(corpus->shards, std::string(), corpus->fields));
        viewer.setHighlightTerm(QStringLiteral("received"), false);
        QSignalSpy loaded(&viewer, &DocumentViewer::documentLoaded);
        viewer.showDocument(0);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
        const QString text = textOfLine(path, int(corpus->line(0)));
        const int expected = int(text.count(QStringLiteral("received"), Qt::CaseInsensitive));
        QVERIFY(expected >= 2);
        QCOMPARE(viewer.highlightCount(), expected);
        auto* edit = viewer.findChild<QPlainTextEdit*>(QStringLiteral("documentText"));
        QCOMPARE(edit->extraSelections().size(), expected);
        for (const auto& sel : edit->extraSelections())
            QCOMPARE(sel.cursor.selectedText().toLower(), QStringLiteral("received"));
        viewer.openFind();
        QCOMPARE(viewer.findChild<QLineEdit*>(QStringLiteral("findText"))->text(), QStringLiteral("received"));
        QCOMPARE(viewer.findMatchCount(), expected);
        viewer.closeFind();
        viewer.setHighlightTerm({}, false);
        QCOMPARE(viewer.highlightCount(), 0);
        QVERIFY(edit->extraSelections().isEmpty());
    }

    // Issue 20, bug 7: a document a filter removed from the table is let go, with a note.
    void filteredOutClearsTheDocument()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        const QString path = testhelpers::fixture("spam_ham.jsonl");
        auto corpus = testhelpers::scanCorpus({ path.toStdString() });
        DocumentViewer viewer;
        viewer.setCorpus(corpus, std::make_shared<DocumentSource>(corpus->shards, std::string(), corpus->fields));
        QSignalSpy loaded(&viewer, &DocumentViewer::documentLoaded);
        viewer.showDocument(3);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
        viewer.showFilteredOut();
        QVERIFY(!viewer.document());
        QVERIFY(viewer.displayedText().isEmpty());
        QVERIFY2(
            viewer.verdictText().contains(QString::fromStdString(corpus->idOf(3))), qPrintable(viewer.verdictText()));
        QVERIFY(viewer.verdictText().contains(QStringLiteral("not in the table")));
    }
};

QTEST_MAIN(TestDocumentViewer)
#include "tst_documentviewer.moc"
