#include "scancontroller.h"

#include <blocksampler.h>

#include <bytesource.h>
#include <linereader.h>
#include <ngramtrainer.h>
#include <scorerspec.h>
#include <scorestore.h>
#ifdef SHARDSCOPE_HAVE_TORCH
#include <lm/referencelm.h>
#endif

#include <QMetaObject>

#include <columnscan.h>

#include <algorithm>
#include <future>
#include <numeric>

#include <sys/resource.h>
#include <unistd.h>

namespace shardscope {

struct ScanController::Job {
    quint64 id = 0;
    std::atomic<bool> stop { false };
    std::atomic<bool> stopAtSample { false };
    std::mutex mutex;
    Scan* scan = nullptr; // guarded by mutex, set while the scan runs
    ColumnScan* columnScan = nullptr; // the same, for the column phase

    // Registers a running scan so cancel() reaches it; false when the job was stopped already.
    template <typename S> bool attach(S* running, S*& slot)
    {
        std::lock_guard lock(mutex);
        if (stop)
            return false;
        slot = running;
        return true;
    }
    template <typename S> void detach(S*& slot)
    {
        std::lock_guard lock(mutex);
        slot = nullptr;
    }
};

CorpusSize estimateCorpusSize(const std::vector<ShardInfo>& shards)
{
    CorpusSize size;
    for (const auto& s : shards)
        size.bytesOnDisk += s.size;
    // Records per byte on disk from the first shard that opens: a few megabytes of its decompressed lines.
    constexpr uint64_t kProbeBytes = 4 << 20;
    for (const auto& s : shards) {
        if (!s.error.empty() || s.size == 0)
            continue;
        try {
            // Small batches: the reader's position runs at most one batch ahead of the lines counted.
            LineReader reader(ByteSource::open(s.path), s.path, 256 << 10);
            LineReader::Line line;
            uint64_t records = 0, bytes = 0;
            bool ended = true;
            while (reader.next(line)) {
                records += line.text.empty() ? 0 : 1;
                bytes += line.text.size() + 1;
                if (bytes >= kProbeBytes) {
                    ended = false;
                    break;
                }
            }
            const uint64_t onDisk = ended  ? s.size
                : s.compression == "plain" ? bytes
                                           : std::max<uint64_t>(1, reader.compressedPos());
            size.estimatedRecords = uint64_t(std::llround(double(records) / double(onDisk) * double(size.bytesOnDisk)));
            size.meanRecordBytes = records ? double(bytes) / double(records) : 0;
            return size;
        } catch (const std::exception&) {
            continue; // the scan reports an unreadable shard
        }
    }
    return size;
}

double sampleFractionFor(const OpenRequest& request, const CorpusSize& size)
{
    using Sampling = OpenRequest::Sampling;
    if (request.sampling == Sampling::Never || request.scoreSlow)
        return 0;
    if (request.sampling == Sampling::Auto && size.bytesOnDisk <= kLargeCorpusBytes
        && size.estimatedRecords <= kLargeCorpusRecords)
        return 0;
    if (request.sampleFraction > 0)
        return std::min(1.0, request.sampleFraction);
    if (size.estimatedRecords == 0)
        return 0.01;
    // About sampleDocuments whatever the corpus's size: the first histograms of 10 million plain JSON Lines records
    // (a 0.2% sample read by byte offset) took 6-14 s here, a 1% sample 49 s. The intervals say how sure they are.
    return std::clamp(double(request.sampleDocuments) / double(size.estimatedRecords), 1e-6, 1.0);
}

namespace {

// What every way of finishing an open reports from its scan result (or the scores file's).
std::shared_ptr<ScanOutcome> outcomeOf(const ScanResult& result, const std::string& unusableCache)
{
    auto outcome = std::make_shared<ScanOutcome>();
    if (!unusableCache.empty())
        outcome->cacheNote = "cached scores were not usable and were rescored: " + unusableCache;
    outcome->shards = result.shards;
    outcome->errors = result.errors();
    outcome->records = result.records;
    outcome->rejected = result.rejected;
    outcome->rejects = result.rejects;
    outcome->seconds = result.seconds;
    return outcome;
}

} // namespace

SampleScope sampleScopeOf(const ScanResult& result, double probability, uint64_t seed)
{
    SampleScope scope;
    const PopulationEstimate population = estimatePopulation(result);
    scope.population = uint64_t(std::llround(population.records));
    scope.populationExact = population.exact;
    scope.sampled = result.records - std::min(result.records, result.skipped);
    scope.documents = scope.sampled - std::min(scope.sampled, result.rejected);
    scope.probability = probability;
    scope.seed = seed;
    scope.selection = result.selection;
    return scope;
}

ScanController::ScanController(QObject* parent)
    : QObject(parent)
{
    // One thread for the current job and one for a cancelled job still winding down.
    m_pool.setMaxThreadCount(2);
}

ScanController::~ScanController()
{
    shutdown();
}

template <typename F> void ScanController::post(const std::shared_ptr<Job>& job, F&& f)
{
    // Queued to the GUI thread; dropped there when the job was superseded meanwhile, and by
    // Qt when the controller is gone.
    QMetaObject::invokeMethod(
        this,
        [this, id = job->id, f = std::forward<F>(f)]() mutable {
            if (id == m_current)
                f();
        },
        Qt::QueuedConnection);
}

std::shared_ptr<ScanController::Job> ScanController::newJob()
{
    cancel();
    auto job = std::make_shared<Job>();
    job->id = ++m_counter;
    m_job = job;
    m_current = job->id;
    return job;
}

quint64 ScanController::scoreColumns(std::shared_ptr<CorpusData> table, const ColumnRequest& request)
{
    auto job = newJob();
    m_scoringColumns = true;
    m_pool.start([this, job, table, request]() {
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 5);
        try {
            std::vector<std::shared_ptr<const Scorer>> scorers;
            for (auto& s : ScorerRegistry::instance().resolveList(request.scorers))
                scorers.push_back(std::move(s));
            const CorpusCache cache = CorpusCache::of({}, request.shards, request.fields);
            runColumns(job, table, request.shards, request.fields, scorers, request.threads,
                request.useCache ? &cache : nullptr);
        } catch (const std::exception& e) {
            ColumnOutcome outcome;
            outcome.error = QString::fromStdString(e.what());
            post(job, [this, id = job->id, outcome]() {
                m_scoringColumns = false;
                Q_EMIT columnsFinished(id, outcome);
            });
        }
    });
    return job->id;
}

quint64 ScanController::start(const OpenRequest& request)
{
    auto job = newJob();
    m_running = true;
    m_pool.start([this, job, request]() { run(job, request); });
    return job->id;
}

void ScanController::setStopAtSample()
{
    if (m_job)
        m_job->stopAtSample.store(true);
}

void ScanController::cancel()
{
    if (m_job) {
        m_job->stop.store(true);
        std::lock_guard lock(m_job->mutex);
        if (m_job->scan)
            m_job->scan->cancel();
        if (m_job->columnScan)
            m_job->columnScan->cancel();
    }
    m_job.reset();
    m_current = 0;
    m_running = false;
    m_scoringColumns = false;
    m_fullPass = false;
}

void ScanController::shutdown()
{
    cancel();
    m_pool.waitForDone();
}

// The n-gram reference model trained for this corpus in an earlier session (issue 22: NgramReferenceController
// saves it in the cache directory) is offered again: when the scores file holds its column up to date, the column
// loads with the rest. A model whose column is not cached is not scored unasked (Add Scorers offers it).
static void addCachedReference(std::vector<std::shared_ptr<const Scorer>>& requested, const CorpusCache& cache,
    const std::vector<std::string>& shards, const FieldMapping& fields)
{
    const std::string dir = ngramReferenceDir(cache.dir);
    if (!isNgramModelDir(dir))
        return;
    for (const auto& s : requested)
        for (const auto& c : s->columns())
            if (c.name == "ngram_bpb")
                return;
    try {
        std::shared_ptr<const Scorer> ngram = ScorerRegistry::instance().create("ngram:model=" + dir);
        if (!ngram)
            return;
        const CacheContents cached = inspectScores(cache.scoresPath, shards, fields, { ngram });
        if (cached.usable && !cached.present.empty())
            requested.push_back(std::move(ngram));
    } catch (const std::exception&) {
        // A model that cannot be read: the corpus opens without it.
    }
}

#ifdef SHARDSCOPE_HAVE_TORCH
// The same for the corpus's neural reference model (issue 22: ReferenceLmController, train-lm --for-corpus): its lm
// columns load with the rest when the scores file holds them up to date and no requested scorer makes them.
static void addCachedReferenceLm(std::vector<std::shared_ptr<const Scorer>>& requested, const CorpusCache& cache,
    const std::vector<std::string>& shards, const FieldMapping& fields)
{
    const std::string dir = lm::referenceLmDir(cache.dir);
    if (!lm::isReferenceLmDir(dir))
        return;
    for (const auto& s : requested)
        for (const auto& c : s->columns())
            if (c.name == "lm_bpb")
                return;
    try {
        std::shared_ptr<const Scorer> reference
            = ScorerRegistry::instance().create(ScorerSpec { "lm", { { "model", dir } } }.format());
        if (!reference)
            return;
        const CacheContents cached = inspectScores(cache.scoresPath, shards, fields, { reference });
        if (cached.usable && !cached.present.empty())
            requested.push_back(std::move(reference));
    } catch (const std::exception&) {
        // A model that cannot be read: the corpus opens without it.
    }
}
#endif

void ScanController::run(std::shared_ptr<Job> job, OpenRequest request)
{
    // The scan's worker threads inherit this thread's nice value (Linux threads have their
    // own): with all cores scanning, the GUI thread still gets the CPU when it needs it.
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 5);
    try {
        std::vector<std::string> inputs;
        for (const QString& s : std::as_const(request.inputs))
            inputs.push_back(s.toStdString());
        std::vector<std::string> shards = expandShardPaths(inputs);
        if (shards.empty()) {
            post(job, [this, id = job->id, inputs = request.inputs]() {
                m_running = false;
                Q_EMIT failed(id,
                    tr("No shards found in %1 (looked for *.jsonl, *.jsonl.gz, *.jsonl.zst, ...).")
                        .arg(inputs.join(QStringLiteral(", "))));
            });
            return;
        }
        FieldMapping fields;
        if (request.fields) {
            fields = *request.fields;
        } else {
            fields = detectFields(shards.front(), FieldMapping {}, false);
            if (!fields.confident) {
                post(job, [this, id = job->id, inputs = request.inputs, fields]() {
                    m_running = false;
                    Q_EMIT fieldsUncertain(id, inputs, fields);
                });
                return;
            }
        }
        if (job->stop)
            return;

        std::vector<std::shared_ptr<const Scorer>> requested;
        for (auto& s : ScorerRegistry::instance().resolveList(request.scorers))
            requested.push_back(std::move(s));

        // The same cache layout and policy as shardscope-cli, so a corpus scored on the command line
        // opens here without rescoring and vice versa. A torn or corrupt scores file is rescored, not an error.
        // When the file holds some of the scorers up to date, those load and only the others are scored,
        // as columns added to the loaded table. Slow scorers that are not cached wait for scoreSlow.
        const CorpusCache cache = CorpusCache::of({}, shards, fields);
        if (request.useCache) {
            addCachedReference(requested, cache, shards, fields);
#ifdef SHARDSCOPE_HAVE_TORCH
            addCachedReferenceLm(requested, cache, shards, fields);
#endif
        }
        CacheContents cached;
        if (request.useCache)
            cached = inspectScores(cache.scoresPath, shards, fields, requested);
        std::vector<std::shared_ptr<const Scorer>> scorers; // the table's, loaded or scanned
        std::vector<std::shared_ptr<const Scorer>> later; // scored as added columns afterwards
        // A derived scorer reads the columns of the scorers before it in one scan (ColumnScan does not run it).
        const bool anyDerived
            = std::any_of(requested.begin(), requested.end(), [](const auto& s) { return !s->inputColumns().empty(); });
        if (anyDerived) {
            scorers = requested;
        } else if (cached.usable && !cached.present.empty()) {
            scorers = cached.present;
            later = cached.missing;
        } else {
            for (const auto& s : requested)
                (s->isSlow() ? later : scorers).push_back(s);
        }
        if (!request.scoreSlow)
            later.erase(
                std::remove_if(later.begin(), later.end(), [](const auto& s) { return s->isSlow(); }), later.end());
        std::vector<ColumnInfo> columns;
        for (const auto& s : scorers)
            for (auto& c : s->columns())
                columns.push_back(std::move(c));

        std::string unusableCache = cached.unusable;
        std::optional<ScanResult> loaded;
        if (cached.usable && !scorers.empty())
            loaded = openCached(cache, shards, fields, scorers, &unusableCache);
        if (loaded) {
            ScanResult fromFile = std::move(*loaded);
            auto start = std::make_shared<ScanStart>();
            start->shards = fromFile.shards;
            start->fields = fromFile.fields;
            start->columns = fromFile.scores.columns;
            start->cacheDir = cache.dir;
            start->seekCacheDir = cache.seekDir;
            start->fromCache = true;
            auto outcome = outcomeOf(fromFile, {});
            outcome->seconds = 0;
            outcome->fromCache = true;
            outcome->corpus = CorpusData::fromScanResult(fromFile);
            post(job, [this, id = job->id, start, outcome, more = !later.empty()]() {
                m_running = false;
                m_scoringColumns = more;
                Q_EMIT started(id, start);
                Q_EMIT finished(id, outcome);
            });
            if (!later.empty())
                runColumns(job, outcome->corpus, shards, fields, later, request.threads, &cache);
            return;
        }

        ScanOptions so;
        so.shards = shards;
        so.fields = fields;
        so.scorers = scorers;
        so.threads = request.threads;
        if (request.useCache)
            so.seekCacheDir = cache.seekDir;
        auto start = std::make_shared<ScanStart>();
        for (const auto& p : shards) {
            try {
                start->shards.push_back(fingerprintShard(p));
            } catch (const std::exception& e) {
                ShardInfo info;
                info.path = p;
                info.error = e.what();
                start->shards.push_back(std::move(info));
            }
        }
        start->fields = fields;
        start->columns = columns;
        start->cacheDir = cache.dir;
        start->seekCacheDir = request.useCache ? cache.seekDir : std::string();
        // A sample first when the corpus is large (or asked for): reading all of it to draw the sample costs
        // about a decompression of the corpus, scoring it a few percent of a full pass.
        CorpusSize corpusSize;
        const double sampleFraction = later.empty() && request.sampling != OpenRequest::Sampling::Never
            ? sampleFractionFor(request, corpusSize = estimateCorpusSize(start->shards))
            : 0.0;
        const bool sampling = sampleFraction > 0 && sampleFraction < 1;
        const ScanOptions fullOptions = so;
        // Plain shards, and multi-frame zstd shards whose frames state their sizes, are sampled by byte offset:
        // only their chosen blocks (and the frames holding them) are read. BlockSampler reads the others line by
        // line as BernoulliSelector would. Every fraction uses the same seed and blocks, so the sample at a larger
        // fraction contains the one at a smaller.
        const bool anyByOffset = std::any_of(start->shards.begin(), start->shards.end(),
            [](const ShardInfo& s) { return s.error.empty() && blockSampledBytes(s).has_value(); });
        const uint64_t blockBytes = BlockSampler::blockBytesFor(corpusSize.meanRecordBytes);
        const SelectorFor selectorFor = [anyByOffset, blockBytes, seed = request.sampleSeed](
                                            double fraction) -> std::shared_ptr<const DocumentSelector> {
            if (anyByOffset)
                return std::make_shared<BlockSampler>(fraction, seed, blockBytes);
            return std::make_shared<BernoulliSelector>(fraction, seed);
        };
        if (sampling) {
            so.selector = selectorFor(sampleFraction);
            start->sample = true;
            start->sampleProbability = sampleFraction;
            start->sampleSeed = request.sampleSeed;
        }
        if (job->stop)
            return;
        // The one table of this scan: the scan indexes each batch once and the GUI thread appends it here,
        // so what the window shows is what is saved to the cache.
        auto table = std::make_shared<CorpusData>();
        table->setColumns(columns);
        table->shards = start->shards;
        table->fields = fields;
        start->corpus = table;
        post(job, [this, id = job->id, start]() { Q_EMIT started(id, start); });

        so.indexBatches = [this, job, table](std::shared_ptr<DocBatch> b) {
            post(job, [this, id = job->id, table, b = std::move(b)]() mutable {
                const quint64 first = table->size(), rows = b->size();
                table->append(std::move(*b));
                Q_EMIT rowsAppended(id, first, rows);
            });
        };
        Scan scan(so);
        scan.setProgressCallback(
            [this, job](const ScanProgress& p) { post(job, [this, id = job->id, p]() { Q_EMIT progress(id, p); }); },
            100);
        if (!job->attach(&scan, job->scan))
            return;
        ScanResult result = scan.run();
        job->detach(job->scan);
        auto outcome = outcomeOf(result, unusableCache);
        outcome->cancelled = result.cancelled || job->stop;
        if (sampling)
            outcome->sample = sampleScopeOf(result, sampleFraction, request.sampleSeed);
        // The last rows reach the table on the GUI thread, queued before this: once the counts are in too,
        // nothing changes the table any more and it is saved from here while the GUI reads it. A job stopped
        // meanwhile is dropped (its queued calls never run).
        auto inPlace = std::make_shared<std::promise<void>>();
        std::future<void> complete = inPlace->get_future();
        post(job, [table, inPlace, counts = std::make_shared<ScanResult>(std::move(result))]() {
            table->takeCounts(std::move(*counts));
            inPlace->set_value();
        });
        while (complete.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready)
            if (job->stop)
                return;
        if (sampling) {
            // Never cached: the scores file holds whole corpora. The full pass writes it.
            const bool fullPass = !request.stopAtSample && !job->stopAtSample && !outcome->cancelled;
            post(job, [this, id = job->id, outcome, fullPass, next = growingFractions(sampleFraction).front()]() {
                m_running = false;
                m_fullPass = fullPass;
                m_passFraction = next;
                Q_EMIT sampleFinished(id, outcome, fullPass);
            });
            if (fullPass) {
                const SampleGrowth growth { sampleFraction, request.sampleSeed, selectorFor };
                runFullPass(job, fullOptions, request.useCache ? &cache : nullptr, scorers, unusableCache, growth);
            }
            return;
        }
        if (request.useCache)
            outcome->cacheWarning = storeScores(cache, *table, scorers);
        const bool more = !later.empty() && !outcome->cancelled;
        post(job, [this, id = job->id, outcome, more]() {
            m_running = false;
            m_scoringColumns = more;
            Q_EMIT finished(id, outcome);
        });
        if (more)
            runColumns(job, table, shards, fields, later, request.threads, request.useCache ? &cache : nullptr);
    } catch (const InputError& e) {
        post(job, [this, id = job->id, msg = QString::fromStdString(e.what())]() {
            m_running = false;
            Q_EMIT failed(id, msg);
        });
    } catch (const std::exception& e) {
        post(job, [this, id = job->id, msg = QString::fromStdString(e.what())]() {
            m_running = false;
            Q_EMIT failed(id, msg);
        });
    }
}

std::vector<double> ScanController::growingFractions(double first)
{
    std::vector<double> fractions;
    for (double f = first * kSampleGrowth; f > 0 && f < kLastSampleFraction; f *= kSampleGrowth)
        fractions.push_back(f);
    fractions.push_back(1.0);
    return fractions;
}

void ScanController::runFullPass(const std::shared_ptr<Job>& job, ScanOptions options, const CorpusCache* cache,
    const std::vector<std::shared_ptr<const Scorer>>& scorers, const std::string& unusableCache,
    const SampleGrowth& growth)
{
    // The rest of the corpus in random order (issue 21): not shard after shard, but as nested samples of growing
    // size with the first sample's seed (each kSampleGrowth times the last), every one a uniform sample of the
    // whole corpus that replaces the one on display with narrower intervals, so that stopping at any time
    // leaves the largest complete sample so far. Each grown sample is scored whole (the documents of the last
    // one again: at most 1/(kSampleGrowth-1) more scoring than one pass) and, for compressed shards, read
    // whole; plain shards read only their chosen blocks. The last pass is the whole corpus.
    // The sample stays on display meanwhile, so these tables are built here, not on the GUI thread, and handed
    // over whole when complete (as a table loaded from the cache is).
    options.indexBatches = nullptr;
    for (const double fraction : growingFractions(growth.first)) {
        const bool whole = fraction >= 1.0;
        options.selector = whole ? nullptr : growth.selectorFor(fraction);
        Scan scan(options);
        scan.setProgressCallback(
            [this, job, fraction](const ScanProgress& p) {
                post(job, [this, id = job->id, p, fraction]() {
                    m_passFraction = fraction;
                    Q_EMIT progress(id, p);
                });
            },
            100);
        if (!job->attach(&scan, job->scan))
            return;
        ScanResult result = scan.run();
        job->detach(job->scan);
        if (job->stop || result.cancelled)
            return; // stopped at the sample (cancel()): the last complete sample is what stays
        auto outcome = outcomeOf(result, unusableCache);
        outcome->corpus = CorpusData::fromScanResult(result);
        if (whole) {
            finishFullPass(job, outcome, cache, scorers);
            return;
        }
        outcome->sample = sampleScopeOf(result, fraction, growth.seed);
        post(job, [this, id = job->id, outcome]() { Q_EMIT sampleFinished(id, outcome, true); });
    }
}

void ScanController::finishFullPass(const std::shared_ptr<Job>& job, const std::shared_ptr<ScanOutcome>& outcome,
    const CorpusCache* cache, const std::vector<std::shared_ptr<const Scorer>>& scorers)
{
    if (cache)
        outcome->cacheWarning = storeScores(*cache, *outcome->corpus, scorers);
    post(job, [this, id = job->id, outcome]() {
        m_fullPass = false;
        Q_EMIT finished(id, outcome);
    });
}

void ScanController::runColumns(const std::shared_ptr<Job>& job, const std::shared_ptr<CorpusData>& table,
    const std::vector<std::string>& shards, const FieldMapping& fields,
    const std::vector<std::shared_ptr<const Scorer>>& scorers, int threads, const CorpusCache* cache)
{
    ColumnOutcome outcome;
    try {
        ColumnScanOptions options;
        options.shards = shards;
        options.fields = fields;
        options.scorers = scorers;
        options.threads = threads;
        ColumnScan scan(*table, options);
        const std::vector<ColumnInfo> columns = scan.columns();
        for (const auto& c : columns)
            outcome.columns << QString::fromStdString(c.name);
        const uint64_t rowsTotal = table->size();
        outcome.rowsTotal = rowsTotal;
        // The text to score, for the ETA (the table does not change while its columns are scored).
        const auto& textBytes = table->textBytesColumn();
        const uint64_t bytesTotal = std::accumulate(textBytes.begin(), textBytes.end(), uint64_t(0));

        // The columns are added on the GUI thread, which owns the table; the scan waits for them.
        auto added = std::make_shared<std::promise<std::vector<size_t>>>();
        std::future<std::vector<size_t>> indicesReady = added->get_future();
        post(job, [this, id = job->id, table, columns, added, names = outcome.columns]() {
            added->set_value(table->addColumns(columns));
            Q_EMIT columnsStarted(id, names);
        });
        while (indicesReady.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready)
            if (job->stop)
                return;
        const std::vector<size_t> indices = indicesReady.get();

        auto rowsDone = std::make_shared<std::atomic<uint64_t>>(0);
        const bool slow = std::any_of(scorers.begin(), scorers.end(), [](const auto& s) { return s->isSlow(); });
        scan.setFillCallback([this, job, table, indices, rowsDone](ColumnFill&& fill) {
            rowsDone->store(fill.firstRow + fill.rows(), std::memory_order_relaxed);
            post(job, [this, id = job->id, table, indices, fill = std::move(fill)]() {
                table->fillColumns(indices, fill.firstRow, fill.values);
                Q_EMIT columnsFilled(id, fill.firstRow, fill.rows());
            });
        });
        auto report = [&](const ScanProgress& p) {
            ColumnProgress cp;
            cp.columns = outcome.columns;
            cp.rowsDone = rowsDone->load(std::memory_order_relaxed);
            cp.rowsTotal = rowsTotal;
            // A model's own count of the text it finished moves between commits; other scorers' only at commits.
            cp.bytesDone = slow ? p.modelBytes : p.textBytes;
            cp.bytesTotal = bytesTotal;
            cp.modelTokens = p.modelTokens;
            cp.elapsedSeconds = p.elapsedSeconds;
            if (p.elapsedSeconds > 0) {
                cp.tokensPerSecond = double(p.modelTokens) / p.elapsedSeconds;
                if (cp.bytesDone > 0 && bytesTotal >= cp.bytesDone)
                    cp.etaSeconds = p.elapsedSeconds * double(bytesTotal - cp.bytesDone) / double(cp.bytesDone);
            }
            post(job, [this, id = job->id, cp]() { Q_EMIT columnsProgress(id, cp); });
        };
        if (!job->attach(&scan, job->columnScan))
            return;
        // The scan blocks this thread; progress is read from here twice a second, so it moves while a slow
        // scorer works through a batch.
        std::future<ColumnScanResult> done = std::async(std::launch::async, [&scan]() {
            ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 5);
            return scan.run();
        });
        while (done.wait_for(std::chrono::milliseconds(500)) != std::future_status::ready)
            report(scan.progress());
        ColumnScanResult result;
        try {
            result = done.get();
        } catch (...) {
            job->detach(job->columnScan);
            throw;
        }
        job->detach(job->columnScan);
        if (job->stop)
            return; // cancelled: the values filled in so far stay in the table, none are cached
        report(scan.progress());
        outcome.rowsFilled = result.rowsFilled;
        outcome.complete = result.complete;
        outcome.cancelled = result.cancelled;
        outcome.seconds = result.seconds;
        if (!result.errors.empty())
            outcome.error = QString::fromStdString(result.errors.front());

        // Complete columns go into the scores file beside the others. Their values are copied on the GUI thread
        // once the last fill is in, so nothing here reads the table while it might change.
        if (outcome.complete && cache) {
            auto copied = std::make_shared<std::promise<std::vector<std::vector<float>>>>();
            std::future<std::vector<std::vector<float>>> values = copied->get_future();
            post(job, [table, indices, copied]() {
                std::vector<std::vector<float>> v;
                for (size_t i : indices)
                    v.push_back(table->scores(i).toVector());
                copied->set_value(std::move(v));
            });
            while (values.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready)
                if (job->stop)
                    return;
            const CacheContents file = inspectScores(cache->scoresPath, shards, fields, {});
            if (file.usable) {
                try {
                    appendScoreColumns(cache->scoresPath, scorers, values.get());
                } catch (const std::exception& e) {
                    outcome.cacheWarning
                        = tr("The new scores were not cached: %1").arg(QString::fromStdString(e.what()));
                }
            }
        }
    } catch (const std::exception& e) {
        outcome.error = QString::fromStdString(e.what());
    }
    post(job, [this, id = job->id, outcome]() {
        m_scoringColumns = false;
        Q_EMIT columnsFinished(id, outcome);
    });
}

} // namespace shardscope
