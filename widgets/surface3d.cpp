#include "surface3d.h"

#include <algorithm>
#include <cmath>

#include <QEvent>
#include <QLabel>
#include <QOpenGLContext>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>
#include <QVBoxLayout>
#include <QtDataVisualization/Q3DCamera>
#include <QtDataVisualization/Q3DScene>
#include <QtDataVisualization/Q3DSurface>
#include <QtDataVisualization/Q3DTheme>
#include <QtDataVisualization/QSurface3DSeries>
#include <QtDataVisualization/QSurfaceDataProxy>
#include <QtDataVisualization/QValue3DAxis>

#include "colormaps.h"
#include "surfaceplot.h"

namespace {

constexpr int kTextureSide = 512; // the colours and the path are painted at this size
// Q3DSurface draws a label's font at a size relative to the graph, not in points: at the widget's
// own point size its axis labels came out a few pixels high. This factor makes them about as tall
// as the window's text on a 640 x 300 graph, and they follow the window's font (the presenter
// layout enlarges it).
constexpr double kLabelScale = 3.0;

} // namespace

Surface3D::Surface3D(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_title = new QLabel(this);
    m_title->setAlignment(Qt::AlignCenter);
    layout->addWidget(m_title);
    if (!openGlAvailable()) {
        auto* missing = new QLabel(
            tr("The 3-D view needs OpenGL, which this display does not offer (a remote or "
               "headless session). The contour view shows the same surface."),
            this);
        missing->setWordWrap(true);
        missing->setAlignment(Qt::AlignCenter);
        layout->addWidget(missing, 1);
        return;
    }
    m_graph = new Q3DSurface;
    m_graph->setShadowQuality(QAbstract3DGraph::ShadowQualityNone);
    m_graph->activeTheme()->setType(Q3DTheme::ThemeQt);
    m_graph->activeTheme()->setBackgroundColor(palette().color(QPalette::Window));
    m_graph->activeTheme()->setWindowColor(palette().color(QPalette::Window));
    m_graph->activeTheme()->setLabelTextColor(palette().color(QPalette::WindowText));
    m_graph->activeTheme()->setLabelBackgroundEnabled(false);
    m_graph->axisX()->setTitle(QStringLiteral("a"));
    m_graph->axisZ()->setTitle(QStringLiteral("b"));
    m_graph->axisY()->setTitle(tr("log10 training loss"));
    for (QValue3DAxis* axis : {m_graph->axisX(), m_graph->axisY(), m_graph->axisZ()}) {
        axis->setTitleVisible(true);
        axis->setLabelFormat(QStringLiteral("%.1f"));
    }
    m_graph->axisY()->setAutoAdjustRange(false);
    m_series = new QSurface3DSeries;
    m_series->setDrawMode(QSurface3DSeries::DrawSurfaceAndWireframe);
    m_series->setWireframeColor(QColor(255, 255, 255, 90));
    m_series->setFlatShadingEnabled(false);
    m_graph->addSeries(m_series);
    Q3DCamera* camera = m_graph->scene()->activeCamera();
    camera->setCameraPreset(Q3DCamera::CameraPresetIsometricRight);
    const auto changed = [this, camera] {
        if (!m_syncing)
            Q_EMIT cameraChanged(camera->xRotation(), camera->yRotation(), camera->zoomLevel());
    };
    connect(camera, &Q3DCamera::xRotationChanged, this, changed);
    connect(camera, &Q3DCamera::yRotationChanged, this, changed);
    connect(camera, &Q3DCamera::zoomLevelChanged, this, changed);
    applyFont();
    m_container = QWidget::createWindowContainer(m_graph, this);
    m_container->setMinimumSize(160, 140);
    m_container->setFocusPolicy(Qt::StrongFocus);
    layout->addWidget(m_container, 1);
}

Surface3D::~Surface3D() = default;

void Surface3D::changeEvent(QEvent* event) {
    if (event->type() == QEvent::FontChange)
        applyFont();
    QWidget::changeEvent(event);
}

QFont Surface3D::labelFont() const {
    return m_graph ? m_graph->activeTheme()->font() : QFont();
}

void Surface3D::applyFont() {
    if (!m_graph)
        return;
    QFont labels = font();
    labels.setPointSizeF(labels.pointSizeF() * kLabelScale);
    m_graph->activeTheme()->setFont(labels);
}

bool Surface3D::openGlAvailable() {
    static const bool available = [] {
        QOpenGLContext context;
        return context.create();
    }();
    return available;
}

void Surface3D::setTitle(const QString& title) {
    m_title->setText(title);
}

QColor Surface3D::colorOfHeight(double height) const {
    const double span = m_high - m_low;
    return QColor(colormap::viridis(span > 0 ? (height - m_low) / span : 0.0));
}

void Surface3D::setSurface(const QVector<double>& coords, const QVector<double>& values) {
    m_coords = coords;
    const QVector<double> filled = SurfacePlot::filled(coords, values);
    m_heights.resize(filled.size());
    for (int i = 0; i < filled.size(); ++i)
        m_heights[i] = filled[i] > 0 ? std::log10(filled[i]) : qQNaN();
    updateSeries();
}

void Surface3D::setColorRange(double lower, double upper) {
    if (!(lower > 0 && upper > lower))
        return;
    m_low = std::log10(lower);
    m_high = std::log10(upper);
    updateSeries();
}

void Surface3D::setPath(const QVector<double>& a, const QVector<double>& b) {
    m_pathA = a;
    m_pathB = b;
    updateSeries();
}

void Surface3D::setCamera(float horizontal, float vertical, float zoom) {
    if (!m_graph)
        return;
    m_syncing = true;
    m_graph->scene()->activeCamera()->setCameraPosition(horizontal, vertical, zoom);
    m_syncing = false;
}

QImage Surface3D::render(const QSize& size) const {
    return m_graph ? m_graph->renderToImage(4, size) : QImage();
}

void Surface3D::paintGraphs(QWidget* top, QPixmap& picture) {
    QPainter painter(&picture);
    const double scale = picture.devicePixelRatio();
    for (const Surface3D* view : top->findChildren<Surface3D*>()) {
        if (!view->drawing() || !view->isVisible())
            continue;
        const QWidget* area = view->graphArea();
        const QPoint at = area->mapTo(top, QPoint(0, 0));
        painter.drawImage(QRect(at, area->size()), view->render(area->size() * scale));
    }
}

void Surface3D::updateSeries() {
    const int n = static_cast<int>(m_coords.size());
    if (!m_graph)
        return;
    m_graph->axisY()->setRange(static_cast<float>(m_low), static_cast<float>(m_high));
    if (n < 2 || m_heights.size() != n * n) {
        m_series->dataProxy()->resetArray(new QSurfaceDataArray);
        return;
    }
    m_graph->axisX()->setRange(static_cast<float>(m_coords.front()),
                               static_cast<float>(m_coords.back()));
    m_graph->axisZ()->setRange(static_cast<float>(m_coords.front()),
                               static_cast<float>(m_coords.back()));
    // Heights past the range are held at its ends, as the colour map's are; a point not known
    // at all sits at the bottom.
    auto* rows = new QSurfaceDataArray;
    rows->reserve(n);
    for (int b = 0; b < n; ++b) {
        auto* row = new QSurfaceDataRow(n);
        for (int a = 0; a < n; ++a) {
            const double h = m_heights[b * n + a];
            const double y = std::isnan(h) ? m_low : std::clamp(h, m_low, m_high);
            (*row)[a].setPosition(QVector3D(static_cast<float>(m_coords[a]), static_cast<float>(y),
                                            static_cast<float>(m_coords[b])));
        }
        *rows << row;
    }
    m_series->dataProxy()->resetArray(rows);
    // The colours are painted, not left to the graph's gradient: each cell's own viridis colour
    // (the colour maps' too) and the path over them. The texture's top row is b's last.
    QImage texture(kTextureSide, kTextureSide, QImage::Format_RGB32);
    QPainter painter(&texture);
    const double cell = static_cast<double>(kTextureSide) / n;
    for (int b = 0; b < n; ++b)
        for (int a = 0; a < n; ++a)
            painter.fillRect(QRectF(a * cell, (n - 1 - b) * cell, cell + 1, cell + 1),
                             colorOfHeight(m_heights[b * n + a]));
    if (m_pathA.size() >= 2) {
        const double span = m_coords.back() - m_coords.front();
        QPainterPath path;
        for (int i = 0; i < m_pathA.size() && i < m_pathB.size(); ++i) {
            const QPointF p((m_pathA[i] - m_coords.front()) / span * kTextureSide,
                            (1.0 - (m_pathB[i] - m_coords.front()) / span) * kTextureSide);
            i == 0 ? path.moveTo(p) : path.lineTo(p);
        }
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(QColor(0xd55e00), kTextureSide / 48.0, Qt::SolidLine, Qt::RoundCap));
        painter.drawPath(path);
    }
    painter.end();
    m_series->setTexture(texture);
}
