#include "depthsweepplot.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <qcustomplot.h>

#include <QVBoxLayout>

#include "plotexport.h"
#include "ticklabels.h"

namespace {

const QColor kPlainColor(0xD5, 0x5E, 0x00);    // vermillion
const QColor kResidualColor(0x00, 0x72, 0xB2); // blue
constexpr int kTestAlpha = 150;

// Sums per depth, so several seeds of one net become their mean.
struct Sum {
    double train = 0;
    int trainCount = 0;
    double test = 0;
    int testCount = 0;
};

QCPGraph* makeGraph(QCustomPlot* plot, const QColor& color, bool plain, bool test) {
    auto* graph = new QCPGraph(plot->xAxis, plot->yAxis);
    QColor lineColor = color;
    if (test)
        lineColor.setAlpha(kTestAlpha);
    QPen pen(lineColor, test ? 1.2 : 2.5);
    pen.setCapStyle(Qt::FlatCap);
    if (plain)
        pen.setDashPattern({4.0, 2.5});
    graph->setPen(pen);
    // Filled markers for training error, hollow ones for test error; the marker outline stays
    // solid so a dashed line's points still read as points.
    graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(lineColor, 1.5),
                                           test ? QBrush(Qt::white) : QBrush(color), test ? 6 : 8));
    graph->setName(QStringLiteral("%1, %2").arg(
        plain ? DepthSweepPlot::tr("plain") : DepthSweepPlot::tr("residual"),
        test ? DepthSweepPlot::tr("test") : DepthSweepPlot::tr("training")));
    graph->addToLegend();
    return graph;
}

} // namespace

DepthSweepPlot::DepthSweepPlot(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);

    PlotStyle::apply(m_plot, font());
    m_plot->xAxis->setLabel(tr("depth (layers)"));
    m_plot->yAxis->setLabel(tr("final error (%)"));
    // A tick at each trained depth; near depths (20, 32, 44, 56 beside 1202) leave some blank.
    ticklabels::setSpacedTicker<QCPAxisTickerText>(m_plot->xAxis);
    ticklabels::setSpacedTicker<QCPAxisTicker>(m_plot->yAxis);
    m_plot->xAxis->setSubTicks(false);

    m_plainTrain = makeGraph(m_plot, kPlainColor, true, false);
    m_residualTrain = makeGraph(m_plot, kResidualColor, false, false);
    m_plainTest = makeGraph(m_plot, kPlainColor, true, true);
    m_residualTest = makeGraph(m_plot, kResidualColor, false, true);
}

void DepthSweepPlot::setPoints(const QVector<DepthPoint>& points) {
    std::map<int, Sum> sums[2]; // [plain], ordered by depth
    for (const DepthPoint& point : points) {
        Sum& sum = sums[point.plain ? 1 : 0][point.depth];
        if (std::isfinite(point.trainError)) {
            sum.train += point.trainError;
            ++sum.trainCount;
        }
        if (std::isfinite(point.testError)) {
            sum.test += point.testError;
            ++sum.testCount;
        }
    }

    QMap<double, QString> depthTicks;
    for (const bool plain : {false, true}) {
        QVector<QCPGraphData> train;
        QVector<QCPGraphData> test;
        for (const auto& [depth, sum] : sums[plain ? 1 : 0]) {
            depthTicks.insert(depth, QString::number(depth));
            if (sum.trainCount > 0)
                train.append(QCPGraphData(depth, 100 * sum.train / sum.trainCount));
            if (sum.testCount > 0)
                test.append(QCPGraphData(depth, 100 * sum.test / sum.testCount));
        }
        trainGraph(plain)->data()->set(train, /*alreadySorted=*/true);
        testGraph(plain)->data()->set(test, /*alreadySorted=*/true);
    }
    // Ticks at the depths that were trained, not at round numbers no net has.
    qSharedPointerCast<QCPAxisTickerText>(m_plot->xAxis->ticker())->setTicks(depthTicks);
    fitRanges();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void DepthSweepPlot::setShowTestError(bool show) {
    for (QCPGraph* graph : {m_plainTest, m_residualTest}) {
        graph->setVisible(show);
        if (show)
            graph->addToLegend();
        else
            graph->removeFromLegend();
    }
    fitRanges();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

bool DepthSweepPlot::exportImage(const QString& path, QString* error) {
    m_plot->resize(size()); // what the layout does once the widget is shown
    return PlotExport::saveImage(m_plot, path, error);
}

void DepthSweepPlot::fitRanges() {
    bool found = false;
    QCPRange x;
    QCPRange y;
    for (QCPGraph* graph : {m_plainTrain, m_residualTrain, m_plainTest, m_residualTest}) {
        if (!graph->visible())
            continue;
        for (const QCPGraphData& d : *graph->data()) {
            if (!found) {
                x = QCPRange(d.key, d.key);
                y = QCPRange(d.value, d.value);
                found = true;
            }
            x.expand(d.key);
            y.expand(d.value);
        }
    }
    if (!found)
        return;
    const double xPad = std::max(4.0, 0.06 * x.size());
    const double yPad = std::max(0.5, 0.12 * y.size());
    m_plot->xAxis->setRange(x.lower - xPad, x.upper + xPad);
    m_plot->yAxis->setRange(std::max(0.0, y.lower - yPad), y.upper + yPad);
}
