#include "recognize.h"

#include <map>

namespace reslab {
namespace {

const torch::Tensor* find(const StateDict& state, const std::string& name) {
    for (const auto& [key, tensor] : state)
        if (key == name)
            return &tensor;
    return nullptr;
}

bool has(const StateDict& state, const std::string& name) {
    return find(state, name) != nullptr;
}

bool same_shape(const ResNetSpec& a, const ResNetSpec& b) {
    return a.block == b.block && a.blocks == b.blocks && a.widths == b.widths && a.stem == b.stem &&
           a.stem_width == b.stem_width && a.shortcut == b.shortcut && a.residual == b.residual;
}

} // namespace

RecognizedSpec recognize_spec(const StateDict& state) {
    const torch::Tensor* conv1 = find(state, "conv1.weight");
    const torch::Tensor* fc = find(state, "fc.weight");
    if (!conv1 || conv1->dim() != 4 || !fc || fc->dim() != 2)
        throw WeightsError(
            "these weights are not a ResNet's: conv1.weight (4-d) and fc.weight (2-d) "
            "are needed to recognise the architecture");
    RecognizedSpec out;
    ResNetSpec& spec = out.spec;
    spec.in_channels = conv1->size(1);
    spec.stem_width = conv1->size(0);
    spec.stem = conv1->size(2) == 3 ? Stem::Cifar : Stem::ImageNet;
    spec.classes = fc->size(0);
    spec.block = has(state, "layer1.0.conv3.weight") ? BlockKind::Bottleneck : BlockKind::Basic;

    // Count blocks per stage from the keys: layerS.B.conv1.weight for B = 0, 1, ...
    spec.blocks.clear();
    spec.widths.clear();
    for (int s = 1;; ++s) {
        const std::string stage = "layer" + std::to_string(s);
        const torch::Tensor* first = find(state, stage + ".0.conv1.weight");
        if (!first)
            break;
        int64_t n = 0;
        while (has(state, stage + "." + std::to_string(n) + ".conv1.weight"))
            ++n;
        spec.blocks.push_back(n);
        spec.widths.push_back(first->size(0));
    }
    if (spec.blocks.empty())
        throw WeightsError("these weights have no layer1.0.conv1.weight: not a ResNet's blocks");

    bool any_downsample = false, every_downsample = true;
    for (size_t s = 0; s < spec.blocks.size(); ++s)
        for (int64_t b = 0; b < spec.blocks[s]; ++b) {
            const bool d = has(state, "layer" + std::to_string(s + 1) + "." + std::to_string(b) +
                                          ".downsample.0.weight");
            any_downsample = any_downsample || d;
            every_downsample = every_downsample && d;
        }
    if (any_downsample) {
        spec.residual = true;
        spec.shortcut = every_downsample ? Shortcut::C : Shortcut::B;
    } else if (spec.stem == Stem::Cifar) {
        spec.residual = true;
        spec.shortcut = Shortcut::A;
        out.note = "no shortcut parameters: taken as residual with option A shortcuts (a plain net "
                   "has the same keys; choose plainN if it is one)";
    } else {
        spec.residual = false;
        spec.shortcut = Shortcut::B;
        out.note = "no shortcut parameters: taken as a plain net (choose the residual net if it "
                   "uses option A shortcuts)";
    }

    spec.name = "custom";
    for (const auto& name : named_spec_names()) {
        const ResNetSpec named = named_spec(name);
        if (same_shape(named, spec)) {
            spec.name = name;
            spec.input_size = named.input_size;
            break;
        }
    }
    if (spec.name == "custom")
        spec.input_size = spec.stem == Stem::Cifar ? 32 : 224;
    return out;
}

} // namespace reslab
