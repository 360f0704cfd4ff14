#include "labels.h"

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <stdexcept>

#include "embedded.h"
#include "io/filecheck.h"

namespace reslab {
namespace {

// ImageNet's 1000 names are 20 KB; a list of 100000 long names is a few MB.
constexpr uint64_t kMaxLabelFileBytes = uint64_t{16} << 20;
// ImageNet's longest name is 121 bytes.
constexpr size_t kMaxLabelBytes = 1024;

bool valid_utf8(const std::string& text) {
    for (size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const size_t n = c < 0x80           ? 1
                         : (c >> 5) == 0x6  ? 2
                         : (c >> 4) == 0xe  ? 3
                         : (c >> 3) == 0x1e ? 4
                                            : 0;
        if (n == 0 || i + n > text.size())
            return false;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2)
                return false;
        i += n;
    }
    return true;
}

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
    const std::string path(set_or_path);
    std::vector<uint8_t> bytes;
    try {
        bytes = read_bounded(path, kMaxLabelFileBytes, "a label list");
    } catch (const FileFault& e) {
        throw std::runtime_error("cannot read the label file '" + path + "': " + e.what() +
                                 (e.error == ENOENT ? " (built-in lists: imagenet, cifar10, "
                                                      "fashion-mnist, mnist)"
                                                    : ""));
    }
    std::istringstream file{std::string(bytes.begin(), bytes.end())};
    auto labels = split_lines(file);
    // A label list is short lines of text: a binary file or one long line is some other file.
    for (size_t i = 0; i < labels.size(); ++i) {
        const std::string& name = labels[i];
        const bool control = std::any_of(name.begin(), name.end(), [](char c) {
            return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
        });
        if (control || !valid_utf8(name) || name.size() > kMaxLabelBytes)
            throw std::runtime_error("the label file '" + path +
                                     "' is no list of class names: line " + std::to_string(i + 1) +
                                     " is " +
                                     (control || !valid_utf8(name)
                                          ? std::string("not text")
                                          : std::to_string(name.size()) + " bytes long (at most " +
                                                std::to_string(kMaxLabelBytes) + ")") +
                                     "; give one name a line, as UTF-8 text");
    }
    if (labels.empty())
        throw std::runtime_error("the label file '" + std::string(set_or_path) +
                                 "' holds no names");
    return labels;
}

} // namespace reslab
