#include "lmdialogs.h"

#include "languagemodelcontroller.h"

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
    m_builtin = new QRadioButton(builtin.isEmpty() ? tr("Built-in byte-level model (not installed)")
                                                   : tr("Built-in byte-level model"),
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
    for (QWidget* w : std::initializer_list<QWidget*> { m_maxDocs, m_maxMb, m_randomSample, m_minutes, m_steps, m_layers, m_hidden,
                                                        m_heads, m_context, m_device, m_out })
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
        QMetaObject::invokeMethod(this, [this, l = QString::fromStdString(line)]() { appendLog(l); }, Qt::QueuedConnection);
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
    m_future = QtConcurrent::run([o]() {
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

} // namespace shardscope
