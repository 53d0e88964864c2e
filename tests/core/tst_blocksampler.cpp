// Sampling plain JSON Lines by byte offset (core/blocksampler.h, issue 21 part 1): the sample is exactly the
// records that start in the chosen blocks, every record has the same probability whatever its length (a
// chi-square test, which the length-biased way of sampling offsets fails), and a scan with the sampler reads a
// small part of the shard.

#include "testutil.h"

#include <blocksampler.h>
#include <documentsource.h>
#include <linereader.h>
#include <scan.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <map>
#include <random>

using namespace shardscope;

namespace {

struct Record {
    uint64_t offset;
    std::string line;
};

// Every non-blank line of a plain file with its offset, read the ordinary way.
std::vector<Record> allRecords(const std::string& path)
{
    std::vector<Record> out;
    LineReader reader(ByteSource::open(path), path);
    LineReader::Line l;
    while (reader.next(l))
        if (!l.text.empty())
            out.push_back({ l.offset, std::string(l.text) });
    return out;
}

std::vector<Record> sampled(const std::string& path, const BlockSampler& sampler, size_t batchBytes = 1 << 20)
{
    std::vector<Record> out;
    BlockLineReader reader(path, 0, sampler, batchBytes);
    LineBatch batch;
    while (reader.nextBatch(batch)) {
        if (batch.firstLine != 0)
            throw std::runtime_error("a sampled batch claims line numbers");
        for (size_t i = 0; i < batch.lines.size(); ++i)
            if (batch.lines[i].length)
                out.push_back({ batch.startOffset + batch.lines[i].begin, std::string(batch.line(i)) });
    }
    return out;
}

// 600 real records of very uneven length: single sentences (~100 bytes) and, one in eight, documents made of 20
// to 300 of them (up to ~50 KB), shuffled, so long and short records alternate.
std::string unevenCorpus(int* recordsOut = nullptr)
{
    std::vector<std::string> texts;
    for (const char* name : { "udhr_sentences.jsonl", "informal.jsonl" }) {
        for (const auto& line : testutil::splitLines(testutil::readFile(testdata::fixture(name)))) {
            const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(line)).object();
            if (doc.value("text").isString())
                texts.push_back(doc.value("text").toString().toStdString());
        }
    }
    std::mt19937_64 rng(42);
    std::vector<std::string> lines;
    size_t next = 0;
    for (int k = 0; k < 600; ++k) {
        const int parts = (k % 8 == 0) ? int(20 + rng() % 280) : 1;
        std::string text;
        for (int j = 0; j < parts; ++j)
            text += (j ? " " : "") + texts[next++ % texts.size()];
        QJsonObject o;
        o["id"] = QString("doc-%1").arg(k);
        o["text"] = QString::fromStdString(text);
        lines.push_back(QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString());
    }
    std::shuffle(lines.begin(), lines.end(), rng);
    std::string out;
    for (const auto& l : lines)
        out += l + "\n";
    if (recordsOut)
        *recordsOut = int(lines.size());
    return out;
}

// The chi-square value above which a statistic with `df` degrees of freedom has probability 0.001
// (Wilson-Hilferty).
double chiSquareCritical001(double df)
{
    const double z = 3.090232;
    const double a = 2.0 / (9.0 * df);
    return df * std::pow(1 - a + z * std::sqrt(a), 3);
}

// Pearson's statistic for counts each expected to be Binomial(trials, p).
double chiSquare(const std::vector<int>& counts, int trials, double p)
{
    const double mean = trials * p, var = trials * p * (1 - p);
    double x = 0;
    for (int c : counts)
        x += (c - mean) * (c - mean) / var;
    return x;
}

} // namespace

class TestBlockSampler : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readsExactlyTheRecordsThatStartInChosenBlocks_data()
    {
        QTest::addColumn<int>("blockBytes");
        QTest::addColumn<double>("p");
        QTest::addColumn<bool>("trailingNewline");
        QTest::addColumn<int>("batchBytes");
        QTest::newRow("64 B blocks, 5%") << 64 << 0.05 << true << (1 << 20);
        QTest::newRow("64 B blocks, 30%, small batches") << 64 << 0.3 << true << 256;
        QTest::newRow("4 KiB blocks, 10%") << 4096 << 0.1 << true << (1 << 20);
        QTest::newRow("4 KiB blocks, 50%, no final newline") << 4096 << 0.5 << false << 8192;
        QTest::newRow("everything") << 4096 << 1.0 << false << (1 << 20);
        QTest::newRow("nothing") << 4096 << 0.0 << true << (1 << 20);
    }
    void readsExactlyTheRecordsThatStartInChosenBlocks()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        QFETCH(int, blockBytes);
        QFETCH(double, p);
        QFETCH(bool, trailingNewline);
        QFETCH(int, batchBytes);
        QTemporaryDir dir;
        std::string corpus = unevenCorpus();
        // Blank lines are not records, wherever they fall.
        corpus.insert(corpus.find('\n', 5000) + 1, "\n\n");
        if (!trailingNewline)
            corpus.pop_back();
        const std::string path = dir.filePath("uneven.jsonl").toStdString();
        testutil::writeFile(path, corpus);

        const BlockSampler sampler(p, 7, uint64_t(blockBytes));
        std::vector<Record> expected;
        for (auto& r : allRecords(path))
            if (sampler.chooses(0, r.offset / uint64_t(blockBytes)))
                expected.push_back(std::move(r));
        const std::vector<Record> got = sampled(path, sampler, size_t(batchBytes));
        QCOMPARE(got.size(), expected.size());
        for (size_t i = 0; i < got.size(); ++i) {
            QCOMPARE(got[i].offset, expected[i].offset);
            QVERIFY2(got[i].line == expected[i].line, qPrintable(QString("record at byte %1").arg(got[i].offset)));
        }
        if (p > 0 && p < 1)
            QVERIFY(!got.empty() && got.size() < allRecords(path).size());
    }

    // Each record is in the sample with probability p whatever its length: over many seeds, how often each record
    // was drawn passes a chi-square test against Binomial(seeds, p). The usual way of sampling by offset (a random
    // byte, the record under it) fails the same test, so the test can tell.
    void everyRecordHasTheSameProbability()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        QTemporaryDir dir;
        int n = 0;
        const std::string corpus = unevenCorpus(&n);
        const std::string path = dir.filePath("uneven.jsonl").toStdString();
        testutil::writeFile(path, corpus);
        const std::vector<Record> records = allRecords(path);
        QCOMPARE(int(records.size()), n);
        size_t shortest = SIZE_MAX, longest = 0;
        for (const auto& r : records) {
            shortest = std::min(shortest, r.line.size());
            longest = std::max(longest, r.line.size());
        }
        QVERIFY2(longest > 200 * shortest, "the corpus must have very uneven record lengths");
        std::map<uint64_t, size_t> indexOf;
        for (size_t i = 0; i < records.size(); ++i)
            indexOf[records[i].offset] = i;

        const int seeds = 300;
        const double p = 0.2;
        std::vector<int> counts(records.size(), 0);
        for (int seed = 1; seed <= seeds; ++seed)
            for (const auto& r : sampled(path, BlockSampler(p, uint64_t(seed), 64)))
                ++counts[indexOf.at(r.offset)];
        const double x = chiSquare(counts, seeds, p);
        const double critical = chiSquareCritical001(double(records.size()));
        qInfo("offset blocks: chi-square %.1f over %zu records (critical value at p=0.001: %.1f), "
              "records of %zu to %zu bytes",
            x, records.size(), critical, shortest, longest);
        QVERIFY2(x < critical, qPrintable(QString("chi-square %1 >= %2").arg(x).arg(critical)));

        // The length-biased way, the same number of draws per seed: a uniform byte, the record that holds it.
        std::vector<uint64_t> starts;
        for (const auto& r : records)
            starts.push_back(r.offset);
        std::vector<int> biased(records.size(), 0);
        std::mt19937_64 rng(1);
        std::uniform_int_distribution<uint64_t> byte(0, corpus.size() - 1);
        for (int seed = 1; seed <= seeds; ++seed) {
            std::vector<char> drawn(records.size(), 0);
            for (int k = 0; k < int(p * double(records.size())); ++k) {
                const size_t i = size_t(std::upper_bound(starts.begin(), starts.end(), byte(rng)) - starts.begin()) - 1;
                drawn[i] = 1;
            }
            for (size_t i = 0; i < drawn.size(); ++i)
                biased[i] += drawn[i];
        }
        const double xBiased = chiSquare(biased, seeds, p);
        qInfo("offsets, record under the byte: chi-square %.1f", xBiased);
        QVERIFY2(xBiased > 10 * critical, "the control (length-biased sampling) should fail the test by far");
    }

    // A scan with the sampler: plain shards give exactly the records that start in chosen blocks (ids of records
    // without one are their byte offsets, which the document viewer's check accepts), a compressed shard gives the
    // line-by-line Bernoulli sample of the same seed, and the corpus size is estimated near the truth.
    void scanSamplesPlainShardsByOffsetAndOthersByLine()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        REQUIRE_FIXTURE("informal.jsonl");
        QTemporaryDir dir;
        const std::string uneven = dir.filePath("a-uneven.jsonl").toStdString();
        const std::string zst = dir.filePath("b-informal.jsonl.zst").toStdString();
        const std::string noIds = dir.filePath("c-no-ids.jsonl").toStdString();
        testutil::writeFile(uneven, unevenCorpus());
        testutil::writeFile(zst, testutil::zstdCompress(testutil::readFile(testdata::fixture("informal.jsonl"))));
        std::string plain;
        for (const auto& line : testutil::splitLines(testutil::readFile(testdata::fixture("udhr_sentences.jsonl")))) {
            const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(line)).object();
            QJsonObject o;
            o["text"] = doc.value("text");
            plain += QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString() + "\n";
        }
        testutil::writeFile(noIds, plain);

        const double p = 0.3;
        auto sampler = std::make_shared<BlockSampler>(p, 11, 256);
        ScanOptions o;
        o.shards = { uneven, zst, noIds };
        o.scorers = testutil::scorers("zlib6");
        o.threads = 2;
        o.selector = sampler;
        const ScanResult r = Scan(o).run();
        QVERIFY(r.complete());
        QCOMPARE(r.selection, std::string("offset-blocks p=0.3 seed=11 block=256"));

        // Expected, shard by shard: offsets of plain records in chosen blocks; zst lines by BernoulliSelector.
        const BernoulliSelector lines(p, 11);
        std::vector<std::pair<uint32_t, uint64_t>> expected;
        uint64_t trueRecords = 0;
        for (uint32_t shard = 0; shard < 3; ++shard) {
            LineReader reader(ByteSource::open(o.shards[shard]), o.shards[shard]);
            LineReader::Line l;
            while (reader.next(l)) {
                if (l.text.empty())
                    continue;
                ++trueRecords;
                const bool chosen = shard == 1 ? lines.select(shard, l.number)
                                               : sampler->chooses(shard, l.offset / sampler->blockBytes());
                if (chosen)
                    expected.emplace_back(shard, l.offset);
            }
        }
        QCOMPARE(r.index.size(), expected.size());
        for (size_t d = 0; d < expected.size(); ++d) {
            QCOMPARE(uint32_t(r.index.shard[d]), expected[d].first);
            QCOMPARE(r.index.offset[d], expected[d].second);
            // Line numbers are known for the streamed shard only.
            QCOMPARE(r.index.line[d] != 0, expected[d].first == 1);
        }
        // Records = documents + rejected + skipped still adds up; only the streamed shard has skipped records.
        QCOMPARE(r.records, uint64_t(r.index.size()) + r.rejected + r.skipped);
        QVERIFY(r.skipped > 0 && r.skipped < 300);

        const PopulationEstimate est = estimatePopulation(r);
        QVERIFY(!est.exact);
        qInfo("records: %llu, estimated %.0f from %zu sampled", static_cast<unsigned long long>(trueRecords),
            est.records, r.index.size());
        QVERIFY2(std::abs(est.records - double(trueRecords)) < 0.15 * double(trueRecords),
            qPrintable(QString("estimated %1 of %2").arg(est.records).arg(trueRecords)));

        // A record without an id is named by its offset, and reads back through the viewer's check.
        size_t d = 0;
        while (d < r.index.size() && r.index.shard[d] != 2)
            ++d;
        QVERIFY(d < r.index.size());
        const std::string id = r.index.idOf(d);
        QCOMPARE(id, "@" + std::to_string(r.index.offset[d]));
        DocumentSource source(r.shards, {}, r.fields);
        DocumentSource::Expected want { id, r.index.line[d], r.index.textBytes[d] };
        const auto doc = source.read(r.index.shard[d], r.index.offset[d], r.index.length[d], &want);
        QVERIFY2(doc.error.empty(), doc.error.c_str());
        QCOMPARE(uint32_t(doc.text.size()), r.index.textBytes[d]);
    }
};

QTEST_GUILESS_MAIN(TestBlockSampler)
#include "tst_blocksampler.moc"
