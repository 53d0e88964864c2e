#pragma once
// Saves a QCustomPlot as PNG, SVG or PDF, chosen by the file's suffix.

#include <QString>

class QCustomPlot;

namespace shardscope {

// Returns an empty string on success, else what went wrong (with the path).
QString exportPlot(QCustomPlot* plot, const QString& path, int width = 0, int height = 0);
// The file dialog filter for exportPlot().
QString plotExportFilter();

} // namespace shardscope
