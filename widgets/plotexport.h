#pragma once

#include <QColor>
#include <QFont>
#include <QString>

class QCPAxis;
class QCPColorGradient;
class QCPColorScale;
class QCustomPlot;
class QWidget;

/// The look every ResLab plot shares: white background, light grid, grey axes, the legend at the
/// right outside the plot area.
namespace PlotStyle {

void apply(QCustomPlot* plot, const QFont& baseFont);
/// A plot's title and its small text (marks, notes) in baseFont's family, at the sizes of the
/// desk whatever baseFont's size: scaleType enlarges them where a projector needs it.
QFont titleFont(const QFont& baseFont);
QFont textFont(const QFont& baseFont);

/// Sets the type of every axis (tick labels and label), legend, title and text item of the plot
/// to scale times its size at the first call: the presenter layout enlarges it for a projector,
/// and 1 gives back the plot's own.
void scaleType(QCustomPlot* plot, double scale);
/// scaleType for every plot inside root.
void scaleTypeIn(QWidget* root, double scale);

/// Puts scale at the right of the plot's axis rect, the two in a row of their own: a title inserted
/// above that row (row 0, column 0) then spans both, where in the plot's own grid it would widen
/// the axis rect's column to the title's width and the plot to the title's plus the scale's.
/// It also keeps the scale's label (setScaleLabel) to the bar's length: a longer label, drawn
/// along a short bar, would reach past its ends into the title above. The label is elided to fit
/// and dropped when not even a word's start fits; the whole of it comes back when the bar grows.
void addColorScaleBeside(QCustomPlot* plot, QCPColorScale* scale);
/// The label a scale placed by addColorScaleBeside shows, as much of it as its bar's length holds.
void setScaleLabel(QCPColorScale* scale, const QString& label);
/// An axis's label kept to the plot area's length along it, as setScaleLabel keeps a scale's:
/// drawn along a short axis, a vertical label reaches past the area into the title above it.
/// The caller replots.
void setAxisLabel(QCPAxis* axis, const QString& label);

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
