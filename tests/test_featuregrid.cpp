#include <cmath>

#include <QSignalSpy>
#include <QtTest>

#include "featuregrid.h"
#include "featuregridresponses.h"

// The feature-map grid on made-up maps: tiles per channel, colour ranges, clicks and hover values.
class TestFeatureGrid : public QObject {
    Q_OBJECT
private:
    /// C channels of h x w; channel c holds c * 10 + (y * w + x), channel `flat` (if any) is
    /// constant.
    static FeatureMapData ramp(int c, int h, int w, int flat = -1) {
        FeatureMapData d;
        d.name = QStringLiteral("layer1.0.conv1");
        d.channels = c;
        d.height = h;
        d.width = w;
        d.values.resize(static_cast<size_t>(c) * h * w);
        for (int k = 0; k < c; ++k)
            for (int i = 0; i < h * w; ++i)
                d.values[static_cast<size_t>(k) * h * w + i] = k == flat ? 3.0f : float(k * 10 + i);
        return d;
    }

private Q_SLOTS:
    void oneTilePerChannel_data() {
        QTest::addColumn<int>("channels");
        QTest::newRow("1") << 1;
        QTest::newRow("64 (resnet18 layer1)") << 64;
        QTest::newRow("512 (layer4)") << 512;
    }
    void oneTilePerChannel() {
        QFETCH(int, channels);
        FeatureGrid grid;
        grid.resize(600, 400);
        grid.setData(ramp(channels, 7, 7));
        QCOMPARE(grid.tileCount(), channels);
        // Every tile lies inside the widget and none overlaps the next one.
        for (int t = 0; t < channels; ++t) {
            QVERIFY(grid.rect().contains(grid.tileRect(t)));
            if (t + 1 < channels)
                QVERIFY(!grid.tileRect(t).intersects(grid.tileRect(t + 1)));
        }
        QVERIFY(!grid.gridImage().isNull());
    }

    void minAndMaxGoToTheEndsOfTheMap_data() {
        QTest::addColumn<int>("map");
        QTest::newRow("grey") << int(FeatureColorMap::Grey);
        QTest::newRow("viridis") << int(FeatureColorMap::Viridis);
    }
    void minAndMaxGoToTheEndsOfTheMap() {
        QFETCH(int, map);
        const auto m = FeatureColorMap(map);
        FeatureGrid grid;
        grid.setColorMap(m);
        grid.setData(ramp(3, 4, 5));
        // Per channel: each channel's own min (its first cell) and max (its last) hit the ends.
        for (int c = 0; c < 3; ++c) {
            const QImage tile = grid.tileImage(c);
            QCOMPARE(tile.size(), QSize(5, 4));
            QCOMPARE(tile.pixel(0, 0), featuregrid::colorAt(m, 0.0));
            QCOMPARE(tile.pixel(4, 3), featuregrid::colorAt(m, 1.0));
        }
        QCOMPARE(featuregrid::colorAt(FeatureColorMap::Grey, 0.0), qRgb(0, 0, 0));
        QCOMPARE(featuregrid::colorAt(FeatureColorMap::Grey, 1.0), qRgb(255, 255, 255));
        // Per layer: channel 0's max (19) is below the layer's max (39), so it stops short of the
        // end.
        grid.setNormalization(FeatureNormalization::PerLayer);
        QCOMPARE(grid.tileImage(0).pixel(0, 0), featuregrid::colorAt(m, 0.0));
        QVERIFY(grid.tileImage(0).pixel(4, 3) != featuregrid::colorAt(m, 1.0));
        QCOMPARE(grid.tileImage(2).pixel(4, 3), featuregrid::colorAt(m, 1.0));
        QCOMPARE(grid.rangeOf(1).low, 0.0f);
        QCOMPARE(grid.rangeOf(1).high, 39.0f);
    }

    void divergingIsCentredOnZero() {
        FeatureMapData d = ramp(1, 1, 3);
        d.values = {-1.0f, 0.0f, 4.0f};
        const auto range = featuregrid::channelRange(d, 0, FeatureColorMap::Diverging);
        QCOMPARE(range.low, -4.0f);
        QCOMPARE(range.high, 4.0f);
        const QImage tile = featuregrid::renderChannel(d, 0, FeatureColorMap::Diverging, range);
        QCOMPARE(tile.pixel(2, 0), featuregrid::colorAt(FeatureColorMap::Diverging, 1.0));
        // Zero gets the light middle colour.
        const QColor mid(tile.pixel(1, 0));
        QVERIFY(mid.lightness() > 220);
    }

    void constantChannelDoesNotDivideByZero() {
        FeatureGrid grid;
        grid.setColorMap(FeatureColorMap::Grey);
        grid.setData(ramp(3, 4, 4, /*flat=*/1));
        const QImage flat = grid.tileImage(1);
        QCOMPARE(flat.size(), QSize(4, 4));
        for (int y = 0; y < 4; ++y)
            for (int x = 0; x < 4; ++x)
                QCOMPARE(flat.pixel(x, y), featuregrid::colorAt(FeatureColorMap::Grey, 0.0));
        // NaN in a map does not crash or poison the others.
        FeatureMapData d = ramp(1, 1, 2);
        d.values = {std::nanf(""), 1.0f};
        const QImage img = featuregrid::renderChannel(d, 0, FeatureColorMap::Viridis, {0.0f, 1.0f});
        QCOMPARE(img.pixel(0, 0), featuregrid::colorAt(FeatureColorMap::Viridis, 0.0));
    }

    void sortsByMeanActivation() {
        FeatureGrid grid;
        grid.resize(400, 300);
        grid.setData(ramp(4, 2, 2));
        QCOMPARE(grid.channelOfTile(0), 0);
        grid.setSort(FeatureSort::MeanDescending);
        // Channel means grow with the index (c * 10 + 1.5), so the order reverses.
        for (int t = 0; t < 4; ++t)
            QCOMPARE(grid.channelOfTile(t), 3 - t);
    }

    void clickingATilePicksItsChannel() {
        FeatureGrid grid;
        grid.resize(400, 300);
        grid.setData(ramp(6, 3, 3));
        grid.setSort(FeatureSort::MeanDescending);
        grid.show();
        QVERIFY(QTest::qWaitForWindowExposed(&grid));
        QSignalSpy spy(&grid, &FeatureGrid::tileClicked);
        QTest::mouseClick(&grid, Qt::LeftButton, {}, grid.tileRect(1).center());
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), 4); // tile 1 shows the second-largest mean: channel 4
        QCOMPARE(grid.currentChannel(), 4);
    }

    void largeTileShowsTheValueUnderTheCursor() {
        FeatureMapData d = ramp(2, 4, 8);
        FeatureTileView view;
        view.resize(400, 300);
        view.setTile(d, 1, FeatureColorMap::Viridis,
                     featuregrid::channelRange(d, 1, FeatureColorMap::Viridis),
                     QStringLiteral("channel 1"));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        // Find the widget point of cell (x 6, y 2) and hover there.
        QPoint target(-1, -1);
        for (int y = 0; y < view.height() && target.x() < 0; ++y)
            for (int x = 0; x < view.width(); ++x)
                if (view.cellAt({x, y}) == QPoint(6, 2)) {
                    target = {x + 2, y + 2};
                    break;
                }
        QVERIFY(target.x() >= 0);
        QCOMPARE(view.cellAt(target), QPoint(6, 2));
        QSignalSpy spy(&view, &FeatureTileView::hovered);
        QTest::mouseMove(&view, target);
        QTRY_COMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(2).toFloat(), 10.0f + 2 * 8 + 6); // channel 1, cell 22
        QVERIFY2(view.valueText().endsWith(QStringLiteral(": 32")), qPrintable(view.valueText()));
        QVERIFY(!view.exportImage().isNull());
    }

    void rangeLabelsNeverOverlap_data() {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<float>("low");
        QTest::addColumn<float>("high");
        QTest::newRow("roomy") << QSize(400, 300) << -0.5f << 2.0f;
        QTest::newRow("a tile of the block page at 1366 x 768")
            << QSize(220, 200) << -4.82f << 4.82f;
        QTest::newRow("short, so a narrow bar") << QSize(300, 110) << -0.000123456f << 0.000987654f;
        QTest::newRow("smallest") << QSize(120, 140) << -0.000123456f << 0.000987654f;
    }

    void rangeLabelsNeverOverlap() {
        QFETCH(QSize, size);
        QFETCH(float, low);
        QFETCH(float, high);
        FeatureMapData d = ramp(1, 8, 8);
        FeatureTileView view;
        view.resize(size);
        view.setTile(d, 0, FeatureColorMap::Diverging, {low, high}, QStringLiteral("channel 0"));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const auto [lowRect, highRect] = view.rangeLabelRects();
        QVERIFY(!lowRect.isEmpty() && !highRect.isEmpty());
        QVERIFY(!lowRect.intersects(highRect));
        const int gap = view.fontMetrics().height() / 3;
        const bool oneLine = lowRect.top() == highRect.top();
        QVERIFY2(
            !oneLine || highRect.left() - lowRect.right() - 1 >= gap,
            qPrintable(QStringLiteral("%1 px apart").arg(highRect.left() - lowRect.right() - 1)));
        QVERIFY(view.rect().contains(lowRect));
        QVERIFY(view.rect().contains(highRect));
        if (size.width() >= 220)
            QVERIFY(oneLine); // a line lower only where the widget itself is too narrow
    }

    void responsesPlotExports() {
        ResponsesPlot plot;
        plot.setSeries({{QStringLiteral("resnet20"), Qt::blue, false, {1.0, 0.8, 0.5}},
                        {QStringLiteral("plain20"), Qt::red, true, {1.2, 1.5, 1.9}}});
        QCOMPARE(plot.series().size(), size_t(2));
        const QImage image = plot.exportImage({600, 400});
        QCOMPARE(image.size(), QSize(600, 400));
    }
};

QTEST_MAIN(TestFeatureGrid)
#include "test_featuregrid.moc"
