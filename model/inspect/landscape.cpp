#include "inspect/landscape.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>
#include <torch/nn/functional/loss.h>

#include "data/augment.h"
#include "inspect/describe.h"
#include "inspect/inspector.h"
#include "io/runfolder.h"
#include "train/devices.h"
#include "train/run.h"

namespace reslab {
namespace {

using json = nlohmann::ordered_json;
namespace F = torch::nn::functional;

constexpr int64_t kMaxGrid = 201;      // a read-back grid larger than this is a damaged file
constexpr size_t kMaxSnapshots = 1000; // TrainConfig::snapshots' bound
constexpr uint64_t kMaxSurfaceBytes = 64 << 20; // a 201 x 201 surface is about 2 MB of JSON

/// A net of the same spec holding a copy of net's parameters and buffers: the points are
/// evaluated on it, never on the net itself.
ResNet copy_of(const ResNetImpl& net) {
    ResNet copy = build_seeded(net.spec(), 0);
    load_state_dict(*copy, state_dict_of(net), "the net whose surface is computed");
    copy->eval();
    return copy;
}

/// A list of numbers as written; a loss that overflowed was written as null (JSON has no NaN or
/// infinity).
std::vector<double> numbers(const json& list) {
    std::vector<double> v;
    for (const json& item : list)
        v.push_back(item.is_null() ? std::numeric_limits<double>::quiet_NaN() : item.get<double>());
    return v;
}

/// What a surface or a line evaluates on: a channels-last copy of the net (channels-last as
/// training runs: oneDNN's convolutions of these narrow nets are about 1.2x faster so,
/// bench_landscape_speed), its parameters to set, and the images in the same layout. After its
/// parameters are set for a point, the copy's batch norms are folded into its convolutions
/// (ResNetImpl::fold_batch_norm, from the point's own BN parameters), which the reference's
/// eval-mode BN amounts to and which saves the BNs' tenth of the time.
struct WorkingCopy {
    ResNet net{nullptr};
    std::vector<torch::Tensor> params;
    torch::Tensor x;
};
WorkingCopy working_copy(const ResNetImpl& net, const torch::Tensor& x) {
    WorkingCopy w;
    w.net = copy_of(net);
    use_channels_last(*w.net);
    for (const auto& p : w.net->named_parameters(/*recurse=*/true))
        w.params.push_back(p.value());
    w.x = channels_last(x);
    return w;
}

/// A net's parameters, in the order of named_parameters, detached (the net is not changed).
std::vector<torch::Tensor> parameters_of(const ResNetImpl& net) {
    std::vector<torch::Tensor> out;
    for (const auto& p : net.named_parameters(/*recurse=*/true))
        out.push_back(p.value().detach());
    return out;
}

/// The summed cross-entropy and the count misclassified of net (in eval mode) over x and y, in
/// one forward pass.
std::pair<double, int64_t>
evaluate_sums(ResNetImpl& net, const torch::Tensor& x, const torch::Tensor& y) {
    const torch::Tensor logits = net.forward(x);
    return {F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>(),
            logits.argmax(1).ne(y).sum().item<int64_t>()};
}

/// The mean cross-entropy and the fraction misclassified of net (in eval mode) over x and y.
std::pair<double, double>
evaluate(ResNetImpl& net, const torch::Tensor& x, const torch::Tensor& y, int64_t batch) {
    const int64_t count = x.size(0);
    double loss_sum = 0.0;
    int64_t wrong = 0;
    for (int64_t start = 0; start < count; start += batch) {
        const int64_t len = std::min(batch, count - start);
        const auto [loss, miss] =
            evaluate_sums(net, x.narrow(0, start, len), y.narrow(0, start, len));
        loss_sum += loss;
        wrong += miss;
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {count ? loss_sum / count : nan, count ? static_cast<double>(wrong) / count : nan};
}

/// A seeded subset of a run's training set, as its network takes it (normalised, no
/// augmentation), sorted as the run's own evaluation subset is.
struct Subset {
    torch::Tensor indices, x, y;
};
Subset training_subset(const RunConfig& config, int64_t images, uint64_t seed) {
    const RunData data = load_run_data(config.train);
    const Dataset& train = *data.train;
    Subset s;
    s.indices = std::get<0>(
        epoch_order(train.size(), seed, 0).narrow(0, 0, std::min(images, train.size())).sort());
    s.x = make_batch(train, s.indices);
    s.y = train.labels.index_select(0, s.indices);
    return s;
}

/// A run's weight snapshots (snapshots/step-NNNNNNNN.pth), in the order of their steps.
std::vector<std::pair<int64_t, StateDict>> read_snapshots(const std::string& folder) {
    namespace fs = std::filesystem;
    std::vector<std::pair<int64_t, std::string>> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(folder) / "snapshots", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() == 17 && name.rfind("step-", 0) == 0 && name.compare(13, 4, ".pth") == 0 &&
            std::all_of(name.begin() + 5, name.begin() + 13, ::isdigit))
            files.emplace_back(std::stoll(name.substr(5, 8)), entry.path().string());
    }
    if (files.size() > kMaxSnapshots + 1)
        throw RunFolderError("'" + folder + "' has " + std::to_string(files.size()) +
                             " weight snapshots, more than training keeps (at most " +
                             std::to_string(kMaxSnapshots) + " and the initial weights)");
    if (files.size() < 2)
        throw RunFolderError("'" + folder + "' has " + std::to_string(files.size()) +
                             " weight snapshots; a trajectory needs two or more: train it with "
                             "snapshots kept");
    std::sort(files.begin(), files.end());
    std::vector<std::pair<int64_t, StateDict>> out;
    for (const auto& [step, path] : files)
        out.emplace_back(step, read_state_dict(path));
    return out;
}

} // namespace

Directions filter_normalized_directions(const ResNetImpl& net, uint64_t seed) {
    torch::NoGradGuard no_grad;
    torch::Generator generator = make_generator(seed);
    Directions d;
    const auto params = net.named_parameters(/*recurse=*/true);
    for (const auto& p : params)
        d.names.push_back(p.key());
    for (std::vector<torch::Tensor>* out : {&d.d1, &d.d2})
        for (const auto& p : params) {
            const torch::Tensor w = p.value().detach();
            // Drawn on the CPU, where the generator lives, then moved: the same directions for a
            // net on the GPU as on the CPU.
            torch::Tensor r =
                torch::randn(w.sizes(), generator, w.options().device(torch::kCPU)).to(w.device());
            if (w.dim() <= 1) {
                r.zero_(); // ignore=biasbn: BN weights and biases and the fc bias stay put
            } else {
                // Each filter (a row of the weight seen as out x rest) to its weight's norm;
                // 1e-10 as the reference adds, against a zero row.
                const torch::Tensor rows = r.view({r.size(0), -1});
                const torch::Tensor wn = w.reshape({w.size(0), -1}).norm(2, 1, true);
                rows.mul_(wn / (rows.norm(2, 1, true) + 1e-10));
            }
            out->push_back(r);
        }
    return d;
}

Directions pca_directions(const ResNetImpl& net,
                          const std::vector<std::pair<int64_t, StateDict>>& snapshots,
                          Trajectory* trajectory) {
    torch::NoGradGuard no_grad;
    if (snapshots.size() < 2)
        throw std::invalid_argument("a trajectory needs at least two weight snapshots, not " +
                                    std::to_string(snapshots.size()));
    Directions d;
    std::vector<torch::Tensor> finals;
    std::vector<bool> moved; // 1-D parameters stay out, as for random directions
    for (const auto& p : net.named_parameters(/*recurse=*/true)) {
        d.names.push_back(p.key());
        finals.push_back(p.value().detach().to(torch::kFloat64).flatten());
        moved.push_back(p.value().dim() > 1);
    }
    std::vector<torch::Tensor> rows;
    for (const auto& [step, state] : snapshots) {
        std::vector<torch::Tensor> parts;
        for (size_t i = 0; i < d.names.size(); ++i) {
            if (!moved[i])
                continue;
            const auto it = std::find_if(state.begin(), state.end(),
                                         [&](const auto& kv) { return kv.first == d.names[i]; });
            if (it == state.end() || it->second.numel() != finals[i].numel())
                throw std::invalid_argument("the snapshot of step " + std::to_string(step) +
                                            " has no " + d.names[i] + " of this net's shape");
            parts.push_back(it->second.to(torch::kFloat64).flatten() - finals[i]);
        }
        rows.push_back(torch::cat(parts));
    }
    const torch::Tensor m = torch::stack(rows); // snapshots x moved parameters
    const auto [u, sv, vh] = at::linalg_svd(m, /*full_matrices=*/false);
    const torch::Tensor variance = sv.pow(2);
    const double total = variance.sum().item<double>();
    Trajectory t;
    for (int k = 0; k < 2; ++k) {
        const torch::Tensor dir =
            k < vh.size(0) ? vh[k] : torch::zeros({m.size(1)}, torch::kFloat64);
        t.explained[k] = k < variance.size(0) && total > 0 ? variance[k].item<double>() / total : 0;
        const torch::Tensor proj = m.matmul(dir);
        for (int64_t i = 0; i < proj.size(0); ++i)
            (k == 0 ? t.a : t.b).push_back(proj[i].item<double>());
        // Back into one tensor a parameter, zeros for the 1-D ones.
        std::vector<torch::Tensor>& out = k == 0 ? d.d1 : d.d2;
        int64_t at = 0;
        for (size_t i = 0; i < d.names.size(); ++i) {
            const torch::Tensor w = net.named_parameters()[d.names[i]];
            if (!moved[i]) {
                out.push_back(torch::zeros_like(w));
                continue;
            }
            out.push_back(dir.narrow(0, at, w.numel()).to(w.scalar_type()).view(w.sizes()).clone());
            at += w.numel();
        }
    }
    for (const auto& [step, state] : snapshots)
        t.steps.push_back(step);
    if (trajectory)
        *trajectory = std::move(t);
    return d;
}

void write_directions(const Directions& directions, const std::string& path) {
    StateDict saved;
    for (size_t i = 0; i < directions.names.size(); ++i)
        saved.emplace_back("d1." + directions.names[i], directions.d1[i]);
    for (size_t i = 0; i < directions.names.size(); ++i)
        saved.emplace_back("d2." + directions.names[i], directions.d2[i]);
    write_state_dict(saved, path);
}

std::vector<std::pair<int64_t, int64_t>> coarse_to_fine(int64_t grid) {
    std::vector<std::pair<int64_t, int64_t>> order;
    std::vector<char> taken(static_cast<size_t>(grid * grid), 0);
    for (int64_t stride : {4, 2, 1})
        for (int64_t b = 0; b < grid; b += stride)
            for (int64_t a = 0; a < grid; a += stride)
                if (!taken[b * grid + a]) {
                    taken[b * grid + a] = 1;
                    order.emplace_back(b, a);
                }
    return order;
}

namespace {

/// One piece of a surface's work: the images chunks [first, last) of one point of one surface.
struct Unit {
    size_t job;
    int64_t point; // b index * grid + a index
    int64_t first, last;
};

/// The order the work is done in. The coarse points (every 4th of each axis) come first on the
/// first chunk of images alone, every surface's in turn, so that a rough picture of all of them is
/// on screen after a quarter of the coarse level's work; then the rest of those points' images;
/// then every 2nd point, then the rest, each on all its images.
std::vector<Unit> work_order(const std::vector<SurfaceJob>& jobs, int64_t chunks) {
    std::vector<Unit> units;
    const int64_t grid = jobs.front().landscape->options.grid;
    const auto order = coarse_to_fine(grid);
    size_t coarse = 0;
    while (coarse < order.size() && order[coarse].first % 4 == 0 && order[coarse].second % 4 == 0)
        ++coarse;
    const auto add = [&](size_t from, size_t to, int64_t first, int64_t last) {
        for (size_t k = from; k < to; ++k)
            for (size_t j = 0; j < jobs.size(); ++j)
                units.push_back({j, order[k].first * grid + order[k].second, first, last});
    };
    if (chunks > 1) {
        add(0, coarse, 0, 1);
        add(0, coarse, 1, chunks);
    } else {
        add(0, coarse, 0, chunks);
    }
    add(coarse, order.size(), 0, chunks);
    return units;
}

/// Whether the forward pass of a chunk of images is too small for intra-op threads to pay, so
/// that the surfaces' work goes to one worker a core (the training scheduler's rule).
bool small_forward(const std::vector<SurfaceJob>& jobs, int64_t batch) {
    for (const SurfaceJob& job : jobs) {
        const double macs =
            static_cast<double>(describe(job.net->spec(), job.x.size(2), job.x.size(3)).macs);
        if (macs * static_cast<double>(batch) >= kSmallForwardMacs)
            return false;
    }
    return true;
}

} // namespace

LandscapeSplit landscape_split(const std::vector<SurfaceJob>& jobs, int cores) {
    LandscapeSplit split;
    cores = std::max(1, cores);
    if (jobs.empty())
        return split;
    if (small_forward(jobs, jobs.front().landscape->options.batch))
        split = {cores, 1};
    else
        split = {1, cores};
    return split;
}

void compute_landscapes(const std::vector<SurfaceJob>& jobs,
                        const std::function<bool(size_t, const Landscape&)>& progress,
                        LandscapeSplit split) {
    if (jobs.empty())
        return;
    const LandscapeOptions& o = jobs.front().landscape->options;
    const int64_t n = o.grid;
    const int64_t images = jobs.front().x.size(0);
    const int64_t batch = std::max<int64_t>(1, o.batch);
    const int64_t chunks = std::max<int64_t>(1, (images + batch - 1) / batch);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const SurfaceJob& job : jobs) {
        if (job.landscape->options.grid != n || job.x.size(0) != images)
            throw std::invalid_argument("surfaces computed together share their grid and images");
        Landscape& l = *job.landscape;
        l.options.images = images;
        l.coords.resize(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i)
            l.coords[i] = n == 1 ? 0.0 : -l.options.range + 2.0 * l.options.range * i / (n - 1);
        l.loss.assign(static_cast<size_t>(n * n), nan);
        l.error.assign(static_cast<size_t>(n * n), nan);
        l.images_at.assign(static_cast<size_t>(n * n), 0);
        l.computed = 0;
        l.seconds = 0.0;
    }
    if (split.workers <= 0)
        split = landscape_split(jobs, core_count());

    // Each chunk's loss sum and miscount, kept so that a point's value is summed in chunk order
    // whichever worker did which chunk: the same numbers on any split.
    struct Sums {
        std::vector<double> loss;
        std::vector<int64_t> wrong;
        std::vector<char> done;
    };
    std::vector<Sums> sums(jobs.size());
    for (Sums& s : sums) {
        s.loss.assign(static_cast<size_t>(n * n * chunks), 0.0);
        s.wrong.assign(static_cast<size_t>(n * n * chunks), 0);
        s.done.assign(static_cast<size_t>(n * n * chunks), 0);
    }
    std::vector<std::vector<torch::Tensor>> theta;
    for (const SurfaceJob& job : jobs)
        theta.push_back(parameters_of(*job.net));

    const std::vector<Unit> units = work_order(jobs, chunks);
    std::atomic<size_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex mutex; // guards the landscapes, sums and progress
    std::exception_ptr failure;
    const auto started = std::chrono::steady_clock::now();

    const auto work = [&] {
        set_worker_intra_op_threads(split.threads_per_worker);
        torch::NoGradGuard no_grad;
        std::vector<std::optional<WorkingCopy>> copies(jobs.size());
        for (;;) {
            const size_t k = next++;
            if (k >= units.size() || stop)
                return;
            const Unit& u = units[k];
            const SurfaceJob& job = jobs[u.job];
            Landscape& l = *job.landscape;
            try {
                if (!copies[u.job])
                    copies[u.job] = working_copy(*job.net, job.x);
                WorkingCopy& w = *copies[u.job];
                const double a = l.coords[u.point % n], b = l.coords[u.point / n];
                const Directions& d = *job.directions;
                for (size_t i = 0; i < w.params.size(); ++i)
                    w.params[i].copy_(theta[u.job][i] + a * d.d1[i] + b * d.d2[i]);
                w.net->fold_batch_norm();
                std::vector<std::pair<double, int64_t>> got;
                for (int64_t c = u.first; c < u.last; ++c) {
                    const int64_t start = c * batch, len = std::min(batch, images - start);
                    got.push_back(evaluate_sums(*w.net, w.x.narrow(0, start, len),
                                                job.y.narrow(0, start, len)));
                }
                std::lock_guard<std::mutex> lock(mutex);
                if (stop)
                    return; // what finishes after a stop is not kept: the caller saw the last
                Sums& s = sums[u.job];
                for (int64_t c = u.first; c < u.last; ++c) {
                    const size_t at = static_cast<size_t>(u.point * chunks + c);
                    s.loss[at] = got[static_cast<size_t>(c - u.first)].first;
                    s.wrong[at] = got[static_cast<size_t>(c - u.first)].second;
                    s.done[at] = 1;
                }
                double loss = 0.0;
                int64_t wrong = 0, seen = 0;
                for (int64_t c = 0; c < chunks; ++c) {
                    const size_t at = static_cast<size_t>(u.point * chunks + c);
                    if (!s.done[at])
                        continue;
                    loss += s.loss[at];
                    wrong += s.wrong[at];
                    seen += std::min(batch, images - c * batch);
                }
                l.loss[u.point] = seen ? loss / seen : nan;
                l.error[u.point] = seen ? static_cast<double>(wrong) / seen : nan;
                l.images_at[u.point] = seen;
                l.computed += seen == images;
                const double seconds =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                        .count();
                for (const SurfaceJob& other : jobs)
                    other.landscape->seconds = seconds;
                if (progress && !progress(u.job, l))
                    stop = true;
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex);
                if (!failure)
                    failure = std::current_exception();
                stop = true;
                return;
            }
        }
    };
    // Workers of their own, even one: the caller's thread keeps its intra-op thread count.
    const int workers =
        static_cast<int>(std::min<size_t>(std::max(1, split.workers), units.size()));
    std::vector<std::thread> threads;
    for (int i = 0; i < workers; ++i)
        threads.emplace_back(work);
    for (std::thread& t : threads)
        t.join();
    if (failure)
        std::rethrow_exception(failure);
}

void compute_landscape(const ResNetImpl& net,
                       const torch::Tensor& x,
                       const torch::Tensor& y,
                       const Directions& directions,
                       Landscape& landscape,
                       const std::function<bool(const Landscape&)>& progress,
                       LandscapeSplit split) {
    compute_landscapes(
        {{&net, x, y, &directions, &landscape}},
        [&](size_t, const Landscape& now) { return !progress || progress(now); }, split);
}

LandscapeSummary summarize(const Landscape& l) {
    LandscapeSummary s;
    const int64_t n = l.options.grid;
    s.min_loss = std::numeric_limits<double>::infinity();
    s.max_loss = -std::numeric_limits<double>::infinity();
    // Points still estimated on part of their images are left out, as those not computed.
    const auto done = [&](int64_t b, int64_t a) {
        return l.done_at(b * n + a) ? l.loss_at(b, a) : std::numeric_limits<double>::quiet_NaN();
    };
    double edge = 0.0;
    int64_t edges = 0;
    for (int64_t b = 0; b < n; ++b)
        for (int64_t a = 0; a < n; ++a) {
            const double v = done(b, a);
            if (std::isnan(v))
                continue;
            s.min_loss = std::min(s.min_loss, v);
            s.max_loss = std::max(s.max_loss, v);
            if (a == 0 || b == 0 || a == n - 1 || b == n - 1) {
                edge += v;
                ++edges;
            }
            bool lowest = true;
            int64_t neighbours = 0;
            for (int64_t db = -1; db <= 1; ++db)
                for (int64_t da = -1; da <= 1; ++da) {
                    const int64_t nb = b + db, na = a + da;
                    if ((db == 0 && da == 0) || nb < 0 || na < 0 || nb >= n || na >= n)
                        continue;
                    const double w = done(nb, na);
                    if (std::isnan(w))
                        continue;
                    ++neighbours;
                    lowest = lowest && v < w;
                }
            s.local_minima += lowest && neighbours > 0;
        }
    const int64_t mid = n / 2;
    s.centre_loss = n % 2 ? done(mid, mid) : std::numeric_limits<double>::quiet_NaN();
    s.edge_to_min = edges && s.min_loss > 0 ? edge / edges / s.min_loss : 0.0;
    return s;
}

namespace {

std::string
landscape_stem(const std::string& folder, uint64_t seed, const std::string& directions) {
    return folder + "/landscape-" + (directions == "trajectory" ? "trajectory-" : "") +
           std::to_string(seed);
}

} // namespace

std::string
landscape_json_path(const std::string& folder, uint64_t seed, const std::string& directions) {
    return landscape_stem(folder, seed, directions) + ".json";
}

std::string
landscape_directions_path(const std::string& folder, uint64_t seed, const std::string& directions) {
    return landscape_stem(folder, seed, directions) + "-directions.pth";
}

RunSubject load_run_subject(const std::string& folder, const LandscapeOptions& options) {
    const RunPaths paths(folder);
    RunSubject s;
    s.folder = folder;
    s.config = read_run_folder(folder).config;
    s.net = load_run_net(folder, read_state_dict(paths.checkpoint), paths.checkpoint);
    const Subset subset = training_subset(s.config, options.images, options.seed);
    s.indices = subset.indices;
    s.x = subset.x;
    s.y = subset.y;
    return s;
}

Landscape landscape_for_run(const std::string& folder,
                            const LandscapeOptions& options,
                            const std::function<bool(const Landscape&)>& progress) {
    return landscape_for_run(load_run_subject(folder, options), options, progress);
}

namespace {

/// A run's surface before it is computed: its options (the trajectory's range) and directions.
struct Prepared {
    Landscape landscape;
    Directions directions;
};

Prepared prepare(const RunSubject& run, const LandscapeOptions& options) {
    Prepared p;
    p.landscape.options = options;
    p.landscape.options.images = run.indices.size(0);
    const ResNetImpl& net = *run.net->net;
    if (options.directions == "trajectory") {
        p.directions = pca_directions(net, read_snapshots(run.folder), &p.landscape.trajectory);
        // The grid covers the path, with a margin: its coordinates are distances in weight space.
        double reach = 0.0;
        for (const auto* v : {&p.landscape.trajectory.a, &p.landscape.trajectory.b})
            for (double x : *v)
                reach = std::max(reach, std::abs(x));
        p.landscape.options.range = reach > 0 ? 1.2 * reach : options.range;
    } else if (options.directions == "random") {
        p.directions = filter_normalized_directions(net, options.seed);
    } else {
        throw std::invalid_argument("unknown directions '" + options.directions +
                                    "'; use random or trajectory");
    }
    return p;
}

/// Writes a computed surface into its run's folder.
void write_landscape(const RunSubject& run, const Prepared& p) {
    const std::string& folder = run.folder;
    const RunConfig& config = run.config;
    const Landscape& landscape = p.landscape;
    const LandscapeOptions& options = landscape.options;
    write_directions(p.directions,
                     landscape_directions_path(folder, options.seed, options.directions));
    // The subset's indices go with it, so that anyone can evaluate the same images.
    write_tensor_file(run.indices,
                      landscape_stem(folder, options.seed, options.directions) + "-images.pth");

    json j;
    j["what"] = "loss surface, Li et al. 2018: theta + a d1 + b d2";
    j["net"] = config.net.name.empty() ? config.name : config.net.name;
    j["run"] = config.name;
    j["seed"] = options.seed;
    j["grid"] = options.grid;
    j["images"] = options.images;
    j["images_from"] = "training set, seeded subset (landscape-<seed>-images.pth)";
    j["directions"] = options.directions == "trajectory"
                          ? "trajectory: PCA of the snapshots minus the final weights (unit "
                            "vectors); BN and bias directions zero"
                          : "gaussian, filter-normalised; BN and bias directions zero";
    j["direction_kind"] = options.directions;
    j["range"] = options.range;
    if (!landscape.trajectory.steps.empty()) {
        j["trajectory"] = {
            {"steps", landscape.trajectory.steps},
            {"a", landscape.trajectory.a},
            {"b", landscape.trajectory.b},
            {"explained", {landscape.trajectory.explained[0], landscape.trajectory.explained[1]}}};
    }
    j["bn"] = "eval: the trained net's running statistics";
    j["loss"] = "mean cross-entropy";
    j["coords"] = landscape.coords;
    j["losses"] = landscape.loss;
    j["errors"] = landscape.error;
    j["seconds"] = landscape.seconds;
    write_text_atomic(landscape_json_path(folder, options.seed, options.directions), j.dump(1));
}

} // namespace

Landscape landscape_for_run(const RunSubject& run,
                            const LandscapeOptions& options,
                            const std::function<bool(const Landscape&)>& progress) {
    return landscapes_for_runs(
               {&run}, options,
               [&](size_t, const Landscape& now) { return !progress || progress(now); })
        .front();
}

std::vector<Landscape>
landscapes_for_runs(const std::vector<const RunSubject*>& runs,
                    const LandscapeOptions& options,
                    const std::function<bool(size_t, const Landscape&)>& progress) {
    std::vector<Prepared> prepared;
    for (const RunSubject* run : runs)
        prepared.push_back(prepare(*run, options));
    // Runs whose subsets have the same size are computed together; another size on its own.
    std::vector<bool> taken(runs.size(), false);
    bool stopped = false;
    for (size_t first = 0; first < runs.size() && !stopped; ++first) {
        if (taken[first])
            continue;
        std::vector<SurfaceJob> jobs;
        std::vector<size_t> which;
        for (size_t r = first; r < runs.size(); ++r)
            if (!taken[r] && runs[r]->x.size(0) == runs[first]->x.size(0)) {
                taken[r] = true;
                which.push_back(r);
                jobs.push_back({runs[r]->net->net.get(), runs[r]->x, runs[r]->y,
                                &prepared[r].directions, &prepared[r].landscape});
            }
        compute_landscapes(jobs, [&](size_t job, const Landscape& now) {
            stopped = progress && !progress(which[job], now);
            return !stopped;
        });
    }
    std::vector<Landscape> out;
    for (size_t r = 0; r < runs.size(); ++r) {
        if (!stopped && prepared[r].landscape.complete())
            write_landscape(*runs[r], prepared[r]);
        out.push_back(std::move(prepared[r].landscape));
    }
    return out;
}

Interpolation interpolate(const ResNetImpl& initial,
                          const ResNetImpl& trained,
                          const torch::Tensor& x,
                          const torch::Tensor& y,
                          int64_t points,
                          int64_t batch) {
    torch::NoGradGuard no_grad;
    WorkingCopy work = working_copy(trained, x);
    const std::vector<torch::Tensor> from = parameters_of(initial), to = parameters_of(trained);
    if (from.size() != work.params.size())
        throw std::invalid_argument("the initial and the trained net are not the same net");
    Interpolation line;
    const auto started = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < points; ++i) {
        const double alpha =
            points == 1 ? 1.0
                        : Interpolation::kFrom +
                              (Interpolation::kTo - Interpolation::kFrom) * i / (points - 1);
        for (size_t k = 0; k < work.params.size(); ++k)
            work.params[k].copy_((1.0 - alpha) * from[k] + alpha * to[k]);
        work.net->fold_batch_norm();
        const auto [loss, error] = evaluate(*work.net, work.x, y, batch);
        line.alpha.push_back(alpha);
        line.loss.push_back(loss);
        line.error.push_back(error);
    }
    line.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return line;
}

std::string interpolation_json_path(const std::string& folder, uint64_t seed) {
    return folder + "/interpolation-" + std::to_string(seed) + ".json";
}

Interpolation interpolation_for_run(const std::string& folder, const LandscapeOptions& options) {
    return interpolation_for_run(load_run_subject(folder, options), options);
}

Interpolation interpolation_for_run(const RunSubject& run, const LandscapeOptions& options) {
    const std::string& folder = run.folder;
    const RunConfig& config = run.config;
    // The run's own initial weights: Run builds its net from the spec and the run's seed.
    ResNet initial = build_seeded(config.net, config.train.seed);
    const Interpolation line =
        interpolate(*initial, *run.net->net, run.x, run.y, options.grid, options.batch);
    json j;
    j["what"] = "loss along (1 - alpha) theta0 + alpha theta1, Goodfellow et al. 2015";
    j["run"] = config.name;
    j["seed"] = options.seed;
    j["images"] = run.indices.size(0);
    j["initial"] = "the run's initial weights, rebuilt from its spec and seed";
    j["bn"] = "eval: the trained net's running statistics";
    j["alpha"] = line.alpha;
    j["losses"] = line.loss;
    j["errors"] = line.error;
    write_text_atomic(interpolation_json_path(folder, options.seed), j.dump(1));
    return line;
}

Landscape read_landscape(const std::string& path) {
    const json j =
        json::parse(read_text(path, kMaxSurfaceBytes), nullptr, /*allow_exceptions=*/false);
    auto bad = [&](const std::string& why) {
        return RunFolderError("'" + path + "' is not a ResLab loss surface: " + why);
    };
    if (!j.is_object() || !j.contains("grid") || !j.contains("losses"))
        throw bad("no grid and losses");
    Landscape l;
    try {
        l.options.grid = j.at("grid").get<int64_t>();
        if (l.options.grid < 1 || l.options.grid > kMaxGrid)
            throw bad("a grid of " + j.at("grid").dump() + " points, at most " +
                      std::to_string(kMaxGrid));
        l.options.range = j.value("range", 1.0);
        l.options.images = j.value("images", int64_t{0});
        l.options.seed = j.value("seed", uint64_t{0});
        l.coords = j.at("coords").get<std::vector<double>>();
        if (!j.at("losses").is_array() || !j.at("errors").is_array())
            throw bad("its losses or errors are not lists");
        l.loss = numbers(j.at("losses"));
        l.error = numbers(j.at("errors"));
        l.seconds = j.value("seconds", 0.0);
        l.options.directions = j.value("direction_kind", std::string("random"));
        if (j.contains("trajectory")) {
            const json& t = j.at("trajectory");
            l.trajectory.steps = t.at("steps").get<std::vector<int64_t>>();
            l.trajectory.a = numbers(t.at("a"));
            l.trajectory.b = numbers(t.at("b"));
            if (l.trajectory.a.size() != l.trajectory.steps.size() ||
                l.trajectory.b.size() != l.trajectory.steps.size() ||
                l.trajectory.steps.size() > 100000)
                throw bad("its trajectory's lists differ in length");
        }
    } catch (const json::exception& e) {
        throw bad(e.what());
    }
    const size_t points = static_cast<size_t>(l.options.grid * l.options.grid);
    if (l.coords.size() != static_cast<size_t>(l.options.grid) || l.loss.size() != points ||
        l.error.size() != points)
        throw bad("its coordinates or losses do not fill its grid");
    l.computed = static_cast<int64_t>(points);
    return l;
}

Interpolation read_interpolation(const std::string& path) {
    const json j =
        json::parse(read_text(path, kMaxSurfaceBytes), nullptr, /*allow_exceptions=*/false);
    auto bad = [&](const std::string& why) {
        return RunFolderError("'" + path + "' is not a ResLab interpolation: " + why);
    };
    if (!j.is_object() || !j.contains("alpha") || !j.contains("losses") || !j.contains("errors") ||
        !j.at("alpha").is_array() || !j.at("losses").is_array() || !j.at("errors").is_array())
        throw bad("no alpha, losses and errors");
    if (j.at("alpha").size() > static_cast<size_t>(kMaxGrid))
        throw bad("more than " + std::to_string(kMaxGrid) + " points");
    Interpolation line;
    try {
        line.alpha = numbers(j.at("alpha"));
        line.loss = numbers(j.at("losses"));
        line.error = numbers(j.at("errors"));
    } catch (const json::exception& e) {
        throw bad(e.what());
    }
    if (line.loss.size() != line.alpha.size() || line.error.size() != line.alpha.size())
        throw bad("its lists differ in length");
    return line;
}

} // namespace reslab
