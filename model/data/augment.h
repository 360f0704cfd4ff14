#pragma once

#include <cstdint>

#include <torch/types.h>

#include "dataset.h"

namespace reslab {

/// Which random changes a training batch gets; each is switched on by itself. The paper's CIFAR
/// recipe (section 4.2, after Lee et al. 2015) is Augment::cifar(): pad 4, random crop, flip.
struct Augment {
    int64_t pad = 4;   // zero pixels added on each side before the random crop
    bool crop = false; // a random crop of the original size from the padded image
    bool flip = false; // a horizontal flip with probability 1/2

    static Augment none() { return {}; }
    static Augment cifar() { return {/*pad=*/4, /*crop=*/true, /*flip=*/true}; }
};

/// A CPU generator for seeded random choices: the same seed, the same choices.
torch::Generator make_generator(uint64_t seed);

/// The images at `indices` (int64), augmented with choices drawn from `generator`, as float
/// N x C x H x W normalised with data.norm: ((x / 255) - mean) / std, on the device that holds
/// data.images (a run on a GPU keeps its training set there).
torch::Tensor make_batch(const Dataset& data,
                         const torch::Tensor& indices,
                         const Augment& augment,
                         torch::Generator& generator);

/// make_batch with a generator seeded by `seed`.
torch::Tensor make_batch(const Dataset& data,
                         const torch::Tensor& indices,
                         const Augment& augment,
                         uint64_t seed);

/// The images at `indices`, normalised, without augmentation (for evaluation).
torch::Tensor make_batch(const Dataset& data, const torch::Tensor& indices);

/// The order of the images in an epoch: a permutation of 0..n-1 (int64), the same for the same
/// seed and epoch, and another for each epoch.
torch::Tensor epoch_order(int64_t n, uint64_t seed, int64_t epoch);

} // namespace reslab
