#include "image.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include <stb/stb_image.h>
#include <torch/nn/functional/upsampling.h>

#include "data/facts.h"

#include "file_bytes.h"
#include "jpeg.h"

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
// no JPEG holds more than 512 pixels a byte; one that claims more is cut short or damaged, and the
// decoder would spend seconds inventing the missing pixels.
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

// Pillow's luma (ITU-R 601-2 in 16-bit fixed point, its Convert.c) of 8-bit values, along `dim`.
torch::Tensor luma16(const torch::Tensor& rgb, int64_t dim) {
    std::vector<int64_t> shape(static_cast<size_t>(rgb.dim()), 1);
    shape[static_cast<size_t>(dim < 0 ? dim + rgb.dim() : dim)] = 3;
    const torch::Tensor weights = torch::tensor({19595, 38470, 7471}, torch::kInt32).view(shape);
    return (rgb.to(torch::kInt32) * weights)
        .sum(dim, /*keepdim=*/true)
        .add_(0x8000)
        .bitwise_right_shift(16);
}

// Height x width x channels bytes with `channels` channels: grey is repeated into RGB, as
// Image.convert("RGB") does; alpha was already dropped by the decoder.
torch::Tensor to_channels(torch::Tensor pixels, int64_t channels) {
    if (channels == 0 || pixels.size(2) == channels)
        return pixels;
    return channels == 1 ? luma16(pixels, -1).to(torch::kUInt8) : pixels.expand({-1, -1, 3});
}

void check_size(
    const std::string& path, int64_t width, int64_t height, size_t file_bytes, Format format) {
    if (width <= 0 || height <= 0 || width * height > kMaxImagePixels)
        throw ImageError(image_fault(path, "an image of " + std::to_string(width) + " x " +
                                               std::to_string(height) +
                                               " pixels is too large (at most " +
                                               std::to_string(kMaxImagePixels) + " pixels)"));
    if (format == Format::Jpeg && width * height > kMaxJpegPixelsPerByte * int64_t(file_bytes))
        throw ImageError(image_fault(path, "truncated or damaged JPEG: it claims " +
                                               std::to_string(width) + " x " +
                                               std::to_string(height) + " pixels in " +
                                               std::to_string(file_bytes) + " bytes"));
}

// JPEG through libjpeg-turbo (see jpeg.h); PNG and BMP through stb_image, after the checks above.
// Returns height x width x channels bytes; file_channels receives what the file holds.
torch::Tensor decode(const std::string& path, int64_t channels, int* file_channels) {
    std::vector<uint8_t> bytes;
    try {
        bytes = read_whole_file(path);
    } catch (const std::runtime_error& e) {
        throw ImageError(image_fault(path, e.what()));
    }
    if (bytes.size() > size_t(std::numeric_limits<int>::max()))
        throw ImageError(image_fault(path, "the file is larger than 2 GB"));

    Format format;
    if (!sniff(bytes, &format))
        throw ImageError(image_fault(path, "not a PNG, JPEG or BMP file"));
    if (format == Format::Jpeg) {
        Pixels decoded;
        try {
            decoded = decode_jpeg(bytes.data(), bytes.size(), [&](int width, int height) {
                check_size(path, width, height, bytes.size(), format);
            });
        } catch (const ImageError&) {
            throw;
        } catch (const std::runtime_error& e) {
            throw ImageError(image_fault(path, std::string("corrupt JPEG: ") + e.what()));
        }
        *file_channels = decoded.channels;
        auto data = std::make_shared<std::vector<uint8_t>>(std::move(decoded.data));
        const torch::Tensor pixels = torch::from_blob(
            data->data(), {decoded.height, decoded.width, decoded.channels}, [data](void*) {},
            torch::kUInt8);
        return to_channels(pixels, channels);
    }

    if (format == Format::Png && !png_chunks_fit(bytes))
        throw ImageError(image_fault(path, "truncated: a PNG chunk runs past the end of the file"));
    // The size a PNG declares (IHDR, big-endian at bytes 16 and 20), checked before stb sees it:
    // stb refuses sides past 2^24 itself, with a message that names no size.
    if (format == Format::Png && bytes.size() >= 24) {
        auto be32 = [&](size_t at) {
            return int64_t{bytes[at]} << 24 | int64_t{bytes[at + 1]} << 16 |
                   int64_t{bytes[at + 2]} << 8 | int64_t{bytes[at + 3]};
        };
        check_size(path, be32(16), be32(20), bytes.size(), format);
    }
    const auto size = static_cast<int>(bytes.size());
    int width = 0, height = 0;
    if (!stbi_info_from_memory(bytes.data(), size, &width, &height, file_channels))
        throw ImageError(
            image_fault(path, stbi_failure_reason() ? stbi_failure_reason() : "unreadable header"));
    // A top-down BMP stores a negative height; stb's header reader passes it on as it is, while
    // its decoder (as Pillow) reads such a file top row first.
    if (format == Format::Bmp)
        height = std::abs(height);
    check_size(path, width, height, bytes.size(), format);
    if (format == Format::Bmp) {
        const uint64_t offset = le(bytes, 10, 4);
        const uint64_t held = bytes.size() > offset ? bytes.size() - offset : 0;
        if (bmp_pixel_bytes(bytes, width, height) > held)
            throw ImageError(
                image_fault(path, "truncated: its pixels need " +
                                      std::to_string(bmp_pixel_bytes(bytes, width, height)) +
                                      " bytes, the file holds " + std::to_string(held)));
    }
    // Grey (with or without alpha) decodes to 1 channel, colour to RGB: alpha is dropped.
    const int wanted = *file_channels <= 2 ? 1 : 3;
    // A 16-bit grey PNG is Pillow's mode "I", whose conversion to 8 bits clips at 255 rather
    // than scaling (stb keeps the high byte); 16-bit colour and grey with alpha Pillow reads by
    // their high byte, as stb does.
    if (format == Format::Png && *file_channels == 1 &&
        stbi_is_16_bit_from_memory(bytes.data(), size)) {
        int decoded_channels = 0;
        stbi_us* wide =
            stbi_load_16_from_memory(bytes.data(), size, &width, &height, &decoded_channels, 1);
        if (!wide)
            throw ImageError(image_fault(path, stbi_failure_reason() ? stbi_failure_reason()
                                                                     : "unknown format"));
        const torch::Tensor values =
            torch::from_blob(wide, {height, width, 1}, stbi_image_free, torch::kInt16);
        // int16 holds 0..65535 as negative past 32767: widen before clipping.
        const torch::Tensor clipped =
            values.to(torch::kInt32).bitwise_and(0xffff).clamp_max(255).to(torch::kUInt8);
        return to_channels(clipped, channels);
    }
    int decoded_channels = 0;
    stbi_uc* pixels =
        stbi_load_from_memory(bytes.data(), size, &width, &height, &decoded_channels, wanted);
    if (!pixels)
        throw ImageError(
            image_fault(path, stbi_failure_reason() ? stbi_failure_reason() : "unknown format"));
    return to_channels(
        torch::from_blob(pixels, {height, width, wanted}, stbi_image_free, torch::kUInt8),
        channels);
}

} // namespace

Normalization normalization_for(const std::string& dataset) {
    if (dataset == "imagenet")
        return {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
    try {
        const DatasetFacts& facts = dataset_facts(dataset);
        if (!facts.mean.empty())
            return {facts.mean, facts.std};
    } catch (const std::invalid_argument&) {
    }
    throw std::invalid_argument("no normalisation is known for the data set '" + dataset + "'");
}

torch::Tensor load_image(const std::string& path, int64_t channels, int* file_channels) {
    if (channels < 0 || channels == 2 || channels > 3)
        throw ImageError("cannot make a " + std::to_string(channels) +
                         "-channel input from an image");
    int held = 0;
    // Made contiguous as bytes, then converted and scaled in place: one float copy at most.
    torch::Tensor image = decode(path, channels, &held)
                              .permute({2, 0, 1})
                              .contiguous()
                              .to(torch::kFloat32)
                              .div_(255.0);
    if (file_channels)
        *file_channels = held;
    return image;
}

torch::Tensor grey_like_pillow(const torch::Tensor& rgb) {
    return luma16(rgb.mul(255.0).round(), 0).to(torch::kFloat32).div_(255.0);
}

torch::Tensor normalize(const torch::Tensor& image, const Normalization& norm) {
    const int64_t c = image.size(-3);
    if (static_cast<int64_t>(norm.mean.size()) != c || static_cast<int64_t>(norm.std.size()) != c)
        throw std::invalid_argument("the normalisation has " + std::to_string(norm.mean.size()) +
                                    " channels, the image " + std::to_string(c));
    auto mean = torch::tensor(norm.mean).view({c, 1, 1}).to(image.device());
    auto std = torch::tensor(norm.std).view({c, 1, 1}).to(image.device());
    return (image - mean) / std;
}

torch::Tensor preprocess_imagenet(const torch::Tensor& image) {
    constexpr int64_t kResize = 256; // torchvision's ImageNet eval: short side 256, centre 224
    constexpr int64_t kCrop = 224;
    const int64_t h = image.size(1), w = image.size(2);
    // torchvision's Resize(256) keeps the aspect ratio and truncates the long side.
    const int64_t nh = h <= w ? kResize : static_cast<int64_t>(kResize * h / w);
    const int64_t nw = h <= w ? static_cast<int64_t>(kResize * w / h) : kResize;
    // A thin strip (8000 x 1) would become 2,048,000 x 256 before the crop: refused first.
    if (nh * nw > kMaxImagePixels)
        throw ImageError("an image of " + std::to_string(w) + " x " + std::to_string(h) +
                         " is too elongated for ImageNet's transform: resizing its short side to " +
                         std::to_string(kResize) + " would make it " + std::to_string(nw) + " x " +
                         std::to_string(nh) + " pixels (at most " +
                         std::to_string(kMaxImagePixels) + ")");
    return normalize(center_crop(resize(image, nh, nw), kCrop), normalization_for("imagenet"));
}

torch::Tensor
preprocess_resized(const torch::Tensor& image, int64_t size, const Normalization& norm) {
    return normalize(resize(image, size, size), norm);
}

} // namespace reslab
