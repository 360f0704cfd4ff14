#include "filecheck.h"

#include <sys/stat.h>

namespace reslab {

std::string unreadable_kind(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return ""; // missing or unreachable: open() gives the reason
    const char* kind = nullptr;
    if (S_ISREG(st.st_mode))
        return "";
    if (S_ISDIR(st.st_mode))
        kind = "a folder";
    else if (S_ISFIFO(st.st_mode))
        kind = "a named pipe (FIFO)";
    else if (S_ISSOCK(st.st_mode))
        kind = "a socket";
    else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        kind = "a device";
    else
        kind = "not a regular file";
    return std::string("it is ") + kind + ", not a file ResLab can read";
}

} // namespace reslab
