#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "nets/resnet.h"
#include "train/config.h"

namespace reslab {

/// How much of the test set a lesion study evaluates, and how many random lesions it draws.
struct LesionOptions {
    int64_t max_images = 2000; // the first images of the test split; 0: all of them
    int random_trials = 6;     // random sets of blocks drawn for each count of removed blocks
    int random_counts = 10;    // how many counts of removed blocks, spread over 1..all removable
    uint64_t seed = 1;
    int64_t batch = 500;
};

/// The lesion study of Veit et al. 2016 ("Residual networks behave like ensembles of relatively
/// shallow networks"): test error with one block removed at a time (a residual block keeps its
/// shortcut; a plain block that keeps the shape becomes the identity; one that changes it cannot be
/// removed), and with several removed at random.
struct LesionResult {
    static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    std::vector<std::string> blocks; // "layer1.0", ... in running order
    std::vector<bool> removable;
    std::vector<double>
        error_without;               // test error with that block removed; NaN where not removable
    double baseline_error = kNaN;    // nothing removed
    std::vector<int> removed_counts; // counts of blocks removed at random
    std::vector<double> random_mean; // mean, min and max test error over the random draws
    std::vector<double> random_min;
    std::vector<double> random_max;
    int64_t images = 0;
    bool cancelled = false;
};

/// Told before each evaluation which blocks are removed (all false: the intact net); returns false
/// to cancel the study.
using LesionProgress = std::function<bool(int done, int total, const std::vector<bool>& removed)>;

/// Runs the study in eval mode without gradients. The net is left in eval mode.
LesionResult lesion_study(ResNetImpl& net,
                          const Dataset& test,
                          const LesionOptions& options,
                          const LesionProgress& progress = {});

/// A run folder's net, loaded from its checkpoint, with the split it was evaluated on.
struct LesionSubject {
    RunConfig config;
    ResNet net{nullptr};
    std::shared_ptr<const Dataset> test;
};

/// Loads spec.json, checkpoint.pth and the test data of a run folder. Throws std::runtime_error
/// saying what is missing or wrong.
LesionSubject load_lesion_subject(const std::string& folder);

} // namespace reslab
