#include "dataset.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include <torch/nn/functional/upsampling.h>

namespace reslab {
namespace fs = std::filesystem;
namespace {

bool is_image_file(const fs::path& path) {
    static const std::set<std::string> kExtensions = {".png", ".jpg", ".jpeg", ".bmp", ".gif",
                                                      ".tga", ".ppm", ".pgm",  ".pnm"};
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return kExtensions.count(ext) > 0;
}

bool is_hidden(const fs::path& path) {
    const std::string name = path.filename().string();
    return !name.empty() && name[0] == '.';
}

std::vector<fs::path> sorted_entries(const fs::path& dir, bool directories) {
    std::vector<fs::path> entries;
    std::error_code error;
    for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
        if (is_hidden(it->path()))
            continue;
        if (directories ? it->is_directory() : (it->is_regular_file() && is_image_file(it->path())))
            entries.push_back(it->path());
    }
    if (error)
        throw DataError("'" + dir.string() + "': cannot list the folder: " + error.message());
    std::sort(entries.begin(), entries.end());
    return entries;
}

// Bilinear with antialiasing, like torchvision's Resize, on a float C x H x W image; back to uint8.
torch::Tensor resize_to_uint8(const torch::Tensor& image, int64_t size) {
    namespace F = torch::nn::functional;
    torch::Tensor resized = image;
    if (size > 0 && (image.size(1) != size || image.size(2) != size))
        resized = F::interpolate(image.unsqueeze(0), F::InterpolateFuncOptions()
                                                         .size(std::vector<int64_t>{size, size})
                                                         .mode(torch::kBilinear)
                                                         .align_corners(false)
                                                         .antialias(true))
                      .squeeze(0);
    return resized.mul(255.0).round_().clamp_(0, 255).to(torch::kUInt8);
}

} // namespace

Dataset read_image_folder(const std::string& dir, int64_t channels, int64_t image_size) {
    if (channels != 1 && channels != 3)
        throw DataError("'" + dir + "': cannot make " + std::to_string(channels) +
                        "-channel images (1 or 3)");
    if (!fs::is_directory(dir))
        throw DataError("'" + dir + "': no such folder");
    Dataset data;
    data.name = "folder";
    std::vector<fs::path> files;
    std::vector<int64_t> labels;
    for (const fs::path& class_dir : sorted_entries(dir, /*directories=*/true)) {
        const std::vector<fs::path> class_files = sorted_entries(class_dir, /*directories=*/false);
        if (class_files.empty())
            throw DataError("'" + class_dir.string() + "': the class folder holds no images");
        data.classes.push_back(class_dir.filename().string());
        files.insert(files.end(), class_files.begin(), class_files.end());
        labels.insert(labels.end(), class_files.size(),
                      static_cast<int64_t>(data.classes.size()) - 1);
    }
    if (files.empty())
        throw DataError("'" + dir + "': the folder holds no class sub-folders with images");

    std::vector<torch::Tensor> images;
    images.reserve(files.size());
    for (const fs::path& file : files) {
        torch::Tensor image;
        try {
            image = load_image(file.string(), channels);
        } catch (const ImageError& e) {
            throw DataError(e.what());
        }
        if (images.empty())
            check_set_size("'" + dir + "'", static_cast<int64_t>(files.size()), channels,
                           image_size > 0 ? image_size : image.size(1),
                           image_size > 0 ? image_size : image.size(2));
        image = resize_to_uint8(image, image_size);
        if (!images.empty() && image.sizes() != images.front().sizes())
            throw DataError("'" + file.string() + "' is " + std::to_string(image.size(2)) + "x" +
                            std::to_string(image.size(1)) + " but '" + files.front().string() +
                            "' is " + std::to_string(images.front().size(2)) + "x" +
                            std::to_string(images.front().size(1)) +
                            ": give an image size to resize them all");
        images.push_back(std::move(image));
    }
    data.images = torch::stack(images);
    data.labels = torch::tensor(labels, torch::kInt64);
    data.norm = measure_normalization(data.images);
    return data;
}

} // namespace reslab
