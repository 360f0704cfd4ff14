#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reslab {

/// The whole content of a file as it is on disk. Throws std::runtime_error with the fault alone
/// ("cannot open the file: No such file or directory"), for the caller to name the file its way.
std::vector<uint8_t> read_whole_file(const std::string& path);

/// The whole content of a data file, inflated when it starts with gzip's magic 0x1f 0x8b (the
/// extension does not matter). Allocates only as much as the file really holds, so a header
/// that claims more cannot make us allocate it. Throws DataError naming the file.
std::vector<uint8_t> read_file_bytes(const std::string& path);

/// gzip (or zlib) data inflated, refused with a DataError naming path once it passes limit bytes
/// (a decompression bomb) or when it is damaged.
std::vector<uint8_t>
inflate_gzip(const std::string& path, const std::vector<uint8_t>& packed, uint64_t limit);
/// What read_file_bytes inflates at most: 8 GiB, or a quarter of this machine's memory if less.
uint64_t max_inflated_bytes();

/// "'<path>': <fault>", the form of every data error.
std::string file_fault(const std::string& path, const std::string& fault);

} // namespace reslab
