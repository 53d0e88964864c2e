// FilterEvaluator (the counts behind the threshold panel) against FilterRule::passes, the
// engine's definition, and the GroupCountsModel that shows them. Issue #3 item 5.

#include "testhelpers.h"

#include <columnsummary.h>
#include <filterevaluator.h>
#include <thresholdpanel.h>

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QTableWidget>
#include <QTest>

#include <set>

using namespace shardscope;

namespace {
Bounds makeBounds(std::optional<double> min, std::optional<double> max, bool disabled = false)
{
    Bounds b;
    b.min = min;
    b.max = max;
    b.disabled = disabled;
    return b;
}
} // namespace

class TestFilterEvaluator : public QObject {
    Q_OBJECT

private:
    static FilterRule rule(const std::string& col, std::optional<double> min, std::optional<double> max)
    {
        FilterRule r;
        r.column = col;
        r.bounds.min = min;
        r.bounds.max = max;
        return r;
    }

    // Issue 21, part 2: a dragged line's counts come from per-bin sums over the column's sorted order (whole bins
    // crossed, documents only in the bins at the ends), and the keep mask follows by catchUp() in slices. Both
    // must equal a full recount after every move: many random moves (drags of one line, jumps, lines switched
    // off, the other rule's line between), checked against FilterEvaluator::evaluate from scratch.
    static QString dragAgainstFullRecounts(const CorpusData& corpus, std::vector<FilterRule> rules,
        const std::string& breakdown, const std::vector<size_t>& draggable, int moves, uint32_t seed)
    {
        FilterEvaluator ev;
        ev.setRules(rules);
        ev.setBreakdownColumn(breakdown);
        std::vector<uint8_t> keep;
        FilterCounts counts = ev.evaluateTracked(corpus, keep);
        std::vector<std::shared_ptr<const std::vector<uint32_t>>> order(rules.size());
        std::vector<std::shared_ptr<const std::vector<float>>> sorted(rules.size());
        std::vector<std::vector<float>> present(rules.size()); // the column's values, to pick cutoffs from
        for (size_t r : draggable) {
            const int c = corpus.columnIndex(rules[r].column);
            auto o = std::make_shared<std::vector<uint32_t>>();
            auto v = std::make_shared<std::vector<float>>();
            argsortValues(corpus.scores(size_t(c)).data(), corpus.size(), *o, *v);
            order[r] = o;
            sorted[r] = v;
            present[r] = *v;
        }
        std::mt19937 rng(seed);
        size_t r = draggable.front();
        double at = 0.5; // where the dragged line is, as a quantile
        size_t binned = 0;
        for (int step = 0; step < moves; ++step) {
            if (rng() % 25 == 0) // the other line
                r = draggable[rng() % draggable.size()];
            Bounds b = rules[r].bounds;
            const auto& v = present[r];
            const unsigned kind = rng() % 20;
            if (kind == 0) {
                b.min.reset();
            } else if (kind == 1) {
                b.max.reset();
            } else {
                // Mostly small steps (a drag, a few bins), sometimes a jump across the distribution; cutoffs on
                // exact values (ties) and between them.
                at = kind < 4 ? std::uniform_real_distribution<double>(0, 1)(rng)
                              : std::clamp(at + std::uniform_real_distribution<double>(-0.03, 0.03)(rng), 0.0, 1.0);
                double cut = v[std::min(v.size() - 1, size_t(at * double(v.size())))];
                if (kind % 3 == 0)
                    cut = std::nextafter(cut, 10.0);
                (kind % 2 ? b.max : b.min) = cut;
            }
            if (!ev.updateBounds(corpus, r, b, order[r], sorted[r], keep, counts))
                return QStringLiteral("move %1 refused").arg(step);
            binned += ev.pendingDocs() > 0;
            rules[r].bounds.min = b.min;
            rules[r].bounds.max = b.max;
            FilterEvaluator full;
            full.setRules(rules);
            full.setBreakdownColumn(breakdown);
            std::vector<uint8_t> fullKeep;
            const FilterCounts e = full.evaluate(corpus, &fullKeep);
            if (counts.total.kept != e.total.kept || counts.total.keptBytes != e.total.keptBytes
                || counts.total.keptRecordBytes != e.total.keptRecordBytes)
                return QStringLiteral("move %1: totals %2 vs %3").arg(step).arg(counts.total.kept).arg(e.total.kept);
            if (counts.failedByRule != e.failedByRule || counts.onlyRule != e.onlyRule)
                return QStringLiteral("move %1: per-rule counts differ").arg(step);
            for (size_t g = 0; g < e.perGroup.size(); ++g)
                if (counts.perGroup[g].kept != e.perGroup[g].kept
                    || counts.perGroup[g].keptBytes != e.perGroup[g].keptBytes
                    || counts.perGroup[g].keptRecordBytes != e.perGroup[g].keptRecordBytes)
                    return QStringLiteral("move %1: group %2 differs").arg(step).arg(g);
            if (counts.perLabel.size() != e.perLabel.size())
                return QStringLiteral("move %1: labels").arg(step);
            for (size_t l = 0; l < e.perLabel.size(); ++l)
                if (counts.perLabel[l].kept != e.perLabel[l].kept
                    || counts.perLabel[l].keptBytes != e.perLabel[l].keptBytes)
                    return QStringLiteral("move %1: label %2 differs").arg(step).arg(l);
            // The mask: caught up by none, part or all of what is pending.
            const unsigned slice = rng() % 3;
            ev.catchUp(keep, slice == 0 ? 0 : slice == 1 ? size_t(rng() % 200) : size_t(-1));
            if (ev.pendingDocs() == 0 && keep != fullKeep)
                return QStringLiteral("move %1: keep mask differs").arg(step);
        }
        ev.catchUp(keep);
        FilterEvaluator full;
        full.setRules(rules);
        std::vector<uint8_t> fullKeep;
        full.evaluate(corpus, &fullKeep);
        if (keep != fullKeep)
            return QStringLiteral("final keep mask differs");
        if (binned == 0)
            return QStringLiteral("no move left documents pending: the slices were not exercised");
        return {};
    }

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void matchesEngineSemantics_data()
    {
        QTest::addColumn<int>("variant");
        QTest::newRow("no rules") << 0;
        QTest::newRow("min only") << 1;
        QTest::newRow("min and max, two rules") << 2;
        QTest::newRow("keep missing") << 3;
        QTest::newRow("group overrides") << 4;
        QTest::newRow("rule on an unknown column") << 5;
    }

    void matchesEngineSemantics()
    {
        QFETCH(int, variant);
        auto corpus = testhelpers::syntheticCorpus(20000, 7);
        std::vector<FilterRule> rules;
        switch (variant) {
        case 1:
            rules.push_back(rule("a", 0.2, std::nullopt));
            break;
        case 2:
            rules.push_back(rule("a", 0.1, 0.9));
            rules.push_back(rule("b", 0.3, 0.7));
            break;
        case 3: {
            auto r = rule("b", 0.3, std::nullopt);
            r.keepMissing = true;
            rules.push_back(r);
            break;
        }
        case 4: {
            auto r = rule("a", 0.5, std::nullopt);
            r.overrides["web"] = makeBounds(0.1, 0.2);
            r.overrides["code"] = makeBounds(std::nullopt, std::nullopt, true);
            rules.push_back(r);
            rules.push_back(rule("b", std::nullopt, 0.6));
            break;
        }
        case 5:
            rules.push_back(rule("a", 0.5, std::nullopt));
            rules.push_back(rule("not_a_column", 0.5, std::nullopt));
            break;
        }
        FilterEvaluator ev;
        ev.setRules(rules);
        std::vector<uint8_t> keep;
        const FilterCounts fc = ev.evaluate(*corpus, &keep);
        QCOMPARE(keep.size(), corpus->size());

        KeepCounts expected;
        std::vector<KeepCounts> perGroup(corpus->groupNames().size());
        for (size_t i = 0; i < corpus->size(); ++i) {
            const std::string& g = corpus->groupNames()[corpus->group(i)];
            bool pass = true;
            for (const auto& r : rules) {
                const int col = corpus->columnIndex(r.column);
                if (col >= 0 && !r.passes(corpus->scores(size_t(col))[i], g))
                    pass = false;
            }
            QCOMPARE(bool(keep[i]), pass);
            for (KeepCounts* c : { &expected, &perGroup[corpus->group(i)] }) {
                c->docs++;
                c->kept += pass;
                c->bytes += corpus->textBytes(i);
                c->keptBytes += pass ? corpus->textBytes(i) : 0;
                c->recordBytes += corpus->length(i);
                c->keptRecordBytes += pass ? corpus->length(i) : 0;
            }
        }
        QCOMPARE(fc.total.docs, expected.docs);
        QCOMPARE(fc.total.kept, expected.kept);
        QCOMPARE(fc.total.bytes, expected.bytes);
        QCOMPARE(fc.total.keptBytes, expected.keptBytes);
        QCOMPARE(fc.total.recordBytes, expected.recordBytes);
        QCOMPARE(fc.total.keptRecordBytes, expected.keptRecordBytes);
        for (size_t g = 0; g < perGroup.size(); ++g) {
            QCOMPARE(fc.perGroup[g].kept, perGroup[g].kept);
            QCOMPARE(fc.perGroup[g].keptBytes, perGroup[g].keptBytes);
            QCOMPARE(fc.perGroup[g].keptRecordBytes, perGroup[g].keptRecordBytes);
        }
        if (variant == 5) {
            QCOMPARE(fc.ruleEvaluated, (std::vector<bool> { true, false }));
            QCOMPARE(fc.failedByRule[1], uint64_t(0));
        }
        if (variant == 2) {
            QVERIFY(fc.failedByRule[0] > 0 && fc.failedByRule[1] > 0);
            QVERIFY(fc.onlyRule[0] <= fc.failedByRule[0]);
            QVERIFY(fc.total.dropped() <= fc.failedByRule[0] + fc.failedByRule[1]);
        }
    }

    void incrementalUpdatesMatchAFullPass()
    {
        auto corpus = testhelpers::syntheticCorpus(30000, 9);
        std::vector<FilterRule> rules { rule("a", 0.2, 0.9), rule("b", 0.3, std::nullopt) };
        rules[1].overrides["books"] = makeBounds(0.1, std::nullopt);
        FilterEvaluator ev;
        ev.setRules(rules);
        std::vector<uint8_t> keep;
        FilterCounts counts = ev.evaluateTracked(*corpus, keep);
        std::vector<uint32_t> order[2];
        std::vector<float> sorted[2];
        for (int c = 0; c < 2; ++c)
            argsortValues(corpus->scores(size_t(c)).data(), corpus->size(), order[c], sorted[c]);
        std::mt19937 rng(4);
        std::uniform_real_distribution<double> pos(-0.1, 1.1);
        for (int step = 0; step < 60; ++step) {
            const size_t r = size_t(step % 2);
            Bounds b = rules[r].bounds;
            // Small moves (a dragged line) and jumps (a typed value), and unset bounds.
            if (step % 7 == 3)
                b.max.reset();
            else if (step % 5 == 0)
                b.max = pos(rng);
            else
                b.min = (b.min ? *b.min : 0.5) + (step % 3 == 0 ? pos(rng) - 0.5 : 0.003);
            if (b.min && b.max && *b.min > *b.max)
                std::swap(*b.min, *b.max);
            QVERIFY(ev.updateBounds(*corpus, r, b, order[r], sorted[r], keep, counts));
            rules[r].bounds.min = b.min;
            rules[r].bounds.max = b.max;
            FilterEvaluator full;
            full.setRules(rules);
            std::vector<uint8_t> fullKeep;
            const FilterCounts expected = full.evaluate(*corpus, &fullKeep);
            QCOMPARE(keep, fullKeep);
            QCOMPARE(counts.total.kept, expected.total.kept);
            QCOMPARE(counts.total.keptBytes, expected.total.keptBytes);
            QCOMPARE(counts.total.keptRecordBytes, expected.total.keptRecordBytes);
            QCOMPARE(counts.failedByRule, expected.failedByRule);
            QCOMPARE(counts.onlyRule, expected.onlyRule);
            for (size_t g = 0; g < counts.perGroup.size(); ++g)
                QCOMPARE(counts.perGroup[g].kept, expected.perGroup[g].kept);
        }
        // A corpus that grew, or an unknown rule index, is refused: the caller evaluates fully.
        QVERIFY(!ev.updateBounds(*corpus, 5, Bounds {}, order[0], sorted[0], keep, counts));
        corpus->appendSynthetic("late", 1, 10, { 0.5f, 0.5f });
        QVERIFY(!ev.updateBounds(*corpus, 0, Bounds {}, order[0], sorted[0], keep, counts));
    }

    // Real scores (UDHR sentences): two rules with ties, a per-label breakdown and a by-label override that the
    // dragged line must leave alone.
    void binnedDragMatchesFullRecountsOnUdhr()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        auto corpus = testhelpers::scanCorpus(
            { testdata::fixture("udhr_sentences.jsonl") }, "zlib6,zstd3,text_dominant_script");
        std::vector<FilterRule> rules { rule("zlib6", 0.45, 0.75), rule("zstd3", 0.3, std::nullopt) };
        rules[0].by = "text_dominant_script";
        rules[0].overrides["Greek"] = makeBounds(std::nullopt, 0.65);
        rules[0].overrides["Cyrillic"] = makeBounds(std::nullopt, std::nullopt, true);
        QCOMPARE(dragAgainstFullRecounts(*corpus, rules, "text_dominant_script", { 0, 1 }, 400, 7), QString());
        // By group, and three rules (documents failing exactly one other rule move onlyRule of that rule).
        std::vector<FilterRule> three { rule("zlib6", 0.4, std::nullopt), rule("zstd3", std::nullopt, 0.8),
            rule("text_dominant_script", std::nullopt, std::nullopt) };
        three[2].bounds.in = std::vector<std::string> { "Latin", "Cyrillic" };
        QCOMPARE(dragAgainstFullRecounts(*corpus, three, "", { 0, 1 }, 300, 11), QString());
    }

    // The bench shard (about 10,000 web documents, real zlib6 and zstd3 scores), where a move crosses many bins.
    void binnedDragMatchesFullRecountsOnTheBench()
    {
        REQUIRE_SHARED("bench/bench-0000.jsonl.zst");
        auto corpus = testhelpers::scanCorpus({ testdata::shared("bench/bench-0000.jsonl.zst") });
        QVERIFY(corpus->size() > 5000);
        std::vector<FilterRule> rules { rule("zlib6", 0.3, 0.9), rule("zstd3", 0.25, std::nullopt) };
        QCOMPARE(dragAgainstFullRecounts(*corpus, rules, "", { 0, 1 }, 400, 3), QString());
    }

    // Issue 5, item 4: per-label overrides ("by" a categorical column, as per-language cutoffs)
    // and "in" rules, on real UDHR paragraphs in 55 languages with text_dominant_script as the
    // categorical column (the same contract as langid's `lang`). The evaluator's flat loop
    // must agree with the engine's BoundRules document by document, including per label.
    void byLabelOverridesMatchTheEngine()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        auto corpus
            = testhelpers::scanCorpus({ testdata::fixture("udhr_sentences.jsonl") }, "zlib6,text_dominant_script");
        QCOMPARE(corpus->size(), size_t(550));
        FilterConfig cfg = FilterConfig::parse(R"({"format":"shardscope-filter","version":2,"rules":[
            {"scorer":"text_dominant_script","in":["Latin","Cyrillic","Greek","Arabic","Devanagari"]},
            {"scorer":"zlib6","min":0.45,"max":0.75,"by":"text_dominant_script",
             "overrides":{"Cyrillic":{"disabled":true},"Greek":{"max":0.65},"Devanagari":{"min":0.5}}}]})");
        FilterEvaluator ev;
        ev.setRules(cfg.rules);
        ev.setBreakdownColumn("text_dominant_script");
        std::vector<uint8_t> keep;
        FilterCounts counts = ev.evaluateTracked(*corpus, keep);
        QCOMPARE(counts.ruleEvaluated, (std::vector<bool> { true, true }));

        auto check = [&](const std::vector<FilterRule>& rules) {
            BoundRules bound(rules, corpus->columns());
            const int sc = corpus->columnIndex("text_dominant_script");
            const auto& cats = corpus->columns()[size_t(sc)].categories;
            std::vector<uint64_t> keptPerLabel(cats.size() + 1, 0), failed(rules.size(), 0);
            uint64_t kept = 0;
            std::vector<float> row(corpus->columnCount());
            for (size_t i = 0; i < corpus->size(); ++i) {
                for (size_t c = 0; c < row.size(); ++c)
                    row[c] = corpus->scores(c)[i];
                const bool pass = bound.firstFailing(row.data(), corpus->groupNames()[corpus->group(i)]) < 0;
                if (bool(keep[i]) != pass)
                    return QStringLiteral("document %1 differs").arg(i);
                kept += pass;
                const float v = row[size_t(sc)];
                keptPerLabel[v >= 0 ? size_t(v) : cats.size()] += pass;
                for (size_t r = 0; r < rules.size(); ++r)
                    failed[r] += !bound.passes(r, row.data(), "");
            }
            if (counts.total.kept != kept || counts.failedByRule != failed)
                return QStringLiteral("totals differ");
            for (size_t k = 0; k < keptPerLabel.size(); ++k)
                if (counts.perLabel[k].kept != keptPerLabel[k])
                    return QStringLiteral("label %1 differs").arg(k);
            return QString();
        };
        QCOMPARE(check(cfg.rules), QString());
        QCOMPARE(counts.breakdownColumn, std::string("text_dominant_script"));
        const auto labelIndex = [&](const char* l) {
            return size_t(std::find(counts.labelNames.begin(), counts.labelNames.end(), l) - counts.labelNames.begin());
        };
        // The overrides change the outcome on this data: every Cyrillic sentence is kept (the
        // zlib rule is off for them), every Han/Kana sentence is dropped by the "in" rule.
        QCOMPARE(counts.perLabel[labelIndex("Cyrillic")].kept, counts.perLabel[labelIndex("Cyrillic")].docs);
        QVERIFY(counts.perLabel[labelIndex("Cyrillic")].docs >= 50); // ru uk bg mk be kk
        QCOMPARE(counts.perLabel[labelIndex("Han/Kana")].kept, uint64_t(0));
        FilterRule plain = cfg.rules[1];
        plain.overrides.clear();
        BoundRules plainBound({ plain }, corpus->columns());
        uint64_t plainFails = 0;
        for (size_t i = 0; i < corpus->size(); ++i) {
            std::vector<float> row(corpus->columnCount());
            for (size_t c = 0; c < row.size(); ++c)
                row[c] = corpus->scores(c)[i];
            plainFails += !plainBound.passes(0, row.data(), "");
        }
        QVERIFY(plainFails != counts.failedByRule[1]);

        // Dragging the rule's own line moves only the labels without an override.
        const int zc = corpus->columnIndex("zlib6");
        std::vector<uint32_t> order;
        std::vector<float> sorted;
        argsortValues(corpus->scores(size_t(zc)).data(), corpus->size(), order, sorted);
        std::vector<FilterRule> rules = cfg.rules;
        for (double max : { 0.7, 0.6, 0.8, 0.55 }) {
            Bounds b = rules[1].bounds;
            b.max = max;
            QVERIFY(ev.updateBounds(*corpus, 1, b, order, sorted, keep, counts));
            rules[1].bounds.max = max;
            QCOMPARE(check(rules), QString());
        }
        // An "in" rule has no line to drag.
        QVERIFY(!ev.updateBounds(*corpus, 0, rules[0].bounds, order, sorted, keep, counts));

        // Why dropped names the override that decided.
        bool sawOverride = false, sawIn = false;
        for (size_t i = 0; i < corpus->size(); ++i)
            for (const auto& why : ev.reasons(*corpus, i)) {
                sawOverride = sawOverride
                    || why.find("(override for text_dominant_script \"Greek\")") != std::string::npos
                    || why.find("(override for text_dominant_script \"Devanagari\")") != std::string::npos;
                sawIn = sawIn || why.find("text_dominant_script = Han/Kana is not in {Latin, Cyrillic") == 0;
            }
        QVERIFY(sawOverride);
        QVERIFY(sawIn);
    }

    void reasonsNameRuleValueAndBound()
    {
        auto corpus = testhelpers::syntheticCorpus(1000, 3);
        FilterEvaluator ev;
        ev.setRules({ rule("a", 0.5, std::nullopt), rule("b", std::nullopt, 10.0) });
        for (size_t i = 0; i < corpus->size(); ++i) {
            const float a = corpus->scores(0)[i];
            const float b = corpus->scores(1)[i];
            const auto reasons = ev.reasons(*corpus, i);
            size_t expected = (a < 0.5f ? 1 : 0) + (std::isnan(b) ? 1 : 0);
            QCOMPARE(reasons.size(), expected);
            if (a < 0.5f)
                QVERIFY(reasons.front().find("a = ") == 0 && reasons.front().find("< min 0.5") != std::string::npos);
            if (std::isnan(b))
                QVERIFY(reasons.back().find("b is missing") == 0);
        }
    }

    void borderlineAndSampleViews()
    {
        auto corpus = testhelpers::syntheticCorpus(5000, 11);
        FilterEvaluator ev;
        ev.setRules({ rule("a", 0.3, 0.8) });
        std::vector<uint8_t> keep;
        ev.evaluate(*corpus, &keep);
        // Borderline: 10 per side of each of the two cutoffs, the closest ones.
        const auto border = ev.borderline(*corpus, 10);
        QCOMPARE(border.size(), size_t(40));
        const auto& a = corpus->scores(0);
        // The expected set, computed the slow way: per cutoff and side, the 10 nearest.
        std::set<uint32_t> expected;
        for (double c : { 0.3, 0.8 }) {
            for (int side = 0; side < 2; ++side) {
                std::vector<std::pair<double, uint32_t>> cand;
                for (size_t i = 0; i < corpus->size(); ++i)
                    if ((a[i] < c) == (side == 0))
                        cand.emplace_back(std::abs(double(a[i]) - c), uint32_t(i));
                std::sort(cand.begin(), cand.end());
                for (size_t k = 0; k < 10; ++k)
                    expected.insert(cand[k].second);
            }
        }
        QCOMPARE(std::set<uint32_t>(border.begin(), border.end()), expected);
        // Both sides of each cutoff are represented.
        int below03 = 0, above03 = 0;
        for (uint32_t d : border) {
            if (std::abs(a[d] - 0.3f) < std::abs(a[d] - 0.8f))
                (a[d] < 0.3f ? below03 : above03)++;
        }
        QCOMPARE(below03, 10);
        QCOMPARE(above03, 10);

        const auto sample = FilterEvaluator::randomDropped(keep, 25, 42);
        QCOMPARE(sample.size(), size_t(25));
        for (uint32_t d : sample)
            QVERIFY(!keep[d]);
        QVERIFY(std::is_sorted(sample.begin(), sample.end()));
        QVERIFY(FilterEvaluator::randomDropped(keep, 25, 43) != sample);
        const auto dropped = FilterEvaluator::dropped(keep);
        const auto kept = FilterEvaluator::kept(keep);
        QCOMPARE(dropped.size() + kept.size(), corpus->size());
    }

    void panelShowsCountsAndGroupModel()
    {
        auto corpus = testhelpers::syntheticCorpus(3000, 5);
        ThresholdPanel panel;
        QAbstractItemModelTester tester(panel.groupModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        FilterEvaluator ev;
        ev.setRules({ rule("a", 0.25, std::nullopt) });
        const FilterCounts fc = ev.evaluate(*corpus);
        panel.setRules(ev.rules());
        panel.setCounts(fc, corpus->groupNames());
        // Group 0 (no group) is empty and hidden: three rows.
        QCOMPARE(panel.groupModel()->rowCount(), 3);
        qulonglong droppedSum = 0;
        for (int r = 0; r < 3; ++r)
            droppedSum += panel.groupModel()
                              ->data(panel.groupModel()->index(r, GroupCountsModel::DroppedColumn), Qt::UserRole)
                              .toULongLong();
        QCOMPARE(droppedSum, qulonglong(fc.total.dropped()));
        QVERIFY(panel.droppedText().contains(QLocale().toString(qulonglong(fc.total.dropped()))));
        QCOMPARE(panel.rulesTable()->rowCount(), 1);
        QCOMPARE(panel.rulesTable()->item(0, 3)->text(), QLocale().toString(qulonglong(fc.failedByRule[0])));
        // A value update (same groups) keeps the rows.
        ev.setRules({ rule("a", 0.75, std::nullopt) });
        panel.setCounts(ev.evaluate(*corpus), corpus->groupNames());
        QCOMPARE(panel.groupModel()->rowCount(), 3);
        panel.clear();
        QCOMPARE(panel.groupModel()->rowCount(), 0);
    }
};

QTEST_MAIN(TestFilterEvaluator)
#include "tst_filterevaluator.moc"
