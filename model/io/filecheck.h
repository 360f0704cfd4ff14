#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace reslab {

/// Why path cannot be read as a file, or "" when it can be tried: it is a regular file (through
/// any symbolic links) or does not exist (opening it then says so). Every reader of a file a user
/// names asks first, because opening a named pipe blocks until someone writes to it, and a
/// folder "opens" and seems to hold 2^63 - 1 bytes. The fault reads on after the path: "'x': it
/// is a named pipe (FIFO), not a file".
std::string unreadable_kind(const std::string& path);

/// A file that cannot be read the bounded way: what() is the fault alone ("it is a folder, not a
/// file ResLab can read"), for the caller to name the file in its own words.
struct FileFault : std::runtime_error {
    explicit FileFault(const std::string& what, int error = 0)
        : std::runtime_error(what), error(error) {}
    int error; // errno of the call that failed (ENOENT: no such file), EFBIG: too large, or 0
};

/// A regular file opened for reading, its size known: the one way ResLab opens a file a user
/// names. The file is opened with O_NONBLOCK, so a named pipe cannot block the open, and what was
/// opened is checked by fstat (not by a stat of the path before, which another process could
/// swap): a pipe, socket, device or folder is refused by kind, and a file larger than max_bytes
/// by both sizes, before anything is read. Closes the file when destroyed.
class OpenFile {
public:
    /// what: the kind of file, for the size message ("a label list"). Throws FileFault.
    OpenFile(const std::string& path, uint64_t max_bytes, const std::string& what = "such a file");
    ~OpenFile();
    OpenFile(const OpenFile&) = delete;
    OpenFile& operator=(const OpenFile&) = delete;

    int fd() const { return m_fd; }
    uint64_t size() const { return m_size; }
    /// n bytes at offset (fewer where the file has since shrunk). Throws FileFault.
    std::vector<uint8_t> read_at(uint64_t offset, uint64_t n) const;
    /// The whole file as it was opened.
    std::vector<uint8_t> read_all() const { return read_at(0, m_size); }

private:
    int m_fd = -1;
    uint64_t m_size = 0;
};

/// The whole of a regular file of at most max_bytes, read through OpenFile. Throws FileFault.
std::vector<uint8_t>
read_bounded(const std::string& path, uint64_t max_bytes, const std::string& what = "such a file");

/// "12 bytes", "3 MiB", "2 GiB": a size as a person reads it, rounded down.
std::string size_text(uint64_t bytes);

} // namespace reslab
