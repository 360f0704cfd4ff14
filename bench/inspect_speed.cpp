// How quickly the feature-map inspector answers (issue 6): from choosing an image to the first grid
// drawn (every layer captured on the way), and switching layers. Prints figures; asserts nothing.
//
//   bench_inspect_speed [--repeat N] [--size S]
//
// Random weights are fine for timing. The targets on a 2-core CPU at 224x224: resnet18 under
// 300 ms, resnet50 under 600 ms, a layer switch under 50 ms.
#include <algorithm>
#include <cstdio>
#include <vector>

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QImage>
#include <QTimer>

#include "featuregrid.h"
#include "featuresview.h"
#include "inspect/inspector.h"
#include "train/devices.h"

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

/// Waits for the view's capture (or a failure), at most 60 s.
bool waitForCapture(FeaturesView& view) {
    QEventLoop loop;
    bool ok = false;
    QObject::connect(&view, &FeaturesView::captureReady, &loop, [&] {
        ok = true;
        loop.quit();
    });
    QObject::connect(&view, &FeaturesView::loadFailed, &loop, [&] { loop.quit(); });
    QTimer::singleShot(60000, &loop, &QEventLoop::quit);
    loop.exec();
    return ok;
}

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    int repeat = 5;
    int size = 256; // the image's side before resize 256 / crop 224
    for (int i = 1; i + 1 < argc; ++i) {
        if (QByteArray(argv[i]) == "--repeat")
            repeat = std::max(1, atoi(argv[++i]));
        else if (QByteArray(argv[i]) == "--size")
            size = std::max(16, atoi(argv[++i]));
    }
    const int threads = reslab::set_intra_op_threads(0);
    std::printf(
        "inspect_speed: %d intra-op threads, image %dx%d -> 224x224, best of %d after the first\n",
        threads, size, size, repeat);

    // A made-up colour image: the content does not change the time.
    QImage image(size, size, QImage::Format_RGB888);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x)
            image.setPixel(x, y, qRgb((x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256));

    std::printf("%-10s %14s %14s %14s %16s %16s  %s\n", "arch", "choose->grid", "(median)",
                "capture only", "layer switch", "(worst)", "target");
    for (const char* arch : {"resnet18", "resnet50"}) {
        FeaturesView view(nullptr);
        view.resize(1000, 760);
        view.show();
        QString error;
        if (!view.useRandomWeights(QString::fromLatin1(arch), &error)) {
            std::printf("%s: %s\n", arch, qPrintable(error));
            return 1;
        }
        // A person picks the image after the net has loaded (and warmed up).
        while (view.busy())
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        view.loadImage(image, QStringLiteral("bench"));
        waitForCapture(view);
        const double cold = view.lastCaptureMs();
        while (view.busy())
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        std::vector<double> total;
        for (int r = 0; r < repeat; ++r) {
            view.loadImage(image, QStringLiteral("bench"));
            if (!waitForCapture(view)) {
                std::printf("%s: the capture failed: %s\n", arch, qPrintable(view.message()));
                return 1;
            }
            total.push_back(view.lastCaptureMs());
            // The twin's pass for the Block page follows each capture; let it end, as it would
            // while a person looks at the result, so it does not delay the next image.
            while (view.busy())
                QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        }

        // The forward pass and copies alone, without the GUI around them.
        const auto net = reslab::random_net(arch, 0);
        const auto input = torch::randn({1, 3, 224, 224});
        std::vector<double> captureOnly;
        for (int r = 0; r < repeat; ++r) {
            QElapsedTimer t;
            t.start();
            const auto c = reslab::capture(*net, input);
            captureOnly.push_back(t.nsecsElapsed() / 1e6);
        }

        // Every layer once: new tiles rendered and the grid painted.
        std::vector<double> switches;
        for (const QString& layer : view.layerNames()) {
            QElapsedTimer t;
            t.start();
            view.setLayer(layer);
            view.grid()->repaint();
            switches.push_back(t.nsecsElapsed() / 1e6);
        }
        const double target = QByteArray(arch) == "resnet18" ? 300 : 600;
        std::printf("%-10s %11.1f ms %11.1f ms %11.1f ms %13.1f ms %13.1f ms  < %.0f ms / < 50 ms "
                    "(%zu layers)\n",
                    arch, *std::min_element(total.begin(), total.end()), median(total),
                    *std::min_element(captureOnly.begin(), captureOnly.end()), median(switches),
                    *std::max_element(switches.begin(), switches.end()), target, switches.size());
        std::printf("%-10s %11.1f ms  (the first image after the net was loaded)\n", "", cold);
        std::fflush(stdout);
    }
    return 0;
}
