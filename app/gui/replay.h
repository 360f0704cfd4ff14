#pragma once

#include <vector>

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

#include "train/config.h"
#include "train/records.h"

/// Plays recorded runs back as if they trained: their records are handed out in step order, all
/// runs at the same step, at 1x to 50x the pace they were recorded at, with pause and seeking.
/// A recording is an experiment folder of run folders that ResLab wrote (tools/make-recordings);
/// it is copied to the cache first, so that the views that write beside a run (a loss landscape)
/// work on a replay too and the shipped files stay as they are.
class Replay : public QObject {
    Q_OBJECT
public:
    struct RecordedRun {
        reslab::RunConfig config;
        QString folder; // the copy the views read
        std::vector<reslab::MetricRecord> records;
        size_t shown = 0; // records handed out so far
        bool done() const { return shown == records.size(); }
    };

    static constexpr double kMinSpeed = 1.0;
    static constexpr double kMaxSpeed = 50.0;

    explicit Replay(QObject* parent = nullptr);

    /// Loads the runs of a recording (a shipped recording's name, or a folder) that these names
    /// ask for, in this order (every run of it when names is empty). False, and why, when it is
    /// missing, damaged, or lacks a run.
    bool load(const QString& recording, const QStringList& names, QString* error);
    /// Where the shipped recordings are: $RESLAB_RECORDINGS, the installed share/reslab/recordings,
    /// else the source tree's resources/recordings.
    static QString recordingsFolder();

    const std::vector<RecordedRun>& runs() const { return m_runs; }
    /// The last step of the longest run.
    qint64 lastStep() const { return m_lastStep; }
    double position() const { return m_position; }
    bool atEnd() const { return m_position >= static_cast<double>(m_lastStep); }
    bool isPlaying() const { return m_timer.isActive(); }
    double speed() const { return m_speed; }
    /// Steps a second at 1x: the pace the runs trained at when they were recorded.
    double recordedStepsPerSecond() const { return m_stepsPerSecond; }
    /// Seconds the rest of the replay takes at the current speed.
    double secondsLeft() const;

public Q_SLOTS:
    void play();
    void pause();
    void setSpeed(double speed);
    /// Moves to a step: forward hands out the records up to it; back emits rewound() first and
    /// then hands out everything up to it again.
    void seek(double step);

Q_SIGNALS:
    /// What was handed out is to be forgotten: the position went back.
    void rewound();
    void recordsRevealed(int run, const std::vector<reslab::MetricRecord>& records);
    void positionChanged(double step);
    void playingChanged(bool playing);
    /// The position reached the last step.
    void ended();

private:
    void tick();
    void reveal();

    std::vector<RecordedRun> m_runs;
    qint64 m_lastStep = 0;
    double m_position = 0.0;
    double m_speed = 20.0;
    double m_stepsPerSecond = 10.0;
    QTimer m_timer;
    QElapsedTimer m_clock;
};
