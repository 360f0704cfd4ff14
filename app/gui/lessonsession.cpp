#include "lessonsession.h"

#include <cmath>
#include <utility>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QTimer>

#include "blockgraph.h"
#include "curvesview.h"
#include "experimentpanel.h"
#include "graphview.h"
#include "language.h"
#include "lesionview.h"
#include "mainwindow.h"
#include "train/presets.h"

namespace {

constexpr int kTextRefreshMs = 200; // the text's figures follow the runs a few times a second
constexpr int kFaintAlpha = 70;     // a recording behind live runs

} // namespace

LessonSession::LessonSession(MainWindow* window, Lesson lesson, QObject* parent)
    : QObject(parent), m_window(window), m_lesson(std::move(lesson)),
      m_runNames(lessonfile::runNames(m_lesson)) {
    connect(&m_replay, &Replay::recordsRevealed, this, &LessonSession::onRevealed);
    connect(&m_replay, &Replay::rewound, this, [this] {
        if (!m_replayIds.isEmpty())
            showReplayRuns();
    });
    // A new record may change a figure the text quotes: redraw it soon, not at every record.
    connect(&m_window->runs(), &RunRegistry::runProgressed, this, [this] {
        if (m_textPending)
            return;
        m_textPending = true;
        QTimer::singleShot(kTextRefreshMs, this, [this] {
            m_textPending = false;
            Q_EMIT textChanged();
        });
    });
}

LessonSession::~LessonSession() {
    m_replay.pause();
}

bool LessonSession::start(QString* error) {
    if (!m_lesson.recording.isEmpty()) {
        if (!m_replay.load(m_lesson.recording, m_runNames, error))
            return false;
        m_replay.setSpeed(m_lesson.replaySpeed);
        showReplayRuns();
        if (m_lesson.replayPosition >= 0)
            m_replay.seek(m_lesson.replayPosition);
        else
            m_replay.play();
    }
    goTo(m_lesson.currentStep);
    return true;
}

QString LessonSession::language() const {
    return installedLanguage();
}

QString LessonSession::title() const {
    return lessontext::render(currentStep().title.in(language()), facts());
}

QString LessonSession::text() const {
    return lessontext::stepText(currentStep(), language(), facts());
}

int LessonSession::runId(const QString& name) const {
    if (m_live)
        for (int id : m_window->liveRunIds())
            if (const RegisteredRun* run = m_window->runs().find(id);
                run && QString::fromStdString(run->config.name) == name)
                return id;
    const auto& runs = m_replay.runs();
    for (int i = 0; i < m_replayIds.size() && i < static_cast<int>(runs.size()); ++i)
        if (QString::fromStdString(runs[i].config.name) == name)
            return m_replayIds[i];
    return -1;
}

lessontext::Facts LessonSession::facts() const {
    lessontext::Facts f;
    for (const QString& name : m_runNames) {
        const RegisteredRun* run = m_window->runs().find(runId(name));
        if (!run)
            continue;
        lessontext::RunFacts r;
        r.trainError = run->reportedTrainError();
        r.testError = run->testError;
        r.ratio = lessontext::medianRatio(run->residualRatios);
        r.step = run->step;
        r.total = run->total;
        r.finished = run->finished();
        f.runs.insert(name, r);
    }
    f.verdict = m_window->curves()->verdict();
    return f;
}

Lesson LessonSession::currentState() const {
    Lesson l = m_lesson;
    l.currentStep = m_step;
    l.replaySpeed = m_replay.speed();
    l.replayPosition = hasReplay() ? m_replay.position() : -1.0;
    l.presenter = m_window->isPresenter();
    return l;
}

void LessonSession::goTo(int step) {
    if (step < 0 || step >= stepCount())
        return;
    m_step = step;
    applyStep();
    Q_EMIT stepChanged(m_step);
    Q_EMIT textChanged();
}

void LessonSession::applyStep() {
    const LessonStep& s = currentStep();
    const RegisteredRun* run = m_window->runs().find(runId(s.run));
    if (run)
        m_window->selection()->setRun(run->name);
    ViewRequest request;
    request.view = s.view;
    request.layer = s.layer;
    if (s.view == QLatin1String("graph")) {
        if (!s.arch.isEmpty()) {
            request.arch = s.arch;
            request.twin = s.twin;
        } else {
            m_window->graphView()->showRunNet();
            m_window->graphView()->setTwinVisible(s.twin);
        }
    } else if (s.view == QLatin1String("features")) {
        // The recorded (or trained) weights of the step's run, with its image.
        if (run && !run->folder.isEmpty())
            request.weights = run->folder;
        request.image = s.image;
    } else if (s.view == QLatin1String("lesion")) {
        request.view = QStringLiteral("lesion");
    }
    QString error;
    // The lesion study starts once, not each time the class steps past it.
    const bool lesionDone = m_window->lesionView()->isRunning() ||
                            (run && !m_window->lesionView()->errorsWithout(runId(s.run)).isEmpty());
    if (s.view == QLatin1String("lesion") && lesionDone) {
        m_window->showView(request.view);
        if (!request.layer.isEmpty())
            m_window->selection()->setLayer(request.layer);
    } else if (!m_window->applyViewRequest(request, &error)) {
        Q_EMIT message(error);
    }
    if (s.view == QLatin1String("graph") && s.zoom > 0) {
        BlockGraph* graph = m_window->graphView()->graph();
        graph->setZoom(s.zoom);
        if (!s.layer.isEmpty())
            graph->centerOn(s.layer);
    }
}

void LessonSession::removeReplayRuns() {
    for (int id : std::exchange(m_replayIds, {}))
        m_window->removeRun(id);
}

void LessonSession::showReplayRuns() {
    // Their colours stay as they were first given, so a rewind does not repaint the curves.
    const bool firstTime = m_replayColors.isEmpty();
    removeReplayRuns();
    const auto& runs = m_replay.runs();
    for (size_t i = 0; i < runs.size(); ++i) {
        RegisteredRun run;
        run.config = runs[i].config;
        run.folder = runs[i].folder;
        run.total = runs[i].config.train.steps;
        run.state = reslab::RunState::Running;
        run.replay = true;
        run.message = tr("recorded by ResLab; played back");
        if (!firstTime) {
            QColor c = m_replayColors[static_cast<int>(i)];
            if (m_live) {
                c.setAlpha(kFaintAlpha);
                run.background = true;
                run.name = tr("%1 (recorded)").arg(QString::fromStdString(run.config.name));
            }
            run.color = c;
        }
        const int id = m_window->addRun(std::move(run));
        m_replayIds.push_back(id);
        if (firstTime) {
            QColor c = m_window->runs().find(id)->color;
            c.setAlpha(255);
            m_replayColors.push_back(c);
        }
    }
    // Hand out again what the position has reached (nothing after a rewind to the start).
    for (size_t i = 0; i < runs.size(); ++i)
        if (runs[i].shown > 0)
            onRevealed(static_cast<int>(i),
                       std::vector<reslab::MetricRecord>(runs[i].records.begin(),
                                                         runs[i].records.begin() + runs[i].shown));
}

void LessonSession::onRevealed(int run, const std::vector<reslab::MetricRecord>& records) {
    if (run < 0 || run >= m_replayIds.size())
        return;
    const int id = m_replayIds[run];
    m_window->applyRecords(id, records);
    const auto& recorded = m_replay.runs()[static_cast<size_t>(run)];
    if (recorded.done()) {
        m_window->setRunState(id, reslab::RunState::Finished,
                              tr("recorded by ResLab; played back"));
        m_window->updateConclusions();
    }
}

bool LessonSession::trainLive(QString* error) {
    std::vector<reslab::RunConfig> runs;
    ExperimentPanel* panel = m_window->experimentPanel();
    if (!m_lesson.preset.isEmpty()) {
        panel->selectPreset(m_lesson.preset);
        runs = panel->runConfigs();
    } else {
        const QJsonArray list = QJsonDocument::fromJson(m_lesson.runsJson).array();
        for (const auto& value : list)
            runs.push_back(reslab::run_config_from_json(
                QJsonDocument(value.toObject()).toJson().toStdString()));
    }
    if (m_lesson.steps > 0)
        for (auto& run : runs) {
            run.train.steps = m_lesson.steps;
            run.train.epochs = 0.0;
        }
    // The recording goes behind, faint and whole, so that the class sees where its runs should
    // land; the live runs take the recording's colours.
    const bool hadReplay = hasReplay();
    removeReplayRuns();
    if (!m_window->startRuns(std::move(runs), m_lesson.name)) {
        if (error)
            *error = tr("The experiment could not start.");
        if (hadReplay)
            showReplayRuns();
        return false;
    }
    m_live = true;
    if (hadReplay) {
        m_replay.seek(static_cast<double>(m_replay.lastStep()));
        showReplayRuns();
    }
    Q_EMIT textChanged();
    return true;
}
