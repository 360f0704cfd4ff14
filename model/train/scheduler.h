#pragma once
// The one step loop: reslab-cli and the window's training thread both drive an experiment through
// a Scheduler, which trains its runs side by side on worker threads.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "train/experiment.h"

namespace reslab {

/// How an experiment's runs share the cores: parallel_runs of them step at once, each on a worker
/// thread of its own with threads_per_run LibTorch intra-op threads.
struct CoreSplit {
    int parallel_runs = 1;
    int threads_per_run = 1;
    std::string reason; // why, in a few words: "small nets side by side", "--threads 2"

    /// "4 runs side by side, 1 thread each" or "one run at a time, 2 threads".
    std::string describe() const;
};

/// The split for an experiment's runs on `cores` cores. A choice the user made (parallel_runs or
/// threads > 0) wins; otherwise small nets train side by side with one thread each (intra-op
/// threads do little for them, runs side by side nearly the cores' count more) and a big net gets
/// every core, as do runs whose activations would not fit in memory side by side. CUDA runs share
/// their GPU and step one at a time. threads is capped at the core count.
CoreSplit choose_split(const Experiment& experiment, int cores, int parallel_runs, int threads);

/// Where one run stands, as the scheduler saw it between two of its steps.
struct RunStatus {
    std::string name;
    Run::State state = Run::State::Ready;
    std::string message;
    int64_t steps_done = 0;
    int64_t steps_at_start = 0; // a resumed run's steps before this session
    int64_t total_steps = 0;
    int64_t batch_size = 0;
    StepRecord last_train;
    EvalRecord last_eval;
    double final_train_error = std::numeric_limits<double>::quiet_NaN();
};

/// One record of the experiment's run number `run`.
struct RunRecord {
    int run = 0;
    MetricRecord record;
};

/// What the owner asks of a scheduler while it trains; set from any thread, read between steps.
struct TrainingControls {
    std::atomic<bool> stop{false};
    std::atomic<bool> pause{false};
    std::atomic<int> snapshot{-1}; // a run whose weights on_snapshot should be shown; -1: none
};

/// What a scheduler reports, always on the thread that called Scheduler::run.
class TrainingObserver {
public:
    virtual ~TrainingObserver() = default;
    /// Records in step order across runs: none of step s goes out before every unfinished run has
    /// done step s, so no run races ahead on screen.
    virtual void on_records(const std::vector<RunRecord>& records) { (void)records; }
    /// Every progress interval, and when something changes. seconds: time spent training in this
    /// session, pauses left out.
    virtual void on_progress(const std::vector<RunStatus>& runs, double seconds) {
        (void)runs;
        (void)seconds;
    }
    virtual void on_paused(bool paused) { (void)paused; }
    /// The net of run `run` between two of its steps: nothing trains it during this call.
    virtual void on_snapshot(int run, const ResNetImpl& net, int64_t step) {
        (void)run;
        (void)net;
        (void)step;
    }
};

/// Trains an experiment's runs side by side, as a CoreSplit says, stepping next whichever run is
/// furthest behind. A run's numbers do not depend on what trains beside it: it computes alone on
/// its worker, with its own data order, augmentation and intra-op thread count. Pause and stop act
/// on every run at its next step boundary; a run that fails or diverges leaves the others going.
class Scheduler {
public:
    Scheduler(Experiment& experiment, CoreSplit split);

    /// Trains until every run is done or controls.stop; then every unfinished run writes its
    /// checkpoint and is Stopped. Reports to observer every `interval`.
    void
    run(TrainingControls& controls, TrainingObserver& observer, std::chrono::milliseconds interval);

    const CoreSplit& split() const { return m_split; }
    /// The most steps that computed at the same moment during run() (at most parallel_runs).
    int peak_parallel() const { return m_peak; }

private:
    Experiment& m_experiment;
    CoreSplit m_split;
    int m_peak = 0;
};

} // namespace reslab
