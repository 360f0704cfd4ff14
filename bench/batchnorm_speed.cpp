// A batch norm and the ReLU after it, forward and backward, at the degradation preset's sizes:
// LibTorch's BatchNorm2d then torch::relu, ResLab's batch_norm then torch::relu, and ResLab's
// batch_norm_relu (the two in one); then the same with a residual sum before the ReLU (a residual
// block's end, batch_norm_add_relu); and the fused kind once more on the kernel's SSE2 loops, where
// the processor has AVX2 (set_batch_norm_avx2). The kinds take turns, round after round, so that a
// busy host slows them alike. Prints the median time of each and the ratios; asserts nothing.
//
//   bench_batchnorm_speed [--rounds 200] [--threads 1]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "nets/batchnorm.h"
#include "timestats.h"
#include "train/devices.h"

using namespace reslab;

namespace {

struct Shape {
    int64_t n, c, side;
};

using Kind = std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>;

/// Milliseconds of one forward and backward of f on x and the identity (the batch of the shape),
/// gradient g.
double
time_once(const Kind& f, const torch::Tensor& x, const torch::Tensor& id, const torch::Tensor& g) {
    const torch::Tensor input = x.detach().requires_grad_(true);
    const torch::Tensor identity = id.detach().requires_grad_(true);
    set_batch_norm_avx2(true); // sse2() holds a kind to the SSE2 loops
    const auto start = std::chrono::steady_clock::now();
    f(input, identity).backward(g);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

/// f() on the batch norm's SSE2 loops, forward and backward (the backward runs inside time_once
/// after f returns, so the loops stay SSE2 until the next kind sets them).
template <typename F> torch::Tensor sse2(const F& f) {
    set_batch_norm_avx2(false);
    return f();
}

} // namespace

int main(int argc, char** argv) {
    int rounds = 200, threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--rounds"))
            rounds = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--threads"))
            threads = std::atoi(argv[i + 1]);
    }
    set_intra_op_threads(threads);
    std::printf("batch norm + ReLU, forward and backward, channels-last float32, %d thread(s), "
                "median of %d rounds\n",
                threads, rounds);
    for (const bool sum : {false, true}) {
        std::printf("\n%s\n", sum ? "relu(bn(x) + identity)" : "relu(bn(x))");
        std::printf("%-22s %12s %12s %12s %12s %9s %9s %9s\n", "shape", "LibTorch ms", "own+ops ms",
                    "fused ms", "SSE2 ms", "own/Lib", "fused/own", "fused/SSE2");
        // The preset's three stages at 14 x 14 inputs, batch 128.
        for (const Shape& s : {Shape{128, 8, 14}, Shape{128, 16, 7}, Shape{128, 32, 4}}) {
            torch::manual_seed(0);
            const auto cl = torch::MemoryFormat::ChannelsLast;
            const torch::Tensor x = torch::randn({s.n, s.c, s.side, s.side}).contiguous(cl);
            const torch::Tensor id = torch::randn({s.n, s.c, s.side, s.side}).contiguous(cl);
            const torch::Tensor g = torch::randn({s.n, s.c, s.side, s.side}).contiguous(cl);
            torch::nn::BatchNorm2d theirs(s.c), own(s.c), fused(s.c);
            std::vector<Kind> kinds;
            if (sum)
                kinds = {
                    [&](const torch::Tensor& t, const torch::Tensor& i) {
                        return torch::relu(theirs->forward(t) + i);
                    },
                    [&](const torch::Tensor& t, const torch::Tensor& i) {
                        return torch::relu(batch_norm(own, t) + i);
                    },
                    [&](const torch::Tensor& t, const torch::Tensor& i) {
                        return batch_norm_add_relu(fused, t, i);
                    },
                    [&](const torch::Tensor& t, const torch::Tensor& i) {
                        return sse2([&] { return batch_norm_add_relu(fused, t, i); });
                    },
                };
            else
                kinds = {
                    [&](const torch::Tensor& t, const torch::Tensor&) {
                        return torch::relu(theirs->forward(t));
                    },
                    [&](const torch::Tensor& t, const torch::Tensor&) {
                        return torch::relu(batch_norm(own, t));
                    },
                    [&](const torch::Tensor& t, const torch::Tensor&) {
                        return batch_norm_relu(fused, t);
                    },
                    [&](const torch::Tensor& t, const torch::Tensor&) {
                        return sse2([&] { return batch_norm_relu(fused, t); });
                    },
                };
            std::vector<std::vector<double>> times(kinds.size());
            for (int r = 0; r < rounds + 5; ++r)
                for (size_t k = 0; k < kinds.size(); ++k) {
                    const double ms = time_once(kinds[k], x, id, g);
                    if (r >= 5) // the first rounds warm the allocator and oneDNN's caches
                        times[k].push_back(ms);
                }
            const double lib = timeStats(times[0]).median, mine = timeStats(times[1]).median,
                         one = timeStats(times[2]).median, narrow = timeStats(times[3]).median;
            const std::string name = std::to_string(s.n) + " x " + std::to_string(s.c) + " x " +
                                     std::to_string(s.side) + " x " + std::to_string(s.side);
            std::printf("%-22s %12.4f %12.4f %12.4f %12.4f %9.2f %9.2f %9.2f\n", name.c_str(), lib,
                        mine, one, narrow, mine / lib, one / mine, one / narrow);
        }
    }
    return 0;
}
