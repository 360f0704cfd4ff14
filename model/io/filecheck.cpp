#include "filecheck.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace reslab {
namespace {

const char* kind_of(mode_t mode) {
    if (S_ISREG(mode))
        return nullptr;
    if (S_ISDIR(mode))
        return "a folder";
    if (S_ISFIFO(mode))
        return "a named pipe (FIFO)";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    return "not a regular file";
}

std::string not_a_file(const char* kind) {
    return std::string("it is ") + kind + ", not a file ResLab can read";
}

} // namespace

std::string unreadable_kind(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return ""; // missing or unreachable: open() gives the reason
    const char* kind = kind_of(st.st_mode);
    return kind ? not_a_file(kind) : "";
}

std::string size_text(uint64_t bytes) {
    if (bytes >= (uint64_t{1} << 30))
        return std::to_string(bytes >> 30) + " GiB";
    if (bytes >= (uint64_t{1} << 20))
        return std::to_string(bytes >> 20) + " MiB";
    return std::to_string(bytes) + " bytes";
}

OpenFile::OpenFile(const std::string& path, uint64_t max_bytes, const std::string& what) {
    // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer, forever. A device
    // opened by mistake is closed again unread.
    m_fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (m_fd < 0) {
        const int e = errno;
        throw FileFault(std::string("cannot open the file: ") + std::strerror(e), e);
    }
    struct stat st {};
    if (::fstat(m_fd, &st) != 0) {
        const int e = errno;
        ::close(m_fd);
        throw FileFault(std::string("cannot read the file: ") + std::strerror(e));
    }
    if (const char* kind = kind_of(st.st_mode)) {
        ::close(m_fd);
        throw FileFault(not_a_file(kind));
    }
    m_size = static_cast<uint64_t>(st.st_size);
    if (m_size > max_bytes) {
        ::close(m_fd);
        throw FileFault("it is " + size_text(m_size) + " (" + std::to_string(m_size) +
                            " bytes), more than " + what + " is read (at most " +
                            std::to_string(max_bytes) + " bytes, " + size_text(max_bytes) + ")",
                        EFBIG);
    }
    // A regular file never blocks; reads go back to the ordinary mode all the same.
    const int flags = ::fcntl(m_fd, F_GETFL);
    if (flags >= 0)
        ::fcntl(m_fd, F_SETFL, flags & ~O_NONBLOCK);
}

OpenFile::~OpenFile() {
    if (m_fd >= 0)
        ::close(m_fd);
}

std::vector<uint8_t> OpenFile::read_at(uint64_t offset, uint64_t n) const {
    if (offset >= m_size)
        return {};
    n = std::min(n, m_size - offset);
    std::vector<uint8_t> bytes(static_cast<size_t>(n));
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t got = ::pread(m_fd, bytes.data() + done, bytes.size() - done,
                                    static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            throw FileFault(std::string("cannot read the file: ") + std::strerror(errno));
        if (got == 0)
            break; // it shrank since it was opened
        done += static_cast<size_t>(got);
    }
    bytes.resize(done);
    return bytes;
}

std::vector<uint8_t>
read_bounded(const std::string& path, uint64_t max_bytes, const std::string& what) {
    return OpenFile(path, max_bytes, what).read_all();
}

} // namespace reslab
