#include "inspect/landscape.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>

#include <nlohmann/json.hpp>
#include <torch/nn/functional/loss.h>

#include "data/augment.h"
#include "inspect/inspector.h"
#include "io/runfolder.h"
#include "train/run.h"

namespace reslab {
namespace {

using json = nlohmann::ordered_json;
namespace F = torch::nn::functional;

constexpr int64_t kMaxGrid = 201;      // a read-back grid larger than this is a damaged file
constexpr size_t kMaxSnapshots = 1000; // TrainConfig::snapshots' bound
constexpr uint64_t kMaxSurfaceBytes = 64 << 20; // a 201 x 201 surface is about 2 MB of JSON
constexpr double kAlphaFrom = -0.5; // the interpolation runs past both ends, as Goodfellow et al.'s
constexpr double kAlphaTo = 1.5;

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
/// bench_landscape_speed), its parameters to set, and the images in the same layout.
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
    w.x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    return w;
}

/// A net's parameters, in the order of named_parameters, detached (the net is not changed).
std::vector<torch::Tensor> parameters_of(const ResNetImpl& net) {
    std::vector<torch::Tensor> out;
    for (const auto& p : net.named_parameters(/*recurse=*/true))
        out.push_back(p.value().detach());
    return out;
}

/// The mean cross-entropy and the fraction misclassified of net (in eval mode) over x and y.
std::pair<double, double>
evaluate(ResNetImpl& net, const torch::Tensor& x, const torch::Tensor& y, int64_t batch) {
    const int64_t count = x.size(0);
    double loss_sum = 0.0;
    int64_t wrong = 0;
    for (int64_t start = 0; start < count; start += batch) {
        const int64_t len = std::min(batch, count - start);
        const torch::Tensor logits = net.forward(x.narrow(0, start, len));
        const torch::Tensor target = y.narrow(0, start, len);
        loss_sum +=
            F::cross_entropy(logits, target, F::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>();
        wrong += logits.argmax(1).ne(target).sum().item<int64_t>();
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
            torch::Tensor r = torch::randn(w.sizes(), generator, w.options());
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

void compute_landscape(const ResNetImpl& net,
                       const torch::Tensor& x,
                       const torch::Tensor& y,
                       const Directions& directions,
                       Landscape& landscape,
                       const std::function<bool(const Landscape&)>& progress) {
    torch::NoGradGuard no_grad;
    const LandscapeOptions& o = landscape.options;
    const int64_t n = o.grid;
    landscape.coords.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        landscape.coords[i] = n == 1 ? 0.0 : -o.range + 2.0 * o.range * i / (n - 1);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    landscape.loss.assign(static_cast<size_t>(n * n), nan);
    landscape.error.assign(static_cast<size_t>(n * n), nan);
    landscape.computed = 0;

    WorkingCopy work = working_copy(net, x);
    const std::vector<torch::Tensor> theta = parameters_of(net);
    const auto started = std::chrono::steady_clock::now();
    for (const auto& [ib, ia] : coarse_to_fine(n)) {
        const double a = landscape.coords[ia], b = landscape.coords[ib];
        for (size_t i = 0; i < work.params.size(); ++i)
            work.params[i].copy_(theta[i] + a * directions.d1[i] + b * directions.d2[i]);
        const auto [loss, error] = evaluate(*work.net, work.x, y, o.batch);
        landscape.loss[ib * n + ia] = loss;
        landscape.error[ib * n + ia] = error;
        ++landscape.computed;
        landscape.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (progress && !progress(landscape))
            return;
    }
}

LandscapeSummary summarize(const Landscape& l) {
    LandscapeSummary s;
    const int64_t n = l.options.grid;
    s.min_loss = std::numeric_limits<double>::infinity();
    s.max_loss = -std::numeric_limits<double>::infinity();
    double edge = 0.0;
    int64_t edges = 0;
    for (int64_t b = 0; b < n; ++b)
        for (int64_t a = 0; a < n; ++a) {
            const double v = l.loss_at(b, a);
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
                    const double w = l.loss_at(nb, na);
                    if (std::isnan(w))
                        continue;
                    ++neighbours;
                    lowest = lowest && v < w;
                }
            s.local_minima += lowest && neighbours > 0;
        }
    const int64_t mid = n / 2;
    s.centre_loss = n % 2 ? l.loss_at(mid, mid) : std::numeric_limits<double>::quiet_NaN();
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

Landscape landscape_for_run(const RunSubject& run,
                            const LandscapeOptions& options,
                            const std::function<bool(const Landscape&)>& progress) {
    const std::string& folder = run.folder;
    const RunConfig& config = run.config;
    const LoadedNetPtr& net = run.net;
    const torch::Tensor& indices = run.indices;
    const int64_t images = indices.size(0);
    Landscape landscape;
    landscape.options = options;
    landscape.options.images = images;
    Directions directions;
    if (options.directions == "trajectory") {
        directions = pca_directions(*net->net, read_snapshots(folder), &landscape.trajectory);
        // The grid covers the path, with a margin: its coordinates are distances in weight space.
        double reach = 0.0;
        for (const auto* v : {&landscape.trajectory.a, &landscape.trajectory.b})
            for (double x : *v)
                reach = std::max(reach, std::abs(x));
        landscape.options.range = reach > 0 ? 1.2 * reach : options.range;
    } else if (options.directions == "random") {
        directions = filter_normalized_directions(*net->net, options.seed);
    } else {
        throw std::invalid_argument("unknown directions '" + options.directions +
                                    "'; use random or trajectory");
    }
    compute_landscape(*net->net, run.x, run.y, directions, landscape, progress);
    if (!landscape.complete())
        return landscape;

    write_directions(directions,
                     landscape_directions_path(folder, options.seed, options.directions));
    // The subset's indices go with it, so that anyone can evaluate the same images.
    write_tensor_file(indices,
                      landscape_stem(folder, options.seed, options.directions) + "-images.pth");

    json j;
    j["what"] = "loss surface, Li et al. 2018: theta + a d1 + b d2";
    j["net"] = config.net.name.empty() ? config.name : config.net.name;
    j["run"] = config.name;
    j["seed"] = options.seed;
    j["grid"] = options.grid;
    j["images"] = images;
    j["images_from"] = "training set, seeded subset (landscape-<seed>-images.pth)";
    j["directions"] = options.directions == "trajectory"
                          ? "trajectory: PCA of the snapshots minus the final weights (unit "
                            "vectors); BN and bias directions zero"
                          : "gaussian, filter-normalised; BN and bias directions zero";
    j["direction_kind"] = options.directions;
    j["range"] = landscape.options.range;
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
    return landscape;
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
            points == 1 ? 1.0 : kAlphaFrom + (kAlphaTo - kAlphaFrom) * i / (points - 1);
        for (size_t k = 0; k < work.params.size(); ++k)
            work.params[k].copy_((1.0 - alpha) * from[k] + alpha * to[k]);
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
