#pragma once

#include "nets/resnet.h"
#include "train/records.h"

namespace reslab {

/// The std of a layer's responses over all their elements (N x C x H x W together, the population
/// std, not Bessel-corrected), as the paper's Fig. 7 plots it; a 0-dim float64 tensor on their
/// device. The probes and the inspector both measure with it.
torch::Tensor response_std(const torch::Tensor& responses);
/// ||F(x)|| / ||x|| of one block: the norm of its residual branch over the norm of its input x
/// (what the shortcut carries before any padding or projection). A plain block's F(x) is its whole
/// main path, so it gets the same ratio. A 0-dim float64 tensor.
torch::Tensor residual_ratio(const BlockTrace& trace);

/// The probe record of one training step, taken after backward(): the L2 norm of every conv and fc
/// weight's gradient, and from the traced forward pass the std of each block's responses after BN
/// (before ReLU or addition, the paper's Fig. 7) and ||F(x)|| / ||x|| of each residual branch.
/// Plain nets get the same record (their F(x) is the block's whole main path). All values are read
/// back from the device in one transfer.
ProbeRecord take_probe(ResNetImpl& net, const NetTrace& trace, int64_t step);

} // namespace reslab
