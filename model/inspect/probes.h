#pragma once

#include "nets/resnet.h"
#include "train/records.h"

namespace reslab {

/// The probe record of one training step, taken after backward(): the L2 norm of every conv and fc
/// weight's gradient, and from the traced forward pass the std of each block's responses after BN
/// (before ReLU or addition, the paper's Fig. 7) and ||F(x)|| / ||x|| of each residual branch.
/// Plain nets get the same record (their F(x) is the block's whole main path). All values are read
/// back from the device in one transfer.
ProbeRecord take_probe(ResNetImpl& net, const NetTrace& trace, int64_t step);

} // namespace reslab
