// Lessons: the shipped lesson files parse and round-trip, damaged ones are refused by field and
// change nothing; the shipped recordings are the presets' own runs; a replay draws what opening
// the recorded folders draws; every figure a step quotes equals what the runs' records say
// (computed here from metrics.jsonl, not through the window); the keys step; locks hold.
#include <QtTest>

#include <cmath>
#include <map>

#include <QDockWidget>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QToolBar>

#include "curvesview.h"
#include "experimentpanel.h"
#include "io/runfolder.h"
#include "lesson.h"
#include "lessonpanel.h"
#include "lessonsession.h"
#include "lessontext.h"
#include "mainwindow.h"
#include "qttestsupport.h"
#include "train/config.h"
#include "train/presets.h"

using namespace reslab;

namespace {

QByteArray shippedLesson(const QString& name) {
    QFile f(QStringLiteral(RESLAB_LESSONS "/%1.reslab").arg(name));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QJsonObject lessonJson(const QString& name) {
    return QJsonDocument::fromJson(shippedLesson(name)).object();
}

/// What a run's records say, computed here the way docs/lessons.md and the README describe it:
/// the final training error is the mean over the final window (the last 100 steps, or the last
/// tenth of a shorter run; each record weighted by the steps it covers), the test error the last
/// evaluation's, the ratio the median over blocks at the last probe.
struct Measured {
    double trainError = NAN, testError = NAN, ratio = NAN;
    qint64 steps = 0;
    qint64 window = 0;
};

Measured measure(const QString& folder) {
    Measured m;
    m.steps = read_run_folder(folder.toStdString()).config.train.steps;
    m.window = std::min<qint64>(100, m.steps / 10);
    const auto records = read_metrics(RunPaths(folder.toStdString()).metrics);
    double weighted = 0, covered = 0;
    qint64 last = 0;
    for (const auto& r : records) {
        if (r.kind == MetricRecord::Kind::Train) {
            const qint64 span = r.train.step - last;
            last = r.train.step;
            if (r.train.step > m.steps - m.window) {
                weighted += span * r.train.error;
                covered += span;
            }
        } else if (r.kind == MetricRecord::Kind::Eval) {
            m.testError = r.eval.test_error;
        } else if (!r.probe.residual_ratios.empty()) {
            std::vector<double> v = r.probe.residual_ratios;
            std::sort(v.begin(), v.end());
            m.ratio = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
        }
    }
    m.trainError = weighted / covered;
    return m;
}

QString percent(double fraction) {
    return QLocale(QLocale::English).toString(100 * fraction, 'f', 1) + QLatin1Char('%');
}

QStringList recordedFolders(const QString& recording, const QStringList& names) {
    QStringList out;
    for (const QString& n : names)
        out << QStringLiteral(RESLAB_RECORDINGS "/%1/%2").arg(recording, n);
    return out;
}

/// Writes a variation of a shipped lesson and returns its path.
QString writeLesson(const QTemporaryDir& dir, const QString& name, const QJsonObject& lesson) {
    const QString path = dir.filePath(name + QStringLiteral(".reslab"));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(QJsonDocument(lesson).toJson());
    return path;
}

} // namespace

class TestLesson : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void shippedLessonsParse_data();
    void shippedLessonsParse();
    void roundTrip();
    void badLessonsRefused_data();
    void badLessonsRefused();
    void damagedLessonChangesNothing();
    void recordingsMatchPresets_data();
    void recordingsMatchPresets();
    void replayDrawsWhatTheFoldersDraw();
    void quotedFiguresEqualTheRecords_data();
    void quotedFiguresEqualTheRecords();
    void keysStepThroughTheLesson();
    void savedLessonRestoresItsState();
    void lockedControlsStayLocked();

private:
    QTemporaryDir m_dir;
};

void TestLesson::initTestCase() {
    QVERIFY(m_dir.isValid());
    isolateSettings(m_dir.filePath(QStringLiteral("settings")), QStringLiteral("test_lesson"));
    QLocale::setDefault(QLocale(QLocale::English));
    qputenv("RESLAB_RECORDINGS", RESLAB_RECORDINGS);
}

void TestLesson::shippedLessonsParse_data() {
    QTest::addColumn<QString>("name");
    for (const QString& name : lessonfile::shippedLessons())
        QTest::newRow(qPrintable(name)) << name;
}

void TestLesson::shippedLessonsParse() {
    QFETCH(QString, name);
    QString error;
    const std::optional<Lesson> lesson = lessonfile::read(name, &error);
    QVERIFY2(lesson, qPrintable(error));
    QCOMPARE(lesson->name, name);
    QVERIFY(!lesson->lessonSteps.empty());
    // Every step speaks English and Korean.
    for (const LessonStep& s : lesson->lessonSteps)
        for (const LessonText* t : {&s.title, &s.text}) {
            QVERIFY(t->byLanguage.contains(QStringLiteral("en")));
            QVERIFY(t->byLanguage.contains(QStringLiteral("ko")));
        }
    // The compiled-in copy is the file in resources/lessons.
    QFile compiled(QStringLiteral(":/lessons/%1.reslab").arg(name));
    QVERIFY(compiled.open(QIODevice::ReadOnly));
    QCOMPARE(compiled.readAll(), shippedLesson(name));
}

void TestLesson::roundTrip() {
    QString error;
    std::optional<Lesson> lesson =
        lessonfile::parse(shippedLesson(QStringLiteral("degradation")), &error);
    QVERIFY2(lesson, qPrintable(error));
    lesson->currentStep = 5;
    lesson->replaySpeed = 10;
    lesson->replayPosition = 250;
    lesson->presenter = true;
    const QByteArray written = lessonfile::write(*lesson);
    const std::optional<Lesson> again = lessonfile::parse(written, &error);
    QVERIFY2(again, qPrintable(error));
    QCOMPARE(lessonfile::write(*again), written);
    QCOMPARE(again->currentStep, 5);
    QCOMPARE(again->replayPosition, 250.0);
    QVERIFY(again->presenter);
    QCOMPARE(again->lessonSteps.size(), lesson->lessonSteps.size());
    for (size_t i = 0; i < again->lessonSteps.size(); ++i) {
        const LessonStep &a = again->lessonSteps[i], &b = lesson->lessonSteps[i];
        QCOMPARE(a.text.byLanguage, b.text.byLanguage);
        QCOMPARE(a.view, b.view);
        QCOMPARE(a.run, b.run);
        QCOMPARE(a.layer, b.layer);
        QCOMPARE(a.check.has_value(), b.check.has_value());
        if (a.check) {
            QCOMPARE(a.check->a, b.check->a);
            QCOMPARE(a.check->b, b.check->b);
            QCOMPARE(a.check->agrees.byLanguage, b.check->agrees.byLanguage);
        }
    }
    // The original file's content survives too: its JSON equals the written one but for the
    // state the window adds.
    QJsonObject original = lessonJson(QStringLiteral("degradation"));
    QJsonObject rewritten = QJsonDocument::fromJson(written).object();
    rewritten.remove(QStringLiteral("state"));
    QCOMPARE(rewritten, original);
}

void TestLesson::badLessonsRefused_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("field");
    const QJsonObject good = lessonJson(QStringLiteral("degradation"));
    QVERIFY(!good.isEmpty());
    const auto with = [&](const std::function<void(QJsonObject&)>& change) {
        QJsonObject o = good;
        change(o);
        return QJsonDocument(o).toJson();
    };
    const auto step = [](QJsonObject& o, int i, const QString& key, const QJsonValue& v) {
        QJsonArray steps = o[QStringLiteral("steps")].toArray();
        QJsonObject s = steps[i].toObject();
        s[key] = v;
        steps[i] = s;
        o[QStringLiteral("steps")] = steps;
    };
    QTest::newRow("not JSON") << QByteArray("{\"format\": \"reslab-lesson\", ") << "not JSON";
    QTest::newRow("truncated") << shippedLesson(QStringLiteral("degradation")).left(900)
                               << "not JSON";
    QTest::newRow("another format")
        << with([](QJsonObject& o) { o[QStringLiteral("format")] = QStringLiteral("x"); })
        << "format:";
    QTest::newRow("newer version")
        << with([](QJsonObject& o) { o[QStringLiteral("version")] = 2; }) << "version: 2 is newer";
    QTest::newRow("unknown preset") << with([](QJsonObject& o) {
        o[QStringLiteral("experiment")] =
            QJsonObject{{QStringLiteral("preset"), QStringLiteral("degredation")}};
    }) << "experiment.preset";
    QTest::newRow("unknown view") << with([&](QJsonObject& o) {
        step(o, 1, QStringLiteral("view"), QStringLiteral("plots"));
    }) << "steps[1].view";
    QTest::newRow("unknown run") << with([&](QJsonObject& o) {
        step(o, 2, QStringLiteral("run"), QStringLiteral("plain57"));
    }) << "steps[2].run";
    QTest::newRow("placeholder of an unknown run") << with([&](QJsonObject& o) {
        step(o, 0, QStringLiteral("text"), QStringLiteral("{train_error:plain57}"));
    }) << "steps[0].text.en";
    QTest::newRow("unknown quantity") << with([&](QJsonObject& o) {
        step(o, 0, QStringLiteral("text"),
             QJsonObject{{QStringLiteral("ko"), QStringLiteral("{accuracy:plain20}")}});
    }) << "steps[0].text.ko";
    QTest::newRow("zoom out of range")
        << with([&](QJsonObject& o) { step(o, 3, QStringLiteral("zoom"), 1e9); })
        << "steps[3].zoom";
    QTest::newRow("text of the wrong type")
        << with([&](QJsonObject& o) { step(o, 3, QStringLiteral("title"), 7); })
        << "steps[3].title";
    QTest::newRow("unknown field")
        << with([](QJsonObject& o) { o[QStringLiteral("colour")] = 1; }) << "colour";
    QTest::newRow("no steps") << with([](QJsonObject& o) {
        o[QStringLiteral("steps")] = QJsonArray();
    }) << "steps:";
    QTest::newRow("unknown lock") << with([](QJsonObject& o) {
        o[QStringLiteral("locked")] = QJsonArray{QStringLiteral("everything")};
    }) << "locked:";
    QTest::newRow("a check's claim") << with([&](QJsonObject& o) {
        QJsonArray steps = o[QStringLiteral("steps")].toArray();
        QJsonObject s = steps[1].toObject();
        QJsonObject c = s[QStringLiteral("check")].toObject();
        c[QStringLiteral("claim")] = QStringLiteral("bigger");
        s[QStringLiteral("check")] = c;
        steps[1] = s;
        o[QStringLiteral("steps")] = steps;
    }) << "steps[1].check.claim";
}

void TestLesson::badLessonsRefused() {
    QFETCH(QByteArray, json);
    QFETCH(QString, field);
    QString error;
    QVERIFY(!lessonfile::parse(json, &error));
    QVERIFY2(error.contains(field), qPrintable(error));
}

void TestLesson::damagedLessonChangesNothing() {
    MainWindow window;
    QString error;
    QVERIFY2(window.openLesson(QStringLiteral("shortcuts"), &error), qPrintable(error));
    window.lesson()->goTo(1);
    const QList<int> runs = window.runs().ids();
    QJsonObject bad = lessonJson(QStringLiteral("degradation"));
    bad[QStringLiteral("version")] = 99;
    const QString path = writeLesson(m_dir, QStringLiteral("newer"), bad);
    QVERIFY(!window.openLesson(path, &error));
    QVERIFY2(error.contains(QStringLiteral("version")) && error.contains(path), qPrintable(error));
    QVERIFY(!window.openLesson(m_dir.filePath(QStringLiteral("missing.reslab")), &error));
    // The open lesson, its step and its runs are as they were.
    QVERIFY(window.lesson());
    QCOMPARE(window.lesson()->lesson().name, QStringLiteral("shortcuts"));
    QCOMPARE(window.lesson()->step(), 1);
    QCOMPARE(window.runs().ids(), runs);
    window.stopAndClose();
}

void TestLesson::recordingsMatchPresets_data() {
    QTest::addColumn<QString>("lesson");
    for (const QString& name : lessonfile::shippedLessons())
        QTest::newRow(qPrintable(name)) << name;
}

void TestLesson::recordingsMatchPresets() {
    // A shipped recording is its preset's runs as reslab-cli trains them by default: the same
    // spec.json but for where and how fast it ran (data folder, device, threads).
    QFETCH(QString, lesson);
    const std::optional<Lesson> l = lessonfile::read(lesson, nullptr);
    QVERIFY(l);
    const auto runs = preset_runs(l->preset.toStdString(), TrainConfig{}, false);
    QVERIFY(!runs.empty());
    const auto comparable = [](const std::string& json) {
        QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
        o.remove(QStringLiteral("versions"));
        QJsonObject train = o[QStringLiteral("train")].toObject();
        for (const char* key :
             {"data_dir", "device", "threads", "parallel_runs", "checkpoint_every"})
            train.remove(QLatin1String(key));
        o[QStringLiteral("train")] = train;
        return o;
    };
    for (const RunConfig& run : runs) {
        const QString folder = QStringLiteral(RESLAB_RECORDINGS "/%1/%2")
                                   .arg(l->recording, QString::fromStdString(run.name));
        RunFolder recorded;
        try {
            recorded = read_run_folder(folder.toStdString());
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        const QJsonObject have = comparable(to_json(recorded.config));
        const QJsonObject want = comparable(to_json(run));
        for (const QString& part : {QStringLiteral("net"), QStringLiteral("train")})
            for (const QString& key : want[part].toObject().keys())
                QVERIFY2(have[part].toObject()[key] == want[part].toObject()[key],
                         qPrintable(QStringLiteral("%1: %2.%3").arg(folder, part, key)));
        QCOMPARE(have, want);
        // It ran to its end and kept its final weights.
        QVERIFY(recorded.status && recorded.status->state == RunState::Finished);
        QVERIFY(QFileInfo::exists(folder + QStringLiteral("/checkpoint.pth")));
    }
}

void TestLesson::replayDrawsWhatTheFoldersDraw() {
    const std::optional<Lesson> lesson = lessonfile::read(QStringLiteral("degradation"), nullptr);
    QVERIFY(lesson);
    const QStringList names = lessonfile::runNames(*lesson);

    MainWindow opened;
    QString error;
    for (const QString& folder : recordedFolders(lesson->recording, names))
        QVERIFY2(opened.openRunFolder(folder, &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(!opened.followingFolders(), 20000);
    const QString fromFolders = m_dir.filePath(QStringLiteral("folders.csv"));
    QVERIFY(opened.curves()->exportCsv(fromFolders, &error));

    MainWindow replayed;
    QVERIFY2(replayed.openLesson(QStringLiteral("degradation"), &error), qPrintable(error));
    Replay* replay = replayed.lesson()->replay();
    QVERIFY(replay->isPlaying());
    // Half way, back to a quarter (a rewind), then to the end, as a scrubbing teacher would.
    replay->seek(replay->lastStep() / 2.0);
    replay->seek(replay->lastStep() / 4.0);
    replay->seek(static_cast<double>(replay->lastStep()));
    QVERIFY(replay->atEnd());
    QVERIFY(!replay->isPlaying());
    const QString fromReplay = m_dir.filePath(QStringLiteral("replay.csv"));
    QVERIFY(replayed.curves()->exportCsv(fromReplay, &error));

    QFile a(fromFolders), b(fromReplay);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    const QByteArray folders = a.readAll();
    QVERIFY(folders.count('\n') > 4 * 60); // four runs of 60 training records and more
    QCOMPARE(b.readAll(), folders);
    // The verdict is the same too, and says what the runs show.
    QVERIFY(!opened.curves()->verdict().isEmpty());
    QCOMPARE(replayed.curves()->verdict(), opened.curves()->verdict());
    for (int id : replayed.runs().ids())
        QVERIFY(replayed.runs().find(id)->finished());
    opened.stopAndClose();
    replayed.stopAndClose();
}

void TestLesson::quotedFiguresEqualTheRecords_data() {
    QTest::addColumn<QString>("lesson");
    for (const QString& name : lessonfile::shippedLessons())
        QTest::newRow(qPrintable(name)) << name;
}

void TestLesson::quotedFiguresEqualTheRecords() {
    QFETCH(QString, lesson);
    MainWindow window;
    QString error;
    QVERIFY2(window.openLesson(lesson, &error), qPrintable(error));
    LessonSession* session = window.lesson();
    session->replay()->seek(static_cast<double>(session->replay()->lastStep()));
    const Lesson& l = session->lesson();
    std::map<QString, Measured> measured;
    const QStringList names = lessonfile::runNames(l);
    const QStringList folders = recordedFolders(l.recording, names);
    for (int i = 0; i < names.size(); ++i)
        measured[names[i]] = measure(folders[i]);
    const auto expected = [&](const QString& kind, const QStringList& args) -> QString {
        const QLocale en(QLocale::English);
        const Measured& m = measured.at(args.value(0));
        if (kind == QLatin1String("train_error"))
            return percent(m.trainError);
        if (kind == QLatin1String("test_error"))
            return percent(m.testError);
        if (kind == QLatin1String("ratio"))
            return en.toString(m.ratio, 'f', 2);
        if (kind == QLatin1String("steps"))
            return en.toString(m.steps);
        if (kind == QLatin1String("window"))
            return en.toString(m.window);
        if (kind == QLatin1String("gap"))
            return en.toString(100 * (m.trainError - measured.at(args.value(1)).trainError), 'f',
                               1);
        return QString();
    };
    const QRegularExpression placeholder(QStringLiteral(R"(\{([a-z_]+):([^{}]+)\})"));
    int figures = 0;
    for (int i = 0; i < session->stepCount(); ++i) {
        session->goTo(i);
        const LessonStep& step = l.lessonSteps[i];
        const QString shown = window.lessonPanel()->textLabel()->text();
        QString raw = step.text.in(QStringLiteral("en"));
        if (step.check) {
            // Which of its two texts follows: decided here from the records, with the verdict's
            // tolerance for errors (half a point).
            const auto value = [&](const QString& q) {
                bool number = false;
                const double n = q.toDouble(&number);
                if (number)
                    return n;
                const QStringList parts = q.split(QLatin1Char(':'));
                const Measured& m = measured.at(parts[1]);
                return parts[0] == QLatin1String("ratio") ? m.ratio : m.trainError;
            };
            const double a = value(step.check->a), b = value(step.check->b);
            bool agrees = false;
            switch (step.check->claim) {
            case LessonCheck::Claim::Higher:
                agrees = a > b + 0.005;
                break;
            case LessonCheck::Claim::NotHigher:
                agrees = a <= b + 0.005;
                break;
            case LessonCheck::Claim::Below:
                agrees = a < b;
                break;
            }
            const LessonText& follows = agrees ? step.check->agrees : step.check->disagrees;
            raw += QLatin1Char(' ') + follows.in(QStringLiteral("en"));
            // The text's first words after its figures are in the window.
            const QString firstWords =
                follows.in(QStringLiteral("en")).section(QLatin1Char(' '), 0, 2);
            QVERIFY2(shown.contains(firstWords), qPrintable(shown));
        }
        for (auto it = placeholder.globalMatch(raw); it.hasNext();) {
            const auto m = it.next();
            const QString figure = expected(m.captured(1), m.captured(2).split(QLatin1Char(',')));
            QVERIFY2(!figure.isEmpty(), qPrintable(m.captured(0)));
            QVERIFY2(shown.contains(figure),
                     qPrintable(QStringLiteral("step %1: %2 should read %3 in: %4")
                                    .arg(i + 1)
                                    .arg(m.captured(0), figure, shown)));
            ++figures;
        }
        QVERIFY2(!shown.contains(QLatin1Char('{')), qPrintable(shown));
    }
    QVERIFY(figures >= 3);
    window.stopAndClose();
}

void TestLesson::keysStepThroughTheLesson() {
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QString error;
    QVERIFY2(window.openLesson(QStringLiteral("degradation"), &error), qPrintable(error));
    LessonSession* session = window.lesson();
    QCOMPARE(session->step(), 0);
    const auto key = [&](Qt::Key k) { QTest::keyClick(&window, k); };
    key(Qt::Key_PageDown);
    QCOMPARE(session->step(), 1);
    key(Qt::Key_Space);
    QCOMPARE(session->step(), 2);
    key(Qt::Key_Right);
    QCOMPARE(session->step(), 3);
    key(Qt::Key_PageUp);
    QCOMPARE(session->step(), 2);
    key(Qt::Key_Left);
    QCOMPARE(session->step(), 1);
    // The panel's buttons say where it is and move too.
    QTest::mouseClick(window.lessonPanel()->nextButton(), Qt::LeftButton);
    QCOMPARE(session->step(), 2);
    // Step 4 shows the block graph of resnet56 with layer1.0 picked.
    session->goTo(3);
    QCOMPARE(window.selection()->layer(), QStringLiteral("layer1.0"));
    QCOMPARE(window.selection()->run(), QStringLiteral("resnet56"));
    // The last step stays the last.
    session->goTo(session->stepCount() - 1);
    key(Qt::Key_PageDown);
    QCOMPARE(session->step(), session->stepCount() - 1);
    QVERIFY(!window.lessonPanel()->nextButton()->isEnabled());
    // Presenter layout: full screen, docks but the lesson's gone; Esc leaves it.
    QVERIFY(window.lessonPanel()->isVisible());
    const double deskFont = QApplication::font().pointSizeF();
    // The type scale every plot of the window has (0 where none was ever set).
    const auto plotScales = [&window] {
        QList<double> scales;
        for (QWidget* w : window.findChildren<QWidget*>())
            if (w->inherits("QCustomPlot"))
                scales << w->property("reslabTypeScale").toDouble();
        return scales;
    };
    QVERIFY(plotScales().size() >= 12); // curves, depth sweep, heat maps, bars, lesion, landscape
    key(Qt::Key_F11);
    QVERIFY(window.isPresenter());
    QVERIFY(!window.experimentPanel()->isVisible());
    QVERIFY(window.lessonPanel()->isVisible());
    // Every plot of every tab takes the window's larger type, not only the curves.
    const double presenterScale = QApplication::font().pointSizeF() / deskFont;
    QVERIFY(presenterScale > 1.2);
    for (double scale : plotScales())
        QCOMPARE(scale, presenterScale);
    // So do the captions and notes, styled ones included (a style sheet pins a widget's type).
    const auto styledLabelSizes = [&window] {
        QList<double> sizes;
        for (QLabel* label : window.findChildren<QLabel*>())
            if (!label->styleSheet().isEmpty() && !label->testAttribute(Qt::WA_SetFont))
                sizes << label->font().pointSizeF();
        return sizes;
    };
    QVERIFY(styledLabelSizes().size() >=
            3); // the curves' key, the gradients' caption, the lesion's
    for (double size : styledLabelSizes())
        QCOMPARE(size, QApplication::font().pointSizeF());
    key(Qt::Key_Escape);
    QVERIFY(!window.isPresenter());
    QCOMPARE(QApplication::font().pointSizeF(), deskFont);
    for (double scale : plotScales())
        QCOMPARE(scale, 1.0);
    for (double size : styledLabelSizes())
        QCOMPARE(size, deskFont);
    window.stopAndClose();
}

void TestLesson::savedLessonRestoresItsState() {
    const QString path = m_dir.filePath(QStringLiteral("saved.reslab"));
    QString error;
    {
        MainWindow window;
        QVERIFY2(window.openLesson(QStringLiteral("degradation"), &error), qPrintable(error));
        window.lesson()->goTo(4);
        window.lesson()->replay()->pause();
        window.lesson()->replay()->seek(300);
        window.lesson()->replay()->setSpeed(5);
        QVERIFY2(window.saveLesson(path, &error), qPrintable(error));
        window.stopAndClose();
    }
    MainWindow window;
    QVERIFY2(window.openLesson(path, &error), qPrintable(error));
    QCOMPARE(window.lesson()->step(), 4);
    QCOMPARE(window.lesson()->replay()->position(), 300.0);
    QCOMPARE(window.lesson()->replay()->speed(), 5.0);
    QVERIFY(!window.lesson()->replay()->isPlaying());
    // The runs stand where they stood: at step 300 of 600.
    const int id = window.lesson()->runId(QStringLiteral("plain56"));
    QCOMPARE(window.runs().find(id)->step, 300);
    window.stopAndClose();
}

void TestLesson::lockedControlsStayLocked() {
    // The degradation lesson, but 6 live steps, the run list and tool bar hidden.
    QJsonObject o = lessonJson(QStringLiteral("degradation"));
    QJsonObject experiment = o[QStringLiteral("experiment")].toObject();
    experiment[QStringLiteral("steps")] = 6;
    o[QStringLiteral("experiment")] = experiment;
    o[QStringLiteral("locked")] =
        QJsonArray{QStringLiteral("experiment"), QStringLiteral("training")};
    o[QStringLiteral("hidden")] = QJsonArray{QStringLiteral("runs"), QStringLiteral("toolbar")};
    const QString path = writeLesson(m_dir, QStringLiteral("locked"), o);

    MainWindow window;
    window.setRunsFolder(m_dir.filePath(QStringLiteral("runs")));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QString error;
    QVERIFY2(window.openLesson(path, &error), qPrintable(error));
    auto* runsDock = window.findChild<QDockWidget*>(QStringLiteral("RunsDock"));
    auto* toolBar = window.findChild<QToolBar*>(QStringLiteral("TrainingToolBar"));
    const auto locked = [&] {
        QVERIFY(!window.experimentPanel()->isEnabled());
        QVERIFY(!window.startAction()->isEnabled());
        QVERIFY(!runsDock->isVisible());
        QVERIFY(!toolBar->isVisible());
        QVERIFY(!runsDock->toggleViewAction()->isEnabled());
    };
    locked();
    // F5 and the panel's own Start (its signal) start nothing.
    QTest::keyClick(&window, Qt::Key_F5);
    Q_EMIT window.experimentPanel()->startRequested();
    QCOMPARE(window.controller()->state(), ExperimentController::State::Idle);
    QVERIFY(window.liveRunIds().isEmpty());
    // Trying the menu's toggle, or another tab and back, changes nothing.
    runsDock->toggleViewAction()->trigger();
    window.showView(QStringLiteral("graph"));
    window.showView(QStringLiteral("curves"));
    locked();
    // Train it live: the recording goes behind, faint; when training has ended it is still locked.
    QTest::mouseClick(window.lessonPanel()->trainLiveButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!window.liveRunIds().isEmpty(), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(window.controller()->state() == ExperimentController::State::Idle,
                             120000);
    locked();
    int background = 0;
    for (int id : window.runs().ids()) {
        const RegisteredRun* run = window.runs().find(id);
        if (run->background) {
            ++background;
            QVERIFY(run->color.alpha() < 255);
        }
    }
    QCOMPARE(background, 4);
    QCOMPARE(window.liveRunIds().size(), 4);
    // The texts quote the live runs now: 6 steps.
    QCOMPARE(window.runs().find(window.lesson()->runId(QStringLiteral("plain20")))->total, 6);
    // Closing the lesson unlocks what it locked.
    window.closeLesson();
    QVERIFY(window.experimentPanel()->isEnabled());
    QVERIFY(window.startAction()->isEnabled());
    QVERIFY(runsDock->isVisible());
    window.stopAndClose();
}

QTEST_MAIN(TestLesson)
#include "test_lesson.moc"
