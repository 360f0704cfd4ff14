#include "augment.h"

#include <ATen/CPUGeneratorImpl.h>

namespace reslab {
namespace {

// Crops (from the zero-padded images) and flips every image of the batch in one gather: the
// output pixel (y, x) of image i reads the padded pixel (top_i + y, left_i + x), or
// (top_i + y, left_i + W - 1 - x) when image i is flipped.
torch::Tensor crop_and_flip(const torch::Tensor& images,
                            int64_t pad,
                            const torch::Tensor& top,
                            const torch::Tensor& left,
                            const torch::Tensor& flipped) {
    const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
    const torch::Tensor padded =
        pad > 0 ? torch::constant_pad_nd(images, {pad, pad, pad, pad}, 0) : images;
    const int64_t padded_w = w + 2 * pad;
    // The choices are drawn on the CPU (a seeded generator); the gather runs where the images are.
    const auto on = images.device();
    const auto index = torch::TensorOptions().dtype(torch::kInt64).device(on);
    const torch::Tensor ys = torch::arange(h, index).view({1, h});
    const torch::Tensor xs = torch::arange(w, index).view({1, w});
    const torch::Tensor rows = top.to(on).view({n, 1}) + ys;
    const torch::Tensor cols =
        left.to(on).view({n, 1}) + torch::where(flipped.to(on).view({n, 1}), (w - 1) - xs, xs);
    const torch::Tensor source = (rows.view({n, h, 1}) * padded_w + cols.view({n, 1, w}))
                                     .view({n, 1, h * w})
                                     .expand({n, c, h * w});
    return padded.reshape({n, c, -1}).gather(2, source).view({n, c, h, w});
}

} // namespace

torch::Generator make_generator(uint64_t seed) {
    return at::make_generator<at::CPUGeneratorImpl>(seed);
}

torch::Tensor make_batch(const Dataset& data,
                         const torch::Tensor& indices,
                         const Augment& augment,
                         torch::Generator& generator) {
    torch::Tensor images =
        data.images.index_select(0, indices.to(data.images.device(), torch::kInt64));
    const int64_t n = images.size(0);
    if (n > 0 && (augment.crop || augment.flip)) {
        const int64_t pad = augment.crop ? augment.pad : 0;
        if (pad < 0)
            throw std::invalid_argument("a negative padding for the random crop");
        torch::Tensor top = torch::zeros({n}, torch::kInt64), left = top;
        if (augment.crop) {
            top = torch::randint(0, 2 * pad + 1, {n}, generator, torch::kInt64);
            left = torch::randint(0, 2 * pad + 1, {n}, generator, torch::kInt64);
        }
        torch::Tensor flipped = torch::zeros({n}, torch::kBool);
        if (augment.flip)
            flipped = torch::randint(0, 2, {n}, generator, torch::kInt64).eq(1);
        images = crop_and_flip(images, pad, top, left, flipped);
    }
    return normalize(images.to(torch::kFloat32).div(255.0), data.norm);
}

torch::Tensor make_batch(const Dataset& data,
                         const torch::Tensor& indices,
                         const Augment& augment,
                         uint64_t seed) {
    torch::Generator generator = make_generator(seed);
    return make_batch(data, indices, augment, generator);
}

torch::Tensor make_batch(const Dataset& data, const torch::Tensor& indices) {
    torch::Generator unused = make_generator(0);
    return make_batch(data, indices, Augment::none(), unused);
}

torch::Tensor epoch_order(int64_t n, uint64_t seed, int64_t epoch) {
    // splitmix64 of (seed, epoch): neighbouring epochs and seeds give unrelated permutations.
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (static_cast<uint64_t>(epoch) + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    torch::Generator generator = make_generator(z ^ (z >> 31));
    return torch::randperm(n, generator, torch::kInt64);
}

} // namespace reslab
