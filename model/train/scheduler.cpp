#include "scheduler.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "inspect/describe.h"
#include "train/devices.h"

namespace reslab {
namespace {

// How many steps a run may lead the slowest unfinished one: enough that a worker never waits
// for a slow net while a quick one could step, few enough that the runs stay together.
constexpr int64_t kMaxLead = 4;
// While paused, or while a snapshot waits for its run to finish a step.
constexpr auto kPoll = std::chrono::milliseconds(20);

/// A training step's activations, roughly: every layer's output for the whole batch in float32,
/// kept for backward, and as much again for the gradients flowing back.
double activation_bytes(const Run& run, const Dataset& data) {
    const NetGraph graph = describe(run.config().net, data.height(), data.width());
    double elements = 0.0;
    for (int i : graph.layers()) {
        double n = 1.0;
        for (int64_t d : graph.nodes[static_cast<size_t>(i)].shape)
            n *= static_cast<double>(d);
        elements += n;
    }
    return 2.0 * 4.0 * elements * static_cast<double>(run.config().train.batch_size);
}

/// Multiply-accumulates of one training step's forward pass over the batch.
double step_macs(const Run& run, const Dataset& data) {
    return static_cast<double>(describe(run.config().net, data.height(), data.width()).macs) *
           static_cast<double>(run.config().train.batch_size);
}

RunStatus status_of(const Run& run, int64_t steps_at_start) {
    RunStatus s;
    s.name = run.name();
    s.state = run.state();
    s.message = run.message();
    s.steps_done = run.steps_done();
    s.steps_at_start = steps_at_start;
    s.total_steps = run.total_steps();
    s.batch_size = run.config().train.batch_size;
    s.last_train = run.last_train();
    s.last_eval = run.last_eval();
    s.final_train_error = run.final_train_error();
    return s;
}

/// The hand-over between the scheduler and its workers: a queue of runs to step once each and a
/// list of those that have.
struct WorkQueue {
    std::mutex mutex;
    std::condition_variable work;
    std::condition_variable done;
    std::deque<size_t> todo;
    std::vector<size_t> stepped;
    bool quit = false;
    std::atomic<int> stepping{0}; // steps computing at this moment
    std::atomic<int> peak{0};
};

void worker(WorkQueue& q, Experiment& experiment, int threads) {
    set_worker_intra_op_threads(threads);
    for (;;) {
        size_t i = 0;
        {
            std::unique_lock<std::mutex> lock(q.mutex);
            q.work.wait(lock, [&] { return q.quit || !q.todo.empty(); });
            if (q.quit)
                return;
            i = q.todo.front();
            q.todo.pop_front();
        }
        Run& run = *experiment.runs()[i];
        const int now = ++q.stepping;
        for (int seen = q.peak.load(); now > seen && !q.peak.compare_exchange_weak(seen, now);) {
        }
        try {
            run.step();
        } catch (const std::exception& e) {
            run.fail(e);
        }
        --q.stepping;
        {
            std::lock_guard<std::mutex> lock(q.mutex);
            q.stepped.push_back(i);
        }
        q.done.notify_one();
    }
}

} // namespace

std::string CoreSplit::describe() const {
    const std::string per =
        std::to_string(threads_per_run) + (threads_per_run == 1 ? " thread" : " threads");
    if (parallel_runs == 1)
        return "one run at a time, " + per;
    return std::to_string(parallel_runs) + " runs side by side, " + per + " each";
}

CoreSplit choose_split(const Experiment& experiment, int cores, int parallel_runs, int threads) {
    const auto& runs = experiment.runs();
    const int n = std::max<int>(1, static_cast<int>(runs.size()));
    cores = std::max(1, cores);
    CoreSplit split;
    const bool capped = threads > cores;
    if (capped)
        threads = cores; // more threads than cores only queue for them
    if (parallel_runs > 0 && threads > 0) {
        split = {std::min(parallel_runs, n), threads, "as asked"};
    } else if (parallel_runs > 0) {
        split.parallel_runs = std::min(parallel_runs, n);
        split.threads_per_run = std::max(1, cores / split.parallel_runs);
        split.reason = "as asked";
    } else if (threads > 0) {
        split.threads_per_run = threads;
        split.parallel_runs = std::max(1, std::min(n, cores / threads));
        split.reason = "as asked";
    } else {
        bool small = true, cuda = false;
        double memory = 0.0;
        for (const auto& run : runs) {
            const Dataset& data = *run->data().train;
            small = small && step_macs(*run, data) < kSmallForwardMacs;
            memory = std::max(memory, activation_bytes(*run, data));
            cuda = cuda || !run->device().is_cpu();
        }
        // Side by side, the runs' activations must fit in half the memory together.
        const int fit = static_cast<int>(
            std::clamp(0.5 * physical_memory_bytes() / std::max(memory, 1.0), 1.0, 1e6));
        if (n == 1) {
            split = {1, cores, "one run"};
        } else if (cuda) {
            split = {1, cores, "runs share the GPU"};
        } else if (!small) {
            split = {1, cores, "big nets: every core for one"};
        } else {
            split.parallel_runs = std::min({n, cores, fit});
            split.threads_per_run = std::max(1, cores / split.parallel_runs);
            split.reason = split.parallel_runs < std::min(n, cores)
                               ? "small nets, as many as memory holds"
                               : "small nets side by side";
        }
    }
    if (capped)
        split.reason = "threads capped at the " + std::to_string(cores) + " cores";
    return split;
}

Scheduler::Scheduler(Experiment& experiment, CoreSplit split)
    : m_experiment(experiment), m_split(std::move(split)) {
    m_split.parallel_runs = std::max(1, m_split.parallel_runs);
    m_split.threads_per_run = std::max(1, m_split.threads_per_run);
}

void Scheduler::run(TrainingControls& controls,
                    TrainingObserver& observer,
                    std::chrono::milliseconds interval) {
    using Clock = std::chrono::steady_clock;
    auto& runs = m_experiment.runs();
    const size_t n = runs.size();

    // Each run's records, as its worker makes them; read by this thread only once the step is over.
    std::vector<std::vector<MetricRecord>> made(n);
    std::vector<std::deque<MetricRecord>> held(n); // made, not yet released
    for (size_t i = 0; i < n; ++i)
        runs[i]->set_callback(
            [&made, i](const Run&, const MetricRecord& r) { made[i].push_back(r); });

    std::vector<RunStatus> status;
    for (const auto& run : runs)
        status.push_back(status_of(*run, run->steps_done()));
    std::vector<bool> busy(n, false);
    // From the status, which this thread copied while the run was idle: a busy run's own state is
    // its worker's to write. A run that is done is never busy.
    auto ended = [&](size_t i) { return is_end(status[i].state); };

    WorkQueue q;
    const int workers = std::min<int>(m_split.parallel_runs, std::max<size_t>(n, 1));
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w)
        threads.emplace_back(worker, std::ref(q), std::ref(m_experiment), m_split.threads_per_run);

    const auto started = Clock::now();
    Clock::duration paused_for{};
    Clock::time_point paused_since;
    bool paused = false;
    auto training_seconds = [&] {
        Clock::duration d = Clock::now() - started - paused_for;
        if (paused)
            d -= Clock::now() - paused_since;
        return std::chrono::duration<double>(d).count();
    };

    // Releases every held record of a step that every unfinished run has done.
    auto release = [&](bool all) {
        int64_t bound = std::numeric_limits<int64_t>::max();
        if (!all)
            for (size_t i = 0; i < n; ++i)
                if (!ended(i))
                    bound = std::min(bound, status[i].steps_done);
        std::vector<RunRecord> out;
        for (size_t i = 0; i < n; ++i)
            while (!held[i].empty() && held[i].front().step() <= bound) {
                out.push_back(RunRecord{static_cast<int>(i), std::move(held[i].front())});
                held[i].pop_front();
            }
        std::stable_sort(out.begin(), out.end(), [](const RunRecord& a, const RunRecord& b) {
            return a.record.step() < b.record.step();
        });
        if (!out.empty())
            observer.on_records(out);
    };
    auto last_report = Clock::now();
    auto report = [&] {
        release(false);
        observer.on_progress(status, training_seconds());
        last_report = Clock::now();
    };

    int in_flight = 0;
    for (;;) {
        std::vector<size_t> stepped;
        {
            std::lock_guard<std::mutex> lock(q.mutex);
            stepped.swap(q.stepped);
        }
        bool changed = false;
        for (size_t i : stepped) {
            busy[i] = false;
            --in_flight;
            for (auto& r : made[i])
                held[i].push_back(std::move(r));
            made[i].clear();
            const Run::State before = status[i].state;
            status[i] = status_of(*runs[i], status[i].steps_at_start);
            changed = changed || status[i].state != before;
        }

        const int wanted = controls.snapshot.load();
        if (wanted >= 0 && (static_cast<size_t>(wanted) >= n)) {
            controls.snapshot = -1;
        } else if (wanted >= 0 && !busy[static_cast<size_t>(wanted)]) {
            controls.snapshot = -1;
            observer.on_snapshot(wanted, *runs[static_cast<size_t>(wanted)]->net(),
                                 runs[static_cast<size_t>(wanted)]->steps_done());
        }

        const bool stopping = controls.stop.load();
        const bool pausing = !stopping && controls.pause.load();
        if (!stopping && !pausing) {
            if (paused) {
                paused = false;
                paused_for += Clock::now() - paused_since;
                observer.on_paused(false);
            }
            // The furthest-behind idle run steps next, as long as it does not lead the slowest.
            int64_t slowest = std::numeric_limits<int64_t>::max();
            for (size_t i = 0; i < n; ++i)
                if (!ended(i))
                    slowest = std::min(slowest, status[i].steps_done);
            while (in_flight < workers) {
                size_t pick = n;
                for (size_t i = 0; i < n; ++i) {
                    if (busy[i] || ended(i) || static_cast<int>(i) == controls.snapshot.load())
                        continue;
                    if (status[i].steps_done >= slowest + kMaxLead)
                        continue;
                    if (pick == n || status[i].steps_done < status[pick].steps_done)
                        pick = i;
                }
                if (pick == n)
                    break;
                busy[pick] = true;
                ++in_flight;

                {
                    std::lock_guard<std::mutex> lock(q.mutex);
                    q.todo.push_back(pick);
                }
                q.work.notify_one();
            }
        } else if (pausing && in_flight == 0 && !paused) {
            paused = true;
            paused_since = Clock::now();
            report();
            observer.on_paused(true);
        }

        bool all_ended = true;
        for (size_t i = 0; i < n; ++i)
            all_ended = all_ended && ended(i);
        if (in_flight == 0 && (stopping || all_ended))
            break;
        if (changed || Clock::now() - last_report >= interval)
            report();

        std::unique_lock<std::mutex> lock(q.mutex);
        const auto wait = (paused || controls.snapshot.load() >= 0)
                              ? std::min<Clock::duration>(kPoll, interval)
                              : Clock::duration(interval);
        q.done.wait_for(lock, wait, [&] { return !q.stepped.empty(); });
    }

    {
        std::lock_guard<std::mutex> lock(q.mutex);
        q.quit = true;
    }
    q.work.notify_all();
    for (auto& t : threads)
        t.join();
    m_peak = q.peak.load();
    if (paused)
        observer.on_paused(false);
    // The unfinished runs keep a checkpoint to resume from (a no-op for those that are done).
    for (size_t i = 0; i < n; ++i) {
        runs[i]->stop();
        status[i] = status_of(*runs[i], status[i].steps_at_start);
        runs[i]->set_callback(nullptr);
    }
    release(true);
    observer.on_progress(status, training_seconds());
}

} // namespace reslab
