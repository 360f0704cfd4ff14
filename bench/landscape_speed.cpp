// How fast a loss surface fills (issue 18): the 21 x 21 grid on 1,000 images for plain-56 and
// resnet-56 of the degradation preset (widths 8/16/32, 14 x 14 inputs). Two ways, in the same
// process: the reference (the nets one after the other, one worker with every core's intra-op
// threads, as before) and the engine's (both surfaces together, landscape_split's workers).
// Prints, for each: when the first picture of both nets is on screen (every coarse point, every
// 4th of each axis, estimated on its first chunk of images), when those points are done on all
// their images, when both whole grids are, and points per second; then the ratios. Asserts
// nothing.
//
//   bench_landscape_speed [--grid 21] [--images 1000] [--batch 250] [--skip-reference]
//
// Random weights and images: the time does not depend on them.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "data/facts.h"
#include "inspect/landscape.h"
#include "train/devices.h"
#include "train/presets.h"

using namespace reslab;

namespace {

struct Net {
    std::string name;
    ResNet net{nullptr};
    torch::Tensor x, y;
    Directions directions;
};

struct Times {
    double first = 0.0;       // every coarse point of every net has a value
    double coarse_done = 0.0; // ... on all its images
    double whole = 0.0;
    int64_t points = 0;
};

/// Whether every coarse point of l has a value (on all its images when full).
bool coarse_in(const Landscape& l, bool full) {
    const int64_t n = l.options.grid;
    for (int64_t b = 0; b < n; b += 4)
        for (int64_t a = 0; a < n; a += 4) {
            const int64_t i = b * n + a;
            if (full ? !l.done_at(i) : l.images_at[static_cast<size_t>(i)] == 0)
                return false;
        }
    return true;
}

/// Computes the surfaces of nets in groups (each group together), timing from the first.
Times measure(std::vector<Net>& nets,
              const LandscapeOptions& o,
              const std::vector<std::vector<size_t>>& groups,
              LandscapeSplit split) {
    Times t;
    std::vector<Landscape> ls(nets.size());
    const auto started = std::chrono::steady_clock::now();
    const auto now = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    for (const auto& group : groups) {
        std::vector<SurfaceJob> jobs;
        for (size_t i : group) {
            ls[i].options = o;
            jobs.push_back({nets[i].net.get(), nets[i].x, nets[i].y, &nets[i].directions, &ls[i]});
        }
        compute_landscapes(
            jobs,
            [&](size_t, const Landscape&) {
                bool first = true, full = true;
                for (const Landscape& l : ls) {
                    first = first && !l.images_at.empty() && coarse_in(l, false);
                    full = full && !l.images_at.empty() && coarse_in(l, true);
                }
                if (first && t.first == 0.0)
                    t.first = now();
                if (full && t.coarse_done == 0.0)
                    t.coarse_done = now();
                return true;
            },
            split);
    }
    t.whole = now();
    for (const Landscape& l : ls)
        t.points += l.computed;
    return t;
}

void print(const char* what, const Times& t) {
    std::printf("%-44s %8.2f s %10.2f s %10.1f s %10.1f\n", what, t.first, t.coarse_done, t.whole,
                t.points / t.whole);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    LandscapeOptions o;
    bool reference = true;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--grid") && i + 1 < argc)
            o.grid = std::max(3, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--images") && i + 1 < argc)
            o.images = std::max(1, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--batch") && i + 1 < argc)
            o.batch = std::max(1, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--skip-reference"))
            reference = false;
    }
    const int cores = core_count();
    const TrainConfig base;
    std::vector<Net> nets;
    for (const RunConfig& run : preset_runs("degradation", base, false)) {
        if (run.net.name != "plain56" && run.net.name != "resnet56")
            continue;
        const int64_t side = input_side(run.train.dataset, run.train.downsample, run.net);
        Net n;
        n.name = run.net.name;
        n.net = build_seeded(run.net, 0);
        n.net->eval();
        n.x = torch::randn({o.images, run.net.in_channels, side, side});
        n.y = torch::randint(0, run.net.classes, {o.images}, torch::kInt64);
        n.directions = filter_normalized_directions(*n.net, o.seed);
        nets.push_back(std::move(n));
    }
    std::vector<SurfaceJob> probe;
    Landscape dummy;
    dummy.options = o;
    for (Net& n : nets)
        probe.push_back({n.net.get(), n.x, n.y, &n.directions, &dummy});
    const LandscapeSplit split = landscape_split(probe, cores);
    std::printf("landscape_speed: %s and %s, %d cores, %lld x %lld grid, %lld images, batch %lld\n",
                nets[0].name.c_str(), nets[1].name.c_str(), cores, static_cast<long long>(o.grid),
                static_cast<long long>(o.grid), static_cast<long long>(o.images),
                static_cast<long long>(o.batch));
    std::printf("%-44s %10s %12s %12s %10s\n", "", "first pic", "coarse done", "both grids",
                "points/s");
    const Times together = measure(nets, o, {{0, 1}}, split);
    char what[128];
    std::snprintf(what, sizeof what, "together, %d worker(s) x %d thread(s)", split.workers,
                  split.threads_per_worker);
    print(what, together);
    if (reference) {
        LandscapeOptions ro = o;
        ro.batch = o.images; // each point on all its images at once, as before
        std::snprintf(what, sizeof what, "one after the other, 1 worker x %d threads", cores);
        const Times apart = measure(nets, ro, {{0}, {1}}, {1, cores});
        print(what, apart);
        std::printf("ratios (reference / together): first picture %.2fx, coarse done %.2fx, "
                    "both grids %.2fx\n",
                    apart.first / together.first, apart.coarse_done / together.coarse_done,
                    apart.whole / together.whole);
    }
    std::printf("targets (issue 18): first picture 5 s, both whole grids 120 s\n");
    return 0;
}
