#include "framesource.h"

#include <QCamera>
#include <QCameraDevice>
#include <QFileInfo>
#include <QMediaCaptureSession>
#include <QMediaDevices>
#include <QMediaPlayer>
#include <QUrl>
#include <QVideoSink>

namespace {

/// Qt 6.4 picks GStreamer on Linux, which needs plugins Debian installs apart (and crashes in a
/// pipeline without them); FFmpeg's backend decodes with libavcodec, which Qt Multimedia itself
/// depends on. Set before Qt Multimedia's first use, once per process; QT_MEDIA_BACKEND wins.
void chooseBackend() {
    if (qEnvironmentVariableIsEmpty("QT_MEDIA_BACKEND"))
        qputenv("QT_MEDIA_BACKEND", "ffmpeg");
}

constexpr int kFirstPictureMs = 6000; // how long a camera may take to give its first picture
constexpr qint64 kFpsWindowMs = 3000; // the frames per second are counted over this long

} // namespace

FrameSource::FrameSource(QObject* parent) : QObject(parent) {
    chooseBackend();
    m_watchdog.setSingleShot(true);
    connect(&m_watchdog, &QTimer::timeout, this, [this] {
        fail(cameraFailedMessage(m_name,
                                 tr("it gave no picture in %1 s").arg(kFirstPictureMs / 1000)));
    });
}

FrameSource::~FrameSource() {
    teardown();
}

QStringList FrameSource::cameras() {
    chooseBackend();
    QStringList names;
    for (const QCameraDevice& d : QMediaDevices::videoInputs())
        names << d.description();
    return names;
}

QString FrameSource::noCameraMessage() {
    return tr("No camera was found on this machine. Connect one (a webcam shows up as "
              "/dev/video0 and must be readable by you), or play a video file instead: "
              "Camera → Video file…");
}

QString FrameSource::cameraFailedMessage(const QString& camera, const QString& why) {
    return tr("The camera %1 does not work: %2. Another program may be using it: close that "
              "program and start the camera again, or play a video file instead.")
        .arg(camera, why);
}

bool FrameSource::openCamera(const QString& camera, QString* error) {
    chooseBackend();
    const QList<QCameraDevice> devices = QMediaDevices::videoInputs();
    auto refuse = [&](const QString& why) {
        if (error)
            *error = why;
        return false;
    };
    if (devices.isEmpty())
        return refuse(noCameraMessage());
    QCameraDevice device = QMediaDevices::defaultVideoInput();
    if (!camera.isEmpty()) {
        device = {};
        for (const QCameraDevice& d : devices)
            if (d.description() == camera || QString::fromUtf8(d.id()) == camera)
                device = d;
        if (device.isNull())
            return refuse(tr("There is no camera '%1'; the cameras are: %2")
                              .arg(camera, cameras().join(QStringLiteral(", "))));
    }
    teardown();
    m_name = tr("camera: %1").arg(device.description());
    m_sink = new QVideoSink(this);
    m_session = new QMediaCaptureSession(this);
    m_camera = new QCamera(device, this);
    m_session->setCamera(m_camera);
    m_session->setVideoSink(m_sink);
    connect(m_sink, &QVideoSink::videoFrameChanged, this, &FrameSource::onFrame);
    connect(m_camera, &QCamera::errorOccurred, this, [this](QCamera::Error e, const QString& why) {
        if (e != QCamera::NoError)
            fail(cameraFailedMessage(m_name, why.isEmpty() ? tr("it reported an error") : why));
    });
    m_active = true;
    m_stats = {};
    m_doneAt.clear();
    m_clock.start();
    m_camera->start();
    m_watchdog.start(kFirstPictureMs);
    return true;
}

bool FrameSource::openVideo(const QString& path, bool loop, QString* error) {
    const QFileInfo info(path);
    QString why;
    if (!info.exists())
        why = tr("There is no file '%1'").arg(path);
    else if (!info.isFile())
        why = tr("'%1' is not a file").arg(path);
    else if (!info.isReadable())
        why = tr("'%1' cannot be read (permissions)").arg(path);
    if (!why.isEmpty()) {
        if (error)
            *error = why;
        return false;
    }
    teardown();
    m_name = tr("video: %1").arg(info.fileName());
    m_sink = new QVideoSink(this);
    m_player = new QMediaPlayer(this);
    m_player->setVideoSink(m_sink);
    m_loop = loop;
    connect(m_sink, &QVideoSink::videoFrameChanged, this, &FrameSource::onFrame);
    connect(m_player, &QMediaPlayer::errorOccurred, this,
            [this, path](QMediaPlayer::Error e, const QString& text) {
                if (e != QMediaPlayer::NoError)
                    fail(tr("Cannot play '%1': %2. ResLab plays what FFmpeg reads (MP4, WebM, "
                            "AVI, MKV, ...).")
                             .arg(path, text.isEmpty() ? tr("not a video it can read") : text));
            });
    connect(m_player, &QMediaPlayer::mediaStatusChanged, this,
            [this, path](QMediaPlayer::MediaStatus s) {
                if (s == QMediaPlayer::InvalidMedia) {
                    fail(tr("Cannot play '%1': not a video FFmpeg reads").arg(path));
                } else if (s == QMediaPlayer::LoadedMedia) {
                    if (!m_player->hasVideo())
                        fail(tr("'%1' holds no video (sound only?)").arg(path));
                    else if (!m_opening)
                        m_player->play();
                } else if (s == QMediaPlayer::EndOfMedia && m_active && m_loop) {
                    // Looped by hand: Qt 6.4's FFmpeg backend ignores setLoops.
                    m_player->setPosition(0);
                    m_player->play();
                } else if (s == QMediaPlayer::EndOfMedia && m_active) {
                    // The frame out and the one waiting still go through: the last frame of
                    // the file is the one left on screen.
                    m_ending = true;
                    if (!m_busy && !m_waiting.isValid())
                        end();
                }
            });
    m_active = true;
    m_stats = {};
    m_doneAt.clear();
    m_clock.start();
    // Qt 6.4's FFmpeg backend opens the file within setSource and crashes in play() on one it
    // could not open: play only what loaded, and say at once why the rest did not.
    m_opening = true;
    m_player->setSource(QUrl::fromLocalFile(info.absoluteFilePath()));
    m_opening = false;
    if (!m_openError.isEmpty()) {
        if (error)
            *error = std::exchange(m_openError, QString());
        teardown();
        return false;
    }
    if (m_player->mediaStatus() == QMediaPlayer::LoadedMedia)
        m_player->play();
    return true;
}

void FrameSource::stop() {
    teardown();
}

void FrameSource::teardown() {
    m_watchdog.stop();
    m_active = false;
    m_ending = false;
    m_busy = false;
    m_waiting = {};
    // Disconnect first: a backend may still deliver a frame while it shuts down.
    if (m_sink)
        m_sink->disconnect(this);
    if (m_player) {
        m_player->disconnect(this);
        m_player->stop();
        m_player->deleteLater();
        m_player = nullptr;
    }
    if (m_camera) {
        m_camera->disconnect(this);
        m_camera->stop();
        m_camera->deleteLater();
        m_camera = nullptr;
    }
    if (m_session) {
        m_session->deleteLater();
        m_session = nullptr;
    }
    if (m_sink) {
        m_sink->deleteLater();
        m_sink = nullptr;
    }
}

void FrameSource::end() {
    teardown();
    Q_EMIT ended();
}

void FrameSource::fail(const QString& message) {
    if (m_opening) { // openVideo returns it
        if (m_openError.isEmpty())
            m_openError = message;
        return;
    }
    if (!m_active)
        return;
    teardown();
    Q_EMIT failed(message);
}

FrameSource::Stats FrameSource::stats() const {
    Stats s = m_stats;
    if (m_doneAt.size() >= 2) {
        const double span = static_cast<double>(m_doneAt.back() - m_doneAt.front());
        s.fps = span > 0.0 ? 1000.0 * static_cast<double>(m_doneAt.size() - 1) / span : 0.0;
    }
    return s;
}

void FrameSource::onFrame(const QVideoFrame& frame) {
    if (!m_active || !frame.isValid())
        return;
    m_watchdog.stop();
    ++m_stats.arrived;
    if (!m_busy) {
        hand(frame);
        return;
    }
    if (m_waiting.isValid())
        ++m_stats.dropped;
    m_waiting = frame;
}

void FrameSource::hand(const QVideoFrame& frame) {
    // Converted only when handed on: a dropped frame costs nothing.
    const QImage image = frame.toImage();
    if (image.isNull()) {
        ++m_stats.dropped;
        if (m_ending)
            end();
        return;
    }
    m_busy = true;
    ++m_stats.handed;
    Q_EMIT frameReady(image);
}

void FrameSource::frameDone() {
    if (!m_active)
        return;
    m_busy = false;
    const qint64 now = m_clock.elapsed();
    m_doneAt.push_back(now);
    while (m_doneAt.size() > 2 && now - m_doneAt.front() > kFpsWindowMs)
        m_doneAt.pop_front();
    if (m_waiting.isValid())
        hand(std::exchange(m_waiting, QVideoFrame()));
    else if (m_ending)
        end();
}
