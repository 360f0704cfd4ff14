#include "resnet.h"

#include "batchnorm.h"

#include <mutex>
#include <stdexcept>

#include <torch/nn/functional/pooling.h>
#include <torch/nn/init.h>

namespace reslab {
namespace F = torch::nn::functional;

ResNetImpl::ResNetImpl(ResNetSpec spec) : m_spec(std::move(spec)) {
    // Checked before any layer is allocated: a spec (from a spec.json, say) whose net would not
    // fit in memory is refused by its count rather than by the allocator.
    if (const std::string fault = spec_fault(m_spec); !fault.empty())
        throw std::invalid_argument(m_spec.name + ": " + fault);

    if (m_spec.stem == Stem::ImageNet)
        conv1 = torch::nn::Conv2d(torch::nn::Conv2dOptions(m_spec.in_channels, m_spec.stem_width,
                                                           /*kernel_size=*/7)
                                      .stride(2)
                                      .padding(3)
                                      .bias(false));
    else
        conv1 = torch::nn::Conv2d(torch::nn::Conv2dOptions(m_spec.in_channels, m_spec.stem_width,
                                                           /*kernel_size=*/3)
                                      .stride(1)
                                      .padding(1)
                                      .bias(false));
    register_module("conv1", conv1);
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(m_spec.stem_width));

    int64_t in_planes = m_spec.stem_width;
    for (size_t s = 0; s < m_spec.blocks.size(); ++s) {
        torch::nn::ModuleList layer;
        std::vector<std::shared_ptr<ResidualBlockImpl>> blocks;
        for (int64_t b = 0; b < m_spec.blocks[s]; ++b) {
            // torchvision's _make_layer: the first block of every stage but the first halves the
            // map.
            const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
            std::shared_ptr<ResidualBlockImpl> block;
            if (m_spec.block == BlockKind::Basic)
                block = std::make_shared<BasicBlockImpl>(in_planes, m_spec.widths[s], stride,
                                                         m_spec.shortcut, m_spec.residual);
            else
                block = std::make_shared<BottleneckImpl>(in_planes, m_spec.widths[s], stride,
                                                         m_spec.shortcut, m_spec.residual);
            layer->push_back(block);
            blocks.push_back(block);
            in_planes = block->out_planes;
        }
        layers.push_back(register_module("layer" + std::to_string(s + 1), layer));
        m_stages.push_back(std::move(blocks));
    }
    fc = register_module("fc", torch::nn::Linear(in_planes, m_spec.classes));
    init_weights();
}

void ResNetImpl::init_weights() {
    torch::NoGradGuard no_grad;
    // torchvision's init: Kaiming-normal (fan_out, ReLU) for convolutions, BN as identity; the
    // classifier keeps nn.Linear's default init.
    for (auto& module : modules(/*include_self=*/false)) {
        if (auto* conv = module->as<torch::nn::Conv2d>()) {
            torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
        } else if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
            bn->weight.fill_(1.0);
            bn->bias.zero_();
        }
    }
    // Zero-init the last BN of each residual branch, so every block starts as the identity:
    // +0.2-0.3% according to arXiv:1706.02677 (torchvision's zero_init_residual).
    if (m_spec.zero_init_residual) {
        for (const auto& stage : m_stages)
            for (const auto& block : stage) {
                if (auto* basic = dynamic_cast<BasicBlockImpl*>(block.get()))
                    basic->bn2->weight.zero_();
                else if (auto* bottleneck = dynamic_cast<BottleneckImpl*>(block.get()))
                    bottleneck->bn3->weight.zero_();
            }
    }
}

std::string ResNetImpl::block_name(size_t stage, size_t block) {
    return "layer" + std::to_string(stage + 1) + "." + std::to_string(block);
}

void ResNetImpl::fold_batch_norm() {
    if (is_training())
        throw std::logic_error("fold_batch_norm: the net is in training mode");
    fold_into(conv1, bn1);
    for (const auto& stage : m_stages)
        for (const auto& block : stage)
            block->fold_batch_norm();
    m_folded = true;
}

torch::Tensor ResNetImpl::forward(const torch::Tensor& x, ForwardVisitor* visitor) {
    if (m_folded && is_training())
        throw std::logic_error("a net whose batch norms are folded runs in eval mode only");
    torch::Tensor out;
    if (visitor) {
        out = m_folded ? conv1->forward(x) : batch_norm(bn1, conv1->forward(x));
        visitor->stem_response(out);
        out = torch::relu(out);
    } else {
        out = m_folded ? torch::relu(conv1->forward(x)) : batch_norm_relu(bn1, conv1->forward(x));
    }
    if (m_spec.stem == Stem::ImageNet)
        out = F::max_pool2d(out, F::MaxPool2dFuncOptions(3).stride(2).padding(1));
    if (visitor)
        visitor->stem(out);
    size_t index = 0;
    for (size_t s = 0; s < m_stages.size(); ++s)
        for (size_t b = 0; b < m_stages[s].size(); ++b, ++index) {
            ResidualBlockImpl& block = *m_stages[s][b];
            if (!visitor) {
                out = block.forward(out);
                continue;
            }
            out = visitor->remove(index)
                      ? block.forward_without_branch(out)
                      : block.forward(out, visitor->trace(index, block_name(s, b)));
            visitor->block_done(index, block, out);
        }
    const torch::Tensor features = out;
    const torch::Tensor pooled =
        F::adaptive_avg_pool2d(features, F::AdaptiveAvgPool2dFuncOptions(1)).flatten(1);
    const torch::Tensor logits = fc->forward(pooled);
    if (visitor)
        visitor->head(features, pooled, logits);
    return logits;
}

torch::Tensor ResNetImpl::forward_traced(const torch::Tensor& x, NetTrace& trace) {
    struct Tracer : ForwardVisitor {
        NetTrace& t;
        explicit Tracer(NetTrace& t_) : t(t_) {}
        void stem(const torch::Tensor& out) override { t.stem = out; }
        BlockTrace* trace(size_t, const std::string& name) override {
            t.block_names.push_back(name);
            t.blocks.emplace_back();
            return &t.blocks.back();
        }
        void head(const torch::Tensor&,
                  const torch::Tensor& pooled,
                  const torch::Tensor& logits) override {
            t.pooled = pooled;
            t.logits = logits;
        }
    };
    trace = NetTrace{};
    Tracer tracer(trace);
    return forward(x, &tracer);
}

torch::Tensor ResNetImpl::forward_lesioned(const torch::Tensor& x,
                                           const std::vector<bool>& removed) {
    struct Lesion : ForwardVisitor {
        const std::vector<bool>& removed;
        explicit Lesion(const std::vector<bool>& r) : removed(r) {}
        bool remove(size_t i) override { return i < removed.size() && removed[i]; }
    };
    Lesion lesion(removed);
    return forward(x, &lesion);
}

std::vector<std::shared_ptr<ResidualBlockImpl>> ResNetImpl::blocks() const {
    std::vector<std::shared_ptr<ResidualBlockImpl>> all;
    for (const auto& stage : m_stages)
        all.insert(all.end(), stage.begin(), stage.end());
    return all;
}

ResNet build_seeded(const ResNetSpec& spec, uint64_t seed) {
    static std::mutex seeding;
    std::lock_guard<std::mutex> lock(seeding);
    torch::manual_seed(seed);
    return ResNet(spec);
}

void use_channels_last(torch::nn::Module& net) {
    torch::NoGradGuard no_grad;
    for (auto& p : net.parameters())
        if (p.dim() == 4)
            p.set_data(channels_last(p));
}

torch::Tensor channels_last(const torch::Tensor& t) {
    const auto cl = torch::MemoryFormat::ChannelsLast;
    if (t.dim() != 4 || (t.suggest_memory_format() == cl && t.is_contiguous(cl)))
        return t;
    torch::Tensor out = torch::empty(t.sizes(), t.options().memory_format(cl));
    out.copy_(t);
    return out;
}

int64_t parameter_count(const torch::nn::Module& module) {
    int64_t count = 0;
    for (const auto& p : module.parameters())
        count += p.numel();
    return count;
}

} // namespace reslab
