// The filter state (issue 19): rules set on a real scored corpus (the 80 e-mails) without a plot,
// checked against counts taken by hand from the score columns: kept and dropped overall, per
// rule (failing it, and dropped by it alone); a moved cutoff recounted incrementally gives the
// same counts as a full pass; undo and redo, with a drag as one step; a config saved and loaded
// back; ids exported; suggestions computed on a worker.

#include "testhelpers.h"

#include <filterstate.h>

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <set>

using namespace shardscope;

namespace {

FilterRule rule(const std::string& column, std::optional<double> min, std::optional<double> max)
{
    FilterRule r;
    r.column = column;
    r.bounds.min = min;
    r.bounds.max = max;
    return r;
}

std::string json(const std::vector<FilterRule>& rules)
{
    FilterConfig c;
    c.rules = rules;
    return c.toJson();
}

} // namespace

class TestFilterState : public QObject {
    Q_OBJECT

    std::shared_ptr<CorpusData> m_corpus;
    QTemporaryDir m_tmp;

    const ScoreColumn& column(const char* name) const { return m_corpus->scores(size_t(m_corpus->columnIndex(name))); }
    // The value at `fraction` of the sorted column.
    double quantile(const char* name, double fraction) const
    {
        std::vector<float> v = column(name).toVector();
        std::sort(v.begin(), v.end());
        return v[size_t(fraction * double(v.size() - 1))];
    }
    static bool passes(float v, const Bounds& b)
    {
        return !std::isnan(v) && (!b.min || v >= *b.min) && (!b.max || v <= *b.max);
    }

private Q_SLOTS:
    void initTestCase()
    {
        testhelpers::isolate();
        REQUIRE_FIXTURE("spam_ham.jsonl");
        m_corpus = testhelpers::scanCorpus({ testhelpers::fixture("spam_ham.jsonl").toStdString() }, "zlib6,zstd3");
        QVERIFY(m_corpus->size() >= 80);
    }

    void countsPerRuleAndOverall_data()
    {
        QTest::addColumn<double>("zlibMinAt"); // quantile of zlib6 for the minimum, <0: none
        QTest::addColumn<double>("zstdMaxAt"); // quantile of zstd3 for the maximum, <0: none
        QTest::newRow("zlib6 minimum at the median") << 0.5 << -1.0;
        QTest::newRow("zstd3 maximum at the 80th percentile") << -1.0 << 0.8;
        QTest::newRow("both, overlapping") << 0.3 << 0.7;
        QTest::newRow("both, little or nothing kept") << 0.9 << 0.1;
    }

    void countsPerRuleAndOverall()
    {
        QFETCH(double, zlibMinAt);
        QFETCH(double, zstdMaxAt);
        std::vector<FilterRule> rules;
        if (zlibMinAt >= 0)
            rules.push_back(rule("zlib6", quantile("zlib6", zlibMinAt), std::nullopt));
        if (zstdMaxAt >= 0)
            rules.push_back(rule("zstd3", std::nullopt, quantile("zstd3", zstdMaxAt)));

        FilterState f;
        f.setCorpus(m_corpus, false);
        QSignalSpy rulesChanged(&f, &FilterState::rulesChanged);
        QSignalSpy counts(&f, &FilterState::countsChanged);
        f.setRules(rules);
        QCOMPARE(rulesChanged.count(), 1);
        QCOMPARE(rulesChanged.first().first().value<FilterState::Change>(), FilterState::Change::Edited);
        QCOMPARE(counts.count(), 1);

        // By hand: which rules each document fails.
        uint64_t kept = 0;
        std::vector<uint64_t> failed(rules.size()), only(rules.size());
        for (size_t d = 0; d < m_corpus->size(); ++d) {
            std::vector<size_t> fails;
            for (size_t r = 0; r < rules.size(); ++r)
                if (!passes(column(rules[r].column.c_str())[d], rules[r].bounds))
                    fails.push_back(r);
            kept += fails.empty();
            for (size_t r : fails)
                ++failed[r];
            if (fails.size() == 1)
                ++only[fails[0]];
            QCOMPARE(f.keepMask()[d], uint8_t(fails.empty()));
        }
        QCOMPARE(f.counts().total.docs, uint64_t(m_corpus->size()));
        QCOMPARE(f.counts().total.kept, kept);
        QCOMPARE(f.counts().total.dropped(), m_corpus->size() - kept);
        QVERIFY(kept < m_corpus->size());
        QCOMPARE(f.counts().failedByRule, failed);
        QCOMPARE(f.counts().onlyRule, only);
        for (uint64_t n : failed)
            QVERIFY(n > 0);
    }

    void movedCutoffRecountsIncrementally()
    {
        FilterState f;
        f.setCorpus(m_corpus, false);
        // The column's sorted values, as the statistics give them to a plot.
        SummaryInput in;
        in.names = { "zlib6" };
        in.columns = { column("zlib6").toVector() };
        in.groups = m_corpus->groups();
        in.groupCount = m_corpus->groupNames().size();
        const CorpusSummary summary = summarize(in);
        const ColumnSummary* cs = summary.column("zlib6");
        QVERIFY(cs && cs->order);

        QSignalSpy rulesChanged(&f, &FilterState::rulesChanged);
        f.setBounds("zlib6", quantile("zlib6", 0.2), std::nullopt, cs); // creates the rule: a full pass
        QCOMPARE(rulesChanged.last().first().value<FilterState::Change>(), FilterState::Change::Dragged);
        for (double q : { 0.3, 0.45, 0.6, 0.25 }) {
            const double cut = quantile("zlib6", q);
            f.setBounds("zlib6", cut, std::nullopt, cs);
            QCOMPARE(
                rulesChanged.last().first().value<FilterState::Change>(), FilterState::Change::DraggedIncrementally);
            uint64_t kept = 0;
            for (float v : column("zlib6"))
                kept += !std::isnan(v) && v >= cut;
            QCOMPARE(f.counts().total.kept, kept);
            QCOMPARE(*f.rules().at(0).bounds.min, cut);
            // The same as a full evaluation of the same rules.
            FilterEvaluator e;
            e.setRules(f.rules());
            std::vector<uint8_t> keep;
            QCOMPARE(e.evaluate(*m_corpus, &keep).total.kept, kept);
            QVERIFY(keep == f.keepMask());
        }
        // Both lines off: the rule is gone.
        f.setBounds("zlib6", std::nullopt, std::nullopt, cs);
        QVERIFY(f.rules().empty());
        QCOMPARE(f.counts().total.kept, uint64_t(m_corpus->size()));

        // While the corpus grows no per-document state is kept: full passes only.
        f.setGrowing(true);
        f.setBounds("zlib6", quantile("zlib6", 0.5), std::nullopt, cs);
        f.setBounds("zlib6", quantile("zlib6", 0.6), std::nullopt, cs);
        QCOMPARE(rulesChanged.last().first().value<FilterState::Change>(), FilterState::Change::Dragged);
    }

    // Issue 21, part 2: a move recounts from bins, and writes the keep mask of at most kCatchUpSlice of the
    // documents it crossed at once; the rest follows between events (keepMaskChanged), so a line dragged across
    // ten million documents never waits for millions of writes. The counts are exact at once, and
    // ensureEvaluated() (a view of kept or dropped rows, an export) brings the mask up to date at once.
    void bigMovesCatchUpTheKeepMaskBetweenEvents()
    {
        const size_t n = FilterState::kCatchUpSlice * 4;
        auto c = testhelpers::syntheticCorpus(n, 3);
        FilterState f;
        f.setCorpus(c, false);
        SummaryInput in;
        in.names = { "a" };
        in.columns = { c->scores(0).toVector() };
        in.groups = c->groups();
        in.groupCount = c->groupNames().size();
        const CorpusSummary summary = summarize(in);
        const ColumnSummary* cs = summary.column("a");
        QVERIFY(cs && cs->order);
        auto expectedKeep = [&]() {
            FilterEvaluator e;
            e.setRules(f.rules());
            std::vector<uint8_t> keep;
            const uint64_t kept = e.evaluate(*c, &keep).total.kept;
            return std::make_pair(kept, keep);
        };
        f.setBounds("a", 0.1, std::nullopt, cs); // creates the rule: a full pass
        QVERIFY(!f.keepMaskPending());
        f.setBounds("a", 0.11, std::nullopt, cs); // document by document, and the drag index starts on a worker
        QVERIFY(!f.keepMaskPending());
        QTRY_VERIFY_WITH_TIMEOUT(f.dragIndexReady("a"), 20000);
        f.setBounds("a", 0.9, std::nullopt, cs); // crosses about 80% of the documents
        QVERIFY(f.keepMaskPending());
        auto [kept, keep] = expectedKeep();
        QCOMPARE(f.counts().total.kept, kept);
        QVERIFY(f.keepMask() != keep); // not yet
        QSignalSpy caught(&f, &FilterState::keepMaskChanged);
        QVERIFY(testhelpers::signalled(caught, 10000));
        QVERIFY(!f.keepMaskPending());
        QVERIFY(f.keepMask() == keep);
        // Back again, and brought up to date at once by whoever needs the mask now.
        f.setBounds("a", 0.05, std::nullopt, cs);
        QVERIFY(f.keepMaskPending());
        f.ensureEvaluated();
        QVERIFY(!f.keepMaskPending());
        std::tie(kept, keep) = expectedKeep();
        QCOMPARE(f.counts().total.kept, kept);
        QVERIFY(f.keepMask() == keep);
        // Another corpus while a catch-up is pending: nothing of the old one is written into the new mask.
        f.setBounds("a", 0.95, std::nullopt, cs);
        QVERIFY(f.keepMaskPending());
        f.setCorpus(testhelpers::syntheticCorpus(1000, 4), false);
        QVERIFY(!f.keepMaskPending());
        QTest::qWait(50);
        QCOMPARE(f.keepMask().size(), size_t(1000));
    }

    void undoAndRedo()
    {
        FilterState f;
        f.setCorpus(m_corpus, false);
        QVERIFY(!f.canUndo() && !f.canRedo());
        const auto a = std::vector<FilterRule> { rule("zlib6", quantile("zlib6", 0.4), std::nullopt) };
        const auto b = std::vector<FilterRule> { rule("zlib6", quantile("zlib6", 0.4), std::nullopt),
            rule("zstd3", std::nullopt, quantile("zstd3", 0.5)) };
        f.setRules(a);
        const uint64_t keptA = f.counts().total.kept;
        f.setRules(b);
        const uint64_t keptB = f.counts().total.kept;
        QVERIFY(keptB < keptA);
        QSignalSpy undoState(&f, &FilterState::undoStateChanged);
        f.undo();
        QCOMPARE(json(f.rules()), json(a));
        QCOMPARE(f.counts().total.kept, keptA);
        QVERIFY(f.canRedo());
        QVERIFY(undoState.count() > 0);
        f.undo();
        QVERIFY(f.rules().empty());
        QCOMPARE(f.counts().total.kept, uint64_t(m_corpus->size()));
        QVERIFY(!f.canUndo());
        f.undo(); // nothing left: no change
        QVERIFY(f.rules().empty());
        f.redo();
        f.redo();
        QCOMPARE(json(f.rules()), json(b));
        QCOMPARE(f.counts().total.kept, keptB);
        QVERIFY(!f.canRedo());

        // A drag (many moves of one line) is one step; a new edit clears what could be redone.
        f.undo();
        QVERIFY(f.canRedo());
        for (double q : { 0.5, 0.55, 0.6, 0.65 })
            f.setBounds("zlib6", quantile("zlib6", q), std::nullopt, nullptr);
        f.endDrag();
        QVERIFY(!f.canRedo());
        QCOMPARE(*f.rules()[0].bounds.min, quantile("zlib6", 0.65));
        f.undo();
        QCOMPARE(json(f.rules()), json(a));
        // So is a drag of a group's override line (issue 20: its moves reach FilterState as whole rule lists).
        for (double q : { 0.3, 0.35, 0.45 }) {
            auto moved = f.rules();
            moved[0].overrides["books"].min = quantile("zlib6", q);
            f.dragRules(moved,
                "zlib6\x1f"
                "books");
        }
        f.endDrag();
        QCOMPARE(*f.rules()[0].overrides.at("books").min, quantile("zlib6", 0.45));
        f.undo();
        QCOMPARE(json(f.rules()), json(a));
        // Removing and editing a rule are steps too.
        f.removeRule("zlib6");
        QVERIFY(f.rules().empty());
        f.undo();
        QCOMPARE(json(f.rules()), json(a));
        f.editRule(0, rule("zlib6", std::nullopt, 0.5));
        QCOMPARE(*f.rules()[0].bounds.max, 0.5);
        QVERIFY(!f.rules()[0].bounds.min);
        f.undo();
        QCOMPARE(json(f.rules()), json(a));

        // Rules remembered for a corpus are not an edit; another corpus has no history.
        FilterState g;
        g.setCorpus(m_corpus, false);
        QSignalSpy restored(&g, &FilterState::rulesChanged);
        g.restoreRules(b);
        QCOMPARE(restored.first().first().value<FilterState::Change>(), FilterState::Change::Restored);
        QVERIFY(!g.canUndo());
        QCOMPARE(g.counts().total.kept, keptB);
        QSignalSpy cleared(&f, &FilterState::rulesChanged);
        f.clear();
        QVERIFY(!f.canUndo() && !f.canRedo());
        QVERIFY(f.rules().empty());
        // Whoever draws the rules hears that they went (the scatter kept the old corpus's box; issue 20, bug 5).
        QCOMPARE(cleared.count(), 1);
        QCOMPARE(cleared.first().first().value<FilterState::Change>(), FilterState::Change::Cleared);
    }

    void configRoundTrip()
    {
        FilterState f;
        f.setCorpus(m_corpus, false);
        auto r2 = rule("zstd3", quantile("zstd3", 0.2), quantile("zstd3", 0.9));
        r2.keepMissing = true;
        f.setRules(
            { rule("zlib6", quantile("zlib6", 0.35), std::nullopt), r2, rule("no_such_column", 1, std::nullopt) });
        QCOMPARE(f.counts().ruleEvaluated, (std::vector<bool> { true, true, false }));
        const QString path = m_tmp.filePath(QStringLiteral("filter.json"));
        QString error;
        QVERIFY2(f.saveConfig(path, &error), qPrintable(error));
        const FilterConfig saved = FilterConfig::load(path.toStdString());
        QVERIFY(saved.fields.has_value());
        QVERIFY(saved.provenanceJson.find("\"kept\": " + std::to_string(f.counts().total.kept)) != std::string::npos
            || saved.provenanceJson.find("\"kept\":" + std::to_string(f.counts().total.kept)) != std::string::npos);

        FilterState g;
        g.setCorpus(m_corpus, false);
        QStringList unknown;
        QVERIFY2(g.loadConfig(path, &error, &unknown), qPrintable(error));
        QCOMPARE(unknown, QStringList { QStringLiteral("no_such_column") });
        QCOMPARE(json(g.rules()), json(f.rules()));
        QCOMPARE(g.counts().total.kept, f.counts().total.kept);
        QCOMPARE(g.counts().failedByRule, f.counts().failedByRule);
        QVERIFY(g.keepMask() == f.keepMask());
        QVERIFY(g.canUndo()); // loading is an edit

        QVERIFY(!g.loadConfig(m_tmp.filePath(QStringLiteral("missing.json")), &error));
        QVERIFY(error.contains(QStringLiteral("missing.json")));
        QCOMPARE(json(g.rules()), json(f.rules())); // unchanged by the failed load
    }

    void exportIdsWritesKeptAndDropped()
    {
        FilterState f;
        QCOMPARE(f.exportIds(m_tmp.filePath(QStringLiteral("none.txt")), true).result(), tr("no corpus is open"));
        f.setCorpus(m_corpus, false);
        f.setRules({ rule("zlib6", quantile("zlib6", 0.5), std::nullopt) });
        const QString kept = m_tmp.filePath(QStringLiteral("kept.txt")),
                      dropped = m_tmp.filePath(QStringLiteral("dropped.txt"));
        QCOMPARE(f.exportIds(kept, true).result(), QString());
        QCOMPARE(f.exportIds(dropped, false).result(), QString());
        QFile k(kept), d(dropped);
        QVERIFY(k.open(QIODevice::ReadOnly) && d.open(QIODevice::ReadOnly));
        const QStringList keptIds = QString::fromUtf8(k.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        const QStringList droppedIds = QString::fromUtf8(d.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(uint64_t(keptIds.size()), f.counts().total.kept);
        QCOMPARE(uint64_t(droppedIds.size()), f.counts().total.dropped());
        for (size_t i = 0; i < m_corpus->size(); ++i) {
            const QString id = QString::fromStdString(m_corpus->idOf(i));
            QVERIFY((f.keepMask()[i] ? keptIds : droppedIds).contains(id));
        }
    }

    void suggestionsOnAWorker()
    {
        FilterState f;
        f.setCorpus(m_corpus, false);
        f.setRules({ rule("zlib6", quantile("zlib6", 0.5), std::nullopt), rule("no_such_column", 1, std::nullopt) });
        int readyIndex = -1;
        std::vector<CutoffSuggestion> got;
        connect(&f, &FilterState::suggestionsReady, this,
            [&](int index, const std::string& column, const std::vector<CutoffSuggestion>& list) {
                QCOMPARE(column, std::string("zlib6"));
                readyIndex = index;
                got = list;
            });
        QString why;
        connect(&f, &FilterState::suggestionsUnavailable, this,
            [&](int, const std::string&, const QString& text) { why = text; });
        f.requestSuggestions(0);
        QTRY_COMPARE_WITH_TIMEOUT(readyIndex, 0, 30000);
        QVERIFY(!got.empty());
        for (const auto& s : got)
            QCOMPARE(s.column, std::string("zlib6"));
        f.requestSuggestions(1);
        QVERIFY(why.contains(QStringLiteral("no_such_column")));
    }
};

QTEST_MAIN(TestFilterState)
#include "tst_filterstate.moc"
