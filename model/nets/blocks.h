#pragma once

#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

#include "spec.h"

namespace reslab {

/// What one block did with one input, for the probes and the inspector. Filled only on request,
/// so the training forward pays nothing for it.
struct BlockTrace {
    torch::Tensor input;    // x
    torch::Tensor branch;   // F(x): the residual branch, after its last BN, before the addition
    torch::Tensor shortcut; // what the shortcut adds (x, padded x, or the projection); undefined in
                            // plain nets
    torch::Tensor output;   // relu(F(x) + shortcut), or relu(F(x)) in a plain net
    std::vector<std::string>
        response_names; // "conv1", "conv2", ...: the layer each response follows
    std::vector<torch::Tensor>
        responses; // each BN's output, before ReLU or addition (paper, Fig. 7)
};

/// The common face of BasicBlock and Bottleneck, so a net can walk its blocks without knowing
/// which.
struct ResidualBlockImpl : torch::nn::Module {
    /// trace, when given, receives the block's intermediate tensors.
    virtual torch::Tensor forward(const torch::Tensor& x, BlockTrace* trace = nullptr) = 0;

    int64_t in_planes = 0;
    int64_t out_planes = 0;
    int64_t stride = 1;
    bool residual = true;
    Shortcut shortcut_option = Shortcut::B;
    torch::nn::Sequential downsample{nullptr}; // 1x1 conv + BN projection (options B and C)

    /// Whether the shortcut changes the shape (and so pads or projects).
    bool reshapes() const { return stride != 1 || in_planes != out_planes; }
    /// Whether the block can be taken out of the net at test time: a residual block always (its
    /// shortcut stays), a plain one only where it keeps the shape (it becomes the identity).
    bool removable() const { return residual || !reshapes(); }
    /// The block with its residual branch removed (the lesion of Veit et al. 2016): relu of the
    /// shortcut alone in a residual block, the identity in a plain one that keeps the shape.
    /// Throws std::logic_error for a plain block that changes the shape.
    torch::Tensor forward_without_branch(const torch::Tensor& x);
    /// Folds each batch norm (its parameters and running statistics as they are now) into the
    /// convolution before it, for evaluation: ResNetImpl::fold_batch_norm says how.
    void fold_batch_norm();

protected:
    ResidualBlockImpl(int64_t in, int64_t out, int64_t stride, Shortcut shortcut, bool residual);
    /// Registers downsample last, so the keys come in torchvision's order.
    void register_shortcut();
    torch::Tensor
    add_shortcut(const torch::Tensor& x, const torch::Tensor& branch, BlockTrace* trace);
    /// What the shortcut carries: x, x subsampled and zero-padded (option A), or the projection.
    torch::Tensor shortcut(const torch::Tensor& x);
    /// bn(conv(x)), or conv(x) alone once the batch norms are folded into the convolutions.
    torch::Tensor
    conv_norm(torch::nn::Conv2d& conv, torch::nn::BatchNorm2d& bn, const torch::Tensor& x);
    /// relu(conv_norm(conv, bn, x)), the batch norm and the ReLU in one kernel where it can.
    torch::Tensor
    conv_norm_relu(torch::nn::Conv2d& conv, torch::nn::BatchNorm2d& bn, const torch::Tensor& x);
    /// relu(conv_norm(conv, bn, x) + identity): a residual block's end, in one kernel where it can.
    torch::Tensor conv_norm_add_relu(torch::nn::Conv2d& conv,
                                     torch::nn::BatchNorm2d& bn,
                                     const torch::Tensor& x,
                                     const torch::Tensor& identity);
    /// The block's own convolutions, each with the batch norm that follows it.
    virtual std::vector<std::pair<torch::nn::Conv2d, torch::nn::BatchNorm2d>> conv_norms() = 0;

    bool m_folded = false;
};

/// Folds bn (eval mode: its running statistics) into conv, which has no bias of its own: scales
/// each output channel's filter by weight / sqrt(running_var + eps) in place and gives conv the
/// bias bias - running_mean * that scale, so that conv(x) is then bn(conv(x)) as it was, to float
/// rounding. The bias is not registered as a parameter: the net's state_dict keeps its keys.
void fold_into(torch::nn::Conv2d& conv, const torch::nn::BatchNorm2d& bn);

/// A residual block of two 3x3 convolutions (ResNet-18/34 and the CIFAR nets).
struct BasicBlockImpl : ResidualBlockImpl {
    static constexpr int64_t kExpansion = 1;
    BasicBlockImpl(
        int64_t in_planes, int64_t planes, int64_t stride, Shortcut shortcut, bool residual);
    torch::Tensor forward(const torch::Tensor& x, BlockTrace* trace = nullptr) override;

    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};

protected:
    std::vector<std::pair<torch::nn::Conv2d, torch::nn::BatchNorm2d>> conv_norms() override;
};

/// A 1x1-3x3-1x1 bottleneck block (ResNet-50/101/152). The stride sits on the 3x3 conv, as in
/// torchvision ("ResNet V1.5"), not on the first 1x1 conv as in the paper.
struct BottleneckImpl : ResidualBlockImpl {
    static constexpr int64_t kExpansion = 4;
    BottleneckImpl(
        int64_t in_planes, int64_t planes, int64_t stride, Shortcut shortcut, bool residual);
    torch::Tensor forward(const torch::Tensor& x, BlockTrace* trace = nullptr) override;

    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};

protected:
    std::vector<std::pair<torch::nn::Conv2d, torch::nn::BatchNorm2d>> conv_norms() override;
};

} // namespace reslab
