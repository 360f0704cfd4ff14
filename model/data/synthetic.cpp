// Ten shapes drawn from signed distances, so a whole chunk of images is a few tensor ops. Every
// random number comes from one generator seeded by the caller: the same seed, the same images.
#include "dataset.h"

#include <algorithm>
#include <cmath>

#include <ATen/CPUGeneratorImpl.h>

namespace reslab {
namespace {

constexpr int64_t kShapes = 10;
constexpr int64_t kChunk = 1024; // images drawn at once: bounds the float temporaries
const char* const kShapeNames[kShapes] = {
    "disc", "square",   "cross", "horizontal bar", "vertical bar", "triangle",
    "ring", "diagonal", "x",     "frame"};

// Signed distance (pixels, negative inside) from each pixel to the shape of class `shape`;
// dx, dy: offsets from the shape's centre, r: its radius, t: its half thickness.
torch::Tensor shape_distance(int64_t shape,
                             const torch::Tensor& dx,
                             const torch::Tensor& dy,
                             const torch::Tensor& r,
                             const torch::Tensor& t) {
    const double kInvSqrt2 = 1.0 / std::sqrt(2.0);
    const torch::Tensor ax = dx.abs(), ay = dy.abs();
    const torch::Tensor box = torch::max(ax, ay);
    switch (shape) {
    case 0: // disc
        return (dx * dx + dy * dy).sqrt() - r;
    case 1: // square: a little smaller than the disc of the same radius, so areas overlap
        return box - 0.85 * r;
    case 2: // cross
        return torch::min(torch::max(ax - r, ay - t), torch::max(ay - r, ax - t));
    case 3: // horizontal bar
        return torch::max(ax - r, ay - t);
    case 4: // vertical bar
        return torch::max(ay - r, ax - t);
    case 5: // triangle, apex up (y grows downwards)
        return torch::max(dy - 0.8 * r, (ax - (dy + r) * 0.5) / std::sqrt(1.25));
    case 6: // ring
        return ((dx * dx + dy * dy).sqrt() - r).abs() - t;
    case 7: // diagonal, top left to bottom right
        return torch::max((dx - dy).abs() * kInvSqrt2 - t, box - 0.8 * r);
    case 8: // x: both diagonals
        return torch::max(torch::min((dx - dy).abs(), (dx + dy).abs()) * kInvSqrt2 - t,
                          box - 0.8 * r);
    default: // frame: a hollow square
        return (box - 0.85 * r).abs() - t;
    }
}

torch::Tensor uniform(int64_t n, double low, double high, torch::Generator& gen) {
    return torch::rand({n}, gen, torch::kFloat32).mul_(high - low).add_(low);
}

} // namespace

Dataset make_synthetic(int64_t count, int64_t channels, int64_t image_size, uint64_t seed) {
    if (count <= 0 || channels <= 0 || image_size < 4)
        throw DataError("cannot make a synthetic set of " + std::to_string(count) + " images of " +
                        std::to_string(channels) + " x " + std::to_string(image_size) + " x " +
                        std::to_string(image_size));
    check_set_size("the synthetic set", count, channels, image_size, image_size);
    torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const auto s = static_cast<double>(image_size);
    const int64_t n = count;

    // Balanced: each class count/10 times (the first count%10 classes once more), shuffled.
    torch::Tensor labels = torch::arange(n, torch::kInt64).remainder(kShapes);
    labels = labels.index_select(0, torch::randperm(n, gen, torch::kInt64));
    // Jitter of position, size, thickness, intensity and noise, and a stray blob somewhere: no
    // two images of a class alike, and a small conv net still errs on ~10% after 300 steps.
    const torch::Tensor cx = uniform(n, 0.32 * s, 0.68 * s, gen);
    const torch::Tensor cy = uniform(n, 0.32 * s, 0.68 * s, gen);
    const torch::Tensor radius = uniform(n, 0.15 * s, 0.32 * s, gen);
    const torch::Tensor half_thickness = uniform(n, 0.05 * s, 0.10 * s, gen).clamp_min(0.75);
    const torch::Tensor foreground = torch::rand({n, channels}, gen).mul_(0.45).add_(0.55);
    const torch::Tensor background = torch::rand({n, channels}, gen).mul_(0.25);
    const torch::Tensor noise_std = uniform(n, 0.05, 0.25, gen);
    const torch::Tensor blob_x = uniform(n, 0, s, gen);
    const torch::Tensor blob_y = uniform(n, 0, s, gen);
    const torch::Tensor blob_radius = uniform(n, 0.06 * s, 0.12 * s, gen);

    const torch::Tensor centres = torch::arange(image_size, torch::kFloat32).add_(0.5);
    const torch::Tensor xs = centres.view({1, 1, -1}), ys = centres.view({1, -1, 1});
    torch::Tensor images = torch::empty({n, channels, image_size, image_size}, torch::kUInt8);
    for (int64_t begin = 0; begin < n; begin += kChunk) {
        const int64_t m = std::min(kChunk, n - begin);
        const torch::Tensor chunk_labels = labels.narrow(0, begin, m);
        torch::Tensor distance = torch::empty({m, image_size, image_size});
        for (int64_t shape = 0; shape < kShapes; ++shape) {
            const torch::Tensor which = chunk_labels.eq(shape).nonzero().squeeze(1);
            if (which.numel() == 0)
                continue;
            const torch::Tensor rows = which + begin;
            auto pick = [&](const torch::Tensor& v) {
                return v.index_select(0, rows).view({-1, 1, 1});
            };
            distance.index_copy_(0, which,
                                 shape_distance(shape, xs - pick(cx), ys - pick(cy), pick(radius),
                                                pick(half_thickness)));
        }
        auto chunk = [&](const torch::Tensor& v) { return v.narrow(0, begin, m).view({m, 1, 1}); };
        const torch::Tensor blob_dx = xs - chunk(blob_x), blob_dy = ys - chunk(blob_y);
        distance = torch::min(distance,
                              (blob_dx * blob_dx + blob_dy * blob_dy).sqrt() - chunk(blob_radius));
        // One pixel of soft edge, as a rendered shape would have.
        const torch::Tensor coverage = (0.5 - distance).clamp_(0, 1).unsqueeze(1);
        const torch::Tensor fg = foreground.narrow(0, begin, m).view({m, channels, 1, 1});
        const torch::Tensor bg = background.narrow(0, begin, m).view({m, channels, 1, 1});
        const torch::Tensor noise =
            torch::randn({m, channels, image_size, image_size}, gen, torch::kFloat32)
                .mul_(noise_std.narrow(0, begin, m).view({m, 1, 1, 1}));
        images.narrow(0, begin, m)
            .copy_((bg + (fg - bg) * coverage + noise).mul_(255.0).round_().clamp_(0, 255));
    }

    Dataset data;
    data.name = "synthetic";
    data.images = images;
    data.labels = labels;
    data.classes.assign(kShapeNames, kShapeNames + kShapes);
    data.norm = measure_normalization(images);
    return data;
}

} // namespace reslab
