#include "schedule.h"

#include <cmath>
#include <stdexcept>

namespace reslab {

double Schedule::lr_at(int64_t step, int64_t total_steps) const {
    if (step < warmup_steps) {
        if (warmup_lr >= 0.0)
            return warmup_lr;
        return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
    }
    switch (kind) {
    case Kind::Constant:
        return base_lr;
    case Kind::Cosine: {
        // Cosine from base_lr at the end of warm-up to zero at the last step.
        const double span = static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
        const double t = std::min(1.0, static_cast<double>(step - warmup_steps) / span);
        return base_lr * 0.5 * (1.0 + std::cos(M_PI * t));
    }
    case Kind::Step: {
        std::vector<int64_t> at = milestones;
        if (at.empty())
            at = {total_steps / 2,
                  total_steps * 3 / 4}; // the paper: /10 at 50% and 75% of training
        double lr = base_lr;
        for (int64_t m : at)
            if (step >= m)
                lr *= 0.1;
        return lr;
    }
    }
    return base_lr;
}

std::string to_string(Schedule::Kind kind) {
    switch (kind) {
    case Schedule::Kind::Step:
        return "step";
    case Schedule::Kind::Cosine:
        return "cosine";
    case Schedule::Kind::Constant:
        return "constant";
    }
    return "step";
}

Schedule::Kind schedule_kind_from_string(std::string_view text) {
    if (text == "step")
        return Schedule::Kind::Step;
    if (text == "cosine")
        return Schedule::Kind::Cosine;
    if (text == "constant")
        return Schedule::Kind::Constant;
    throw std::invalid_argument("the schedule must be step, cosine or constant, not '" +
                                std::string(text) + "'");
}

} // namespace reslab
