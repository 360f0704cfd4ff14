#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace reslab {

/// The whole content of a regular file of at most max_bytes, as it is on disk (io/filecheck.h's
/// OpenFile: a pipe or folder is refused before anything blocks, the size before anything is
/// read). Throws std::runtime_error with the fault alone ("cannot open the file: No such file or
/// directory"), for the caller to name the file its way; what names the kind in a size fault.
std::vector<uint8_t> read_whole_file(const std::string& path,
                                     uint64_t max_bytes = UINT64_MAX,
                                     const std::string& what = "such a file");

/// The size a file's first bytes declare for the whole of it (an IDX header's sizes), or nullopt
/// while too few bytes are known to tell.
using DeclaredSize = std::function<std::optional<uint64_t>(const uint8_t* head, size_t n)>;

/// The whole content of a data file (at most a quarter of this machine's memory), inflated when
/// it starts with gzip's magic 0x1f 0x8b (the extension does not matter). Allocates only as much
/// as the file really holds, so a header that claims more cannot make us allocate it. Inflating
/// stops at max_inflated (0: max_inflated_bytes()) and, once declared can tell, at the size the
/// content declares, so a gzip bomb is refused after a few bytes too many rather than after
/// gigabytes. Throws DataError naming the file.
std::vector<uint8_t> read_file_bytes(const std::string& path,
                                     uint64_t max_inflated = 0,
                                     const DeclaredSize& declared = {});

/// gzip (or zlib) data inflated, refused with a DataError naming path once it passes limit bytes
/// (a decompression bomb), or the size declared tells once it can, or when it is damaged.
std::vector<uint8_t> inflate_gzip(const std::string& path,
                                  const std::vector<uint8_t>& packed,
                                  uint64_t limit,
                                  const DeclaredSize& declared = {});
/// What read_file_bytes inflates at most: 8 GiB, or a quarter of this machine's memory if less.
uint64_t max_inflated_bytes();

/// "'<path>': <fault>", the form of every data error.
std::string file_fault(const std::string& path, const std::string& fault);

} // namespace reslab
