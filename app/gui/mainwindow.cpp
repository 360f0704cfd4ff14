// The main window: menus, docks, and the wiring from the runs (runregistry) and the training
// thread (experimentcontroller) to the views. Saved experiments are read and written in
// experimentfile.cpp. Past 500 lines because each menu command's handling lives here.
#include "mainwindow.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QToolBar>

#include <torch/version.h>

#include "curvesview.h"
#include "data/facts.h"
#include "experimentfile.h"
#include "experimentpanel.h"
#include "featuresview.h"
#include "gradientsview.h"
#include "graphview.h"
#include "io/onnx_export.h"
#include "io/runfolder.h"
#include "landscapeview.h"
#include "language.h"
#include "lesionview.h"
#include "lessonpanel.h"
#include "lessonsession.h"
#include "runlistview.h"
#include "train/devices.h"
#include "train/verdict.h"

namespace {

constexpr int kFollowIntervalMs = 250; // how often a followed run folder is read again

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

/// Okabe and Ito's colours, which stay apart for colour-blind eyes too (yellow, faint on white,
/// last); plain nets are dashed besides, so no two runs rest on colour alone.
const QStringList kDefaultPalette = {QStringLiteral("#0072b2"), QStringLiteral("#d55e00"),
                                     QStringLiteral("#009e73"), QStringLiteral("#e69f00"),
                                     QStringLiteral("#cc79a7"), QStringLiteral("#56b4e9"),
                                     QStringLiteral("#000000"), QStringLiteral("#f0e442")};
const QString kPaletteKey = QStringLiteral("colors/runPalette");

QString formatDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0)
        return QStringLiteral("--");
    const qint64 s = static_cast<qint64>(seconds + 0.5);
    return s >= 3600 ? QStringLiteral("%1h%2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10,
                                                                  QLatin1Char('0'))
                     : QStringLiteral("%1m%2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("ResLab"));
    setObjectName(QStringLiteral("MainWindow"));
    QSettings settings;
    m_palette = settings.value(kPaletteKey, kDefaultPalette).toStringList();
    if (m_palette.isEmpty())
        m_palette = kDefaultPalette;
    m_runsFolder =
        settings
            .value(QStringLiteral("folders/runs"),
                   QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                       .filePath(QStringLiteral("ResLab/runs")))
            .toString();

    m_views = new QTabWidget(this);
    m_views->setDocumentMode(true);
    setCentralWidget(m_views);
    m_curves = new CurvesView(this);
    addView(QStringLiteral("curves"), tr("Curves"), m_curves);
    m_graph = new GraphView(&m_selection, this);
    addView(QStringLiteral("graph"), tr("Block graph"), m_graph);
    m_features = new FeaturesView(&m_selection, this);
    addView(QStringLiteral("features"), tr("Feature maps"), m_features);
    // "Current run" in the feature maps: the selected run's folder, else the newest live one.
    m_features->setCurrentRunProvider([this] {
        if (const RegisteredRun* run = m_registry.find(m_registry.idOf(m_selection.run()));
            run && !run->folder.isEmpty())
            return run->folder;
        for (auto it = m_liveIds.crbegin(); it != m_liveIds.crend(); ++it)
            if (const RegisteredRun* run = m_registry.find(*it); run && !run->folder.isEmpty())
                return run->folder;
        const QList<int> ids = m_registry.ids();
        return ids.isEmpty() ? QString() : m_registry.find(ids.last())->folder;
    });
    // A run that is training answers with a copy of its weights taken between two steps.
    m_features->setSnapshotRequester([this](const QString& folder) {
        const int index = static_cast<int>(m_liveIds.indexOf(m_registry.idOfFolder(folder)));
        if (index < 0 || !m_controller.requestSnapshot(index))
            return false;
        m_snapshotFolder = folder;
        return true;
    });
    connect(&m_controller, &ExperimentController::snapshotReady, this,
            [this](int run, const SnapshotPtr& weights) {
                const RegisteredRun* shown =
                    run >= 0 && run < m_liveIds.size() ? m_registry.find(m_liveIds[run]) : nullptr;
                if (!shown || shown->folder != m_snapshotFolder)
                    return;
                m_snapshotFolder.clear();
                m_features->loadSnapshot(shown->folder, weights);
            });
    m_gradients = new GradientsView(&m_selection, this);
    addView(QStringLiteral("gradients"), tr("Gradients"), m_gradients);
    m_lesion = new LesionView(&m_selection, this);
    addView(QStringLiteral("lesion"), tr("Lesion study"), m_lesion);
    // The block graph greys out the blocks a lesion study has removed at the moment.
    connect(m_lesion, &LesionView::lesionChanged, m_graph, &GraphView::setGreyedBlocks);
    m_landscape = new LandscapeView(&m_registry, &m_selection, this);
    addView(QStringLiteral("landscape"), tr("Loss landscape"), m_landscape);
    buildDocks();
    buildActions();
    setAcceptDrops(true);
    connect(m_views, &QTabWidget::currentChanged, this, &MainWindow::applyLessonControls);
    // A user who closes the experiment panel keeps it closed; folding it away is not closing.
    connect(m_panelDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (!m_applyingControls && !visible && !isMinimized() &&
            m_viewKeys.value(m_views->currentIndex()) == QLatin1String("curves"))
            m_panelWanted = false;
    });
    connect(m_panelDock->toggleViewAction(), &QAction::triggered, this,
            [this](bool checked) { m_panelWanted = checked; });

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(260);
    m_progress->setFormat(QString());
    m_progress->setVisible(false);
    m_stepLabel = new QLabel(this);
    m_speedLabel = new QLabel(this);
    const auto devices = reslab::available_devices();
    const int threads = reslab::intra_op_threads();
    const QString cpu = threads == 1 ? tr("CPU, 1 thread") : tr("CPU, %1 threads").arg(threads);
    m_deviceLabel = new QLabel(devices.size() > 1
                                   ? tr("%1 GPU(s) · LibTorch %2")
                                         .arg(devices.size() - 1)
                                         .arg(QStringLiteral(TORCH_VERSION))
                                   : tr("%1 · LibTorch %2").arg(cpu, QStringLiteral(TORCH_VERSION)),
                               this);
    statusBar()->addPermanentWidget(m_stepLabel);
    statusBar()->addPermanentWidget(m_speedLabel);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_deviceLabel);

    connect(&m_controller, &ExperimentController::experimentReady, this,
            &MainWindow::onExperimentReady);
    connect(&m_controller, &ExperimentController::recordsReady, this, &MainWindow::onRecords);
    connect(&m_controller, &ExperimentController::runStateChanged, this, &MainWindow::onRunState);
    connect(&m_registry, &RunRegistry::runAdded, this, &MainWindow::onRunAdded);
    connect(&m_registry, &RunRegistry::runRemoved, this, &MainWindow::onRunRemoved);
    connect(&m_registry, &RunRegistry::runStateChanged, this, &MainWindow::onRunStateChanged);
    connect(&m_registry, &RunRegistry::runProgressed, this, &MainWindow::onRunProgressed);
    connect(&m_controller, &ExperimentController::progress, this, &MainWindow::onProgress);
    connect(&m_controller, &ExperimentController::finished, this, &MainWindow::onFinished);
    connect(&m_controller, &ExperimentController::stateChanged, this, &MainWindow::updateActions);
    connect(&m_controller, &ExperimentController::failed, this, [this](const QString& message) {
        statusBar()->showMessage(tr("The experiment could not start: %1").arg(message));
        QMessageBox::warning(this, tr("ResLab"),
                             tr("The experiment could not start:\n\n%1").arg(message));
    });
    connect(m_runList, &RunListView::runVisibilityChanged, m_curves, &CurvesView::setRunVisible);
    connect(m_curves, &CurvesView::runVisibilityToggled, m_runList, &RunListView::setRunVisible);
    connect(m_panel, &ExperimentPanel::startRequested, this, &MainWindow::startExperiment);
    connect(&m_followTimer, &QTimer::timeout, this, &MainWindow::pollFollowed);
    // The run picked in the run list is the one the views (the block graph first) follow.
    connect(m_runList, &QTreeWidget::itemSelectionChanged, this, [this] {
        const QList<int> ids = m_runList->selectedRunIds();
        if (!ids.isEmpty() && m_registry.contains(ids.first()))
            m_selection.setRun(m_registry.find(ids.first())->name);
    });
    connect(&m_selection, &Selection::runChanged, this, &MainWindow::updateGraphRun);
    m_followTimer.setInterval(kFollowIntervalMs);

    // 1280 x 860, or the screen when it is smaller (a classroom laptop's 1366 x 768).
    const QRect screenRect = screen() ? screen()->availableGeometry() : QRect(0, 0, 1280, 860);
    resize(std::min(1280, screenRect.width()), std::min(860, screenRect.height()));
    // The run list starts short (about six runs), leaving the height to the plots; a saved layout
    // overrides this.
    if (auto* runsDock = findChild<QDockWidget*>(QStringLiteral("RunsDock")))
        resizeDocks({runsDock}, {fontMetrics().height() * 9}, Qt::Vertical);
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_panel->restoreSettings(settings);
    m_curves->restoreSettings(settings);
    updateActions();
}

MainWindow::~MainWindow() {
    m_lesson.reset(); // its replay's runs are in the registry, which outlives it
}

void MainWindow::addView(const QString& key, const QString& title, QWidget* view) {
    // A view taller than the screen allows (a 768-pixel laptop) scrolls rather than pushing the
    // window off the screen; with room to spare the scroll area is invisible.
    auto* scroll = new QScrollArea(m_views);
    scroll->setWidget(view);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_views->addTab(scroll, title);
    m_viewKeys.append(key);
}

bool MainWindow::showView(const QString& key) {
    const int index = m_viewKeys.indexOf(key);
    if (index < 0)
        return false;
    m_views->setCurrentIndex(index);
    return true;
}

bool MainWindow::applyViewRequest(const ViewRequest& request, QString* error) {
    // "depth-sweep": the curves, at their chart of final training error against depth.
    if (request.view == QLatin1String("depth-sweep")) {
        showView(QStringLiteral("curves"));
        m_curves->showDepthSweep();
        return true;
    }
    // "residuals": the gradients view at its residual diagnostics.
    if (request.view == QLatin1String("residuals")) {
        showView(QStringLiteral("gradients"));
        m_gradients->showResidualDiagnostics();
        return true;
    }
    // "landscape", or "landscape-3d": its surfaces in 3-D; --compute only with one of them.
    const bool landscape =
        request.view == QLatin1String("landscape") || request.view == QLatin1String("landscape-3d");
    if (request.compute && !landscape) {
        if (error)
            *error = tr("--compute goes with --view landscape or landscape-3d");
        return false;
    }
    if (landscape) {
        showView(QStringLiteral("landscape"));
        if (request.view == QLatin1String("landscape-3d"))
            m_landscape->setShown(QStringLiteral("3d"));
        // `reslab --open DIR --view landscape --compute`: the surfaces the pair lacks, at once.
        return !request.compute || m_landscape->compute(error);
    }
    if (!request.view.isEmpty() && !showView(request.view)) {
        if (error)
            *error =
                tr("there is no view '%1'; the views are: %2")
                    .arg(request.view, (m_viewKeys + QStringList{QStringLiteral("depth-sweep"),
                                                                 QStringLiteral("residuals"),
                                                                 QStringLiteral("landscape-3d")})
                                           .join(QStringLiteral(", ")));
        return false;
    }
    if (request.view == QLatin1String("graph") && !request.arch.isEmpty() &&
        !m_graph->showArch(request.arch, request.twin, error))
        return false;
    if (request.view == QLatin1String("features")) {
        // Weights first (a .pth file or a run folder; --arch chooses the net for a .pth, or gives
        // random weights without one), then the image ("sample:NAME" for a shipped sample).
        if (!request.weights.isEmpty()) {
            if (!m_features->loadWeights(request.weights, request.arch, error))
                return false;
        } else if (!request.arch.isEmpty() && !m_features->useRandomWeights(request.arch, error)) {
            return false;
        }
        if (request.image.startsWith(QLatin1String("sample:"))) {
            if (!m_features->loadSample(request.image.mid(7), error))
                return false;
        } else if (!request.image.isEmpty() && !m_features->loadImageFile(request.image, error)) {
            return false;
        }
        if (!request.video.isEmpty() && !m_features->startVideo(request.video, true, error))
            return false;
        if (!request.camera.isEmpty() &&
            !m_features->startCamera(
                request.camera == QLatin1String("default") ? QString() : request.camera, error))
            return false;
    }
    if (!request.layer.isEmpty())
        m_selection.setLayer(request.layer);
    // The lesion study of the opened runs (the deepest residual one beside its plain twin) starts
    // at once, so that `reslab --open DIR --view lesion` shows its result.
    if (request.view == QLatin1String("lesion") && !m_registry.isEmpty() &&
        !m_lesion->startStudy(error))
        return false;
    return true;
}

void MainWindow::updateGraphRun() {
    int id = m_registry.idOf(m_selection.run());
    if (id < 0 && !m_registry.isEmpty())
        id = m_registry.ids().first();
    if (id == m_graphRun)
        return;
    m_graphRun = id;
    const RegisteredRun* run = m_registry.find(id);
    if (!run) {
        m_graph->setRunNet(QString(), reslab::ResNetSpec{}, 0);
        return;
    }
    // The images the run's net sees, at the size it trains on (14 x 14 for the degradation preset).
    const reslab::RunConfig& config = run->config;
    m_graph->setRunNet(
        run->name, config.net,
        reslab::input_side(config.train.dataset, config.train.downsample, config.net));
}

void MainWindow::buildDocks() {
    m_panel = new ExperimentPanel(this);
    auto* panelDock = m_panelDock = new QDockWidget(tr("Experiment"), this);
    panelDock->setObjectName(QStringLiteral("ExperimentDock"));
    // In a scroll area, so that the form does not make the window taller than a 768-pixel screen.
    auto* panelScroll = new QScrollArea(panelDock);
    panelScroll->setWidget(m_panel);
    panelScroll->setWidgetResizable(true);
    panelScroll->setFrameShape(QFrame::NoFrame);
    panelScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    panelScroll->setMinimumWidth(m_panel->minimumSizeHint().width() +
                                 panelScroll->verticalScrollBar()->sizeHint().width());
    panelDock->setWidget(panelScroll);
    addDockWidget(Qt::LeftDockWidgetArea, panelDock);

    m_runList = new RunListView(this);
    m_runList->setMinimumHeight(m_runList->fontMetrics().height() *
                                8); // the four runs of a preset and more
    auto* runsDock = m_runsDock = new QDockWidget(tr("Runs"), this);
    runsDock->setObjectName(QStringLiteral("RunsDock"));
    runsDock->setWidget(m_runList);
    addDockWidget(Qt::BottomDockWidgetArea, runsDock);
}

void MainWindow::buildActions() {
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* train = menuBar()->addMenu(tr("&Train"));
    auto* view = menuBar()->addMenu(tr("&View"));
    auto* help = menuBar()->addMenu(tr("&Help"));
    auto* bar = m_toolBar = addToolBar(tr("Training"));
    bar->setObjectName(QStringLiteral("TrainingToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);

    m_start = train->addAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("&Start"), this,
                               &MainWindow::startExperiment);
    m_start->setShortcut(Qt::Key_F5);
    m_pause = train->addAction(style()->standardIcon(QStyle::SP_MediaPause), tr("&Pause"),
                               &m_controller, &ExperimentController::pause);
    m_pause->setShortcut(Qt::Key_F6);
    m_resume = train->addAction(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("&Resume"),
                                &m_controller, &ExperimentController::resume);
    m_resume->setShortcut(Qt::Key_F7);
    m_stop = train->addAction(style()->standardIcon(QStyle::SP_MediaStop), tr("S&top"),
                              &m_controller, &ExperimentController::stop);
    m_stop->setShortcut(Qt::SHIFT | Qt::Key_F5);
    for (QAction* a : {m_start, m_pause, m_resume, m_stop}) {
        // "시작(&S)" reads "시작" on the button, not Qt's stripped "시작(S)".
        a->setIconText(withoutMnemonic(a->text()));
        a->setToolTip(
            QStringLiteral("%1 (%2)").arg(withoutMnemonic(a->text()), a->shortcut().toString()));
        bar->addAction(a);
    }
    train->addSeparator();
    auto* demo = train->addAction(tr("&Degradation demo"), this,
                                  [this] { startDemo(QStringLiteral("degradation")); });
    demo->setShortcut(Qt::CTRL | Qt::Key_D);
    demo->setToolTip(tr("Train plain-20, plain-56, resnet-20 and resnet-56 side by side (Ctrl+D)"));
    m_startActions << demo << train->addAction(tr("De&pth sweep"), this, [this] {
        startDemo(QStringLiteral("depth-sweep"));
    });
    bar->addSeparator();
    bar->addAction(demo);

    auto* open = file->addAction(style()->standardIcon(QStyle::SP_DirOpenIcon),
                                 tr("&Open run folder…"), this, &MainWindow::openRunFolderDialog);
    open->setShortcut(QKeySequence::Open);
    m_startActions << file->addAction(tr("&Resume run folders…"), this,
                                      &MainWindow::resumeRunFolderDialog);
    file->addAction(tr("Open e&xperiment…"), this, &MainWindow::openExperiment);
    auto* save = file->addAction(tr("&Save experiment…"), this, &MainWindow::saveExperiment);
    save->setShortcut(QKeySequence::Save);
    file->addSeparator();
    auto* exportPlot = file->addAction(tr("&Export plot…"), this, &MainWindow::exportPlot);
    exportPlot->setShortcut(Qt::CTRL | Qt::Key_E);
    auto* exportCsv = file->addAction(tr("Export &data as CSV…"), this, &MainWindow::exportCsv);
    exportCsv->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_E);
    file->addAction(tr("Export net as &ONNX…"), this, &MainWindow::exportOnnx);
    buildLessonActions(file, view, help);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    bar->addSeparator();
    bar->addAction(open);
    bar->addAction(exportPlot);

    for (auto* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    view->addAction(bar->toggleViewAction());
    view->addSeparator();
    addLanguageMenu(view, this);

    help->addAction(tr("&About ResLab"), this, [this] {
        QMessageBox::about(
            this, tr("About ResLab"),
            tr("<p><b>ResLab</b> trains and inspects residual networks "
               "(He et al. 2015, <i>Deep Residual Learning for Image "
               "Recognition</i>) with LibTorch %1.</p>"
               "<p>Thin lines: training error; bold: test error; dashed: plain nets; "
               "solid: residual nets.</p>")
                .arg(QStringLiteral(TORCH_VERSION)));
    });
}

void MainWindow::updateActions() {
    using State = ExperimentController::State;
    const State s = m_controller.state();
    m_pause->setEnabled(s == State::Running || s == State::Starting);
    m_resume->setEnabled(s == State::Paused);
    m_stop->setEnabled(s == State::Running || s == State::Paused || s == State::Starting);
    applyLessonControls(); // the panel and the start actions: idle, and not locked by a lesson
    m_progress->setVisible(s != State::Idle);
    if (s == State::Paused)
        statusBar()->showMessage(tr("Paused; F7 resumes"));
    else if (s == State::Stopping)
        statusBar()->showMessage(
            tr("Stopping after this step; unfinished runs write a checkpoint…"));
    else if (s == State::Starting)
        statusBar()->showMessage(tr("Loading the data and building the nets…"));
    else if (s == State::Running)
        statusBar()->clearMessage();
}

QColor MainWindow::nextColor() {
    return QColor(m_palette[m_colorIndex++ % m_palette.size()]);
}

int MainWindow::addRun(RegisteredRun run) {
    if (!run.color.isValid())
        run.color = nextColor();
    return m_registry.add(std::move(run));
}

void MainWindow::onRunAdded(int id) {
    const RegisteredRun& run = *m_registry.find(id);
    const bool plain = !run.residual();
    m_curves->addRun(id, run.name, run.color, plain);
    m_gradients->addRun(id, run.name, run.color, plain, run.depth());
    m_lesion->addRun(id, run.name, run.color, plain, run.folder, run.depth());
    m_runList->addRun(id, run.name, run.color, plain);
    m_runList->setRunState(id, run.stateText(), run.message, run.faulty());
    m_runList->setRunStep(id, run.step, run.total);
    updateGraphRun();
}

void MainWindow::onRunRemoved(int id) {
    m_curves->removeRun(id);
    m_gradients->removeRun(id);
    m_lesion->removeRun(id);
    m_runList->removeRun(id);
    if (m_registry.isEmpty())
        m_colorIndex = 0;
    updateGraphRun();
}

void MainWindow::onRunStateChanged(int id) {
    const RegisteredRun& run = *m_registry.find(id);
    m_runList->setRunState(id, run.stateText(), run.message, run.faulty());
    if (run.faulty())
        statusBar()->showMessage(tr("%1 %2: %3").arg(run.name, run.stateText(), run.message));
}

void MainWindow::onRunProgressed(int id) {
    const RegisteredRun& run = *m_registry.find(id);
    // A finished run shows its final training error, the figure the verdict and reslab-cli give.
    m_runList->setRunErrors(id, run.reportedTrainError(), run.testError);
    m_runList->setRunStep(id, run.step, run.total);
}

void MainWindow::removeLiveRuns() {
    for (int id : std::exchange(m_liveIds, {}))
        m_registry.remove(id);
}

bool MainWindow::startRuns(std::vector<reslab::RunConfig> runs, const QString& label) {
    if (m_controller.busy())
        return false;
    if (runs.empty()) {
        QMessageBox::information(this, tr("ResLab"), tr("Add at least one run, or pick a preset."));
        return false;
    }
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    m_experimentFolder = QDir(m_runsFolder).filePath(label + QLatin1Char('-') + stamp);
    if (!QDir().mkpath(m_experimentFolder)) {
        QMessageBox::warning(
            this, tr("ResLab"),
            tr("Cannot create the folder %1 for the runs. Check that it is writable, "
               "or pick another runs folder in the settings.")
                .arg(m_experimentFolder));
        return false;
    }
    std::vector<std::string> folders;
    for (const auto& run : runs)
        folders.push_back(QDir(m_experimentFolder).filePath(qs(run.name)).toStdString());
    removeLiveRuns();
    m_curves->setVerdict(QString());
    m_curves->setDepthSweep({});
    m_stepsAtStart = 0;
    return m_controller.start(std::move(runs), std::move(folders));
}

void MainWindow::startExperiment() {
    // The panel's own Start button too: a lesson that locks training starts only its own.
    if (m_lesson && m_lesson->lesson().locks(QStringLiteral("training")))
        return;
    const QString preset = m_panel->presetName();
    startRuns(m_panel->runConfigs(), preset);
}

bool MainWindow::startDemo(const QString& preset) {
    if (m_controller.busy())
        return false;
    m_panel->selectPreset(preset);
    if (m_panel->presetName() != preset) {
        statusBar()->showMessage(tr("There is no preset named '%1'").arg(preset));
        return false;
    }
    return startRuns(m_panel->runConfigs(), preset);
}

void MainWindow::onExperimentReady(const QVector<RegisteredRun>& runs, const QString& split) {
    // What the status bar said of the cores is now what this experiment does with them.
    m_deviceLabel->setText(tr("%1 · LibTorch %2").arg(split, QStringLiteral(TORCH_VERSION)));
    m_deviceLabel->setToolTip(tr("How the runs share the cores"));
    statusBar()->showMessage(
        tr("Training %n run(s): %1", nullptr, static_cast<int>(runs.size())).arg(split), 10000);
    m_liveIds.clear();
    qint64 done = 0;
    for (const auto& run : runs) {
        done += run.step;
        m_liveIds.push_back(addRun(run));
    }
    m_stepsAtStart = done;
    // A resumed run shows what it had written before it stopped.
    for (int i = 0; i < runs.size(); ++i)
        if (runs[i].step > 0 && !runs[i].folder.isEmpty())
            applyRecords(m_liveIds[i], reslab::read_metrics(
                                           reslab::RunPaths(runs[i].folder.toStdString()).metrics));
}

void MainWindow::applyRecords(int runId, const std::vector<reslab::MetricRecord>& records) {
    if (!m_registry.contains(runId) || records.empty())
        return;
    m_curves->appendRecords(runId, records);
    m_gradients->appendRecords(runId, records);
    if (m_graphRun != runId)
        updateGraphRun();
    if (m_graphRun == runId)
        m_graph->applyRecords(records);
    m_registry.applyRecords(runId, records);
}

void MainWindow::onRecords(const RunRecords& records) {
    QMap<int, std::vector<reslab::MetricRecord>> byRun;
    for (const auto& r : records)
        if (r.run >= 0 && r.run < m_liveIds.size())
            byRun[m_liveIds[r.run]].push_back(r.record);
    for (auto it = byRun.begin(); it != byRun.end(); ++it)
        applyRecords(it.key(), it.value());
}

void MainWindow::onRunState(int run, reslab::RunState state, const QString& message) {
    if (run >= 0 && run < m_liveIds.size())
        m_registry.setState(m_liveIds[run], state, message);
}

void MainWindow::onProgress(qint64 done, qint64 total, double imagesPerSecond, double seconds) {
    if (total <= 0)
        return;
    m_progress->setValue(static_cast<int>(1000 * done / total));
    const qint64 sinceStart = done - m_stepsAtStart;
    const double eta = sinceStart > 0 ? seconds * (total - done) / sinceStart : -1.0;
    m_progress->setFormat(tr("%p% · ETA %1").arg(formatDuration(eta)));
    qint64 step = 0;
    for (int id : m_liveIds)
        if (const RegisteredRun* run = m_registry.find(id))
            step = std::max(step, run->step);
    m_stepLabel->setText(tr("step %1").arg(step));
    m_speedLabel->setText(tr("%1 images/s").arg(imagesPerSecond, 0, 'f', 0));
}

void MainWindow::onFinished() {
    // Training ended before it could copy the weights asked for: its checkpoint holds them now.
    if (!m_snapshotFolder.isEmpty())
        m_features->loadWeights(std::exchange(m_snapshotFolder, QString()));
    updateActions();
    updateConclusions();
    statusBar()->showMessage(
        tr("Runs saved in %1").arg(QDir::toNativeSeparators(m_experimentFolder)));
    if (m_closeWhenStopped)
        close();
}

void MainWindow::updateConclusions() {
    std::vector<reslab::RunOutcome> outcomes;
    QVector<DepthPoint> sweep;
    for (int id : m_registry.ids()) {
        const RegisteredRun& run = *m_registry.find(id);
        if (!m_runList->isRunVisible(id) || run.background || !std::isfinite(run.trainError) ||
            run.depth() <= 0)
            continue;
        reslab::RunOutcome o;
        o.name = run.name.toStdString();
        o.depth = run.depth();
        o.residual = run.residual();
        // Over the final window of steps, as reslab-cli's summary: one record alone is noisy.
        o.train_error =
            std::isfinite(run.finalError.value()) ? run.finalError.value() : run.trainError;
        o.finished = run.finished();
        outcomes.push_back(o);
        if (o.finished)
            sweep.push_back(DepthPoint{run.depth(), !o.residual, o.train_error, run.testError});
    }
    m_curves->setVerdict(
        qs(reslab::degradation_verdict(outcomes, installedLanguage().toStdString())));
    // The depth chart says more than the verdict only with three depths or more.
    QSet<int> depths;
    for (const auto& p : sweep)
        depths.insert(p.depth);
    m_curves->setDepthSweep(depths.size() >= 3 ? sweep : QVector<DepthPoint>{});
}

bool MainWindow::openRunFolder(const QString& folder, QString* error) {
    reslab::RunFolder opened;
    try {
        opened = reslab::read_run_folder(folder.toStdString());
    } catch (const std::exception& e) {
        if (error)
            *error = tr("%1 is not a ResLab run folder: %2").arg(folder, qs(e.what()));
        return false;
    }
    RegisteredRun run;
    const reslab::RunConfig& config = opened.config;
    const reslab::RunPaths paths = opened.paths();
    run.config = config;
    run.folder = folder;
    run.state = reslab::RunState::Running;
    run.message = QDir::toNativeSeparators(folder);
    run.total = config.train.steps;
    run.follower = std::make_shared<reslab::MetricsFollower>(paths.metrics);
    addRun(std::move(run));
    pollFollowed();
    if (!m_followTimer.isActive())
        m_followTimer.start();
    return true;
}

void MainWindow::pollFollowed() {
    bool any = false;
    for (int id : m_registry.ids()) {
        const RegisteredRun& run = *m_registry.find(id);
        if (!run.followed())
            continue;
        any = true;
        // The status first: records written before it said the run ended are all in the file
        // by the time it says so, and the poll below reads them.
        const std::optional<reslab::FolderStatus> status =
            reslab::read_folder_status(run.folder.toStdString());
        std::vector<reslab::MetricRecord> records;
        try {
            records = run.follower->poll();
        } catch (const std::exception& e) {
            m_registry.setUnreadable(id, true, qs(e.what()));
            continue;
        }
        m_registry.setUnreadable(id, false, run.message);
        applyRecords(id, records);
        // A long file is read a chunk a poll: it has ended only once all of it is read.
        if (!run.follower->caught_up())
            continue;
        bool ended = true;
        if (status && reslab::is_end(status->state)) {
            m_registry.setState(id, status->state, qs(status->message));
        } else if (status && reslab::writer_gone(*status)) {
            m_registry.setInterrupted(
                id, tr("The process that trained it ended at step %1 without finishing (killed?); "
                       "File > Resume run folders continues it")
                        .arg(status->step));
        } else if (!status && run.total > 0 && run.step >= run.total) {
            m_registry.setState(id, reslab::RunState::Finished,
                                run.message); // older than status.json
        } else {
            ended = false;
        }
        if (ended) {
            m_registry.stopFollowing(id); // nothing more will be written: stop reading its file
            updateConclusions();
        }
    }
    if (!any)
        m_followTimer.stop();
}

void MainWindow::openRunFolderDialog() {
    QSettings settings;
    const QString folder = QFileDialog::getExistingDirectory(
        this, tr("Open run folder"),
        settings.value(QStringLiteral("folders/open"), m_runsFolder).toString());
    if (folder.isEmpty())
        return;
    settings.setValue(QStringLiteral("folders/open"), QFileInfo(folder).absolutePath());
    QString error;
    if (!openRunFolder(folder, &error))
        QMessageBox::warning(this, tr("ResLab"),
                             error +
                                 tr("\n\nPick a folder that holds spec.json and metrics.jsonl."));
}

void MainWindow::resumeRunFolderDialog() {
    if (m_controller.busy())
        return;
    QSettings settings;
    const QString folder = QFileDialog::getExistingDirectory(
        this, tr("Resume the runs in a folder (a run folder or an experiment folder)"),
        settings.value(QStringLiteral("folders/open"), m_runsFolder).toString());
    if (folder.isEmpty())
        return;
    std::vector<std::string> folders;
    try {
        folders = reslab::run_folders_in(folder.toStdString());
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("ResLab"), tr("Nothing to resume: %1").arg(qs(e.what())));
        return;
    }
    removeLiveRuns();
    m_experimentFolder = folder;
    m_controller.resumeFolders(std::move(folders));
}

void MainWindow::saveExperiment() {
    QSettings settings;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save experiment"),
        settings.value(QStringLiteral("folders/save"), m_runsFolder).toString() +
            QStringLiteral("/experiment.json"),
        tr("ResLab experiment (*.json)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("folders/save"), QFileInfo(path).absolutePath());
    QStringList folders;
    for (int id : m_registry.ids())
        if (const QString& folder = m_registry.find(id)->folder; !folder.isEmpty())
            folders << folder;
    QString error;
    if (!experimentfile::write(path, folders, &error))
        QMessageBox::warning(this, tr("ResLab"), error);
    else
        statusBar()->showMessage(
            tr("Saved the experiment (%1 run folders) to %2").arg(folders.size()).arg(path));
}

void MainWindow::openExperiment() {
    QSettings settings;
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open experiment"),
        settings.value(QStringLiteral("folders/save"), m_runsFolder).toString(),
        tr("ResLab experiment (*.json)"));
    if (path.isEmpty())
        return;
    QString error;
    const std::optional<QStringList> folders = experimentfile::read(path, &error);
    if (!folders) {
        QMessageBox::warning(this, tr("ResLab"), error);
        return;
    }
    QStringList problems;
    for (const QString& folder : *folders)
        if (!openRunFolder(folder, &error))
            problems << error;
    if (!problems.isEmpty())
        QMessageBox::warning(this, tr("ResLab"), problems.join(QLatin1Char('\n')));
}

void MainWindow::exportPlot() {
    exportWith(
        tr("Export plot"), QStringLiteral("curves.png"),
        tr("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)"),
        [this](const QString& path, QString* error) { return m_curves->exportImage(path, error); });
}

void MainWindow::exportCsv() {
    exportWith(
        tr("Export data"), QStringLiteral("curves.csv"), tr("CSV (*.csv)"),
        [this](const QString& path, QString* error) { return m_curves->exportCsv(path, error); });
}

void MainWindow::exportOnnx() {
    if (m_features->netName().isEmpty()) {
        QMessageBox::information(this, tr("ResLab"),
                                 tr("Load a net in Feature maps first (a run, a .pth file or "
                                    "random weights): that net is what is exported."));
        return;
    }
    if (!reslab::onnx_export_available()) {
        QMessageBox::warning(this, tr("ResLab"),
                             tr("This ResLab was built without ONNX export: install Debian's "
                                "libonnx-dev and build it again."));
        return;
    }
    exportWith(tr("Export net as ONNX"), m_features->netName() + QStringLiteral(".onnx"),
               tr("ONNX model (*.onnx)"), [this](const QString& path, QString* error) {
                   QApplication::setOverrideCursor(Qt::WaitCursor);
                   const bool ok = m_features->exportOnnx(path, error);
                   QApplication::restoreOverrideCursor();
                   return ok;
               });
}

void MainWindow::exportWith(const QString& title,
                            const QString& fileName,
                            const QString& filter,
                            const std::function<bool(const QString&, QString*)>& write) {
    QSettings settings;
    const QString folder =
        settings.value(QStringLiteral("folders/export"), QDir::homePath()).toString();
    const QString path =
        QFileDialog::getSaveFileName(this, title, QDir(folder).filePath(fileName), filter);
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("folders/export"), QFileInfo(path).absolutePath());
    QString error;
    if (!write(path, &error))
        QMessageBox::warning(this, tr("ResLab"), tr("Could not export: %1").arg(error));
    else
        statusBar()->showMessage(tr("Exported %1").arg(QDir::toNativeSeparators(path)));
}

void MainWindow::stopAndClose() {
    m_askBeforeStopping = false;
    close();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (m_controller.busy()) {
        // Training stops at the next step boundary and every unfinished run writes a checkpoint to
        // resume from; the window closes once they are written (onFinished).
        event->ignore();
        if (m_askBeforeStopping && m_controller.state() != ExperimentController::State::Stopping) {
            QMessageBox box(QMessageBox::Question, tr("ResLab"),
                            tr("Training is running. Stop it and close ResLab?"),
                            QMessageBox::Cancel, this);
            box.setObjectName(QStringLiteral("StopAndCloseQuestion"));
            box.setInformativeText(
                tr("Each run stops after its current step and writes a checkpoint; "
                   "File > Resume run folders continues it later."));
            QPushButton* stop = box.addButton(tr("Stop and close"), QMessageBox::AcceptRole);
            box.setDefaultButton(stop);
            box.exec();
            if (box.clickedButton() != stop)
                return;
        }
        m_controller.stop();
        m_closeWhenStopped = true;
        statusBar()->showMessage(tr("Stopping: writing the checkpoints, then ResLab closes…"));
        return;
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(kPaletteKey, m_palette);
    settings.setValue(QStringLiteral("folders/runs"), m_runsFolder);
    m_panel->saveSettings(settings);
    m_curves->saveSettings(settings);
    event->accept();
}
