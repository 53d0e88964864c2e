#pragma once
// The "Language model" menu's dialogs (issue 4): choosing the model and device the `lm` scorer
// uses, and training a byte-level reference model on a sample of the open corpus. Built only
// with SHARDSCOPE_HAVE_TORCH; they talk to the engine through core/lm/lmapi.h and lmtrain.h,
// which include no libtorch headers.

#include <QDialog>
#include <QFuture>
#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace shardscope {

class ReferenceLmController;

// The devices offered: "auto" first, then what lmapi reports (cpu, cuda:N).
QStringList lmDeviceChoices();

class LmScoreDialog : public QDialog {
    Q_OBJECT
public:
    LmScoreDialog(const QString& modelDir, const QString& device, QWidget* parent = nullptr);

    QString modelDir() const; // empty: the built-in model
    QString device() const; // "auto", "cpu", "cuda:N"
    void setModelDir(const QString& dir);

    // What is missing from a model directory, or empty when it looks complete: config.json,
    // model.safetensors, and tokenizer.json or vocab.json + merges.txt (a Shardscope byte model
    // needs no tokenizer file).
    static QString checkModelDirectory(const QString& dir);

    void accept() override;

private:
    QRadioButton* m_builtin = nullptr;
    QRadioButton* m_custom = nullptr;
    QLineEdit* m_dir = nullptr;
    QComboBox* m_device = nullptr;
    QLabel* m_problem = nullptr;
};

class TrainLmDialog : public QDialog {
    Q_OBJECT
public:
    TrainLmDialog(const QStringList& inputs, const QString& textField, QWidget* parent = nullptr);
    ~TrainLmDialog() override; // stops the training and waits for it

    // The form, for tests and callers that preset it.
    void setSample(qint64 maxDocuments, double maxMegabytes);
    void setBudget(double minutes, qint64 maxSteps);
    void setShape(int layers, int hidden, int heads, int context);
    void setOutputDirectory(const QString& dir);
    QString outputDirectory() const;
    QString device() const;

    void startTraining();
    void cancelTraining();
    bool running() const { return m_running; }
    QString logText() const;
    int progressValue() const; // 0..1000

Q_SIGNALS:
    // Training ended: ok (a model was written), cancelled, or failed with `message`.
    void trainingFinished(bool ok, bool cancelled, const QString& message);
    // "Score with this model" was pressed.
    void scoreRequested(const QString& modelDir, const QString& device);

protected:
    void reject() override;

private:
    void appendLog(const QString& line);
    void setRunning(bool on);

    QStringList m_inputs;
    QString m_textField;
    bool m_running = false;
    std::shared_ptr<std::atomic<bool>> m_stop;
    QFuture<void> m_future;

    QSpinBox* m_maxDocs = nullptr;
    QDoubleSpinBox* m_maxMb = nullptr;
    QCheckBox* m_randomSample = nullptr;
    QDoubleSpinBox* m_minutes = nullptr;
    QSpinBox* m_steps = nullptr;
    QSpinBox* m_layers = nullptr;
    QSpinBox* m_hidden = nullptr;
    QSpinBox* m_heads = nullptr;
    QSpinBox* m_context = nullptr;
    QComboBox* m_device = nullptr;
    QLineEdit* m_out = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_train = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_score = nullptr;
    QPushButton* m_close = nullptr;
};

// Language Model > Train Reference Model… (issue 22): the one action that trains the open corpus's reference
// model (ReferenceLmController: a uniform sample of the corpus, a time budget, the GPU when there is one), saves it
// in the corpus's cache directory and scores a sample of the corpus with it; then the whole corpus on request.
// Not modal; closing it leaves the training running (the status bar follows it), Cancel stops it.
class ReferenceLmDialog : public QDialog {
    Q_OBJECT
public:
    ReferenceLmDialog(ReferenceLmController* controller, QWidget* parent = nullptr);

    // The form, for tests and callers that preset it.
    void setBudget(double minutes, qint64 maxSteps);
    void setSample(double maxMegabytes, qint64 maxDocuments);
    // A shape of one's own (the budget's choice is the default).
    void setShape(int layers, int hidden, int heads, int context, int batch = 16);
    void setDevice(const QString& device);
    // Starts the training; false (with the reason in the log) when the form is not valid or a job runs.
    bool startTraining();
    QString statusText() const;
    QString etaText() const;
    int progressValue() const; // 0..1000
    QPushButton* cancelButton() const { return m_cancel; }
    QPushButton* wholeCorpusButton() const { return m_whole; }

private:
    void setRunning(bool on);

    ReferenceLmController* m_controller = nullptr;
    QDoubleSpinBox* m_minutes = nullptr;
    QSpinBox* m_steps = nullptr;
    QDoubleSpinBox* m_maxMb = nullptr;
    QSpinBox* m_maxDocs = nullptr;
    QSpinBox* m_layers = nullptr;
    QSpinBox* m_hidden = nullptr;
    QSpinBox* m_heads = nullptr;
    QSpinBox* m_context = nullptr;
    QSpinBox* m_batch = nullptr;
    QSpinBox* m_seed = nullptr;
    QComboBox* m_device = nullptr;
    QCheckBox* m_autoShape = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_eta = nullptr;
    QProgressBar* m_progress = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QPushButton* m_train = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_whole = nullptr;
};

} // namespace shardscope
