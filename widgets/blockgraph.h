#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QPointF>
#include <QRectF>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QWidget>

#include "blockgraphlayout.h"

class QPainter;

/// A net drawn as stem, stages, blocks and layers top to bottom, with shortcuts as arcs beside the
/// main path (identity solid, option A dotted, projection dashed) and tensor shapes on the arrows.
/// Blocks and stages open and close by double click; wheel zooms, drag pans, an overview shows
/// where the view is in a deep net. Painted by hand with culling: a QGraphicsScene with thousands
/// of items is slower to build and to pan for ResNet-1202.
class BlockGraph : public QWidget {
    Q_OBJECT
public:
    explicit BlockGraph(QWidget* parent = nullptr);

    /// Shows a net. Stages start open (blocks closed) for nets of up to kOpenStagesUpTo blocks,
    /// closed for deeper ones. The selection is kept by name.
    void setGraph(const BlockGraphData& data);
    const BlockGraphData& graph() const { return m_data; }
    const BlockGraphLayout& layout() const { return m_layout; }
    /// Milliseconds the last layout took.
    double lastLayoutMs() const { return m_layoutMs; }

    /// Opens or closes a stage or block (by name); emits expansionChanged on a change.
    void setExpanded(const QString& name, bool expanded);
    bool isExpanded(const QString& name) const;
    /// Opens or closes every stage and block.
    void setAllExpanded(bool expanded);
    /// Opens every stage and block that encloses this node, so it has its own box; true if it
    /// opened any.
    bool reveal(const QString& name);
    /// Scrolls (keeping the zoom) so that the node, or the block that shows it, is in the middle;
    /// an open block is shown whole where it fits.
    void centerOn(const QString& name);

    /// Highlights a node (a module path; "layer1.0.conv1.weight" finds "layer1.0.conv1"); does not
    /// emit nodeClicked. Scrolls to it if it is off screen.
    void setSelectedName(const QString& name);
    QString selectedName() const { return m_selected; }
    /// The name of the node drawn at this widget point (the innermost shown), or empty.
    QString nodeAt(const QPointF& pos) const;
    /// Where the node (or the closed block or stage that holds it) is drawn, in widget coordinates.
    QRectF nodeRect(const QString& name) const;
    /// The first node whose name equals text, else the first that contains it; empty if none.
    QString findNode(const QString& text) const;

    /// Tints blocks by a value each (keyed by block name, "layer1.0"), on a log colour scale whose
    /// legend says `quantity`. An empty map removes the tint.
    void setTint(const QHash<QString, double>& values, const QString& quantity);
    QHash<QString, double> tint() const { return m_tint; }
    /// Draws these blocks greyed out (a lesion study removes them); an empty list clears it.
    void setGreyedBlocks(const QStringList& blocks);
    QStringList greyedBlocks() const { return m_greyed.values(); }
    /// A line drawn where the graph would be (an error, or "pick a net").
    void setPlaceholder(const QString& text);

    qreal zoom() const { return m_zoom; }
    QPointF origin() const { return m_origin; }
    /// Sets zoom and the scene point at the top-left corner; emits viewChanged on a change.
    void setView(qreal zoom, const QPointF& origin);
    /// Zooms to show the whole net.
    void fitAll();
    /// Zooms to the width of the net (readable), top of the net at the top.
    void fitWidth();
    /// Zooms to this factor, keeping the top-left corner, as the user's wheel would: a new size
    /// no longer fits the width again.
    void setZoom(qreal zoom);
    /// Zooms by factor around a widget point.
    void zoomBy(qreal factor, const QPointF& around);

    /// The part of the widget the net is drawn in: all of it, less a strip along the bottom for
    /// the tint's colour legend while blocks are tinted, so that the legend never covers a block.
    QRectF graphArea() const;
    /// Where the tint's colour legend is drawn (in its strip), widget coordinates; empty without
    /// a tint.
    QRectF legendRect() const;

    /// Writes the whole net (not just what is on screen) as PNG or SVG, chosen by suffix.
    bool exportImage(const QString& path, QString* error = nullptr) const;

    /// Nets with more blocks than this start with their stages closed.
    static constexpr int kOpenStagesUpTo = 60;

Q_SIGNALS:
    /// The user clicked a node: a layer, a block or a stage.
    void nodeClicked(const QString& name);
    /// A stage or block was opened or closed.
    void expansionChanged(const QString& name, bool expanded);
    /// Zoom or origin changed (twin views follow each other through it).
    void viewChanged(qreal zoom, const QPointF& origin);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    bool event(QEvent* event) override;

private:
    void relayout();
    /// Draws the scene parts that meet `clip` (scene units) at this zoom.
    void paintScene(QPainter& p, const QRectF& clip, qreal zoom) const;
    void paintBox(QPainter& p, const BlockGraphLayout::Box& box, qreal zoom) const;
    void paintArc(QPainter& p, const BlockGraphLayout::Arc& arc, qreal zoom) const;
    void paintOverview(QPainter& p) const;
    void paintLegend(QPainter& p) const;
    QFont legendFont() const;
    qreal legendStripHeight() const;
    /// The size of graphArea(), in widget pixels.
    QSizeF viewSize() const;
    QRectF overviewRect() const;
    void centerOnOverview(const QPointF& pos);
    QPointF toScene(const QPointF& widget) const { return widget / m_zoom + m_origin; }
    QRectF toWidget(const QRectF& scene) const {
        return QRectF((scene.topLeft() - m_origin) * m_zoom, scene.size() * m_zoom);
    }
    int nodeIndexAt(const QPointF& pos) const;
    int resolve(const QString& name) const;
    QString blockOf(int node) const;
    /// The tint colour of a block or stage node, or an invalid colour.
    QColor tintColor(int node) const;
    QString tooltipFor(int node) const;
    QString boxTitle(int node) const;
    QString boxSubtitle(int node) const;
    void clampOrigin();

    BlockGraphData m_data;
    BlockGraphLayout m_layout;
    QSet<int> m_expanded;
    QString m_selected;
    QString m_placeholder;
    QHash<QString, double> m_tint;
    double m_tintLogMin = 0;
    double m_tintLogMax = 0;
    QString m_tintQuantity;
    QSet<QString> m_greyed;
    qreal m_zoom = 1.0;
    QPointF m_origin;
    double m_layoutMs = 0;
    bool m_autoFit = true; // fit the width on resize until the user zooms or pans

    QPointF m_pressPos;
    QPointF m_pressOrigin;
    bool m_pressed = false;
    bool m_dragging = false;
    bool m_overviewDrag = false;
};
