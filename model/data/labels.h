#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reslab {

/// Class names: "imagenet", "cifar10", "fashion-mnist" and "mnist" are compiled in; anything else
/// is read as a text file with one name a line. Throws std::runtime_error naming a file that cannot
/// be read or holds no names.
std::vector<std::string> class_labels(std::string_view set_or_path);

} // namespace reslab
