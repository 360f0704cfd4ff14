#pragma once

#include <array>

#include <QRgb>

/// The colour maps every view draws with, defined once so that a value has the same colour in
/// the feature maps, the gradient heatmap and the block graph's tint.
namespace colormap {

/// Viridis (matplotlib's default map: ordered in lightness, readable in grey and for colour-blind
/// eyes) at ten evenly spaced stops.
inline constexpr std::array<QRgb, 10> kViridisStops = {0x440154, 0x482878, 0x3e4989, 0x31688e,
                                                       0x26828e, 0x1f9e89, 0x35b779, 0x6ece58,
                                                       0xb5de2b, 0xfde725};
/// Blue, near-white, red: zero sits on the light middle, the sign shows as hue.
inline constexpr std::array<QRgb, 3> kDivergingStops = {0x3b4cc0, 0xf2f2f2, 0xb40426};

/// The map at t in [0, 1] (clamped; NaN counts as 0), linear between the stops.
QRgb viridis(double t);
QRgb diverging(double t);

} // namespace colormap
