// The quality classifier and "label next" (issue 23): trained on the SpamAssassin fixture's real labels it must
// separate spam from ham in cross-validation and on documents it did not see; the saved model is the linear
// scorer's; label next picks the most uncertain documents, random ones, diverse ones, never labelled ones; the
// CLI loop (label next, classifier train, score --classifier) end to end.

#include "apply.h"
#include "bytesource.h"
#include "classifier.h"
#include "filterconfig.h"
#include "labelnext.h"
#include "labels.h"
#include "scan.h"
#include "testutil.h"

#include "clirun.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <random>
#include <set>

using namespace shardscope;

using testutil::cli;
using testutil::Run;

namespace {

const char* kSpam = "fixtures/spamassassin_40spam_40ham.jsonl";

// The fixture scored with the default features, and its labels (spam bad, ham good) by row.
struct Corpus {
    ScanResult table;
    std::vector<uint8_t> good; // per document
};

Corpus spamCorpus()
{
    registerBuiltinScorers();
    const std::string path = testdata::shared(kSpam);
    ScanOptions o;
    o.shards = { path };
    o.fields = detectFields(path, FieldMapping {}, false);
    o.scorers = defaultFeatureScorers({}, o.shards, o.fields);
    Scan scan(o);
    Corpus c { scan.run(), {} };
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        c.good.push_back(line.find("\"label\": \"spam\"") == std::string::npos ? 1 : 0);
    return c;
}

double applyModel(const LinearModel& m, const ScoreTable& t, size_t row)
{
    std::vector<float> x;
    for (const auto& name : m.inputs)
        x.push_back(t.values[size_t(t.columnIndex(name))][row]);
    return m.apply(x.data());
}

// A synthetic table: `cols` columns of `docs` values.
ScoreTable table(const std::vector<std::vector<float>>& cols)
{
    ScoreTable t;
    for (size_t c = 0; c < cols.size(); ++c) {
        t.columns.push_back({ "f" + std::to_string(c), "test", {} });
        t.values.push_back(cols[c]);
    }
    return t;
}

} // namespace

class TestClassifier : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void auc()
    {
        QCOMPARE(rocAuc({ 1, 2, 3, 4 }, { 0, 0, 1, 1 }), 1.0);
        QCOMPARE(rocAuc({ 1, 2, 3, 4 }, { 1, 1, 0, 0 }), 0.0);
        QCOMPARE(rocAuc({ 1, 1, 1, 1 }, { 1, 0, 1, 0 }), 0.5); // ties count one half
        QCOMPARE(rocAuc({ 1, 2, 2, 3 }, { 0, 1, 0, 1 }), 0.875);
        QVERIFY(std::isnan(rocAuc({ 1, 2 }, { 1, 1 })));
    }

    void needsBothClasses()
    {
        const ScoreTable t = table({ { 1, 2, 3, 4, 5 } });
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, trainClassifier(t, { 0, 1, 2, 3 }, { 1, 1, 1, 0 }));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, fitClassifier(t, { 0, 1, 2, 3 }, { 1, 1, 1, 0 }, { "nope" }));
        const ScoreTable constant = table({ { 1, 1, 1, 1, 1 } });
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, trainClassifier(constant, { 0, 1, 2, 3 }, { 1, 1, 0, 0 }));
    }

    // Real labels: cross-validated AUC well above chance, and a model trained on half the e-mails ranks the other
    // half; the saved directory applies through the linear scorer with the same values.
    void spamAssassin()
    {
        REQUIRE_SHARED(kSpam);
        const Corpus c = spamCorpus();
        QCOMPARE(c.table.index.size(), size_t(80));
        std::vector<uint32_t> rows(80);
        std::iota(rows.begin(), rows.end(), 0u);
        const ClassifierResult all = trainClassifier(c.table.scores, rows, c.good);
        qInfo("%s; %.3f s", all.summary().c_str(), all.seconds);
        QVERIFY2(all.cvAuc > 0.8, all.summary().c_str());
        QVERIFY2(all.ciLow > 0.6, all.summary().c_str());
        QCOMPARE(all.folds, 5);
        QCOMPARE(all.foldAucs.size(), size_t(5));
        QVERIFY(all.cvAucStd > 0 && all.cvAucStd < 0.3);
        QVERIFY(all.ciLow <= all.pooledAuc && all.pooledAuc <= all.ciHigh);
        QCOMPARE(all.path.size(), size_t(11));
        QVERIFY(all.model.inputs.size() > 20);
        QCOMPARE(all.model.output, std::string("quality"));

        // Held out: train on every other e-mail, rank the rest.
        std::vector<uint32_t> train, test;
        std::vector<uint8_t> trainGood, testGood;
        for (uint32_t r = 0; r < 80; ++r) {
            (r % 2 ? test : train).push_back(r);
            (r % 2 ? testGood : trainGood).push_back(c.good[r]);
        }
        const ClassifierResult half = trainClassifier(c.table.scores, train, trainGood);
        std::vector<double> p;
        for (uint32_t r : test)
            p.push_back(applyModel(half.model, c.table.scores, r));
        const double heldOut = rocAuc(p, testGood);
        qInfo("held-out AUC (train on 40, test on 40): %.3f; CV on the 40: %s", heldOut, half.summary().c_str());
        // 0.775 when written: 40 labels are few for 58 features, and the CV estimate on those 40 (0.79) says so.
        QVERIFY2(heldOut > 0.7, qPrintable(QString::number(heldOut)));

        // Saved and applied as the linear scorer: the same probabilities.
        const std::string dir = m_dir.filePath(QStringLiteral("spam-model")).toStdString();
        saveClassifier(dir, all);
        const auto meta = nlohmann::json::parse(testutil::readFile(classifierMetadataPath(dir)));
        QCOMPARE(meta["labels"].get<size_t>(), size_t(80));
        QCOMPARE(meta["cv_auc"].get<double>(), all.cvAuc);
        QCOMPARE(meta["features"].size(), all.model.inputs.size());
        QVERIFY(!meta["date"].get<std::string>().empty());
        const auto scorers = testutil::scorers(classifierSpec(dir));
        QCOMPARE(scorers.size(), size_t(1));
        QCOMPARE(scorers[0]->columns().front().name, std::string("quality"));
        std::vector<const float*> in;
        for (const auto& name : scorers[0]->inputColumns())
            in.push_back(std::as_const(c.table.scores.values[size_t(c.table.scores.columnIndex(name))]).data());
        const auto quality = computeDerived(*scorers[0], in, 80, 1);
        for (size_t r = 0; r < 80; ++r)
            QCOMPARE(quality[0][r], float(applyModel(all.model, c.table.scores, r)));
    }

    // With a model, the uncertain picks are exactly the unlabelled documents closest to 0.5 (diversity off); a
    // fifth are random; labelled documents are never picked.
    void nextIsTheMostUncertain()
    {
        REQUIRE_SHARED(kSpam);
        const Corpus c = spamCorpus();
        std::vector<uint32_t> rows;
        std::vector<uint8_t> good, labelled(80, 0);
        for (uint32_t r = 0; r < 80; r += 4) {
            rows.push_back(r);
            good.push_back(c.good[r]);
            labelled[r] = 1;
        }
        const LinearModel m = fitClassifier(c.table.scores, rows, good);
        LabelNextOptions o;
        o.n = 10;
        o.minDistance = 0;
        const auto next = selectNext(c.table.scores, labelled, m, o);
        QCOMPARE(next.size(), size_t(10));
        std::vector<std::pair<double, uint32_t>> uncertainty;
        for (uint32_t r = 0; r < 80; ++r)
            if (!labelled[r])
                uncertainty.emplace_back(std::abs(applyModel(m, c.table.scores, r) - 0.5), r);
        std::sort(uncertainty.begin(), uncertainty.end());
        std::set<uint32_t> mostUncertain;
        for (size_t i = 0; i < 8; ++i)
            mostUncertain.insert(uncertainty[i].second);
        std::set<uint32_t> picked;
        size_t random = 0;
        for (const auto& cand : next) {
            QVERIFY(!labelled[cand.row]);
            QVERIFY(picked.insert(cand.row).second);
            if (cand.why == LabelCandidate::Why::Random) {
                ++random;
                continue;
            }
            QCOMPARE(cand.why, LabelCandidate::Why::Uncertain);
            QVERIFY2(mostUncertain.count(cand.row), qPrintable(QString::number(cand.row)));
            QVERIFY(std::abs(cand.probability - applyModel(m, c.table.scores, cand.row)) < 1e-4);
        }
        QCOMPARE(random, size_t(2));
    }

    // labelNext(), the step a front end calls: ids of the picks, the labels' counts, unknown ids returned.
    void labelNextStep()
    {
        REQUIRE_SHARED(kSpam);
        const Corpus c = spamCorpus();
        LabelSet labels;
        QVERIFY(!labelNext(c.table.scores, c.table.index, labels, { 6 }).usedModel);
        for (size_t row = 0; row < 80; row += 5)
            labels.set(c.table.index.idOf(row), c.good[row] ? Label::Good : Label::Bad);
        labels.set("no-such-document", Label::Good);
        const LabelNextResult r = labelNext(c.table.scores, c.table.index, labels, { 6 });
        QVERIFY(r.usedModel);
        QCOMPARE(r.labelled, size_t(16));
        QCOMPARE(r.good + r.bad, size_t(16));
        QCOMPARE(r.unknown.size(), size_t(1));
        QCOMPARE(r.unknown.front()->id, std::string("no-such-document"));
        QCOMPARE(r.candidates.size(), size_t(6));
        QCOMPARE(r.ids.size(), size_t(6));
        for (size_t i = 0; i < r.ids.size(); ++i) {
            QCOMPARE(r.ids[i], c.table.index.idOf(r.candidates[i].row));
            QVERIFY(!labels.get(r.ids[i]));
        }
    }

    // Near-identical score vectors are picked once; the first selection comes from the columns' tails.
    void diverseAndTails()
    {
        // 200 documents; rows 10..19 are copies of row 5, the one the model is least sure of.
        std::mt19937 rng(7);
        std::normal_distribution<float> nd;
        std::vector<float> a(200), b(200);
        for (size_t i = 0; i < 200; ++i) {
            a[i] = nd(rng) * 3;
            b[i] = nd(rng);
        }
        a[5] = 0.001f;
        b[5] = 0.0f;
        for (size_t i = 10; i < 20; ++i) {
            a[i] = a[5];
            b[i] = b[5];
        }
        const ScoreTable t = table({ a, b });
        LinearModel m;
        m.inputs = { "f0", "f1" };
        m.mean = { 0, 0 };
        m.scale = { 1, 1 };
        m.missing = { 0, 0 };
        m.weights = { 1, 0 };
        m.bias = 0;
        LabelNextOptions o;
        o.n = 5;
        o.randomFraction = 0;
        const auto next = selectNext(t, {}, m, o);
        QCOMPARE(next.size(), size_t(5));
        size_t copies = 0;
        for (const auto& cand : next)
            copies += (cand.row == 5 || (cand.row >= 10 && cand.row < 20)) ? 1 : 0;
        QCOMPARE(copies, size_t(1));

        // No model: each pick is the extreme of its (column, end) among the unlabelled.
        std::vector<uint8_t> labelled(200, 0);
        const auto maxA = size_t(std::max_element(a.begin(), a.end()) - a.begin());
        labelled[maxA] = 1;
        // tailFraction 0: the extremes.
        const auto first = selectNext(t, labelled, std::nullopt, LabelNextOptions { 4, 0.0, 0.05, 3, {}, 0.0 });
        QCOMPARE(first.size(), size_t(4));
        for (const auto& cand : first) {
            QCOMPARE(cand.why, LabelCandidate::Why::Tail);
            QVERIFY(cand.row != maxA);
            const auto& col = cand.detail.starts_with("f0") ? a : b;
            float extreme = cand.detail.ends_with("high") ? -1e30f : 1e30f;
            for (size_t r = 0; r < 200; ++r)
                if (!labelled[r])
                    extreme = cand.detail.ends_with("high") ? std::max(extreme, col[r]) : std::min(extreme, col[r]);
            QCOMPARE(col[cand.row], extreme);
        }
        // The default: from the outer 2% of each end (the cut estimated from the values, ties included).
        const auto drawn = selectNext(t, labelled, std::nullopt, LabelNextOptions { 4, 0.0, 0.05, 3, {} });
        QCOMPARE(drawn.size(), size_t(4));
        for (const auto& cand : drawn) {
            QCOMPARE(cand.why, LabelCandidate::Why::Tail);
            const auto& col = cand.detail.starts_with("f0") ? a : b;
            const bool high = cand.detail.ends_with("high");
            size_t beyond = 0;
            for (size_t r = 0; r < 200; ++r)
                beyond += (high ? col[r] > col[cand.row] : col[r] < col[cand.row]) ? 1 : 0;
            QVERIFY2(beyond <= 5, qPrintable(QString::fromStdString(cand.detail) + QString::number(beyond)));
        }
        // Everything labelled: nothing to pick.
        QVERIFY(selectNext(t, std::vector<uint8_t>(200, 1), m, o).empty());
    }

    // A filter config with a rule on quality carries the classifier as a model-backed scorer (filterconfig.h
    // "scorers": linear:model=PATH with the file's SHA-256): apply rebuilds it from the spec after checking the
    // file, keeps exactly the documents the model scores >= 0.5, and refuses a retrained (changed) model file.
    void qualityRuleApplies()
    {
        REQUIRE_SHARED(kSpam);
        const Corpus c = spamCorpus();
        std::vector<uint32_t> rows(80);
        std::iota(rows.begin(), rows.end(), 0u);
        const ClassifierResult trained = trainClassifier(c.table.scores, rows, c.good);
        const std::string dir = m_dir.filePath(QStringLiteral("apply-model")).toStdString();
        saveClassifier(dir, trained);

        FilterConfig written;
        FilterRule rule;
        rule.column = "quality";
        rule.bounds.min = 0.5;
        written.rules.push_back(rule);
        written.scorers.push_back(configScorerFor(ScorerSpec::parse(classifierSpec(dir))));
        QCOMPARE(written.scorers.front().files.size(), size_t(1));
        QCOMPARE(written.scorers.front().files.front().role, std::string("model"));
        const FilterConfig config = FilterConfig::parse(written.toJson(), "quality.json");
        QCOMPARE(config.scorers, written.scorers);

        const auto resolved = resolveConfigScorers(config);
        QCOMPARE(resolved.back()->name(), std::string("linear"));
        // A scan runs a derived scorer only after the scorers that make its inputs: resolveConfigScorers lists them
        // before it, though the config has a rule on `quality` alone.
        std::set<std::string> made;
        for (const auto& s : resolved)
            if (s->inputColumns().empty())
                for (const auto& col : s->columns())
                    made.insert(col.name);
        for (const auto& in : resolved.back()->inputColumns())
            QVERIFY2(made.count(in), in.c_str());

        // apply with exactly that list keeps what the model keeps.
        ScanOptions scan;
        scan.shards = { testdata::shared(kSpam) };
        scan.fields = detectFields(scan.shards.front(), FieldMapping {}, false);
        scan.scorers = resolved;
        ApplyOptions ao;
        ao.outDir = m_dir.filePath(QStringLiteral("apply-out")).toStdString();
        const ApplySummary summary = runApply(config, scan, ao);
        uint64_t expected = 0;
        for (size_t r = 0; r < 80; ++r)
            expected += applyModel(trained.model, c.table.scores, r) >= 0.5 ? 1 : 0;
        QVERIFY(expected > 20 && expected < 60);
        QCOMPARE(summary.total.kept, expected);
        QCOMPARE(summary.total.kept + summary.total.dropped, uint64_t(80));

        // Retrained in place on other labels: the config's SHA-256 no longer matches, apply refuses by name.
        std::vector<uint32_t> half;
        std::vector<uint8_t> halfGood;
        for (uint32_t r = 0; r < 80; r += 2) {
            half.push_back(r);
            halfGood.push_back(c.good[r]);
        }
        saveClassifier(dir, trainClassifier(c.table.scores, half, halfGood));
        try {
            resolveConfigScorers(config);
            QFAIL("a changed model file was accepted");
        } catch (const InputError& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(QStringLiteral("model.json")), e.what());
        }
    }

    // The CLI loop: label next from nothing, train on labels, score --classifier; retraining recomputes only the
    // quality column (the other scorers' columns load from the cache).
    void cliLoop()
    {
        REQUIRE_SHARED(kSpam);
        const QString shard = QString::fromStdString(testdata::shared(kSpam));
        const QString cache = m_dir.filePath(QStringLiteral("cache"));
        const QString labelsPath = m_dir.filePath(QStringLiteral("loop.tsv"));
        Run r = cli({ QStringLiteral("label"), QStringLiteral("next"), QStringLiteral("-l"), labelsPath,
                        QStringLiteral("-n"), QStringLiteral("12"), shard },
            cache);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 12);
        QVERIFY(r.err.contains(QStringLiteral("first selection")));
        // An empty file is the same: no labels yet.
        testutil::writeFile(labelsPath.toStdString(), "");
        Run empty = cli({ QStringLiteral("label"), QStringLiteral("next"), QStringLiteral("-l"), labelsPath,
                            QStringLiteral("-n"), QStringLiteral("12"), shard },
            cache);
        QVERIFY2(empty.code == 0, qPrintable(empty.err));
        QCOMPARE(empty.out, r.out);

        // Label what it asked for, plus a few of each class so a model exists.
        const Corpus c = spamCorpus();
        LabelSet labels;
        auto labelRow
            = [&](size_t row) { labels.set(c.table.index.idOf(row), c.good[row] ? Label::Good : Label::Bad); };
        for (const QString& l : lines) {
            const std::string id = l.section(QLatin1Char('\t'), 0, 0).toStdString();
            for (size_t row = 0; row < 80; ++row)
                if (c.table.index.idOf(row) == id)
                    labelRow(row);
        }
        for (size_t row = 0; row < 80; row += 7)
            labelRow(row);
        labels.save(labelsPath.toStdString());

        r = cli({ QStringLiteral("label"), QStringLiteral("next"), QStringLiteral("-l"), labelsPath,
                    QStringLiteral("-n"), QStringLiteral("5"), shard },
            cache);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("uncertainty sampling")), qPrintable(r.err));
        for (const QString& l : r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            QVERIFY(!labels.get(l.section(QLatin1Char('\t'), 0, 0).toStdString()));

        const QString model = m_dir.filePath(QStringLiteral("loop-model"));
        r = cli({ QStringLiteral("classifier"), QStringLiteral("train"), QStringLiteral("-l"), labelsPath,
                    QStringLiteral("--out"), model, shard },
            cache);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.startsWith(QStringLiteral("CV AUC ")), qPrintable(r.out));
        QVERIFY(QFile::exists(model + QStringLiteral("/model.json")));
        QVERIFY(QFile::exists(model + QStringLiteral("/classifier.json")));

        const QString tsv = m_dir.filePath(QStringLiteral("scores.tsv"));
        r = cli({ QStringLiteral("score"), QStringLiteral("--classifier"), model, QStringLiteral("--tsv"), tsv,
                    QStringLiteral("-s"), QStringLiteral("zlib6,quality"), shard },
            cache);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("no rescoring")), qPrintable(r.err));
        const std::string out = testutil::readFile(tsv.toStdString());
        QVERIFY(out.starts_with("id\tgroup\tbytes\tzlib6\tquality\n"));

        // Retrained on all 80 labels: the quality column changes, the other columns come from the cache.
        LabelSet everything;
        for (size_t row = 0; row < 80; ++row)
            everything.set(c.table.index.idOf(row), c.good[row] ? Label::Good : Label::Bad);
        everything.save(labelsPath.toStdString());
        r = cli({ QStringLiteral("classifier"), QStringLiteral("train"), QStringLiteral("-l"), labelsPath,
                    QStringLiteral("--out"), model, shard },
            cache);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        r = cli({ QStringLiteral("score"), QStringLiteral("--classifier"), model, QStringLiteral("--tsv"), tsv,
                    QStringLiteral("-s"), QStringLiteral("zlib6"), shard },
            cache);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("no rescoring")), qPrintable(r.err));
        QVERIFY(testutil::readFile(tsv.toStdString()) != out);

        // No classifier there: exit 1 naming the file.
        r = cli(
            { QStringLiteral("score"), QStringLiteral("--classifier"), m_dir.filePath(QStringLiteral("none")), shard },
            cache);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("model.json")), qPrintable(r.err));
    }
};

QTEST_APPLESS_MAIN(TestClassifier)
#include "tst_classifier.moc"
