#pragma once
// Plain data (no torch): what is known of each data set before a file is read. The experiment
// panel, the CLI's options, the inspector, the block graph and the data loaders all take it from
// here.

#include <cstdint>
#include <string>
#include <vector>

#include "nets/spec.h"

namespace reslab {

/// One named data set as ResLab loads it.
struct DatasetFacts {
    std::string name;        // "fashion-mnist", "mnist", "cifar10", "folder", "synthetic"
    int64_t channels = 1;    // 3 for CIFAR-10 and folders; grey sets are one channel
    int64_t side = 0;        // the images' side; 0: a folder's images decide
    int64_t classes = 0;     // 0: a folder's sub-folders decide
    std::vector<float> mean; // per channel, in [0, 1] units; empty: measured on the training split
    std::vector<float> std;
};

/// The facts of a data set by name; throws std::invalid_argument naming the known ones.
const DatasetFacts& dataset_facts(const std::string& name);
/// The names, in the order menus list them.
std::vector<std::string> dataset_names();

/// The side of the images a run's net sees: the data set's, averaged down by `downsample` at load
/// (28 / 2 = 14 for the degradation preset); a folder set's images are resized to the spec's
/// input size.
int64_t input_side(const std::string& dataset, int64_t downsample, const ResNetSpec& spec);

} // namespace reslab
