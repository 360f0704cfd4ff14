#include "batchnorm.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <ATen/Parallel.h>
// c10::optional: LibTorch 2.x's own headers no longer bring it in. It stays c10's, not std's:
// 1.13's custom functions take an optional tensor as an input only in that spelling.
#include <c10/util/Optional.h>
#include <torch/autograd.h>

namespace reslab {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// affine()'s arguments, for the loops in batchnorm_kernels.inc.
struct AffineArgs {
    const float* a = nullptr;
    const float* b = nullptr;
    float* out = nullptr;
    const float* p = nullptr;
    const float* q = nullptr;
    const float* r = nullptr;
    const float* mask = nullptr;
    const float* add = nullptr;
    bool relu = false;
    int64_t tile = 0;
    int64_t total = 0;
};

/// sum_tiles' second term where a pass makes one sum only.
struct NoTerm {
    float operator()(int64_t, float, float, float) const { return 0.0f; }
};

namespace base {
#define RESLAB_BN_TARGET
#include "batchnorm_kernels.inc"
#undef RESLAB_BN_TARGET
} // namespace base

#if defined(__x86_64__) || defined(__i386__)
namespace avx2 {
#define RESLAB_BN_TARGET __attribute__((target("avx2")))
#include "batchnorm_kernels.inc"
#undef RESLAB_BN_TARGET
} // namespace avx2

bool processor_has_avx2() {
    // The detection may not have run yet when a static initialiser asks (GCC's manual).
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
}
#else
// Not an x86 processor (an Arm GPU server): one copy of the loops, as the compiler targets.
namespace avx2 = base;

bool processor_has_avx2() {
    return false;
}
#endif

/// Whether the batch norms run the AVX2 loops: where the processor has AVX2, unless
/// set_batch_norm_avx2(false) said not to.
std::atomic<bool> g_avx2{processor_has_avx2()};

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

/// Per-channel sums over every row of term0(lane, a, b, m) and, in the same pass, of term1 (where
/// Term1 is not NoTerm), where a, b and m are the inputs' elements (b and m may be null, m only
/// where b is not). Returns C doubles a term (the second empty for NoTerm).
template <typename Term0, typename Term1>
std::pair<std::vector<double>, std::vector<double>> channel_sums(const float* a,
                                                                 const float* b,
                                                                 const float* m,
                                                                 int64_t rows,
                                                                 int64_t c,
                                                                 Term0 term0,
                                                                 Term1 term1) {
    constexpr bool two = !std::is_same<Term1, NoTerm>::value;
    const int64_t tile = tile_floats(c);
    const int64_t total = rows * c;
    const int64_t tiles = total / tile;
    const int64_t chunks = (tiles + kTilesPerChunk - 1) / kTilesPerChunk;
    std::vector<float> partial0(static_cast<size_t>(chunks * tile), 0.0f);
    std::vector<float> partial1(two ? partial0.size() : 0, 0.0f);
    const bool use_avx2 = g_avx2.load(std::memory_order_relaxed);
    at::parallel_for(0, chunks, 1, [&](int64_t first, int64_t last) {
        for (int64_t k = first; k < last; ++k) {
            float* acc0 = partial0.data() + k * tile;
            float* acc1 = two ? partial1.data() + k * tile : nullptr;
            const int64_t begin = k * kTilesPerChunk, end = std::min(tiles, begin + kTilesPerChunk);
            if (use_avx2)
                avx2::sum_tiles(a, b, m, tile, begin, end, acc0, term0, acc1, term1);
            else
                base::sum_tiles(a, b, m, tile, begin, end, acc0, term0, acc1, term1);
        }
    });
    std::pair<std::vector<double>, std::vector<double>> sums;
    sums.first.assign(static_cast<size_t>(c), 0.0);
    sums.second.assign(two ? static_cast<size_t>(c) : 0, 0.0);
    for (int64_t k = 0; k < chunks; ++k)
        for (int64_t i = 0; i < tile; ++i) {
            const size_t at = static_cast<size_t>(k * tile + i), s = static_cast<size_t>(i % c);
            sums.first[s] += partial0[at];
            if (two)
                sums.second[s] += partial1[at];
        }
    // The rows after the last whole tile (fewer than 64 floats).
    for (int64_t i = tiles * tile; i < total; ++i) {
        const size_t s = static_cast<size_t>(i % c);
        const float u = a[i], v = b ? b[i] : 0.0f, w = m ? m[i] : 0.0f;
        sums.first[s] += term0(i % tile, u, v, w);
        if (two)
            sums.second[s] += term1(i % tile, u, v, w);
    }
    return sums;
}

/// channel_sums of one term f(lane, a, b) over two inputs (b may be null).
template <typename Term>
std::vector<double>
channel_sums(const float* a, const float* b, int64_t rows, int64_t c, Term term) {
    return channel_sums(
               a, b, nullptr, rows, c,
               [&](int64_t i, float u, float v, float) { return term(i, u, v); }, NoTerm())
        .first;
}

/// out = a * p[lane] + b * q[lane] + r[lane] over every element (b may be null: no b term). With
/// a mask, a counts only where mask > 0 (not where it is 0 or NaN): a ReLU's backward, whose
/// output is the mask, as threshold_backward counts it. With relu,
/// out is max(out + add, 0) (add may be null: no add term): a residual sum's and ReLU's forward.
void affine(const float* a,
            const float* b,
            float* out,
            int64_t rows,
            int64_t c,
            const std::vector<float>& p,
            const std::vector<float>& q,
            const std::vector<float>& r,
            const float* mask = nullptr,
            bool relu = false,
            const float* add = nullptr) {
    AffineArgs args;
    args.a = a;
    args.b = b;
    args.out = out;
    args.p = p.data();
    args.q = q.empty() ? nullptr : q.data();
    args.r = r.data();
    args.mask = mask;
    args.add = add;
    args.relu = relu;
    args.tile = tile_floats(c);
    args.total = rows * c;
    const int64_t tiles = (args.total + args.tile - 1) / args.tile;
    const bool use_avx2 = g_avx2.load(std::memory_order_relaxed);
    at::parallel_for(0, tiles, kTilesPerChunk, [&](int64_t first, int64_t last) {
        if (use_avx2)
            avx2::affine_tiles(args, first, last);
        else
            base::affine_tiles(args, first, last);
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
                                 double eps,
                                 bool relu,
                                 const c10::optional<torch::Tensor>& residual) {
        // An optional, not an undefined tensor: LibTorch's Function records every tensor argument
        // as an input, and an undefined one has no device to record.
        const bool add = residual.has_value() && residual->defined();
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
               lanes(shift.data(), c, tile), nullptr, relu,
               add ? residual->data_ptr<float>() : nullptr);

        // PyTorch's running statistics: an exponential average with the unbiased batch variance,
        // made here in double and rounded once (a handful of numbers: LibTorch's ops would cost
        // more in dispatch than in arithmetic).
        const double unbias =
            rows > 1 ? static_cast<double>(rows) / static_cast<double>(rows - 1) : 1.0;
        float* rm = running_mean.data_ptr<float>();
        float* rv = running_var.data_ptr<float>();
        for (int64_t i = 0; i < c; ++i) {
            const size_t s = static_cast<size_t>(i);
            rm[i] = static_cast<float>((1.0 - momentum) * rm[i] + momentum * mean[s]);
            rv[i] = static_cast<float>((1.0 - momentum) * rv[i] + momentum * unbias * var[s]);
            mean[s] = static_cast<float>(mean[s]); // the backward pass reads the float mean
        }

        // A ReLU's backward needs its output, which the next convolution keeps as its input anyway.
        if (relu)
            ctx->save_for_backward({x, weight, y});
        else
            ctx->save_for_backward({x, weight});
        ctx->saved_data["mean"] = std::move(mean);
        ctx->saved_data["invstd"] = std::move(invstd);
        ctx->saved_data["residual"] = add;
        return y;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor& x = saved[0];
        const torch::Tensor& weight = saved[1];
        // The ReLU's output: dy counts only where it is above 0 (threshold_backward's rule).
        const float* mask = saved.size() > 2 ? saved[2].data_ptr<float>() : nullptr;
        const std::vector<double> mean_d = ctx->saved_data["mean"].toDoubleVector();
        const std::vector<double> invstd = ctx->saved_data["invstd"].toDoubleVector();
        torch::Tensor dy = grads[0].contiguous(torch::MemoryFormat::ChannelsLast);
        // With a residual sum the ReLU's gradient is the identity's too, so it is made once, by
        // LibTorch's own ReLU backward, and the batch norm's backward reads it unmasked.
        torch::Tensor residual_grad;
        if (ctx->saved_data["residual"].toBool()) {
            residual_grad = at::threshold_backward(dy, saved[2], 0.0)
                                .contiguous(torch::MemoryFormat::ChannelsLast);
            dy = residual_grad;
            mask = nullptr;
        }
        const int64_t c = x.size(1), rows = x.numel() / c, tile = tile_floats(c);
        const float* px = x.data_ptr<float>();
        const float* pdy = dy.data_ptr<float>();
        const std::vector<float> mean_lanes = lanes(mean_d.data(), c, tile);
        // sum_dy and sum over rows of dy * (x - mean) (dy * x_hat before the 1/std), in one pass.
        std::vector<double> sum_dy, sum_dy_xc;
        if (mask) {
            // The same sums of the gradient the ReLU passes on: dy where its output is above 0.
            std::tie(sum_dy, sum_dy_xc) = channel_sums(
                pdy, px, mask, rows, c,
                [](int64_t, float g, float, float m) { return m > 0.0f ? g : 0.0f; },
                [&](int64_t i, float g, float v, float m) {
                    return (m > 0.0f ? g : 0.0f) * (v - mean_lanes[static_cast<size_t>(i)]);
                });
        } else {
            std::tie(sum_dy, sum_dy_xc) = channel_sums(
                pdy, px, nullptr, rows, c, [](int64_t, float g, float, float) { return g; },
                [&](int64_t i, float g, float v, float) {
                    return g * (v - mean_lanes[static_cast<size_t>(i)]);
                });
        }
        // dx = w invstd (dy - mean(dy) - x_hat mean(dy x_hat)), written as dy a + x b + k per
        // channel.
        const auto w = weight.accessor<float, 1>();
        std::vector<double> a(static_cast<size_t>(c)), bcoef(static_cast<size_t>(c)),
            k(static_cast<size_t>(c));
        torch::Tensor dw_t = torch::empty({c}, weight.options());
        torch::Tensor db_t = torch::empty({c}, weight.options());
        float* dw = dw_t.data_ptr<float>();
        float* db = db_t.data_ptr<float>();
        const double n = static_cast<double>(rows);
        for (int64_t i = 0; i < c; ++i) {
            const size_t s = static_cast<size_t>(i);
            a[s] = w[i] * invstd[s];
            bcoef[s] = -a[s] * invstd[s] * invstd[s] * sum_dy_xc[s] / n;
            k[s] = -a[s] * sum_dy[s] / n - bcoef[s] * mean_d[s];
            dw[i] = static_cast<float>(sum_dy_xc[s] * invstd[s]);
            db[i] = static_cast<float>(sum_dy[s]);
        }
        torch::Tensor dx = torch::empty_like(x, torch::MemoryFormat::ChannelsLast);
        affine(pdy, px, dx.data_ptr<float>(), rows, c, lanes(a.data(), c, tile),
               lanes(bcoef.data(), c, tile), lanes(k.data(), c, tile), mask);
        return {dx,
                dw_t,
                db_t,
                torch::Tensor(),
                torch::Tensor(),
                torch::Tensor(),
                torch::Tensor(),
                torch::Tensor(),
                residual_grad};
    }
};

thread_local BatchNormReducer* t_reducer = nullptr;

std::vector<double> to_vector(const torch::Tensor& t) {
    const torch::Tensor d = t.to(torch::kFloat64).contiguous();
    return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

torch::Tensor to_tensor(const std::vector<double>& v) {
    return torch::tensor(v, torch::kFloat64);
}

/// Whether the tiled kernels above can walk x: float32, 4-D, channels-last.
bool tiled(const torch::Tensor& x) {
    return x.scalar_type() == torch::kFloat && x.dim() == 4 &&
           x.is_contiguous(torch::MemoryFormat::ChannelsLast);
}

/// Per-channel sums over every dimension but the channels', in float64 (other layouts).
torch::Tensor channel_sum(const torch::Tensor& t) {
    std::vector<int64_t> dims;
    for (int64_t d = 0; d < t.dim(); ++d)
        if (d != 1)
            dims.push_back(d);
    return t.sum(dims);
}

torch::Tensor per_channel_view(const torch::Tensor& v, const torch::Tensor& like) {
    std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
    shape[1] = v.numel();
    return v.view(shape);
}

/// torch.nn.SyncBatchNorm's training-mode function: statistics over every process's batch.
struct SyncBatchNorm : torch::autograd::Function<SyncBatchNorm> {
    static torch::Tensor forward(AutogradContext* ctx,
                                 const torch::Tensor& x_in,
                                 const torch::Tensor& weight,
                                 const torch::Tensor& bias,
                                 torch::Tensor running_mean,
                                 torch::Tensor running_var,
                                 double momentum,
                                 double eps,
                                 BatchNormReducer* reducer) {
        const torch::Tensor x =
            x_in.dim() == 4 && x_in.is_contiguous(torch::MemoryFormat::ChannelsLast)
                ? x_in
                : x_in.contiguous();
        const int64_t c = x.size(1), rows = x.numel() / c;
        const bool fast = tiled(x);
        const float* px = fast ? x.data_ptr<float>() : nullptr;
        // First the count and the sum of each channel over the job, then the squared deviations
        // from the job's mean: two all-reduces, as exact as the single-process kernel's two passes.
        std::vector<double> sum =
            fast ? channel_sums(px, nullptr, rows, c, [](int64_t, float v, float) { return v; })
                 : to_vector(channel_sum(x.to(torch::kFloat64)));
        sum.push_back(static_cast<double>(rows));
        torch::Tensor reduced = to_tensor(sum);
        reducer->all_reduce_sum(reduced);
        const double count = reduced[c].item<double>();
        const torch::Tensor mean_d = reduced.narrow(0, 0, c) / count;
        const torch::Tensor mean_f = mean_d.to(torch::kFloat32);
        std::vector<double> dev;
        if (fast) {
            const std::vector<double> m = to_vector(mean_f);
            const std::vector<float> mean_lanes = lanes(m.data(), c, tile_floats(c));
            dev = channel_sums(px, nullptr, rows, c, [&](int64_t i, float v, float) {
                const float d = v - mean_lanes[static_cast<size_t>(i)];
                return d * d;
            });
        } else {
            dev = to_vector(
                channel_sum((x.to(torch::kFloat64) - per_channel_view(mean_d, x)).square()));
        }
        torch::Tensor var = to_tensor(dev);
        reducer->all_reduce_sum(var);
        var.div_(count);
        const torch::Tensor invstd = (var + eps).rsqrt();
        const torch::Tensor scale = weight.detach().to(torch::kFloat64) * invstd;
        const torch::Tensor shift = bias.detach().to(torch::kFloat64) - mean_d * scale;
        torch::Tensor y;
        if (fast) {
            const int64_t tile = tile_floats(c);
            const std::vector<double> sc = to_vector(scale), sh = to_vector(shift);
            y = torch::empty_like(x, torch::MemoryFormat::ChannelsLast);
            affine(px, nullptr, y.data_ptr<float>(), rows, c, lanes(sc.data(), c, tile), {},
                   lanes(sh.data(), c, tile));
        } else {
            y = (x.to(torch::kFloat64) * per_channel_view(scale, x) + per_channel_view(shift, x))
                    .to(x.scalar_type());
        }
        // As BatchNorm over the whole job's batch: the unbiased variance of all its values.
        const double unbias = count > 1 ? count / (count - 1) : 1.0;
        {
            torch::NoGradGuard no_grad;
            running_mean.mul_(1.0 - momentum).add_(mean_f.to(running_mean.dtype()), momentum);
            running_var.mul_(1.0 - momentum)
                .add_(var.to(torch::kFloat32).to(running_var.dtype()), momentum * unbias);
        }
        ctx->save_for_backward({x, weight});
        ctx->saved_data["mean"] = mean_f;
        ctx->saved_data["invstd"] = invstd;
        ctx->saved_data["count"] = count;
        // The reducer outlives the step (the trainer owns it); backward may run on another thread
        // than forward, so it travels with the node rather than in t_reducer.
        ctx->saved_data["reducer"] = static_cast<int64_t>(reinterpret_cast<intptr_t>(reducer));
        return y;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor& x = saved[0];
        const torch::Tensor& weight = saved[1];
        const torch::Tensor mean_f = ctx->saved_data["mean"].toTensor();
        const torch::Tensor invstd = ctx->saved_data["invstd"].toTensor();
        const double count = ctx->saved_data["count"].toDouble();
        auto* reducer = reinterpret_cast<BatchNormReducer*>(
            static_cast<intptr_t>(ctx->saved_data["reducer"].toInt()));
        const int64_t c = x.size(1), rows = x.numel() / c;
        const bool fast = tiled(x);
        const torch::Tensor dy =
            fast ? grads[0].contiguous(torch::MemoryFormat::ChannelsLast) : grads[0].contiguous();
        std::vector<double> sums;
        if (fast) {
            const std::vector<double> m = to_vector(mean_f);
            const std::vector<float> mean_lanes = lanes(m.data(), c, tile_floats(c));
            const float* px = x.data_ptr<float>();
            const float* pdy = dy.data_ptr<float>();
            std::vector<double> dy_xc;
            std::tie(sums, dy_xc) = channel_sums(
                pdy, px, nullptr, rows, c, [](int64_t, float g, float, float) { return g; },
                [&](int64_t i, float g, float v, float) {
                    return g * (v - mean_lanes[static_cast<size_t>(i)]);
                });
            sums.insert(sums.end(), dy_xc.begin(), dy_xc.end());
        } else {
            const torch::Tensor dyd = dy.to(torch::kFloat64);
            sums = to_vector(channel_sum(dyd));
            const std::vector<double> dy_xc = to_vector(channel_sum(
                dyd * (x.to(torch::kFloat64) - per_channel_view(mean_f.to(torch::kFloat64), x))));
            sums.insert(sums.end(), dy_xc.begin(), dy_xc.end());
        }
        const torch::Tensor local = to_tensor(sums);
        // The weight's and bias's gradients from this process's rows; the job averages them.
        const torch::Tensor dw = (local.narrow(0, c, c) * invstd).to(weight.scalar_type());
        const torch::Tensor db = local.narrow(0, 0, c).to(weight.scalar_type());
        torch::Tensor global = local.clone();
        reducer->all_reduce_sum(global);
        const torch::Tensor sum_dy = global.narrow(0, 0, c);
        const torch::Tensor sum_dy_xc = global.narrow(0, c, c);
        // dx = w invstd (dy - sum(dy)/N - (x - mean) invstd^2 sum(dy (x - mean))/N), N the job's
        // count: dy a + x b + k per channel.
        const torch::Tensor mean_d = mean_f.to(torch::kFloat64);
        const torch::Tensor a = weight.detach().to(torch::kFloat64) * invstd;
        const torch::Tensor b = -a * invstd * invstd * sum_dy_xc / count;
        const torch::Tensor k = -a * sum_dy / count - b * mean_d;
        torch::Tensor dx;
        if (fast) {
            const int64_t tile = tile_floats(c);
            const std::vector<double> av = to_vector(a), bv = to_vector(b), kv = to_vector(k);
            dx = torch::empty_like(x, torch::MemoryFormat::ChannelsLast);
            affine(dy.data_ptr<float>(), x.data_ptr<float>(), dx.data_ptr<float>(), rows, c,
                   lanes(av.data(), c, tile), lanes(bv.data(), c, tile), lanes(kv.data(), c, tile));
        } else {
            dx = (dy.to(torch::kFloat64) * per_channel_view(a, x) +
                  x.to(torch::kFloat64) * per_channel_view(b, x) + per_channel_view(k, x))
                     .to(x.scalar_type());
        }
        return {dx,
                dw,
                db,
                torch::Tensor(),
                torch::Tensor(),
                torch::Tensor(),
                torch::Tensor(),
                torch::Tensor()};
    }
};

/// ResLab's kernel (where uses_own_batch_norm holds): the batch counted as BatchNorm2d counts it,
/// then the normalisation, with the ReLU and the residual sum where asked.
torch::Tensor own_batch_norm(torch::nn::BatchNorm2d& bn,
                             const torch::Tensor& x,
                             bool relu,
                             const c10::optional<torch::Tensor>& residual) {
    torch::Tensor& tracked = bn->num_batches_tracked;
    if (tracked.scalar_type() == torch::kInt64) {
        ++*tracked.data_ptr<int64_t>(); // one number: no op to dispatch
    } else { // a module converted whole by to(dtype), which converts this buffer too
        torch::NoGradGuard no_grad;
        tracked.add_(1);
    }
    return ChannelsLastBatchNorm::apply(x, bn->weight, bn->bias, bn->running_mean, bn->running_var,
                                        *bn->options.momentum(), bn->options.eps(), relu, residual);
}

} // namespace

SyncBatchNormScope::SyncBatchNormScope(BatchNormReducer* reducer) : m_previous(t_reducer) {
    t_reducer = reducer;
}

SyncBatchNormScope::~SyncBatchNormScope() {
    t_reducer = m_previous;
}

bool batch_norm_synced() {
    return t_reducer != nullptr;
}

bool set_batch_norm_avx2(bool on) {
    const bool has = processor_has_avx2();
    g_avx2 = on && has;
    return has;
}

bool batch_norm_avx2() {
    return g_avx2;
}

bool uses_own_batch_norm(const torch::nn::BatchNorm2d& bn, const torch::Tensor& x) {
    const auto& o = bn->options;
    return bn->is_training() && x.device().is_cpu() && x.scalar_type() == torch::kFloat &&
           x.dim() == 4 && x.size(1) > 0 && x.numel() > x.size(1) &&
           x.is_contiguous(torch::MemoryFormat::ChannelsLast) && o.affine() &&
           o.track_running_stats() && o.momentum().has_value() &&
           bn->weight.scalar_type() == torch::kFloat && bn->weight.is_contiguous() &&
           bn->running_mean.scalar_type() == torch::kFloat && bn->running_mean.is_contiguous() &&
           bn->running_var.scalar_type() == torch::kFloat && bn->running_var.is_contiguous();
}

torch::Tensor batch_norm(torch::nn::BatchNorm2d& bn, const torch::Tensor& x) {
    const auto& o = bn->options;
    if (t_reducer && bn->is_training() && o.track_running_stats() && o.affine()) {
        {
            torch::NoGradGuard no_grad;
            bn->num_batches_tracked.add_(1);
        }
        // PyTorch's momentum None: the cumulative average.
        const double momentum =
            o.momentum() ? *o.momentum() : 1.0 / bn->num_batches_tracked.item<double>();
        return SyncBatchNorm::apply(x, bn->weight, bn->bias, bn->running_mean, bn->running_var,
                                    momentum, o.eps(), t_reducer);
    }
    if (!uses_own_batch_norm(bn, x))
        return bn->forward(x);
    return own_batch_norm(bn, x, false, c10::nullopt);
}

torch::Tensor batch_norm_relu(torch::nn::BatchNorm2d& bn, const torch::Tensor& x) {
    if (t_reducer || !uses_own_batch_norm(bn, x))
        return torch::relu(batch_norm(bn, x));
    return own_batch_norm(bn, x, true, c10::nullopt);
}

torch::Tensor batch_norm_add_relu(torch::nn::BatchNorm2d& bn,
                                  const torch::Tensor& x,
                                  const torch::Tensor& identity) {
    if (t_reducer || !uses_own_batch_norm(bn, x) || identity.sizes() != x.sizes() ||
        identity.scalar_type() != torch::kFloat ||
        !identity.is_contiguous(torch::MemoryFormat::ChannelsLast))
        return torch::relu(batch_norm(bn, x) + identity);
    return own_batch_norm(bn, x, true, identity);
}

} // namespace reslab
