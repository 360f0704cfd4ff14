// The glue between weights files and modules: a module's state dict in PyTorch's order, and
// loading one into a module with every mismatch named. The files themselves are read in
// weights_read.cpp and written in weights_write.cpp.
#include "weights.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "weights_detail.h"

namespace reslab {

namespace {

using weights_detail::starts_with;

// Names listed in full before "... and N more".
constexpr size_t kListed = 8;

std::string shape_of(at::IntArrayRef sizes) {
    std::string s = "[";
    for (size_t i = 0; i < sizes.size(); ++i)
        s += (i ? ", " : "") + std::to_string(sizes[i]);
    return s + "]";
}

// BatchNorm's step counter is absent from checkpoints older than PyTorch 0.4.1 (torchvision's
// ImageNet weights among them); PyTorch then loads it as 0, and so do we.
bool optional_key(const std::string& name) {
    const std::string suffix = "num_batches_tracked";
    return name == suffix ||
           (name.size() > suffix.size() &&
            name.compare(name.size() - suffix.size() - 1, suffix.size() + 1, "." + suffix) == 0);
}

void collect(const torch::nn::Module& module, const std::string& prefix, StateDict& out) {
    // Python's order: a module's own parameters, then its buffers, then its children's.
    for (const auto& p : module.named_parameters(/*recurse=*/false))
        if (p.value().defined())
            out.emplace_back(prefix + p.key(), p.value());
    for (const auto& b : module.named_buffers(/*recurse=*/false))
        if (b.value().defined())
            out.emplace_back(prefix + b.key(), b.value());
    for (const auto& child : module.named_children())
        collect(*child.value(), prefix + child.key() + ".", out);
}

std::string listed(const std::vector<std::string>& names, const std::string& separator) {
    std::string s;
    for (size_t i = 0; i < names.size() && i < kListed; ++i)
        s += (i ? separator : "") + names[i];
    if (names.size() > kListed)
        s += " ... and " + std::to_string(names.size() - kListed) + " more";
    return s;
}

} // namespace

StateDict state_dict_of(const torch::nn::Module& module) {
    StateDict out;
    collect(module, "", out);
    return out;
}

std::string StateDictMismatch::describe() const {
    if (empty())
        return "the weights fit the net";
    std::vector<std::string> lines;
    if (!missing.empty())
        lines.push_back(std::to_string(missing.size()) +
                        " in the net but not in the file: " + listed(missing, ", "));
    if (!unexpected.empty())
        lines.push_back(std::to_string(unexpected.size()) +
                        " in the file but not in the net: " + listed(unexpected, ", "));
    if (!wrong_shape.empty())
        lines.push_back(std::to_string(wrong_shape.size()) +
                        " with the wrong shape: " + listed(wrong_shape, "; "));
    std::string s;
    for (size_t i = 0; i < lines.size(); ++i)
        s += (i ? "\n" : "") + lines[i];
    return s;
}

StateDict normalize_keys(const StateDict& state) {
    StateDict out;
    out.reserve(state.size());
    for (const auto& [name, tensor] : state) {
        std::string n = name;
        if (starts_with(n, "module."))
            n = n.substr(7);
        if (starts_with(n, "linear."))
            n = "fc." + n.substr(7);
        out.emplace_back(std::move(n), tensor);
    }
    return out;
}

StateDictMismatch compare_state_dict(const torch::nn::Module& module, const StateDict& state) {
    const StateDict net = state_dict_of(module);
    std::unordered_map<std::string, const torch::Tensor*> by_name;
    for (const auto& [name, tensor] : net)
        by_name.emplace(name, &tensor);

    StateDictMismatch m;
    std::unordered_set<std::string> seen;
    for (const auto& [name, tensor] : state) {
        auto it = by_name.find(name);
        if (it == by_name.end()) {
            m.unexpected.push_back(name);
        } else if (!seen.insert(name).second) {
            m.unexpected.push_back(name + " (a second time)");
        } else if (!tensor.defined() || tensor.sizes() != it->second->sizes()) {
            m.wrong_shape.push_back(name + ": file " +
                                    (tensor.defined() ? shape_of(tensor.sizes()) : "undefined") +
                                    ", net " + shape_of(it->second->sizes()));
        }
    }
    for (const auto& [name, tensor] : net)
        if (!seen.count(name) && !optional_key(name))
            m.missing.push_back(name);
    return m;
}

void load_state_dict(torch::nn::Module& module, const StateDict& state, const std::string& from) {
    const StateDict normalized = normalize_keys(state);
    const StateDictMismatch mismatch = compare_state_dict(module, normalized);
    if (!mismatch.empty())
        throw WeightsError("the weights" + (from.empty() ? "" : " in '" + from + "'") +
                           " do not fit the net:\n" + mismatch.describe());

    std::unordered_map<std::string, const torch::Tensor*> source;
    for (const auto& [name, tensor] : normalized)
        source.emplace(name, &tensor);
    // Convert everything first: a failure here (memory, device) leaves the module untouched.
    std::vector<std::pair<torch::Tensor, torch::Tensor>> plan;
    for (const auto& [name, target] : state_dict_of(module)) {
        auto it = source.find(name);
        const torch::Tensor value = it != source.end() ? *it->second : torch::zeros_like(target);
        plan.emplace_back(target, value.to(target.device(), target.scalar_type()));
    }
    torch::NoGradGuard no_grad;
    for (auto& [target, value] : plan)
        target.copy_(value);
}

} // namespace reslab
