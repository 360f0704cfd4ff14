// Fuzzes the weights reader, zip and legacy torch.save formats: read_torch_object and
// read_state_dict, with every tensor it returns read through.
#include <cstddef>
#include <cstdint>
#include <exception>

#include "fuzz_common.h"
#include "io/weights.h"

using reslab::pickle::Value;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static reslab::fuzz::InputFile file("weights");
    const std::string& path = file.write(data, size);
    bool dict = false;
    try {
        const reslab::pickle::ValuePtr root = reslab::read_torch_object(path);
        reslab::fuzz::touch(*root);
        dict = root->is(Value::Kind::Dict);
    } catch (const std::exception&) {
    }
    if (dict) {
        try {
            for (const auto& [name, tensor] : reslab::read_state_dict(path))
                (void)name.size(), (void)tensor.defined();
        } catch (const std::exception&) {
        }
    }
    return 0;
}
