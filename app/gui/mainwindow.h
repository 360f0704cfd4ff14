#pragma once

#include <functional>
#include <limits>
#include <memory>
#include <vector>

#include <QColor>
#include <QFont>
#include <QMainWindow>
#include <QMap>
#include <QPalette>
#include <QStringList>
#include <QTimer>

#include "experimentcontroller.h"
#include "runregistry.h"
#include "selection.h"
#include "train/verdict.h"

class CurvesView;
class ExperimentPanel;
class FeaturesView;
class GradientsView;
class GraphView;
class LandscapeView;
class LesionView;
class LessonPanel;
class LessonSession;
class QAction;
class QDockWidget;
class QLabel;
class QProgressBar;
class QTabWidget;
class QToolBar;
class QMenu;
class QDragEnterEvent;
class QDropEvent;
class RunListView;
namespace reslab {
class MetricsFollower;
}

/// What the command line asks the window to show (`reslab --view graph --arch resnet50 ...`).
struct ViewRequest {
    QString view;      // "curves", "graph", "features", "gradients", "lesion"; empty: leave as is
    QString arch;      // a named spec ("resnet18", "plain56", ...)
    bool twin = false; // beside its plain or residual twin
    QString weights;   // a .pth file or a run folder
    QString image;     // an image file
    QString layer;     // a module path to select
    QString video;     // a video file to play through the net, looping
    QString camera;    // a camera to start ("default": the first one)
    bool compute = false; // the landscape: compute the surfaces the shown pair lacks at once
};

/// ResLab's main window: the experiment panel and the run list dock beside the curves; later views
/// (block graph, feature maps, gradients) dock into it too. It starts, pauses and stops experiments
/// on the training thread, follows run folders that other processes write, and says what a
/// finished degradation experiment shows.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Starts a preset with its defaults ("degradation", "depth-sweep", ...), as `reslab --demo`.
    bool startDemo(const QString& preset);
    /// Starts these runs, each in a folder under runsFolder()/label-<time>.
    bool startRuns(std::vector<reslab::RunConfig> runs, const QString& label);
    /// Opens a run folder and follows it while it grows. Returns false (and says why) if it is not
    /// one.
    bool openRunFolder(const QString& folder, QString* error = nullptr);
    /// Whether some opened folder is still being read as its run writes it.
    bool followingFolders() const { return m_followTimer.isActive(); }

    /// Adds a view as a tab of the centre, reachable as `--view key`.
    void addView(const QString& key, const QString& title, QWidget* view);
    /// Brings the view with this key to the front; false if there is none.
    bool showView(const QString& key);
    /// Applies what the command line asked for. Returns false (and says why) if it cannot.
    bool applyViewRequest(const ViewRequest& request, QString* error = nullptr);
    /// The selection every view shares.
    Selection* selection() { return &m_selection; }

    /// Adds a run to every view (with the next colour of the palette unless it has one).
    int addRun(RegisteredRun run);
    void removeRun(int id) { m_registry.remove(id); }
    /// Hands a run's new records to every view that draws them.
    void applyRecords(int runId, const std::vector<reslab::MetricRecord>& records);
    void setRunState(int id, reslab::RunState state, const QString& message) {
        m_registry.setState(id, state, message);
    }
    /// Recomputes the verdict and the depth chart from the runs on screen.
    void updateConclusions();
    /// The registry ids of the experiment that trains (or trained last) in the window.
    QVector<int> liveRunIds() const { return m_liveIds; }

    /// Opens a lesson (a shipped one by name, or a `.reslab` file) in place of the one open.
    /// False, and why, when it is damaged or its recording cannot be played; nothing changes then.
    bool openLesson(const QString& nameOrPath, QString* error = nullptr);
    void closeLesson();
    LessonSession* lesson() const { return m_lesson.get(); }
    LessonPanel* lessonPanel() const { return m_lessonPanel; }
    /// Writes the open lesson as it stands (step, replay, presenter) to a `.reslab` file.
    bool saveLesson(const QString& path, QString* error = nullptr);
    /// Full screen for a projector: the docks but the lesson's hidden, larger fonts and lines, a
    /// high-contrast light theme. Esc leaves it.
    void setPresenter(bool on);
    bool isPresenter() const { return m_presenter; }
    QAction* presenterAction() const { return m_presenterAction; }

    ExperimentController* controller() { return &m_controller; }
    CurvesView* curves() const { return m_curves; }
    GraphView* graphView() const { return m_graph; }
    FeaturesView* featuresView() const { return m_features; }
    GradientsView* gradientsView() const { return m_gradients; }
    LesionView* lesionView() const { return m_lesion; }
    LandscapeView* landscapeView() const { return m_landscape; }
    RunListView* runList() const { return m_runList; }
    /// Every run the window shows, each once.
    const RunRegistry& runs() const { return m_registry; }
    ExperimentPanel* experimentPanel() const { return m_panel; }
    QAction* startAction() const { return m_start; }
    QAction* pauseAction() const { return m_pause; }
    QAction* resumeAction() const { return m_resume; }
    QAction* stopAction() const { return m_stop; }
    /// Where new experiments write their run folders.
    QString runsFolder() const { return m_runsFolder; }
    void setRunsFolder(const QString& folder) { m_runsFolder = folder; }

public Q_SLOTS:
    void startExperiment();
    void openRunFolderDialog();
    void resumeRunFolderDialog();
    void saveExperiment();
    void openExperiment();
    void exportPlot();
    void exportCsv();
    /// The net in the feature maps, with its weights, as an ONNX file (for Netron).
    void exportOnnx();

    /// Closes without asking, stopping any training first (its checkpoints written); for scripts.
    void stopAndClose();
    void openLessonDialog();
    void saveLessonDialog();

protected:
    /// While training runs, asks whether to stop it; if so, stops it and closes once every
    /// unfinished run has written its checkpoint.
    void closeEvent(QCloseEvent* event) override;
    /// A `.reslab` lesson dropped on the window opens.
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    // After the application's type changed: every plot's type and the curves' line widths, times
    // scale (1: as on a desk), and the captions' type.
    void scalePlots(double scale);
    void buildActions();
    /// File > Open/Save lesson, Help > Lessons, View > Presenter, and the keys that step.
    void buildLessonActions(QMenu* file, QMenu* view, QMenu* help);
    void buildDocks();
    void updateActions();
    /// What the open lesson locks and hides, and the experiment panel only beside the curves.
    void applyLessonControls();
    void onRunAdded(int id);
    void onRunRemoved(int id);
    void onRunStateChanged(int id);
    void onRunProgressed(int id);
    void removeLiveRuns();
    void onExperimentReady(const QVector<RegisteredRun>& runs, const QString& split);
    void onRecords(const RunRecords& records);
    void onRunState(int run, reslab::RunState state, const QString& message);
    void onProgress(qint64 done, qint64 total, double imagesPerSecond, double secondsTraining);
    void onFinished();
    void pollFollowed();
    /// The run the block graph follows: the one Selection::run() names, else the first.
    void updateGraphRun();
    QColor nextColor();
    void exportWith(const QString& title,
                    const QString& fileName,
                    const QString& filter,
                    const std::function<bool(const QString&, QString*)>& write);

    ExperimentController m_controller;
    bool m_closeWhenStopped = false; // the user closed the window while training ran
    bool m_askBeforeStopping = true;
    QString m_snapshotFolder; // the run whose weights the feature maps wait for
    Selection m_selection;
    QTabWidget* m_views = nullptr;
    QStringList m_viewKeys; // m_views' tab i is m_viewKeys[i]
    CurvesView* m_curves = nullptr;
    GraphView* m_graph = nullptr;
    FeaturesView* m_features = nullptr;
    GradientsView* m_gradients = nullptr;
    LesionView* m_lesion = nullptr;
    LandscapeView* m_landscape = nullptr;
    int m_graphRun = -1; // the run whose net and probes the block graph shows
    RunListView* m_runList = nullptr;
    ExperimentPanel* m_panel = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_stepLabel = nullptr;
    QLabel* m_speedLabel = nullptr;
    QLabel* m_deviceLabel = nullptr;
    QAction* m_start = nullptr;
    QAction* m_pause = nullptr;
    QAction* m_resume = nullptr;
    QAction* m_stop = nullptr;

    RunRegistry m_registry;
    QVector<int> m_liveIds; // the experiment's run i is the registry's m_liveIds[i]
    QStringList m_palette;
    int m_colorIndex = 0;
    QString m_runsFolder;
    QString m_experimentFolder;
    QTimer m_followTimer;
    qint64 m_stepsAtStart = 0;

    QDockWidget* m_panelDock = nullptr;
    QDockWidget* m_runsDock = nullptr;
    QToolBar* m_toolBar = nullptr;
    bool m_panelWanted = true; // the user has not closed the experiment panel
    std::unique_ptr<LessonSession> m_lesson;
    QDockWidget* m_lessonDock = nullptr;
    LessonPanel* m_lessonPanel = nullptr;
    QList<QAction*> m_lessonActions; // enabled while a lesson is open
    QAction* m_presenterAction = nullptr;
    QList<QAction*> m_startActions; // the demos and resume: what a lesson's "training" lock locks
    bool m_applyingControls = false;
    bool m_presenter = false;
    QByteArray m_stateBeforePresenter;
    QFont m_fontBeforePresenter;
    QPalette m_paletteBeforePresenter;
    bool m_maximizedBeforePresenter = false;
};
