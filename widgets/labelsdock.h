#pragma once
// The Labels dock (issue 23): how many documents are labelled good and bad, the quality classifier's
// cross-validated AUC with its spread, the learning curve (CV AUC against the number of labels, with the
// spread over folds as error bars) and buttons for the label actions. It shows what it is given; the
// labels and the training live in the app's LabelController.

#include <QString>
#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPErrorBars;
class QCPGraph;
class QComboBox;
class QLabel;
class QAction;
class QGridLayout;

namespace shardscope {

// One point of the learning curve: the classifier trained on the first `labels` labels (in the order they
// were given), its cross-validated AUC and the standard deviation over folds.
struct LearningPoint {
    int labels = 0;
    double auc = 0;
    double std = 0;
};

class LabelsDock : public QWidget {
    Q_OBJECT
public:
    explicit LabelsDock(QWidget* parent = nullptr);

    // One button per action, in rows of three.
    void setActions(const QList<QAction*>& actions);
    void setCounts(size_t good, size_t bad);
    // The classifier's summary ("CV AUC 0.91 ± 0.03 (5 folds; …)"), or a state ("Training…"); "" clears it.
    void setSummary(const QString& text);
    void setLearningCurve(const std::vector<LearningPoint>& points);

    QString countsText() const;
    QString summaryText() const;
    QCustomPlot* plot() const { return m_plot; }
    // Which documents the table shows, by label: DocumentTableModel::LabelFilter's order.
    QComboBox* tableFilter() const { return m_show; }
    int curvePoints() const;

Q_SIGNALS:
    void tableFilterChanged(int filter);

protected:
    void changeEvent(QEvent* event) override;

private:
    void recolour();

    QLabel* m_counts = nullptr;
    QComboBox* m_show = nullptr;
    QLabel* m_summary = nullptr;
    QGridLayout* m_buttons = nullptr;
    QCustomPlot* m_plot = nullptr;
    QCPGraph* m_graph = nullptr;
    QCPErrorBars* m_errors = nullptr;
};

} // namespace shardscope
