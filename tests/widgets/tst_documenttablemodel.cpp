// DocumentTableModel: sorting inside the model (header click, keyboard, off-thread for big
// tables), filters by group, id and row set, background text search; QAbstractItemModelTester
// throughout. Issue #3 item 2.

#include "testhelpers.h"

#include <documenttablemodel.h>

#include <QAbstractItemModelTester>
#include <QHeaderView>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <cmath>

using namespace shardscope;

class TestDocumentTableModel : public QObject {
    Q_OBJECT

private:
    static std::vector<double> columnValues(const DocumentTableModel& m, int column)
    {
        std::vector<double> out;
        for (int r = 0; r < m.rowCount(); ++r)
            out.push_back(m.data(m.index(r, column), DocumentTableModel::SortRole).toDouble());
        return out;
    }
    // Non-missing values ascending (or descending), then every missing value.
    static bool sortedWithMissingLast(const std::vector<double>& v, bool ascending)
    {
        bool seenMissing = false;
        for (size_t i = 0; i < v.size(); ++i) {
            if (std::isnan(v[i])) {
                seenMissing = true;
                continue;
            }
            if (seenMissing)
                return false;
            if (i > 0 && !std::isnan(v[i - 1]) && (ascending ? v[i - 1] > v[i] : v[i - 1] < v[i]))
                return false;
        }
        return true;
    }

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void modelTesterOnEveryOperation()
    {
        auto corpus = testhelpers::syntheticCorpus(2000);
        DocumentTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCorpus(corpus);
        QCOMPARE(model.rowCount(), 2000);
        QCOMPARE(model.columnCount(), int(DocumentTableModel::FirstScoreColumn) + 2);
        model.sort(DocumentTableModel::FirstScoreColumn, Qt::DescendingOrder);
        model.setGroupFilter(2);
        model.setIdFilter(QStringLiteral("doc-1"));
        model.setRowSet(std::vector<uint32_t> { 1, 10, 100, 1000, 1500 });
        model.setRowSet(std::nullopt);
        model.setIdFilter({});
        model.setGroupFilter(-1);
        QCOMPARE(model.rowCount(), 2000);
        // Appending while a scan runs inserts rows at the end.
        auto growing = std::make_shared<CorpusData>();
        growing->setColumns(corpus->columns());
        growing->setGroupNames(corpus->groupNames());
        model.setCorpus(growing);
        QCOMPARE(model.rowCount(), 0);
        for (int i = 0; i < 10; ++i)
            growing->appendSynthetic("x", 1, 10, { 0.5f, 0.25f });
        model.documentsAppended();
        QCOMPARE(model.rowCount(), 10);
        model.setCorpus(nullptr);
        QCOMPARE(model.rowCount(), 0);
    }

    void sortByScoreKeepsMissingLast_data()
    {
        QTest::addColumn<int>("order");
        QTest::newRow("ascending") << int(Qt::AscendingOrder);
        QTest::newRow("descending") << int(Qt::DescendingOrder);
    }

    void sortByScoreKeepsMissingLast()
    {
        QFETCH(int, order);
        auto corpus = testhelpers::syntheticCorpus(5000);
        DocumentTableModel model;
        model.setCorpus(corpus);
        model.sort(DocumentTableModel::FirstScoreColumn + 1, Qt::SortOrder(order));
        const auto v = columnValues(model, DocumentTableModel::FirstScoreColumn + 1);
        QCOMPARE(v.size(), size_t(5000));
        QVERIFY(sortedWithMissingLast(v, order == Qt::AscendingOrder));
        QVERIFY(std::isnan(v.back()));
        // A permutation: every document exactly once.
        std::vector<uint32_t> rows = model.rows();
        std::sort(rows.begin(), rows.end());
        for (uint32_t i = 0; i < rows.size(); ++i)
            QCOMPARE(rows[i], i);
    }

    void sortByHeaderClickAndKeyboard()
    {
        auto corpus = testhelpers::syntheticCorpus(3000);
        DocumentTableModel model;
        model.setCorpus(corpus);
        QTableView view;
        view.setModel(&model);
        view.setSortingEnabled(true);
        view.horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
        view.resize(800, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        // Click the "Bytes" header: the view calls sort() on the model.
        auto* header = view.horizontalHeader();
        const int x = header->sectionViewportPosition(DocumentTableModel::BytesColumn)
            + header->sectionSize(DocumentTableModel::BytesColumn) / 2;
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
        QCOMPARE(model.sortColumn(), int(DocumentTableModel::BytesColumn));
        auto bytes = columnValues(model, DocumentTableModel::BytesColumn);
        QVERIFY(std::is_sorted(bytes.begin(), bytes.end()) || std::is_sorted(bytes.rbegin(), bytes.rend()));
        const bool firstAscending = std::is_sorted(bytes.begin(), bytes.end());
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
        bytes = columnValues(model, DocumentTableModel::BytesColumn);
        QVERIFY(
            firstAscending ? std::is_sorted(bytes.rbegin(), bytes.rend()) : std::is_sorted(bytes.begin(), bytes.end()));

        // Keyboard: navigate to the first row with the arrow keys and the current index moves.
        view.setFocus();
        view.setCurrentIndex(model.index(0, DocumentTableModel::IdColumn));
        QTest::keyClick(&view, Qt::Key_Down);
        QTest::keyClick(&view, Qt::Key_Down);
        QCOMPARE(view.currentIndex().row(), 2);
        QTest::keyClick(&view, Qt::Key_End, Qt::ControlModifier);
        QCOMPARE(view.currentIndex().row(), model.rowCount() - 1);
        QTest::keyClick(&view, Qt::Key_Home, Qt::ControlModifier);
        QCOMPARE(view.currentIndex().row(), 0);
    }

    void sortByIdAndGroup()
    {
        auto corpus = testhelpers::syntheticCorpus(500);
        DocumentTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCorpus(corpus);
        model.sort(DocumentTableModel::IdColumn, Qt::AscendingOrder);
        QString prev;
        for (int r = 0; r < model.rowCount(); ++r) {
            const QString id = model.data(model.index(r, DocumentTableModel::IdColumn)).toString();
            QVERIFY2(prev.toStdString() <= id.toStdString(), qPrintable(prev + QStringLiteral(" > ") + id));
            prev = id;
        }
        model.sort(DocumentTableModel::GroupColumn, Qt::DescendingOrder);
        QString prevGroup = model.data(model.index(0, DocumentTableModel::GroupColumn)).toString();
        for (int r = 1; r < model.rowCount(); ++r) {
            const QString g = model.data(model.index(r, DocumentTableModel::GroupColumn)).toString();
            QVERIFY(g <= prevGroup);
            prevGroup = g;
        }
    }

    void largeSortRunsOffTheGuiThread()
    {
        const size_t n = DocumentTableModel::kAsyncRows * 2;
        auto corpus = testhelpers::syntheticCorpus(n);
        DocumentTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCorpus(corpus);
        QSignalSpy busy(&model, &DocumentTableModel::busyChanged);
        QSignalSpy done(&model, &DocumentTableModel::rowsRecomputed);
        model.sort(DocumentTableModel::FirstScoreColumn, Qt::AscendingOrder);
        // sort() returned before the rows changed: the work is on a worker.
        QVERIFY(model.busy());
        QCOMPARE(busy.count(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 20000);
        QVERIFY(!model.busy());
        const auto v = columnValues(model, DocumentTableModel::FirstScoreColumn);
        QVERIFY(sortedWithMissingLast(v, true));
        // A superseded sort is dropped: only the last one lands.
        done.clear();
        model.sort(DocumentTableModel::FirstScoreColumn, Qt::DescendingOrder);
        model.sort(DocumentTableModel::FirstScoreColumn + 1, Qt::AscendingOrder);
        QTRY_VERIFY_WITH_TIMEOUT(!model.busy(), 20000);
        QCOMPARE(done.count(), 1);
        QVERIFY(sortedWithMissingLast(columnValues(model, DocumentTableModel::FirstScoreColumn + 1), true));
    }

    void filtersByGroupIdAndRowSet()
    {
        auto corpus = testhelpers::syntheticCorpus(1000);
        DocumentTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCorpus(corpus);
        model.setGroupFilter(2);
        size_t expected = 0;
        for (size_t i = 0; i < corpus->size(); ++i)
            expected += corpus->group(i) == 2;
        QCOMPARE(size_t(model.rowCount()), expected);
        for (int r = 0; r < model.rowCount(); ++r)
            QCOMPARE(model.data(model.index(r, DocumentTableModel::GroupColumn)).toString(), QStringLiteral("books"));
        model.setGroupFilter(-1);
        model.setIdFilter(QStringLiteral("doc-99"));
        QCOMPARE(model.rowCount(), 11); // doc-99, doc-990 .. doc-999
        model.setIdFilter({});
        model.setRowSet(std::vector<uint32_t> { 5, 3, 700 });
        QCOMPARE(model.rowCount(), 3);
        // Without a sort the row set's own order is kept (borderline lists are ordered).
        QCOMPARE(model.docAt(0), 5u);
        QCOMPARE(model.docAt(1), 3u);
        QCOMPARE(model.rowOfDoc(700), 2);
    }

    // Issue 20: several groups at once, or every group but one, on the synchronous path and on the
    // worker (above kAsyncRows); the rows equal a direct count, and a group the mask does not
    // name (found later in a scan) follows `othersShown`.
    void filtersBySeveralGroups_data()
    {
        QTest::addColumn<int>("docs");
        QTest::newRow("sync") << 5000;
        QTest::newRow("worker") << int(DocumentTableModel::kAsyncRows) + 5000;
    }

    void filtersBySeveralGroups()
    {
        QFETCH(int, docs);
        auto corpus = testhelpers::syntheticCorpus(size_t(docs));
        DocumentTableModel model;
        model.setCorpus(corpus);
        auto count = [&](auto pred) {
            size_t n = 0;
            for (size_t i = 0; i < corpus->size(); ++i)
                n += pred(corpus->group(i));
            return n;
        };
        auto check = [&](auto pred) {
            for (int r = 0; r < model.rowCount(); r += 101)
                if (!pred(corpus->group(model.docAt(r))))
                    return false;
            return true;
        };
        // web and code (groups 1 and 3).
        model.setGroupFilter({ 0, 1, 0, 1 }, false);
        QTRY_VERIFY_WITH_TIMEOUT(!model.busy(), 20000);
        auto webOrCode = [](uint32_t g) { return g == 1 || g == 3; };
        QCOMPARE(size_t(model.rowCount()), count(webOrCode));
        QVERIFY(check(webOrCode));
        QCOMPARE(model.groupFilter(), -2);
        // All but books: a short mask, the rest shown.
        model.setGroupFilter({ 1, 1, 0 }, true);
        QTRY_VERIFY_WITH_TIMEOUT(!model.busy(), 20000);
        auto notBooks = [](uint32_t g) { return g != 2; };
        QCOMPARE(size_t(model.rowCount()), count(notBooks));
        QVERIFY(check(notBooks));
        // Only code, then sorted: the filter holds across the sort.
        model.setGroupFilter({ 0, 0, 0, 1 }, false);
        model.sort(DocumentTableModel::FirstScoreColumn, Qt::DescendingOrder);
        QTRY_VERIFY_WITH_TIMEOUT(!model.busy(), 20000);
        auto code = [](uint32_t g) { return g == 3; };
        QCOMPARE(size_t(model.rowCount()), count(code));
        QVERIFY(check(code));
        QCOMPARE(model.groupFilter(), 3);
        model.setGroupFilter(-1);
        QTRY_VERIFY_WITH_TIMEOUT(!model.busy(), 20000);
        QCOMPARE(size_t(model.rowCount()), corpus->size());
        model.setGroupFilter(3);
        QTRY_VERIFY_WITH_TIMEOUT(!model.busy(), 20000);
        QCOMPARE(model.groupFilter(), 3);
        QCOMPARE(size_t(model.rowCount()), count(code));
        // Everything shown is no filter at all.
        model.setGroupFilter({ 1, 1, 1, 1 }, true);
        QTRY_VERIFY_WITH_TIMEOUT(!model.busy(), 20000);
        QVERIFY(!model.hasGroupFilter());
        QCOMPARE(model.groupFilter(), -1);
        QCOMPARE(size_t(model.rowCount()), corpus->size());
    }

    void textSearchInBackground()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        const QString shard = testhelpers::fixture("spam_ham.jsonl");
        auto corpus = testhelpers::scanCorpus({ shard.toStdString() });
        QCOMPARE(corpus->size(), size_t(80));
        DocumentTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCorpus(corpus);
        QSignalSpy finished(&model, &DocumentTableModel::searchFinished);
        model.startTextSearch(QStringLiteral("subject:"), false);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        const qulonglong matches = finished.at(0).at(0).toULongLong();
        QVERIFY(matches > 0);
        QCOMPARE(qulonglong(model.rowCount()), matches);
        // Case-sensitive search of something absent in that case finds nothing.
        finished.clear();
        model.startTextSearch(QStringLiteral("SUBJECT:XYZZY-NOT-THERE"), true);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QCOMPARE(model.rowCount(), 0);
        model.clearTextSearch();
        QCOMPARE(model.rowCount(), 80);
    }
};

QTEST_MAIN(TestDocumentTableModel)
#include "tst_documenttablemodel.moc"
