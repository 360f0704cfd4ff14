#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/types.h>

#include "nets/batchnorm.h"

namespace reslab {

/// A distributed job could not be set up or one of its collectives failed (a rank died, hung
/// past the timeout, or the rendezvous never completed); the message says which and why.
struct DistributedError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Where this process stands in a job, as torchrun (and reslab-cli --nproc) tell it: RANK,
/// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT.
struct DistributedEnv {
    int rank = 0;
    int world_size = 1;
    int local_rank = 0;
    std::string master_addr = "127.0.0.1";
    int master_port = 29500;
};

/// The job this process belongs to, from the environment; nullopt when WORLD_SIZE is unset or 1.
/// Throws DistributedError naming the variable that is missing or malformed.
std::optional<DistributedEnv> distributed_env_from_environment();

/// What a rank whose collective `number` timed out says of another rank, `rank` of `world`, from
/// the counts that rank left in the store (collectives entered, and finished): empty when it
/// finished collective `number` too, else that it did not join it or joined and did not finish it.
std::string laggard_words(int rank, int world, int64_t number, int64_t entered, int64_t finished);

/// A TCP port that was free a moment ago on 127.0.0.1, for a job's rendezvous on one machine (as
/// torchrun picks one for --standalone: another process could take it in between, which the
/// rendezvous then reports). Throws DistributedError when there is none.
int free_local_port();

/// Throws DistributedError unless a data-parallel job can train on device ("cpu", "cuda",
/// "cuda:N"): Gloo over CPU tensors can; GPUs need NCCL, which ResLab's process group does not
/// drive, and which a LibTorch without CUDA (Debian's) does not have. The message says which is
/// missing and what to do instead.
void check_distributed_device(const std::string& device);

/// The default timeout of every collective and of the rendezvous (PyTorch's is 30 minutes; a job
/// of small steps on one machine should not wait that long for a dead rank).
constexpr std::chrono::milliseconds kDefaultDistributedTimeout{60000};

/// A collective in flight (ProcessGroup::all_reduce_sum_async).
class PendingCollective {
public:
    virtual ~PendingCollective() = default;
    /// Waits for it on every rank; throws DistributedError as the blocking calls do.
    virtual void wait() = 0;
};

/// A c10d process group over Gloo (CPU tensors): the TCPStore rendezvous at MASTER_ADDR:
/// MASTER_PORT (rank 0 serves it) and the collectives ResLab uses. Blocking: each call waits for
/// its collective to finish on every rank, or throws DistributedError after the timeout.
class ProcessGroup {
public:
    explicit ProcessGroup(const DistributedEnv& env,
                          std::chrono::milliseconds timeout = kDefaultDistributedTimeout);
    ~ProcessGroup();
    ProcessGroup(const ProcessGroup&) = delete;
    ProcessGroup& operator=(const ProcessGroup&) = delete;

    int rank() const { return m_env.rank; }
    int world_size() const { return m_env.world_size; }
    std::chrono::milliseconds timeout() const { return m_timeout; }

    /// Sums each tensor in place over the ranks.
    void all_reduce_sum(std::vector<torch::Tensor>& tensors);
    /// The same, started: the tensors hold the sums once wait() has returned. Every rank must
    /// start its collectives in the same order.
    std::unique_ptr<PendingCollective> all_reduce_sum_async(std::vector<torch::Tensor>& tensors);
    /// Overwrites each tensor with root's.
    void broadcast(std::vector<torch::Tensor>& tensors, int root = 0);
    /// Whether any rank passed true (every rank gets the same answer).
    bool any(bool mine);
    void barrier();

private:
    struct Impl;
    DistributedEnv m_env;
    std::chrono::milliseconds m_timeout;
    std::unique_ptr<Impl> m_impl;
};

/// The process group a distributed training job uses, like torch.distributed's default group:
/// reslab-cli sets it when started as a worker; a Run built while it is set trains as one rank.
/// Null (the default): every run trains alone.
void set_default_process_group(std::shared_ptr<ProcessGroup> group);
std::shared_ptr<ProcessGroup> default_process_group();

/// A synchronised batch norm's sums (SyncBatchNormScope) over a process group's ranks.
class GroupBatchNormReducer : public BatchNormReducer {
public:
    explicit GroupBatchNormReducer(ProcessGroup& group) : m_group(group) {}
    void all_reduce_sum(torch::Tensor& t) override;

private:
    ProcessGroup& m_group;
};

/// Copies rank 0's parameters and buffers (BN statistics too) into every rank's module, as
/// DistributedDataParallel does when it is constructed.
void broadcast_module(ProcessGroup& group, torch::nn::Module& module);

/// Averages gradients over the ranks, in buckets of about bucket_bytes: each bucket's gradients
/// are divided by the world size, flattened into one buffer, summed by one all-reduce and copied
/// back (DDP's default of 25 MiB a bucket, and its divide-then-sum order).
///
/// With overlap (the default; RESLAB_DDP_OVERLAP=0 turns it off), a bucket is all-reduced while
/// backward still runs, as DDP's C++ Reducer does: a post-hook on each parameter's AccumulateGrad
/// node (the autograd node that adds a leaf's gradient into .grad()) counts the bucket's
/// gradients in, and a bucket whose gradients are all accumulated is flattened and its all-reduce
/// started asynchronously; buckets start in their fixed order on every rank (a bucket that
/// completes early waits for the ones before it), and average() then starts whatever is left and
/// waits for all. The buckets and the sums are the same as after backward, so the results are
/// bit for bit those of the path without overlap.
class GradientAverager {
public:
    static constexpr int64_t kDefaultBucketBytes = 25 * 1024 * 1024;

    GradientAverager(std::vector<torch::Tensor> parameters,
                     int64_t bucket_bytes = kDefaultBucketBytes,
                     std::optional<bool> overlap = std::nullopt);
    ~GradientAverager();
    GradientAverager(const GradientAverager&) = delete;
    GradientAverager& operator=(const GradientAverager&) = delete;

    /// Before backward: with overlap, buckets start as their gradients come in.
    void prepare(ProcessGroup& group);
    /// After backward: every parameter's gradient replaced by its mean over the ranks
    /// (parameters without a gradient count as zeros, so every rank all-reduces the same
    /// buffers).
    void average(ProcessGroup& group);
    size_t buckets() const { return m_buckets.size(); }
    bool overlaps() const { return !m_accumulators.empty(); }
    /// Seconds spent in the last average(): the communication backward did not hide (flatten,
    /// all-reduce, copy back, or waiting for the buckets started during backward).
    double last_seconds() const { return m_last_seconds; }

private:
    struct Hook;
    void accumulated(size_t parameter);
    void start(size_t bucket);

    std::vector<torch::Tensor> m_parameters;
    std::vector<std::vector<size_t>> m_buckets; // parameter indices, in reverse order as DDP's
    std::vector<size_t> m_bucket_of;
    // With overlap: each parameter's AccumulateGrad node (kept alive: a leaf holds it weakly)
    // and the key of the hook on it.
    std::vector<std::shared_ptr<void>> m_accumulators;
    std::vector<uintptr_t> m_hook_keys;
    ProcessGroup* m_armed = nullptr;   // set between prepare() and average()
    std::vector<size_t> m_missing;     // per bucket: gradients not yet accumulated
    size_t m_next = 0;                 // the next bucket to start
    std::vector<torch::Tensor> m_flat; // per bucket: its buffer once started
    std::vector<std::unique_ptr<PendingCollective>> m_pending;
    double m_last_seconds = 0.0;
};

/// PyTorch's DistributedSampler(shuffle=True, seed, drop_last) for one rank and epoch: the
/// permutation torch.randperm(n) of a generator seeded seed + epoch, padded by repeating its start
/// to a multiple of world (or cut to one, with drop_last), then indices[rank::world].
torch::Tensor distributed_sampler_indices(
    int64_t n, int world, int rank, uint64_t seed, int64_t epoch, bool drop_last = false);

/// The same sharding rule over any order of indices (a global batch): order[rank::world], padded
/// as DistributedSampler pads when its length is not a multiple of world.
torch::Tensor shard_of(const torch::Tensor& order, int world, int rank, bool drop_last = false);

} // namespace reslab
