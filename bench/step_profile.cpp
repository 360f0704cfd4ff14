// Where one training step of a small net spends its time, op by op: LibTorch's own profiler over
// the steps of a Run, each op's self time (its children taken out) summed and ranked, against the
// step's wall time. Prints a table; asserts nothing.
//
//   bench_step_profile [--arch plain56] [--width 8] [--size 14] [--batch 128] [--steps 30]
//                      [--threads 1] [--nchw] [--sse2-batch-norm]
//
// --sse2-batch-norm holds ResLab's batch norm to its SSE2 loops where the processor has AVX2.
//
// Defaults: plain-56 of the degradation preset (widths 8/16/32, 14 x 14 inputs, batch 128).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <torch/csrc/autograd/profiler_legacy.h>

#include "nets/batchnorm.h"
#include "train/devices.h"
#include "train/presets.h"
#include "train/run.h"

using namespace reslab;
namespace profiler = torch::autograd::profiler;

namespace {

struct OpTime {
    double self_us = 0.0;
    int64_t calls = 0;
};

/// Self time per op name: each pop closes its push, and a parent's time excludes its children's.
std::map<std::string, OpTime> self_times(const profiler::thread_event_lists& lists) {
    std::map<std::string, OpTime> ops;
    for (const auto& events : lists) {
        struct Open {
            const profiler::LegacyEvent* push;
            double children_us;
        };
        std::vector<Open> stack;
        for (const auto& e : events) {
            if (e.kind() == profiler::EventKind::PushRange) {
                stack.push_back({&e, 0.0});
            } else if (e.kind() == profiler::EventKind::PopRange && !stack.empty()) {
                const Open open = stack.back();
                stack.pop_back();
                const double total = open.push->cpuElapsedUs(e);
                OpTime& op = ops[open.push->name()];
                op.self_us += total - open.children_us;
                ++op.calls;
                if (!stack.empty())
                    stack.back().children_us += total;
            }
        }
    }
    return ops;
}

} // namespace

int main(int argc, char** argv) {
    std::string arch = "plain56";
    int64_t width = 8, size = 14, batch = 128, steps = 30;
    int threads = 1;
    bool channels_last = true;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&] { return i + 1 < argc ? argv[++i] : "0"; };
        if (a == "--arch")
            arch = next();
        else if (a == "--width")
            width = std::atoll(next());
        else if (a == "--size")
            size = std::atoll(next());
        else if (a == "--batch")
            batch = std::atoll(next());
        else if (a == "--steps")
            steps = std::atoll(next());
        else if (a == "--threads")
            threads = std::atoi(next());
        else if (a == "--nchw")
            channels_last = false;
        else if (a == "--sse2-batch-norm")
            set_batch_norm_avx2(false);
    }
    reuse_freed_memory();
    threads = set_intra_op_threads(threads);

    TrainConfig t;
    t.dataset = "synthetic";
    t.synthetic_size = std::max<int64_t>(4 * batch, 1024);
    t.batch_size = batch;
    t.steps = steps + 6; // the last step evaluates; it is never timed
    t.eval_every = 0;
    t.probe_every = 0;
    t.checkpoint_every = 0;
    t.record_every = 10;
    t.channels_last = channels_last;
    RunConfig c = make_run_config(arch, t, 1);
    c.net.stem_width = width;
    c.net.widths = {width, 2 * width, 4 * width};
    DataOptions d;
    d.name = "synthetic";
    d.count = t.synthetic_size;
    d.image_size = size;
    auto data = std::make_shared<Dataset>(load_dataset(d));
    Run run(c, RunData{data, data}, "");
    for (int i = 0; i < 5; ++i) // warm-up: first-touch allocations, oneDNN's kernel choice
        run.step();

    // Unprofiled wall time first: the profiler adds its own cost to every op.
    const auto w0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < steps; ++i)
        run.step();
    const double wall_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - w0).count() /
        steps;

    Run profiled(c, RunData{data, data}, "");
    for (int i = 0; i < 5; ++i)
        profiled.step();
    profiler::enableProfilerLegacy(
        torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU));
    const auto p0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < steps; ++i)
        profiled.step();
    const double profiled_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - p0).count() /
        steps;
    const auto ops = self_times(profiler::disableProfilerLegacy());

    std::vector<std::pair<std::string, OpTime>> ranked(ops.begin(), ops.end());
    std::sort(ranked.begin(), ranked.end(),
              [](const auto& a, const auto& b) { return a.second.self_us > b.second.self_us; });
    double in_ops = 0.0;
    int64_t calls = 0;
    for (const auto& [name, op] : ranked) {
        in_ops += op.self_us / steps;
        calls += op.calls;
    }
    std::printf(
        "%s, widths %lld/%lld/%lld, %lldx%lld input, batch %lld, %d thread(s), %s, %lld steps, "
        "batch norm on %s loops\n",
        arch.c_str(), static_cast<long long>(width), static_cast<long long>(2 * width),
        static_cast<long long>(4 * width), static_cast<long long>(size),
        static_cast<long long>(size), static_cast<long long>(batch), threads,
        channels_last ? "channels-last" : "NCHW", static_cast<long long>(steps),
        batch_norm_avx2() ? "AVX2" : "SSE2");
    std::printf("step: %.2f ms unprofiled, %.2f ms profiled, %.1f ops a step\n", wall_us / 1e3,
                profiled_us / 1e3, static_cast<double>(calls) / steps);
    std::printf("%-44s %10s %7s %8s\n", "op (self time)", "ms/step", "share", "calls");
    double shown = 0.0;
    for (size_t i = 0; i < ranked.size() && i < 30; ++i) {
        const double ms = ranked[i].second.self_us / steps / 1e3;
        shown += ms;
        std::printf("%-44.44s %10.3f %6.1f%% %8.1f\n", ranked[i].first.c_str(), ms,
                    100.0 * ms * 1e3 / profiled_us,
                    static_cast<double>(ranked[i].second.calls) / steps);
    }
    std::printf("%-44s %10.3f %6.1f%%\n", "(the other ops)", in_ops / 1e3 - shown,
                100.0 * (in_ops - shown * 1e3) / profiled_us);
    std::printf("%-44s %10.3f %6.1f%%\n", "(outside any op: the step's own C++)",
                (profiled_us - in_ops) / 1e3, 100.0 * (profiled_us - in_ops) / profiled_us);
    return 0;
}
