#include "batchnorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/autograd.h>

namespace reslab {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// A channels-last tensor is a matrix of M = N*H*W rows and C columns. The kernels walk it in tiles
// of whole rows at least 64 floats long, so that the inner loops run over contiguous memory with a
// per-lane table (lane i belongs to channel i % C) and vectorise whatever C is.
int64_t tile_floats(int64_t c) {
    return c * ((64 + c - 1) / c);
}
// Tiles a chunk sums in float before the chunk's sums are added, in order, in double: the sums
// come out the same whatever the thread count.
constexpr int64_t kTilesPerChunk = 64;

/// The lanes of one tile, filled from a per-channel array.
std::vector<float> lanes(const double* per_channel, int64_t c, int64_t lanes_count) {
    std::vector<float> out(static_cast<size_t>(lanes_count));
    for (int64_t i = 0; i < lanes_count; ++i)
        out[static_cast<size_t>(i)] = static_cast<float>(per_channel[i % c]);
    return out;
}

/// Per-channel sums over every row of f(lane, a, b), where a and b are the two inputs' elements
/// (b may be null). Returns C doubles.
template <typename Term>
std::vector<double>
channel_sums(const float* a, const float* b, int64_t rows, int64_t c, Term term) {
    const int64_t tile = tile_floats(c);
    const int64_t total = rows * c;
    const int64_t tiles = total / tile;
    const int64_t chunks = (tiles + kTilesPerChunk - 1) / kTilesPerChunk;
    std::vector<float> partial(static_cast<size_t>(chunks * tile), 0.0f);
    at::parallel_for(0, chunks, 1, [&](int64_t first, int64_t last) {
        for (int64_t k = first; k < last; ++k) {
            float* acc = partial.data() + k * tile;
            const int64_t end = std::min(tiles, (k + 1) * kTilesPerChunk);
            for (int64_t t = k * kTilesPerChunk; t < end; ++t) {
                const float* pa = a + t * tile;
                const float* pb = b ? b + t * tile : nullptr;
                for (int64_t i = 0; i < tile; ++i)
                    acc[i] += term(i, pa[i], pb ? pb[i] : 0.0f);
            }
        }
    });
    std::vector<double> sums(static_cast<size_t>(c), 0.0);
    for (int64_t k = 0; k < chunks; ++k)
        for (int64_t i = 0; i < tile; ++i)
            sums[static_cast<size_t>(i % c)] += partial[static_cast<size_t>(k * tile + i)];
    // The rows after the last whole tile (fewer than 64 floats).
    for (int64_t i = tiles * tile; i < total; ++i)
        sums[static_cast<size_t>(i % c)] += term(i % tile, a[i], b ? b[i] : 0.0f);
    return sums;
}

/// out = a * p[lane] + b * q[lane] + r[lane] over every element (b may be null: no b term).
void affine(const float* a,
            const float* b,
            float* out,
            int64_t rows,
            int64_t c,
            const std::vector<float>& p,
            const std::vector<float>& q,
            const std::vector<float>& r) {
    const int64_t tile = tile_floats(c);
    const int64_t total = rows * c;
    const int64_t tiles = (total + tile - 1) / tile;
    at::parallel_for(0, tiles, kTilesPerChunk, [&](int64_t first, int64_t last) {
        for (int64_t t = first; t < last; ++t) {
            const int64_t begin = t * tile, n = std::min(tile, total - begin);
            const float* pa = a + begin;
            float* po = out + begin;
            if (b) {
                const float* pb = b + begin;
                for (int64_t i = 0; i < n; ++i)
                    po[i] = pa[i] * p[i] + pb[i] * q[i] + r[i];
            } else {
                for (int64_t i = 0; i < n; ++i)
                    po[i] = pa[i] * p[i] + r[i];
            }
        }
    });
}

struct ChannelsLastBatchNorm : torch::autograd::Function<ChannelsLastBatchNorm> {
    static torch::Tensor forward(AutogradContext* ctx,
                                 const torch::Tensor& x,
                                 const torch::Tensor& weight,
                                 const torch::Tensor& bias,
                                 torch::Tensor running_mean,
                                 torch::Tensor running_var,
                                 double momentum,
                                 double eps) {
        const int64_t c = x.size(1), rows = x.numel() / c;
        const float* px = x.data_ptr<float>();
        std::vector<double> mean =
            channel_sums(px, nullptr, rows, c, [](int64_t, float v, float) { return v; });
        for (double& m : mean)
            m /= static_cast<double>(rows);
        // Two passes: the variance of the centred values, which stays accurate when the mean is
        // large against the spread.
        const std::vector<float> mean_lanes = lanes(mean.data(), c, tile_floats(c));
        std::vector<double> var =
            channel_sums(px, nullptr, rows, c, [&](int64_t i, float v, float) {
                const float d = v - mean_lanes[static_cast<size_t>(i)];
                return d * d;
            });
        std::vector<double> invstd(static_cast<size_t>(c)), scale(static_cast<size_t>(c)),
            shift(static_cast<size_t>(c));
        const auto w = weight.accessor<float, 1>();
        const auto b = bias.accessor<float, 1>();
        for (int64_t i = 0; i < c; ++i) {
            var[static_cast<size_t>(i)] /= static_cast<double>(rows);
            invstd[static_cast<size_t>(i)] = 1.0 / std::sqrt(var[static_cast<size_t>(i)] + eps);
            scale[static_cast<size_t>(i)] = w[i] * invstd[static_cast<size_t>(i)];
            shift[static_cast<size_t>(i)] =
                b[i] - mean[static_cast<size_t>(i)] * scale[static_cast<size_t>(i)];
        }
        torch::Tensor y = torch::empty_like(x, torch::MemoryFormat::ChannelsLast);
        const int64_t tile = tile_floats(c);
        affine(px, nullptr, y.data_ptr<float>(), rows, c, lanes(scale.data(), c, tile), {},
               lanes(shift.data(), c, tile));

        // PyTorch's running statistics: an exponential average with the unbiased batch variance.
        const auto as_tensor = [&](const std::vector<double>& v) {
            return torch::tensor(v, torch::kFloat64).to(torch::kFloat32);
        };
        const double unbias =
            rows > 1 ? static_cast<double>(rows) / static_cast<double>(rows - 1) : 1.0;
        running_mean.mul_(1.0 - momentum).add_(as_tensor(mean), momentum);
        running_var.mul_(1.0 - momentum).add_(as_tensor(var), momentum * unbias);

        ctx->save_for_backward({x, weight});
        ctx->saved_data["mean"] = as_tensor(mean);
        ctx->saved_data["invstd"] = torch::tensor(invstd, torch::kFloat64);
        return y;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor& x = saved[0];
        const torch::Tensor& weight = saved[1];
        const torch::Tensor mean = ctx->saved_data["mean"].toTensor();
        const torch::Tensor invstd_t = ctx->saved_data["invstd"].toTensor();
        const torch::Tensor dy = grads[0].contiguous(torch::MemoryFormat::ChannelsLast);
        const int64_t c = x.size(1), rows = x.numel() / c, tile = tile_floats(c);
        const float* px = x.data_ptr<float>();
        const float* pdy = dy.data_ptr<float>();
        const auto mean_a = mean.accessor<float, 1>();
        const auto invstd_a = invstd_t.accessor<double, 1>();
        std::vector<double> mean_d(static_cast<size_t>(c)), invstd(static_cast<size_t>(c));
        for (int64_t i = 0; i < c; ++i) {
            mean_d[static_cast<size_t>(i)] = mean_a[i];
            invstd[static_cast<size_t>(i)] = invstd_a[i];
        }
        const std::vector<float> mean_lanes = lanes(mean_d.data(), c, tile);
        const std::vector<double> sum_dy =
            channel_sums(pdy, nullptr, rows, c, [](int64_t, float g, float) { return g; });
        // sum over rows of dy * (x - mean): dy * x_hat before the 1/std.
        const std::vector<double> sum_dy_xc =
            channel_sums(pdy, px, rows, c, [&](int64_t i, float g, float v) {
                return g * (v - mean_lanes[static_cast<size_t>(i)]);
            });
        // dx = w invstd (dy - mean(dy) - x_hat mean(dy x_hat)), written as dy a + x b + k per
        // channel.
        const auto w = weight.accessor<float, 1>();
        std::vector<double> a(static_cast<size_t>(c)), bcoef(static_cast<size_t>(c)),
            k(static_cast<size_t>(c));
        std::vector<float> dw(static_cast<size_t>(c)), db(static_cast<size_t>(c));
        const double n = static_cast<double>(rows);
        for (int64_t i = 0; i < c; ++i) {
            const size_t s = static_cast<size_t>(i);
            a[s] = w[i] * invstd[s];
            bcoef[s] = -a[s] * invstd[s] * invstd[s] * sum_dy_xc[s] / n;
            k[s] = -a[s] * sum_dy[s] / n - bcoef[s] * mean_d[s];
            dw[s] = static_cast<float>(sum_dy_xc[s] * invstd[s]);
            db[s] = static_cast<float>(sum_dy[s]);
        }
        torch::Tensor dx = torch::empty_like(x, torch::MemoryFormat::ChannelsLast);
        affine(pdy, px, dx.data_ptr<float>(), rows, c, lanes(a.data(), c, tile),
               lanes(bcoef.data(), c, tile), lanes(k.data(), c, tile));
        return {dx,
                torch::tensor(dw),
                torch::tensor(db),
                torch::Tensor(),
                torch::Tensor(),
                torch::Tensor(),
                torch::Tensor()};
    }
};

} // namespace

bool uses_own_batch_norm(const torch::nn::BatchNorm2d& bn, const torch::Tensor& x) {
    const auto& o = bn->options;
    return bn->is_training() && x.device().is_cpu() && x.scalar_type() == torch::kFloat &&
           x.dim() == 4 && x.size(1) > 0 && x.numel() > x.size(1) &&
           x.is_contiguous(torch::MemoryFormat::ChannelsLast) && o.affine() &&
           o.track_running_stats() && o.momentum().has_value() &&
           bn->weight.scalar_type() == torch::kFloat && bn->weight.is_contiguous();
}

torch::Tensor batch_norm(torch::nn::BatchNorm2d& bn, const torch::Tensor& x) {
    if (!uses_own_batch_norm(bn, x))
        return bn->forward(x);
    {
        torch::NoGradGuard no_grad;
        bn->num_batches_tracked.add_(1);
    }
    return ChannelsLastBatchNorm::apply(x, bn->weight, bn->bias, bn->running_mean, bn->running_var,
                                        *bn->options.momentum(), bn->options.eps());
}

} // namespace reslab
