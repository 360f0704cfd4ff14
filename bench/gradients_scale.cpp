// Whether the gradient view stays smooth at 500 layers x 10k probe records a run (issue 7): the
// time to take in a saved run folder's records at once, the time one live probe record costs
// (append, rebuild of the heat maps, repaint), and the frame time of a repaint such as a cursor
// move causes. Two runs, side by side, as the view shows a plain net beside its twin. Prints
// figures; asserts nothing about time.
//
//   bench_gradients_scale [--layers N] [--records N]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <QApplication>
#include <QElapsedTimer>

#include "gradientsview.h"
#include "heatmapplot.h"
#include "selection.h"
#include "timestats.h"
#include "train/devices.h"
#include "train/records.h"

namespace {

/// Probe records shaped as a run writes them: norms that drift over the steps, one per layer.
std::vector<reslab::MetricRecord>
makeProbes(int layers, int records, int firstStep, std::mt19937& rng) {
    std::vector<std::string> names, responses, blocks;
    for (int i = 0; i < layers; ++i) {
        names.push_back("layer" + std::to_string(i / 100 + 1) + "." + std::to_string(i % 100) +
                        ".conv1.weight");
        responses.push_back(names.back().substr(0, names.back().size() - 7));
        if (i % 2 == 0)
            blocks.push_back("layer" + std::to_string(i / 100 + 1) + "." + std::to_string(i % 100));
    }
    std::lognormal_distribution<double> noise(0.0, 0.3);
    std::vector<reslab::MetricRecord> out;
    out.reserve(static_cast<size_t>(records));
    for (int r = 0; r < records; ++r) {
        reslab::MetricRecord record;
        record.kind = reslab::MetricRecord::Kind::Probe;
        reslab::ProbeRecord& p = record.probe;
        p.step = firstStep + 50 * r;
        p.layers = names;
        p.responses = responses;
        p.blocks = blocks;
        for (int i = 0; i < layers; ++i) {
            p.grad_norms.push_back(std::exp(-0.01 * i) * noise(rng) / (1.0 + 1e-3 * r));
            p.response_stds.push_back(noise(rng));
        }
        for (size_t b = 0; b < blocks.size(); ++b)
            p.residual_ratios.push_back(0.2 * noise(rng));
        out.push_back(std::move(record));
    }
    return out;
}

/// Redraws the map's plot and paints it, as a repaint after a change does.
void replotNow(HeatmapPlot* map) {
    QMetaObject::invokeMethod(map->canvas(), "replot", Qt::DirectConnection);
    map->canvas()->repaint();
}

double msSince(const QElapsedTimer& t) {
    return t.nsecsElapsed() / 1e6;
}

/// Rebuilds both heat maps now and repaints the window; returns milliseconds.
double settle(GradientsView& view) {
    QElapsedTimer t;
    t.start();
    view.leftMap()->cellColor(0, 0); // flushes a pending rebuild
    view.rightMap()->cellColor(0, 0);
    view.repaint();
    QApplication::processEvents();
    replotNow(view.leftMap());
    replotNow(view.rightMap());
    return msSince(t);
}

} // namespace

int main(int argc, char* argv[]) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    int layers = 500, records = 10000;
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--layers"))
            layers = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--records"))
            records = std::atoi(argv[i + 1]);
    }
    reslab::reuse_freed_memory(); // as the app does
    QApplication app(argc, argv);
    std::mt19937 rng(1);
    Selection selection;
    GradientsView view(&selection);
    view.resize(1300, 850);
    view.addRun(0, QStringLiteral("plain-big"), Qt::blue, /*plain=*/true, /*depth=*/110);
    view.addRun(1, QStringLiteral("resnet-big"), Qt::red, /*plain=*/false, /*depth=*/110);
    view.setPair(0, 1);
    view.show();
    QApplication::processEvents();
    std::printf("gradient view: 2 runs x %d layers x %d probe records (window 1300x850)\n", layers,
                records);

    // A saved run folder: every record arrives at once.
    const auto saved0 = makeProbes(layers, records, 50, rng);
    const auto saved1 = makeProbes(layers, records, 50, rng);
    QElapsedTimer t;
    t.start();
    view.appendRecords(0, saved0);
    view.appendRecords(1, saved1);
    const double append = msSince(t);
    const double first = settle(view);
    std::printf(
        "  open saved folders: append %.1f ms, first rebuild and paint %.1f ms, total %.1f ms\n",
        append, first, append + first);

    // Live: one probe record a run at a time, each followed by the rebuild and repaint it causes.
    std::vector<double> live;
    for (int i = 0; i < 30; ++i) {
        const auto next0 = makeProbes(layers, 1, 50 * (records + i + 1), rng);
        const auto next1 = makeProbes(layers, 1, 50 * (records + i + 1), rng);
        QElapsedTimer s;
        s.start();
        view.appendRecords(0, next0);
        view.appendRecords(1, next1);
        settle(view);
        live.push_back(msSince(s));
    }
    const TimeStats l = timeStats(live);
    std::printf("  one live probe record (both runs): median %.1f ms, p95 %.1f ms, max %.1f ms\n",
                l.median, l.p95, l.max);

    // A repaint with no new data, as a cursor move or a selection causes.
    std::vector<double> frames;
    for (int i = 0; i < 60; ++i) {
        QElapsedTimer s;
        s.start();
        view.leftMap()->setHighlightedRow(
            QString::fromStdString(saved0.front().probe.layers[static_cast<size_t>(i % layers)]));
        replotNow(view.leftMap());
        frames.push_back(msSince(s));
    }
    const TimeStats f = timeStats(frames);
    std::printf(
        "  repaint of one heat map (highlight moved): median %.1f ms, p95 %.1f ms, max %.1f ms\n",
        f.median, f.p95, f.max);
    return 0;
}
