#include <QCheckBox>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QListWidget>
#include <QMenu>
#include <QPainter>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include "featuresview.h"
#include "framesource.h"
#include "qttestsupport.h"
#include "rawavi.h"

// The feature inspector's live view, fed by video files the test writes (no machine here has a
// camera): frames go through the net one at a time, newer frames replace waiting ones, the last
// frame stays on screen, and what goes wrong says so.
class TestCamera : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString file(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

    /// Frame i (up to 51) carries i in its top-left 4 x 4 pixels (red = 5 i), so the test can
    /// tell which frame the view was handed.
    static QVector<QImage> movingSquare(int n, int w, int h) {
        QVector<QImage> frames;
        for (int i = 0; i < n; ++i) {
            QImage f(w, h, QImage::Format_RGB888);
            f.fill(QColor(40 + 3 * i, 90, 200 - 3 * i));
            QPainter p(&f);
            p.fillRect((i * (w - h / 3)) / n, h / 3, h / 3, h / 3, Qt::white);
            p.fillRect(0, 0, 4, 4, QColor(5 * i, 0, 0));
            p.end();
            frames << f;
        }
        return frames;
    }

    static int frameIndex(const QImage& frame) { return qRound(qRed(frame.pixel(1, 1)) / 5.0); }

    /// Plays path through the view to its end; checks what must hold of every live run.
    struct Played {
        QVector<int> handed; // frame indices, in the order handed on
        int queued = 0;      // frames handed while the one before was still being looked at
        int shown = 0;
        QString stopped; // why the live view stopped ("" at the file's end)
        double seconds = 0.0;
    };
    static Played play(FeaturesView& view, const QString& path) {
        Played r;
        QSignalSpy stopped(&view, &FeaturesView::liveStopped);
        QMetaObject::Connection a =
            connect(view.frameSource(), &FrameSource::frameReady, [&r](const QImage& f) {
                if (r.handed.size() != r.shown)
                    ++r.queued;
                r.handed << frameIndex(f);
                if (qEnvironmentVariableIsSet("DUMP"))
                    f.save(QStringLiteral("/tmp/frame%1.png").arg(r.handed.size()));
            });
        QMetaObject::Connection b =
            connect(&view, &FeaturesView::liveFrameShown, [&r] { ++r.shown; });
        QElapsedTimer clock;
        clock.start();
        QString error;
        if (!view.startVideo(path, /*loop=*/false, &error)) {
            r.stopped = error;
        } else {
            if (QTest::qWaitFor([&] { return stopped.count() > 0; }, 120000))
                r.stopped = stopped.first().first().toString();
            else
                r.stopped = QStringLiteral("timed out");
        }
        r.seconds = clock.nsecsElapsed() / 1e9;
        disconnect(a);
        disconnect(b);
        return r;
    }

    static bool waitForNet(FeaturesView& view) {
        return QTest::qWaitFor([&] { return !view.netName().isEmpty() && !view.busy(); }, 60000);
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(
            runReslabCli({"init", "--arch", "resnet20", "--seed", "1", "--out", file("r20.pth")}));
        QVERIFY(runReslabCli({"init", "--arch", "resnet20", "--in-channels", "1", "--classes", "10",
                              "--seed", "2", "--out", file("fashion20.pth")}));
    }

    void videoFramesGoThroughTheNet() {
        const int n = 30;
        const QVector<QImage> frames = movingSquare(n, 48, 48);
        QVERIFY(rawavi::write(file("square.avi"), frames, 25));
        FeaturesView view(nullptr);
        QVERIFY(view.loadWeights(file("r20.pth"), QStringLiteral("resnet20")));
        QVERIFY(waitForNet(view));

        const Played r = play(view, file("square.avi"));
        QCOMPARE(r.stopped, QString()); // played to its end
        const FrameSource::Stats s = view.frameSource()->stats();
        QVERIFY2(s.arrived >= n / 2, qPrintable(QString::number(s.arrived)));
        QVERIFY(s.arrived <= n);
        QCOMPARE(s.handed + s.dropped, s.arrived);
        QCOMPARE(r.handed.size(), static_cast<int>(s.handed));
        QCOMPARE(r.shown, r.handed.size());
        QCOMPARE(r.queued, 0);
        QStringList order;
        for (int i : r.handed)
            order << QString::number(i);
        for (int i = 1; i < r.handed.size(); ++i)
            QVERIFY2(r.handed[i] > r.handed[i - 1], qPrintable(order.join(',')));
        QCOMPARE(r.handed.last(), n - 1); // the file's last frame is the one left on screen
        QVERIFY(!view.isLive());

        // What the view predicts for it is what reslab-cli predicts for the same picture.
        QVERIFY(frames.last().save(file("last.png")));
        QString out;
        QVERIFY(runReslabCli({"predict", "--arch", "resnet20", "--weights", file("r20.pth"),
                              "--image", file("last.png"), "--topk", "3"},
                             &out));
        const QStringList rows = out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(rows.size(), 3);
        const auto* top = view.findChild<QListWidget*>(); // "38.5%  deer", as the user reads it
        QVERIFY(top && top->count() >= 3);
        for (int i = 0; i < 3; ++i) {
            const QStringList cli = rows[i].simplified().split(QLatin1Char(' '));
            const QString item = top->item(i)->text();
            const QStringList mine = item.simplified().split(QLatin1Char(' '));
            QCOMPARE(mine.last(), cli.last()); // the class name
            const double cliPercent = cli[1].chopped(1).toDouble();
            const double myPercent = mine[0].chopped(1).toDouble();
            QVERIFY2(std::abs(cliPercent - myPercent) <= 0.051,
                     qPrintable(rows[i] + QStringLiteral(" vs ") + item));
        }
    }

    void aLoopedVideoPlaysOnUntilStopped() {
        const int n = 10;
        QVERIFY(rawavi::write(file("short.avi"), movingSquare(n, 32, 32), 50));
        FeaturesView view(nullptr);
        QVERIFY(view.loadWeights(file("r20.pth"), QStringLiteral("resnet20")));
        QVERIFY(waitForNet(view));
        QSignalSpy stopped(&view, &FeaturesView::liveStopped);
        QVERIFY(view.startVideo(file("short.avi"), /*loop=*/true));
        QVERIFY(
            QTest::qWaitFor([&] { return view.frameSource()->stats().arrived > 3 * n; }, 30000));
        QVERIFY(view.isLive());
        QCOMPARE(stopped.count(), 0);
        view.stopLive();
        QVERIFY(!view.isLive());
        QCOMPARE(stopped.count(), 1);
        QCOMPARE(stopped.first().first().toString(), QString());
    }

    void aSlowNetDropsFramesAndNeverQueues() {
        // resnet18 at 224 x 224 with Grad-CAM takes far longer than a frame of a 120 fps video
        // on any CPU (about 120 ms on 2 cores).
        const int n = 45;
        QVERIFY(rawavi::write(file("fast.avi"), movingSquare(n, 320, 240), 120));
        FeaturesView view(nullptr);
        QVERIFY(view.useRandomWeights(QStringLiteral("resnet18")));
        QVERIFY(waitForNet(view));
        auto* cam = view.findChild<QCheckBox*>(QStringLiteral("gradCamCheck"));
        QVERIFY(cam);
        cam->setChecked(true);

        const Played r = play(view, file("fast.avi"));
        QCOMPARE(r.stopped, QString());
        const FrameSource::Stats s = view.frameSource()->stats();
        QCOMPARE(s.handed + s.dropped, s.arrived);
        QVERIFY2(s.dropped > 0, "a net slower than the video drops frames");
        QCOMPARE(r.queued, 0);
        QCOMPARE(r.shown, r.handed.size());
        QStringList order;
        for (int i : r.handed)
            order << QString::number(i);
        for (int i = 1; i < r.handed.size(); ++i)
            QVERIFY2(r.handed[i] > r.handed[i - 1], qPrintable(order.join(',')));
        QCOMPARE(r.handed.last(), n - 1);
        QCOMPARE(view.topPredictions().size(), 5);
    }

    void aFashionNetSeesTheCentredInvertedFrame() {
        // A dark square on a white table, seen by a camera whose 4:3 frame has black edges
        // outside its centred square; Fashion-MNIST draws light objects on black.
        QImage f(64, 48, QImage::Format_RGB888);
        f.fill(Qt::white);
        QPainter p(&f);
        p.fillRect(0, 0, 8, 48, Qt::black);
        p.fillRect(56, 0, 8, 48, Qt::black);
        p.fillRect(24, 16, 16, 16, QColor(60, 60, 60));
        p.end();
        QVERIFY(rawavi::write(file("table.avi"), {f, f, f}, 10));
        FeaturesView view(nullptr);
        QVERIFY(view.loadWeights(file("fashion20.pth"), QStringLiteral("resnet20")));
        QVERIFY(waitForNet(view));
        const Played r = play(view, file("table.avi"));
        QCOMPARE(r.stopped, QString());
        QVERIFY(r.shown > 0);
        const QImage seen = view.seenImage();
        QCOMPARE(seen.size(), QSize(28, 28)); // Fashion-MNIST's size
        QVERIFY(seen.isGrayscale());
        // The white table, inverted, is dark at the left edge: the black edge outside the
        // centred square is not squashed in. The grey square, inverted, is light.
        QVERIFY2(qGray(seen.pixel(0, 14)) < 20,
                 qPrintable(QString::number(qGray(seen.pixel(0, 14)))));
        QVERIFY2(qGray(seen.pixel(14, 14)) > 180,
                 qPrintable(QString::number(qGray(seen.pixel(14, 14)))));
    }

    void whatGoesWrongSaysSo() {
        FeaturesView view(nullptr);
        QString error;
        QVERIFY(!view.startCamera({}, &error));
        QVERIFY2(error.contains(QStringLiteral("Load weights first")), qPrintable(error));

        QVERIFY(view.loadWeights(file("r20.pth"), QStringLiteral("resnet20")));
        QVERIFY(waitForNet(view));
        // The Camera menu lists what there is when it opens.
        QToolButton* button = nullptr;
        for (auto* b : view.findChildren<QToolButton*>())
            if (b->text() == QStringLiteral("Camera"))
                button = b;
        QVERIFY(button && button->menu());
        Q_EMIT button->menu()->aboutToShow();
        QStringList items;
        for (const QAction* a : button->menu()->actions())
            if (!a->isSeparator())
                items << a->text() + (a->isEnabled() ? QString() : QStringLiteral(" (off)"));
        const QStringList cameras = FrameSource::cameras();
        QCOMPARE(items.mid(0, std::max<qsizetype>(1, cameras.size())),
                 cameras.isEmpty() ? QStringList{QStringLiteral("No camera found (off)")}
                                   : cameras);
        QCOMPARE(items.mid(std::max<qsizetype>(1, cameras.size())),
                 (QStringList{QStringLiteral("Video file…"), QStringLiteral("Stop (off)")}));

        if (cameras.isEmpty()) {
            QVERIFY(!view.startCamera({}, &error));
            QCOMPARE(error, FrameSource::noCameraMessage());
            QCOMPARE(view.message(), error);
        }
        QVERIFY(!view.startCamera(QStringLiteral("no such camera"), &error));
        QVERIFY(!view.isLive());

        QVERIFY(!view.startVideo(file("absent.avi"), true, &error));
        QVERIFY2(error.contains(QStringLiteral("There is no file")), qPrintable(error));
        QVERIFY(!view.startVideo(m_dir.path(), true, &error));
        QVERIFY2(error.contains(QStringLiteral("is not a file")), qPrintable(error));

        QFile junk(file("junk.mp4"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(4096, 'x'));
        junk.close();
        QVERIFY(!view.startVideo(file("junk.mp4"), true, &error));
        QVERIFY2(error.contains(QStringLiteral("junk.mp4")), qPrintable(error));
        QCOMPARE(view.message(), error);
        QVERIFY(!view.isLive());
        // The net is still there: an image still goes through it.
        QCOMPARE(view.netName(), QStringLiteral("resnet20"));
        QSignalSpy ready(&view, &FeaturesView::captureReady);
        QVERIFY(view.loadSample(QStringLiteral("shapes")));
        QVERIFY(QTest::qWaitFor([&] { return ready.count() > 0; }, 60000));
    }
};

QTEST_MAIN(TestCamera)
#include "test_camera.moc"
