#pragma once
// One score's histogram with a draggable minimum and maximum cutoff line.
//
// The lines are QCPItemStraightLines on their own buffered layer, so dragging one re-renders
// that layer only, not the bars (Graphia's graphsizeestimateplot does the same). A press
// within kGrabPixels of a line grabs it, range dragging is off while it is held, the value is
// clamped to the data range, and cutoffChanged() is emitted on every move. Regions the
// cutoffs drop are shaded. The spin boxes above the plot follow the lines and vice versa.
//
// A categorical column (e.g. lang) is drawn as counts per category instead: the kMaxCategoryBars
// most frequent categories as labelled bars, most frequent first. A min/max cutoff over category
// indices means nothing, so there the cutoff lines, their controls and dragging are off (bounds
// set from a config are kept but not drawn).

#include "columnsummary.h"

#include <QStringList>
#include <QWidget>

#include <optional>
#include <string>
#include <vector>

class QCustomPlot;
class QCPBars;
class QCPItemRect;
class QCPItemStraightLine;
class QCPItemText;
class QCPLayer;
class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QMouseEvent;

namespace shardscope {

class HistogramWidget : public QWidget {
    Q_OBJECT
public:
    enum class Edge { Min, Max };
    static constexpr int kGrabPixels = 5;
    static constexpr int kMaxCategoryBars = 20;

    explicit HistogramWidget(const QString& column, QWidget* parent = nullptr);
    ~HistogramWidget() override;

    QString column() const { return m_column; }
    void setSummary(const ColumnSummary& summary, const std::vector<std::string>& groupNames);
    void clear();
    bool hasData() const { return m_hasData; }
    bool categorical() const { return m_categorical; }
    // The categories drawn as bars, left to right, and their counts (categorical columns).
    QStringList categoryLabels() const;
    std::vector<uint64_t> categoryCounts() const;

    // Sets both bounds (nullopt: no bound) without emitting signals: used when a config is
    // loaded or rules are restored.
    void setBounds(std::optional<double> min, std::optional<double> max);
    std::optional<double> minCutoff() const { return m_min; }
    std::optional<double> maxCutoff() const { return m_max; }

    void setLogScale(bool on);
    bool logScale() const { return m_log; }
    void setGroupOverlay(bool on);
    bool groupOverlay() const { return m_overlay; }

    QCustomPlot* plot() const { return m_plot; }
    QDoubleSpinBox* spinBox(Edge edge) const;
    QCheckBox* enableBox(Edge edge) const;
    // Where a cutoff line is drawn, in plot widget pixels (x), for tests and hit testing.
    double linePixel(Edge edge) const;
    // Position of the line drawn for an edge (its bound, or the data edge when unset).
    double lineValue(Edge edge) const;
    // Clamp range of the lines.
    double clampLow() const { return m_clampLo; }
    double clampHigh() const { return m_clampHi; }

signals:
    // A cutoff moved (drag, spin box or checkbox); value is the moved line's position.
    void cutoffChanged(double value);
    // Either bound changed by the user; read minCutoff()/maxCutoff().
    void boundsChanged();
    void dragFinished();
    // The close button in the title row was clicked.
    void closeRequested();

protected:
    void changeEvent(QEvent* event) override;

private:
    void onMousePress(QMouseEvent* event);
    void onMouseMove(QMouseEvent* event);
    void onMouseRelease(QMouseEvent* event);
    std::optional<Edge> hitTest(double px) const;
    void setEdgeValue(Edge edge, std::optional<double> value, bool fromUser);
    void updateCutoffItems();
    void updateAxes();
    void rebuildPlottables();
    void applyPalette();
    void syncControls();
    void replotCutoffs();
    void setCategorical(bool on);
    void updateCategoryTicks();

    QString m_column;
    QCustomPlot* m_plot = nullptr;
    QCPLayer* m_cutoffLayer = nullptr;
    QCPBars* m_bars = nullptr;
    QCPItemStraightLine* m_minLine = nullptr;
    QCPItemStraightLine* m_maxLine = nullptr;
    QCPItemRect* m_minShade = nullptr;
    QCPItemRect* m_maxShade = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_info = nullptr;
    QCheckBox* m_minBox = nullptr;
    QCheckBox* m_maxBox = nullptr;
    QDoubleSpinBox* m_minSpin = nullptr;
    QDoubleSpinBox* m_maxSpin = nullptr;
    QCheckBox* m_logBox = nullptr;
    QCheckBox* m_overlayBox = nullptr;

    ColumnSummary m_summary;
    std::vector<std::string> m_groupNames;
    bool m_hasData = false;
    bool m_categorical = false;
    std::vector<std::pair<size_t, uint64_t>> m_catBars; // (category index, count), in drawing order
    std::optional<double> m_min, m_max;
    double m_clampLo = 0, m_clampHi = 1;
    bool m_log = false;
    bool m_overlay = false;
    std::optional<Edge> m_dragging;
    bool m_rangeDragWasOn = true;
};

} // namespace shardscope
