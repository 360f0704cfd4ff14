#pragma once

#include <memory>
#include <string>
#include <vector>

#include <QObject>
#include <QString>
#include <QVector>

#include "runregistry.h"
#include "train/config.h"
#include "train/records.h"
#include "train/scheduler.h"

/// One record of one run (its index in the experiment), as it crosses to the GUI thread.
using RunRecord = reslab::RunRecord;
using RunRecords = QVector<RunRecord>;

struct WeightsSnapshot; // weightssnapshot.h
using SnapshotPtr = std::shared_ptr<const WeightsSnapshot>;

Q_DECLARE_METATYPE(reslab::RunState)
Q_DECLARE_METATYPE(SnapshotPtr)
Q_DECLARE_METATYPE(RunRecord)
Q_DECLARE_METATYPE(RunRecords)

/// Trains an experiment on its own thread (moved to a QThread by ExperimentController), through
/// the scheduler reslab-cli uses too: the runs train side by side on its workers. Pause and stop
/// are flags read between steps, so they work while a step is busy; records go out batched, in
/// step order across runs, at most about 20 times a second.
class TrainingWorker : public QObject {
    Q_OBJECT
public:
    /// New runs, each writing to folders[i] (empty: nothing written); or, with resume set,
    /// the runs in folders continued from their checkpoints (runs is ignored then).
    TrainingWorker(std::vector<reslab::RunConfig> runs,
                   std::vector<std::string> folders,
                   bool resume);
    ~TrainingWorker() override;

    /// Thread-safe: asks every run to stop after its current step; unfinished runs checkpoint.
    void requestStop() { m_controls.stop = true; }
    /// Thread-safe: holds every run between steps until resumed or stopped.
    void setPaused(bool paused) { m_controls.pause = paused; }
    /// Thread-safe: copies run's weights at its next step boundary (also while paused) and sends
    /// them as snapshotReady.
    void requestSnapshot(int run) { m_controls.snapshot = run; }

public Q_SLOTS:
    /// Loads the data, builds the nets and trains them until done or stopped.
    void run();

Q_SIGNALS:
    /// split: how the runs share the cores ("4 runs side by side, 1 thread each").
    /// runs: each run as the registry holds it (spec, folder, steps), colour unset.
    void experimentReady(const QVector<RegisteredRun>& runs, const QString& split);
    void recordsReady(const RunRecords& records);
    /// Running (Ready is reported as Running), or one of the ends; message says why.
    void runStateChanged(int run, reslab::RunState state, const QString& message);
    void
    progress(qint64 stepsDone, qint64 stepsTotal, double imagesPerSecond, double secondsTraining);
    void pausedChanged(bool paused);
    void snapshotReady(int run, const SnapshotPtr& weights);
    /// The experiment could not start (missing data, a bad config); nothing ran.
    void failed(const QString& message);
    void finished();

private:
    std::vector<reslab::RunConfig> m_configs;
    std::vector<std::string> m_folders;
    bool m_resume = false;
    reslab::TrainingControls m_controls;
};
