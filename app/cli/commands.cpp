#include "commands.h"
#include "landscape_command.h"
#include "train_commands.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <torch/nn/functional/activation.h>
#include <torch/utils.h>

#include "data/dataset.h"
#include "data/facts.h"
#include "data/image.h"
#include "data/labels.h"
#include "inspect/describe.h"
#include "inspect/graph_json.h"
#include "inspect/inspector.h"
#include "io/onnx_export.h"
#include "io/runfolder.h"
#include "io/weights.h"
#include "nets/resnet.h"
#include "train/devices.h"
#include "train/run.h"

namespace reslab::cli {
namespace {

/// A problem with what the user asked for: printed as is, exit status 1.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The options every command that builds a net shares.
struct NetOptions {
    std::string arch;
    std::optional<int64_t> in_channels;
    std::optional<int64_t> classes;
    std::optional<std::string> shortcut;

    void add_to(CLI::App& cmd) {
        cmd.add_option("--arch", arch, "architecture: resnet18..152, resnet20..1202, plainN");
        cmd.add_option("--in-channels", in_channels, "input channels (default: the spec's, 3)")
            ->check(CLI::Range(1, 64));
        cmd.add_option("--classes", classes, "output classes (default: the spec's)")
            ->check(CLI::Range(1, 100000));
        cmd.add_option("--shortcut", shortcut, "shortcut option A, B or C (default: the spec's)")
            ->check(CLI::IsMember({"A", "B", "C", "a", "b", "c"}));
    }

    ResNetSpec spec() const {
        if (arch.empty())
            throw UsageError("give the architecture: --arch NAME");
        ResNetSpec s = named_spec(arch);
        if (in_channels)
            s.in_channels = *in_channels;
        if (classes)
            s.classes = *classes;
        if (shortcut)
            s.shortcut = shortcut_from_string(*shortcut);
        return s;
    }
};

/// Refuses an output file that is one of the command's inputs (predict --output-tensor over its
/// --weights) or a run's own checkpoint or trainer state (init --out DIR/checkpoint.pth): writing
/// it would replace what the user has with what the command makes.
void refuse_overwriting(const std::string& out,
                        const char* option,
                        const std::vector<std::pair<const char*, std::string>>& inputs) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path target = fs::weakly_canonical(out, ec);
    for (const auto& [name, input] : inputs)
        if (!input.empty() && fs::weakly_canonical(input, ec) == target)
            throw UsageError(std::string(option) + " '" + out + "' is the " + name +
                             " it reads: writing it would replace it; name another file");
    const fs::path folder = target.parent_path();
    const std::string file = target.filename().string();
    if ((file == "checkpoint.pth" || file == "trainer.pth") && fs::exists(folder / "spec.json", ec))
        throw UsageError(std::string(option) + " '" + out + "' is the " + file +
                         " of the run in '" + folder.string() +
                         "': writing it would replace the run's weights; name "
                         "another file");
}

int info(const NetOptions& net_options,
         const std::string& run,
         std::optional<int64_t> input_size,
         bool json) {
    ResNetSpec spec;
    int64_t size = 0;
    if (!run.empty()) {
        // The net a run trains, at the size of the images it sees (the block graph of the run).
        const RunFolder folder = read_run_folder(run);
        spec = folder.config.net;
        size = input_size.value_or(folder.input_side());
    } else {
        spec = net_options.spec();
        size = input_size.value_or(spec.input_size);
    }
    const NetGraph graph = describe(spec, size, size);
    std::cout << (json ? graph_to_json(graph) + "\n" : graph_to_table(graph));
    return 0;
}

int init(const NetOptions& net_options, uint64_t seed, const std::string& out) {
    refuse_overwriting(out, "--out", {});
    ResNet net = build_seeded(net_options.spec(), seed);
    write_state_dict(state_dict_of(*net), out);
    std::cerr << "wrote " << net->spec().name << " (" << parameter_count(*net)
              << " parameters, seed " << seed << ") to " << out << "\n";
    return 0;
}

/// Finds a tensor in a state_dict by any of the names tools save it under.
const torch::Tensor* find_weight(const StateDict& state, const std::string& name) {
    for (const auto& [key, tensor] : state)
        if (key == name)
            return &tensor;
    return nullptr;
}

int export_onnx(const NetOptions& net_options,
                const std::string& weights,
                uint64_t seed,
                const std::string& out) {
    require_onnx_export();
    refuse_overwriting(out, "--out", {{"--weights file", weights}});
    LoadedNetPtr loaded;
    if (!weights.empty()) {
        loaded = load_net(weights, net_options.arch);
    } else {
        auto net = std::make_shared<LoadedNet>();
        net->spec = net_options.spec();
        net->net = build_seeded(net->spec, seed);
        loaded = net;
    }
    // The side the net sees: a run's (14 for the degradation preset), else the spec's own.
    const int64_t side = weights.empty() ? loaded->spec.input_size : loaded->preprocessing.size;
    write_onnx(*loaded->net, side, out);
    std::printf("wrote %s (%lld parameters, input N x %lld x %lld x %lld) to %s\n",
                loaded->spec.name.c_str(), static_cast<long long>(parameter_count(*loaded->net)),
                static_cast<long long>(loaded->spec.in_channels), static_cast<long long>(side),
                static_cast<long long>(side), out.c_str());
    return 0;
}

struct PredictOptions {
    std::string weights;
    std::string image;
    std::string input_tensor;
    std::string output_tensor;
    int64_t topk = 5;
    std::string labels;
    std::string normalization;
    std::string device = "cpu";
};

std::string default_dataset(const ResNetSpec& spec) {
    if (spec.stem == Stem::ImageNet)
        return "imagenet";
    return spec.in_channels == 1 ? "fashion-mnist" : "cifar10";
}

/// An input tensor file as float, N x C x H x W (a C x H x W one gets N = 1). A tensor expanded
/// by stride 0 holds a few numbers and claims billions: refused before converting it or running
/// the net on it would write them all out.
torch::Tensor read_input_tensor(const std::string& path) {
    constexpr int64_t kMaxInputElements = int64_t{1} << 28; // 1 GiB of floats
    torch::Tensor input = read_tensor_file(path);
    if (input.numel() > kMaxInputElements)
        throw UsageError("the input tensor '" + path + "' has shape " + c10::str(input.sizes()) +
                         ", " + std::to_string(input.numel()) + " elements: more than the " +
                         std::to_string(kMaxInputElements) + " a net is run on at once");
    if (input.numel() == 0)
        throw UsageError("the input tensor '" + path + "' has shape " + c10::str(input.sizes()) +
                         ": it holds no values, so there is nothing to predict");
    input = input.to(torch::kFloat32);
    return input.dim() == 3 ? input.unsqueeze(0) : input;
}

/// Refuses an input whose forward pass would not fit in memory, before it runs: a 1 x 3 x 16384
/// x 5461 tensor is within read_input_tensor's bound, and resnet20's first maps of it are 5.7 GB
/// each. Twice the largest map of one image (from the net's description at the input's size)
/// and the image, times the batch, as floats, against the memory a file may take.
void check_forward_fits(const ResNetSpec& spec,
                        const torch::Tensor& input,
                        const std::string& what) {
    if (input.dim() != 4 || input.size(2) < 1 || input.size(3) < 1)
        return; // the shape check that follows says what is wrong
    const NetGraph graph = describe(spec, input.size(2), input.size(3));
    double largest = 0;
    for (const auto& node : graph.nodes) {
        double elements = 1;
        for (const int64_t d : node.shape)
            elements *= static_cast<double>(d);
        largest = std::max(largest, elements);
    }
    // A layer's input and output are held at once, beside the input itself.
    const double image = static_cast<double>(input.numel() / std::max<int64_t>(1, input.size(0)));
    const double bytes = 4.0 * (2.0 * largest + image) * static_cast<double>(input.size(0));
    if (bytes > static_cast<double>(file_memory_budget()))
        throw UsageError(what + " has shape " + c10::str(input.sizes()) + ": " + spec.name +
                         "'s forward pass over it holds " +
                         std::to_string(static_cast<int64_t>(bytes / double(1 << 20))) +
                         " MiB, more than " + std::to_string(file_memory_budget() >> 20) +
                         " MiB (a quarter of this machine's memory): give a smaller input");
}

/// predict on a run folder: its net, checkpoint and preprocessing, through the inspector's own
/// functions, so the window and the CLI feed the same weights the same pixels.
int predict_run(const PredictOptions& o) {
    const LoadedNetPtr net = load_net(o.weights);
    torch::Tensor input;
    if (!o.input_tensor.empty()) {
        input = read_input_tensor(o.input_tensor);
    } else {
        input = prepare_input(*net, load_image(o.image, net->spec.in_channels));
    }
    check_forward_fits(net->spec, input,
                       o.input_tensor.empty() ? "the image"
                                              : "the input tensor '" + o.input_tensor + "'");
    if (input.dim() != 4 || input.size(1) != net->spec.in_channels)
        throw UsageError("the input has shape " + c10::str(input.sizes()) + "; the net takes N x " +
                         std::to_string(net->spec.in_channels) + " x H x W");
    torch::NoGradGuard no_grad;
    ResNet model = net->net; // a holder of the same module: LoadedNet itself is immutable
    const torch::Tensor logits = model->forward(input);
    if (!o.output_tensor.empty())
        write_tensor_file(logits, o.output_tensor);
    const torch::Tensor probs = torch::softmax(logits, 1);
    const int64_t k = std::min<int64_t>(o.topk, net->spec.classes);
    const auto [values, indices] = probs.topk(k, 1);
    std::printf("%s (%s)\n", net->source.c_str(), net->preprocessing.describe().c_str());
    for (int64_t i = 0; i < k; ++i) {
        const int64_t cls = indices[0][i].item<int64_t>();
        const std::string name = cls < static_cast<int64_t>(net->labels.size())
                                     ? net->labels[cls]
                                     : "class " + std::to_string(cls);
        std::printf("%2lld  %6.2f%%  %4lld  %s\n", static_cast<long long>(i + 1),
                    100.0 * values[0][i].item<double>(), static_cast<long long>(cls), name.c_str());
    }
    std::fflush(stdout);
    return 0;
}

int predict(NetOptions net_options, const PredictOptions& o) {
    if (!o.output_tensor.empty())
        refuse_overwriting(o.output_tensor, "--output-tensor",
                           {{"--weights file", o.weights},
                            {"--input-tensor file", o.input_tensor},
                            {"--image", o.image},
                            {"--labels file", o.labels}});
    if (std::filesystem::is_directory(o.weights))
        return predict_run(o);
    if (net_options.arch.empty())
        throw UsageError("predict needs --arch for a weights file (a run folder says its own)");
    const StateDict state = normalize_keys(read_state_dict(o.weights));
    // Unless told otherwise, take input channels and classes from the file, so a 1-channel,
    // 10-class Fashion-MNIST net loads without extra flags.
    if (!net_options.in_channels)
        if (const auto* w = find_weight(state, "conv1.weight"); w && w->dim() == 4)
            net_options.in_channels = w->size(1);
    if (!net_options.classes)
        if (const auto* w = find_weight(state, "fc.weight"); w && w->dim() == 2)
            net_options.classes = w->size(0);
    // What the file's shapes say, held to the options' own limits (--in-channels, --classes).
    if (net_options.in_channels && (*net_options.in_channels < 1 || *net_options.in_channels > 64))
        throw UsageError("the weights in '" + o.weights + "' take " +
                         std::to_string(*net_options.in_channels) +
                         " input channels (conv1.weight), outside 1 to 64");
    if (net_options.classes && (*net_options.classes < 1 || *net_options.classes > 100000))
        throw UsageError("the weights in '" + o.weights + "' have " +
                         std::to_string(*net_options.classes) +
                         " classes (fc.weight), outside 1 to 100000");
    const ResNetSpec spec = net_options.spec();
    const torch::Device device = parse_device(o.device);
    ResNet net(spec);
    load_state_dict(*net, state, o.weights);
    net->to(device);
    net->eval();

    torch::Tensor input;
    if (!o.input_tensor.empty()) {
        input = read_input_tensor(o.input_tensor);
        if (input.dim() != 4 || input.size(1) != spec.in_channels)
            throw UsageError("the input tensor '" + o.input_tensor + "' has shape " +
                             c10::str(input.sizes()) + "; the net takes N x " +
                             std::to_string(spec.in_channels) + " x H x W");
        check_forward_fits(spec, input, "the input tensor '" + o.input_tensor + "'");
    } else {
        const torch::Tensor image = load_image(o.image, spec.in_channels);
        // The data set's size and mean/std, as the window's inspector takes them.
        const Preprocessing pre = preprocessing_for(
            spec, o.normalization.empty() ? default_dataset(spec) : o.normalization);
        input = pre.imagenet_crop ? preprocess_imagenet(image).unsqueeze(0)
                                  : preprocess_resized(image, pre.size, pre.norm).unsqueeze(0);
    }

    std::vector<std::string> names;
    if (!o.labels.empty()) {
        names = class_labels(o.labels);
        if (static_cast<int64_t>(names.size()) < spec.classes)
            throw UsageError("the label file '" + o.labels + "' names " +
                             std::to_string(names.size()) + " classes, the net has " +
                             std::to_string(spec.classes) + ": give a list of at least as many");
    } else if (spec.classes == 1000) {
        names = class_labels("imagenet");
    } else if (spec.classes == 10) {
        names = class_labels(spec.in_channels == 1 ? "fashion-mnist" : "cifar10");
    }

    torch::NoGradGuard no_grad;
    const torch::Tensor logits = net->forward(input.to(device)).to(torch::kCPU);
    if (!o.output_tensor.empty())
        write_tensor_file(logits, o.output_tensor);

    const torch::Tensor probs = torch::softmax(logits, 1);
    const int64_t k = std::min<int64_t>(o.topk, spec.classes);
    const auto [values, indices] = probs.topk(k, 1);
    for (int64_t n = 0; n < probs.size(0); ++n) {
        if (probs.size(0) > 1)
            std::cout << "input " << n << "\n";
        for (int64_t i = 0; i < k; ++i) {
            const int64_t cls = indices[n][i].item<int64_t>();
            const std::string name = cls < static_cast<int64_t>(names.size())
                                         ? names[cls]
                                         : "class " + std::to_string(cls);
            std::printf("%2lld  %6.2f%%  %4lld  %s\n", static_cast<long long>(i + 1),
                        100.0 * values[n][i].item<double>(), static_cast<long long>(cls),
                        name.c_str());
        }
    }
    std::fflush(stdout);
    return 0;
}

/// The option that gave a value model/ refuses by its spec.json field ("the field 'warmup_steps'
/// is out of range"), as " (--warmup)"; "" for a message that names no such field.
std::string option_named_by(const std::string& message) {
    static const std::pair<const char*, const char*> kFields[] = {
        {"'warmup_steps'", "--warmup"},
        {"'warmup_lr'", "--warmup-lr"},
        {"'eval_every'", "--eval-every"},
        {"'eval_subset'", "--eval-subset"},
        {"'probe_every'", "--probe-every"},
        {"'record_every'", "--record-every"},
        {"'threads'", "--threads"},
        {"'parallel_runs'", "--parallel-runs"},
        {"'downsample'", "--downsample"},
        {"'batch_size'", "--batch"},
        {"'snapshots'", "--snapshots"},
        {"'steps'", "--steps"},
        {"'epochs'", "--epochs"},
        {"'lr'", "--lr"},
        {"'device'", "--device"},
        {"'precision'", "--precision"},
        {"cannot downsample", "--downsample"}};
    // Only where the CLI described the run it was asked for: a spec.json read back names its file.
    if (message.find("cannot be described") == std::string::npos &&
        message.find("cannot downsample") == std::string::npos)
        return "";
    for (const auto& [field, option] : kFields)
        if (message.find(field) != std::string::npos)
            return std::string(" (") + option + ")";
    return "";
}

} // namespace

int run(int argc, char** argv) {
    reuse_freed_memory();
    // LibTorch starts with one intra-op thread here; use every core.
    set_intra_op_threads(0);

    CLI::App app{"reslab-cli: residual networks without a window (ResLab)"};
    app.require_subcommand(1);

    NetOptions info_net;
    std::optional<int64_t> input_size;
    bool json = false;
    auto* info_cmd =
        app.add_subcommand("info", "print a net's layers, shapes, parameters and MACs");
    info_net.add_to(*info_cmd);
    info_cmd->add_option("--input-size", input_size, "input side in pixels (default: the spec's)")
        ->check(CLI::Range(1, 4096));
    info_cmd->add_flag("--json", json, "print one JSON object instead of a table");
    std::string info_run;
    info_cmd->add_option("--run", info_run, "a run folder: the net it trains, at its input size")
        ->excludes(info_cmd->get_option("--arch"));

    NetOptions init_net;
    uint64_t seed = 0;
    std::string out;
    auto* init_cmd = app.add_subcommand("init", "write a freshly initialised net's weights");
    init_net.add_to(*init_cmd);
    init_cmd->add_option("--seed", seed, "random seed")->required();
    init_cmd->add_option("--out", out, "the .pth file to write")->required();

    NetOptions predict_net;
    PredictOptions p;
    auto* predict_cmd =
        app.add_subcommand("predict", "run a net on an image or a tensor (eval mode)");
    predict_net.add_to(*predict_cmd);
    predict_cmd
        ->add_option("--weights", p.weights, "a .pth state_dict, or a run folder (its checkpoint)")
        ->required();
    auto* image_opt = predict_cmd->add_option("--image", p.image, "an image file (PNG, JPEG, BMP)");
    auto* tensor_opt = predict_cmd->add_option("--input-tensor", p.input_tensor,
                                               "an N x C x H x W tensor saved with torch.save");
    image_opt->excludes(tensor_opt);
    predict_cmd->add_option("--output-tensor", p.output_tensor,
                            "write the logits here (torch.load reads it)");
    predict_cmd->add_option("--topk", p.topk, "how many classes to print")
        ->check(CLI::Range(1, 100000));
    predict_cmd->add_option("--labels", p.labels,
                            "imagenet, cifar10, fashion-mnist, mnist or a file");
    predict_cmd
        ->add_option("--normalize", p.normalization,
                     "the data set whose mean/std the net expects (default: from the net)")
        ->check(CLI::IsMember({"imagenet", "cifar10", "fashion-mnist", "mnist"}));
    predict_cmd->add_option("--device", p.device, "cpu or cuda");

    NetOptions export_net;
    std::string export_weights, export_out, export_format = "onnx";
    uint64_t export_seed = 0;
    auto* export_cmd = app.add_subcommand(
        "export", "write a net with its weights as ONNX, for Netron and ONNX Runtime");
    export_net.add_to(*export_cmd);
    export_cmd->add_option("--format", export_format, "onnx")->check(CLI::IsMember({"onnx"}));
    export_cmd->add_option("--weights", export_weights,
                           "a .pth state_dict, or a run folder (default: seeded initial weights)");
    export_cmd->add_option("--seed", export_seed,
                           "the seed of the initial weights, without --weights");
    export_cmd->add_option("--out", export_out, "the .onnx file to write")->required();

    auto run_training = add_train_commands(app);
    auto run_landscape = add_landscape_command(app);

    CLI11_PARSE(app, argc, argv);

    try {
        if (*info_cmd)
            return info(info_net, info_run, input_size, json);
        if (*init_cmd)
            return init(init_net, seed, out);
        if (*export_cmd)
            return export_onnx(export_net, export_weights, export_seed, export_out);
        if (const int status = run_training(); status >= 0)
            return status;
        if (const int status = run_landscape(); status >= 0)
            return status;
        if (*predict_cmd) {
            if (p.image.empty() && p.input_tensor.empty())
                throw UsageError("predict needs --image or --input-tensor");
            return predict(predict_net, p);
        }
    } catch (const std::exception& e) {
        // c10::Error carries a C++ backtrace after its first line; the first line is what matters.
        std::string message = e.what();
        if (dynamic_cast<const c10::Error*>(&e))
            message = message.substr(0, message.find('\n'));
        if (dynamic_cast<const DataFolderNotGiven*>(&e))
            message += " (--data-dir)";
        message += option_named_by(message);
        std::cerr << "reslab-cli: error: " << message << "\n";
        return 1;
    }
    return 0;
}

} // namespace reslab::cli
