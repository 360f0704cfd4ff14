#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "data/dataset.h"
#include "io/runfolder.h"
#include "nets/resnet.h"
#include "train/config.h"
#include "train/cuda_step.h"
#include "train/devices.h"
#include "train/distributed.h"
#include "train/optimizer.h"
#include "train/records.h"
#include "train/runstate.h"

namespace reslab {

/// The data one run trains and evaluates on; runs with the same data config share one.
struct RunData {
    std::shared_ptr<const Dataset> train;
    std::shared_ptr<const Dataset> test; // the test split, or the held-out split
};

/// "cpu", "cuda" or "cuda:N" as a device; throws std::runtime_error naming what is available when
/// the LibTorch in use has no CUDA or sees no such GPU.
torch::Device parse_device(const std::string& name);

/// Loads the training and evaluation splits a config asks for. Throws DataError.
RunData load_run_data(const TrainConfig& config);

/// Trains one net, one step at a time, writing its run folder as it goes. The owner calls step()
/// until done(); records go to the callback as they are made.
class Run {
public:
    using State = RunState;
    using Callback = std::function<void(const Run&, const MetricRecord&)>;

    /// A new run. folder may be empty (nothing written); otherwise it is created and spec.json
    /// written. Throws on a bad config, unusable data, an unwritable folder or one that already
    /// holds a run (which is left untouched: resume it instead).
    Run(RunConfig config, RunData data, std::string folder)
        : Run(std::move(config), std::move(data), std::move(folder), false) {}
    /// Continues the run in folder from its last checkpoint, exactly as if it had not stopped; one
    /// that never wrote a checkpoint starts again from step 0.
    static std::unique_ptr<Run> resume(const std::string& folder, RunData data);
    /// Reads a run folder's spec.json.
    static RunConfig read_config(const std::string& folder);
    /// Throws RunFolderError if folder holds any of a run's files (a new run there would
    /// overwrite them).
    static void check_new_folder(const std::string& folder);

    void set_callback(Callback callback) { m_callback = std::move(callback); }

    /// One training step (and whatever records, evaluation and checkpoint fall on it). A loss that
    /// is NaN or infinite ends the run as Diverged; its last good checkpoint stays.
    void step();
    /// Writes the checkpoint and the trainer state now (the run can be resumed from here).
    void save_checkpoint();
    /// Writes the net's weights now to snapshots/step-NNNNNNNN.pth (the loss landscape's
    /// trajectory); TrainConfig::snapshots says when.
    void save_snapshot();
    /// Marks the run stopped by its user, with a checkpoint written; Failed, with the reason, when
    /// the checkpoint cannot be written.
    void stop();
    /// Marks the run failed (its worker threw); its last checkpoint stays. The message is what
    /// a user reads: LibTorch's backtrace is cut off, and memory that ran out says what to lower.
    void fail(const std::exception& error);

    bool done() const { return is_end(m_state); }
    State state() const { return m_state; }
    const std::string& message() const { return m_message; }
    const RunConfig& config() const { return m_config; }
    const std::string& name() const { return m_config.name; }
    const std::string& folder() const { return m_folder; }
    int64_t steps_done() const { return m_step; }
    int64_t total_steps() const { return m_total_steps; }
    int64_t steps_per_epoch() const { return m_steps_per_epoch; }
    const StepRecord& last_train() const { return m_last_train; }
    /// Running training error over the final window of steps (final_window()); NaN before it.
    double final_train_error() const;
    const EvalRecord& last_eval() const { return m_last_eval; }
    ResNet& net() { return m_net; }
    const RunData& data() const { return m_data; }
    torch::Device device() const { return m_device; }
    /// This process's rank and the job's world size (0 and 1 for a run that trains alone). A run
    /// built while default_process_group() is set to a group of several ranks trains as one rank
    /// of a data-parallel job: rank r takes every world-th image of each global batch (see
    /// step()), gradients are averaged before the optimiser's step, and only rank 0 writes the
    /// run folder and evaluates.
    int rank() const { return m_group ? m_group->rank() : 0; }
    int world_size() const { return m_group ? m_group->world_size() : 1; }
    /// Seconds the last step spent averaging gradients over the ranks (0 alone).
    double last_allreduce_seconds() const { return m_averager ? m_averager->last_seconds() : 0.0; }

    /// Test loss and error in eval mode: over the whole evaluation split, or, when whole is false
    /// and the config asks for it, over its fixed subset of eval_subset images.
    EvalRecord evaluate(bool whole = true);
    /// What the engine did differently from eager training, in a sentence ("training step replayed
    /// as a CUDA graph from step 4", or why it could not be); empty on a CPU.
    const std::string& engine_note() const { return m_note; }

private:
    Run(RunConfig config, RunData data, std::string folder, bool resuming);
    void emit(const MetricRecord& record);
    /// Writes status.json (best effort: the run goes on if the disk refuses it).
    void write_status();
    void record_train();
    bool read_back_counters();
    void load_trainer_state(const std::string& folder);
    torch::Tensor batch_indices(int64_t step);
    /// Forward, loss, backward and the optimiser on one batch, with the loss and error summed on
    /// the device; also what a CUDA graph captures (trace null, inputs in m_graph_x/y).
    void train_batch(const torch::Tensor& x, const torch::Tensor& y, double lr, NetTrace* trace);

    RunConfig m_config;
    RunData m_data;
    std::string m_folder;
    std::unique_ptr<MetricsWriter> m_metrics;
    ResNet m_net{nullptr};
    std::unique_ptr<FlatSGD> m_optimizer;
    torch::Device m_device{torch::kCPU};
    Callback m_callback;
    std::unique_ptr<CudaStep> m_cuda; // the run's stream and captured step on a GPU
    bool m_try_graph = false;
    torch::Tensor m_lr;                 // on a GPU: the learning rate as a device scalar
    torch::Tensor m_graph_x, m_graph_y; // the captured step's input and target buffers
    std::optional<ProbeRecord> m_probe; // taken by the current step
    std::string m_note;
    std::shared_ptr<ProcessGroup> m_group;               // set only in a job of several ranks
    std::unique_ptr<GradientAverager> m_averager;        // with m_group
    std::unique_ptr<GroupBatchNormReducer> m_bn_reducer; // with m_group and sync_bn

    State m_state = State::Ready;
    std::string m_message;
    int64_t m_step = 0;
    int64_t m_total_steps = 0;
    int64_t m_steps_per_epoch = 1;
    int64_t m_order_epoch = -1;
    torch::Tensor m_order;       // this epoch's permutation of the training set
    torch::Tensor m_eval_subset; // the test images scored between whole evaluations (sorted)

    // Summed in place on the device since the last read-back (every step on CPU; on CUDA only when
    // a record, an evaluation or a checkpoint needs them, so nothing syncs the GPU every step):
    torch::Tensor m_pending_loss;  // float64: sum of batch loss x batch size
    torch::Tensor m_pending_wrong; // int64
    int64_t m_pending_seen = 0;
    // Since the last train record:
    double m_loss_sum = 0.0;
    int64_t m_wrong = 0;
    int64_t m_seen = 0;
    double m_compute_seconds = 0.0;
    int64_t m_final_wrong = 0; // within the final window of steps
    int64_t m_final_seen = 0;
    double m_elapsed_before = 0.0; // seconds of earlier sessions of a resumed run
    std::chrono::steady_clock::time_point m_started;

    StepRecord m_last_train;
    EvalRecord m_last_eval;
};

} // namespace reslab
