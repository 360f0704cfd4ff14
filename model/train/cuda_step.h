#pragma once
// Plain header (no CUDA types): what a run on a GPU needs beyond eager LibTorch. The real work is
// compiled only where the LibTorch found at configure time has CUDA (RESLAB_WITH_CUDA).

#include <functional>
#include <memory>

#include <torch/types.h>

namespace reslab {

/// A run's own CUDA stream and, once captured, its training step as a CUDA graph. The nets of the
/// degradation preset are so small that a GPU step is launch-bound (hundreds of kernels of a few
/// microseconds); a graph replays them with one launch. On a CPU device everything here runs fn
/// directly and nothing is captured.
class CudaStep {
public:
    explicit CudaStep(torch::Device device);
    ~CudaStep();
    CudaStep(const CudaStep&) = delete;
    CudaStep& operator=(const CudaStep&) = delete;

    /// Whether this build can capture CUDA graphs at all (a LibTorch with CUDA 11 or later).
    static bool graphs_supported();

    /// Runs fn with the run's stream current (graphs cannot be captured on the default stream).
    void on_stream(const std::function<void()>& fn);
    /// Captures fn into a graph without running it. fn must read its inputs from tensors that
    /// outlive the graph and write its results in place. Throws std::runtime_error when the
    /// capture fails (the run then goes on eagerly).
    void capture(const std::function<void()>& fn);
    bool captured() const;
    /// Runs the captured graph on the run's stream.
    void replay();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace reslab
