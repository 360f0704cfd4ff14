// Fuzzes the image reader: load_image, grey or RGB (PNG and BMP through stb_image, compiled in
// instrumented; JPEG through Debian's libjpeg-turbo, which is not, so the fuzzer sees our checks
// and the conversions around it but not its branches).
#include <cstddef>
#include <cstdint>
#include <exception>

#include "data/image.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static reslab::fuzz::InputFile file("image");
    const std::string& path = file.write(data, size);
    // One decode per input (they dominate the cost): grey or RGB by the length's parity, so
    // both conversions are reached and a mutation that changes the length switches between them.
    const int64_t channels = size % 2 ? 3 : 1;
    try {
        const torch::Tensor image = reslab::load_image(path, channels);
        (void)image.sum().item<double>();
    } catch (const std::exception&) {
    }
    return 0;
}
