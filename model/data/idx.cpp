// MNIST's IDX format (http://yann.lecun.com/exdb/mnist/): a big-endian magic 0x000008dd (unsigned
// bytes, d dimensions), d big-endian 32-bit sizes, then the bytes row-major.
#include "dataset.h"

#include <cstdio>
#include <cstring>
#include <optional>

#include "file_bytes.h"

namespace reslab {
namespace {

constexpr uint32_t kIdxImagesMagic = 0x00000803;
constexpr uint32_t kIdxLabelsMagic = 0x00000801;
constexpr int64_t kIdxClasses = 10; // MNIST and Fashion-MNIST

uint32_t big_endian_u32(const uint8_t* p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

std::string hex(uint32_t v) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", v);
    return text;
}

// Checks the magic and returns the sizes of the header, against the file's real length.
std::vector<uint64_t> idx_header(const std::string& path,
                                 const std::vector<uint8_t>& bytes,
                                 uint32_t magic,
                                 const char* kind) {
    const size_t dims = magic & 0xff;
    const size_t header = 4 + 4 * dims;
    if (bytes.size() < 4)
        throw DataError(file_fault(path, "is too short for an IDX file (" +
                                             std::to_string(bytes.size()) + " bytes)"));
    const uint32_t found = big_endian_u32(bytes.data());
    if (found != magic)
        throw DataError(file_fault(path, "wrong magic number " + hex(found) + ": an IDX " + kind +
                                             " file starts with " + hex(magic)));
    if (bytes.size() < header)
        throw DataError(file_fault(path, "truncated in its header"));
    const uint64_t have = bytes.size() - header;
    std::vector<uint64_t> sizes;
    uint64_t payload = 1;
    bool too_big = false; // checked before multiplying: three 32-bit sizes overflow 64 bits
    for (size_t d = 0; d < dims; ++d) {
        sizes.push_back(big_endian_u32(bytes.data() + 4 + 4 * d));
        if (sizes.back() == 0)
            throw DataError(file_fault(path, "holds no " + std::string(kind) + " (a size is 0)"));
        too_big = too_big || sizes.back() > have / payload;
        if (!too_big)
            payload *= sizes.back();
    }
    if (too_big || payload > have) {
        std::string shape;
        for (uint64_t s : sizes)
            shape += (shape.empty() ? "" : " x ") + std::to_string(s);
        throw DataError(file_fault(path, "truncated: its header promises " + shape + " " + kind +
                                             " bytes, the file holds " + std::to_string(have)));
    }
    if (payload < have)
        throw DataError(file_fault(path, "holds " + std::to_string(have - payload) +
                                             " bytes more than its header describes"));
    return sizes;
}

// The size an IDX file's header declares for the whole file, once its header is known: a gzip
// bomb is refused as soon as it inflates past it.
std::optional<uint64_t> idx_declared_size(const uint8_t* head, size_t n) {
    if (n < 4)
        return std::nullopt;
    const size_t dims = head[3];
    if (n < 4 + 4 * dims)
        return std::nullopt;
    uint64_t total = 1;
    for (size_t d = 0; d < dims; ++d) {
        const uint64_t size = big_endian_u32(head + 4 + 4 * d);
        if (size != 0 && total > (uint64_t{1} << 40) / size)
            return uint64_t{1} << 40; // past any budget: the budget decides
        total *= size;
    }
    return 4 + 4 * dims + total;
}

} // namespace

torch::Tensor read_idx_images(const std::string& path) {
    const std::vector<uint8_t> bytes = read_file_bytes(path, 0, idx_declared_size);
    const auto sizes = idx_header(path, bytes, kIdxImagesMagic, "images");
    const auto n = static_cast<int64_t>(sizes[0]);
    const auto h = static_cast<int64_t>(sizes[1]);
    const auto w = static_cast<int64_t>(sizes[2]);
    torch::Tensor images = torch::empty({n, 1, h, w}, torch::kUInt8);
    std::memcpy(images.data_ptr<uint8_t>(), bytes.data() + 16, static_cast<size_t>(n * h * w));
    return images;
}

torch::Tensor read_idx_labels(const std::string& path, int64_t num_classes) {
    const std::vector<uint8_t> bytes = read_file_bytes(path, 0, idx_declared_size);
    const auto sizes = idx_header(path, bytes, kIdxLabelsMagic, "labels");
    const auto n = static_cast<int64_t>(sizes[0]);
    torch::Tensor raw =
        torch::from_blob(const_cast<uint8_t*>(bytes.data()) + 8, {n}, torch::kUInt8);
    const int64_t largest = raw.max().item<int64_t>();
    if (largest >= num_classes) {
        const int64_t at = raw.ge(num_classes).nonzero()[0][0].item<int64_t>();
        throw DataError(file_fault(path, "label " + std::to_string(raw[at].item<int64_t>()) +
                                             " of image " + std::to_string(at) +
                                             " is out of range (" + std::to_string(num_classes) +
                                             " classes)"));
    }
    return raw.to(torch::kInt64); // a copy: the bytes go away
}

Dataset read_idx(const std::string& images_path, const std::string& labels_path) {
    Dataset data;
    data.images = read_idx_images(images_path);
    data.labels = read_idx_labels(labels_path, kIdxClasses);
    if (data.images.size(0) != data.labels.size(0))
        throw DataError("'" + images_path + "' holds " + std::to_string(data.images.size(0)) +
                        " images but '" + labels_path + "' holds " +
                        std::to_string(data.labels.size(0)) + " labels");
    return data;
}

} // namespace reslab
