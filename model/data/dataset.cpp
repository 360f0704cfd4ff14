#include "dataset.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "labels.h"
#include "train/devices.h"

namespace reslab {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kChunk = 4096; // images converted to float at once, to bound the temporaries
constexpr int64_t kSyntheticTrain = 10000;
constexpr int64_t kSyntheticTest = 2000;
constexpr int64_t kSyntheticSize = 28; // Fashion-MNIST's size, so the same nets fit both

// Mixes a seed with a stream number (splitmix64's finaliser), so related seeds give unrelated sets.
uint64_t mix_seed(uint64_t seed, uint64_t stream) {
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::string missing_default_hint(const DataOptions& options) {
    if (options.name == "fashion-mnist" && options.data_dir.empty())
        return ": install Debian's data set with `apt-get install dataset-fashion-mnist`, or name "
               "the folder that holds its IDX files";
    return "";
}

Dataset load_idx(const DataOptions& options) {
    const bool fashion = options.name == "fashion-mnist";
    if (!fashion && options.data_dir.empty())
        throw DataFolderNotGiven("MNIST needs the folder of its IDX files, and none was given");
    const fs::path dir =
        options.data_dir.empty() ? fs::path(kFashionMnistDir) : fs::path(options.data_dir);
    if (!fs::is_directory(dir))
        throw DataError("'" + dir.string() + "': no such folder" + missing_default_hint(options));
    const std::string prefix = options.split == Split::Test ? "t10k" : "train";
    // Debian and the original site use these names; some mirrors write a dot before idx.
    auto find = [&](const std::string& kind, const std::string& idx) {
        for (const std::string& name : {prefix + "-" + kind + "-" + idx + "-ubyte.gz",
                                        prefix + "-" + kind + "-" + idx + "-ubyte",
                                        prefix + "-" + kind + "." + idx + "-ubyte"}) {
            if (fs::exists(dir / name))
                return (dir / name).string();
        }
        throw DataError("'" + dir.string() + "': holds no " + prefix + "-" + kind + "-" + idx +
                        "-ubyte[.gz]" + missing_default_hint(options));
    };
    const std::string images = find("images", "idx3"); // first, so a missing set names its images
    Dataset data = read_idx(images, find("labels", "idx1"));
    data.name = options.name;
    data.classes = class_labels(options.name);
    data.norm = normalization_for(options.name);
    return data;
}

Dataset load_cifar(const DataOptions& options) {
    if (options.data_dir.empty())
        throw DataFolderNotGiven(
            "CIFAR-10 needs the folder of its binary batches, and none was given");
    fs::path dir = options.data_dir;
    if (fs::is_directory(dir / "cifar-10-batches-bin"))
        dir /= "cifar-10-batches-bin"; // the folder the archive unpacks to
    std::vector<std::string> paths;
    if (options.split == Split::Test) {
        paths.push_back((dir / "test_batch.bin").string());
    } else {
        for (int i = 1; i <= 5; ++i)
            paths.push_back((dir / ("data_batch_" + std::to_string(i) + ".bin")).string());
    }
    return read_cifar(paths);
}

Dataset load_folder(const DataOptions& options) {
    if (options.data_dir.empty())
        throw DataFolderNotGiven("a folder data set needs its folder, and none was given");
    const fs::path dir = options.data_dir;
    const bool has_splits = fs::is_directory(dir / "train") && fs::is_directory(dir / "test");
    if (options.split == Split::Test && !has_splits)
        throw DataError("'" + dir.string() +
                        "': has no train/ and test/ sub-folders, so no test "
                        "split (hold out a validation split instead)");
    const fs::path root =
        has_splits ? dir / (options.split == Split::Test ? "test" : "train") : dir;
    return read_image_folder(root.string(), options.channels ? options.channels : 3,
                             options.image_size);
}

Dataset load_synthetic(const DataOptions& options) {
    const bool test = options.split == Split::Test;
    const int64_t count = options.count > 0 ? options.count
                          : test            ? kSyntheticTest
                                            : kSyntheticTrain;
    return make_synthetic(count, options.channels ? options.channels : 1,
                          options.image_size ? options.image_size : kSyntheticSize,
                          test ? mix_seed(options.seed, 1) : options.seed);
}

// Grey to RGB by repetition; RGB to grey with the Rec. 601 weights that image libraries use.
Dataset convert_channels(Dataset data, int64_t channels) {
    if (channels == 0 || channels == data.channels())
        return data;
    if (channels == 3 && data.channels() == 1) {
        check_set_size("the " + data.name + " set made RGB", data.size(), 3, data.height(),
                       data.width());
        data.images = data.images.expand({-1, 3, -1, -1}).contiguous();
        data.norm.mean.assign(3, data.norm.mean.at(0));
        data.norm.std.assign(3, data.norm.std.at(0));
        return data;
    }
    if (channels == 1 && data.channels() == 3) {
        torch::Tensor grey =
            torch::empty({data.size(), 1, data.height(), data.width()}, torch::kUInt8);
        const torch::Tensor weights = torch::tensor({0.299f, 0.587f, 0.114f}).view({1, 3, 1, 1});
        for (int64_t begin = 0; begin < data.size(); begin += kChunk) {
            const int64_t m = std::min(kChunk, data.size() - begin);
            grey.narrow(0, begin, m)
                .copy_(data.images.narrow(0, begin, m)
                           .to(torch::kFloat32)
                           .mul(weights)
                           .sum(1, true)
                           .round_());
        }
        data.images = grey;
        data.norm = measure_normalization(grey);
        return data;
    }
    throw DataError("cannot make " + std::to_string(channels) + "-channel images from the " +
                    std::to_string(data.channels()) + "-channel " + data.name + " set");
}

} // namespace

void check_set_size(
    const std::string& what, int64_t count, int64_t channels, int64_t height, int64_t width) {
    // In doubles: a hostile count times a hostile size passes int64_t.
    const double bytes = double(count) * double(channels) * double(height) * double(width);
    const double budget = double(file_memory_budget());
    if (bytes <= budget)
        return;
    char need[32], have[32];
    std::snprintf(need, sizeof need, "%.1f GiB", bytes / double(1 << 30));
    std::snprintf(have, sizeof have, "%.1f GiB", budget / double(1 << 30));
    throw DataError(what + ": " + std::to_string(count) + " images of " + std::to_string(channels) +
                    " x " + std::to_string(height) + " x " + std::to_string(width) +
                    " would take " + need + " as bytes, more than a data set may take here (" +
                    have + ", a quarter of this machine's memory): use fewer or smaller images");
}

Normalization measure_normalization(const torch::Tensor& images) {
    const int64_t c = images.size(1);
    torch::Tensor sum = torch::zeros({c}, torch::kFloat64);
    torch::Tensor sum_sq = torch::zeros({c}, torch::kFloat64);
    for (int64_t begin = 0; begin < images.size(0); begin += kChunk) {
        const torch::Tensor x =
            images.narrow(0, begin, std::min(kChunk, images.size(0) - begin)).to(torch::kFloat64);
        sum += x.sum({0, 2, 3});
        sum_sq += x.square().sum({0, 2, 3});
    }
    const double count = static_cast<double>(images.numel() / c);
    const torch::Tensor mean = sum / count;
    const torch::Tensor std = (sum_sq / count - mean.square()).clamp_min(0).sqrt();
    Normalization norm;
    for (int64_t i = 0; i < c; ++i) {
        norm.mean.push_back(static_cast<float>(mean[i].item<double>() / 255.0));
        // A constant channel would divide by zero; leave it unscaled.
        const double s = std[i].item<double>() / 255.0;
        norm.std.push_back(static_cast<float>(s > 1e-6 ? s : 1.0));
    }
    return norm;
}

torch::Tensor downsample_images(const torch::Tensor& images, int64_t k) {
    if (k == 1)
        return images;
    if (k < 1 || images.size(2) < k || images.size(3) < k)
        throw DataError("cannot downsample " + std::to_string(images.size(2)) + "x" +
                        std::to_string(images.size(3)) + " images by " + std::to_string(k));
    const int64_t n = images.size(0);
    torch::Tensor out =
        torch::empty({n, images.size(1), images.size(2) / k, images.size(3) / k}, torch::kUInt8);
    for (int64_t begin = 0; begin < n; begin += kChunk) {
        const int64_t m = std::min(kChunk, n - begin);
        out.narrow(0, begin, m)
            .copy_(torch::avg_pool2d(images.narrow(0, begin, m).to(torch::kFloat32), {k, k}, {k, k})
                       .round_());
    }
    return out;
}

Dataset load_dataset(const DataOptions& options) {
    Dataset data;
    if (options.name == "fashion-mnist" || options.name == "mnist")
        data = load_idx(options);
    else if (options.name == "cifar10")
        data = load_cifar(options);
    else if (options.name == "folder")
        data = load_folder(options);
    else if (options.name == "synthetic")
        data = load_synthetic(options);
    else
        throw DataError("unknown data set '" + options.name +
                        "' (fashion-mnist, mnist, cifar10, folder or synthetic)");

    const bool hold_out =
        options.split == Split::Validation || (options.split == Split::Train && options.held_out);
    if (hold_out) {
        const int64_t n = data.size(), h = options.held_out_size;
        if (h <= 0 || h >= n)
            throw DataError("cannot hold out " + std::to_string(h) + " of the " +
                            std::to_string(n) + " training images of " + data.name);
        // Copies, so the part left out does not stay in memory behind a view.
        const int64_t begin = options.split == Split::Validation ? n - h : 0;
        const int64_t length = options.split == Split::Validation ? h : n - h;
        data.images = data.images.narrow(0, begin, length).clone();
        data.labels = data.labels.narrow(0, begin, length).clone();
    }
    data.images = downsample_images(data.images, options.downsample);
    if (options.name == "folder" || options.name == "synthetic") {
        if (hold_out || options.downsample > 1)
            data.norm = measure_normalization(data.images); // averaging narrows the spread
    } else {
        data = convert_channels(std::move(data), options.channels);
    }
    return data;
}

} // namespace reslab
