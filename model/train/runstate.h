#pragma once
// Plain data (no torch): where a run stands, for the trainer, its run folder and every view.

#include <optional>
#include <string>
#include <string_view>

namespace reslab {

/// A run's state. Ready and Running go on; the others are ends: Finished (every step done),
/// Stopped (by its user, with a checkpoint to resume from), Diverged (a NaN or infinite loss; the
/// last good checkpoint stays) and Failed (an error, named in the run's message).
enum class RunState { Ready, Running, Finished, Stopped, Diverged, Failed };

/// "ready", "running", "finished", "stopped", "diverged", "failed".
std::string to_string(RunState state);
/// The state of one of those names; nullopt for anything else.
std::optional<RunState> run_state_from_string(std::string_view text);
/// Whether the run will train no more (every state but Ready and Running).
inline bool is_end(RunState state) {
    return state != RunState::Ready && state != RunState::Running;
}

} // namespace reslab
