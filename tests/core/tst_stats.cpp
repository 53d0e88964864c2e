// Statistics (issue #2, item 7): percentiles as numpy's default, histogram bins, missing values.

#include "stats.h"

#include <QTest>

#include <cmath>

using namespace shardscope;

class TestStats : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void percentilesMatchNumpy()
    {
        // numpy.percentile([1..10] + [100], [1,5,25,50,75,95,99]) =
        //   [1.1, 1.5, 3.5, 6.0, 8.5, 55.0, 91.0]
        std::vector<float> v { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, NAN };
        ColumnStats s = ColumnStats::compute("x", v, 10);
        QCOMPARE(s.count, uint64_t(11));
        QCOMPARE(s.missing, uint64_t(1));
        const double expected[] = { 1.1, 1.5, 3.5, 6.0, 8.5, 55.0, 91.0 };
        for (size_t i = 0; i < 7; ++i)
            QVERIFY2(std::abs(s.percentiles[i] - expected[i]) < 1e-9, std::to_string(s.percentiles[i]).c_str());
        QVERIFY(std::abs(s.mean - 155.0 / 11) < 1e-9);
        QCOMPARE(s.min, 1.0);
        QCOMPARE(s.max, 100.0);
        uint64_t total = 0;
        for (auto c : s.histogram.counts)
            total += c;
        QCOMPARE(total, uint64_t(11));
        QCOMPARE(s.histogram.counts.front(), uint64_t(10));   // 1..10 fall in [1, 10.9)
        QCOMPARE(s.histogram.counts.back(), uint64_t(1));
    }

    void sortedColumnCounts()
    {
        std::vector<float> v { 0.5f, 0.1f, 0.9f, NAN, 0.5f, 0.3f };
        SortedColumn c = SortedColumn::build(v);
        QCOMPARE(c.missing, uint64_t(1));
        QCOMPARE(c.countBelow(0.5), uint64_t(2));
        QCOMPARE(c.countAbove(0.5), uint64_t(1));
        QCOMPARE(c.percentileOf(0.5), 80.0);
    }

    void emptyAndConstant()
    {
        ColumnStats e = ColumnStats::compute("e", {}, 0);
        QCOMPARE(e.count, uint64_t(0));
        QVERIFY(!statsToText({ e }, 0).empty());
        ColumnStats c = ColumnStats::compute("c", std::vector<float>(100, 0.5f), 0);
        QCOMPARE(c.count, uint64_t(100));
        QCOMPARE(c.histogram.counts.front(), uint64_t(100));
        QVERIFY(statsToJson({ c }, 100).find("\"p50\": 0.5") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestStats)
#include "tst_stats.moc"
