// Writing weights as torch.save does (a zip archive Python's torch.load reads), atomically.
#include "weights.h"

#include <functional>

#include <caffe2/serialize/inline_container.h>
#include <torch/utils.h>

#include "atomicfile.h"
#include "pickle.h"
#include "weights_detail.h"

namespace reslab {

namespace {

using weights_detail::gist;
using weights_detail::quoted;

// Writes through a temporary file beside path, renamed over it only once complete, so a crash
// or a full disk never leaves a half-written checkpoint where a good one was.
void write_atomically(const std::string& path,
                      const std::function<void(caffe2::serialize::PyTorchStreamWriter&)>& fill) {
    try {
        AtomicFile file(path);
        try {
            // The writer's destructor finalizes the archive and must not fail: AtomicFile
            // remembers write errors and reports them at commit.
            caffe2::serialize::PyTorchStreamWriter writer([&](const void* buf, size_t n) -> size_t {
                file.write(buf, n);
                return n;
            });
            fill(writer);
            writer.writeEndOfFile();
        } catch (const c10::Error& e) {
            throw WeightsError("cannot write " + quoted(path) + ": " +
                               gist(e.what_without_backtrace()));
        }
        file.commit();
    } catch (const WeightsError&) {
        throw;
    } catch (const std::runtime_error& e) {
        throw WeightsError(e.what());
    }
}

// A tensor ready to be written: on the CPU, contiguous, of a dtype Python reads back.
torch::Tensor writable(const torch::Tensor& t, const std::string& name, const std::string& path) {
    if (!t.defined())
        throw WeightsError("cannot write " + quoted(path) + ": tensor '" + name + "' is undefined");
    if (pickle::storage_class(t.scalar_type()).empty())
        throw WeightsError("cannot write " + quoted(path) + ": tensor '" + name + "' has dtype " +
                           std::string(c10::toString(t.scalar_type())) +
                           ", which a weights file does not hold");
    return t.detach().to(torch::kCPU).contiguous();
}

// _rebuild_tensor_v2(('storage', XStorage, key, 'cpu', numel), 0, size, stride, False,
// OrderedDict()), as torch.save writes it.
void pickle_tensor(pickle::Pickler& p, const torch::Tensor& t, const std::string& key) {
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.mark();
    p.mark();
    p.string("storage");
    p.global("torch", pickle::storage_class(t.scalar_type()));
    p.string(key);
    p.string("cpu");
    p.integer(t.numel());
    p.tuple();
    p.persistent_id();
    p.integer(0);
    p.mark();
    for (int64_t s : t.sizes())
        p.integer(s);
    p.tuple();
    p.mark();
    for (int64_t s : t.strides())
        p.integer(s);
    p.tuple();
    p.boolean(false);
    p.global("collections", "OrderedDict");
    p.empty_tuple();
    p.reduce();
    p.tuple();
    p.reduce();
}

void write_storages(caffe2::serialize::PyTorchStreamWriter& writer,
                    const std::string& pickle_bytes,
                    const std::vector<torch::Tensor>& tensors) {
    writer.writeRecord("data.pkl", pickle_bytes.data(), pickle_bytes.size());
    for (size_t i = 0; i < tensors.size(); ++i)
        writer.writeRecord("data/" + std::to_string(i), tensors[i].data_ptr(), tensors[i].nbytes());
}

} // namespace

void write_state_dict(const StateDict& state, const std::string& path) {
    // Everything that can be refused is refused before the file is opened.
    std::vector<torch::Tensor> tensors;
    std::unordered_set<std::string> names;
    pickle::Pickler p;
    p.proto();
    p.global("collections", "OrderedDict");
    p.empty_tuple();
    p.reduce();
    if (!state.empty()) {
        p.mark();
        for (const auto& [name, tensor] : state) {
            if (!names.insert(name).second)
                throw WeightsError("cannot write " + quoted(path) + ": the state_dict names '" +
                                   name + "' twice");
            tensors.push_back(writable(tensor, name, path));
            p.string(name);
            pickle_tensor(p, tensors.back(), std::to_string(tensors.size() - 1));
        }
        p.setitems();
    }
    p.stop();
    write_atomically(path, [&](caffe2::serialize::PyTorchStreamWriter& writer) {
        write_storages(writer, p.bytes(), tensors);
    });
}

void write_tensor_file(const torch::Tensor& tensor, const std::string& path) {
    const std::vector<torch::Tensor> tensors{writable(tensor, "tensor", path)};
    pickle::Pickler p;
    p.proto();
    pickle_tensor(p, tensors[0], "0");
    p.stop();
    write_atomically(path, [&](caffe2::serialize::PyTorchStreamWriter& writer) {
        write_storages(writer, p.bytes(), tensors);
    });
}

} // namespace reslab
