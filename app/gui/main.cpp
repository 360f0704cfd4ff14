#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QPixmap>
#include <QTimer>

#include "landscapeview.h"
#include "language.h"
#include "lesionview.h"
#include "lessonsession.h"
#include "mainwindow.h"
#include "surface3d.h"
#include "train/devices.h"

int main(int argc, char* argv[]) {
    reslab::reuse_freed_memory();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("ResLab"));
    QApplication::setOrganizationName(QStringLiteral("ResLab"));
    QApplication::setApplicationVersion(QStringLiteral(RESLAB_VERSION));
    // The desktop entry (reslab.desktop) this window belongs to, for the shell's task bar.
    QGuiApplication::setDesktopFileName(QStringLiteral("reslab"));
    // LibTorch starts with one intra-op thread here; use every core.
    reslab::set_intra_op_threads(0);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("ResLab: train and inspect residual networks"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption demo(
        QStringLiteral("demo"),
        QStringLiteral("start a preset at once: degradation, depth-sweep, shortcuts"),
        QStringLiteral("NAME"));
    const QCommandLineOption open(QStringLiteral("open"),
                                  QStringLiteral("open and follow a run folder (repeatable)"),
                                  QStringLiteral("RUN_DIR"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("grab the window to a PNG after --after seconds, then quit"),
        QStringLiteral("FILE"));
    const QCommandLineOption after(
        QStringLiteral("after"),
        QStringLiteral("seconds before the screenshot (default 3), or 'end': when the "
                       "demo's training, the lesion study, the landscape's --compute or the "
                       "opened runs end"),
        QStringLiteral("SECONDS"), QStringLiteral("3"));
    const QCommandLineOption runsFolder(
        QStringLiteral("runs-folder"),
        QStringLiteral("where new experiments write their run folders"), QStringLiteral("DIR"));
    const QCommandLineOption view(
        QStringLiteral("view"),
        QStringLiteral(
            "the view to show: curves, depth-sweep, graph, features, gradients, residuals "
            "(the gradients view's residual diagnostics), lesion, landscape, landscape-3d"),
        QStringLiteral("NAME"));
    const QCommandLineOption compute(
        QStringLiteral("compute"),
        QStringLiteral("with --view landscape: compute the surfaces the opened runs lack at once"));
    const QCommandLineOption arch(QStringLiteral("arch"),
                                  QStringLiteral("the net to show (resnet18, plain56, ...)"),
                                  QStringLiteral("A"));
    const QCommandLineOption twin(QStringLiteral("twin"),
                                  QStringLiteral("show the net beside its plain or residual twin"));
    const QCommandLineOption weights(
        QStringLiteral("weights"),
        QStringLiteral("weights for the net: a .pth file or a run folder"), QStringLiteral("FILE"));
    const QCommandLineOption image(QStringLiteral("image"), QStringLiteral("an image to inspect"),
                                   QStringLiteral("IMG"));
    const QCommandLineOption layer(QStringLiteral("layer"),
                                   QStringLiteral("the layer to select (layer2.0.conv1, ...)"),
                                   QStringLiteral("NAME"));
    const QCommandLineOption video(
        QStringLiteral("video"),
        QStringLiteral("play a video file through the net in the feature maps, looping"),
        QStringLiteral("FILE"));
    const QCommandLineOption camera(
        QStringLiteral("camera"),
        QStringLiteral("a camera's frames through the net in the feature maps ('default' for the "
                       "first camera)"),
        QStringLiteral("NAME"));
    const QCommandLineOption lesson(
        QStringLiteral("lesson"),
        QStringLiteral("open a guided lesson: degradation, depth-sweep, shortcuts, or a .reslab "
                       "file"),
        QStringLiteral("NAME|FILE"));
    const QCommandLineOption lessonStep(QStringLiteral("lesson-step"),
                                        QStringLiteral("the lesson's step to show (from 1)"),
                                        QStringLiteral("N"));
    const QCommandLineOption presenter(
        QStringLiteral("presenter"),
        QStringLiteral("full screen for a projector, large type (F11 toggles, Esc leaves)"));
    parser.addOptions({demo, open, screenshot, after, runsFolder, view, compute, arch, twin,
                       weights, image, layer, video, camera, lesson, lessonStep, presenter});
    // `--open A B C` opens all three: the folders after the first arrive as positional arguments.
    // A weights file among them (a double-click on a .pth in the file manager) opens in the
    // feature maps.
    parser.addPositionalArgument(QStringLiteral("RUN_DIR"),
                                 QStringLiteral("more run folders to open, a .pth weights file, or "
                                                "a .reslab lesson"),
                                 QStringLiteral("[RUN_DIR...|WEIGHTS.pth|LESSON.reslab]"));
    // The window's language: --lang, else View > Language's saved choice, else the system's.
    const QCommandLineOption lang(QStringLiteral("lang"),
                                  QStringLiteral("the window's language: en or ko"),
                                  QStringLiteral("CODE"));
    parser.addOption(lang);
    parser.process(app);
    const QString language = chosenLanguage(parser.value(lang));
    bool knownLanguage = true;
    installTranslators(language, &knownLanguage);
    if (!knownLanguage)
        qWarning("reslab: no translation for '%s'; the languages are en, ko", qPrintable(language));

    MainWindow window;
    if (parser.isSet(runsFolder))
        window.setRunsFolder(parser.value(runsFolder));
    window.show();
    int status = 0;
    QStringList folders = parser.values(open);
    QString weightsFile = parser.value(weights);
    QString lessonFile = parser.value(lesson);
    for (const QString& argument : parser.positionalArguments()) {
        if (argument.endsWith(QLatin1String(".reslab"), Qt::CaseInsensitive) &&
            lessonFile.isEmpty())
            lessonFile = argument;
        else if (QFileInfo(argument).isFile() && weightsFile.isEmpty())
            weightsFile = argument;
        else
            folders << argument;
    }
    for (const QString& folder : folders) {
        QString error;
        if (!window.openRunFolder(folder, &error)) {
            qWarning("%s", qPrintable(error));
            status = 2;
        }
    }
    ViewRequest request;
    request.view = parser.value(view);
    request.arch = parser.value(arch);
    request.twin = parser.isSet(twin);
    request.compute = parser.isSet(compute);
    request.weights = weightsFile;
    if (request.view.isEmpty() && !parser.isSet(weights) && !weightsFile.isEmpty())
        request.view = QStringLiteral("features");
    request.image = parser.value(image);
    request.layer = parser.value(layer);
    request.video = parser.value(video);
    request.camera = parser.value(camera);
    if (request.view.isEmpty() && (parser.isSet(video) || parser.isSet(camera)))
        request.view = QStringLiteral("features");
    QString viewError;
    if (!window.applyViewRequest(request, &viewError)) {
        qWarning("reslab: %s", qPrintable(viewError));
        status = 2;
    }
    if (!lessonFile.isEmpty()) {
        QString error;
        if (!window.openLesson(lessonFile, &error)) {
            qWarning("reslab: %s", qPrintable(error));
            status = 2;
        } else if (parser.isSet(lessonStep)) {
            bool ok = false;
            const int n = parser.value(lessonStep).toInt(&ok);
            if (!ok || n < 1 || n > window.lesson()->stepCount()) {
                qWarning("reslab: --lesson-step takes 1 to %d", window.lesson()->stepCount());
                status = 2;
            } else {
                window.lesson()->goTo(n - 1);
            }
        }
    }
    if (parser.isSet(presenter))
        window.setPresenter(true);
    if (parser.isSet(demo) && !window.startDemo(parser.value(demo))) {
        qWarning("reslab: cannot start the demo '%s'", qPrintable(parser.value(demo)));
        status = 2;
    }
    if (parser.isSet(screenshot)) {
        const QString file = parser.value(screenshot);
        auto grab = [&window, file, &status] {
            // A lesson's step text quotes the runs a few times a second; let it catch up.
            QCoreApplication::processEvents();
            QPixmap picture = window.grab();
            Surface3D::paintGraphs(&window, picture); // OpenGL is not in a widget's grab
            if (!picture.save(file)) {
                qWarning("reslab: cannot write the screenshot %s", qPrintable(file));
                status = 1;
            }
            window.stopAndClose();
        };
        if (parser.value(after) == QLatin1String("end")) {
            // The end of what was asked for: the demo's training, else the lesion study, else
            // the surfaces --compute started, else the opened folders' runs. Let the last records
            // and the verdict paint first.
            auto later = [grab] { QTimer::singleShot(500, grab); };
            if (parser.isSet(demo)) {
                QObject::connect(window.controller(), &ExperimentController::finished, &window,
                                 later);
            } else if (window.lesson() && window.lesson()->hasReplay() &&
                       !window.lesson()->replay()->atEnd()) {
                // A lesson: when its replay has played to the end (and the verdict is drawn).
                QObject::connect(window.lesson()->replay(), &Replay::positionChanged, &window,
                                 [&window, later] {
                                     static bool done = false;
                                     if (!done && window.lesson()->replay()->atEnd()) {
                                         done = true;
                                         later();
                                     }
                                 });
            } else if (request.view == QLatin1String("lesion")) {
                QObject::connect(window.lesionView(), &LesionView::studyFinished, &window, later);
            } else if (request.compute && window.landscapeView()->isComputing()) {
                QObject::connect(window.landscapeView(), &LandscapeView::computeFinished, &window,
                                 later);
            } else {
                auto* poll = new QTimer(&window);
                poll->setInterval(200);
                QObject::connect(poll, &QTimer::timeout, &window, [&window, poll, later] {
                    if (window.followingFolders())
                        return;
                    poll->stop();
                    later();
                });
                poll->start();
            }
        } else {
            bool ok = false;
            const double seconds = parser.value(after).toDouble(&ok);
            if (!ok || seconds < 0) {
                qWarning("reslab: --after takes a number of seconds or 'end'");
                return 2;
            }
            QTimer::singleShot(static_cast<int>(seconds * 1000), &window, grab);
        }
    }
    const int code = app.exec();
    return status ? status : code;
}
