#pragma once
// File > Export Plot: one entry per histogram on display and one for the scatter plot, each
// saving its plot through a file dialog (PNG, SVG or PDF by the name's extension).

#include <QMenu>

namespace shardscope {

class HistogramStack;
class ScatterWidget;

class PlotExportMenu : public QMenu {
    Q_OBJECT
public:
    PlotExportMenu(const QString& title, HistogramStack* histograms, ScatterWidget* scatter, QWidget* parent = nullptr);

    // Rebuilt whenever the histograms on display change; disabled without a corpus.
    void rebuild(bool haveCorpus);

Q_SIGNALS:
    void error(const QString& title, const QString& text);

private:
    void exportDialog(QWidget* plotOwner, const QString& name);

    HistogramStack* m_histograms;
    ScatterWidget* m_scatter;
};

} // namespace shardscope
