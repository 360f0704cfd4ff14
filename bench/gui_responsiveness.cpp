// Drives the real main window offscreen while the degradation preset trains, and prints:
//  - the event loop's latency (how late a 10 ms timer fires: median, 99th percentile, worst),
//  - the CPU time the GUI thread used meanwhile, and
//  - the training time with the window open against `reslab-cli compare` on the same preset and
//    steps, run just before and just after the window (this machine's speed drifts), as a ratio.
// Usage: bench_gui_responsiveness [steps=300]   (QT_QPA_PLATFORM=offscreen for no display)
// With RESLAB_BENCH_KEEP set, the run folders stay (their path is printed), to compare the runs.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <unistd.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>

#include "experimentpanel.h"
#include "mainwindow.h"
#include "train/devices.h"

namespace {

double percentile(std::vector<double> v, double p) {
    if (v.empty())
        return 0.0;
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

double threadCpuSeconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct ThreadUse {
    std::string name;
    double cpuSeconds = 0;
    double minorFaults =
        0; // pages the kernel had to map in: freed memory handed back and taken again
};

/// What each thread of this process has used so far, by thread id.
std::map<int, ThreadUse> threadUse() {
    std::map<int, ThreadUse> out;
    const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream stat(entry.path() / "stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        const auto open = text.find('('), close = text.rfind(')');
        if (open == std::string::npos || close == std::string::npos)
            continue;
        std::istringstream rest(text.substr(close + 2));
        std::string field;
        double utime = 0, stime = 0, minflt = 0;
        for (int i = 3; i <= 15 && rest >> field; ++i) {
            if (i == 10)
                minflt = std::stod(field);
            if (i == 14)
                utime = std::stod(field);
            if (i == 15)
                stime = std::stod(field);
        }
        out[std::stoi(entry.path().filename().string())] = {text.substr(open + 1, close - open - 1),
                                                            (utime + stime) / tick, minflt};
    }
    return out;
}

/// Seconds `reslab-cli compare` takes for the degradation preset (a negative number if it failed).
double cliSeconds(long steps, const QString& out) {
    QProcess cli;
    cli.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QElapsedTimer wall;
    wall.start();
    cli.start(QStringLiteral(RESLAB_CLI),
              {QStringLiteral("compare"), QStringLiteral("--preset"), QStringLiteral("degradation"),
               QStringLiteral("--steps"), QString::number(steps), QStringLiteral("--eval-every"),
               QString::number(steps / 2), QStringLiteral("--quiet"), QStringLiteral("--out"),
               out});
    if (!cli.waitForFinished(-1) || cli.exitCode() != 0) {
        std::fprintf(stderr, "reslab-cli compare failed: %s\n", qPrintable(cli.errorString()));
        return -1.0;
    }
    return wall.elapsed() / 1000.0;
}

} // namespace

int main(int argc, char* argv[]) {
    reslab::reuse_freed_memory();
    QApplication app(argc, argv);
    const long steps = argc > 1 ? std::atol(argv[1]) : 300;
    reslab::set_intra_op_threads(0);
    QTemporaryDir runs;
    if (qEnvironmentVariableIsSet("RESLAB_BENCH_KEEP")) {
        runs.setAutoRemove(false);
        std::printf("run folders kept in %s\n", qPrintable(runs.path()));
    }
    const double cliBefore = cliSeconds(steps, runs.filePath(QStringLiteral("cli-before")));

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
    double guiCpuAtStart = 0.0;
    std::map<int, ThreadUse> useAtStart;
    QObject::connect(window.controller(), &ExperimentController::finished, &app,
                     [&] { app.quit(); });
    QTimer::singleShot(0, [&] {
        wall.start();
        guiCpuAtStart = threadCpuSeconds();
        useAtStart = threadUse();
        tick.start(10);
        window.startRuns(configs, QStringLiteral("bench"));
    });
    app.exec();
    const double guiSeconds = wall.elapsed() / 1000.0;
    const double guiCpu = threadCpuSeconds() - guiCpuAtStart;
    tick.stop();
    std::printf(
        "CPU and minor page faults by thread while the window trained (threads over 0.5 s):\n");
    for (const auto& [tid, use] : threadUse()) {
        const ThreadUse before = useAtStart.count(tid) ? useAtStart[tid] : ThreadUse{};
        const double used = use.cpuSeconds - before.cpuSeconds;
        if (used > 0.5)
            std::printf("  %-16s %7.1f s %10.0f faults\n", use.name.c_str(), used,
                        use.minorFaults - before.minorFaults);
    }

    const double cliAfter = cliSeconds(steps, runs.filePath(QStringLiteral("cli-after")));
    if (cliBefore < 0 || cliAfter < 0)
        return 1;
    const double cli = 0.5 * (cliBefore + cliAfter);

    std::printf("degradation preset, %ld steps x %zu runs, %d threads\n", steps, configs.size(),
                reslab::set_intra_op_threads(0));
    std::printf("event-loop latency over %zu ticks: median %.1f ms, p99 %.1f ms, worst %.1f ms\n",
                latenciesMs.size(), percentile(latenciesMs, 0.5), percentile(latenciesMs, 0.99),
                percentile(latenciesMs, 1.0));
    std::printf("GUI thread CPU while training: %.1f s (%.1f%% of one core)\n", guiCpu,
                100.0 * guiCpu / guiSeconds);
    std::printf("reslab-cli compare: %.1f s before, %.1f s after; with the window open: %.1f s; "
                "window/cli throughput %.3f\n",
                cliBefore, cliAfter, guiSeconds, cli / guiSeconds);
    return 0;
}
