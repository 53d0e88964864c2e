#include "scancontroller.h"

#include <bytesource.h>
#include <scorestore.h>

#include <QMetaObject>

#include <future>

#include <sys/resource.h>
#include <unistd.h>

namespace shardscope {

struct ScanController::Job {
    quint64 id = 0;
    std::atomic<bool> stop { false };
    std::mutex mutex;
    Scan* scan = nullptr;   // guarded by mutex, set while the scan runs
};

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

template<typename F>
void ScanController::post(const std::shared_ptr<Job>& job, F&& f)
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

quint64 ScanController::start(const OpenRequest& request)
{
    cancel();
    auto job = std::make_shared<Job>();
    job->id = ++m_counter;
    m_job = job;
    m_current = job->id;
    m_running = true;
    m_pool.start([this, job, request]() { run(job, request); });
    return job->id;
}

void ScanController::cancel()
{
    if (m_job) {
        m_job->stop.store(true);
        std::lock_guard lock(m_job->mutex);
        if (m_job->scan)
            m_job->scan->cancel();
    }
    m_job.reset();
    m_current = 0;
    m_running = false;
}

void ScanController::shutdown()
{
    cancel();
    m_pool.waitForDone();
}

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
                Q_EMIT failed(id, tr("No shards found in %1 (looked for *.jsonl, *.jsonl.gz, *.jsonl.zst, ...).")
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

        std::vector<std::shared_ptr<const Scorer>> scorers;
        for (auto& s : ScorerRegistry::instance().resolveList(request.scorers))
            scorers.push_back(std::move(s));
        std::vector<ColumnInfo> columns;
        for (const auto& s : scorers)
            for (auto& c : s->columns())
                columns.push_back(std::move(c));

        // The same cache layout and policy as shardscope-cli, so a corpus scored on the command line
        // opens here without rescoring and vice versa. A torn or corrupt scores file is rescored, not an error.
        const CorpusCache cache = CorpusCache::of({}, shards, fields);
        std::string unusableCache;
        std::optional<ScanResult> loaded;
        if (request.useCache)
            loaded = openCached(cache, shards, fields, scorers, &unusableCache);
        if (loaded) {
            ScanResult cached = std::move(*loaded);
            auto start = std::make_shared<ScanStart>();
            start->shards = cached.shards;
            start->fields = cached.fields;
            start->columns = cached.scores.columns;
            start->cacheDir = cache.dir;
            start->seekCacheDir = cache.seekDir;
            start->fromCache = true;
            auto outcome = std::make_shared<ScanOutcome>();
            outcome->shards = cached.shards;
            outcome->errors = cached.errors();
            outcome->records = cached.records;
            outcome->rejected = cached.rejected;
            outcome->rejects = cached.rejects;
            outcome->fromCache = true;
            outcome->corpus = CorpusData::fromScanResult(cached);
            post(job, [this, id = job->id, start, outcome]() {
                m_running = false;
                Q_EMIT started(id, start);
                Q_EMIT finished(id, outcome);
            });
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
            [this, job](const ScanProgress& p) {
                post(job, [this, id = job->id, p]() { Q_EMIT progress(id, p); });
            },
            100);
        {
            std::lock_guard lock(job->mutex);
            if (job->stop)
                return;
            job->scan = &scan;
        }
        ScanResult result = scan.run();
        {
            std::lock_guard lock(job->mutex);
            job->scan = nullptr;
        }
        auto outcome = std::make_shared<ScanOutcome>();
        if (!unusableCache.empty())
            outcome->cacheNote = "cached scores were not usable and were rescored: " + unusableCache;
        outcome->shards = result.shards;
        outcome->errors = result.errors();
        outcome->records = result.records;
        outcome->rejected = result.rejected;
        outcome->rejects = result.rejects;
        outcome->cancelled = result.cancelled || job->stop;
        outcome->seconds = result.seconds;
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
        if (request.useCache)
            outcome->cacheWarning = storeScores(cache, *table, scorers);
        post(job, [this, id = job->id, outcome]() {
            m_running = false;
            Q_EMIT finished(id, outcome);
        });
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

} // namespace shardscope
