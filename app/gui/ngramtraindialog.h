#pragma once
// The options of Language Model > Train N-gram Reference Model… (issue 22): order, the sample (percent of the
// records, seed), the held-out share, and whether to train one model per frequent language (part 3); then the
// training's progress with a Cancel button. "One model per frequent language" is on by default only when the
// corpus's reference is already a per-language set: the dialog does not see the corpus's lang column, and on a
// corpus of one language the option costs language identification over the sample, a second model and a slower
// scorer (langid on every document) for the same values. Training runs in
// NgramReferenceController, off the GUI thread; the dialog closes (accepted) when the model is saved.

#include <ngramtrainer.h>

#include <QDialog>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace shardscope {

class NgramReferenceController;

class NgramTrainDialog : public QDialog {
    Q_OBJECT
public:
    // `textBytes`: the open corpus's text, for the default sample (one that trains in seconds).
    NgramTrainDialog(NgramReferenceController* controller, uint64_t textBytes, QWidget* parent = nullptr);

    NgramTrainingOptions options() const;
    void setSamplePercent(double percent);
    void setOrder(int order);
    void setPerLanguage(bool on);
    // Starts training with options() (what the Train button does); false when it could not start.
    bool startTraining();

private:
    NgramReferenceController* m_controller;
    QSpinBox* m_order = nullptr;
    QDoubleSpinBox* m_percent = nullptr;
    QSpinBox* m_seed = nullptr;
    QDoubleSpinBox* m_heldOut = nullptr;
    QCheckBox* m_perLanguage = nullptr;
    QSpinBox* m_minDocs = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_state = nullptr;
    QPushButton* m_train = nullptr;
    QPushButton* m_cancel = nullptr;
};

} // namespace shardscope
