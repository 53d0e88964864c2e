#pragma once
// Two score columns against each other: a density map (2-D histogram, log colour scale) or
// a point cloud (a random sample of up to kMaxPoints documents, coloured kept or dropped by
// the rules), with the box the active cutoffs keep drawn on top.
//
// Interaction (issue 20): hovering shows the document nearest the pointer (within
// kHoverPixels) in a tooltip, a click on it emits documentActivated(); each axis can be
// logarithmic (values <= 0 are left out and counted in the note); an edge of the cutoff box
// is dragged like a histogram's cutoff line and emits boundsChanged() and dragFinished().

#include "corpusdata.h"

#include <filterconfig.h>

#include <QThreadPool>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPGraph;
class QCPItemRect;
class QLabel;
class QMouseEvent;

namespace shardscope {

class ScatterWidget : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxPoints = 50000;
    // Above this many documents the plot is drawn from a systematic sample of about this many (the counts stay
    // exact), so a rebuild stays within a frame or two on the GUI thread.
    static constexpr int kDrawnDocuments = 1000000;
    // Above this many documents the points are prepared on a worker (rebuilt() when they are in).
    static constexpr int kSyncRebuildDocuments = 100000;
    // Above this many points the kept/dropped colours are computed on a worker.
    static constexpr int kSyncColourPoints = 5000;
    static constexpr double kHoverPixels = 6;
    static constexpr double kGrabPixels = 5;
    enum class Mode { Density, Points };
    enum class Edge { XMin, XMax, YMin, YMax };

    explicit ScatterWidget(QWidget* parent = nullptr);
    ~ScatterWidget() override;

    // Column names offered in the axis choosers; keeps the current choice when possible.
    void setColumns(const QStringList& names);
    void setAxes(const QString& x, const QString& y);
    QString xColumn() const;
    QString yColumn() const;
    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    void setLogX(bool on);
    void setLogY(bool on);
    bool logX() const;
    bool logY() const;

    // Recomputes the plot from the corpus (cheap: one pass over two columns).
    void setCorpus(const CorpusData* corpus);
    void refresh();
    // Draws the box of the rules on the two chosen columns and colours the points by them.
    void setRules(const std::vector<FilterRule>& rules);

    QCustomPlot* plot() const { return m_plot; }
    QString infoText() const;
    // A rebuild is running on a worker: the plot still shows the previous points.
    bool rebuilding() const { return m_rebuilding; }
    // Points drawn (after a log axis left out values <= 0) and how many were left out.
    size_t pointCount() const { return m_docs.size(); }
    uint64_t leftOutNonPositive() const { return m_leftOut; }
    // Points drawn as kept and as dropped (points mode, once the colours are computed).
    size_t keptPoints() const;
    size_t droppedPoints() const;
    // The document within kHoverPixels of a widget position of the plot, nearest first.
    std::optional<uint32_t> documentAt(const QPointF& plotPos) const;
    // The tooltip text of the last hover ("" when the pointer is over no point).
    QString hoverText() const { return m_hoverText; }
    // The plot pixel of a data point (raw values, before a log transform): for tests.
    QPointF pixelOf(double x, double y) const;

Q_SIGNALS:
    // A click on a point.
    void documentActivated(quint64 doc);
    // A box edge was dragged: the new bounds of `column` (as HistogramStack::boundsChanged).
    void boundsChanged(const QString& column, std::optional<double> min, std::optional<double> max);
    void dragFinished();
    // The kept/dropped colours of the points are up to date.
    void coloursUpdated();
    // The plot shows the current corpus, axes and mode (a big corpus's points come from a worker).
    void rebuilt();

private:
    struct Prepared;
    struct PrepareInput {
        ScoreColumn x, y; // a mapped column is shared, an owned one copied
        bool logX = false, logY = false;
        Mode mode = Mode::Density;
    };
    static std::shared_ptr<Prepared> prepare(
        const ScoreColumn& x, const ScoreColumn& y, bool logX, bool logY, Mode mode);
    static void buildGrid(Prepared& p);
    void applyPrepared(Prepared p);
    void setRebuilding(bool on);
    void rebuild();
    void updateBox();
    void recolour();
    double tx(double v) const;
    double ty(double v) const;
    std::optional<Edge> hitTest(const QPointF& pos) const;
    void moveEdge(Edge edge, const QPointF& pos);
    void onMousePress(QMouseEvent* event);
    void onMouseMove(QMouseEvent* event);
    void onMouseRelease(QMouseEvent* event);

    const CorpusData* m_corpus = nullptr;
    std::vector<FilterRule> m_rules;
    QComboBox* m_x = nullptr;
    QComboBox* m_y = nullptr;
    QComboBox* m_modeBox = nullptr;
    QCheckBox* m_logXBox = nullptr;
    QCheckBox* m_logYBox = nullptr;
    QLabel* m_info = nullptr;
    QCustomPlot* m_plot = nullptr;
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPGraph* m_points = nullptr; // kept (or all, before the colours are known)
    QCPGraph* m_dropped = nullptr; // dropped by the rules
    QCPItemRect* m_box = nullptr;
    Mode m_mode = Mode::Density;

    // The documents under hover: every document drawn (the sample in points mode), their
    // axis coordinates (log10 on a log axis), and a coarse grid of them built once per axes
    // change, so a hover looks at a few cells rather than a million points.
    std::vector<uint32_t> m_docs;
    std::vector<float> m_px, m_py;
    uint64_t m_leftOut = 0;
    int m_gridN = 0;
    double m_gx0 = 0, m_gy0 = 0, m_gdx = 1, m_gdy = 1;
    std::vector<uint32_t> m_cellStart, m_cellItems;
    std::vector<uint8_t> m_keep; // per m_docs entry, once recolour() has run
    uint64_t m_colourJob = 0;
    quint64 m_rebuildJob = 0;
    bool m_rebuilding = false;
    bool m_startQueued = false;
    std::shared_ptr<PrepareInput> m_pendingInput;
    QThreadPool m_pool; // its destructor waits for a running job, which reads only its own inputs
    QString m_hoverText;
    QString m_baseInfo; // the info line without the kept/dropped counts

    // The box: the rule index per axis, and the edge under drag.
    int m_xRule = -1, m_yRule = -1;
    std::optional<Edge> m_dragging;
    bool m_rangeDragWasOn = true;
    QPointF m_pressPos;
    bool m_pressed = false;
};

} // namespace shardscope
