#include "ticklabels.h"

#include <algorithm>
#include <cmath>

#include <QFontMetrics>
#include <QSet>
#include <QtMath>

namespace {

constexpr char kWatchedProperty[] = "reslabSpacedLabels";

QSize labelSize(const QCPAxis* axis, const QString& text) {
    return QFontMetrics(axis->tickLabelFont())
        .boundingRect(0, 0, 0, 0, Qt::TextDontClip, text)
        .size();
}

/// Lays the plot out again when an axis with spaced labels has a new length: its labels were
/// thinned for the old one. Called right after QCustomPlot's own layout, before it draws.
void relayoutIfStale(QCustomPlot* plot) {
    QSet<QCPAxis*> axes;
    for (QCPAxisRect* rect : plot->axisRects())
        for (QCPAxis* axis : rect->axes())
            axes.insert(axis);
    for (QCPLayoutElement* element : plot->plotLayout()->elements(true))
        if (auto* scale = qobject_cast<QCPColorScale*>(element))
            axes.insert(scale->axis());
    const bool stale = std::any_of(axes.cbegin(), axes.cend(), [](QCPAxis* axis) {
        const auto* spacing = dynamic_cast<const LabelSpacing*>(axis->ticker().data());
        return spacing && spacing->stale();
    });
    if (!stale)
        return;
    // What QCustomPlot::updateLayout does; the axes make their ticks again in the first phase.
    plot->plotLayout()->update(QCPLayoutElement::upPreparation);
    plot->plotLayout()->update(QCPLayoutElement::upMargins);
    plot->plotLayout()->update(QCPLayoutElement::upLayout);
}

} // namespace

namespace ticklabels {

QVector<int> keptLabels(const QVector<double>& positions,
                        const std::function<double(int, int)>& need) {
    QVector<int> kept;
    const int n = positions.size();
    if (n == 0)
        return kept;
    auto fits = [&](int a, int b) { return std::abs(positions[b] - positions[a]) >= need(a, b); };
    kept.append(0);
    for (int i = 1; i < n; ++i)
        if (fits(kept.back(), i))
            kept.append(i);
    if (kept.back() != n - 1) {
        // The last label takes the place of those shown too near it; the first always stays.
        while (kept.size() > 1 && !fits(kept.back(), n - 1))
            kept.removeLast();
        if (fits(kept.back(), n - 1))
            kept.append(n - 1);
    }
    return kept;
}

QVector<QRect> labelRects(const QCPAxis* axis) {
    QVector<QRect> rects;
    const QVector<double> ticks = axis->tickVector();
    const QVector<QString> labels = axis->tickVectorLabels();
    const QCPAxisRect* area = axis->axisRect();
    // As QCustomPlot's axis painter places them: past the axis's offset, its ticks and padding.
    const int distance = axis->offset() +
                         std::max({0, axis->tickLengthOut(), axis->subTickLengthOut()}) +
                         axis->tickLabelPadding();
    for (int i = 0; i < std::min(ticks.size(), labels.size()); ++i) {
        if (labels[i].isEmpty())
            continue;
        const QSize size = labelSize(axis, labels[i]);
        const int at = static_cast<int>(std::lround(axis->coordToPixel(ticks[i])));
        QRect r(QPoint(0, 0), size);
        switch (axis->axisType()) {
        case QCPAxis::atLeft:
            r.moveTopRight(QPoint(area->left() - distance, at - size.height() / 2));
            break;
        case QCPAxis::atRight:
            r.moveTopLeft(QPoint(area->right() + distance, at - size.height() / 2));
            break;
        case QCPAxis::atTop:
            r.moveBottomLeft(QPoint(at - size.width() / 2, area->top() - distance));
            break;
        case QCPAxis::atBottom:
            r.moveTopLeft(QPoint(at - size.width() / 2, area->bottom() + distance));
            break;
        }
        rects.append(r);
    }
    return rects;
}

QVector<double> labelledTicks(const QCPAxis* axis) {
    QVector<double> out;
    const QVector<double> ticks = axis->tickVector();
    const QVector<QString> labels = axis->tickVectorLabels();
    for (int i = 0; i < std::min(ticks.size(), labels.size()); ++i)
        if (!labels[i].isEmpty())
            out.append(ticks[i]);
    return out;
}

} // namespace ticklabels

LabelSpacing::LabelSpacing(QCPAxis* axis) : m_axis(axis) {
    QCustomPlot* plot = axis->parentPlot();
    if (plot && !plot->property(kWatchedProperty).toBool()) {
        plot->setProperty(kWatchedProperty, true);
        QObject::connect(plot, &QCustomPlot::afterLayout, plot, [plot] { relayoutIfStale(plot); });
    }
}

int LabelSpacing::axisLength() const {
    const QCPAxisRect* area = m_axis->axisRect();
    return m_axis->orientation() == Qt::Horizontal ? area->width() : area->height();
}

bool LabelSpacing::stale() const {
    return m_length != axisLength();
}

void LabelSpacing::thin(const QVector<double>& ticks, QVector<QString>& labels) {
    m_length = axisLength();
    QVector<int> shown; // indices into ticks of the labels that are not blank already
    QVector<double> positions;
    QVector<QSize> sizes;
    for (int i = 0; i < std::min(ticks.size(), labels.size()); ++i) {
        if (labels[i].isEmpty())
            continue;
        shown.append(i);
        positions.append(m_axis->coordToPixel(ticks[i]));
        sizes.append(labelSize(m_axis, labels[i]));
    }
    const double textHeight = QFontMetrics(m_axis->tickLabelFont()).height();
    const double gap = ticklabels::kGapOfTextHeight * textHeight;
    const double radians = qDegreesToRadians(m_axis->tickLabelRotation());
    const double sine = std::abs(std::sin(radians)), cosine = std::abs(std::cos(radians));
    const bool horizontal = m_axis->orientation() == Qt::Horizontal;
    auto need = [&](int a, int b) -> double {
        const QSize sa = sizes[a], sb = sizes[b];
        if (!horizontal)
            return (sa.height() + sb.height()) / 2.0 + gap;
        if (sine < 0.1)
            return (sa.width() + sb.width()) / 2.0 + gap;
        // Rotated labels are parallel strips: apart across them by their height and the gap, or
        // apart along the axis by the wider one's extent.
        const double across = (std::max(sa.height(), sb.height()) + gap) / sine;
        const double along = std::max(sa.width() * cosine + sa.height() * sine,
                                      sb.width() * cosine + sb.height() * sine) +
                             gap;
        return std::min(across, along);
    };
    const QVector<int> kept = ticklabels::keptLabels(positions, need);
    QVector<bool> keep(shown.size(), false);
    for (int k : kept)
        keep[k] = true;
    for (int k = 0; k < shown.size(); ++k)
        if (!keep[k])
            labels[shown[k]].clear();
}
