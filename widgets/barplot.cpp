#include "barplot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QFontMetrics>
#include <QMouseEvent>
#include <QToolTip>
#include <QtMath>
#include <qcustomplot.h>

#include "plotexport.h"
#include "ticklabels.h"

namespace {

constexpr double kGroupWidth = 0.8; // of a category's slot, shared by its bars
constexpr double kNameRotation = 60.0;
// The most of the plot's height the names may take rotated; past it they lie flat, fewer of them.
constexpr double kMostHeightForNames = 0.35;

/// A category's name on the axis: a parameter's name without ".weight".
QString tickName(QString name) {
    if (name.endsWith(QLatin1String(".weight")))
        name.chop(7);
    return name;
}

} // namespace

BarPlot::BarPlot(QWidget* parent) : QWidget(parent) {
    m_plot = new QCustomPlot(this);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    PlotStyle::apply(m_plot, font());
    // Every category has a tick; rotated names that would overlap at this width are left blank
    // (every k-th stays, with the first and the last), and the tooltip names each bar.
    ticklabels::setSpacedTicker<QCPAxisTickerText>(m_plot->xAxis);
    ticklabels::setSpacedTicker<QCPAxisTicker>(m_plot->yAxis);
    m_plot->xAxis->setTickLabelRotation(kNameRotation);
    // Before each replot's layout, so a new size or the presenter layout's type is seen first.
    connect(m_plot, &QCustomPlot::beforeReplot, this, &BarPlot::placeTickLabels);
    m_plot->xAxis->grid()->setVisible(false);
    m_plot->legend->setVisible(true);
    m_group = new QCPBarsGroup(m_plot);
    m_group->setSpacingType(QCPBarsGroup::stAbsolute);
    m_group->setSpacing(0);

    m_reference = new QCPItemStraightLine(m_plot);
    m_reference->setPen(QPen(QColor(60, 60, 60), 1.5, Qt::DashLine));
    m_reference->setVisible(false);
    m_referenceLabel = new QCPItemText(m_plot);
    m_referenceLabel->setFont(PlotStyle::textFont(font()));
    m_referenceLabel->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    m_referenceLabel->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
    m_referenceLabel->position->setTypeY(QCPItemPosition::ptPlotCoords);
    m_referenceLabel->setColor(QColor(60, 60, 60));
    // Above the bars, on a light ground: the bars of a net near its intact error reach the line.
    m_referenceLabel->setLayer(QStringLiteral("legend"));
    m_referenceLabel->setBrush(QColor(255, 255, 255, 225));
    m_referenceLabel->setPadding(QMargins(3, 1, 3, 1));
    m_referenceLabel->setText(QString());
    m_referenceLabel->setVisible(false);
    m_highlight = new QCPItemRect(m_plot);
    m_highlight->setPen(Qt::NoPen);
    m_highlight->setBrush(QColor(255, 200, 0, 70));
    m_highlight->setLayer(QStringLiteral("background"));
    m_highlight->setVisible(false);

    m_plot->setMouseTracking(true);
    m_plot->installEventFilter(this);
}

BarPlot::~BarPlot() {
    m_plot->removeEventFilter(this);
}

void BarPlot::setCategories(const QStringList& names) {
    m_categories = names;
    auto ticker = qSharedPointerDynamicCast<QCPAxisTickerText>(m_plot->xAxis->ticker());
    ticker->clear();
    for (int i = 0; i < names.size(); ++i)
        ticker->addTick(i, tickName(names[i]));
    rebuild();
}

void BarPlot::setSeries(int id,
                        const QString& label,
                        const QColor& color,
                        const QVector<double>& values,
                        bool hatched,
                        const QString& nanReason) {
    Series& s = m_series[id];
    if (!s.bars) {
        s.bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        s.bars->setBarsGroup(m_group);
    }
    s.label = label;
    s.color = color;
    s.values = values;
    s.hatched = hatched;
    s.nanReason = nanReason;
    rebuild();
}

void BarPlot::removeSeries(int id) {
    auto it = m_series.find(id);
    if (it == m_series.end())
        return;
    m_plot->removePlottable(it->bars);
    m_series.erase(it);
    rebuild();
}

void BarPlot::clearSeries() {
    for (const Series& s : std::as_const(m_series))
        m_plot->removePlottable(s.bars);
    m_series.clear();
    rebuild();
}

QVector<double> BarPlot::values(int id) const {
    return m_series.value(id).values;
}

void BarPlot::setTitle(const QString& title) {
    if (auto* text = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0))) {
        text->setText(title);
    } else {
        m_plot->plotLayout()->insertRow(0);
        m_plot->plotLayout()->addElement(
            0, 0, new QCPTextElement(m_plot, title, PlotStyle::titleFont(font())));
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void BarPlot::setYLabel(const QString& label) {
    PlotStyle::setAxisLabel(m_plot->yAxis, label);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void BarPlot::setLogY(bool logY) {
    m_logY = logY;
    m_plot->yAxis->setScaleType(logY ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (logY)
        ticklabels::setSpacedTicker<QCPAxisTickerLog>(m_plot->yAxis);
    else
        ticklabels::setSpacedTicker<QCPAxisTicker>(m_plot->yAxis);
    rebuild();
}

void BarPlot::setPercent(bool percent) {
    m_percent = percent;
    rebuild();
}

void BarPlot::setReference(double value, const QString& label) {
    m_referenceValue = value;
    m_referenceLabel->setText(label);
    rebuild();
}

void BarPlot::setHighlightedCategory(const QString& name) {
    m_highlighted = name;
    rebuild();
}

void BarPlot::setYRange(double lower, double upper) {
    m_fixedLower = lower;
    m_fixedUpper = upper;
    fit();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

double BarPlot::shown(double value) const {
    return m_percent ? 100.0 * value : value;
}

void BarPlot::rebuild() {
    for (QCPItemText* mark : std::as_const(m_nanMarks))
        m_plot->removeItem(mark);
    m_nanMarks.clear();
    const int n = m_series.size();
    const double width = n ? kGroupWidth / n : kGroupWidth;
    // On a log axis the bars stand on a floor below the smallest value, not on zero.
    double floor = std::numeric_limits<double>::infinity();
    for (const Series& s : std::as_const(m_series))
        for (double v : s.values)
            if (std::isfinite(v) && shown(v) > 0)
                floor = std::min(floor, shown(v));
    floor = std::isfinite(floor) ? floor / 3 : 1e-3;
    int index = 0;
    for (Series& s : m_series) {
        QVector<double> keys, values;
        for (int i = 0; i < std::min<int>(s.values.size(), m_categories.size()); ++i) {
            const double v = s.values[i];
            if (!std::isfinite(v)) {
                auto* mark = new QCPItemText(m_plot);
                mark->setFont(PlotStyle::textFont(font()));
                mark->position->setTypeX(QCPItemPosition::ptPlotCoords);
                mark->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
                mark->position->setCoords(i + (index - (n - 1) / 2.0) * width, 0.98);
                mark->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
                mark->setText(QStringLiteral("×"));
                mark->setColor(s.color.darker(130));
                mark->setClipToAxisRect(true);
                m_nanMarks.append(mark);
                continue;
            }
            keys.append(i);
            values.append(m_logY ? std::max(shown(v), floor) : shown(v));
        }
        s.bars->setData(keys, values, true);
        s.bars->setWidth(width);
        s.bars->setBaseValue(m_logY ? floor : 0);
        s.bars->setName(s.label);
        s.bars->setPen(QPen(s.color.darker(120), 1));
        s.bars->setBrush(s.hatched ? QBrush(s.color, Qt::BDiagPattern) : QBrush(s.color));
        ++index;
    }
    const int highlighted = m_categories.indexOf(m_highlighted);
    m_highlight->setVisible(highlighted >= 0);
    if (highlighted >= 0) {
        m_highlight->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
        m_highlight->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
        m_highlight->topLeft->setCoords(highlighted - 0.5, 0);
        m_highlight->bottomRight->setCoords(highlighted + 0.5, 1);
    }
    const bool reference = std::isfinite(m_referenceValue) && !m_referenceLabel->text().isEmpty();
    m_reference->setVisible(reference);
    m_referenceLabel->setVisible(reference);
    if (reference) {
        m_reference->point1->setCoords(0, shown(m_referenceValue));
        m_reference->point2->setCoords(1, shown(m_referenceValue));
        m_referenceLabel->position->setCoords(0.01, shown(m_referenceValue));
    }
    m_plot->legend->setVisible(n > 1);
    fit();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void BarPlot::fit() {
    m_plot->xAxis->setRange(-0.6, std::max<int>(m_categories.size(), 1) - 0.4);
    if (m_fixedLower < m_fixedUpper) {
        m_plot->yAxis->setRange(shown(m_fixedLower), shown(m_fixedUpper));
        return;
    }
    bool found = false;
    m_plot->yAxis->rescale(true);
    QCPRange r = m_plot->yAxis->range();
    for (const Series& s : std::as_const(m_series))
        found = found || !s.bars->data()->isEmpty();
    if (!found)
        r = m_logY ? QCPRange(1e-3, 1) : QCPRange(0, 1);
    if (std::isfinite(m_referenceValue) && m_reference->visible())
        r.expand(shown(m_referenceValue));
    if (m_logY)
        m_plot->yAxis->setRange(r.lower / 1.5, r.upper * 1.5);
    else
        m_plot->yAxis->setRange(0, r.upper > 0 ? r.upper * 1.1 : 1);
}

/// Rotated names show many categories in little width, but a long name (layer2.4.conv2) rotated
/// is most of a text line tall: in a short plot (the gradients view on a projector's 1280 x 720,
/// in the presenter layout's type) they left the bars a strip. There the names lie flat: fewer
/// fit along the axis (the first and the last stay, and the tooltip names every bar), and the
/// bars get the height.
void BarPlot::placeTickLabels() {
    const QFontMetrics metrics(m_plot->xAxis->tickLabelFont());
    int longest = 0;
    for (const QString& name : std::as_const(m_categories))
        longest = std::max(longest, metrics.horizontalAdvance(tickName(name)));
    const double radians = qDegreesToRadians(kNameRotation);
    const double rotated = longest * std::sin(radians) + metrics.height() * std::cos(radians);
    const double rotation = rotated > kMostHeightForNames * m_plot->height() ? 0.0 : kNameRotation;
    if (m_plot->xAxis->tickLabelRotation() != rotation)
        m_plot->xAxis->setTickLabelRotation(rotation);
}

bool BarPlot::exportImage(const QString& path, QString* error) {
    return PlotExport::saveImage(m_plot, path, error);
}

bool BarPlot::eventFilter(QObject* watched, QEvent* event) {
    if (watched != m_plot ||
        (event->type() != QEvent::MouseMove && event->type() != QEvent::MouseButtonRelease))
        return QWidget::eventFilter(watched, event);
    auto* e = static_cast<QMouseEvent*>(event);
    const QPoint pos = e->position().toPoint();
    if (!m_plot->axisRect()->rect().contains(pos))
        return QWidget::eventFilter(watched, event);
    const int i = static_cast<int>(std::lround(m_plot->xAxis->pixelToCoord(pos.x())));
    if (i < 0 || i >= m_categories.size())
        return QWidget::eventFilter(watched, event);
    if (event->type() == QEvent::MouseButtonRelease) {
        if (e->button() == Qt::LeftButton)
            Q_EMIT categoryClicked(m_categories[i]);
    } else {
        QStringList lines{m_categories[i]};
        for (const Series& s : std::as_const(m_series)) {
            const double v =
                i < s.values.size() ? s.values[i] : std::numeric_limits<double>::quiet_NaN();
            lines << QStringLiteral("%1: %2").arg(
                s.label, std::isfinite(v)
                             ? (m_percent ? QString::number(100 * v, 'f', 2) + QLatin1Char('%')
                                          : QString::number(v, 'g', 3))
                             : s.nanReason);
        }
        QToolTip::showText(e->globalPosition().toPoint(), lines.join(QLatin1Char('\n')), m_plot);
    }
    return QWidget::eventFilter(watched, event);
}
