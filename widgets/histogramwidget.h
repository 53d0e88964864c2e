#pragma once
// One score's histogram with a draggable minimum and maximum cutoff line.
//
// The lines are QCPItemStraightLines on their own buffered layer, so dragging one re-renders
// that layer only, not the bars (Graphia's graphsizeestimateplot does the same). A press
// within kGrabPixels of a line grabs it; a press anywhere else on the plot places a cutoff
// there (issue 20), and the line follows the pointer until release. Which one: left of the
// pivot the minimum, right of it the maximum, Shift the other one. The pivot is the median,
// kept between the set lines: the midpoint of min and max when both are set, max(min, median)
// with only a minimum, min(max, median) with only a maximum. So a click in a tail cuts that
// tail, and a click next to a set line moves that line. The value is clamped to the data
// range, cutoffChanged() and boundsChanged() are emitted on every move and dragFinished() at
// release. Regions the cutoffs drop are shaded. The spin boxes follow the lines and vice versa.
//
// Plain clicks belong to the cutoffs, so panning is Ctrl+drag and zooming Ctrl+wheel (a
// double-click with Ctrl, or the range button, restores the view); a wheel without Ctrl is
// left to the enclosing scroll area, so scrolling a panel of plots does not zoom the one
// under the pointer.
//
// The bars are binned here from the summary's sorted values over the view: the whole data
// range [min, max] (every value in a bar), or with the range button p1..p99 (the values
// outside are counted in the info line). The same bins serve the group overlay and the
// group view, from each group's own sorted values (splitByGroup). The legend sits in a row
// above the axis rect, so it never covers a bar.
//
// A group chosen in the group box (from setGroupValues) shows that group's histogram alone;
// the owner then sets that group's bounds with setBounds() and reads edits as that group's
// (HistogramStack turns them into overrides). The keys may be labels of a categorical column
// instead of groups (a rule with "by": "lang" has per-label overrides).
//
// A categorical column (e.g. lang) is drawn as counts per category instead: the kMaxCategoryBars
// most frequent categories as labelled bars, most frequent first. A min/max cutoff over category
// indices means nothing, so there the cutoff lines, their controls and dragging are off (bounds
// set from a config are kept but not drawn).

#include "columnsummary.h"
#include "samplescope.h"

#include <QStringList>
#include <QWidget>

#include <memory>
#include <optional>
#include <string>
#include <vector>

class QCustomPlot;
class QCPBars;
class QCPErrorBars;
class QCPItemRect;
class QCPItemStraightLine;
class QCPItemText;
class QCPLayer;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QMouseEvent;
class QToolButton;

namespace shardscope {

// One group's values of a column, ascending (missing values left out).
struct GroupValues {
    uint32_t group = 0;
    std::shared_ptr<const std::vector<float>> sorted;
};

// Per group with values, its sorted values: the summary's sorted order split by each document's
// group (no sort: the order is already by value). `docGroups[doc]` is the group of doc; groups
// of `groupCount` or above are skipped. O(documents); safe on a worker thread.
std::vector<GroupValues> splitByGroup(
    const ColumnSummary& summary, const std::vector<uint32_t>& docGroups, size_t groupCount);

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
    // The per-group values behind the overlay and the group box (splitByGroup over this column).
    // With a `keyColumn`, the keys are not groups but labels of that categorical column, named
    // by `keyNames` (a rule's `by` overrides are per label).
    void setGroupValues(
        std::vector<GroupValues> groups, std::vector<std::string> keyNames = {}, const QString& keyColumn = {});
    QString keyColumn() const { return m_keyColumn; }
    bool hasGroupValues() const { return !m_groupValues.empty(); }
    // The group shown alone (-1: all documents). Emits selectedGroupChanged when it changes.
    int selectedGroup() const { return m_group; }
    void setSelectedGroup(int group);
    QComboBox* groupBox() const { return m_groupBox; }
    // Added to the info line while a group is shown (e.g. whether its bounds are an override).
    void setGroupNote(const QString& note);
    // p1..p99 instead of the whole data range.
    void setPercentileView(bool on);
    bool percentileView() const { return m_percentileView; }
    QToolButton* rangeButton() const { return m_rangeButton; }
    // The bars drawn: bins over the view (counts of the chosen group when one is).
    const Histogram& bins() const { return m_bins; }
    // The values are a sample's (issue 21): each bar is its bin's count scaled to the corpus (count / n × N) with
    // the bin's 95% interval (Wilson, finite-population corrected) as an error bar; an inactive scope: exact
    // counts, no error bars.
    void setSample(const SampleScope& sample);
    bool sampled() const { return m_sample.active(); }
    QCPErrorBars* errorBars() const { return m_errors; }

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
    void selectedGroupChanged(int group);
    // The close button in the title row was clicked.
    void closeRequested();

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void onMousePress(QMouseEvent* event);
    void onMouseMove(QMouseEvent* event);
    void onMouseRelease(QMouseEvent* event);
    std::optional<Edge> hitTest(double px) const;
    // Which line a click at x places (see the header comment), before Shift.
    Edge nearerSide(double x) const;
    void rebin();
    void updateInfo();
    // Bins, bars, axes, info line and cutoff items again from the values shown, then a queued replot.
    void redraw();
    void updateGroupBox();
    void placeLegend(bool outside);
    QString keyLabel(uint32_t key) const;
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
    QCPErrorBars* m_errors = nullptr;
    SampleScope m_sample;
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
    QToolButton* m_rangeButton = nullptr;
    QComboBox* m_groupBox = nullptr;

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
    bool m_panning = false;
    bool m_percentileView = false;
    std::vector<GroupValues> m_groupValues;
    int m_group = -1;
    std::vector<std::string> m_keyNames; // names of the keys when they are labels
    QString m_keyColumn; // the categorical column they are labels of
    QString m_groupNote;
    Histogram m_bins; // bars over the view
    std::vector<std::pair<uint32_t, Histogram>> m_overlayBins; // the largest groups, same bins
};

} // namespace shardscope
