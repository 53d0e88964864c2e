#pragma once
// The active rules and what they do: kept and dropped counts in documents and bytes, overall,
// per rule and per group, updated on every cutoff move; and the document views it offers to
// the table (dropped only, borderline around each cutoff, a random sample of the dropped).

#include "filterevaluator.h"

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

namespace shardscope {

// Per-group counts as a table model: rows are groups, columns docs/kept/dropped/%/bytes.
class GroupCountsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { GroupColumn, DocsColumn, KeptColumn, DroppedColumn, DroppedPercentColumn, DroppedBytesColumn, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setCounts(const std::vector<KeepCounts>& perGroup, const std::vector<std::string>& names);
    void clear();

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<KeepCounts> m_counts;
    std::vector<QString> m_names;
};

class ThresholdPanel : public QWidget {
    Q_OBJECT
public:
    enum class View { All, Kept, Dropped, Borderline, RandomDropped };
    explicit ThresholdPanel(QWidget* parent = nullptr);

    void setRules(const std::vector<FilterRule>& rules);
    void setCounts(const FilterCounts& counts, const std::vector<std::string>& groupNames);
    void clear();

    View view() const;
    void setView(View view);
    int sampleSize() const;

    QString keptText() const;
    QString droppedText() const;
    GroupCountsModel* groupModel() const { return m_groupModel; }
    QTableWidget* rulesTable() const { return m_rules; }

    static QString formatBytes(uint64_t bytes);

signals:
    void viewRequested(shardscope::ThresholdPanel::View view);
    void removeRuleRequested(const QString& column);
    void clearRulesRequested();

private:
    void updateRulesTable();

    std::vector<FilterRule> m_ruleList;
    FilterCounts m_counts;
    QLabel* m_kept = nullptr;
    QLabel* m_dropped = nullptr;
    QTableWidget* m_rules = nullptr;
    QTableView* m_groups = nullptr;
    GroupCountsModel* m_groupModel = nullptr;
    QComboBox* m_viewBox = nullptr;
    QSpinBox* m_sample = nullptr;
    QPushButton* m_resample = nullptr;
};

} // namespace shardscope
