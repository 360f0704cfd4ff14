#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QTimer>

#include "language.h"
#include "lesionview.h"
#include "mainwindow.h"
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
                       "demo's training, the lesion study or the opened runs end"),
        QStringLiteral("SECONDS"), QStringLiteral("3"));
    const QCommandLineOption runsFolder(
        QStringLiteral("runs-folder"),
        QStringLiteral("where new experiments write their run folders"), QStringLiteral("DIR"));
    const QCommandLineOption view(
        QStringLiteral("view"),
        QStringLiteral("the view to show: curves, depth-sweep, graph, features, gradients, lesion, "
                       "landscape"),
        QStringLiteral("NAME"));
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
    parser.addOptions({demo, open, screenshot, after, runsFolder, view, arch, twin, weights, image,
                       layer, video, camera});
    // `--open A B C` opens all three: the folders after the first arrive as positional arguments.
    // A weights file among them (a double-click on a .pth in the file manager) opens in the
    // feature maps.
    parser.addPositionalArgument(QStringLiteral("RUN_DIR"),
                                 QStringLiteral("more run folders to open, or a .pth weights file"),
                                 QStringLiteral("[RUN_DIR...|WEIGHTS.pth]"));
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
    for (const QString& argument : parser.positionalArguments()) {
        if (QFileInfo(argument).isFile() && weightsFile.isEmpty())
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
    if (parser.isSet(demo) && !window.startDemo(parser.value(demo))) {
        qWarning("reslab: cannot start the demo '%s'", qPrintable(parser.value(demo)));
        status = 2;
    }
    if (parser.isSet(screenshot)) {
        const QString file = parser.value(screenshot);
        auto grab = [&window, file, &status] {
            if (!window.grab().save(file)) {
                qWarning("reslab: cannot write the screenshot %s", qPrintable(file));
                status = 1;
            }
            window.stopAndClose();
        };
        if (parser.value(after) == QLatin1String("end")) {
            // The end of what was asked for: the demo's training, else the lesion study, else
            // the opened folders' runs. Let the last records and the verdict paint first.
            auto later = [grab] { QTimer::singleShot(500, grab); };
            if (parser.isSet(demo)) {
                QObject::connect(window.controller(), &ExperimentController::finished, &window,
                                 later);
            } else if (request.view == QLatin1String("lesion")) {
                QObject::connect(window.lesionView(), &LesionView::studyFinished, &window, later);
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
