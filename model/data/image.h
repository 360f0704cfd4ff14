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
/// converted to `channels` channels (1: grey, 3: RGB; 0: 1 for a grey file, 3 for a colour one) the
/// way Pillow converts: alpha dropped, grey repeated, colour made grey by grey_like_pillow. The
/// pixels are Pillow's too (JPEG through libjpeg-turbo). file_channels, when given, receives what
/// the file holds: 1 grey, 2 grey and alpha, 3 RGB, 4 RGBA. Throws ImageError.
torch::Tensor load_image(const std::string& path, int64_t channels, int* file_channels = nullptr);

/// Pillow's grey from RGB (Image.convert("L"), which torchvision's Grayscale() calls): ITU-R 601-2
/// luma in 16-bit fixed point, rounded to 8 bits. 3 x H x W floats in [0, 1] that hold 8-bit
/// values in, 1 x H x W out.
torch::Tensor grey_like_pillow(const torch::Tensor& rgb);

/// torchvision's ImageNet evaluation transform: resize the short side to 256 (bilinear, with
/// antialiasing), centre-crop 224, normalise. Takes and returns C x H x W.
torch::Tensor preprocess_imagenet(const torch::Tensor& image);

/// Resizes to size x size (bilinear, antialiased) and normalises: for nets trained on small data
/// sets.
torch::Tensor
preprocess_resized(const torch::Tensor& image, int64_t size, const Normalization& norm);

/// (x - mean) / std per channel, on a C x H x W or N x C x H x W tensor.
torch::Tensor normalize(const torch::Tensor& image, const Normalization& norm);

} // namespace reslab
