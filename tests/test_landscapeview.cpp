#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "landscapeview.h"
#include "mainwindow.h"
#include "qttestsupport.h"
#include "surface3d.h"
#include "surfaceplot.h"

// The Loss landscape tab in the window: a run and its twin opened from their folders, their
// surfaces computed on a thread (coarse to fine, cancellable), written beside them and reopened
// at once; its caption states the numbers reslab-cli landscape prints for the same surfaces.
class TestLandscapeView : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString file(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

    static LandscapeView* open(MainWindow& window, const QStringList& folders) {
        for (const QString& f : folders) {
            QString error;
            if (!window.openRunFolder(f, &error))
                qWarning("%s", qPrintable(error));
        }
        return window.findChild<LandscapeView*>();
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        isolateSettings(m_dir.path(), QStringLiteral("test_landscapeview"));
        for (const char* arch : {"resnet20", "plain20"})
            QVERIFY(runReslabCli({"train", "--arch", arch, "--dataset", "synthetic", "--steps", "6",
                                  "--snapshots", "3", "--quiet", "--out", file(arch)}));
    }

    void computesThePairAndSaysWhatItShows() {
        MainWindow window;
        LandscapeView* view = open(window, {file("resnet20"), file("plain20")});
        QVERIFY(view);
        // The plain run first, its residual twin beside it.
        QCOMPARE(view->surface(0).run, QStringLiteral("plain20"));
        QVERIFY(view->rightRun() >= 0);
        view->setGrid(5);
        view->setImages(64);
        QSignalSpy finished(view, &LandscapeView::computeFinished);
        QString error;
        QVERIFY2(view->compute(&error), qPrintable(error));
        QVERIFY(view->isComputing());
        QVERIFY(QTest::qWaitFor([&] { return finished.count() == 1; }, 300000));
        QVERIFY2(finished.first().first().toBool(), qPrintable(finished.first().last().toString()));
        for (int side = 0; side < 2; ++side) {
            QVERIFY(view->surface(side).complete());
            QVERIFY(QFileInfo::exists(view->surface(side).folder + "/landscape-0.json"));
            // And the line from the initial weights, at as many points as the grid has.
            QVERIFY(QFileInfo::exists(view->surface(side).folder + "/interpolation-0.json"));
            QCOMPARE(view->surface(side).alpha.size(), 5);
            QCOMPARE(view->surface(side).alpha.first(), -0.5);
            QCOMPARE(view->surface(side).alpha.last(), 1.5);
        }
        // One colour scale for both surfaces.
        const auto plots = view->findChildren<SurfacePlot*>();
        QCOMPARE(plots.size(), 2);
        QCOMPARE(plots[0]->colorRange(), plots[1]->colorRange());
        QVERIFY(plots[0]->colorRange().first < plots[0]->colorRange().second);

        // The caption's numbers are reslab-cli's for the same surfaces (recomputed there).
        const QString caption = view->caption();
        QString out;
        QVERIFY(runReslabCli({"landscape", file("plain20"), file("resnet20"), "--grid", "5",
                              "--images", "64", "--quiet"},
                             &out));
        const QStringList rows = out.split('\n', Qt::SkipEmptyParts);
        QVERIFY(rows.size() >= 3);
        for (int i = 1; i <= 2; ++i) {
            const QStringList cells = rows[i].simplified().split(' ');
            const double centre = cells[1].toDouble();
            const int minima = cells[5].toInt();
            QVERIFY2(caption.contains(
                         QStringLiteral("loss %1 at the trained weights").arg(centre, 0, 'g', 3)),
                     qPrintable(caption + " | " + rows[i]));
            QVERIFY2(caption.contains(minima == 1 ? QStringLiteral("1 local minimum")
                                                  : QStringLiteral("%1 local minima").arg(minima)),
                     qPrintable(caption + " | " + rows[i]));
        }
        QVERIFY(view->exportCsv(file("surfaces.csv")));
        QFile csv(file("surfaces.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readAll().count('\n'), 1 + 2 * 25);
        QVERIFY(view->exportPng(file("surfaces.png")));
        QVERIFY(!QImage(file("surfaces.png")).isNull());

        // The 3-D view of the same pair: made when asked for, it holds the log of each surface
        // (here, offscreen, without OpenGL, it says so in place of the picture and stays up).
        QVERIFY(!view->surface3d(0));
        view->setShown(QStringLiteral("3d"));
        QCOMPARE(view->shown(), QStringLiteral("3d"));
        for (int side = 0; side < 2; ++side) {
            const Surface3D* s = view->surface3d(side);
            QVERIFY(s);
            QCOMPARE(s->drawing(), Surface3D::openGlAvailable());
            const QVector<double>& loss = view->surface(side).loss;
            QCOMPARE(s->heights().size(), loss.size());
            for (int i = 0; i < loss.size(); ++i)
                QVERIFY(std::abs(s->heights()[i] - std::log10(loss[i])) < 1e-12);
        }
        QVERIFY(view->exportPng(file("surfaces-3d.png")));
        QVERIFY(!QImage(file("surfaces-3d.png")).isNull());
        QVERIFY(plots[0]->isHidden()); // the stack shows the 3-D views
        view->setShown(QStringLiteral("contours"));
        QVERIFY(!plots[0]->isHidden());
    }

    void theTrajectoryIsDrawnOnItsPlane() {
        // Trained with 3 snapshots besides the initial weights: 4 points of the path.
        QCOMPARE(QDir(file("plain20") + "/snapshots").entryList(QDir::Files),
                 (QStringList{"step-00000000.pth", "step-00000002.pth", "step-00000004.pth",
                              "step-00000006.pth"}));
        MainWindow window;
        LandscapeView* view = open(window, {file("plain20"), file("resnet20")});
        view->setDirections(QStringLiteral("trajectory"));
        QVERIFY(!view->surface(0).complete()); // the random surfaces are other files
        view->setGrid(5);
        view->setImages(64);
        QSignalSpy finished(view, &LandscapeView::computeFinished);
        QVERIFY(view->compute());
        QVERIFY(QTest::qWaitFor([&] { return finished.count() == 1; }, 300000));
        QVERIFY2(finished.first().first().toBool(), qPrintable(finished.first().last().toString()));
        QVERIFY(QFileInfo::exists(file("plain20") + "/landscape-trajectory-0.json"));
        QCOMPARE(view->surface(0).pathA.size(), 4);
        const auto plots = view->findChildren<SurfacePlot*>();
        QCOMPARE(plots[0]->pathPoints(), 4);
        // The path ends at the trained weights, the centre of the plane.
        QCOMPARE(view->surface(0).pathA.last(), 0.0);
    }

    void aStoredSurfaceOpensAtOnceAndCancelWritesNothing() {
        MainWindow window;
        LandscapeView* view = open(window, {file("plain20"), file("resnet20")});
        QVERIFY(view->surface(0).complete() && view->surface(1).complete()); // from the folders
        QCOMPARE(view->surface(0).alpha.size(), 5);
        QString error;
        view->setGrid(5);
        QVERIFY(!view->compute(&error)); // nothing left to compute
        QVERIFY2(error.contains(QStringLiteral("already computed")), qPrintable(error));

        view->setSeed(9);
        QVERIFY(!view->surface(0).complete());
        QSignalSpy finished(view, &LandscapeView::computeFinished);
        view->setGrid(21);
        QVERIFY(view->compute(&error));
        view->cancel();
        QVERIFY(QTest::qWaitFor([&] { return finished.count() == 1; }, 300000));
        QCOMPARE(finished.first().first().toBool(), false);
        QVERIFY2(finished.first().last().toString().contains(QStringLiteral("Cancelled")),
                 qPrintable(finished.first().last().toString()));
        QVERIFY(!QFileInfo::exists(file("plain20") + "/landscape-9.json"));
        QVERIFY(!QFileInfo::exists(file("resnet20") + "/landscape-9.json"));
    }

    // `reslab --open A --open B --view landscape --compute`: the tab shows and starts computing
    // what the pair lacks; --compute with another view is refused, naming the views it goes with.
    void theCommandLineStartsTheComputation() {
        MainWindow window;
        LandscapeView* view = open(window, {file("plain20"), file("resnet20")});
        ViewRequest request;
        request.view = QStringLiteral("curves");
        request.compute = true;
        QString error;
        QVERIFY(!window.applyViewRequest(request, &error));
        QVERIFY2(error.contains(QStringLiteral("--view landscape")), qPrintable(error));
        QVERIFY(!view->isComputing());

        view->setSeed(5); // a seed no surface of these folders was stored with
        request.view = QStringLiteral("landscape");
        QVERIFY2(window.applyViewRequest(request, &error), qPrintable(error));
        QVERIFY(view->isComputing());
        QSignalSpy finished(view, &LandscapeView::computeFinished);
        view->cancel();
        QVERIFY(QTest::qWaitFor([&] { return finished.count() == 1; }, 300000));
    }
};

QTEST_MAIN(TestLandscapeView)
#include "test_landscapeview.moc"
