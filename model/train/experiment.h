#pragma once

#include <memory>
#include <string>
#include <vector>

#include "train/presets.h"
#include "train/run.h"

namespace reslab {

/// One or more runs that train together, on the same data order, so the curves of plain and
/// residual twins advance together and compare fairly. A Scheduler (scheduler.h) trains them.
class Experiment {
public:
    /// Builds every run; runs whose data configs agree share one copy of the data. Run i writes to
    /// folders[i] (none when folders is empty or folders[i] is). Throws on bad configs or data.
    Experiment(std::vector<RunConfig> runs, const std::vector<std::string>& folders);
    /// Runs that all train on the same data (a benchmark's synthetic set), writing nothing.
    static Experiment on_data(std::vector<RunConfig> runs, const RunData& data);
    /// Resumes the runs in these folders.
    static Experiment resume(const std::vector<std::string>& folders);

    std::vector<std::unique_ptr<Run>>& runs() { return m_runs; }
    const std::vector<std::unique_ptr<Run>>& runs() const { return m_runs; }
    void set_callback(const Run::Callback& callback);

private:
    Experiment() = default;
    std::vector<std::unique_ptr<Run>> m_runs;
};

} // namespace reslab
