#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/types.h>

#include "pickle.h"

namespace reslab {

/// A state_dict: names and tensors, in the order they were saved or registered.
using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

/// A weights file that cannot be read: names the file and what is wrong with it.
struct WeightsError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Reads a file that Python wrote with torch.save(model.state_dict(), path): the zip format
/// (torch >= 1.6) or the legacy one (raw pickles and storages back to back). Accepts a bare
/// state_dict, or one wrapped as {"state_dict": ...} or {"model": ...}. Only what a weights file
/// holds is accepted (dicts, lists, tuples, strings, numbers, tensors); any other pickle global is
/// refused, so loading never runs code. Throws WeightsError.
StateDict read_state_dict(const std::string& path);

/// Reads one tensor saved with Python's torch.save(tensor, path). Throws WeightsError.
torch::Tensor read_tensor_file(const std::string& path);

/// Reads whatever torch.save wrote (either format), within what the pickle interpreter accepts
/// (see pickle.h): the object tree, its tensors on the CPU. read_state_dict and read_tensor_file
/// stand on it. torch.save stores a zip's records uncompressed; records someone compressed
/// may inflate to max_inflated bytes in all (a decompression bomb is refused before it
/// inflates). Throws WeightsError.
pickle::ValuePtr read_torch_object(const std::string& path, uint64_t max_inflated);
/// With file_memory_budget() (train/devices.h) as max_inflated.
pickle::ValuePtr read_torch_object(const std::string& path);

/// Writes a state_dict so that Python's torch.load(path) returns it and load_state_dict accepts it
/// strictly. Atomic: written to a temporary file beside path, then renamed. Throws WeightsError.
void write_state_dict(const StateDict& state, const std::string& path);

/// Writes one tensor so that Python's torch.load(path) returns it. Atomic, like write_state_dict.
void write_tensor_file(const torch::Tensor& tensor, const std::string& path);

/// A module's parameters and buffers (num_batches_tracked included), with their dotted names.
StateDict state_dict_of(const torch::nn::Module& module);

/// What keeps a state_dict from loading into a module.
struct StateDictMismatch {
    std::vector<std::string> missing;     // in the module, not in the file
    std::vector<std::string> unexpected;  // in the file, not in the module
    std::vector<std::string> wrong_shape; // "name: file [64, 3, 7, 7], net [64, 1, 7, 7]"
    bool empty() const { return missing.empty() && unexpected.empty() && wrong_shape.empty(); }
    std::string describe() const;
};

/// Renames keys the way other tools save them: strips a leading "module." (DataParallel) and maps
/// the popular CIFAR reproduction's "linear." classifier to "fc.".
StateDict normalize_keys(const StateDict& state);

/// Compares a (normalized) state_dict with a module by name and shape. A missing BatchNorm
/// num_batches_tracked is not a mismatch: checkpoints older than PyTorch 0.4.1 lack it, and
/// load_state_dict sets it to 0, as PyTorch does.
StateDictMismatch compare_state_dict(const torch::nn::Module& module, const StateDict& state);

/// Copies a state_dict into a module after normalize_keys(); on any mismatch throws WeightsError
/// listing the missing, unexpected and wrongly shaped keys, and changes nothing in the module.
/// from names where the weights come from in the message ("the weights in 'w.pth' ...").
void load_state_dict(torch::nn::Module& module,
                     const StateDict& state,
                     const std::string& from = {});

} // namespace reslab
