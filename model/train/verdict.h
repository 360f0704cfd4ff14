#pragma once
// Plain data and text (no torch): what a finished experiment says about the degradation problem.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace reslab {

/// Where one run of an experiment ended.
struct RunOutcome {
    std::string name;
    int64_t depth = 0;
    bool residual = true;
    double train_error = 0.0; // final running training error, a fraction
    bool finished = true;     // false: stopped early, diverged or failed
};

/// A plain-language verdict on the degradation problem (the paper's Fig. 1), computed from the
/// runs: does the deepest plain net end with a higher training error than the shallowest, and does
/// its residual twin avoid that? Says so honestly when the runs do not show the effect, and
/// returns an empty string when the runs cannot answer (fewer than two plain depths). In English,
/// or in Korean for language "ko".
std::string degradation_verdict(const std::vector<RunOutcome>& runs,
                                const std::string& language = "en");

/// The last steps whose running training error counts as a run's final training error: 100, or a
/// tenth of a short run. One record of 10 steps at batch 128 sees 1280 images, whose error wobbles
/// by almost a point; 100 steps see ten times as many.
int64_t final_window(int64_t total_steps);

/// A run's final training error from its train records, as they arrive: the errors of the records
/// in the final window, each weighted by the steps it covers, which pools the same images that
/// Run::final_train_error pools. The one definition of the figure for every view and the CLI.
class FinalTrainError {
public:
    /// Takes a train record of a run of total_steps (records in step order).
    void add(int64_t step, double error, int64_t total_steps);
    /// NaN until a record of the final window has arrived.
    double value() const;

private:
    int64_t m_last_step = 0;
    double m_weighted = 0.0;
    double m_steps = 0.0;
};

/// Two training errors closer than this (half a point) count as the same.
constexpr double kVerdictTolerance = 0.005;

} // namespace reslab
