#include "colormaps.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace colormap {
namespace {

template <size_t N> QRgb interpolate(const std::array<QRgb, N>& stops, double t) {
    if (!(t >= 0.0)) // NaN too
        t = 0.0;
    t = std::min(t, 1.0);
    const double pos = t * (N - 1);
    const size_t i = std::min<size_t>(static_cast<size_t>(pos), N - 2);
    const double f = pos - static_cast<double>(i);
    auto mix = [f](int a, int b) { return static_cast<int>(std::lround(a + (b - a) * f)); };
    return qRgb(mix(qRed(stops[i]), qRed(stops[i + 1])),
                mix(qGreen(stops[i]), qGreen(stops[i + 1])),
                mix(qBlue(stops[i]), qBlue(stops[i + 1])));
}

} // namespace

QRgb viridis(double t) {
    return interpolate(kViridisStops, t);
}

QRgb diverging(double t) {
    return interpolate(kDivergingStops, t);
}

} // namespace colormap
