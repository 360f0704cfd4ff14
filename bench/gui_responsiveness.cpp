// Drives the real main window offscreen while the degradation preset trains, and prints:
//  - the event loop's latency (how late a 10 ms timer fires: median, 99th percentile, worst), and
//  - the training throughput with the window open against the same preset trained headless in
//    this process right after (as reslab-cli compare does), as a ratio.
// Usage: bench_gui_responsiveness [steps=300]   (QT_QPA_PLATFORM=offscreen for no display)
#include <algorithm>
#include <chrono>
#include <cstdio>

#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTimer>

#include "experimentpanel.h"
#include "mainwindow.h"
#include "train/devices.h"
#include "train/experiment.h"

namespace {

double percentile(std::vector<double> v, double p) {
    if (v.empty())
        return 0.0;
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

} // namespace

int main(int argc, char* argv[]) {
    reslab::reuse_freed_memory();
    QApplication app(argc, argv);
    const long steps = argc > 1 ? std::atol(argv[1]) : 300;
    reslab::set_intra_op_threads(0);
    QTemporaryDir runs;

    MainWindow window;
    window.setRunsFolder(runs.path());
    window.resize(1280, 860);
    window.show();
    window.experimentPanel()->selectPreset(QStringLiteral("degradation"));
    std::vector<reslab::RunConfig> configs = window.experimentPanel()->runConfigs();
    for (auto& c : configs) {
        c.train.steps = steps;
        c.train.eval_every = steps / 2;
    }

    // A 10 ms timer: how late each tick arrives is the event loop's latency.
    std::vector<double> latenciesMs;
    QElapsedTimer clock;
    clock.start();
    qint64 expected = clock.nsecsElapsed() + 10'000'000;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        latenciesMs.push_back(std::max<qint64>(0, now - expected) / 1e6);
        expected = now + 10'000'000;
    });
    QElapsedTimer wall;
    QObject::connect(window.controller(), &ExperimentController::finished, &app, [&] { app.quit(); });
    QTimer::singleShot(0, [&] {
        wall.start();
        tick.start(10);
        window.startRuns(configs, QStringLiteral("bench"));
    });
    app.exec();
    const double guiSeconds = wall.elapsed() / 1000.0;
    tick.stop();

    // The same runs headless, as reslab-cli compare trains them.
    const auto t0 = std::chrono::steady_clock::now();
    {
        std::vector<std::string> folders;
        for (const auto& c : configs)
            folders.push_back(runs.filePath(QStringLiteral("headless/")).toStdString() + c.name);
        reslab::Experiment experiment(configs, folders);
        experiment.run_to_end();
    }
    const double headlessSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::printf("degradation preset, %ld steps x %zu runs, %d threads\n", steps, configs.size(),
                reslab::set_intra_op_threads(0));
    std::printf("event-loop latency over %zu ticks: median %.1f ms, p99 %.1f ms, worst %.1f ms\n",
                latenciesMs.size(), percentile(latenciesMs, 0.5), percentile(latenciesMs, 0.99),
                percentile(latenciesMs, 1.0));
    std::printf("with the window open: %.1f s; headless: %.1f s; window/headless throughput %.3f\n", guiSeconds,
                headlessSeconds, headlessSeconds / guiSeconds);
    return 0;
}
