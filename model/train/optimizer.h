#pragma once

#include <vector>

#include <torch/types.h>

namespace reslab {

/// SGD with momentum, weight decay and optional Nesterov momentum, as torch.optim.SGD computes it
/// (dampening 0), over every parameter of a net at once. The parameters, their gradients and their
/// momenta each live in one flat buffer (the parameters and gradients become views into them), so
/// a step is four ops however many tensors the net has: plain-56 has 170, and a per-tensor loop
/// spent as long launching its ~850 small ops as the largest convolution takes.
class FlatSGD {
public:
    /// Takes the parameters over: their values move into the flat buffer and each becomes a view
    /// of it with its own shape and strides (channels-last stays channels-last). All must share
    /// one dtype and device. Throws std::invalid_argument otherwise.
    FlatSGD(std::vector<torch::Tensor> parameters,
            double momentum,
            double weight_decay,
            bool nesterov);

    /// Zeroes every gradient (one op). Backward then adds into the views, which it keeps.
    void zero_grad();
    /// One SGD step at this learning rate.
    void step(double lr);
    /// The same with the rate in a 0-dim tensor on the parameters' device: a CUDA graph replays it
    /// with whatever rate the tensor holds then.
    void step(const torch::Tensor& lr);

    size_t size() const { return m_parameters.size(); }
    /// Parameter i's momentum buffer, a view; undefined before the first step.
    torch::Tensor momentum(size_t i) const;
    /// Loads momentum buffers (one per parameter, in order, or none: the state before the first
    /// step). Throws std::invalid_argument when a shape does not match.
    void set_momentum(const std::vector<torch::Tensor>& buffers);

private:
    torch::Tensor view(const torch::Tensor& flat, size_t i) const;
    /// The update before the rate: the gradient with weight decay and momentum applied.
    torch::Tensor direction();

    std::vector<torch::Tensor> m_parameters;
    std::vector<int64_t> m_offsets;
    torch::Tensor m_flat_parameters, m_flat_gradients, m_flat_momentum;
    double m_momentum, m_weight_decay;
    bool m_nesterov;
};

} // namespace reslab
