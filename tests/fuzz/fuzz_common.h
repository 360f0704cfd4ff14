// What every fuzz target shares: the input written to a file for the readers that take a path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

#include "io/pickle.h"

namespace reslab::fuzz {

/// A file in /dev/shm (memory, so the writes cost no disk), one per target and process, that
/// holds the current input. Removed when the process ends normally.
class InputFile {
public:
    explicit InputFile(const std::string& target)
        : m_path("/dev/shm/reslab-fuzz-" + target + "-" + std::to_string(::getpid())) {}
    ~InputFile() { std::remove(m_path.c_str()); }

    const std::string& write(const uint8_t* data, size_t size) {
        std::FILE* f = std::fopen(m_path.c_str(), "wb");
        if (!f || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
            std::perror(m_path.c_str());
            std::abort(); // the harness is broken, not the reader
        }
        return m_path;
    }

private:
    std::string m_path;
};

/// Reads every node of an unpickled tree, and the values of its tensors when they are small
/// (an expanded view, stride 0, may count far more elements than the input holds).
inline void touch(const pickle::Value& v) {
    (void)v.type_name();
    if (v.is(pickle::Value::Kind::Tensor) && v.tensor.defined() &&
        v.tensor.numel() <= (int64_t{1} << 20))
        (void)v.tensor.to(torch::kDouble).sum().item<double>();
    if (v.is(pickle::Value::Kind::Dict))
        (void)v.find("state_dict");
    for (const auto& item : v.items)
        touch(*item);
    for (const auto& [key, value] : v.entries) {
        touch(*key);
        touch(*value);
    }
}

} // namespace reslab::fuzz
