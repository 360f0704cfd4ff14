#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace reslab {

enum class BlockKind { Basic, Bottleneck };
enum class Stem { ImageNet, Cifar };

/// How a residual block's shortcut is formed (the paper, section 4.1):
/// A: identity; where the shape changes, strided subsampling and zero-padded channels (no
/// parameters). B: identity, and a 1x1 conv + BN projection only where the shape changes
/// (torchvision's choice). C: a 1x1 conv + BN projection on every block.
enum class Shortcut { A, B, C };

/// Everything that decides a ResNet's architecture. A named spec (named_spec()) fills it in for
/// torchvision's nets and the paper's CIFAR family; any field can then be changed.
struct ResNetSpec {
    std::string name = "resnet18";
    BlockKind block = BlockKind::Basic;
    std::vector<int64_t> blocks{2, 2, 2, 2};        // residual blocks per stage
    std::vector<int64_t> widths{64, 128, 256, 512}; // planes per stage (before the expansion)
    Stem stem = Stem::ImageNet;
    int64_t stem_width = 64;
    Shortcut shortcut = Shortcut::B;
    bool residual = true; // false: the plain twin, every shortcut removed
    int64_t in_channels = 3;
    int64_t classes = 1000;
    bool zero_init_residual = false;
    int64_t input_size = 224; // the natural input side, used where no size is given

    /// Output channels of a block: planes times 1 (Basic) or 4 (Bottleneck).
    int64_t expansion() const { return block == BlockKind::Bottleneck ? 4 : 1; }
    /// Weighted layers on the main path, as the paper counts depth (20 for resnet20, 50 for
    /// resnet50).
    int64_t depth() const;
    /// The weights and BN parameters the net built from this spec holds, counted from the spec
    /// alone, before anything is built (a double: a hostile spec's count passes int64_t).
    double parameters() const;
};

/// The most parameters a net may have: ResNet-152 has 60 M; 2^30 floats are 4 GiB, and training
/// holds three times that (weights, gradients, momentum).
constexpr double kMaxParameters = double(int64_t{1} << 30);
/// The most residual blocks a net may have in all: every view draws each of them.
constexpr int64_t kMaxBlocks = 10000;
/// Why spec cannot be built ("stem width 0: at least 1"; "22000000000 parameters ..., at most
/// 1073741824"), or "" when it can. Checked before anything is allocated.
std::string spec_fault(const ResNetSpec& spec);

/// The named specs: resnet18/34/50/101/152 (torchvision), resnet20/32/44/56/110/1202 (the paper's
/// CIFAR-10 nets, 6n+2 layers, option A), and each one's plain twin plainN. Throws
/// std::invalid_argument naming the known names for anything else.
ResNetSpec named_spec(std::string_view name);
std::vector<std::string> named_spec_names();

/// The same net with residual switched (resnet56 <-> plain56); keeps every other field.
ResNetSpec twin_of(const ResNetSpec& spec);

std::string to_string(BlockKind kind);
std::string to_string(Shortcut shortcut);
std::string to_string(Stem stem);
BlockKind block_kind_from_string(std::string_view text);
Shortcut shortcut_from_string(std::string_view text);
Stem stem_from_string(std::string_view text);

} // namespace reslab
