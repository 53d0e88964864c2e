// The document table page (issue 19) on a real scored corpus (the 80 e-mails, two groups by
// their label): rows and the rows label, the group filter, the id filter typed by a user, the
// filter views from a keep mask, a text search started with Enter, selection reported as a
// document and kept across a re-sort.

#include "testhelpers.h"

#include <documenttablemodel.h>
#include <documenttablepage.h>

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace shardscope;

class TestDocumentTablePage : public QObject {
    Q_OBJECT

    std::shared_ptr<CorpusData> m_corpus;

private Q_SLOTS:
    void initTestCase()
    {
        testhelpers::isolate();
        REQUIRE_FIXTURE("spam_ham.jsonl");
        m_corpus = testhelpers::scanCorpus({ testhelpers::fixture("spam_ham.jsonl").toStdString() }, "zlib6");
        QVERIFY(m_corpus->size() >= 80);
    }

    void rowsGroupsAndIds()
    {
        DocumentTablePage page;
        page.resize(1000, 600);
        page.show();
        page.setCorpus(m_corpus);
        QCOMPARE(size_t(page.model()->rowCount()), m_corpus->size());
        auto* groups = page.findChild<QComboBox*>(QStringLiteral("groupFilter"));
        QCOMPARE(size_t(groups->count()), m_corpus->groupNames().size()); // "All groups" and each group but 0
        QVERIFY(groups->count() >= 2);
        // Choosing a group shows its documents only.
        groups->setCurrentIndex(1);
        const int group = groups->itemData(1).toInt();
        size_t inGroup = 0;
        for (uint32_t g : m_corpus->groups())
            inGroup += g == uint32_t(group);
        QTRY_COMPARE(size_t(page.model()->rowCount()), inGroup);
        groups->setCurrentIndex(0);
        QTRY_COMPARE(size_t(page.model()->rowCount()), m_corpus->size());
        // An id typed into the filter.
        const QString id = QString::fromStdString(m_corpus->idOf(17));
        auto* ids = page.findChild<QLineEdit*>(QStringLiteral("idFilter"));
        QTest::keyClicks(ids, id);
        QTRY_VERIFY(page.model()->rowCount() >= 1 && page.model()->rowCount() < int(m_corpus->size()));
        bool found = false;
        for (int r = 0; r < page.model()->rowCount(); ++r)
            found |= page.model()->docAt(r) == 17;
        QVERIFY(found);
        // The rows label counts what the filter leaves.
        const QString rows = QStringLiteral("%1 of %2 rows").arg(page.model()->rowCount()).arg(m_corpus->size());
        auto hasRowsLabel = [&]() {
            for (auto* l : page.findChildren<QLabel*>())
                if (l->text() == rows)
                    return true;
            return false;
        };
        QTRY_VERIFY(hasRowsLabel());
        // Another corpus (none) clears the filters.
        page.setCorpus(nullptr);
        QVERIFY(ids->text().isEmpty());
        QCOMPARE(groups->count(), 1);
        QCOMPARE(page.model()->rowCount(), 0);
    }

    void viewsFromTheKeepMask()
    {
        DocumentTablePage page;
        page.setCorpus(m_corpus);
        std::vector<uint8_t> keep(m_corpus->size());
        size_t kept = 0;
        for (size_t i = 0; i < keep.size(); ++i)
            kept += keep[i] = uint8_t(i % 3 != 0);
        page.setKeepMask(&keep);
        page.showView(ThresholdPanel::View::Dropped, 10, keep, {});
        QTRY_COMPARE(size_t(page.model()->rowCount()), m_corpus->size() - kept);
        for (int r = 0; r < page.model()->rowCount(); ++r)
            QCOMPARE(page.model()->docAt(r) % 3, 0u);
        page.showView(ThresholdPanel::View::Kept, 10, keep, {});
        QTRY_COMPARE(size_t(page.model()->rowCount()), kept);
        page.showView(ThresholdPanel::View::RandomDropped, 5, keep, {});
        QTRY_COMPARE(page.model()->rowCount(), 5);
        page.showView(ThresholdPanel::View::All, 10, keep, {});
        QTRY_COMPARE(size_t(page.model()->rowCount()), m_corpus->size());
    }

    void selectionSearchAndReselect()
    {
        DocumentTablePage page;
        page.resize(1000, 600);
        page.show();
        page.setCorpus(m_corpus);
        QSignalSpy selected(&page, &DocumentTablePage::documentSelected);
        page.table()->setCurrentIndex(page.model()->index(5, DocumentTableModel::IdColumn));
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.first().first().toUInt(), page.model()->docAt(5));
        const uint32_t doc = page.model()->docAt(5);
        // Sorted by bytes, descending: the document stays selected wherever it went.
        QSignalSpy recomputed(page.model(), &DocumentTableModel::rowsRecomputed);
        page.table()->sortByColumn(DocumentTableModel::BytesColumn, Qt::DescendingOrder);
        QVERIFY(testhelpers::signalled(recomputed, 10000));
        page.reselect(doc);
        QCOMPARE(page.model()->docAt(page.table()->currentIndex().row()), doc);

        // Text search with Enter: a word of a real e-mail.
        QSignalSpy status(&page, &DocumentTablePage::statusMessage);
        auto* search = page.findChild<QLineEdit*>(QStringLiteral("textSearch"));
        QTest::keyClicks(search, QStringLiteral("Subject"));
        QTest::keyClick(search, Qt::Key_Return);
        QVERIFY(testhelpers::signalled(status, 30000));
        QVERIFY2(status.first().first().toString().contains(QStringLiteral("documents contain \"Subject\"")),
            qPrintable(status.first().first().toString()));
        QTRY_VERIFY(page.model()->rowCount() > 0);
    }
};

QTEST_MAIN(TestDocumentTablePage)
#include "tst_documenttablepage.moc"
