// Sample first, then the whole (issue 21, part 1, GUI side): a large corpus is shown first from a seeded uniform
// random sample, every figure with its 95% interval, then replaced by the exact table of the full pass unless the
// user stops at the sample. Small real fixtures are forced to sample through SHARDSCOPE_SAMPLE_FIRST.

#include "testhelpers.h"

#include <corpusstatusbar.h>
#include <histogramstack.h>
#include <mainwindow.h>
#include <qcustomplot_include.h>

#include <documentviewer.h>
#include <histogramwidget.h>
#include <scorestore.h>
#include <thresholdpanel.h>

#include <QElapsedTimer>
#include <QFileInfo>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <filesystem>
#include <set>

#include <zstd.h>

using namespace shardscope;
using namespace testhelpers;

namespace {

constexpr const char* kScorers = "zlib6,zstd3";

bool waitForStats(MainWindow& w, int ms = 60000)
{
    QElapsedTimer t;
    t.start();
    while (!(w.statsReady() && w.histogram(QStringLiteral("zlib6")) && w.histogram(QStringLiteral("zlib6"))->hasData())
        && t.elapsed() < ms)
        QTest::qWait(20);
    return w.statsReady();
}

// The zlib6 value below which about 30% of the table's documents lie.
double lowerCut(const CorpusData& c)
{
    std::vector<float> v = c.scores(size_t(c.columnIndex("zlib6"))).toVector();
    std::sort(v.begin(), v.end());
    return v[v.size() * 3 / 10];
}

uint64_t keptBelow(const CorpusData& c, double cut)
{
    const auto& v = c.scores(size_t(c.columnIndex("zlib6")));
    return uint64_t(std::count_if(v.begin(), v.end(), [&](float x) { return x >= cut; }));
}

QString intervalText(const SampleScope& s, uint64_t k, uint64_t m)
{
    const Interval ci = s.fraction(k, m);
    return QStringLiteral("(%1–%2%)")
        .arg(QString::number(100 * ci.low, 'f', 1), QString::number(100 * ci.high, 'f', 1));
}

} // namespace

class TestSampleFirst : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;

    // Two shards (udhr_sentences 550 documents, informal 300), gzipped into a folder of their own so each test has
    // its own cache.
    QStringList shards(const QString& name)
    {
        QDir(m_tmp.path()).mkpath(name);
        QTemporaryDir* dir = new QTemporaryDir(QDir(m_tmp.path()).filePath(name + QStringLiteral("/XXXXXX")));
        dir->setAutoRemove(false);
        return { gzipFixture(*dir, "udhr_sentences.jsonl"), gzipFixture(*dir, "informal.jsonl") };
    }

private Q_SLOTS:
    void initTestCase() { isolate(); }
    void cleanup() { qunsetenv("SHARDSCOPE_SAMPLE_FIRST"); }

    void sizeDecidesWhetherToSample()
    {
        REQUIRE_FIXTURE("informal.jsonl");
        const ShardInfo shard = fingerprintShard(fixture("informal.jsonl").toStdString());
        const CorpusSize size = estimateCorpusSize({ shard });
        QCOMPARE(size.estimatedRecords, uint64_t(300)); // read to its end: exact
        QCOMPARE(size.bytesOnDisk, shard.size);
        OpenRequest req;
        req.sampling = OpenRequest::Sampling::Auto;
        QCOMPARE(sampleFractionFor(req, size), 0.0); // small: opened whole
        QCOMPARE(sampleFractionFor(req, { 10ull << 30, 1000000 }), 0.02); // sized for 20,000 documents
        // About 20,000 documents however big the corpus (a 1% sample of 10M documents took 49 s to show).
        QCOMPARE(sampleFractionFor(req, { 300ull << 20, 900000000 }), 20000.0 / 900000000);
        req.sampling = OpenRequest::Sampling::Always;
        QCOMPARE(sampleFractionFor(req, size), 1.0); // 20,000 of 300: everything, no sample
        req.sampleFraction = 0.3;
        QCOMPARE(sampleFractionFor(req, size), 0.3);
        req.scoreSlow = true; // the language model asked for: the whole corpus
        QCOMPARE(sampleFractionFor(req, size), 0.0);
    }

    // Plain JSON Lines are sampled by byte offset (BlockSampler): only the chosen blocks are read, so the number of
    // records is an estimate, said to be one; the sample still reaches the end of each shard. Multi-frame zstd whose
    // frames state their sizes is sampled the same way, by the frames that hold the chosen blocks (issue 21).
    void plainShardsAreSampledByOffset_data()
    {
        QTest::addColumn<bool>("framed");
        QTest::newRow("plain JSON Lines") << false;
        QTest::newRow("multi-frame zstd") << true;
    }
    void plainShardsAreSampledByOffset()
    {
        QFETCH(bool, framed);
        REQUIRE_FIXTURE("informal.jsonl");
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        const QString sub = framed ? QStringLiteral("framed") : QStringLiteral("plain");
        QDir(m_tmp.path()).mkpath(sub);
        const QString dir = QDir(m_tmp.path()).filePath(sub);
        QStringList inputs;
        std::vector<qint64> textBytes;
        for (const char* name : { "udhr_sentences.jsonl", "informal.jsonl" }) {
            QFile in(fixture(name));
            QVERIFY(in.open(QIODevice::ReadOnly));
            const QByteArray text = in.readAll();
            textBytes.push_back(text.size());
            QByteArray bytes = text;
            if (framed) {
                // 4 KiB frames, each with its content size (ZSTD_compress writes it), cut anywhere in a record.
                bytes.clear();
                for (qsizetype at = 0; at < text.size(); at += 4096) {
                    const QByteArray piece = text.mid(at, 4096);
                    QByteArray frame(qsizetype(ZSTD_compressBound(size_t(piece.size()))), '\0');
                    const size_t n
                        = ZSTD_compress(frame.data(), size_t(frame.size()), piece.data(), size_t(piece.size()), 3);
                    QVERIFY(!ZSTD_isError(n));
                    bytes += frame.left(qsizetype(n));
                }
            }
            inputs << QDir(dir).filePath(QString::fromUtf8(name) + (framed ? QStringLiteral(".zst") : QString()));
            QFile out(inputs.back());
            QVERIFY(out.open(QIODevice::WriteOnly) && out.write(bytes) == bytes.size());
        }
        qputenv("SHARDSCOPE_SAMPLE_FIRST", "0.3");
        MainWindow w;
        w.resize(1600, 1000);
        w.show();
        w.setScorers(kScorers);
        auto* status = qobject_cast<CorpusStatusBar*>(w.statusBar());
        QVERIFY(status);
        QSignalSpy ready(w.session(), &CorpusSession::sampleReady);
        QSignalSpy stopped(w.session(), &CorpusSession::stoppedAtSample);
        connect(w.session(), &CorpusSession::sampleReady, this,
            [&](std::shared_ptr<const ScanOutcome>, bool) { w.thresholdPanel()->stopAtSampleButton()->click(); });
        w.openInputs(inputs);
        QVERIFY(signalled(ready, 60000));
        QVERIFY(signalled(stopped, 10000));
        QVERIFY(waitForStats(w));
        const auto table = w.session()->corpus();
        const SampleScope sample = w.session()->sample();
        QVERIFY(sample.active());
        QVERIFY(!sample.populationExact);
        QVERIFY2(sample.population > 640 && sample.population < 1060, qPrintable(QString::number(sample.population)));
        QVERIFY2(table->size() > 180 && table->size() < 340, qPrintable(QString::number(table->size())));
        uint64_t lastOffsetOfFirst = 0;
        for (size_t d = 0; d < table->size(); ++d) {
            QCOMPARE(table->line(d), uint32_t(0)); // read by offset: no line number
            if (table->shard(d) == 0)
                lastOffsetOfFirst = std::max(lastOffsetOfFirst, table->offset(d));
        }
        QVERIFY(lastOffsetOfFirst > uint64_t(textBytes[0]) * 3 / 4);
        QVERIFY2(status->sampleText().contains(QStringLiteral(" of about ")), qPrintable(status->sampleText()));
        QVERIFY2(w.thresholdPanel()->sampleText().contains(QStringLiteral(" of about ")),
            qPrintable(w.thresholdPanel()->sampleText()));
    }

    // The sample is uniform over the corpus, shown at once with intervals, and stays when the user stops there;
    // its intervals contain the exact figures a full open gives afterwards.
    void stopAtSampleKeepsTheSampleWithIntervals()
    {
        REQUIRE_FIXTURE("informal.jsonl");
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        const QStringList inputs = shards(QStringLiteral("stop"));
        qputenv("SHARDSCOPE_SAMPLE_FIRST", "0.3");
        MainWindow w;
        w.resize(1600, 1000);
        w.show();
        w.setScorers(kScorers);
        auto* status = qobject_cast<CorpusStatusBar*>(w.statusBar());
        QVERIFY(status);
        QSignalSpy ready(w.session(), &CorpusSession::sampleReady);
        QSignalSpy stopped(w.session(), &CorpusSession::stoppedAtSample);
        QSignalSpy finished(w.session(), &CorpusSession::finished);
        bool followed = false, buttonShown = false;
        // Stopped as soon as the sample is on display, before the full pass (queued behind it) can end.
        connect(w.session(), &CorpusSession::sampleReady, this,
            [&](std::shared_ptr<const ScanOutcome>, bool fullPassFollows) {
                followed = fullPassFollows;
                buttonShown = !w.thresholdPanel()->stopAtSampleButton()->isHidden();
                w.thresholdPanel()->stopAtSampleButton()->click();
            });
        w.openInputs(inputs);
        QVERIFY(signalled(ready, 60000));
        QVERIFY(followed);
        QVERIFY(buttonShown);
        QVERIFY(signalled(stopped, 10000));
        QVERIFY(!w.session()->fullPassRunning());
        QVERIFY(waitForStats(w));
        QTest::qWait(300); // a full pass that was not stopped would end meanwhile
        QCOMPARE(finished.count(), 0);

        // A uniform sample: about 30% of the 850 records, from both shards and from their ends, not a prefix.
        const auto sampleTable = w.session()->corpus();
        const SampleScope sample = w.session()->sample();
        QVERIFY(sample.active());
        QCOMPARE(sample.population, uint64_t(850));
        QCOMPARE(sample.documents, uint64_t(sampleTable->size()));
        QVERIFY2(
            sampleTable->size() > 200 && sampleTable->size() < 320, qPrintable(QString::number(sampleTable->size())));
        std::set<uint16_t> shardsSeen;
        uint32_t lastLineOfFirst = 0;
        for (size_t d = 0; d < sampleTable->size(); ++d) {
            shardsSeen.insert(sampleTable->shard(d));
            if (sampleTable->shard(d) == 0)
                lastLineOfFirst = std::max(lastLineOfFirst, sampleTable->line(d));
        }
        QCOMPARE(shardsSeen.size(), size_t(2));
        QVERIFY(lastLineOfFirst > 500);
        QVERIFY(sampleTable->line(0) > 1 || sampleTable->line(1) > 2 || sampleTable->line(2) > 3);

        // The status bar and the panel say where the figures come from.
        QVERIFY2(status->sampleText().startsWith(
                     QStringLiteral("Sample: %1 of 850 documents (30%, seed 1)").arg(sampleTable->size())),
            qPrintable(status->sampleText()));
        QVERIFY(status->stopAtSampleButton()->isHidden());
        QVERIFY2(w.thresholdPanel()->sampleText().contains(
                     QStringLiteral("Estimated from %1 of 850 documents").arg(sampleTable->size())),
            qPrintable(w.thresholdPanel()->sampleText()));
        QVERIFY(w.thresholdPanel()->stopAtSampleButton()->isHidden());

        // A cutoff: kept shown as an estimate with its interval.
        const double cut = lowerCut(*sampleTable);
        w.filterState()->setBounds("zlib6", cut, std::nullopt, nullptr);
        const uint64_t keptInSample = keptBelow(*sampleTable, cut);
        QCOMPARE(w.counts().total.kept, keptInSample);
        const QString kept = w.thresholdPanel()->keptText();
        QVERIFY2(
            kept.contains(QStringLiteral("≈ ")) && kept.contains(intervalText(sample, keptInSample, sample.documents)),
            qPrintable(kept));
        // The viewer's percentile of a document is an estimate too, with its interval.
        w.viewer()->showDocument(0);
        const auto percentileCell = [&]() {
            QTableWidgetItem* item = w.viewer()->scoreTable()->item(0, 2);
            return item ? item->text() : QString();
        };
        QTRY_VERIFY2_WITH_TIMEOUT(
            percentileCell().startsWith(QStringLiteral("≈")) && percentileCell().contains(QChar(0x2013)),
            qPrintable(percentileCell()), 10000);
        const QString groupPercent
            = w.thresholdPanel()->groupModel()->index(0, GroupCountsModel::DroppedPercentColumn).data().toString();
        QVERIFY2(
            groupPercent.contains(QLatin1Char('(')) && groupPercent.contains(QChar(0x2013)), qPrintable(groupPercent));
        QCOMPARE(w.thresholdPanel()
                     ->groupModel()
                     ->headerData(GroupCountsModel::DroppedPercentColumn, Qt::Horizontal)
                     .toString(),
            QStringLiteral("% (95%)"));

        // Histograms: bars scaled to the corpus, each with its interval.
        HistogramWidget* h = w.histogram(QStringLiteral("zlib6"));
        QVERIFY(h && h->sampled());
        QVERIFY(h->errorBars()->visible());
        QCOMPARE(h->errorBars()->dataCount(), int(h->bins().counts.size()));
        auto* bars = qobject_cast<QCPBars*>(h->plot()->plottable(0));
        QVERIFY(bars);
        double total = 0;
        for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it)
            total += it->value;
        QVERIFY2(std::abs(total - sample.populationDocuments()) < 1.0, qPrintable(QString::number(total)));

        w.grab().save(QStringLiteral("/tmp/samplefirst.png"));

        // What is cached is never the sample (a full pass that ended before the click may have cached the corpus).
        std::vector<std::string> paths;
        for (const auto& s : sampleTable->shards)
            paths.push_back(s.path);
        const CorpusCache cache = CorpusCache::of({}, paths, sampleTable->fields);
        if (std::filesystem::exists(cache.scoresPath)) {
            std::vector<std::shared_ptr<const Scorer>> scorers;
            for (auto& s : ScorerRegistry::instance().resolveList(kScorers))
                scorers.push_back(std::move(s));
            const auto cached = openCached(cache, paths, sampleTable->fields, scorers);
            QVERIFY(cached && cached->index.size() == 850 && cached->skipped == 0);
        }

        // The exact figures of a whole open lie in the sample's intervals.
        qputenv("SHARDSCOPE_SAMPLE_FIRST", "0");
        QSignalSpy done(&w, &MainWindow::scanFinished);
        w.openInputs(inputs);
        QVERIFY(signalled(done, 60000));
        const auto whole = w.session()->corpus();
        QCOMPARE(whole->size(), size_t(850));
        QVERIFY(!w.session()->sample().active());
        const double exact = double(keptBelow(*whole, cut)) / double(whole->size());
        const Interval ci = sample.fraction(keptInSample, sample.documents);
        QVERIFY2(
            ci.contains(exact), qPrintable(QStringLiteral("%1 not in [%2, %3]").arg(exact).arg(ci.low).arg(ci.high)));
    }

    // File > Open Sample…: any corpus, with its size and seed, and no full pass; nothing is cached.
    void openSampleStopsThere()
    {
        REQUIRE_FIXTURE("informal.jsonl");
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        const QStringList inputs = shards(QStringLiteral("open"));
        MainWindow w;
        w.setScorers(kScorers);
        QSignalSpy ready(w.session(), &CorpusSession::sampleReady);
        QSignalSpy done(&w, &MainWindow::scanFinished);
        w.session()->openSample(inputs, 0.5, 7);
        QVERIFY(signalled(done, 60000));
        QCOMPARE(ready.count(), 1);
        QCOMPARE(ready.first().at(1).toBool(), false);
        QVERIFY(!w.session()->fullPassRunning());
        const SampleScope sample = w.session()->sample();
        QVERIFY(sample.active());
        QCOMPARE(sample.seed, uint64_t(7));
        QCOMPARE(sample.selection, std::string("bernoulli p=0.5 seed=7"));
        QVERIFY(sample.documents > 340 && sample.documents < 510);
        auto* status = qobject_cast<CorpusStatusBar*>(w.statusBar());
        QVERIFY2(status->sampleText().contains(QStringLiteral("(50%, seed 7)")), qPrintable(status->sampleText()));
        QVERIFY(status->stopAtSampleButton()->isHidden());
        QTest::qWait(300);
        QVERIFY(w.session()->sample().active()); // no full pass replaced it
        std::vector<std::string> paths;
        for (const auto& s : w.session()->corpus()->shards)
            paths.push_back(s.path);
        QVERIFY(!std::filesystem::exists(CorpusCache::of({}, paths, w.session()->corpus()->fields).scoresPath));
    }

    // The full pass replaces the sample with the exact table a normal open gives, and caches it.
    void fullPassMakesTheFiguresExact()
    {
        REQUIRE_FIXTURE("informal.jsonl");
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        const QStringList inputs = shards(QStringLiteral("full"));
        qputenv("SHARDSCOPE_SAMPLE_FIRST", "0.3");
        MainWindow w;
        w.setScorers(kScorers);
        QSignalSpy ready(w.session(), &CorpusSession::sampleReady);
        QSignalSpy done(&w, &MainWindow::scanFinished);
        size_t sampleRows = 0;
        bool sampledOnScreen = false, barsWhileSampled = false;
        connect(w.session(), &CorpusSession::sampleReady, this, [&]() {
            sampleRows = w.session()->corpus()->size();
            sampledOnScreen = w.thresholdPanel()->sampleText().contains(QStringLiteral("Estimated from"));
            HistogramWidget* h = w.histogram(QStringLiteral("zlib6"));
            barsWhileSampled = h && h->sampled();
        });
        w.openInputs(inputs);
        QVERIFY(signalled(ready, 60000));
        QCOMPARE(done.count(), 0); // the sample is not the end of the scan
        QVERIFY(signalled(done, 60000));
        QVERIFY(sampleRows > 200 && sampleRows < 320);
        QVERIFY(sampledOnScreen);
        QVERIFY(barsWhileSampled);
        QVERIFY(waitForStats(w));

        // Exact now: no sample, no interval, no error bars, the same table as the engine's own scan.
        QVERIFY(!w.session()->sample().active());
        QVERIFY(w.thresholdPanel()->sampleText().isEmpty());
        QVERIFY(!w.thresholdPanel()->keptText().contains(QStringLiteral("≈")));
        HistogramWidget* h = w.histogram(QStringLiteral("zlib6"));
        QVERIFY(h && !h->sampled() && !h->errorBars()->visible());
        auto* status = qobject_cast<CorpusStatusBar*>(w.statusBar());
        QVERIFY(status->sampleText().isEmpty());
        const auto table = w.session()->corpus();
        std::vector<std::string> paths;
        for (const auto& s : inputs)
            paths.push_back(s.toStdString());
        const auto engine = scanCorpus(paths, kScorers);
        QCOMPARE(table->size(), engine->size());
        QCOMPARE(table->offsetColumn(), engine->offsetColumn());
        QCOMPARE(table->scores(0), engine->scores(0));
        QCOMPARE(table->skipped, uint64_t(0));
        w.filterState()->setBounds("zlib6", lowerCut(*engine), std::nullopt, nullptr);
        QCOMPARE(w.counts().total.kept, keptBelow(*engine, lowerCut(*engine)));

        // Cached: the next open loads the whole corpus, no sample.
        QSignalSpy again(&w, &MainWindow::scanFinished);
        QSignalSpy readyAgain(w.session(), &CorpusSession::sampleReady);
        w.openInputs(inputs);
        QVERIFY(signalled(again, 60000));
        QCOMPARE(readyAgain.count(), 0);
        QVERIFY(w.session()->outcome()->fromCache);
        QCOMPARE(w.session()->corpus()->size(), size_t(850));
    }

    // The rest of the corpus in random order (issue 21): the full pass first grows the sample (each one 8 times
    // larger, same seed) and shows each grown sample with its intervals before the exact table; every grown sample
    // contains the one before, reaches every shard, and is a sample, not a prefix.
    void fullPassGrowsTheSampleFirst()
    {
        REQUIRE_FIXTURE("informal.jsonl");
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        QCOMPARE(ScanController::growingFractions(0.05), (std::vector<double> { 0.4, 1.0 }));
        QCOMPARE(ScanController::growingFractions(0.3), (std::vector<double> { 1.0 }));
        QCOMPARE(ScanController::growingFractions(0.001).size(), size_t(3)); // 0.8%, 6.4%; 51.2% is past 0.5: all
        const QStringList inputs = shards(QStringLiteral("grow"));
        qputenv("SHARDSCOPE_SAMPLE_FIRST", "0.05");
        MainWindow w;
        w.setScorers(kScorers);
        w.setUseCache(false);
        using Rows = std::set<std::pair<uint16_t, uint64_t>>;
        std::vector<Rows> samples;
        std::vector<double> probabilities;
        std::vector<bool> fullPassAfter;
        connect(w.session(), &CorpusSession::sampleReady, this,
            [&](std::shared_ptr<const ScanOutcome>, bool fullPassFollows) {
                const auto t = w.session()->corpus();
                Rows rows;
                for (size_t d = 0; d < t->size(); ++d)
                    rows.emplace(t->shard(d), t->offsetColumn()[d]);
                samples.push_back(std::move(rows));
                probabilities.push_back(w.session()->sample().probability);
                fullPassAfter.push_back(fullPassFollows);
            });
        QSignalSpy done(&w, &MainWindow::scanFinished);
        w.openInputs(inputs);
        QVERIFY(signalled(done, 60000));
        QCOMPARE(samples.size(), size_t(2));
        QCOMPARE(probabilities, (std::vector<double> { 0.05, 0.4 }));
        QCOMPARE(fullPassAfter, (std::vector<bool> { true, true }));
        // 850 documents: about 42, then about 340 (binomial; these bounds are over 4 standard deviations).
        QVERIFY2(samples[0].size() >= 20 && samples[0].size() <= 70, qPrintable(QString::number(samples[0].size())));
        QVERIFY2(samples[1].size() >= 280 && samples[1].size() <= 400, qPrintable(QString::number(samples[1].size())));
        QVERIFY(std::includes(samples[1].begin(), samples[1].end(), samples[0].begin(), samples[0].end()));
        for (const Rows& rows : samples) {
            QVERIFY(rows.begin()->first == 0 && rows.rbegin()->first == 1); // both shards
            uint64_t lastInFirst = 0;
            for (const auto& [shard, offset] : rows)
                if (shard == 0)
                    lastInFirst = std::max(lastInFirst, offset);
            QVERIFY(lastInFirst > 0);
        }
        // The grown sample reaches the last quarter of the first shard, as a prefix of the same size would not.
        const auto whole = w.session()->corpus();
        QCOMPARE(whole->size(), size_t(850));
        QVERIFY(!w.session()->sample().active());
        uint64_t firstShardEnd = 0;
        for (size_t d = 0; d < whole->size(); ++d)
            if (whole->shard(d) == 0)
                firstShardEnd = std::max(firstShardEnd, whole->offsetColumn()[d]);
        QVERIFY(std::any_of(samples[1].begin(), samples[1].end(),
            [&](const auto& r) { return r.first == 0 && r.second > firstShardEnd * 3 / 4; }));
    }

    // On the bench corpus (10 shards): the full pass stops within a second when asked, and the time a full pass
    // would take is shown where that choice is made.
    void stopDuringTheFullPassOnTheBenchCorpus()
    {
        REQUIRE_SHARED("bench/bench-0000.jsonl.zst");
        qputenv("SHARDSCOPE_SAMPLE_FIRST", "0.02");
        MainWindow w;
        w.resize(1600, 1000);
        w.show();
        w.setScorers(kScorers);
        w.setThreads(2);
        QSignalSpy ready(w.session(), &CorpusSession::sampleReady);
        QSignalSpy estimated(w.session(), &CorpusSession::fullPassEstimated);
        QSignalSpy stopped(w.session(), &CorpusSession::stoppedAtSample);
        QSignalSpy fullPassProgress(w.session(), &CorpusSession::fullPassProgress);
        w.openInputs({ sharedData(QStringLiteral("bench")) });
        QVERIFY(signalled(ready, 120000));
        QVERIFY(w.session()->fullPassRunning());
        const auto sampleTable = w.session()->corpus();
        std::set<uint16_t> shardsSeen;
        for (size_t d = 0; d < sampleTable->size(); ++d)
            shardsSeen.insert(sampleTable->shard(d));
        QCOMPARE(shardsSeen.size(), size_t(10));
        QVERIFY(signalled(estimated, 90000)); // a torch build also times the language model, beside the full pass
        QVERIFY(signalled(fullPassProgress, 30000)); // the full pass reports its progress behind the sample
        auto* status = qobject_cast<CorpusStatusBar*>(w.statusBar());
        QVERIFY2(status->sampleText().contains(QStringLiteral("Full pass: about")), qPrintable(status->sampleText()));
        QVERIFY(!status->stopAtSampleButton()->isHidden());
        QVERIFY(!w.thresholdPanel()->stopAtSampleButton()->isHidden());
        QVERIFY(waitForStats(w, 10000));
        QVERIFY(w.histogram(QStringLiteral("zlib6"))->errorBars()->visible());
        QVERIFY(w.session()->fullPassRunning());
        QLabel* sampleLabel = status->findChild<QLabel*>(QStringLiteral("sampleStatus"));
        QVERIFY(sampleLabel->width() >= sampleLabel->sizeHint().width()); // not cut off
        w.grab().save(QStringLiteral("/tmp/samplefirst-fullpass.png"));
        QElapsedTimer t;
        t.start();
        status->stopAtSampleButton()->click();
        QVERIFY(signalled(stopped, 1000));
        QVERIFY(!w.session()->fullPassRunning());
        // The sample on display stays: the first one, or a grown one (16%) if it was complete before the stop.
        QVERIFY(w.session()->corpus() == sampleTable || w.session()->corpus()->size() > sampleTable->size());
        QVERIFY(w.session()->sample().active());
        w.session()->shutdown(); // the workers are gone within a second
        QVERIFY2(t.elapsed() < 3000, qPrintable(QString::number(t.elapsed())));
    }

    // Closing the window while the sample is being drawn stops the scan at once (hotspot #92: no worker outlives
    // the window it posts to).
    void closeWhileDrawingTheSample()
    {
        REQUIRE_SHARED("bench/bench-0000.jsonl.zst");
        qputenv("SHARDSCOPE_SAMPLE_FIRST", "0.02");
        auto* w = new MainWindow;
        w->setUseCache(false);
        w->setScorers(kScorers);
        w->show();
        QSignalSpy ready(w->session(), &CorpusSession::sampleReady);
        w->openInputs({ sharedData(QStringLiteral("bench")) });
        QTRY_VERIFY_WITH_TIMEOUT(w->corpus() && w->corpus()->size() > 0, 60000);
        QVERIFY(w->session()->samplingFirst());
        QCOMPARE(ready.count(), 0);
        QElapsedTimer t;
        t.start();
        QVERIFY(w->close());
        delete w;
        qInfo("closed while drawing the sample in %lld ms", static_cast<long long>(t.elapsed()));
        QVERIFY(t.elapsed() < 3000);
    }
};

QTEST_MAIN(TestSampleFirst)
#include "tst_samplefirst.moc"
