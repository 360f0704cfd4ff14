#pragma once

// The feature maps view's session, shared by its source files and seen by nothing else: torch
// stays out of featuresview.h, which the main window includes.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QImage>
#include <QString>

#include "data/dataset.h"
#include "inspect/inspector.h"

/// The torch side of the view, kept out of the header. Tensors here are made on the pool thread
/// and never changed afterwards, so the GUI thread may hand them to the next job.
struct FeaturesState {
    reslab::LoadedNetPtr net;
    reslab::LoadedNetPtr twin;
    QString netPath; // file or run folder the net came from (the twin is looked up beside it)
    std::optional<reslab::InputImage> image; // as read, in its own channels
    QString imageDescription;
    torch::Tensor input; // prepared for net
    std::shared_ptr<const reslab::Capture> capture;
    std::shared_ptr<const reslab::Capture> twinCapture;
    reslab::FeatureMap seen;
    reslab::FeatureMap cam;
    int64_t camClass = -1;
    std::vector<reslab::Prediction> top;
    std::shared_ptr<const reslab::Dataset> testSet;
    std::string testSetName;
    std::vector<reslab::LayerResponse> batchNet, batchTwin;
    int batchSize = 0;
};

/// What the view's source files share besides the session.
namespace features_detail {

constexpr int kTopK = 5;
constexpr int kBatchImages = 64; // test images for the batch responses (Fig. 7)
constexpr int kSeenSide = 224;   // pixels the "what the net sees" image is shown at

inline QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

/// c10::Error carries a C++ backtrace after its first line; the first line is the message.
inline QString firstLine(const char* what) {
    const QString text = QString::fromUtf8(what);
    return text.section(QLatin1Char('\n'), 0, 0);
}

} // namespace features_detail

/// A QImage (from the clipboard, a drop, a sample or a camera) as the model reads images: grey
/// or RGB, packed. Throws reslab::ImageError for an image it cannot take.
reslab::InputImage inputFromQImage(const QImage& image);
