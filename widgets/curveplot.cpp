// CurvePlot: its series and runs, how their points become graphs, the axes, the note and the
// legend. Its CSV export is in curvecsv.cpp and its crosshair in curvecrosshair.cpp; the legend's
// rows and the log ticker are classes of their own (curvelegend, denselogticker). What is left
// here is one piece past 500 lines: every part of it reads and writes the same series store.
#include "curveplot.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>

#include <qcustomplot.h>

#include <QFontMetrics>
#include <QLabel>
#include <QVBoxLayout>

#include "curvelegend.h"
#include "denselogticker.h"
#include "plotexport.h"
#include "ticklabels.h"

namespace {

// Exactly 1 px: QCustomPlot then hands Qt a cosmetic pen, which Qt strokes ~100 times faster than
// a 1.2 px one over a dense noisy curve (100k points: ~2 ms instead of ~350 ms a dashed graph).
// Thin series are the per-step ones, so this is what keeps long runs smooth.
constexpr double kThinWidth = 1.0;
constexpr double kBoldWidth = 2.5; // meant for per-epoch series, whose few points cost nothing
constexpr double kLegendLineWidth = 2.2;
constexpr double kFaintWidth = 1.0;
constexpr int kFaintAlpha = 60;
constexpr double kMaxSmoothing = 0.999;
constexpr int kReplotIntervalMs = 50; // at most ~20 repaints a second, however often data arrives
const QColor kKeyColor(105, 105, 105);
const QColor kTextColor(40, 40, 40);
const QColor kNonFiniteColor(214, 39, 40);

double nan() {
    return std::numeric_limits<double>::quiet_NaN();
}

// Dashes in units of the pen width, long enough to read as dashed on a noisy curve.
QPen plainAware(QPen pen, bool plain) {
    pen.setCapStyle(Qt::FlatCap);
    if (plain)
        pen.setDashPattern({4.0, 2.5});
    return pen;
}

double roleWidth(CurvePlot::SeriesRole role) {
    return role == CurvePlot::SeriesRole::Bold ? kBoldWidth : kThinWidth;
}

// Greedy word wrap: QCPItemText draws text as given and never wraps it itself.
QString wrapText(const QString& text, const QFontMetrics& metrics, int maxWidth) {
    QStringList lines;
    for (const QString& paragraph : text.split(QLatin1Char('\n'))) {
        QString line;
        for (const QString& word : paragraph.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
            const QString candidate = line.isEmpty() ? word : line + QLatin1Char(' ') + word;
            if (!line.isEmpty() && metrics.horizontalAdvance(candidate) > maxWidth) {
                lines << line;
                line = word;
            } else {
                line = candidate;
            }
        }
        lines << line;
    }
    return lines.join(QLatin1Char('\n'));
}

QCPScatterStyle::ScatterShape markerShape(CurvePlot::Marker marker) {
    switch (marker) {
    case CurvePlot::Marker::Circle:
        return QCPScatterStyle::ssDisc;
    case CurvePlot::Marker::Square:
        return QCPScatterStyle::ssSquare;
    case CurvePlot::Marker::Triangle:
        return QCPScatterStyle::ssTriangle;
    case CurvePlot::Marker::Diamond:
        return QCPScatterStyle::ssDiamond;
    case CurvePlot::Marker::None:
        break;
    }
    return QCPScatterStyle::ssNone;
}

LineLegendItem* lineItem(QCPAbstractLegendItem* item) {
    return dynamic_cast<LineLegendItem*>(item);
}

} // namespace

void CurvePlot::Bounds::add(double x, double y) {
    if (!valid) {
        xMin = xMax = x;
        yMin = yMax = y;
        valid = true;
        return;
    }
    xMin = std::min(xMin, x);
    xMax = std::max(xMax, x);
    yMin = std::min(yMin, y);
    yMax = std::max(yMax, y);
}

void CurvePlot::Bounds::unite(const Bounds& other) {
    if (!other.valid)
        return;
    add(other.xMin, other.yMin);
    add(other.xMax, other.yMax);
}

CurvePlot::CurvePlot(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);

    PlotStyle::apply(m_plot, font());
    m_legendSide = qobject_cast<QCPLayoutGrid*>(m_plot->legend->layout());
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->setMouseTracking(true); // the crosshair follows the mouse without a button held
    const QFont smallFont = m_plot->legend->font();

    // Raw curves lie below every full-colour line: a faint raw curve never covers a smoothed one.
    m_plot->addLayer(QStringLiteral("raw"), m_plot->layer(QStringLiteral("main")),
                     QCustomPlot::limBelow);

    m_noteItem = new QCPItemText(m_plot);
    m_noteItem->setLayer(QStringLiteral("legend"));
    m_noteItem->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_noteItem->position->setAxisRect(m_plot->axisRect());
    m_noteItem->position->setCoords(0.985, 0.025);
    m_noteItem->setPositionAlignment(Qt::AlignTop | Qt::AlignRight);
    m_noteItem->setTextAlignment(Qt::AlignLeft);
    m_noteItem->setPadding(QMargins(8, 5, 8, 5));
    m_noteItem->setBrush(QColor(255, 255, 255, 225));
    m_noteItem->setPen(QPen(QColor(190, 190, 190), 0));
    m_noteItem->setColor(kTextColor);
    m_noteItem->setFont(smallFont);
    m_noteItem->setSelectable(false);
    m_noteItem->setVisible(false);

    // The crosshair lives on its own buffered layer: following the mouse repaints only that layer.
    m_plot->layer(QStringLiteral("overlay"))->setMode(QCPLayer::lmBuffered);
    m_crosshair = new QCPItemStraightLine(m_plot);
    m_crosshair->setLayer(QStringLiteral("overlay"));
    m_crosshair->setPen(QPen(QColor(80, 80, 80, 150), 0));
    m_crosshair->setSelectable(false);
    for (QCPItemPosition* point : {m_crosshair->point1, m_crosshair->point2}) {
        point->setTypeX(QCPItemPosition::ptPlotCoords);
        point->setTypeY(QCPItemPosition::ptAxisRectRatio); // independent of a log y axis
    }
    m_crosshair->setVisible(false);

    // A label, not a QCPItemText, because each run's line is written in the run's colour.
    m_readout = new QLabel(m_plot);
    m_readout->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_readout->setTextFormat(Qt::RichText);
    m_readout->setFont(smallFont);
    m_readout->setStyleSheet(
        QStringLiteral("QLabel { background: rgba(255, 255, 255, 235); color: #282828;"
                       " border: 1px solid #b4b4b4; border-radius: 3px; padding: 3px 6px; }"));
    m_readout->hide();

    m_plot->installEventFilter(this);
    connect(m_plot, &QCustomPlot::mouseMove, this, &CurvePlot::onMouseMove);
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, &CurvePlot::onMouseDoubleClick);
    connect(m_plot, &QCustomPlot::mouseWheel, this, [this] { m_followData = false; });
    connect(m_plot, &QCustomPlot::legendClick, this, &CurvePlot::onLegendClick);
    connect(m_plot, &QCustomPlot::afterLayout, this, &CurvePlot::updateNoteText);
    // QCustomPlot's least height is its layout's, which the legend raises by a row for every run:
    // eight runs and a key made the gradients view's line plot taller than a 720-line screen
    // leaves it. The plot takes a least height of its own, and a legend taller than the plot
    // wraps into columns.
    m_plot->setMinimumHeight(QFontMetrics(font()).height() * 8);
    connect(m_plot, &QCustomPlot::afterLayout, this, &CurvePlot::fitLegendColumns);

    m_replotTimer.setSingleShot(true);
    m_replotTimer.setInterval(kReplotIntervalMs);
    connect(&m_replotTimer, &QTimer::timeout, this, &CurvePlot::replotNow);

    updateXAxisLabel();
    applyAxisScales();
}

CurvePlot::~CurvePlot() {
    // The plot outlives this object's members while QWidget deletes its children.
    m_plot->removeEventFilter(this);
}

CurvePlot::Run* CurvePlot::findRun(int runId) {
    for (Run& run : m_runs)
        if (run.id == runId)
            return &run;
    return nullptr;
}

const CurvePlot::Run* CurvePlot::findRun(int runId) const {
    return const_cast<CurvePlot*>(this)->findRun(runId);
}

int CurvePlot::seriesIndex(int seriesId) const {
    for (size_t i = 0; i < m_series.size(); ++i)
        if (m_series[i].id == seriesId)
            return int(i);
    return -1;
}

void CurvePlot::addSeries(int seriesId, const QString& label, SeriesRole role, bool smoothed) {
    const int index = seriesIndex(seriesId);
    if (index >= 0) {
        Series& series = m_series[index];
        const bool resmoothNeeded = series.smoothed != smoothed;
        series.label = label;
        series.role = role;
        series.smoothed = smoothed;
        for (Run& run : m_runs) {
            Curve& curve = run.curves[index];
            styleCurve(run, series, curve);
            if (resmoothNeeded) {
                resmooth(curve, series);
                rebuildCurve(curve, series);
            }
        }
    } else {
        m_series.push_back(Series{seriesId, label, role, smoothed});
        for (Run& run : m_runs)
            run.curves.push_back(makeCurve(run, m_series.back()));
    }
    updateLegendKey();
    scheduleReplot();
}

void CurvePlot::setSeriesMarker(int seriesId, Marker marker) {
    const int index = seriesIndex(seriesId);
    if (index < 0)
        return;
    m_series[index].marker = marker;
    for (Run& run : m_runs)
        styleCurve(run, m_series[index], run.curves[index]);
    updateLegendKey();
    scheduleReplot();
}

void CurvePlot::removeSeries(int seriesId) {
    const int index = seriesIndex(seriesId);
    if (index < 0)
        return;
    for (Run& run : m_runs) {
        Curve& curve = run.curves[index];
        m_plot->removeGraph(curve.raw);
        m_plot->removeGraph(curve.smoothedGraph);
        m_plot->removeGraph(curve.nonFinite);
        run.curves.erase(run.curves.begin() + index);
    }
    m_series.erase(m_series.begin() + index);
    updateLegendKey();
    scheduleReplot();
}

QVector<int> CurvePlot::seriesIds() const {
    QVector<int> ids;
    for (const Series& series : m_series)
        ids.append(series.id);
    return ids;
}

QString CurvePlot::seriesLabel(int seriesId) const {
    const int index = seriesIndex(seriesId);
    return index >= 0 ? m_series[index].label : QString();
}

void CurvePlot::addRun(int runId, const QString& name, const QColor& color, bool plain) {
    if (Run* existing = findRun(runId)) {
        existing->name = name;
        existing->color = color;
        existing->plain = plain;
        for (size_t i = 0; i < m_series.size(); ++i)
            styleCurve(*existing, m_series[i], existing->curves[i]);
    } else {
        Run run;
        run.id = runId;
        run.name = name;
        run.color = color;
        run.plain = plain;
        for (const Series& series : m_series)
            run.curves.push_back(makeCurve(run, series));
        auto* item = new LineLegendItem(m_plot->legend, runId);
        m_plot->legend->addItem(item);
        run.legendItem = item;
        m_runs.push_back(std::move(run));
    }
    Run* run = findRun(runId);
    auto* item = lineItem(run->legendItem);
    item->setText(name);
    item->setLine(plainAware(QPen(color, kLegendLineWidth), plain));
    updateLegendKey();
    scheduleReplot();
}

void CurvePlot::removeRun(int runId) {
    const auto it = std::find_if(m_runs.begin(), m_runs.end(),
                                 [runId](const Run& run) { return run.id == runId; });
    if (it == m_runs.end())
        return;
    for (Curve& curve : it->curves) {
        m_plot->removeGraph(curve.raw);
        m_plot->removeGraph(curve.smoothedGraph);
        m_plot->removeGraph(curve.nonFinite);
    }
    m_plot->legend->removeItem(it->legendItem);
    m_runs.erase(it);
    updateLegendKey();
    scheduleReplot();
}

void CurvePlot::clearRuns() {
    while (!m_runs.empty())
        removeRun(m_runs.back().id);
}

CurvePlot::Curve CurvePlot::makeCurve(const Run& run, const Series& series) {
    Curve curve;
    curve.raw = new QCPGraph(m_plot->xAxis, m_plot->yAxis);
    curve.raw->setLayer(QStringLiteral("raw"));
    curve.smoothedGraph = new QCPGraph(m_plot->xAxis, m_plot->yAxis);
    curve.nonFinite = new QCPGraph(m_plot->xAxis, m_plot->yAxis);
    curve.nonFinite->setLineStyle(QCPGraph::lsNone);
    curve.nonFinite->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCross, QPen(kNonFiniteColor, 2.0), Qt::NoBrush, 11));
    styleCurve(run, series, curve);
    return curve;
}

void CurvePlot::placePoint(Curve& curve,
                           double x,
                           double value,
                           QVector<double>& keys,
                           QVector<double>& values,
                           QVector<double>& crossKeys,
                           QVector<double>& crossValues) const {
    const double y = displayValue(value); // NaN (a gap in the line) also for 0 on a log axis
    keys.append(x);
    values.append(y);
    if (std::isfinite(y)) {
        curve.bounds.add(x, y);
        curve.lastFiniteY = y;
    } else if (!std::isfinite(value) && std::isfinite(curve.lastFiniteY)) {
        curve.bounds.add(x, curve.lastFiniteY); // fitting the view keeps the cross in it
        crossKeys.append(x);
        crossValues.append(curve.lastFiniteY);
    }
}

bool CurvePlot::smooths(const Series& series) const {
    return series.smoothed && m_smoothing != Smoothing::None;
}

void CurvePlot::styleCurve(const Run& run, const Series& series, Curve& curve) const {
    const QPen line = plainAware(QPen(run.color, roleWidth(series.role) * m_lineScale), run.plain);
    const bool smoothing = smooths(series);
    if (smoothing) {
        QColor faint = run.color;
        faint.setAlpha(kFaintAlpha);
        curve.raw->setPen(QPen(faint, kFaintWidth * m_lineScale));
        curve.smoothedGraph->setPen(line);
    } else {
        curve.raw->setPen(line);
    }
    // The mark goes on the line drawn in full colour.
    const QCPScatterStyle mark(markerShape(series.marker), run.color, run.color,
                               LineLegendItem::kMarkerSize);
    curve.raw->setScatterStyle(smoothing ? QCPScatterStyle() : mark);
    curve.smoothedGraph->setScatterStyle(smoothing ? mark : QCPScatterStyle());
    const QString name = run.name + QLatin1Char(' ') + series.label;
    curve.raw->setName(name);
    curve.smoothedGraph->setName(name + QLatin1String(" (smoothed)"));
    curve.raw->setVisible(run.visible);
    curve.smoothedGraph->setVisible(run.visible && smoothing);
    curve.nonFinite->setName(name + QLatin1String(" (NaN or infinite)"));
    curve.nonFinite->setVisible(run.visible);
}

double CurvePlot::xOf(const CurvePoint& point) const {
    switch (m_xAxis) {
    case XAxis::Epoch:
        return point.epoch;
    case XAxis::Time:
        return point.time;
    case XAxis::Iteration:
        break;
    }
    return point.step;
}

double CurvePlot::smoothNext(SmoothState& state, double value) const {
    // A diverged step (NaN, inf) would poison the running state for good; it is left out.
    if (!std::isfinite(value))
        return nan();
    const double a = m_smoothingAmount;
    switch (m_smoothing) {
    case Smoothing::Ema:
        // TensorBoard's smoothing: the EMA starts at 0, so early values are biased towards 0;
        // dividing by 1 - a^t (the weight the EMA has given to real values so far) removes that.
        state.biased = a * state.biased + (1 - a) * value;
        state.weightPower *= a;
        return state.biased / (1 - state.weightPower);
    case Smoothing::MovingAverage: {
        const int window = movingAverageWindow(a);
        if (state.window.size() < window) {
            state.window.append(value);
            state.sum += value;
        } else {
            state.sum += value - state.window[state.head];
            state.window[state.head] = value;
            state.head = (state.head + 1) % window;
        }
        return state.sum / state.window.size();
    }
    case Smoothing::None:
        break;
    }
    return value;
}

int CurvePlot::movingAverageWindow(double amount) {
    const double a = std::clamp(amount, 0.0, kMaxSmoothing);
    return std::max(1, int(std::lround((1 + a) / (1 - a))));
}

double CurvePlot::displayValue(double value) const {
    if (!std::isfinite(value))
        return nan();
    if (m_percent)
        value *= 100;
    if (m_logY && value <= 0)
        return nan(); // a gap in the line, never a made-up value near zero
    return value;
}

void CurvePlot::resmooth(Curve& curve, const Series& series) {
    curve.smooth = SmoothState();
    curve.smoothed.clear();
    if (!smooths(series))
        return;
    curve.smoothed.reserve(curve.points.size());
    for (const CurvePoint& point : curve.points)
        curve.smoothed.append(smoothNext(curve.smooth, point.value));
}

void CurvePlot::rebuildCurve(Curve& curve, const Series& series) {
    const bool smoothing = smooths(series);
    QVector<QCPGraphData> raw;
    QVector<QCPGraphData> smoothed;
    raw.reserve(curve.points.size());
    if (smoothing)
        smoothed.reserve(curve.points.size());
    curve.bounds = Bounds();
    curve.xMonotone = true;
    curve.lastX = -std::numeric_limits<double>::infinity();
    curve.lastFiniteY = nan();
    QVector<double> keys, values, crossKeys, crossValues;
    for (int i = 0; i < curve.points.size(); ++i) {
        const double x = xOf(curve.points[i]);
        if (!std::isfinite(x))
            continue;
        if (x < curve.lastX)
            curve.xMonotone = false;
        curve.lastX = x;
        if (m_logX && x <= 0)
            continue;
        placePoint(curve, x, curve.points[i].value, keys, values, crossKeys, crossValues);
        raw.append(QCPGraphData(x, values.back()));
        if (smoothing)
            smoothed.append(QCPGraphData(x, displayValue(curve.smoothed[i])));
    }
    curve.raw->data()->set(raw, curve.xMonotone);
    curve.smoothedGraph->data()->set(smoothed, curve.xMonotone);
    curve.nonFinite->setData(crossKeys, crossValues, curve.xMonotone);
}

void CurvePlot::rebuildAll() {
    for (Run& run : m_runs)
        for (size_t i = 0; i < m_series.size(); ++i)
            rebuildCurve(run.curves[i], m_series[i]);
    if (m_followData)
        fitRanges();
    scheduleReplot();
}

void CurvePlot::appendPoints(int runId, int seriesId, const QVector<CurvePoint>& points) {
    Run* run = findRun(runId);
    const int index = seriesIndex(seriesId);
    if (!run || index < 0 || points.isEmpty())
        return;
    Curve& curve = run->curves[index];
    const bool smoothing = smooths(m_series[index]);

    QVector<double> keys;
    QVector<double> rawValues;
    QVector<double> smoothValues;
    QVector<double> crossKeys, crossValues;
    keys.reserve(points.size());
    rawValues.reserve(points.size());
    if (smoothing)
        smoothValues.reserve(points.size());
    bool sorted = true;
    double previousKey = -std::numeric_limits<double>::infinity();
    for (const CurvePoint& point : points) {
        curve.points.append(point);
        double smoothedValue = nan();
        if (smoothing) {
            smoothedValue = smoothNext(curve.smooth, point.value);
            curve.smoothed.append(smoothedValue);
        }
        const double x = xOf(point);
        if (!std::isfinite(x))
            continue;
        if (x < curve.lastX)
            curve.xMonotone = false;
        curve.lastX = x;
        if (m_logX && x <= 0)
            continue;
        if (x < previousKey)
            sorted = false;
        previousKey = x;
        placePoint(curve, x, point.value, keys, rawValues, crossKeys, crossValues);
        if (smoothing)
            smoothValues.append(displayValue(smoothedValue));
    }
    // Sorted batches after the existing data are appended in place by QCustomPlot; only an
    // out-of-order batch (a resumed run that repeats steps) costs a merge.
    curve.raw->addData(keys, rawValues, sorted);
    curve.nonFinite->addData(crossKeys, crossValues, sorted);
    if (smoothing)
        curve.smoothedGraph->addData(keys, smoothValues, sorted);
    scheduleReplot();
}

void CurvePlot::setLineScale(double scale) {
    m_lineScale = scale;
    PlotStyle::scaleType(m_plot, scale);
    m_readout->setFont(m_plot->legend->font());
    for (Run& run : m_runs)
        for (size_t i = 0; i < m_series.size(); ++i)
            styleCurve(run, m_series[i], run.curves[i]);
    updateLegendKey();
    scheduleReplot();
}

void CurvePlot::setRunVisible(int runId, bool visible) {
    Run* run = findRun(runId);
    if (!run || run->visible == visible)
        return;
    run->visible = visible;
    for (size_t i = 0; i < m_series.size(); ++i)
        styleCurve(*run, m_series[i], run->curves[i]);
    lineItem(run->legendItem)->setHidden(!visible);
    scheduleReplot();
}

bool CurvePlot::isRunVisible(int runId) const {
    const Run* run = findRun(runId);
    return run && run->visible;
}

void CurvePlot::setXAxis(XAxis axis) {
    if (axis == m_xAxis)
        return; // callers apply all axis options at once; an unchanged axis keeps the zoom
    m_xAxis = axis;
    updateXAxisLabel();
    m_followData = true; // the old zoom means nothing on the new axis
    rebuildAll();
}

void CurvePlot::updateXAxisLabel() {
    switch (m_xAxis) {
    case XAxis::Iteration:
        PlotStyle::setAxisLabel(m_plot->xAxis, m_stepLabel);
        break;
    case XAxis::Epoch:
        PlotStyle::setAxisLabel(m_plot->xAxis, tr("epoch"));
        break;
    case XAxis::Time:
        PlotStyle::setAxisLabel(m_plot->xAxis, tr("wall time (s)"));
        break;
    }
}

void CurvePlot::setYLabel(const QString& label) {
    m_yLabel = label;
    PlotStyle::setAxisLabel(m_plot->yAxis, m_percent ? label + QLatin1String(" (%)") : label);
    scheduleReplot();
}

void CurvePlot::setPercent(bool percent) {
    if (m_percent == percent)
        return;
    m_percent = percent;
    setYLabel(m_yLabel);
    m_followData = true;
    rebuildAll();
}

void CurvePlot::setSmoothing(Smoothing smoothing, double amount) {
    amount = std::clamp(amount, 0.0, kMaxSmoothing);
    if (smoothing == m_smoothing && amount == m_smoothingAmount)
        return;
    m_smoothing = smoothing;
    m_smoothingAmount = amount;
    for (Run& run : m_runs) {
        for (size_t i = 0; i < m_series.size(); ++i) {
            resmooth(run.curves[i], m_series[i]);
            styleCurve(run, m_series[i], run.curves[i]);
        }
    }
    rebuildAll();
}

void CurvePlot::setLogX(bool logX) {
    if (m_logX == logX)
        return;
    m_logX = logX;
    applyAxisScales();
    m_followData = true;
    rebuildAll();
}

void CurvePlot::setLogY(bool logY) {
    if (m_logY == logY)
        return;
    m_logY = logY;
    applyAxisScales();
    m_followData = true;
    rebuildAll();
}

void CurvePlot::applyAxisScales() {
    const auto apply = [](QCPAxis* axis, bool log) {
        // Labels that would overlap on a short or narrow plot are left blank; their ticks stay.
        if (log) {
            axis->setScaleType(QCPAxis::stLogarithmic);
            ticklabels::setSpacedTicker<DenseLogTicker>(axis);
        } else {
            axis->setScaleType(QCPAxis::stLinear);
            ticklabels::setSpacedTicker<QCPAxisTicker>(axis);
        }
        axis->setNumberFormat(QStringLiteral("gb"));
    };
    apply(m_plot->xAxis, m_logX);
    apply(m_plot->yAxis, m_logY);
}

void CurvePlot::setNote(const QString& text) {
    m_note = text.trimmed();
    m_noteWrapWidth = 0;
    m_noteItem->setVisible(!m_note.isEmpty());
    updateNoteText();
    scheduleReplot();
}

void CurvePlot::updateNoteText() {
    if (m_note.isEmpty())
        return;
    int available = m_plot->axisRect()->width();
    if (available < 100) // not laid out yet
        available = width() * 2 / 3;
    const int wrapWidth = std::clamp(available * 45 / 100, 160, 460);
    if (wrapWidth == m_noteWrapWidth)
        return;
    m_noteWrapWidth = wrapWidth;
    m_noteItem->setText(wrapText(m_note, QFontMetrics(m_noteItem->font()), wrapWidth));
}

void CurvePlot::fitLegendColumns() {
    // Hidden behind another tab or not laid out yet: there is no height to fit.
    if (!m_plot->isVisible() || m_plot->height() < m_plot->minimumHeight())
        return;
    QCPLegend* legend = m_plot->legend;
    // The items in order; once wrapped, the grid's last column may hold empty cells.
    QVector<QSize> sizes;
    for (int i = 0; i < legend->elementCount(); ++i)
        if (const QCPLayoutElement* item = legend->elementAt(i))
            sizes.append(item->minimumOuterSizeHint());
    const int count = sizes.size();
    if (count == 0)
        return;
    // The items laid out in lines of `per` items, line after line: columns beside the plot area
    // (vertical), rows below it. `length` is the longest line, `breadth` the lines side by side.
    struct Extent {
        int length = 0;
        int breadth = 0;
    };
    const auto extent = [&](int per, bool vertical) {
        const int gapAlong = vertical ? legend->rowSpacing() : legend->columnSpacing();
        const int gapAcross = vertical ? legend->columnSpacing() : legend->rowSpacing();
        Extent out;
        for (int first = 0; first < count; first += per) {
            int length = 0, thickness = 0;
            for (int i = first; i < std::min(count, first + per); ++i) {
                const QSize size = vertical ? sizes[i] : sizes[i].transposed();
                length += size.height() + (i > first ? gapAlong : 0);
                thickness = std::max(thickness, size.width());
            }
            out.length = std::max(out.length, length);
            out.breadth += thickness + (first > 0 ? gapAcross : 0);
        }
        return out;
    };
    // The legend takes at most half the plot's width beside the curves. When even one column of
    // it is wider than that, it goes below the plot area, as many items to a row as fit.
    int widest = 0;
    for (const QSize& size : sizes)
        widest = std::max(widest, size.width());
    const bool below = m_legendSide && widest > m_plot->width() / 2;
    int wrap = 0;
    if (below) {
        const int room = m_plot->width() - legend->margins().left() - legend->margins().right();
        int across = count;
        while (across > 1 && extent(across, false).length > room)
            --across;
        wrap = across >= count ? 0 : across;
    } else {
        // The legend sits at the top of the column beside the plot area (PlotStyle::apply).
        int available = m_legendSide ? m_legendSide->rect().height() : m_plot->height();
        available -= legend->margins().top() + legend->margins().bottom();
        // The fewest columns that hold the items, as even as they go, at most half the width.
        int columns = 1;
        while (columns < count && extent((count + columns - 1) / columns, true).length > available)
            ++columns;
        int rows = (count + columns - 1) / columns;
        while (rows < count && extent(rows, true).breadth > m_plot->width() / 2)
            ++rows;
        wrap = rows >= count ? 0 : rows;
    }
    if (below == m_legendBelow && legend->wrap() == wrap)
        return;
    placeLegend(below);
    legend->setWrap(wrap);
    legend->setFillOrder(below ? QCPLayoutGrid::foColumnsFirst : QCPLayoutGrid::foRowsFirst, true);
    // Laid out once more, as replot does: the legend's size changed, and with it the plot area's.
    QCPLayoutGrid* layout = m_plot->plotLayout();
    for (const auto phase :
         {QCPLayoutElement::upPreparation, QCPLayoutElement::upMargins, QCPLayoutElement::upLayout})
        layout->update(phase);
}

void CurvePlot::placeLegend(bool below) {
    if (below == m_legendBelow)
        return;
    QCPLegend* legend = m_plot->legend;
    QCPLayoutGrid* main = m_plot->plotLayout();
    if (below) {
        m_legendSide->take(legend);
        main->insertRow(main->rowCount());
        main->addElement(main->rowCount() - 1, 0, legend);
        main->setRowStretchFactor(main->rowCount() - 1, 0.001);
        // Its rows are fitted to the plot's width after each layout; its own least width would
        // hold the plot at the width it had, and the window could never narrow it.
        legend->setMinimumSize(1, 0);
    } else {
        legend->setMinimumSize(0, 0);
        main->take(legend);
        main->simplify(); // the empty row below the plot area
        m_legendSide->addElement(0, 0, legend);
    }
    m_legendBelow = below;
}

void CurvePlot::updateLegendKey() {
    for (QCPAbstractLegendItem* item : std::as_const(m_keyItems))
        m_plot->legend->removeItem(item);
    m_keyItems.clear();

    QFont keyFont = m_plot->legend->font();
    keyFont.setPointSize(std::max(6, keyFont.pointSize() - 1));
    const auto addKey = [&](const QPen& pen, const QString& text, Marker marker = Marker::None) {
        auto* item = new LineLegendItem(m_plot->legend, -1);
        item->setLine(pen);
        item->setMarker(markerShape(marker));
        item->setText(text);
        item->setFont(keyFont);
        item->setTextColor(kKeyColor);
        // A gap between the runs and the key; the pixel below keeps descenders inside the clip.
        item->setMargins(QMargins(0, m_keyItems.isEmpty() ? 10 : 0, 0, 1));
        m_plot->legend->addItem(item);
        m_keyItems.append(item);
    };
    // Line widths tell series apart and dashes tell plain from residual; the key says so once
    // instead of repeating it in every run's name.
    if (m_series.size() > 1)
        for (const Series& series : m_series)
            addKey(QPen(kKeyColor, roleWidth(series.role)), series.label, series.marker);
    const bool anyPlain =
        std::any_of(m_runs.begin(), m_runs.end(), [](const Run& run) { return run.plain; });
    const bool anyResidual =
        std::any_of(m_runs.begin(), m_runs.end(), [](const Run& run) { return !run.plain; });
    if (anyPlain && anyResidual) {
        addKey(plainAware(QPen(kKeyColor, 1.6), true), tr("plain"));
        addKey(plainAware(QPen(kKeyColor, 1.6), false), tr("residual"));
    }
}

void CurvePlot::scheduleReplot() {
    if (!m_replotTimer.isActive())
        m_replotTimer.start();
}

void CurvePlot::replotNow() {
    // A plot on a hidden tab draws when it is shown: drawing it 20 times a second while nobody sees
    // it takes the cores from training.
    if (!isVisible()) {
        m_replotWhenShown = true;
        return;
    }
    m_replotWhenShown = false;
    if (m_followData)
        fitRanges();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void CurvePlot::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (m_replotWhenShown)
        replotNow();
}

void CurvePlot::fitRanges() {
    Bounds all;
    for (const Run& run : m_runs)
        if (run.visible)
            for (const Curve& curve : run.curves)
                all.unite(curve.bounds);
    if (!all.valid)
        return;
    // The margin is a share of the span on a linear axis and a share of the decades on a log one.
    const auto padded = [](double low, double high, bool log, double share) {
        if (log) {
            const double factor = high > low ? std::pow(high / low, share) : 2.0;
            return QCPRange(low / factor, high * factor);
        }
        const double span = high > low ? high - low : (high != 0 ? std::abs(high) * 0.2 : 1.0);
        return QCPRange(low - span * share, high + span * share);
    };
    m_plot->xAxis->setRange(padded(all.xMin, all.xMax, m_logX, 0.01));
    m_plot->yAxis->setRange(padded(all.yMin, all.yMax, m_logY, 0.05));
}

void CurvePlot::setXRange(double lower, double upper) {
    m_plot->xAxis->setRange(lower, upper);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void CurvePlot::fitAll() {
    m_followData = true;
    fitRanges();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

bool CurvePlot::exportImage(const QString& path, QString* error) {
    // A widget that was never shown has not laid out its child yet; the layout would give the plot
    // exactly this size.
    m_plot->resize(size());
    if (m_followData)
        fitRanges(); // a replot may still be pending
    const bool crosshair = m_crosshair->visible();
    m_crosshair->setVisible(false);
    const bool ok = PlotExport::saveImage(m_plot, path, error);
    m_crosshair->setVisible(crosshair);
    return ok;
}

int CurvePlot::pointCount(int runId, int seriesId) const {
    const Run* run = findRun(runId);
    const int index = seriesIndex(seriesId);
    return run && index >= 0 ? int(run->curves[index].points.size()) : 0;
}

int CurvePlot::drawnPointCount(int runId, int seriesId) const {
    const Run* run = findRun(runId);
    const int index = seriesIndex(seriesId);
    if (!run || index < 0)
        return 0;
    const QCPGraph* graph = run->curves[index].raw;
    return int(std::count_if(graph->data()->constBegin(), graph->data()->constEnd(),
                             [](const QCPGraphData& d) { return std::isfinite(d.value); }));
}

int CurvePlot::nonFinitePointCount(int runId, int seriesId) const {
    const Run* run = findRun(runId);
    const int index = seriesIndex(seriesId);
    if (!run || index < 0)
        return 0;
    const auto& points = run->curves[index].points;
    return int(std::count_if(points.begin(), points.end(),
                             [](const CurvePoint& p) { return !std::isfinite(p.value); }));
}

QVector<QCPGraph*> CurvePlot::graphs(int runId) const {
    QVector<QCPGraph*> result;
    if (const Run* run = findRun(runId))
        for (const Curve& curve : run->curves)
            result << curve.raw << curve.smoothedGraph;
    return result;
}

QRect CurvePlot::legendItemRect(int runId) const {
    const Run* run = findRun(runId);
    return run ? run->legendItem->rect() : QRect();
}

QColor CurvePlot::runColor(int index) {
    // Okabe and Ito's palette without its yellow, which is unreadable on white.
    static const QColor colors[] = {QColor(0x00, 0x72, 0xB2), QColor(0xD5, 0x5E, 0x00),
                                    QColor(0x00, 0x9E, 0x73), QColor(0xCC, 0x79, 0xA7),
                                    QColor(0xE6, 0x9F, 0x00), QColor(0x56, 0xB4, 0xE9),
                                    QColor(0x00, 0x00, 0x00)};
    const int count = int(std::size(colors));
    return colors[((index % count) + count) % count];
}

void CurvePlot::onLegendClick(QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent* event) {
    const LineLegendItem* line = lineItem(item);
    if (!line || line->runId() < 0 || event->button() != Qt::LeftButton)
        return;
    const int runId = line->runId();
    const bool visible = !isRunVisible(runId);
    setRunVisible(runId, visible);
    Q_EMIT runVisibilityToggled(runId, visible);
}

void CurvePlot::onMouseMove(QMouseEvent* event) {
    const QPoint pos = event->position().toPoint();
    const QRect plotArea = m_plot->axisRect()->rect();
    if (event->buttons() != Qt::NoButton && plotArea.contains(pos))
        m_followData = false; // the user is panning; new data must not undo that

    const bool overRun = std::any_of(m_runs.begin(), m_runs.end(), [&](const Run& run) {
        return run.legendItem->rect().contains(pos);
    });
    if (overRun)
        m_plot->setCursor(Qt::PointingHandCursor);
    else
        m_plot->unsetCursor();

    if (!plotArea.contains(pos) || m_runs.empty()) {
        hideCrosshair();
        return;
    }
    updateCrosshair(m_plot->xAxis->pixelToCoord(pos.x()), pos);
}

void CurvePlot::onMouseDoubleClick(QMouseEvent* event) {
    if (m_plot->axisRect()->rect().contains(event->position().toPoint()))
        fitAll();
}

bool CurvePlot::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_plot && event->type() == QEvent::Leave)
        hideCrosshair();
    return QWidget::eventFilter(watched, event);
}
