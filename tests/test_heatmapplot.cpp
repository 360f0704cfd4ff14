// The heat map's layer names and colour scale at the sizes a classroom laptop gives it: the names
// drawn never overlap and leave a third of a text height between them, the step between them is
// the smallest that does, the first and the last layer are always named, a new size recomputes
// them, and hovering a row whose name is left out still names it. The presenter layout's type
// scale reaches every text of a plot, text made after it included, and 1 gives back the plot's own.
// The bar plot's long layer names lie flat where, rotated, they would leave its bars a strip.
#include <algorithm>
#include <cmath>

#include <qcustomplot.h>

#include <QFontMetrics>
#include <QMouseEvent>
#include <QToolTip>
#include <QtTest>

#include "barplot.h"
#include "heatmapplot.h"
#include "plotexport.h"

namespace {

/// The gradient rows of a CIFAR net of 6n+2 layers, as the trainer names them: the stem's conv,
/// two convs per block in three stages, the head.
QStringList cifarRows(int depth) {
    const int n = (depth - 2) / 6;
    QStringList rows{QStringLiteral("conv1.weight")};
    for (int stage = 1; stage <= 3; ++stage)
        for (int block = 0; block < n; ++block)
            for (int conv = 1; conv <= 2; ++conv)
                rows << QStringLiteral("layer%1.%2.conv%3.weight").arg(stage).arg(block).arg(conv);
    rows << QStringLiteral("fc.weight");
    return rows;
}

QString shownName(QString row) {
    if (row.endsWith(QLatin1String(".weight")))
        row.chop(7);
    return row;
}

/// Norms that fall from `top` at the first layer to `top * 10^-decades` at the last, like a plain
/// net's vanishing gradients, over a few probe records.
void fill(HeatmapPlot& map, double top, double decades) {
    const int rows = map.rowCount();
    for (int c = 0; c < 6; ++c) {
        QVector<double> values;
        for (int r = 0; r < rows; ++r)
            values << top * std::pow(10.0, -decades * r / std::max(1, rows - 1)) * (1 + 0.1 * c);
        map.appendColumn(100.0 * c, values);
    }
    map.flush();
}

int textHeight(HeatmapPlot& map) {
    return QFontMetrics(map.plot()->yAxis->tickLabelFont()).height();
}

/// No two rectangles meet, and neighbours (in the order given, along y) are at least `gap` apart.
void verifyApart(const QVector<QRect>& rects, int gap) {
    for (int i = 0; i < rects.size(); ++i)
        for (int j = i + 1; j < rects.size(); ++j)
            QVERIFY2(!rects[i].intersects(rects[j]),
                     qPrintable(QStringLiteral("labels %1 and %2 overlap").arg(i).arg(j)));
    for (int i = 0; i + 1 < rects.size(); ++i) {
        const QRect a = rects[i], b = rects[i + 1];
        const int between = std::max(a.top(), b.top()) - std::min(a.bottom(), b.bottom()) - 1;
        QVERIFY2(between >= gap, qPrintable(QStringLiteral("labels %1 and %2 are %3 px apart, "
                                                           "less than %4")
                                                .arg(i)
                                                .arg(i + 1)
                                                .arg(between)
                                                .arg(gap)));
    }
}

} // namespace

class TestHeatmapPlot : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rowNamesNeverOverlap_data();
    void rowNamesNeverOverlap();
    void aNewSizeRecomputesTheNames();
    void colorScaleLabelsNeverOverlap_data();
    void colorScaleLabelsNeverOverlap();
    void aShortBarKeepsItsLabelWithinItsEnds_data();
    void aShortBarKeepsItsLabelWithinItsEnds();
    void hoverNamesARowWhoseNameIsLeftOut();
    void presenterTypeReachesEveryText();
    void longBarNamesLieFlatInAShortPlot();
};

void TestHeatmapPlot::rowNamesNeverOverlap_data() {
    QTest::addColumn<int>("depth");
    QTest::addColumn<QSize>("size");
    QTest::addColumn<double>("typeScale"); // the presenter layout's, on a projector
    QTest::newRow("plain-20, 600 x 400") << 20 << QSize(600, 400) << 1.0;
    QTest::newRow("plain-56, 600 x 400") << 56 << QSize(600, 400) << 1.0;
    QTest::newRow("plain-56, 1366 x 768 half") << 56 << QSize(660, 330) << 1.0;
    QTest::newRow("plain-56, short") << 56 << QSize(600, 220) << 1.0;
    QTest::newRow("plain-110, 600 x 400") << 110 << QSize(600, 400) << 1.0;
    QTest::newRow("plain-8, roomy") << 8 << QSize(600, 600) << 1.0;
    QTest::newRow("plain-56, 1366 x 768 half, presenter type") << 56 << QSize(660, 330) << 1.75;
    QTest::newRow("plain-20, 1920 x 1080 half, presenter type") << 20 << QSize(940, 470) << 2.2;
}

void TestHeatmapPlot::rowNamesNeverOverlap() {
    QFETCH(int, depth);
    QFETCH(QSize, size);
    QFETCH(double, typeScale);
    HeatmapPlot map;
    map.setTitle(QStringLiteral("plain%1").arg(depth));
    map.setValueLabel(QStringLiteral("gradient L2 norm"));
    const int deskHeight = textHeight(map);
    if (typeScale != 1.0) {
        PlotStyle::scaleType(map.plot(), typeScale);
        QVERIFY(textHeight(map) >= deskHeight * typeScale * 0.8);
    }
    map.resize(size);
    map.show();
    QVERIFY(QTest::qWaitForWindowExposed(&map));
    const QStringList rows = cifarRows(depth);
    map.setRows(rows);
    fill(map, 10.0, 9.0);

    const QVector<int> labelled = map.labelledRows();
    const QVector<QRect> rects = map.visibleLabelRects();
    QCOMPARE(rects.size(), labelled.size());
    QVERIFY(labelled.size() >= 2);
    // The first and the last layer are always named, and each name is beside its own row.
    QCOMPARE(labelled.first(), 0);
    QCOMPARE(labelled.last(), rows.size() - 1);
    for (int i = 0; i < labelled.size(); ++i) {
        const int rowY = map.cellCenter(labelled[i], 0).y();
        QVERIFY2(
            rects[i].top() <= rowY && rowY <= rects[i].bottom(),
            qPrintable(QStringLiteral("the name of row %1 is not beside it").arg(labelled[i])));
        QVERIFY2(map.canvas()->rect().contains(rects[i]),
                 qPrintable(QStringLiteral("the name of row %1 is cut off").arg(labelled[i])));
    }
    const int h = textHeight(map);
    verifyApart(rects, h / 3);

    // Every k-th row, k the smallest step that leaves the gap; the last step may be longer (the
    // last layer takes the place of the k-th row before it), but shorter than 2k.
    const double pitch = double(map.cellCenter(rows.size() - 1, 0).y() - map.cellCenter(0, 0).y()) /
                         (rows.size() - 1);
    const int k = labelled[1] - labelled[0];
    for (int i = 1; i + 1 < labelled.size(); ++i)
        QCOMPARE(labelled[i] - labelled[i - 1], k);
    const int lastStep = labelled.last() - labelled[labelled.size() - 2];
    QVERIFY2(lastStep >= k && lastStep < 2 * k, qPrintable(QString::number(lastStep)));
    QVERIFY2(k * pitch >= h * 4.0 / 3.0 - 1, qPrintable(QStringLiteral("k %1").arg(k)));
    if (k > 1)
        QVERIFY2(
            (k - 1) * pitch < h * 4.0 / 3.0,
            qPrintable(QStringLiteral("a step of %1 would have fit, not %2").arg(k - 1).arg(k)));
    else
        QCOMPARE(labelled.size(), rows.size());
    for (int i = 0; i < labelled.size(); ++i)
        QVERIFY(!shownName(rows[labelled[i]]).isEmpty());
}

void TestHeatmapPlot::aNewSizeRecomputesTheNames() {
    HeatmapPlot map;
    map.resize(600, 400);
    map.show();
    QVERIFY(QTest::qWaitForWindowExposed(&map));
    map.setRows(cifarRows(56));
    fill(map, 1.0, 6.0);
    const int atFour = map.labelledRows().size();
    map.resize(600, 800);
    QTest::qWait(20);
    const QVector<int> tall = map.labelledRows();
    QVERIFY2(tall.size() > atFour,
             qPrintable(QStringLiteral("%1, %2").arg(tall.size()).arg(atFour)));
    verifyApart(map.visibleLabelRects(), textHeight(map) / 3);
    map.resize(600, 400);
    QTest::qWait(20);
    QCOMPARE(map.labelledRows().size(), atFour);
    map.resize(600, 250);
    const QVector<QRect> shortRects = map.visibleLabelRects();
    QVERIFY(shortRects.size() < atFour);
    verifyApart(shortRects, textHeight(map) / 3);
}

void TestHeatmapPlot::colorScaleLabelsNeverOverlap_data() {
    QTest::addColumn<double>("decades");
    QTest::addColumn<int>("height");
    for (int height : {160, 220, 330, 600})
        for (double decades : {0.3, 0.5, 1.0, 1.5, 1.7, 2.0, 3.0, 5.0, 9.0, 15.0, 30.0})
            QTest::newRow(qPrintable(QStringLiteral("%1 decades, %2 px").arg(decades).arg(height)))
                << decades << height;
}

void TestHeatmapPlot::colorScaleLabelsNeverOverlap() {
    QFETCH(double, decades);
    QFETCH(int, height);
    HeatmapPlot map;
    map.setValueLabel(QStringLiteral("gradient L2 norm"));
    map.resize(600, height);
    map.show();
    QVERIFY(QTest::qWaitForWindowExposed(&map));
    map.setRows(cifarRows(56));
    fill(map, 10.0, decades);
    const QVector<QRect> rects = map.scaleLabelRects();
    QVERIFY2(rects.size() >= 2, qPrintable(QString::number(rects.size())));
    verifyApart(rects, textHeight(map) / 3);
    for (const QRect& r : rects)
        QVERIFY(map.canvas()->rect().contains(r));
}

void TestHeatmapPlot::aShortBarKeepsItsLabelWithinItsEnds_data() {
    QTest::addColumn<int>("height");
    QTest::addColumn<double>("type");
    for (int height : {90, 110, 140, 200, 600})
        for (double type : {1.0, 1.5})
            QTest::newRow(qPrintable(QStringLiteral("%1 px, type x%2").arg(height).arg(type)))
                << height << type;
}

// The colour scale's label is drawn along the bar, centred on it. Where it is longer than the bar
// it reaches past the bar's top into the title's row, which spans map and scale: the label must
// keep to the bar's length, and a bar that holds all of it shows all of it.
void TestHeatmapPlot::aShortBarKeepsItsLabelWithinItsEnds() {
    QFETCH(int, height);
    QFETCH(double, type);
    const QString full = QStringLiteral("gradient L2 norm");
    HeatmapPlot map;
    map.setTitle(QStringLiteral("resnet56: gradient norm per layer"));
    map.setValueLabel(full);
    PlotStyle::scaleType(map.plot(), type);
    map.resize(600, height);
    map.show();
    QVERIFY(QTest::qWaitForWindowExposed(&map));
    map.setRows(cifarRows(56));
    fill(map, 10.0, 3.0);
    QCPColorScale* scale = map.plot()->findChild<QCPColorScale*>();
    QVERIFY(scale);
    QTest::qWait(50); // a label that came or went queues one more replot for its margin
    map.plot()->replot();
    const QString shown = scale->axis()->label();
    const int bar = scale->rect().height();
    const int length = QFontMetrics(scale->axis()->labelFont()).horizontalAdvance(shown);
    QVERIFY2(length <= bar, qPrintable(QStringLiteral("label \"%1\" is %2 px along a %3 px bar")
                                           .arg(shown)
                                           .arg(length)
                                           .arg(bar)));
    const int fullLength = QFontMetrics(scale->axis()->labelFont()).horizontalAdvance(full);
    if (fullLength <= bar)
        QCOMPARE(shown, full);
    else if (!shown.isEmpty())
        QVERIFY2(shown.endsWith(QChar(0x2026)) && full.startsWith(shown.chopped(1)),
                 qPrintable(shown));
    if (height == 600)
        QCOMPARE(shown, full); // the label comes back whole where the bar holds it
}

void TestHeatmapPlot::hoverNamesARowWhoseNameIsLeftOut() {
    HeatmapPlot map;
    map.resize(600, 400);
    map.show();
    QVERIFY(QTest::qWaitForWindowExposed(&map));
    const QStringList rows = cifarRows(56);
    map.setRows(rows);
    fill(map, 1.0, 4.0);
    const QVector<int> labelled = map.labelledRows();
    QVERIFY(!labelled.contains(1)); // 56 names do not fit in 400 px
    const QPoint pos = map.cellCenter(1, 2);
    QMouseEvent move(QEvent::MouseMove, QPointF(pos), QPointF(map.canvas()->mapToGlobal(pos)),
                     Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(map.canvas(), &move);
    QTRY_VERIFY(QToolTip::isVisible());
    QVERIFY2(QToolTip::text().startsWith(rows[1] + QLatin1Char('\n')),
             qPrintable(QToolTip::text()));
}

void TestHeatmapPlot::presenterTypeReachesEveryText() {
    HeatmapPlot map;
    map.setTitle(QStringLiteral("plain56"));
    map.setValueLabel(QStringLiteral("gradient L2 norm"));
    map.resize(600, 400);
    map.show();
    QVERIFY(QTest::qWaitForWindowExposed(&map));
    map.setRows(cifarRows(20));
    fill(map, 10.0, 3.0);
    QCustomPlot* plot = map.plot();
    QCPColorScale* scale = plot->findChild<QCPColorScale*>();
    QVERIFY(scale);
    auto* title = qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0));
    QVERIFY(title);
    // Every text the heat map shows: the axes' tick labels and labels, the colour scale's, the
    // title.
    const auto sizes = [&] {
        return QVector<double>{
            plot->xAxis->tickLabelFont().pointSizeF(), plot->xAxis->labelFont().pointSizeF(),
            plot->yAxis->tickLabelFont().pointSizeF(), scale->axis()->tickLabelFont().pointSizeF(),
            scale->axis()->labelFont().pointSizeF(),   title->font().pointSizeF()};
    };
    const QVector<double> desk = sizes();
    for (double s : desk)
        QVERIFY(s > 0);
    for (double factor : {1.5, 2.25, 1.0}) { // 2.25 from 1.5: scaled from the plot's own, not again
        PlotStyle::scaleType(plot, factor);
        const QVector<double> now = sizes();
        for (int i = 0; i < desk.size(); ++i)
            QVERIFY2(qFuzzyCompare(now[i], desk[i] * factor),
                     qPrintable(QStringLiteral("text %1 at %2 pt, not %3 x %4 pt")
                                    .arg(i)
                                    .arg(now[i])
                                    .arg(factor)
                                    .arg(desk[i])));
    }

    // Text a plot makes after the scale was set takes it before it is drawn: the bar plot's
    // cross for a value that has none and its title (and the legend), against the same plot left
    // at the desk's type.
    struct Texts {
        double mark, legend, title;
    };
    const auto barTexts = [](double factor) -> Texts {
        BarPlot bars;
        bars.resize(600, 400);
        if (factor != 1.0)
            PlotStyle::scaleType(bars.plot(), factor);
        bars.setCategories({QStringLiteral("layer1.0"), QStringLiteral("layer1.1")});
        bars.setSeries(0, QStringLiteral("plain56"), Qt::blue, {0.5, std::nan("")}, true,
                       QStringLiteral("cannot be removed"));
        bars.setTitle(QStringLiteral("test error without each block"));
        bars.plot()->replot();
        const QList<QCPItemText*> texts = bars.plot()->findChildren<QCPItemText*>();
        const auto mark = std::find_if(texts.begin(), texts.end(), [](QCPItemText* t) {
            return t->text() == QStringLiteral("×");
        });
        auto* title = qobject_cast<QCPTextElement*>(bars.plot()->plotLayout()->element(0, 0));
        if (bars.nanMarkCount() != 1 || mark == texts.end() || !title)
            return {0, 0, 0};
        return {(*mark)->font().pointSizeF(), bars.plot()->legend->font().pointSizeF(),
                title->font().pointSizeF()};
    };
    const Texts deskBars = barTexts(1.0), projected = barTexts(2.0);
    QVERIFY(deskBars.mark > 0 && deskBars.legend > 0 && deskBars.title > 0);
    QCOMPARE(projected.mark, 2.0 * deskBars.mark);
    QCOMPARE(projected.legend, 2.0 * deskBars.legend);
    QCOMPARE(projected.title, 2.0 * deskBars.title);
}

void TestHeatmapPlot::longBarNamesLieFlatInAShortPlot() {
    BarPlot bars;
    bars.setCategories(cifarRows(56));
    QVector<double> norms;
    for (int i = 0; i < cifarRows(56).size(); ++i)
        norms << 0.1 * (1 + i % 5);
    bars.setSeries(0, QStringLiteral("plain56"), Qt::blue, norms);
    bars.setTitle(QStringLiteral("all layers at iteration 600"));
    bars.setLogY(true);
    QCustomPlot* plot = bars.plot();
    const auto resize = [&](int height) {
        bars.resize(320, height);
        QTRY_COMPARE(plot->height(), height); // the layout gives the plot the new size
        plot->replot();
    };
    bars.show();
    QVERIFY(QTest::qWaitForWindowExposed(&bars));
    // Tall: rotated names, many of them.
    resize(600);
    QCOMPARE(plot->xAxis->tickLabelRotation(), 60.0);
    int tallNames = 0;
    for (const QString& label : plot->xAxis->tickVectorLabels())
        tallNames += label.isEmpty() ? 0 : 1;
    // Short, as in the gradients view on a 1280 x 720 projector: the names lie flat and the bars
    // keep most of the height.
    resize(200);
    QCOMPARE(plot->xAxis->tickLabelRotation(), 0.0);
    QVERIFY2(plot->axisRect()->height() > plot->height() / 2,
             qPrintable(QStringLiteral("bars %1 px of %2")
                            .arg(plot->axisRect()->height())
                            .arg(plot->height())));
    QStringList flat;
    for (const QString& label : plot->xAxis->tickVectorLabels())
        if (!label.isEmpty())
            flat << label;
    QVERIFY(flat.size() >= 2 && flat.size() < tallNames);
    QCOMPARE(flat.first(), QStringLiteral("conv1"));
    QCOMPARE(flat.last(), QStringLiteral("fc"));
    const QFontMetrics metrics(plot->xAxis->tickLabelFont());
    int names = 0;
    for (const QString& label : std::as_const(flat))
        names += metrics.horizontalAdvance(label);
    QVERIFY(names < plot->axisRect()->width()); // flat names side by side fit the axis
    // Tall again: rotated again.
    resize(600);
    QCOMPARE(plot->xAxis->tickLabelRotation(), 60.0);
}

QTEST_MAIN(TestHeatmapPlot)
#include "test_heatmapplot.moc"
