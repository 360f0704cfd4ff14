#pragma once

#include <cstddef>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace reslab {

/// A file that replaces `path` only once it is whole: written to a temporary file beside it
/// (".NAME.tmp-RANDOM", opened exclusively), flushed and synced, then renamed over `path`. A crash,
/// a full disk or an exception before commit() leaves the previous file as it was and removes the
/// temporary one. Every file ResLab writes in place (spec.json, status.json, checkpoints, exported
/// weights) goes through it.
class AtomicFile {
public:
    /// Throws std::runtime_error ("cannot write 'PATH': why") when the folder is missing, the
    /// path is a folder, or the temporary file cannot be made.
    explicit AtomicFile(std::string path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    /// Appends bytes. A failed write is remembered and reported by commit(), so that writers
    /// which must not throw (a zip writer's callback) can call it.
    void write(const void* data, size_t size);
    /// Flushes, syncs, closes and renames over the target. Throws std::runtime_error naming the
    /// path and the first error met; the previous file is then kept.
    void commit();

    const std::string& path() const { return m_path; }

private:
    std::string m_path;
    std::string m_temp;
    std::FILE* m_file = nullptr;
    int m_errno = 0;
};

/// Writes text to path through an AtomicFile.
void write_text_atomically(const std::string& path, const std::string& text);

/// Whether a file name is what an AtomicFile interrupted by a crash leaves behind (also the
/// "NAME.tmp" files of ResLab 0.x), so that resuming a run folder can remove it.
bool is_interrupted_write(const std::string& file_name);

} // namespace reslab
