#pragma once

#include <CLI/CLI.hpp>

namespace reslab::cli {

/// Adds train, compare, resume and bench to the command line; returns a function that runs
/// whichever of them was parsed (or returns -1 when none was).
std::function<int()> add_train_commands(CLI::App& app);

} // namespace reslab::cli
