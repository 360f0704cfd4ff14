// CIFAR-10's binary version (https://www.cs.toronto.edu/~kriz/cifar.html): each record is one
// label byte and 3072 pixel bytes, the red, green and blue 32 x 32 planes in turn.
#include "dataset.h"

#include "file_bytes.h"
#include "labels.h"

namespace reslab {
namespace {

constexpr int64_t kCifarSide = 32;
constexpr int64_t kCifarPixels = 3 * kCifarSide * kCifarSide;
constexpr int64_t kCifarRecord = 1 + kCifarPixels;
constexpr int64_t kCifarClasses = 10;
// A batch holds 10000 records (30,730,000 bytes); the whole training set is five of them. A gzip
// batch inflating past this is no CIFAR-10 batch (a decompression bomb?).
constexpr uint64_t kMaxCifarBatchBytes = uint64_t{256} << 20;

} // namespace

Dataset read_cifar(const std::vector<std::string>& batch_paths) {
    std::vector<torch::Tensor> images, labels;
    for (const std::string& path : batch_paths) {
        const std::vector<uint8_t> bytes = read_file_bytes(path, kMaxCifarBatchBytes);
        const auto length = static_cast<int64_t>(bytes.size());
        if (length == 0 || length % kCifarRecord != 0)
            throw DataError(file_fault(
                path, "is " + std::to_string(length) + " bytes long, not a whole number of " +
                          std::to_string(kCifarRecord) + "-byte CIFAR-10 records (truncated?)"));
        const int64_t n = length / kCifarRecord;
        const torch::Tensor records =
            torch::from_blob(const_cast<uint8_t*>(bytes.data()), {n, kCifarRecord}, torch::kUInt8);
        const torch::Tensor batch_labels = records.select(1, 0);
        if (batch_labels.max().item<int64_t>() >= kCifarClasses) {
            const int64_t at = batch_labels.ge(kCifarClasses).nonzero()[0][0].item<int64_t>();
            throw DataError(file_fault(
                path, "label " + std::to_string(batch_labels[at].item<int64_t>()) + " of record " +
                          std::to_string(at) + " is out of range (10 classes)"));
        }
        // Both are copies, so the file's bytes can go.
        labels.push_back(batch_labels.to(torch::kInt64));
        images.push_back(records.narrow(1, 1, kCifarPixels)
                             .reshape({n, 3, kCifarSide, kCifarSide})
                             .clone(torch::MemoryFormat::Contiguous));
    }
    if (images.empty())
        throw DataError("no CIFAR-10 batch files were given");
    Dataset data;
    data.name = "cifar10";
    data.images = images.size() == 1 ? images[0] : torch::cat(images);
    data.labels = labels.size() == 1 ? labels[0] : torch::cat(labels);
    data.classes = class_labels("cifar10");
    data.norm = normalization_for("cifar10");
    return data;
}

} // namespace reslab
