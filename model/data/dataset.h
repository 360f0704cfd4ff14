#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/types.h>

#include "image.h"

namespace reslab {

/// A data set file or folder that cannot be used: names the file and what is wrong with it.
struct DataError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
/// A data set that needs its folder named (MNIST, CIFAR-10, a folder set) and was given none; the
/// CLI and the window each add how to name it.
struct DataFolderNotGiven : DataError {
    using DataError::DataError;
};

/// A whole data set in memory, as one uint8 tensor, so that a batch is cut by index and feeding
/// costs next to nothing beside a training step.
struct Dataset {
    std::string name;                 // "fashion-mnist", "mnist", "cifar10", "folder", "synthetic"
    torch::Tensor images;             // uint8, N x C x H x W, contiguous
    torch::Tensor labels;             // int64, N
    std::vector<std::string> classes; // class names, indexed by label
    Normalization norm;               // per-channel mean/std in [0, 1] units

    int64_t size() const { return images.defined() ? images.size(0) : 0; }
    int64_t channels() const { return images.size(1); }
    int64_t height() const { return images.size(2); }
    int64_t width() const { return images.size(3); }
};

/// Which part of a data set: Validation is the last `held_out_size` images of the training set
/// (the paper's 45k/5k split of CIFAR-10, section 4.2).
enum class Split { Train, Validation, Test };

/// What load_dataset reads and how.
struct DataOptions {
    std::string name = "fashion-mnist"; // or "mnist", "cifar10", "folder", "synthetic"
    std::string data_dir;               // empty: Fashion-MNIST's Debian folder; the others need it
    Split split = Split::Train;
    bool held_out = false;        // Train: leave the last held_out_size images out for Validation
    int64_t held_out_size = 5000; // the paper's 5k validation images
    int64_t downsample = 1;       // average-pool k x k once at load (28 -> 14 with 2)
    int64_t channels = 0;         // 1 or 3; 0: the set's own (folder 3, synthetic 1); grey
                                  // sets are repeated to RGB, CIFAR-10 made grey (Rec. 601)
    int64_t image_size = 0;       // folder: resize to this square (0: keep, all must agree);
                                  // synthetic: side length (0: 28)
    int64_t count = 0;            // synthetic: images in the split (0: 10000 train, 2000 test)
    uint64_t seed = 0;            // synthetic: the same seed makes the same images
};

/// Fashion-MNIST's folder from Debian's dataset-fashion-mnist package.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// Loads a data set by name (see DataOptions), held out, downsampled and normalised as asked.
/// For "folder", data_dir holds one sub-folder per class, or train/ and test/ folders that do.
/// The normalisation of "folder" and "synthetic" is measured on the split loaded: normalise
/// every split with the training split's norm. Throws DataError.
Dataset load_dataset(const DataOptions& options);

/// Reads an IDX image file (idx3, magic 0x00000803), raw or gzip: uint8 N x 1 x H x W.
torch::Tensor read_idx_images(const std::string& path);

/// Reads an IDX label file (idx1, magic 0x00000801), raw or gzip; every label < num_classes.
torch::Tensor read_idx_labels(const std::string& path, int64_t num_classes);

/// Reads an IDX image file and its label file (MNIST and Fashion-MNIST, 10 classes) as a data
/// set without normalisation; the counts must agree.
Dataset read_idx(const std::string& images_path, const std::string& labels_path);

/// Reads CIFAR-10 binary batches (records of a label byte and 3 x 32 x 32 pixel bytes) in order.
Dataset read_cifar(const std::vector<std::string>& batch_paths);

/// Reads a folder with one sub-folder of PNG/JPEG/BMP images per class (classes sorted by name),
/// converted to `channels` channels and resized (bilinear) to image_size x image_size;
/// image_size 0 keeps the images' own size, which must then be the same for all.
Dataset read_image_folder(const std::string& dir, int64_t channels, int64_t image_size);

/// A learnable set of 10 shapes (disc, square, cross, bars, triangle, ring, diagonal, x, frame)
/// with jittered position, size, thickness, intensity and noise and a stray blob; balanced
/// classes, the same images for the same seed.
Dataset make_synthetic(int64_t count, int64_t channels, int64_t image_size, uint64_t seed);

/// Average-pools the images k x k (dropping edge rows and columns that do not fill a block),
/// rounded back to uint8.
torch::Tensor downsample_images(const torch::Tensor& images, int64_t k);

/// Throws DataError when count images of channels x height x width bytes would take more than a
/// quarter of this machine's memory (train/devices.h's file_memory_budget), before they are made:
/// "the synthetic set: 10000000 images of 1 x 8192 x 8192 would take 625 TiB, ...". what names
/// the set (a folder, "the synthetic set").
void check_set_size(
    const std::string& what, int64_t count, int64_t channels, int64_t height, int64_t width);

/// Per-channel mean and standard deviation of uint8 N x C x H x W images, in [0, 1] units.
Normalization measure_normalization(const torch::Tensor& images);

} // namespace reslab
