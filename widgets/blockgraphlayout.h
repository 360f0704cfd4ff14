#pragma once
// What the block graph draws (plain Qt data, filled by app/ from model/'s NetGraph) and where it
// draws it. Kept apart from the widget so tests and the benchmark can time and check the layout
// without painting.

#include <QHash>
#include <QPointF>
#include <QRectF>
#include <QSet>
#include <QString>
#include <QVector>

/// One node of a net: the stem, a stage, a block, a layer or the head; mirrors reslab::GraphNode.
struct BlockGraphNode {
    enum class Level { Stem, Stage, Block, Layer, Head };
    QString name; // torchvision's module path: "layer2.0.conv1"; "layer2.0.add" for the addition
    QString
        kind; // "conv", "bn", "relu", "maxpool", "add", "avgpool", "fc", "basic", "bottleneck"...
    QString detail; // "3x3, 64, stride 2"; a stage's "4 x bottleneck, 512 ch"
    Level level = Level::Layer;
    int parent = -1;
    QVector<qint64> shape; // output, C x H x W
    qint64 params = 0;
    qint64 macs = 0;
    bool shortcut = false; // a layer of the projection shortcut (downsample conv and BN)
};

/// How a value travels between two layers; mirrors reslab::GraphEdge.
struct BlockGraphEdge {
    enum class Kind { Main, Identity, PaddedIdentity, Projection };
    int from = -1;
    int to = -1;
    Kind kind = Kind::Main;
    QVector<qint64> shape;
};

/// A whole net: nodes with parents before children and layers in the order they run.
struct BlockGraphData {
    QString title; // "resnet56"
    bool residual = true;
    QVector<qint64> inputShape;
    QVector<BlockGraphNode> nodes;
    QVector<BlockGraphEdge> edges;
    qint64 params = 0;
    qint64 macs = 0;

    /// Index of the node with this name, or -1.
    int find(const QString& name) const;
    /// Number of block nodes.
    int blockCount() const;
};

/// "64x56x56" (or "1000" for a vector).
QString blockGraphShapeText(const QVector<qint64>& shape);

/// Where every visible piece of the graph goes, in scene units (pixels at zoom 1). The main path
/// runs top to bottom in one column; shortcuts are arcs to its right.
struct BlockGraphLayout {
    enum class Role { Input, Layer, Add, Block, Stage };
    /// A box on the main path (or, with side set, a projection layer drawn on its arc).
    struct Box {
        int node = -1; // -1 for the input
        Role role = Role::Layer;
        QRectF rect;
        bool side = false;
    };
    /// The background of an expanded stem, stage, block or head, with its title at the top.
    struct Frame {
        int node = -1;
        QRectF rect;
    };
    /// An arrow of the main path, labelled with the shape of the tensor it carries.
    struct Link {
        QPointF from;
        QPointF to;
        QString shape;
    };
    /// A shortcut: leaves the main path at y0, runs down at x and joins at end (the addition).
    struct Arc {
        int block = -1; // a block node, or a collapsed stage node (then count > 1)
        BlockGraphEdge::Kind kind = BlockGraphEdge::Kind::Identity;
        qreal y0 = 0;
        qreal x = 0;
        QPointF end;
        int count = 1;       // shortcuts this arc stands for (a collapsed stage holds many)
        int projections = 0; // of which projections
    };

    QVector<Box> boxes; // the main path top to bottom, then side boxes
    QVector<Frame> frames;
    QVector<Link> links;
    QVector<Arc> arcs;
    QHash<int, int> boxOfNode;   // node -> its box
    QHash<int, int> frameOfNode; // expanded node -> its frame
    QRectF bounds;

    /// The box or frame that shows this node now: itself, or the nearest enclosing one that is
    /// collapsed. Returns an empty rect if none.
    QRectF rectOf(const BlockGraphData& data, int node, int* shownNode = nullptr) const;
};

namespace blockgraph {
// Geometry of the column, in scene units; the twin views share it, so they line up block by block.
constexpr qreal kLeft = 10;
constexpr qreal kColumnLeft = 34;
constexpr qreal kColumnWidth = 240;
constexpr qreal kCenter = kColumnLeft + kColumnWidth / 2;
constexpr qreal kArcX = kColumnLeft + kColumnWidth + 62;
constexpr qreal kRight = kArcX + 100;
} // namespace blockgraph

/// Lays out the graph; `expanded` holds the stage and block nodes shown opened. Plain blocks keep
/// the place of the addition empty, so a plain net and its residual twin have the same geometry.
BlockGraphLayout layoutBlockGraph(const BlockGraphData& data, const QSet<int>& expanded);
