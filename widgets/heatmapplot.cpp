#include "heatmapplot.h"

#include <algorithm>
#include <cmath>

#include <QMouseEvent>
#include <QToolTip>
#include <qcustomplot.h>

#include "colormaps.h"
#include "plotexport.h"
#include "ticklabels.h"

namespace {

constexpr int kRebuildMs = 40;  // at most 25 rebuilds a second, however fast records arrive
constexpr int kMaxCells = 1024; // columns drawn at most; more records share cells

} // namespace

HeatmapPlot::HeatmapPlot(QWidget* parent) : QWidget(parent) {
    m_plot = new QCustomPlot(this);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    PlotStyle::apply(m_plot, font());
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->xAxis->setLabel(tr("iteration"));
    m_plot->yAxis->setRangeReversed(true); // the first layer at the top, as the block graph runs
    // Every row has a tick; the labels that would overlap at this height are left blank (every
    // k-th stays, with the first and the last), and the tooltip names the row under the cursor.
    ticklabels::setSpacedTicker<QCPAxisTickerText>(m_plot->yAxis);
    ticklabels::setSpacedTicker<QCPAxisTicker>(m_plot->xAxis);
    m_plot->yAxis->grid()->setVisible(false);
    m_plot->xAxis->grid()->setVisible(false);
    m_plot->legend->setVisible(false); // the colour scale is the legend here

    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    m_map->setInterpolate(false);
    m_map->setTightBoundary(false);
    m_map->setGradient(PlotStyle::viridisGradient(nanColor()));
    m_map->setDataScaleType(QCPAxis::stLogarithmic);

    m_scale = new QCPColorScale(m_plot);
    PlotStyle::addColorScaleBeside(m_plot, m_scale);
    m_scale->setType(QCPAxis::atRight);
    m_scale->setDataScaleType(QCPAxis::stLogarithmic);
    ticklabels::setSpacedTicker<QCPAxisTickerLog>(m_scale->axis());
    m_scale->axis()->setNumberFormat(QStringLiteral("eb"));
    m_scale->axis()->setNumberPrecision(
        1); // a scale within one decade labels 1.5 and 1, not 10^0 twice
    m_scale->setBarWidth(12);
    m_map->setColorScale(m_scale); // the map takes the scale's gradient from here on
    m_scale->setGradient(PlotStyle::viridisGradient(nanColor()));
    auto* margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
    m_scale->setMarginGroup(QCP::msTop | QCP::msBottom, margins);

    m_highlight = new QCPItemRect(m_plot);
    m_highlight->setPen(QPen(QColor(220, 30, 30), 2));
    m_highlight->setBrush(Qt::NoBrush);
    m_highlight->setVisible(false);
    m_cursor = new QCPItemStraightLine(m_plot);
    m_cursor->setPen(QPen(QColor(255, 255, 255, 200), 1, Qt::DashLine));
    m_cursor->setVisible(false);

    m_rebuildTimer.setSingleShot(true);
    m_rebuildTimer.setInterval(kRebuildMs);
    connect(&m_rebuildTimer, &QTimer::timeout, this, &HeatmapPlot::rebuildIfShown);
    m_plot->setMouseTracking(true);
    m_plot->installEventFilter(this);
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] {
        if (!m_steps.empty())
            m_plot->xAxis->setRange(m_map->data()->keyRange().lower - 0.5,
                                    m_map->data()->keyRange().upper + 0.5);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    });
}

HeatmapPlot::~HeatmapPlot() {
    m_plot->removeEventFilter(this);
}

QColor HeatmapPlot::nanColor() {
    return QColor(255, 0, 200);
}

void HeatmapPlot::setRows(const QStringList& names) {
    m_rows = names;
    m_steps.clear();
    m_columns.clear();
    m_cellMeans.clear();
    m_meansPer = 0;
    m_dataMin = 1.0;
    m_dataMax = 0.0;
    updateRowTicks();
    scheduleRebuild();
}

void HeatmapPlot::setTitle(const QString& title) {
    if (m_plot->plotLayout()->rowCount() < 2 ||
        !qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0))) {
        m_plot->plotLayout()->insertRow(0);
        m_plot->plotLayout()->addElement(
            0, 0, new QCPTextElement(m_plot, title, PlotStyle::titleFont(font())));
    } else {
        qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0))->setText(title);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void HeatmapPlot::setValueLabel(const QString& label) {
    PlotStyle::setScaleLabel(m_scale, label);
}

void HeatmapPlot::appendColumn(double step, const QVector<double>& values) {
    QVector<double> column(m_rows.size(), std::numeric_limits<double>::quiet_NaN());
    for (int i = 0; i < std::min(values.size(), column.size()); ++i) {
        column[i] = values[i];
        const double v = values[i];
        if (std::isfinite(v) && v > 0) {
            if (m_dataMin > m_dataMax) {
                m_dataMin = m_dataMax = v;
            } else {
                m_dataMin = std::min(m_dataMin, v);
                m_dataMax = std::max(m_dataMax, v);
            }
        }
    }
    m_steps.push_back(step);
    m_columns.push_back(std::move(column));
    scheduleRebuild();
}

void HeatmapPlot::clearColumns() {
    setRows(m_rows);
}

double HeatmapPlot::value(int row, int column) const {
    return m_columns[static_cast<size_t>(column)][row];
}

int HeatmapPlot::columnAt(double step) const {
    if (m_steps.empty())
        return -1;
    const auto it = std::lower_bound(m_steps.begin(), m_steps.end(), step);
    if (it == m_steps.end())
        return columnCount() - 1;
    const int i = static_cast<int>(it - m_steps.begin());
    if (i > 0 && step - m_steps[static_cast<size_t>(i - 1)] < *it - step)
        return i - 1;
    return i;
}

void HeatmapPlot::setColorRange(double lower, double upper) {
    m_fixedLower = lower;
    m_fixedUpper = upper;
    scheduleRebuild();
}

QPair<double, double> HeatmapPlot::colorRange() const {
    // The fixed range, else the data's; a single value gets a scale around it.
    if (m_fixedLower < m_fixedUpper && m_fixedLower > 0)
        return {m_fixedLower, m_fixedUpper};
    if (m_dataMin < m_dataMax)
        return {m_dataMin, m_dataMax};
    if (m_dataMin == m_dataMax && m_dataMin > 0)
        return {m_dataMin / 2, m_dataMin * 2};
    return {1e-3, 1.0};
}

bool HeatmapPlot::logColorScale() const {
    return m_map->dataScaleType() == QCPAxis::stLogarithmic &&
           m_scale->dataScaleType() == QCPAxis::stLogarithmic;
}

QColor HeatmapPlot::cellColor(int row, int column) {
    flush();
    const double drawn = m_map->data()->cell(column / recordsPerCell(), row);
    if (std::isnan(drawn))
        return nanColor();
    const auto [lower, upper] = colorRange();
    return QColor::fromRgb(m_map->gradient().color(drawn, QCPRange(lower, upper), true));
}

int HeatmapPlot::drawnColumns() {
    flush();
    return m_map->visible() ? m_map->data()->keySize() : 0;
}

int HeatmapPlot::recordsPerCell() const {
    return std::max(1, (columnCount() + kMaxCells - 1) / kMaxCells);
}

void HeatmapPlot::setHighlightedRow(const QString& name) {
    m_highlighted = name;
    updateHighlight();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QPoint HeatmapPlot::cellCenter(int row, int column) {
    flush();
    m_plot->replot(); // lays the axes out, so that coordinates map to pixels
    const double x = m_plot->xAxis->coordToPixel(columnStep(column));
    const double y = m_plot->yAxis->coordToPixel(row);
    return QPoint(static_cast<int>(std::lround(x)), static_cast<int>(std::lround(y)));
}

QWidget* HeatmapPlot::canvas() const {
    return m_plot;
}

bool HeatmapPlot::exportImage(const QString& path, QString* error) {
    flush();
    const bool cursor = m_cursor->visible();
    m_cursor->setVisible(false);
    const bool ok = PlotExport::saveImage(m_plot, path, error);
    m_cursor->setVisible(cursor);
    return ok;
}

void HeatmapPlot::flush() {
    if (m_dirty)
        rebuild();
}

void HeatmapPlot::scheduleRebuild() {
    m_dirty = true;
    if (!m_rebuildTimer.isActive())
        m_rebuildTimer.start();
}

void HeatmapPlot::rebuildIfShown() {
    // A hidden map stays dirty and rebuilds when shown (or when flush() asks for its cells), so
    // records arriving for a tab nobody looks at cost no drawing.
    if (isVisible())
        rebuild();
}

void HeatmapPlot::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (m_dirty)
        rebuild();
}

void HeatmapPlot::rebuild() {
    m_rebuildTimer.stop();
    m_dirty = false;
    const int rows = m_rows.size();
    const int cols = columnCount();
    const auto [lower, upper] = colorRange();
    const QCPRange range(lower, upper);

    QCPColorMapData* data = m_map->data();
    m_map->setVisible(rows > 0 && cols > 0);
    if (rows == 0 || cols == 0) {
        data->setSize(0, 0);
        m_cellMeans.clear();
        m_meansPer = 0;
    } else {
        // A run's later records share cells, `per` records each, so that drawing costs the same
        // however long the run is; a cell shows its records' mean, and a non-finite value wins.
        const int per = recordsPerCell();
        const int cells = (cols + per - 1) / per;
        auto cellStep = [&](int cell) {
            const int begin = cell * per, end = std::min(cols, begin + per);
            return 0.5 *
                   (m_steps[static_cast<size_t>(begin)] + m_steps[static_cast<size_t>(end - 1)]);
        };
        // The means of cells that were whole at the last rebuild stay; only the cells of records
        // that came since are computed (all of them when the records per cell change).
        const int firstNew =
            m_meansPer == per && m_meansRows == rows ? std::min(m_meansRecords / per, cells) : 0;
        m_cellMeans.resize(static_cast<size_t>(cells) * static_cast<size_t>(rows));
        std::vector<double> sum(static_cast<size_t>(rows));
        std::vector<char> nonfinite(static_cast<size_t>(rows));
        for (int cell = firstNew; cell < cells; ++cell) {
            const int begin = cell * per, end = std::min(cols, begin + per);
            std::fill(sum.begin(), sum.end(), 0.0);
            std::fill(nonfinite.begin(), nonfinite.end(), 0);
            for (int c = begin; c < end; ++c) {
                const QVector<double>& column = m_columns[static_cast<size_t>(c)];
                for (int r = 0; r < rows; ++r) {
                    const double v = column[r];
                    if (std::isfinite(v))
                        sum[static_cast<size_t>(r)] += v;
                    else
                        nonfinite[static_cast<size_t>(r)] = 1;
                }
            }
            double* means = &m_cellMeans[static_cast<size_t>(cell) * static_cast<size_t>(rows)];
            for (int r = 0; r < rows; ++r)
                means[r] = nonfinite[static_cast<size_t>(r)]
                               ? std::numeric_limits<double>::quiet_NaN()
                               : sum[static_cast<size_t>(r)] / (end - begin);
        }
        m_meansPer = per;
        m_meansRows = rows;
        m_meansRecords = cols;

        // QCustomPlot clears its cells when their count changes, and zeros are drawn just below
        // the colour range: then every cell is written again, else only the new ones.
        const double below = range.lower * 0.5;
        int firstWritten = firstNew;
        if (data->keySize() != cells || data->valueSize() != rows || below != m_drawnBelow) {
            data->setSize(cells, rows);
            firstWritten = 0;
        }
        m_drawnBelow = below;
        // Cells are centred on the steps; one column gets a unit width around its step.
        const double first = cellStep(0), last = cellStep(cells - 1);
        data->setRange(QCPRange(first, cells > 1 ? last : first + 1),
                       QCPRange(0, std::max(rows - 1, 1)));
        if (rows == 1)
            data->setValueRange(QCPRange(0, 1));
        for (int cell = firstWritten; cell < cells; ++cell) {
            const double* means =
                &m_cellMeans[static_cast<size_t>(cell) * static_cast<size_t>(rows)];
            for (int r = 0; r < rows; ++r) {
                // NaN and infinity: the NaN colour. Zero and below: the lowest colour.
                const double v = means[r];
                data->setCell(cell, r, std::isnan(v) ? v : (v > 0 ? v : below));
            }
        }
    }
    m_map->setDataRange(range);
    if (cols > 0) {
        const QCPRange keys = data->keyRange();
        const int cells = data->keySize();
        const double half = cells > 1 ? 0.5 * (keys.upper - keys.lower) / (cells - 1) : 0.5;
        m_plot->xAxis->setRange(keys.lower - half, keys.upper + half);
    }
    m_plot->yAxis->setRange(-0.5, std::max(rows, 1) - 0.5);
    updateHighlight();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    Q_EMIT dataRangeChanged(m_dataMin, m_dataMax);
}

void HeatmapPlot::updateRowTicks() {
    auto ticker = qSharedPointerDynamicCast<QCPAxisTickerText>(m_plot->yAxis->ticker());
    ticker->clear();
    for (int r = 0; r < m_rows.size(); ++r) {
        QString name = m_rows[r];
        if (name.endsWith(QLatin1String(".weight")))
            name.chop(7);
        ticker->addTick(r, name);
    }
}

QVector<int> HeatmapPlot::labelledRows() {
    flush();
    m_plot->replot();
    QVector<int> rows;
    for (double tick : ticklabels::labelledTicks(m_plot->yAxis))
        rows.append(static_cast<int>(std::lround(tick)));
    return rows;
}

QVector<QRect> HeatmapPlot::visibleLabelRects() {
    flush();
    m_plot->replot();
    return ticklabels::labelRects(m_plot->yAxis);
}

QVector<QRect> HeatmapPlot::scaleLabelRects() {
    flush();
    m_plot->replot();
    return ticklabels::labelRects(m_scale->axis());
}

void HeatmapPlot::updateHighlight() {
    const int row = m_rows.indexOf(m_highlighted);
    if (row < 0 || m_steps.empty()) {
        m_highlight->setVisible(false);
        return;
    }
    const QCPRange keys = m_plot->xAxis->range();
    m_highlight->topLeft->setCoords(keys.lower, row - 0.5);
    m_highlight->bottomRight->setCoords(keys.upper, row + 0.5);
    m_highlight->setVisible(true);
}

int HeatmapPlot::rowAt(const QPoint& pos) const {
    const int row = static_cast<int>(std::lround(m_plot->yAxis->pixelToCoord(pos.y())));
    return row >= 0 && row < m_rows.size() ? row : -1;
}

bool HeatmapPlot::eventFilter(QObject* watched, QEvent* event) {
    if (watched != m_plot)
        return QWidget::eventFilter(watched, event);
    if (event->type() == QEvent::MouseMove) {
        auto* e = static_cast<QMouseEvent*>(event);
        const QPoint pos = e->position().toPoint();
        const bool inside = m_plot->axisRect()->rect().contains(pos);
        const int column = inside ? columnAt(m_plot->xAxis->pixelToCoord(pos.x())) : -1;
        const int row = inside ? rowAt(pos) : -1;
        if (column >= 0) {
            m_cursor->point1->setCoords(columnStep(column), 0);
            m_cursor->point2->setCoords(columnStep(column), 1);
            m_cursor->setVisible(true);
        } else {
            m_cursor->setVisible(false);
        }
        if (column >= 0 && row >= 0) {
            const double v = value(row, column);
            QToolTip::showText(
                e->globalPosition().toPoint(),
                QStringLiteral("%1\nstep %2: %3")
                    .arg(m_rows[row])
                    .arg(columnStep(column))
                    .arg(std::isfinite(v) ? QString::number(v, 'g', 3) : QStringLiteral("NaN")),
                m_plot);
        }
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        Q_EMIT columnHovered(column);
    } else if (event->type() == QEvent::Leave) {
        m_cursor->setVisible(false);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        Q_EMIT columnHovered(-1);
    } else if (event->type() == QEvent::MouseButtonPress) {
        m_pressPos = static_cast<QMouseEvent*>(event)->position().toPoint();
    } else if (event->type() == QEvent::MouseButtonRelease) {
        // A click picks the row; a drag pans and picks nothing.
        auto* e = static_cast<QMouseEvent*>(event);
        const QPoint pos = e->position().toPoint();
        const int row = rowAt(pos);
        if (e->button() == Qt::LeftButton && row >= 0 && (pos - m_pressPos).manhattanLength() < 5 &&
            m_plot->axisRect()->rect().contains(pos))
            Q_EMIT rowClicked(m_rows[row]);
    } else if (event->type() == QEvent::Resize) {
        updateHighlight();
    }
    return QWidget::eventFilter(watched, event);
}
