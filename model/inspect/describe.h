#pragma once

#include "inspect/netgraph.h"
#include "nets/resnet.h"

namespace reslab {

/// Describes a net at an input of channels x height x width: every stage, block and layer with its
/// output shape, parameters and multiply-accumulates (convolutions and the classifier, as
/// torchvision counts them), and the edges of the main path and the shortcuts. Throws
/// std::invalid_argument when the input is too small for the net (a map shrinks to nothing).
NetGraph describe(const ResNetImpl& net, int64_t height, int64_t width);

} // namespace reslab
