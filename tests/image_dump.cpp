// image_dump FILE: the bytes ResLab's image reader makes of FILE as RGB (height x width x 3, what
// Pillow's Image.open(FILE).convert("RGB").tobytes() gives), on stdout; or its message on stderr
// and exit status 1. tests/fuzz/hostile_inputs.py compares the two for each image it makes.
#include <cstdio>
#include <exception>

#include "data/image.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: image_dump FILE\n");
        return 2;
    }
    try {
        const torch::Tensor image = reslab::load_image(argv[1], 3);
        const torch::Tensor bytes =
            image.mul(255).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
        std::fwrite(bytes.data_ptr<uint8_t>(), 1, static_cast<size_t>(bytes.numel()), stdout);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
