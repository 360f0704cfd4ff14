#pragma once

#include <cstdint>
#include <memory>

#include "io/weights.h"

/// A copy of a training net's weights, taken by the training thread between two steps, so that
/// the other views can look at the net while it trains without touching its tensors.
struct WeightsSnapshot {
    reslab::StateDict state; // on the CPU, contiguous, owned by the snapshot
    int64_t step = 0;        // steps done when it was taken
};
