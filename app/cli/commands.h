#pragma once

namespace reslab::cli {

/// Parses the command line and runs one reslab-cli command; returns the process's exit status.
/// Errors go to stderr with a non-zero status; no input makes it crash.
int run(int argc, char** argv);

} // namespace reslab::cli
