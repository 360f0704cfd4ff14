#include "onnx_export.h"

#include <limits>
#include <string>
#include <vector>

#include <torch/version.h>

#include "atomicfile.h"
#include "nets/resnet.h"

#ifdef RESLAB_WITH_ONNX
#include <onnx/onnx_pb.h>
#endif

namespace reslab {

void require_onnx_export() {
    if (!onnx_export_available())
        throw OnnxError("this ResLab was built without ONNX export: install Debian's libonnx-dev "
                        "and build it again");
}

#ifndef RESLAB_WITH_ONNX

bool onnx_export_available() {
    return false;
}

void write_onnx(const ResNetImpl&, int64_t, const std::string&) {
    require_onnx_export();
}

#else

namespace {

constexpr int64_t kOpset = 13;

// A conv's explicit padding: c10::variant before LibTorch 2.1, std::variant since.
template <typename Padding> const torch::ExpandingArray<2>& explicit_padding(const Padding& p) {
#if TORCH_VERSION_MAJOR < 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR < 1)
    return c10::get<torch::ExpandingArray<2>>(p);
#else
    return std::get<torch::ExpandingArray<2>>(p);
#endif
}

/// The graph under construction: nodes in running order, weights as initializers.
class GraphWriter {
public:
    explicit GraphWriter(onnx::GraphProto& graph) : m_graph(graph) {}

    void weight(const std::string& name, const torch::Tensor& t) {
        const torch::Tensor values = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
        onnx::TensorProto* init = m_graph.add_initializer();
        init->set_name(name);
        init->set_data_type(onnx::TensorProto::FLOAT);
        for (const int64_t d : values.sizes())
            init->add_dims(d);
        init->set_raw_data(values.data_ptr(), values.numel() * sizeof(float));
    }

    void ints(const std::string& name, const std::vector<int64_t>& values) {
        onnx::TensorProto* init = m_graph.add_initializer();
        init->set_name(name);
        init->set_data_type(onnx::TensorProto::INT64);
        init->add_dims(static_cast<int64_t>(values.size()));
        for (const int64_t v : values)
            init->add_int64_data(v);
    }

    onnx::NodeProto&
    node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs) {
        onnx::NodeProto* n = m_graph.add_node();
        n->set_op_type(op);
        n->set_name(name);
        for (const auto& input : inputs)
            n->add_input(input);
        n->add_output(name); // a node's output is named after it
        return *n;
    }

    static void attribute(onnx::NodeProto& n, const std::string& name, std::vector<int64_t> v) {
        onnx::AttributeProto* a = n.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INTS);
        for (const int64_t x : v)
            a->add_ints(x);
    }
    static void attribute(onnx::NodeProto& n, const std::string& name, int64_t v) {
        onnx::AttributeProto* a = n.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(v);
    }
    static void attribute(onnx::NodeProto& n, const std::string& name, float v) {
        onnx::AttributeProto* a = n.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::FLOAT);
        a->set_f(v);
    }

    std::string
    conv(const torch::nn::Conv2dImpl& conv, const std::string& name, const std::string& x) {
        const auto& o = conv.options;
        weight(name + ".weight", conv.weight);
        std::vector<std::string> inputs{x, name + ".weight"};
        if (conv.bias.defined() && conv.bias.numel() > 0) {
            weight(name + ".bias", conv.bias);
            inputs.push_back(name + ".bias");
        }
        const auto& padding = explicit_padding(o.padding());
        onnx::NodeProto& n = node("Conv", name, inputs);
        attribute(n, "dilations", std::vector<int64_t>{o.dilation()->at(0), o.dilation()->at(1)});
        attribute(n, "group", int64_t{o.groups()});
        attribute(n, "kernel_shape",
                  std::vector<int64_t>{o.kernel_size()->at(0), o.kernel_size()->at(1)});
        attribute(
            n, "pads",
            std::vector<int64_t>{padding->at(0), padding->at(1), padding->at(0), padding->at(1)});
        attribute(n, "strides", std::vector<int64_t>{o.stride()->at(0), o.stride()->at(1)});
        return name;
    }

    std::string
    bn(const torch::nn::BatchNorm2dImpl& bn, const std::string& name, const std::string& x) {
        weight(name + ".weight", bn.weight);
        weight(name + ".bias", bn.bias);
        weight(name + ".running_mean", bn.running_mean);
        weight(name + ".running_var", bn.running_var);
        onnx::NodeProto& n = node(
            "BatchNormalization", name,
            {x, name + ".weight", name + ".bias", name + ".running_mean", name + ".running_var"});
        attribute(n, "epsilon", static_cast<float>(bn.options.eps()));
        // ONNX's momentum weighs the old statistic, PyTorch's the new one.
        attribute(n, "momentum", static_cast<float>(1.0 - bn.options.momentum().value_or(0.1)));
        return name;
    }

    std::string relu(const std::string& name, const std::string& x) {
        node("Relu", name, {x});
        return name;
    }

private:
    onnx::GraphProto& m_graph;
};

void value_info(onnx::ValueInfoProto& v,
                const std::string& name,
                const std::vector<int64_t>& dims /* -1: the free batch */) {
    v.set_name(name);
    onnx::TypeProto_Tensor* t = v.mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    for (const int64_t d : dims) {
        onnx::TensorShapeProto_Dimension* dim = t->mutable_shape()->add_dim();
        if (d < 0)
            dim->set_dim_param("batch");
        else
            dim->set_dim_value(d);
    }
}

/// One block, as BasicBlock::forward and Bottleneck::forward run it: the residual branch, then
/// the shortcut (identity, option A's subsample-and-pad, or the projection), the addition and the
/// ReLU.
std::string block(GraphWriter& g,
                  const ResidualBlockImpl& block,
                  const std::string& name,
                  const std::string& x) {
    std::string out;
    if (const auto* basic = dynamic_cast<const BasicBlockImpl*>(&block)) {
        out = g.relu(name + ".relu",
                     g.bn(*basic->bn1, name + ".bn1", g.conv(*basic->conv1, name + ".conv1", x)));
        out = g.bn(*basic->bn2, name + ".bn2", g.conv(*basic->conv2, name + ".conv2", out));
    } else {
        const auto& b = dynamic_cast<const BottleneckImpl&>(block);
        out = g.relu(name + ".relu1",
                     g.bn(*b.bn1, name + ".bn1", g.conv(*b.conv1, name + ".conv1", x)));
        out = g.relu(name + ".relu2",
                     g.bn(*b.bn2, name + ".bn2", g.conv(*b.conv2, name + ".conv2", out)));
        out = g.bn(*b.bn3, name + ".bn3", g.conv(*b.conv3, name + ".conv3", out));
    }
    if (!block.residual)
        return g.relu(name + ".relu_out", out);
    std::string shortcut = x;
    if (block.downsample) {
        const auto conv =
            std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(block.downsample->ptr(0));
        const auto bn =
            std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(block.downsample->ptr(1));
        if (!conv || !bn)
            throw OnnxError(name + ".downsample is not a convolution and a batch norm");
        shortcut = g.bn(*bn, name + ".downsample.1", g.conv(*conv, name + ".downsample.0", x));
    } else if (block.reshapes()) {
        // Option A: x[:, :, ::s, ::s], then zero channels padded half before and half after.
        const std::string slice = name + ".shortcut.slice";
        g.ints(slice + ".starts", {0, 0});
        g.ints(slice + ".ends",
               {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max()});
        g.ints(slice + ".axes", {2, 3});
        g.ints(slice + ".steps", {block.stride, block.stride});
        g.node("Slice", slice,
               {x, slice + ".starts", slice + ".ends", slice + ".axes", slice + ".steps"});
        const int64_t extra = block.out_planes - block.in_planes;
        const std::string pad = name + ".shortcut.pad";
        g.ints(pad + ".pads", {0, extra / 2, 0, 0, 0, extra - extra / 2, 0, 0});
        g.node("Pad", pad, {slice, pad + ".pads"});
        shortcut = pad;
    }
    g.node("Add", name + ".add", {out, shortcut});
    return g.relu(name + ".relu_out", name + ".add");
}

} // namespace

bool onnx_export_available() {
    return true;
}

void write_onnx(const ResNetImpl& net, int64_t input_side, const std::string& path) {
    const ResNetSpec& spec = net.spec();
    onnx::ModelProto model;
    model.set_ir_version(onnx::IR_VERSION);
    model.set_producer_name("ResLab");
    model.set_producer_version(RESLAB_VERSION);
    model.set_doc_string(spec.name + (spec.residual ? "" : " (plain: no shortcuts)"));
    onnx::OperatorSetIdProto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(kOpset);
    onnx::GraphProto& graph = *model.mutable_graph();
    graph.set_name(spec.name);
    value_info(*graph.add_input(), "input", {-1, spec.in_channels, input_side, input_side});
    GraphWriter g(graph);

    std::string x = g.relu("relu", g.bn(*net.bn1, "bn1", g.conv(*net.conv1, "conv1", "input")));
    if (spec.stem == Stem::ImageNet) {
        onnx::NodeProto& pool = g.node("MaxPool", "maxpool", {x});
        GraphWriter::attribute(pool, "kernel_shape", std::vector<int64_t>{3, 3});
        GraphWriter::attribute(pool, "pads", std::vector<int64_t>{1, 1, 1, 1});
        GraphWriter::attribute(pool, "strides", std::vector<int64_t>{2, 2});
        x = "maxpool";
    }
    for (size_t s = 0; s < net.stage_count(); ++s)
        for (size_t b = 0; b < net.stage(s).size(); ++b)
            x = block(g, *net.stage(s)[b], ResNetImpl::block_name(s, b), x);
    g.node("GlobalAveragePool", "avgpool", {x});
    onnx::NodeProto& flatten = g.node("Flatten", "flatten", {"avgpool"});
    GraphWriter::attribute(flatten, "axis", int64_t{1});
    g.weight("fc.weight", net.fc->weight);
    g.weight("fc.bias", net.fc->bias);
    onnx::NodeProto& fc = g.node("Gemm", "fc", {"flatten", "fc.weight", "fc.bias"});
    GraphWriter::attribute(fc, "alpha", 1.0f);
    GraphWriter::attribute(fc, "beta", 1.0f);
    GraphWriter::attribute(fc, "transB", int64_t{1});
    fc.set_output(0, "logits");
    value_info(*graph.add_output(), "logits", {-1, spec.classes});

    std::string bytes;
    if (!model.SerializeToString(&bytes))
        throw OnnxError("cannot write '" + path + "': the model does not serialise (over 2 GiB?)");
    try {
        write_text_atomically(path, bytes);
    } catch (const std::runtime_error& e) {
        throw OnnxError(e.what());
    }
}

#endif

} // namespace reslab
