#pragma once
// Plain data only (no torch): the block-graph widget and the CLI both read this.

#include <cstdint>
#include <string>
#include <vector>

namespace reslab {

/// One node of a net's description: the net's stem, a stage, a block or a single layer.
struct GraphNode {
    enum class Level { Stem, Stage, Block, Layer, Head };
    std::string name; // torchvision's module path: "conv1", "layer1", "layer1.0", "layer1.0.conv1";
                      // parameter-free steps get descriptive names: "layer1.0.add", "layer1.0.relu"
    std::string kind; // "conv", "bn", "relu", "maxpool", "add", "avgpool", "fc", "stem", "stage",
                      // "basic", "bottleneck", "head"
    Level level = Level::Layer;
    int parent = -1;            // index of the enclosing node, -1 at the top
    std::vector<int64_t> shape; // output shape C x H x W (features: just C)
    int64_t params = 0;         // parameters in this node and everything inside it
    int64_t macs = 0;           // multiply-accumulates for one image, likewise
    std::string detail;         // "3x3, 64, stride 2"
    bool shortcut = false;      // a layer of the shortcut path (downsample conv and BN)
};

/// How a value travels between two nodes.
struct GraphEdge {
    enum class Kind { Main, Identity, PaddedIdentity, Projection };
    int from = -1;
    int to = -1;
    Kind kind = Kind::Main;
    std::vector<int64_t> shape; // the tensor that travels, C x H x W
};

/// A whole net: every node (stem, stages, blocks and layers, parents before children, layers in the
/// order they run) and the edges between layers.
struct NetGraph {
    std::string arch;
    bool residual = true;
    std::vector<int64_t> input_shape; // C x H x W
    std::vector<GraphNode> nodes;
    std::vector<GraphEdge> edges;
    int64_t params = 0;
    int64_t macs = 0;

    /// Indices of the layer-level nodes, in the order they run.
    std::vector<int> layers() const;
    /// Index of the node with this name, or -1.
    int find(const std::string& name) const;
};

std::string to_string(GraphEdge::Kind kind);
std::string to_string(GraphNode::Level level);

} // namespace reslab
