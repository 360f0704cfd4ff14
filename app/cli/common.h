#pragma once
// What reslab-cli's commands share: how a fraction and a duration are worded, the progress line
// on stderr, and the check every real-valued option passes.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

namespace reslab::cli {

// CLI::Range lets NaN through (every comparison with it is false): real-valued options also
// pass this.
inline const CLI::Validator kFinite(
    [](std::string& text) {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        return end != text.c_str() && !std::isfinite(v) ? "'" + text + "' is not a finite number"
                                                        : std::string();
    },
    "FINITE");

inline std::string percent(double fraction) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f%%", 100.0 * fraction);
    return text;
}

inline std::string duration(double seconds) {
    char text[32];
    const int s = static_cast<int>(seconds + 0.5);
    if (s >= 3600)
        std::snprintf(text, sizeof text, "%dh%02dm", s / 3600, s / 60 % 60);
    else
        std::snprintf(text, sizeof text, "%dm%02ds", s / 60, s % 60);
    return text;
}

/// "[#####...] 120/441 points  0m12s elapsed  ETA 0m30s" and what follows: rewritten in place on
/// a terminal (tty), one line each time otherwise. done_now: the units done in these seconds
/// (the ETA's rate), of done in all.
inline void print_progress(bool tty,
                           bool final,
                           int64_t done_now,
                           int64_t done,
                           int64_t total,
                           const char* units,
                           double seconds,
                           const std::string& after) {
    const double rate = done_now / std::max(seconds, 1e-9);
    const double eta = rate > 0 ? (total - done) / rate : 0.0;
    const int width = 24;
    const int filled = total ? static_cast<int>(width * done / total) : width;
    const std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
    std::fprintf(stderr, "%s[%s] %lld/%lld %s  %s elapsed  ETA %s %s%s", tty ? "\r" : "",
                 bar.c_str(), static_cast<long long>(done), static_cast<long long>(total), units,
                 duration(seconds).c_str(), duration(eta).c_str(), after.c_str(),
                 (tty && !final) ? "\033[K" : "\n");
    std::fflush(stderr);
}

} // namespace reslab::cli
