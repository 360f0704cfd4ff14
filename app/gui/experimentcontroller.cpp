#include "experimentcontroller.h"

ExperimentController::ExperimentController(QObject* parent) : QObject(parent) {
    qRegisterMetaType<reslab::RunState>();
    qRegisterMetaType<RunRecords>();
    qRegisterMetaType<QVector<RegisteredRun>>();
    qRegisterMetaType<SnapshotPtr>();
    m_thread.setObjectName(QStringLiteral("training"));
}

ExperimentController::~ExperimentController() {
    if (m_worker)
        m_worker->requestStop();
    m_thread.quit();
    m_thread.wait();
}

bool ExperimentController::start(std::vector<reslab::RunConfig> runs,
                                 std::vector<std::string> folders) {
    if (busy())
        return false;
    return launch(new TrainingWorker(std::move(runs), std::move(folders), /*resume=*/false));
}

bool ExperimentController::resumeFolders(std::vector<std::string> folders) {
    if (busy())
        return false;
    return launch(new TrainingWorker({}, std::move(folders), /*resume=*/true));
}

bool ExperimentController::launch(TrainingWorker* worker) {
    m_worker = worker;
    worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, worker, &QObject::deleteLater);
    connect(worker, &TrainingWorker::experimentReady, this,
            [this](const QVector<RegisteredRun>& runs, const QString& split) {
                if (m_state == State::Starting)
                    setState(State::Running);
                Q_EMIT experimentReady(runs, split);
            });
    connect(worker, &TrainingWorker::recordsReady, this, &ExperimentController::recordsReady);
    connect(worker, &TrainingWorker::runStateChanged, this, &ExperimentController::runStateChanged);
    connect(worker, &TrainingWorker::progress, this, &ExperimentController::progress);
    connect(worker, &TrainingWorker::failed, this, &ExperimentController::failed);
    connect(worker, &TrainingWorker::snapshotReady, this, &ExperimentController::snapshotReady);
    connect(worker, &TrainingWorker::pausedChanged, this, [this](bool paused) {
        if (m_state == State::Stopping)
            return;
        setState(paused ? State::Paused : State::Running);
    });
    connect(worker, &TrainingWorker::finished, this, &ExperimentController::onWorkerFinished);
    if (!m_thread.isRunning())
        m_thread.start();
    setState(State::Starting);
    QMetaObject::invokeMethod(worker, &TrainingWorker::run, Qt::QueuedConnection);
    return true;
}

void ExperimentController::pause() {
    if (m_worker && (m_state == State::Running || m_state == State::Starting))
        m_worker->setPaused(true);
}

void ExperimentController::resume() {
    if (m_worker && m_state == State::Paused)
        m_worker->setPaused(false);
}

void ExperimentController::stop() {
    if (!m_worker || m_state == State::Idle || m_state == State::Stopping)
        return;
    m_worker->requestStop();
    setState(State::Stopping);
}

bool ExperimentController::requestSnapshot(int run) {
    if (!m_worker || m_state == State::Idle || m_state == State::Stopping)
        return false;
    m_worker->requestSnapshot(run);
    return true;
}

void ExperimentController::onWorkerFinished() {
    if (m_worker)
        m_worker->deleteLater();
    m_worker.clear();
    setState(State::Idle);
    Q_EMIT finished();
}

void ExperimentController::setState(State state) {
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}
