#include "image.h"

#include <cmath>
#include <memory>

#include <stb/stb_image.h>
#include <torch/nn/functional/upsampling.h>

namespace reslab {
namespace F = torch::nn::functional;
namespace {

torch::Tensor resize(const torch::Tensor& image, int64_t height, int64_t width) {
    if (image.size(1) == height && image.size(2) == width)
        return image;
    return F::interpolate(image.unsqueeze(0), F::InterpolateFuncOptions()
                                                  .size(std::vector<int64_t>{height, width})
                                                  .mode(torch::kBilinear)
                                                  .align_corners(false)
                                                  .antialias(true))
        .squeeze(0);
}

torch::Tensor center_crop(const torch::Tensor& image, int64_t size) {
    // torchvision rounds the offset with Python's round(), half to even (58.5 -> 58); nearbyint in
    // the default rounding mode does the same.
    const int64_t top = static_cast<int64_t>(std::nearbyint((image.size(1) - size) / 2.0));
    const int64_t left = static_cast<int64_t>(std::nearbyint((image.size(2) - size) / 2.0));
    return image.narrow(1, top, size).narrow(2, left, size);
}

} // namespace

Normalization normalization_for(const std::string& dataset) {
    if (dataset == "imagenet")
        return {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
    if (dataset == "cifar10")
        return {{0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}};
    if (dataset == "fashion-mnist")
        return {{0.2860f}, {0.3530f}};
    if (dataset == "mnist")
        return {{0.1307f}, {0.3081f}};
    throw std::invalid_argument("no normalisation is known for the data set '" + dataset + "'");
}

torch::Tensor load_image(const std::string& path, int64_t channels) {
    if (channels != 1 && channels != 3)
        throw ImageError("cannot make a " + std::to_string(channels) + "-channel input from an image");
    int width = 0, height = 0, file_channels = 0;
    std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
        stbi_load(path.c_str(), &width, &height, &file_channels, static_cast<int>(channels)),
        stbi_image_free);
    if (!pixels)
        throw ImageError("cannot read the image '" + path + "': " +
                         (stbi_failure_reason() ? stbi_failure_reason() : "unknown format"));
    return torch::from_blob(pixels.get(), {height, width, channels}, torch::kUInt8)
        .permute({2, 0, 1})
        .to(torch::kFloat32)
        .div(255.0)
        .contiguous();
}

torch::Tensor normalize(const torch::Tensor& image, const Normalization& norm) {
    const int64_t c = image.size(-3);
    if (static_cast<int64_t>(norm.mean.size()) != c || static_cast<int64_t>(norm.std.size()) != c)
        throw std::invalid_argument("the normalisation has " + std::to_string(norm.mean.size()) +
                                    " channels, the image " + std::to_string(c));
    auto mean = torch::tensor(norm.mean).view({c, 1, 1});
    auto std = torch::tensor(norm.std).view({c, 1, 1});
    return (image - mean) / std;
}

torch::Tensor preprocess_imagenet(const torch::Tensor& image) {
    constexpr int64_t kResize = 256; // torchvision's ImageNet eval: short side 256, centre 224
    constexpr int64_t kCrop = 224;
    const int64_t h = image.size(1), w = image.size(2);
    // torchvision's Resize(256) keeps the aspect ratio and truncates the long side.
    const int64_t nh = h <= w ? kResize : static_cast<int64_t>(kResize * h / w);
    const int64_t nw = h <= w ? static_cast<int64_t>(kResize * w / h) : kResize;
    return normalize(center_crop(resize(image, nh, nw), kCrop), normalization_for("imagenet"));
}

torch::Tensor preprocess_resized(const torch::Tensor& image, int64_t size, const Normalization& norm) {
    return normalize(resize(image, size, size), norm);
}

} // namespace reslab
