#pragma once

// The feature maps view's session, shared by its source files and seen by nothing else: torch
// stays out of featuresview.h, which the main window includes.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QImage>
#include <QString>
#include <QThreadPool>

#include "data/dataset.h"
#include "inspect/inspector.h"

/// The torch side of the view, kept out of the header. Tensors here are made on the pool thread
/// and never changed afterwards, so the GUI thread may hand them to the next job.
struct FeaturesState {
    QThreadPool pool;
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

/// A QImage (from the clipboard, a drop, a sample or a camera) as the model reads images: grey
/// or RGB, packed. Throws reslab::ImageError for an image it cannot take.
reslab::InputImage inputFromQImage(const QImage& image);
