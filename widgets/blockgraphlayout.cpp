#include "blockgraphlayout.h"

#include <QStringList>

namespace {

using namespace blockgraph;
using Role = BlockGraphLayout::Role;

constexpr qreal kLayerH = 24;   // a layer (and the addition) on the main path
constexpr qreal kBlockH = 46;   // a collapsed block
constexpr qreal kStageH = 54;   // a collapsed stage
constexpr qreal kGap = 24;      // between blocks, stages and the stem: room for a shape label
constexpr qreal kInnerGap = 16; // between the layers of an expanded block
constexpr qreal kHeader = 20;   // the title row of a frame
constexpr qreal kPad = 6;       // below the last box of a frame
constexpr qreal kSideW = 92;    // a projection layer drawn on its arc
constexpr qreal kSideH = 22;
constexpr qreal kAddRadius = 11;

/// Builds the layout top to bottom, keeping the last box so every new one gets its arrow.
class Builder {
public:
    Builder(const BlockGraphData& data, const QSet<int>& expanded, BlockGraphLayout& out)
        : m_data(data), m_expanded(expanded), m_out(out), m_children(data.nodes.size()) {
        for (int i = 0; i < data.nodes.size(); ++i) {
            const int p = data.nodes[i].parent;
            if (p >= 0 && p < data.nodes.size())
                m_children[p].push_back(i);
            else
                m_top.push_back(i);
        }
        // The shortcut that joins each addition: its kind tells identity, option A and projection.
        for (const auto& e : data.edges)
            if (e.kind != BlockGraphEdge::Kind::Main && e.to >= 0)
                m_shortcutInto.insert(e.to, e.kind);
    }

    void run() {
        addBox(-1, Role::Input, kLayerH, blockGraphShapeText(m_data.inputShape));
        for (int top : m_top) {
            const auto level = m_data.nodes[top].level;
            m_y += kGap;
            if (level == BlockGraphNode::Level::Stage)
                stage(top);
            else
                group(top);
        }
        m_out.bounds = QRectF(0, 0, kRight + kLeft, m_y + kGap);
    }

private:
    QString shapeOf(int node) const { return blockGraphShapeText(m_data.nodes[node].shape); }

    int addBox(int node, Role role, qreal height, const QString& shape) {
        const QRectF rect(kColumnLeft, m_y, kColumnWidth, height);
        if (m_hasLast)
            m_out.links.push_back({m_lastOut, QPointF(kCenter, rect.top()), m_lastShape});
        m_out.boxes.push_back({node, role, rect, false});
        const int index = m_out.boxes.size() - 1;
        if (node >= 0)
            m_out.boxOfNode.insert(node, index);
        m_lastOut = QPointF(kCenter, rect.bottom());
        m_lastShape = shape;
        m_hasLast = true;
        m_y += height;
        return index;
    }

    void addFrame(int node, qreal top, qreal inset) {
        m_out.frames.push_back(
            {node, QRectF(kLeft + inset, top, kRight - kLeft - 2 * inset, m_y - top)});
        m_out.frameOfNode.insert(node, m_out.frames.size() - 1);
    }

    /// The stem or the head: always open, a handful of layers.
    void group(int node) {
        const qreal top = m_y;
        m_y += kHeader;
        bool first = true;
        for (int child : m_children[node]) {
            if (!first)
                m_y += kInnerGap;
            first = false;
            addBox(child, Role::Layer, kLayerH, shapeOf(child));
        }
        m_y += kPad;
        addFrame(node, top, 0);
    }

    void stage(int node) {
        const auto& blocks = m_children[node];
        if (!m_expanded.contains(node)) {
            const qreal y0 = (m_lastOut.y() + m_y) / 2;
            int shortcuts = 0, projections = 0;
            BlockGraphEdge::Kind kind = BlockGraphEdge::Kind::Identity;
            for (int b : blocks) {
                const int add = addOf(b);
                if (add < 0)
                    continue;
                ++shortcuts;
                const auto k = m_shortcutInto.value(add, BlockGraphEdge::Kind::Identity);
                if (k == BlockGraphEdge::Kind::Projection)
                    ++projections;
                if (k != BlockGraphEdge::Kind::Identity)
                    kind = k; // the stage's arc shows its one special shortcut's style
            }
            const int box = addBox(node, Role::Stage, kStageH, shapeOf(node));
            if (shortcuts > 0) {
                const QRectF r = m_out.boxes[box].rect;
                m_out.arcs.push_back({node, kind, y0, kArcX, QPointF(r.right(), r.bottom() - 12),
                                      shortcuts, projections});
            }
            return;
        }
        const qreal top = m_y;
        m_y += kHeader;
        bool first = true;
        for (int b : blocks) {
            m_y += first ? 4 : kGap;
            first = false;
            block(b);
        }
        m_y += kPad;
        addFrame(node, top, 0);
    }

    int addOf(int block) const {
        for (int c : m_children[block])
            if (m_data.nodes[c].kind == QLatin1String("add"))
                return c;
        return -1;
    }

    void block(int node) {
        const qreal y0 = (m_lastOut.y() + m_y) / 2;
        const int add = addOf(node);
        const auto kind = add >= 0 ? m_shortcutInto.value(add, BlockGraphEdge::Kind::Identity)
                                   : BlockGraphEdge::Kind::Identity;
        if (!m_expanded.contains(node)) {
            const int box = addBox(node, Role::Block, kBlockH, shapeOf(node));
            if (add >= 0) {
                const QRectF r = m_out.boxes[box].rect;
                m_out.arcs.push_back({node, kind, y0, kArcX, QPointF(r.right(), r.bottom() - 12), 1,
                                      kind == BlockGraphEdge::Kind::Projection ? 1 : 0});
            }
            return;
        }
        const qreal top = m_y;
        m_y += kHeader;
        QVector<int> side;
        QVector<int> main;
        for (int c : m_children[node])
            (m_data.nodes[c].shortcut ? side : main).push_back(c);
        QPointF end;
        bool first = true;
        for (int i = 0; i < main.size(); ++i) {
            const int c = main[i];
            if (!first)
                m_y += kInnerGap;
            first = false;
            // A plain block keeps the addition's place free, so it lines up with its residual twin.
            if (add < 0 && i == main.size() - 1 && m_data.nodes[c].kind == QLatin1String("relu"))
                m_y += kLayerH + kInnerGap;
            const bool isAdd = c == add;
            const int box = addBox(c, isAdd ? Role::Add : Role::Layer, kLayerH, shapeOf(c));
            if (isAdd)
                end = QPointF(kCenter + kAddRadius, m_out.boxes[box].rect.center().y());
        }
        m_y += kPad;
        addFrame(node, top, 8);
        if (add < 0)
            return;
        m_out.arcs.push_back(
            {node, kind, y0, kArcX, end, 1, kind == BlockGraphEdge::Kind::Projection ? 1 : 0});
        for (int k = 0; k < side.size(); ++k) {
            const qreal cy = y0 + (end.y() - y0) * (k + 1) / (side.size() + 1);
            m_out.boxes.push_back({side[k], Role::Layer,
                                   QRectF(kArcX - kSideW / 2, cy - kSideH / 2, kSideW, kSideH),
                                   true});
            m_out.boxOfNode.insert(side[k], m_out.boxes.size() - 1);
        }
    }

    const BlockGraphData& m_data;
    const QSet<int>& m_expanded;
    BlockGraphLayout& m_out;
    QVector<QVector<int>> m_children;
    QVector<int> m_top;
    QHash<int, BlockGraphEdge::Kind> m_shortcutInto;
    qreal m_y = 30; // below the net's title line
    QPointF m_lastOut;
    QString m_lastShape;
    bool m_hasLast = false;
};

} // namespace

int BlockGraphData::find(const QString& name) const {
    for (int i = 0; i < nodes.size(); ++i)
        if (nodes[i].name == name)
            return i;
    return -1;
}

int BlockGraphData::blockCount() const {
    int n = 0;
    for (const auto& node : nodes)
        n += node.level == BlockGraphNode::Level::Block;
    return n;
}

QString blockGraphShapeText(const QVector<qint64>& shape) {
    QStringList parts;
    for (qint64 s : shape)
        parts << QString::number(s);
    return parts.join(QLatin1Char('x'));
}

QRectF BlockGraphLayout::rectOf(const BlockGraphData& data, int node, int* shownNode) const {
    for (int n = node; n >= 0 && n < data.nodes.size(); n = data.nodes[n].parent) {
        if (auto it = boxOfNode.find(n); it != boxOfNode.end()) {
            if (shownNode)
                *shownNode = n;
            return boxes[*it].rect;
        }
        if (auto it = frameOfNode.find(n); it != frameOfNode.end()) {
            if (shownNode)
                *shownNode = n;
            return frames[*it].rect;
        }
    }
    if (shownNode)
        *shownNode = -1;
    return {};
}

BlockGraphLayout layoutBlockGraph(const BlockGraphData& data, const QSet<int>& expanded) {
    BlockGraphLayout layout;
    Builder(data, expanded, layout).run();
    return layout;
}
