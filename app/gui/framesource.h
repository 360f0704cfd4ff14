#pragma once

#include <deque>

#include <QElapsedTimer>
#include <QImage>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QVideoFrame>

class QCamera;
class QMediaCaptureSession;
class QMediaPlayer;
class QVideoSink;

/// Frames from a camera (Qt Multimedia) or a video file, for the feature inspector's live view.
/// It hands on one frame at a time and waits for frameDone(): a frame that arrives meanwhile
/// takes the place of the one waiting, so a net slower than the camera drops frames and never
/// falls behind (nothing queues).
class FrameSource : public QObject {
    Q_OBJECT
public:
    struct Stats {
        qint64 arrived = 0; // frames the camera or file gave
        qint64 handed = 0;  // frames handed on
        qint64 dropped = 0; // frames replaced by a newer one before they could be handed on
        double fps = 0.0;   // frames done per second over the last seconds
    };

    explicit FrameSource(QObject* parent = nullptr);
    ~FrameSource() override;

    /// The cameras Qt Multimedia sees, by description; the first is the default.
    static QStringList cameras();
    /// What to say when there is none.
    static QString noCameraMessage();
    /// What to say when a camera fails to start or stops giving pictures.
    static QString cameraFailedMessage(const QString& camera, const QString& why);

    /// camera: a description from cameras(), or empty for the default one.
    bool openCamera(const QString& camera, QString* error = nullptr);
    /// A video file in any format FFmpeg reads; loop plays it again at its end. False, and why,
    /// for a file that is missing or that FFmpeg cannot open.
    bool openVideo(const QString& path, bool loop, QString* error = nullptr);
    void stop();
    bool active() const { return m_active; }
    /// "camera: Integrated Webcam" or "video: clip.mp4".
    QString sourceName() const { return m_name; }
    Stats stats() const;

    /// The consumer has finished with the frame it was handed; the newest waiting one goes out.
    void frameDone();

Q_SIGNALS:
    void frameReady(const QImage& frame);
    /// The source cannot go on (the camera is busy or gone, the file does not play); it stopped.
    void failed(const QString& message);
    /// A video file played to its end (when not looping); it stopped.
    void ended();

private:
    void onFrame(const QVideoFrame& frame);
    void hand(const QVideoFrame& frame);
    void fail(const QString& message);
    void end();
    void teardown();

    QVideoSink* m_sink = nullptr;
    QMediaPlayer* m_player = nullptr;
    QCamera* m_camera = nullptr;
    QMediaCaptureSession* m_session = nullptr;
    QTimer m_watchdog; // a camera that opens but never gives a picture is as good as busy
    QString m_name;
    bool m_active = false;
    bool m_busy = false;    // a frame is out and frameDone() has not come yet
    bool m_ending = false;  // the file played to its end: finish the frames out, then stop
    bool m_loop = false;    // a video file starts again at its end
    bool m_opening = false; // within openVideo's setSource: a failure is returned, not signalled
    QString m_openError;
    QVideoFrame m_waiting;
    Stats m_stats;
    QElapsedTimer m_clock;
    std::deque<qint64> m_doneAt; // ms on m_clock, the last seconds' frames done
};
