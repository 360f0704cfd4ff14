#include "inspect/inspection.h"

#include <algorithm>

namespace reslab {

Inspection
inspect_image(const LoadedNet& net, const InputImage& image, int64_t k, int64_t cam_class) {
    Inspection r;
    const InputImage fitted = convert_input_image(image, net.spec.in_channels);
    r.note = fitted.note;
    r.input = prepare_input(net, fitted.pixels);
    r.capture = std::make_shared<const Capture>(capture(net, r.input));
    r.seen = seen_image(net, r.input);
    r.top = top_k(*r.capture, k, net.labels);
    if (cam_class >= kCamTopClass && !r.top.empty()) {
        r.cam_class = cam_class == kCamTopClass ? r.top.front().index : cam_class;
        r.cam = grad_cam(net, r.input, r.cam_class);
    }
    return r;
}

bool draws_light_on_dark(const LoadedNet& net) {
    const std::string& d = net.preprocessing.dataset;
    return d == "fashion-mnist" || d == "mnist";
}

InputImage fit_frame(const InputImage& frame, const LoadedNet& net, const FrameFit& fit) {
    InputImage out = frame;
    if (!net.preprocessing.imagenet_crop) {
        const int64_t h = frame.pixels.size(1), w = frame.pixels.size(2);
        const int64_t side = std::min(h, w);
        out.pixels = frame.pixels.narrow(1, (h - side) / 2, side).narrow(2, (w - side) / 2, side);
    }
    if (fit.invert)
        out.pixels = 1.0 - out.pixels;
    out.pixels = out.pixels.contiguous();
    return out;
}

} // namespace reslab
