// The feature maps view's inputs: the nets and images it is given, handed to its session, and
// what the view does with the session's answers.
#include "featuresview.h"

#include <algorithm>

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QTabWidget>

#include "featuressession.h"
#include "framesource.h"
#include "inspect/inspection.h"

using namespace features_detail;

reslab::InputImage inputFromQImage(const QImage& image) {
    if (image.isNull())
        throw reslab::ImageError("the image is empty");
    const bool grey = image.isGrayscale();
    const QImage converted =
        image.convertToFormat(grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
    const int channels = grey ? 1 : 3;
    // QImage pads its lines to 4 bytes; the model wants them packed.
    std::vector<uint8_t> packed(static_cast<size_t>(converted.width()) * converted.height() *
                                channels);
    const size_t line = static_cast<size_t>(converted.width()) * channels;
    for (int y = 0; y < converted.height(); ++y)
        std::copy_n(converted.constScanLine(y), line, packed.data() + y * line);
    return reslab::input_image_from_pixels(packed.data(), converted.height(), converted.width(),
                                           channels, 0);
}

void FeaturesView::connectSession() {
    connect(m_session, &FeaturesSession::failed, this, [this](const QString& why) {
        showMessage(why, true);
        Q_EMIT loadFailed(why);
    });
    connect(m_session, &FeaturesSession::netLoaded, this, &FeaturesView::onNetLoaded);
    connect(m_session, &FeaturesSession::testImageLoaded, this, [this] {
        m_imageLabel->setText(m_session->state().imageDescription);
        startCapture();
    });
    connect(m_session, &FeaturesSession::captured, this, [this](bool live, const QString& note) {
        if (!note.isEmpty() && !live)
            showMessage(note, false);
        showCapture(live);
        if (live) {
            Q_EMIT liveFrameShown();
            m_frames->frameDone();
            updateLiveCaption();
        }
    });
    connect(m_session, &FeaturesSession::captureDropped, this, [this](bool live) {
        if (live)
            m_frames->frameDone();
    });
    connect(m_session, &FeaturesSession::liveFailed, this, &FeaturesView::onLiveEnded);
    connect(m_session, &FeaturesSession::twinCaptured, this, [this] {
        showBlockPanel();
        showTwinPanel();
        showResponses();
    });
    connect(m_session, &FeaturesSession::gradCamReady, this, &FeaturesView::showSeenImage);
    connect(m_session, &FeaturesSession::batchResponsesReady, this, [this] {
        showMessage(QString(), false);
        showResponses();
    });
}

bool FeaturesView::refuse(const QString& why, QString* error) {
    showMessage(why, true);
    if (error)
        *error = why;
    return false;
}

bool FeaturesView::busy() const {
    return m_session->busy();
}

bool FeaturesView::loadWeights(const QString& path, const QString& arch, QString* error) {
    if (!QFileInfo::exists(path)) {
        const QString why = tr("There is no weights file or run folder %1").arg(path);
        return refuse(why, error);
    }
    showMessage(tr("Loading %1…").arg(QDir::toNativeSeparators(path)), false);
    m_session->loadNet(path, arch);
    return true;
}

bool FeaturesView::useRandomWeights(const QString& arch, QString* error) {
    try {
        m_session->useRandomNet(arch);
    } catch (const std::exception& e) {
        const QString why = firstLine(e.what());
        return refuse(why, error);
    }
    return true;
}

void FeaturesView::onNetLoaded(const QString& label, const QString& name, const QString& note) {
    m_netLabel->setText(label);
    showMessage(note, false);
    // Light-on-dark data sets see a camera's dark-on-light world inverted.
    m_invertCheck->setChecked(reslab::draws_light_on_dark(*m_session->state().net));
    Q_EMIT netChanged(name);
    m_sinceChosen.start();
    if (isLive())
        return; // the next frame goes through the new net
    if (m_session->state().image)
        startCapture();
    else
        m_session->warmUp();
}

bool FeaturesView::loadImageFile(const QString& path, QString* error) {
    stopLive();
    m_sinceChosen.start();
    try {
        m_session->setImage(reslab::read_input_image(path.toStdString(), 0),
                            QDir::toNativeSeparators(path));
    } catch (const std::exception& e) {
        const QString why = firstLine(e.what());
        Q_EMIT loadFailed(why);
        return refuse(why, error);
    }
    m_imageLabel->setText(m_session->state().imageDescription);
    showMessage(QString(), false);
    startCapture();
    return true;
}

bool FeaturesView::loadImage(const QImage& image, const QString& description, QString* error) {
    stopLive();
    m_sinceChosen.start();
    QString why;
    if (image.isNull()) {
        why = tr("%1 holds no image").arg(description);
    } else {
        try {
            m_session->setImage(inputFromQImage(image), description);
        } catch (const std::exception& e) {
            why = firstLine(e.what());
        }
    }
    if (!why.isEmpty()) {
        return refuse(why, error);
    }
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
        return refuse(why, error);
    }
    return loadImage(image, tr("sample: %1").arg(name), error);
}

void FeaturesView::loadTestSample(int index) {
    const auto& net = m_session->state().net;
    if (!net) {
        showMessage(tr("Load weights first: the test image comes from the net's data set"), true);
        return;
    }
    if (net->preprocessing.dataset == "imagenet") {
        showMessage(
            tr("ImageNet's test split is not on this machine: open an image file or pick a sample"),
            true);
        return;
    }
    stopLive();
    m_sinceChosen.start();
    m_session->loadTestImage(index);
}

void FeaturesView::startCapture(bool live) {
    m_session->capture(live, m_camCheck->isChecked(), m_invertCheck->isChecked());
}

void FeaturesView::startTwinCapture() {
    m_session->captureTwin();
}

void FeaturesView::startGradCam() {
    m_session->gradCam(m_camClass->currentData().isValid() ? m_camClass->currentData().toLongLong()
                                                           : 0);
}

void FeaturesView::responsesForBatch() {
    const auto& net = m_session->state().net;
    if (!net)
        return;
    if (net->preprocessing.dataset == "imagenet") {
        showMessage(tr("ImageNet's test split is not on this machine: the responses are for the "
                       "loaded image"),
                    true);
        return;
    }
    showMessage(tr("Running %1 test images through both nets…").arg(kBatchImages), false);
    m_session->batchResponses(kBatchImages);
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
    m_session->loadSnapshot(folder, snapshot);
}
