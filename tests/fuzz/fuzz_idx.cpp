// Fuzzes the IDX readers (MNIST, Fashion-MNIST), raw and gzip: read_idx_images, read_idx_labels.
#include <cstddef>
#include <cstdint>
#include <exception>

#include "data/dataset.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static reslab::fuzz::InputFile file("idx");
    const std::string& path = file.write(data, size);
    try {
        const torch::Tensor images = reslab::read_idx_images(path);
        // Touch every byte, so a tensor that claims more than it was given is read past.
        (void)images.sum().item<int64_t>();
    } catch (const std::exception&) {
    }
    try {
        const torch::Tensor labels = reslab::read_idx_labels(path, 10);
        (void)labels.sum().item<int64_t>();
    } catch (const std::exception&) {
    }
    return 0;
}
