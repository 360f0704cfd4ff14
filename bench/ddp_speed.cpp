// Data-parallel training speed on this machine: images/s of one process and of a job of N
// processes (c10d Gloo on 127.0.0.1, as reslab-cli train --nproc N runs them) on the same net and
// global batch, and the share of a step rank 0 spends averaging gradients (Run's
// last_allreduce_seconds(): flatten, all-reduce, copy back, which includes waiting for the slower
// rank; with overlap only what backward did not hide), with the all-reduce started during
// backward (the default) and after it (RESLAB_DDP_OVERLAP=0). Each configuration runs in a fresh
// process, alternating for a few rounds; the medians and their ratio against the single process
// measured in the same run are printed. Figures only; asserts nothing.
//
//   bench_ddp_speed [--arch resnet20] [--batch 128] [--steps 30] [--rounds 3] [--nproc 2]
//
// It starts copies of itself with --worker and torchrun's variables (RANK, WORLD_SIZE, ...).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "train/devices.h"
#include "train/distributed.h"
#include "train/presets.h"
#include "train/run.h"

using namespace reslab;

namespace {

struct Options {
    std::string arch = "resnet20";
    int64_t batch = 128, steps = 30;
    int rounds = 3, nproc = 2;
    bool worker = false;
};

/// What one configuration measured: images/s of the whole job, and seconds a step in all
/// (wall) and in gradient averaging (rank 0's).
struct Figures {
    double images_per_s = 0.0, step_s = 0.0, allreduce_s = 0.0;
};

/// One rank (or the single process, where WORLD_SIZE is unset): trains the net on the synthetic
/// set and prints its figures on stdout (rank 0 only).
int run_worker(const Options& o) {
    reuse_freed_memory();
    const auto env = distributed_env_from_environment();
    const int world = env ? env->world_size : 1;
    set_intra_op_threads(std::max(1, core_count() / world)); // the cores shared, as --nproc does
    std::shared_ptr<ProcessGroup> group;
    if (env) {
        group = std::make_shared<ProcessGroup>(*env);
        set_default_process_group(group);
    }
    constexpr int64_t kWarmUp = 5; // first-touch allocations, oneDNN's kernel choice
    TrainConfig t;
    t.dataset = "synthetic";
    t.synthetic_size = std::max<int64_t>(4 * o.batch, 1024);
    t.batch_size = o.batch;          // the global batch: each rank takes batch / world of it
    t.steps = kWarmUp + o.steps + 1; // the last step evaluates; it is never timed
    t.eval_every = 0;
    t.probe_every = 0;
    t.checkpoint_every = 0;
    t.record_every = 10;
    RunConfig c = make_run_config(o.arch, t, 1);
    DataOptions d;
    d.name = "synthetic";
    d.count = t.synthetic_size;
    auto data = std::make_shared<Dataset>(load_dataset(d));
    Run run(c, RunData{data, data}, "");
    for (int64_t i = 0; i < kWarmUp; ++i)
        run.step();
    if (group)
        group->barrier();
    double allreduce = 0.0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < o.steps; ++i) {
        run.step();
        allreduce += run.last_allreduce_seconds();
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    run.step();
    set_default_process_group(nullptr);
    if (run.state() == Run::State::Failed || run.state() == Run::State::Diverged) {
        std::fprintf(stderr, "bench_ddp_speed: rank %d: %s\n", env ? env->rank : 0,
                     run.message().c_str());
        return 1;
    }
    if (!env || env->rank == 0)
        std::printf("%.6f %.6f %.6f\n", static_cast<double>(o.batch * o.steps) / wall,
                    wall / o.steps, allreduce / o.steps);
    return 0;
}

std::string worker_command(const std::string& exe, const Options& o) {
    return exe + " --worker --arch " + o.arch + " --batch " + std::to_string(o.batch) +
           " --steps " + std::to_string(o.steps);
}

/// One configuration in fresh processes: the single process (nproc 1) or a job of nproc ranks.
Figures measure(const std::string& exe, const Options& o, int nproc, bool overlap = true) {
    std::vector<FILE*> ranks;
    const std::string port = std::to_string(free_local_port());
    for (int rank = nproc - 1; rank >= 0 && nproc > 1; --rank) {
        const std::string env =
            "RANK=" + std::to_string(rank) + " LOCAL_RANK=" + std::to_string(rank) +
            " WORLD_SIZE=" + std::to_string(nproc) + " LOCAL_WORLD_SIZE=" + std::to_string(nproc) +
            " MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port +
            " RESLAB_DDP_OVERLAP=" + (overlap ? "1" : "0") + " ";
        ranks.push_back(::popen((env + worker_command(exe, o)).c_str(), "r"));
    }
    if (nproc == 1)
        ranks.push_back(
            ::popen(("env -u WORLD_SIZE -u RANK " + worker_command(exe, o)).c_str(), "r"));
    Figures f;
    FILE* lead = ranks.back(); // rank 0, started last
    if (!lead || std::fscanf(lead, "%lf %lf %lf", &f.images_per_s, &f.step_s, &f.allreduce_s) != 3)
        f = Figures{};
    bool ok = f.images_per_s > 0.0;
    for (FILE* rank : ranks)
        ok = rank && ::pclose(rank) == 0 && ok;
    if (!ok) {
        std::fprintf(stderr, "bench_ddp_speed: the %d-process job failed\n", nproc);
        std::exit(1);
    }
    return f;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&] { return i + 1 < argc ? argv[++i] : "0"; };
        if (a == "--arch")
            o.arch = next();
        else if (a == "--batch")
            o.batch = std::atoll(next());
        else if (a == "--steps")
            o.steps = std::atoll(next());
        else if (a == "--rounds")
            o.rounds = std::atoi(next());
        else if (a == "--nproc")
            o.nproc = std::atoi(next());
        else if (a == "--worker")
            o.worker = true;
    }
    if (o.worker)
        return run_worker(o);

    const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
    std::vector<double> alone_ips, job_ips, job_share, after_ips, after_share;
    double alone_step = 0.0;
    for (int round = 0; round < o.rounds; ++round) {
        const Figures alone = measure(exe, o, 1);
        const Figures job = measure(exe, o, o.nproc, /*overlap=*/true);
        const Figures after = measure(exe, o, o.nproc, /*overlap=*/false);
        std::printf("round %d: 1 process %.0f images/s, %d processes %.0f images/s overlapped "
                    "(exposed all-reduce %.1f of %.1f ms a step), %.0f after backward (%.1f of "
                    "%.1f ms)\n",
                    round + 1, alone.images_per_s, o.nproc, job.images_per_s, job.allreduce_s * 1e3,
                    job.step_s * 1e3, after.images_per_s, after.allreduce_s * 1e3,
                    after.step_s * 1e3);
        after_ips.push_back(after.images_per_s);
        after_share.push_back(after.allreduce_s / after.step_s);
        alone_ips.push_back(alone.images_per_s);
        alone_step = alone.step_s;
        job_ips.push_back(job.images_per_s);
        job_share.push_back(job.allreduce_s / job.step_s);
    }
    const double a = median(alone_ips), j = median(job_ips);
    std::printf("%s, global batch %lld, %d cores, %lld timed steps, median of %d rounds "
                "(last single-process step %.1f ms)\n",
                o.arch.c_str(), static_cast<long long>(o.batch), core_count(),
                static_cast<long long>(o.steps), o.rounds, alone_step * 1e3);
    const double f = median(after_ips);
    std::printf("%-34s %12s %10s %22s\n", "", "images/s", "ratio", "exposed all-reduce");
    std::printf("%-34s %12.0f %10.2f %22s\n", "1 process", a, 1.0, "-");
    std::printf("%-34s %12.0f %10.2f %21.1f%%\n",
                (std::to_string(o.nproc) + " processes, overlapped").c_str(), j, j / a,
                100.0 * median(job_share));
    std::printf("%-34s %12.0f %10.2f %21.1f%%\n",
                (std::to_string(o.nproc) + " processes, after backward").c_str(), f, f / a,
                100.0 * median(after_share));
    return 0;
}
