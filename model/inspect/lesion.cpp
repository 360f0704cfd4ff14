#include "lesion.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

#include "data/augment.h"
#include "io/runfolder.h"
#include "io/weights.h"
#include "train/run.h"

namespace reslab {
namespace {

double test_error(ResNetImpl& net,
                  const Dataset& test,
                  int64_t images,
                  int64_t batch,
                  const std::vector<bool>& removed) {
    int64_t wrong = 0;
    for (int64_t start = 0; start < images; start += batch) {
        const int64_t n = std::min(batch, images - start);
        const torch::Tensor indices = torch::arange(start, start + n, torch::kInt64);
        // In the layout of the net's weights: a run trained channels-last was evaluated so, and the
        // intact net then scores its run's own test error with the same kernels.
        const torch::Tensor x =
            make_batch(test, indices).contiguous(net.conv1->weight.suggest_memory_format());
        const torch::Tensor logits = net.forward_lesioned(x, removed);
        wrong += logits.argmax(1).ne(test.labels.narrow(0, start, n)).sum().item<int64_t>();
    }
    return images ? static_cast<double>(wrong) / static_cast<double>(images) : LesionResult::kNaN;
}

} // namespace

LesionResult lesion_study(ResNetImpl& net,
                          const Dataset& test,
                          const LesionOptions& options,
                          const LesionProgress& progress) {
    torch::NoGradGuard no_grad;
    net.eval();
    LesionResult r;
    r.images = options.max_images > 0 ? std::min(options.max_images, test.size()) : test.size();
    const auto blocks = net.blocks();
    const size_t n = blocks.size();
    for (size_t s = 0; s < net.stage_count(); ++s)
        for (size_t b = 0; b < net.stage(s).size(); ++b)
            r.blocks.push_back(ResNetImpl::block_name(s, b));
    std::vector<size_t> removable;
    for (size_t i = 0; i < n; ++i) {
        r.removable.push_back(blocks[i]->removable());
        if (r.removable.back())
            removable.push_back(i);
    }

    // Counts of randomly removed blocks, spread evenly over 1..all removable.
    const int max_count = static_cast<int>(removable.size());
    for (int k = 0; k < options.random_counts && max_count > 0; ++k) {
        const int count =
            options.random_counts > 1
                ? 1 + static_cast<int>(std::lround(static_cast<double>(k) * (max_count - 1) /
                                                   (options.random_counts - 1)))
                : 1;
        if (r.removed_counts.empty() || r.removed_counts.back() != count)
            r.removed_counts.push_back(count);
    }
    const int total =
        1 + static_cast<int>(removable.size()) +
        static_cast<int>(r.removed_counts.size()) * std::max(options.random_trials, 0);
    int done = 0;
    auto evaluate = [&](const std::vector<bool>& removed) {
        if (progress && !progress(done, total, removed)) {
            r.cancelled = true;
            return LesionResult::kNaN;
        }
        ++done;
        return test_error(net, test, r.images, std::max<int64_t>(options.batch, 1), removed);
    };

    r.baseline_error = evaluate(std::vector<bool>(n, false));
    r.error_without.assign(n, LesionResult::kNaN);
    for (size_t b : removable) {
        if (r.cancelled)
            return r;
        std::vector<bool> removed(n, false);
        removed[b] = true;
        r.error_without[b] = evaluate(removed);
    }
    std::mt19937_64 rng(options.seed);
    for (int count : r.removed_counts) {
        double sum = 0.0, lo = 1.0, hi = 0.0;
        for (int t = 0; t < options.random_trials; ++t) {
            if (r.cancelled)
                return r;
            std::vector<size_t> pick = removable;
            std::shuffle(pick.begin(), pick.end(), rng);
            std::vector<bool> removed(n, false);
            for (int j = 0; j < count; ++j)
                removed[pick[static_cast<size_t>(j)]] = true;
            const double e = evaluate(removed);
            sum += e;
            lo = std::min(lo, e);
            hi = std::max(hi, e);
        }
        const int trials = std::max(options.random_trials, 1);
        r.random_mean.push_back(sum / trials);
        r.random_min.push_back(lo);
        r.random_max.push_back(hi);
    }
    if (progress)
        progress(done, total, std::vector<bool>(n, false));
    return r;
}

LesionSubject load_lesion_subject(const std::string& folder) {
    const RunPaths paths(folder);
    LesionSubject s;
    s.config = read_run_folder(folder).config;
    s.net = ResNet(s.config.net);
    StateDict state;
    try {
        state = read_state_dict(paths.checkpoint);
    } catch (const std::exception& e) {
        throw std::runtime_error(paths.checkpoint + ": no checkpoint to study (" + e.what() +
                                 "); train the run until it writes one");
    }
    load_state_dict(*s.net, state, paths.checkpoint);
    if (s.config.train.channels_last)
        use_channels_last(*s.net);
    s.test = load_run_data(s.config.train).test;
    return s;
}

} // namespace reslab
