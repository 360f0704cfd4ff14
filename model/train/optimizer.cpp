#include "optimizer.h"

#include <stdexcept>
#include <string>

#include <torch/utils.h>

namespace reslab {

FlatSGD::FlatSGD(std::vector<torch::Tensor> parameters,
                 double momentum,
                 double weight_decay,
                 bool nesterov)
    : m_parameters(std::move(parameters)), m_momentum(momentum), m_weight_decay(weight_decay),
      m_nesterov(nesterov) {
    if (m_parameters.empty())
        throw std::invalid_argument("SGD needs at least one parameter");
    if (nesterov && momentum <= 0.0)
        throw std::invalid_argument("Nesterov momentum needs a momentum above 0");
    const torch::TensorOptions options = m_parameters.front().options();
    int64_t total = 0;
    for (const auto& p : m_parameters) {
        if (p.scalar_type() != options.dtype().toScalarType() || p.device() != options.device())
            throw std::invalid_argument("SGD's parameters must share one dtype and device");
        if (!p.is_non_overlapping_and_dense())
            throw std::invalid_argument("SGD's parameters must be dense tensors");
        m_offsets.push_back(total);
        total += p.numel();
    }
    torch::NoGradGuard no_grad;
    m_flat_parameters = torch::empty({total}, options.requires_grad(false));
    m_flat_gradients = torch::zeros({total}, options.requires_grad(false));
    for (size_t i = 0; i < m_parameters.size(); ++i) {
        torch::Tensor& p = m_parameters[i];
        torch::Tensor values = view(m_flat_parameters, i);
        values.copy_(p);
        p.set_data(values);
        p.mutable_grad() = view(m_flat_gradients, i);
    }
}

torch::Tensor FlatSGD::view(const torch::Tensor& flat, size_t i) const {
    const torch::Tensor& p = m_parameters[i];
    return flat.as_strided(p.sizes(), p.strides(), m_offsets[i]);
}

void FlatSGD::zero_grad() {
    torch::NoGradGuard no_grad;
    m_flat_gradients.zero_();
}

torch::Tensor FlatSGD::direction() {
    // torch.optim.SGD's arithmetic, each line over every parameter at once.
    torch::Tensor d = m_flat_gradients;
    if (m_weight_decay != 0.0)
        d = d.add(m_flat_parameters, m_weight_decay);
    if (m_momentum != 0.0) {
        if (!m_flat_momentum.defined())
            m_flat_momentum = d.clone();
        else
            m_flat_momentum.mul_(m_momentum).add_(d);
        d = m_nesterov ? d.add(m_flat_momentum, m_momentum) : m_flat_momentum;
    }
    return d;
}

void FlatSGD::step(double lr) {
    torch::NoGradGuard no_grad;
    m_flat_parameters.add_(direction(), -lr);
}

void FlatSGD::step(const torch::Tensor& lr) {
    torch::NoGradGuard no_grad;
    m_flat_parameters.addcmul_(direction(), lr, /*value=*/-1);
}

torch::Tensor FlatSGD::momentum(size_t i) const {
    return m_flat_momentum.defined() ? view(m_flat_momentum, i) : torch::Tensor();
}

void FlatSGD::set_momentum(const std::vector<torch::Tensor>& buffers) {
    if (buffers.empty()) {
        m_flat_momentum = torch::Tensor();
        return;
    }
    if (buffers.size() != m_parameters.size())
        throw std::invalid_argument("momentum for " + std::to_string(buffers.size()) + " of " +
                                    std::to_string(m_parameters.size()) + " parameters");
    torch::NoGradGuard no_grad;
    torch::Tensor flat = torch::empty_like(m_flat_parameters);
    for (size_t i = 0; i < buffers.size(); ++i) {
        if (buffers[i].sizes() != m_parameters[i].sizes())
            throw std::invalid_argument(
                "a momentum buffer of shape " + c10::str(buffers[i].sizes()) +
                " for a parameter of shape " + c10::str(m_parameters[i].sizes()));
        view(flat, i).copy_(buffers[i]);
    }
    m_flat_momentum = flat;
}

} // namespace reslab
