#pragma once
// Plain data (no torch): the named experiments and how a named architecture becomes a run.

#include <string>
#include <vector>

#include "train/config.h"

namespace reslab {

/// The named presets: "degradation", "depth-sweep", "shortcuts", "cifar-paper". base holds the
/// options the user gave (seed, device, threads, data dir, steps...) and fills what a preset leaves
/// open. Throws std::invalid_argument naming the presets for an unknown name.
std::vector<RunConfig>
preset_runs(const std::string& preset, const TrainConfig& base, bool steps_given);
std::vector<std::string> preset_names();
/// One sentence on what a preset shows, for menus and tooltips.
std::string preset_description(const std::string& preset);

/// A run of a named architecture on a data set: in_channels and classes follow the data.
RunConfig make_run_config(const std::string& arch, const TrainConfig& train, int64_t in_channels);

/// Input channels of a named data set (3 for cifar10 and folder, 1 otherwise).
int64_t dataset_channels(const std::string& dataset);

} // namespace reslab
