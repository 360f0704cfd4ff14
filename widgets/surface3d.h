#pragma once

#include <QFont>
#include <QImage>
#include <QPair>
#include <QString>
#include <QVector>
#include <QWidget>

class QLabel;
class QSurface3DSeries;
class Q3DSurface;

/// A surface over a square grid of (a, b) in 3-D (Qt Data Visualization's Q3DSurface): the
/// height and the colour are the log10 of the value, on the same viridis scale as SurfacePlot
/// (so a pair of them and the colour maps beside them compare), rotated and zoomed with the
/// mouse. Points not computed yet take their coarser neighbour's value, as in SurfacePlot. It
/// needs OpenGL; where the display has none (a headless or offscreen one), it says so in place
/// of the picture and keeps the data, so that what it would draw is still there to read.
class Surface3D : public QWidget {
    Q_OBJECT
public:
    explicit Surface3D(QWidget* parent = nullptr);
    ~Surface3D() override;

    /// Whether this display can make an OpenGL context (checked once).
    static bool openGlAvailable();
    /// Whether this view draws (it has a 3-D graph); false where OpenGL is missing.
    bool drawing() const { return m_graph != nullptr; }

    void setTitle(const QString& title);
    /// coords: the grid's values along each axis; values: coords.size()^2, row by b, positive.
    void setSurface(const QVector<double>& coords, const QVector<double>& values);
    /// The colour and height range (the values, not their logs), shared with the twin's view.
    void setColorRange(double lower, double upper);
    /// A path painted on the surface (training's trajectory), in (a, b); empty: none.
    void setPath(const QVector<double>& a, const QVector<double>& b);

    /// What is drawn: log10 of the filled values, row by b (NaN where nothing is known yet).
    const QVector<double>& heights() const { return m_heights; }
    /// The colour of a height (log10 of a value) on the current range: the viridis map.
    QColor colorOfHeight(double height) const;

    /// The camera, so that two views can be turned alike.
    void setCamera(float horizontal, float vertical, float zoom);
    /// The picture at size (a null image where it cannot draw).
    QImage render(const QSize& size) const;
    /// Where the graph is drawn, a child widget (nullptr where it cannot draw). Its OpenGL
    /// content is not in a widget's grab(); a screenshot paints render(graphArea()->size()) there.
    QWidget* graphArea() const { return m_container; }
    /// The font the graph draws its labels in (the widget's, enlarged; a default one where it
    /// cannot draw).
    QFont labelFont() const;
    /// Paints every drawing Surface3D under top into picture, a grab() of top.
    static void paintGraphs(QWidget* top, QPixmap& picture);

Q_SIGNALS:
    void cameraChanged(float horizontal, float vertical, float zoom);

protected:
    void changeEvent(QEvent* event) override;

private:
    void updateSeries();
    /// The graph's labels in the widget's font, enlarged as the graph draws them (see kLabelScale).
    void applyFont();

    QLabel* m_title = nullptr;
    Q3DSurface* m_graph = nullptr;
    QWidget* m_container = nullptr;
    QSurface3DSeries* m_series = nullptr;
    QVector<double> m_coords, m_heights, m_pathA, m_pathB;
    double m_low = 0.0, m_high = 1.0; // the height range: log10 of the colour range
    bool m_syncing = false;
};
