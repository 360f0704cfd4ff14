#pragma once

#include <QObject>
#include <QString>
#include <QVector>

#include "lesson.h"
#include "lessontext.h"
#include "replay.h"

class MainWindow;

/// A lesson open in the window: which step it is at, the recording it plays back (its runs shown
/// as any other runs, their records handed out by the Replay), and the live runs once the class
/// trains the experiment itself. Each step brings its view to the front with its run, layer and
/// image; its text quotes the runs on screen.
class LessonSession : public QObject {
    Q_OBJECT
public:
    LessonSession(MainWindow* window, Lesson lesson, QObject* parent = nullptr);
    ~LessonSession() override;

    /// Loads the recording, shows its runs and the lesson's first (or saved) step. False, and
    /// why, when the recording cannot be played; the window is then as it was.
    bool start(QString* error);

    const Lesson& lesson() const { return m_lesson; }
    /// The lesson as it stands now (step, replay position and speed, presenter): what File > Save
    /// lesson writes.
    Lesson currentState() const;
    int step() const { return m_step; }
    int stepCount() const { return static_cast<int>(m_lesson.lessonSteps.size()); }
    const LessonStep& currentStep() const { return m_lesson.lessonSteps[m_step]; }
    /// The language the texts are shown in ("en", "ko"), from the locale.
    QString language() const;
    /// The current step's title and text with its figures, from the runs on screen.
    QString title() const;
    QString text() const;
    /// The figures the texts quote, from the runs on screen: the live ones once the class trains,
    /// else the replay's, each as far as it has got.
    lessontext::Facts facts() const;

    Replay* replay() { return &m_replay; }
    bool hasReplay() const { return !m_replayIds.isEmpty(); }
    /// The registry id of the lesson's run of this name: the live one once training started,
    /// else the replay's; -1 where there is none.
    int runId(const QString& name) const;
    bool trainingLive() const { return m_live; }
    /// Takes the replay's runs out of the window (the lesson closes).
    void removeRuns() { removeReplayRuns(); }

public Q_SLOTS:
    void goTo(int step);
    void next() { goTo(m_step + 1); }
    void previous() { goTo(m_step - 1); }
    /// Trains the lesson's experiment for real; the replay stays behind it, faint.
    bool trainLive(QString* error = nullptr);

Q_SIGNALS:
    void stepChanged(int step);
    /// The figures the current text quotes may have changed.
    void textChanged();
    void message(const QString& text);

private:
    void applyStep();
    /// (Re)adds the replay's runs to the window, faint when live runs train in front of them.
    void showReplayRuns();
    void removeReplayRuns();
    void onRevealed(int run, const std::vector<reslab::MetricRecord>& records);

    MainWindow* m_window;
    Lesson m_lesson;
    QStringList m_runNames; // the experiment's runs, in its order
    int m_step = 0;
    Replay m_replay;
    QVector<int> m_replayIds; // the replay's run i is the registry's m_replayIds[i]
    QVector<QColor> m_replayColors;
    bool m_live = false;
    bool m_textPending = false;
};
