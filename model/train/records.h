#pragma once
// Plain data (no torch): what a run reports. The GUI turns these into signals, the run folder into
// lines of metrics.jsonl.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace reslab {

/// Training progress since the previous record. Errors are fractions; time is seconds since the
/// run started.
struct StepRecord {
    int64_t step = 0; // steps done (1 after the first)
    double epoch = 0.0;
    double loss = 0.0;  // mean training loss of the batches since the last record
    double error = 0.0; // running training error of those batches, as the paper's curves show it
    double lr = 0.0;
    double images_per_s = 0.0;
    double time = 0.0;
};

/// Test loss and error over the test (or validation) split, or over a fixed subset of it between
/// the whole split's evaluations (TrainConfig::eval_subset).
struct EvalRecord {
    int64_t step = 0;
    double epoch = 0.0;
    double test_loss = 0.0;
    double test_error = 0.0;
    int64_t images = 0; // how many test images were scored (0 in records older than the field)
    double time = 0.0;
};

/// Per-layer and per-block statistics taken every K steps.
struct ProbeRecord {
    int64_t step = 0;
    double time = 0.0;
    std::vector<std::string> layers; // conv and fc weights: "conv1.weight", "layer1.0.conv1.weight"
    std::vector<double> grad_norms;  // L2 norm of each one's gradient
    std::vector<std::string> responses; // "layer1.0.conv1": each 3x3 (and 1x1) layer after BN
    std::vector<double>
        response_stds; // population std of its responses, before ReLU or addition (Fig. 7)
    std::vector<std::string> blocks;     // "layer1.0"
    std::vector<double> residual_ratios; // ||F(x)|| / ||x|| (residual_ratio); plain blocks too
};

/// One line of metrics.jsonl.
struct MetricRecord {
    enum class Kind { Train, Eval, Probe };
    Kind kind = Kind::Train;
    StepRecord train;
    EvalRecord eval;
    ProbeRecord probe;
    int64_t step() const;
};

/// One JSON object, no newline: {"kind": "train", "step": ..., ...}. Non-finite numbers are
/// written as null and named in "nonfinite", so nothing reads them as zero.
std::string to_json_line(const MetricRecord& record);
/// Parses a line written by to_json_line; nullopt for a line that is not a whole record.
std::optional<MetricRecord> parse_json_line(const std::string& line);

} // namespace reslab
