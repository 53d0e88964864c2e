// The time a scorer would take over a corpus (issue 21, part 3), measured on a sample of its texts: the rate is
// the sample's bytes over the time they took, scaled to the corpus's bytes and the scan's threads; the
// measurement stops after its budget; a scorer that cannot run says why instead of a figure.

#include "recordparser.h"
#include "scan.h"
#include "scorerestimate.h"
#include "testutil.h"

#include <QTest>

#include <chrono>

using namespace shardscope;
using namespace testutil;

class TestScorerEstimate : public QObject {
    Q_OBJECT

    std::vector<std::string> m_texts;
    uint64_t m_bytes = 0;

private Q_SLOTS:
    void initTestCase()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        ScanOptions o;
        o.shards = { testdata::fixture("spam_ham.jsonl") };
        o.fields = detectFields(o.shards.front(), {}, false);
        o.scorers = scorers("zlib6");
        const ScanResult r = Scan(o).run();
        DocumentReader reader(r.shards, {});
        RecordParser parser(o.fields);
        for (size_t d = 0; d < r.index.size(); ++d) {
            const std::string line = reader.readLine(r.index.shard[d], r.index.offset[d], r.index.length[d]);
            ParsedRecord rec = parser.parse(line, 0);
            m_texts.emplace_back(rec.text);
            m_bytes += rec.text.size();
        }
        QVERIFY(m_texts.size() > 50);
    }

    void rateIsScaledToTheCorpusAndThreads()
    {
        const auto zstd = scorers("zstd3");
        const ScorerEstimate one = estimateScorer(*zstd.front(), m_texts, m_bytes * 100, 1, 0.2);
        QVERIFY(one.error.empty());
        QVERIFY(one.sampleTexts > 0 && one.sampleTexts <= m_texts.size());
        QVERIFY(one.bytesPerSecond > 0);
        QCOMPARE(one.seconds, double(m_bytes * 100) / one.bytesPerSecond);
        const ScorerEstimate four = estimateScorer(*zstd.front(), m_texts, m_bytes * 100, 4, 0.2);
        QCOMPARE(four.seconds, double(m_bytes * 100) / four.bytesPerSecond / 4);
    }

    void theMeasurementKeepsToItsBudget()
    {
        // Gopher's statistics over 80 mails, many times: the budget, not the sample, ends it.
        std::vector<std::string> many;
        for (int i = 0; i < 200; ++i)
            many.insert(many.end(), m_texts.begin(), m_texts.end());
        const auto gopher = scorers("gopher_quality");
        const auto start = std::chrono::steady_clock::now();
        const ScorerEstimate e = estimateScorer(*gopher.front(), many, m_bytes, 1, 0.1);
        const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        QVERIFY2(e.sampleTexts < many.size(), qPrintable(QString::number(e.sampleTexts)));
        QVERIFY2(
            took < 5, qPrintable(QString::number(took))); // 0.1 s and one text past it, with room for a loaded machine
    }

    void noTextsNoFigure()
    {
        const auto zstd = scorers("zstd3");
        const ScorerEstimate e = estimateScorer(*zstd.front(), {}, m_bytes, 1);
        QCOMPARE(e.seconds, -1.0);
        QCOMPARE(e.sampleTexts, uint64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestScorerEstimate)
#include "tst_scorerestimate.moc"
