#pragma once

#include <vector>

#include <QImage>
#include <QList>
#include <QPair>
#include <QRect>
#include <QRgb>
#include <QString>
#include <QWidget>

class QMouseEvent;
class QPaintEvent;
class QResizeEvent;

/// A C x H x W array of floats, as model/ hands a layer's output out (no torch here).
struct FeatureMapData {
    QString name;
    int channels = 0;
    int height = 0;
    int width = 0;
    std::vector<float> values; // channels * height * width, row-major

    bool isEmpty() const { return values.empty() || channels <= 0; }
    const float* channel(int c) const {
        return values.data() + static_cast<size_t>(c) * height * width;
    }
    float at(int c, int y, int x) const { return channel(c)[static_cast<size_t>(y) * width + x]; }
};

/// How values become colours: grey and viridis for non-negative maps, a blue-white-red diverging
/// map (centred on zero) for signed values before a ReLU.
enum class FeatureColorMap { Grey, Viridis, Diverging };
/// Whether each channel uses its own min..max or the whole layer's.
enum class FeatureNormalization { PerChannel, PerLayer };
/// Tile order: channel index, or mean activation (largest first).
enum class FeatureSort { Index, MeanDescending };

namespace featuregrid {
/// The colour at t in [0, 1] (clamped; NaN gives the low end).
QRgb colorAt(FeatureColorMap map, double t);
/// The range a channel is drawn with: min..max, or (diverging) -m..m with m the largest |value|.
struct Range {
    float low = 0.0f;
    float high = 0.0f;
};
Range channelRange(const FeatureMapData& data, int channel, FeatureColorMap map);
Range layerRange(const FeatureMapData& data, FeatureColorMap map);
/// One channel as a width x height image. A constant channel (high == low) is drawn in the low
/// colour (the middle colour for the diverging map) instead of dividing by zero.
QImage renderChannel(const FeatureMapData& data, int channel, FeatureColorMap map, Range range);
/// A C-channel colour legend strip, low to high, for exports and the tile view.
QImage colorBar(FeatureColorMap map, int width, int height);
} // namespace featuregrid

/// The feature maps of one layer as a grid of tiles, one per channel, scaled to fit. Click a tile
/// to pick that channel (tileClicked); the tiles are drawn once per change of data or settings
/// and only scaled on repaint, so switching layers is quick.
class FeatureGrid : public QWidget {
    Q_OBJECT
public:
    explicit FeatureGrid(QWidget* parent = nullptr);

    void setData(FeatureMapData data);
    const FeatureMapData& data() const { return m_data; }
    void setColorMap(FeatureColorMap map);
    FeatureColorMap colorMap() const { return m_map; }
    void setNormalization(FeatureNormalization normalization);
    FeatureNormalization normalization() const { return m_normalization; }
    void setSort(FeatureSort sort);
    FeatureSort sort() const { return m_sort; }
    /// Marks a channel (the one shown large); -1 for none.
    void setCurrentChannel(int channel);
    int currentChannel() const { return m_current; }

    int tileCount() const { return static_cast<int>(m_tiles.size()); }
    /// The channel drawn in tile i (after sorting).
    int channelOfTile(int tile) const { return m_order.value(tile, -1); }
    QRect tileRect(int tile) const;
    int tileAt(const QPoint& pos) const;
    /// The tile of a channel at its own resolution, coloured.
    QImage tileImage(int channel) const;
    /// The range channel c is coloured with under the current normalisation.
    featuregrid::Range rangeOf(int channel) const;
    /// The whole grid as an image, each tile scale x its size, for export.
    QImage gridImage(int scale = 2) const;
    QSize sizeHint() const override { return {640, 480}; }

Q_SIGNALS:
    void tileClicked(int channel);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void rebuild();
    void layoutTiles();

    FeatureMapData m_data;
    FeatureColorMap m_map = FeatureColorMap::Viridis;
    FeatureNormalization m_normalization = FeatureNormalization::PerChannel;
    FeatureSort m_sort = FeatureSort::Index;
    std::vector<QImage> m_tiles;              // by channel
    std::vector<featuregrid::Range> m_ranges; // by channel
    QList<int> m_order;                       // tile -> channel
    int m_current = -1;
    int m_columns = 1;
    int m_tileW = 1;
    int m_tileH = 1;
    static constexpr int kGap = 2; // pixels between tiles
};

/// One channel large, with the value under the cursor; emits hovered as the mouse moves.
class FeatureTileView : public QWidget {
    Q_OBJECT
public:
    explicit FeatureTileView(QWidget* parent = nullptr);

    /// Shows channel c of data, coloured with map over range; title is drawn above it.
    void setTile(const FeatureMapData& data,
                 int channel,
                 FeatureColorMap map,
                 featuregrid::Range range,
                 const QString& title = {});
    void clear();
    /// Text under the tile (a ratio, a note).
    void setCaption(const QString& caption);
    int channel() const { return m_channel; }
    /// The map position (x, y) under a widget position, or (-1, -1) outside the tile.
    QPoint cellAt(const QPoint& pos) const;
    /// "x 3, y 5: 0.1234", as shown under the cursor; empty outside.
    QString valueText() const { return m_hoverText; }
    /// Where the colour bar's low and high values are written, widget coordinates (empty pair
    /// with no tile): under the bar's ends, spread over the room beside a bar too narrow for both,
    /// and the high one a line lower where even that is too narrow, so that they never overlap.
    QPair<QRect, QRect> rangeLabelRects() const;
    /// The tile and its colour bar as an image, for export.
    QImage exportImage() const;
    QSize sizeHint() const override { return {260, 280}; }
    QSize minimumSizeHint() const override { return {120, 140}; }

Q_SIGNALS:
    void hovered(int x, int y, float value);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    QRect imageRect() const;

    std::vector<float> m_values; // height * width of the channel shown
    int m_width = 0;
    int m_height = 0;
    int m_channel = -1;
    QImage m_image;
    FeatureColorMap m_map = FeatureColorMap::Viridis;
    featuregrid::Range m_range;
    QString m_title;
    QString m_caption;
    QString m_hoverText;
};
