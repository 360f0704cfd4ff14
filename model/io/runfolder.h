#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "train/records.h"

namespace reslab {

/// A run folder that cannot be written or read: names the file and the fault.
struct RunFolderError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Writes text to path through a temporary file beside it and a rename, so a reader (or a crash)
/// sees the old file or the new one, never half of one. Throws RunFolderError.
void write_text_atomic(const std::string& path, const std::string& text);
/// Reads a whole text file; throws RunFolderError naming it.
std::string read_text(const std::string& path);

/// The files of one run: spec.json, metrics.jsonl, checkpoint.pth and the trainer's state.
struct RunPaths {
    explicit RunPaths(std::string folder);
    std::string folder, spec, metrics, checkpoint, trainer;
};

/// Appends records to metrics.jsonl, one JSON object a line, flushed after each line so that a
/// reader following the file sees every finished record.
class MetricsWriter {
public:
    /// Opens (creating) path for appending. Throws RunFolderError.
    explicit MetricsWriter(std::string path);
    ~MetricsWriter();
    MetricsWriter(const MetricsWriter&) = delete;
    MetricsWriter& operator=(const MetricsWriter&) = delete;
    void append(const MetricRecord& record);

private:
    std::string m_path;
    std::FILE* m_file = nullptr;
};

/// Reads metrics.jsonl as far as it is written. Lines that are not records (a line torn by a
/// crash, say) are skipped and counted.
std::vector<MetricRecord> read_metrics(const std::string& path, int64_t* skipped = nullptr);

/// Keeps only the records up to and including step (a resumed run writes the rest again).
void truncate_metrics(const std::string& path, int64_t step);

/// Follows a metrics.jsonl that another thread or process is writing: each poll() returns the
/// records completed since the last one. A last line without its newline is waited for, not an
/// error; a file that shrinks (a resumed run rewrote it) is read again from the start.
class MetricsFollower {
public:
    explicit MetricsFollower(std::string path);
    std::vector<MetricRecord> poll();
    /// True when the last poll found the file shorter than before and started over.
    bool restarted() const { return m_restarted; }
    int64_t skipped() const { return m_skipped; }

private:
    std::string m_path;
    int64_t m_offset = 0;
    std::string m_partial;
    bool m_restarted = false;
    int64_t m_skipped = 0;
};

} // namespace reslab
