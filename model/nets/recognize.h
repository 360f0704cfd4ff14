#pragma once

#include <string>

#include "io/weights.h"
#include "spec.h"

namespace reslab {

/// What a state_dict's keys and shapes say about the net that wrote it.
struct RecognizedSpec {
    ResNetSpec spec;
    std::string note; // what could not be told from the keys and was assumed; empty if nothing
};

/// Works out a ResNetSpec from a (normalized) state_dict: the stem from conv1's kernel, the block
/// kind from conv3, blocks per stage and widths from the layerS.B keys, the shortcut from the
/// downsample keys, input channels and classes from conv1 and fc. Names it after the named spec it
/// equals ("resnet18", "resnet20", ...) or "custom". Keys alone cannot tell option A from a plain
/// net (neither has shortcut parameters): a CIFAR stem is taken as option A, an ImageNet stem as
/// plain, and the note says so. Throws WeightsError if the keys are not a ResNet's.
RecognizedSpec recognize_spec(const StateDict& state);

} // namespace reslab
