#pragma once
// The histograms dock: a chooser over a scrolling stack of HistogramWidgets. Engines emit
// dozens of columns; the stack shows the chosen ones and every column with a rule, so each
// cutoff can be seen and dragged. It owns the plots and which columns are on display; the
// rules and statistics come from outside.
//
// Each plot can show one group alone (its group box): the lines are then that group's bounds
// (its override of the column's rule, else the rule's own), and a line set there is reported
// as groupBoundsChanged() instead of boundsChanged(). When the column's rule has per-label
// overrides ("by": a categorical column such as lang), the box lists that column's labels
// instead. The values are split from the summary on a worker thread. A histogram added from the chooser is scrolled
// into view.

#include <columnsummary.h>
#include <corpusdata.h>
#include <filterconfig.h>

#include <QStringList>
#include <QWidget>

#include <map>
#include <memory>
#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QScrollArea;
class QVBoxLayout;

namespace shardscope {

class HistogramWidget;

class HistogramStack : public QWidget {
    Q_OBJECT
public:
    explicit HistogramStack(QWidget* parent = nullptr);

    // A new corpus (null: none): `wanted` columns in order, skipping those it lacks; the first
    // two when none is left. `promoteLm`: lm_bpb and lm_loss go on display when the corpus has
    // them; returns whether they did.
    bool setCorpus(std::shared_ptr<const CorpusData> corpus, const QStringList& wanted, bool promoteLm = false);
    void clear() { setCorpus(nullptr, {}); }
    // The same columns in another object (scores loaded from the cache replace the empty corpus
    // the scan started with): the plots stay.
    void replaceCorpus(std::shared_ptr<const CorpusData> corpus);

    // Histograms on display, in order.
    const QStringList& shownColumns() const { return m_shown; }
    HistogramWidget* histogram(const QString& column) const;
    void showColumn(const QString& column);
    // Refused (message()) while the column has a rule.
    void hideColumn(const QString& column);

    // The rules' columns join the display; `moveLines`: the lines move to the rules' bounds
    // (a line being dragged is already where it belongs).
    void setRules(const std::vector<FilterRule>& rules, bool moveLines);
    void setSummary(std::shared_ptr<const CorpusSummary> summary);
    // `rules` with the override of `column`'s rule for `key` (a group, or a label of the rule's
    // `by` column) set to [min, max], the rule created when there is none: what a
    // groupBoundsChanged() asks of the filter.
    static std::vector<FilterRule> withOverrideBounds(std::vector<FilterRule> rules, const QString& column,
        const QString& key, std::optional<double> min, std::optional<double> max);
    void toggleLogScale();
    void toggleGroupOverlay();

Q_SIGNALS:
    void boundsChanged(const QString& column, std::optional<double> min, std::optional<double> max);
    // A line moved while the plot of `column` shows one group alone, or one label of the
    // rule's `by` column when its overrides are per label: both bounds of that key's override
    // (an override replaces the rule's bounds as a whole). withOverrideBounds() applies it.
    void groupBoundsChanged(
        const QString& column, const QString& key, std::optional<double> min, std::optional<double> max);
    void dragFinished();
    // The user added or closed a histogram.
    void shownColumnsChanged(const QStringList& columns);
    // The set of plots changed (the plot export menu follows).
    void plotsChanged();
    // A plot was added whose column has no statistics yet.
    void summaryMissing();
    void message(const QString& text);

private:
    void ensure();
    const FilterRule* ruleFor(const QString& column) const;
    // What the plot of `column` is split by: a rule's `by` column (its overrides are per
    // label), else "" (per group). keyName: the group or label of a key of that split.
    std::string splitKeyFor(const QString& column) const;
    QString keyName(const QString& column, int key) const;
    // The lines of a plot from the rules: the group's bounds when it shows one group.
    void applyBounds(const QString& column, HistogramWidget* h);
    void onUserBounds(const QString& column, HistogramWidget* h);
    // Splits the summary of every plotted column by group on a worker; the plots get them after.
    void requestGroupValues();

    std::shared_ptr<const CorpusData> m_corpus;
    std::shared_ptr<const CorpusSummary> m_summary;
    std::vector<FilterRule> m_rules;
    QStringList m_shown;
    std::map<QString, HistogramWidget*> m_histograms;
    QComboBox* m_add = nullptr;
    QScrollArea* m_scroll = nullptr;
    uint64_t m_groupJob = 0; // results of an older split are dropped
    std::map<QString, std::string> m_splitBy; // per plot, what its group values are split by
    QWidget* m_container = nullptr;
    QVBoxLayout* m_layout = nullptr;
    QLabel* m_placeholder = nullptr;
};

} // namespace shardscope
