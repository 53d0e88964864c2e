// Sampling plain JSON Lines by byte offset (core/blocksampler.h, issue 21 part 1): the sample is exactly the
// records that start in the chosen blocks, every record has the same probability whatever its length (a
// chi-square test, which the length-biased way of sampling offsets fails), and a scan with the sampler reads a
// small part of the shard. Multi-frame zstd shards are sampled the same way in their decompressed offsets, reading
// only the frames that hold chosen blocks (issue 21: "multi-frame zstd").

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
#include <cstring>
#include <filesystem>
#include <map>
#include <random>

#include <zstd.h>

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

// A multi-frame zstd file of `text`: frames of `frameBytes` decompressed bytes, cut anywhere (mid-record, so
// records span frames). Kinds: "sizes" (each frame's header states its content size, ZSTD_compress),
// "seek-table" (frames without content sizes, as a streaming compressor writes them, and a seek table at the end,
// zstd's seekable format, with checksums), "skippable" (a 4-byte skippable frame before each frame, as pzstd writes).
std::string multiFrame(const std::string& text, size_t frameBytes, const std::string& kind,
    std::vector<std::pair<uint64_t, uint64_t>>* framesOut = nullptr)
{
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, kind == "seek-table" ? 0 : 1);
    std::string out;
    std::vector<std::pair<uint32_t, uint32_t>> entries;
    auto le32 = [](std::string& o, uint32_t v) {
        for (int i = 0; i < 4; ++i)
            o += char((v >> (8 * i)) & 0xff);
    };
    for (size_t at = 0; at < text.size(); at += frameBytes) {
        const std::string part = text.substr(at, frameBytes);
        if (kind == "skippable") {
            le32(out, 0x184D2A50u);
            le32(out, 4);
            le32(out, 1234);
            entries.emplace_back(12, 0);
        }
        std::string frame(ZSTD_compressBound(part.size()), '\0');
        frame.resize(ZSTD_compress2(cctx, frame.data(), frame.size(), part.data(), part.size()));
        if (framesOut)
            framesOut->emplace_back(out.size(), at);
        out += frame;
        entries.emplace_back(uint32_t(frame.size()), uint32_t(part.size()));
    }
    ZSTD_freeCCtx(cctx);
    if (kind == "seek-table") {
        std::string table;
        for (const auto& [c, d] : entries) {
            le32(table, c);
            le32(table, d);
            le32(table, 0); // a checksum, which this reader does not need
        }
        le32(table, uint32_t(entries.size()));
        table += char(0x80);
        le32(table, 0x8F92EAB1u);
        le32(out, 0x184D2A5Eu);
        le32(out, uint32_t(table.size()));
        out += table;
    }
    return out;
}

std::vector<Record> sampledFrames(const std::string& path, const BlockSampler& sampler, size_t batchBytes = 1 << 20,
    uint64_t* bytesRead = nullptr, uint64_t* framesRead = nullptr)
{
    std::shared_ptr<const ZstdFrameIndex> frames = zstdFrameIndex(path);
    if (!frames || !frames->randomAccess())
        throw std::runtime_error(path + " is not read by frame");
    std::vector<Record> out;
    BlockLineReader reader(path, 0, sampler, frames, batchBytes);
    LineBatch batch;
    while (reader.nextBatch(batch))
        for (size_t i = 0; i < batch.lines.size(); ++i)
            if (batch.lines[i].length)
                out.push_back({ batch.startOffset + batch.lines[i].begin, std::string(batch.line(i)) });
    if (bytesRead)
        *bytesRead = reader.bytesRead();
    if (framesRead)
        *framesRead = reader.framesDecompressed();
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

    // Issue 21: a multi-frame zstd file is sampled by the blocks of its decompressed bytes, and the sample is the
    // sample of the same content as plain JSON Lines (same seed, same records, same offsets): records that span
    // frames are read whole, a run of chosen blocks that starts at a frame's first byte decides from the previous
    // frame's last byte whether a record starts there.
    void multiFrameZstdSampleIsThePlainSample_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("frameBytes");
        QTest::addColumn<int>("blockBytes");
        QTest::addColumn<double>("p");
        QTest::addColumn<int>("batchBytes");
        QTest::newRow("content sizes, 64 KiB frames, 4 KiB blocks, 10%")
            << "sizes" << 65536 << 4096 << 0.1 << (1 << 20);
        QTest::newRow("content sizes, 4 KiB frames = blocks, 30%") << "sizes" << 4096 << 4096 << 0.3 << (1 << 20);
        QTest::newRow("content sizes, 5000 B frames, 256 B blocks, 5%") << "sizes" << 5000 << 256 << 0.05 << 4096;
        QTest::newRow("seek table, frames without sizes, 20%") << "seek-table" << 7000 << 1024 << 0.2 << (1 << 20);
        QTest::newRow("skippable frames between, 50%") << "skippable" << 3000 << 512 << 0.5 << 8192;
        QTest::newRow("everything") << "sizes" << 6000 << 4096 << 1.0 << (1 << 20);
        QTest::newRow("nothing") << "seek-table" << 6000 << 4096 << 0.0 << (1 << 20);
    }
    void multiFrameZstdSampleIsThePlainSample()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        QFETCH(QString, kind);
        QFETCH(int, frameBytes);
        QFETCH(int, blockBytes);
        QFETCH(double, p);
        QFETCH(int, batchBytes);
        QTemporaryDir dir;
        std::string corpus = unevenCorpus();
        corpus.insert(corpus.find('\n', 5000) + 1, "\n\n");
        const std::string plain = dir.filePath("uneven.jsonl").toStdString();
        const std::string zst = dir.filePath("uneven.jsonl.zst").toStdString();
        testutil::writeFile(plain, corpus);
        std::vector<std::pair<uint64_t, uint64_t>> frames; // (file offset, content offset)
        testutil::writeFile(zst, multiFrame(corpus, size_t(frameBytes), kind.toStdString(), &frames));
        QVERIFY(frames.size() > 10);

        const std::shared_ptr<const ZstdFrameIndex> idx = zstdFrameIndex(zst);
        QVERIFY(idx && idx->randomAccess());
        QCOMPARE(idx->seekTable, kind == "seek-table");
        QCOMPARE(idx->contentBytes, uint64_t(corpus.size()));
        QCOMPARE(idx->frames.size(), frames.size());
        for (size_t i = 0; i < frames.size(); ++i) {
            QCOMPARE(idx->frames[i].offset, frames[i].first);
            QCOMPARE(idx->frames[i].contentOffset, frames[i].second);
        }

        const BlockSampler sampler(p, 7, uint64_t(blockBytes));
        const std::vector<Record> expected = sampled(plain, sampler, size_t(batchBytes));
        const std::vector<Record> got = sampledFrames(zst, sampler, size_t(batchBytes));
        QCOMPARE(got.size(), expected.size());
        size_t spanning = 0;
        for (size_t i = 0; i < got.size(); ++i) {
            QCOMPARE(got[i].offset, expected[i].offset);
            QVERIFY2(got[i].line == expected[i].line, qPrintable(QString("record at byte %1").arg(got[i].offset)));
            const size_t f = idx->frameAt(got[i].offset);
            spanning += got[i].offset + got[i].line.size() > idx->frames[f].contentOffset + idx->frames[f].contentSize;
        }
        if (p > 0) {
            QVERIFY(!got.empty());
            QVERIFY2(spanning > 0, "no sampled record spans two frames: the case is not exercised");
        }
        // A single-frame file, or frames without sizes and no seek table, is read as a stream.
        const std::string single = dir.filePath("single.jsonl.zst").toStdString();
        testutil::writeFile(single, testutil::zstdCompress(corpus));
        QVERIFY(!zstdFrameIndex(single) || !zstdFrameIndex(single)->randomAccess());
    }

    // Issue 21: at p = 0.01 only a small part of a multi-frame file is read and decompressed (real text, bench-0000's
    // first 16 MB, frames of 64 KiB).
    void multiFrameZstdReadsFewFrames()
    {
        REQUIRE_SHARED("bench/bench-0000.jsonl.zst");
        QTemporaryDir dir;
        std::string text = testutil::zstdDecompressFile(testdata::shared("bench/bench-0000.jsonl.zst"));
        text.resize(std::min<size_t>(text.size(), 16 << 20));
        text.resize(text.rfind('\n') + 1);
        const std::string plain = dir.filePath("bench.jsonl").toStdString();
        const std::string zst = dir.filePath("bench.jsonl.zst").toStdString();
        testutil::writeFile(plain, text);
        testutil::writeFile(zst, multiFrame(text, 65536, "sizes"));
        const uint64_t fileBytes = uint64_t(std::filesystem::file_size(zst));
        const BlockSampler sampler(0.01, 3, 4096);
        uint64_t bytesRead = 0, framesRead = 0;
        const std::vector<Record> got = sampledFrames(zst, sampler, 1 << 20, &bytesRead, &framesRead);
        const std::vector<Record> expected = sampled(plain, sampler);
        QCOMPARE(got.size(), expected.size());
        QVERIFY(got.size() > 20);
        for (size_t i = 0; i < got.size(); ++i)
            QCOMPARE(got[i].offset, expected[i].offset);
        const size_t frames = zstdFrameIndex(zst)->frames.size();
        qInfo("p=0.01: %zu records, %llu of %zu frames decompressed, %llu of %llu compressed bytes read", got.size(),
            static_cast<unsigned long long>(framesRead), frames, static_cast<unsigned long long>(bytesRead),
            static_cast<unsigned long long>(fileBytes));
        QVERIFY2(bytesRead < fileBytes / 4, "a 1% sample should read far less than the file");
        QVERIFY(framesRead < frames / 4);
    }

    // Issue 21: bad multi-frame input never crashes and is reported with the file and the frame's byte offset: a
    // file cut inside its last frame (found when the frames are indexed), a frame whose compressed bytes are
    // damaged (found when it is decompressed), in a scan (the shard's error; the scan goes on with the others).
    void brokenFramesAreReportedWithTheirOffset()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        QTemporaryDir dir;
        const std::string corpus = unevenCorpus();
        std::vector<std::pair<uint64_t, uint64_t>> frames;
        const std::string good = multiFrame(corpus, 8192, "sizes", &frames);
        const BlockSampler everything(1.0, 1, 4096);

        const std::string cut = dir.filePath("cut.jsonl.zst").toStdString();
        testutil::writeFile(cut, good.substr(0, good.size() - 10));
        try {
            zstdFrameIndex(cut);
            QFAIL("a truncated frame was indexed");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), cut);
            QCOMPARE(e.byteOffset(), frames.back().first);
        }

        const std::string damaged = dir.filePath("damaged.jsonl.zst").toStdString();
        std::string bytes = good;
        const size_t victim = frames.size() / 2;
        const uint64_t start = frames[victim].first, end = frames[victim + 1].first;
        for (uint64_t at = start + 20; at < end - 8; at += 7)
            bytes[at] = char(~bytes[at]);
        testutil::writeFile(damaged, bytes);
        try {
            sampledFrames(damaged, everything);
            QFAIL("a damaged frame was decompressed");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), damaged);
            QCOMPARE(e.byteOffset(), start);
            QVERIFY2(std::string(e.what()).find("byte " + std::to_string(start)) != std::string::npos, e.what());
        }

        const std::string fine = dir.filePath("fine.jsonl.zst").toStdString();
        testutil::writeFile(fine, good);
        ScanOptions o;
        o.shards = { cut, damaged, fine };
        o.scorers = testutil::scorers("zlib6");
        o.selector = std::make_shared<BlockSampler>(0.5, 2, 1024);
        const ScanResult r = Scan(o).run();
        QVERIFY(!r.complete());
        QVERIFY2(r.shards[0].error.find("byte " + std::to_string(frames.back().first)) != std::string::npos,
            r.shards[0].error.c_str());
        QVERIFY2(
            r.shards[1].error.find("byte " + std::to_string(start)) != std::string::npos, r.shards[1].error.c_str());
        QVERIFY(r.shards[2].error.empty() && r.shards[2].complete);
        QVERIFY(r.shards[2].records > 0);
    }

    // A scan samples a multi-frame .zst by frame: the same documents (offsets, ids) as its plain copy in the same
    // place of the corpus order, the population estimated the same way, no line numbers (as for plain).
    void scanSamplesMultiFrameZstdLikeItsPlainCopy()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        QTemporaryDir dir;
        const std::string corpus = unevenCorpus();
        const std::string plain = dir.filePath("a.jsonl").toStdString();
        const std::string zst = dir.filePath("b.jsonl.zst").toStdString();
        testutil::writeFile(plain, corpus);
        testutil::writeFile(zst, multiFrame(corpus, 16384, "seek-table"));
        // Shard numbers enter the block hash: scan each alone, as shard 0.
        auto run = [](const std::string& path) {
            ScanOptions o;
            o.shards = { path };
            o.scorers = testutil::scorers("zlib6");
            o.threads = 2;
            o.selector = std::make_shared<BlockSampler>(0.2, 5, 1024);
            return Scan(o).run();
        };
        const ScanResult a = run(plain), b = run(zst);
        QVERIFY(a.complete() && b.complete());
        QCOMPARE(b.shards[0].compression, std::string("zstd"));
        QVERIFY(b.index.size() > 20);
        QCOMPARE(b.index.size(), a.index.size());
        for (size_t d = 0; d < a.index.size(); ++d) {
            QCOMPARE(b.index.offset[d], a.index.offset[d]);
            QCOMPARE(b.index.length[d], a.index.length[d]);
            QCOMPARE(b.index.idOf(d), a.index.idOf(d));
            QCOMPARE(b.index.line[d], 0u);
            QCOMPARE(b.scores.values[0][d], a.scores.values[0][d]);
        }
        const PopulationEstimate ea = estimatePopulation(a), eb = estimatePopulation(b);
        QVERIFY(!eb.exact);
        QCOMPARE(eb.records, ea.records);
        // The viewer reads a sampled document of the .zst by frame (no seek cache was written): the same text.
        DocumentSource plainSource(a.shards, {}, a.fields), zstSource(b.shards, {}, b.fields);
        for (size_t d = 0; d < b.index.size(); d += 7) {
            DocumentSource::Expected want { b.index.idOf(d), b.index.line[d], b.index.textBytes[d] };
            const auto got = zstSource.read(b.index.shard[d], b.index.offset[d], b.index.length[d], &want);
            QVERIFY2(got.error.empty(), got.error.c_str());
            QCOMPARE(got.text, plainSource.read(a.index.shard[d], a.index.offset[d], a.index.length[d]).text);
        }
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
