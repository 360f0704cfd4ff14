#include "file_bytes.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <zlib.h>

#include "io/filecheck.h"
#include "train/devices.h"

#include "dataset.h"

namespace reslab {
namespace {

// No data set we read comes near this; it stops a gzip bomb from eating the machine's memory.
constexpr uint64_t kMaxInflatedBytes = uint64_t(1) << 33;
// deflate cannot compress better than about 1032:1, which bounds what a trailer may claim.
constexpr uint64_t kMaxDeflateRatio = 1032;

std::string inflates_too_far(uint64_t limit) {
    return "inflates to more than " + std::to_string(limit >> 20) +
           " MiB, more than a data file is read into memory here (a decompression bomb?)";
}

} // namespace

uint64_t max_inflated_bytes() {
    return std::min<uint64_t>(kMaxInflatedBytes, file_memory_budget());
}

std::vector<uint8_t> inflate_gzip(const std::string& path,
                                  const std::vector<uint8_t>& packed,
                                  uint64_t limit,
                                  const DeclaredSize& declared) {
    // gzip's trailer holds the inflated size modulo 2^32: a hint for the first allocation only.
    uint64_t hint = 0;
    if (packed.size() >= 18) {
        const uint8_t* t = packed.data() + packed.size() - 4;
        hint = uint64_t(t[0]) | uint64_t(t[1]) << 8 | uint64_t(t[2]) << 16 | uint64_t(t[3]) << 24;
    }
    // At most 64 MiB at first: the buffer doubles as it fills, so a trailer that lies (or a bomb)
    // costs no more than what is really inflated.
    hint = std::min({hint, packed.size() * kMaxDeflateRatio, limit, uint64_t{64} << 20});
    std::vector<uint8_t> out(std::max<uint64_t>(hint, 1 << 16));

    z_stream zs{};
    if (inflateInit2(&zs, 15 + 32) != Z_OK) // 15 + 32: a gzip (or zlib) header, detected
        throw DataError(file_fault(path, "cannot start zlib"));
    zs.next_in = const_cast<Bytef*>(packed.data());
    size_t used = 0;
    size_t in_left = packed.size();
    std::optional<uint64_t> declared_size;
    auto refuse = [&] {
        inflateEnd(&zs);
        throw DataError(
            file_fault(path, declared_size && *declared_size + 1 == limit
                                 ? "inflates past the " + std::to_string(*declared_size) +
                                       " bytes its header declares (a decompression bomb?)"
                                 : inflates_too_far(limit)));
    };
    for (;;) {
        if (used == out.size()) {
            if (out.size() >= limit)
                refuse();
            try {
                out.resize(std::min<uint64_t>(out.size() * 2, limit));
            } catch (const std::bad_alloc&) {
                inflateEnd(&zs);
                throw DataError(file_fault(path, inflates_too_far(out.size())));
            }
        }
        // avail_in and avail_out are 32-bit: feed and drain in chunks.
        const uInt in_chunk = static_cast<uInt>(std::min<size_t>(in_left, 1u << 30));
        const uInt out_chunk = static_cast<uInt>(std::min<size_t>(out.size() - used, 1u << 30));
        zs.avail_in = in_chunk;
        zs.next_out = out.data() + used;
        zs.avail_out = out_chunk;
        const int rc = inflate(&zs, Z_NO_FLUSH);
        in_left -= in_chunk - zs.avail_in;
        used += out_chunk - zs.avail_out;
        // What the content says of its own size bounds it from then on; one byte more is let
        // through, for the reader to say the file holds more than its header describes.
        if (declared && !declared_size) {
            declared_size = declared(out.data(), used);
            if (declared_size && *declared_size < limit)
                limit = *declared_size + 1;
        }
        if (used > limit)
            refuse();
        if (rc == Z_STREAM_END) {
            // Skip trailing zero padding; another member (concatenated gzip files) goes on.
            while (in_left > 0 && *zs.next_in == 0) {
                ++zs.next_in;
                --in_left;
            }
            if (in_left == 0)
                break;
            if (inflateReset(&zs) != Z_OK)
                break;
            continue;
        }
        if (rc == Z_OK)
            continue;
        if (rc == Z_BUF_ERROR && zs.avail_out != 0 && in_left == 0) {
            inflateEnd(&zs);
            throw DataError(file_fault(path, "the gzip data is truncated"));
        }
        if (rc == Z_BUF_ERROR)
            continue;
        const std::string why = zs.msg ? zs.msg : "error " + std::to_string(rc);
        inflateEnd(&zs);
        throw DataError(file_fault(path, "the gzip data is corrupt (" + why + ")"));
    }
    inflateEnd(&zs);
    out.resize(used);
    out.shrink_to_fit();
    return out;
}

std::string file_fault(const std::string& path, const std::string& fault) {
    return "'" + path + "': " + fault;
}

std::vector<uint8_t>
read_whole_file(const std::string& path, uint64_t max_bytes, const std::string& what) {
    return read_bounded(path, max_bytes, what);
}

std::vector<uint8_t>
read_file_bytes(const std::string& path, uint64_t max_inflated, const DeclaredSize& declared) {
    std::vector<uint8_t> bytes;
    try {
        // Read whole, so no larger than the memory a file may take (a quarter of this machine's).
        bytes = read_whole_file(path, file_memory_budget(), "a data file");
    } catch (const std::runtime_error& e) {
        throw DataError(file_fault(path, e.what()));
    }
    if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        return inflate_gzip(path, bytes,
                            max_inflated ? std::min(max_inflated, max_inflated_bytes())
                                         : max_inflated_bytes(),
                            declared);
    return bytes;
}

} // namespace reslab
