#include "image.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <vector>

#include <stb/stb_image.h>
#include <torch/nn/functional/upsampling.h>

namespace reslab {
namespace F = torch::nn::functional;
namespace {

torch::Tensor resize(const torch::Tensor& image, int64_t height, int64_t width) {
    if (image.size(1) == height && image.size(2) == width)
        return image;
    return F::interpolate(image.unsqueeze(0), F::InterpolateFuncOptions()
                                                  .size(std::vector<int64_t>{height, width})
                                                  .mode(torch::kBilinear)
                                                  .align_corners(false)
                                                  .antialias(true))
        .squeeze(0);
}

torch::Tensor center_crop(const torch::Tensor& image, int64_t size) {
    // torchvision rounds the offset with Python's round(), half to even (58.5 -> 58); nearbyint in
    // the default rounding mode does the same.
    const int64_t top = static_cast<int64_t>(std::nearbyint((image.size(1) - size) / 2.0));
    const int64_t left = static_cast<int64_t>(std::nearbyint((image.size(2) - size) / 2.0));
    return image.narrow(1, top, size).narrow(2, left, size);
}

// Larger images are refused before they are decoded: 8192 x 8192 RGB is 800 MB as floats.
constexpr int64_t kMaxImagePixels = int64_t{1} << 26;
// Baseline and progressive Huffman JPEG need at least one bit for each 8 x 8 block's DC value, so
// no JPEG holds more than 512 pixels a byte; one that claims more is cut short or damaged, and stb
// would spend seconds inventing the missing pixels.
constexpr int64_t kMaxJpegPixelsPerByte = 2048;

std::string image_fault(const std::string& path, const std::string& fault) {
    return "cannot read the image '" + path + "': " + fault;
}

uint32_t le(const std::vector<uint8_t>& b, size_t at, size_t n) {
    uint32_t v = 0;
    for (size_t i = 0; i < n && at + i < b.size(); ++i)
        v |= uint32_t(b[at + i]) << (8 * i);
    return v;
}

enum class Format { Png, Jpeg, Bmp };

// The formats we promise, by their magic bytes. Anything else never reaches stb_image, whose
// decoders for other formats (PSD, TGA, HDR, PIC, PNM, GIF) are not ours to vouch for.
bool sniff(const std::vector<uint8_t>& b, Format* format) {
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (b.size() >= sizeof png && std::equal(png, png + sizeof png, b.begin()))
        *format = Format::Png;
    else if (b.size() >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
        *format = Format::Jpeg;
    else if (b.size() >= 2 && b[0] == 'B' && b[1] == 'M')
        *format = Format::Bmp;
    else
        return false;
    return true;
}

// stb_image 2.27 (Debian 12's) builds a Huffman table from a DHT segment's 16 code counts without
// checking that they add up to at most 256, and then writes past the table. This walks the
// segments the way stb reads them (junk before a marker skipped, fill bytes, entropy-coded data
// up to the next marker) and finds such a table first. Bytes past the end read as 0, as in stb.
bool jpeg_huffman_tables_fit(const std::vector<uint8_t>& b) {
    const size_t n = b.size();
    auto at = [&](size_t i) -> unsigned { return i < n ? b[i] : 0; };
    size_t i = 2; // after SOI
    bool entropy = false;
    while (i < n) {
        if (b[i] != 0xff) { // junk between segments, or entropy-coded data
            ++i;
            continue;
        }
        size_t j = i + 1;
        while (j < n && b[j] == 0xff)
            ++j;
        if (j >= n)
            break;
        const unsigned marker = b[j];
        i = j + 1;
        if (entropy && (marker == 0x00 || (marker >= 0xd0 && marker <= 0xd7)))
            continue; // a stuffed 0xff or a restart marker inside the scan
        entropy = false;
        if (marker == 0xd9) // EOI
            break;
        if (marker == 0x00 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8))
            continue; // markers without a length
        const long length = static_cast<long>(at(i) << 8 | at(i + 1));
        if (marker == 0xc4) {
            long left = length - 2;
            size_t q = i + 2;
            while (left > 0) {
                if ((at(q) >> 4) > 1 || (at(q) & 15) > 3)
                    return true; // stb refuses the table itself
                unsigned codes = 0;
                for (size_t k = 1; k <= 16; ++k)
                    codes += at(q + k);
                if (codes > 256)
                    return false;
                q += 17 + codes;
                left -= 17 + static_cast<long>(codes);
            }
            if (left != 0)
                return true; // stb stops at a segment whose tables do not fill it
        }
        i += static_cast<size_t>(length);
        if (marker == 0xda) // SOS: the scan's data follows its header
            entropy = true;
    }
    return true;
}

// stb grows its IDAT buffer to a chunk's declared length before it reads the chunk, so a few bytes
// that claim a 2 GB chunk make it allocate 2 GB. Every chunk up to IEND must lie in the file.
bool png_chunks_fit(const std::vector<uint8_t>& b) {
    auto be = [&](size_t at) {
        return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 |
               uint32_t(b[at + 3]);
    };
    for (size_t i = 8; i + 8 <= b.size();) {
        const uint64_t length = be(i);
        if (length + 4 > b.size() - i - 8) // the data and its CRC
            return false;
        if (be(i + 4) == 0x49454e44) // IEND
            break;
        i += 12 + static_cast<size_t>(length);
    }
    return true;
}

// A BMP's rows must all be in the file: stb reads the missing ones as zeros, so a few bytes of
// header would otherwise make an image of any size.
uint64_t bmp_pixel_bytes(const std::vector<uint8_t>& b, int width, int height) {
    const uint32_t header = le(b, 14, 4);
    const uint32_t bpp = le(b, header == 12 ? 24 : 28, 2);
    const uint64_t row = (uint64_t(width) * bpp + 31) / 32 * 4;
    return row * uint64_t(height);
}

// Reads, checks and decodes; returns stb's pixels, height x width x channels.
std::unique_ptr<stbi_uc, void (*)(void*)>
decode(const std::string& path, int channels, int* width, int* height) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        throw ImageError(image_fault(path, std::strerror(errno)));
    const std::streamoff length = in.tellg();
    if (length < 0)
        throw ImageError(image_fault(path, "cannot read the file"));
    std::vector<uint8_t> bytes(static_cast<size_t>(length));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(bytes.data()), length))
        throw ImageError(image_fault(path, "cannot read the file"));
    if (bytes.size() > size_t(std::numeric_limits<int>::max()))
        throw ImageError(image_fault(path, "the file is larger than 2 GB"));

    Format format;
    if (!sniff(bytes, &format))
        throw ImageError(image_fault(path, "not a PNG, JPEG or BMP file"));
    if (format == Format::Png && !png_chunks_fit(bytes))
        throw ImageError(image_fault(path, "truncated: a PNG chunk runs past the end of the file"));
    if (format == Format::Jpeg && !jpeg_huffman_tables_fit(bytes))
        throw ImageError(image_fault(path, "corrupt JPEG (a Huffman table of more than 256 codes)"));
    const auto size = static_cast<int>(bytes.size());
    int file_channels = 0;
    if (!stbi_info_from_memory(bytes.data(), size, width, height, &file_channels))
        throw ImageError(image_fault(
            path, stbi_failure_reason() ? stbi_failure_reason() : "unreadable header"));
    if (*width <= 0 || *height <= 0 || int64_t(*width) * *height > kMaxImagePixels)
        throw ImageError(image_fault(path, "an image of " + std::to_string(*width) + " x " +
                                               std::to_string(*height) +
                                               " pixels is too large (at most " +
                                               std::to_string(kMaxImagePixels) + " pixels)"));
    if (format == Format::Jpeg && int64_t(*width) * *height > kMaxJpegPixelsPerByte * int64_t(bytes.size()))
        throw ImageError(image_fault(path, "truncated or damaged JPEG: it claims " + std::to_string(*width) + " x " +
                                               std::to_string(*height) + " pixels in " +
                                               std::to_string(bytes.size()) + " bytes"));
    if (format == Format::Bmp) {
        const uint64_t offset = le(bytes, 10, 4);
        const uint64_t held = bytes.size() > offset ? bytes.size() - offset : 0;
        if (bmp_pixel_bytes(bytes, *width, *height) > held)
            throw ImageError(image_fault(path, "truncated: its pixels need " +
                                                   std::to_string(bmp_pixel_bytes(bytes, *width,
                                                                                  *height)) +
                                                   " bytes, the file holds " +
                                                   std::to_string(held)));
    }
    int decoded_channels = 0;
    std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
        stbi_load_from_memory(bytes.data(), size, width, height, &decoded_channels, channels),
        stbi_image_free);
    if (!pixels)
        throw ImageError(
            image_fault(path, stbi_failure_reason() ? stbi_failure_reason() : "unknown format"));
    return pixels;
}

} // namespace

Normalization normalization_for(const std::string& dataset) {
    if (dataset == "imagenet")
        return {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
    if (dataset == "cifar10")
        return {{0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}};
    if (dataset == "fashion-mnist")
        return {{0.2860f}, {0.3530f}};
    if (dataset == "mnist")
        return {{0.1307f}, {0.3081f}};
    throw std::invalid_argument("no normalisation is known for the data set '" + dataset + "'");
}

torch::Tensor load_image(const std::string& path, int64_t channels) {
    if (channels != 1 && channels != 3)
        throw ImageError("cannot make a " + std::to_string(channels) + "-channel input from an image");
    int width = 0, height = 0;
    const auto pixels = decode(path, static_cast<int>(channels), &width, &height);
    // Made contiguous as bytes, then converted and scaled in place: one float copy at most.
    return torch::from_blob(pixels.get(), {height, width, channels}, torch::kUInt8)
        .permute({2, 0, 1})
        .contiguous()
        .to(torch::kFloat32)
        .div_(255.0);
}

torch::Tensor normalize(const torch::Tensor& image, const Normalization& norm) {
    const int64_t c = image.size(-3);
    if (static_cast<int64_t>(norm.mean.size()) != c || static_cast<int64_t>(norm.std.size()) != c)
        throw std::invalid_argument("the normalisation has " + std::to_string(norm.mean.size()) +
                                    " channels, the image " + std::to_string(c));
    auto mean = torch::tensor(norm.mean).view({c, 1, 1});
    auto std = torch::tensor(norm.std).view({c, 1, 1});
    return (image - mean) / std;
}

torch::Tensor preprocess_imagenet(const torch::Tensor& image) {
    constexpr int64_t kResize = 256; // torchvision's ImageNet eval: short side 256, centre 224
    constexpr int64_t kCrop = 224;
    const int64_t h = image.size(1), w = image.size(2);
    // torchvision's Resize(256) keeps the aspect ratio and truncates the long side.
    const int64_t nh = h <= w ? kResize : static_cast<int64_t>(kResize * h / w);
    const int64_t nw = h <= w ? static_cast<int64_t>(kResize * w / h) : kResize;
    return normalize(center_crop(resize(image, nh, nw), kCrop), normalization_for("imagenet"));
}

torch::Tensor preprocess_resized(const torch::Tensor& image, int64_t size, const Normalization& norm) {
    return normalize(resize(image, size, size), norm);
}

} // namespace reslab
