#include "runregistry.h"

#include <cmath>

#include <QFileInfo>

#include "io/runfolder.h"

RunRegistry::RunRegistry(QObject* parent) : QObject(parent) {
    qRegisterMetaType<RegisteredRun>();
}

RunRegistry::~RunRegistry() = default;

QString RegisteredRun::stateText() const {
    // A data-parallel job's run says so: its folder is one run, trained by several processes.
    if (config.world_size > 1)
        return QObject::tr("%1 · %2 ranks").arg(baseStateText()).arg(config.world_size);
    return baseStateText();
}

QString RegisteredRun::baseStateText() const {
    if (unreadable)
        return QObject::tr("unreadable");
    if (interrupted)
        return QObject::tr("interrupted");
    if (followed() && !reslab::is_end(state))
        return QObject::tr("following");
    if (replay)
        return reslab::is_end(state) ? QObject::tr("recorded") : QObject::tr("replaying");
    return QString::fromStdString(reslab::to_string(state));
}

bool RegisteredRun::faulty() const {
    return unreadable || state == reslab::RunState::Diverged || state == reslab::RunState::Failed;
}

double RegisteredRun::reportedTrainError() const {
    const double final = finalError.value();
    const bool done = total > 0 && step >= total && std::isfinite(final);
    return done ? final : trainError;
}

int RunRegistry::add(RegisteredRun run) {
    if (run.name.isEmpty())
        run.name = QString::fromStdString(run.config.name);
    // Several seeds of one net share its name; their folders tell them apart.
    if (idOf(run.name) >= 0 && !run.folder.isEmpty())
        run.name = QStringLiteral("%1 (%2)").arg(run.name, QFileInfo(run.folder).fileName());
    const int id = m_nextId++;
    m_runs.insert(id, std::move(run));
    Q_EMIT runAdded(id);
    return id;
}

void RunRegistry::remove(int id) {
    if (m_runs.remove(id) > 0)
        Q_EMIT runRemoved(id);
}

const RegisteredRun* RunRegistry::find(int id) const {
    const auto it = m_runs.constFind(id);
    return it == m_runs.cend() ? nullptr : &*it;
}

int RunRegistry::idOf(const QString& name) const {
    for (auto it = m_runs.cbegin(); it != m_runs.cend(); ++it)
        if (it->name == name)
            return it.key();
    return -1;
}

int RunRegistry::idOfFolder(const QString& folder) const {
    for (auto it = m_runs.cbegin(); it != m_runs.cend(); ++it)
        if (!folder.isEmpty() && it->folder == folder)
            return it.key();
    return -1;
}

void RunRegistry::applyRecords(int id, const std::vector<reslab::MetricRecord>& records) {
    const auto it = m_runs.find(id);
    if (it == m_runs.end() || records.empty())
        return;
    const reslab::TrainConfig& train = it->config.train;
    for (const auto& r : records) {
        if (r.kind == reslab::MetricRecord::Kind::Train) {
            it->trainError = r.train.error;
            it->step = r.train.step;
            // A run of so many epochs: its records tell how many steps an epoch has.
            if (it->total <= 0 && train.steps <= 0 && train.epochs > 0 && r.train.epoch > 0)
                it->total = static_cast<qint64>(
                    std::ceil(train.epochs * std::llround(r.train.step / r.train.epoch)));
            if (it->total > 0)
                it->finalError.add(r.train.step, r.train.error, it->total);
        } else if (r.kind == reslab::MetricRecord::Kind::Eval) {
            it->testError = r.eval.test_error;
        } else if (!r.probe.residual_ratios.empty()) {
            it->residualRatios = r.probe.residual_ratios;
        }
    }
    Q_EMIT runProgressed(id);
}

void RunRegistry::setState(int id, reslab::RunState state, const QString& message) {
    const auto it = m_runs.find(id);
    if (it == m_runs.end() || (it->state == state && it->message == message))
        return;
    it->state = state;
    it->message = message;
    Q_EMIT runStateChanged(id);
}

void RunRegistry::setInterrupted(int id, const QString& message) {
    setFlag(id, &RegisteredRun::interrupted, true, message);
}

void RunRegistry::setUnreadable(int id, bool unreadable, const QString& message) {
    setFlag(id, &RegisteredRun::unreadable, unreadable, message);
}

void RunRegistry::setFlag(int id, bool RegisteredRun::*flag, bool value, const QString& message) {
    const auto it = m_runs.find(id);
    if (it == m_runs.end() || ((*it).*flag == value && it->message == message))
        return;
    (*it).*flag = value;
    it->message = message;
    Q_EMIT runStateChanged(id);
}

void RunRegistry::stopFollowing(int id) {
    const auto it = m_runs.find(id);
    if (it != m_runs.end())
        it->follower.reset();
}
