#include "languagemodelcontroller.h"

#ifdef SHARDSCOPE_HAVE_TORCH
#include "lmdialogs.h"
#include <lm/lmapi.h>
#include <lmplugin.h>
#endif

#include <QtConcurrent/QtConcurrentRun>

namespace shardscope {

LanguageModelController::LanguageModelController(QObject* parent)
    : QObject(parent)
{
#ifdef SHARDSCOPE_HAVE_TORCH
    // Start from the engine's current choice (set by --model/--device or an earlier window).
    m_modelDir = QString::fromStdString(lmOptions().modelDir);
    m_device = QString::fromStdString(lmOptions().device);
#endif
}

bool LanguageModelController::available()
{
#ifdef SHARDSCOPE_HAVE_TORCH
    return true;
#else
    return false;
#endif
}

bool LanguageModelController::namesLanguageModel(const std::string& scorers)
{
    const QStringList items = QString::fromStdString(scorers).split(QLatin1Char(','), Qt::SkipEmptyParts);
    return items.contains(QStringLiteral("lm")) || items.contains(QStringLiteral("lm_bpb"))
        || items.contains(QStringLiteral("lm_loss"));
}

std::string LanguageModelController::withLanguageModel(const std::string& scorers)
{
    QStringList items = QString::fromStdString(scorers).split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (!items.contains(QStringLiteral("lm")))
        items << QStringLiteral("lm");
    return items.join(QLatin1Char(',')).toStdString();
}

void LanguageModelController::setLanguageModel(const QString& modelDir, const QString& device)
{
    m_modelDir = modelDir;
    m_device = device.isEmpty() ? QStringLiteral("auto") : device;
#ifdef SHARDSCOPE_HAVE_TORCH
    LmOptions o = lmOptions();
    o.modelDir = modelDir.toStdString();
    o.device = m_device.toStdString(); // resolved (auto -> cuda:0 or cpu) off the GUI thread below
    setLmOptions(o);
    m_job = m_jobs.start();
    m_status = tr("LM: …");
    Q_EMIT statusChanged(m_status, QString());
    describe();
#else
    m_status.clear();
    Q_EMIT statusChanged(m_status, QString());
#endif
}

void LanguageModelController::describe()
{
#ifdef SHARDSCOPE_HAVE_TORCH
    // Resolving "auto" asks torch about CUDA, and describing the model reads config files: not on the
    // GUI thread. "auto" is resolved only once libtorch is loaded (by a model in use): choosing a model,
    // or starting the window, loads nothing (issue 21, part 6).
    QtConcurrent::run([o = lmOptions()]() {
        if (lm::lmBackendLoaded()) {
            LmOptions r = o;
            r.device = resolveLmDevice(o.device);
            if (lmOptions().modelDir == o.modelDir && lmOptions().device == o.device)
                setLmOptions(r);
        }
        return QString::fromStdString(selectedLmDescription());
    }).then(this, [this, job = m_job](const QString& text) {
        // A continuation attached to a future that has already finished runs at once, inside describe():
        // always deliver the result from the event loop, so that whoever called setLanguageModel() and then
        // connected to changed() hears it (tst_languagemodelcontroller failed in CI when the description
        // was ready before then() was attached).
        QMetaObject::invokeMethod(
            this,
            [this, job, text] {
                if (!m_jobs.isCurrent(job))
                    return;
                m_status = tr("LM: %1").arg(text);
                Q_EMIT statusChanged(m_status,
                    tr("The language model used by the lm scorer and the token-loss view "
                       "(Language Model > Score with Language Model). %1")
                        .arg(builtinModelDescription()));
                Q_EMIT changed();
            },
            Qt::QueuedConnection);
    });
#endif
}

void LanguageModelController::load(const QString& modelDir, const QString& device)
{
#ifdef SHARDSCOPE_HAVE_TORCH
    const LmOptions previous = lmOptions();
    const QString previousDir = m_modelDir, previousDevice = m_device;
    setLanguageModel(modelDir, device);
    Q_EMIT loading();
    // The first model loaded loads the language-model plugin (libtorch, a third of a second): here, off the
    // GUI thread.
    QtConcurrent::run([options = lmOptions()]() -> QString {
        LmOptions o = options;
        o.device = resolveLmDevice(o.device);
        setLmOptions(o);
        try {
            checkSelectedLm();
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
        return {};
    }).then(this, [this, job = m_job, previous, previousDir, previousDevice](const QString& error) {
        if (!m_jobs.isCurrent(job))
            return; // another model was chosen meanwhile
        if (!error.isEmpty()) {
            setLmOptions(previous);
            setLanguageModel(previousDir, previousDevice);
            Q_EMIT failed(error);
            return;
        }
        describe(); // the device is resolved now ("auto" -> cpu or cuda:0)
        Q_EMIT loaded();
    });
#else
    Q_UNUSED(modelDir);
    Q_UNUSED(device);
#endif
}

void LanguageModelController::openScoreDialog(QWidget* parent)
{
#ifdef SHARDSCOPE_HAVE_TORCH
    auto* dlg = new LmScoreDialog(m_modelDir, m_device, parent);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    connect(dlg, &QDialog::accepted, this, [this, dlg]() { load(dlg->modelDir(), dlg->device()); });
    dlg->open();
#else
    Q_UNUSED(parent);
#endif
}

void LanguageModelController::openTrainDialog(QWidget* parent, const QStringList& inputs, const QString& textField)
{
#ifdef SHARDSCOPE_HAVE_TORCH
    if (inputs.isEmpty())
        return;
    auto* dlg = new TrainLmDialog(inputs, textField, parent);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    connect(dlg, &TrainLmDialog::scoreRequested, this, &LanguageModelController::load);
    dlg->open();
#else
    Q_UNUSED(parent);
    Q_UNUSED(inputs);
    Q_UNUSED(textField);
#endif
}

QDialog* LanguageModelController::openReferenceDialog(QWidget* parent, ReferenceLmController* reference)
{
#ifdef SHARDSCOPE_HAVE_TORCH
    auto* dlg = new ReferenceLmDialog(reference, parent);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    dlg->show(); // not modal: the table stays usable while the model trains
    return dlg;
#else
    Q_UNUSED(parent);
    Q_UNUSED(reference);
    return nullptr;
#endif
}

QString LanguageModelController::builtinModelDescription()
{
    return tr("The built-in model was trained on documentation text, not on web text: it separates web-page quality "
              "no better than zlib6. For web text, train a reference model on the corpus itself (Language Model > "
              "Train Reference Model…, or the faster Train N-gram Reference Model…).");
}

} // namespace shardscope
