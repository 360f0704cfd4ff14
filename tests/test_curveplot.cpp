#include <cmath>
#include <limits>

#include <qcustomplot.h>

#include <QFile>
#include <QImage>
#include <QLabel>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "curveplot.h"
#include "depthsweepplot.h"
#include "ticklabels.h"

namespace {

constexpr int kTrain = 0;
constexpr int kTest = 1;

// A point at iteration `step`; epoch and time follow from it so the x axes can be told apart.
CurvePoint at(double step, double value) {
    return CurvePoint{step, step / 400.0, step * 0.05, value};
}

QVector<CurvePoint> series(const QVector<double>& values, double firstStep = 0) {
    QVector<CurvePoint> points;
    for (int i = 0; i < values.size(); ++i)
        points.append(at(firstStep + 100.0 * i, values[i]));
    return points;
}

QVector<double> keysOf(const QCPGraph* graph) {
    QVector<double> keys;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
        keys.append(it->key);
    return keys;
}

QVector<double> valuesOf(const QCPGraph* graph) {
    QVector<double> values;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
        values.append(it->value);
    return values;
}

void compareValues(const QVector<double>& actual, const QVector<double>& expected) {
    QCOMPARE(actual.size(), expected.size());
    for (int i = 0; i < actual.size(); ++i)
        QVERIFY2(std::abs(actual[i] - expected[i]) < 1e-12,
                 qPrintable(QStringLiteral("point %1: %2, expected %3")
                                .arg(i)
                                .arg(actual[i], 0, 'g', 17)
                                .arg(expected[i], 0, 'g', 17)));
}

// A plot with two series (thin training, bold test) and two runs, like the Error tab.
void setUpErrorPlot(CurvePlot& plot) {
    plot.addSeries(kTrain, QStringLiteral("training"), CurvePlot::SeriesRole::Thin);
    plot.addSeries(kTest, QStringLiteral("test"), CurvePlot::SeriesRole::Bold, false);
    plot.addRun(1, QStringLiteral("plain-56"), CurvePlot::runColor(0), true);
    plot.addRun(2, QStringLiteral("resnet-56"), CurvePlot::runColor(1), false);
}

void showAndLayOut(QWidget& widget, QCustomPlot* plot) {
    widget.resize(800, 480);
    widget.show();
    QVERIFY(QTest::qWaitForWindowExposed(&widget));
    plot->replot(); // lays out now, so legend and axis positions are known
}

/// The axis's tick labels drawn do not meet and leave a third of a text height between
/// neighbours, along the axis.
void verifyLabelsApart(const QCPAxis* axis) {
    const QVector<QRect> rects = ticklabels::labelRects(axis);
    QVERIFY2(rects.size() >= 2, qPrintable(QString::number(rects.size())));
    const int gap = QFontMetrics(axis->tickLabelFont()).height() / 3;
    const bool horizontal = axis->orientation() == Qt::Horizontal;
    for (int i = 0; i < rects.size(); ++i)
        for (int j = i + 1; j < rects.size(); ++j) {
            const QRect a = rects[i], b = rects[j];
            const int between = horizontal
                                    ? std::max(a.left(), b.left()) - std::min(a.right(), b.right())
                                    : std::max(a.top(), b.top()) - std::min(a.bottom(), b.bottom());
            QVERIFY2(between - 1 >= gap, qPrintable(QStringLiteral("labels %1 and %2: %3 px apart")
                                                        .arg(i)
                                                        .arg(j)
                                                        .arg(between - 1)));
        }
}

} // namespace

class TestCurvePlot : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void appendCountsPerRunAndSeries();
    void appendKeepsOldPoints();
    void emaOfConstantIsConstantFromFirstPoint();
    void emaMatchesHandComputed();
    void movingAverageMatchesHandComputed();
    void movingAverageWindow_data();
    void movingAverageWindow();
    void smoothingLeavesRawCurveFaint();
    void unsmoothedSeriesIsNotSmoothed();
    void percentScalesValues();
    void logYHidesNonPositiveValues();
    void logXHidesNonPositiveSteps();
    void xAxisSwitchUsesEpochAndTime();
    void setRunVisibleHidesGraphs();
    void legendClickTogglesRun();
    void crosshairShowsLastPointAtOrBeforeX();
    void nonFiniteValuesAreMarkedNotDropped();
    void appendsBetweenFramesCostOneReplot();
    void hiddenPlotDrawsWhenShown();
    void removeRunDropsItsGraphs();
    void removeSeriesKeepsTheOthers();
    void noteShowsAndHides();
    void exportImageFormats();
    void exportToUnwritablePathFails();
    void exportCsvRoundTrips();
    void hundredThousandPoints();
    void depthSweepSortsAndAverages();
    void depthSweepExports();
    void tickLabelsNeverOverlap_data();
    void tickLabelsNeverOverlap();
    void depthSweepLabelsNeverOverlap();
    void aShortPlotWrapsItsLegendIntoColumns();
    void aShortAxisKeepsItsLabelWithinItsEnds();
    void aNarrowPlotPutsItsLegendBelow();
};

void TestCurvePlot::appendCountsPerRunAndSeries() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.appendPoints(1, kTrain, series({0.9, 0.8, 0.7, 0.6, 0.5}));
    plot.appendPoints(1, kTest, series({0.9, 0.85}));
    plot.appendPoints(2, kTrain, series({0.9, 0.7, 0.5}));
    plot.appendPoints(7, kTrain, series({0.1})); // unknown run: dropped
    plot.appendPoints(1, 42, series({0.1}));     // unknown series: dropped

    QCOMPARE(plot.pointCount(1, kTrain), 5);
    QCOMPARE(plot.pointCount(1, kTest), 2);
    QCOMPARE(plot.pointCount(2, kTrain), 3);
    QCOMPARE(plot.pointCount(2, kTest), 0);
    QCOMPARE(plot.pointCount(7, kTrain), 0);
    QCOMPARE(plot.graphs(1).size(), 4);
    QCOMPARE(plot.graphs(1)[0]->data()->size(), 5);
    QCOMPARE(plot.graphs(1)[2]->data()->size(), 2);
}

void TestCurvePlot::appendKeepsOldPoints() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.appendPoints(1, kTrain, series({0.9, 0.8, 0.7}));
    plot.appendPoints(1, kTrain, series({0.6, 0.5}, 300));
    QCOMPARE(plot.pointCount(1, kTrain), 5);
    compareValues(keysOf(plot.graphs(1)[0]), {0, 100, 200, 300, 400});
    compareValues(valuesOf(plot.graphs(1)[0]), {0.9, 0.8, 0.7, 0.6, 0.5});

    // An out-of-order batch (a resumed run repeating steps) is merged, not appended blindly.
    plot.appendPoints(1, kTrain, {at(250, 0.65)});
    compareValues(keysOf(plot.graphs(1)[0]), {0, 100, 200, 250, 300, 400});
    // So is a batch that is out of order within itself.
    plot.appendPoints(1, kTrain, {at(600, 0.4), at(500, 0.45)});
    compareValues(keysOf(plot.graphs(1)[0]), {0, 100, 200, 250, 300, 400, 500, 600});
    QCOMPARE(plot.pointCount(1, kTrain), 8);
}

void TestCurvePlot::emaOfConstantIsConstantFromFirstPoint() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.setSmoothing(CurvePlot::Smoothing::Ema, 0.9);
    plot.appendPoints(1, kTrain, series(QVector<double>(20, 0.3)));
    // Without debiasing the first smoothed value would be 0.1 * 0.3 = 0.03.
    compareValues(valuesOf(plot.graphs(1)[1]), QVector<double>(20, 0.3));
}

void TestCurvePlot::emaMatchesHandComputed() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.setSmoothing(CurvePlot::Smoothing::Ema, 0.5);
    // s_t = 0.5 s_{t-1} + 0.5 v_t from s_0 = 0, shown as s_t / (1 - 0.5^t), for v = 1, 2, 4:
    //   s_1 = 0.5                 -> 0.5 / 0.5     = 1
    //   s_2 = 0.25 + 1 = 1.25     -> 1.25 / 0.75   = 5/3
    //   s_3 = 0.625 + 2 = 2.625   -> 2.625 / 0.875 = 3
    // Appended in two batches, so the running state must carry over between appends.
    plot.appendPoints(1, kTrain, series({1, 2}));
    plot.appendPoints(1, kTrain, series({4}, 200));
    compareValues(valuesOf(plot.graphs(1)[1]), {1.0, 5.0 / 3.0, 3.0});
    compareValues(valuesOf(plot.graphs(1)[0]), {1, 2, 4}); // the raw curve is untouched

    // Turning smoothing on after the data arrived gives the same curve.
    CurvePlot late;
    setUpErrorPlot(late);
    late.appendPoints(1, kTrain, series({1, 2, 4}));
    late.setSmoothing(CurvePlot::Smoothing::Ema, 0.5);
    compareValues(valuesOf(late.graphs(1)[1]), {1.0, 5.0 / 3.0, 3.0});
}

void TestCurvePlot::movingAverageMatchesHandComputed() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    // amount 0.5 -> window (1 + 0.5) / (1 - 0.5) = 3 points; for v = 1, 2, 4, 8, 16:
    //   1, (1+2)/2, (1+2+4)/3, (2+4+8)/3, (4+8+16)/3
    plot.setSmoothing(CurvePlot::Smoothing::MovingAverage, 0.5);
    plot.appendPoints(1, kTrain, series({1, 2}));
    plot.appendPoints(1, kTrain, series({4, 8, 16}, 200));
    compareValues(valuesOf(plot.graphs(1)[1]), {1.0, 1.5, 7.0 / 3.0, 14.0 / 3.0, 28.0 / 3.0});
}

void TestCurvePlot::movingAverageWindow_data() {
    QTest::addColumn<double>("amount");
    QTest::addColumn<int>("window");
    // round((1 + a) / (1 - a)), by hand.
    QTest::newRow("0") << 0.0 << 1;
    QTest::newRow("0.5") << 0.5 << 3;
    QTest::newRow("0.9") << 0.9 << 19;
    QTest::newRow("0.99") << 0.99 << 199;
    QTest::newRow("clamped above 0.999") << 5.0 << 1999;
    QTest::newRow("clamped below 0") << -1.0 << 1;
}

void TestCurvePlot::movingAverageWindow() {
    QFETCH(double, amount);
    QFETCH(int, window);
    QCOMPARE(CurvePlot::movingAverageWindow(amount), window);
}

void TestCurvePlot::smoothingLeavesRawCurveFaint() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.appendPoints(1, kTrain, series({0.9, 0.5, 0.7}));
    QCPGraph* raw = plot.graphs(1)[0];
    QCPGraph* smoothed = plot.graphs(1)[1];
    QCOMPARE(raw->pen().color().alpha(), 255);
    QVERIFY(!smoothed->visible());

    plot.setSmoothing(CurvePlot::Smoothing::Ema, 0.6);
    QVERIFY(smoothed->visible());
    QCOMPARE(smoothed->data()->size(), 3);
    QCOMPARE(smoothed->pen().color().alpha(), 255);
    QVERIFY(raw->visible());
    QVERIFY(raw->pen().color().alpha() < 128);
    QCOMPARE(raw->data()->size(), 3);

    plot.setSmoothing(CurvePlot::Smoothing::None, 0.6);
    QVERIFY(!smoothed->visible());
    QCOMPARE(raw->pen().color().alpha(), 255);
}

void TestCurvePlot::unsmoothedSeriesIsNotSmoothed() {
    CurvePlot plot;
    setUpErrorPlot(plot); // the test series is declared with smoothed = false
    plot.setSmoothing(CurvePlot::Smoothing::Ema, 0.9);
    plot.appendPoints(1, kTest, series({0.9, 0.1}));
    QVERIFY(!plot.graphs(1)[3]->visible());
    QCOMPARE(plot.graphs(1)[3]->data()->size(), 0);
    QCOMPARE(plot.graphs(1)[2]->pen().color().alpha(), 255);
    compareValues(valuesOf(plot.graphs(1)[2]), {0.9, 0.1});
}

void TestCurvePlot::percentScalesValues() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.setYLabel(QStringLiteral("error"));
    plot.appendPoints(1, kTrain, series({0.25, 0.125}));
    plot.setPercent(true);
    compareValues(valuesOf(plot.graphs(1)[0]), {25, 12.5});
    QCOMPARE(plot.plot()->yAxis->label(), QStringLiteral("error (%)"));
    plot.appendPoints(1, kTrain, series({0.5}, 200));
    compareValues(valuesOf(plot.graphs(1)[0]), {25, 12.5, 50});
}

void TestCurvePlot::logYHidesNonPositiveValues() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.appendPoints(1, kTrain, series({0.5, 0.0, -0.1, 0.2}));
    QCOMPARE(plot.drawnPointCount(1, kTrain), 4);

    plot.setLogY(true);
    QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(!plot.plot()->yAxis->ticker().dynamicCast<QCPAxisTickerLog>().isNull());
    QCOMPARE(plot.drawnPointCount(1, kTrain), 2);
    plot.appendPoints(1, kTrain, series({0.0, 1e-3}, 400)); // appended while log: same rule
    QCOMPARE(plot.drawnPointCount(1, kTrain), 3);
    QCOMPARE(plot.pointCount(1, kTrain), 6); // hidden from the axis, not from the data
    QVERIFY(plot.plot()->yAxis->range().lower > 0);

    plot.setLogY(false);
    QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLinear);
    QCOMPARE(plot.drawnPointCount(1, kTrain), 6);
}

void TestCurvePlot::logXHidesNonPositiveSteps() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.appendPoints(1, kTrain, {at(0, 0.9), at(1, 0.8), at(10, 0.7), at(100, 0.6)});
    plot.setLogX(true);
    QCOMPARE(plot.plot()->xAxis->scaleType(), QCPAxis::stLogarithmic);
    compareValues(keysOf(plot.graphs(1)[0]), {1, 10, 100});
    QVERIFY(plot.plot()->xAxis->range().lower > 0);
    plot.setLogX(false);
    compareValues(keysOf(plot.graphs(1)[0]), {0, 1, 10, 100});
}

void TestCurvePlot::xAxisSwitchUsesEpochAndTime() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.appendPoints(1, kTrain, series({0.9, 0.8, 0.7}));
    QCOMPARE(plot.plot()->xAxis->label(), QStringLiteral("iteration"));
    compareValues(keysOf(plot.graphs(1)[0]), {0, 100, 200});

    plot.setXAxis(CurvePlot::XAxis::Epoch);
    QCOMPARE(plot.plot()->xAxis->label(), QStringLiteral("epoch"));
    compareValues(keysOf(plot.graphs(1)[0]), {0, 0.25, 0.5});
    plot.appendPoints(1, kTrain, series({0.6}, 300));
    compareValues(keysOf(plot.graphs(1)[0]), {0, 0.25, 0.5, 0.75});

    plot.setXAxis(CurvePlot::XAxis::Time);
    QCOMPARE(plot.plot()->xAxis->label(), QStringLiteral("wall time (s)"));
    compareValues(keysOf(plot.graphs(1)[0]), {0, 5, 10, 15});

    plot.setXAxis(CurvePlot::XAxis::Iteration);
    QCOMPARE(plot.plot()->xAxis->label(), QStringLiteral("iteration"));
    compareValues(keysOf(plot.graphs(1)[0]), {0, 100, 200, 300});
}

void TestCurvePlot::setRunVisibleHidesGraphs() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.setSmoothing(CurvePlot::Smoothing::Ema, 0.5);
    QVERIFY(plot.isRunVisible(1));
    plot.setRunVisible(1, false);
    QVERIFY(!plot.isRunVisible(1));
    for (QCPGraph* graph : plot.graphs(1))
        QVERIFY(!graph->visible());
    QVERIFY(plot.graphs(2)[0]->visible());
    QVERIFY(plot.graphs(2)[1]->visible()); // smoothed training line

    plot.setRunVisible(1, true);
    QVERIFY(plot.graphs(1)[0]->visible());
    QVERIFY(plot.graphs(1)[1]->visible());
    QVERIFY(!plot.graphs(1)[3]->visible()); // the test series is never smoothed
}

void TestCurvePlot::legendClickTogglesRun() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.appendPoints(1, kTrain, series({0.9, 0.8}));
    plot.appendPoints(2, kTrain, series({0.9, 0.7}));
    showAndLayOut(plot, plot.plot());
    QSignalSpy spy(&plot, &CurvePlot::runVisibilityToggled);

    const QRect item = plot.legendItemRect(2);
    QVERIFY(item.isValid());
    QTest::mouseClick(plot.plot(), Qt::LeftButton, Qt::NoModifier, item.center());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toInt(), 2);
    QCOMPARE(spy.at(0).at(1).toBool(), false);
    QVERIFY(!plot.isRunVisible(2));
    QVERIFY(!plot.graphs(2)[0]->visible());
    QVERIFY(plot.isRunVisible(1));

    QTest::mouseClick(plot.plot(), Qt::LeftButton, Qt::NoModifier, item.center());
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(1).toBool(), true);
    QVERIFY(plot.graphs(2)[0]->visible());

    // A click in the plot area is no legend click.
    QTest::mouseClick(plot.plot(), Qt::LeftButton, Qt::NoModifier,
                      plot.plot()->axisRect()->rect().center());
    QCOMPARE(spy.count(), 2);
}

void TestCurvePlot::crosshairShowsLastPointAtOrBeforeX() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.setPercent(true);
    plot.appendPoints(1, kTrain, series({0.10, 0.20, 0.30}));
    plot.appendPoints(2, kTrain, series({0.40, 0.50, 0.60}));
    showAndLayOut(plot, plot.plot());
    plot.fitAll();
    plot.plot()->replot();

    // Halfway between the points at 100 and 200: the point at 100 is the one that applies.
    const QPoint pos(int(plot.plot()->xAxis->coordToPixel(150)),
                     plot.plot()->axisRect()->rect().center().y());
    QMouseEvent move(QEvent::MouseMove, pos, plot.plot()->mapToGlobal(pos), Qt::NoButton,
                     Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(plot.plot(), &move);

    auto* readout = plot.plot()->findChild<QLabel*>();
    QVERIFY(readout);
    QVERIFY(readout->isVisible());
    QVERIFY2(readout->text().contains(QStringLiteral("20.00%")), qPrintable(readout->text()));
    QVERIFY(readout->text().contains(QStringLiteral("50.00%")));
    QVERIFY(!readout->text().contains(QStringLiteral("30.00%")));
    QVERIFY(readout->text().contains(QStringLiteral("resnet-56")));

    plot.setRunVisible(2, false); // hidden runs drop out of the readout
    QApplication::sendEvent(plot.plot(), &move);
    QVERIFY(!readout->text().contains(QStringLiteral("resnet-56")));

    QEvent leave(QEvent::Leave);
    QApplication::sendEvent(plot.plot(), &leave);
    QVERIFY(!readout->isVisible());
}

void TestCurvePlot::appendsBetweenFramesCostOneReplot() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    showAndLayOut(plot, plot.plot());
    QTest::qWait(100); // let the replots of showing settle
    QSignalSpy replots(plot.plot(), &QCustomPlot::afterReplot);
    for (int i = 0; i < 50; ++i)
        plot.appendPoints(1, kTrain, {at(100.0 * i, 0.5)});
    QCOMPARE(replots.count(), 0); // nothing is drawn synchronously
    QTRY_COMPARE(replots.count(), 1);
    QTest::qWait(150);
    QCOMPARE(replots.count(), 1);
    // Following the data: the fitted x range holds every point.
    QVERIFY(plot.plot()->xAxis->range().contains(4900));
    QVERIFY(plot.plot()->xAxis->range().contains(0));
}

void TestCurvePlot::hiddenPlotDrawsWhenShown() {
    // Like the Loss tab while the Error tab is in front: data arrives, nothing is drawn.
    QWidget window;
    auto* plot = new CurvePlot(&window);
    setUpErrorPlot(*plot);
    window.resize(800, 480);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    plot->hide();
    QTest::qWait(100);
    QSignalSpy replots(plot->plot(), &QCustomPlot::afterReplot);
    for (int i = 0; i < 50; ++i)
        plot->appendPoints(1, kTrain, {at(100.0 * i, 0.5)});
    QTest::qWait(300);
    QCOMPARE(replots.count(), 0);
    // Shown, it draws once, with every point that arrived meanwhile in range.
    plot->show();
    QTRY_VERIFY(replots.count() >= 1);
    QCOMPARE(plot->pointCount(1, kTrain), 50);
    QVERIFY(plot->plot()->xAxis->range().contains(4900));
}

void TestCurvePlot::nonFiniteValuesAreMarkedNotDropped() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    const double inf = std::numeric_limits<double>::infinity();
    plot.appendPoints(1, kTrain, series({2.0, 1.5, std::nan(""), 1.2}));
    plot.appendPoints(1, kTrain, series({inf}, 400));
    QCOMPARE(plot.pointCount(1, kTrain), 5);
    QCOMPARE(plot.drawnPointCount(1, kTrain), 3);
    QCOMPARE(plot.nonFinitePointCount(1, kTrain), 2);
    // A red cross where the curve breaks off: at the NaN's step, at the last value before it.
    const QCPGraph* crosses = nullptr;
    for (int i = 0; i < plot.plot()->graphCount(); ++i)
        if (plot.plot()->graph(i)->name() == QStringLiteral("plain-56 training (NaN or infinite)"))
            crosses = plot.plot()->graph(i);
    QVERIFY(crosses);
    QVERIFY(crosses->visible());
    QCOMPARE(keysOf(crosses), (QVector<double>{200, 400}));
    QCOMPARE(valuesOf(crosses), (QVector<double>{1.5, 1.2}));
    // The crosshair reads them as what they are.
    showAndLayOut(plot, plot.plot());
    plot.fitAll();
    plot.plot()->replot();
    for (const auto& [step, text] :
         {std::pair<double, QString>{200, QStringLiteral("NaN")}, {400, QStringLiteral("inf")}}) {
        const QPoint pos(int(plot.plot()->xAxis->coordToPixel(step)) + 1,
                         plot.plot()->axisRect()->rect().center().y());
        QMouseEvent move(QEvent::MouseMove, pos, plot.plot()->mapToGlobal(pos), Qt::NoButton,
                         Qt::NoButton, Qt::NoModifier);
        QApplication::sendEvent(plot.plot(), &move);
        auto* readout = plot.plot()->findChild<QLabel*>();
        QVERIFY(readout);
        QVERIFY2(readout->text().contains(text), qPrintable(readout->text()));
    }
}

void TestCurvePlot::removeRunDropsItsGraphs() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    QCOMPARE(plot.plot()->graphCount(), 12); // per run and series: raw, smoothed, NaN crosses
    plot.removeRun(1);
    QCOMPARE(plot.plot()->graphCount(), 6);
    QCOMPARE(plot.pointCount(1, kTrain), 0);
    QVERIFY(plot.legendItemRect(1).isNull());
    QCOMPARE(plot.graphs(2).size(), 4);
    plot.clearRuns();
    QCOMPARE(plot.plot()->graphCount(), 0);
    // Series declared later reach runs added earlier.
    plot.addRun(3, QStringLiteral("resnet-20"), Qt::red, false);
    plot.addSeries(5, QStringLiteral("loss"), CurvePlot::SeriesRole::Thin);
    plot.appendPoints(3, 5, series({2.3, 1.9}));
    QCOMPARE(plot.pointCount(3, 5), 2);
}

void TestCurvePlot::removeSeriesKeepsTheOthers() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.appendPoints(1, kTrain, series({0.9, 0.8, 0.7}));
    plot.appendPoints(1, kTest, series({0.85, 0.75}));
    plot.appendPoints(2, kTest, series({0.8}));
    plot.setSeriesMarker(kTest, CurvePlot::Marker::Square);
    QCOMPARE(plot.graphs(1)[2]->scatterStyle().shape(), QCPScatterStyle::ssSquare); // the test line
    QCOMPARE(plot.graphs(1)[0]->scatterStyle().shape(), QCPScatterStyle::ssNone);
    plot.removeSeries(kTrain);
    QCOMPARE(plot.seriesIds(), QVector<int>{kTest});
    QCOMPARE(plot.plot()->graphCount(),
             6); // per run: raw, smoothed, NaN crosses of the test series
    QCOMPARE(plot.pointCount(1, kTrain), 0);
    QCOMPARE(plot.pointCount(1, kTest), 2);
    QCOMPARE(plot.pointCount(2, kTest), 1);
    QCOMPARE(plot.graphs(1).size(), 2);
    QCOMPARE(plot.graphs(1)[0]->data()->size(), 2);
    QCOMPARE(plot.graphs(1)[0]->scatterStyle().shape(), QCPScatterStyle::ssSquare);
    plot.removeSeries(42); // unknown: nothing happens
    QCOMPARE(plot.seriesIds(), QVector<int>{kTest});
}

void TestCurvePlot::noteShowsAndHides() {
    CurvePlot plot;
    const auto noteItem = [&plot]() -> QCPItemText* {
        for (int i = 0; i < plot.plot()->itemCount(); ++i)
            if (auto* text = qobject_cast<QCPItemText*>(plot.plot()->item(i)))
                return text;
        return nullptr;
    };
    QVERIFY(noteItem());
    QVERIFY(!noteItem()->visible());
    const QString verdict = QStringLiteral(
        "plain-56 ends with a higher training error than plain-20: the degradation problem. "
        "resnet-56 ends lower than resnet-20.");
    plot.setNote(verdict);
    QVERIFY(noteItem()->visible());
    QString shown = noteItem()->text();
    QVERIFY(shown.contains(QLatin1Char('\n'))); // wrapped
    QCOMPARE(shown.replace(QLatin1Char('\n'), QLatin1Char(' ')), verdict);
    plot.setNote(QString());
    QVERIFY(!noteItem()->visible());
}

void TestCurvePlot::exportImageFormats() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.appendPoints(1, kTrain, series({0.9, 0.5, 0.3}));
    plot.setNote(QStringLiteral("a note"));
    plot.resize(640, 400);

    QString error;
    const QString png = dir.filePath(QStringLiteral("curves.png"));
    QVERIFY2(plot.exportImage(png, &error), qPrintable(error));
    QImage image(png);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), plot.size());

    const QString pdf = dir.filePath(QStringLiteral("curves.pdf"));
    QVERIFY2(plot.exportImage(pdf, &error), qPrintable(error));
    QFile pdfFile(pdf);
    QVERIFY(pdfFile.open(QIODevice::ReadOnly));
    QVERIFY(pdfFile.read(4) == "%PDF");

    const QString svg = dir.filePath(QStringLiteral("curves.svg"));
    QVERIFY2(plot.exportImage(svg, &error), qPrintable(error));
    QFile svgFile(svg);
    QVERIFY(svgFile.open(QIODevice::ReadOnly));
    const QByteArray svgText = svgFile.readAll();
    QVERIFY(svgText.contains("<svg"));
    QVERIFY(svgText.contains("a note"));

    QVERIFY(!plot.exportImage(dir.filePath(QStringLiteral("curves.bmp")), &error));
    QVERIFY(!error.isEmpty());
}

void TestCurvePlot::exportToUnwritablePathFails() {
    QTemporaryDir dir;
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.appendPoints(1, kTrain, series({0.9}));
    const QString missing = dir.filePath(QStringLiteral("no/such/folder/"));
    for (const char* suffix : {"png", "pdf", "svg"}) {
        QString error;
        QVERIFY(
            !plot.exportImage(missing + QStringLiteral("curves.") + QLatin1String(suffix), &error));
        QVERIFY(!error.isEmpty());
    }
    QString error;
    QVERIFY(!plot.exportCsv(missing + QStringLiteral("curves.csv"), &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!plot.exportImage(missing + QStringLiteral("curves.png"))); // no error wanted: fine
}

void TestCurvePlot::exportCsvRoundTrips() {
    QTemporaryDir dir;
    CurvePlot plot;
    plot.addSeries(kTrain, QStringLiteral("train error"), CurvePlot::SeriesRole::Thin);
    plot.addSeries(kTest, QStringLiteral("test error"), CurvePlot::SeriesRole::Bold);
    plot.addRun(1, QStringLiteral("plain, 20 layers"), Qt::red, true);
    plot.addRun(2, QStringLiteral("resnet-20"), Qt::blue, false);
    const QVector<CurvePoint> train = {CurvePoint{1, 0.0025, 0.125, 0.1},
                                       CurvePoint{2, 0.005, 0.25, 1.0 / 3.0},
                                       CurvePoint{3, 0.0075, 0.375, 2e-7}};
    plot.appendPoints(1, kTrain, train);
    plot.appendPoints(1, kTest, {CurvePoint{3, 0.0075, 0.4, 0.0925}});
    plot.appendPoints(2, kTrain, {CurvePoint{1, 0.0025, 0.1, 0.7}});
    plot.setSmoothing(CurvePlot::Smoothing::Ema, 0.9); // the CSV holds raw values regardless

    const QString path = dir.filePath(QStringLiteral("curves.csv"));
    QString error;
    QVERIFY2(plot.exportCsv(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines =
        QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1 + 3 + 1 + 1);
    QCOMPARE(lines[0], QStringLiteral("run,series,step,epoch,time,value"));
    QVERIFY(lines[1].startsWith(QStringLiteral("\"plain, 20 layers\",train error,")));
    for (int i = 0; i < 3; ++i) {
        // The last four fields are numbers; the name before them may hold commas.
        const QStringList numbers =
            lines[1 + i].section(QLatin1Char(','), -4).split(QLatin1Char(','));
        QCOMPARE(numbers.size(), 4);
        // Exact comparisons: 1/3 must survive the trip through text.
        QVERIFY(numbers[0].toDouble() == train[i].step);
        QVERIFY(numbers[1].toDouble() == train[i].epoch);
        QVERIFY(numbers[2].toDouble() == train[i].time);
        QVERIFY(numbers[3].toDouble() == train[i].value);
    }
    QVERIFY(lines[4].startsWith(QStringLiteral("\"plain, 20 layers\",test error,3,")));
    QCOMPARE(lines[5], QStringLiteral("resnet-20,train error,1,0.0025,0.1,0.7"));
}

void TestCurvePlot::hundredThousandPoints() {
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.setSmoothing(CurvePlot::Smoothing::Ema, 0.99);
    constexpr int kBatches = 100;
    constexpr int kBatch = 1000;
    for (int b = 0; b < kBatches; ++b) {
        QVector<CurvePoint> points;
        for (int i = 0; i < kBatch; ++i) {
            const int step = b * kBatch + i + 1;
            points.append(at(step, 0.5 + 0.4 * std::sin(step * 0.01)));
        }
        plot.appendPoints(1, kTrain, points);
    }
    QCOMPARE(plot.pointCount(1, kTrain), kBatches * kBatch);
    const QCPGraph* raw = plot.graphs(1)[0];
    const QCPGraph* smoothed = plot.graphs(1)[1];
    QCOMPARE(raw->data()->size(), kBatches * kBatch);
    QCOMPARE(smoothed->data()->size(), kBatches * kBatch);
    QCOMPARE(raw->data()->constBegin()->key, 1.0);
    QCOMPARE((raw->data()->constEnd() - 1)->key, double(kBatches * kBatch));
    QCOMPARE(plot.drawnPointCount(1, kTrain), kBatches * kBatch);
}

void TestCurvePlot::depthSweepSortsAndAverages() {
    DepthSweepPlot plot;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    plot.setPoints({
        {56, true, 0.12, 0.15},
        {20, true, 0.06, 0.09},
        {32, false, 0.025, 0.08},
        {20, false, 0.035, 0.0875},
        {56, false, 0.012, nan}, // not evaluated: no test point
        {32, true, 0.08, 0.11},
        {20, true, 0.08, 0.09}, // a second seed of plain-20: averaged with the first
    });
    compareValues(keysOf(plot.trainGraph(true)), {20, 32, 56});
    compareValues(valuesOf(plot.trainGraph(true)), {7.0, 8.0, 12.0});
    compareValues(keysOf(plot.trainGraph(false)), {20, 32, 56});
    compareValues(valuesOf(plot.trainGraph(false)), {3.5, 2.5, 1.2});
    compareValues(keysOf(plot.testGraph(false)), {20, 32});
    compareValues(keysOf(plot.testGraph(true)), {20, 32, 56});
    QCOMPARE(plot.trainGraph(true)->pen().style(), Qt::CustomDashLine);
    QCOMPARE(plot.trainGraph(false)->pen().style(), Qt::SolidLine);

    plot.setPoints({{44, false, 0.02, 0.07}});
    QCOMPARE(plot.trainGraph(true)->data()->size(), 0);
    QCOMPARE(plot.trainGraph(false)->data()->size(), 1);
}

void TestCurvePlot::depthSweepExports() {
    QTemporaryDir dir;
    DepthSweepPlot plot;
    plot.resize(500, 300);
    plot.setPoints({{20, true, 0.06, 0.09}, {20, false, 0.04, 0.08}});
    const QString png = dir.filePath(QStringLiteral("depth.png"));
    QString error;
    QVERIFY2(plot.exportImage(png, &error), qPrintable(error));
    QCOMPARE(QImage(png).size(), QSize(500, 300));
    QVERIFY(!plot.exportImage(dir.filePath(QStringLiteral("none/depth.svg")), &error));
    QVERIFY(!error.isEmpty());
}

void TestCurvePlot::tickLabelsNeverOverlap_data() {
    QTest::addColumn<QSize>("size");
    QTest::newRow("roomy") << QSize(800, 480);
    QTest::newRow("a lower pane at 1366 x 768") << QSize(420, 170);
    QTest::newRow("small") << QSize(300, 120);
}

void TestCurvePlot::tickLabelsNeverOverlap() {
    // An error curve from 90% down to 0.4% on a log axis: 1, 2 and 5 times each power of ten are
    // seven labels, more than a short plot has room for.
    QFETCH(QSize, size);
    CurvePlot plot;
    setUpErrorPlot(plot);
    plot.setLogY(true);
    QVector<double> values;
    for (int i = 0; i < 60; ++i)
        values << 0.9 * std::pow(0.004 / 0.9, i / 59.0);
    plot.appendPoints(1, kTrain, series(values, 0));
    plot.resize(size);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.plot()->replot();
    verifyLabelsApart(plot.plot()->yAxis);
    verifyLabelsApart(plot.plot()->xAxis);
}

void TestCurvePlot::depthSweepLabelsNeverOverlap() {
    // The paper's CIFAR depths and ResNet-1202 on one narrow axis: 20 to 56 are pixels apart.
    DepthSweepPlot plot;
    QVector<DepthPoint> points;
    for (int depth : {20, 32, 44, 56, 110, 1202})
        points.append({depth, false, 0.08, 0.1});
    plot.setPoints(points);
    plot.resize(420, 260);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.plot()->replot();
    verifyLabelsApart(plot.plot()->xAxis);
    const QVector<double> labelled = ticklabels::labelledTicks(plot.plot()->xAxis);
    QCOMPARE(labelled.first(), 20.0);
    QCOMPARE(labelled.last(), 1202.0);
    verifyLabelsApart(plot.plot()->yAxis);
}

void TestCurvePlot::aShortPlotWrapsItsLegendIntoColumns() {
    // Sixteen runs and the key below them: one column is taller than a 180 px plot. The legend must
    // not make the plot taller than it was given, and every run's row lies inside the plot, in
    // more than one column; given 700 px, one column again.
    CurvePlot plot;
    constexpr int kRuns = 16;
    for (int i = 0; i < kRuns; ++i)
        plot.addRun(i + 1, QStringLiteral("resnet%1").arg(20 + 12 * i), CurvePlot::runColor(i),
                    i % 2 == 0);
    const auto columns = [&]() {
        plot.plot()->replot();
        QSet<int> lefts;
        for (int i = 0; i < kRuns; ++i) {
            const QRect row = plot.legendItemRect(i + 1);
            if (!plot.plot()->rect().contains(row))
                return -1;
            lefts.insert(row.left());
        }
        return static_cast<int>(lefts.size());
    };
    plot.resize(700, 180);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    QCOMPARE(plot.height(), 180);
    const int rowHeight = plot.legendItemRect(1).height();
    QVERIFY2(rowHeight * kRuns > 180, qPrintable(QString::number(rowHeight)));
    const int shortColumns = columns();
    QVERIFY2(shortColumns >= 2, qPrintable(QString::number(shortColumns)));
    plot.resize(700, 700);
    QTest::qWait(20); // the resize reaches the plot
    QCOMPARE(columns(), 1);
}

void TestCurvePlot::aShortAxisKeepsItsLabelWithinItsEnds() {
    // A vertical label longer than its axis reaches past the plot area into what lies above: it
    // is elided to the area's height, and whole again once the plot is tall.
    CurvePlot plot;
    setUpErrorPlot(plot);
    const QString full = QStringLiteral("first conv's norm / last layer's");
    plot.setYLabel(full);
    plot.resize(600, 130);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    const QCPAxis* axis = plot.plot()->yAxis;
    const auto drawnLength = [&] {
        plot.plot()->replot();
        return QFontMetrics(axis->labelFont()).horizontalAdvance(axis->label());
    };
    QVERIFY2(QFontMetrics(axis->labelFont()).horizontalAdvance(full) >
                 plot.plot()->axisRect()->height(),
             "the label must be longer than the short plot's axis");
    const int shortLength = drawnLength();
    QVERIFY2(shortLength <= plot.plot()->axisRect()->height(),
             qPrintable(QStringLiteral("%1 px along a %2 px axis")
                            .arg(shortLength)
                            .arg(plot.plot()->axisRect()->height())));
    QVERIFY(axis->label() != full);
    plot.resize(600, 600);
    QTest::qWait(20);
    drawnLength();
    QCOMPARE(axis->label(), full);
}

void TestCurvePlot::aNarrowPlotPutsItsLegendBelow() {
    // The lesion study's random-removal plot: a key of long series names, wider than half a
    // narrow plot even in one column. Beside the curves it would leave them a sliver; below the
    // plot area it leaves them the plot's width, every item inside the plot. Widened, the legend
    // goes back beside the curves.
    CurvePlot plot;
    plot.addSeries(kTrain, QStringLiteral("mean over random draws"), CurvePlot::SeriesRole::Bold);
    plot.addSeries(kTest, QStringLiteral("worst draw of the random removals"),
                   CurvePlot::SeriesRole::Thin);
    plot.addRun(1, QStringLiteral("resnet-56"), CurvePlot::runColor(0), false);
    plot.addRun(2, QStringLiteral("plain-56"), CurvePlot::runColor(1), true);
    const QCPLegend* legend = plot.plot()->legend;
    const QCPAxisRect* area = plot.plot()->axisRect();
    plot.resize(360, 400);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.plot()->replot();
    int widest = 0;
    for (int i = 0; i < legend->itemCount(); ++i)
        widest = std::max(widest, legend->item(i)->outerRect().width());
    QVERIFY2(widest > plot.plot()->width() / 2, "the key must be wider than half the plot");
    const auto describe = [&] {
        return qPrintable(QStringLiteral("legend %1,%2 %3x%4, plot area %5,%6 %7x%8")
                              .arg(legend->outerRect().x())
                              .arg(legend->outerRect().y())
                              .arg(legend->outerRect().width())
                              .arg(legend->outerRect().height())
                              .arg(area->outerRect().x())
                              .arg(area->outerRect().y())
                              .arg(area->outerRect().width())
                              .arg(area->outerRect().height()));
    };
    QVERIFY2(legend->outerRect().top() >= area->outerRect().bottom(), describe());
    QVERIFY2(area->width() > plot.plot()->width() / 2, describe());
    for (int i = 0; i < legend->itemCount(); ++i)
        QVERIFY2(plot.plot()->rect().contains(legend->item(i)->outerRect()), describe());
    plot.resize(1200, 400);
    QTest::qWait(20); // the resize reaches the plot
    plot.plot()->replot();
    QVERIFY2(legend->outerRect().left() >= area->outerRect().right(), describe());
    QVERIFY2(legend->outerRect().top() < area->outerRect().bottom(), describe());
}

QTEST_MAIN(TestCurvePlot)
#include "test_curveplot.moc"
