// The feature maps view's live input: a camera or a video file, frame by frame through the net.
#include "featuresview.h"

#include <QAction>
#include <QCheckBox>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QToolButton>

#include "featuressession.h"
#include "framesource.h"
#include "inspect/inspection.h"

bool FeaturesView::isLive() const {
    return m_frames && m_frames->active();
}

bool FeaturesView::startCamera(const QString& camera, QString* error) {
    return startLive([&](QString* why) { return m_frames->openCamera(camera, why); }, error);
}

bool FeaturesView::startVideo(const QString& path, bool loop, QString* error) {
    return startLive([&](QString* why) { return m_frames->openVideo(path, loop, why); }, error);
}

bool FeaturesView::startLive(const std::function<bool(QString*)>& open, QString* error) {
    QString why;
    if (!m_session->state().net && !m_session->busy())
        why = tr("Load weights first (a .pth file, a run folder or Random): each frame goes "
                 "through that net");
    else if (!open(&why) && why.isEmpty())
        why = tr("the live view cannot start");
    if (!why.isEmpty())
        return refuse(why, error);
    m_invertCheck->setVisible(true);
    showMessage(QString(), false);
    updateLiveCaption();
    return true;
}

void FeaturesView::stopLive() {
    if (isLive())
        onLiveEnded(QString());
}

void FeaturesView::onLiveEnded(const QString& why) {
    m_frames->stop();
    m_invertCheck->setVisible(false);
    updateLiveCaption();
    if (!why.isEmpty()) {
        showMessage(why, true);
        Q_EMIT loadFailed(why);
    }
    Q_EMIT liveStopped(why);
}

void FeaturesView::onLiveFrame(const QImage& frame) {
    try {
        m_session->setImage(inputFromQImage(frame), m_frames->sourceName());
    } catch (const std::exception& e) {
        onLiveEnded(tr("%1 gave a frame ResLab cannot read: %2")
                        .arg(m_frames->sourceName(), QString::fromUtf8(e.what())));
        return;
    }
    startCapture(/*live=*/true);
}

void FeaturesView::updateLiveCaption() {
    const FrameSource::Stats s = m_frames->stats();
    if (s.handed == 0) {
        m_imageLabel->setText(m_session->state().imageDescription);
        return;
    }
    // Short enough for a laptop's screen; the counts in full in the tool tip.
    m_imageLabel->setText(tr("%1 · %2 frames/s%3")
                              .arg(m_frames->sourceName())
                              .arg(s.fps, 0, 'f', 1)
                              .arg(isLive() ? QString() : tr(" · stopped")));
    m_imageLabel->setToolTip(
        tr("%1 frames through the net, %2 dropped while the net was busy, of %3 the source gave")
            .arg(s.handed)
            .arg(s.dropped)
            .arg(s.arrived));
}

void FeaturesView::buildCameraMenu() {
    auto* menu = m_cameraButton->menu();
    menu->clear();
    const QStringList cameras = FrameSource::cameras();
    if (cameras.isEmpty()) {
        auto* none = menu->addAction(tr("No camera found"));
        none->setEnabled(false);
        none->setToolTip(FrameSource::noCameraMessage());
    }
    for (const QString& name : cameras)
        connect(menu->addAction(name), &QAction::triggered, this,
                [this, name] { startCamera(name); });
    menu->addSeparator();
    connect(menu->addAction(tr("Video file…")), &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Play a video through the net"), QString(),
            tr("Videos (*.mp4 *.webm *.mkv *.avi *.mov *.ogv);;All files (*)"));
        if (!path.isEmpty())
            startVideo(path, /*loop=*/true);
    });
    auto* stop = menu->addAction(tr("Stop"));
    stop->setEnabled(isLive());
    connect(stop, &QAction::triggered, this, &FeaturesView::stopLive);
}
