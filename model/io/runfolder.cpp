#include "runfolder.h"

#include "atomicfile.h"
#include "data/facts.h"
#include "filecheck.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <optional>
#include <sstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

namespace reslab {
namespace fs = std::filesystem;

namespace {

std::string errno_text() {
    return std::strerror(errno);
}

} // namespace

RunPaths::RunPaths(std::string folder_)
    : folder(std::move(folder_)), spec(folder + "/spec.json"), metrics(folder + "/metrics.jsonl"),
      checkpoint(folder + "/checkpoint.pth"), trainer(folder + "/trainer.pth"),
      status(folder + "/status.json") {}

int64_t RunFolder::input_side() const {
    return reslab::input_side(config.train.dataset, config.train.downsample, config.net);
}

RunFolder read_run_folder(const std::string& folder) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw RunFolderError("'" + folder + "' is not a run folder: there is no such folder");
    const RunPaths paths(folder);
    if (!fs::exists(paths.spec, ec))
        throw RunFolderError("'" + folder + "' is not a run folder: it holds no spec.json");
    for (const std::string* file :
         {&paths.spec, &paths.metrics, &paths.checkpoint, &paths.trainer, &paths.status})
        if (const std::string kind = unreadable_kind(*file); !kind.empty())
            throw RunFolderError("'" + *file + "': " + kind);
    RunFolder f;
    f.folder = folder;
    const std::string text = read_text(paths.spec, kMaxDescriptionBytes);
    try {
        f.config = run_config_from_json(text);
    } catch (const std::exception& e) {
        throw RunFolderError("'" + paths.spec + "': " + e.what());
    }
    f.status = read_folder_status(folder);
    return f;
}

std::string run_file_in(const std::string& folder) {
    const RunPaths paths(folder);
    std::error_code ec;
    for (const std::string* file :
         {&paths.spec, &paths.metrics, &paths.checkpoint, &paths.trainer, &paths.status})
        if (fs::exists(fs::symlink_status(*file, ec)))
            return fs::path(*file).filename().string();
    if (fs::exists(fs::path(folder) / "snapshots", ec))
        return "snapshots";
    std::vector<std::string> found;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind("landscape-", 0) == 0 || name.rfind("interpolation-", 0) == 0)
            found.push_back(name);
    }
    std::sort(found.begin(), found.end());
    return found.empty() ? "" : found.front();
}

std::vector<std::string> run_folders_in(const std::string& folder) {
    std::error_code ec;
    const std::string spec = RunPaths(folder).spec;
    if (fs::is_regular_file(spec, ec))
        return {folder};
    // A spec.json that is a pipe or a folder: the folder is a run's, and its spec unreadable.
    if (const std::string why = unreadable_kind(spec); !why.empty())
        throw RunFolderError("cannot read '" + spec + "': " + why);
    std::vector<std::string> inside;
    if (fs::is_directory(folder, ec))
        for (const auto& entry : fs::directory_iterator(folder, ec))
            if (entry.is_directory(ec) &&
                fs::is_regular_file(RunPaths(entry.path().string()).spec, ec))
                inside.push_back(entry.path().string());
    if (inside.empty())
        throw RunFolderError("'" + folder + "' is not a run folder (no spec.json) and holds none");
    std::sort(inside.begin(), inside.end());
    return inside;
}

std::vector<std::string> run_folders_in(const std::vector<std::string>& folders) {
    std::vector<std::string> out, seen;
    for (const auto& folder : folders)
        for (const auto& run : run_folders_in(folder)) {
            std::error_code ec;
            const std::string key = fs::weakly_canonical(run, ec).string();
            if (std::find(seen.begin(), seen.end(), key) != seen.end())
                continue;
            seen.push_back(key);
            out.push_back(run);
        }
    return out;
}

FolderStatus this_writer() {
    FolderStatus s;
    s.pid = static_cast<int64_t>(::getpid());
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0)
        s.host = host;
    return s;
}

void write_folder_status(const std::string& folder, const FolderStatus& status) {
    const nlohmann::ordered_json j = {{"state", to_string(status.state)},
                                      {"step", status.step},
                                      {"total_steps", status.total_steps},
                                      {"message", status.message},
                                      {"pid", status.pid},
                                      {"host", status.host}};
    write_text_atomic(RunPaths(folder).status, j.dump(2) + "\n");
}

std::optional<FolderStatus> read_folder_status(const std::string& folder) {
    const std::string path = RunPaths(folder).status;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        return std::nullopt;
    std::string text;
    try {
        text = read_text(path, kMaxDescriptionBytes);
    } catch (const RunFolderError&) {
        return std::nullopt;
    }
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("state") || !j["state"].is_string())
        return std::nullopt;
    const auto state = run_state_from_string(j["state"].get<std::string>());
    if (!state)
        return std::nullopt;
    FolderStatus s;
    s.state = *state;
    auto integer = [&](const char* key) {
        return j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>() : int64_t(0);
    };
    auto text_of = [&](const char* key) {
        return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
    };
    s.step = integer("step");
    s.total_steps = integer("total_steps");
    s.pid = integer("pid");
    s.message = text_of("message");
    s.host = text_of("host");
    return s;
}

bool writer_gone(const FolderStatus& status) {
    if (is_end(status.state) || status.pid <= 0 || status.host != this_writer().host)
        return false;
    if (status.pid == this_writer().pid)
        return false;
    return ::kill(static_cast<pid_t>(status.pid), 0) != 0 && errno == ESRCH;
}

void write_text_atomic(const std::string& path, const std::string& text) {
    try {
        write_text_atomically(path, text);
    } catch (const std::runtime_error& e) {
        throw RunFolderError(e.what());
    }
}

std::string read_text(const std::string& path, uint64_t max_bytes) {
    try {
        const std::vector<uint8_t> bytes = read_bounded(path, max_bytes, "such a file");
        return std::string(bytes.begin(), bytes.end());
    } catch (const FileFault& e) {
        if (e.error != EFBIG)
            throw RunFolderError("cannot read '" + path + "': " + e.what());
        // "'x/spec.json' is 2 MiB (...), more than ...": not one ResLab wrote.
        throw RunFolderError("'" + path + "' " + std::string(e.what()).substr(3) +
                             ": it is not one ResLab wrote");
    }
}

MetricsWriter::MetricsWriter(std::string path) : m_path(std::move(path)) {
    m_file = std::fopen(m_path.c_str(), "ab");
    if (!m_file)
        throw RunFolderError("cannot open '" + m_path + "' for appending: " + errno_text());
}

MetricsWriter::~MetricsWriter() {
    if (m_file)
        std::fclose(m_file);
}

void MetricsWriter::append(const MetricRecord& record) {
    const std::string line = to_json_line(record) + "\n";
    if (std::fwrite(line.data(), 1, line.size(), m_file) != line.size() || std::fflush(m_file) != 0)
        throw RunFolderError("cannot append to '" + m_path + "': " + errno_text());
}

std::vector<MetricRecord>
read_metrics(const std::string& path, int64_t* skipped, int64_t chunk_bytes) {
    MetricsFollower follower(path, chunk_bytes);
    std::vector<MetricRecord> records;
    do {
        auto more = follower.poll();
        records.insert(records.end(), std::make_move_iterator(more.begin()),
                       std::make_move_iterator(more.end()));
    } while (!follower.caught_up());
    if (skipped)
        *skipped = follower.skipped();
    return records;
}

void truncate_metrics(const std::string& path, int64_t step) {
    if (!fs::exists(path))
        return;
    std::istringstream in(read_text(path, MetricsFollower::kMaxBytes));
    std::string kept, line;
    while (std::getline(in, line)) {
        const auto record = parse_json_line(line);
        if (record && record->step() <= step)
            kept += line + "\n";
    }
    write_text_atomic(path, kept);
}

MetricsFollower::MetricsFollower(std::string path, int64_t chunk_bytes)
    : m_path(std::move(path)), m_chunk_bytes(std::max<int64_t>(1, chunk_bytes)) {}

std::vector<MetricRecord> MetricsFollower::poll() {
    std::vector<MetricRecord> records;
    m_restarted = false;
    std::optional<OpenFile> file;
    try {
        file.emplace(m_path, std::numeric_limits<uint64_t>::max());
    } catch (const FileFault& e) {
        if (e.error == ENOENT)
            return records; // not written yet
        throw RunFolderError("cannot follow '" + m_path + "': " + e.what());
    }
    const auto size = static_cast<int64_t>(file->size());
    if (size > kMaxBytes)
        throw RunFolderError("'" + m_path + "' is " + std::to_string(size >> 20) +
                             " MiB; a metrics.jsonl is read up to " +
                             std::to_string(kMaxBytes >> 20) +
                             " MiB (is it a run's records? a 64k-step run writes tens of MiB)");
    m_caught_up = true;
    if (size < m_offset) {
        m_offset = 0;
        m_partial.clear();
        m_restarted = true;
    }
    if (size == m_offset)
        return records;
    const int64_t want = std::min(size - m_offset, m_chunk_bytes);
    m_caught_up = m_offset + want >= size;
    const std::vector<uint8_t> read =
        file->read_at(static_cast<uint64_t>(m_offset), static_cast<uint64_t>(want));
    const std::string chunk(read.begin(), read.end());
    if (chunk.empty())
        m_caught_up = true; // nothing more could be read now; the next poll tries again
    m_offset += static_cast<int64_t>(chunk.size());
    m_partial += chunk;
    size_t start = 0;
    for (size_t end; (end = m_partial.find('\n', start)) != std::string::npos; start = end + 1) {
        const std::string line = m_partial.substr(start, end - start);
        if (line.empty())
            continue;
        if (auto record = parse_json_line(line))
            records.push_back(std::move(*record));
        else
            ++m_skipped;
    }
    m_partial.erase(0, start);
    return records;
}

} // namespace reslab
