#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

// A restricted pickle interpreter: it reads what torch.save writes (protocols 2 to 5) into a small
// tree of values, and knows only the few Python globals a weights file names. It never runs code:
// any other global is refused by name before anything could be called.
namespace reslab::pickle {

/// A pickle that is malformed, truncated, or asks for more than a weights file may hold.
struct PickleError : std::runtime_error {
    explicit PickleError(const std::string& what, bool cut_short = false)
        : std::runtime_error(what), truncated(cut_short) {}
    bool truncated; // the data ended before the pickle did
};

/// The elements of one torch storage, shared by every tensor that views it. The persistent loader
/// creates it when the pickle names it; `data` may be filled later, since the legacy format stores
/// the bytes after the pickle.
struct Storage {
    std::string key;
    torch::ScalarType dtype = torch::kFloat;
    int64_t numel = 0;
    torch::Tensor data; // 1-D, numel elements of dtype, on the CPU
};

struct Value;
using ValuePtr = std::shared_ptr<Value>;

/// One node of an unpickled object. Only the fields of its kind are meaningful.
struct Value {
    enum class Kind {
        None,
        Bool,
        Int,    // fits in int64
        BigInt, // wider than 64 bits: `text` holds its little-endian two's complement bytes,
                // `real` an approximation
        Float,
        String, // UTF-8 in `text`
        Bytes,  // raw in `text`
        List,
        Tuple,
        Dict, // dict and collections.OrderedDict: entries in insertion order, as written
        Tensor,
        Global,  // an allowed Python global, "module.name" in `text`
        Storage, // what a persistent id names
    };

    Kind kind = Kind::None;
    bool boolean = false;
    int64_t integer = 0;
    double real = 0.0;
    std::string text;
    std::vector<ValuePtr> items;                        // List, Tuple
    std::vector<std::pair<ValuePtr, ValuePtr>> entries; // Dict

    // Tensor: where it lies in its storage, and once materialize() ran, the tensor itself.
    std::shared_ptr<pickle::Storage> storage; // Tensor, Storage
    int64_t storage_offset = 0;
    std::vector<int64_t> sizes;
    std::vector<int64_t> strides;
    torch::Tensor tensor;

    bool is(Kind k) const { return kind == k; }
    /// The value of a Dict entry whose key is the string `key`, or nullptr.
    const Value* find(const std::string& key) const;
    /// The Python type name, for messages: "int", "str", "dict", "tensor", ...
    std::string type_name() const;
};

/// Answers a persistent id (BINPERSID) with the storage it names; throws PickleError if it cannot.
using PersistentLoader = std::function<std::shared_ptr<Storage>(const Value& pid)>;

/// What unpickle() made of one pickle.
struct Unpickled {
    ValuePtr root;
    size_t consumed = 0;           // bytes read, up to and including STOP
    std::vector<ValuePtr> tensors; // every tensor built, for materialize() once storages are filled
};

/// Interprets the pickle that starts at data[0] and ends at its STOP opcode; bytes after it are
/// left alone (the legacy format puts several pickles back to back). Every length, index and
/// count in the data is checked against what is there, and the tree it returns is acyclic and at
/// most 100 levels deep. Throws PickleError.
Unpickled unpickle(const uint8_t* data, size_t size, const PersistentLoader& load_persistent);

/// Gives a Tensor value its tensor, from its storage (which must be filled by now). A tensor that
/// covers its whole storage in order shares it, as torch.load does; any other view is copied out
/// compactly, except an expanded one (stride 0, more elements than its storage), which stays a
/// view so that it costs no more memory than the file. Throws PickleError when the storage is
/// missing or too small.
void materialize(Value& tensor);

/// The dtype a storage class names ("torch.FloatStorage" -> float32), if it is one we accept.
std::optional<torch::ScalarType> storage_dtype(const std::string& global);

/// The storage class name for a dtype ("FloatStorage"), empty if we do not write that dtype.
std::string storage_class(torch::ScalarType dtype);

/// Emits pickle opcodes, protocol 2, for the few shapes torch.save writes.
class Pickler {
public:
    void proto();
    void global(const std::string& module, const std::string& name);
    void mark();
    void tuple(); // everything since the last mark
    void empty_tuple();
    void integer(int64_t value);
    void boolean(bool value);
    void string(const std::string& utf8);
    void persistent_id(); // the tuple on top is a persistent id
    void reduce();
    void setitems(); // every key/value pair since the last mark, into the dict below the mark
    void stop();

    const std::string& bytes() const { return out_; }

private:
    void put_u32(uint32_t v);
    std::string out_;
};

} // namespace reslab::pickle
