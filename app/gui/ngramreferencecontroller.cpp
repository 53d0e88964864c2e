#include "ngramreferencecontroller.h"

#include "longjobpool.h"

#include <QFile>
#include <QFutureWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace shardscope {

NgramReferenceController::NgramReferenceController(QObject* parent)
    : QObject(parent)
{
}

NgramReferenceController::~NgramReferenceController()
{
    // The job holds what it reads (shards by path, its options) and posts back only through `this`'s
    // context, which Qt drops with the object; it stops at its next progress report.
    cancel();
}

double NgramReferenceController::defaultFraction(uint64_t textBytes)
{
    if (textBytes <= kDefaultSampleBytes)
        return 1.0;
    return std::max(1e-4, double(kDefaultSampleBytes) / double(textBytes));
}

void NgramReferenceController::setCorpus(
    const std::vector<std::string>& shards, const FieldMapping& fields, const std::string& cacheDir)
{
    if (cacheDir != m_cacheDir)
        cancel(); // a model of the old corpus must not land in the new one's
    m_shards = shards;
    m_fields = fields;
    m_cacheDir = cacheDir;
    const std::string dir = ngramReferenceDir(cacheDir);
    const QString found = isNgramModelDir(dir) ? QString::fromStdString(dir) : QString();
    if (found == m_modelDir && !found.isEmpty())
        return;
    m_modelDir = found;
    loadProvenance();
    Q_EMIT modelChanged();
}

QString NgramReferenceController::scorerSpec() const
{
    return m_modelDir.isEmpty() ? QString() : QStringLiteral("ngram:model=") + m_modelDir;
}

QString NgramReferenceController::targetDir() const
{
    return QString::fromStdString(ngramReferenceDir(m_cacheDir));
}

void NgramReferenceController::loadProvenance()
{
    m_summary.clear();
    m_details.clear();
    m_perLanguage = false;
    if (m_modelDir.isEmpty())
        return;
    if (isNgramLanguageModelDir(m_modelDir.toStdString())) {
        loadLanguageProvenance();
        return;
    }
    // ngram.json only (a few hundred bytes): the tables are loaded by the scorer, off this thread.
    QFile f(m_modelDir + QLatin1Char('/') + QLatin1String(NgramModel::kMetaName));
    if (!f.open(QIODevice::ReadOnly))
        return;
    const QJsonObject j = QJsonDocument::fromJson(f.readAll()).object();
    const QJsonObject t = j.value(QLatin1String("training")).toObject();
    const QLocale locale;
    const double bpb = t.value(QLatin1String("held_out_bpb")).toDouble(-1);
    const QString sample = t.value(QLatin1String("sample")).toString();
    const QString bpbText = bpb >= 0 ? tr("%1 bpb held out").arg(locale.toString(bpb, 'f', 3)) : tr("no held-out text");
    m_summary = tr("N-gram reference: order %1, %2 docs, %3")
                    .arg(j.value(QLatin1String("order")).toInt())
                    .arg(locale.toString(qulonglong(t.value(QLatin1String("documents")).toDouble())))
                    .arg(bpbText);
    m_details = tr("Order %1 byte-level Kneser-Ney model in %2\n"
                   "Sample: %3 (seed %4)\n"
                   "Trained on %5 documents (%6 bytes); held out %7 documents (%8 bytes): %9 (bits per byte)\n"
                   "Counting took %10 s on the CPU")
                    .arg(j.value(QLatin1String("order")).toInt())
                    .arg(m_modelDir)
                    .arg(sample.isEmpty() ? tr("every document") : sample)
                    .arg(qulonglong(t.value(QLatin1String("seed")).toDouble()))
                    .arg(locale.toString(qulonglong(t.value(QLatin1String("documents")).toDouble())))
                    .arg(locale.toString(qulonglong(t.value(QLatin1String("bytes")).toDouble())))
                    .arg(locale.toString(qulonglong(t.value(QLatin1String("held_out_documents")).toDouble())))
                    .arg(locale.toString(qulonglong(t.value(QLatin1String("held_out_bytes")).toDouble())))
                    .arg(bpbText)
                    .arg(locale.toString(t.value(QLatin1String("seconds")).toDouble(), 'f', 2));
}

void NgramReferenceController::loadLanguageProvenance()
{
    m_perLanguage = true;
    // The manifest only (a few kB); the models are loaded by the scorer, off this thread.
    QFile f(m_modelDir + QLatin1Char('/') + QLatin1String(NgramLanguageManifest::kFileName));
    if (!f.open(QIODevice::ReadOnly))
        return;
    const QJsonObject j = QJsonDocument::fromJson(f.readAll()).object();
    const QJsonObject t = j.value(QLatin1String("training")).toObject();
    const QJsonArray models = j.value(QLatin1String("models")).toArray();
    const QLocale locale;
    QStringList languages;
    QString perModel;
    for (const QJsonValue& v : models) {
        const QJsonObject m = v.toObject();
        const QString lang = m.value(QLatin1String("language")).toString();
        if (lang != QLatin1String(NgramLanguageManifest::kAllLanguages))
            languages << lang;
        const double own = m.value(QLatin1String("held_out_bpb")).toDouble(-1);
        const double all = m.value(QLatin1String("held_out_bpb_all_languages")).toDouble(-1);
        perModel += tr("\n  %1: %2 documents (%3 bytes), held out %4")
                        .arg(lang == QLatin1String(NgramLanguageManifest::kAllLanguages) ? tr("all languages") : lang)
                        .arg(locale.toString(qulonglong(m.value(QLatin1String("documents")).toDouble())))
                        .arg(locale.toString(qulonglong(m.value(QLatin1String("bytes")).toDouble())))
                        .arg(own < 0 ? tr("none")
                                     : tr("%1 bpb (all-languages model: %2)")
                                           .arg(locale.toString(own, 'f', 3), locale.toString(all, 'f', 3)));
    }
    const double bpb = t.value(QLatin1String("held_out_bpb")).toDouble(-1);
    const QString bpbText = bpb >= 0 ? tr("%1 bpb held out").arg(locale.toString(bpb, 'f', 3)) : tr("no held-out text");
    const QString sample = t.value(QLatin1String("sample")).toString();
    m_summary = tr("N-gram reference: order %1, per language (%2 + all), %3 docs, %4")
                    .arg(j.value(QLatin1String("order")).toInt())
                    .arg(languages.size() <= 6 ? languages.join(QStringLiteral(", "))
                                               : tr("%1, … %2 languages")
                                                     .arg(languages.mid(0, 5).join(QStringLiteral(", ")))
                                                     .arg(languages.size()))
                    .arg(locale.toString(qulonglong(t.value(QLatin1String("documents")).toDouble())))
                    .arg(bpbText);
    m_details = tr("Order %1 byte-level Kneser-Ney models, one per language, in %2\n"
                   "Sample: %3 (seed %4); a language counts where lid.176's probability is at least %5\n"
                   "Models:%6\n"
                   "Counting took %7 s on the CPU")
                    .arg(j.value(QLatin1String("order")).toInt())
                    .arg(m_modelDir)
                    .arg(sample.isEmpty() ? tr("every document") : sample)
                    .arg(qulonglong(t.value(QLatin1String("seed")).toDouble()))
                    .arg(j.value(QLatin1String("langid")).toObject().value(QLatin1String("min_lang_score")).toDouble())
                    .arg(perModel)
                    .arg(locale.toString(t.value(QLatin1String("seconds")).toDouble(), 'f', 2));
}

bool NgramReferenceController::train(NgramTrainingOptions options)
{
    if (m_cacheDir.empty() || m_shards.empty() || m_running)
        return false;
    options.shards = m_shards;
    options.fields = m_fields;
    const std::string dir = ngramReferenceDir(m_cacheDir);
    const JobTracker::Token token = m_jobs.start();
    m_stop = std::make_shared<std::atomic<bool>>(false);
    m_running = true;
    QPointer<NgramReferenceController> self(this);
    struct Outcome {
        bool cancelled = false;
        QString error;
    };
    QtConcurrent::run(longJobPool(), [self, token, options, dir, stop = m_stop]() -> Outcome {
        Outcome out;
        try {
            auto report = [self, token](const ScanProgress& p) {
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, token, fraction = p.fraction(), docs = p.docs]() {
                        if (self && self->m_jobs.isCurrent(token))
                            Q_EMIT self->progress(fraction, docs);
                    },
                    Qt::QueuedConnection);
            };
            NgramTrainingResult r = trainNgramOnSample(options, stop.get(), report);
            if (r.cancelled || stop->load()) {
                out.cancelled = true;
                return out;
            }
            if (r.languageModels)
                r.languageModels->save(dir);
            else
                r.model.save(dir);
        } catch (const std::exception& e) {
            out.error = QString::fromStdString(e.what());
        }
        return out;
    }).then(this, [this, token, dir](const Outcome& out) {
        if (!m_jobs.isCurrent(token))
            return; // superseded: another corpus, or cancelled and restarted
        m_running = false;
        if (out.cancelled) {
            Q_EMIT cancelled();
            return;
        }
        if (!out.error.isEmpty()) {
            Q_EMIT failed(out.error);
            return;
        }
        m_modelDir = QString::fromStdString(dir);
        loadProvenance();
        Q_EMIT modelChanged();
        Q_EMIT trained(scorerSpec());
    });
    return true;
}

void NgramReferenceController::cancel()
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
