#pragma once

#include <torch/nn/modules/batchnorm.h>
#include <torch/types.h>

namespace reslab {

/// bn(x), as torch::nn::BatchNorm2d computes it, through a kernel of ResLab's own where LibTorch's
/// is slow: training mode on the CPU, float32, channels-last. There LibTorch's batch norm cost a
/// quarter of plain-56's training step at 8 channels (0.27 ms forward and 0.33 ms backward for a
/// 128 x 8 x 14 x 14 batch, against 0.02 ms for a ReLU of the same size). Ours makes three passes
/// forward and two backward over contiguous memory, sums in fixed chunks so that the result does
/// not depend on the thread count, and updates the running statistics as PyTorch does (momentum,
/// unbiased running variance, num_batches_tracked). Anything else goes to bn->forward(x).
torch::Tensor batch_norm(torch::nn::BatchNorm2d& bn, const torch::Tensor& x);

/// relu(batch_norm(bn, x)), the same bits, in one pass where batch_norm takes ResLab's kernel: the
/// ReLU is applied as the normalised values are written, and its backward masks the gradient as
/// the batch norm's backward reads it, so the two passes of a separate ReLU (clamp_min forward,
/// threshold_backward backward) are gone. bench_batchnorm_speed, 128 x 8 x 14 x 14 on one thread
/// of an AVX2 EPYC: 0.73 ms forward and backward against 1.25 ms for batch_norm then torch::relu.
torch::Tensor batch_norm_relu(torch::nn::BatchNorm2d& bn, const torch::Tensor& x);
/// relu(batch_norm(bn, x) + identity), the same bits, the sum and the ReLU made as the normalised
/// values are written: a residual block's end. Backward, the ReLU's gradient is made once and is
/// both the identity's gradient and the batch norm's dy. On the same bench: 0.95 ms against 1.38.
/// Where the identity is not float32 and channels-last of x's shape, the three operations apart.
torch::Tensor batch_norm_add_relu(torch::nn::BatchNorm2d& bn,
                                  const torch::Tensor& x,
                                  const torch::Tensor& identity);

/// Whether batch_norm(bn, x) takes ResLab's kernel rather than LibTorch's.
bool uses_own_batch_norm(const torch::nn::BatchNorm2d& bn, const torch::Tensor& x);

/// The kernel's loops run on AVX2's 8-float vectors where the processor has AVX2, else on SSE2's
/// 4, with the same bits (no FMA; each lane sums in the same order). set_batch_norm_avx2(false)
/// holds every thread to the SSE2 loops, for a test or a benchmark to compare; it returns whether
/// the processor has AVX2 (where it has not, the loops stay SSE2 whatever `on` says).
bool set_batch_norm_avx2(bool on);
/// Whether the loops run on AVX2 now.
bool batch_norm_avx2();

/// Sums tensors over the processes of a data-parallel job, for a synchronised batch norm
/// (model/train/distributed implements it on a c10d process group).
class BatchNormReducer {
public:
    virtual ~BatchNormReducer() = default;
    /// Sums t (float64, contiguous, the same length on every process) in place over the processes.
    virtual void all_reduce_sum(torch::Tensor& t) = 0;
};

/// While one is alive, every batch_norm() on this thread in training mode normalises over the
/// batch of every process, as torch.nn.SyncBatchNorm does: forward sums each channel's count and
/// sum over the processes, then the sum of squared deviations from that global mean (two passes,
/// as the kernel above, so that a large mean costs no precision); backward sums each channel's
/// sum(dy) and sum(dy (x - mean)) over the processes, so that dx is the gradient of the global
/// batch's normalisation. The weight's and bias's gradients stay this process's own (the job's
/// gradient averaging sums them), and the running statistics take the global mean and the global
/// unbiased variance. Every process must run the same batch norms in the same order. A null
/// reducer (or none) leaves batch_norm() per process.
class SyncBatchNormScope {
public:
    explicit SyncBatchNormScope(BatchNormReducer* reducer);
    ~SyncBatchNormScope();
    SyncBatchNormScope(const SyncBatchNormScope&) = delete;
    SyncBatchNormScope& operator=(const SyncBatchNormScope&) = delete;

private:
    BatchNormReducer* m_previous;
};

/// Whether batch_norm() on this thread normalises over every process's batch now.
bool batch_norm_synced();

} // namespace reslab
