#include "featuressession.h"
#include "weightssnapshot.h"

#include <algorithm>
#include <optional>

#include <QDir>
#include <QRandomGenerator>

#include "inspect/inspection.h"

using namespace features_detail;

FeaturesSession::FeaturesSession(QObject* parent) : QObject(parent) {
    m_pool.setMaxThreadCount(1);
}

FeaturesSession::~FeaturesSession() {
    m_pool.waitForDone();
}

template <class Work, class Done> void FeaturesSession::run(Work work, Done done) {
    ++m_pending;
    m_pool.start([this, work = std::move(work), done = std::move(done)]() mutable {
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
                    Q_EMIT failed(*error);
                    return;
                }
                done(std::move(**result));
            },
            Qt::QueuedConnection);
    });
}

void FeaturesSession::adopt(reslab::LoadedNetPtr net, const QString& path, const QString& label) {
    m_state.net = std::move(net);
    m_state.netPath = path;
    m_state.twin.reset();
    m_state.batchSize = 0;
    m_state.testSet.reset();
    Q_EMIT netLoaded(label, qs(m_state.net->spec.name), qs(m_state.net->note));
}

void FeaturesSession::loadNet(const QString& path, const QString& arch) {
    const std::string p = path.toStdString(), a = arch.toStdString();
    run([p, a] { return reslab::load_net(p, a); },
        [this, path](reslab::LoadedNetPtr net) {
            const QString label =
                tr("%1 from %2").arg(qs(net->spec.name), QDir::toNativeSeparators(path));
            adopt(std::move(net), path, label);
        });
}

void FeaturesSession::loadSnapshot(const QString& folder,
                                   const std::shared_ptr<const WeightsSnapshot>& snapshot) {
    const std::string f = folder.toStdString();
    const std::string source = "the training net at step " + std::to_string(snapshot->step);
    run([f, snapshot, source] { return reslab::load_run_net(f, snapshot->state, source); },
        [this, folder, step = snapshot->step](reslab::LoadedNetPtr net) {
            const QString label =
                tr("%1 while it trains: step %2").arg(qs(net->spec.name)).arg(step);
            adopt(std::move(net), folder, label);
        });
}

void FeaturesSession::useRandomNet(const QString& arch) {
    adopt(reslab::random_net(arch.toStdString(), 0), QString(),
          tr("%1 with random weights (seed 0)").arg(arch));
}

void FeaturesSession::setImage(reslab::InputImage image, const QString& description) {
    m_state.image = std::move(image);
    m_state.imageDescription = description;
}

void FeaturesSession::loadTestImage(int index) {
    const std::string dataset = m_state.net->preprocessing.dataset;
    auto cached = m_state.testSetName == dataset ? m_state.testSet : nullptr;
    run(
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
            m_state.testSet = set;
            m_state.testSetName = dataset;
            const int64_t n = set->images.size(0);
            const int64_t i = index >= 0 ? std::min<int64_t>(index, n - 1)
                                         : QRandomGenerator::global()->bounded(static_cast<int>(n));
            const int64_t label = set->labels[i].item<int64_t>();
            const QString name = label < static_cast<int64_t>(set->classes.size())
                                     ? qs(set->classes[label])
                                     : QString::number(label);
            setImage(reslab::input_image_from_dataset(set->images[i], 0),
                     tr("%1 test image #%2 (label: %3)").arg(qs(dataset)).arg(i).arg(name));
            Q_EMIT testImageLoaded();
        });
}

void FeaturesSession::capture(bool live, bool cam, bool invert) {
    if (!m_state.net || !m_state.image) {
        Q_EMIT captureDropped(live);
        return;
    }
    const quint64 generation = ++m_generation;
    auto net = m_state.net;
    const reslab::InputImage image = *m_state.image;
    // A still image shows its grid first and its Grad-CAM after, in a job of its own; a live
    // frame has both in one job, so the overlay always belongs to the frame under it.
    const int64_t camClass = live && cam ? reslab::kCamTopClass : reslab::kNoCam;
    const reslab::FrameFit fit{live && invert};
    struct Result {
        std::optional<reslab::Inspection> inspection;
        QString error;
    };
    run(
        [net, image, camClass, live, fit] {
            Result r;
            try {
                r.inspection = reslab::inspect_image(
                    *net, live ? reslab::fit_frame(image, *net, fit) : image, kTopK, camClass);
            } catch (const std::exception& e) {
                if (!live)
                    throw;
                r.error = firstLine(e.what()); // the live view stops with it
            }
            return r;
        },
        [this, generation, live](Result r) {
            if (live && !r.error.isEmpty()) {
                Q_EMIT liveFailed(r.error);
                return;
            }
            if (generation != m_generation) { // a newer image or net was chosen meanwhile
                Q_EMIT captureDropped(live);
                return;
            }
            reslab::Inspection& i = *r.inspection;
            m_state.input = i.input;
            m_state.capture = i.capture;
            m_state.seen = std::move(i.seen);
            m_state.top = std::move(i.top);
            m_state.twinCapture.reset();
            m_state.cam = std::move(i.cam);
            m_state.camClass = i.cam_class;
            Q_EMIT captured(live, qs(i.note));
        });
}

void FeaturesSession::warmUp() {
    auto net = m_state.net;
    run(
        [net] {
            torch::NoGradGuard no_grad;
            const int64_t side = net->preprocessing.imagenet_crop ? 224 : net->preprocessing.size;
            net->net.ptr()->forward(torch::zeros({1, net->spec.in_channels, side, side}));
            return true;
        },
        [](bool) {});
}

void FeaturesSession::captureTwin() {
    if (!m_state.net || !m_state.capture || m_state.twinCapture)
        return;
    const quint64 generation = m_generation;
    auto net = m_state.net;
    auto twin = m_state.twin;
    const torch::Tensor input = m_state.input;
    const std::string path = m_state.netPath.toStdString();
    struct Result {
        reslab::LoadedNetPtr twin;
        std::shared_ptr<const reslab::Capture> capture;
    };
    run(
        [net, twin, input, path] {
            Result r;
            r.twin = twin ? twin : reslab::twin_net(*net, path);
            r.capture = std::make_shared<const reslab::Capture>(reslab::capture(*r.twin, input));
            return r;
        },
        [this, generation](Result r) {
            if (generation != m_generation)
                return;
            m_state.twin = r.twin;
            m_state.twinCapture = r.capture;
            Q_EMIT twinCaptured();
        });
}

void FeaturesSession::gradCam(int64_t cls) {
    if (!m_state.net || !m_state.capture)
        return;
    const quint64 generation = m_generation;
    auto net = m_state.net;
    const torch::Tensor input = m_state.input;
    run([net, input, cls] { return reslab::grad_cam(*net, input, cls); },
        [this, generation, cls](reslab::FeatureMap cam) {
            if (generation != m_generation)
                return;
            m_state.cam = std::move(cam);
            m_state.camClass = cls;
            Q_EMIT gradCamReady();
        });
}

void FeaturesSession::batchResponses(int images) {
    const std::string dataset = m_state.net->preprocessing.dataset;
    auto net = m_state.net;
    auto twin = m_state.twin;
    auto cached = m_state.testSetName == dataset ? m_state.testSet : nullptr;
    const std::string path = m_state.netPath.toStdString();
    struct Result {
        std::shared_ptr<const reslab::Dataset> set;
        reslab::LoadedNetPtr twin;
        std::vector<reslab::LayerResponse> net, other;
    };
    run(
        [net, twin, cached, dataset, path, images] {
            Result r;
            r.set = cached;
            if (!r.set) {
                reslab::DataOptions options;
                options.name = dataset;
                options.split = reslab::Split::Test;
                r.set = std::make_shared<reslab::Dataset>(reslab::load_dataset(options));
            }
            std::vector<torch::Tensor> inputs;
            const int64_t n = std::min<int64_t>(images, r.set->images.size(0));
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
        [this, net, images](Result r) {
            if (net != m_state.net)
                return;
            m_state.testSet = r.set;
            m_state.testSetName = net->preprocessing.dataset;
            m_state.twin = r.twin;
            m_state.batchNet = std::move(r.net);
            m_state.batchTwin = std::move(r.other);
            m_state.batchSize = static_cast<int>(std::min<int64_t>(images, r.set->images.size(0)));
            Q_EMIT batchResponsesReady();
        });
}
