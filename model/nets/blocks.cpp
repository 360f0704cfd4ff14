#include "blocks.h"

#include "batchnorm.h"

#include <stdexcept>

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/padding.h>

namespace reslab {
namespace F = torch::nn::functional;
namespace {

torch::nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride) {
    return torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, out, /*kernel_size=*/3).stride(stride).padding(1).bias(false));
}

torch::nn::Conv2d conv1x1(int64_t in, int64_t out, int64_t stride) {
    return torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, out, /*kernel_size=*/1).stride(stride).bias(false));
}

void record(BlockTrace* trace, const char* name, const torch::Tensor& response) {
    if (!trace)
        return;
    trace->response_names.emplace_back(name);
    trace->responses.push_back(response);
}

} // namespace

ResidualBlockImpl::ResidualBlockImpl(
    int64_t in, int64_t out, int64_t stride_, Shortcut shortcut, bool residual_)
    : in_planes(in), out_planes(out), stride(stride_), residual(residual_),
      shortcut_option(shortcut) {}

void ResidualBlockImpl::register_shortcut() {
    const bool project = residual && (shortcut_option == Shortcut::C ||
                                      (shortcut_option == Shortcut::B && reshapes()));
    if (project)
        downsample = register_module("downsample",
                                     torch::nn::Sequential(conv1x1(in_planes, out_planes, stride),
                                                           torch::nn::BatchNorm2d(out_planes)));
}

torch::Tensor ResidualBlockImpl::shortcut(const torch::Tensor& x) {
    if (downsample) {
        if (m_folded)
            return downsample->ptr(0)->as<torch::nn::Conv2d>()->forward(x);
        if (!batch_norm_synced())
            return downsample->forward(x);
        // A synchronised BN must see the projection's BN too, which Sequential would call itself.
        torch::nn::BatchNorm2d bn(
            std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(downsample->ptr(1)));
        const auto conv = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(downsample->ptr(0));
        return batch_norm(bn, conv->forward(x));
    }
    if (!reshapes())
        return x;
    // Option A: subsample by striding and zero-pad the new channels, half before and half after, as
    // the widely used CIFAR reproduction does, so its weights load unchanged.
    using namespace torch::indexing;
    const int64_t extra = out_planes - in_planes;
    torch::Tensor identity =
        x.index({Slice(), Slice(), Slice(None, None, stride), Slice(None, None, stride)});
    return F::pad(identity, F::PadFuncOptions({0, 0, 0, 0, extra / 2, extra - extra / 2}));
}

torch::Tensor ResidualBlockImpl::add_shortcut(const torch::Tensor& x,
                                              const torch::Tensor& branch,
                                              BlockTrace* trace) {
    torch::Tensor out;
    torch::Tensor identity;
    if (!residual) {
        out = branch;
    } else {
        identity = shortcut(x);
        out = branch + identity;
    }
    out = torch::relu(out);
    if (trace) {
        trace->input = x;
        trace->branch = branch;
        trace->shortcut = identity;
        trace->output = out;
    }
    return out;
}

torch::Tensor ResidualBlockImpl::forward_without_branch(const torch::Tensor& x) {
    if (residual)
        return torch::relu(shortcut(x));
    if (reshapes())
        throw std::logic_error("a plain block that changes the shape cannot be removed");
    return x;
}

torch::Tensor ResidualBlockImpl::conv_norm(torch::nn::Conv2d& conv,
                                           torch::nn::BatchNorm2d& bn,
                                           const torch::Tensor& x) {
    return m_folded ? conv->forward(x) : batch_norm(bn, conv->forward(x));
}

torch::Tensor ResidualBlockImpl::conv_norm_relu(torch::nn::Conv2d& conv,
                                                torch::nn::BatchNorm2d& bn,
                                                const torch::Tensor& x) {
    return m_folded ? torch::relu(conv->forward(x)) : batch_norm_relu(bn, conv->forward(x));
}

torch::Tensor ResidualBlockImpl::conv_norm_add_relu(torch::nn::Conv2d& conv,
                                                    torch::nn::BatchNorm2d& bn,
                                                    const torch::Tensor& x,
                                                    const torch::Tensor& identity) {
    return m_folded ? torch::relu(conv->forward(x) + identity)
                    : batch_norm_add_relu(bn, conv->forward(x), identity);
}

void ResidualBlockImpl::fold_batch_norm() {
    for (auto& [conv, bn] : conv_norms())
        fold_into(conv, bn);
    if (downsample) {
        torch::nn::Conv2d conv(
            std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(downsample->ptr(0)));
        const torch::nn::BatchNorm2d bn(
            std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(downsample->ptr(1)));
        fold_into(conv, bn);
    }
    m_folded = true;
}

void fold_into(torch::nn::Conv2d& conv, const torch::nn::BatchNorm2d& bn) {
    if (conv->options.bias())
        throw std::logic_error("fold_into: the convolution has a bias of its own");
    torch::NoGradGuard no_grad;
    // eval-mode BN: y = (x - mean) / sqrt(var + eps) * weight + bias = x * factor + shift.
    const torch::Tensor inverse_std = bn->running_var.add(bn->options.eps()).rsqrt();
    const torch::Tensor factor = bn->weight.defined() ? inverse_std * bn->weight : inverse_std;
    conv->weight.mul_(factor.view({-1, 1, 1, 1}));
    const torch::Tensor moved_mean = bn->running_mean * factor;
    conv->bias = bn->bias.defined() ? bn->bias - moved_mean : moved_mean.neg();
}

BasicBlockImpl::BasicBlockImpl(
    int64_t in_planes, int64_t planes, int64_t stride, Shortcut shortcut, bool residual)
    : ResidualBlockImpl(in_planes, planes * kExpansion, stride, shortcut, residual) {
    conv1 = register_module("conv1", conv3x3(in_planes, planes, stride));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
    conv2 = register_module("conv2", conv3x3(planes, planes, 1));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
    register_shortcut();
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x, BlockTrace* trace) {
    if (!trace) {
        // Nothing records the batch norms' outputs before their ReLU: each BN and its ReLU in one.
        torch::Tensor out = conv_norm_relu(conv1, bn1, x);
        if (!residual)
            return conv_norm_relu(conv2, bn2, out);
        return conv_norm_add_relu(conv2, bn2, out, shortcut(x));
    }
    torch::Tensor out = conv_norm(conv1, bn1, x);
    record(trace, "conv1", out);
    out = conv_norm(conv2, bn2, torch::relu(out));
    record(trace, "conv2", out);
    return add_shortcut(x, out, trace);
}

std::vector<std::pair<torch::nn::Conv2d, torch::nn::BatchNorm2d>> BasicBlockImpl::conv_norms() {
    return {{conv1, bn1}, {conv2, bn2}};
}

BottleneckImpl::BottleneckImpl(
    int64_t in_planes, int64_t planes, int64_t stride, Shortcut shortcut, bool residual)
    : ResidualBlockImpl(in_planes, planes * kExpansion, stride, shortcut, residual) {
    conv1 = register_module("conv1", conv1x1(in_planes, planes, 1));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
    conv2 = register_module("conv2", conv3x3(planes, planes, stride));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
    conv3 = register_module("conv3", conv1x1(planes, planes * kExpansion, 1));
    bn3 = register_module("bn3", torch::nn::BatchNorm2d(planes * kExpansion));
    register_shortcut();
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x, BlockTrace* trace) {
    if (!trace) {
        torch::Tensor out = conv_norm_relu(conv2, bn2, conv_norm_relu(conv1, bn1, x));
        if (!residual)
            return conv_norm_relu(conv3, bn3, out);
        return conv_norm_add_relu(conv3, bn3, out, shortcut(x));
    }
    torch::Tensor out = conv_norm(conv1, bn1, x);
    record(trace, "conv1", out);
    out = conv_norm(conv2, bn2, torch::relu(out));
    record(trace, "conv2", out);
    out = conv_norm(conv3, bn3, torch::relu(out));
    record(trace, "conv3", out);
    return add_shortcut(x, out, trace);
}

std::vector<std::pair<torch::nn::Conv2d, torch::nn::BatchNorm2d>> BottleneckImpl::conv_norms() {
    return {{conv1, bn1}, {conv2, bn2}, {conv3, bn3}};
}

} // namespace reslab
