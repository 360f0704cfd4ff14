#pragma once

#include <string_view>

namespace reslab {

/// The contents of a text file compiled in from resources/ (by its file name, e.g. "imagenet.txt");
/// empty when there is no such file.
std::string_view embedded_file(std::string_view name);

} // namespace reslab
