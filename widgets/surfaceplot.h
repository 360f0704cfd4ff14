#pragma once

#include <QLineF>
#include <QPair>
#include <QString>
#include <QVector>
#include <QWidget>

// qcustomplot.h uses Qt's bare keywords (see curveplot.h): only its class names here.
class QCPColorMap;
class QCPColorScale;
class QCPCurve;
class QCustomPlot;

/// A surface over a square grid of (a, b): one positive value per point (a loss), in colour on a
/// logarithmic scale with its legend. Points not computed yet (NaN) are painted with the value
/// of the nearest computed point of the coarser lattices (every 2nd, every 4th point), so that a
/// surface filled coarse to fine shows whole from its first points and sharpens.
class SurfacePlot : public QWidget {
    Q_OBJECT
public:
    explicit SurfacePlot(QWidget* parent = nullptr);
    ~SurfacePlot() override;

    void setTitle(const QString& title);
    QString title() const;
    /// coords: the grid's values along each axis; values: coords.size()^2, row by b.
    void setSurface(const QVector<double>& coords, const QVector<double>& values);
    void clear();
    /// A path drawn over the surface (training's trajectory), point by point; empty: none.
    void setPath(const QVector<double>& a, const QVector<double>& b);
    int pathPoints() const;
    /// values with each point not computed yet (NaN) given the nearest computed point of the
    /// lattice of every 2nd, then every 4th point (the order a surface is filled in).
    static QVector<double> filled(const QVector<double>& coords, const QVector<double>& values);
    /// Where the surface crosses level, by marching squares over its grid cells (values
    /// compared on a log scale, crossings placed linearly between grid points): segments in
    /// (a, b). Cells with a NaN corner have none.
    static QVector<QLineF>
    isoline(const QVector<double>& coords, const QVector<double>& values, double level);
    /// The levels the contour lines are drawn at: evenly spaced on the log scale of the colours.
    QVector<double> contourLevels() const;
    /// The smallest and largest finite positive value; lower > upper when there is none.
    QPair<double, double> dataRange() const { return {m_min, m_max}; }
    /// Fixes the colour range, so that a run and its twin share one scale.
    void setColorRange(double lower, double upper);
    QPair<double, double> colorRange() const;
    /// Hides the colour legend where another plot beside this one shows the same scale.
    void setScaleVisible(bool visible);
    /// The value painted at grid point (ib, ia): its own, or the coarser neighbour's.
    double paintedValue(int ib, int ia) const;
    bool exportImage(const QString& path, QString* error = nullptr);
    QCustomPlot* plot() const { return m_plot; }

private:
    void updateContours();

    QCustomPlot* m_plot = nullptr;
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPCurve* m_path = nullptr;
    QCPCurve* m_contours = nullptr;
    QVector<double> m_coords, m_painted;
    double m_min = 1.0, m_max = 0.0;
};
