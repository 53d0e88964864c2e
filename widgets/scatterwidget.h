#pragma once
// Two score columns against each other: a density map (2-D histogram, log colour scale) or
// a point cloud (a random sample of up to kMaxPoints documents), with the box the active
// cutoffs keep drawn on top.

#include "corpusdata.h"

#include <filterconfig.h>

#include <QWidget>

#include <vector>

class QComboBox;
class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPGraph;
class QCPItemRect;
class QLabel;

namespace shardscope {

class ScatterWidget : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxPoints = 50000;
    enum class Mode { Density, Points };

    explicit ScatterWidget(QWidget* parent = nullptr);

    // Column names offered in the axis choosers; keeps the current choice when possible.
    void setColumns(const QStringList& names);
    void setAxes(const QString& x, const QString& y);
    QString xColumn() const;
    QString yColumn() const;
    void setMode(Mode mode);
    Mode mode() const { return m_mode; }

    // Recomputes the plot from the corpus (cheap: one pass over two columns).
    void setCorpus(const CorpusData* corpus);
    void refresh();
    // Draws the box of the rules on the two chosen columns.
    void setRules(const std::vector<FilterRule>& rules);

    QCustomPlot* plot() const { return m_plot; }

private:
    void rebuild();
    void updateBox();

    const CorpusData* m_corpus = nullptr;
    std::vector<FilterRule> m_rules;
    QComboBox* m_x = nullptr;
    QComboBox* m_y = nullptr;
    QComboBox* m_modeBox = nullptr;
    QLabel* m_info = nullptr;
    QCustomPlot* m_plot = nullptr;
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPGraph* m_points = nullptr;
    QCPItemRect* m_box = nullptr;
    Mode m_mode = Mode::Density;
};

} // namespace shardscope
