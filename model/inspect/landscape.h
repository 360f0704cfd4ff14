#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "inspect/inspector.h"
#include "io/weights.h"
#include "nets/resnet.h"
#include "train/config.h"

namespace reslab {

/// How a loss surface is computed (Li, Xu, Taylor, Studer and Goldstein, "Visualizing the Loss
/// Landscape of Neural Nets", NeurIPS 2018).
struct LandscapeOptions {
    int64_t grid = 21;     // points along each axis
    double range = 1.0;    // a and b run over [-range, range]
    int64_t images = 1000; // training images, a seeded subset, the same for every point
    uint64_t seed = 0;     // the directions' seed and the subset's
    /// Images a forward pass, and the chunk the first picture is drawn from: at 250 the coarse
    /// points are first estimated on a quarter of 1,000 images (bench_landscape_speed measured
    /// 250 and 500 alike for the degradation preset's nets).
    int64_t batch = 250;
    /// "random": filter-normalised Gaussian directions; "trajectory": the first two principal
    /// directions of the run's weight snapshots (Li et al. section 7), with the path drawn on it.
    std::string directions = "random";
};

/// Two directions in weight space, a tensor per parameter of the net (state_dict names).
struct Directions {
    std::vector<std::string> names;
    std::vector<torch::Tensor> d1, d2;
};

/// Two seeded Gaussian directions, filter-normalised as Li et al. define it (section 4): each
/// filter of a direction (an output channel of a conv weight, a row of the fc weight) is scaled
/// to the norm of the same filter of the net's weights, so that the surface of a net does not
/// depend on how its weights happen to be scaled (BN makes a net invariant to that). Directions
/// for 1-D parameters (BN's weight and bias, the fc bias) are zero: the reference's
/// `ignore=biasbn`. Buffers (BN's running statistics) are not parameters and are not moved.
Directions filter_normalized_directions(const ResNetImpl& net, uint64_t seed);

/// Where training went, seen in the plane of two directions: each snapshot's weights minus the
/// final ones, projected onto them.
struct Trajectory {
    std::vector<int64_t> steps;
    std::vector<double> a, b;
    double explained[2] = {0.0, 0.0}; // the share of the path's variance along each direction
};

/// Li et al. section 7: the first two principal directions of the matrix whose rows are each
/// snapshot's parameters minus the final ones (1-D parameters left out, as for random
/// directions), unit vectors in weight space, not filter-normalised (the coordinates are then
/// distances along them, as in the reference's PCA plots). snapshots: state_dicts of the same
/// net; at least two. Fills trajectory with the snapshots' projections.
Directions pca_directions(const ResNetImpl& net,
                          const std::vector<std::pair<int64_t, StateDict>>& snapshots,
                          Trajectory* trajectory);

/// Writes directions as a state_dict of "d1.<name>" and "d2.<name>" that Python's torch.load
/// reads. Throws WeightsError.
void write_directions(const Directions& directions, const std::string& path);

/// The surface: loss and error at theta + a d1 + b d2 for a and b on the grid.
struct Landscape {
    LandscapeOptions options;
    std::vector<double> coords; // the grid's values of a (and of b)
    std::vector<double> loss;   // grid x grid, row by b then column by a; NaN until computed
    std::vector<double> error;  // the fraction misclassified, likewise
    /// Images each point's values are the mean over so far: a point is first estimated on its
    /// first chunk of images and is done at options.images. Empty in a surface read back (done).
    std::vector<int64_t> images_at;
    int64_t computed = 0;  // points done, on all their images
    double seconds = 0.0;  // spent computing them
    Trajectory trajectory; // with trajectory directions

    double loss_at(int64_t ib, int64_t ia) const { return loss[ib * options.grid + ia]; }
    bool complete() const { return computed == options.grid * options.grid; }
    /// Whether point i (b index * grid + a index) is done on all its images.
    bool done_at(int64_t i) const {
        return images_at.empty() ? !std::isnan(loss[static_cast<size_t>(i)])
                                 : images_at[static_cast<size_t>(i)] == options.images;
    }
};

/// The grid's points, coarse to fine: every 4th point of each axis, then every 2nd, then the
/// rest, so that a picture of the whole surface comes first and sharpens. (b index, a index).
std::vector<std::pair<int64_t, int64_t>> coarse_to_fine(int64_t grid);

/// How the surfaces' work is shared out: workers each with threads_per_worker intra-op threads.
struct LandscapeSplit {
    int workers = 0; // 0: landscape_split's choice
    int threads_per_worker = 1;
};

/// One surface to compute: a net (not touched: each worker evaluates a copy of its own), its
/// images x (N x C x H x W as the net takes them, normalised) and labels y, its directions, and
/// the landscape to fill (its options set).
struct SurfaceJob {
    const ResNetImpl* net;
    torch::Tensor x, y;
    const Directions* directions;
    Landscape* landscape;
};

/// The training scheduler's rule for these forward passes: where a chunk of images through a net
/// is small (these nets at 14 x 14), one worker a core with one intra-op thread each (intra-op
/// threads do little for them; 2 workers on 2 cores, bench_landscape_speed); a big net gets
/// every core for one worker.
LandscapeSplit landscape_split(const std::vector<SurfaceJob>& jobs, int cores);

/// Fills the surfaces together, coarse to fine and each in turn (see coarse_to_fine): the coarse
/// points first on the first chunk of their images (options.batch of them), so that a rough
/// picture of every surface comes early, then on all of them, then every 2nd point, then the
/// rest. A point's value is its mean over the images done so far (images_at); the numbers at the
/// end are the same on any split. The nets are evaluated in eval mode, with BN's running
/// statistics of the trained net, as the reference's evaluation.py does; the loss is the mean
/// cross-entropy over the images. The jobs share grid and image count. progress(job, landscape)
/// is called after each piece of work, one call at a time; returning false stops (each
/// landscape keeps what was reported so far). split: workers 0 takes landscape_split's.
void compute_landscapes(const std::vector<SurfaceJob>& jobs,
                        const std::function<bool(size_t, const Landscape&)>& progress = {},
                        LandscapeSplit split = {});

/// One surface (compute_landscapes with one job).
void compute_landscape(const ResNetImpl& net,
                       const torch::Tensor& x,
                       const torch::Tensor& y,
                       const Directions& directions,
                       Landscape& landscape,
                       const std::function<bool(const Landscape&)>& progress = {},
                       LandscapeSplit split = {});

/// What a surface shows in numbers, for captions and the CLI.
struct LandscapeSummary {
    double centre_loss = 0.0; // at a = b = 0: the trained net
    double min_loss = 0.0;
    double max_loss = 0.0;
    double edge_to_min = 0.0; // mean loss on the grid's border over the minimum
    int64_t local_minima = 0; // points lower than all their computed neighbours
};
/// Over the points done on all their images.
LandscapeSummary summarize(const Landscape& landscape);

/// A run folder's config, its net (its checkpoint) and the seeded subset of its training set
/// (options.images, options.seed), loaded once for its surface and its line.
struct RunSubject {
    std::string folder;
    RunConfig config;
    LoadedNetPtr net;
    torch::Tensor indices, x, y; // the images' indices, the images as the net takes them, labels
};
RunSubject load_run_subject(const std::string& folder, const LandscapeOptions& options);

/// A run folder's net (its checkpoint) over a seeded subset of its own training set, written to
/// the folder (names for random directions; see landscape_json_path): landscape-<seed>.json (the
/// grid, the losses, the errors and the settings) and landscape-<seed>-directions.pth (the two
/// directions, as "d1.<name>" and "d2.<name>", which Python's torch.load reads). Returns the
/// landscape; cancelled (progress false) writes nothing.
Landscape landscape_for_run(const std::string& folder,
                            const LandscapeOptions& options,
                            const std::function<bool(const Landscape&)>& progress = {});
/// The same for a run already loaded (load_run_subject with these options).
Landscape landscape_for_run(const RunSubject& run,
                            const LandscapeOptions& options,
                            const std::function<bool(const Landscape&)>& progress = {});
/// Several runs' surfaces computed together (compute_landscapes: a run and its twin both sharpen
/// at once), each written to its folder once done; progress(run index, landscape). Cancelled,
/// none is written.
std::vector<Landscape>
landscapes_for_runs(const std::vector<const RunSubject*>& runs,
                    const LandscapeOptions& options,
                    const std::function<bool(size_t, const Landscape&)>& progress = {});

/// The files landscape_for_run writes.
/// landscape-<seed>.json for random directions, landscape-trajectory-<seed>.json for the
/// trajectory's (the seed then chooses the images alone).
std::string landscape_json_path(const std::string& folder,
                                uint64_t seed,
                                const std::string& directions = "random");
std::string landscape_directions_path(const std::string& folder,
                                      uint64_t seed,
                                      const std::string& directions = "random");

/// The loss along the straight line between a net's initial weights (alpha 0) and its trained
/// ones (alpha 1), from alpha -0.5 to 1.5 (Goodfellow, Vinyals and Saxe, "Qualitatively
/// characterizing neural network optimization problems", ICLR 2015): parameters
/// (1 - alpha) theta0 + alpha theta1, BN's running statistics the trained net's (eval mode), as
/// for the surface.
struct Interpolation {
    /// The line runs past both ends, as Goodfellow et al.'s does.
    static constexpr double kFrom = -0.5, kTo = 1.5;
    std::vector<double> alpha, loss, error;
    double seconds = 0.0;
};
Interpolation interpolate(const ResNetImpl& initial,
                          const ResNetImpl& trained,
                          const torch::Tensor& x,
                          const torch::Tensor& y,
                          int64_t points,
                          int64_t batch);
/// A run folder's line, from its initial weights (rebuilt from its spec and seed) to its
/// checkpoint, over options.grid points on the same subset as its surface; written to
/// interpolation-<seed>.json.
Interpolation interpolation_for_run(const std::string& folder, const LandscapeOptions& options);
Interpolation interpolation_for_run(const RunSubject& run, const LandscapeOptions& options);
std::string interpolation_json_path(const std::string& folder, uint64_t seed);
/// Reads interpolation-<seed>.json back. Throws RunFolderError naming the file.
Interpolation read_interpolation(const std::string& path);

/// Reads landscape-<seed>.json back. Throws RunFolderError naming the file.
Landscape read_landscape(const std::string& path);

} // namespace reslab
