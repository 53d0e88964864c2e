#pragma once
// The Language Model menu (issue 4): which model and device the `lm` scorer and the token-loss
// view use, loading a model before the open corpus is rescored with it, and the score and
// training dialogs. This is the one place in the app that sets the engine's process-wide
// language-model options (lmOptions()), so they can later become explicit scorer parameters.
// Without SHARDSCOPE_HAVE_TORCH it only remembers the choice.

#include "jobtracker.h"

#include <QObject>
#include <QString>
#include <QStringList>

class QDialog;
class QWidget;

namespace shardscope {

class ReferenceLmController;

class LanguageModelController : public QObject {
    Q_OBJECT
public:
    explicit LanguageModelController(QObject* parent = nullptr);

    // Whether this build can run a language model at all.
    static bool available();
    // What the built-in model is, said honestly where a model is chosen (issue 22).
    static QString builtinModelDescription();

    // An empty directory is the built-in model; device "auto", "cpu" or "cuda:N". Takes effect
    // for the next scan; statusChanged() follows once the device is resolved and the model named.
    void setLanguageModel(const QString& modelDir, const QString& device);
    // Loads the model in the background: loaded() when it works (the caller rescans with `lm`),
    // otherwise failed() and the previous choice is back.
    void load(const QString& modelDir, const QString& device);
    QString modelDir() const { return m_modelDir; }
    QString device() const { return m_device; }
    // "LM: <model> on <device>" for the status bar.
    QString status() const { return m_status; }

    // Non-modal dialogs over `parent`: choosing a model to score with (load() on OK), and training
    // a reference model on `inputs` (its "score with it" also calls load()).
    void openScoreDialog(QWidget* parent);
    void openTrainDialog(QWidget* parent, const QStringList& inputs, const QString& textField);
    // Train Reference Model… (issue 22): the open corpus's reference model in one action, through `reference`.
    // Returns the dialog (null in a build without language models).
    QDialog* openReferenceDialog(QWidget* parent, ReferenceLmController* reference);

    // True when a --scorers list names the language model's columns.
    static bool namesLanguageModel(const std::string& scorers);
    // `scorers` with `lm` added.
    static std::string withLanguageModel(const std::string& scorers);

Q_SIGNALS:
    void statusChanged(const QString& text, const QString& toolTip);
    // The model and device now in use are resolved and named (status() says which).
    void changed();
    void loading();
    void loaded();
    void failed(const QString& error);

private:
    // The status text of the current choice, made off the GUI thread (statusChanged(), changed()).
    void describe();

    QString m_modelDir;
    QString m_device = QStringLiteral("auto");
    QString m_status;
    JobTracker m_jobs;
    JobTracker::Token m_job = 0; // of the last setLanguageModel()
};

} // namespace shardscope
