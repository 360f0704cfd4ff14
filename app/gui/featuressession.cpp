// The feature maps view's session: loading nets and images, and the jobs on its one-thread pool
// that capture an image through the net, its twin, Grad-CAM and the batch responses.
#include "featuresview.h"
#include "weightssnapshot.h"

#include <algorithm>
#include <optional>

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QRandomGenerator>

#include "featuresstate.h"
#include "framesource.h"
#include "inspect/inspection.h"

using namespace features_detail;

template <class Work, class Done> void FeaturesView::runInBackground(Work work, Done done) {
    ++m_pending;
    m_state->pool.start([this, work = std::move(work), done = std::move(done)]() mutable {
        using Result = decltype(work());
        auto result = std::make_shared<std::optional<Result>>();
        auto error = std::make_shared<QString>();
        try {
            result->emplace(work());
        } catch (const std::exception& e) {
            *error = firstLine(e.what());
        }
        QMetaObject::invokeMethod(
            this,
            [this, result, error, done = std::move(done)]() mutable {
                --m_pending;
                if (!result->has_value()) {
                    showMessage(*error, true);
                    Q_EMIT loadFailed(*error);
                    return;
                }
                done(std::move(**result));
            },
            Qt::QueuedConnection);
    });
}

bool FeaturesView::loadWeights(const QString& path, const QString& arch, QString* error) {
    if (!QFileInfo::exists(path)) {
        const QString why = tr("There is no weights file or run folder %1").arg(path);
        showMessage(why, true);
        if (error)
            *error = why;
        return false;
    }
    showMessage(tr("Loading %1…").arg(QDir::toNativeSeparators(path)), false);
    const std::string p = path.toStdString(), a = arch.toStdString();
    runInBackground([p, a] { return reslab::load_net(p, a); },
                    [this, path](reslab::LoadedNetPtr net) {
                        const QString name = qs(net->spec.name);
                        const QString note = qs(net->note);
                        adoptNet(std::move(net), path,
                                 tr("%1 from %2").arg(name, QDir::toNativeSeparators(path)), name,
                                 note);
                    });
    return true;
}

bool FeaturesView::useRandomWeights(const QString& arch, QString* error) {
    reslab::LoadedNetPtr net;
    try {
        net = reslab::random_net(arch.toStdString(), 0);
    } catch (const std::exception& e) {
        const QString why = firstLine(e.what());
        showMessage(why, true);
        if (error)
            *error = why;
        return false;
    }
    adoptNet(std::move(net), QString(), tr("%1 with random weights (seed 0)").arg(arch), arch,
             QString());
    return true;
}

void FeaturesView::adoptNet(reslab::LoadedNetPtr net,
                            const QString& path,
                            const QString& label,
                            const QString& name,
                            const QString& note) {
    m_state->net = std::move(net);
    m_state->netPath = path;
    m_state->twin.reset();
    m_state->batchSize = 0;
    m_state->testSet.reset();
    m_netLabel->setText(label);
    showMessage(note, false);
    // Light-on-dark data sets see a camera's dark-on-light world inverted.
    m_invertCheck->setChecked(reslab::draws_light_on_dark(*m_state->net));
    Q_EMIT netChanged(name);
    m_sinceChosen.start();
    if (isLive())
        return; // the next frame goes through the new net
    if (m_state->image)
        startCapture();
    else
        warmUp();
}

bool FeaturesView::loadImageFile(const QString& path, QString* error) {
    stopLive();
    m_sinceChosen.start();
    try {
        m_state->image = reslab::read_input_image(path.toStdString(), 0);
    } catch (const std::exception& e) {
        const QString why = firstLine(e.what());
        showMessage(why, true);
        Q_EMIT loadFailed(why);
        if (error)
            *error = why;
        return false;
    }
    m_state->imageDescription = QDir::toNativeSeparators(path);
    m_imageLabel->setText(m_state->imageDescription);
    showMessage(QString(), false);
    startCapture();
    return true;
}

bool FeaturesView::loadImage(const QImage& image, const QString& description, QString* error) {
    stopLive();
    m_sinceChosen.start();
    if (image.isNull()) {
        const QString why = tr("%1 holds no image").arg(description);
        showMessage(why, true);
        if (error)
            *error = why;
        return false;
    }
    try {
        m_state->image = inputFromQImage(image);
    } catch (const std::exception& e) {
        const QString why = firstLine(e.what());
        showMessage(why, true);
        if (error)
            *error = why;
        return false;
    }
    m_state->imageDescription = description;
    m_imageLabel->setText(description);
    showMessage(QString(), false);
    startCapture();
    return true;
}

QStringList FeaturesView::sampleNames() const {
    QStringList names;
    for (const QString& f : QDir(QStringLiteral(":/samples"))
                                .entryList({QStringLiteral("*.png")}, QDir::Files, QDir::Name))
        names << QFileInfo(f).completeBaseName();
    return names;
}

bool FeaturesView::loadSample(const QString& name, QString* error) {
    const QString path = QStringLiteral(":/samples/%1.png").arg(name);
    QImage image(path);
    if (image.isNull()) {
        const QString why = tr("There is no sample image '%1'; the samples are: %2")
                                .arg(name, sampleNames().join(QStringLiteral(", ")));
        showMessage(why, true);
        if (error)
            *error = why;
        return false;
    }
    return loadImage(image, tr("sample: %1").arg(name), error);
}

void FeaturesView::loadTestSample(int index) {
    if (!m_state->net) {
        showMessage(tr("Load weights first: the test image comes from the net's data set"), true);
        return;
    }
    const std::string dataset = m_state->net->preprocessing.dataset;
    if (dataset == "imagenet") {
        showMessage(
            tr("ImageNet's test split is not on this machine: open an image file or pick a sample"),
            true);
        return;
    }
    stopLive();
    m_sinceChosen.start();
    auto cached = m_state->testSetName == dataset ? m_state->testSet : nullptr;
    runInBackground(
        [dataset, cached] {
            if (cached)
                return cached;
            reslab::DataOptions options;
            options.name = dataset;
            options.split = reslab::Split::Test;
            return std::shared_ptr<const reslab::Dataset>(
                std::make_shared<reslab::Dataset>(reslab::load_dataset(options)));
        },
        [this, dataset, index](std::shared_ptr<const reslab::Dataset> set) {
            m_state->testSet = set;
            m_state->testSetName = dataset;
            const int64_t n = set->images.size(0);
            const int64_t i = index >= 0 ? std::min<int64_t>(index, n - 1)
                                         : QRandomGenerator::global()->bounded(static_cast<int>(n));
            m_state->image = reslab::input_image_from_dataset(set->images[i], 0);
            const int64_t label = set->labels[i].item<int64_t>();
            const QString name = label < static_cast<int64_t>(set->classes.size())
                                     ? qs(set->classes[label])
                                     : QString::number(label);
            m_state->imageDescription =
                tr("%1 test image #%2 (label: %3)").arg(qs(dataset)).arg(i).arg(name);
            m_imageLabel->setText(m_state->imageDescription);
            startCapture();
        });
}

void FeaturesView::startCapture(bool live) {
    if (!m_state->net || !m_state->image) {
        if (live)
            m_frames->frameDone();
        return;
    }
    const quint64 generation = ++m_generation;
    auto net = m_state->net;
    const reslab::InputImage image = *m_state->image;
    // A still image shows its grid first and its Grad-CAM after, in a job of its own; a live
    // frame has both in one job, so the overlay always belongs to the frame under it.
    const int64_t cam = live && m_camCheck->isChecked() ? reslab::kCamTopClass : reslab::kNoCam;
    const reslab::FrameFit fit{live && m_invertCheck->isChecked()};
    struct Result {
        std::optional<reslab::Inspection> inspection;
        QString error;
    };
    runInBackground(
        [net, image, cam, live, fit] {
            Result r;
            try {
                r.inspection = reslab::inspect_image(
                    *net, live ? reslab::fit_frame(image, *net, fit) : image, kTopK, cam);
            } catch (const std::exception& e) {
                if (!live)
                    throw;
                r.error = firstLine(e.what()); // the live view stops with it
            }
            return r;
        },
        [this, generation, live](Result r) {
            if (live && !r.error.isEmpty()) {
                onLiveEnded(r.error);
                return;
            }
            if (generation != m_generation) { // a newer image or net was chosen meanwhile
                if (live)
                    m_frames->frameDone();
                return;
            }
            reslab::Inspection& i = *r.inspection;
            m_state->input = i.input;
            m_state->capture = i.capture;
            m_state->seen = std::move(i.seen);
            m_state->top = std::move(i.top);
            m_state->twinCapture.reset();
            m_state->cam = std::move(i.cam);
            m_state->camClass = i.cam_class;
            if (!i.note.empty() && !live)
                showMessage(qs(i.note), false);
            showCapture(live);
            if (live) {
                Q_EMIT liveFrameShown();
                m_frames->frameDone();
                updateLiveCaption();
            }
        });
}

void FeaturesView::warmUp() {
    // The first forward pass of a process or a net allocates its buffers and picks its kernels,
    // several times slower than the next; do it while the user picks an image, not after.
    auto net = m_state->net;
    runInBackground(
        [net] {
            torch::NoGradGuard no_grad;
            const int64_t side = net->preprocessing.imagenet_crop ? 224 : net->preprocessing.size;
            net->net.ptr()->forward(torch::zeros({1, net->spec.in_channels, side, side}));
            return true;
        },
        [](bool) {});
}

void FeaturesView::startTwinCapture() {
    if (!m_state->net || !m_state->capture || m_state->twinCapture)
        return;
    const quint64 generation = m_generation;
    auto net = m_state->net;
    auto twin = m_state->twin;
    const torch::Tensor input = m_state->input;
    const std::string path = m_state->netPath.toStdString();
    struct Result {
        reslab::LoadedNetPtr twin;
        std::shared_ptr<const reslab::Capture> capture;
    };
    runInBackground(
        [net, twin, input, path] {
            Result r;
            r.twin = twin ? twin : reslab::twin_net(*net, path);
            r.capture = std::make_shared<const reslab::Capture>(reslab::capture(*r.twin, input));
            return r;
        },
        [this, generation](Result r) {
            if (generation != m_generation)
                return;
            m_state->twin = r.twin;
            m_state->twinCapture = r.capture;
            showBlockPanel();
            showTwinPanel();
            showResponses();
        });
}

void FeaturesView::startGradCam() {
    if (!m_state->net || !m_state->capture)
        return;
    const int64_t cls =
        m_camClass->currentData().isValid() ? m_camClass->currentData().toLongLong() : 0;
    const quint64 generation = m_generation;
    auto net = m_state->net;
    const torch::Tensor input = m_state->input;
    runInBackground([net, input, cls] { return reslab::grad_cam(*net, input, cls); },
                    [this, generation, cls](reslab::FeatureMap cam) {
                        if (generation != m_generation)
                            return;
                        m_state->cam = std::move(cam);
                        m_state->camClass = cls;
                        showSeenImage();
                    });
}

void FeaturesView::responsesForBatch() {
    if (!m_state->net)
        return;
    const std::string dataset = m_state->net->preprocessing.dataset;
    if (dataset == "imagenet") {
        showMessage(tr("ImageNet's test split is not on this machine: the responses are for the "
                       "loaded image"),
                    true);
        return;
    }
    auto net = m_state->net;
    auto twin = m_state->twin;
    auto cached = m_state->testSetName == dataset ? m_state->testSet : nullptr;
    const std::string path = m_state->netPath.toStdString();
    struct Result {
        std::shared_ptr<const reslab::Dataset> set;
        reslab::LoadedNetPtr twin;
        std::vector<reslab::LayerResponse> net, other;
    };
    showMessage(tr("Running %1 test images through both nets…").arg(kBatchImages), false);
    runInBackground(
        [net, twin, cached, dataset, path] {
            Result r;
            r.set = cached;
            if (!r.set) {
                reslab::DataOptions options;
                options.name = dataset;
                options.split = reslab::Split::Test;
                r.set = std::make_shared<reslab::Dataset>(reslab::load_dataset(options));
            }
            std::vector<torch::Tensor> inputs;
            const int64_t n = std::min<int64_t>(kBatchImages, r.set->images.size(0));
            for (int64_t i = 0; i < n; ++i) {
                const auto image =
                    reslab::input_image_from_dataset(r.set->images[i], net->spec.in_channels);
                inputs.push_back(reslab::prepare_input(*net, image.pixels));
            }
            const torch::Tensor batch = torch::cat(inputs);
            r.twin = twin ? twin : reslab::twin_net(*net, path);
            r.net = reslab::response_stds(*net, batch);
            r.other = reslab::response_stds(*r.twin, batch);
            return r;
        },
        [this, net](Result r) {
            if (net != m_state->net)
                return;
            m_state->testSet = r.set;
            m_state->testSetName = net->preprocessing.dataset;
            m_state->twin = r.twin;
            m_state->batchNet = std::move(r.net);
            m_state->batchTwin = std::move(r.other);
            m_state->batchSize =
                static_cast<int>(std::min<int64_t>(kBatchImages, r.set->images.size(0)));
            showMessage(QString(), false);
            showResponses();
        });
}

void FeaturesView::useCurrentRun() {
    const QString folder = m_currentRun ? m_currentRun() : QString();
    if (folder.isEmpty()) {
        showMessage(tr("No run is being trained or selected; start one, or open a run folder"),
                    true);
        return;
    }
    if (m_requestSnapshot && m_requestSnapshot(folder)) {
        showMessage(tr("Copying the weights of the training net between two steps…"), false);
        return;
    }
    loadWeights(folder);
}

void FeaturesView::loadSnapshot(const QString& folder,
                                const std::shared_ptr<const WeightsSnapshot>& snapshot) {
    const std::string f = folder.toStdString();
    const std::string source = "the training net at step " + std::to_string(snapshot->step);
    runInBackground(
        [f, snapshot, source] { return reslab::load_run_net(f, snapshot->state, source); },
        [this, folder, step = snapshot->step](reslab::LoadedNetPtr net) {
            const QString name = qs(net->spec.name);
            const QString note = qs(net->note);
            adoptNet(std::move(net), folder, tr("%1 while it trains: step %2").arg(name).arg(step),
                     name, note);
        });
}
