// Fuzzes the pickle interpreter itself, fed the bytes directly, with a persistent loader that
// makes a zero-filled storage for any plausible persistent id, as weights.cpp's loaders accept
// them (('storage', XStorage, key, location, numel)), without reading a file.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>

#include "fuzz_common.h"
#include "io/pickle.h"

namespace {

namespace pickle = reslab::pickle;
using pickle::Value;
using Kind = pickle::Value::Kind;

// Larger storages are refused, so the fuzzer spends its time on the interpreter, not on memset.
constexpr int64_t kMaxFuzzNumel = int64_t{1} << 20;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::unordered_map<std::string, std::shared_ptr<pickle::Storage>> storages;
    const pickle::PersistentLoader load = [&](const Value& pid) {
        if (!pid.is(Kind::Tuple) || pid.items.size() < 5 || pid.items.size() > 6 ||
            !pid.items[0]->is(Kind::String) || pid.items[0]->text != "storage")
            throw pickle::PickleError("a persistent id that is not a storage");
        const Value& type = *pid.items[1];
        const Value& key = *pid.items[2];
        const Value& numel = *pid.items[4];
        const auto dtype = type.is(Kind::Global) ? pickle::storage_dtype(type.text) : std::nullopt;
        if (!dtype || !key.is(Kind::String) || !numel.is(Kind::Int) || numel.integer < 0 ||
            numel.integer > kMaxFuzzNumel)
            throw pickle::PickleError("a malformed storage id");
        auto& s = storages[key.text];
        if (!s) {
            s = std::make_shared<pickle::Storage>();
            s->key = key.text;
            s->dtype = *dtype;
            s->numel = numel.integer;
            s->data = torch::zeros({numel.integer}, torch::TensorOptions(*dtype));
        } else if (s->dtype != *dtype || s->numel != numel.integer) {
            throw pickle::PickleError("storage '" + key.text + "' is named with two types");
        }
        return s;
    };
    try {
        pickle::Unpickled result = pickle::unpickle(data, size, load);
        if (result.consumed > size)
            __builtin_trap(); // read past the data it was given
        for (const auto& t : result.tensors)
            pickle::materialize(*t);
        reslab::fuzz::touch(*result.root);
    } catch (const std::exception&) {
    }
    return 0;
}
