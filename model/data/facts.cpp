#include "facts.h"

#include <algorithm>
#include <stdexcept>

namespace reslab {
namespace {

const std::vector<DatasetFacts>& table() {
    // Means and stds as the usual references give them (torchvision's examples and the
    // Fashion-MNIST authors' repository); folders and the synthetic set measure their own.
    static const std::vector<DatasetFacts> facts{
        {"fashion-mnist", 1, 28, 10, {0.2860f}, {0.3530f}},
        {"mnist", 1, 28, 10, {0.1307f}, {0.3081f}},
        {"cifar10", 3, 32, 10, {0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}},
        {"folder", 3, 0, 0, {}, {}},
        {"synthetic", 1, 28, 10, {}, {}},
    };
    return facts;
}

} // namespace

const DatasetFacts& dataset_facts(const std::string& name) {
    for (const auto& f : table())
        if (f.name == name)
            return f;
    std::string known;
    for (const auto& f : table())
        known += (known.empty() ? "" : ", ") + f.name;
    throw std::invalid_argument("unknown data set '" + name + "'; known: " + known);
}

std::vector<std::string> dataset_names() {
    std::vector<std::string> names;
    for (const auto& f : table())
        names.push_back(f.name);
    return names;
}

int64_t input_side(const std::string& dataset, int64_t downsample, const ResNetSpec& spec) {
    const int64_t side =
        dataset_facts(dataset).side > 0 ? dataset_facts(dataset).side : spec.input_size;
    return std::max<int64_t>(1, side / std::max<int64_t>(1, downsample));
}

} // namespace reslab
