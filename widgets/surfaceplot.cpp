#include "surfaceplot.h"

#include <cmath>
#include <limits>

#include <qcustomplot.h>

#include <QVBoxLayout>

#include "plotexport.h"
#include "ticklabels.h"

SurfacePlot::SurfacePlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    PlotStyle::apply(m_plot, font());
    layout->addWidget(m_plot);
    m_plot->xAxis->setLabel(tr("a (direction 1)"));
    m_plot->yAxis->setLabel(tr("b (direction 2)"));
    ticklabels::setSpacedTicker<QCPAxisTicker>(m_plot->xAxis);
    ticklabels::setSpacedTicker<QCPAxisTicker>(m_plot->yAxis);
    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    m_map->setInterpolate(false);
    m_scale = new QCPColorScale(m_plot);
    PlotStyle::addColorScaleBeside(m_plot, m_scale);
    m_scale->setType(QCPAxis::atRight);
    m_scale->setDataScaleType(QCPAxis::stLogarithmic);
    ticklabels::setSpacedTicker<QCPAxisTickerLog>(m_scale->axis());
    PlotStyle::setScaleLabel(m_scale, tr("training loss"));
    m_scale->setBarWidth(12);
    m_map->setColorScale(m_scale);
    m_scale->setGradient(PlotStyle::viridisGradient(QColor(0xdddddd)));
    auto* margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
    m_scale->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
    m_contours = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
    m_contours->setPen(QPen(QColor(255, 255, 255, 150), 1));
    m_contours->setLineStyle(QCPCurve::lsLine);
    m_path = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
    m_path->setPen(QPen(Qt::white, 2));
    m_path->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssDisc, QPen(Qt::black), QBrush(Qt::white), 6));
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(
        0, 0, new QCPTextElement(m_plot, QString(), PlotStyle::textFont(font())));
}

SurfacePlot::~SurfacePlot() = default;

void SurfacePlot::setTitle(const QString& title) {
    if (auto* t = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0)))
        t->setText(title);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QString SurfacePlot::title() const {
    if (auto* t = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0)))
        return t->text();
    return QString();
}

void SurfacePlot::setPath(const QVector<double>& a, const QVector<double>& b) {
    m_path->setData(a, b);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int SurfacePlot::pathPoints() const {
    return m_path->dataCount();
}

void SurfacePlot::clear() {
    setSurface({}, {});
}

void SurfacePlot::setSurface(const QVector<double>& coords, const QVector<double>& values) {
    const int n = static_cast<int>(coords.size());
    m_coords = coords;
    m_painted = filled(coords, values);
    m_min = std::numeric_limits<double>::infinity();
    m_max = -m_min;
    for (double v : m_painted)
        if (std::isfinite(v) && v > 0) {
            m_min = std::min(m_min, v);
            m_max = std::max(m_max, v);
        }
    if (m_min > m_max) {
        m_min = 1.0;
        m_max = 0.0;
    }
    m_map->data()->setSize(std::max(n, 1), std::max(n, 1));
    if (n > 0) {
        m_map->data()->setRange(QCPRange(coords.front(), coords.back()),
                                QCPRange(coords.front(), coords.back()));
        for (int b = 0; b < n; ++b)
            for (int a = 0; a < n; ++a)
                m_map->data()->setCell(a, b, m_painted[b * n + a]);
        m_plot->xAxis->setRange(coords.front(), coords.back());
        m_plot->yAxis->setRange(coords.front(), coords.back());
    } else {
        m_map->data()->setCell(0, 0, qQNaN());
    }
    updateContours();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QVector<double> SurfacePlot::filled(const QVector<double>& coords, const QVector<double>& values) {
    const int n = static_cast<int>(coords.size());
    QVector<double> out = values.size() == n * n ? values : QVector<double>(n * n, qQNaN());
    const QVector<double> own = out;
    for (int b = 0; b < n; ++b)
        for (int a = 0; a < n; ++a) {
            double& v = out[b * n + a];
            for (int stride : {2, 4})
                if (std::isnan(v)) {
                    const int nb = std::min(n - 1, (b + stride / 2) / stride * stride);
                    const int na = std::min(n - 1, (a + stride / 2) / stride * stride);
                    v = own[nb * n + na];
                }
        }
    return out;
}

void SurfacePlot::setColorRange(double lower, double upper) {
    if (lower > 0 && upper > lower)
        m_scale->setDataRange(QCPRange(lower, upper));
    updateContours();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QVector<double> SurfacePlot::contourLevels() const {
    constexpr int kLevels = 12;
    const double lo = m_scale->dataRange().lower, hi = m_scale->dataRange().upper;
    QVector<double> levels;
    if (!(lo > 0 && hi > lo))
        return levels;
    for (int i = 1; i < kLevels; ++i)
        levels << std::pow(10.0, std::log10(lo) + (std::log10(hi) - std::log10(lo)) * i / kLevels);
    return levels;
}

void SurfacePlot::updateContours() {
    // One curve for every level's segments, NaN between them so that they are not joined.
    QVector<double> xs, ys;
    for (double level : contourLevels())
        for (const QLineF& l : isoline(m_coords, m_painted, level)) {
            xs << l.x1() << l.x2() << qQNaN();
            ys << l.y1() << l.y2() << qQNaN();
        }
    m_contours->setData(xs, ys);
}

QVector<QLineF>
SurfacePlot::isoline(const QVector<double>& coords, const QVector<double>& values, double level) {
    QVector<QLineF> segments;
    const int n = static_cast<int>(coords.size());
    if (values.size() != n * n || !(level > 0))
        return segments;
    const double target = std::log10(level);
    auto at = [&](int b, int a) {
        const double v = values[b * n + a];
        return v > 0 ? std::log10(v) - target : qQNaN();
    };
    for (int b = 0; b + 1 < n; ++b)
        for (int a = 0; a + 1 < n; ++a) {
            // The corners counter-clockwise from (a, b), and the edges between them.
            const double v[4] = {at(b, a), at(b, a + 1), at(b + 1, a + 1), at(b + 1, a)};
            const QPointF p[4] = {{coords[a], coords[b]},
                                  {coords[a + 1], coords[b]},
                                  {coords[a + 1], coords[b + 1]},
                                  {coords[a], coords[b + 1]}};
            if (std::isnan(v[0]) || std::isnan(v[1]) || std::isnan(v[2]) || std::isnan(v[3]))
                continue;
            QVector<QPointF> crossings;
            for (int e = 0; e < 4; ++e) {
                const double v0 = v[e], v1 = v[(e + 1) % 4];
                if ((v0 < 0) != (v1 < 0)) {
                    const double t = v0 / (v0 - v1);
                    crossings << p[e] + t * (p[(e + 1) % 4] - p[e]);
                }
            }
            // Two crossings: one segment; four (a saddle): two, paired along the edges' order.
            for (int i = 0; i + 1 < crossings.size(); i += 2)
                segments << QLineF(crossings[i], crossings[i + 1]);
        }
    return segments;
}

QPair<double, double> SurfacePlot::colorRange() const {
    return {m_scale->dataRange().lower, m_scale->dataRange().upper};
}

void SurfacePlot::setScaleVisible(bool visible) {
    // A hidden layout element still takes its place: it leaves the map's row instead
    // (PlotStyle::addColorScaleBeside), and comes back at the map's right.
    auto* row = qobject_cast<QCPLayoutGrid*>(m_plot->axisRect()->layout());
    if (!row)
        return;
    const bool placed = m_scale->layout() != nullptr;
    if (!visible && placed)
        row->take(m_scale);
    else if (visible && !placed)
        row->addElement(0, 1, m_scale);
    m_scale->setVisible(visible);
    row->simplify();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

double SurfacePlot::paintedValue(int ib, int ia) const {
    const int n = static_cast<int>(m_coords.size());
    return ib >= 0 && ia >= 0 && ib < n && ia < n ? m_painted[ib * n + ia] : qQNaN();
}

bool SurfacePlot::exportImage(const QString& path, QString* error) {
    return PlotExport::saveImage(m_plot, path, error);
}
