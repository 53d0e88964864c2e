// The document table page (issue 19) on a real scored corpus (the 80 e-mails, two groups by
// their label): rows and the rows label, the group filter, the id filter typed by a user, the
// filter views from a keep mask, a text search started with Enter, selection reported as a
// document and kept across a re-sort. Issue 20: the Borderline view under an active sort, groups
// shown several at once or all but one, column presets by scorer family with the id column kept
// first, middle-elided group names, and in the window the viewer letting go of a document a filter
// removed and highlighting the table's search.

#include "testhelpers.h"

#include <documenttablemodel.h>
#include <documenttablepage.h>
#include <documentviewer.h>
#include <filterevaluator.h>
#include <filterstate.h>
#include <mainwindow.h>
#include <thresholdpanel.h>

#include <QComboBox>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSplitter>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <algorithm>
#include <cmath>

#ifndef SHARDSCOPE_TEST_OUTPUT
#define SHARDSCOPE_TEST_OUTPUT "."
#endif

using namespace shardscope;

class TestDocumentTablePage : public QObject {
    Q_OBJECT

    std::shared_ptr<CorpusData> m_corpus;
    QTemporaryDir m_fixtureDir;

    static QListWidgetItem* groupItem(QListWidget* list, const QString& name)
    {
        for (int i = 0; i < list->count(); ++i)
            if (list->item(i)->text() == name)
                return list->item(i);
        return nullptr;
    }

    // A click on the header section of `column`, as a user sorts.
    static void clickHeader(QTableView* table, int column)
    {
        auto* header = table->horizontalHeader();
        const QPoint at(
            header->sectionViewportPosition(column) + header->sectionSize(column) / 2, header->height() / 2);
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, at);
    }

    static bool openAndWait(MainWindow& w, const QStringList& inputs)
    {
        w.setScorers("zlib6");
        QSignalSpy finished(&w, &MainWindow::scanFinished);
        w.openInputs(inputs);
        if (!testhelpers::signalled(finished, 120000))
            return false;
        for (int waited = 0; !w.statsReady() && waited < 60000; waited += 20)
            QTest::qWait(20);
        return w.statsReady();
    }

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
        auto* groups = page.findChild<QListWidget*>(QStringLiteral("groupList"));
        QCOMPARE(size_t(groups->count()), m_corpus->groupNames().size() - 1); // each group but 0 ("no group")
        QVERIFY(groups->count() >= 2);
        // Showing one group only: its documents.
        auto* button = page.findChild<QToolButton*>(QStringLiteral("groupFilter"));
        QCOMPARE(button->text(), QStringLiteral("All groups"));
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_VERIFY(page.findChild<QFrame*>(QStringLiteral("groupPopup"))->isVisible());
        groups->setCurrentRow(0);
        QTest::mouseClick(page.findChild<QPushButton*>(QStringLiteral("onlyGroup")), Qt::LeftButton);
        const int group = groups->item(0)->data(Qt::UserRole).toInt();
        size_t inGroup = 0;
        for (uint32_t g : m_corpus->groups())
            inGroup += g == uint32_t(group);
        QTRY_COMPARE(size_t(page.model()->rowCount()), inGroup);
        QCOMPARE(button->text(), groups->item(0)->text());
        QTest::mouseClick(page.findChild<QPushButton*>(QStringLiteral("allGroups")), Qt::LeftButton);
        QTRY_COMPARE(size_t(page.model()->rowCount()), m_corpus->size());
        page.findChild<QFrame*>(QStringLiteral("groupPopup"))->hide();
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
        QCOMPARE(groups->count(), 0);
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

    // Issue 20, bug 4: the Borderline view showed its distance order under a header that still said
    // "zlib6, descending" until the header was clicked again. The view now honours the sort the
    // header shows: a user who sorted by a score sees the documents around the cutoff in that order.
    void borderlineViewHonoursTheSort()
    {
        DocumentTablePage page;
        page.resize(1000, 600);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.setCorpus(m_corpus);
        const int zcol = DocumentTableModel::FirstScoreColumn + m_corpus->columnIndex("zlib6");
        QVERIFY(zcol >= DocumentTableModel::FirstScoreColumn);
        const auto& z = m_corpus->scores(size_t(zcol - DocumentTableModel::FirstScoreColumn));
        std::vector<float> sorted(z.begin(), z.end());
        std::sort(sorted.begin(), sorted.end());
        FilterRule rule;
        rule.column = "zlib6";
        rule.bounds.max = double(sorted[sorted.size() / 2]);
        std::vector<uint8_t> keep(m_corpus->size());
        for (size_t i = 0; i < keep.size(); ++i)
            keep[i] = !(double(z[i]) > *rule.bounds.max);
        page.setKeepMask(&keep);

        // Sorted by zlib6, descending, by two clicks on its header.
        auto* header = page.table()->horizontalHeader();
        clickHeader(page.table(), zcol);
        clickHeader(page.table(), zcol);
        QCOMPARE(header->sortIndicatorSection(), zcol);
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
        QTRY_VERIFY(!page.model()->busy());

        page.showView(ThresholdPanel::View::Borderline, 10, keep, { rule });
        QTRY_VERIFY(!page.model()->busy());
        FilterEvaluator ev;
        ev.setRules({ rule });
        auto border = ev.borderline(*m_corpus, 10);
        QCOMPARE(size_t(page.model()->rowCount()), border.size());
        // What the header says is what the rows are.
        QCOMPARE(header->sortIndicatorSection(), zcol);
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
        for (int r = 1; r < page.model()->rowCount(); ++r)
            QVERIFY2(z[page.model()->docAt(r - 1)] >= z[page.model()->docAt(r)],
                qPrintable(QStringLiteral("row %1 is not in descending zlib6 order").arg(r)));
        // The rows are the borderline set, whatever their order.
        std::vector<uint32_t> shown(page.model()->rows());
        std::sort(shown.begin(), shown.end());
        std::sort(border.begin(), border.end());
        QCOMPARE(shown, border);

        // A third click clears the sort: the view's own order (nearest the cutoff first) again.
        clickHeader(page.table(), zcol);
        QTRY_VERIFY(!page.model()->busy());
        QCOMPARE(header->sortIndicatorSection(), -1);
        QCOMPARE(page.model()->rows(), ev.borderline(*m_corpus, 10));
    }

    // Issue 20, bug 4 in the window: a user sorts by zlib6 (two clicks: descending), then picks the
    // Borderline view in the threshold panel, then moves the cutoff. The rows follow the header.
    void borderlineViewInTheWindow()
    {
        const QString shard = testhelpers::gzipFixture(m_fixtureDir, "spam_ham.jsonl");
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(openAndWait(w, { shard }));
        const int zcol = DocumentTableModel::FirstScoreColumn + w.corpus()->columnIndex("zlib6");
        const auto& z = w.corpus()->scores(size_t(zcol - DocumentTableModel::FirstScoreColumn));
        std::vector<float> sorted(z.begin(), z.end());
        std::sort(sorted.begin(), sorted.end());
        FilterRule rule;
        rule.column = "zlib6";
        rule.bounds.max = double(sorted[sorted.size() / 2]);
        w.filterState()->setRules({ rule });
        auto* header = w.tableView()->horizontalHeader();
        auto consistent = [&]() {
            const int section = header->sortIndicatorSection();
            if (section != zcol)
                return QStringLiteral("header on section %1").arg(section);
            for (int r = 1; r < w.tableModel()->rowCount(); ++r)
                if (z[w.tableModel()->docAt(r - 1)] < z[w.tableModel()->docAt(r)])
                    return QStringLiteral("row %1 out of descending order").arg(r);
            return QString();
        };
        clickHeader(w.tableView(), zcol);
        clickHeader(w.tableView(), zcol);
        QTRY_VERIFY(!w.tableModel()->busy());
        auto* viewBox = w.thresholdPanel()->findChild<QComboBox*>(QStringLiteral("viewBox"));
        QVERIFY(viewBox);
        viewBox->setCurrentIndex(int(ThresholdPanel::View::Borderline));
        QTRY_VERIFY(!w.tableModel()->busy());
        QVERIFY(w.tableModel()->hasRowSet());
        QString why = consistent();
        QVERIFY2(why.isEmpty(), qPrintable(why));
        // The cutoff moves: the view is recomputed under the same sort.
        rule.bounds.max = double(sorted[sorted.size() / 3]);
        w.filterState()->setRules({ rule });
        QTRY_VERIFY(!w.tableModel()->busy());
        why = consistent();
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }

    // Issue 20: groups shown several at once, or all but one, through the group list (Space toggles
    // a group, the buttons pick one or all but one); the rows equal a direct count. 200,000 rows take
    // the model's worker path.
    void severalGroupsOrAllButOne_data()
    {
        QTest::addColumn<int>("docs");
        QTest::newRow("1,000 rows") << 1000;
        QTest::newRow("200,000 rows (worker)") << 200000;
    }

    void severalGroupsOrAllButOne()
    {
        QFETCH(int, docs);
        auto corpus = testhelpers::syntheticCorpus(size_t(docs));
        auto count = [&](const std::vector<std::string>& names) {
            size_t n = 0;
            for (size_t i = 0; i < corpus->size(); ++i)
                n += std::find(names.begin(), names.end(), corpus->groupNames()[corpus->group(i)]) != names.end();
            return n;
        };
        DocumentTablePage page;
        page.resize(1000, 600);
        page.show();
        page.setCorpus(corpus);
        auto* button = page.findChild<QToolButton*>(QStringLiteral("groupFilter"));
        QTest::mouseClick(button, Qt::LeftButton);
        auto* list = page.findChild<QListWidget*>(QStringLiteral("groupList"));
        QTRY_VERIFY(list->isVisible());
        QCOMPARE(list->count(), 3);
        auto* only = page.findChild<QPushButton*>(QStringLiteral("onlyGroup"));
        auto* allBut = page.findChild<QPushButton*>(QStringLiteral("allButGroup"));
        auto* all = page.findChild<QPushButton*>(QStringLiteral("allGroups"));

        // Space on "books" unticks it: every group but books.
        list->setCurrentItem(groupItem(list, QStringLiteral("books")));
        QTest::keyClick(list, Qt::Key_Space);
        QTRY_COMPARE(size_t(page.model()->rowCount()), count({ "web", "code" }));
        QCOMPARE(button->text(), QStringLiteral("All but books"));
        // "Only this" on web, then Space on code adds it: two groups.
        list->setCurrentItem(groupItem(list, QStringLiteral("web")));
        QTest::mouseClick(only, Qt::LeftButton);
        QTRY_COMPARE(size_t(page.model()->rowCount()), count({ "web" }));
        QCOMPARE(button->text(), QStringLiteral("web"));
        list->setCurrentItem(groupItem(list, QStringLiteral("code")));
        QTest::keyClick(list, Qt::Key_Space);
        QTRY_COMPARE(size_t(page.model()->rowCount()), count({ "web", "code" }));
        for (int r = 0; r < page.model()->rowCount(); r += 97)
            QVERIFY(corpus->groupNames()[corpus->group(page.model()->docAt(r))] != "books");
        QCOMPARE(button->text(), QStringLiteral("2 groups"));
        // "All but this" on web.
        list->setCurrentItem(groupItem(list, QStringLiteral("web")));
        QTest::mouseClick(allBut, Qt::LeftButton);
        QTRY_COMPARE(size_t(page.model()->rowCount()), count({ "books", "code" }));
        QCOMPARE(groupItem(list, QStringLiteral("web"))->checkState(), Qt::Unchecked);
        QCOMPARE(groupItem(list, QStringLiteral("books"))->checkState(), Qt::Checked);
        // The group filter combines with the id filter and a sort.
        page.table()->sortByColumn(DocumentTableModel::FirstScoreColumn, Qt::AscendingOrder);
        QTRY_VERIFY(!page.model()->busy());
        QCOMPARE(size_t(page.model()->rowCount()), count({ "books", "code" }));
        QTest::mouseClick(all, Qt::LeftButton);
        QTRY_COMPARE(size_t(page.model()->rowCount()), corpus->size());
        QCOMPARE(button->text(), QStringLiteral("All groups"));
        list->window()->hide();
    }

    // Issue 20: presets by scorer family select that family's score columns (and the document
    // columns); the id column is never hidden and stays first.
    void columnPresets_data()
    {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<QStringList>("prefixes");
        QTest::newRow("compression") << QStringLiteral("Compression")
                                     << QStringList { QStringLiteral("zlib6"), QStringLiteral("zstd3") };
        QTest::newRow("gopher") << QStringLiteral("Gopher") << QStringList { QStringLiteral("gopher_") };
        QTest::newRow("c4") << QStringLiteral("C4") << QStringList { QStringLiteral("c4_") };
        QTest::newRow("fineweb") << QStringLiteral("FineWeb") << QStringList { QStringLiteral("fineweb_") };
        QTest::newRow("language") << QStringLiteral("Language")
                                  << QStringList { QStringLiteral("text_script_count"),
                                         QStringLiteral("text_non_dominant_script_frac"),
                                         QStringLiteral("text_dominant_script") };
    }

    void columnPresets()
    {
        QFETCH(QString, preset);
        QFETCH(QStringList, prefixes);
        static std::shared_ptr<CorpusData> corpus;
        if (!corpus)
            corpus = testhelpers::scanCorpus({ testhelpers::fixture("spam_ham.jsonl").toStdString() },
                "zlib6,zstd3,gopher_quality,c4,fineweb,text_hygiene");
        QStringList expected;
        for (const auto& c : corpus->columns()) {
            const QString name = QString::fromStdString(c.name);
            if (std::any_of(prefixes.begin(), prefixes.end(),
                    [&](const QString& p) { return p.endsWith(QLatin1Char('_')) ? name.startsWith(p) : name == p; }))
                expected << name;
        }
        QVERIFY(expected.size() >= 2);

        DocumentTablePage page;
        page.resize(1200, 600);
        page.show();
        page.setCorpus(corpus);
        auto* menu = page.findChild<QMenu*>(QStringLiteral("columnMenu"));
        QVERIFY(menu);
        Q_EMIT menu->aboutToShow(); // the menu is built as it opens
        QAction* action = nullptr;
        QAction* lm = nullptr;
        for (QAction* a : menu->actions()) {
            if (a->text().startsWith(preset + QStringLiteral(" (")))
                action = a;
            if (a->text().startsWith(QStringLiteral("Language Model")))
                lm = a;
        }
        QVERIFY2(action, qPrintable(testhelpers::menuLabels(*menu).join(QStringLiteral(" | "))));
        QVERIFY(action->isEnabled());
        QVERIFY(lm && !lm->isEnabled()); // no lm_* column in this corpus
        action->trigger();
        QCOMPARE(page.shownScoreColumns(), expected);
        auto* header = page.table()->horizontalHeader();
        for (int c = 0; c < DocumentTableModel::FirstScoreColumn; ++c)
            QVERIFY(!header->isSectionHidden(c));
        QCOMPARE(header->logicalIndexAt(0), int(DocumentTableModel::IdColumn));

        // "All Columns" shows every column again.
        Q_EMIT menu->aboutToShow();
        for (QAction* a : menu->actions())
            if (a->text() == QStringLiteral("All Columns"))
                a->trigger();
        QCOMPARE(page.shownScoreColumns().size(), qsizetype(corpus->columnCount()));
    }

    // Issue 20: the id column stays first wherever it or another column is dragged, and the column
    // chooser offers no way to hide it.
    void idColumnStaysFirst()
    {
        DocumentTablePage page;
        page.resize(1000, 600);
        page.show();
        page.setCorpus(m_corpus);
        auto* header = page.table()->horizontalHeader();
        QCOMPARE(header->visualIndex(DocumentTableModel::IdColumn), 0);
        header->moveSection(header->visualIndex(DocumentTableModel::IdColumn), 3);
        QCOMPARE(header->visualIndex(DocumentTableModel::IdColumn), 0);
        header->moveSection(header->visualIndex(DocumentTableModel::BytesColumn), 0);
        QCOMPARE(header->visualIndex(DocumentTableModel::IdColumn), 0);
        // Scrolled sideways, the id column stays in view: drawn over the table's left edge, row for row.
        QTableView* frozen = page.frozenIdColumn();
        QVERIFY(!frozen->isVisible());
        for (int c = DocumentTableModel::BytesColumn; c < page.model()->columnCount(); ++c)
            page.table()->setColumnWidth(c, 400);
        QTRY_VERIFY(page.table()->horizontalScrollBar()->maximum() > 0);
        page.table()->horizontalScrollBar()->setValue(page.table()->horizontalScrollBar()->maximum());
        QTRY_VERIFY(frozen->isVisible());
        QVERIFY(page.table()->columnViewportPosition(DocumentTableModel::IdColumn) < 0);
        QCOMPARE(
            frozen->columnWidth(DocumentTableModel::IdColumn), page.table()->columnWidth(DocumentTableModel::IdColumn));
        QCOMPARE(frozen->geometry().left(), page.table()->frameWidth());
        page.table()->verticalScrollBar()->setValue(20);
        QCOMPARE(frozen->verticalScrollBar()->value(), 20);
        const QPoint at(5, frozen->rowViewportPosition(25) + 2);
        QCOMPARE(frozen->indexAt(at).row(), 25);
        QCOMPARE(page.table()->indexAt(at).row(), 25);
        // A click on an id in the frozen column selects that document.
        QSignalSpy selected(&page, &DocumentTablePage::documentSelected);
        QTest::mouseClick(frozen->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.first().first().toUInt(), page.model()->docAt(25));
        // ... and the table stays scrolled to the scores the user was reading.
        QVERIFY(page.table()->horizontalScrollBar()->value() > 0);
        QVERIFY(frozen->isVisible());
        QCOMPARE(page.table()->currentIndex().row(), 25);
        QVERIFY(page.grab().save(QDir(QStringLiteral(SHARDSCOPE_TEST_OUTPUT)).filePath(QStringLiteral("frozen.png"))));
        page.table()->horizontalScrollBar()->setValue(0);
        QTRY_VERIFY(!frozen->isVisible());

        auto* menu = page.findChild<QMenu*>(QStringLiteral("columnMenu"));
        Q_EMIT menu->aboutToShow();
        for (QAction* a : menu->actions())
            if (a->menu())
                for (QAction* c : a->menu()->actions())
                    QVERIFY2(c->text() != QStringLiteral("Id"), "the id column cannot be hidden");
    }

    // Issue 20: group names that share a long prefix stay distinct in the table (elided in the
    // middle) and the group list, with the whole name as a tooltip.
    void groupNamesElidedInTheMiddle()
    {
        auto corpus = std::make_shared<CorpusData>();
        corpus->setColumns({ ColumnInfo { "zlib6", "ratio", {} } });
        const std::string a = "common-crawl/CC-MAIN-2023-50/segments/1700679100448/warc/en";
        const std::string b = "common-crawl/CC-MAIN-2023-50/segments/1700679100448/warc/de";
        corpus->setGroupNames({ "", a, b });
        const std::vector<float> score { 0.5f };
        corpus->appendSynthetic("doc-a", 1, 100, score);
        corpus->appendSynthetic("doc-b", 2, 100, score);
        DocumentTablePage page;
        page.resize(1000, 600);
        page.show();
        page.setCorpus(corpus);
        QTableView* table = page.table();
        QCOMPARE(table->textElideMode(), Qt::ElideMiddle);
        const QModelIndex ia = page.model()->index(0, DocumentTableModel::GroupColumn);
        const QModelIndex ib = page.model()->index(1, DocumentTableModel::GroupColumn);
        QCOMPARE(page.model()->data(ia, Qt::ToolTipRole).toString(), QString::fromStdString(a));
        QCOMPARE(page.model()->data(ib, Qt::ToolTipRole).toString(), QString::fromStdString(b));
        // At the column's width the names do not fit; elided as the view elides them they differ.
        const int width = table->columnWidth(DocumentTableModel::GroupColumn) - 8;
        const QFontMetrics fm = table->fontMetrics();
        QVERIFY(fm.horizontalAdvance(QString::fromStdString(a)) > width);
        QVERIFY(fm.elidedText(QString::fromStdString(a), table->textElideMode(), width)
            != fm.elidedText(QString::fromStdString(b), table->textElideMode(), width));
        auto* list = page.findChild<QListWidget*>(QStringLiteral("groupList"));
        QCOMPARE(list->textElideMode(), Qt::ElideMiddle);
        QCOMPARE(list->item(0)->toolTip(), QString::fromStdString(a));
        // The group filter's button names the shown group elided in the middle too.
        page.showOnlyGroups({ 2 });
        auto* button = page.findChild<QToolButton*>(QStringLiteral("groupFilter"));
        QVERIFY(button->text().endsWith(QStringLiteral("/de")));
        QVERIFY(button->toolTip().contains(QString::fromStdString(b)));
    }

    // Issue 20, bug 7: the viewer went on showing a document that the id filter had just removed
    // from the table. In the window: select a document, type another's id into the filter.
    void viewerLetsGoOfAFilteredOutDocument()
    {
        const QString shard = testhelpers::gzipFixture(m_fixtureDir, "spam_ham.jsonl");
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(openAndWait(w, { shard }));
        QSignalSpy loaded(w.viewer(), &DocumentViewer::documentLoaded);
        const uint32_t doc = w.tableModel()->docAt(3);
        w.tableView()->setCurrentIndex(w.tableModel()->index(3, DocumentTableModel::IdColumn));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
        QCOMPARE(w.viewer()->document(), std::optional<uint32_t>(doc));
        const uint32_t other = w.tableModel()->docAt(10);
        const QString otherId = QString::fromStdString(w.corpus()->idOf(other));
        QVERIFY(!QString::fromStdString(w.corpus()->idOf(doc)).contains(otherId));
        auto* ids = w.findChild<QLineEdit*>(QStringLiteral("idFilter"));
        QTest::keyClicks(ids, otherId);
        QTRY_VERIFY(w.tableModel()->rowOfDoc(other) >= 0 && w.tableModel()->rowOfDoc(doc) < 0);
        QTRY_VERIFY(!w.viewer()->document());
        QVERIFY(w.viewer()->displayedText().isEmpty());
        QVERIFY2(w.viewer()->verdictText().contains(QStringLiteral("not in the table")),
            qPrintable(w.viewer()->verdictText()));
        // A document the filter keeps stays shown.
        loaded.clear();
        w.tableView()->setCurrentIndex(
            w.tableModel()->index(w.tableModel()->rowOfDoc(other), DocumentTableModel::IdColumn));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
        ids->setText(otherId.left(otherId.size() - 1));
        QTest::qWait(400);
        QCOMPARE(w.viewer()->document(), std::optional<uint32_t>(other));
    }

    // Issue 20: with a table search active, the document opened in the window's viewer has the
    // search's matches highlighted.
    void viewerHighlightsTheTableSearch()
    {
        const QString shard = testhelpers::gzipFixture(m_fixtureDir, "spam_ham.jsonl");
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(openAndWait(w, { shard }));
        auto* page = w.findChild<DocumentTablePage*>();
        QSignalSpy finished(w.tableModel(), &DocumentTableModel::searchFinished);
        auto* search = w.findChild<QLineEdit*>(QStringLiteral("textSearch"));
        QTest::keyClicks(search, QStringLiteral("Subject"));
        QTest::keyClick(search, Qt::Key_Return);
        QVERIFY(testhelpers::signalled(finished, 30000));
        QTRY_VERIFY(w.tableModel()->rowCount() > 0);
        QSignalSpy loaded(w.viewer(), &DocumentViewer::documentLoaded);
        w.tableView()->setCurrentIndex(w.tableModel()->index(0, DocumentTableModel::IdColumn));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
        QCOMPARE(w.viewer()->highlightTerm(), QStringLiteral("Subject"));
        const int expected = int(w.viewer()->displayedText().count(QStringLiteral("subject"), Qt::CaseInsensitive));
        QVERIFY(expected >= 1);
        QCOMPARE(w.viewer()->highlightCount(), expected);
        // Clearing the search clears the highlight.
        search->clear();
        QTRY_COMPARE(w.viewer()->highlightCount(), 0);
        Q_UNUSED(page);
    }

    // Issue 20: a picture of the table page over the viewer, a table search active and the find
    // bar open, for a person to look at (viewer.png in the test output folder).
    void screenshotWithFindBar()
    {
        auto source = std::make_shared<DocumentSource>(m_corpus->shards, std::string(), m_corpus->fields);
        QSplitter split(Qt::Vertical);
        auto* page = new DocumentTablePage(&split);
        auto* viewer = new DocumentViewer(&split);
        split.resize(1400, 900);
        split.setSizes({ 420, 480 });
        split.show();
        QVERIFY(QTest::qWaitForWindowExposed(&split));
        page->setCorpus(m_corpus);
        viewer->setCorpus(m_corpus, source);
        connect(page, &DocumentTablePage::documentSelected, viewer, [viewer](uint32_t d) { viewer->showDocument(d); });
        connect(page, &DocumentTablePage::searchHighlightChanged, viewer, &DocumentViewer::setHighlightTerm);
        QSignalSpy finished(page->model(), &DocumentTableModel::searchFinished);
        auto* search = page->findChild<QLineEdit*>(QStringLiteral("textSearch"));
        QTest::keyClicks(search, QStringLiteral("localhost"));
        QTest::keyClick(search, Qt::Key_Return);
        QVERIFY(testhelpers::signalled(finished, 30000));
        QTRY_VERIFY(page->model()->rowCount() > 0);
        // Progress the worker queued before it finished does not turn the button back into "Stop (100%)".
        QTest::qWait(50);
        QCOMPARE(page->findChild<QPushButton*>(QStringLiteral("searchButton"))->text(), QStringLiteral("Search"));
        QSignalSpy loaded(viewer, &DocumentViewer::documentLoaded);
        page->table()->setCurrentIndex(page->model()->index(0, DocumentTableModel::IdColumn));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
        viewer->openFind(QStringLiteral("Received"));
        QVERIFY(viewer->findMatchCount() > 0);
        QVERIFY(viewer->highlightCount() > 0);
        QTest::qWait(100);
        const QString path = QDir(QStringLiteral(SHARDSCOPE_TEST_OUTPUT)).filePath(QStringLiteral("viewer.png"));
        QVERIFY(split.grab().save(path));
        qInfo("screenshot: %s", qPrintable(path));
    }
};

QTEST_MAIN(TestDocumentTablePage)
#include "tst_documenttablepage.moc"
