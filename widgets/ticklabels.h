#pragma once
// Internal to widgets/ (includes qcustomplot.h; see curvelegend.h).

#include <functional>
#include <utility>

#include <QRect>
#include <QVector>
#include <qcustomplot.h>

namespace ticklabels {

/// The gap left between neighbouring tick labels, as a fraction of the text height: less and
/// labels at a small size (a 1366 x 768 screen) run together into a block.
constexpr double kGapOfTextHeight = 1.0 / 3.0;

/// Which of n labels at `positions` (pixels along an axis, in order) to show: the first, then
/// each next one whose distance to the last one shown is at least need(shown, next), and the
/// last in place of those shown before it that come too near it. Labels evenly spaced and of one
/// size come out as every k-th, for the smallest k that leaves the room, with the first and last.
QVector<int> keptLabels(const QVector<double>& positions,
                        const std::function<double(int, int)>& need);

/// Where the axis's tick labels that are not blank were drawn at the last replot, in the plot's
/// coordinates, in tick order (unrotated labels; a rotated one gets its unrotated box).
QVector<QRect> labelRects(const QCPAxis* axis);

/// The ticks whose labels are not blank, parallel to labelRects.
QVector<double> labelledTicks(const QCPAxis* axis);

} // namespace ticklabels

/// What SpacedTicker adds to its base ticker, apart from the template: the axis it blanks the
/// crowded labels of, and the length it last did so at. The first one made on a plot makes the
/// plot lay itself out again whenever an axis's length changed since its labels were thinned
/// (QCustomPlot makes the ticks before the layout gives the axes their new size).
class LabelSpacing {
public:
    explicit LabelSpacing(QCPAxis* axis);
    virtual ~LabelSpacing() = default;

    /// Blanks the labels that would come nearer than kGapOfTextHeight to a neighbour.
    void thin(const QVector<double>& ticks, QVector<QString>& labels);
    /// Whether the axis is not as long as when its labels were last thinned.
    bool stale() const;

private:
    int axisLength() const;

    QCPAxis* m_axis = nullptr;
    int m_length = -1;
};

/// A QCustomPlot ticker (QCPAxisTicker, QCPAxisTickerText, QCPAxisTickerLog or one derived from
/// them) whose labels never overlap: QCustomPlot picks ticks by count, not by the room they need,
/// so labels too near a neighbour are blanked (the tick stays, and the tooltip names it).
template <class Base> class SpacedTicker : public Base, public LabelSpacing {
public:
    template <class... Args>
    explicit SpacedTicker(QCPAxis* axis, Args&&... args)
        : Base(std::forward<Args>(args)...), LabelSpacing(axis) {}

    void generate(const QCPRange& range,
                  const QLocale& locale,
                  QChar formatChar,
                  int precision,
                  QVector<double>& ticks,
                  QVector<double>* subTicks,
                  QVector<QString>* tickLabels) override {
        Base::generate(range, locale, formatChar, precision, ticks, subTicks, tickLabels);
        if (tickLabels)
            thin(ticks, *tickLabels);
    }
};

namespace ticklabels {
/// Gives the axis a SpacedTicker<Base> and returns it.
template <class Base> QSharedPointer<SpacedTicker<Base>> setSpacedTicker(QCPAxis* axis) {
    QSharedPointer<SpacedTicker<Base>> ticker(new SpacedTicker<Base>(axis));
    axis->setTicker(ticker);
    return ticker;
}
} // namespace ticklabels
