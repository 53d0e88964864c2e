#pragma once
// The active rules and what they do: kept and dropped counts in documents and bytes, overall,
// per rule and per group, updated on every cutoff move; and the document views it offers to
// the table (dropped only, borderline around each cutoff, a random sample of the dropped);
// the counts per group or per label of a categorical column (e.g. per language); the
// overrides of the selected rule (per group or per label: min, max, disabled), editable; and
// cutoff suggestions for the selected rule (percentile, mean ± k·sd, median ± k·MAD, overall
// and per key, with what each would drop) that the user accepts one by one. The panel
// computes nothing itself: suggestions are computed off the GUI thread by its owner.

#include "filterevaluator.h"
#include "samplescope.h"

#include <suggest.h>

#include <QAbstractTableModel>
#include <QWidget>

#include <string>
#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;
class QTableWidget;
class QTabWidget;

namespace shardscope {

// Per-group counts as a table model: rows are groups, columns docs/kept/dropped/%/bytes.
class GroupCountsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        GroupColumn,
        DocsColumn,
        KeptColumn,
        DroppedColumn,
        DroppedPercentColumn,
        DroppedBytesColumn,
        ColumnCount
    };
    using QAbstractTableModel::QAbstractTableModel;

    void setCounts(const std::vector<KeepCounts>& perGroup, const std::vector<std::string>& names);
    // Counts of a sample (active): rows show estimates for the corpus and the dropped share's 95% interval.
    void setSample(const SampleScope& sample);
    void clear();
    // The first column's title: "Group", or the categorical column of a per-label breakdown.
    void setKeyTitle(const QString& title);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<KeepCounts> m_counts;
    std::vector<QString> m_names;
    QString m_keyTitle;
    SampleScope m_sample;
};

class ThresholdPanel : public QWidget {
    Q_OBJECT
public:
    enum class View { All, Kept, Dropped, Borderline, RandomDropped };
    explicit ThresholdPanel(QWidget* parent = nullptr);

    void setRules(const std::vector<FilterRule>& rules);
    void setCounts(const FilterCounts& counts, const std::vector<std::string>& groupNames);
    // The counts come from a sample of the corpus (issue 21): kept and dropped are shown as estimates with their
    // 95% intervals, "estimated from n of N documents", until an inactive scope makes them exact again.
    // `fullPassFollows`: the whole corpus is being scanned, and Stop at sample is offered.
    void setSample(const SampleScope& sample, bool fullPassFollows);
    const SampleScope& sample() const { return m_sampleScope; }
    QString sampleText() const;
    QPushButton* stopAtSampleButton() const { return m_stopAtSample; }
    void clear();
    // What overrides can be keyed by: the corpus's groups and its categorical columns.
    void setKeyChoices(const std::vector<std::string>& groups, const std::vector<ColumnInfo>& categorical);
    // Suggestions for rule `rule` (on `column`), shown in the Suggestions tab.
    void setSuggestions(int rule, const std::string& column, std::vector<CutoffSuggestion> suggestions);
    const std::vector<CutoffSuggestion>& suggestions() const { return m_suggestionList; }
    // Accepts the suggestion in row `row` of the suggestions table (as the Accept button does).
    bool acceptSuggestion(int row);
    // The rule whose overrides the editor shows (the selected row of the rules table).
    int currentRule() const;
    void setCurrentRule(int rule);
    // The categorical column of the breakdown ("" = per group).
    QString breakdownColumn() const;
    void setBreakdownColumn(const QString& column);

    View view() const;
    void setView(View view);
    int sampleSize() const;

    QString keptText() const;
    QString droppedText() const;
    GroupCountsModel* groupModel() const { return m_groupModel; }
    QTableWidget* rulesTable() const { return m_rules; }
    QTableWidget* overridesTable() const { return m_overrides; }
    QTableWidget* suggestionsTable() const { return m_suggestTable; }
    QComboBox* byBox() const { return m_byBox; }
    QComboBox* addKeyBox() const { return m_addKey; }
    QTabWidget* tabs() const { return m_tabs; }
    // Adds an override for `key` (as the Add button does), starting from the rule's own bounds.
    bool addOverride(const QString& key);

    static QString formatBytes(uint64_t bytes);

signals:
    void viewRequested(shardscope::ThresholdPanel::View view);
    void removeRuleRequested(const QString& column);
    void clearRulesRequested();
    // A rule changed in the panel (overrides edited, a suggestion accepted).
    void ruleEdited(int index, const shardscope::FilterRule& rule);
    void suggestRequested(int index);
    void breakdownChanged(const QString& column);
    void stopAtSampleRequested();

private:
    void confirmClearAll();
    void showTotals();
    void updateRulesTable();
    void updateOverridesEditor();
    void updateKeyChoices();
    void onOverrideItemChanged(int row, int column);
    void emitEdited(int index, FilterRule rule);

    std::vector<FilterRule> m_ruleList;
    FilterCounts m_counts;
    QLabel* m_kept = nullptr;
    QLabel* m_dropped = nullptr;
    QWidget* m_sampleRow = nullptr;
    QLabel* m_sampleNote = nullptr;
    QPushButton* m_stopAtSample = nullptr;
    SampleScope m_sampleScope;
    QTableWidget* m_rules = nullptr;
    QTableView* m_groups = nullptr;
    GroupCountsModel* m_groupModel = nullptr;
    QComboBox* m_viewBox = nullptr;
    QSpinBox* m_sample = nullptr;
    QPushButton* m_resample = nullptr;
    QTabWidget* m_tabs = nullptr;
    QComboBox* m_breakdownBox = nullptr;
    QComboBox* m_byBox = nullptr;
    QComboBox* m_addKey = nullptr;
    QTableWidget* m_overrides = nullptr;
    QLabel* m_overridesLabel = nullptr;
    QTableWidget* m_suggestTable = nullptr;
    QLabel* m_suggestLabel = nullptr;
    QPushButton* m_suggest = nullptr;
    bool m_updatingOverrides = false;
    std::vector<std::string> m_groupChoices;
    std::vector<ColumnInfo> m_categorical;
    std::vector<CutoffSuggestion> m_suggestionList;
    int m_suggestRule = -1;
    std::string m_suggestColumn;
};

} // namespace shardscope
