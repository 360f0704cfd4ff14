#include "atomicfile.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include <unistd.h>

namespace fs = std::filesystem;

namespace reslab {
namespace {

const char* const kTempMark = ".tmp-";

std::runtime_error cannot_write(const std::string& path, const std::string& why) {
    return std::runtime_error("cannot write '" + path + "': " + why);
}

} // namespace

AtomicFile::AtomicFile(std::string path) : m_path(std::move(path)) {
    const fs::path target(m_path);
    const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw cannot_write(m_path, "the folder '" + folder.string() + "' does not exist");
    if (fs::is_directory(target, ec))
        throw cannot_write(m_path, "it is a folder");
    std::random_device entropy;
    m_temp = (folder / ("." + target.filename().string() + kTempMark + std::to_string(entropy())))
                 .string();
    // "x": never open a file someone else made in the meantime.
    m_file = std::fopen(m_temp.c_str(), "wbx");
    if (!m_file)
        throw cannot_write(m_path, std::strerror(errno));
}

AtomicFile::~AtomicFile() {
    if (m_file) {
        std::fclose(m_file);
        std::remove(m_temp.c_str());
    }
}

void AtomicFile::write(const void* data, size_t size) {
    if (m_errno == 0 && m_file && size > 0 && std::fwrite(data, 1, size, m_file) != size)
        m_errno = errno ? errno : EIO;
}

void AtomicFile::commit() {
    if (!m_file)
        throw std::logic_error("AtomicFile::commit called twice for '" + m_path + "'");
    if (m_errno == 0 && std::fflush(m_file) != 0)
        m_errno = errno;
    if (m_errno == 0 && ::fsync(fileno(m_file)) != 0)
        m_errno = errno;
    std::FILE* file = m_file;
    m_file = nullptr;
    if (std::fclose(file) != 0 && m_errno == 0)
        m_errno = errno;
    if (m_errno == 0 && std::rename(m_temp.c_str(), m_path.c_str()) != 0)
        m_errno = errno;
    if (m_errno != 0) {
        std::remove(m_temp.c_str());
        throw cannot_write(m_path,
                           std::string(std::strerror(m_errno)) + " (the previous file is kept)");
    }
}

void write_text_atomically(const std::string& path, const std::string& text) {
    AtomicFile file(path);
    file.write(text.data(), text.size());
    file.commit();
}

bool is_interrupted_write(const std::string& name) {
    if (name.size() > 1 && name[0] == '.' && name.find(kTempMark) != std::string::npos)
        return true;
    return name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0;
}

} // namespace reslab
