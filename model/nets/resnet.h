#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "blocks.h"
#include "spec.h"

namespace reslab {

/// Everything a traced forward pass saw: the stem's output, each block's trace in order, the pooled
/// features and the logits.
struct NetTrace {
    torch::Tensor stem;
    std::vector<std::string> block_names; // "layer1.0", ...
    std::vector<BlockTrace> blocks;
    torch::Tensor pooled;
    torch::Tensor logits;
};

/// What a pass through the net shows its caller, and the one thing a caller may change (which
/// blocks lose their residual branch). ResNetImpl::forward calls these in running order; every
/// pass ResLab makes (training, the probes' trace, the lesion study, the inspector's capture,
/// Grad-CAM) is that one forward pass with its own visitor. Each hook does nothing by default.
struct ForwardVisitor {
    virtual ~ForwardVisitor() = default;
    /// bn1's output, before the stem's ReLU: the stem's response.
    virtual void stem_response(const torch::Tensor& /*bn1_out*/) {}
    /// The stem's output (after its ReLU and, in the ImageNet stem, its max pool).
    virtual void stem(const torch::Tensor& /*out*/) {}
    /// Whether block `index` (in running order; named "layer1.0", ...) runs without its residual
    /// branch (ResidualBlockImpl::forward_without_branch).
    virtual bool remove(size_t /*index*/) { return false; }
    /// The trace block `index` fills, or nullptr.
    virtual BlockTrace* trace(size_t /*index*/, const std::string& /*name*/) { return nullptr; }
    /// Block `index` has run; `out` is its output.
    virtual void block_done(size_t /*index*/,
                            const ResidualBlockImpl& /*block*/,
                            const torch::Tensor& /*out*/) {}
    /// The last stage's output, the pooled features and the logits.
    virtual void head(const torch::Tensor& /*features*/,
                      const torch::Tensor& /*pooled*/,
                      const torch::Tensor& /*logits*/) {}
};

/// A ResNet (or its plain twin) built from a ResNetSpec. Module names follow torchvision's
/// resnet.py, so state_dict keys match its checkpoints: conv1, bn1, layer1.0.conv1, fc, ...
struct ResNetImpl : torch::nn::Module {
    explicit ResNetImpl(ResNetSpec spec);
    /// The forward pass, shown to visitor (none: the training pass, which pays nothing for it).
    torch::Tensor forward(const torch::Tensor& x, ForwardVisitor* visitor = nullptr);
    /// The forward pass keeping every block's intermediate tensors.
    torch::Tensor forward_traced(const torch::Tensor& x, NetTrace& trace);
    /// The forward pass with some blocks' residual branches removed (removed[i] for the i-th block
    /// in running order; see ResidualBlockImpl::forward_without_branch): the lesion study.
    torch::Tensor forward_lesioned(const torch::Tensor& x, const std::vector<bool>& removed);
    /// "layer{stage+1}.{block}", the name torchvision gives a block.
    static std::string block_name(size_t stage, size_t block);
    /// Folds every batch norm into the convolution before it, from the BNs' parameters and running
    /// statistics as they are now (fold_into, blocks.h): the forward then skips the
    /// BNs, a tenth of an evaluation's time in these nets, and gives what the eval-mode net gave,
    /// to float rounding. For evaluation only: a folded net refuses to run in training mode. The
    /// BNs' parameters and statistics stay as they were, so a caller that sets every parameter
    /// anew (the loss landscape, at each point) folds again to get the folded net of the new
    /// ones; folding twice without that would scale the convolutions twice.
    void fold_batch_norm();
    /// Every block in running order (layer1.0, layer1.1, ..., layer4.2).
    std::vector<std::shared_ptr<ResidualBlockImpl>> blocks() const;

    const ResNetSpec& spec() const { return m_spec; }
    /// The blocks of stage i (layer{i+1}), in order.
    const std::vector<std::shared_ptr<ResidualBlockImpl>>& stage(size_t i) const {
        return m_stages[i];
    }
    size_t stage_count() const { return m_stages.size(); }

    torch::nn::Conv2d conv1{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr};
    std::vector<torch::nn::ModuleList> layers; // layer1, layer2, ...
    torch::nn::Linear fc{nullptr};

private:
    void init_weights();

    ResNetSpec m_spec;
    std::vector<std::vector<std::shared_ptr<ResidualBlockImpl>>> m_stages;
    bool m_folded = false;
};
TORCH_MODULE(ResNet);

/// The net of a spec, initialised from LibTorch's global generator seeded with seed. Seeding and
/// building hold one lock, so nets built at once on several threads (a run starting while the
/// window loads a random net) each get their seed's weights.
ResNet build_seeded(const ResNetSpec& spec, uint64_t seed);

/// Stores every 4-D parameter (the convolutions' weights) channels-last, which oneDNN's CPU
/// convolutions run faster on; the values stay the same.
void use_channels_last(torch::nn::Module& net);

/// A 4-D tensor with channels-last strides, copied where its strides are not. Unlike
/// contiguous(ChannelsLast) it also restrides a tensor of one channel (a grey image batch, the
/// first convolution's weight), which LibTorch counts as contiguous in both formats: left with its
/// NCHW strides, it makes the first convolution answer in NCHW and the layers after it convert.
torch::Tensor channels_last(const torch::Tensor& t);

/// Parameters (not buffers) of a module, as torchvision's published counts give them.
int64_t parameter_count(const torch::nn::Module& module);

} // namespace reslab
