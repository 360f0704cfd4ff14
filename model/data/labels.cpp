#include "labels.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "embedded.h"
#include "io/filecheck.h"

namespace reslab {
namespace {

std::vector<std::string> split_lines(std::istream& in) {
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (!line.empty())
            lines.push_back(line);
    }
    return lines;
}

} // namespace

std::vector<std::string> class_labels(std::string_view set_or_path) {
    const std::string_view embedded = embedded_file(std::string(set_or_path) + ".txt");
    if (!embedded.empty()) {
        std::istringstream in{std::string(embedded)};
        return split_lines(in);
    }
    if (const std::string why = unreadable_kind(std::string(set_or_path)); !why.empty())
        throw std::runtime_error("cannot read the label file '" + std::string(set_or_path) +
                                 "': " + why);
    std::ifstream file{std::string(set_or_path)};
    if (!file)
        throw std::runtime_error("cannot read the label file '" + std::string(set_or_path) +
                                 "' (built-in lists: imagenet, cifar10, fashion-mnist, mnist)");
    auto labels = split_lines(file);
    if (labels.empty())
        throw std::runtime_error("the label file '" + std::string(set_or_path) +
                                 "' holds no names");
    return labels;
}

} // namespace reslab
