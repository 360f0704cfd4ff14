#include <cmath>

#include <qcustomplot.h>

#include <QtTest>

#include "surfaceplot.h"

// The loss landscape's surface plot: contour lines where they belong on a surface whose level
// sets are known (circles), a surface filled coarse to fine painted whole from its first
// points, and a hidden colour scale's room given to the map.
class TestSurfacePlot : public QObject {
    Q_OBJECT
private:
    static QVector<double> grid(int n, double range) {
        QVector<double> c;
        for (int i = 0; i < n; ++i)
            c << -range + 2.0 * range * i / (n - 1);
        return c;
    }

private Q_SLOTS:
    void isolinesOfABowlAreCircles() {
        // f(a, b) = exp(a^2 + b^2): the level e^(r^2) is the circle of radius r, and on the log
        // scale the values are a^2 + b^2, which crossings between grid points follow closely.
        const QVector<double> c = grid(41, 2.0);
        QVector<double> f;
        for (double b : c)
            for (double a : c)
                f << std::exp(a * a + b * b);
        for (double r : {0.5, 1.0, 1.5}) {
            const QVector<QLineF> segments = SurfacePlot::isoline(c, f, std::exp(r * r));
            QVERIFY(segments.size() > 8);
            double length = 0;
            for (const QLineF& s : segments) {
                for (const QPointF& p : {s.p1(), s.p2()})
                    QVERIFY2(
                        std::abs(std::hypot(p.x(), p.y()) - r) < 0.01,
                        qPrintable(QString("%1 at r %2").arg(std::hypot(p.x(), p.y())).arg(r)));
                length += s.length();
            }
            QVERIFY2(std::abs(length - 2 * M_PI * r) < 0.02 * 2 * M_PI * r,
                     qPrintable(QString::number(length)));
        }
        // A level above the surface, or NaN corners: no line.
        QVERIFY(SurfacePlot::isoline(c, f, 1e9).isEmpty());
        QVector<double> unknown(f.size(), qQNaN());
        QVERIFY(SurfacePlot::isoline(c, unknown, std::exp(1.0)).isEmpty());
    }

    void aHiddenScaleGivesUpItsRoom() {
        // The landscape hides one of its two plots' colour scales: the map then takes the
        // scale's width, and showing the scale again gives it back.
        SurfacePlot plot;
        plot.resize(500, 400);
        plot.show(); // laid out at its size: a hidden widget's plot has no room to measure
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        auto mapWidth = [&] {
            plot.plot()->replot();
            return plot.plot()->axisRect()->width();
        };
        const int withScale = mapWidth();
        QVERIFY(withScale > 200);
        plot.setScaleVisible(false);
        const int without = mapWidth();
        QVERIFY2(without > withScale + 20,
                 qPrintable(QStringLiteral("%1 px with, %2 without").arg(withScale).arg(without)));
        plot.setScaleVisible(false); // twice changes nothing
        QCOMPARE(mapWidth(), without);
        plot.setScaleVisible(true);
        QCOMPARE(mapWidth(), withScale);
    }

    void aCoarseSurfaceIsPaintedWhole() {
        // Only every 4th point computed: every cell is painted with the nearest of them.
        const int n = 9;
        QVector<double> values(n * n, qQNaN());
        for (int b = 0; b < n; b += 4)
            for (int a = 0; a < n; a += 4)
                values[b * n + a] = 1.0 + b * n + a;
        SurfacePlot plot;
        plot.setSurface(grid(n, 1.0), values);
        for (int b = 0; b < n; ++b)
            for (int a = 0; a < n; ++a) {
                const int nb = std::min(n - 1, (b + 2) / 4 * 4),
                          na = std::min(n - 1, (a + 2) / 4 * 4);
                QCOMPARE(plot.paintedValue(b, a), 1.0 + nb * n + na);
            }
        QCOMPARE(plot.dataRange().first, 1.0);
        QCOMPARE(plot.dataRange().second, 1.0 + 8 * n + 8);
        plot.setColorRange(1.0, 100.0);
        const QVector<double> levels = plot.contourLevels();
        QCOMPARE(levels.size(), 11);
        QVERIFY(std::abs(levels.first() - std::pow(10.0, 2.0 / 12)) < 1e-9); // log-spaced
    }
};

QTEST_MAIN(TestSurfacePlot)
#include "test_surfaceplot.moc"
