#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace reslab::cli {

/// Adds landscape (the loss surface around a run's weights) to the command line; returns a
/// function that runs it when it was parsed (or returns -1).
std::function<int()> add_landscape_command(CLI::App& app);

} // namespace reslab::cli
