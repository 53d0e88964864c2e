// Figures from a uniform random sample carry 95% intervals (issue 21, part 1). The formulas are checked against
// textbook values; then, as the issue asks, on the bench set: the interval of the kept fraction from a 2% sample
// (the scan's own BernoulliSelector, 100 seeds) contains the full scan's value in at least 90 of 100 seeds, and
// so do the intervals of the median and the mean. On a bare clone the same runs on the generated fixtures
// with a 20% sample.

#include "sampling.h"
#include "scan.h"
#include "stats.h"
#include "testutil.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace shardscope;
using namespace testutil;

class TestSampling : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void textbookValues()
    {
        // Wilson's interval for 10 of 100 (infinite population): [0.0552, 0.1744].
        const Interval w = proportionInterval(10, 100, 0);
        QVERIFY2(std::abs(w.low - 0.0552) < 5e-4 && std::abs(w.high - 0.1744) < 5e-4,
            qPrintable(QStringLiteral("%1 %2").arg(w.low).arg(w.high)));
        // Small counts stay inside [0, 1], and 0 of n is not the point 0.
        const Interval none = proportionInterval(0, 20, 0);
        QCOMPARE(none.low, 0.0);
        QVERIFY(none.high > 0.1 && none.high < 0.2);
        // The whole population: no uncertainty left; half of it: narrower than an infinite population's.
        const Interval all = proportionInterval(30, 100, 100);
        QCOMPARE(all.low, 0.3);
        QCOMPARE(all.high, 0.3);
        const Interval half = proportionInterval(30, 100, 200), inf = proportionInterval(30, 100, 0);
        QVERIFY(half.high - half.low < 0.75 * (inf.high - inf.low));
        // Mean: ±1.96 s/√n, times √((N-n)/(N-1)).
        const Interval m = meanInterval(10, 4, 64, 0);
        QVERIFY(std::abs(m.high - (10 + kZ95 * 0.5)) < 1e-12);
        QCOMPARE(meanInterval(10, 4, 64, 64).high, 10.0);
        // Quantile: the order statistics around rank q(n-1).
        std::vector<float> v(101);
        std::iota(v.begin(), v.end(), 0.0f);
        const Interval med = quantileInterval(v, 0.5, 0);
        QVERIFY(med.low < 50 && med.high > 50);
        QVERIFY(med.low >= 39 && med.high <= 61); // ±1.96·√(101/4) ≈ ±9.8 ranks
    }

    void intervalsFromASampleCoverTheFullValue()
    {
        std::vector<std::string> shards;
        double p = 0.02;
        if (testdata::exists(testdata::shared("bench/bench-0000.jsonl.zst"))) {
            shards = expandShardPaths({ testdata::shared("bench") });
        } else {
            REQUIRE_FIXTURE("udhr_sentences.jsonl");
            qInfo("the bench set is absent (bare clone): the generated fixtures with a 20%% sample");
            shards = { testdata::fixture("spam_ham.jsonl"), testdata::fixture("informal.jsonl"),
                testdata::fixture("udhr_sentences.jsonl") };
            p = 0.2;
        }
        ScanOptions o;
        o.shards = shards;
        o.fields = detectFields(shards.front(), {}, false);
        o.scorers = scorers("zlib6");
        o.threads = 2;
        const ScanResult full = Scan(o).run();
        const ScoreColumn& zlib = full.scores.values[0];
        const uint64_t N = full.index.size();
        QVERIFY(N > 500);
        // A rule that keeps about two thirds: 0.3 <= zlib6 <= 0.6.
        auto kept = [](float v) { return v >= 0.3f && v <= 0.6f; };
        const double fullKept = double(std::count_if(zlib.begin(), zlib.end(), kept)) / double(N);
        std::vector<float> all;
        for (float v : zlib)
            if (!std::isnan(v))
                all.push_back(v);
        std::sort(all.begin(), all.end());
        const double fullMedian = SortedColumn { all, 0 }.valueAtPercentile(50);
        const double fullMean = std::accumulate(all.begin(), all.end(), 0.0) / double(all.size());

        int keptCovered = 0, medianCovered = 0, meanCovered = 0;
        double width = 0;
        for (uint64_t seed = 1; seed <= 100; ++seed) {
            // The documents a scan with this selector scores: the same decision, per (shard, line).
            const BernoulliSelector selector(p, seed);
            uint64_t n = 0, k = 0;
            std::vector<float> sample;
            for (size_t d = 0; d < N; ++d) {
                if (!selector.select(full.index.shard[d], full.index.line[d]))
                    continue;
                ++n;
                k += kept(zlib[d]);
                if (!std::isnan(zlib[d]))
                    sample.push_back(zlib[d]);
            }
            QVERIFY(n > 10);
            const Interval ik = proportionInterval(k, n, N);
            keptCovered += ik.contains(fullKept);
            width += ik.high - ik.low;
            std::sort(sample.begin(), sample.end());
            medianCovered += quantileInterval(sample, 0.5, all.size()).contains(fullMedian);
            const double mean = std::accumulate(sample.begin(), sample.end(), 0.0) / double(sample.size());
            double ss = 0;
            for (float v : sample)
                ss += (v - mean) * (v - mean);
            meanCovered += meanInterval(mean, std::sqrt(ss / double(sample.size() - 1)), sample.size(), all.size())
                               .contains(fullMean);
        }
        qInfo("N=%llu p=%.2f: kept fraction %.4f covered %d/100 (mean width %.4f), median covered %d/100, "
              "mean covered %d/100",
            static_cast<unsigned long long>(N), p, fullKept, keptCovered, width / 100, medianCovered, meanCovered);
        QVERIFY(keptCovered >= 90);
        QVERIFY(medianCovered >= 90);
        QVERIFY(meanCovered >= 90);
    }
};

QTEST_GUILESS_MAIN(TestSampling)
#include "tst_sampling.moc"
