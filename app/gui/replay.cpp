#include "replay.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

#include "io/runfolder.h"

namespace {

constexpr int kTickMs = 50; // 20 updates a second, the views' repaint rate
constexpr double kFallbackStepsPerSecond = 10.0;

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

/// Copies a run folder's files into target (made afresh); false when the cache is not writable.
bool copyRun(const QString& from, const QString& target) {
    QDir(target).removeRecursively();
    if (!QDir().mkpath(target))
        return false;
    for (const QFileInfo& f : QDir(from).entryInfoList(QDir::Files))
        if (!QFile::copy(f.absoluteFilePath(), QDir(target).filePath(f.fileName())))
            return false;
    return true;
}

} // namespace

Replay::Replay(QObject* parent) : QObject(parent) {
    m_timer.setInterval(kTickMs);
    connect(&m_timer, &QTimer::timeout, this, &Replay::tick);
}

QString Replay::recordingsFolder() {
    const QString fromEnv = qEnvironmentVariable("RESLAB_RECORDINGS");
    if (!fromEnv.isEmpty())
        return fromEnv;
    const QString installed = QDir(QCoreApplication::applicationDirPath())
                                  .filePath(QStringLiteral("../share/reslab/recordings"));
    if (QFileInfo(installed).isDir())
        return QDir::cleanPath(installed);
    return QStringLiteral(RESLAB_SOURCE_RECORDINGS);
}

bool Replay::load(const QString& recording, const QStringList& names, QString* error) {
    pause();
    const bool named = !recording.contains(QLatin1Char('/'));
    const QString folder = named ? QDir(recordingsFolder()).filePath(recording) : recording;
    std::vector<RecordedRun> runs;
    try {
        if (!QFileInfo(folder).isDir())
            throw std::runtime_error(
                (named ? tr("there is no recording '%1' in %2 (make it with tools/make-recordings)")
                             .arg(recording, QDir::toNativeSeparators(recordingsFolder()))
                       : tr("%1 is not a folder").arg(QDir::toNativeSeparators(folder)))
                    .toStdString());
        std::vector<RecordedRun> found;
        for (const std::string& run : reslab::run_folders_in(folder.toStdString())) {
            RecordedRun r;
            r.config = reslab::read_run_folder(run).config;
            r.folder = qs(run);
            found.push_back(std::move(r));
        }
        QStringList have;
        for (const auto& r : found)
            have << qs(r.config.name);
        for (const QString& name : names.isEmpty() ? have : names) {
            const auto it = std::find_if(found.begin(), found.end(), [&](const RecordedRun& r) {
                return qs(r.config.name) == name;
            });
            if (it == found.end())
                throw std::runtime_error(tr("the recording %1 has no run '%2' (it has %3)")
                                             .arg(QDir::toNativeSeparators(folder), name,
                                                  have.join(QStringLiteral(", ")))
                                             .toStdString());
            runs.push_back(*it);
        }
        // The views read (and a landscape writes) a copy in the cache, never the shipped files.
        const QString cache =
            QDir(QStandardPaths::writableLocation(QStandardPaths::CacheLocation))
                .filePath(QStringLiteral("recordings/") + QFileInfo(folder).fileName());
        for (RecordedRun& r : runs) {
            const QString copy = QDir(cache).filePath(QFileInfo(r.folder).fileName());
            if (copyRun(r.folder, copy))
                r.folder = copy;
            r.records = reslab::read_metrics(reslab::RunPaths(r.folder.toStdString()).metrics);
            if (r.records.empty())
                throw std::runtime_error(tr("%1 holds no records")
                                             .arg(QDir::toNativeSeparators(r.folder))
                                             .toStdString());
        }
    } catch (const std::exception& e) {
        if (error)
            *error = tr("Cannot play the recording: %1").arg(qs(e.what()));
        return false;
    }
    m_runs = std::move(runs);
    m_lastStep = 0;
    double seconds = 0.0;
    for (const RecordedRun& r : m_runs)
        for (const auto& record : r.records) {
            m_lastStep = std::max<qint64>(m_lastStep, record.step());
            if (record.kind == reslab::MetricRecord::Kind::Train)
                seconds = std::max(seconds, record.train.time);
        }
    m_stepsPerSecond = seconds > 0 && m_lastStep > 0 ? static_cast<double>(m_lastStep) / seconds
                                                     : kFallbackStepsPerSecond;
    m_position = 0.0;
    Q_EMIT rewound();
    Q_EMIT positionChanged(m_position);
    return true;
}

double Replay::secondsLeft() const {
    return (static_cast<double>(m_lastStep) - m_position) / (m_speed * m_stepsPerSecond);
}

void Replay::play() {
    if (m_runs.empty() || isPlaying())
        return;
    if (atEnd())
        seek(0.0);
    m_clock.start();
    m_timer.start();
    Q_EMIT playingChanged(true);
}

void Replay::pause() {
    if (!isPlaying())
        return;
    m_timer.stop();
    Q_EMIT playingChanged(false);
}

void Replay::setSpeed(double speed) {
    m_speed = std::clamp(speed, kMinSpeed, kMaxSpeed);
}

void Replay::seek(double step) {
    step = std::clamp(step, 0.0, static_cast<double>(m_lastStep));
    if (step < m_position) {
        for (RecordedRun& r : m_runs)
            r.shown = 0;
        Q_EMIT rewound();
    }
    m_position = step;
    reveal();
    Q_EMIT positionChanged(m_position);
    if (atEnd() && isPlaying()) {
        pause();
        Q_EMIT ended();
    }
}

void Replay::tick() {
    const double seconds = static_cast<double>(m_clock.restart()) / 1000.0;
    seek(m_position + seconds * m_speed * m_stepsPerSecond);
}

void Replay::reveal() {
    // Every run up to the same step, so that no curve races ahead of the others.
    for (size_t i = 0; i < m_runs.size(); ++i) {
        RecordedRun& r = m_runs[i];
        const size_t from = r.shown;
        while (r.shown < r.records.size() &&
               static_cast<double>(r.records[r.shown].step()) <= m_position)
            ++r.shown;
        if (r.shown > from)
            Q_EMIT recordsRevealed(static_cast<int>(i),
                                   std::vector<reslab::MetricRecord>(r.records.begin() + from,
                                                                     r.records.begin() + r.shown));
    }
}
