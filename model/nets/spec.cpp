#include "spec.h"

#include <cstdio>
#include <map>
#include <numeric>
#include <stdexcept>

namespace reslab {
namespace {

ResNetSpec imagenet_spec(BlockKind block, std::vector<int64_t> blocks) {
    ResNetSpec spec;
    spec.block = block;
    spec.blocks = std::move(blocks);
    return spec;
}

// The paper's CIFAR-10 nets (section 4.2): a 3x3 stem of 16 filters, three stages of n blocks at
// widths 16/32/64 on 32x32, 16x16 and 8x8 maps, option A shortcuts: 6n+2 weighted layers.
ResNetSpec cifar_spec(int64_t n) {
    ResNetSpec spec;
    spec.block = BlockKind::Basic;
    spec.blocks = {n, n, n};
    spec.widths = {16, 32, 64};
    spec.stem = Stem::Cifar;
    spec.stem_width = 16;
    spec.shortcut = Shortcut::A;
    spec.classes = 10;
    spec.input_size = 32;
    return spec;
}

const std::map<int64_t, ResNetSpec>& specs_by_depth() {
    static const std::map<int64_t, ResNetSpec> specs = {
        {18, imagenet_spec(BlockKind::Basic, {2, 2, 2, 2})},
        {34, imagenet_spec(BlockKind::Basic, {3, 4, 6, 3})},
        {50, imagenet_spec(BlockKind::Bottleneck, {3, 4, 6, 3})},
        {101, imagenet_spec(BlockKind::Bottleneck, {3, 4, 23, 3})},
        {152, imagenet_spec(BlockKind::Bottleneck, {3, 8, 36, 3})},
        {20, cifar_spec(3)},
        {32, cifar_spec(5)},
        {44, cifar_spec(7)},
        {56, cifar_spec(9)},
        {110, cifar_spec(18)},
        {1202, cifar_spec(200)},
    };
    return specs;
}

} // namespace

int64_t ResNetSpec::depth() const {
    const int64_t per_block = block == BlockKind::Bottleneck ? 3 : 2;
    return std::accumulate(blocks.begin(), blocks.end(), int64_t{0}) * per_block + 2;
}

double ResNetSpec::parameters() const {
    const double k = stem == Stem::ImageNet ? 7 : 3;
    double total = double(in_channels) * double(stem_width) * k * k + 2.0 * double(stem_width);
    double in = double(stem_width);
    for (size_t s = 0; s < blocks.size() && s < widths.size(); ++s) {
        const double p = double(widths[s]), out = p * double(expansion());
        for (int64_t b = 0; b < blocks[s]; ++b) {
            if (block == BlockKind::Bottleneck)
                total += in * p + 9 * p * p + p * out + 2 * (2 * p + out);
            else
                total += 9 * in * p + 9 * p * p + 4 * p;
            // As ResidualBlockImpl projects: option C on every block, B where the shape changes.
            const bool changes = (s > 0 && b == 0) || in != out;
            if (residual && (shortcut == Shortcut::C || (shortcut == Shortcut::B && changes)))
                total += in * out + 2 * out;
            in = out;
        }
    }
    return total + in * double(classes) + double(classes);
}

std::string spec_fault(const ResNetSpec& spec) {
    if (spec.blocks.empty() || spec.blocks.size() != spec.widths.size())
        return "the net has " + std::to_string(spec.blocks.size()) + " stages (blocks) and " +
               std::to_string(spec.widths.size()) +
               " stage widths (widths): it needs at least one stage, and a width for each";
    if (spec.in_channels < 1 || spec.classes < 1 || spec.stem_width < 1)
        return "input channels (" + std::to_string(spec.in_channels) + "), classes (" +
               std::to_string(spec.classes) + ") and stem width (" +
               std::to_string(spec.stem_width) + ") must each be at least 1";
    for (size_t s = 0; s < spec.widths.size(); ++s)
        if (spec.widths[s] < 1 || spec.blocks[s] < 0)
            return "stage " + std::to_string(s + 1) + " has width " +
                   std::to_string(spec.widths[s]) + " and " + std::to_string(spec.blocks[s]) +
                   " blocks: a width is at least 1, blocks at least 0";
    const int64_t blocks = std::accumulate(spec.blocks.begin(), spec.blocks.end(), int64_t{0});
    if (blocks > kMaxBlocks)
        return "the net would have " + std::to_string(blocks) + " blocks in all, at most " +
               std::to_string(kMaxBlocks) + " (resnet1202 has 600)";
    if (const double n = spec.parameters(); !(n <= kMaxParameters)) {
        char count[32];
        std::snprintf(count, sizeof count, "%.0f", n);
        return "the net would have " + std::string(count) + " parameters, at most " +
               std::to_string(static_cast<int64_t>(kMaxParameters)) +
               " (ResNet-152 has 60 M): lower its widths, blocks or classes";
    }
    return "";
}

ResNetSpec named_spec(std::string_view name) {
    for (const auto& [prefix, residual] : {std::pair{"resnet", true}, std::pair{"plain", false}}) {
        const std::string_view p(prefix);
        if (name.substr(0, p.size()) != p)
            continue;
        const std::string digits(name.substr(p.size()));
        // More than 6 digits is no depth any net has (and would overflow std::stoll).
        if (digits.empty() || digits.size() > 6 ||
            digits.find_first_not_of("0123456789") != std::string::npos)
            break;
        const auto it = specs_by_depth().find(std::stoll(digits));
        if (it == specs_by_depth().end())
            break;
        ResNetSpec spec = it->second;
        spec.residual = residual;
        spec.name = std::string(name);
        return spec;
    }
    std::string known;
    for (const auto& n : named_spec_names())
        known += (known.empty() ? "" : ", ") + n;
    throw std::invalid_argument("unknown architecture '" + std::string(name) +
                                "'; known: " + known);
}

std::vector<std::string> named_spec_names() {
    std::vector<std::string> names;
    for (const char* prefix : {"resnet", "plain"})
        for (const auto& [depth, spec] : specs_by_depth())
            names.push_back(prefix + std::to_string(depth));
    return names;
}

ResNetSpec twin_of(const ResNetSpec& spec) {
    ResNetSpec twin = spec;
    twin.residual = !spec.residual;
    const std::string from = spec.residual ? "resnet" : "plain";
    const std::string to = spec.residual ? "plain" : "resnet";
    if (twin.name.rfind(from, 0) == 0)
        twin.name = to + twin.name.substr(from.size());
    else
        twin.name += spec.residual ? "-plain" : "-residual";
    return twin;
}

std::string to_string(BlockKind kind) {
    return kind == BlockKind::Basic ? "basic" : "bottleneck";
}
std::string to_string(Shortcut shortcut) {
    return shortcut == Shortcut::A ? "A" : shortcut == Shortcut::B ? "B" : "C";
}
std::string to_string(Stem stem) {
    return stem == Stem::ImageNet ? "imagenet" : "cifar";
}

BlockKind block_kind_from_string(std::string_view text) {
    if (text == "basic")
        return BlockKind::Basic;
    if (text == "bottleneck")
        return BlockKind::Bottleneck;
    throw std::invalid_argument("block kind must be 'basic' or 'bottleneck', not '" +
                                std::string(text) + "'");
}

Shortcut shortcut_from_string(std::string_view text) {
    if (text == "A" || text == "a")
        return Shortcut::A;
    if (text == "B" || text == "b")
        return Shortcut::B;
    if (text == "C" || text == "c")
        return Shortcut::C;
    throw std::invalid_argument("shortcut option must be A, B or C, not '" + std::string(text) +
                                "'");
}

Stem stem_from_string(std::string_view text) {
    if (text == "imagenet")
        return Stem::ImageNet;
    if (text == "cifar")
        return Stem::Cifar;
    throw std::invalid_argument("stem must be 'imagenet' or 'cifar', not '" + std::string(text) +
                                "'");
}

} // namespace reslab
