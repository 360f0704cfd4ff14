#include "experiment.h"

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "data/dataset.h"
#include "io/runfolder.h"

namespace reslab {
namespace {

/// The key under which runs share data: everything that decides which images they see.
std::string data_key(const TrainConfig& t) {
    return t.dataset + "|" + t.data_dir + "|" + std::to_string(t.downsample) + "|" +
           std::to_string(t.held_out) + "|" + std::to_string(t.synthetic_size) + "|" +
           (t.dataset == "synthetic" ? std::to_string(t.seed) : "");
}

} // namespace

Experiment::Experiment(std::vector<RunConfig> runs, const std::vector<std::string>& folders) {
    // Every folder is checked before any is made or any data loaded: a run that cannot start
    // leaves no half-made experiment behind.
    std::map<std::string, std::string> owner; // folder, resolved -> the run that writes it
    for (size_t i = 0; i < runs.size() && i < folders.size(); ++i) {
        if (folders[i].empty())
            continue;
        std::error_code ec;
        std::string key = std::filesystem::weakly_canonical(folders[i], ec).string();
        if (ec)
            key = std::filesystem::absolute(folders[i]).lexically_normal().string();
        const auto [it, fresh] = owner.emplace(key, runs[i].name);
        if (!fresh)
            throw RunFolderError("the runs " + it->second + " and " + runs[i].name +
                                 " would both write to '" + folders[i] +
                                 "': give each run a name (or a net) of its own. Nothing was "
                                 "written");
        Run::check_new_folder(folders[i]);
        // A run's other files (snapshots, a landscape) make it a run's folder as well: a new run
        // would be shown with the old one's landscape.
        if (const std::string file = run_file_in(folders[i]); !file.empty())
            throw RunFolderError("'" + folders[i] + "' already holds a run (" + file +
                                 "); resume it or train into another folder. Nothing in it "
                                 "was changed");
    }
    std::map<std::string, RunData> shared;
    for (size_t i = 0; i < runs.size(); ++i) {
        const std::string key = data_key(runs[i].train);
        if (!shared.count(key))
            shared[key] = load_run_data(runs[i].train);
        const std::string folder = i < folders.size() ? folders[i] : std::string();
        m_runs.push_back(std::make_unique<Run>(std::move(runs[i]), shared[key], folder));
    }
}

Experiment Experiment::on_data(std::vector<RunConfig> runs, const RunData& data) {
    Experiment e;
    for (auto& run : runs)
        e.m_runs.push_back(std::make_unique<Run>(std::move(run), data, std::string()));
    return e;
}

Experiment Experiment::resume(const std::vector<std::string>& folders) {
    // A resume refused part-way (trainer.pth does not fit the net, say) leaves every folder's
    // status.json as it found it: a run a new Run had marked running would read as one whose
    // process died, where it had finished or stopped.
    std::vector<std::pair<std::string, std::optional<std::string>>> statuses;
    for (const auto& folder : folders) {
        const std::string path = RunPaths(folder).status;
        std::optional<std::string> text;
        try {
            if (std::filesystem::is_regular_file(path))
                text = read_text(path, kMaxDescriptionBytes);
        } catch (const RunFolderError&) {
        }
        statuses.emplace_back(path, std::move(text));
    }
    Experiment resumed;
    try {
        std::map<std::string, RunData> shared;
        for (const auto& folder : folders) {
            const RunConfig config = Run::read_config(folder);
            const std::string key = data_key(config.train);
            if (!shared.count(key)) {
                try {
                    shared[key] = load_run_data(config.train);
                } catch (const DataFolderNotGiven&) {
                    throw; // the caller says where to give it
                } catch (const DataError& e) {
                    // An unknown or unusable data set named by the file: say which file.
                    throw DataError("'" + RunPaths(folder).spec + "': " + e.what());
                }
            }
            resumed.m_runs.push_back(Run::resume(folder, shared[key]));
        }
    } catch (...) {
        for (const auto& [path, text] : statuses) {
            try {
                if (text)
                    write_text_atomic(path, *text);
                else
                    std::filesystem::remove(path);
            } catch (const std::exception&) {
            }
        }
        throw;
    }
    return resumed;
}

void Experiment::set_callback(const Run::Callback& callback) {
    for (auto& run : m_runs)
        run->set_callback(callback);
}

} // namespace reslab
