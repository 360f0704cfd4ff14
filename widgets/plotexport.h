#pragma once

#include <QColor>
#include <QFont>
#include <QString>

class QCPColorGradient;
class QCustomPlot;

/// The look every ResLab plot shares: white background, light grid, grey axes, the legend at the
/// right outside the plot area.
namespace PlotStyle {

void apply(QCustomPlot* plot, const QFont& baseFont);

/// The shared viridis map (widgets/colormaps) as QCustomPlot's gradient, NaN in nanColor.
QCPColorGradient viridisGradient(const QColor& nanColor);

} // namespace PlotStyle

/// Saves a QCustomPlot as PNG, PDF or SVG, picked by the file suffix; shared by every plot widget.
namespace PlotExport {

// Writes the plot at its on-screen size. Returns false and fills *error (if given) when the suffix
// is unknown or the file cannot be written.
bool saveImage(QCustomPlot* plot, const QString& path, QString* error = nullptr);

// The formats saveImage understands, as a QFileDialog name filter (one entry per format).
QString fileFilter();

} // namespace PlotExport
