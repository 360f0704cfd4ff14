// The main window's lessons: opening, saving and closing them, the keys that step through them
// (what presentation clickers send), what a lesson locks and hides, and the presenter layout.
#include <algorithm>

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

#include "curveplot.h"
#include "curvesview.h"
#include "experimentpanel.h"
#include "landscapeview.h"
#include "language.h"
#include "lessonpanel.h"
#include "lessonsession.h"
#include "mainwindow.h"
#include "plotexport.h"

namespace {

/// Fonts at 1366 x 768 grow by this much in presenter layout, and more on a taller screen.
constexpr double kPresenterFontScale = 1.5;
constexpr double kPresenterMaxFontScale = 2.5;

/// Black on white with strong accents: what a projector in a lit room still shows.
QPalette highContrastPalette() {
    QPalette p;
    const QColor white(Qt::white), black(Qt::black);
    for (auto group : {QPalette::Active, QPalette::Inactive}) {
        p.setColor(group, QPalette::Window, white);
        p.setColor(group, QPalette::WindowText, black);
        p.setColor(group, QPalette::Base, white);
        p.setColor(group, QPalette::AlternateBase, QColor(0xee, 0xee, 0xee));
        p.setColor(group, QPalette::Text, black);
        p.setColor(group, QPalette::Button, QColor(0xf2, 0xf2, 0xf2));
        p.setColor(group, QPalette::ButtonText, black);
        p.setColor(group, QPalette::Highlight, QColor(0x00, 0x48, 0xb8));
        p.setColor(group, QPalette::HighlightedText, white);
        p.setColor(group, QPalette::ToolTipBase, white);
        p.setColor(group, QPalette::ToolTipText, black);
    }
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x55, 0x55, 0x55));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x55, 0x55, 0x55));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x55, 0x55, 0x55));
    return p;
}

bool isLessonFile(const QMimeData* mime, QString* path) {
    if (!mime || !mime->hasUrls() || mime->urls().size() != 1 ||
        !mime->urls().first().isLocalFile())
        return false;
    *path = mime->urls().first().toLocalFile();
    return path->endsWith(QLatin1String(".reslab"), Qt::CaseInsensitive);
}

} // namespace

void MainWindow::buildLessonActions(QMenu* file, QMenu* view, QMenu* help) {
    file->addSeparator();
    file->addAction(tr("Open &lesson…"), this, &MainWindow::openLessonDialog);
    QAction* save = file->addAction(tr("Save lesso&n…"), this, &MainWindow::saveLessonDialog);
    save->setToolTip(tr("Write the lesson as it stands (its step, the replay, the layout) to a "
                        ".reslab file to share"));

    QMenu* lessons = help->addMenu(tr("&Lessons"));
    for (const QString& name : lessonfile::shippedLessons()) {
        const std::optional<Lesson> lesson = lessonfile::read(name, nullptr);
        lessons->addAction(lesson ? lesson->title.in(installedLanguage()) : name, this,
                           [this, name] {
                               QString error;
                               if (!openLesson(name, &error))
                                   QMessageBox::warning(this, tr("ResLab"), error);
                           });
    }
    lessons->addSeparator();
    lessons->addAction(tr("Open lesson file…"), this, &MainWindow::openLessonDialog);
    QAction* close = lessons->addAction(tr("&Close the lesson"), this, &MainWindow::closeLesson);

    m_presenterAction = view->addAction(tr("&Presenter"));
    m_presenterAction->setCheckable(true);
    m_presenterAction->setShortcut(Qt::Key_F11);
    m_presenterAction->setToolTip(tr("Full screen for a projector: large type, docks hidden (F11; "
                                     "Esc leaves)"));
    connect(m_presenterAction, &QAction::toggled, this, &MainWindow::setPresenter);
    auto* leave = new QAction(tr("Leave presenter layout"), this);
    leave->setShortcut(Qt::Key_Escape);
    connect(leave, &QAction::triggered, this, [this] { setPresenter(false); });
    addAction(leave);
    view->addSeparator();

    // Clickers send Page Down / Page Up (some the arrows, or Space); all of them step.
    auto* next = new QAction(tr("Next step"), this);
    next->setShortcuts(
        {QKeySequence(Qt::Key_PageDown), QKeySequence(Qt::Key_Right), QKeySequence(Qt::Key_Space)});
    connect(next, &QAction::triggered, this, [this] {
        if (m_lesson)
            m_lesson->next();
    });
    auto* previous = new QAction(tr("Previous step"), this);
    previous->setShortcuts({QKeySequence(Qt::Key_PageUp), QKeySequence(Qt::Key_Left),
                            QKeySequence(Qt::Key_Backspace)});
    connect(previous, &QAction::triggered, this, [this] {
        if (m_lesson)
            m_lesson->previous();
    });
    addAction(next);
    addAction(previous);
    m_lessonActions = {save, close, next, previous};
    for (QAction* a : m_lessonActions)
        a->setEnabled(false);
}

bool MainWindow::openLesson(const QString& nameOrPath, QString* error) {
    std::optional<Lesson> lesson = lessonfile::read(nameOrPath, error);
    if (!lesson)
        return false;
    if (m_controller.busy()) {
        if (error)
            *error = tr("Training is running; stop it (Shift+F5) before opening a lesson.");
        return false;
    }
    const bool presenter = lesson->presenter;
    auto session = std::make_unique<LessonSession>(this, std::move(*lesson));
    closeLesson();
    if (!session->start(error))
        return false;
    m_lesson = std::move(session);
    m_lessonPanel = new LessonPanel(m_lesson.get());
    m_lessonDock = new QDockWidget(tr("Lesson"), this);
    m_lessonDock->setObjectName(QStringLiteral("LessonDock"));
    m_lessonDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    m_lessonDock->setWidget(m_lessonPanel);
    addDockWidget(Qt::RightDockWidgetArea, m_lessonDock);
    m_lessonDock->show(); // a dock made after the window was shown stays hidden otherwise
    // The text takes a third of the width, the view it talks about the rest.
    resizeDocks({m_lessonDock}, {std::max(320, width() / 3)}, Qt::Horizontal);
    for (QAction* a : m_lessonActions)
        a->setEnabled(true);
    applyLessonControls();
    if (presenter)
        setPresenter(true);
    statusBar()->showMessage(
        tr("Lesson: %1. Page Down or Space for the next step, Page Up for the previous one; F11 "
           "for the presenter layout")
            .arg(m_lesson->lesson().title.in(m_lesson->language())),
        10000);
    return true;
}

void MainWindow::closeLesson() {
    if (!m_lesson)
        return;
    m_lesson->removeRuns();
    delete std::exchange(m_lessonDock, nullptr);
    m_lessonPanel = nullptr;
    m_lesson.reset();
    for (QAction* a : m_lessonActions)
        a->setEnabled(false);
    applyLessonControls();
}

bool MainWindow::saveLesson(const QString& path, QString* error) {
    if (!m_lesson) {
        if (error)
            *error = tr("No lesson is open: open one from Help > Lessons first.");
        return false;
    }
    return lessonfile::save(path, m_lesson->currentState(), error);
}

void MainWindow::openLessonDialog() {
    QSettings settings;
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open lesson"), settings.value(QStringLiteral("folders/lessons")).toString(),
        tr("ResLab lesson (*.reslab)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("folders/lessons"), QFileInfo(path).absolutePath());
    QString error;
    if (!openLesson(path, &error))
        QMessageBox::warning(this, tr("ResLab"), error);
}

void MainWindow::saveLessonDialog() {
    if (!m_lesson)
        return;
    QSettings settings;
    const QString folder = settings.value(QStringLiteral("folders/lessons")).toString();
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save lesson"),
        QDir(folder).filePath(m_lesson->lesson().name + QStringLiteral(".reslab")),
        tr("ResLab lesson (*.reslab)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("folders/lessons"), QFileInfo(path).absolutePath());
    QString error;
    if (!saveLesson(path, &error))
        QMessageBox::warning(this, tr("ResLab"), error);
    else
        statusBar()->showMessage(tr("Saved the lesson to %1").arg(QDir::toNativeSeparators(path)));
}

void MainWindow::applyLessonControls() {
    const Lesson* lesson = m_lesson ? &m_lesson->lesson() : nullptr;
    const bool idle = m_controller.state() == ExperimentController::State::Idle;
    const bool lockExperiment = lesson && lesson->locks(QStringLiteral("experiment"));
    const bool lockTraining = lesson && lesson->locks(QStringLiteral("training"));
    m_panel->setEnabled(idle && !lockExperiment);
    m_start->setEnabled(idle && !lockTraining);
    for (QAction* a : m_startActions)
        a->setEnabled(idle && !lockTraining);

    // The experiment panel is for training: it stands beside the curves and folds away on the
    // other tabs, which need the width.
    const bool onCurves = m_viewKeys.value(m_views->currentIndex()) == QLatin1String("curves");
    const struct {
        QWidget* widget;
        QAction* toggle;
        const char* key;
        bool shown;
    } controls[] = {
        {m_panelDock, m_panelDock->toggleViewAction(), "experiment", onCurves && m_panelWanted},
        {m_runsDock, m_runsDock->toggleViewAction(), "runs", true},
        {m_toolBar, m_toolBar->toggleViewAction(), "toolbar", true},
    };
    m_applyingControls = true;
    for (const auto& c : controls) {
        // A lesson that locks the experiment has no use for its panel: the view gets the width.
        const bool hidden = lesson && (lesson->hides(QLatin1String(c.key)) ||
                                       (c.widget == m_panelDock && lockExperiment));
        c.toggle->setEnabled(!hidden && !m_presenter);
        if (hidden || m_presenter)
            c.widget->hide();
        else if (c.widget != m_panelDock || onCurves)
            c.widget->setVisible(c.shown);
        else
            c.widget->hide();
    }
    m_applyingControls = false;
    menuBar()->setVisible(!m_presenter);
}

void MainWindow::scalePlots(double scale) {
    // A widget with a style sheet keeps the type it was polished with; setting its sheet again
    // gives it the application's new one.
    for (QWidget* widget : findChildren<QWidget*>())
        if (!widget->styleSheet().isEmpty())
            widget->setStyleSheet(widget->styleSheet());
    PlotStyle::scaleTypeIn(this, scale);
    for (CurvePlot* plot : findChildren<CurvePlot*>())
        plot->setLineScale(scale);
}

void MainWindow::setPresenter(bool on) {
    if (on == m_presenter)
        return;
    m_presenter = on;
    {
        const QSignalBlocker block(m_presenterAction);
        m_presenterAction->setChecked(on);
    }
    if (on) {
        m_stateBeforePresenter = saveState();
        m_maximizedBeforePresenter = isMaximized();
        m_fontBeforePresenter = QApplication::font();
        m_paletteBeforePresenter = QApplication::palette();
        const int height = screen() ? screen()->geometry().height() : 768;
        const double scale = std::clamp(kPresenterFontScale * height / 768.0, kPresenterFontScale,
                                        kPresenterMaxFontScale);
        QFont font = m_fontBeforePresenter;
        font.setPointSizeF(font.pointSizeF() * scale);
        QApplication::setFont(font);
        QApplication::setPalette(highContrastPalette());
        scalePlots(scale);
        applyLessonControls();
        if (screen())
            setGeometry(screen()->geometry()); // where no window manager makes full screen so
        showFullScreen();
    } else {
        QApplication::setFont(m_fontBeforePresenter);
        QApplication::setPalette(m_paletteBeforePresenter);
        scalePlots(1.0);
        if (m_maximizedBeforePresenter)
            showMaximized();
        else
            showNormal();
        restoreState(m_stateBeforePresenter);
        applyLessonControls();
    }
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    QString path;
    if (isLessonFile(event->mimeData(), &path))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    QString path;
    if (!isLessonFile(event->mimeData(), &path))
        return;
    event->acceptProposedAction();
    QString error;
    if (!openLesson(path, &error))
        QMessageBox::warning(this, tr("ResLab"), error);
}
