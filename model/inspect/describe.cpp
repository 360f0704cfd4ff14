#include "describe.h"

#include <stdexcept>

namespace reslab {
namespace {

/// A convolution as ResNetImpl builds it (no bias, square kernel), which is all a description
/// needs.
struct Conv {
    int64_t in = 0, out = 0, kernel = 1, stride = 1, padding = 0;
};

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
        const int index =
            add_group(GraphNode::Level::Layer, std::move(name), std::move(kind), parent);
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
             const Conv& c,
             const std::vector<int64_t>& in,
             int parent,
             bool shortcut = false) {
        const int64_t h = (in[1] + 2 * c.padding - c.kernel) / c.stride + 1;
        const int64_t w = (in[2] + 2 * c.padding - c.kernel) / c.stride + 1;
        if (h < 1 || w < 1)
            throw std::invalid_argument("the input is too small: " + name +
                                        " would make an empty map");
        const int64_t weights = c.out * c.in * c.kernel * c.kernel;
        std::string detail = std::to_string(c.kernel) + "x" + std::to_string(c.kernel) + ", " +
                             std::to_string(c.out);
        if (c.stride != 1)
            detail += ", stride " + std::to_string(c.stride);
        return add_layer(name, "conv", parent, {c.out, h, w}, weights, weights * h * w, detail,
                         shortcut);
    }

    /// A layer without MACs: batch norm (a weight and a bias per channel), ReLU, the addition.
    int layer(const std::string& name,
              const std::string& kind,
              const std::vector<int64_t>& shape,
              int parent,
              bool shortcut = false) {
        const int64_t params = kind == "bn" ? 2 * shape.at(0) : 0;
        return add_layer(name, kind, parent, shape, params, 0, "", shortcut);
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
    case GraphEdge::Kind::Main:
        return "main";
    case GraphEdge::Kind::Identity:
        return "identity";
    case GraphEdge::Kind::PaddedIdentity:
        return "padded-identity";
    case GraphEdge::Kind::Projection:
        return "projection";
    }
    return "main";
}

std::string to_string(GraphNode::Level level) {
    switch (level) {
    case GraphNode::Level::Stem:
        return "stem";
    case GraphNode::Level::Stage:
        return "stage";
    case GraphNode::Level::Block:
        return "block";
    case GraphNode::Level::Layer:
        return "layer";
    case GraphNode::Level::Head:
        return "head";
    }
    return "layer";
}

NetGraph describe(const ResNetSpec& spec, int64_t height, int64_t width) {
    if (height < 1 || width < 1)
        throw std::invalid_argument("the input size must be positive");
    if (spec.blocks.empty() || spec.blocks.size() != spec.widths.size())
        throw std::invalid_argument("a ResNetSpec needs as many stage widths as stages");
    NetGraph graph;
    graph.arch = spec.name;
    graph.residual = spec.residual;
    graph.input_shape = {spec.in_channels, height, width};
    Describer d(graph);
    using Kind = GraphEdge::Kind;

    // The stem, as ResNetImpl builds it: torchvision's 7x7/2 and max pool, or the paper's CIFAR
    // 3x3.
    const int stem = d.add_group(GraphNode::Level::Stem, "stem", "stem", -1);
    const Conv stem_conv = spec.stem == Stem::ImageNet
                               ? Conv{spec.in_channels, spec.stem_width, 7, 2, 3}
                               : Conv{spec.in_channels, spec.stem_width, 3, 1, 1};
    int prev = d.conv("conv1", stem_conv, graph.input_shape, stem);
    int node = d.layer("bn1", "bn", d.shape(prev), stem);
    d.connect(prev, node, Kind::Main);
    prev = node;
    node = d.layer("relu", "relu", d.shape(prev), stem);
    d.connect(prev, node, Kind::Main);
    prev = node;
    if (spec.stem == Stem::ImageNet) {
        const auto& in = d.shape(prev);
        const int64_t h = (in[1] + 2 - 3) / 2 + 1, w = (in[2] + 2 - 3) / 2 + 1;
        node = d.add_layer("maxpool", "maxpool", stem, {in[0], h, w}, 0, 0, "3x3, stride 2");
        d.connect(prev, node, Kind::Main);
        prev = node;
    }

    int64_t in_planes = spec.stem_width;
    for (size_t s = 0; s < spec.blocks.size(); ++s) {
        const std::string stage_name = "layer" + std::to_string(s + 1);
        const int64_t planes = spec.widths[s];
        const int64_t out_planes = planes * spec.expansion();
        const int stage = d.add_group(GraphNode::Level::Stage, stage_name, "stage", -1);
        graph.nodes[stage].detail = std::to_string(spec.blocks[s]) + " x " + to_string(spec.block) +
                                    ", " + std::to_string(out_planes) + " ch";
        for (int64_t b = 0; b < spec.blocks[s]; ++b) {
            // As ResNetImpl and the blocks build them (torchvision's layout): the first block of
            // every stage but the first halves the map, in a Bottleneck's 3x3 conv.
            const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
            const bool reshapes = stride != 1 || in_planes != out_planes;
            const std::string prefix = stage_name + "." + std::to_string(b);
            const int block_node =
                d.add_group(GraphNode::Level::Block, prefix, to_string(spec.block), stage);
            const int input = prev;
            const std::vector<int64_t> in_shape = d.shape(input);

            std::vector<Conv> path;
            if (spec.block == BlockKind::Basic)
                path = {{in_planes, planes, 3, stride, 1}, {planes, planes, 3, 1, 1}};
            else
                path = {{in_planes, planes, 1, 1, 0},
                        {planes, planes, 3, stride, 1},
                        {planes, out_planes, 1, 1, 0}};
            int last = input;
            for (size_t i = 0; i < path.size(); ++i) {
                const std::string n = std::to_string(i + 1);
                if (i > 0) {
                    node = d.layer(prefix + ".relu" + std::to_string(i), "relu", d.shape(last),
                                   block_node);
                    d.connect(last, node, Kind::Main);
                    last = node;
                }
                node = d.conv(prefix + ".conv" + n, path[i], d.shape(last), block_node);
                d.connect(last, node, Kind::Main);
                last = node;
                node = d.layer(prefix + ".bn" + n, "bn", d.shape(last), block_node);
                d.connect(last, node, Kind::Main);
                last = node;
            }
            if (spec.residual) {
                int shortcut_end = input;
                Kind kind = reshapes ? Kind::PaddedIdentity : Kind::Identity;
                // Option C projects on every block, B only where the shape changes, A never.
                if (spec.shortcut == Shortcut::C || (spec.shortcut == Shortcut::B && reshapes)) {
                    kind = Kind::Projection;
                    node = d.conv(prefix + ".downsample.0", {in_planes, out_planes, 1, stride, 0},
                                  in_shape, block_node, true);
                    d.connect(input, node, kind);
                    const int bn =
                        d.layer(prefix + ".downsample.1", "bn", d.shape(node), block_node, true);
                    d.connect(node, bn, kind);
                    shortcut_end = bn;
                }
                const int add = d.layer(prefix + ".add", "add", d.shape(last), block_node);
                if (kind == Kind::PaddedIdentity)
                    graph.nodes[add].detail =
                        "zero-padded shortcut, stride " + std::to_string(stride);
                d.connect(last, add, Kind::Main);
                d.connect(shortcut_end, add, kind);
                last = add;
            }
            node = d.layer(prefix + ".relu", "relu", d.shape(last), block_node);
            d.connect(last, node, Kind::Main);
            prev = node;
            in_planes = out_planes;
        }
    }

    const int head = d.add_group(GraphNode::Level::Head, "head", "head", -1);
    node = d.add_layer("avgpool", "avgpool", head, {d.shape(prev)[0]}, 0, 0, "global average");
    d.connect(prev, node, Kind::Main);
    prev = node;
    node = d.add_layer("fc", "fc", head, {spec.classes}, in_planes * spec.classes + spec.classes,
                       in_planes * spec.classes,
                       std::to_string(in_planes) + " -> " + std::to_string(spec.classes));
    d.connect(prev, node, Kind::Main);
    return graph;
}

NetGraph describe(const ResNetImpl& net, int64_t height, int64_t width) {
    return describe(net.spec(), height, width);
}

} // namespace reslab
