// Inspecting one image: loading a net for it (a .pth file, a run folder or a snapshot), its
// preprocessing, the capture of every layer, Grad-CAM and the layers' response statistics.
#include "inspector.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <numeric>

#include <torch/autograd.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/functional/upsampling.h>

#include "data/facts.h"
#include "data/labels.h"
#include "inspect/probes.h"
#include "io/runfolder.h"
#include "nets/recognize.h"
#include "train/config.h"

namespace reslab {
namespace F = torch::nn::functional;
namespace {

/// Which of a block's responses follow a 3x3 convolution (Fig. 7 plots only those).
bool is_3x3(const ResidualBlockImpl& block, const std::string& response) {
    if (dynamic_cast<const BottleneckImpl*>(&block))
        return response == "conv2";
    return true;
}

double population_std(const torch::Tensor& t) {
    return response_std(t).item<double>();
}

/// What capture() and response_stds() see of the net's one forward pass. With maps set, every
/// layer's output is copied out; responses always get the 3x3 layers' stds.
class Walk : public ForwardVisitor {
public:
    Walk(const ResNetSpec& spec, Capture* maps, std::vector<LayerResponse>& responses)
        : m_spec(spec), m_maps(maps), m_responses(responses) {}

    void stem_response(const torch::Tensor& bn1_out) override {
        add("conv1", bn1_out);
        if (m_spec.stem == Stem::Cifar) // the CIFAR stem is a 3x3 layer too
            m_responses.push_back({"conv1", population_std(bn1_out)});
    }
    void stem(const torch::Tensor& out) override {
        m_previous = add(m_spec.stem == Stem::ImageNet ? "maxpool" : "relu", out);
    }
    BlockTrace* trace(size_t, const std::string& name) override {
        m_trace = BlockTrace{};
        m_name = name;
        return &m_trace;
    }
    void block_done(size_t, const ResidualBlockImpl& block, const torch::Tensor&) override {
        const BlockTrace& trace = m_trace;
        for (size_t r = 0; r < trace.responses.size(); ++r)
            if (is_3x3(block, trace.response_names[r]))
                m_responses.push_back(
                    {m_name + "." + trace.response_names[r], population_std(trace.responses[r])});
        if (!m_maps)
            return;
        BlockCapture bc;
        bc.name = m_name;
        bc.residual = block.residual;
        bc.input = m_previous;
        for (size_t r = 0; r < trace.responses.size(); ++r)
            bc.branch = add(m_name + "." + trace.response_names[r], trace.responses[r]);
        bc.branch_norm = trace.branch.norm().item<double>();
        if (block.residual) {
            if (trace.shortcut.is_same(trace.input))
                bc.shortcut = m_previous;
            else
                bc.shortcut =
                    add(m_name + (block.downsample ? ".downsample" : ".shortcut"), trace.shortcut);
        }
        bc.input_norm = trace.input.norm().item<double>();
        bc.ratio = residual_ratio(trace).item<double>();
        bc.output = add(m_name, trace.output);
        m_previous = bc.output;
        m_maps->blocks.push_back(bc);
    }
    void
    head(const torch::Tensor&, const torch::Tensor& pooled, const torch::Tensor& logits) override {
        add("avgpool", pooled);
        add("fc", logits);
    }

private:
    int add(const std::string& name, const torch::Tensor& t) {
        if (!m_maps)
            return -1;
        m_maps->layers.push_back(FeatureMap::from_tensor(name, t));
        return static_cast<int>(m_maps->layers.size()) - 1;
    }

    const ResNetSpec& m_spec;
    Capture* m_maps;
    std::vector<LayerResponse>& m_responses;
    BlockTrace m_trace;
    std::string m_name;
    int m_previous = -1;
};

torch::Tensor walk(ResNetImpl& net,
                   const torch::Tensor& input,
                   Capture* maps,
                   std::vector<LayerResponse>& responses) {
    Walk walk(net.spec(), maps, responses);
    return net.forward(input, &walk);
}

const torch::Tensor* find_weight(const StateDict& state, const std::string& name) {
    for (const auto& [key, tensor] : state)
        if (key == name)
            return &tensor;
    return nullptr;
}

std::vector<std::string> labels_for(const ResNetSpec& spec, const std::string& dataset) {
    try {
        if (spec.classes == 1000)
            return class_labels("imagenet");
        if (spec.classes == 10 &&
            (dataset == "fashion-mnist" || dataset == "mnist" || dataset == "cifar10"))
            return class_labels(dataset);
    } catch (const std::exception&) {
        // No names: predictions show class numbers.
    }
    return {};
}

std::shared_ptr<LoadedNet> build(const ResNetSpec& spec,
                                 const StateDict& state,
                                 const Preprocessing& pre,
                                 const std::string& source) {
    auto loaded = std::make_shared<LoadedNet>();
    loaded->spec = spec;
    loaded->net = ResNet(spec);
    const StateDictMismatch mismatch = compare_state_dict(*loaded->net, state);
    if (!mismatch.empty())
        throw WeightsError("the weights in '" + source + "' do not fit " + spec.name + ": " +
                           mismatch.describe());
    load_state_dict(*loaded->net, state, source);
    loaded->net->eval();
    loaded->preprocessing = pre;
    loaded->labels = labels_for(spec, pre.dataset);
    loaded->source = source;
    return loaded;
}

/// Grey (1 channel) and colour (3) conversions between what an image holds and what a net takes.
InputImage fit_channels(torch::Tensor pixels, int file_channels, int64_t channels) {
    InputImage out;
    out.file_channels = file_channels;
    const int64_t have = pixels.size(0);
    if (have == channels) {
        out.pixels = pixels.contiguous();
        return out;
    }
    if (have == 1 && channels == 3) {
        out.pixels = pixels.expand({3, pixels.size(1), pixels.size(2)}).contiguous();
        out.note = "grey image: its channel repeated to RGB for this 3-channel net";
    } else if (have == 3 && channels == 1) {
        out.pixels = grey_like_pillow(pixels).contiguous();
        out.note = "colour image: converted to grey for this 1-channel net";
    } else {
        throw ImageError("cannot make a " + std::to_string(channels) + "-channel input from a " +
                         std::to_string(have) + "-channel image");
    }
    return out;
}

} // namespace

FeatureMap FeatureMap::from_tensor(const std::string& name, const torch::Tensor& t) {
    FeatureMap map;
    map.name = name;
    torch::Tensor x = t.detach().to(torch::kCPU, torch::kFloat32);
    if (x.dim() == 4)
        x = x[0];
    if (x.dim() == 2)
        x = x[0];
    if (x.dim() == 1)
        x = x.view({x.size(0), 1, 1});
    x = x.contiguous();
    map.channels = x.size(0);
    map.height = x.size(1);
    map.width = x.size(2);
    map.values.resize(static_cast<size_t>(x.numel()));
    std::memcpy(map.values.data(), x.data_ptr<float>(), map.values.size() * sizeof(float));
    return map;
}

const FeatureMap* Capture::layer(const std::string& path) const {
    auto exact = [this](const std::string& name) -> const FeatureMap* {
        for (const auto& l : layers)
            if (l.name == name)
                return &l;
        return nullptr;
    };
    if (const auto* l = exact(path))
        return l;
    // "layerS": the stage's output is its last block's.
    if (path.rfind("layer", 0) == 0 && path.find('.') == std::string::npos) {
        const BlockCapture* last = nullptr;
        for (const auto& b : blocks)
            if (b.name.rfind(path + ".", 0) == 0)
                last = &b;
        return last ? &layers[last->output] : nullptr;
    }
    if (const BlockCapture* b = block(path)) {
        const std::string rest = path.substr(b->name.size() + 1);
        if (rest.rfind("bn", 0) == 0)
            return exact(b->name + ".conv" + rest.substr(2));
        if (rest.rfind("downsample", 0) == 0 && b->shortcut >= 0)
            return &layers[b->shortcut];
        return &layers[b->output];
    }
    if (path == "bn1")
        return exact("conv1");
    if (path == "relu" || path == "maxpool")
        return exact("maxpool") ? exact("maxpool") : exact("relu");
    const auto dot = path.rfind('.');
    return dot == std::string::npos ? nullptr : layer(path.substr(0, dot));
}

const BlockCapture* Capture::block(const std::string& path) const {
    for (const auto& b : blocks)
        if (path == b.name || path.rfind(b.name + ".", 0) == 0)
            return &b;
    return nullptr;
}

std::vector<std::string> Capture::layer_names() const {
    std::vector<std::string> names;
    for (const auto& l : layers)
        names.push_back(l.name);
    return names;
}

std::string Preprocessing::describe() const {
    if (imagenet_crop)
        return "resize 256, centre-crop 224, ImageNet mean/std";
    return "resize to " + std::to_string(size) + "x" + std::to_string(size) + ", " + dataset +
           " mean/std";
}

Preprocessing
preprocessing_for(const ResNetSpec& spec, const std::string& dataset, int64_t downsample) {
    Preprocessing p;
    p.dataset = dataset;
    if (p.dataset.empty()) // as reslab-cli predict chooses
        p.dataset = spec.stem == Stem::ImageNet
                        ? "imagenet"
                        : (spec.in_channels == 1 ? "fashion-mnist" : "cifar10");
    if (p.dataset == "imagenet" && spec.in_channels != 3)
        p.dataset = "fashion-mnist";
    p.imagenet_crop = p.dataset == "imagenet";
    try {
        p.size =
            p.dataset == "imagenet" ? spec.input_size : input_side(p.dataset, downsample, spec);
    } catch (const std::invalid_argument&) { // a data set ResLab does not know by name
        p.size = std::max<int64_t>(1, spec.input_size / std::max<int64_t>(1, downsample));
    }
    try {
        p.norm = normalization_for(p.dataset);
    } catch (const std::invalid_argument&) {
        // A folder or synthetic set measures its own; without it, map [0, 1] to about [-2, 2].
        p.norm = {std::vector<float>(spec.in_channels, 0.5f),
                  std::vector<float>(spec.in_channels, 0.25f)};
    }
    return p;
}

LoadedNetPtr make_net(const StateDict& raw,
                      const std::string& arch,
                      const Preprocessing* preprocessing,
                      const std::string& source) {
    const StateDict state = normalize_keys(raw);
    ResNetSpec spec;
    std::string note;
    if (arch.empty()) {
        RecognizedSpec r = recognize_spec(state);
        spec = r.spec;
        note = "recognised as " + spec.name + " from the keys and shapes" +
               (r.note.empty() ? "" : "; " + r.note);
    } else {
        try {
            spec = named_spec(arch);
        } catch (const std::invalid_argument& e) {
            throw WeightsError(e.what());
        }
        // Input channels and classes come from the file, as reslab-cli predict takes them.
        if (const auto* w = find_weight(state, "conv1.weight"); w && w->dim() == 4)
            spec.in_channels = w->size(1);
        if (const auto* w = find_weight(state, "fc.weight"); w && w->dim() == 2)
            spec.classes = w->size(0);
    }
    const Preprocessing pre = preprocessing ? *preprocessing : preprocessing_for(spec);
    auto loaded = build(spec, state, pre, source);
    loaded->note = note;
    return loaded;
}

LoadedNetPtr load_net(const std::string& path, const std::string& arch) {
    namespace fs = std::filesystem;
    if (fs::is_directory(path)) {
        const RunPaths paths(path);
        if (!fs::exists(paths.spec))
            throw WeightsError("'" + path +
                               "' is neither a .pth file nor a run folder (no spec.json)");
        if (!fs::exists(paths.checkpoint))
            throw WeightsError("the run folder '" + path + "' has no checkpoint.pth yet");
        return load_run_net(path, read_state_dict(paths.checkpoint), paths.checkpoint);
    }
    if (!fs::exists(path))
        throw WeightsError("there is no file '" + path + "'");
    return make_net(read_state_dict(path), arch, nullptr, path);
}

LoadedNetPtr
load_run_net(const std::string& folder, const StateDict& state, const std::string& source) {
    const RunConfig config = read_run_folder(folder).config;
    ResNetSpec spec = config.net;
    if (spec.name.empty())
        spec.name = config.name;
    auto loaded =
        build(spec, normalize_keys(state),
              preprocessing_for(spec, config.train.dataset, config.train.downsample), source);
    loaded->labels = labels_for(spec, config.train.dataset);
    return loaded;
}

LoadedNetPtr random_net(const std::string& arch, uint64_t seed) {
    ResNetSpec spec = named_spec(arch);
    auto loaded = std::make_shared<LoadedNet>();
    loaded->spec = spec;
    loaded->net = build_seeded(spec, seed);
    loaded->net->eval();
    loaded->preprocessing = preprocessing_for(spec);
    loaded->labels = labels_for(spec, loaded->preprocessing.dataset);
    loaded->source = "random weights (seed " + std::to_string(seed) + ")";
    return loaded;
}

LoadedNetPtr twin_net(const LoadedNet& net, const std::string& source_path) {
    namespace fs = std::filesystem;
    ResNetSpec spec = twin_of(net.spec);
    if (!source_path.empty() && fs::is_directory(source_path)) {
        // A ResLab experiment keeps its runs side by side: look for the twin among the siblings.
        const fs::path parent = fs::path(source_path).lexically_normal().parent_path();
        std::error_code ec;
        for (const auto& entry :
             fs::directory_iterator(parent.empty() ? fs::path(".") : parent, ec)) {
            if (!entry.is_directory() || fs::equivalent(entry.path(), source_path, ec))
                continue;
            try {
                const RunPaths paths(entry.path().string());
                const RunConfig config = read_run_folder(entry.path().string()).config;
                if (config.net.residual == spec.residual && config.net.blocks == spec.blocks &&
                    config.net.widths == spec.widths && config.net.block == spec.block &&
                    fs::exists(paths.checkpoint)) {
                    auto twin = std::const_pointer_cast<LoadedNet>(load_net(entry.path().string()));
                    twin->note =
                        "the twin run " + entry.path().filename().string() + " of this experiment";
                    return twin;
                }
            } catch (const std::exception&) {
                // Not a run folder, or not this net's twin: keep looking.
            }
        }
    }
    auto twin = std::make_shared<LoadedNet>();
    twin->spec = spec;
    twin->net = ResNet(spec);
    {
        // The same weights wherever the twin has the same parameter: the shortcut alone differs.
        torch::NoGradGuard no_grad;
        const StateDict from = state_dict_of(*net.net);
        for (auto& [name, tensor] : state_dict_of(*twin->net))
            if (const auto* w = find_weight(from, name); w && w->sizes() == tensor.sizes())
                tensor.copy_(*w);
    }
    twin->net->eval();
    twin->preprocessing = net.preprocessing;
    twin->labels = net.labels;
    twin->source = net.source;
    twin->note = std::string("the same weights as ") + net.spec.name + " with the shortcuts " +
                 (spec.residual ? "added" : "removed") + " (no trained twin found)";
    return twin;
}

InputImage read_input_image(const std::string& path, int64_t channels) {
    int file_channels = 0;
    const torch::Tensor own = load_image(path, 0, &file_channels);
    return fit_channels(own, file_channels, channels == 0 ? own.size(0) : channels);
}

InputImage convert_input_image(const InputImage& image, int64_t channels) {
    return fit_channels(image.pixels, image.file_channels, channels);
}

InputImage input_image_from_pixels(
    const uint8_t* data, int64_t height, int64_t width, int64_t file_channels, int64_t channels) {
    if (!data || height <= 0 || width <= 0 || file_channels < 1 || file_channels > 4)
        throw ImageError("the image is empty or has " + std::to_string(file_channels) +
                         " channels");
    torch::Tensor t =
        torch::from_blob(const_cast<uint8_t*>(data), {height, width, file_channels}, torch::kUInt8)
            .permute({2, 0, 1})
            .to(torch::kFloat32)
            .div(255.0);
    t = t.narrow(0, 0, file_channels <= 2 ? 1 : 3); // drop alpha
    return fit_channels(t, static_cast<int>(file_channels), channels == 0 ? t.size(0) : channels);
}

InputImage input_image_from_dataset(const torch::Tensor& image, int64_t channels) {
    torch::Tensor t = image.to(torch::kFloat32).div(255.0);
    if (t.dim() == 4)
        t = t[0];
    return fit_channels(t, static_cast<int>(t.size(0)), channels == 0 ? t.size(0) : channels);
}

torch::Tensor prepare_input(const LoadedNet& net, const torch::Tensor& pixels) {
    const Preprocessing& p = net.preprocessing;
    // The same transforms reslab-cli predict applies (data/image.h).
    if (p.imagenet_crop)
        return preprocess_imagenet(pixels).unsqueeze(0);
    return preprocess_resized(pixels, p.size, p.norm).unsqueeze(0);
}

FeatureMap seen_image(const LoadedNet& net, const torch::Tensor& input) {
    const Normalization& n = net.preprocessing.norm;
    const int64_t c = input.size(1);
    const auto mean = torch::tensor(n.mean).view({1, c, 1, 1});
    const auto std = torch::tensor(n.std).view({1, c, 1, 1});
    return FeatureMap::from_tensor("input", (input * std + mean).clamp(0.0, 1.0));
}

Capture capture(const LoadedNet& net, const torch::Tensor& input) {
    torch::NoGradGuard no_grad;
    Capture c;
    c.arch = net.spec.name;
    c.input = FeatureMap::from_tensor("input", input);
    const torch::Tensor logits = walk(*net.net.ptr(), input, &c, c.responses);
    const torch::Tensor probs = torch::softmax(logits, 1);
    c.logits = FeatureMap::from_tensor("fc", logits).values;
    c.probabilities = FeatureMap::from_tensor("softmax", probs).values;
    return c;
}

FeatureMap grad_cam(const LoadedNet& loaded, const torch::Tensor& input, int64_t cls) {
    torch::AutoGradMode grad(true);
    ResNetImpl& net = *loaded.net.ptr(); // forward() is not const; the weights are not changed
    struct LastStage : ForwardVisitor {
        torch::Tensor features; // the last stage's output: what Grad-CAM weighs
        void head(const torch::Tensor& f, const torch::Tensor&, const torch::Tensor&) override {
            features = f;
        }
    } last;
    const torch::Tensor logits = net.forward(input, &last);
    const torch::Tensor& features = last.features;
    cls = std::clamp<int64_t>(cls, 0, logits.size(1) - 1);
    const torch::Tensor grad_features =
        torch::autograd::grad({logits[0][cls]}, {features}, {}, /*retain_graph=*/false)[0];
    torch::NoGradGuard no_grad;
    const torch::Tensor weights = grad_features.mean({2, 3}, /*keepdim=*/true);
    torch::Tensor cam = torch::relu((weights * features).sum(1, /*keepdim=*/true));
    cam = F::interpolate(cam, F::InterpolateFuncOptions()
                                  .size(std::vector<int64_t>{input.size(2), input.size(3)})
                                  .mode(torch::kBilinear)
                                  .align_corners(false));
    const double top = cam.max().item<double>();
    if (top > 0)
        cam = cam / top;
    return FeatureMap::from_tensor("grad-cam", cam);
}

std::vector<LayerResponse> response_stds(const LoadedNet& net, const torch::Tensor& batch) {
    torch::NoGradGuard no_grad;
    std::vector<LayerResponse> responses;
    walk(*net.net.ptr(), batch, nullptr, responses);
    return responses;
}

std::vector<Prediction>
top_k(const Capture& capture, int64_t k, const std::vector<std::string>& labels) {
    const auto& p = capture.probabilities;
    std::vector<int64_t> order(p.size());
    std::iota(order.begin(), order.end(), int64_t{0});
    k = std::min<int64_t>(k, static_cast<int64_t>(order.size()));
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&p](int64_t a, int64_t b) { return p[a] > p[b]; });
    std::vector<Prediction> out;
    for (int64_t i = 0; i < k; ++i) {
        const int64_t cls = order[i];
        out.push_back({cls,
                       cls < static_cast<int64_t>(labels.size()) ? labels[cls]
                                                                 : "class " + std::to_string(cls),
                       p[cls]});
    }
    return out;
}

} // namespace reslab
