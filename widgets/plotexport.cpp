#include "plotexport.h"

#include "qcustomplot_include.h"

#include <QFileInfo>
#include <QSvgGenerator>

namespace shardscope {

QString plotExportFilter()
{
    return QObject::tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)");
}

QString exportPlot(QCustomPlot* plot, const QString& path, int width, int height)
{
    if (!plot)
        return QObject::tr("no plot to export");
    const int w = width > 0 ? width : plot->width();
    const int h = height > 0 ? height : plot->height();
    const QString suffix = QFileInfo(path).suffix().toLower();
    bool ok = false;
    if (suffix == QLatin1String("png")) {
        ok = plot->savePng(path, w, h, 2.0);
    } else if (suffix == QLatin1String("pdf")) {
        ok = plot->savePdf(path, w, h, QCP::epNoCosmetic);
    } else if (suffix == QLatin1String("svg")) {
        QSvgGenerator gen;
        gen.setFileName(path);
        gen.setSize(QSize(w, h));
        gen.setViewBox(QRect(0, 0, w, h));
        gen.setTitle(plot->objectName());
        QCPPainter painter;
        ok = painter.begin(&gen);
        if (ok) {
            plot->toPainter(&painter, w, h);
            painter.end();
            ok = QFileInfo(path).size() > 0;
        }
    } else {
        return QObject::tr("%1: unknown image format \"%2\" (use .png, .svg or .pdf)").arg(path, suffix);
    }
    if (!ok)
        return QObject::tr("%1: could not write the plot").arg(path);
    return {};
}

} // namespace shardscope
