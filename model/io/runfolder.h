#pragma once

#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "train/config.h"
#include "train/records.h"
#include "train/runstate.h"

namespace reslab {

/// A run folder that cannot be written or read: names the file and the fault.
struct RunFolderError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Writes text to path through a temporary file beside it and a rename, so a reader (or a crash)
/// sees the old file or the new one, never half of one. Throws RunFolderError.
void write_text_atomic(const std::string& path, const std::string& text);
/// Reads a whole text file of at most max_bytes (its size is checked before anything is read);
/// throws RunFolderError naming it.
std::string read_text(const std::string& path,
                      uint64_t max_bytes = std::numeric_limits<uint64_t>::max());
/// What a run folder's small descriptions (spec.json, status.json) may weigh: far above what
/// ResLab writes (about 2 KB), far below what would stall a reader.
constexpr uint64_t kMaxDescriptionBytes = 1 << 20;

/// The files of one run: spec.json, metrics.jsonl, checkpoint.pth, the trainer's state and
/// status.json.
struct RunPaths {
    explicit RunPaths(std::string folder);
    std::string folder, spec, metrics, checkpoint, trainer, status;
};

/// What a run folder says of the run writing it (status.json, rewritten whole at each change):
/// a reader can tell a run still going from one that finished, stopped, diverged or failed, and
/// from one whose process died (still "running", but no such process on this machine).
struct FolderStatus {
    RunState state = RunState::Running;
    int64_t step = 0;
    int64_t total_steps = 0;
    std::string message;
    int64_t pid = 0;  // the process that writes the folder
    std::string host; // and its machine
};

/// Writes status.json of folder atomically. Throws RunFolderError.
void write_folder_status(const std::string& folder, const FolderStatus& status);
/// Reads status.json; nullopt where there is none (a folder older than the file) or it is damaged.
std::optional<FolderStatus> read_folder_status(const std::string& folder);
/// This process and machine, as a FolderStatus names its writer.
FolderStatus this_writer();
/// True when the status says running but its process is gone: written on this machine by a
/// process id that no longer exists (killed, or the machine restarted). A run on another machine
/// cannot be told apart from a live one and counts as live.
bool writer_gone(const FolderStatus& status);

/// A run folder as its readers see it: what it trains (spec.json) and how it stands (status.json,
/// absent in folders older than it). Every reader of spec.json (resume, the inspector, the lesion
/// study, reslab-cli info and predict, the window) opens folders through read_run_folder.
struct RunFolder {
    std::string folder;
    RunConfig config;
    std::optional<FolderStatus> status;

    RunPaths paths() const { return RunPaths(folder); }
    /// The side of the images the run's net sees (14 for the degradation preset's 28 / 2).
    int64_t input_side() const;
};

/// Opens a run folder. Throws RunFolderError naming it when it is no folder, holds no spec.json,
/// its spec.json cannot be read back (which field, and why), or any of its files is there but
/// no regular file (a named pipe or a folder as metrics.jsonl, say): the folder is judged as a
/// whole before any of it is read on or written.
RunFolder read_run_folder(const std::string& folder);

/// The first file in folder that only a run writes, or "" where there is none: spec.json,
/// metrics.jsonl, checkpoint.pth, trainer.pth, status.json, the snapshots/ folder, a loss
/// landscape or interpolation (landscape-*, interpolation-*). Any of them makes the folder a
/// run's, which a new run must not write into.
std::string run_file_in(const std::string& folder);

/// The run folders a folder names: itself when it holds a run (spec.json), else every folder in
/// it that does (an experiment's folder), sorted. Throws RunFolderError when there is none.
std::vector<std::string> run_folders_in(const std::string& folder);
/// The run folders of several such folders, each once even when named twice or through a folder
/// that holds it ("A" and "A/run1"), in the order first named.
std::vector<std::string> run_folders_in(const std::vector<std::string>& folders);

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

/// What one read of a metrics.jsonl takes at most (MetricsFollower::poll), so that a window
/// following a large file stays responsive; the next read goes on.
constexpr int64_t kMetricsChunkBytes = int64_t{64} << 20;

/// Reads metrics.jsonl as far as it is written. Lines that are not records (a line torn by a
/// crash, say) are skipped and counted.
std::vector<MetricRecord> read_metrics(const std::string& path,
                                       int64_t* skipped = nullptr,
                                       int64_t chunk_bytes = kMetricsChunkBytes);

/// Keeps only the records up to and including step (a resumed run writes the rest again).
void truncate_metrics(const std::string& path, int64_t step);

/// Follows a metrics.jsonl that another thread or process is writing: each poll() returns the
/// records completed since the last one. A last line without its newline is waited for, not an
/// error; a file that shrinks (a resumed run rewrote it) is read again from the start.
class MetricsFollower {
public:
    /// The most a metrics.jsonl may hold: far above a 64k-step run with probes of ResNet-152
    /// (a few hundred MB), far below what would exhaust memory as records.
    static constexpr int64_t kMaxBytes = int64_t{2} << 30;
    explicit MetricsFollower(std::string path, int64_t chunk_bytes = kMetricsChunkBytes);
    /// The whole records written since the last poll, up to chunk_bytes of them. Throws
    /// RunFolderError when the file is not a regular file or is larger than kMaxBytes.
    std::vector<MetricRecord> poll();
    /// Whether the last poll read up to the end the file had then.
    bool caught_up() const { return m_caught_up; }
    /// True when the last poll found the file shorter than before and started over.
    bool restarted() const { return m_restarted; }
    int64_t skipped() const { return m_skipped; }

private:
    std::string m_path;
    int64_t m_chunk_bytes;
    bool m_caught_up = true;
    int64_t m_offset = 0;
    std::string m_partial;
    bool m_restarted = false;
    int64_t m_skipped = 0;
};

} // namespace reslab
