#pragma once

#include <ATen/autocast_mode.h>
#include <c10/core/Device.h>
#include <torch/version.h>

namespace reslab {

/// bfloat16 autocast on the run's device for the scope of one forward pass, as Python's
/// torch.autocast does it; no-op when the run trains in float32.
class Autocast {
public:
    Autocast(torch::Device device, bool enabled) : m_type(device.type()), m_enabled(enabled) {
        if (m_enabled)
            set(true);
    }
    ~Autocast() {
        if (!m_enabled)
            return;
        if (at::autocast::decrement_nesting() == 0)
            at::autocast::clear_cache();
        set(false);
    }
    Autocast(const Autocast&) = delete;
    Autocast& operator=(const Autocast&) = delete;

private:
    void set(bool on) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        at::autocast::set_autocast_dtype(m_type, at::kBFloat16);
        at::autocast::set_autocast_enabled(m_type, on);
#else
        if (m_type == c10::DeviceType::CUDA) {
            at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
            at::autocast::set_enabled(on);
        } else {
            at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
            at::autocast::set_cpu_enabled(on);
        }
#endif
        if (on)
            at::autocast::increment_nesting();
    }
    c10::DeviceType m_type;
    bool m_enabled;
};

} // namespace reslab
