#include "lessonpanel.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include "lessonsession.h"

namespace {

const double kSpeeds[] = {1, 2, 5, 10, 20, 50};

/// Paragraphs (blank lines in the lesson's text) as HTML paragraphs; the text may hold simple
/// HTML of its own (<b>, <i>).
QString paragraphs(const QString& text) {
    QStringList out;
    for (const QString& p : text.split(QStringLiteral("\n\n"), Qt::SkipEmptyParts))
        out << QStringLiteral("<p>%1</p>")
                   .arg(QString(p).replace(QLatin1Char('\n'), QStringLiteral("<br>")));
    return out.join(QString());
}

QFont scaled(QFont font, double factor, bool bold) {
    font.setPointSizeF(font.pointSizeF() * factor);
    font.setBold(bold);
    return font;
}

} // namespace

LessonPanel::LessonPanel(LessonSession* session, QWidget* parent)
    : QWidget(parent), m_session(session) {
    setObjectName(QStringLiteral("LessonPanel"));
    auto* layout = new QVBoxLayout(this);
    m_lessonTitle = new QLabel(this);
    m_lessonTitle->setWordWrap(true);
    m_counter = new QLabel(this);
    m_title = new QLabel(this);
    m_title->setWordWrap(true);
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("LessonText"));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    m_text->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(m_text);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_message->hide();

    auto* nav = new QHBoxLayout;
    m_back = new QPushButton(style()->standardIcon(QStyle::SP_ArrowBack), tr("Back"), this);
    m_back->setToolTip(tr("The previous step (Page Up, Left)"));
    m_next = new QPushButton(style()->standardIcon(QStyle::SP_ArrowForward), tr("Next"), this);
    m_next->setToolTip(tr("The next step (Page Down, Right, Space)"));
    for (QPushButton* b : {m_back, m_next})
        b->setFocusPolicy(Qt::NoFocus); // Space belongs to the lesson, not to a focused button
    nav->addWidget(m_back);
    nav->addStretch();
    nav->addWidget(m_counter);
    nav->addStretch();
    nav->addWidget(m_next);

    m_replayBox = new QWidget(this);
    auto* replay = new QVBoxLayout(m_replayBox);
    replay->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    m_play = new QToolButton(m_replayBox);
    m_play->setFocusPolicy(Qt::NoFocus);
    m_speed = new QComboBox(m_replayBox);
    m_speed->setFocusPolicy(Qt::NoFocus);
    for (double s : kSpeeds)
        m_speed->addItem(tr("%1x").arg(s), s);
    m_speed->setToolTip(tr("Replay speed, against the pace it was recorded at"));
    m_slider = new QSlider(Qt::Horizontal, m_replayBox);
    m_slider->setObjectName(QStringLiteral("ReplaySlider"));
    m_slider->setFocusPolicy(Qt::NoFocus);
    m_slider->setToolTip(tr("Scrub through training"));
    m_position = new QLabel(m_replayBox);
    controls->addWidget(m_play);
    controls->addWidget(m_speed);
    controls->addWidget(m_slider, 1);
    replay->addLayout(controls);
    replay->addWidget(m_position);
    m_trainLive = new QPushButton(tr("Train it live"), this);
    m_trainLive->setFocusPolicy(Qt::NoFocus);
    m_trainLive->setToolTip(tr("Train the same experiment on this machine; the recording stays "
                               "behind it, faint, so the class sees its runs land where the "
                               "recorded ones did"));

    layout->addWidget(m_lessonTitle);
    layout->addWidget(m_title);
    layout->addWidget(scroll, 1);
    layout->addWidget(m_message);
    layout->addLayout(nav);
    layout->addWidget(m_replayBox);
    layout->addWidget(m_trainLive);

    Replay* r = m_session->replay();
    m_slider->setRange(0, static_cast<int>(r->lastStep()));
    const int speed = static_cast<int>(
        std::find(std::begin(kSpeeds), std::end(kSpeeds), r->speed()) - std::begin(kSpeeds));
    m_speed->setCurrentIndex(speed < m_speed->count() ? speed : 4);
    connect(m_back, &QPushButton::clicked, m_session, &LessonSession::previous);
    connect(m_next, &QPushButton::clicked, m_session, &LessonSession::next);
    connect(m_play, &QToolButton::clicked, this, [r] { r->isPlaying() ? r->pause() : r->play(); });
    connect(m_speed, &QComboBox::currentIndexChanged, this,
            [this, r](int i) { r->setSpeed(m_speed->itemData(i).toDouble()); });
    connect(m_slider, &QSlider::sliderMoved, this, [r](int step) { r->seek(step); });
    connect(m_slider, &QSlider::actionTriggered, this, [this, r](int action) {
        if (action != QAbstractSlider::SliderMove)
            QMetaObject::invokeMethod(
                this, [this, r] { r->seek(m_slider->sliderPosition()); }, Qt::QueuedConnection);
    });
    connect(r, &Replay::positionChanged, this, &LessonPanel::updateReplay);
    connect(r, &Replay::playingChanged, this, &LessonPanel::updateReplay);
    connect(m_trainLive, &QPushButton::clicked, this, [this] {
        QString error;
        if (!m_session->trainLive(&error)) {
            m_message->setText(error);
            m_message->show();
        }
        updateReplay();
    });
    connect(m_session, &LessonSession::stepChanged, this, &LessonPanel::updateStep);
    connect(m_session, &LessonSession::textChanged, this, &LessonPanel::updateText);
    connect(m_session, &LessonSession::message, this, [this](const QString& text) {
        m_message->setText(text);
        m_message->setVisible(!text.isEmpty());
    });
    m_lessonTitle->setText(m_session->lesson().title.in(m_session->language()));
    applyFonts();
    updateStep();
    updateReplay();
}

void LessonPanel::applyFonts() {
    m_title->setFont(scaled(font(), 1.35, true));
    m_text->setFont(scaled(font(), 1.15, false));
}

void LessonPanel::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        applyFonts();
}

void LessonPanel::updateStep() {
    m_counter->setText(tr("Step %1 of %2").arg(m_session->step() + 1).arg(m_session->stepCount()));
    m_back->setEnabled(m_session->step() > 0);
    m_next->setEnabled(m_session->step() + 1 < m_session->stepCount());
    m_message->hide();
    updateText();
}

void LessonPanel::updateText() {
    m_title->setText(m_session->title());
    m_text->setText(paragraphs(m_session->text()));
}

void LessonPanel::updateReplay() {
    Replay* r = m_session->replay();
    m_replayBox->setVisible(m_session->hasReplay());
    m_play->setIcon(
        style()->standardIcon(r->isPlaying() ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    m_play->setToolTip(r->isPlaying() ? tr("Pause the replay") : tr("Play the replay"));
    if (!m_slider->isSliderDown())
        m_slider->setValue(static_cast<int>(std::lround(r->position())));
    const QLocale locale;
    m_position->setText(
        r->atEnd() ? tr("Replayed to the end: %1 steps").arg(locale.toString(r->lastStep()))
                   : tr("Replay: step %1 of %2, %3 s left")
                         .arg(locale.toString(static_cast<qint64>(r->position())))
                         .arg(locale.toString(r->lastStep()))
                         .arg(locale.toString(r->secondsLeft(), 'f', 0)));
    m_trainLive->setEnabled(!m_session->trainingLive());
}
