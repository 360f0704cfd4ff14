#include "image.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include <stb/stb_image.h>
#include <torch/nn/functional/upsampling.h>
#include <zlib.h>

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
// The most an image file may weigh: 16-bit RGBA at the pixel limit, stored raw, is 512 MiB.
constexpr uint64_t kMaxImageFileBytes = uint64_t{1} << 30;

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

// A big-endian 32-bit number, as PNG stores them.
uint32_t be32(const std::vector<uint8_t>& b, size_t at) {
    return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 |
           uint32_t(b[at + 3]);
}

// stb grows its IDAT buffer to a chunk's declared length before it reads the chunk, so a few bytes
// that claim a 2 GB chunk make it allocate 2 GB. Every chunk up to IEND must lie in the file.
bool png_chunks_fit(const std::vector<uint8_t>& b) {
    auto be = [&](size_t at) { return be32(b, at); };
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

// The bytes a PNG's pixels inflate to, filter bytes included, from its IHDR (width, height, bit
// depth, colour type, interlace); 0 when the header makes no sense (stb then says why).
uint64_t png_raw_bytes(const std::vector<uint8_t>& b) {
    if (b.size() < 33)
        return 0;
    const uint64_t width = be32(b, 16), height = be32(b, 20);
    const uint64_t depth = b[24], colour = b[25], interlace = b[28];
    const uint64_t channels = colour == 0   ? 1
                              : colour == 2 ? 3
                              : colour == 3 ? 1
                              : colour == 4 ? 2
                              : colour == 6 ? 4
                                            : 0;
    const uint64_t bits = channels * depth;
    if (bits == 0 || width == 0 || height == 0)
        return 0;
    auto rows = [&](uint64_t w, uint64_t h) { return w && h ? h * (1 + (w * bits + 7) / 8) : 0; };
    if (interlace == 0)
        return rows(width, height);
    // Adam7: seven passes, each a sub-image of its own rows.
    static const uint64_t x0[] = {0, 4, 0, 2, 0, 1, 0}, dx[] = {8, 8, 4, 4, 2, 2, 1};
    static const uint64_t y0[] = {0, 0, 4, 0, 2, 0, 1}, dy[] = {8, 8, 8, 4, 4, 2, 2};
    uint64_t total = 0;
    for (int p = 0; p < 7; ++p)
        total += rows(width > x0[p] ? (width - x0[p] + dx[p] - 1) / dx[p] : 0,
                      height > y0[p] ? (height - y0[p] + dy[p] - 1) / dy[p] : 0);
    return total;
}

// stb inflates a PNG's whole image data, however far it goes past what the pixels need, so an
// 8 x 8 PNG of 1 MB that inflates to 1 GiB took 1 GiB and 11 s. Pillow stops once the image is
// full and ignores the rest: so do we. Where the data inflates past what the pixels need, the
// PNG is rebuilt with only that much (stored uncompressed) for stb; otherwise it is left as it
// is. Returns false when the data is damaged before that point (stb then says why).
bool png_bounded_for_stb(std::vector<uint8_t>& b) {
    const uint64_t need = png_raw_bytes(b);
    if (need == 0)
        return true;
    std::vector<uint8_t> packed; // the IDAT chunks' data, in order
    size_t first_idat = 0, i = 8;
    for (; i + 12 <= b.size();) {
        const uint32_t length = be32(b, i), kind = be32(b, i + 4);
        if (kind == 0x49444154) { // IDAT
            if (!first_idat)
                first_idat = i;
            packed.insert(packed.end(), b.begin() + static_cast<std::ptrdiff_t>(i + 8),
                          b.begin() + static_cast<std::ptrdiff_t>(i + 8 + length));
        }
        if (kind == 0x49454e44) // IEND
            break;
        i += 12 + static_cast<size_t>(length);
    }
    if (!first_idat || packed.empty())
        return true;
    // First counted through a small buffer: a PNG that stops where its pixels do (all of them,
    // but for a rare few bytes of slack) costs no copy.
    auto inflate_into = [&](uint8_t* out, uint64_t n, bool scratch) {
        z_stream zs{};
        if (inflateInit(&zs) != Z_OK)
            return uint64_t{0};
        zs.next_in = packed.data();
        zs.avail_in = static_cast<uInt>(std::min<size_t>(packed.size(), UINT32_MAX));
        uint64_t done = 0;
        int rc = Z_OK;
        while (rc == Z_OK && done < n) {
            const uint64_t room = std::min<uint64_t>(n - done, scratch ? 1 << 16 : UINT32_MAX);
            zs.next_out = out + (scratch ? 0 : done);
            zs.avail_out = static_cast<uInt>(room);
            rc = inflate(&zs, Z_NO_FLUSH);
            done += room - zs.avail_out;
            if (zs.avail_in == 0 && zs.avail_out != 0)
                break;
        }
        inflateEnd(&zs);
        return done;
    };
    std::vector<uint8_t> scratch(1 << 16);
    if (inflate_into(scratch.data(), need + 1, /*scratch=*/true) <= need)
        return true; // it fits, or stb will say what is wrong with it
    std::vector<uint8_t> raw(static_cast<size_t>(need));
    if (inflate_into(raw.data(), need, /*scratch=*/false) != need)
        return false;
    // Stored (level 0): the copy costs a memcpy and a checksum, not a compression.
    uLongf size = compressBound(static_cast<uLong>(raw.size()));
    std::vector<uint8_t> idat(size);
    if (compress2(idat.data(), &size, raw.data(), static_cast<uLong>(raw.size()), 0) != Z_OK)
        return false;
    idat.resize(size);
    auto chunk = [](std::vector<uint8_t>& out, const char* kind, const std::vector<uint8_t>& data) {
        const uint32_t n = static_cast<uint32_t>(data.size());
        for (int k = 3; k >= 0; --k)
            out.push_back(static_cast<uint8_t>(n >> (8 * k)));
        const size_t start = out.size();
        out.insert(out.end(), kind, kind + 4);
        out.insert(out.end(), data.begin(), data.end());
        const uint32_t crc = static_cast<uint32_t>(
            crc32(0, out.data() + start, static_cast<uInt>(out.size() - start)));
        for (int k = 3; k >= 0; --k)
            out.push_back(static_cast<uint8_t>(crc >> (8 * k)));
    };
    std::vector<uint8_t> rebuilt(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(first_idat));
    chunk(rebuilt, "IDAT", idat);
    chunk(rebuilt, "IEND", {});
    b = std::move(rebuilt);
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

// A 16-bit BMP as Pillow reads it: 5-5-5 (uncompressed, or those bit fields) or 5-6-5 bit fields,
// each field scaled by v * 255 / max, truncated (its Unpack.c); stb scales by repeating the high
// bits, one more than Pillow's for most values. Other bit fields Pillow refuses, and so do we.
// Height x width x 3 bytes, top row first; the rows are known to be in the file.
torch::Tensor
bmp16_like_pillow(const std::string& path, const std::vector<uint8_t>& b, int width, int height) {
    const uint32_t header = le(b, 14, 4);
    uint32_t red = 0x7c00, green = 0x03e0, blue = 0x001f;
    // BI_BITFIELDS: the masks follow a 40-byte header, and are its next fields in the later ones.
    if (header >= 40 && le(b, 30, 4) == 3) {
        red = le(b, 54, 4);
        green = le(b, 58, 4);
        blue = le(b, 62, 4);
    }
    const bool six = red == 0xf800 && green == 0x07e0 && blue == 0x001f;
    if (!six && !(red == 0x7c00 && green == 0x03e0 && blue == 0x001f))
        throw ImageError(image_fault(path, "a 16-bit BMP whose bit fields are neither 5-5-5 nor "
                                           "5-6-5, which Pillow does not read either"));
    const bool top_down = static_cast<int32_t>(le(b, 22, 4)) < 0;
    const size_t row = (size_t(width) * 16 + 31) / 32 * 4;
    const size_t offset = le(b, 10, 4);
    torch::Tensor out = torch::empty({height, width, 3}, torch::kUInt8);
    uint8_t* o = out.data_ptr<uint8_t>();
    for (int y = 0; y < height; ++y) {
        const size_t line = offset + row * size_t(top_down ? y : height - 1 - y);
        for (int x = 0; x < width; ++x) {
            const uint32_t v = le(b, line + 2 * size_t(x), 2);
            const uint32_t r = six ? v >> 11 & 31 : v >> 10 & 31;
            const uint32_t g = six ? (v >> 5 & 63) * 255 / 63 : (v >> 5 & 31) * 255 / 31;
            *o++ = static_cast<uint8_t>(r * 255 / 31);
            *o++ = static_cast<uint8_t>(g);
            *o++ = static_cast<uint8_t>((v & 31) * 255 / 31);
        }
    }
    return out;
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
    // Each side first: two sides of a PNG near 2^32 would overflow their product.
    if (width <= 0 || height <= 0 || width > kMaxImagePixels || height > kMaxImagePixels ||
        width * height > kMaxImagePixels)
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
        bytes = read_whole_file(path, kMaxImageFileBytes, "an image file");
    } catch (const std::runtime_error& e) {
        throw ImageError(image_fault(path, e.what()));
    }

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
    if (format == Format::Png && bytes.size() >= 24)
        check_size(path, be32(bytes, 16), be32(bytes, 20), bytes.size(), format);
    // Its sides checked, the data it holds is bounded by them (a PNG bomb).
    if (format == Format::Png && !png_bounded_for_stb(bytes))
        throw ImageError(image_fault(path, "its image data cannot be read back"));
    // stb reads uncompressed and bit-field BMPs; of run-length encoded ones it says only "unknown
    // image type". Pillow reads them: ours is a refusal that says what to do.
    if (format == Format::Bmp && bytes.size() >= 34 && le(bytes, 14, 4) >= 40) {
        const uint32_t compression = le(bytes, 30, 4);
        if (compression == 1 || compression == 2)
            throw ImageError(image_fault(path, std::string("a run-length encoded BMP (") +
                                                   (compression == 1 ? "RLE8" : "RLE4") +
                                                   "), which ResLab does not read: save it "
                                                   "uncompressed, or as PNG"));
    }
    const auto size = static_cast<int>(bytes.size());
    int width = 0, height = 0;
    if (!stbi_info_from_memory(bytes.data(), size, &width, &height, file_channels))
        throw ImageError(
            image_fault(path, stbi_failure_reason() ? stbi_failure_reason() : "unreadable header"));
    // A top-down BMP stores a negative height; stb's header reader passes it on as it is, while
    // its decoder (as Pillow) reads such a file top row first.
    // In 64 bits: a height of -2^31 has no 32-bit absolute value.
    const int64_t rows = format == Format::Bmp ? std::abs(int64_t{height}) : height;
    check_size(path, width, rows, bytes.size(), format);
    height = static_cast<int>(rows);
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
    if (format == Format::Bmp && le(bytes, 14, 4) >= 40 && le(bytes, 28, 2) == 16)
        return to_channels(bmp16_like_pillow(path, bytes, width, height), channels);
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
