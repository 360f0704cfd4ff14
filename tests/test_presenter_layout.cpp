// The presenter layout on a projector's screen: beside the lesson's text, every view fits the width
// the window leaves it, so none scrolls sideways and cuts its right edge (a colour scale, a
// legend, the export button) off the screen, and the height, so that none scrolls down to the
// caption that says what the plots show. The presenter layout fills the screen it is on, so the
// test gives Qt's offscreen platform a projector's screen, its size from the command line
// (--screen 1366x768; ctest runs it at 1366 x 768, 1280 x 720 and 1920 x 1080).
#include <QtTest>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>

#include "mainwindow.h"
#include "qttestsupport.h"

using namespace reslab;

namespace {

struct Size {
    int width = 1366, height = 768;
};

/// Widgets under `root` wider at their least than `room`, innermost first: what makes a view
/// scroll sideways, for the failure's message.
QStringList tooWide(QWidget* root, int room) {
    QStringList out;
    for (QWidget* child : root->findChildren<QWidget*>(QString(), Qt::FindDirectChildrenOnly)) {
        if (!child->isVisibleTo(root))
            continue;
        const QStringList inner = tooWide(child, room);
        out << inner;
        if (inner.isEmpty() && child->minimumSizeHint().width() > room)
            out << QStringLiteral("%1 '%2' (%3 px)")
                       .arg(QString::fromLatin1(child->metaObject()->className()),
                            child->objectName())
                       .arg(child->minimumSizeHint().width());
    }
    return out;
}

} // namespace

class TestPresenterLayout : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void viewsFitTheScreen_data();
    void viewsFitTheScreen();

private:
    QTemporaryDir m_dir;
};

void TestPresenterLayout::initTestCase() {
    QVERIFY(m_dir.isValid());
    isolateSettings(m_dir.filePath(QStringLiteral("settings")),
                    QStringLiteral("test_presenter_layout"));
    QLocale::setDefault(QLocale(QLocale::English));
    qputenv("RESLAB_RECORDINGS", RESLAB_RECORDINGS);
}

void TestPresenterLayout::viewsFitTheScreen_data() {
    QTest::addColumn<QString>("lesson");
    for (const char* lesson : {"degradation", "depth-sweep"})
        QTest::newRow(lesson) << QString::fromLatin1(lesson);
}

void TestPresenterLayout::viewsFitTheScreen() {
    QFETCH(QString, lesson);
    const int width = QGuiApplication::primaryScreen()->geometry().width();
    QSettings().clear(); // each window as a first start lays it out
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QString error;
    QVERIFY2(window.openLesson(lesson, &error), qPrintable(error));
    window.setPresenter(true);
    // The application's type back for the next row, pass or fail: a check that returns early
    // would leave it enlarged.
    struct LeavePresenter {
        MainWindow& window;
        ~LeavePresenter() { window.setPresenter(false); }
    } leave{window};
    QTRY_COMPARE(window.width(), width);
    auto* tabs = qobject_cast<QTabWidget*>(window.centralWidget());
    QVERIFY(tabs);
    QStringList failures;
    for (int i = 0; i < tabs->count(); ++i) {
        tabs->setCurrentIndex(i);
        QCoreApplication::processEvents();
        auto* scroll = qobject_cast<QScrollArea*>(tabs->widget(i));
        QVERIFY(scroll && scroll->widget());
        const int room = scroll->viewport()->width();
        // The lesson's text is beside the views: what they get is less than the screen.
        QVERIFY(room > width / 2 && room < width);
        const int least = scroll->widget()->minimumSizeHint().width();
        // A view with wrapped text is as tall as its layout wants it at that width: the scroll
        // area sizes it so, and scrolls when that is more than it shows.
        QWidget* view = scroll->widget();
        const int tall = std::max(view->minimumSizeHint().height(),
                                  view->hasHeightForWidth() ? view->heightForWidth(room) : 0);
        if (tall > scroll->viewport()->height())
            failures << QStringLiteral("the %1 tab needs %2 px of height, %3 shown")
                            .arg(tabs->tabText(i))
                            .arg(tall)
                            .arg(scroll->viewport()->height());
        if (least > room)
            failures << QStringLiteral("the %1 tab needs %2 px of %3 (%4)")
                            .arg(tabs->tabText(i))
                            .arg(least)
                            .arg(room)
                            .arg(tooWide(scroll->widget(), room).join(QStringLiteral(", ")));
    }
    window.stopAndClose();
    QVERIFY2(failures.isEmpty(), qPrintable(failures.join(QStringLiteral("; "))));
}

int main(int argc, char** argv) {
    // --screen WxH (taken out before Qt Test reads the rest): Qt's offscreen platform has one
    // 800 x 600 screen unless a file describes another.
    Size size;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strcmp(argv[i], "--screen") == 0 && i + 1 < argc) {
            if (std::sscanf(argv[++i], "%dx%d", &size.width, &size.height) != 2) {
                std::fprintf(stderr, "--screen wants WIDTHxHEIGHT, as 1366x768\n");
                return 2;
            }
        } else {
            args.push_back(argv[i]);
        }
    }
    argc = static_cast<int>(args.size());
    args.push_back(nullptr);
    QTemporaryDir screens;
    if (qgetenv("QT_QPA_PLATFORM") == "offscreen" && screens.isValid()) {
        const QJsonObject screen{{QStringLiteral("name"), QStringLiteral("projector")},
                                 {QStringLiteral("x"), 0},
                                 {QStringLiteral("y"), 0},
                                 {QStringLiteral("width"), size.width},
                                 {QStringLiteral("height"), size.height},
                                 {QStringLiteral("logicalDpi"), 96},
                                 {QStringLiteral("logicalBaseDpi"), 96},
                                 {QStringLiteral("dpr"), 1}};
        QFile file(screens.filePath(QStringLiteral("screens.json")));
        if (file.open(QIODevice::WriteOnly)) {
            file.write(QJsonDocument(QJsonObject{{QStringLiteral("screens"), QJsonArray{screen}}})
                           .toJson());
            file.close();
            qputenv("QT_QPA_PLATFORM", "offscreen:configfile=" + file.fileName().toLocal8Bit());
        }
    }
    QApplication app(argc, args.data());
    const QRect got = QGuiApplication::primaryScreen()->geometry();
    if (got.width() != size.width || got.height() != size.height) {
        std::fprintf(stderr, "the screen is %d x %d, not the %d x %d asked for\n", got.width(),
                     got.height(), size.width, size.height);
        return 2;
    }
    TestPresenterLayout test;
    return QTest::qExec(&test, argc, args.data());
}

#include "test_presenter_layout.moc"
