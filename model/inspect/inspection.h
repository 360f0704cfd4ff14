#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "inspect/inspector.h"

namespace reslab {

/// What the feature inspector shows for one image, made in one go on a worker thread: the net's
/// input, every layer's output, the image as the net sees it, the top k and, when asked for,
/// Grad-CAM. The still images and the camera's frames go through the same function.
struct Inspection {
    torch::Tensor input; // 1 x C x H x W, prepared for the net
    std::shared_ptr<const Capture> capture;
    FeatureMap seen;
    std::vector<Prediction> top;
    FeatureMap cam;         // empty unless asked for
    int64_t cam_class = -1; // the class cam is for
    std::string note;       // what was done to fit the image's channels
};

/// Grad-CAM is skipped for cam_class < -1, made for the top prediction for -1, or for the class.
constexpr int64_t kNoCam = -2;
constexpr int64_t kCamTopClass = -1;

/// image as read (its own channels) through the net: convert, prepare, capture, top k, Grad-CAM.
Inspection
inspect_image(const LoadedNet& net, const InputImage& image, int64_t k, int64_t cam_class);

/// How a camera frame is made into what a net was trained on.
struct FrameFit {
    /// Light objects on a dark ground, as Fashion-MNIST and MNIST draw them, from a camera that
    /// sees dark objects on a light table.
    bool invert = false;
};

/// A camera frame (as read, C x H x W in [0, 1]) made fit for the net: for a net trained at a
/// data set's own small size, the centred square of the frame (so that the object held up in the
/// middle fills the input as the data set's objects do, without being squashed), inverted if
/// asked; ImageNet nets keep the whole frame (their transform crops the centre itself).
/// Grey conversion, resizing and the data set's normalisation follow in prepare_input.
InputImage fit_frame(const InputImage& frame, const LoadedNet& net, const FrameFit& fit);

/// Whether a net's data set draws light objects on black (Fashion-MNIST, MNIST): the default of
/// FrameFit::invert for it.
bool draws_light_on_dark(const LoadedNet& net);

} // namespace reslab
