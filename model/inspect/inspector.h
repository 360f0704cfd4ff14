#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/types.h>

#include "data/image.h"
#include "io/weights.h"
#include "nets/resnet.h"

namespace reslab {

/// One feature map (or any C x H x W array) as plain data, row-major, for the widgets.
struct FeatureMap {
    std::string name; // module path: "layer1.0.conv1", "layer1.0", "fc", ...
    int64_t channels = 0;
    int64_t height = 0;
    int64_t width = 0;
    std::vector<float> values; // channels * height * width

    bool empty() const { return values.empty(); }
    float at(int64_t c, int64_t y, int64_t x) const { return values[(c * height + y) * width + x]; }
    /// From a 1 x C x H x W, C x H x W, 1 x C or C tensor (copied, as float32).
    static FeatureMap from_tensor(const std::string& name, const torch::Tensor& t);
};

/// What a residual block did with the image: indices into Capture::layers.
struct BlockCapture {
    std::string name;     // "layer1.0"
    bool residual = true; // false in a plain net: there is no shortcut, output = relu(F(x))
    int input = -1;       // x as it entered the block
    int shortcut = -1;    // what the shortcut adds: x itself, padded x (option A) or the projection
    int branch = -1;      // F(x): the last BN's output, before the addition
    int output = -1;      // relu(F(x) + shortcut)
    double branch_norm = 0.0; // ||F(x)||
    double input_norm = 0.0;  // ||x||, the block's input
    double ratio = 0.0;       // ||F(x)|| / ||x||, as the probes measure it (residual_ratio)
};

/// The std of one layer's responses (after BN, before ReLU or addition), as the paper's Fig. 7.
struct LayerResponse {
    std::string name; // "layer1.0.conv1"
    double std = 0.0;
};

/// Everything one forward pass of one image showed, as plain arrays.
struct Capture {
    std::string arch;
    FeatureMap input;               // what the net sees, normalised
    std::vector<FeatureMap> layers; // in forward order: conv1 (bn1 out), maxpool/relu, each
                                    // block's convN (BN out), downsample, its output; avgpool; fc
    std::vector<BlockCapture> blocks;
    std::vector<LayerResponse> responses; // every 3x3 layer's response std
    std::vector<float> logits;
    std::vector<float> probabilities;

    /// The feature map for a module path. Aliases: "layerS" (its last block's output), "bnN"
    /// (convN), "layerS.B.downsample.*", "layerS.B.relu" and "layerS.B.bnN"; an unknown deeper
    /// path falls back to its longest known prefix. nullptr when nothing matches.
    const FeatureMap* layer(const std::string& path) const;
    /// The block a module path lies in ("layer2.0.conv1" -> "layer2.0"), or nullptr.
    const BlockCapture* block(const std::string& path) const;
    std::vector<std::string> layer_names() const;
};

/// How an image becomes the net's input.
struct Preprocessing {
    std::string dataset = "imagenet"; // whose mean/std: imagenet, cifar10, fashion-mnist, mnist
    bool imagenet_crop = true;        // resize 256, centre-crop 224 (torchvision's eval transform)
    int64_t size = 224;               // otherwise: resize to size x size
    Normalization norm;               // the mean/std inputs are normalised with
    std::string describe() const;
};

/// A net ready to inspect: built, loaded, in eval mode. Immutable once made, so a worker thread
/// can run it while the GUI keeps a reference.
struct LoadedNet {
    ResNet net{nullptr};
    ResNetSpec spec;
    Preprocessing preprocessing;
    std::vector<std::string> labels; // class names, or empty
    std::string source;              // where the weights came from
    std::string note;                // what was assumed (architecture, twin weights)
};
using LoadedNetPtr = std::shared_ptr<const LoadedNet>;

/// The preprocessing that matches a net: ImageNet's for ImageNet-stem 3-channel nets, the data
/// set's normalisation and native size for ResLab's runs (dataset, downsample from its spec.json).
Preprocessing
preprocessing_for(const ResNetSpec& spec, const std::string& dataset = {}, int64_t downsample = 1);

/// Builds a net from a state_dict: arch "" recognises the architecture from keys and shapes;
/// otherwise named_spec(arch) with input channels and classes taken from the file. Throws
/// WeightsError naming what does not fit.
LoadedNetPtr make_net(const StateDict& state,
                      const std::string& arch,
                      const Preprocessing* preprocessing,
                      const std::string& source);

/// Loads a .pth file, or a run folder (its spec.json and checkpoint.pth), for inspection.
/// Throws WeightsError (or std::runtime_error for a broken spec.json) with a clear message.
LoadedNetPtr load_net(const std::string& path, const std::string& arch = {});
/// A run's net (its spec.json) with these weights: its checkpoint, or a snapshot of the net taken
/// between two training steps. source names them in messages. Throws WeightsError.
LoadedNetPtr
load_run_net(const std::string& folder, const StateDict& state, const std::string& source);

/// A net with freshly initialised weights (seeded), for demos and benchmarks.
LoadedNetPtr random_net(const std::string& arch, uint64_t seed);

/// The twin (plain <-> residual) of a loaded net. From a run folder, the sibling run of the same
/// experiment whose net is the twin, if there is one; otherwise the same weights with the shortcut
/// added or removed (projection weights dropped), and the note says so.
LoadedNetPtr twin_net(const LoadedNet& net, const std::string& source_path = {});

/// An image ready for a net: C x H x W float in [0, 1], with what was done to fit it.
struct InputImage {
    torch::Tensor pixels;
    int file_channels = 0; // what the file held: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
    std::string note;      // "grey image: repeated to 3 channels for this net", or empty
};

/// Reads PNG, JPEG or BMP (colour or grey) for a net of `channels` input channels (0: as the
/// file has it, grey or RGB). A file that is not an image throws ImageError.
InputImage read_input_image(const std::string& path, int64_t channels);
/// An image (as read with channels 0) made fit for a net of `channels` channels, with the note.
InputImage convert_input_image(const InputImage& image, int64_t channels);
/// The same from pixels in memory (a clipboard image): height x width x file_channels bytes.
InputImage input_image_from_pixels(
    const uint8_t* data, int64_t height, int64_t width, int64_t file_channels, int64_t channels);
/// The same from a data set's uint8 C x H x W image.
InputImage input_image_from_dataset(const torch::Tensor& image, int64_t channels);

/// The image preprocessed for the net: 1 x C x H x W, normalised.
torch::Tensor prepare_input(const LoadedNet& net, const torch::Tensor& pixels);
/// What the net sees, with the normalisation undone, in [0, 1]: for showing.
FeatureMap seen_image(const LoadedNet& net, const torch::Tensor& input);

/// Runs the prepared input (1 x C x H x W) through the net once, without gradients, and keeps
/// every layer's output.
Capture capture(const LoadedNet& net, const torch::Tensor& input);

/// Grad-CAM (Selvaraju et al. 2017) on the last stage's output for class cls: the ReLU of the
/// channels weighted by their mean gradient, resized to the input and scaled to [0, 1]. Needs a
/// pass with gradients of its own.
FeatureMap grad_cam(const LoadedNet& net, const torch::Tensor& input, int64_t cls);

/// The std of every 3x3 layer's responses over a batch (N x C x H x W, prepared), the paper's
/// Fig. 7.
std::vector<LayerResponse> response_stds(const LoadedNet& net, const torch::Tensor& batch);

/// A prediction: class index, name and probability.
struct Prediction {
    int64_t index = 0;
    std::string name;
    double probability = 0.0;
};
std::vector<Prediction>
top_k(const Capture& capture, int64_t k, const std::vector<std::string>& labels);

} // namespace reslab
