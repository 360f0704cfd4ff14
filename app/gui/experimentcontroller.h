#pragma once

#include <string>
#include <vector>

#include <QObject>
#include <QPointer>
#include <QThread>

#include "trainingworker.h"

/// Owns the training thread: starts an experiment on it, pauses, resumes and stops it, and relays
/// what the worker reports. Destroying the controller stops the run (with a checkpoint) and waits.
class ExperimentController : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Starting, Running, Paused, Stopping };
    Q_ENUM(State)

    explicit ExperimentController(QObject* parent = nullptr);
    ~ExperimentController() override;

    State state() const { return m_state; }
    bool busy() const { return m_state != State::Idle; }

    /// Starts new runs (each writing to folders[i]). Returns false while another experiment runs.
    bool start(std::vector<reslab::RunConfig> runs, std::vector<std::string> folders);
    /// Continues the runs in these folders from their checkpoints.
    bool resumeFolders(std::vector<std::string> folders);

public Q_SLOTS:
    void pause();
    void resume();
    void stop();
    /// A copy of run's weights between two steps, sent as snapshotReady; false when no
    /// experiment is training.
    bool requestSnapshot(int run);

Q_SIGNALS:
    void stateChanged(ExperimentController::State state);
    /// split: how the runs share the cores ("4 runs side by side, 1 thread each").
    void experimentReady(const QVector<RegisteredRun>& runs, const QString& split);
    void recordsReady(const RunRecords& records);
    void runStateChanged(int run, reslab::RunState state, const QString& message);
    void
    progress(qint64 stepsDone, qint64 stepsTotal, double imagesPerSecond, double secondsTraining);
    void failed(const QString& message);
    void snapshotReady(int run, const SnapshotPtr& weights);
    void finished();

private:
    bool launch(TrainingWorker* worker);
    void setState(State state);
    void onWorkerFinished();

    QThread m_thread;
    QPointer<TrainingWorker> m_worker;
    State m_state = State::Idle;
};
