#include "plotexportmenu.h"

#include "histogramstack.h"

#include <histogramwidget.h>
#include <plotexport.h>
#include <scatterwidget.h>

#include <QFileDialog>

namespace shardscope {

PlotExportMenu::PlotExportMenu(
    const QString& title, HistogramStack* histograms, ScatterWidget* scatter, QWidget* parent)
    : QMenu(title, parent)
    , m_histograms(histograms)
    , m_scatter(scatter)
{
    setEnabled(false);
}

void PlotExportMenu::rebuild(bool haveCorpus)
{
    clear();
    setEnabled(haveCorpus);
    if (!haveCorpus)
        return;
    for (const QString& name : m_histograms->shownColumns())
        if (HistogramWidget* h = m_histograms->histogram(name))
            addAction(tr("Histogram of %1…").arg(name), this, [this, h, name]() { exportDialog(h, name); });
    addSeparator();
    addAction(tr("Scatter Plot…"), this,
        [this]() { exportDialog(m_scatter, m_scatter->xColumn() + QStringLiteral("-vs-") + m_scatter->yColumn()); });
}

void PlotExportMenu::exportDialog(QWidget* plotOwner, const QString& name)
{
    QCustomPlot* plot = nullptr;
    if (auto* h = qobject_cast<HistogramWidget*>(plotOwner))
        plot = h->plot();
    else if (auto* s = qobject_cast<ScatterWidget*>(plotOwner))
        plot = s->plot();
    const QString path = QFileDialog::getSaveFileName(
        parentWidget(), tr("Export Plot"), name + QStringLiteral(".png"), plotExportFilter());
    if (path.isEmpty())
        return;
    const QString message = exportPlot(plot, path);
    if (!message.isEmpty())
        Q_EMIT error(tr("Export Plot"), message);
}

} // namespace shardscope
