#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace reslab {

struct ResNetImpl;

struct OnnxError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Whether this build can write ONNX (it was configured with Debian's libonnx-dev).
bool onnx_export_available();
/// Throws OnnxError, saying what to install, when it cannot.
void require_onnx_export();

/// Writes the net with its weights as an ONNX model (opset 13) that Netron draws and ONNX Runtime
/// runs: the forward pass in eval mode (batch norm with its running statistics), node for node as
/// the net runs it: Conv, BatchNormalization, Relu, MaxPool, the option-A shortcut as Slice + Pad,
/// Add, GlobalAveragePool, Flatten and Gemm. Each node and each weight is named after the module
/// it comes from ("layer1.0.conv1", "layer1.0.conv1.weight"), as in the block graph and in
/// torchvision's state dicts. The input "input" is batch x channels x side x side, the batch
/// left free; the output is "logits". Written atomically; throws OnnxError.
void write_onnx(const ResNetImpl& net, int64_t input_side, const std::string& path);

} // namespace reslab
