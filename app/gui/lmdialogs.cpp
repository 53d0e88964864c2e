#include "lmdialogs.h"

#include "languagemodelcontroller.h"
#include "longjobpool.h"
#include "referencelmcontroller.h"

#include <lm/lmapi.h>
#include <lm/lmtrain.h>

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace shardscope {

QStringList lmDeviceChoices()
{
    QStringList out { QStringLiteral("auto") };
    for (const auto& d : availableLmDevices())
        out << QString::fromStdString(d);
    return out;
}

namespace {

// "auto" and "cpu" at once; the CUDA devices once torch has said which there are. Asking loads the
// language-model plugin (libtorch, a third of a second the first time): off the GUI thread, so the
// dialog opens at once. `wanted` is selected when it appears, unless the user chose meanwhile.
void fillDeviceChoices(QComboBox* box, const QString& wanted)
{
    box->addItems({ QStringLiteral("auto"), QStringLiteral("cpu") });
    box->setCurrentIndex(std::max(0, box->findText(wanted)));
    const QString initial = box->currentText();
    QtConcurrent::run(&lmDeviceChoices).then(box, [box, wanted, initial](const QStringList& all) {
        for (const QString& d : all)
            if (box->findText(d) < 0)
                box->addItem(d);
        if (box->currentText() == initial && box->findText(wanted) >= 0)
            box->setCurrentIndex(box->findText(wanted));
    });
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Choosing the model

LmScoreDialog::LmScoreDialog(const QString& modelDir, const QString& device, QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Score with Language Model"));
    setObjectName(QStringLiteral("lmScoreDialog"));
    auto* layout = new QVBoxLayout(this);
    auto* text = new QLabel(tr("Adds the columns <b>lm_loss</b> (nats per token) and <b>lm_bpb</b> (bits per byte) "
                               "to the open corpus. The other scores are rescanned with them."),
        this);
    text->setWordWrap(true);
    layout->addWidget(text);

    auto* modelBox = new QGroupBox(tr("Model"), this);
    auto* ml = new QVBoxLayout(modelBox);
    const QString builtin = QString::fromStdString(builtinLmDirectory());
    m_builtin = new QRadioButton(
        builtin.isEmpty() ? tr("Built-in byte-level model (not installed)") : tr("Built-in byte-level model"),
        modelBox);
    m_builtin->setToolTip(builtin + QLatin1Char('\n') + LanguageModelController::builtinModelDescription());
    m_builtin->setEnabled(!builtin.isEmpty());
    m_custom = new QRadioButton(tr("Model directory (Hugging Face GPT-2, GPT-NeoX, LLaMA/Qwen2, or shardscope-cli "
                                   "train-lm output):"),
        modelBox);
    auto* row = new QHBoxLayout;
    m_dir = new QLineEdit(modelBox);
    m_dir->setObjectName(QStringLiteral("modelDirectory"));
    m_dir->setPlaceholderText(tr("config.json, model.safetensors, tokenizer.json or vocab.json + merges.txt"));
    auto* browse = new QPushButton(tr("Browse…"), modelBox);
    row->addWidget(m_dir, 1);
    row->addWidget(browse);
    ml->addWidget(m_builtin);
    auto* builtinNote
        = new QLabel(tr("Trained on documentation text; for web text, train a reference model."), modelBox);
    builtinNote->setObjectName(QStringLiteral("builtinModelNote"));
    builtinNote->setToolTip(LanguageModelController::builtinModelDescription());
    builtinNote->setWordWrap(true);
    builtinNote->setContentsMargins(20, 0, 0, 0);
    ml->addWidget(builtinNote);
    ml->addWidget(m_custom);
    ml->addLayout(row);
    layout->addWidget(modelBox);

    auto* form = new QFormLayout;
    m_device = new QComboBox(this);
    m_device->setObjectName(QStringLiteral("device"));
    fillDeviceChoices(m_device, device);
    m_device->setToolTip(tr("auto: the first CUDA device when there is one, else the CPU. "
                            "Weights are float32 on the CPU and bfloat16 on CUDA."));
    form->addRow(tr("Device:"), m_device);
    layout->addLayout(form);

    m_problem = new QLabel(this);
    m_problem->setStyleSheet(QStringLiteral("QLabel { color: #c62828; }"));
    m_problem->setWordWrap(true);
    m_problem->hide();
    layout->addWidget(m_problem);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Score"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(browse, &QPushButton::clicked, this, [this]() {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Model Directory"), m_dir->text());
        if (!d.isEmpty())
            setModelDir(d);
    });
    connect(m_dir, &QLineEdit::textEdited, this, [this]() { m_custom->setChecked(true); });

    if (!modelDir.isEmpty() || builtin.isEmpty())
        m_custom->setChecked(true);
    else
        m_builtin->setChecked(true);
    m_dir->setText(modelDir);
    resize(620, sizeHint().height());
}

QString LmScoreDialog::modelDir() const
{
    return m_custom->isChecked() ? m_dir->text().trimmed() : QString();
}

QString LmScoreDialog::device() const
{
    return m_device->currentText();
}

void LmScoreDialog::setModelDir(const QString& dir)
{
    m_dir->setText(dir);
    m_custom->setChecked(true);
}

QString LmScoreDialog::checkModelDirectory(const QString& dir)
{
    const QDir d(dir);
    if (dir.isEmpty() || !d.exists())
        return tr("%1 is not a directory.").arg(dir.isEmpty() ? tr("The model directory") : dir);
    QStringList missing;
    for (const char* f : { "config.json", "model.safetensors" })
        if (!d.exists(QLatin1String(f)))
            missing << QLatin1String(f);
    QFile config(d.filePath(QStringLiteral("config.json")));
    const bool byteModel = config.open(QIODevice::ReadOnly) && config.readAll().contains("\"shardscope_tokenizer\"");
    const bool tokenizer = d.exists(QStringLiteral("tokenizer.json"))
        || (d.exists(QStringLiteral("vocab.json")) && d.exists(QStringLiteral("merges.txt")));
    if (!byteModel && !tokenizer)
        missing << tr("tokenizer.json (or vocab.json and merges.txt)");
    if (missing.isEmpty())
        return {};
    return tr("%1 lacks %2.").arg(QDir::toNativeSeparators(dir), missing.join(tr(", ")));
}

void LmScoreDialog::accept()
{
    if (m_custom->isChecked()) {
        const QString problem = checkModelDirectory(modelDir());
        if (!problem.isEmpty()) {
            m_problem->setText(problem);
            m_problem->show();
            return;
        }
    }
    QDialog::accept();
}

// ---------------------------------------------------------------------------------------------
// Training a reference model

TrainLmDialog::TrainLmDialog(const QStringList& inputs, const QString& textField, QWidget* parent)
    : QDialog(parent)
    , m_inputs(inputs)
    , m_textField(textField)
{
    setWindowTitle(tr("Train Reference Model"));
    setObjectName(QStringLiteral("trainLmDialog"));
    auto* layout = new QVBoxLayout(this);
    auto* text = new QLabel(tr("Trains a small byte-level language model on a sample of the open corpus (every 20th "
                               "document of it is held out to measure the model). Scoring with it then shows which "
                               "documents look like this corpus (CCNet's reference-model approach): train it on text "
                               "you want more of."),
        this);
    text->setWordWrap(true);
    layout->addWidget(text);

    auto* form = new QFormLayout;
    auto spin = [this](int lo, int hi, int value, const char* name) {
        auto* s = new QSpinBox(this);
        s->setRange(lo, hi);
        s->setValue(value);
        s->setObjectName(QLatin1String(name));
        return s;
    };
    m_maxDocs = spin(0, 100'000'000, 20000, "maxDocuments");
    m_maxDocs->setSpecialValueText(tr("no limit"));
    m_maxMb = new QDoubleSpinBox(this);
    m_maxMb->setRange(0, 100000);
    m_maxMb->setValue(20);
    m_maxMb->setSuffix(tr(" MB"));
    m_maxMb->setSpecialValueText(tr("no limit"));
    m_minutes = new QDoubleSpinBox(this);
    m_minutes->setRange(0, 24 * 60);
    m_minutes->setDecimals(1);
    m_minutes->setValue(5);
    m_minutes->setSuffix(tr(" min"));
    m_minutes->setSpecialValueText(tr("steps only"));
    m_steps = spin(0, 10'000'000, 0, "maxSteps");
    m_steps->setSpecialValueText(tr("time budget only"));
    m_layers = spin(1, 24, 3, "layers");
    m_hidden = spin(16, 2048, 192, "hidden");
    m_hidden->setSingleStep(16);
    m_heads = spin(1, 32, 4, "heads");
    m_context = spin(16, 4096, 256, "context");
    m_context->setSuffix(tr(" bytes"));
    m_device = new QComboBox(this);
    fillDeviceChoices(m_device, QStringLiteral("auto"));
    auto* outRow = new QHBoxLayout;
    m_out = new QLineEdit(this);
    m_out->setObjectName(QStringLiteral("outputDirectory"));
    // ~/.local/share/shardscope/models/...: AppDataLocation would add the organisation too, which is also
    // "shardscope" (the name twice).
    m_out->setText(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QLatin1Char('/')
        + QCoreApplication::applicationName() + QStringLiteral("/models/reference-")
        + QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
    auto* browse = new QPushButton(tr("Browse…"), this);
    outRow->addWidget(m_out, 1);
    outRow->addWidget(browse);
    form->addRow(tr("Documents (at most):"), m_maxDocs);
    form->addRow(tr("Text (at most):"), m_maxMb);
    m_randomSample = new QCheckBox(tr("Random sample of the whole corpus (reads every shard; otherwise the first "
                                      "documents in shard order)"),
        this);
    m_randomSample->setObjectName(QStringLiteral("randomSample"));
    m_randomSample->setChecked(true);
    form->addRow(tr("Sample:"), m_randomSample);
    form->addRow(tr("Time budget:"), m_minutes);
    form->addRow(tr("Steps (at most):"), m_steps);
    form->addRow(tr("Layers:"), m_layers);
    form->addRow(tr("Hidden size:"), m_hidden);
    form->addRow(tr("Attention heads:"), m_heads);
    form->addRow(tr("Context:"), m_context);
    form->addRow(tr("Device:"), m_device);
    form->addRow(tr("Write the model to:"), outRow);
    layout->addLayout(form);

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    layout->addWidget(m_progress);
    m_log = new QPlainTextEdit(this);
    m_log->setObjectName(QStringLiteral("trainingLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(2000);
    m_log->setMinimumHeight(140);
    layout->addWidget(m_log, 1);

    auto* buttons = new QHBoxLayout;
    m_train = new QPushButton(tr("Train"), this);
    m_train->setDefault(true);
    m_cancel = new QPushButton(tr("Cancel Training"), this);
    m_cancel->setEnabled(false);
    m_score = new QPushButton(tr("Score with This Model"), this);
    m_score->setEnabled(false);
    m_close = new QPushButton(tr("Close"), this);
    buttons->addWidget(m_train);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    buttons->addWidget(m_score);
    buttons->addWidget(m_close);
    layout->addLayout(buttons);

    connect(browse, &QPushButton::clicked, this, [this]() {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Model Directory"), m_out->text());
        if (!d.isEmpty())
            m_out->setText(d);
    });
    connect(m_train, &QPushButton::clicked, this, &TrainLmDialog::startTraining);
    connect(m_cancel, &QPushButton::clicked, this, &TrainLmDialog::cancelTraining);
    connect(m_close, &QPushButton::clicked, this, &TrainLmDialog::reject);
    connect(m_score, &QPushButton::clicked, this, [this]() {
        Q_EMIT scoreRequested(outputDirectory(), device());
        accept();
    });
    resize(640, 620);
}

TrainLmDialog::~TrainLmDialog()
{
    if (m_stop)
        m_stop->store(true);
    m_future.waitForFinished(); // the worker posts to this object until it returns
}

void TrainLmDialog::setSample(qint64 maxDocuments, double maxMegabytes)
{
    m_maxDocs->setValue(int(std::min<qint64>(maxDocuments, m_maxDocs->maximum())));
    m_maxMb->setValue(maxMegabytes);
}

void TrainLmDialog::setBudget(double minutes, qint64 maxSteps)
{
    m_minutes->setValue(minutes);
    m_steps->setValue(int(std::min<qint64>(maxSteps, m_steps->maximum())));
}

void TrainLmDialog::setShape(int layers, int hidden, int heads, int context)
{
    m_layers->setValue(layers);
    m_hidden->setValue(hidden);
    m_heads->setValue(heads);
    m_context->setValue(context);
}

void TrainLmDialog::setOutputDirectory(const QString& dir)
{
    m_out->setText(dir);
}

QString TrainLmDialog::outputDirectory() const
{
    return m_out->text().trimmed();
}

QString TrainLmDialog::device() const
{
    return m_device->currentText();
}

QString TrainLmDialog::logText() const
{
    return m_log->toPlainText();
}

int TrainLmDialog::progressValue() const
{
    return m_progress->value();
}

void TrainLmDialog::appendLog(const QString& line)
{
    m_log->appendPlainText(line);
}

void TrainLmDialog::setRunning(bool on)
{
    m_running = on;
    m_train->setEnabled(!on);
    m_cancel->setEnabled(on);
    m_close->setEnabled(true);
    for (QWidget* w : std::initializer_list<QWidget*> { m_maxDocs, m_maxMb, m_randomSample, m_minutes, m_steps,
             m_layers, m_hidden, m_heads, m_context, m_device, m_out })
        w->setEnabled(!on);
}

void TrainLmDialog::startTraining()
{
    if (m_running)
        return;
    if (m_hidden->value() % m_heads->value() != 0) {
        appendLog(tr("The hidden size (%1) must be a multiple of the number of heads (%2).")
                      .arg(m_hidden->value())
                      .arg(m_heads->value()));
        return;
    }
    if (outputDirectory().isEmpty()) {
        appendLog(tr("Choose where to write the model."));
        return;
    }
    lm::TrainOptions o;
    for (const QString& i : std::as_const(m_inputs))
        o.inputs.push_back(i.toStdString());
    o.textField = m_textField.isEmpty() ? std::string("text") : m_textField.toStdString();
    o.outDir = outputDirectory().toStdString();
    o.maxDocuments = m_maxDocs->value();
    o.maxMegabytes = m_maxMb->value();
    o.randomSample = m_randomSample->isChecked();
    o.minutes = m_minutes->value();
    o.maxSteps = m_steps->value();
    o.layers = m_layers->value();
    o.hidden = m_hidden->value();
    o.heads = m_heads->value();
    o.context = m_context->value();
    o.device = device().toStdString(); // "auto" is resolved by the training, off the GUI thread
    if (o.minutes <= 0 && o.maxSteps <= 0) {
        appendLog(tr("Give a time budget or a number of steps."));
        return;
    }
    // A user's reference model is small; fewer windows per step keep a CPU step short, so
    // Cancel answers quickly.
    o.batch = 16;

    auto stop = std::make_shared<std::atomic<bool>>(false);
    m_stop = stop;
    o.stopRequested = [stop]() { return stop->load(std::memory_order_relaxed); };
    // Log lines and progress are posted to this dialog; it waits for the worker before it dies.
    o.log = [this](const std::string& line) {
        QMetaObject::invokeMethod(
            this, [this, l = QString::fromStdString(line)]() { appendLog(l); }, Qt::QueuedConnection);
    };
    auto lastPost = std::make_shared<std::chrono::steady_clock::time_point>();
    o.progress = [this, lastPost](double fraction, int64_t, double) {
        const auto now = std::chrono::steady_clock::now();
        if (now - *lastPost < std::chrono::milliseconds(100) && fraction < 1)
            return; // throttled: at most ten updates a second
        *lastPost = now;
        QMetaObject::invokeMethod(
            this, [this, v = int(std::lround(fraction * 1000))]() { m_progress->setValue(v); }, Qt::QueuedConnection);
    };
    m_log->clear();
    m_progress->setValue(0);
    m_score->setEnabled(false);
    appendLog(tr("Training on %1 …").arg(m_inputs.join(QStringLiteral(", "))));
    setRunning(true);

    struct Outcome {
        bool ok = false;
        bool cancelled = false;
        QString message;
    };
    m_future = QtConcurrent::run(longJobPool(), [o]() {
        Outcome out;
        try {
            const lm::TrainResult r = lm::trainByteLm(o);
            out.cancelled = r.cancelled;
            out.ok = !r.cancelled;
            if (out.ok)
                out.message = QObject::tr("Done: %1 steps in %2 s; held-out %3 bits per byte (train %4). "
                                          "Model written to %5.")
                                  .arg(r.steps)
                                  .arg(r.seconds, 0, 'f', 0)
                                  .arg(r.heldoutBpb, 0, 'f', 3)
                                  .arg(r.trainBpb, 0, 'f', 3)
                                  .arg(QString::fromStdString(o.outDir));
            else
                out.message = QObject::tr("Cancelled after %1 steps; nothing was written.").arg(r.steps);
        } catch (const std::exception& e) {
            out.message = QObject::tr("Training failed: %1").arg(QString::fromStdString(e.what()));
        }
        return out;
    }).then(this, [this](Outcome out) {
        setRunning(false);
        if (out.ok)
            m_progress->setValue(1000);
        appendLog(out.message);
        m_score->setEnabled(out.ok);
        Q_EMIT trainingFinished(out.ok, out.cancelled, out.message);
    });
}

void TrainLmDialog::cancelTraining()
{
    if (m_stop)
        m_stop->store(true);
    if (m_running)
        appendLog(tr("Cancelling after the current step…"));
}

void TrainLmDialog::reject()
{
    // Closing the dialog stops the training; the destructor waits for the last step.
    cancelTraining();
    QDialog::reject();
}

// ---------------------------------------------------------------------------------------------
// The open corpus's reference model, in one action

namespace {

QString remainingText(double seconds)
{
    if (seconds < 0)
        return QObject::tr("estimating the time left…");
    if (seconds < 90)
        return QObject::tr("about %1 s left").arg(std::lround(seconds));
    return QObject::tr("about %1 min left").arg(std::lround(seconds / 60));
}

} // namespace

ReferenceLmDialog::ReferenceLmDialog(ReferenceLmController* controller, QWidget* parent)
    : QDialog(parent)
    , m_controller(controller)
{
    setWindowTitle(tr("Train Reference Model"));
    setObjectName(QStringLiteral("referenceLmDialog"));
    auto* layout = new QVBoxLayout(this);
    auto* text = new QLabel(tr("Trains a small byte-level language model on a uniform random sample of the open corpus "
                               "within the time budget (every 20th sampled document is held out to measure it), "
                               "keeps it in the corpus's cache directory, then scores <b>lm_loss</b> and "
                               "<b>lm_bpb</b> with it for a sample of the documents at once; the whole corpus "
                               "follows on request. A model of the corpus itself tells apart what is too easily "
                               "predicted and what nothing predicts, which the built-in model (trained on "
                               "documentation text) does not."),
        this);
    text->setWordWrap(true);
    layout->addWidget(text);

    auto* form = new QFormLayout;
    auto spin = [this](int lo, int hi, int value, const char* name) {
        auto* s = new QSpinBox(this);
        s->setRange(lo, hi);
        s->setValue(value);
        s->setObjectName(QLatin1String(name));
        return s;
    };
    m_minutes = new QDoubleSpinBox(this);
    m_minutes->setObjectName(QStringLiteral("minutes"));
    m_minutes->setRange(0, 24 * 60);
    m_minutes->setDecimals(1);
    m_minutes->setValue(5);
    m_minutes->setSuffix(tr(" min"));
    m_minutes->setSpecialValueText(tr("steps only"));
    m_steps = spin(0, 10'000'000, 0, "maxSteps");
    m_steps->setSpecialValueText(tr("time budget only"));
    m_maxMb = new QDoubleSpinBox(this);
    m_maxMb->setObjectName(QStringLiteral("maxMegabytes"));
    m_maxMb->setRange(0, 100000);
    m_maxMb->setValue(ReferenceLmController::kDefaultSampleMegabytes);
    m_maxMb->setSuffix(tr(" MB"));
    m_maxMb->setSpecialValueText(tr("no limit"));
    m_maxDocs = spin(0, 100'000'000, 0, "maxDocuments");
    m_maxDocs->setSpecialValueText(tr("no limit"));
    m_layers = spin(1, 24, 4, "layers");
    m_hidden = spin(16, 2048, 256, "hidden");
    m_hidden->setSingleStep(16);
    m_heads = spin(1, 32, 4, "heads");
    m_context = spin(16, 4096, 256, "context");
    m_context->setSuffix(tr(" bytes"));
    m_batch = spin(1, 1024, 16, "batch");
    m_seed = spin(0, 1'000'000'000, 1, "seed");
    m_device = new QComboBox(this);
    m_device->setObjectName(QStringLiteral("device"));
    fillDeviceChoices(m_device, QStringLiteral("auto"));
    m_device->setToolTip(tr("auto: the first GPU when there is one, else the CPU"));
    form->addRow(tr("Time budget:"), m_minutes);
    form->addRow(tr("Steps (at most):"), m_steps);
    form->addRow(tr("Sample of the corpus (text):"), m_maxMb);
    form->addRow(tr("Sample (documents, at most):"), m_maxDocs);
    form->addRow(tr("Seed:"), m_seed);
    form->addRow(tr("Device:"), m_device);
    // Issue 22, part 4: a short CPU budget is best spent on a smaller model (core/lm/lmshape.h).
    m_autoShape = new QCheckBox(tr("The shape that learns most in the time budget on this device (measured)"), this);
    m_autoShape->setObjectName(QStringLiteral("autoShape"));
    m_autoShape->setChecked(true);
    form->addRow(tr("Model:"), m_autoShape);
    form->addRow(tr("Layers:"), m_layers);
    form->addRow(tr("Hidden size:"), m_hidden);
    form->addRow(tr("Attention heads:"), m_heads);
    form->addRow(tr("Context:"), m_context);
    form->addRow(tr("Windows per step:"), m_batch);
    auto showShape = [this]() {
        for (QWidget* w : std::initializer_list<QWidget*> { m_layers, m_hidden, m_heads, m_context, m_batch })
            w->setEnabled(!m_autoShape->isChecked() && m_train->isEnabled());
    };
    auto* where = new QLabel(controller->targetDir(), this);
    where->setTextInteractionFlags(Qt::TextSelectableByMouse);
    where->setWordWrap(true);
    form->addRow(tr("Saved in:"), where);
    layout->addLayout(form);

    m_status = new QLabel(
        controller->modelDir().isEmpty() ? tr("No reference model of this corpus yet.") : controller->summary(), this);
    m_status->setObjectName(QStringLiteral("referenceStatus"));
    m_status->setWordWrap(true);
    m_status->setToolTip(controller->details());
    layout->addWidget(m_status);
    auto* progressRow = new QHBoxLayout;
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_eta = new QLabel(this);
    m_eta->setObjectName(QStringLiteral("eta"));
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_eta);
    layout->addLayout(progressRow);
    m_log = new QPlainTextEdit(this);
    m_log->setObjectName(QStringLiteral("trainingLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(2000);
    m_log->setMinimumHeight(110);
    layout->addWidget(m_log, 1);

    auto* buttons = new QHBoxLayout;
    m_train = new QPushButton(tr("Train and Score a Sample"), this);
    m_train->setDefault(true);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setEnabled(false);
    m_whole = new QPushButton(tr("Score the Whole Corpus"), this);
    m_whole->setObjectName(QStringLiteral("scoreWholeCorpus"));
    m_whole->setEnabled(!controller->modelDir().isEmpty());
    m_whole->setToolTip(tr("Scores lm_loss and lm_bpb with the reference model for every document; the complete "
                           "columns go into the corpus's scores cache"));
    auto* close = new QPushButton(tr("Close"), this);
    close->setToolTip(tr("A training that runs goes on (the status bar follows it)"));
    buttons->addWidget(m_train);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    buttons->addWidget(m_whole);
    buttons->addWidget(close);
    layout->addLayout(buttons);

    connect(m_autoShape, &QCheckBox::toggled, this, showShape);
    showShape();
    connect(m_train, &QPushButton::clicked, this, &ReferenceLmDialog::startTraining);
    connect(m_cancel, &QPushButton::clicked, controller, &ReferenceLmController::cancel);
    connect(close, &QPushButton::clicked, this, &QDialog::accept);
    connect(m_whole, &QPushButton::clicked, this, [this]() {
        if (m_controller->scoreWholeCorpus())
            accept();
    });
    connect(controller, &ReferenceLmController::phaseChanged, this, [this](const QString& t) {
        m_status->setText(t);
        m_log->appendPlainText(t);
    });
    connect(controller, &ReferenceLmController::logLine, m_log, &QPlainTextEdit::appendPlainText);
    connect(controller, &ReferenceLmController::progress, this,
        [this](double fraction, double eta, qint64 step, double bpb) {
            m_progress->setValue(int(std::lround(fraction * 1000)));
            m_eta->setText(tr("step %L1, %2 bpb · %3").arg(step).arg(bpb, 0, 'f', 2).arg(remainingText(eta)));
        });
    connect(controller, &ReferenceLmController::sampleProgress, this, [this](quint64 done, quint64 chosen) {
        m_progress->setValue(chosen ? int(done * 1000 / chosen) : 0);
        m_eta->setText(tr("%L1 of %L2 documents").arg(done).arg(chosen));
    });
    connect(controller, &ReferenceLmController::trained, this, [this]() {
        m_status->setText(m_controller->summary());
        m_status->setToolTip(m_controller->details());
        m_log->appendPlainText(m_controller->details());
        m_whole->setEnabled(true);
    });
    connect(controller, &ReferenceLmController::sampleScored, this, [this](quint64 scored, quint64 total) {
        setRunning(false);
        m_progress->setValue(1000);
        m_eta->clear();
        m_status->setText(tr("%1\nlm_loss and lm_bpb are scored for a uniform sample of %L2 of %L3 documents; "
                             "Score the Whole Corpus fills in the rest.")
                              .arg(m_controller->summary())
                              .arg(scored)
                              .arg(total));
    });
    connect(controller, &ReferenceLmController::cancelled, this, [this]() {
        setRunning(false);
        m_eta->clear();
        m_status->setText(tr("Cancelled; the model there was before (if any) is unchanged."));
    });
    connect(controller, &ReferenceLmController::failed, this, [this](const QString& message) {
        setRunning(false);
        m_eta->clear();
        m_status->setText(tr("Failed: %1").arg(message));
        m_log->appendPlainText(message);
    });
    setRunning(controller->running());
    resize(640, 680);
}

void ReferenceLmDialog::setBudget(double minutes, qint64 maxSteps)
{
    m_minutes->setValue(minutes);
    m_steps->setValue(int(std::min<qint64>(maxSteps, m_steps->maximum())));
}

void ReferenceLmDialog::setSample(double maxMegabytes, qint64 maxDocuments)
{
    m_maxMb->setValue(maxMegabytes);
    m_maxDocs->setValue(int(std::min<qint64>(maxDocuments, m_maxDocs->maximum())));
}

void ReferenceLmDialog::setShape(int layers, int hidden, int heads, int context, int batch)
{
    m_autoShape->setChecked(false);
    m_layers->setValue(layers);
    m_hidden->setValue(hidden);
    m_heads->setValue(heads);
    m_context->setValue(context);
    m_batch->setValue(batch);
}

void ReferenceLmDialog::setDevice(const QString& device)
{
    if (m_device->findText(device) < 0)
        m_device->addItem(device);
    m_device->setCurrentIndex(m_device->findText(device));
}

QString ReferenceLmDialog::statusText() const
{
    return m_status->text();
}

QString ReferenceLmDialog::etaText() const
{
    return m_eta->text();
}

int ReferenceLmDialog::progressValue() const
{
    return m_progress->value();
}

void ReferenceLmDialog::setRunning(bool on)
{
    m_train->setEnabled(!on);
    m_cancel->setEnabled(on);
    for (QWidget* w :
        std::initializer_list<QWidget*> { m_minutes, m_steps, m_maxMb, m_maxDocs, m_seed, m_device, m_autoShape })
        w->setEnabled(!on);
    for (QWidget* w : std::initializer_list<QWidget*> { m_layers, m_hidden, m_heads, m_context, m_batch })
        w->setEnabled(!on && !m_autoShape->isChecked());
}

bool ReferenceLmDialog::startTraining()
{
    if (m_hidden->value() % m_heads->value() != 0) {
        m_log->appendPlainText(tr("The hidden size (%1) must be a multiple of the number of heads (%2).")
                                   .arg(m_hidden->value())
                                   .arg(m_heads->value()));
        return false;
    }
    if (m_minutes->value() <= 0 && m_steps->value() <= 0) {
        m_log->appendPlainText(tr("Give a time budget or a number of steps."));
        return false;
    }
    lm::TrainOptions o;
    o.minutes = m_minutes->value();
    o.maxSteps = m_steps->value();
    o.maxMegabytes = m_maxMb->value();
    o.maxDocuments = m_maxDocs->value();
    o.seed = uint64_t(m_seed->value());
    o.layers = m_layers->value();
    o.hidden = m_hidden->value();
    o.heads = m_heads->value();
    o.context = m_context->value();
    o.batch = m_batch->value();
    o.device = m_device->currentText().toStdString(); // "auto" is resolved by the training, off the GUI thread
    m_controller->setDevice(m_device->currentText());
    m_log->clear();
    m_progress->setValue(0);
    if (!m_controller->train(o, true, m_autoShape->isChecked())) {
        m_log->appendPlainText(tr("Cannot train now: no corpus is open, or a job of the reference model runs."));
        return false;
    }
    setRunning(true);
    return true;
}

} // namespace shardscope
