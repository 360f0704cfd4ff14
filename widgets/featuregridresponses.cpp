#include "featuregridresponses.h"

#include <algorithm>
#include <cmath>

#include <QPainter>
#include <QPainterPath>

#include "ticklabels.h"

ResponsesPlot::ResponsesPlot(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ResponsesPlot::setSeries(std::vector<ResponseSeries> series, const QString& subtitle) {
    m_series = std::move(series);
    m_subtitle = subtitle;
    update();
}

QImage ResponsesPlot::exportImage(const QSize& size) const {
    QImage image(size, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    draw(p, image.rect());
    return image;
}

void ResponsesPlot::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), Qt::white);
    p.setRenderHint(QPainter::Antialiasing);
    draw(p, rect());
}

void ResponsesPlot::draw(QPainter& p, const QRect& area) const {
    const int line = p.fontMetrics().height();
    p.setPen(Qt::black);
    // Two lines at most: the page beside the grid is narrow.
    p.drawText(area.adjusted(6, 4, -6, 0), Qt::AlignTop | Qt::AlignHCenter | Qt::TextWordWrap,
               tr("Std of layer responses (after BN, before ReLU or addition)") +
                   (m_subtitle.isEmpty() ? QString() : QStringLiteral(" · ") + m_subtitle));
    size_t n = 0;
    double top = 0;
    for (const auto& s : m_series) {
        n = std::max(n, s.stds.size());
        for (double v : s.stds)
            if (std::isfinite(v))
                top = std::max(top, v);
    }
    const QRect plot =
        area.adjusted(6 + 5 * p.fontMetrics().averageCharWidth(), 3 * line + 8, -12, -2 * line - 8);
    if (n == 0 || top <= 0 || plot.width() < 20 || plot.height() < 20) {
        p.setPen(Qt::gray);
        p.drawText(area, Qt::AlignCenter, tr("No responses yet"));
        return;
    }
    top *= 1.08;
    auto px = [&](size_t i) {
        return plot.left() + (n > 1 ? double(i) / (n - 1) : 0.5) * plot.width();
    };
    auto py = [&](double v) { return plot.bottom() - v / top * plot.height(); };

    // Axes, ticks and labels.
    p.setPen(QColor(120, 120, 120));
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    p.drawLine(plot.bottomLeft(), plot.topLeft());
    // Labels a third of a line apart at least (ticklabels): on a short or narrow page fewer of
    // them, always the first and the last.
    const double gap = ticklabels::kGapOfTextHeight * line;
    QVector<double> ys;
    for (int k = 0; k <= 4; ++k)
        ys << py(top * k / 4);
    const QVector<int> keptY = ticklabels::keptLabels(ys, [&](int, int) { return line + gap; });
    for (int k = 0; k <= 4; ++k) {
        const double y = ys[k];
        p.setPen(QColor(230, 230, 230));
        p.drawLine(QPointF(plot.left() + 1, y), QPointF(plot.right(), y));
        if (!keptY.contains(k))
            continue;
        p.setPen(QColor(80, 80, 80));
        p.drawText(QRectF(area.left(), y - line / 2.0, plot.left() - area.left() - 4, line),
                   Qt::AlignRight, QString::number(top * k / 4, 'g', 2));
    }
    QVector<double> xs;
    for (size_t i = 0; i < n; ++i)
        xs << px(i);
    const auto labelWidth = [&](int i) {
        return p.fontMetrics().horizontalAdvance(QString::number(i + 1));
    };
    const QVector<int> keptX = ticklabels::keptLabels(
        xs, [&](int a, int b) { return (labelWidth(a) + labelWidth(b)) / 2.0 + gap; });
    for (int i : keptX)
        p.drawText(QRectF(px(i) - 20, plot.bottom() + 2, 40, line), Qt::AlignHCenter,
                   QString::number(i + 1));
    p.drawText(QRect(plot.left(), plot.bottom() + line + 2, plot.width(), line), Qt::AlignHCenter,
               tr("3x3 layer index (original order)"));

    int legendY = plot.top() + 4;
    for (const auto& s : m_series) {
        QPen pen(s.color, 2, s.dashed ? Qt::DashLine : Qt::SolidLine);
        p.setPen(pen);
        QPainterPath path;
        for (size_t i = 0; i < s.stds.size(); ++i) {
            const QPointF pt(px(i), py(s.stds[i]));
            if (i == 0)
                path.moveTo(pt);
            else
                path.lineTo(pt);
        }
        p.drawPath(path);
        p.drawLine(plot.right() - 130, legendY + line / 2, plot.right() - 100, legendY + line / 2);
        p.setPen(Qt::black);
        p.drawText(QRect(plot.right() - 95, legendY, 95, line), Qt::AlignLeft | Qt::AlignVCenter,
                   s.name);
        legendY += line + 2;
    }
}
