#include "cuda_step.h"

#include <optional>
#include <stdexcept>

#if defined(RESLAB_WITH_CUDA) && __has_include(<ATen/cuda/CUDAGraph.h>)
#include <ATen/autocast_mode.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#define RESLAB_CUDA_GRAPHS 1
#endif

namespace reslab {

struct CudaStep::Impl {
#if defined(RESLAB_CUDA_GRAPHS)
    std::optional<c10::cuda::CUDAStream> stream;
    std::unique_ptr<at::cuda::CUDAGraph> graph;
#endif
};

CudaStep::CudaStep(torch::Device device) : m_impl(std::make_unique<Impl>()) {
#if defined(RESLAB_CUDA_GRAPHS)
    if (device.is_cuda())
        m_impl->stream = c10::cuda::getStreamFromPool(
            /*isHighPriority=*/false,
            device.has_index() ? device.index() : c10::cuda::current_device());
#else
    (void)device;
#endif
}

CudaStep::~CudaStep() = default;

bool CudaStep::graphs_supported() {
#if defined(RESLAB_CUDA_GRAPHS)
    return true;
#else
    return false;
#endif
}

void CudaStep::on_stream(const std::function<void()>& fn) {
#if defined(RESLAB_CUDA_GRAPHS)
    if (m_impl->stream) {
        c10::cuda::CUDAStreamGuard guard(*m_impl->stream);
        fn();
        return;
    }
#endif
    fn();
}

void CudaStep::capture(const std::function<void()>& fn) {
#if defined(RESLAB_CUDA_GRAPHS)
    if (!m_impl->stream)
        throw std::runtime_error("a CUDA graph needs a run on a CUDA device");
    c10::cuda::CUDAStreamGuard guard(*m_impl->stream);
    m_impl->stream->synchronize(); // the eager warm-up steps are done
    auto graph = std::make_unique<at::cuda::CUDAGraph>();
    // Autocast's cache of cast weights would be captured as allocations a replay then reads stale,
    // so it is off during the capture (as torch.cuda.graph does it).
    const bool cache = at::autocast::is_autocast_cache_enabled();
    at::autocast::set_autocast_cache_enabled(false);
    try {
        graph->capture_begin();
        try {
            fn();
        } catch (...) {
            graph->capture_end();
            throw;
        }
        graph->capture_end();
    } catch (const std::exception& e) {
        at::autocast::set_autocast_cache_enabled(cache);
        throw std::runtime_error(std::string("the CUDA graph capture failed: ") + e.what());
    }
    at::autocast::set_autocast_cache_enabled(cache);
    m_impl->graph = std::move(graph);
#else
    (void)fn;
    throw std::runtime_error("this LibTorch was built without CUDA graphs");
#endif
}

bool CudaStep::captured() const {
#if defined(RESLAB_CUDA_GRAPHS)
    return m_impl->graph != nullptr;
#else
    return false;
#endif
}

void CudaStep::replay() {
#if defined(RESLAB_CUDA_GRAPHS)
    if (!m_impl->graph)
        throw std::logic_error("replay() before capture()");
    c10::cuda::CUDAStreamGuard guard(*m_impl->stream);
    m_impl->graph->replay();
#else
    throw std::logic_error("replay() without CUDA graphs");
#endif
}

} // namespace reslab
