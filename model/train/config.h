#pragma once

#include <cstdint>
#include <string>

#include "nets/spec.h"
#include "train/schedule.h"

namespace reslab {

/// How one net is trained: data, optimiser, schedule, length, device, and how often to record.
struct TrainConfig {
    // Data
    std::string dataset = "fashion-mnist"; // fashion-mnist, mnist, cifar10, folder, synthetic
    std::string data_dir;                  // empty: the data set's default place
    int64_t downsample = 1;                // average k x k pixels once at load (28 -> 14 with 2)
    bool held_out = false;                 // train on 45k/55k, evaluate on the held-out 5k
    bool augment_crop = false;             // the paper's CIFAR recipe: pad 4, random crop
    bool augment_flip = false;             // and a random horizontal flip
    int64_t synthetic_size = 2048;         // images in the synthetic training set

    // Optimiser: SGD as the paper trains
    int64_t batch_size = 128;
    double momentum = 0.9;
    double weight_decay = 1e-4;
    bool nesterov = false;
    Schedule schedule;

    // Length: steps, or epochs when steps is 0
    int64_t steps = 0;
    double epochs = 0.0;

    // Records
    int64_t record_every = 10; // a train record every R steps
    int64_t eval_every = 500;  // test loss and error every M steps (and at the end); 0: end only
    int64_t eval_subset = 0;   // score a fixed subset of this many test images at every M steps
                               // (the whole split at the end); 0: the whole split every time
    int64_t probe_every = 50;  // gradient norms and responses at step 1 and every K steps; 0: never
    int64_t checkpoint_every = 500;
    // Weight snapshots for the loss landscape's trajectory (Li et al. 2018, section 7): the
    // initial weights and K more at evenly spaced steps, in the run folder's snapshots/; 0: none.
    int64_t snapshots = 0;

    uint64_t seed = 0;
    std::string device = "cpu"; // cpu or cuda (when the LibTorch in use has it)
    int threads = 0;            // intra-op threads of each run; 0: chosen with parallel_runs
    int parallel_runs = 0;      // runs of the experiment trained side by side; 0: from the nets'
                           // sizes and the cores (choose_split). The first run's choice counts.
    bool channels_last =
        true; // float32 either way; faster convolutions on CPU (docs/PERFORMANCE.md)
    std::string precision = "float32"; // or "bfloat16": autocast on CPU or CUDA, labelled as such
};

/// One run of an experiment: a name, a net and how to train it.
struct RunConfig {
    std::string name;
    ResNetSpec net;
    TrainConfig train;
    int world_size = 1;   // the ranks of the data-parallel job that started it (spec.json's
                          // "distributed"; absent for a run that trained alone)
    bool sync_bn = false; // in a data-parallel job, BN statistics over the global batch rather than
                          // each rank's share (spec.json's "distributed": "sync_bn")
};

/// spec.json: everything needed to run it again, with the versions that made it.
std::string to_json(const RunConfig& config);
/// Parses spec.json; throws std::runtime_error saying which field is wrong.
RunConfig run_config_from_json(const std::string& text);

std::string spec_to_json(const ResNetSpec& spec);

} // namespace reslab
