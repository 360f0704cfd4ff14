#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace reslab {

/// Decoded 8-bit pixels, row after row, each pixel's channels together (height x width x channels).
struct Pixels {
    int width = 0;
    int height = 0;
    int channels = 0;
    std::vector<uint8_t> data;
};

/// Decodes a JPEG held in memory with libjpeg-turbo, the library Pillow decodes with, and with
/// Pillow's settings (its default accurate integer IDCT and smooth chroma upsampling), so the
/// pixels equal what torchvision's PIL-based transforms see. A grey file gives 1 channel, a colour
/// one 3 (RGB). `check(width, height)` runs once the header is read, before any pixel is decoded,
/// and may throw to refuse the image. Throws std::runtime_error with libjpeg's description of a
/// damaged file; data that is corrupt past the header is decoded as far as it goes, as Pillow does.
Pixels decode_jpeg(const uint8_t* data, size_t size, const std::function<void(int, int)>& check);

} // namespace reslab
