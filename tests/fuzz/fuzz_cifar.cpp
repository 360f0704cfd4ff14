// Fuzzes the CIFAR-10 binary batch reader: read_cifar.
#include <cstddef>
#include <cstdint>
#include <exception>

#include "data/dataset.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static reslab::fuzz::InputFile file("cifar");
    const std::string& path = file.write(data, size);
    try {
        const reslab::Dataset set = reslab::read_cifar({path});
        (void)set.images.sum().item<int64_t>();
        (void)set.labels.sum().item<int64_t>();
    } catch (const std::exception&) {
    }
    return 0;
}
