#include "describe.h"

#include <stdexcept>

#include <torch/version.h>

namespace reslab {
namespace {

int64_t count_params(const torch::nn::Module& module) {
    int64_t n = 0;
    for (const auto& p : module.parameters())
        n += p.numel();
    return n;
}

std::string size_text(const torch::ExpandingArray<2>& a) {
    return std::to_string((*a)[0]) + "x" + std::to_string((*a)[1]);
}

/// Builds the graph while following the shape of one image through the net.
class Describer {
public:
    explicit Describer(NetGraph& graph) : m_graph(graph) {}

    int add_group(GraphNode::Level level, std::string name, std::string kind, int parent) {
        GraphNode node;
        node.level = level;
        node.name = std::move(name);
        node.kind = std::move(kind);
        node.parent = parent;
        m_graph.nodes.push_back(std::move(node));
        return static_cast<int>(m_graph.nodes.size()) - 1;
    }

    /// A layer node with shape, params and MACs; adds them to every enclosing node.
    int add_layer(std::string name,
                  std::string kind,
                  int parent,
                  std::vector<int64_t> shape,
                  int64_t params,
                  int64_t macs,
                  std::string detail,
                  bool shortcut = false) {
        const int index = add_group(GraphNode::Level::Layer, std::move(name), std::move(kind), parent);
        GraphNode& node = m_graph.nodes[index];
        node.shape = std::move(shape);
        node.params = params;
        node.macs = macs;
        node.detail = std::move(detail);
        node.shortcut = shortcut;
        for (int p = parent; p >= 0; p = m_graph.nodes[p].parent) {
            m_graph.nodes[p].params += params;
            m_graph.nodes[p].macs += macs;
            m_graph.nodes[p].shape = m_graph.nodes[index].shape;
        }
        m_graph.params += params;
        m_graph.macs += macs;
        return index;
    }

    void connect(int from, int to, GraphEdge::Kind kind) {
        if (from < 0)
            return;
        m_graph.edges.push_back({from, to, kind, m_graph.nodes[from].shape});
    }

    /// A convolution applied to a C x H x W input; returns its node.
    int conv(const std::string& name,
             const torch::nn::Conv2dImpl& conv,
             const std::vector<int64_t>& in,
             int parent,
             bool shortcut = false) {
        const auto& o = conv.options;
        const auto k = *o.kernel_size();
        const auto s = *o.stride();
#if TORCH_VERSION_MAJOR >= 2
        const auto* pad = std::get_if<torch::ExpandingArray<2>>(&o.padding());
#else
        const auto* pad = c10::get_if<torch::ExpandingArray<2>>(&o.padding());
#endif
        const int64_t ph = pad ? (**pad)[0] : 0, pw = pad ? (**pad)[1] : 0;
        const int64_t h = (in[1] + 2 * ph - k[0]) / s[0] + 1;
        const int64_t w = (in[2] + 2 * pw - k[1]) / s[1] + 1;
        if (h < 1 || w < 1)
            throw std::invalid_argument("the input is too small: " + name + " would make an empty map");
        const int64_t c = o.out_channels();
        const int64_t macs = c * h * w * (o.in_channels() / o.groups()) * k[0] * k[1];
        std::string detail = size_text(o.kernel_size()) + ", " + std::to_string(c);
        if (s[0] != 1)
            detail += ", stride " + std::to_string(s[0]);
        return add_layer(name, "conv", parent, {c, h, w}, count_params(conv), macs, detail, shortcut);
    }

    int layer(const std::string& name,
              const std::string& kind,
              const torch::nn::Module* module,
              const std::vector<int64_t>& shape,
              int parent,
              bool shortcut = false) {
        return add_layer(name, kind, parent, shape, module ? count_params(*module) : 0, 0, "",
                         shortcut);
    }

    const std::vector<int64_t>& shape(int node) const { return m_graph.nodes[node].shape; }

private:
    NetGraph& m_graph;
};

} // namespace

std::vector<int> NetGraph::layers() const {
    std::vector<int> out;
    for (size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].level == GraphNode::Level::Layer)
            out.push_back(static_cast<int>(i));
    return out;
}

int NetGraph::find(const std::string& name) const {
    for (size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].name == name)
            return static_cast<int>(i);
    return -1;
}

std::string to_string(GraphEdge::Kind kind) {
    switch (kind) {
    case GraphEdge::Kind::Main: return "main";
    case GraphEdge::Kind::Identity: return "identity";
    case GraphEdge::Kind::PaddedIdentity: return "padded-identity";
    case GraphEdge::Kind::Projection: return "projection";
    }
    return "main";
}

std::string to_string(GraphNode::Level level) {
    switch (level) {
    case GraphNode::Level::Stem: return "stem";
    case GraphNode::Level::Stage: return "stage";
    case GraphNode::Level::Block: return "block";
    case GraphNode::Level::Layer: return "layer";
    case GraphNode::Level::Head: return "head";
    }
    return "layer";
}

NetGraph describe(const ResNetImpl& net, int64_t height, int64_t width) {
    const ResNetSpec& spec = net.spec();
    if (height < 1 || width < 1)
        throw std::invalid_argument("the input size must be positive");
    NetGraph graph;
    graph.arch = spec.name;
    graph.residual = spec.residual;
    graph.input_shape = {spec.in_channels, height, width};
    Describer d(graph);
    using Kind = GraphEdge::Kind;

    const int stem = d.add_group(GraphNode::Level::Stem, "stem", "stem", -1);
    int prev = d.conv("conv1", *net.conv1, graph.input_shape, stem);
    int node = d.layer("bn1", "bn", net.bn1.get(), d.shape(prev), stem);
    d.connect(prev, node, Kind::Main);
    prev = node;
    node = d.layer("relu", "relu", nullptr, d.shape(prev), stem);
    d.connect(prev, node, Kind::Main);
    prev = node;
    if (spec.stem == Stem::ImageNet) {
        const auto& in = d.shape(prev);
        const int64_t h = (in[1] + 2 - 3) / 2 + 1, w = (in[2] + 2 - 3) / 2 + 1;
        node = d.add_layer("maxpool", "maxpool", stem, {in[0], h, w}, 0, 0, "3x3, stride 2");
        d.connect(prev, node, Kind::Main);
        prev = node;
    }

    for (size_t s = 0; s < net.stage_count(); ++s) {
        const std::string stage_name = "layer" + std::to_string(s + 1);
        const auto& blocks = net.stage(s);
        const int stage = d.add_group(GraphNode::Level::Stage, stage_name, "stage", -1);
        graph.nodes[stage].detail = std::to_string(blocks.size()) + " x " + to_string(spec.block) +
                                    ", " + std::to_string(spec.widths[s] * spec.expansion()) + " ch";
        for (size_t b = 0; b < blocks.size(); ++b) {
            const ResidualBlockImpl& block = *blocks[b];
            const std::string prefix = stage_name + "." + std::to_string(b);
            const int block_node = d.add_group(GraphNode::Level::Block, prefix, to_string(spec.block), stage);
            const int input = prev;
            const std::vector<int64_t> in_shape = d.shape(input);

            std::vector<std::pair<const torch::nn::Conv2dImpl*, const torch::nn::BatchNorm2dImpl*>> path;
            if (const auto* basic = dynamic_cast<const BasicBlockImpl*>(&block))
                path = {{basic->conv1.get(), basic->bn1.get()}, {basic->conv2.get(), basic->bn2.get()}};
            else if (const auto* bottle = dynamic_cast<const BottleneckImpl*>(&block))
                path = {{bottle->conv1.get(), bottle->bn1.get()},
                        {bottle->conv2.get(), bottle->bn2.get()},
                        {bottle->conv3.get(), bottle->bn3.get()}};
            int last = input;
            for (size_t i = 0; i < path.size(); ++i) {
                const std::string n = std::to_string(i + 1);
                if (i > 0) {
                    node = d.layer(prefix + ".relu" + std::to_string(i), "relu", nullptr, d.shape(last), block_node);
                    d.connect(last, node, Kind::Main);
                    last = node;
                }
                node = d.conv(prefix + ".conv" + n, *path[i].first, d.shape(last), block_node);
                d.connect(last, node, Kind::Main);
                last = node;
                node = d.layer(prefix + ".bn" + n, "bn", path[i].second, d.shape(last), block_node);
                d.connect(last, node, Kind::Main);
                last = node;
            }
            if (block.residual) {
                int shortcut_end = input;
                Kind kind = block.reshapes() ? Kind::PaddedIdentity : Kind::Identity;
                if (block.downsample) {
                    kind = Kind::Projection;
                    const auto parts = block.downsample->children();
                    const auto* conv = parts.at(0)->as<torch::nn::Conv2d>();
                    node = d.conv(prefix + ".downsample.0", *conv, in_shape, block_node, true);
                    d.connect(input, node, kind);
                    const int bn = d.layer(prefix + ".downsample.1", "bn", parts.at(1).get(),
                                           d.shape(node), block_node, true);
                    d.connect(node, bn, kind);
                    shortcut_end = bn;
                }
                const int add = d.layer(prefix + ".add", "add", nullptr, d.shape(last), block_node);
                if (kind == Kind::PaddedIdentity)
                    graph.nodes[add].detail = "zero-padded shortcut, stride " + std::to_string(block.stride);
                d.connect(last, add, Kind::Main);
                d.connect(shortcut_end, add, kind);
                last = add;
            }
            node = d.layer(prefix + ".relu", "relu", nullptr, d.shape(last), block_node);
            d.connect(last, node, Kind::Main);
            prev = node;
        }
    }

    const int head = d.add_group(GraphNode::Level::Head, "head", "head", -1);
    node = d.add_layer("avgpool", "avgpool", head, {d.shape(prev)[0]}, 0, 0, "global average");
    d.connect(prev, node, Kind::Main);
    prev = node;
    const auto& fc = *net.fc;
    node = d.add_layer("fc", "fc", head, {fc.options.out_features()}, count_params(fc),
                       fc.options.in_features() * fc.options.out_features(),
                       std::to_string(fc.options.in_features()) + " -> " +
                           std::to_string(fc.options.out_features()));
    d.connect(prev, node, Kind::Main);
    return graph;
}

} // namespace reslab
