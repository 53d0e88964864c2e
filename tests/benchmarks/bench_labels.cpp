// Learning the filter from labels (issue 23): how good the classifier gets per label, "label next" against
// random labels, and what the loop costs.
//
//   bench_labels [--shards N] [--cache FILE] [--seeds S] [--no-million]
//
// 1. The SpamAssassin fixture (80 real e-mails, spam = bad): from 10 to 60 labels, AUC on the e-mails not
//    labelled, label next vs random, mean over S seeds.
// 2. Weak labels on the bench set's first N shards (default 3): a document's source says good (docs/, cc/,
//    human/, web/) or bad (email/, short/, garbage/, machine/, dict/); others (multilingual/, misc/) are left out
//    of the pool. From 20 to 200 labels, 20 per round, AUC on the pool's documents not labelled, label next vs
//    random side by side, mean over S seeds. The labels come from the pool only.
// 3. Costs: training (cross-validation included) on 1,000 labels; label next (match labels, fit, select) on the
//    bench columns tiled to 1,000,000 documents.
// 4. (with libfasttext) Whether a fastText supervised text model would add to the linear classifier on the
//    SpamAssassin fixture: 5-fold CV AUC of the text model alone, the linear classifier alone and the mean of
//    their probabilities, on the same stratified folds, over 5 fold seeds. Not in the product yet.
// The scores of part 2 are cached in FILE (default /tmp/bench_labels.sscores) between runs.

#include "classifier.h"
#include "labelnext.h"
#include "labels.h"
#include "scan.h"
#include "scorestore.h"
#include "testpaths.h"

#include <nlohmann/json.hpp>

#ifdef SHARDSCOPE_HAVE_FASTTEXT
#include <fasttext/args.h>
#include <fasttext/fasttext.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace shardscope;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Pool {
    const ScoreTable* table = nullptr;
    std::vector<uint32_t> rows; // the documents with a (weak) label
    std::vector<uint8_t> good; // per document of the table
    std::vector<uint8_t> outside; // per document: 1 when not in the pool (never picked)
};

// AUC over the pool's documents that are not labelled.
double heldOutAuc(const Pool& pool, const LinearModel& m, const std::vector<uint8_t>& labelled)
{
    std::vector<size_t> cols;
    for (const auto& name : m.inputs)
        cols.push_back(size_t(pool.table->columnIndex(name)));
    std::vector<double> s;
    std::vector<uint8_t> y;
    std::vector<float> x(cols.size());
    for (uint32_t r : pool.rows) {
        if (labelled[r])
            continue;
        for (size_t j = 0; j < cols.size(); ++j)
            x[j] = pool.table->values[cols[j]][r];
        s.push_back(m.apply(x.data()));
        y.push_back(pool.good[r]);
    }
    return rocAuc(s, y);
}

struct Step {
    size_t labels = 0;
    double auc = 0, cvAuc = 0;
    int n = 0;
};

// One run of the loop: start with `start` labels, add `step` per round up to `end`. useNext: label next (first
// selection from the tails, then uncertainty sampling with 20% random) as `label next` does; else uniform random.
std::vector<Step> loop(const Pool& pool, bool useNext, size_t start, size_t step, size_t end, uint64_t seed)
{
    const size_t docs = pool.good.size();
    std::vector<uint8_t> mask = pool.outside; // labelled or outside: not a candidate
    std::vector<uint8_t> labelled(docs, 0);
    std::vector<uint32_t> rows;
    std::vector<uint8_t> good;
    std::mt19937_64 rng(seed);
    std::optional<LinearModel> model;
    auto add = [&](size_t k) {
        if (useNext) {
            LabelNextOptions o;
            o.n = k;
            o.seed = seed + rows.size();
            for (const auto& c : selectNext(*pool.table, mask, model, o)) {
                mask[c.row] = labelled[c.row] = 1;
                rows.push_back(c.row);
                good.push_back(pool.good[c.row]);
            }
        } else {
            std::vector<uint32_t> candidates;
            for (uint32_t r : pool.rows)
                if (!labelled[r])
                    candidates.push_back(r);
            std::shuffle(candidates.begin(), candidates.end(), rng);
            for (size_t i = 0; i < k && i < candidates.size(); ++i) {
                mask[candidates[i]] = labelled[candidates[i]] = 1;
                rows.push_back(candidates[i]);
                good.push_back(pool.good[candidates[i]]);
            }
        }
    };
    std::vector<Step> out;
    add(start);
    for (;;) {
        Step s;
        s.labels = rows.size();
        s.auc = s.cvAuc = NAN;
        try {
            ClassifierOptions co;
            co.seed = seed;
            co.bootstrap = 0;
            const ClassifierResult r = trainClassifier(*pool.table, rows, good, co);
            s.cvAuc = r.cvAuc;
            s.auc = heldOutAuc(pool, r.model, labelled);
            model = fitClassifier(*pool.table, rows, good); // what `label next` refits with
        } catch (const std::invalid_argument&) {
            model.reset(); // fewer than 2 of a class: label next stays with the tails
        }
        out.push_back(s);
        if (rows.size() >= end)
            break;
        add(step);
    }
    return out;
}

void compare(const char* title, const Pool& pool, size_t start, size_t step, size_t end, int seeds)
{
    std::vector<Step> next, random;
    int nextOk = 0;
    for (int s = 0; s < seeds; ++s) {
        for (int which = 0; which < 2; ++which) {
            const auto run = loop(pool, which == 0, start, step, end, uint64_t(1000 + s));
            auto& acc = which == 0 ? next : random;
            if (acc.size() < run.size())
                acc.resize(run.size());
            for (size_t i = 0; i < run.size(); ++i) {
                acc[i].labels = run[i].labels;
                if (!std::isnan(run[i].auc)) {
                    acc[i].auc += run[i].auc;
                    acc[i].cvAuc += run[i].cvAuc;
                    ++acc[i].n;
                }
            }
        }
        ++nextOk;
    }
    std::printf("\n%s (mean over %d seeds; n = runs where both classes were labelled)\n", title, nextOk);
    std::printf("%8s | %-26s | %-26s\n", "labels", "label next: AUC (CV AUC) n", "random: AUC (CV AUC) n");
    for (size_t i = 0; i < std::max(next.size(), random.size()); ++i) {
        auto cell = [](const std::vector<Step>& v, size_t i) {
            char buf[64];
            if (i >= v.size() || v[i].n == 0)
                std::snprintf(buf, sizeof buf, "-");
            else
                std::snprintf(buf, sizeof buf, "%.3f (%.3f) %d", v[i].auc / v[i].n, v[i].cvAuc / v[i].n, v[i].n);
            return std::string(buf);
        };
        std::printf("%8zu | %-26s | %-26s\n", i < next.size() ? next[i].labels : random[i].labels,
            cell(next, i).c_str(), cell(random, i).c_str());
    }
}

ScanResult scoreOrLoad(const std::vector<std::string>& shards, const std::string& cache)
{
    const FieldMapping fields = detectFields(shards.front(), FieldMapping {}, false);
    const auto scorers = defaultFeatureScorers({}, shards, fields);
    if (!cache.empty())
        if (auto r = loadCachedScores(cache, shards, fields, scorers)) {
            std::printf("scores loaded from %s\n", cache.c_str());
            return std::move(*r);
        }
    ScanOptions o;
    o.shards = shards;
    o.fields = fields;
    o.scorers = scorers;
    const auto t = Clock::now();
    Scan scan(o);
    ScanResult r = scan.run();
    std::printf(
        "scored %zu documents, %zu columns in %.1f s\n", r.index.size(), r.scores.columns.size(), secondsSince(t));
    if (!cache.empty())
        saveScores(cache, r, scorers);
    return r;
}

bool goodSource(const std::string& g, bool* known)
{
    for (const char* p : { "docs/", "cc/", "human/", "web/" })
        if (g.starts_with(p))
            return *known = true;
    for (const char* p : { "email/", "short/", "garbage/", "machine/", "dict/" })
        if (g.starts_with(p)) {
            *known = true;
            return false;
        }
    *known = false;
    return false;
}

#ifdef SHARDSCOPE_HAVE_FASTTEXT
// fastText trains only from a file: one "__label__good|bad text" line per document, the text's whitespace folded.
std::vector<double> fastTextOutOfFold(const std::vector<std::string>& texts, const std::vector<uint8_t>& good,
    const std::vector<int>& foldOf, int folds, const std::string& tmp)
{
    std::vector<double> p(texts.size(), 0.5);
    for (int f = 0; f < folds; ++f) {
        {
            std::ofstream out(tmp);
            for (size_t i = 0; i < texts.size(); ++i) {
                if (foldOf[i] == f)
                    continue;
                std::string t = texts[i];
                for (char& ch : t)
                    if (ch == '\n' || ch == '\r' || ch == '\t')
                        ch = ' ';
                out << (good[i] ? "__label__good " : "__label__bad ") << t << '\n';
            }
        }
        fasttext::Args a;
        a.input = tmp;
        a.model = fasttext::model_name::sup;
        a.loss = fasttext::loss_name::softmax;
        a.dim = 16;
        a.bucket = 100000;
        a.epoch = 25;
        a.wordNgrams = 2;
        a.minCount = 1;
        a.lr = 0.5;
        a.thread = 1;
        a.verbose = 0;
        a.seed = 1;
        fasttext::FastText ft;
        ft.train(a);
        for (size_t i = 0; i < texts.size(); ++i) {
            if (foldOf[i] != f)
                continue;
            std::string t = texts[i];
            for (char& ch : t)
                if (ch == '\n' || ch == '\r' || ch == '\t')
                    ch = ' ';
            std::istringstream in(t + "\n");
            std::vector<std::pair<fasttext::real, std::string>> preds;
            ft.predictLine(in, preds, 2, 0.0);
            for (const auto& [prob, label] : preds)
                if (label == "__label__good")
                    p[i] = prob;
        }
    }
    std::remove(tmp.c_str());
    return p;
}

void fastTextComparison(const std::string& path, const ScanResult& r, const std::vector<uint8_t>& good)
{
    std::vector<std::string> texts;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        texts.push_back(nlohmann::json::parse(line).value("text", std::string()));
    if (texts.size() != r.index.size())
        return;
    const int folds = 5;
    std::vector<double> sumText, sumLinear, sumMean;
    const auto started = Clock::now();
    for (uint64_t seed = 1; seed <= 5; ++seed) {
        std::vector<int> foldOf(texts.size());
        std::mt19937_64 rng(seed);
        for (uint8_t cls : { uint8_t(0), uint8_t(1) }) {
            std::vector<size_t> members;
            for (size_t i = 0; i < texts.size(); ++i)
                if (good[i] == cls)
                    members.push_back(i);
            std::shuffle(members.begin(), members.end(), rng);
            for (size_t k = 0; k < members.size(); ++k)
                foldOf[members[k]] = int(k % folds);
        }
        const std::vector<double> pt = fastTextOutOfFold(texts, good, foldOf, folds, "/tmp/bench_labels_fasttext.txt");
        std::vector<double> pl(texts.size());
        for (int f = 0; f < folds; ++f) {
            std::vector<uint32_t> rows;
            std::vector<uint8_t> y;
            for (uint32_t i = 0; i < texts.size(); ++i)
                if (foldOf[i] != f) {
                    rows.push_back(i);
                    y.push_back(good[i]);
                }
            const LinearModel m = fitClassifier(r.scores, rows, y, {}, 10.0);
            std::vector<float> x(m.inputs.size());
            for (uint32_t i = 0; i < texts.size(); ++i) {
                if (foldOf[i] != f)
                    continue;
                for (size_t j = 0; j < m.inputs.size(); ++j)
                    x[j] = r.scores.values[size_t(r.scores.columnIndex(m.inputs[j]))][i];
                pl[i] = m.apply(x.data());
            }
        }
        for (int f = 0; f < folds; ++f) {
            std::vector<double> a, b;
            std::vector<uint8_t> y;
            for (size_t i = 0; i < texts.size(); ++i)
                if (foldOf[i] == f) {
                    a.push_back(pt[i]);
                    b.push_back(pl[i]);
                    y.push_back(good[i]);
                }
            // The two on one scale: the mean of their ranks in the fold (fastText's probabilities sit close to
            // 0.5 on so few documents, so a mean of probabilities would be the linear model's alone).
            auto ranks = [](const std::vector<double>& v) {
                std::vector<double> out(v.size());
                for (size_t i = 0; i < v.size(); ++i)
                    for (size_t j = 0; j < v.size(); ++j)
                        out[i] += v[j] < v[i] ? 1.0 : v[j] == v[i] ? 0.5 : 0.0;
                return out;
            };
            const std::vector<double> ra = ranks(a), rb = ranks(b);
            std::vector<double> c(a.size());
            for (size_t i = 0; i < c.size(); ++i)
                c[i] = ra[i] + rb[i];
            sumText.push_back(rocAuc(a, y));
            sumLinear.push_back(rocAuc(b, y));
            sumMean.push_back(rocAuc(c, y));
        }
    }
    auto meanStd = [](const std::vector<double>& v) {
        double m = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()), s = 0;
        for (double x : v)
            s += (x - m) * (x - m);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.3f ± %.3f", m, std::sqrt(s / double(v.size() - 1)));
        return std::string(buf);
    };
    std::printf(
        "\nfastText supervised (dim 16, bucket 100k, epoch 25, word 2-grams) vs the linear classifier (lambda 10) "
        "on the SpamAssassin fixture, 5-fold CV x 5 fold seeds, fold AUC mean ± std (%.1f s):\n",
        secondsSince(started));
    std::printf("  fastText text model %s | linear over scores %s | mean rank of both %s\n", meanStd(sumText).c_str(),
        meanStd(sumLinear).c_str(), meanStd(sumMean).c_str());
}
#endif

} // namespace

int main(int argc, char** argv)
{
    registerBuiltinScorers();
    size_t nShards = 3;
    int seeds = 5;
    bool million = true;
    std::string cache = "/tmp/bench_labels.sscores";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--shards" && i + 1 < argc)
            nShards = std::stoul(argv[++i]);
        else if (a == "--seeds" && i + 1 < argc)
            seeds = std::stoi(argv[++i]);
        else if (a == "--cache" && i + 1 < argc)
            cache = argv[++i];
        else if (a == "--no-million")
            million = false;
        else {
            std::fprintf(stderr, "usage: bench_labels [--shards N] [--cache FILE] [--seeds S] [--no-million]\n");
            return 2;
        }
    }

    // 1. SpamAssassin.
    const std::string spam = testdata::shared("fixtures/spamassassin_40spam_40ham.jsonl");
    if (testdata::exists(spam)) {
        const ScanResult r = scoreOrLoad({ spam }, {});
        Pool pool;
        pool.table = &r.scores;
        pool.outside.assign(r.index.size(), 0);
        std::ifstream in(spam);
        std::string line;
        while (std::getline(in, line))
            pool.good.push_back(line.find("\"label\": \"spam\"") == std::string::npos ? 1 : 0);
        pool.rows.resize(r.index.size());
        std::iota(pool.rows.begin(), pool.rows.end(), 0u);
        compare("SpamAssassin fixture, 80 e-mails (40 spam = bad): AUC on the e-mails not labelled", pool, 10, 10, 60,
            seeds * 2);
#ifdef SHARDSCOPE_HAVE_FASTTEXT
        fastTextComparison(spam, r, pool.good);
#endif
    } else {
        std::printf("%s\n", testdata::missingSharedLine("fixtures/spamassassin_40spam_40ham.jsonl").c_str());
    }

    // 2. Weak labels from the bench set's sources.
    const std::string benchDir = testdata::shared("bench");
    if (!testdata::exists(benchDir)) {
        std::printf("%s\n", testdata::missingSharedLine("bench").c_str());
        return 0;
    }
    std::vector<std::string> shards = expandShardPaths({ benchDir });
    shards.resize(std::min(shards.size(), nShards));
    const ScanResult r = scoreOrLoad(shards, cache);
    Pool pool;
    pool.table = &r.scores;
    pool.good.assign(r.index.size(), 0);
    pool.outside.assign(r.index.size(), 1);
    size_t nGood = 0;
    for (uint32_t row = 0; row < r.index.size(); ++row) {
        bool known = false;
        const bool g = goodSource(r.index.groups[r.index.group[row]], &known);
        if (!known)
            continue;
        pool.rows.push_back(row);
        pool.good[row] = g;
        pool.outside[row] = 0;
        nGood += g;
    }
    std::printf("\nbench set, %zu shard(s): %zu documents, pool of %zu with a weak label (%zu good, %zu bad), %zu "
                "feature columns\n",
        shards.size(), r.index.size(), pool.rows.size(), nGood, pool.rows.size() - nGood, r.scores.columns.size());
    compare("bench set, weak labels by source: AUC on the pool's documents not labelled", pool, 20, 20, 200, seeds);

    // 3. Costs. Training on 1,000 labels of the pool (random), cross-validation and the final fit included.
    {
        std::mt19937_64 rng(5);
        std::vector<uint32_t> rows = pool.rows;
        std::shuffle(rows.begin(), rows.end(), rng);
        rows.resize(std::min<size_t>(1000, rows.size()));
        std::vector<uint8_t> good;
        for (uint32_t row : rows)
            good.push_back(pool.good[row]);
        double best = 1e9;
        ClassifierResult res;
        for (int k = 0; k < 3; ++k) {
            res = trainClassifier(r.scores, rows, good);
            best = std::min(best, res.seconds);
        }
        std::printf("\ntraining on %zu labels, %zu features (5-fold CV over 11 lambdas, bootstrap, final fit): best of "
                    "3 %.3f s; %s\n",
            rows.size(), res.model.inputs.size(), best, res.summary().c_str());
    }
    if (!million)
        return 0;
    // Label next at 1,000,000 documents: the bench columns tiled, 200 labels, ids "doc-N".
    {
        const size_t target = 1000000;
        ScoreTable big;
        big.columns = r.scores.columns;
        for (size_t c = 0; c < r.scores.values.size(); ++c) {
            std::vector<float> v(target);
            for (size_t i = 0; i < target; ++i)
                v[i] = r.scores.values[c][i % r.index.size()];
            big.values.push_back(std::move(v));
        }
        DocIndex index;
        for (size_t i = 0; i < target; ++i) {
            index.ids.append("doc-" + std::to_string(i));
            index.line.push_back(uint32_t(i + 1));
            index.offset.push_back(i);
        }
        index.ids.flush();
        LabelSet labels;
        std::mt19937_64 rng(9);
        std::uniform_int_distribution<size_t> pick(0, target - 1);
        while (labels.size() < 200) {
            const size_t row = pick(rng);
            const size_t src = row % r.index.size();
            if (pool.outside[src])
                continue;
            labels.set("doc-" + std::to_string(row), pool.good[src] ? Label::Good : Label::Bad);
        }
        std::printf("\nlabel next at %zu documents, %zu columns, %zu labels, n = 20 (best of 5):\n", target,
            big.columns.size(), labels.size());
        double tMatch = 1e9, tFit = 1e9, tSelect = 1e9, tFirst = 1e9;
        for (int k = 0; k < 5; ++k) {
            auto t = Clock::now();
            const LabelMatch m = matchLabels(labels, index);
            tMatch = std::min(tMatch, secondsSince(t));
            t = Clock::now();
            const LinearModel model = fitClassifier(big, m.rows, m.good);
            tFit = std::min(tFit, secondsSince(t));
            LabelNextOptions o;
            o.n = 20;
            t = Clock::now();
            const auto next = selectNext(big, m.labelledMask, model, o);
            tSelect = std::min(tSelect, secondsSince(t));
            t = Clock::now();
            const auto first = selectNext(big, {}, std::nullopt, o);
            tFirst = std::min(tFirst, secondsSince(t));
            if (next.size() != 20 || first.size() != 20)
                std::printf("  unexpected: %zu / %zu picked\n", next.size(), first.size());
        }
        std::printf("  match labels to ids %.0f ms, fit %.0f ms, select %.0f ms: total %.0f ms (first selection, no "
                    "labels: %.0f ms)\n",
            1000 * tMatch, 1000 * tFit, 1000 * tSelect, 1000 * (tMatch + tFit + tSelect), 1000 * tFirst);
    }
    return 0;
}
