#include "referencelmcontroller.h"

#include "corpussession.h"
#include "longjobpool.h"

#include <scorerspec.h>

#ifdef SHARDSCOPE_HAVE_TORCH
#include <lm/lmapi.h>
#include <lm/lmshape.h>
#include <lm/referencelm.h>
#endif

#include <QElapsedTimer>
#include <QLocale>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

namespace shardscope {

ReferenceLmController::ReferenceLmController(CorpusSession* session, QObject* parent)
    : QObject(parent)
    , m_session(session)
{
    if (!m_session)
        return;
    connect(m_session, &CorpusSession::started, this, [this]() {
        const auto start = m_session->scanStart();
        std::vector<std::string> shards;
        for (const auto& shard : start->shards)
            shards.push_back(shard.path);
        setCorpus(shards, start->fields, start->cacheDir);
    });
    // The model found when the corpus started is said again once the open is over (the window's report of the
    // open replaces the status line; queued, so this comes after it).
    connect(
        m_session, &CorpusSession::finished, this,
        [this]() {
            if (!m_summary.isEmpty() && !m_running)
                Q_EMIT note(m_summary);
        },
        Qt::QueuedConnection);
    // The status bar's line follows the job.
    connect(this, &ReferenceLmController::phaseChanged, this, &ReferenceLmController::note);
    connect(this, &ReferenceLmController::progress, this, [this](double fraction, double eta, qint64, double bpb) {
        if (m_lastNote.isValid() && m_lastNote.elapsed() < 1000 && fraction < 1)
            return;
        m_lastNote.start();
        const QString left = eta < 0 ? QString()
            : eta < 90               ? tr(" · %1 s left").arg(std::lround(eta))
                                     : tr(" · %1 min left").arg(std::lround(eta / 60));
        Q_EMIT note(
            tr("Reference LM: training %1% (%2 bpb)%3").arg(std::lround(fraction * 100)).arg(bpb, 0, 'f', 2).arg(left));
    });
    connect(this, &ReferenceLmController::sampleScored, this, [this](quint64 scored, quint64 total) {
        Q_EMIT note(tr("%1 · lm scored for a sample of %L2 of %L3 docs").arg(m_summary).arg(scored).arg(total));
    });
    connect(this, &ReferenceLmController::failed, this,
        [this](const QString& message) { Q_EMIT note(tr("Reference LM: %1").arg(message)); });
    connect(this, &ReferenceLmController::cancelled, this, [this]() { Q_EMIT note(tr("Reference LM: cancelled")); });
    connect(this, &ReferenceLmController::modelChanged, this, [this]() {
        if (!m_summary.isEmpty())
            Q_EMIT note(m_summary);
    });
}

ReferenceLmController::~ReferenceLmController()
{
    // The jobs hold what they read and post back only through `this`'s context, which Qt drops with the object;
    // they stop at their next step.
    cancel();
}

bool ReferenceLmController::available()
{
#ifdef SHARDSCOPE_HAVE_TORCH
    return true;
#else
    return false;
#endif
}

void ReferenceLmController::setCorpus(
    const std::vector<std::string>& shards, const FieldMapping& fields, const std::string& cacheDir)
{
    if (cacheDir != m_cacheDir)
        cancel();
    m_shards = shards;
    m_fields = fields;
    m_cacheDir = cacheDir;
    QString found;
#ifdef SHARDSCOPE_HAVE_TORCH
    const std::string dir = lm::referenceLmDir(cacheDir);
    if (lm::isReferenceLmDir(dir))
        found = QString::fromStdString(dir);
#endif
    if (found == m_modelDir && !found.isEmpty())
        return;
    m_modelDir = found;
    loadProvenance();
    Q_EMIT modelChanged();
}

QString ReferenceLmController::scorerSpec() const
{
    if (m_modelDir.isEmpty())
        return {};
    return QString::fromStdString(
        ScorerSpec { "lm", { { "model", m_modelDir.toStdString() }, { "device", m_device.toStdString() } } }.format());
}

QString ReferenceLmController::targetDir() const
{
#ifdef SHARDSCOPE_HAVE_TORCH
    return QString::fromStdString(lm::referenceLmDir(m_cacheDir));
#else
    return {};
#endif
}

void ReferenceLmController::loadProvenance()
{
    m_summary.clear();
    m_details.clear();
#ifdef SHARDSCOPE_HAVE_TORCH
    if (m_modelDir.isEmpty())
        return;
    // training.json only (a few hundred bytes): the weights are loaded by the scorer, off this thread.
    const auto p = lm::readReferenceLmProvenance(m_modelDir.toStdString());
    if (!p) {
        m_summary = tr("Reference LM: in %1 (no training.json)").arg(m_modelDir);
        m_details = m_summary;
        return;
    }
    const QLocale locale;
    const QString bpb = p->heldoutBpb >= 0 ? tr("%1 bpb held out").arg(locale.toString(p->heldoutBpb, 'f', 2))
                                           : tr("nothing held out");
    const QString took = p->seconds >= 90 ? tr("%1 min").arg(locale.toString(p->seconds / 60, 'f', 0))
                                          : tr("%1 s").arg(locale.toString(p->seconds, 'f', 0));
    const QString device = p->device.empty() ? tr("an unknown device") : QString::fromStdString(p->device);
    const QString docs = p->trainDocuments >= 0
        ? tr("%1 docs").arg(locale.toString(qlonglong(p->sampleDocuments())))
        : tr("%1 MB").arg(locale.toString(double(p->sampleBytes()) / 1e6, 'f', 1));
    m_summary = tr("Reference LM: %1, %2 on %3, %4").arg(bpb, took, device, docs);
    QString limits;
    if (p->maxDocuments > 0)
        limits += tr("at most %1 documents").arg(locale.toString(qlonglong(p->maxDocuments)));
    if (p->maxMegabytes > 0)
        limits += (limits.isEmpty() ? QString() : tr(", ")) + tr("at most %1 MB").arg(locale.toString(p->maxMegabytes));
    m_details
        = tr("Reference language model of this corpus in %1\n"
             "Sample: %2 documents (%3 bytes), uniform over the corpus%4, seed %5; %6 held out (%7 bytes): %8 "
             "(bits per byte)\n"
             "Model: %9 layers, hidden %10, %11 heads, context %12 bytes (%13 parameters)\n"
             "Training: %14 steps, %15 tokens in %16 s on %17 (budget %18)%19")
              .arg(m_modelDir)
              .arg(locale.toString(qlonglong(p->sampleDocuments())))
              .arg(locale.toString(qlonglong(p->sampleBytes())))
              .arg(limits.isEmpty() ? QString() : QStringLiteral(" (") + limits + QLatin1Char(')'))
              .arg(p->seed)
              .arg(locale.toString(qlonglong(std::max<int64_t>(0, p->heldoutDocuments))))
              .arg(locale.toString(qlonglong(p->heldoutBytes)))
              .arg(bpb)
              .arg(p->layers)
              .arg(p->hidden)
              .arg(p->heads)
              .arg(p->context)
              .arg(locale.toString(qlonglong(p->parameters)))
              .arg(locale.toString(qlonglong(p->steps)))
              .arg(locale.toString(qlonglong(p->tokens)))
              .arg(locale.toString(p->seconds, 'f', 0))
              .arg(device)
              .arg(p->minutes > 0 ? tr("%1 min").arg(locale.toString(p->minutes)) : tr("%1 steps").arg(p->maxSteps))
              .arg(p->date.empty() ? QString() : tr(", %1").arg(QString::fromStdString(p->date)));
#endif
}

JobTracker::Token ReferenceLmController::startJob()
{
    m_stop = std::make_shared<std::atomic<bool>>(false);
    m_running = true;
    return m_jobs.start();
}

bool ReferenceLmController::train(const lm::TrainOptions& options, bool scoreSampleAfter, bool autoShape)
{
#ifdef SHARDSCOPE_HAVE_TORCH
    if (m_cacheDir.empty() || m_shards.empty() || m_running)
        return false;
    lm::TrainOptions o = options;
    o.inputs = m_shards;
    o.heldout.clear();
    o.textField = m_fields.text.empty() ? std::string("text") : m_fields.text;
    o.randomSample = true; // never a prefix
    const JobTracker::Token token = startJob();
    QPointer<ReferenceLmController> self(this);
    // Posts `f` to this object's thread, where it runs only while the job is current.
    auto post = [self, token](auto f) {
        QMetaObject::invokeMethod(
            self.data(),
            [self, token, f = std::move(f)]() {
                if (self && self->m_jobs.isCurrent(token))
                    f(self.data());
            },
            Qt::QueuedConnection);
    };
    o.stopRequested = [stop = m_stop]() { return stop->load(std::memory_order_relaxed); };
    o.log = [post](const std::string& line) {
        post([l = QString::fromStdString(line)](ReferenceLmController* c) { Q_EMIT c->logLine(l); });
    };
    struct Clock {
        std::chrono::steady_clock::time_point trainingStarted, lastPost;
        bool training = false, evaluating = false;
        double previous = 0;
    };
    auto clock = std::make_shared<Clock>();
    o.progress = [post, clock, maxSteps = o.maxSteps](double fraction, int64_t step, double bpb) {
        const auto now = std::chrono::steady_clock::now();
        if (!clock->training) {
            clock->training = true;
            clock->trainingStarted = now;
            post([](ReferenceLmController* c) { Q_EMIT c->phaseChanged(tr("Training the reference model…")); });
        }
        const bool throttled = now - clock->lastPost < std::chrono::milliseconds(100) && fraction < 1;
        if (!throttled)
            clock->lastPost = now;
        const double elapsed = std::chrono::duration<double>(now - clock->trainingStarted).count();
        const double eta = fraction > 0.01 ? elapsed * (1 - fraction) / fraction : -1;
        if (!throttled) // at most ten a second
            post(
                [fraction, eta, step, bpb](ReferenceLmController* c) { Q_EMIT c->progress(fraction, eta, step, bpb); });
        // The trainer reports before each step's work: when the next one would end the budget, the held-out
        // text is measured next (minutes on a CPU for a large sample), which the user should know.
        const bool last = (maxSteps > 0 && step >= maxSteps) || fraction + (fraction - clock->previous) >= 1;
        clock->previous = fraction;
        if (last && !clock->evaluating) {
            clock->evaluating = true;
            post([](ReferenceLmController* c) { Q_EMIT c->phaseChanged(tr("Measuring the held-out bits per byte…")); });
        }
    };
    Q_EMIT phaseChanged(tr("Reading a uniform sample of the corpus…"));
    struct Outcome {
        bool cancelled = false;
        QString error;
        qint64 steps = 0;
        double trainBpb = 0;
    };
    QtConcurrent::run(longJobPool(), [o, autoShape, cacheDir = m_cacheDir, stop = m_stop]() mutable -> Outcome {
        Outcome out;
        try {
            if (autoShape) {
                // Resolving "auto" loads the language-model plugin: here, not on the GUI thread.
                const lm::ShapeChoice choice
                    = lm::chooseShapeForBudget(o.minutes, resolveLmDevice(o.device), o.threads);
                lm::applyShape(o, choice.shape);
                if (o.log)
                    o.log("shape " + choice.shape.name() + ": " + choice.reason);
            }
            const lm::TrainResult r = lm::trainReferenceLm(o, cacheDir);
            out.cancelled = r.cancelled || stop->load();
            out.steps = r.steps;
            out.trainBpb = r.trainBpb;
        } catch (const std::exception& e) {
            out.error = QString::fromStdString(e.what());
        }
        return out;
    }).then(this, [this, token, scoreSampleAfter](const Outcome& out) {
        if (!m_jobs.isCurrent(token))
            return; // superseded: another corpus, or cancelled
        m_running = false;
        if (out.cancelled) {
            Q_EMIT cancelled();
            return;
        }
        if (!out.error.isEmpty()) {
            Q_EMIT failed(out.error);
            return;
        }
        Q_EMIT progress(1.0, 0, out.steps, out.trainBpb); // the trainer's last report is before its last step
        m_modelDir = targetDir();
        loadProvenance();
        Q_EMIT modelChanged();
        Q_EMIT trained(scorerSpec());
        if (scoreSampleAfter && !scoreSample())
            Q_EMIT failed(tr("The reference model is saved, but the corpus is busy: score it with Language Model > "
                             "Score the Whole Corpus with the Reference Model when the scan is done."));
    });
    return true;
#else
    Q_UNUSED(options);
    Q_UNUSED(scoreSampleAfter);
    Q_UNUSED(autoShape);
    return false;
#endif
}

bool ReferenceLmController::scoreSample(size_t documents, double budgetSeconds)
{
    const auto corpus = m_session ? m_session->corpus() : nullptr;
    const auto source = m_session ? m_session->source() : nullptr;
    if (m_modelDir.isEmpty() || !corpus || !source || corpus->size() == 0 || m_running || m_session->running()
        || m_session->scoringColumns())
        return false;
    if (m_session->fullPassRunning())
        m_session->stopAtSample(); // the columns are for the table on display
    // A seeded random order of the rows; the first `documents` of it are read and scored in that order, so
    // whatever the time budget lets through is a uniform sample of the table.
    const size_t n = corpus->size();
    const size_t chosen = std::min(n, documents);
    std::vector<uint64_t> rows(n);
    std::iota(rows.begin(), rows.end(), uint64_t(0));
    std::mt19937_64 rng(1);
    for (size_t i = 0; i < chosen; ++i)
        std::swap(rows[i], rows[i + std::uniform_int_distribution<size_t>(0, n - 1 - i)(rng)]);
    rows.resize(chosen);
    struct Where {
        uint64_t row;
        uint32_t shard;
        uint64_t offset;
        uint32_t length;
    };
    std::vector<Where> where;
    where.reserve(chosen);
    for (uint64_t r : rows)
        where.push_back({ r, corpus->shard(r), corpus->offset(r), corpus->length(r) });

    const JobTracker::Token token = startJob();
    Q_EMIT phaseChanged(tr("Scoring a sample of %L1 documents with the reference model…").arg(qulonglong(chosen)));
    QPointer<ReferenceLmController> self(this);
    struct Outcome {
        std::vector<ColumnInfo> columns;
        std::vector<std::vector<float>> values;
        uint64_t scored = 0;
        bool cancelled = false;
        QString error;
    };
    QtConcurrent::run(longJobPool(),
        [self, token, source, where, n, budgetSeconds, spec = scorerSpec().toStdString(), stop = m_stop]() -> Outcome {
            Outcome out;
            try {
                const auto scorer = ScorerRegistry::instance().create(spec);
                if (!scorer)
                    throw std::invalid_argument("no scorer " + spec);
                out.columns = scorer->columns();
                const size_t width = out.columns.size();
                out.values.assign(width, std::vector<float>(n, kMissing));
                auto worker = scorer->makeWorker();
                const auto t0 = std::chrono::steady_clock::now();
                auto lastPost = t0;
                std::vector<float> values;
                for (size_t next = 0; next < where.size();) {
                    if (stop->load()) {
                        out.cancelled = true;
                        return out;
                    }
                    if (next > 0
                        && std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > budgetSeconds)
                        break;
                    // Batches of 16, as the scan hands a model short documents.
                    std::vector<std::string> texts;
                    std::vector<uint64_t> batchRows;
                    for (; next < where.size() && texts.size() < 16; ++next) {
                        DocumentSource::Document d
                            = source->read(where[next].shard, where[next].offset, where[next].length);
                        if (!d.error.empty())
                            continue; // stays missing, as the scan leaves an unreadable record
                        texts.push_back(std::move(d.text));
                        batchRows.push_back(where[next].row);
                    }
                    std::vector<std::string_view> views(texts.begin(), texts.end());
                    values.assign(views.size() * width, kMissing);
                    worker->scoreBatch(views, values.data(), width);
                    for (size_t i = 0; i < batchRows.size(); ++i)
                        for (size_t c = 0; c < width; ++c)
                            out.values[c][batchRows[i]] = values[i * width + c];
                    out.scored += batchRows.size();
                    const auto now = std::chrono::steady_clock::now();
                    if (now - lastPost > std::chrono::milliseconds(100)) {
                        lastPost = now;
                        QMetaObject::invokeMethod(
                            self.data(),
                            [self, token, done = out.scored, total = where.size()]() {
                                if (self && self->m_jobs.isCurrent(token))
                                    Q_EMIT self->sampleProgress(done, total);
                            },
                            Qt::QueuedConnection);
                    }
                }
            } catch (const std::exception& e) {
                out.error = QString::fromStdString(e.what());
            }
            return out;
        })
        .then(this, [this, token, corpus](const Outcome& out) {
            if (!m_jobs.isCurrent(token))
                return;
            m_running = false;
            if (out.cancelled) {
                Q_EMIT cancelled();
                return;
            }
            if (!out.error.isEmpty()) {
                Q_EMIT failed(out.error);
                return;
            }
            if (m_session->corpus() != corpus) {
                Q_EMIT failed(tr("The corpus changed while its sample was scored"));
                return;
            }
            Q_EMIT columnsComing();
            if (!m_session->addComputedColumns(out.columns, out.values)) {
                Q_EMIT failed(tr("The sample's lm columns could not be added: the corpus is being scanned"));
                return;
            }
            Q_EMIT sampleScored(out.scored, corpus->size());
        });
    return true;
}

bool ReferenceLmController::scoreWholeCorpus()
{
    if (m_modelDir.isEmpty() || !m_session || !m_session->corpus() || m_running)
        return false;
    Q_EMIT columnsComing();
    return m_session->scoreColumns(scorerSpec().toStdString());
}

void ReferenceLmController::cancel()
{
    if (m_stop)
        m_stop->store(true);
    if (m_running) {
        m_running = false;
        m_jobs.invalidate();
        Q_EMIT cancelled();
    }
}

} // namespace shardscope
