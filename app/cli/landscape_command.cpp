// reslab-cli landscape: the loss surface around each run's trained weights (Li et al. 2018),
// written into the run's folder, with a progress line and a summary table.
#include "landscape_command.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "common.h"
#include "inspect/landscape.h"
#include "io/runfolder.h"

namespace reslab::cli {

namespace {

/// --interpolate: each run's line, and a table of what it shows.
int interpolate_runs(const std::vector<std::string>& runs, const LandscapeOptions& options) {
    std::printf("%-28s %12s %12s %16s %10s\n", "run", "loss at 0", "loss at 1", "highest in 0..1",
                "monotone");
    for (const auto& run : runs) {
        const Interpolation line = interpolation_for_run(run, options);
        double at0 = 0, at1 = 0, highest = -1;
        bool monotone = true;
        double previous = std::numeric_limits<double>::infinity();
        for (size_t i = 0; i < line.alpha.size(); ++i) {
            const double a = line.alpha[i], loss = line.loss[i];
            if (std::abs(a) < 1e-9)
                at0 = loss;
            if (std::abs(a - 1.0) < 1e-9)
                at1 = loss;
            if (a >= -1e-9 && a <= 1.0 + 1e-9) {
                highest = std::max(highest, loss);
                monotone = monotone && loss <= previous;
                previous = loss;
            }
        }
        std::printf("%-28s %12.4f %12.4f %16.4f %10s\n", run.c_str(), at0, at1, highest,
                    monotone ? "yes" : "no");
    }
    for (const auto& run : runs)
        std::printf("wrote %s\n", interpolation_json_path(run, options.seed).c_str());
    return 0;
}

} // namespace

std::function<int()> add_landscape_command(CLI::App& app) {
    struct Options {
        std::vector<std::string> runs;
        LandscapeOptions landscape;
        bool quiet = false;
        bool interpolate = false;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand(
        "landscape",
        "the loss surface around a run's weights along two filter-normalised random directions "
        "(Li et al. 2018), written into the run folder");
    cmd->add_option("RUN_DIR", o->runs, "run folders: a run and its twin side by side")->required();
    cmd->add_option("--grid", o->landscape.grid, "points along each axis (default 21)")
        ->check(CLI::Range(3, 201));
    cmd->add_option("--range", o->landscape.range, "a and b run over [-R, R] (default 1)")
        ->check(kFinite & CLI::Range(1e-6, 100.0));
    cmd->add_option("--images", o->landscape.images,
                    "training images the loss is averaged over, a seeded subset (default 1000)")
        ->check(CLI::Range(1, 100000));
    cmd->add_option("--seed", o->landscape.seed, "the directions' and the subset's seed");
    cmd->add_option("--directions", o->landscape.directions,
                    "random (filter-normalised Gaussian) or trajectory (the first two principal "
                    "directions of the run's weight snapshots: train it with --snapshots K)")
        ->check(CLI::IsMember({"random", "trajectory"}));
    cmd->add_flag("--quiet", o->quiet, "no progress line");
    cmd->add_flag("--interpolate", o->interpolate,
                  "the loss along the line from the run's initial weights to its trained ones "
                  "(Goodfellow et al. 2015), at --grid points from alpha -0.5 to 1.5, instead of "
                  "the surface");

    return [cmd, o]() -> int {
        if (!*cmd)
            return -1;
        // Every folder is a run with a checkpoint before the first surface is computed.
        for (const auto& run : o->runs)
            read_run_folder(run);
        if (o->interpolate)
            return interpolate_runs(o->runs, o->landscape);
        const bool tty = isatty(fileno(stderr));
        const int64_t points = o->landscape.grid * o->landscape.grid;
        const int64_t total = points * static_cast<int64_t>(o->runs.size());
        // The runs' surfaces are computed together (each sharpens at once), so a run and its
        // twin are side by side from the first picture on.
        std::vector<RunSubject> subjects;
        for (const auto& run : o->runs)
            subjects.push_back(load_run_subject(run, o->landscape));
        std::vector<const RunSubject*> runs;
        for (const RunSubject& s : subjects)
            runs.push_back(&s);
        std::vector<int64_t> images_done(runs.size(), 0), images_all(runs.size(), 1);
        double last = -1.0;
        const std::vector<Landscape> ls =
            landscapes_for_runs(runs, o->landscape, [&](size_t r, const Landscape& now) {
                // Progress in points' worth of images: the coarse points' first estimates count.
                int64_t seen = 0;
                for (int64_t n : now.images_at)
                    seen += n;
                images_done[r] = seen;
                images_all[r] = std::max<int64_t>(1, now.options.images);
                if (o->quiet || (now.seconds - last < (tty ? 0.5 : 30.0) && !now.complete()))
                    return true;
                last = now.seconds;
                double done = 0.0;
                for (size_t k = 0; k < runs.size(); ++k)
                    done += static_cast<double>(images_done[k]) / images_all[k];
                const int64_t whole = static_cast<int64_t>(done);
                const double low = summarize(now).min_loss;
                print_progress(tty, false, whole, whole, total, "points", now.seconds,
                               std::isfinite(low)
                                   ? "  " + o->runs[r] + " min loss " + std::to_string(low)
                                   : std::string());
                return true;
            });
        std::vector<std::pair<std::string, Landscape>> done;
        for (size_t r = 0; r < runs.size(); ++r)
            done.emplace_back(o->runs[r], ls[r]);
        if (!o->quiet)
            std::fputc('\n', stderr);
        std::printf("%-28s %12s %10s %10s %10s %8s %9s\n", "run", "centre loss", "min loss",
                    "max loss", "edge/min", "minima", "points/s");
        for (const auto& [run, l] : done) {
            const LandscapeSummary s = summarize(l);
            std::printf("%-28s %12.4f %10.4f %10.4f %10.2f %8lld %9.1f\n", run.c_str(),
                        s.centre_loss, s.min_loss, s.max_loss, s.edge_to_min,
                        static_cast<long long>(s.local_minima),
                        l.seconds > 0 ? l.computed / l.seconds : 0.0);
        }
        for (const auto& [run, l] : done)
            std::printf("wrote %s and its directions\n",
                        landscape_json_path(run, l.options.seed, l.options.directions).c_str());
        return 0;
    };
}

} // namespace reslab::cli
