#pragma once

#include <string>

namespace reslab {

/// Why path cannot be read as a file, or "" when it can be tried: it is a regular file (through
/// any symbolic links) or does not exist (opening it then says so). Every reader of a file a user
/// names asks first, because opening a named pipe blocks until someone writes to it, and a
/// folder "opens" and seems to hold 2^63 - 1 bytes. The fault reads on after the path: "'x': it
/// is a named pipe (FIFO), not a file".
std::string unreadable_kind(const std::string& path);

} // namespace reslab
