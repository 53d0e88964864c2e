#include "corpussession.h"

#include "appsettings.h"
#include "slowhandlerlog.h"

#include <scorerestimate.h>

#include <QtConcurrent/QtConcurrentRun>

#include <numeric>

Q_LOGGING_CATEGORY(lcTiming, "shardscope.gui.timing", QtWarningMsg)

namespace shardscope {

namespace {
constexpr int kGrewMs = 40; // coalesce batch arrivals into one redraw per frame or two
constexpr int kStatsIntervalMs = 400;
constexpr size_t kModelEstimateTexts = 8; // the language model: pieces of its first kModelEstimateBytes
constexpr size_t kModelEstimateBytes = 2048;

// SHARDSCOPE_SAMPLE_FIRST, so tests (and a user) can force sample-first on a corpus of any size.
void sampleFromEnvironment(OpenRequest& req)
{
    const QString v = qEnvironmentVariable("SHARDSCOPE_SAMPLE_FIRST").trimmed();
    if (v.isEmpty())
        return;
    if (v == QLatin1String("0") || v == QLatin1String("never")) {
        req.sampling = OpenRequest::Sampling::Never;
        return;
    }
    req.sampling = OpenRequest::Sampling::Always;
    bool ok = false;
    double f = v.endsWith(QLatin1Char('%')) ? v.chopped(1).toDouble(&ok) / 100 : v.toDouble(&ok);
    if (ok && f > 0 && f < 1)
        req.sampleFraction = f;
}
} // namespace

CorpusSession::CorpusSession(QObject* parent)
    : QObject(parent)
    , m_scan(new ScanController(this))
{
    // Each handler drops what belongs to a scan other than ours (a cancelled or superseded one).
    connect(m_scan, &ScanController::fieldsUncertain, this,
        [this](quint64 job, const QStringList& inputs, const FieldMapping& detected) {
            if (ours(job)) {
                m_scanJob.reset();
                Q_EMIT fieldsUncertain(inputs, detected);
            }
        });
    connect(m_scan, &ScanController::started, this, [this](quint64 job, std::shared_ptr<const ScanStart> info) {
        if (ours(job))
            onStarted(std::move(info));
    });
    connect(m_scan, &ScanController::rowsAppended, this, [this](quint64 job, quint64, quint64) {
        if (ours(job))
            onRowsAppended();
    });
    connect(m_scan, &ScanController::progress, this, [this](quint64 job, const ScanProgress& p) {
        if (!ours(job))
            return;
        if (m_scan->fullPassRunning())
            Q_EMIT fullPassProgress(p, m_scan->passFraction());
        else
            Q_EMIT progress(p);
    });
    connect(m_scan, &ScanController::sampleFinished, this,
        [this](quint64 job, std::shared_ptr<ScanOutcome> outcome, bool fullPassFollows) {
            if (!ours(job))
                return;
            if (fullPassFollows && m_stopAtSample) {
                // Asked while the sample was being drawn, after the worker decided to go on.
                m_scan->cancel();
                fullPassFollows = false;
            }
            onSampleFinished(std::move(outcome), fullPassFollows);
        });
    connect(m_scan, &ScanController::finished, this, [this](quint64 job, std::shared_ptr<ScanOutcome> outcome) {
        if (ours(job))
            onFinished(std::move(outcome));
    });
    connect(m_scan, &ScanController::failed, this, [this](quint64 job, const QString& message) {
        if (ours(job))
            onFailed(message);
    });
    connect(m_scan, &ScanController::columnsStarted, this, [this](quint64 job, const QStringList& columns) {
        if (!ours(job) || !m_corpus)
            return;
        m_scoringColumns = columns;
        m_columnRows = 0;
        m_statsDirty = true;
        Q_EMIT columnsStarted(columns);
    });
    connect(m_scan, &ScanController::columnsFilled, this, [this](quint64 job, quint64 first, quint64 rows) {
        if (!ours(job) || !m_corpus)
            return;
        m_columnRows = first + rows;
        m_statsDirty = true;
        if (!m_filledTimer.isActive())
            m_filledTimer.start();
    });
    connect(m_scan, &ScanController::columnsProgress, this, [this](quint64 job, const ColumnProgress& p) {
        if (ours(job))
            Q_EMIT columnsProgress(p);
    });
    connect(m_scan, &ScanController::columnsFinished, this, [this](quint64 job, const ColumnOutcome& outcome) {
        if (!ours(job))
            return;
        endColumns();
        Q_EMIT columnsFinished(outcome);
    });
    m_filledTimer.setSingleShot(true);
    m_filledTimer.setInterval(kGrewMs);
    connect(&m_filledTimer, &QTimer::timeout, this, [this]() {
        if (!m_corpus)
            return;
        Q_EMIT columnsFilled();
        if (m_statsDirty)
            scheduleStats();
    });
    m_grewTimer.setSingleShot(true);
    m_grewTimer.setInterval(kGrewMs);
    connect(&m_grewTimer, &QTimer::timeout, this, [this]() {
        const SlowHandlerLog slow("grew");
        if (!m_corpus)
            return;
        Q_EMIT grew();
        if (m_statsDirty)
            scheduleStats();
    });
}

CorpusSession::~CorpusSession()
{
    m_scan->shutdown();
}

std::optional<FieldMapping> CorpusSession::fields() const
{
    return m_start ? std::optional<FieldMapping>(m_start->fields) : std::nullopt;
}

void CorpusSession::drop()
{
    Q_EMIT aboutToChange();
    m_corpusToken = m_corpusJobs.start();
    m_scan->cancel();
    m_scanJob.reset();
    m_statsJobs.invalidate();
    m_statsRunning = false;
    m_statsDirty = false;
    m_grewTimer.stop();
    m_filledTimer.stop();
    m_scoringColumns.clear();
    m_corpus.reset();
    m_source.reset();
    m_summary.reset();
    m_start.reset();
    m_outcome.reset();
    m_lastError.clear();
    m_corruptReported = 0;
    m_sample = {};
    m_stopAtSample = false;
    m_estimateJobs.invalidate();
}

void CorpusSession::open(const QStringList& inputs, std::optional<FieldMapping> fields)
{
    if (inputs.isEmpty())
        return;
    OpenRequest req;
    req.inputs = inputs;
    req.fields = std::move(fields);
    req.useCache = m_useCache;
    req.sampling = m_sampling;
    sampleFromEnvironment(req);
    start(req);
}

void CorpusSession::openSample(const QStringList& inputs, double fraction, uint64_t seed)
{
    if (inputs.isEmpty() || !(fraction > 0))
        return;
    OpenRequest req;
    req.inputs = inputs;
    req.useCache = m_useCache;
    req.sampling = OpenRequest::Sampling::Always;
    req.sampleFraction = std::min(1.0, fraction);
    req.sampleSeed = seed;
    req.stopAtSample = true;
    start(req);
}

void CorpusSession::stopAtSample()
{
    if (m_scan->fullPassRunning()) {
        m_scan->cancel();
        m_scanJob.reset();
        Q_EMIT stoppedAtSample();
    } else if (m_scan->running() && m_start && m_start->sample) {
        m_stopAtSample = true;
        m_scan->setStopAtSample();
    }
}

void CorpusSession::reopen(std::optional<FieldMapping> fields)
{
    open(m_inputs, fields ? fields : this->fields());
}

void CorpusSession::rescan()
{
    if (m_inputs.isEmpty())
        return;
    OpenRequest req;
    req.inputs = m_inputs;
    req.fields = fields();
    req.useCache = false;
    start(req);
}

void CorpusSession::start(const OpenRequest& request)
{
    const QStringList inputs = request.inputs; // may be m_inputs, which drop() keeps
    drop();
    m_inputs = inputs;
    m_corpusKey = AppSettings::corpusKey(inputs);
    Q_EMIT opening(m_inputs);
    OpenRequest req = request;
    req.threads = m_threads;
    req.scorers = m_scorers;
    m_scanJob = m_scan->start(req);
}

bool CorpusSession::scoreColumns(const std::string& scorers)
{
    if (m_inputs.isEmpty() || !m_start)
        return false;
    if (running() || !m_corpus) {
        // Still reading: open again with them, scored once the table is in.
        OpenRequest req;
        req.inputs = m_inputs;
        req.fields = fields();
        req.useCache = m_useCache;
        req.scoreSlow = true;
        start(req);
        return true;
    }
    if (fullPassRunning()) {
        // The columns are scored for the sample on display; the full pass behind it stops.
        m_scan->cancel();
        m_scanJob.reset();
        Q_EMIT stoppedAtSample();
    }
    ColumnRequest req;
    for (const auto& shard : m_start->shards)
        req.shards.push_back(shard.path);
    req.fields = m_start->fields;
    req.scorers = scorers;
    req.threads = m_threads;
    req.useCache = m_useCache;
    m_scanJob = m_scan->scoreColumns(m_corpus, req);
    return true;
}

void CorpusSession::showLoaded(std::shared_ptr<CorpusData> corpus)
{
    drop();
    m_inputs.clear();
    m_corpusKey.clear();
    Q_EMIT opening(m_inputs);
    auto start = std::make_shared<ScanStart>();
    start->shards = corpus->shards;
    start->fields = corpus->fields;
    start->columns = corpus->columns();
    start->fromCache = true;
    m_start = std::move(start);
    m_corpus = std::move(corpus);
    m_source = std::make_shared<DocumentSource>(m_corpus->shards, std::string(), m_corpus->fields);
    Q_EMIT started();
    auto outcome = std::make_shared<ScanOutcome>();
    outcome->shards = m_corpus->shards;
    outcome->records = m_corpus->size();
    outcome->fromCache = true;
    m_outcome = outcome;
    m_statsDirty = true;
    startStats();
    Q_EMIT finished(std::move(outcome), false);
}

void CorpusSession::onStarted(std::shared_ptr<const ScanStart> info)
{
    const SlowHandlerLog slow("onStarted");
    m_start = std::move(info);
    if (m_start->corpus) {
        m_corpus = m_start->corpus; // the scan's table, which the controller fills
    } else {
        m_corpus = std::make_shared<CorpusData>();
        m_corpus->setColumns(m_start->columns);
        m_corpus->shards = m_start->shards;
        m_corpus->fields = m_start->fields;
    }
    m_source = std::make_shared<DocumentSource>(m_start->shards, m_start->seekCacheDir, m_start->fields);
    Q_EMIT started();
}

void CorpusSession::onRowsAppended()
{
    if (!m_corpus)
        return;
    m_statsDirty = true;
    if (!m_grewTimer.isActive())
        m_grewTimer.start();
}

void CorpusSession::cancel()
{
    if (m_scan->fullPassRunning()) {
        stopAtSample(); // the sample on display is complete: it stays
        return;
    }
    if (m_scan->scoringColumns()) {
        // The columns keep what was filled in; everything else of the corpus stays as it is.
        const QStringList columns = m_scoringColumns;
        const uint64_t rows = m_columnRows;
        m_scan->cancel();
        endColumns();
        Q_EMIT columnsCancelled(columns, rows, documents());
        return;
    }
    if (!m_scan->running())
        return;
    m_scan->cancel();
    m_scanJob.reset();
    if (m_grewTimer.isActive()) {
        m_grewTimer.stop();
        Q_EMIT grew();
    }
    // Finish the statistics for what arrived.
    m_statsDirty = true;
    startStats();
    Q_EMIT cancelled();
}

bool CorpusSession::addComputedColumns(
    const std::vector<ColumnInfo>& columns, const std::vector<std::vector<float>>& values)
{
    if (!m_corpus || running() || fullPassRunning() || scoringColumns() || columns.size() != values.size())
        return false;
    for (const auto& v : values)
        if (v.size() != m_corpus->size())
            return false;
    QStringList names;
    for (const auto& c : columns)
        names << QString::fromStdString(c.name);
    const std::vector<size_t> indices = m_corpus->addColumns(columns);
    m_corpus->fillColumns(indices, 0, values);
    Q_EMIT columnsStarted(names);
    Q_EMIT columnsFilled();
    ColumnOutcome outcome;
    outcome.columns = names;
    outcome.rowsFilled = outcome.rowsTotal = m_corpus->size();
    outcome.complete = true;
    Q_EMIT columnsFinished(outcome);
    m_statsDirty = true;
    startStats();
    return true;
}

void CorpusSession::endColumns()
{
    m_scanJob.reset();
    m_scoringColumns.clear();
    // What arrived in the last 40 ms is shown, and the statistics cover every value filled in.
    if (m_filledTimer.isActive()) {
        m_filledTimer.stop();
        Q_EMIT columnsFilled();
    }
    m_statsDirty = true;
    startStats();
}

void CorpusSession::shutdown()
{
    m_scan->shutdown();
    m_scanJob.reset();
    m_statsJobs.invalidate();
    m_grewTimer.stop();
    m_filledTimer.stop();
}

void CorpusSession::onFinished(std::shared_ptr<ScanOutcome> outcome)
{
    const SlowHandlerLog slow("onFinished");
    if (!m_scan->scoringColumns())
        m_scanJob.reset(); // else the same job goes on to score the columns the table lacks
    m_grewTimer.stop();
    bool replaced = false;
    if (outcome->corpus) {
        // Loaded from the scores cache, or the full pass behind a sample: the whole corpus arrives at once.
        m_corpus = outcome->corpus;
        replaced = true;
        if (m_sample.active() && m_start) {
            auto start = std::make_shared<ScanStart>(*m_start);
            start->sample = false;
            start->corpus = m_corpus;
            start->columns = m_corpus->columns();
            m_start = std::move(start);
        }
        m_sample = {};
        m_estimateJobs.invalidate();
    }
    if (!m_corpus)
        return;
    // Before finished(): whoever waits for it then sees statistics of the whole corpus coming.
    adoptOutcome(outcome);
    Q_EMIT finished(std::move(outcome), replaced);
}

void CorpusSession::adoptOutcome(const std::shared_ptr<ScanOutcome>& outcome)
{
    m_corpus->shards = outcome->shards;
    // Seek caches are complete now: a fresh reader picks them up.
    m_source = std::make_shared<DocumentSource>(
        outcome->shards, m_start ? m_start->seekCacheDir : std::string(), m_corpus->fields);
    m_outcome = outcome;
    QStringList problems;
    for (const auto& e : outcome->errors)
        problems << QString::fromStdString(e);
    m_lastError = problems.join(QLatin1Char('\n'));
    m_statsDirty = true;
    startStats();
}

void CorpusSession::onSampleFinished(std::shared_ptr<ScanOutcome> outcome, bool fullPassFollows)
{
    const SlowHandlerLog slow("onSampleFinished");
    if (!fullPassFollows)
        m_scanJob.reset();
    m_grewTimer.stop();
    if (!m_corpus)
        return;
    if (outcome->corpus) {
        // A grown sample from the full pass (issue 21): a table of its own, larger than the one on display.
        m_corpus = outcome->corpus;
        if (m_start) {
            auto start = std::make_shared<ScanStart>(*m_start);
            start->corpus = m_corpus;
            start->columns = m_corpus->columns();
            start->sampleProbability = outcome->sample.probability;
            m_start = std::move(start);
        }
    }
    m_sample = outcome->sample;
    adoptOutcome(outcome);
    Q_EMIT sampleReady(std::move(outcome), fullPassFollows);
    estimateFullPass();
}

void CorpusSession::estimateFullPass()
{
    if (!m_corpus || !m_source || !m_sample.active())
        return;
    // The table's scorers (those with a column in it) and the language model, timed on texts spread over the
    // sample (a random sample already, so every kEstimateTexts-th row will do).
    std::vector<std::shared_ptr<const Scorer>> scorers;
    std::shared_ptr<const Scorer> languageModel;
    try {
        for (auto& s : ScorerRegistry::instance().resolveList(m_scorers)) {
            const auto columns = s->columns();
            const bool inTable = std::any_of(columns.begin(), columns.end(),
                [&](const ColumnInfo& c) { return m_corpus->columnIndex(c.name) >= 0; });
            if (inTable && s->inputColumns().empty())
                scorers.push_back(std::move(s));
        }
        if (std::none_of(scorers.begin(), scorers.end(), [](const auto& s) { return s->isSlow(); })) {
            auto lm = ScorerRegistry::instance().resolveList("lm");
            if (!lm.empty() && lm.front()->unavailableReason().empty())
                languageModel = std::move(lm.front());
        }
    } catch (const std::exception&) {
        // No language model in this build (or an unknown name): estimated without it.
    }
    const std::vector<DocumentLocation> where = spreadDocuments(*m_corpus);
    const auto& bytes = m_corpus->textBytesColumn();
    const uint64_t totalBytes
        = uint64_t(double(std::accumulate(bytes.begin(), bytes.end(), uint64_t(0))) * m_sample.scale());
    FullPassEstimate base;
    base.readSeconds = m_outcome ? m_outcome->seconds : -1;
    const int threads = resolveThreads(m_threads);
    const JobTracker::Token job = m_estimateJobs.start();
    QtConcurrent::run([source = m_source, where, scorers, languageModel, totalBytes, threads, base]() {
        const std::vector<std::string> texts = readTexts(*source, where);
        FullPassEstimate e = base;
        e.scoreSeconds = 0;
        for (const auto& s : scorers) {
            const ScorerEstimate one = estimateScorer(*s, texts, totalBytes, threads, 0.25);
            e.scorers << QString::fromStdString(s->name());
            if (one.seconds > 0)
                e.scoreSeconds += one.seconds;
        }
        if (languageModel) {
            // The model is timed on a few short pieces: a whole batch of long documents would take it a minute on a
            // CPU, beside the full pass. The rate in bytes per second is what scales.
            std::vector<std::string> pieces;
            for (size_t i = 0; i < texts.size() && pieces.size() < kModelEstimateTexts; i += 8) {
                size_t cut = std::min(texts[i].size(), kModelEstimateBytes);
                while (cut > 0 && cut < texts[i].size() && (static_cast<unsigned char>(texts[i][cut]) & 0xC0) == 0x80)
                    --cut; // not inside a UTF-8 sequence
                pieces.push_back(texts[i].substr(0, cut));
            }
            const ScorerEstimate lm = estimateScorer(*languageModel, pieces, totalBytes, threads, 1.0);
            if (lm.error.empty() && lm.seconds >= 0)
                e.languageModelSeconds = std::max(e.readSeconds, e.scoreSeconds + lm.seconds);
        }
        return e;
    }).then(this, [this, job](const FullPassEstimate& e) {
        if (m_estimateJobs.isCurrent(job))
            Q_EMIT fullPassEstimated(e);
    });
}

void CorpusSession::onFailed(const QString& message)
{
    m_scanJob.reset();
    m_lastError = message;
    Q_EMIT failed(message);
}

// ---------------------------------------------------------------------------------------------
// Statistics

void CorpusSession::requestStats()
{
    m_statsDirty = true;
    scheduleStats();
}

void CorpusSession::scheduleStats()
{
    // While scanning, statistics trail the data by at most kStatsIntervalMs plus their own run
    // time; one job at a time.
    if (m_statsRunning)
        return;
    if (m_lastStats.isValid() && m_lastStats.elapsed() < kStatsIntervalMs) {
        QTimer::singleShot(kStatsIntervalMs - int(m_lastStats.elapsed()), this, [this, corpus = m_corpusToken]() {
            if (m_corpusJobs.isCurrent(corpus) && m_statsDirty && !m_statsRunning)
                startStats();
        });
        return;
    }
    startStats();
}

// The statistics worker has read every column it summarised, so their deferred checksums have been checked.
void CorpusSession::reportCorruptColumns()
{
    if (!m_corpus)
        return;
    QStringList errors;
    for (size_t c = 0; c < m_corpus->columnCount(); ++c)
        if (const ScoreColumn& column = m_corpus->scores(c); column.checked())
            if (const std::string e = column.integrityError(); !e.empty())
                errors << QString::fromStdString(e);
    if (errors.size() <= qsizetype(m_corruptReported))
        return;
    m_corruptReported = size_t(errors.size());
    Q_EMIT corruptColumnsFound(errors.join(QLatin1Char('\n')));
}

void CorpusSession::startStats()
{
    const SlowHandlerLog slow("startStats");
    if (!m_corpus || m_statsRunning || !m_statsDirty)
        return;
    m_statsDirty = false;
    m_statsRunning = true;
    m_lastStats.restart();
    auto in = std::make_shared<SummaryInput>();
    // While rows are appended (a scan) or a column is filled, the worker needs copies; a table that no longer
    // changes is read where it is (copying 68 columns of 10 million rows took seconds on this thread).
    const bool changing = running() || scoringColumns();
    if (!changing)
        in->keepAlive = m_corpus;
    for (size_t c = 0; c < m_corpus->columnCount(); ++c) {
        const auto& column = m_corpus->columns()[c];
        if (m_wanted && !m_wanted(column.name))
            continue;
        in->names.push_back(column.name);
        if (changing)
            in->columns.push_back(m_corpus->scores(c).toVector());
        else
            in->views.emplace_back(m_corpus->scores(c));
        in->categories.push_back(column.categories);
    }
    in->groups = m_corpus->groups();
    in->groupCount = m_corpus->groupNames().size();
    const JobTracker::Token job = m_statsJobs.start();
    auto previous = m_summary;
    QtConcurrent::run([in, previous]() {
        auto merged = std::make_shared<CorpusSummary>(previous ? *previous : CorpusSummary {});
        merged->merge(summarize(*in));
        return std::shared_ptr<const CorpusSummary>(std::move(merged));
    }).then(this, [this, job](std::shared_ptr<const CorpusSummary> s) {
        if (!m_statsJobs.isCurrent(job))
            return; // corpus changed meanwhile
        m_statsRunning = false;
        m_summary = std::move(s);
        Q_EMIT statsUpdated();
        reportCorruptColumns();
        if (m_statsDirty) {
            if (m_scan->running() || m_scan->scoringColumns())
                scheduleStats();
            else
                startStats();
        }
    });
}

} // namespace shardscope
