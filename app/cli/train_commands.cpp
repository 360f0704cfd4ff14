// reslab-cli's train, compare, resume and bench: one file because they share their options
// (TrainOptions) and the observer that prints a run's progress.
#include "train_commands.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <torch/cuda.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/sgd.h>
#include <torch/utils.h>

#include "common.h"
#include "data/augment.h"
#include "inspect/describe.h"
#include "inspect/probes.h"
#include "io/runfolder.h"
#include "train/distributed.h"
#include "train/experiment.h"
#include "train/presets.h"
#include "train/scheduler.h"

namespace reslab::cli {
namespace {

// Lock-free atomics, so the signal handler may set them.
TrainingControls g_controls;

void on_interrupt(int) {
    g_controls.stop = true;
}

/// Options shared by train and compare.
struct TrainOptions {
    TrainConfig train;
    std::optional<int64_t> steps;
    std::optional<double> epochs;
    std::optional<double> lr;
    std::optional<int64_t> batch;
    std::optional<int64_t> downsample;
    std::optional<int64_t> warmup;
    std::optional<double> warmup_lr;
    std::optional<int64_t> eval_every;
    std::optional<int64_t> eval_subset;
    std::optional<int64_t> snapshots;
    std::string schedule;
    std::string out;
    bool quiet = false;
    int nproc = 1;
    int dist_timeout = 60;
    bool sync_bn = false;

    void add_to(CLI::App& cmd) {
        cmd.add_option("--dataset", train.dataset,
                       "fashion-mnist, mnist, cifar10, folder or synthetic")
            ->check(CLI::IsMember({"fashion-mnist", "mnist", "cifar10", "folder", "synthetic"}));
        cmd.add_option("--data-dir", train.data_dir, "where the data set's files are");
        auto* s =
            cmd.add_option("--steps", steps, "training steps")->check(CLI::Range(1, 100000000));
        auto* e = cmd.add_option("--epochs", epochs, "training epochs")
                      ->check(kFinite)
                      ->check(CLI::Range(0.001, 100000.0));
        s->excludes(e);
        cmd.add_option("--batch", batch, "batch size")->check(CLI::Range(1, 65536));
        cmd.add_option("--lr", lr, "base learning rate")
            ->check(kFinite)
            ->check(CLI::Range(0.0, 100.0));
        cmd.add_option("--schedule", schedule, "step (/10 at 50% and 75%), cosine or constant")
            ->check(CLI::IsMember({"step", "cosine", "constant"}));
        cmd.add_option("--warmup", warmup, "linear warm-up steps");
        cmd.add_option(
               "--warmup-lr", warmup_lr,
               "a constant learning rate during warm-up instead (the paper: 0.01 for ResNet-110)")
            ->check(kFinite);
        cmd.add_flag("--nesterov", train.nesterov, "Nesterov momentum");
        cmd.add_option("--downsample", downsample, "average k x k pixels at load (2: 28 -> 14)");
        cmd.add_flag("--held-out", train.held_out,
                     "train on all but the last 5k, evaluate on those");
        cmd.add_flag("--augment", train.augment_crop, "the paper's pad-4 random crop");
        cmd.add_flag("--flip", train.augment_flip, "random horizontal flips");
        cmd.add_option("--seed", train.seed, "random seed (weights and data order)");
        cmd.add_option("--device", train.device, "cpu or cuda");
        cmd.add_option("--threads", train.threads,
                       "intra-op threads of each run (default: from the nets' sizes and the cores)")
            ->check(CLI::Range(0, 1024));
        cmd.add_option(
               "--parallel-runs", train.parallel_runs,
               "runs trained side by side (default: small nets one a core, big ones one at a time)")
            ->check(CLI::Range(0, 1024));
        cmd.add_option(
               "--precision", train.precision,
               "float32, or bfloat16 autocast (faster on CPUs with AMX and on GPUs; not bit "
               "comparable with float32 runs)")
            ->check(CLI::IsMember({"float32", "bfloat16"}));
        cmd.add_option("--eval-every", eval_every, "evaluate every M steps (0: at the end)");
        cmd.add_option("--eval-subset", eval_subset,
                       "score a fixed subset of this many test images at those steps, the whole "
                       "test split at the end (0: the whole split every time)")
            ->check(CLI::Range(0, 100000000));
        cmd.add_option("--probe-every", train.probe_every,
                       "probe at step 1 and every K steps (0: never)");
        cmd.add_option("--record-every", train.record_every, "a train record every R steps")
            ->check(CLI::Range(1, 1000000));
        cmd.add_option("--snapshots", snapshots,
                       "keep the initial weights and K snapshots at evenly spaced steps, for "
                       "reslab-cli landscape --directions trajectory")
            ->check(CLI::Range(0, 1000));
        cmd.add_option("--out", out, "the folder to write the run(s) to")
            ->required()
            ->check([](const std::string& folder) {
                return folder.empty() ? std::string("a run folder's name, not an empty one")
                                      : std::string();
            });
        cmd.add_flag("--quiet", quiet, "no progress bar");
        cmd.add_option("--nproc", nproc,
                       "data-parallel: N processes on this machine (Gloo on 127.0.0.1), each "
                       "on --batch / N images of every global batch of --batch")
            ->check(CLI::Range(1, 256));
        cmd.add_flag("--sync-bn", sync_bn,
                     "data-parallel: batch norm over the whole global batch (torch.nn."
                     "SyncBatchNorm) rather than over each process's share (DDP's default)");
        cmd.add_option("--dist-timeout", dist_timeout,
                       "seconds a data-parallel rank waits for the others before it gives up")
            ->check(CLI::Range(1, 86400));
    }

    /// The config with the user's overrides applied over a preset's choices: every option a preset
    /// sets is held here until the preset has been applied, so that what the user gave wins.
    void apply(TrainConfig& t) const {
        if (steps) {
            t.steps = *steps;
            t.epochs = 0;
        }
        if (epochs) {
            t.epochs = *epochs;
            t.steps = 0;
        }
        if (lr)
            t.schedule.base_lr = *lr;
        if (batch)
            t.batch_size = *batch;
        if (downsample)
            t.downsample = *downsample;
        if (!schedule.empty())
            t.schedule.kind = schedule_kind_from_string(schedule);
        if (warmup)
            t.schedule.warmup_steps = *warmup;
        if (warmup_lr)
            t.schedule.warmup_lr = *warmup_lr;
        if (eval_every)
            t.eval_every = *eval_every;
        if (eval_subset)
            t.eval_subset = *eval_subset;
        if (snapshots)
            t.snapshots = *snapshots;
        if (t.checkpoint_every <= 0 || (t.eval_every > 0 && t.checkpoint_every > t.eval_every))
            t.checkpoint_every = t.eval_every;
    }
};

/// The progress line on stderr: rewritten in place on a terminal, a line every 30 s otherwise.
class ProgressLine : public TrainingObserver {
public:
    explicit ProgressLine(bool quiet) : m_quiet(quiet), m_tty(isatty(fileno(stderr))) {}

    void on_progress(const std::vector<RunStatus>& runs, double seconds) override {
        m_runs = runs;
        m_seconds = seconds;
        const auto now = std::chrono::steady_clock::now();
        if (m_quiet || std::chrono::duration<double>(now - m_last).count() < (m_tty ? 0.5 : 30.0))
            return;
        m_last = now;
        print(false);
    }

    /// The last line, kept on screen.
    void finish() {
        if (!m_quiet && !m_runs.empty())
            print(true);
    }

private:
    void print(bool final) const {
        int64_t done = 0, total = 0, done_before = 0;
        std::string line;
        for (const auto& run : m_runs) {
            done += run.steps_done;
            total += run.total_steps;
            done_before += run.steps_at_start;
            line +=
                "  " + run.name + " " + (run.last_train.step ? percent(run.last_train.error) : "-");
        }
        print_progress(m_tty, final, done - done_before, done, total, "steps", m_seconds, line);
    }

    bool m_quiet;
    bool m_tty;
    std::vector<RunStatus> m_runs;
    double m_seconds = 0.0;
    std::chrono::steady_clock::time_point m_last{};
};

int summarize(const Experiment& experiment);

/// Trains an experiment to its end through the scheduler, with a progress line on stderr and a
/// summary table on stdout.
int drive(Experiment& experiment, const CoreSplit& split, bool quiet) {
    g_controls.stop = false;
    g_controls.pause = false;
    g_controls.snapshot = -1;
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    if (!quiet)
        std::fprintf(stderr, "training %zu run%s: %s (%s)\n", experiment.runs().size(),
                     experiment.runs().size() == 1 ? "" : "s", split.describe().c_str(),
                     split.reason.c_str());
    ProgressLine progress(quiet);
    Scheduler(experiment, split).run(g_controls, progress, std::chrono::milliseconds(100));
    progress.finish();
    return summarize(experiment);
}

/// The summary table on stdout and each failed run's reason on stderr; the exit status.
int summarize(const Experiment& experiment) {
    // The final training error is the running error over the last steps (final_window), since one
    // record's batches alone wobble by about a point.
    std::printf("%-14s %-9s %8s %12s %12s %10s\n", "run", "state", "steps", "train error",
                "test error", "time");
    int failures = 0;
    for (const auto& run : experiment.runs()) {
        const auto& t = run->last_train();
        const auto& e = run->last_eval();
        const double final_error = run->final_train_error();
        const double train_error = std::isfinite(final_error) ? final_error : t.error;
        std::printf("%-14s %-9s %8lld %12s %12s %10s\n", run->name().c_str(),
                    to_string(run->state()).c_str(), static_cast<long long>(run->steps_done()),
                    t.step ? percent(train_error).c_str() : "-",
                    e.step ? percent(e.test_error).c_str() : "-", duration(t.time).c_str());
        if (!run->engine_note().empty())
            std::fprintf(stderr, "reslab-cli: %s: %s\n", run->name().c_str(),
                         run->engine_note().c_str());
        if (run->state() == Run::State::Diverged || run->state() == Run::State::Failed) {
            std::fprintf(stderr, "reslab-cli: %s: %s\n", run->name().c_str(),
                         run->message().c_str());
            ++failures;
        }
    }
    if (g_controls.stop) {
        std::fprintf(stderr, "reslab-cli: interrupted; every run kept a checkpoint: continue with "
                             "reslab-cli resume DIR\n");
        return 130;
    }
    return failures ? 3 : 0;
}

/// This process's own command line, as it was started.
std::vector<std::string> own_arguments() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::vector<std::string> args;
    std::string arg;
    while (std::getline(in, arg, '\0'))
        args.push_back(arg);
    if (args.empty())
        throw std::runtime_error("cannot read this process's command line (/proc/self/cmdline)");
    return args;
}

std::string describe_exit(int status) {
    if (WIFEXITED(status))
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
               strsignal(WTERMSIG(status)) + ")";
    return "ended";
}

/// --nproc N: runs this same command N times as the ranks of one job on 127.0.0.1, with the
/// variables torchrun sets, and waits for them. A rank that fails stops the others (SIGTERM, then
/// SIGKILL after the timeout) and is named; Ctrl-C reaches every rank, which stop together.
int launch_local_job(int nproc, int timeout_s) {
    const std::vector<std::string> args = own_arguments();
    const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
    const std::string port = std::to_string(free_local_port());
    std::vector<std::string> base;
    for (char** e = environ; *e; ++e) {
        const std::string entry = *e;
        const std::string name = entry.substr(0, entry.find('='));
        if (name != "RANK" && name != "WORLD_SIZE" && name != "LOCAL_RANK" &&
            name != "LOCAL_WORLD_SIZE" && name != "MASTER_ADDR" && name != "MASTER_PORT")
            base.push_back(entry);
    }
    g_controls.stop = false;
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    std::vector<pid_t> pids;
    for (int rank = 0; rank < nproc; ++rank) {
        std::vector<std::string> env = base;
        for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
                 {"RANK", std::to_string(rank)},
                 {"LOCAL_RANK", std::to_string(rank)},
                 {"WORLD_SIZE", std::to_string(nproc)},
                 {"LOCAL_WORLD_SIZE", std::to_string(nproc)},
                 {"MASTER_ADDR", "127.0.0.1"},
                 {"MASTER_PORT", port}})
            env.push_back(name + "=" + value);
        std::vector<char*> argv, envp;
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        for (const auto& e : env)
            envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::execve(exe.c_str(), argv.data(), envp.data());
            _exit(127);
        }
        if (pid < 0) {
            for (pid_t p : pids)
                ::kill(p, SIGKILL);
            throw std::runtime_error("cannot start rank " + std::to_string(rank));
        }
        pids.push_back(pid);
    }
    std::vector<int> status(pids.size(), -1);
    std::vector<bool> running(pids.size(), true);
    std::string failure;
    bool forwarded = false;
    bool killing = false;
    std::chrono::steady_clock::time_point killing_at{};
    for (size_t live = pids.size(); live > 0;) {
        if (g_controls.stop && !forwarded) {
            // Ctrl-C on a terminal reaches every rank already; a SIGINT sent to this process
            // alone is passed on. Each rank stops at the same step and keeps a checkpoint.
            forwarded = true;
            for (size_t i = 0; i < pids.size(); ++i)
                if (running[i])
                    ::kill(pids[i], SIGINT);
        }
        int st = 0;
        const pid_t pid = ::waitpid(-1, &st, WNOHANG);
        if (pid <= 0) {
            if (killing && std::chrono::steady_clock::now() > killing_at) {
                for (size_t i = 0; i < pids.size(); ++i)
                    if (running[i])
                        ::kill(pids[i], SIGKILL);
                killing = false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        const auto it = std::find(pids.begin(), pids.end(), pid);
        if (it == pids.end())
            continue;
        const size_t rank = static_cast<size_t>(it - pids.begin());
        running[rank] = false;
        status[rank] = st;
        --live;
        const bool stopped_by_user = g_controls.stop && WIFEXITED(st) && WEXITSTATUS(st) == 130;
        const bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        if (!ok && !stopped_by_user && failure.empty()) {
            failure = "rank " + std::to_string(rank) + " of " + std::to_string(nproc) + " " +
                      describe_exit(st);
            // The others cannot go on without it: asked to stop, then killed after the timeout.
            for (size_t i = 0; i < pids.size(); ++i)
                if (running[i])
                    ::kill(pids[i], SIGTERM);
            killing = true;
            killing_at = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
        }
    }
    if (!failure.empty()) {
        std::fprintf(stderr, "reslab-cli: %s; the job's other ranks were stopped\n",
                     failure.c_str());
        return 4;
    }
    if (g_controls.stop) {
        std::fprintf(stderr, "reslab-cli: interrupted; continue with reslab-cli resume DIR\n");
        return 130;
    }
    return 0;
}

/// Trains an experiment as one rank of a data-parallel job: every rank steps every run in the
/// same order, so their collectives meet, and they agree before each step whether any was asked
/// to stop. Rank 0 shows the progress and the summary; the others print only their errors.
int drive_distributed(Experiment& experiment, ProcessGroup& group, bool quiet) {
    g_controls.stop = false;
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    const bool lead = group.rank() == 0;
    const int64_t batch = experiment.runs().front()->config().train.batch_size;
    if (lead && !quiet)
        std::fprintf(stderr,
                     "training %zu run%s data-parallel: %d processes on Gloo, a global batch of "
                     "%lld as %d x %lld, %d thread%s each\n",
                     experiment.runs().size(), experiment.runs().size() == 1 ? "" : "s",
                     group.world_size(), static_cast<long long>(batch), group.world_size(),
                     static_cast<long long>(batch / group.world_size()), torch::get_num_threads(),
                     torch::get_num_threads() == 1 ? "" : "s");
    ProgressLine progress(quiet || !lead);
    const auto started = std::chrono::steady_clock::now();
    bool interrupted = false;
    try {
        for (;;) {
            bool all_done = true;
            for (const auto& run : experiment.runs())
                all_done = all_done && run->done();
            if (all_done)
                break;
            if (group.any(g_controls.stop)) {
                interrupted = true;
                for (const auto& run : experiment.runs())
                    run->stop();
                break;
            }
            for (const auto& run : experiment.runs())
                run->step();
            std::vector<RunStatus> statuses;
            for (const auto& run : experiment.runs()) {
                RunStatus s;
                s.name = run->name();
                s.state = run->state();
                s.steps_done = run->steps_done();
                s.total_steps = run->total_steps();
                s.batch_size = run->config().train.batch_size;
                s.last_train = run->last_train();
                statuses.push_back(s);
            }
            progress.on_progress(
                statuses,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
    } catch (const std::exception& e) {
        // A collective failed (a rank died or hung past the timeout) or this rank could not go
        // on alone: the job cannot continue. The last checkpoints stay as they were.
        for (const auto& run : experiment.runs())
            if (!run->done())
                run->fail(e);
        std::string message = e.what();
        message = message.substr(0, message.find('\n'));
        std::fprintf(stderr, "reslab-cli: rank %d of %d: %s\n", group.rank(), group.world_size(),
                     message.c_str());
        return 3;
    }
    progress.finish();
    g_controls.stop = interrupted;
    if (!lead) {
        for (const auto& run : experiment.runs())
            if (run->state() == Run::State::Diverged || run->state() == Run::State::Failed)
                return 3;
        return interrupted ? 130 : 0;
    }
    return summarize(experiment);
}

/// This process as one rank of a data-parallel job: its share of the cores (unless threads says),
/// the process group, and the experiment make_experiment builds under it, trained to its end.
int run_as_rank(const DistributedEnv& job,
                int threads,
                int timeout_s,
                bool quiet,
                const std::function<Experiment()>& make_experiment) {
    // The cores of this machine shared by its ranks (torchrun sets LOCAL_WORLD_SIZE; --nproc too).
    const char* local = std::getenv("LOCAL_WORLD_SIZE");
    const int on_this_machine = local ? std::max(1, std::atoi(local)) : 1;
    set_intra_op_threads(threads > 0 ? threads : std::max(1, core_count() / on_this_machine));
    auto group = std::make_shared<ProcessGroup>(job, std::chrono::milliseconds(1000ll * timeout_s));
    set_default_process_group(group);
    struct Unset {
        ~Unset() { set_default_process_group(nullptr); }
    } unset;
    Experiment experiment = make_experiment();
    return drive_distributed(experiment, *group, quiet);
}

/// What `reslab-cli bench` measures.
struct BenchOptions {
    std::string arch = "resnet20";
    int64_t batch = 128, steps = 20, input_size = 28, in_channels = 1;
    std::string device = "cpu";
    int threads = 0;
    bool nchw = false;
    std::string precision = "float32";
    int side_by_side = 0; // > 0: that many copies of the net trained side by side instead
};

/// Images/s of `copies` runs of one net trained side by side through the scheduler, each on
/// `threads` intra-op threads, counted from the moment every run has done two warm-up steps.
double side_by_side_images_per_s(
    const RunConfig& config, const RunData& data, int copies, int threads, int64_t steps) {
    std::vector<RunConfig> runs(static_cast<size_t>(copies), config);
    for (int i = 0; i < copies; ++i) {
        runs[static_cast<size_t>(i)].train.seed = static_cast<uint64_t>(i);
        runs[static_cast<size_t>(i)].train.steps = steps + 2;
    }
    Experiment experiment = Experiment::on_data(std::move(runs), data);
    struct Clock : TrainingObserver {
        std::chrono::steady_clock::time_point warm{}, end{};
        void on_progress(const std::vector<RunStatus>& status, double) override {
            int64_t least = status.front().steps_done;
            for (const auto& s : status)
                least = std::min(least, s.steps_done);
            if (least >= 2 && warm == std::chrono::steady_clock::time_point{})
                warm = std::chrono::steady_clock::now();
            end = std::chrono::steady_clock::now();
        }
    } clock;
    TrainingControls controls;
    Scheduler(experiment, CoreSplit{copies, threads, "bench"})
        .run(controls, clock, std::chrono::milliseconds(1));
    const double seconds = std::chrono::duration<double>(clock.end - clock.warm).count();
    return seconds > 0 ? static_cast<double>(copies) *
                             static_cast<double>(steps * config.train.batch_size) / seconds
                       : 0.0;
}

int bench(const BenchOptions& o) {
    const std::string& arch = o.arch;
    const int64_t batch = o.batch, steps = o.steps, input_size = o.input_size,
                  in_channels = o.in_channels;
    const std::string& device = o.device;
    const bool channels_last = !o.nchw;
    const std::string& precision = o.precision;
    int threads = o.threads;
    set_intra_op_threads(threads);
    const TrainConfig defaults;
    RunConfig c = make_run_config(arch, defaults, in_channels);
    ResNet net(c.net);
    const NetGraph graph = describe(*net, input_size, input_size);
    TrainConfig t;
    t.dataset = "synthetic";
    t.synthetic_size = std::max<int64_t>(batch * 4, 1024);
    t.batch_size = batch;
    t.steps = steps;
    t.device = device;
    t.threads = threads;
    t.channels_last = channels_last;
    t.precision = precision;
    t.eval_every = 0;
    t.probe_every = 0;
    t.checkpoint_every = 0;
    DataOptions data;
    data.name = "synthetic";
    data.count = t.synthetic_size;
    data.channels = in_channels;
    data.image_size = input_size;
    auto train = std::make_shared<Dataset>(load_dataset(data));
    RunData run_data{train, train};
    if (o.side_by_side > 0) {
        RunConfig rc = c;
        rc.train = t;
        const int each = threads > 0 ? threads : std::max(1, core_count() / o.side_by_side);
        const double images_per_s =
            side_by_side_images_per_s(rc, run_data, o.side_by_side, each, steps);
        std::printf("arch %s, input %lldx%lldx%lld, batch %lld, %lld steps, device %s: %d runs "
                    "side by side, "
                    "%d thread%s each\n",
                    arch.c_str(), static_cast<long long>(in_channels),
                    static_cast<long long>(input_size), static_cast<long long>(input_size),
                    static_cast<long long>(batch), static_cast<long long>(steps), device.c_str(),
                    o.side_by_side, each, each == 1 ? "" : "s");
        std::printf("%.1f images/s together\n", images_per_s);
        return 0;
    }

    // Per-step times, so that the figures can be medians: on a shared machine a few slow steps
    // (another process, a hypervisor) would otherwise swing a mean by tens of percent.
    auto time_steps = [&](int64_t probe_every) {
        TrainConfig tc = t;
        tc.probe_every = probe_every;
        tc.steps = steps + 2;
        RunConfig rc = c;
        rc.train = tc;
        Run run(rc, run_data, "");
        run.step(); // warm-up: first-touch allocations and oneDNN's kernel choice
        run.step();
        // A GPU runs ahead of the host: each timed step waits for the device's queue to drain.
        const bool gpu = !run.device().is_cpu();
        auto sync = [&] {
            if (gpu)
                torch::cuda::synchronize();
        };
        sync();
        std::vector<double> seconds;
        for (int64_t i = 0; i < steps; ++i) {
            const auto s0 = std::chrono::steady_clock::now();
            run.step();
            sync();
            seconds.push_back(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count());
        }
        return seconds;
    };
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        const size_t n = v.size();
        return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    };
    const std::vector<double> plain = time_steps(0);
    const std::vector<double> probed = time_steps(1);
    const double step_s = median(plain);
    const double probe_s = median(probed);
    double total_s = 0.0;
    for (double s : plain)
        total_s += s;
    // Feeding alone: cutting and normalising the same batches.
    std::vector<double> feed;
    for (int64_t i = 0; i < steps; ++i) {
        const auto f0 = std::chrono::steady_clock::now();
        const auto idx = epoch_order(train->size(), 1, i).narrow(0, 0, batch);
        (void)make_batch(*train, idx, Augment{}, i);
        feed.push_back(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - f0).count());
    }
    const double feed_s = median(feed);

    const double images_per_s = batch / step_s;
    const double gflops = images_per_s * graph.macs * 3.0 * 2.0 / 1e9;
    const double probe_share = (probe_s - step_s) / step_s;
    std::printf(
        "arch %s, input %lldx%lldx%lld, batch %lld, %lld steps, device %s, %d threads, %s\n",
        arch.c_str(), static_cast<long long>(in_channels), static_cast<long long>(input_size),
        static_cast<long long>(input_size), static_cast<long long>(batch),
        static_cast<long long>(steps), device.c_str(), torch::get_num_threads(),
        (std::string(channels_last ? "channels-last " : "NCHW ") +
         (precision == "bfloat16" ? "bfloat16 autocast" : "float32"))
            .c_str());
    std::printf("%.1f images/s (median step %.1f ms; mean over all steps %.1f images/s)\n",
                images_per_s, 1e3 * step_s, steps * batch / total_s);
    std::printf("%.1f GFLOP/s achieved (%.1f M MACs a forward pass, training = 3x forward, 2 FLOPs "
                "a MAC)\n",
                gflops, graph.macs / 1e6);
    std::printf("data feeding: %.1f%% of a training step\n", 100.0 * feed_s / step_s);
    std::printf(
        "probes: %+.1f%% on a probed step, %+.2f%% at the default of one probe every %lld steps\n",
        100.0 * probe_share, 100.0 * probe_share / defaults.probe_every,
        static_cast<long long>(defaults.probe_every));
    return 0;
}

} // namespace

std::function<int()> add_train_commands(CLI::App& app) {
    auto train_opts = std::make_shared<TrainOptions>();
    auto arch = std::make_shared<std::string>();
    auto* train_cmd = app.add_subcommand("train", "train one net, writing a run folder");
    train_cmd->add_option("--arch", *arch, "architecture")->required();
    train_opts->add_to(*train_cmd);

    auto compare_opts = std::make_shared<TrainOptions>();
    auto preset = std::make_shared<std::string>();
    auto archs = std::make_shared<std::vector<std::string>>();
    auto* compare_cmd =
        app.add_subcommand("compare", "train several nets side by side, one folder each");
    auto* preset_opt = compare_cmd->add_option("--preset", *preset,
                                               "degradation, depth-sweep, shortcuts, cifar-paper");
    auto* arch_opt =
        compare_cmd->add_option("--arch", *archs, "architectures, comma-separated")->delimiter(',');
    preset_opt->excludes(arch_opt);
    compare_opts->add_to(*compare_cmd);

    auto resume_dirs = std::make_shared<std::vector<std::string>>();
    auto resume_quiet = std::make_shared<bool>(false);
    auto* resume_cmd = app.add_subcommand("resume", "continue runs from their last checkpoints");
    resume_cmd->add_option("dirs", *resume_dirs, "run folders, or a compare --out folder")
        ->required();
    resume_cmd->add_flag("--quiet", *resume_quiet, "no progress bar");
    auto resume_threads = std::make_shared<int>(0);
    auto resume_parallel = std::make_shared<int>(0);
    resume_cmd
        ->add_option("--threads", *resume_threads,
                     "intra-op threads of each run (default: as trained)")
        ->check(CLI::Range(0, 1024));
    resume_cmd->add_option("--parallel-runs", *resume_parallel, "runs trained side by side")
        ->check(CLI::Range(0, 1024));
    auto resume_nproc = std::make_shared<int>(1);
    auto resume_timeout = std::make_shared<int>(60);
    resume_cmd
        ->add_option("--nproc", *resume_nproc,
                     "data-parallel: N processes on this machine, whatever world size the run "
                     "trained on so far (each global batch stays what it was; it is split N ways)")
        ->check(CLI::Range(1, 256));
    resume_cmd
        ->add_option("--dist-timeout", *resume_timeout,
                     "seconds a data-parallel rank waits for the others before it gives up")
        ->check(CLI::Range(1, 86400));

    auto b = std::make_shared<BenchOptions>();
    auto* bench_cmd = app.add_subcommand("bench", "measure training speed");
    bench_cmd->add_option("--arch", b->arch, "architecture");
    bench_cmd->add_option("--batch", b->batch, "batch size")->check(CLI::Range(1, 65536));
    bench_cmd->add_option("--steps", b->steps, "timed steps")->check(CLI::Range(1, 1000000));
    bench_cmd->add_option("--device", b->device, "cpu or cuda");
    bench_cmd->add_option("--threads", b->threads, "intra-op threads (default: one per core)")
        ->check(CLI::Range(0, 1024));
    bench_cmd->add_option("--input-size", b->input_size, "input side")->check(CLI::Range(8, 1024));
    bench_cmd->add_option("--in-channels", b->in_channels, "input channels")
        ->check(CLI::Range(1, 3));
    bench_cmd->add_flag("--nchw", b->nchw, "keep NCHW memory instead of channels-last");
    bench_cmd->add_option("--precision", b->precision, "float32, or bfloat16 autocast")
        ->check(CLI::IsMember({"float32", "bfloat16"}));
    bench_cmd
        ->add_option("--side-by-side", b->side_by_side,
                     "train N copies side by side (threads each: --threads, default cores / N)")
        ->check(CLI::Range(1, 256));

    return [=]() -> int {
        if (*train_cmd || *compare_cmd) {
            const TrainOptions& o = *train_cmd ? *train_opts : *compare_opts;
            TrainConfig t = o.train;
            if (!o.steps && !o.epochs)
                t.epochs = 1;
            std::vector<RunConfig> runs;
            if (*compare_cmd && !preset->empty()) {
                runs = preset_runs(*preset, t, o.steps || o.epochs);
            } else {
                const std::vector<std::string> names =
                    *train_cmd ? std::vector<std::string>{*arch} : *archs;
                if (names.empty())
                    throw std::invalid_argument("compare needs --preset or --arch a,b,c");
                for (const auto& name : names)
                    runs.push_back(make_run_config(name, t, dataset_channels(t.dataset)));
            }
            for (auto& run : runs) {
                o.apply(run.train);
                run.sync_bn = o.sync_bn;
            }
            // train --out is the run folder itself; compare puts one folder a run under --out.
            std::vector<std::string> folders;
            for (const auto& run : runs)
                folders.push_back(*train_cmd ? o.out : o.out + "/" + run.name);
            const TrainConfig first = runs.front().train;
            const std::optional<DistributedEnv> job = distributed_env_from_environment();
            if (job || o.nproc > 1)
                for (const auto& run : runs)
                    check_distributed_device(run.train.device); // before any rank starts
            if (!job && o.nproc > 1)
                return launch_local_job(o.nproc, o.dist_timeout);
            if (job) {
                if (o.nproc > 1 && o.nproc != job->world_size)
                    throw std::invalid_argument("--nproc " + std::to_string(o.nproc) +
                                                " in a job whose WORLD_SIZE is " +
                                                std::to_string(job->world_size));
                if (job->rank != 0)
                    folders.assign(folders.size(), std::string()); // rank 0 alone writes
                return run_as_rank(*job, first.threads, o.dist_timeout, o.quiet,
                                   [&] { return Experiment(std::move(runs), folders); });
            }
            Experiment experiment(std::move(runs), folders);
            return drive(experiment,
                         choose_split(experiment, core_count(), first.parallel_runs, first.threads),
                         o.quiet);
        }
        if (*resume_cmd) {
            const std::vector<std::string> folders = run_folders_in(*resume_dirs);
            const std::optional<DistributedEnv> job = distributed_env_from_environment();
            if (!job && *resume_nproc > 1)
                return launch_local_job(*resume_nproc, *resume_timeout);
            if (job) {
                if (*resume_nproc > 1 && *resume_nproc != job->world_size)
                    throw std::invalid_argument("--nproc " + std::to_string(*resume_nproc) +
                                                " in a job whose WORLD_SIZE is " +
                                                std::to_string(job->world_size));
                return run_as_rank(*job, *resume_threads, *resume_timeout, *resume_quiet,
                                   [&] { return Experiment::resume(folders); });
            }
            Experiment experiment = Experiment::resume(folders);
            // As the experiment was trained, unless the options say otherwise.
            const TrainConfig& first = experiment.runs().front()->config().train;
            const int threads = *resume_threads > 0 ? *resume_threads : first.threads;
            const int parallel = *resume_parallel > 0 ? *resume_parallel : first.parallel_runs;
            return drive(experiment, choose_split(experiment, core_count(), parallel, threads),
                         *resume_quiet);
        }
        if (*bench_cmd)
            return bench(*b);
        return -1;
    };
}

} // namespace reslab::cli
