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
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
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
#include "experimentpanel.h"
#include "featuresview.h"
#include "gradientsview.h"
#include "graphview.h"
#include "io/runfolder.h"
#include "lesionview.h"
#include "runlistview.h"
#include "train/devices.h"
#include "train/verdict.h"

namespace {

constexpr int kFollowIntervalMs = 250; // how often a followed run folder is read again

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

/// Ten colours that stay apart on white and for most colour-blind eyes (matplotlib's tab10).
const QStringList kDefaultPalette = {QStringLiteral("#1f77b4"), QStringLiteral("#d62728"),
                                     QStringLiteral("#2ca02c"), QStringLiteral("#ff7f0e"),
                                     QStringLiteral("#9467bd"), QStringLiteral("#8c564b"),
                                     QStringLiteral("#e377c2"), QStringLiteral("#7f7f7f"),
                                     QStringLiteral("#bcbd22"), QStringLiteral("#17becf")};

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
    m_palette = settings.value(QStringLiteral("colors/palette"), kDefaultPalette).toStringList();
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
        for (const auto& run : std::as_const(m_runs))
            if (run.name == m_selection.run() && !run.folder.isEmpty())
                return run.folder;
        for (auto it = m_liveIds.crbegin(); it != m_liveIds.crend(); ++it)
            if (!m_runs.value(*it).folder.isEmpty())
                return m_runs.value(*it).folder;
        return m_runs.isEmpty() ? QString() : m_runs.last().folder;
    });
    // A run that is training answers with a copy of its weights taken between two steps.
    m_features->setSnapshotRequester([this](const QString& folder) {
        const int index = static_cast<int>(
            std::find_if(m_liveIds.cbegin(), m_liveIds.cend(),
                         [&](int id) { return m_runs.value(id).folder == folder; }) -
            m_liveIds.cbegin());
        if (index >= m_liveIds.size() || !m_controller.requestSnapshot(index))
            return false;
        m_snapshotFolder = folder;
        return true;
    });
    connect(&m_controller, &ExperimentController::snapshotReady, this,
            [this](int run, const SnapshotPtr& weights) {
                if (run < 0 || run >= m_liveIds.size() ||
                    m_runs.value(m_liveIds[run]).folder != m_snapshotFolder)
                    return;
                m_snapshotFolder.clear();
                m_features->loadSnapshot(m_runs.value(m_liveIds[run]).folder, weights);
            });
    m_gradients = new GradientsView(&m_selection, this);
    addView(QStringLiteral("gradients"), tr("Gradients"), m_gradients);
    m_lesion = new LesionView(&m_selection, this);
    addView(QStringLiteral("lesion"), tr("Lesion study"), m_lesion);
    // The block graph greys out the blocks a lesion study has removed at the moment.
    connect(m_lesion, &LesionView::lesionChanged, m_graph, &GraphView::setGreyedBlocks);
    buildDocks();
    buildActions();

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
        if (!ids.isEmpty() && m_runs.contains(ids.first()))
            m_selection.setRun(m_runs.value(ids.first()).name);
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

MainWindow::~MainWindow() = default;

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
    if (!request.view.isEmpty() && !showView(request.view)) {
        if (error)
            *error = tr("there is no view '%1'; the views are: %2")
                         .arg(request.view, m_viewKeys.join(QStringLiteral(", ")));
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
    }
    if (!request.layer.isEmpty())
        m_selection.setLayer(request.layer);
    // The lesion study of the opened runs (the deepest residual one beside its plain twin) starts
    // at once, so that `reslab --open DIR --view lesion` shows its result.
    if (request.view == QLatin1String("lesion") && !m_runs.isEmpty() &&
        !m_lesion->startStudy(error))
        return false;
    return true;
}

void MainWindow::updateGraphRun() {
    int id = -1;
    for (auto it = m_runs.cbegin(); it != m_runs.cend() && id < 0; ++it)
        if (it->name == m_selection.run())
            id = it.key();
    if (id < 0 && !m_runs.isEmpty())
        id = m_runs.firstKey();
    if (id == m_graphRun)
        return;
    if (id < 0) {
        m_graphRun = -1;
        m_graph->setRunNet(QString(), reslab::ResNetSpec{}, 0);
        return;
    }
    try {
        const reslab::RunPaths paths(m_runs[id].folder.toStdString());
        const reslab::RunConfig config =
            reslab::run_config_from_json(reslab::read_text(paths.spec));
        // The images the run's net sees, at the size it trains on (14 x 14 for the degradation
        // preset).
        m_graph->setRunNet(
            m_runs[id].name, config.net,
            reslab::input_side(config.train.dataset, config.train.downsample, config.net));
        m_graphRun = id;
    } catch (const std::exception&) {
        // A run that has not written spec.json yet; its next records try again.
    }
}

void MainWindow::buildDocks() {
    m_panel = new ExperimentPanel(this);
    auto* panelDock = new QDockWidget(tr("Experiment"), this);
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
    auto* runsDock = new QDockWidget(tr("Runs"), this);
    runsDock->setObjectName(QStringLiteral("RunsDock"));
    runsDock->setWidget(m_runList);
    addDockWidget(Qt::BottomDockWidgetArea, runsDock);
}

void MainWindow::buildActions() {
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* train = menuBar()->addMenu(tr("&Train"));
    auto* view = menuBar()->addMenu(tr("&View"));
    auto* help = menuBar()->addMenu(tr("&Help"));
    auto* bar = addToolBar(tr("Training"));
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
        a->setToolTip(QStringLiteral("%1 (%2)").arg(a->text().remove(QLatin1Char('&')),
                                                    a->shortcut().toString()));
        bar->addAction(a);
    }
    train->addSeparator();
    auto* demo = train->addAction(tr("&Degradation demo"), this,
                                  [this] { startDemo(QStringLiteral("degradation")); });
    demo->setShortcut(Qt::CTRL | Qt::Key_D);
    demo->setToolTip(tr("Train plain-20, plain-56, resnet-20 and resnet-56 side by side (Ctrl+D)"));
    train->addAction(tr("De&pth sweep"), this,
                     [this] { startDemo(QStringLiteral("depth-sweep")); });
    bar->addSeparator();
    bar->addAction(demo);

    auto* open = file->addAction(style()->standardIcon(QStyle::SP_DirOpenIcon),
                                 tr("&Open run folder…"), this, &MainWindow::openRunFolderDialog);
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("&Resume run folders…"), this, &MainWindow::resumeRunFolderDialog);
    file->addAction(tr("Open e&xperiment…"), this, &MainWindow::openExperiment);
    auto* save = file->addAction(tr("&Save experiment…"), this, &MainWindow::saveExperiment);
    save->setShortcut(QKeySequence::Save);
    file->addSeparator();
    auto* exportPlot = file->addAction(tr("&Export plot…"), this, &MainWindow::exportPlot);
    exportPlot->setShortcut(Qt::CTRL | Qt::Key_E);
    auto* exportCsv = file->addAction(tr("Export &data as CSV…"), this, &MainWindow::exportCsv);
    exportCsv->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_E);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    bar->addSeparator();
    bar->addAction(open);
    bar->addAction(exportPlot);

    for (auto* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    view->addAction(bar->toggleViewAction());

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
    m_start->setEnabled(s == State::Idle);
    m_pause->setEnabled(s == State::Running || s == State::Starting);
    m_resume->setEnabled(s == State::Paused);
    m_stop->setEnabled(s == State::Running || s == State::Paused || s == State::Starting);
    m_panel->setEnabled(s == State::Idle);
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

int MainWindow::addRun(RunEntry entry) {
    const int id = m_nextId++;
    m_curves->addRun(id, entry.name, entry.color, !entry.residual);
    m_gradients->addRun(id, entry.name, entry.color, !entry.residual);
    m_lesion->addRun(id, entry.name, entry.color, !entry.residual, entry.folder);
    m_runList->addRun(id, entry.name, entry.color, !entry.residual);
    m_runList->setRunState(id, entry.state);
    m_runList->setRunStep(id, entry.step, entry.total);
    m_runs.insert(id, std::move(entry));
    updateGraphRun();
    return id;
}

void MainWindow::removeLiveRuns() {
    for (int id : m_liveIds) {
        m_curves->removeRun(id);
        m_gradients->removeRun(id);
        m_lesion->removeRun(id);
        m_runList->removeRun(id);
        m_runs.remove(id);
    }
    m_liveIds.clear();
    if (m_runs.isEmpty())
        m_colorIndex = 0;
    updateGraphRun();
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

void MainWindow::onExperimentReady(const QVector<RunInfo>& runs, const QString& split) {
    // What the status bar said of the cores is now what this experiment does with them.
    m_deviceLabel->setText(tr("%1 · LibTorch %2").arg(split, QStringLiteral(TORCH_VERSION)));
    m_deviceLabel->setToolTip(tr("How the runs share the cores"));
    statusBar()->showMessage(
        tr("Training %n run(s): %1", nullptr, static_cast<int>(runs.size())).arg(split), 10000);
    m_liveIds.clear();
    qint64 done = 0;
    for (const auto& info : runs) {
        RunEntry entry;
        entry.name = info.name;
        entry.folder = info.folder;
        entry.color = nextColor();
        entry.residual = info.residual;
        entry.depth = info.depth;
        entry.state = QStringLiteral("running");
        entry.step = info.stepsDone;
        entry.total = info.totalSteps;
        done += info.stepsDone;
        m_liveIds.push_back(addRun(std::move(entry)));
    }
    m_stepsAtStart = done;
    // A resumed run shows what it had written before it stopped.
    for (int i = 0; i < runs.size(); ++i)
        if (runs[i].stepsDone > 0 && !runs[i].folder.isEmpty())
            applyRecords(m_liveIds[i],
                         reslab::read_metrics(runs[i].folder.toStdString() + "/metrics.jsonl"));
}

void MainWindow::applyRecords(int runId, const std::vector<reslab::MetricRecord>& records) {
    auto it = m_runs.find(runId);
    if (it == m_runs.end() || records.empty())
        return;
    m_curves->appendRecords(runId, records);
    m_gradients->appendRecords(runId, records);
    if (m_graphRun != runId)
        updateGraphRun();
    if (m_graphRun == runId)
        m_graph->applyRecords(records);
    for (const auto& r : records) {
        if (r.kind == reslab::MetricRecord::Kind::Train) {
            it->trainError = r.train.error;
            it->step = r.train.step;
            // A followed run of so many epochs: its records tell how many steps an epoch has.
            if (it->total <= 0 && it->epochs > 0 && r.train.epoch > 0)
                it->total = static_cast<qint64>(
                    std::ceil(it->epochs * std::llround(r.train.step / r.train.epoch)));
            if (it->total > 0)
                it->finalError.add(r.train.step, r.train.error, it->total);
        } else if (r.kind == reslab::MetricRecord::Kind::Eval) {
            it->testError = r.eval.test_error;
        }
    }
    // A finished run shows its final training error, the figure the verdict and reslab-cli give.
    const double finalError = it->finalError.value();
    const bool done = it->total > 0 && it->step >= it->total && std::isfinite(finalError);
    m_runList->setRunErrors(runId, done ? finalError : it->trainError, it->testError);
    m_runList->setRunStep(runId, it->step, it->total);
}

void MainWindow::onRecords(const RunRecords& records) {
    QMap<int, std::vector<reslab::MetricRecord>> byRun;
    for (const auto& r : records)
        if (r.run >= 0 && r.run < m_liveIds.size())
            byRun[m_liveIds[r.run]].push_back(r.record);
    for (auto it = byRun.begin(); it != byRun.end(); ++it)
        applyRecords(it.key(), it.value());
}

void MainWindow::onRunState(int run, const QString& state, const QString& message) {
    if (run < 0 || run >= m_liveIds.size())
        return;
    const int id = m_liveIds[run];
    m_runs[id].state = state;
    m_runList->setRunState(id, state, message);
    if (state == QLatin1String("diverged") || state == QLatin1String("failed"))
        statusBar()->showMessage(tr("%1 %2: %3").arg(m_runs[id].name, state, message));
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
        step = std::max(step, m_runs[id].step);
    m_stepLabel->setText(tr("step %1").arg(step));
    m_speedLabel->setText(tr("%1 images/s").arg(imagesPerSecond, 0, 'f', 0));
}

void MainWindow::onFinished() {
    // Training ended before it could copy the weights asked for: its checkpoint holds them now.
    if (!m_snapshotFolder.isEmpty())
        m_features->loadWeights(std::exchange(m_snapshotFolder, QString()));
    for (int id : m_liveIds)
        if (m_runs[id].state == QLatin1String("running"))
            m_runList->setRunState(id, m_runs[id].state);
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
    for (auto it = m_runs.cbegin(); it != m_runs.cend(); ++it) {
        if (!m_runList->isRunVisible(it.key()) || !std::isfinite(it->trainError) || it->depth <= 0)
            continue;
        reslab::RunOutcome o;
        o.name = it->name.toStdString();
        o.depth = it->depth;
        o.residual = it->residual;
        // Over the final window of steps, as reslab-cli's summary: one record alone is noisy.
        o.train_error =
            std::isfinite(it->finalError.value()) ? it->finalError.value() : it->trainError;
        o.finished = it->state == QLatin1String("finished");
        outcomes.push_back(o);
        if (o.finished)
            sweep.push_back(DepthPoint{it->depth, !it->residual, o.train_error, it->testError});
    }
    m_curves->setVerdict(qs(reslab::degradation_verdict(outcomes)));
    // The depth chart says more than the verdict only with three depths or more.
    QSet<int> depths;
    for (const auto& p : sweep)
        depths.insert(p.depth);
    m_curves->setDepthSweep(depths.size() >= 3 ? sweep : QVector<DepthPoint>{});
}

bool MainWindow::openRunFolder(const QString& folder, QString* error) {
    const reslab::RunPaths paths(folder.toStdString());
    reslab::RunConfig config;
    try {
        config = reslab::run_config_from_json(reslab::read_text(paths.spec));
    } catch (const std::exception& e) {
        if (error)
            *error = tr("%1 is not a ResLab run folder: %2").arg(folder, qs(e.what()));
        return false;
    }
    RunEntry entry;
    entry.name = qs(config.name);
    // Several seeds of one net share its name; their folders tell them apart.
    const bool taken = std::any_of(m_runs.cbegin(), m_runs.cend(),
                                   [&](const RunEntry& r) { return r.name == entry.name; });
    if (taken)
        entry.name = QStringLiteral("%1 (%2)").arg(entry.name, QFileInfo(folder).fileName());
    entry.folder = folder;
    entry.color = nextColor();
    entry.residual = config.net.residual;
    entry.depth = static_cast<int>(config.net.depth());
    entry.state = QStringLiteral("following");
    entry.total = config.train.steps;
    entry.epochs = config.train.steps > 0 ? 0.0 : config.train.epochs;
    entry.follower = std::make_shared<reslab::MetricsFollower>(paths.metrics);
    const int id = addRun(std::move(entry));
    m_runList->setRunState(id, QStringLiteral("following"), QDir::toNativeSeparators(folder));
    pollFollowed();
    if (!m_followTimer.isActive())
        m_followTimer.start();
    return true;
}

void MainWindow::pollFollowed() {
    bool any = false;
    for (auto it = m_runs.begin(); it != m_runs.end(); ++it) {
        if (!it->follower)
            continue;
        any = true;
        // The status first: records written before it said the run ended are all in the file
        // by the time it says so, and the poll below reads them.
        const std::optional<reslab::FolderStatus> status =
            reslab::read_folder_status(it->folder.toStdString());
        std::vector<reslab::MetricRecord> records;
        try {
            records = it->follower->poll();
        } catch (const std::exception& e) {
            m_runList->setRunState(it.key(), tr("unreadable"), qs(e.what()));
            continue;
        }
        applyRecords(it.key(), records);
        QString state = QStringLiteral("following");
        QString message = QDir::toNativeSeparators(it->folder);
        bool ended = false;
        if (status && reslab::is_end(status->state)) {
            state = qs(reslab::to_string(status->state));
            message = qs(status->message);
            ended = true;
        } else if (status && reslab::writer_gone(*status)) {
            state = QStringLiteral("interrupted");
            message =
                tr("The process that trained it ended at step %1 without finishing (killed?); "
                   "File > Resume run folders continues it")
                    .arg(status->step);
            ended = true;
        } else if (!status && it->total > 0 && it->step >= it->total) {
            state = QStringLiteral("finished"); // a folder older than status.json
            ended = true;
        }
        if (state != it->state) {
            it->state = state;
            m_runList->setRunState(it.key(), state, message);
        }
        if (ended) {
            it->follower.reset(); // nothing more will be written: stop reading its file
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
    QJsonArray folders;
    for (const auto& run : std::as_const(m_runs))
        if (!run.folder.isEmpty())
            folders.append(run.folder);
    QJsonObject root{{QStringLiteral("reslab_experiment"), 1}, {QStringLiteral("runs"), folders}};
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(root).toJson()) < 0 ||
        !file.commit())
        QMessageBox::warning(this, tr("ResLab"),
                             tr("Cannot write %1: %2").arg(path, file.errorString()));
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
    QFile file(path);
    const QJsonDocument doc =
        file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()) : QJsonDocument();
    if (!doc.isObject() || !doc.object().contains(QStringLiteral("runs"))) {
        QMessageBox::warning(this, tr("ResLab"),
                             tr("%1 is not a saved ResLab experiment.").arg(path));
        return;
    }
    QStringList problems;
    for (const auto& value : doc.object().value(QStringLiteral("runs")).toArray()) {
        QString error;
        if (!openRunFolder(value.toString(), &error))
            problems << error;
    }
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
    settings.setValue(QStringLiteral("colors/palette"), m_palette);
    settings.setValue(QStringLiteral("folders/runs"), m_runsFolder);
    m_panel->saveSettings(settings);
    m_curves->saveSettings(settings);
    event->accept();
}
