#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace reslab {

/// How the learning rate moves over a run.
struct Schedule {
    enum class Kind { Step, Cosine, Constant };
    Kind kind = Kind::Step;
    double base_lr = 0.1;
    /// Step: divide by 10 at each of these steps; empty means the paper's 50% and 75% of training.
    std::vector<int64_t> milestones;
    /// Warm-up: the first warmup_steps run at warmup_lr (the paper trains ResNet-110 at 0.01 for
    /// its first 400 iterations), or, when warmup_lr < 0, rise linearly from 0 to base_lr.
    int64_t warmup_steps = 0;
    double warmup_lr = -1.0;

    /// The learning rate of step (0-based) in a run of total_steps.
    double lr_at(int64_t step, int64_t total_steps) const;
};

std::string to_string(Schedule::Kind kind);
Schedule::Kind schedule_kind_from_string(std::string_view text);

} // namespace reslab
