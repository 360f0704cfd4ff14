// How fast a loss surface fills (issue 18): the 21 x 21 grid on 1,000 images for plain-56 and
// resnet-56 of the degradation preset (widths 8/16/32, 14 x 14 inputs), the nets one after the
// other, as `reslab-cli landscape` computes them. Prints the time to the first picture (every
// 4th point of each axis: 36 points), to the whole grid, and points per second. Asserts nothing.
//
//   bench_landscape_speed [--grid 21] [--images 1000] [--batch 500] [--threads 0]
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

int main(int argc, char** argv) {
    LandscapeOptions o;
    int threads = 0;
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--grid"))
            o.grid = std::max(3, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--images"))
            o.images = std::max(1, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--batch"))
            o.batch = std::max(1, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--threads"))
            threads = std::atoi(argv[++i]);
    }
    threads = set_intra_op_threads(threads);
    const TrainConfig base;
    const std::vector<RunConfig> runs = preset_runs("degradation", base, false);
    std::printf("landscape_speed: %d intra-op threads, %lld x %lld grid, %lld images, batch %lld\n",
                threads, static_cast<long long>(o.grid), static_cast<long long>(o.grid),
                static_cast<long long>(o.images), static_cast<long long>(o.batch));
    std::printf("%-10s %10s %14s %12s %10s\n", "net", "input", "first picture", "whole grid",
                "points/s");
    double first_both = 0.0, whole_both = 0.0;
    const int64_t first_points = static_cast<int64_t>(((o.grid + 3) / 4) * ((o.grid + 3) / 4));
    for (const RunConfig& run : runs) {
        if (run.net.name != "plain56" && run.net.name != "resnet56")
            continue;
        const int64_t side = input_side(run.train.dataset, run.train.downsample, run.net);
        ResNet net = build_seeded(run.net, 0);
        net->eval();
        const torch::Tensor x = torch::randn({o.images, run.net.in_channels, side, side});
        const torch::Tensor y = torch::randint(0, run.net.classes, {o.images}, torch::kInt64);
        const Directions d = filter_normalized_directions(*net, o.seed);
        Landscape l;
        l.options = o;
        double first = 0.0;
        compute_landscape(*net, x, y, d, l, [&](const Landscape& now) {
            if (now.computed == first_points)
                first = now.seconds;
            return true;
        });
        first_both += first;
        whole_both += l.seconds;
        std::printf("%-10s %4lld x %-3lld %12.2f s %10.1f s %10.1f\n", run.net.name.c_str(),
                    static_cast<long long>(side), static_cast<long long>(side), first, l.seconds,
                    l.computed / l.seconds);
        std::fflush(stdout);
    }
    std::printf(
        "both nets: first pictures %.2f s (target 5 s), whole grids %.1f s (target 120 s)\n",
        first_both, whole_both);
    return 0;
}
