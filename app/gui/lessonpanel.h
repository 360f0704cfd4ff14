#pragma once

#include <QWidget>

class LessonSession;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QToolButton;

/// The lesson beside the view it talks about: the step's title and text (its figures from the
/// runs on screen), Back and Next, and the replay's controls (play, speed, a slider through
/// training, Train it live).
class LessonPanel : public QWidget {
    Q_OBJECT
public:
    explicit LessonPanel(LessonSession* session, QWidget* parent = nullptr);

    QLabel* textLabel() const { return m_text; }
    QPushButton* nextButton() const { return m_next; }
    QPushButton* backButton() const { return m_back; }
    QToolButton* playButton() const { return m_play; }
    QComboBox* speedBox() const { return m_speed; }
    QSlider* slider() const { return m_slider; }
    QPushButton* trainLiveButton() const { return m_trainLive; }

protected:
    /// The presenter layout enlarges the window's type: the step's title and text follow.
    void changeEvent(QEvent* event) override;

private:
    void applyFonts();
    void updateStep();
    void updateText();
    void updateReplay();

    LessonSession* m_session;
    QLabel* m_lessonTitle = nullptr;
    QLabel* m_counter = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_text = nullptr;
    QLabel* m_message = nullptr;
    QPushButton* m_back = nullptr;
    QPushButton* m_next = nullptr;
    QWidget* m_replayBox = nullptr;
    QToolButton* m_play = nullptr;
    QComboBox* m_speed = nullptr;
    QSlider* m_slider = nullptr;
    QLabel* m_position = nullptr;
    QPushButton* m_trainLive = nullptr;
};
