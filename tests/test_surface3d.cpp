#include <cmath>

#include <QLabel>
#include <QtTest>

#include "colormaps.h"
#include "surface3d.h"
#include "surfaceplot.h"

// The landscape's 3-D view (issue 18): what it draws is the log of the surface, filled coarse to
// fine as the colour map is, on the colour map's colours; on a display with OpenGL it draws it
// (the surface's colour, the path over it), and without OpenGL it says so and stays up.
class TestSurface3D : public QObject {
    Q_OBJECT
private:
    /// A bowl: exp(a^2 + b^2) over [-1, 1]^2, n points a side.
    static QVector<double> bowl(int n, QVector<double>* coords) {
        coords->clear();
        for (int i = 0; i < n; ++i)
            *coords << -1.0 + 2.0 * i / (n - 1);
        QVector<double> v;
        for (int b = 0; b < n; ++b)
            for (int a = 0; a < n; ++a)
                v << std::exp((*coords)[a] * (*coords)[a] + (*coords)[b] * (*coords)[b]);
        return v;
    }

    /// The mean colour of the pixels that are not the background (the top-left pixel's colour).
    static QColor meanForeground(const QImage& image, int* count) {
        const QRgb background = image.pixel(0, 0);
        double r = 0, g = 0, b = 0;
        *count = 0;
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x) {
                const QRgb p = image.pixel(x, y);
                if (std::abs(qRed(p) - qRed(background)) +
                        std::abs(qGreen(p) - qGreen(background)) +
                        std::abs(qBlue(p) - qBlue(background)) <
                    60)
                    continue;
                r += qRed(p);
                g += qGreen(p);
                b += qBlue(p);
                ++*count;
            }
        return *count ? QColor(int(r / *count), int(g / *count), int(b / *count)) : QColor();
    }

    static double distance(const QColor& x, const QColor& y) {
        return std::hypot(x.red() - y.red(), x.green() - y.green(), x.blue() - y.blue());
    }

private Q_SLOTS:
    void theHeightsAreTheLogOfTheFilledSurface() {
        QVector<double> coords;
        QVector<double> values = bowl(9, &coords);
        // Only the coarse points computed: every 4th of each axis (0, 4, 8).
        QVector<double> coarse(values.size(), qQNaN());
        for (int b = 0; b < 9; b += 4)
            for (int a = 0; a < 9; a += 4)
                coarse[b * 9 + a] = values[b * 9 + a];
        Surface3D view;
        view.setSurface(coords, coarse);
        QCOMPARE(view.heights().size(), 81);
        for (int b = 0; b < 9; ++b)
            for (int a = 0; a < 9; ++a) {
                // The coarse neighbour the colour map paints there too.
                const int nb = std::min(8, (b + 2) / 4 * 4), na = std::min(8, (a + 2) / 4 * 4);
                QVERIFY(std::abs(view.heights()[b * 9 + a] - std::log10(values[nb * 9 + na])) <
                        1e-12);
            }
        QCOMPARE(SurfacePlot::filled(coords, coarse).size(), 81);
        view.setSurface(coords, values);
        for (int i = 0; i < 81; ++i)
            QVERIFY(std::abs(view.heights()[i] - std::log10(values[i])) < 1e-12);
    }

    void itsColoursAreTheColourMaps() {
        Surface3D view;
        view.setColorRange(0.1, 1000.0); // heights -1 to 3
        QCOMPARE(view.colorOfHeight(-1.0).rgb(), QColor(colormap::viridis(0.0)).rgb());
        QCOMPARE(view.colorOfHeight(3.0).rgb(), QColor(colormap::viridis(1.0)).rgb());
        QCOMPARE(view.colorOfHeight(1.0).rgb(), QColor(colormap::viridis(0.5)).rgb());
        QCOMPARE(view.colorOfHeight(9.0).rgb(), QColor(colormap::viridis(1.0)).rgb()); // held
        // A twin on the same range gives a height the same colour.
        Surface3D twin;
        twin.setColorRange(0.1, 1000.0);
        QCOMPARE(twin.colorOfHeight(0.3).rgb(), view.colorOfHeight(0.3).rgb());
        twin.setColorRange(1.0, 10.0);
        QVERIFY(twin.colorOfHeight(0.3).rgb() != view.colorOfHeight(0.3).rgb());
    }

    void itDrawsTheSurfaceWhereThereIsOpenGl() {
        if (!Surface3D::openGlAvailable()) {
            // Run under xvfb-run by ctest where bootstrap installed it: there it must draw.
            QVERIFY2(qEnvironmentVariableIsEmpty("RESLAB_EXPECT_OPENGL"),
                     "no OpenGL context on a display that should have one");
            Surface3D view;
            QVERIFY(!view.drawing());
            QVERIFY(view.render(QSize(200, 150)).isNull());
            QSKIP("no OpenGL here (the offscreen platform): the drawing is not checked");
        }
        QVector<double> coords;
        const QVector<double> values = bowl(11, &coords);
        QColor mean[2];
        for (int k = 0; k < 2; ++k) {
            // A flat surface at the bottom of the range, then at its top: the picture takes the
            // colour map's first colour, then its last.
            Surface3D view;
            view.resize(400, 320);
            view.show();
            QVERIFY(view.drawing());
            view.setColorRange(1.0, 100.0);
            view.setSurface(coords, QVector<double>(values.size(), k == 0 ? 1.0 : 100.0));
            const QImage image = view.render(QSize(400, 320));
            QCOMPARE(image.size(), QSize(400, 320));
            int count = 0;
            mean[k] = meanForeground(image, &count);
            QVERIFY2(count > 400 * 320 / 20, qPrintable(QString::number(count))); // drawn
        }
        const QColor low(colormap::viridis(0.0)), high(colormap::viridis(1.0));
        QVERIFY2(distance(mean[0], low) < distance(mean[0], high), qPrintable(mean[0].name()));
        QVERIFY2(distance(mean[1], high) < distance(mean[1], low), qPrintable(mean[1].name()));
        // A path painted over it: orange pixels appear where there were none.
        Surface3D view;
        view.resize(400, 320);
        view.show();
        view.setColorRange(1.0, 100.0);
        view.setSurface(coords, QVector<double>(values.size(), 1.0));
        const auto orange = [](const QImage& image) {
            int n = 0;
            for (int y = 0; y < image.height(); ++y)
                for (int x = 0; x < image.width(); ++x) {
                    const QColor c = image.pixelColor(x, y);
                    n += c.red() > 120 && c.red() > 2 * c.blue() && c.red() > c.green() + 40;
                }
            return n;
        };
        const int before = orange(view.render(QSize(400, 320)));
        view.setPath({-0.8, 0.0, 0.8}, {-0.8, 0.2, 0.8});
        const int after = orange(view.render(QSize(400, 320)));
        QVERIFY2(after > before + 50,
                 qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));
    }

    // The axis labels follow the window's font: the presenter layout enlarges it for a projector,
    // and the labels, a few pixels high at first, must grow with it.
    void theLabelsFollowTheFont() {
        Surface3D view;
        if (!view.drawing()) {
            QVERIFY(qEnvironmentVariableIsEmpty("RESLAB_EXPECT_OPENGL"));
            QSKIP("no OpenGL here (the offscreen platform): no labels are drawn");
        }
        const double before = view.labelFont().pointSizeF();
        QVERIFY(before > view.font().pointSizeF()); // drawn larger than the text beside them
        QFont larger = view.font();
        larger.setPointSizeF(larger.pointSizeF() * 2);
        view.setFont(larger);
        QCOMPARE(view.labelFont().pointSizeF(), 2 * before);
    }

    void withoutOpenGlItSaysSo() {
        if (Surface3D::openGlAvailable())
            QSKIP("this display has OpenGL");
        Surface3D view;
        view.resize(300, 200);
        view.show();
        QVERIFY(!view.drawing());
        const QList<QLabel*> labels = view.findChildren<QLabel*>();
        bool says = false;
        for (const QLabel* l : labels)
            says = says || l->text().contains(QLatin1String("OpenGL"));
        QVERIFY(says);
    }
};

QTEST_MAIN(TestSurface3D)
#include "test_surface3d.moc"
