#pragma once

#include "inspect/netgraph.h"
#include "nets/resnet.h"

namespace reslab {

/// Describes the net of a spec at an input of channels x height x width: every stage, block and
/// layer with its output shape, parameters and multiply-accumulates (convolutions and the
/// classifier, as torchvision counts them), and the edges of the main path and the shortcuts.
/// It follows the layout ResNetImpl builds from the spec without building it (ResNet-152's 60M
/// weights take a second or two to initialise). Throws std::invalid_argument when the input is too
/// small for the net (a map shrinks to nothing).
NetGraph describe(const ResNetSpec& spec, int64_t height, int64_t width);
/// The same for a built net (its spec decides its layout).
NetGraph describe(const ResNetImpl& net, int64_t height, int64_t width);

} // namespace reslab
