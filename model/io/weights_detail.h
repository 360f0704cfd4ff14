#pragma once
// Internal to model/io: how the weights files' readers and writers word their errors.

#include <string>

namespace reslab::weights_detail {

inline std::string quoted(const std::string& path) {
    return "'" + path + "'";
}

/// The gist of a c10::Error: its first line, without torch's plea for better messages.
inline std::string gist(const std::string& s) {
    std::string line = s.substr(0, s.find('\n'));
    const size_t plea = line.find("  (Could this error message be improved?");
    return plea == std::string::npos ? line : line.substr(0, plea);
}

inline bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

} // namespace reslab::weights_detail
