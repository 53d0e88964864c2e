#pragma once
// File > Add Scorers… (issue 21, part 3): the scorers the open corpus has no columns for yet, each with the
// time scoring the whole corpus would take, measured on a sample of the corpus's own texts off the GUI
// thread. The chosen ones are scored as columns added to the corpus on display (CorpusSession::scoreColumns):
// nothing already computed is scored again.

#include <corpusdata.h>
#include <documentsource.h>

#include <QDialog>
#include <QFuture>
#include <QStringList>

#include <atomic>
#include <memory>

class QTableWidget;
class QLabel;
class QPushButton;

namespace shardscope {

struct ScorerEstimate;

class AddScorerDialog : public QDialog {
    Q_OBJECT
public:
    // `threads`: the scan's thread count (0: all cores), for the estimate. `modelSpecs`: the corpus's reference
    // models as scorer specs (`ngram:model=DIR` from NgramReferenceController, `lm:model=DIR` from
    // ReferenceLmController; empty entries are ignored), with which their scorers are offered (ngram without a model
    // is listed as not available, lm without one runs the built-in model).
    AddScorerDialog(std::shared_ptr<const CorpusData> corpus, std::shared_ptr<DocumentSource> source, int threads,
        QWidget* parent = nullptr, const QStringList& modelSpecs = {});
    ~AddScorerDialog() override;

    // Scorers offered (not computed yet and able to run here), in registry order.
    QStringList offered() const;
    // The checked ones, as --scorers takes them (with their parameters: a reference model).
    std::string chosen() const;
    void setChecked(const QString& scorer, bool on);
    // The estimate shown for a scorer ("" while it is measured).
    QString estimateText(const QString& scorer) const;
    bool estimatesDone() const { return m_pending == 0; }

    // "about 40 s", "about 3 h 20 min".
    static QString humanDuration(double seconds);

Q_SIGNALS:
    // One scorer's estimate is in (tests wait for it).
    void estimated(const QString& scorer);

private:
    int rowOf(const QString& scorer) const;
    void showEstimate(const ScorerEstimate& e);

    QTableWidget* m_table = nullptr;
    QLabel* m_note = nullptr;
    QPushButton* m_ok = nullptr;
    int m_pending = 0;
    QFuture<void> m_job; // not waited for: it holds what it reads, and stops at m_stop
    // Set when the dialog goes: the sampling job stops at its next scorer.
    std::shared_ptr<std::atomic<bool>> m_stop = std::make_shared<std::atomic<bool>>(false);
};

} // namespace shardscope
