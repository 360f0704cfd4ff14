#include "featuregrid.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include <QMouseEvent>
#include <QPainter>

#include "colormaps.h"

namespace featuregrid {
namespace {

constexpr int kLutSize = 256;

/// A lookup table of the map: colouring a pixel is then one multiply and one index.
const std::array<QRgb, kLutSize>& lut(FeatureColorMap map) {
    static const auto make = [](FeatureColorMap m) {
        std::array<QRgb, kLutSize> table{};
        for (int i = 0; i < kLutSize; ++i)
            table[i] = colorAt(m, i / double(kLutSize - 1));
        return table;
    };
    static const std::array<QRgb, kLutSize> grey = make(FeatureColorMap::Grey);
    static const std::array<QRgb, kLutSize> viridis = make(FeatureColorMap::Viridis);
    static const std::array<QRgb, kLutSize> diverging = make(FeatureColorMap::Diverging);
    switch (map) {
    case FeatureColorMap::Grey:
        return grey;
    case FeatureColorMap::Viridis:
        return viridis;
    case FeatureColorMap::Diverging:
        break;
    }
    return diverging;
}

Range minMax(const float* v, size_t n) {
    Range r;
    if (n == 0)
        return r;
    const auto [lo, hi] = std::minmax_element(v, v + n);
    r.low = *lo;
    r.high = *hi;
    return r;
}

Range symmetric(Range r) {
    const float m = std::max(std::abs(r.low), std::abs(r.high));
    return {-m, m};
}

} // namespace

QRgb colorAt(FeatureColorMap map, double t) {
    if (!(t >= 0.0)) // NaN too
        t = 0.0;
    t = std::min(t, 1.0);
    switch (map) {
    case FeatureColorMap::Grey: {
        const int g = static_cast<int>(std::lround(255 * t));
        return qRgb(g, g, g);
    }
    case FeatureColorMap::Viridis:
        return colormap::viridis(t);
    case FeatureColorMap::Diverging:
        break;
    }
    return colormap::diverging(t);
}

Range channelRange(const FeatureMapData& data, int channel, FeatureColorMap map) {
    const Range r = minMax(data.channel(channel), static_cast<size_t>(data.height) * data.width);
    return map == FeatureColorMap::Diverging ? symmetric(r) : r;
}

Range layerRange(const FeatureMapData& data, FeatureColorMap map) {
    const Range r = minMax(data.values.data(), data.values.size());
    return map == FeatureColorMap::Diverging ? symmetric(r) : r;
}

QImage renderChannel(const FeatureMapData& data, int channel, FeatureColorMap map, Range range) {
    QImage image(data.width, data.height, QImage::Format_RGB32);
    const auto& table = lut(map);
    const float span = range.high - range.low;
    // A constant channel: no span to divide by; draw it at the map's neutral end.
    const bool flat = !(span > 0.0f);
    const int flatIndex = map == FeatureColorMap::Diverging ? kLutSize / 2 : 0;
    const float scale = flat ? 0.0f : (kLutSize - 1) / span;
    const float* v = data.channel(channel);
    for (int y = 0; y < data.height; ++y) {
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
        for (int x = 0; x < data.width; ++x) {
            int i = flatIndex;
            if (!flat) {
                const float f =
                    (v[static_cast<size_t>(y) * data.width + x] - range.low) * scale + 0.5f;
                i = f >= 0.0f ? std::min(static_cast<int>(f), kLutSize - 1) : 0; // NaN -> 0 too
            }
            line[x] = table[i];
        }
    }
    return image;
}

QImage colorBar(FeatureColorMap map, int width, int height) {
    QImage bar(std::max(1, width), std::max(1, height), QImage::Format_RGB32);
    for (int x = 0; x < bar.width(); ++x) {
        const QRgb c = colorAt(map, bar.width() > 1 ? x / double(bar.width() - 1) : 0.0);
        for (int y = 0; y < bar.height(); ++y)
            bar.setPixel(x, y, c);
    }
    return bar;
}

} // namespace featuregrid

FeatureGrid::FeatureGrid(QWidget* parent) : QWidget(parent) {
    setMinimumSize(160, 120);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void FeatureGrid::setData(FeatureMapData data) {
    m_data = std::move(data);
    if (m_current >= m_data.channels)
        m_current = -1;
    rebuild();
}

void FeatureGrid::setColorMap(FeatureColorMap map) {
    if (map == m_map)
        return;
    m_map = map;
    rebuild();
}

void FeatureGrid::setNormalization(FeatureNormalization normalization) {
    if (normalization == m_normalization)
        return;
    m_normalization = normalization;
    rebuild();
}

void FeatureGrid::setSort(FeatureSort sort) {
    if (sort == m_sort)
        return;
    m_sort = sort;
    rebuild();
}

void FeatureGrid::setCurrentChannel(int channel) {
    m_current = channel;
    update();
}

void FeatureGrid::rebuild() {
    using namespace featuregrid;
    m_tiles.clear();
    m_ranges.clear();
    m_order.clear();
    if (!m_data.isEmpty()) {
        const int c = m_data.channels;
        const Range layer = layerRange(m_data, m_map);
        m_tiles.reserve(c);
        m_ranges.reserve(c);
        for (int i = 0; i < c; ++i) {
            m_ranges.push_back(m_normalization == FeatureNormalization::PerLayer
                                   ? layer
                                   : channelRange(m_data, i, m_map));
            m_tiles.push_back(renderChannel(m_data, i, m_map, m_ranges.back()));
        }
        std::vector<int> order(c);
        std::iota(order.begin(), order.end(), 0);
        if (m_sort == FeatureSort::MeanDescending) {
            const size_t n = static_cast<size_t>(m_data.height) * m_data.width;
            std::vector<double> means(c);
            for (int i = 0; i < c; ++i)
                means[i] = std::accumulate(m_data.channel(i), m_data.channel(i) + n, 0.0) /
                           std::max<size_t>(1, n);
            std::stable_sort(order.begin(), order.end(),
                             [&means](int a, int b) { return means[a] > means[b]; });
        }
        m_order = QList<int>(order.begin(), order.end());
    }
    layoutTiles();
    update();
}

void FeatureGrid::layoutTiles() {
    const int n = tileCount();
    if (n == 0)
        return;
    // The column count that makes the tiles largest while all of them fit.
    const double aspect = m_data.width > 0 ? double(m_data.height) / m_data.width : 1.0;
    int best = 1;
    double bestSide = 0;
    for (int cols = 1; cols <= n; ++cols) {
        const int rows = (n + cols - 1) / cols;
        const double w = double(width() - (cols - 1) * kGap) / cols;
        const double h = double(height() - (rows - 1) * kGap) / rows / aspect;
        const double side = std::min(w, h);
        if (side > bestSide) {
            bestSide = side;
            best = cols;
        }
    }
    m_columns = best;
    m_tileW = std::max(1, static_cast<int>(bestSide));
    m_tileH = std::max(1, static_cast<int>(bestSide * aspect));
}

QRect FeatureGrid::tileRect(int tile) const {
    if (tile < 0 || tile >= tileCount())
        return {};
    const int col = tile % m_columns, row = tile / m_columns;
    return {col * (m_tileW + kGap), row * (m_tileH + kGap), m_tileW, m_tileH};
}

int FeatureGrid::tileAt(const QPoint& pos) const {
    if (pos.x() < 0 || pos.y() < 0 || tileCount() == 0)
        return -1;
    const int col = pos.x() / (m_tileW + kGap), row = pos.y() / (m_tileH + kGap);
    if (col >= m_columns)
        return -1;
    const int tile = row * m_columns + col;
    return tile < tileCount() && tileRect(tile).contains(pos) ? tile : -1;
}

QImage FeatureGrid::tileImage(int channel) const {
    return channel >= 0 && channel < tileCount() ? m_tiles[channel] : QImage();
}

featuregrid::Range FeatureGrid::rangeOf(int channel) const {
    return channel >= 0 && channel < static_cast<int>(m_ranges.size()) ? m_ranges[channel]
                                                                       : featuregrid::Range{};
}

QImage FeatureGrid::gridImage(int scale) const {
    const int n = tileCount();
    if (n == 0)
        return {};
    const int cols = std::max(1, static_cast<int>(std::ceil(std::sqrt(double(n)))));
    const int rows = (n + cols - 1) / cols;
    const int tw = m_data.width * scale, th = m_data.height * scale;
    QImage image(cols * (tw + kGap) - kGap, rows * (th + kGap) - kGap, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    for (int t = 0; t < n; ++t)
        p.drawImage(QRect((t % cols) * (tw + kGap), (t / cols) * (th + kGap), tw, th),
                    m_tiles[m_order[t]]);
    return image;
}

void FeatureGrid::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    if (tileCount() == 0) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("Load an image to see its feature maps"));
        return;
    }
    // Nearest-neighbour scaling: a 7x7 map should show its 49 cells, not a blur.
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    for (int t = 0; t < tileCount(); ++t)
        p.drawImage(tileRect(t), m_tiles[m_order[t]]);
    if (m_current >= 0) {
        const int tile = m_order.indexOf(m_current);
        if (tile >= 0) {
            p.setPen(QPen(QColor(255, 80, 0), 2));
            p.setBrush(Qt::NoBrush);
            p.drawRect(tileRect(tile).adjusted(-1, -1, 1, 1));
        }
    }
}

void FeatureGrid::mousePressEvent(QMouseEvent* event) {
    const int tile = tileAt(event->position().toPoint());
    if (tile < 0)
        return;
    m_current = m_order[tile];
    update();
    Q_EMIT tileClicked(m_current);
}

void FeatureGrid::resizeEvent(QResizeEvent*) {
    layoutTiles();
}

FeatureTileView::FeatureTileView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void FeatureTileView::setTile(const FeatureMapData& data,
                              int channel,
                              FeatureColorMap map,
                              featuregrid::Range range,
                              const QString& title) {
    if (data.isEmpty() || channel < 0 || channel >= data.channels) {
        clear();
        return;
    }
    m_width = data.width;
    m_height = data.height;
    m_channel = channel;
    m_values.assign(data.channel(channel),
                    data.channel(channel) + static_cast<size_t>(m_width) * m_height);
    m_map = map;
    m_range = range;
    m_image = featuregrid::renderChannel(data, channel, map, range);
    m_title = title;
    m_caption.clear(); // a caption belongs to the tile it was set for
    m_hoverText.clear();
    update();
}

void FeatureTileView::clear() {
    m_values.clear();
    m_width = m_height = 0;
    m_channel = -1;
    m_image = QImage();
    m_title.clear();
    m_caption.clear();
    m_hoverText.clear();
    update();
}

void FeatureTileView::setCaption(const QString& caption) {
    m_caption = caption;
    update();
}

QRect FeatureTileView::imageRect() const {
    if (m_image.isNull())
        return {};
    const int line = fontMetrics().height();
    const QRect area = rect().adjusted(4, line + 4, -4, -(3 * line + 14));
    if (area.width() <= 0 || area.height() <= 0)
        return {};
    const double s = std::min(double(area.width()) / m_width, double(area.height()) / m_height);
    const int w = std::max(1, static_cast<int>(m_width * s)),
              h = std::max(1, static_cast<int>(m_height * s));
    return {area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h};
}

QPair<QRect, QRect> FeatureTileView::rangeLabelRects() const {
    const QRect r = imageRect();
    if (r.isEmpty())
        return {};
    const QFontMetrics fm = fontMetrics();
    const int line = fm.height();
    const int lowW = fm.horizontalAdvance(QString::number(m_range.low, 'g', 3));
    const int highW = fm.horizontalAdvance(QString::number(m_range.high, 'g', 3));
    const int gap = (line + 2) / 3; // a third of a line, as between tick labels (ticklabels.h)
    const int top = r.bottom() + 6 + 8 + 2; // below the colour bar
    int left = r.left(), right = r.right();
    const int need = lowW + gap + highW;
    if (right - left + 1 < need) {
        const int w = std::min(need, width() - 8);
        left = std::clamp(r.center().x() - w / 2, 4, std::max(4, width() - 4 - w));
        right = left + w - 1;
    }
    const QRect low(left, top, lowW, line);
    if (right - left + 1 < need)
        return {low, QRect(right - highW + 1, top + line, highW, line)};
    return {low, QRect(right - highW + 1, top, highW, line)};
}

QPoint FeatureTileView::cellAt(const QPoint& pos) const {
    const QRect r = imageRect();
    if (r.isEmpty() || !r.contains(pos))
        return {-1, -1};
    const int x = std::min(m_width - 1, (pos.x() - r.x()) * m_width / r.width());
    const int y = std::min(m_height - 1, (pos.y() - r.y()) * m_height / r.height());
    return {x, y};
}

void FeatureTileView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().window());
    const int line = fontMetrics().height();
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(QRect(4, 2, width() - 8, line), Qt::AlignLeft | Qt::AlignVCenter, m_title);
    const QRect r = imageRect();
    if (r.isEmpty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                   m_title.isEmpty() ? tr("Click a tile") : QString());
        return;
    }
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(r, m_image);
    // The colour bar with its range, then the caption and the value under the cursor.
    const QRect bar(r.x(), r.bottom() + 6, r.width(), 8);
    p.drawImage(bar, featuregrid::colorBar(m_map, 256, 1));
    const auto [low, high] = rangeLabelRects();
    p.drawText(low, Qt::AlignLeft, QString::number(m_range.low, 'g', 3));
    p.drawText(high, Qt::AlignRight, QString::number(m_range.high, 'g', 3));
    const QString text = m_hoverText.isEmpty() ? m_caption : m_hoverText;
    p.drawText(QRect(4, std::max(low.bottom(), high.bottom()) + 1, width() - 8, line),
               Qt::AlignHCenter, text);
}

void FeatureTileView::mouseMoveEvent(QMouseEvent* event) {
    const QPoint cell = cellAt(event->position().toPoint());
    QString text;
    if (cell.x() >= 0) {
        const float v = m_values[static_cast<size_t>(cell.y()) * m_width + cell.x()];
        text = tr("x %1, y %2: %3").arg(cell.x()).arg(cell.y()).arg(v, 0, 'g', 4);
        Q_EMIT hovered(cell.x(), cell.y(), v);
    }
    if (text != m_hoverText) {
        m_hoverText = text;
        update();
    }
}

void FeatureTileView::leaveEvent(QEvent*) {
    m_hoverText.clear();
    update();
}

QImage FeatureTileView::exportImage() const {
    if (m_image.isNull())
        return {};
    const int scale = std::max(1, 384 / std::max(m_width, m_height));
    const int w = m_width * scale, h = m_height * scale;
    QImage out(w, h + 40, QImage::Format_RGB32);
    out.fill(Qt::white);
    QPainter p(&out);
    p.drawImage(QRect(0, 0, w, h), m_image);
    p.drawImage(QRect(0, h + 6, w, 10), featuregrid::colorBar(m_map, 256, 1));
    p.setPen(Qt::black);
    p.drawText(QRect(0, h + 18, w, 20), Qt::AlignLeft, QString::number(m_range.low, 'g', 3));
    p.drawText(QRect(0, h + 18, w, 20), Qt::AlignRight, QString::number(m_range.high, 'g', 3));
    p.drawText(QRect(0, h + 18, w, 20), Qt::AlignHCenter, m_title);
    return out;
}
