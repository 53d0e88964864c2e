#pragma once
// Labels and the quality classifier in the GUI (issue 23): the labels of the open corpus (core/labels.h),
// kept beside its scores and saved atomically a moment after each change, their undo history, training the
// classifier off the GUI thread into a `quality` column, and the "label next" loop (core/labelnext.h).
//
// The controller owns its actions (Mark Good G, Mark Bad B, Clear Label 0, Label Next N, Train Ctrl+T,
// Import/Export, Undo/Redo Label); the window only puts them in menus and connects the signals. Labels have
// their own undo stack, not the filter's: a label is data about a document, a rule is a view of the corpus,
// and undoing a cutoff drag must not take a label back (or the other way round).
//
// Jobs (training, label next) take value copies of the score columns on the GUI thread and run on a worker;
// each carries a JobTracker token and a stop flag, and another corpus or a newer job makes its result stale.

#include "jobtracker.h"

#include <labels.h>
#include <labelsdock.h>

#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QAction;
class QUndoStack;

namespace shardscope {

class CorpusData;
class CorpusSession;

class LabelController : public QObject {
    Q_OBJECT
public:
    explicit LabelController(CorpusSession* session, QObject* parent = nullptr);
    ~LabelController() override;

    // The document the label keys act on (the window's: the one in the viewer).
    void setCurrentDocument(std::function<std::optional<uint32_t>()> current) { m_current = std::move(current); }

    QAction* markGoodAction() const { return m_good; }
    QAction* markBadAction() const { return m_bad; }
    QAction* clearAction() const { return m_clear; }
    QAction* labelNextAction() const { return m_next; }
    QAction* trainAction() const { return m_train; }
    QAction* importAction() const { return m_import; }
    QAction* exportAction() const { return m_export; }
    QAction* undoAction() const { return m_undoAction; }
    QAction* redoAction() const { return m_redoAction; }
    QUndoStack* undoStack() const { return m_undo; }

    const LabelSet& labels() const { return m_labels; }
    std::optional<Label> labelOf(uint32_t doc) const;
    // Where the labels of the open corpus are saved; "" when it has no cache directory (shown from memory).
    QString labelsPath() const { return m_path; }
    size_t count(Label l) const { return m_labels.count(l); }
    // Per document of the open corpus: 0 no label, 1 bad, 2 good (DocumentTableModel's label mask).
    const std::vector<uint8_t>& labelMask() const { return m_mask; }

    // Labels a document (nullopt: clears it): one undo step. False when nothing changed or no corpus is open.
    bool setLabel(uint32_t doc, std::optional<Label> label);
    // Adds the labels of a TSV file (id<TAB>label) as one undo step; ids that match no document are kept and
    // counted in *unknown. False with *error on a malformed file.
    bool importLabels(const QString& path, QString* error = nullptr, size_t* unknown = nullptr);
    bool exportLabels(const QString& path, QString* error = nullptr) const;
    // Writes the labels now (the window closes, another corpus opens).
    void saveNow();

    // Trains the classifier in the background and adds (or replaces) the `quality` column. Returns at once;
    // false when it cannot start (no finished corpus, fewer than 2 good and 2 bad labels), with the reason in
    // trainingFailed().
    bool train();
    bool training() const { return m_training; }
    // The last training's summary (core ClassifierResult::summary), "" before one.
    QString summary() const { return m_summary; }
    const std::vector<LearningPoint>& learningCurve() const { return m_curve; }

    // Shows the next document to label (showRequested): from the queue of the last selection, or a new
    // selection computed in the background. Labelling the document it showed moves on to the next one.
    void labelNext();
    std::optional<uint32_t> nextShown() const { return m_nextShown; }

Q_SIGNALS:
    void labelsChanged();
    // The labels were written to labelsPath().
    void saved();
    void showRequested(uint32_t doc, const QString& why);
    void trainingStarted();
    // The `quality` column is in the table (added or replaced).
    void trained(const QString& column, const QString& summary);
    void trainingFailed(const QString& message);
    void message(const QString& text);

private:
    friend class LabelCommand;
    void onStarted();
    void reset();
    // Replaces the whole set (undo/redo and the commands' first redo).
    void applySet(const LabelSet& labels, std::optional<uint32_t> doc = std::nullopt);
    void push(LabelSet after, const QString& text, std::optional<uint32_t> doc = std::nullopt);
    void scheduleSave();
    bool corpusReady(QString* why) const;
    void showNextFromQueue();
    void updateActions();
    void updateMask();
    // The classifier last trained for this corpus (saved beside its labels) gives the quality column again when
    // the corpus is opened: computed from the table's columns in the background, no training, no text read.
    void restoreClassifier();
    QString classifierDir() const;

    CorpusSession* m_session;
    std::function<std::optional<uint32_t>()> m_current;
    LabelSet m_labels;
    std::vector<uint8_t> m_mask;
    QString m_path;
    QUndoStack* m_undo = nullptr;
    QTimer m_saveTimer;
    QThreadPool m_savePool; // one thread: saves land in the order they were made

    QAction* m_good = nullptr;
    QAction* m_bad = nullptr;
    QAction* m_clear = nullptr;
    QAction* m_next = nullptr;
    QAction* m_train = nullptr;
    QAction* m_import = nullptr;
    QAction* m_export = nullptr;
    QAction* m_undoAction = nullptr;
    QAction* m_redoAction = nullptr;

    JobTracker m_trainJobs;
    JobTracker m_nextJobs;
    std::shared_ptr<std::atomic<bool>> m_stop;
    bool m_training = false;
    bool m_selecting = false;
    QString m_summary;
    std::vector<LearningPoint> m_curve;
    std::deque<uint32_t> m_queue; // label next: the rest of the last selection
    std::deque<QString> m_why; // why each was picked (tail, uncertain, random)
    std::optional<uint32_t> m_nextShown; // the document label next showed, until it is labelled
};

} // namespace shardscope
