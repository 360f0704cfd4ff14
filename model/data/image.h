#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <torch/types.h>

namespace reslab {

/// An image file that cannot be used: names the file and the fault.
struct ImageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Per-channel mean and standard deviation that a net's inputs were normalised with.
struct Normalization {
    std::vector<float> mean;
    std::vector<float> std;
};

/// Normalisations by data set name: "imagenet", "cifar10", "fashion-mnist", "mnist".
/// Throws std::invalid_argument for an unknown name.
Normalization normalization_for(const std::string& dataset);

/// Reads a PNG, JPEG or BMP (nothing else, checked by its first bytes; damaged, truncated or
/// absurdly large files are refused before decoding) as a float C x H x W tensor in [0, 1],
/// converted to `channels` channels (1: grey, 3: RGB). Throws ImageError.
torch::Tensor load_image(const std::string& path, int64_t channels);

/// torchvision's ImageNet evaluation transform: resize the short side to 256 (bilinear, with
/// antialiasing), centre-crop 224, normalise. Takes and returns C x H x W.
torch::Tensor preprocess_imagenet(const torch::Tensor& image);

/// Resizes to size x size (bilinear, antialiased) and normalises: for nets trained on small data sets.
torch::Tensor preprocess_resized(const torch::Tensor& image, int64_t size, const Normalization& norm);

/// (x - mean) / std per channel, on a C x H x W or N x C x H x W tensor.
torch::Tensor normalize(const torch::Tensor& image, const Normalization& norm);

} // namespace reslab
