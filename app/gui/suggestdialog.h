#pragma once
// "Suggest cutoffs" (issue 20): the user picks the columns, the method of core/suggest.h
// (percentiles, mean ± k·sd, median ± k·1.4826·MAD), its parameters, one or both sides and
// whether cutoffs are computed over all documents, per group or per label of a categorical
// column; a preview shows what each suggested cutoff would drop (documents and the fraction
// of those considered), computed on a worker; Apply writes the cutoffs into the rules through
// FilterState::setRules, one undoable step.

#include "jobtracker.h"

#include <corpusdata.h>
#include <samplescope.h>
#include <suggest.h>

#include <QDialog>
#include <QTimer>

#include <memory>
#include <string>
#include <vector>

class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QTableWidget;

namespace shardscope {

class FilterState;

class SuggestDialog : public QDialog {
    Q_OBJECT
public:
    enum class Sides { Both, MinOnly, MaxOnly };
    // Values below this per key get no per-key cutoff (as the panel's suggestions).
    static constexpr uint64_t kMinValuesPerKey = 50;

    // `column`: the column ticked first ("" = the columns of the current rules).
    SuggestDialog(FilterState* filter, std::shared_ptr<const CorpusData> corpus, const std::string& column,
        QWidget* parent = nullptr);
    // Opens a dialog (deleted on close) for rule `ruleIndex` of `filter`, window-modal.
    // `sample`: the corpus on display is a sample (issue 21); inactive when it is the whole corpus.
    static SuggestDialog* openFor(FilterState* filter, std::shared_ptr<const CorpusData> corpus, int ruleIndex,
        QWidget* parent, const SampleScope& sample = {});

    // The documents are a sample of a larger corpus: the preview's shares carry their 95% interval, and the
    // cutoffs applied record in their provenance that they came from this sample (as `suggest --sample` does).
    void setSample(const SampleScope& sample);

    void setColumns(const QStringList& columns);
    QStringList checkedColumns() const;
    void setMethod(SuggestMethod method);
    void setParameters(double low, double high);
    void setSides(Sides sides);
    // "" = all documents, "group" = per group, else the categorical column's name.
    void setScope(const QString& scope);
    SuggestSpec spec() const;

    // The preview (valid after previewReady()).
    const std::vector<CutoffSuggestion>& suggestions() const { return m_suggestions; }
    QTableWidget* previewTable() const { return m_table; }
    bool busy() const { return m_busy; }
    // The rules Apply would set.
    std::vector<FilterRule> proposedRules() const;

public Q_SLOTS:
    void apply();

Q_SIGNALS:
    void previewReady();

private:
    void schedule();
    void compute();
    void showPreview();
    void methodChanged();

    FilterState* m_filter;
    std::shared_ptr<const CorpusData> m_corpus;
    QListWidget* m_columns = nullptr;
    QComboBox* m_method = nullptr;
    QDoubleSpinBox* m_low = nullptr;
    QDoubleSpinBox* m_high = nullptr;
    QLabel* m_lowLabel = nullptr;
    QLabel* m_highLabel = nullptr;
    QComboBox* m_sides = nullptr;
    QComboBox* m_scope = nullptr;
    QTableWidget* m_table = nullptr;
    QLabel* m_status = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    QTimer m_timer;
    JobTracker m_jobs;
    bool m_busy = false;
    std::vector<CutoffSuggestion> m_suggestions;
    SuggestSpec m_previewSpec; // the spec and scope the preview was computed with
    std::string m_previewScope;
    SampleScope m_sample;
};

} // namespace shardscope
