#include "runstate.h"

namespace reslab {

std::string to_string(RunState state) {
    switch (state) {
    case RunState::Ready:
        return "ready";
    case RunState::Running:
        return "running";
    case RunState::Finished:
        return "finished";
    case RunState::Stopped:
        return "stopped";
    case RunState::Diverged:
        return "diverged";
    case RunState::Failed:
        return "failed";
    }
    return "ready";
}

std::optional<RunState> run_state_from_string(std::string_view text) {
    for (RunState s : {RunState::Ready, RunState::Running, RunState::Finished, RunState::Stopped,
                       RunState::Diverged, RunState::Failed})
        if (text == to_string(s))
            return s;
    return std::nullopt;
}

} // namespace reslab
