// Frames per second of the feature inspector's live view (issue 21): a looping video file through
// the window's FeaturesView, as a camera would feed it, against the model's per-frame work alone
// (inspect_image on the same frame, in the same process). Prints figures; asserts nothing.
//
//   bench_live_fps [--seconds S] [--width W --height H]
//
// Random weights: the content does not change the time. The video is 120 frames/s, faster than
// either net on a 2-core CPU, so the view runs flat out and drops the rest; a camera gives 30.
#include <cstdio>

#include <QApplication>
#include <QCheckBox>
#include <QElapsedTimer>
#include <QPainter>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "featuresstate.h"
#include "featuresview.h"
#include "framesource.h"
#include "inspect/inspection.h"
#include "rawavi.h"
#include "train/devices.h"

namespace {

constexpr int kVideoFps = 120;

struct Net {
    const char* label;
    QString weights; // empty: random resnet18
};

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    double seconds = 8.0;
    int width = 640, height = 480; // a webcam's usual frame
    for (int i = 1; i + 1 < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "--seconds")
            seconds = std::max(1.0, atof(argv[++i]));
        else if (a == "--width")
            width = std::max(16, atoi(argv[++i]));
        else if (a == "--height")
            height = std::max(16, atoi(argv[++i]));
    }
    const int threads = reslab::set_intra_op_threads(0);
    QTemporaryDir dir;
    QVector<QImage> frames;
    for (int i = 0; i < 30; ++i) {
        QImage f(width, height, QImage::Format_RGB888);
        f.fill(QColor(200, 190, 170));
        QPainter p(&f);
        p.fillRect(width / 3 + i * 2, height / 4, width / 4, height / 2, QColor(40, 50, 90));
        frames << f;
    }
    const QString video = dir.filePath(QStringLiteral("clip.avi"));
    const QString fashion = dir.filePath(QStringLiteral("fashion20.pth"));
    QProcess cli;
    cli.start(QStringLiteral(RESLAB_CLI), {"init", "--arch", "resnet20", "--in-channels", "1",
                                           "--seed", "1", "--out", fashion});
    if (!rawavi::write(video, frames, kVideoFps) || !cli.waitForFinished(60000) ||
        cli.exitCode() != 0) {
        std::printf("live_fps: cannot write the video or the weights in %s\n",
                    qPrintable(dir.path()));
        return 1;
    }
    std::printf("live_fps: %d intra-op threads, %dx%d frames at %d frames/s, %.0f s each\n",
                threads, width, height, kVideoFps, seconds);
    std::printf("%-32s %-9s %12s %16s %8s %10s\n", "net", "Grad-CAM", "shown/s", "model alone/s",
                "ratio", "dropped");
    const reslab::InputImage still = inputFromQImage(frames[0]);
    for (const Net& n : {Net{"resnet18, 224 x 224 (ImageNet)", QString()},
                         Net{"resnet20, Fashion-MNIST 28 x 28", fashion}}) {
        for (bool cam : {false, true}) {
            FeaturesView view(nullptr);
            view.resize(1366, 768);
            view.show();
            if (n.weights.isEmpty())
                view.useRandomWeights(QStringLiteral("resnet18"));
            else
                view.loadWeights(n.weights, QStringLiteral("resnet20"));
            if (!QTest::qWaitFor([&] { return view.net() && !view.busy(); }, 60000)) {
                std::printf("live_fps: %s: %s\n", n.label, qPrintable(view.message()));
                return 1;
            }
            view.findChild<QCheckBox*>(QStringLiteral("gradCamCheck"))->setChecked(cam);
            QString error;
            if (!view.startVideo(video, /*loop=*/true, &error)) {
                std::printf("live_fps: %s\n", qPrintable(error));
                return 1;
            }
            QTest::qWait(1000); // the first frames warm the net up
            const FrameSource::Stats before = view.frameSource()->stats();
            QElapsedTimer clock;
            clock.start();
            QTest::qWait(static_cast<int>(seconds * 1000));
            const FrameSource::Stats after = view.frameSource()->stats();
            const double elapsed = clock.nsecsElapsed() / 1e9;
            view.stopLive();
            const double shown = (after.handed - before.handed) / elapsed;

            // The same work without the window: fit, prepare, capture, top 5, Grad-CAM.
            const auto net = view.net();
            const reslab::FrameFit fit{reslab::draws_light_on_dark(*net)};
            const int64_t camClass = cam ? reslab::kCamTopClass : reslab::kNoCam;
            reslab::inspect_image(*net, reslab::fit_frame(still, *net, fit), 5, camClass);
            int passes = 0;
            QElapsedTimer alone;
            alone.start();
            while (alone.nsecsElapsed() < 3e9 || passes < 3) {
                reslab::inspect_image(*net, reslab::fit_frame(still, *net, fit), 5, camClass);
                ++passes;
            }
            const double model = passes / (alone.nsecsElapsed() / 1e9);
            std::printf("%-32s %-9s %12.1f %16.1f %7.2fx %4lld of %lld\n", n.label,
                        cam ? "on" : "off", shown, model, shown / model,
                        static_cast<long long>(after.dropped - before.dropped),
                        static_cast<long long>(after.arrived - before.arrived));
            std::fflush(stdout);
        }
    }
    return 0;
}
