// The block graph widget: drawing, hit testing, zoom, tooltips and export of a laid-out graph
// (the layout itself is blockgraphlayout.cpp). Past 500 lines because drawing and hit testing
// walk the same node and edge geometry.
#include "blockgraph.h"

#include <algorithm>
#include <cmath>

#include <QFileInfo>
#include <QFontMetricsF>
#include <QHelpEvent>
#include <QImage>
#include <QKeyEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QSvgGenerator>
#include <QToolTip>
#include <QWheelEvent>

#include "colormaps.h"

namespace {

using namespace blockgraph;
using Role = BlockGraphLayout::Role;
using Level = BlockGraphNode::Level;
using EdgeKind = BlockGraphEdge::Kind;

constexpr qreal kMinZoom = 0.01;
constexpr qreal kMaxZoom = 4.0;
constexpr qreal kOverviewWidth = 110;
constexpr qreal kTitlePx = 11;     // box titles, scene units
constexpr qreal kSmallPx = 9.5;    // shapes, subtitles
constexpr int kDragThreshold = 4;  // pixels a press moves before it is a pan and not a click
constexpr qreal kLegendBar = 10;   // the legend's colour bar, pixels high
constexpr qreal kLegendPad = 3;    // between the legend's rows
constexpr qreal kLegendMargin = 6; // around the legend's box in its strip

const QColor kSelected(255, 140, 0);
const QColor kLinkColor(90, 90, 90);
const QColor kIdentityColor(32, 128, 96);
const QColor kPaddedColor(191, 101, 24);
const QColor kProjectionColor(123, 63, 160);

QColor arcColor(EdgeKind kind) {
    switch (kind) {
    case EdgeKind::PaddedIdentity:
        return kPaddedColor;
    case EdgeKind::Projection:
        return kProjectionColor;
    default:
        return kIdentityColor;
    }
}

/// Fill of a layer by what it does, so the eye finds the convolutions.
QColor layerFill(const QString& kind) {
    if (kind == QLatin1String("conv"))
        return QColor(214, 230, 246);
    if (kind == QLatin1String("bn"))
        return QColor(253, 243, 208);
    if (kind == QLatin1String("relu"))
        return QColor(223, 242, 220);
    if (kind == QLatin1String("fc"))
        return QColor(248, 221, 221);
    return QColor(234, 226, 245); // pooling
}

QColor viridis(double t) {
    return QColor::fromRgb(colormap::viridis(t));
}

bool isDark(const QColor& c) {
    return 0.299 * c.redF() + 0.587 * c.greenF() + 0.114 * c.blueF() < 0.55;
}

QString count(qint64 n) {
    return QLocale(QLocale::English).toString(n);
}

QString macsText(qint64 macs) {
    if (macs >= 1000000000)
        return QStringLiteral("%1 G").arg(macs / 1e9, 0, 'f', 2);
    if (macs >= 1000000)
        return QStringLiteral("%1 M").arg(macs / 1e6, 0, 'f', 1);
    return count(macs);
}

QString capitalised(QString s) {
    if (!s.isEmpty())
        s[0] = s[0].toUpper();
    return s;
}

QFont sceneFont(qreal px, bool bold = false) {
    QFont f;
    f.setPixelSize(std::max(1, qRound(px)));
    f.setBold(bold);
    return f;
}

QPen cosmetic(const QColor& color, qreal width, Qt::PenStyle style = Qt::SolidLine) {
    QPen pen(color, width, style);
    pen.setCosmetic(true);
    return pen;
}

void arrowHead(QPainter& p, const QPointF& tip, const QPointF& dir, qreal size) {
    const QPointF d = dir / std::max(1e-9, std::hypot(dir.x(), dir.y()));
    const QPointF n(-d.y(), d.x());
    const QPointF poly[] = {tip, tip - d * size + n * size * 0.5, tip - d * size - n * size * 0.5};
    p.drawPolygon(poly, 3);
}

} // namespace

BlockGraph::BlockGraph(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(200, 200);
    setAutoFillBackground(false);
}

void BlockGraph::setGraph(const BlockGraphData& data) {
    m_data = data;
    m_placeholder.clear();
    m_expanded.clear();
    if (m_data.blockCount() <= kOpenStagesUpTo)
        for (int i = 0; i < m_data.nodes.size(); ++i)
            if (m_data.nodes[i].level == Level::Stage)
                m_expanded.insert(i);
    relayout();
    m_autoFit = true;
    if (width() > 0 && isVisible())
        fitWidth();
    if (!m_selected.isEmpty())
        setSelectedName(m_selected);
    update();
}

void BlockGraph::relayout() {
    QElapsedTimer timer;
    timer.start();
    m_layout = layoutBlockGraph(m_data, m_expanded);
    m_layoutMs = timer.nsecsElapsed() / 1e6;
}

void BlockGraph::setExpanded(const QString& name, bool expanded) {
    const int node = m_data.find(name);
    if (node < 0)
        return;
    const auto level = m_data.nodes[node].level;
    if (level != Level::Stage && level != Level::Block)
        return;
    if (m_expanded.contains(node) == expanded)
        return;
    // Keep the node where it was on screen, so opening a block does not jump the view.
    const QRectF before = m_layout.rectOf(m_data, node);
    if (expanded)
        m_expanded.insert(node);
    else
        m_expanded.remove(node);
    relayout();
    const QRectF after = m_layout.rectOf(m_data, node);
    if (!before.isEmpty() && !after.isEmpty())
        m_origin.ry() += after.top() - before.top();
    clampOrigin();
    update();
    Q_EMIT expansionChanged(name, expanded);
    Q_EMIT viewChanged(m_zoom, m_origin);
}

bool BlockGraph::isExpanded(const QString& name) const {
    const int node = m_data.find(name);
    return node >= 0 && m_expanded.contains(node);
}

void BlockGraph::setAllExpanded(bool expanded) {
    for (int i = 0; i < m_data.nodes.size(); ++i) {
        const auto level = m_data.nodes[i].level;
        if (level != Level::Stage && level != Level::Block)
            continue;
        if (expanded)
            m_expanded.insert(i);
        else
            m_expanded.remove(i);
    }
    relayout();
    clampOrigin();
    update();
}

bool BlockGraph::reveal(const QString& name) {
    const int node = resolve(name);
    if (node < 0)
        return false;
    bool opened = false;
    for (int p = m_data.nodes[node].parent; p >= 0; p = m_data.nodes[p].parent)
        if (!m_expanded.contains(p) &&
            (m_data.nodes[p].level == Level::Stage || m_data.nodes[p].level == Level::Block)) {
            setExpanded(m_data.nodes[p].name, true);
            opened = true;
        }
    return opened;
}

void BlockGraph::centerOn(const QString& name) {
    const int node = resolve(name);
    if (node < 0 || width() <= 0)
        return;
    QRectF rect = m_layout.rectOf(m_data, node);
    // The whole open block around a layer, when it fits in the view.
    const QString block = blockOf(node);
    const QRectF blockRect = m_layout.rectOf(m_data, m_data.find(block));
    if (!block.isEmpty() && blockRect.height() * m_zoom < viewSize().height() * 0.9)
        rect = blockRect;
    if (rect.isEmpty())
        return;
    setView(m_zoom, QPointF(m_origin.x(), rect.center().y() - viewSize().height() / (2 * m_zoom)));
}

int BlockGraph::resolve(const QString& name) const {
    if (name.isEmpty())
        return -1;
    QString n = name;
    // Parameter names ("layer1.0.conv1.weight") and unknown tails fall back to the module.
    while (!n.isEmpty()) {
        const int i = m_data.find(n);
        if (i >= 0)
            return i;
        const int dot = n.lastIndexOf(QLatin1Char('.'));
        if (dot < 0)
            break;
        n.truncate(dot);
    }
    return -1;
}

void BlockGraph::setSelectedName(const QString& name) {
    m_selected = name;
    const int node = resolve(name);
    if (node >= 0 && width() > 0) {
        const QRectF rect = m_layout.rectOf(m_data, node);
        const QRectF visible(m_origin, viewSize() / m_zoom);
        if (!rect.isEmpty() && !visible.contains(rect)) {
            // Bring it to the middle, zooming in only if the net was too small to read.
            const qreal readable =
                std::min<qreal>(1.0, (width() - kOverviewWidth - 20) / m_layout.bounds.width());
            const qreal zoom = m_zoom < 0.5 ? std::max(m_zoom, readable) : m_zoom;
            const QSizeF view = viewSize() / zoom;
            setView(zoom, QPointF(m_origin.x(), rect.center().y() - view.height() / 2));
        }
    }
    update();
}

QString BlockGraph::blockOf(int node) const {
    for (int n = node; n >= 0; n = m_data.nodes[n].parent)
        if (m_data.nodes[n].level == Level::Block)
            return m_data.nodes[n].name;
    return {};
}

int BlockGraph::nodeIndexAt(const QPointF& pos) const {
    if (!graphArea().contains(pos))
        return -1; // the legend's strip, where no block is drawn
    const QPointF s = toScene(pos);
    for (const auto& box : m_layout.boxes)
        if (box.node >= 0 && box.rect.contains(s))
            return box.node;
    // The innermost frame: a block's lies inside its stage's.
    int best = -1;
    qreal bestArea = 0;
    for (const auto& f : m_layout.frames)
        if (f.rect.contains(s) && (best < 0 || f.rect.width() * f.rect.height() < bestArea)) {
            best = f.node;
            bestArea = f.rect.width() * f.rect.height();
        }
    return best;
}

QString BlockGraph::nodeAt(const QPointF& pos) const {
    const int node = nodeIndexAt(pos);
    return node >= 0 ? m_data.nodes[node].name : QString();
}

QRectF BlockGraph::nodeRect(const QString& name) const {
    const int node = resolve(name);
    if (node < 0)
        return {};
    const QRectF r = m_layout.rectOf(m_data, node);
    return r.isEmpty() ? QRectF() : toWidget(r);
}

QString BlockGraph::findNode(const QString& text) const {
    const QString t = text.trimmed();
    if (t.isEmpty())
        return {};
    if (const int exact = m_data.find(t); exact >= 0)
        return t;
    for (const auto& n : m_data.nodes)
        if (n.name.contains(t, Qt::CaseInsensitive))
            return n.name;
    return {};
}

void BlockGraph::setTint(const QHash<QString, double>& values, const QString& quantity) {
    m_tint.clear();
    m_tintQuantity = quantity;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        // A log scale: zero, negative and missing values (plain blocks' ratio) stay untinted.
        if (!std::isfinite(it.value()) || it.value() <= 0)
            continue;
        m_tint.insert(it.key(), it.value());
        lo = std::min(lo, std::log10(it.value()));
        hi = std::max(hi, std::log10(it.value()));
    }
    m_tintLogMin = m_tint.isEmpty() ? 0 : lo;
    m_tintLogMax = m_tint.isEmpty() ? 0 : hi;
    clampOrigin(); // the legend's strip came or went: the view is shorter or taller
    update();
}

void BlockGraph::setGreyedBlocks(const QStringList& blocks) {
    m_greyed = QSet<QString>(blocks.begin(), blocks.end());
    update();
}

void BlockGraph::setPlaceholder(const QString& text) {
    m_placeholder = text;
    update();
}

QColor BlockGraph::tintColor(int node) const {
    if (m_tint.isEmpty() || node < 0)
        return {};
    const auto& n = m_data.nodes[node];
    double logValue = 0;
    if (n.level == Level::Block) {
        const auto it = m_tint.constFind(n.name);
        if (it == m_tint.cend())
            return {};
        logValue = std::log10(*it);
    } else if (n.level == Level::Stage) {
        // A closed stage shows the geometric mean of its blocks.
        double sum = 0;
        int k = 0;
        const QString prefix = n.name + QLatin1Char('.');
        for (auto it = m_tint.cbegin(); it != m_tint.cend(); ++it)
            if (it.key().startsWith(prefix) && it.key().count(QLatin1Char('.')) == 1) {
                sum += std::log10(it.value());
                ++k;
            }
        if (k == 0)
            return {};
        logValue = sum / k;
    } else {
        return {};
    }
    const double span = m_tintLogMax - m_tintLogMin;
    return viridis(span > 1e-12 ? (logValue - m_tintLogMin) / span : 0.5);
}

void BlockGraph::setView(qreal zoom, const QPointF& origin) {
    zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    if (qFuzzyCompare(zoom, m_zoom) && origin == m_origin)
        return;
    m_zoom = zoom;
    m_origin = origin;
    clampOrigin();
    update();
    Q_EMIT viewChanged(m_zoom, m_origin);
}

void BlockGraph::clampOrigin() {
    const QRectF b = m_layout.bounds;
    const QSizeF view = viewSize() / m_zoom;
    // Keep at least a strip of the net on screen; a net narrower than the view sits at the left.
    const qreal margin = 60 / m_zoom;
    m_origin.setX(std::clamp(m_origin.x(), std::min(b.left(), b.right() - view.width()),
                             std::max(b.left(), b.right() - margin)));
    m_origin.setY(std::clamp(m_origin.y(), std::min(b.top(), b.bottom() - view.height()),
                             std::max(b.top(), b.bottom() - margin)));
}

void BlockGraph::fitAll() {
    const QRectF b = m_layout.bounds;
    if (b.isEmpty() || width() <= 0)
        return;
    const qreal zoom = std::min(width() / b.width(), viewSize().height() / b.height());
    m_autoFit = false;
    m_zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    m_origin = QPointF(b.left(), b.top());
    update();
    Q_EMIT viewChanged(m_zoom, m_origin);
}

void BlockGraph::fitWidth() {
    const QRectF b = m_layout.bounds;
    if (b.isEmpty() || width() <= 0)
        return;
    // Leave room for the overview at the right; never blow a small net up past 1.6x.
    const qreal usable = std::max<qreal>(100, width() - kOverviewWidth - 20);
    m_zoom = std::clamp(std::min<qreal>(1.0, usable / b.width()), kMinZoom, kMaxZoom);
    m_origin = QPointF(b.left(), b.top());
    update();
    Q_EMIT viewChanged(m_zoom, m_origin);
}

void BlockGraph::setZoom(qreal zoom) {
    m_autoFit = false;
    setView(zoom, m_origin);
}

void BlockGraph::zoomBy(qreal factor, const QPointF& around) {
    const QPointF anchor = toScene(around);
    const qreal zoom = std::clamp(m_zoom * factor, kMinZoom, kMaxZoom);
    setView(zoom, anchor - around / zoom);
}

QString BlockGraph::boxTitle(int node) const {
    const auto& n = m_data.nodes[node];
    const QString& k = n.kind;
    if (n.level == Level::Stage) {
        // "4 x bottleneck, 512 ch" -> "layer2: 4 x Bottleneck, 512 ch"
        QString detail = n.detail;
        detail.replace(QStringLiteral("bottleneck"), QStringLiteral("Bottleneck"));
        detail.replace(QStringLiteral("basic"), QStringLiteral("Basic"));
        return n.name + QStringLiteral(": ") + detail;
    }
    if (n.level == Level::Block)
        return n.name;
    if (k == QLatin1String("conv") && n.shortcut) {
        // A projection on its arc has little room: "1x1 conv 128 /2".
        QString d = n.detail;
        d.replace(QStringLiteral(", stride "), QStringLiteral(" /"));
        d.replace(QStringLiteral(", "), QStringLiteral(" conv "));
        return d;
    }
    if (k == QLatin1String("conv"))
        return QStringLiteral("conv ") + n.detail;
    if (k == QLatin1String("bn"))
        return QStringLiteral("BN");
    if (k == QLatin1String("relu"))
        return QStringLiteral("ReLU");
    if (k == QLatin1String("maxpool"))
        return QStringLiteral("max pool ") + n.detail;
    if (k == QLatin1String("avgpool"))
        return QStringLiteral("avg pool (") + n.detail + QLatin1Char(')');
    if (k == QLatin1String("fc"))
        return QStringLiteral("fc ") + n.detail;
    return k;
}

QString BlockGraph::boxSubtitle(int node) const {
    const auto& n = m_data.nodes[node];
    if (n.level == Level::Stage)
        return QStringLiteral("out %1 · %2 params")
            .arg(blockGraphShapeText(n.shape), count(n.params));
    if (n.level != Level::Block)
        return {};
    // The main-path convolutions in one line: "3x3 128 /2 · 3x3 128".
    QStringList convs;
    for (int i = node + 1; i < m_data.nodes.size() && m_data.nodes[i].parent == node; ++i) {
        const auto& c = m_data.nodes[i];
        if (c.kind != QLatin1String("conv") || c.shortcut)
            continue;
        QString d = c.detail;
        d.replace(QStringLiteral(", stride "), QStringLiteral(" /"));
        d.replace(QStringLiteral(", "), QStringLiteral(" "));
        convs << d;
    }
    return convs.join(QStringLiteral(" · "));
}

QString BlockGraph::tooltipFor(int node) const {
    const auto& n = m_data.nodes[node];
    QString kind = n.kind;
    if (!n.detail.isEmpty())
        kind += QStringLiteral(" ") + n.detail;
    QString text = QStringLiteral("<b>%1</b> (%2)<br>output %3<br>parameters %4<br>MACs %5")
                       .arg(n.name, kind.toHtmlEscaped(), blockGraphShapeText(n.shape),
                            count(n.params), macsText(n.macs));
    if (const auto it = m_tint.constFind(n.name); it != m_tint.cend())
        text +=
            QStringLiteral("<br>%1: %2").arg(m_tintQuantity.toHtmlEscaped()).arg(*it, 0, 'g', 4);
    if (n.level == Level::Block || n.level == Level::Stage)
        text += m_expanded.contains(node) ? QStringLiteral("<br><i>double-click to close</i>")
                                          : QStringLiteral("<br><i>double-click to open</i>");
    return text;
}

void BlockGraph::paintBox(QPainter& p, const BlockGraphLayout::Box& box, qreal zoom) const {
    const bool text = kTitlePx * zoom >= 5.5;
    const QRectF r = box.rect;
    if (box.role == Role::Input) {
        p.setPen(cosmetic(QColor(120, 120, 120), 1));
        p.setBrush(QColor(245, 245, 245));
        p.drawRoundedRect(r, 4, 4);
        if (text) {
            p.setPen(Qt::black);
            p.setFont(sceneFont(kTitlePx));
            p.drawText(r, Qt::AlignCenter,
                       QStringLiteral("input  ") + blockGraphShapeText(m_data.inputShape));
        }
        return;
    }
    const auto& n = m_data.nodes[box.node];
    const bool greyed = m_greyed.contains(blockOf(box.node)) ||
                        (n.level == Level::Stage && m_greyed.contains(n.name));
    if (box.role == Role::Add) {
        const qreal rad = r.height() / 2 - 1;
        const QPointF c = r.center();
        p.setPen(cosmetic(QColor(60, 60, 60), 1.2));
        p.setBrush(greyed ? QColor(220, 220, 220) : Qt::white);
        p.drawEllipse(c, rad, rad);
        p.drawLine(QPointF(c.x() - rad * 0.55, c.y()), QPointF(c.x() + rad * 0.55, c.y()));
        p.drawLine(QPointF(c.x(), c.y() - rad * 0.55), QPointF(c.x(), c.y() + rad * 0.55));
        if (text) {
            p.setFont(sceneFont(kSmallPx));
            p.setPen(QColor(90, 90, 90));
            p.drawText(QRectF(r.left(), r.top(), r.width() / 2 - rad - 6, r.height()),
                       Qt::AlignRight | Qt::AlignVCenter,
                       n.detail.isEmpty() ? QStringLiteral("F(x) + x") : n.detail);
        }
        return;
    }
    QColor fill;
    QColor border(110, 120, 135);
    QRectF shape = r;
    if (n.level == Level::Layer) {
        fill = layerFill(n.kind);
        // BN and ReLU are drawn narrower: the convolutions carry the weights and should stand out.
        if (!box.side && (n.kind == QLatin1String("bn") || n.kind == QLatin1String("relu")))
            shape = QRectF(r.center().x() - r.width() * 0.3, r.top(), r.width() * 0.6, r.height());
        if (box.side)
            border = kProjectionColor;
    } else {
        fill = n.level == Level::Stage ? QColor(232, 238, 246) : Qt::white;
        if (const QColor t = tintColor(box.node); t.isValid())
            fill = t;
    }
    if (greyed)
        fill = QColor(222, 222, 222);
    p.setPen(cosmetic(border, 1));
    p.setBrush(fill);
    p.drawRoundedRect(shape, 4, 4);
    if (greyed) {
        p.setBrush(QBrush(QColor(160, 160, 160), Qt::BDiagPattern));
        p.drawRoundedRect(shape, 4, 4);
    }
    const QColor ink = greyed ? QColor(130, 130, 130) : isDark(fill) ? Qt::white : Qt::black;
    if (n.level == Level::Block || n.level == Level::Stage) {
        // The addition at the end of a closed block or stage, where its shortcut arc joins.
        const bool joins =
            std::any_of(m_layout.arcs.cbegin(), m_layout.arcs.cend(),
                        [&](const BlockGraphLayout::Arc& a) { return a.block == box.node; });
        if (joins) {
            const QPointF c(r.right(), r.bottom() - 12);
            p.setPen(cosmetic(QColor(60, 60, 60), 1.2));
            p.setBrush(Qt::white);
            p.drawEllipse(c, 6, 6);
            p.drawLine(c - QPointF(3.5, 0), c + QPointF(3.5, 0));
            p.drawLine(c - QPointF(0, 3.5), c + QPointF(0, 3.5));
        }
        if (!text)
            return;
        const QRectF inner = r.adjusted(8, 4, -14, -4);
        p.setPen(ink);
        p.setFont(sceneFont(kTitlePx, true));
        p.drawText(inner, Qt::AlignLeft | Qt::AlignTop, boxTitle(box.node));
        p.setFont(sceneFont(kSmallPx));
        if (n.level == Level::Block)
            p.drawText(inner, Qt::AlignRight | Qt::AlignTop, capitalised(n.kind));
        p.drawText(inner, Qt::AlignLeft | Qt::AlignBottom, boxSubtitle(box.node));
        return;
    }
    if (!text)
        return;
    p.setPen(ink);
    p.setFont(sceneFont(box.side ? kSmallPx : kTitlePx));
    p.drawText(shape, Qt::AlignCenter, boxTitle(box.node));
}

void BlockGraph::paintArc(QPainter& p, const BlockGraphLayout::Arc& arc, qreal zoom) const {
    const QColor color = arcColor(arc.kind);
    const Qt::PenStyle style = arc.kind == EdgeKind::PaddedIdentity ? Qt::DotLine
                               : arc.kind == EdgeKind::Projection   ? Qt::DashLine
                                                                    : Qt::SolidLine;
    const qreal rad = 8;
    QPainterPath path(QPointF(kCenter, arc.y0));
    path.lineTo(arc.x - rad, arc.y0);
    path.quadTo(arc.x, arc.y0, arc.x, arc.y0 + rad);
    path.lineTo(arc.x, arc.end.y() - rad);
    path.quadTo(arc.x, arc.end.y(), arc.x - rad, arc.end.y());
    path.lineTo(arc.end.x() + 6, arc.end.y());
    p.setBrush(Qt::NoBrush);
    p.setPen(cosmetic(color, 1.8, style));
    p.drawPath(path);
    p.setPen(Qt::NoPen);
    p.setBrush(color);
    arrowHead(p, arc.end + QPointF(1, 0), QPointF(-1, 0), 7);
    p.drawEllipse(QPointF(kCenter, arc.y0), 2.5, 2.5);
    if (kSmallPx * zoom < 5.5)
        return;
    // Name the kind on the arc, unless its projection layers already sit on it.
    const bool sideBoxes =
        m_layout.frameOfNode.contains(arc.block) && arc.kind == EdgeKind::Projection;
    if (sideBoxes)
        return;
    QString label;
    if (arc.count > 1)
        label =
            arc.projections > 0
                ? QStringLiteral("%1 shortcuts\n%2 projection").arg(arc.count).arg(arc.projections)
                : QStringLiteral("%1 shortcuts").arg(arc.count);
    else if (arc.kind == EdgeKind::PaddedIdentity)
        label = QStringLiteral("A: zero-pad");
    else if (arc.kind == EdgeKind::Projection)
        label = QStringLiteral("1x1 conv, BN");
    if (arc.count > 1 && arc.kind == EdgeKind::PaddedIdentity)
        label += QStringLiteral("\n1 zero-padded");
    if (label.isEmpty())
        return;
    p.setPen(color);
    p.setFont(sceneFont(kSmallPx));
    const qreal mid = (arc.y0 + arc.end.y()) / 2;
    p.drawText(QRectF(arc.x + 5, mid - 20, kRight - arc.x - 5, 40),
               Qt::AlignLeft | Qt::AlignVCenter, label);
}

void BlockGraph::paintScene(QPainter& p, const QRectF& clip, qreal zoom) const {
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    const bool text = kTitlePx * zoom >= 5.5;
    // Frames first, stages behind their blocks: a background and a title row.
    for (int pass = 0; pass < 2; ++pass)
        for (const auto& f : m_layout.frames) {
            if (!f.rect.intersects(clip) ||
                (m_data.nodes[f.node].level == Level::Block) != (pass == 1))
                continue;
            const auto& n = m_data.nodes[f.node];
            QColor fill = n.level == Level::Stage   ? QColor(243, 246, 250)
                          : n.level == Level::Block ? QColor(255, 255, 255)
                                                    : QColor(248, 248, 248);
            // An open block's frame takes a light tint; an open stage's blocks carry their own.
            if (const QColor t = n.level == Level::Block ? tintColor(f.node) : QColor();
                t.isValid())
                fill = QColor::fromRgbF(t.redF() * 0.35 + 0.65, t.greenF() * 0.35 + 0.65,
                                        t.blueF() * 0.35 + 0.65);
            const bool greyed = m_greyed.contains(n.name);
            if (greyed)
                fill = QColor(225, 225, 225);
            p.setPen(
                cosmetic(n.level == Level::Block ? QColor(190, 198, 210) : QColor(170, 182, 198), 1,
                         n.level == Level::Block ? Qt::DashLine : Qt::SolidLine));
            p.setBrush(fill);
            p.drawRoundedRect(f.rect, 6, 6);
            if (greyed) {
                p.setBrush(QBrush(QColor(170, 170, 170), Qt::BDiagPattern));
                p.drawRoundedRect(f.rect, 6, 6);
            }
            if (text) {
                p.setPen(greyed ? QColor(130, 130, 130) : QColor(40, 50, 70));
                p.setFont(sceneFont(kTitlePx, n.level != Level::Block));
                QString title = n.level == Level::Stage   ? boxTitle(f.node)
                                : n.level == Level::Block ? n.name + QStringLiteral(" · ") + n.kind
                                                          : n.name;
                p.drawText(f.rect.adjusted(8, 3, -8, 0), Qt::AlignLeft | Qt::AlignTop, title);
            }
        }
    // Arrows of the main path with the shape they carry.
    p.setFont(sceneFont(kSmallPx));
    const bool shapes = kSmallPx * zoom >= 6;
    for (const auto& link : m_layout.links) {
        if (link.to.y() < clip.top() || link.from.y() > clip.bottom())
            continue;
        p.setPen(cosmetic(kLinkColor, 1.2));
        p.drawLine(link.from, link.to - QPointF(0, 3));
        p.setPen(Qt::NoPen);
        p.setBrush(kLinkColor);
        arrowHead(p, link.to, QPointF(0, 1), 5);
        if (shapes && link.to.y() - link.from.y() >= 10) {
            p.setPen(QColor(100, 100, 100));
            // Left of the arrow (the right side is where shortcut arcs leave the main path), in the
            // gap above a frame's title when the arrow crosses one.
            const qreal h = std::min<qreal>(link.to.y() - link.from.y(), 24);
            p.drawText(QRectF(link.from.x() - 126, link.from.y(), 120, h),
                       Qt::AlignRight | Qt::AlignVCenter, link.shape);
        }
    }
    for (const auto& arc : m_layout.arcs)
        if (arc.end.y() >= clip.top() && arc.y0 <= clip.bottom())
            paintArc(p, arc, zoom);
    for (const auto& box : m_layout.boxes)
        if (box.rect.intersects(clip))
            paintBox(p, box, zoom);
    // The selection, on whichever box or frame shows it now.
    int shown = -1;
    const QRectF sel = m_layout.rectOf(m_data, resolve(m_selected), &shown);
    if (!sel.isEmpty() && sel.intersects(clip)) {
        p.setPen(cosmetic(kSelected, 3));
        p.setBrush(Qt::NoBrush);
        p.drawRoundedRect(sel.adjusted(-2, -2, 2, 2), 5, 5);
    }
}

QRectF BlockGraph::overviewRect() const {
    const QRectF b = m_layout.bounds;
    const QSizeF view = viewSize();
    if (b.isEmpty() ||
        (b.height() * m_zoom <= view.height() * 1.05 && b.width() * m_zoom <= view.width()))
        return {};
    const qreal avail = view.height() - 16;
    const qreal s = std::min(kOverviewWidth / b.width(), avail / b.height());
    return QRectF(width() - b.width() * s - 8, 8, b.width() * s, b.height() * s);
}

void BlockGraph::paintOverview(QPainter& p) const {
    const QRectF o = overviewRect();
    if (o.isEmpty())
        return;
    const QRectF b = m_layout.bounds;
    const qreal s = o.width() / b.width();
    p.save();
    p.setPen(cosmetic(QColor(150, 150, 150), 1));
    p.setBrush(QColor(255, 255, 255, 230));
    p.drawRect(o.adjusted(-3, -3, 3, 3));
    p.setRenderHint(QPainter::Antialiasing, false);
    p.setPen(Qt::NoPen);
    for (const auto& box : m_layout.boxes) {
        if (box.node < 0 || box.side)
            continue;
        const auto& n = m_data.nodes[box.node];
        QColor c = n.level == Level::Layer ? layerFill(n.kind).darker(130) : QColor(120, 140, 170);
        if (const QColor t = tintColor(box.node); t.isValid())
            c = t;
        if (m_greyed.contains(blockOf(box.node)))
            c = QColor(200, 200, 200);
        p.setBrush(c);
        const QRectF r(o.left() + (box.rect.left() - b.left()) * s,
                       o.top() + (box.rect.top() - b.top()) * s, box.rect.width() * s,
                       std::max<qreal>(1, box.rect.height() * s));
        p.drawRect(r);
    }
    p.setBrush(QColor(kIdentityColor.red(), kIdentityColor.green(), kIdentityColor.blue(), 160));
    for (const auto& arc : m_layout.arcs)
        p.drawRect(QRectF(o.left() + (arc.x - b.left()) * s, o.top() + (arc.y0 - b.top()) * s, 1.5,
                          std::max<qreal>(1, (arc.end.y() - arc.y0) * s)));
    const QRectF view(m_origin, viewSize() / m_zoom);
    const QRectF v(o.left() + (view.left() - b.left()) * s, o.top() + (view.top() - b.top()) * s,
                   view.width() * s, view.height() * s);
    p.setBrush(QColor(255, 140, 0, 40));
    p.setPen(cosmetic(kSelected, 1.5));
    p.drawRect(v.intersected(o.adjusted(-3, -3, 3, 3)));
    p.restore();
}

QFont BlockGraph::legendFont() const {
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    return f;
}

qreal BlockGraph::legendStripHeight() const {
    if (m_tint.isEmpty())
        return 0;
    // A line of text, the bar, a line of numbers, and a margin around the box.
    const qreal line = QFontMetricsF(legendFont()).height();
    return 2 * line + kLegendBar + 3 * kLegendPad + 2 * kLegendMargin;
}

QRectF BlockGraph::graphArea() const {
    return QRectF(0, 0, width(), std::max<qreal>(0, height() - legendStripHeight()));
}

QSizeF BlockGraph::viewSize() const {
    return graphArea().size();
}

QRectF BlockGraph::legendRect() const {
    const qreal strip = legendStripHeight();
    if (strip <= 0)
        return {};
    const QString label = m_tintQuantity + QStringLiteral(" (log scale)");
    const qreal w = std::max<qreal>(200, QFontMetricsF(legendFont()).horizontalAdvance(label) + 20);
    const qreal top = graphArea().bottom() + kLegendMargin;
    return QRectF(kLegendMargin, top, std::max<qreal>(0, std::min(w, width() - 2 * kLegendMargin)),
                  strip - 2 * kLegendMargin);
}

void BlockGraph::paintLegend(QPainter& p) const {
    const QRectF box = legendRect();
    if (box.isEmpty())
        return;
    const QFont f = legendFont();
    const QFontMetricsF fm(f);
    const qreal line = fm.height();
    p.save();
    // The strip is the legend's own: the graph is clipped above it, so no block is ever covered.
    p.setPen(cosmetic(QColor(215, 215, 215), 1));
    p.drawLine(QPointF(0, graphArea().bottom() + 0.5),
               QPointF(width(), graphArea().bottom() + 0.5));
    p.setPen(cosmetic(QColor(150, 150, 150), 1));
    p.setBrush(Qt::white);
    p.drawRoundedRect(box, 4, 4);
    p.setFont(f);
    p.setPen(Qt::black);
    const QRectF inner = box.adjusted(8, kLegendPad, -8, -kLegendPad);
    const QString label = m_tintQuantity + QStringLiteral(" (log scale)");
    p.drawText(QRectF(inner.left(), inner.top(), inner.width(), line), Qt::AlignLeft | Qt::AlignTop,
               fm.elidedText(label, Qt::ElideRight, inner.width()));
    const QRectF bar(inner.left(), inner.top() + line + kLegendPad, inner.width(), kLegendBar);
    QLinearGradient g(bar.topLeft(), bar.topRight());
    for (int i = 0; i <= 8; ++i)
        g.setColorAt(i / 8.0, viridis(i / 8.0));
    p.setPen(Qt::NoPen);
    p.setBrush(g);
    p.drawRect(bar);
    p.setPen(Qt::black);
    const QRectF labels(bar.left(), bar.bottom() + 1, bar.width(), line);
    p.drawText(labels, Qt::AlignLeft | Qt::AlignTop,
               QString::number(std::pow(10.0, m_tintLogMin), 'g', 3));
    p.drawText(labels, Qt::AlignRight | Qt::AlignTop,
               QString::number(std::pow(10.0, m_tintLogMax), 'g', 3));
    p.restore();
}

void BlockGraph::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), Qt::white);
    if (m_data.nodes.isEmpty() || !m_placeholder.isEmpty()) {
        p.setPen(QColor(90, 90, 90));
        p.drawText(rect().adjusted(20, 20, -20, -20), Qt::AlignCenter | Qt::TextWordWrap,
                   m_placeholder.isEmpty() ? tr("No net to draw: pick an architecture.")
                                           : m_placeholder);
        return;
    }
    p.save();
    p.setClipRect(graphArea());
    p.scale(m_zoom, m_zoom);
    p.translate(-m_origin);
    paintScene(p, QRectF(m_origin, viewSize() / m_zoom), m_zoom);
    p.restore();
    paintOverview(p);
    paintLegend(p);
    // The net's name and size in the top-left corner.
    p.setPen(QColor(60, 60, 60));
    QFont f = font();
    f.setBold(true);
    p.setFont(f);
    const QString title = QStringLiteral("%1%2 · %3 params · %4 MACs")
                              .arg(m_data.title, m_data.residual ? QString() : tr(" (plain)"),
                                   count(m_data.params), macsText(m_data.macs));
    const QRectF titleRect(8, 4, width() - kOverviewWidth - 30, 20);
    p.fillRect(
        QRectF(titleRect.topLeft(), QSizeF(p.fontMetrics().horizontalAdvance(title) + 8, 18)),
        QColor(255, 255, 255, 220));
    p.drawText(titleRect, Qt::AlignLeft | Qt::AlignTop, title);
}

void BlockGraph::resizeEvent(QResizeEvent*) {
    // Until the user zooms or pans, a new size fits the width again (a split view settles its
    // sizes after the graph is set), keeping the selection in sight.
    if (m_autoFit && !m_data.nodes.isEmpty()) {
        fitWidth();
        if (!m_selected.isEmpty())
            setSelectedName(m_selected);
    }
    clampOrigin();
}

void BlockGraph::wheelEvent(QWheelEvent* event) {
    const qreal steps = event->angleDelta().y() / 120.0;
    if (steps == 0)
        return;
    m_autoFit = false;
    zoomBy(std::pow(1.2, steps), event->position());
    event->accept();
}

void BlockGraph::centerOnOverview(const QPointF& pos) {
    const QRectF o = overviewRect();
    if (o.isEmpty())
        return;
    const QRectF b = m_layout.bounds;
    const qreal s = o.width() / b.width();
    const QPointF scene(b.left() + (pos.x() - o.left()) / s, b.top() + (pos.y() - o.top()) / s);
    const QSizeF view = viewSize() / m_zoom;
    setView(m_zoom, QPointF(m_origin.x(), scene.y() - view.height() / 2));
}

void BlockGraph::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton)
        return;
    m_pressed = true;
    m_dragging = false;
    m_pressPos = event->position();
    m_pressOrigin = m_origin;
    m_overviewDrag = overviewRect().adjusted(-3, -3, 3, 3).contains(event->position());
    if (m_overviewDrag) {
        m_autoFit = false;
        centerOnOverview(event->position());
    }
}

void BlockGraph::mouseMoveEvent(QMouseEvent* event) {
    if (!m_pressed)
        return;
    if (m_overviewDrag) {
        centerOnOverview(event->position());
        return;
    }
    const QPointF d = event->position() - m_pressPos;
    if (!m_dragging && d.manhattanLength() < kDragThreshold)
        return;
    m_dragging = true;
    m_autoFit = false;
    setCursor(Qt::ClosedHandCursor);
    setView(m_zoom, m_pressOrigin - d / m_zoom);
}

void BlockGraph::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton || !m_pressed)
        return;
    m_pressed = false;
    unsetCursor();
    if (m_dragging || m_overviewDrag)
        return;
    const QString name = nodeAt(event->position());
    if (name.isEmpty())
        return;
    m_selected = name;
    update();
    Q_EMIT nodeClicked(name);
}

void BlockGraph::mouseDoubleClickEvent(QMouseEvent* event) {
    const int node = nodeIndexAt(event->position());
    if (node < 0)
        return;
    // A closed block or stage opens; a layer, or the frame of an open one, closes what holds it.
    int target = node;
    while (target >= 0 && m_data.nodes[target].level != Level::Block &&
           m_data.nodes[target].level != Level::Stage)
        target = m_data.nodes[target].parent;
    if (target < 0)
        return;
    const bool open = m_expanded.contains(target);
    if (open && target != node && m_data.nodes[node].level == Level::Layer &&
        m_layout.frameOfNode.contains(target))
        setExpanded(m_data.nodes[target].name, false);
    else
        setExpanded(m_data.nodes[target].name, !open);
}

void BlockGraph::keyPressEvent(QKeyEvent* event) {
    const QPointF c = graphArea().center();
    m_autoFit = false;
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomBy(1.25, c);
        break;
    case Qt::Key_Minus:
        zoomBy(0.8, c);
        break;
    case Qt::Key_0:
        fitWidth();
        break;
    case Qt::Key_F:
        fitAll();
        break;
    case Qt::Key_Up:
        setView(m_zoom, m_origin - QPointF(0, 60 / m_zoom));
        break;
    case Qt::Key_Down:
        setView(m_zoom, m_origin + QPointF(0, 60 / m_zoom));
        break;
    case Qt::Key_PageUp:
        setView(m_zoom, m_origin - QPointF(0, viewSize().height() * 0.9 / m_zoom));
        break;
    case Qt::Key_PageDown:
        setView(m_zoom, m_origin + QPointF(0, viewSize().height() * 0.9 / m_zoom));
        break;
    default:
        QWidget::keyPressEvent(event);
    }
}

bool BlockGraph::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int node = nodeIndexAt(help->pos());
        if (node >= 0)
            QToolTip::showText(help->globalPos(), tooltipFor(node), this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

bool BlockGraph::exportImage(const QString& path, QString* error) const {
    const QRectF b = m_layout.bounds;
    if (m_data.nodes.isEmpty() || b.isEmpty()) {
        if (error)
            *error = tr("there is no graph to export");
        return false;
    }
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(b.size().toSize());
        svg.setViewBox(b);
        svg.setTitle(m_data.title);
        svg.setDescription(tr("Block graph of %1, drawn by ResLab").arg(m_data.title));
        QPainter p;
        if (!p.begin(&svg)) {
            if (error)
                *error = tr("cannot write %1").arg(path);
            return false;
        }
        p.fillRect(b, Qt::white);
        paintScene(p, b, 1.0);
        p.end();
        if (!QFileInfo::exists(path)) {
            if (error)
                *error = tr("cannot write %1").arg(path);
            return false;
        }
        return true;
    }
    if (suffix != QLatin1String("png")) {
        if (error)
            *error = tr("unknown image type '%1': use .png or .svg").arg(suffix);
        return false;
    }
    // Twice the screen size where that fits in 20000 pixels; a very deep net is scaled down.
    const qreal scale = std::min<qreal>(2.0, 20000.0 / b.height());
    QImage image((b.size() * scale).toSize(), QImage::Format_ARGB32_Premultiplied);
    if (image.isNull()) {
        if (error)
            *error = tr("the image is too large");
        return false;
    }
    image.fill(Qt::white);
    {
        QPainter p(&image);
        p.scale(scale, scale);
        p.translate(-b.topLeft());
        paintScene(p, b, scale);
    }
    if (!image.save(path, "PNG")) {
        if (error)
            *error = tr("cannot write %1").arg(path);
        return false;
    }
    return true;
}
