#pragma once

#include <limits>
#include <memory>
#include <vector>

#include <QColor>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QObject>
#include <QString>

#include "train/config.h"
#include "train/records.h"
#include "train/runstate.h"
#include "train/verdict.h"

namespace reslab {
class MetricsFollower;
}

/// One run the window shows, known once: its spec (so its depth, twin and input are never
/// guessed from its name), its folder, its colour, where it stands (a typed state) and what its
/// records say so far. A followed folder also holds the follower that reads its records.
struct RegisteredRun {
    reslab::RunConfig config;
    QString name; // config.name, or "name (folder)" when another run has that name
    QString folder;
    QColor color;
    reslab::RunState state = reslab::RunState::Running;
    QString message;          // why it ended, or where it is read from
    bool interrupted = false; // a followed run whose writer died before it ended
    bool unreadable = false;  // a followed run whose metrics.jsonl cannot be read
    bool replay = false;      // a recorded run played back (a lesson's)
    bool background = false;  // shown faint behind live runs; left out of the verdict
    double trainError = std::numeric_limits<double>::quiet_NaN(); // the latest record's
    double testError = std::numeric_limits<double>::quiet_NaN();
    qint64 step = 0;
    qint64 total = 0;
    reslab::FinalTrainError finalError; // over the final window of steps, as reslab-cli's table
    std::vector<double> residualRatios; // ||F(x)|| / ||x|| of each block at the latest probe
    std::shared_ptr<reslab::MetricsFollower> follower; // set for folders followed from disk

    bool residual() const { return config.net.residual; }
    /// Weighted layers (20 for resnet20 and plain20), from the spec.
    int depth() const { return static_cast<int>(config.net.depth()); }
    bool followed() const { return follower != nullptr; }
    bool finished() const { return state == reslab::RunState::Finished; }
    /// What the run list says: "running", "following", "finished", "interrupted", ...
    QString stateText() const;
    /// stateText without the world size.
    QString baseStateText() const;
    /// Whether the state is a fault the list shows in red.
    bool faulty() const;
    /// The training error the list, the verdict and reslab-cli report: over the final window
    /// once every step is done, else the latest record's.
    double reportedTrainError() const;
};
Q_DECLARE_METATYPE(RegisteredRun)

/// Every run the window shows, each once, by id. The window adds and removes runs and feeds
/// them records and states; the views subscribe to the signals and read each run from here.
class RunRegistry : public QObject {
    Q_OBJECT
public:
    explicit RunRegistry(QObject* parent = nullptr);
    ~RunRegistry() override;

    /// Adds a run (its name made unique with its folder's name) and returns its id.
    int add(RegisteredRun run);
    void remove(int id);
    const RegisteredRun* find(int id) const;
    bool contains(int id) const { return m_runs.contains(id); }
    bool isEmpty() const { return m_runs.isEmpty(); }
    QList<int> ids() const { return m_runs.keys(); }
    /// The id of the run of this name, or -1.
    int idOf(const QString& name) const;
    /// The id of the run that writes or wrote this folder, or -1.
    int idOfFolder(const QString& folder) const;

    /// Updates what the run's records say (errors, step, final window) and emits runProgressed.
    void applyRecords(int id, const std::vector<reslab::MetricRecord>& records);
    /// Sets its state and message; emits runStateChanged when either changes.
    void setState(int id, reslab::RunState state, const QString& message);
    /// A followed run whose writer died before it ended.
    void setInterrupted(int id, const QString& message);
    /// A followed run whose records cannot be read (now), or can again.
    void setUnreadable(int id, bool unreadable, const QString& message);
    /// Stops reading a followed run's records (it will write no more).
    void stopFollowing(int id);

Q_SIGNALS:
    void runAdded(int id);
    void runRemoved(int id);
    void runStateChanged(int id);
    void runProgressed(int id);

private:
    /// Sets one of a run's state flags (interrupted, unreadable) and its message.
    void setFlag(int id, bool RegisteredRun::*flag, bool value, const QString& message);

    QMap<int, RegisteredRun> m_runs;
    int m_nextId = 1;
};
