// The histogram stack (issue 19) on a real scored corpus (the 80 e-mails): the columns chosen
// last time, else the first two; the chooser offers the rest; a rule's column joins the display
// with its lines at the rule's bounds and cannot be closed while the rule exists; statistics
// reach the plots; a line set by the user is reported with its column. Issue 20: a histogram
// added from the chooser is scrolled into view; a group chosen on a plot shows that group's
// lines, and a cutoff placed there is reported as that group's override.

#include "testhelpers.h"

#include <histogramstack.h>
#include <histogramwidget.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>
#include <qcustomplot_include.h>

#include <random>

using namespace shardscope;

class TestHistogramStack : public QObject {
    Q_OBJECT

    std::shared_ptr<CorpusData> m_corpus;
    QStringList m_names;

    static QStringList offered(const HistogramStack& stack)
    {
        auto* add = stack.findChild<QComboBox*>(QStringLiteral("addHistogram"));
        QStringList out;
        for (int i = 1; i < add->count(); ++i)
            out << add->itemData(i).toString();
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        testhelpers::isolate();
        REQUIRE_FIXTURE("spam_ham.jsonl");
        m_corpus = testhelpers::scanCorpus(
            { testhelpers::fixture("spam_ham.jsonl").toStdString() }, "zlib6,zstd3,gopher_quality");
        for (const auto& c : m_corpus->columns())
            m_names << QString::fromStdString(c.name);
        QVERIFY(m_names.size() > 4);
    }

    void columnsOnDisplay()
    {
        HistogramStack stack;
        QSignalSpy plots(&stack, &HistogramStack::plotsChanged);
        QVERIFY(!stack.setCorpus(m_corpus, {}));
        QCOMPARE(stack.shownColumns(), m_names.mid(0, 2)); // default: the first two
        QVERIFY(plots.count() > 0);
        QVERIFY(stack.histogram(m_names[0]) && stack.histogram(m_names[1]));
        QVERIFY(!stack.histogram(m_names[2]));
        QCOMPARE(offered(stack), m_names.mid(2));

        // Last time's choice, skipping a column this corpus lacks.
        stack.setCorpus(m_corpus, { m_names[3], QStringLiteral("lm_bpb"), m_names[0] });
        QCOMPARE(stack.shownColumns(), (QStringList { m_names[3], m_names[0] }));
        // lm columns are only promoted when the corpus has them.
        QVERIFY(!stack.setCorpus(m_corpus, {}, true));

        // Chosen in the combo box: shown, and reported for the settings.
        QSignalSpy shown(&stack, &HistogramStack::shownColumnsChanged);
        auto* add = stack.findChild<QComboBox*>(QStringLiteral("addHistogram"));
        const int index = add->findData(m_names[4]);
        QVERIFY(index > 0);
        Q_EMIT add->activated(index);
        QCOMPARE(shown.count(), 1);
        QVERIFY(stack.shownColumns().contains(m_names[4]));
        QVERIFY(stack.histogram(m_names[4]));
        QVERIFY(!offered(stack).contains(m_names[4]));
        stack.hideColumn(m_names[4]);
        QCOMPARE(shown.count(), 2);
        QVERIFY(!stack.histogram(m_names[4]));
        stack.clear();
        QVERIFY(stack.shownColumns().isEmpty());
        QVERIFY(!stack.histogram(m_names[0]));
    }

    void rulesAndLines()
    {
        HistogramStack stack;
        stack.setCorpus(m_corpus, {});
        FilterRule r;
        r.column = m_names[2].toStdString();
        r.bounds.min = 0.25;
        r.bounds.max = 0.75;
        stack.setRules({ r }, true);
        HistogramWidget* h = stack.histogram(m_names[2]);
        QVERIFY(h); // the rule's column joined the display
        QCOMPARE(*h->minCutoff(), 0.25);
        QCOMPARE(*h->maxCutoff(), 0.75);
        QVERIFY(!stack.histogram(m_names[0])->minCutoff());
        // Not closed while the rule exists.
        QSignalSpy message(&stack, &HistogramStack::message);
        stack.hideColumn(m_names[2]);
        QCOMPARE(message.count(), 1);
        QVERIFY(message.first().first().toString().contains(m_names[2]));
        QVERIFY(stack.histogram(m_names[2]));
        // Rules without moving the lines (a drag in progress) leave them where they are.
        r.bounds.min = 0.5;
        stack.setRules({ r }, false);
        QCOMPARE(*h->minCutoff(), 0.25);
        stack.setRules({}, true);
        QVERIFY(!h->minCutoff());
        stack.hideColumn(m_names[2]);
        QVERIFY(!stack.histogram(m_names[2]));
    }

    void statisticsAndUserCutoffs()
    {
        HistogramStack stack;
        stack.resize(400, 900);
        stack.show();
        stack.setCorpus(m_corpus, { QStringLiteral("zlib6") });
        HistogramWidget* h = stack.histogram(QStringLiteral("zlib6"));
        QVERIFY(h && !h->hasData());
        SummaryInput in;
        in.names = { "zlib6" };
        in.columns = { m_corpus->scores(size_t(m_corpus->columnIndex("zlib6"))).toVector() };
        in.groups = m_corpus->groups();
        in.groupCount = m_corpus->groupNames().size();
        stack.setSummary(std::make_shared<CorpusSummary>(summarize(in)));
        QVERIFY(h->hasData());
        // A column shown later without statistics asks for them.
        QSignalSpy missing(&stack, &HistogramStack::summaryMissing);
        stack.showColumn(QStringLiteral("zstd3"));
        QCOMPARE(missing.count(), 1);

        QSignalSpy bounds(&stack, &HistogramStack::boundsChanged);
        h->enableBox(HistogramWidget::Edge::Max)->setChecked(true);
        h->spinBox(HistogramWidget::Edge::Max)->setValue(0.5);
        QVERIFY(bounds.count() > 0);
        QCOMPARE(bounds.last().at(0).toString(), QStringLiteral("zlib6"));
        QCOMPARE(bounds.last().at(2).value<std::optional<double>>(), std::optional<double>(0.5));
        QVERIFY(!bounds.last().at(1).value<std::optional<double>>());
    }

    // Issue 20: the plot added from the chooser lands below the others, out of a short dock:
    // the stack scrolls to it.
    void addedHistogramIsScrolledIntoView()
    {
        HistogramStack stack;
        stack.resize(420, 400);
        stack.show();
        QVERIFY(QTest::qWaitForWindowExposed(&stack));
        stack.setCorpus(m_corpus, { m_names[0], m_names[1], m_names[2] });
        auto* scroll = stack.findChild<QScrollArea*>();
        QVERIFY(scroll);
        QTRY_VERIFY(scroll->verticalScrollBar()->maximum() > 0);
        QCOMPARE(scroll->verticalScrollBar()->value(), 0);
        auto* add = stack.findChild<QComboBox*>(QStringLiteral("addHistogram"));
        const int index = add->findData(m_names[4]);
        QVERIFY(index > 0);
        Q_EMIT add->activated(index);
        HistogramWidget* h = stack.histogram(m_names[4]);
        QVERIFY(h);
        QTRY_VERIFY(scroll->verticalScrollBar()->value() > 0);
        // Wholly inside the viewport.
        const QRect inViewport(h->mapTo(scroll->viewport(), QPoint(0, 0)), h->size());
        QVERIFY2(scroll->viewport()->rect().contains(inViewport),
            qPrintable(QStringLiteral("%1 %2").arg(inViewport.top()).arg(inViewport.bottom())));
    }

    // Issue 20: per-group overrides are drawn and edited on the plot. Group "books" has an
    // override, "web" has not (the rule's own bounds apply); a click in the books view reports
    // books' new bounds, not the rule's.
    void groupChoiceDrawsAndEditsOverrides()
    {
        auto corpus = testhelpers::syntheticCorpus(20000, 5);
        HistogramStack stack;
        stack.resize(500, 700);
        stack.show();
        QVERIFY(QTest::qWaitForWindowExposed(&stack));
        stack.setCorpus(corpus, { QStringLiteral("a") });
        SummaryInput in;
        in.names = { "a" };
        in.columns = { corpus->scores(0).toVector() };
        in.groups = corpus->groups();
        in.groupCount = corpus->groupNames().size();
        stack.setSummary(std::make_shared<CorpusSummary>(summarize(in)));
        FilterRule r;
        r.column = "a";
        r.bounds.min = 0.1;
        r.bounds.max = 0.95;
        r.overrides["books"].min = 0.3;
        r.overrides["books"].max = 0.6;
        stack.setRules({ r }, true);
        HistogramWidget* h = stack.histogram(QStringLiteral("a"));
        QVERIFY(h);
        QTRY_VERIFY(h->hasGroupValues()); // split on a worker
        QCOMPARE(*h->minCutoff(), 0.1);

        auto choose = [h](const QString& name) {
            const int i = h->groupBox()->findText(name);
            QVERIFY(i >= 0);
            h->groupBox()->setCurrentIndex(i);
            Q_EMIT h->groupBox()->activated(i);
        };
        choose(QStringLiteral("books"));
        h->plot()->replot();
        QCOMPARE(h->minCutoff(), std::optional<double>(0.3));
        QCOMPARE(h->maxCutoff(), std::optional<double>(0.6));
        QCOMPARE(h->linePixel(HistogramWidget::Edge::Max), h->plot()->xAxis->coordToPixel(0.6));
        if (const QString dir = qEnvironmentVariable("SHARDSCOPE_SCREENSHOT_DIR"); !dir.isEmpty())
            QVERIFY(h->grab().save(dir + QStringLiteral("/histogram-group.png")));

        QSignalSpy all(&stack, &HistogramStack::boundsChanged);
        QSignalSpy group(&stack, &HistogramStack::groupBoundsChanged);
        QSignalSpy finished(&stack, &HistogramStack::dragFinished);
        const double px = h->plot()->xAxis->coordToPixel(0.85);
        QTest::mouseClick(h->plot(), Qt::LeftButton, {}, QPoint(int(px), h->plot()->axisRect()->rect().center().y()));
        QCOMPARE(all.count(), 0);
        QVERIFY(group.count() > 0);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(group.last().at(0).toString(), QStringLiteral("a"));
        QCOMPARE(group.last().at(1).toString(), QStringLiteral("books"));
        QCOMPARE(group.last().at(2).value<std::optional<double>>(), std::optional<double>(0.3));
        const auto max = group.last().at(3).value<std::optional<double>>();
        QVERIFY(max && std::abs(*max - 0.85) < 0.01);

        // What the window does with it: books' override moves, the rule and web stay.
        const auto edited = HistogramStack::withOverrideBounds({ r }, QStringLiteral("a"), QStringLiteral("books"),
            group.last().at(2).value<std::optional<double>>(), max);
        QCOMPARE(edited.size(), size_t(1));
        QCOMPARE(edited[0].bounds, r.bounds);
        QCOMPARE(edited[0].overrides.at("books").min, std::optional<double>(0.3));
        QCOMPARE(edited[0].overrides.at("books").max, max);
        QCOMPARE(edited[0].overrides.count("web"), size_t(0));
        stack.setRules(edited, true);
        QCOMPARE(h->maxCutoff(), max);
        // A group override on a column without a rule makes the rule.
        const auto made
            = HistogramStack::withOverrideBounds({}, QStringLiteral("b"), QStringLiteral("web"), std::nullopt, 0.5);
        QCOMPARE(made.size(), size_t(1));
        QCOMPARE(made[0].column, std::string("b"));
        QVERIFY(!made[0].bounds.min && !made[0].bounds.max);
        QCOMPARE(made[0].overrides.at("web").max, std::optional<double>(0.5));

        // web has no override: the rule's bounds, and the note says so.
        choose(QStringLiteral("web"));
        QCOMPARE(h->minCutoff(), std::optional<double>(0.1));
        QCOMPARE(h->maxCutoff(), std::optional<double>(0.95));
        // Back to all documents: the rule's lines, edits reported for the column.
        choose(QStringLiteral("All documents"));
        QCOMPARE(h->selectedGroup(), -1);
        QCOMPARE(h->minCutoff(), std::optional<double>(0.1));
        QTest::mouseClick(h->plot(), Qt::LeftButton, {},
            QPoint(int(h->plot()->xAxis->coordToPixel(0.2)), h->plot()->axisRect()->rect().center().y()));
        QCOMPARE(all.count(), 1);
        QCOMPARE(all.last().at(1).value<std::optional<double>>().has_value(), true);
    }

    // The groups of a corpus being closed never reach the plots of the next one, even when its
    // columns have the same names (the split runs on a worker; issue 20).
    void splitOfThePreviousCorpusIsDropped()
    {
        auto first = testhelpers::syntheticCorpus(5000, 1);
        auto second = testhelpers::syntheticCorpus(5000, 2);
        HistogramStack stack;
        stack.resize(500, 700);
        stack.show();
        QVERIFY(QTest::qWaitForWindowExposed(&stack));
        stack.setCorpus(first, { QStringLiteral("a") });
        SummaryInput in;
        in.names = { "a" };
        in.columns = { first->scores(0).toVector() };
        in.groups = first->groups();
        in.groupCount = first->groupNames().size();
        stack.setSummary(std::make_shared<CorpusSummary>(summarize(in)));
        // No event loop in between: the first split's result is still to be delivered.
        stack.setCorpus(second, { QStringLiteral("a") });
        HistogramWidget* h = stack.histogram(QStringLiteral("a"));
        QVERIFY(h);
        QTest::qWait(300);
        QVERIFY(!h->hasGroupValues());
    }

    // Issue 20: a rule whose overrides are per label of a categorical column ("by": "lang")
    // offers those labels in the box; a label shows its documents with its override's lines,
    // and a cutoff placed there is that label's override. Without the `by` the plot is split by
    // group again.
    void labelOverridesAreDrawnAndEdited()
    {
        auto corpus = std::make_shared<CorpusData>();
        corpus->setColumns({ ColumnInfo { "a", "uniform", {} }, ColumnInfo { "lang", "label", { "de", "en", "fr" } } });
        corpus->setGroupNames({ "", "web" });
        std::mt19937 rng(3);
        std::uniform_real_distribution<float> uni(0, 1);
        for (int i = 0; i < 6000; ++i)
            corpus->appendSynthetic("doc-" + std::to_string(i), 1, 100, { uni(rng), float(i % 3) });
        HistogramStack stack;
        stack.resize(500, 700);
        stack.show();
        QVERIFY(QTest::qWaitForWindowExposed(&stack));
        stack.setCorpus(corpus, { QStringLiteral("a") });
        FilterRule r;
        r.column = "a";
        r.by = "lang";
        r.bounds.min = 0.1;
        r.overrides["fr"].min = 0.4;
        stack.setRules({ r }, true);
        SummaryInput in;
        in.names = { "a" };
        in.columns = { corpus->scores(0).toVector() };
        in.groups = corpus->groups();
        in.groupCount = corpus->groupNames().size();
        stack.setSummary(std::make_shared<CorpusSummary>(summarize(in)));
        HistogramWidget* h = stack.histogram(QStringLiteral("a"));
        QVERIFY(h);
        QTRY_COMPARE(h->keyColumn(), QStringLiteral("lang"));
        QVERIFY(h->groupBox()->isVisible());
        QCOMPARE(h->groupBox()->count(), 4); // all documents, de, en, fr

        const int fr = h->groupBox()->findText(QStringLiteral("fr"));
        QVERIFY(fr > 0);
        h->groupBox()->setCurrentIndex(fr);
        Q_EMIT h->groupBox()->activated(fr);
        QCOMPARE(h->minCutoff(), std::optional<double>(0.4));
        QVERIFY(!h->maxCutoff());
        uint64_t drawn = 0;
        for (uint64_t c : h->bins().counts)
            drawn += c;
        QCOMPARE(drawn, uint64_t(2000));
        h->plot()->replot();
        QSignalSpy group(&stack, &HistogramStack::groupBoundsChanged);
        QTest::mouseClick(h->plot(), Qt::LeftButton, {},
            QPoint(int(h->plot()->xAxis->coordToPixel(0.9)), h->plot()->axisRect()->rect().center().y()));
        QVERIFY(group.count() > 0);
        QCOMPARE(group.last().at(1).toString(), QStringLiteral("fr"));
        QCOMPARE(group.last().at(2).value<std::optional<double>>(), std::optional<double>(0.4));
        QVERIFY(group.last().at(3).value<std::optional<double>>().has_value());

        // The rule without `by`: split by group again (one group here, so no box).
        stack.setRules({}, true);
        QTRY_VERIFY(h->keyColumn().isEmpty());
        QCOMPARE(h->selectedGroup(), -1);
        QVERIFY(!h->groupBox()->isVisible());
    }
};

QTEST_MAIN(TestHistogramStack)
#include "tst_histogramstack.moc"
