// CurvePlot's crosshair: the value of every visible run at the step under the mouse.
#include "curveplot.h"

#include <algorithm>
#include <cmath>

#include <QLabel>
#include <QLocale>
#include <qcustomplot.h>

int CurvePlot::lastIndexAtOrBefore(const Curve& curve, double x) const {
    const QVector<CurvePoint>& points = curve.points;
    if (curve.xMonotone) {
        const auto it = std::upper_bound(
            points.cbegin(), points.cend(), x,
            [this](double value, const CurvePoint& point) { return value < xOf(point); });
        return int(it - points.cbegin()) - 1;
    }
    // Out-of-order points (a resumed run): the latest point by x wins, ties by arrival.
    int best = -1;
    double bestX = -std::numeric_limits<double>::infinity();
    for (int i = 0; i < points.size(); ++i) {
        const double px = xOf(points[i]);
        if (px <= x && px >= bestX) {
            best = i;
            bestX = px;
        }
    }
    return best;
}

QString CurvePlot::formatValue(double value) const {
    // Called for values a run did report: a NaN here is a NaN, not a missing value.
    if (std::isnan(value))
        return QStringLiteral("NaN");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("inf") : QStringLiteral("\u2212inf");
    if (m_percent)
        return QString::number(value * 100, 'f', 2) + QLatin1Char('%');
    return QString::number(value, 'g', 4);
}

QString CurvePlot::formatX(double x) const {
    switch (m_xAxis) {
    case XAxis::Epoch:
        return QStringLiteral("epoch %1").arg(x, 0, 'f', 2);
    case XAxis::Time:
        return QStringLiteral("%1 s").arg(x, 0, 'f', 1);
    case XAxis::Iteration:
        break;
    }
    return QStringLiteral("%1 %2").arg(m_stepLabel).arg(qRound64(x));
}

void CurvePlot::setStepLabel(const QString& label) {
    m_stepLabel = label;
    updateXAxisLabel();
    scheduleReplot();
}

void CurvePlot::updateCrosshair(double x, const QPoint& cursor) {
    m_crosshair->point1->setCoords(x, 0);
    m_crosshair->point2->setCoords(x, 1);
    m_crosshair->setVisible(true);
    m_crosshair->layer()->replot();

    QString html =
        QStringLiteral("<table cellspacing=\"0\" cellpadding=\"1\"><tr><td colspan=\"%1\">"
                       "<b>%2</b></td></tr>")
            .arg(m_series.size() + 2)
            .arg(formatX(x));
    bool anyRun = false;
    for (const Run& run : m_runs) {
        if (!run.visible)
            continue;
        anyRun = true;
        html += QStringLiteral("<tr><td style=\"color:%1\">&#9632;</td><td>%2</td>")
                    .arg(run.color.name(), run.name.toHtmlEscaped());
        for (size_t i = 0; i < m_series.size(); ++i) {
            const Curve& curve = run.curves[i];
            const int index = lastIndexAtOrBefore(curve, x);
            QString value = QStringLiteral("\u2013");
            if (index >= 0) {
                const double raw = curve.points[index].value;
                value = smooths(m_series[i])
                            ? formatValue(curve.smoothed[index]) +
                                  QStringLiteral(" <span style=\"color:#909090\">(%1)</span>")
                                      .arg(formatValue(raw))
                            : formatValue(raw);
            }
            const QString label = m_series.size() > 1
                                      ? m_series[i].label.toHtmlEscaped() + QLatin1Char(' ')
                                      : QString();
            html += QStringLiteral("<td style=\"padding-left:10px\">%1%2</td>").arg(label, value);
        }
        html += QStringLiteral("</tr>");
    }
    html += QStringLiteral("</table>");
    if (!anyRun) {
        m_readout->hide();
        return;
    }
    m_readout->setText(html);
    m_readout->adjustSize();

    // Beside the cursor, flipped to the other side where it would leave the plot area.
    const QRect area = m_plot->axisRect()->rect();
    const QSize size = m_readout->size();
    constexpr int kOffset = 14;
    int left = cursor.x() + kOffset;
    if (left + size.width() > area.right())
        left = std::max(area.left(), cursor.x() - kOffset - size.width());
    int top = cursor.y() + kOffset;
    if (top + size.height() > area.bottom())
        top = std::max(area.top(), cursor.y() - kOffset - size.height());
    m_readout->move(left, top);
    m_readout->show();
    m_readout->raise();
}

void CurvePlot::hideCrosshair() {
    m_readout->hide();
    if (m_crosshair->visible()) {
        m_crosshair->setVisible(false);
        m_crosshair->layer()->replot();
    }
}
