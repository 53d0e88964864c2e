// The threshold panel's override editor, per-label counts and cutoff suggestions (issue 5,
// items 4 and 5), driven through the main window on real UDHR paragraphs in 55 languages, with
// text_dominant_script as the categorical column (the same contract as langid's `lang`).
// Ends with a screenshot of the panel showing overrides and suggestions.

#include "testhelpers.h"

#include <apply.h>
#include <filterconfig.h>
#include <mainwindow.h>
#include <suggest.h>
#include <thresholdpanel.h>

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTest>

#include <set>

#ifndef SHARDSCOPE_TEST_OUTPUT
#define SHARDSCOPE_TEST_OUTPUT "."
#endif

using namespace shardscope;

class TestThresholdPanel : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;

    static std::shared_ptr<CorpusData> langCorpus()
    {
        return testhelpers::scanCorpus({ testdata::fixture("udhr_sentences.jsonl") }, "zlib6,text_dominant_script");
    }

    // The kept count of the rules, evaluated by the engine document by document.
    static uint64_t engineKept(const CorpusData& c, const std::vector<FilterRule>& rules)
    {
        BoundRules bound(rules, c.columns());
        std::vector<float> row(c.columnCount());
        uint64_t kept = 0;
        for (size_t i = 0; i < c.size(); ++i) {
            for (size_t k = 0; k < row.size(); ++k)
                row[k] = c.scores(k)[i];
            kept += bound.firstFailing(row.data(), c.groupNames()[c.group(i)]) < 0;
        }
        return kept;
    }

    static int rowOf(QTableWidget* t, const QString& key)
    {
        for (int r = 0; r < t->rowCount(); ++r)
            if (t->item(r, 0) && t->item(r, 0)->text() == key)
                return r;
        return -1;
    }

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void editOverridesAndAcceptSuggestions()
    {
        MainWindow w;
        w.resize(1500, 950);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        auto corpus = langCorpus();
        QCOMPARE(corpus->size(), size_t(550));
        w.showCorpus(corpus);
        ThresholdPanel* panel = w.thresholdPanel();

        // A rule on zlib6; overrides keyed by the script column.
        FilterConfig cfg = FilterConfig::parse(R"({"format":"shardscope-filter","version":2,"rules":[
            {"scorer":"zlib6","min":0.45,"max":0.8}]})");
        const QString cfgPath = m_tmp.filePath(QStringLiteral("start.json"));
        cfg.save(cfgPath.toStdString());
        QVERIFY(w.loadFilterConfig(cfgPath));
        QCOMPARE(w.rules().size(), size_t(1));
        panel->setCurrentRule(0);
        const uint64_t keptBefore = w.counts().total.kept;
        QCOMPARE(keptBefore, engineKept(*corpus, w.rules()));

        // Key the overrides by the categorical column, then add two: one off, one with its own max.
        const int byIndex = panel->byBox()->findData(QStringLiteral("text_dominant_script"));
        QVERIFY(byIndex > 0);
        panel->byBox()->setCurrentIndex(byIndex);
        emit panel->byBox()->activated(byIndex);
        QCOMPARE(w.rules()[0].by, std::string("text_dominant_script"));
        QVERIFY(panel->addKeyBox()->findText(QStringLiteral("Cyrillic")) >= 0); // labels offered, not groups
        QVERIFY(panel->addOverride(QStringLiteral("Cyrillic")));
        QVERIFY(panel->addOverride(QStringLiteral("Greek")));
        QCOMPARE(w.rules()[0].overrides.size(), size_t(2));
        QCOMPARE(panel->overridesTable()->rowCount(), 2);

        // Tick "Off" for Cyrillic: every Cyrillic sentence is kept by this rule now.
        const int cyr = rowOf(panel->overridesTable(), QStringLiteral("Cyrillic"));
        QVERIFY(cyr >= 0);
        panel->overridesTable()->item(cyr, 3)->setCheckState(Qt::Checked);
        QVERIFY(w.rules()[0].overrides.at("Cyrillic").disabled);
        // Type a max for Greek, as a user would in the cell.
        const int gr = rowOf(panel->overridesTable(), QStringLiteral("Greek"));
        panel->overridesTable()->item(gr, 2)->setText(QStringLiteral("0.6"));
        QCOMPARE(*w.rules()[0].overrides.at("Greek").max, 0.6);
        // Not a number: refused, the rule keeps its value.
        panel->overridesTable()
            ->item(rowOf(panel->overridesTable(), QStringLiteral("Greek")), 2)
            ->setText(QStringLiteral("abc"));
        QCOMPARE(*w.rules()[0].overrides.at("Greek").max, 0.6);
        QCOMPARE(w.counts().total.kept, engineKept(*corpus, w.rules()));
        QVERIFY(w.counts().total.kept != keptBefore);

        // Per-label counts in the panel: switch the breakdown to the script column.
        panel->setBreakdownColumn(QStringLiteral("text_dominant_script"));
        QCOMPARE(w.counts().breakdownColumn, std::string("text_dominant_script"));
        QAbstractItemModelTester tester(panel->groupModel());
        bool sawCyrillic = false;
        for (int r = 0; r < panel->groupModel()->rowCount(); ++r) {
            if (panel->groupModel()->index(r, GroupCountsModel::GroupColumn).data().toString()
                != QStringLiteral("Cyrillic"))
                continue;
            sawCyrillic = true;
            QCOMPARE(
                panel->groupModel()->index(r, GroupCountsModel::DroppedColumn).data(Qt::UserRole).toULongLong(), 0ull);
            QVERIFY(panel->groupModel()->index(r, GroupCountsModel::DocsColumn).data(Qt::UserRole).toULongLong() >= 50);
        }
        QVERIFY(sawCyrillic);
        QCOMPARE(panel->groupModel()->headerData(0, Qt::Horizontal).toString(), QStringLiteral("text_dominant_script"));

        // Suggestions: computed on a worker, shown in the panel, accepted one by one.
        QSignalSpy ready(&w, &MainWindow::suggestionsReady);
        panel->findChild<QPushButton*>(QStringLiteral("suggestButton"))->click();
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, 20000);
        const auto& sugg = panel->suggestions();
        QCOMPARE(panel->suggestionsTable()->rowCount(), int(sugg.size()));
        // (all) x 5 methods, and Latin (>= 50 sentences) per label; Greek (10) has too few.
        int all = 0, latin = 0, greek = 0;
        for (const auto& s : sugg) {
            all += s.key.empty();
            latin += s.key == "Latin";
            greek += s.key == "Greek";
        }
        QCOMPARE(all, 5);
        QCOMPARE(latin, 5);
        QCOMPARE(greek, 0);
        // Row 0 is "(all)", percentile 1..99: the numbers match the engine's own suggestion.
        QCOMPARE(panel->suggestionsTable()->item(0, 0)->text(), QStringLiteral("(all)"));
        QCOMPARE(panel->suggestionsTable()->item(0, 5)->text(), QStringLiteral("p1 .. p99"));
        const CutoffSuggestion expected = suggestCutoffs(
            corpus->scores(size_t(corpus->columnIndex("zlib6"))), SuggestSpec::parse("percentile:1,99"));
        QCOMPARE(*sugg[0].min, *expected.min);
        QCOMPARE(panel->suggestionsTable()->item(0, 3)->text().remove(QLocale().groupSeparator()).toULongLong(),
            qulonglong(expected.dropped()));
        QVERIFY(panel->acceptSuggestion(0));
        QCOMPARE(w.rules()[0].bounds.min, expected.min);
        QCOMPARE(w.rules()[0].bounds.max, expected.max);
        QCOMPARE(w.rules()[0].bounds.suggested->method, std::string("percentile"));
        QCOMPARE(w.rules()[0].bounds.suggested->computedOn, uint64_t(550));
        // The overrides survive accepting a suggestion for the rule itself.
        QVERIFY(w.rules()[0].overrides.at("Cyrillic").disabled);
        // A per-label suggestion becomes that label's override, with its provenance.
        int latinRow = -1;
        for (size_t i = 0; i < sugg.size(); ++i)
            if (sugg[i].key == "Latin" && sugg[i].from.method == "mad")
                latinRow = int(i);
        QVERIFY(latinRow >= 0);
        const CutoffSuggestion latinMad = sugg[size_t(latinRow)];
        QVERIFY(panel->acceptSuggestion(latinRow));
        QCOMPARE(w.rules()[0].overrides.at("Latin").min, latinMad.min);
        QCOMPARE(w.rules()[0].overrides.at("Latin").suggested->method, std::string("mad"));
        QCOMPARE(w.counts().total.kept, engineKept(*corpus, w.rules()));
        QVERIFY(rowOf(panel->overridesTable(), QStringLiteral("Latin")) >= 0);

        // Everything round-trips through the exported config.
        const QString out = m_tmp.filePath(QStringLiteral("edited.json"));
        QVERIFY(w.saveFilterConfig(out));
        FilterConfig back = FilterConfig::load(out.toStdString());
        QCOMPARE(back.rules.size(), size_t(1));
        QVERIFY(back.rules[0] == w.rules()[0]);

        // Screenshot: the panel with overrides and with suggestions.
        panel->setCurrentRule(0);
        for (int tab : { 1, 2 }) {
            panel->tabs()->setCurrentIndex(tab);
            if (tab == 2)
                panel->suggestionsTable()->selectRow(latinRow);
            QTest::qWait(100);
            const QImage shot = panel->grab().toImage();
            const QString path = QDir(QStringLiteral(SHARDSCOPE_TEST_OUTPUT))
                                     .filePath(tab == 1 ? QStringLiteral("thresholdpanel-overrides.png")
                                                        : QStringLiteral("thresholdpanel-suggestions.png"));
            QVERIFY(shot.save(path));
            qInfo("screenshot: %s", qPrintable(path));
            std::set<QRgb> colours;
            for (int y = 0; y < shot.height(); y += 5)
                for (int x = 0; x < shot.width(); x += 5)
                    colours.insert(shot.pixel(x, y));
            QVERIFY(colours.size() > 5);
        }
    }

    // Issue 20, bug 9: "Dropped text" in the panel was text bytes while apply's dropped_bytes was JSON-line bytes.
    // On real short texts (each record carries some 75 bytes besides its text), the panel's figures are apply's
    // *_text_bytes for the same rules, and the labels say what they count.
    void panelBytesAreApplysTextBytes()
    {
        REQUIRE_FIXTURE("informal.jsonl");
        const std::string shard = testdata::fixture("informal.jsonl");
        MainWindow w;
        w.showCorpus(testhelpers::scanCorpus({ shard }, "zlib6"));
        const FilterConfig cfg = FilterConfig::parse(
            R"({"format":"shardscope-filter","version":1,"rules":[{"scorer":"zlib6","min":0.9}]})");
        const QString cfgPath = m_tmp.filePath(QStringLiteral("bytes.json"));
        cfg.save(cfgPath.toStdString());
        QVERIFY(w.loadFilterConfig(cfgPath));

        ScanOptions so;
        so.shards = { shard };
        so.fields = detectFields(shard, {}, false);
        so.scorers = resolveConfigScorers(cfg);
        so.threads = 2;
        ApplyOptions ao;
        ao.outDir = m_tmp.filePath(QStringLiteral("bytes-out")).toStdString();
        const ApplySummary sum = runApply(cfg, so, ao);
        const KeepCounts& gui = w.counts().total;
        QCOMPARE(gui.kept, sum.total.kept);
        QCOMPARE(gui.dropped(), sum.total.dropped);
        QVERIFY(sum.total.dropped > 0);
        QCOMPARE(gui.keptBytes, sum.total.keptTextBytes);
        QCOMPARE(gui.droppedBytes(), sum.total.droppedTextBytes);
        QVERIFY(sum.total.droppedRecordBytes > sum.total.droppedTextBytes + 40 * sum.total.dropped);

        // The labels show apply's text figures and name them; the record figure is not passed off as text.
        ThresholdPanel* panel = w.thresholdPanel();
        const QString dropped = panel->droppedText(), kept = panel->keptText();
        QVERIFY2(
            dropped.contains(ThresholdPanel::formatBytes(sum.total.droppedTextBytes) + QStringLiteral(" text (UTF-8)")),
            qPrintable(dropped));
        QVERIFY2(kept.contains(ThresholdPanel::formatBytes(sum.total.keptTextBytes) + QStringLiteral(" text (UTF-8)")),
            qPrintable(kept));
        // Both sizes, each named as apply names it (issue 20, bug 9): the records' figure equals apply's too.
        QCOMPARE(gui.keptRecordBytes, sum.total.keptRecordBytes);
        QCOMPARE(gui.droppedRecordBytes(), sum.total.droppedRecordBytes);
        QVERIFY2(
            dropped.contains(ThresholdPanel::formatBytes(sum.total.droppedRecordBytes) + QStringLiteral(" records")),
            qPrintable(dropped));
        QVERIFY2(kept.contains(ThresholdPanel::formatBytes(sum.total.keptRecordBytes) + QStringLiteral(" records")),
            qPrintable(kept));
        for (const char* name : { "keptLabel", "droppedLabel" }) {
            const QString tip = panel->findChild<QLabel*>(QLatin1String(name))->toolTip();
            QVERIFY2(tip.contains(QStringLiteral("dropped_text_bytes"))
                    && tip.contains(QStringLiteral("dropped_record_bytes")),
                qPrintable(tip));
        }
        // The per-group table: the same figure, its header explained the same way.
        QAbstractItemModel* groups = panel->groupModel();
        qulonglong groupDropped = 0;
        for (int r = 0; r < groups->rowCount(); ++r)
            groupDropped += groups->index(r, GroupCountsModel::DroppedBytesColumn).data(Qt::UserRole).toULongLong();
        QCOMPARE(groupDropped, qulonglong(sum.total.droppedTextBytes));
        QVERIFY(groups->headerData(GroupCountsModel::DroppedBytesColumn, Qt::Horizontal, Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("dropped_text_bytes")));
    }

    // Issue 20: "Clear all" asks first. Answering No keeps every rule; Yes clears them.
    void clearAllAsksFirst()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.showCorpus(langCorpus());
        const FilterConfig cfg = FilterConfig::parse(R"({"format":"shardscope-filter","version":2,"rules":[
            {"scorer":"zlib6","min":0.4},{"scorer":"text_dominant_script","in":["Latin"]}]})");
        const QString cfgPath = m_tmp.filePath(QStringLiteral("clear.json"));
        cfg.save(cfgPath.toStdString());
        QVERIFY(w.loadFilterConfig(cfgPath));
        QCOMPARE(w.rules().size(), size_t(2));
        ThresholdPanel* panel = w.thresholdPanel();
        auto* clearAll = panel->findChild<QPushButton*>(QStringLiteral("clearAllButton"));
        QVERIFY(clearAll);
        const uint64_t keptWithRules = w.counts().total.kept;
        QVERIFY(keptWithRules < 550);

        for (const QMessageBox::StandardButton answer : { QMessageBox::No, QMessageBox::Yes }) {
            QTRY_VERIFY(!panel->findChild<QMessageBox*>(QStringLiteral("clearAllConfirmation"))); // the last one went
            QTest::mouseClick(clearAll, Qt::LeftButton);
            QMessageBox* box = nullptr;
            QTRY_VERIFY(
                (box = panel->findChild<QMessageBox*>(QStringLiteral("clearAllConfirmation"))) && box->isVisible());
            // Nothing is cleared while the question is open.
            QCOMPARE(w.rules().size(), size_t(2));
            QVERIFY2(box->text().contains(QStringLiteral("2 rules")), qPrintable(box->text()));
            QCOMPARE(box->defaultButton(), box->button(QMessageBox::No));
            if (answer == QMessageBox::No)
                QVERIFY(box->grab().save(QDir(QStringLiteral(SHARDSCOPE_TEST_OUTPUT))
                                             .filePath(QStringLiteral("clear-all-confirmation.png"))));
            QTest::mouseClick(box->button(answer), Qt::LeftButton);
            QTRY_VERIFY(!box->isVisible());
            if (answer == QMessageBox::No) {
                QCOMPARE(w.rules().size(), size_t(2));
                QCOMPARE(panel->rulesTable()->rowCount(), 2);
                QCOMPARE(w.counts().total.kept, keptWithRules);
            } else {
                QVERIFY(w.rules().empty());
                QCOMPARE(panel->rulesTable()->rowCount(), 0);
                QCOMPARE(w.counts().total.kept, uint64_t(550));
            }
        }
        // With no rules there is nothing to ask about.
        QTest::mouseClick(clearAll, Qt::LeftButton);
        QTest::qWait(50);
        QTRY_VERIFY(!panel->findChild<QMessageBox*>(QStringLiteral("clearAllConfirmation")));
    }

    // Suggestions of an old corpus never land in the new one.
    void staleSuggestionsAreDropped()
    {
        MainWindow w;
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        auto corpus = langCorpus();
        w.showCorpus(corpus);
        FilterConfig cfg = FilterConfig::parse(
            R"({"format":"shardscope-filter","version":1,"rules":[{"scorer":"zlib6","min":0.4}]})");
        const QString cfgPath = m_tmp.filePath(QStringLiteral("stale.json"));
        cfg.save(cfgPath.toStdString());
        QVERIFY(w.loadFilterConfig(cfgPath));
        QSignalSpy ready(&w, &MainWindow::suggestionsReady);
        w.thresholdPanel()->setCurrentRule(0);
        auto next = langCorpus();
        w.thresholdPanel()->findChild<QPushButton*>(QStringLiteral("suggestButton"))->click();
        // A job that finished before its continuation was attached is delivered at once (and
        // is not stale yet); anything later must be dropped.
        const int before = ready.count();
        w.showCorpus(next); // supersedes the job
        QTest::qWait(500);
        QCOMPARE(ready.count(), before);
        QVERIFY(w.thresholdPanel()->suggestions().empty());
        QVERIFY(!w.thresholdPanel()->acceptSuggestion(0));
    }
};

QTEST_MAIN(TestThresholdPanel)
#include "tst_thresholdpanel.moc"
