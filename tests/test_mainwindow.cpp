// The main window driven through its real buttons, offscreen: start, pause, resume and stop; curves
// that grow while tiny runs train; exports; a run folder followed while reslab-cli writes it; and a
// diverging run beside a healthy one.
#include <QtTest>

#include <QAbstractButton>
#include <QDirIterator>
#include <QDockWidget>
#include <QImage>
#include <QMessageBox>
#include <QProcess>
#include <QTemporaryDir>
#include <QToolBar>

#include <sys/wait.h>
#include <unistd.h>

#include "curveplot.h"
#include "curvesview.h"
#include "experimentfile.h"
#include "experimentpanel.h"
#include "featuresview.h"
#include "inspect/inspector.h"
#include "io/runfolder.h"
#include "io/weights.h"
#include "mainwindow.h"
#include "qttestsupport.h"
#include "runlistview.h"
#include "train/presets.h"
#include "train/run.h"

using namespace reslab;

namespace {

/// A tiny net on the synthetic set: quick enough to train in a test, slow enough to pause.
RunConfig tinyRun(const std::string& arch, int64_t steps, double lr = 0.05) {
    TrainConfig t;
    t.dataset = "synthetic";
    t.synthetic_size = 512;
    t.batch_size = 32;
    t.steps = steps;
    t.schedule.kind = Schedule::Kind::Constant;
    t.schedule.base_lr = lr;
    t.record_every = 2;
    t.eval_every = 20;
    t.probe_every = 0;
    t.checkpoint_every = 50;
    t.seed = 3;
    RunConfig c = make_run_config(arch, t, 1);
    c.net.stem_width = 4;
    c.net.widths = {4, 8, 16};
    return c;
}

void clickAction(MainWindow& window, QAction* action) {
    QToolBar* bar = window.findChild<QToolBar*>(QStringLiteral("TrainingToolBar"));
    QVERIFY(bar);
    QWidget* button = bar->widgetForAction(action);
    QVERIFY(button);
    QVERIFY(button->isEnabled());
    QTest::mouseClick(button, Qt::LeftButton);
}

/// Clicks the button with this text on the question the window is about to ask.
void answerQuestion(const QString& button) {
    // Tries again until the question is up; each try is a fresh timer, so nothing outlives it.
    QTimer::singleShot(20, [button] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box) {
            answerQuestion(button);
            return;
        }
        for (QAbstractButton* b : box->buttons())
            if (b->text().remove(QLatin1Char('&')) == button) {
                QTest::mouseClick(b, Qt::LeftButton);
                return;
            }
        qWarning("the question has no button '%s'", qPrintable(button));
        box->reject();
    });
}

/// The ids of the runs the window lists, in order.
QList<int> runIds(MainWindow& window) {
    return window.runList()->runIds();
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void savedExperimentsRoundTripAndDamagedOnesAreRefused() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("experiment.json"));
        const QStringList folders{QStringLiteral("/runs/a, with a comma"),
                                  QStringLiteral("/runs/b")};
        QString error;
        QVERIFY2(experimentfile::write(path, folders, &error), qPrintable(error));
        const auto back = experimentfile::read(path, &error);
        QVERIFY(back);
        QCOMPARE(*back, folders);
        for (const QByteArray& damaged : {QByteArray("{\"runs\": 3}"), QByteArray("[1, 2]"),
                                          QByteArray("{\"reslab_experiment\": 1, \"ru")}) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(damaged);
            file.close();
            QVERIFY(!experimentfile::read(path, &error));
            QVERIFY2(error.contains(QStringLiteral("not a saved ResLab experiment")),
                     qPrintable(error));
        }
        QVERIFY(!experimentfile::write(dir.filePath(QStringLiteral("missing/e.json")), folders,
                                       &error));
        QVERIFY2(error.contains(QStringLiteral("missing/e.json")), qPrintable(error));
    }

    void initTestCase() {
        QVERIFY(m_settings.isValid());
        isolateSettings(m_settings.path(), QStringLiteral("test_mainwindow"));
    }

    void startPauseResumeStop() {
        QTemporaryDir runs;
        MainWindow window;
        window.setRunsFolder(runs.path());
        window.show();
        window.experimentPanel()->setRuns({tinyRun("resnet20", 5000), tinyRun("plain20", 5000)});
        QSignalSpy states(window.controller(), &ExperimentController::stateChanged);

        clickAction(window, window.startAction());
        QTRY_COMPARE_WITH_TIMEOUT(window.controller()->state(),
                                  ExperimentController::State::Running, 60000);
        const QList<int> ids = runIds(window);
        QCOMPARE(ids.size(), 2);
        CurvePlot* error = window.curves()->errorPlot();
        // Curves gain points while the runs train.
        QTRY_VERIFY_WITH_TIMEOUT(error->pointCount(ids[0], 0) >= 3, 60000);
        const int before = error->pointCount(ids[0], 0);
        QTRY_VERIFY_WITH_TIMEOUT(error->pointCount(ids[0], 0) > before, 60000);
        QVERIFY(window.curves()->lossPlot()->pointCount(ids[1], 0) > 0);

        clickAction(window, window.pauseAction());
        QTRY_COMPARE_WITH_TIMEOUT(window.controller()->state(), ExperimentController::State::Paused,
                                  60000);
        QVERIFY(!window.pauseAction()->isEnabled());
        QVERIFY(window.resumeAction()->isEnabled());
        QTest::qWait(300); // let anything already queued arrive
        const int paused = error->pointCount(ids[0], 0);
        QTest::qWait(700);
        QCOMPARE(error->pointCount(ids[0], 0), paused); // nothing trains while paused

        clickAction(window, window.resumeAction());
        QTRY_COMPARE_WITH_TIMEOUT(window.controller()->state(),
                                  ExperimentController::State::Running, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(error->pointCount(ids[0], 0) > paused, 60000);

        clickAction(window, window.stopAction());
        QTRY_COMPARE_WITH_TIMEOUT(window.controller()->state(), ExperimentController::State::Idle,
                                  30000);
        QVERIFY(window.startAction()->isEnabled());
        QCOMPARE(window.runList()->runState(ids[0]), QStringLiteral("stopped"));

        // Each transition went out as a signal, in order.
        QList<ExperimentController::State> seen;
        for (const auto& args : states)
            seen << args.at(0).value<ExperimentController::State>();
        const QList<ExperimentController::State> expected{
            ExperimentController::State::Starting, ExperimentController::State::Running,
            ExperimentController::State::Paused,   ExperimentController::State::Running,
            ExperimentController::State::Stopping, ExperimentController::State::Idle};
        QCOMPARE(seen, expected);

        // The stopped runs left checkpoints to resume from.
        const QStringList experiments =
            QDir(runs.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        QCOMPARE(experiments.size(), 1);
        const QDir experiment(QDir(runs.path()).filePath(experiments.front()));
        QVERIFY(QFileInfo::exists(experiment.filePath(QStringLiteral("resnet20/trainer.pth"))));
        QVERIFY(QFileInfo::exists(experiment.filePath(QStringLiteral("plain20/checkpoint.pth"))));
    }

    void finishedRunsAndExports() {
        QTemporaryDir runs;
        MainWindow window;
        window.setRunsFolder(runs.path());
        window.show();
        window.experimentPanel()->setRuns({tinyRun("resnet20", 40), tinyRun("plain20", 40)});
        QSignalSpy finished(window.controller(), &ExperimentController::finished);
        window.startExperiment();
        QVERIFY(finished.wait(60000));
        const QList<int> ids = runIds(window);
        QCOMPARE(window.runList()->runState(ids[0]), QStringLiteral("finished"));
        // 40 steps, a record every 2: 20 training points; evaluations at 20 and 40.
        QCOMPARE(window.curves()->errorPlot()->pointCount(ids[0], 0), 20);
        QCOMPARE(window.curves()->errorPlot()->pointCount(ids[0], 1), 2);

        QTemporaryDir out;
        const QString png = out.filePath(QStringLiteral("curves.png"));
        QString error;
        QVERIFY2(window.curves()->exportImage(png, &error), qPrintable(error));
        const QImage image(png);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() > 100 && image.height() > 100);

        const QString csv = out.filePath(QStringLiteral("curves.csv"));
        QVERIFY2(window.curves()->exportCsv(csv, &error), qPrintable(error));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines =
            QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.front().trimmed(), QStringLiteral("run,series,step,epoch,time,value"));
        // Per run: 20 training errors, 2 test errors, 20 training losses, 2 test losses, 20 rates.
        QCOMPARE(lines.size() - 1, 2 * (20 + 2 + 20 + 2 + 20));
        for (const QString& line : lines.mid(1))
            QCOMPARE(line.split(QLatin1Char(',')).size(), 6);
    }

    void followsAFolderWhileAnotherProcessWritesIt() {
        QTemporaryDir dir;
        const QString folder = dir.filePath(QStringLiteral("live"));
        QProcess cli;
        cli.start(QStringLiteral(RESLAB_CLI),
                  {QStringLiteral("train"), QStringLiteral("--arch"), QStringLiteral("resnet20"),
                   QStringLiteral("--dataset"), QStringLiteral("synthetic"),
                   QStringLiteral("--steps"), QStringLiteral("300"), QStringLiteral("--batch"),
                   QStringLiteral("32"), QStringLiteral("--record-every"), QStringLiteral("2"),
                   QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--quiet"),
                   QStringLiteral("--out"), folder});
        QVERIFY(cli.waitForStarted());
        // Open it as soon as the run folder exists, while it is being written.
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(folder + QStringLiteral("/spec.json")), 30000);
        MainWindow window;
        QString error;
        QVERIFY2(window.openRunFolder(folder, &error), qPrintable(error));
        const int id = runIds(window).front();
        CurvePlot* plot = window.curves()->errorPlot();
        QTRY_VERIFY_WITH_TIMEOUT(plot->pointCount(id, 0) > 0, 60000);
        const int early = plot->pointCount(id, 0);
        QVERIFY2(cli.state() == QProcess::Running,
                 "the writer finished before the window read it live");
        QVERIFY(early < 150);
        QVERIFY(cli.waitForFinished(600000)); // 300 steps on one thread: minutes under ASan
        QCOMPARE(cli.exitCode(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(plot->pointCount(id, 0), 150, 10000); // every record, once
        QTRY_COMPARE_WITH_TIMEOUT(window.runList()->runState(id), QStringLiteral("finished"),
                                  10000);

        // A folder that is no run is refused with a reason, and nothing is added.
        QVERIFY(!window.openRunFolder(dir.path(), &error));
        QVERIFY(error.contains(QStringLiteral("not a ResLab run folder")));
        QCOMPARE(runIds(window).size(), 1);
    }

    void aFollowedFolderSaysHowItsRunEnded() {
        // Folders written by runs that stopped, diverged, or whose process died at a step: each is
        // shown as such, with the reason, and the window stops polling them.
        QTemporaryDir dir;
        const RunData data = load_run_data(tinyRun("resnet20", 10).train);
        const QString stopped = dir.filePath(QStringLiteral("stopped")),
                      diverged = dir.filePath(QStringLiteral("diverged")),
                      killed = dir.filePath(QStringLiteral("killed"));
        {
            Run run(tinyRun("resnet20", 40), data, stopped.toStdString());
            for (int i = 0; i < 6; ++i)
                run.step();
            run.stop();
        }
        {
            RunConfig c = tinyRun("plain20", 40, /*lr=*/1e6);
            c.name = "mystery"; // a name that says nothing of the net
            Run run(c, data, diverged.toStdString());
            while (!run.done())
                run.step();
            QCOMPARE(int(run.state()), int(Run::State::Diverged));
        }
        {
            Run run(tinyRun("resnet20", 40), data, killed.toStdString());
            for (int i = 0; i < 4; ++i)
                run.step();
            // What a process killed there leaves: "running", written by a process that is gone.
            FolderStatus s = *read_folder_status(killed.toStdString());
            const pid_t child = fork();
            if (child == 0)
                _exit(0);
            QCOMPARE(waitpid(child, nullptr, 0), child);
            s.pid = child;
            write_folder_status(killed.toStdString(), s);
        }
        MainWindow window;
        QString error;
        for (const QString& folder : {stopped, diverged, killed})
            QVERIFY2(window.openRunFolder(folder, &error), qPrintable(error));
        const QList<int> ids = runIds(window);
        QCOMPARE(ids.size(), 3);
        QTRY_COMPARE_WITH_TIMEOUT(window.runList()->runState(ids[0]), QStringLiteral("stopped"),
                                  10000);
        QTRY_COMPARE_WITH_TIMEOUT(window.runList()->runState(ids[1]), QStringLiteral("diverged"),
                                  10000);
        QTRY_COMPARE_WITH_TIMEOUT(window.runList()->runState(ids[2]), QStringLiteral("interrupted"),
                                  10000);
        QTRY_VERIFY_WITH_TIMEOUT(!window.followingFolders(), 10000);
        // The registry knows each run once, typed, with the depth of its spec.
        const RegisteredRun* mystery = window.runs().find(ids[1]);
        QVERIFY(mystery);
        QCOMPARE(mystery->name, QStringLiteral("mystery"));
        QCOMPARE(int(mystery->state), int(RunState::Diverged));
        QCOMPARE(mystery->depth(), 20);
        QVERIFY(!mystery->residual());
        QVERIFY(mystery->faulty());
        QCOMPARE(int(window.runs().find(ids[0])->state), int(RunState::Stopped));
        QVERIFY(window.runs().find(ids[2])->interrupted);
        // The curves hold what the runs wrote before they ended.
        QCOMPARE(window.curves()->errorPlot()->pointCount(ids[0], 0),
                 3); // a record every 2 steps, 6 steps
    }

    void aFollowedRunOfSoManyEpochsFinishes() {
        // Its spec gives epochs, not steps: the window learns the steps an epoch has from its
        // records.
        QTemporaryDir dir;
        const QString folder = dir.filePath(QStringLiteral("epochs"));
        QProcess cli;
        cli.start(QStringLiteral(RESLAB_CLI),
                  {QStringLiteral("train"), QStringLiteral("--arch"), QStringLiteral("resnet20"),
                   QStringLiteral("--dataset"), QStringLiteral("synthetic"),
                   QStringLiteral("--epochs"), QStringLiteral("0.1"), QStringLiteral("--batch"),
                   QStringLiteral("32"), QStringLiteral("--record-every"), QStringLiteral("1"),
                   QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--quiet"),
                   QStringLiteral("--out"), folder});
        QVERIFY(cli.waitForFinished(600000)); // 300 steps on one thread: minutes under ASan
        QCOMPARE(cli.exitCode(), 0);
        MainWindow window;
        QString error;
        QVERIFY2(window.openRunFolder(folder, &error), qPrintable(error));
        const int id = runIds(window).front();
        // 2048 synthetic images (the config's default) in batches of 32: 64 steps an epoch, so 0.1
        // epochs is 7 steps (6.4, rounded up), a record each.
        QTRY_COMPARE_WITH_TIMEOUT(window.runList()->runState(id), QStringLiteral("finished"),
                                  10000);
        QCOMPARE(window.curves()->errorPlot()->pointCount(id, 0), 7);
    }

    void featureMapsTakeTheTrainingNetBetweenSteps() {
        QTemporaryDir runs;
        MainWindow window;
        window.setRunsFolder(runs.path());
        window.show();
        RunConfig config = tinyRun("resnet20", 100000);
        config.train.checkpoint_every =
            0; // no checkpoint.pth until it stops: the snapshot is all there is
        QVERIFY(window.startRuns({config}, QStringLiteral("snapshot")));
        QTRY_COMPARE_WITH_TIMEOUT(window.controller()->state(),
                                  ExperimentController::State::Running, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(
            window.curves()->errorPlot()->pointCount(runIds(window).front(), 0) >= 2, 60000);
        clickAction(window, window.pauseAction());
        QTRY_COMPARE_WITH_TIMEOUT(window.controller()->state(), ExperimentController::State::Paused,
                                  60000);

        QSignalSpy changed(window.featuresView(), &FeaturesView::netChanged);
        window.featuresView()->useCurrentRun();
        QVERIFY(changed.wait(60000));
        const auto snapshot = window.featuresView()->net();
        QVERIFY(snapshot);
        QVERIFY2(QString::fromStdString(snapshot->source)
                     .contains(QStringLiteral("training net at step")),
                 snapshot->source.c_str());

        // Stopped while paused, the run checkpoints the very step the snapshot was taken at.
        clickAction(window, window.stopAction());
        QTRY_COMPARE_WITH_TIMEOUT(window.controller()->state(), ExperimentController::State::Idle,
                                  60000);
        QDirIterator it(runs.path(), {QStringLiteral("checkpoint.pth")}, QDir::Files,
                        QDirIterator::Subdirectories);
        QVERIFY(it.hasNext());
        const StateDict saved = read_state_dict(it.next().toStdString());
        const StateDict shown = state_dict_of(*snapshot->net);
        QCOMPARE(shown.size(), saved.size());
        for (size_t i = 0; i < shown.size(); ++i) {
            QCOMPARE(shown[i].first, saved[i].first);
            QVERIFY2(torch::equal(shown[i].second.contiguous(), saved[i].second),
                     shown[i].first.c_str());
        }
    }

    void aDivergingRunStopsAndTheOthersGoOn() {
        QTemporaryDir runs;
        MainWindow window;
        window.setRunsFolder(runs.path());
        RunConfig wild = tinyRun("plain20", 60, /*lr=*/1e6);
        wild.name = "wild";
        QSignalSpy finished(window.controller(), &ExperimentController::finished);
        // Each run with its own config (the panel's form sets one for all): only one is wild.
        QVERIFY(window.startRuns({wild, tinyRun("resnet20", 60)}, QStringLiteral("diverge")));
        QVERIFY(finished.wait(60000));
        const QList<int> ids = runIds(window);
        QCOMPARE(ids.size(), 2);
        QCOMPARE(window.runList()->runState(ids[1]), QStringLiteral("finished"));
        QCOMPARE(window.runList()->runState(ids[0]), QStringLiteral("diverged"));
        const QString tip = window.runList()->topLevelItem(0)->toolTip(RunListView::StateColumn);
        QVERIFY2(tip.contains(QStringLiteral("smaller")), qPrintable(tip));
        QCOMPARE(window.curves()->errorPlot()->pointCount(ids[1], 0), 30);
    }

    void closingWhileTrainingAsksThenStopsWithCheckpoints() {
        QTemporaryDir runs;
        MainWindow window;
        window.setRunsFolder(runs.path());
        window.show();
        std::vector<RunConfig> configs{tinyRun("resnet20", 100000), tinyRun("plain20", 100000)};
        for (auto& c : configs)
            c.train.record_every = 1; // so the last record is the step the run stopped at
        QVERIFY(window.startRuns(configs, QStringLiteral("closing")));
        QTRY_COMPARE_WITH_TIMEOUT(window.controller()->state(),
                                  ExperimentController::State::Running, 60000);
        const QList<int> ids = runIds(window);
        QTRY_VERIFY_WITH_TIMEOUT(window.curves()->errorPlot()->pointCount(ids[0], 0) >= 2, 60000);

        // Cancel: the window stays open and the runs go on.
        answerQuestion(QStringLiteral("Cancel"));
        window.close();
        QVERIFY(window.isVisible());
        QCOMPARE(window.controller()->state(), ExperimentController::State::Running);

        // Stop and close: the window closes once both runs have written their checkpoints.
        answerQuestion(QStringLiteral("Stop and close"));
        window.close();
        QTRY_VERIFY_WITH_TIMEOUT(!window.isVisible(), 60000);
        QCOMPARE(window.controller()->state(), ExperimentController::State::Idle);
        for (int id : ids)
            QCOMPARE(window.runList()->runState(id), QStringLiteral("stopped"));
        int folders = 0;
        for (QDirIterator it(runs.path(), {QStringLiteral("spec.json")}, QDir::Files,
                             QDirIterator::Subdirectories);
             it.hasNext();) {
            const std::string folder = QFileInfo(it.next()).absolutePath().toStdString();
            ++folders;
            // The checkpoint is of the step the run stopped at: resuming starts from its last
            // record.
            const auto records = read_metrics(RunPaths(folder).metrics);
            QVERIFY(!records.empty());
            const auto data = load_run_data(Run::read_config(folder).train);
            QCOMPARE(Run::resume(folder, data)->steps_done(), records.back().step());
        }
        QCOMPARE(folders, 2);
    }

    void aRunThatThrowsShowsItsErrorAndTheOthersGoOn() {
        QTemporaryDir runs;
        MainWindow window;
        window.setRunsFolder(runs.path());
        window.show();
        RunConfig doomed = tinyRun("resnet20", 60);
        doomed.name = "doomed";
        doomed.train.checkpoint_every = 10;
        QSignalSpy finished(window.controller(), &ExperimentController::finished);
        QVERIFY(window.startRuns({doomed, tinyRun("plain20", 60)}, QStringLiteral("throws")));
        QTRY_COMPARE_WITH_TIMEOUT(window.controller()->state(),
                                  ExperimentController::State::Running, 60000);
        clickAction(window, window.pauseAction());
        QTRY_COMPARE_WITH_TIMEOUT(window.controller()->state(), ExperimentController::State::Paused,
                                  60000);
        // Its folder vanishes (a disk unplugged, a folder deleted): its next write throws.
        QDirIterator it(runs.path(), {QStringLiteral("doomed")}, QDir::Dirs,
                        QDirIterator::Subdirectories);
        QVERIFY(it.hasNext());
        QVERIFY(QDir(it.next()).removeRecursively());
        clickAction(window, window.resumeAction());
        QVERIFY(finished.wait(180000));

        const QList<int> ids = runIds(window);
        QCOMPARE(window.runList()->runState(ids[0]), QStringLiteral("failed"));
        const QString tip = window.runList()->topLevelItem(0)->toolTip(RunListView::StateColumn);
        QVERIFY2(tip.contains(QStringLiteral("doomed")) &&
                     (tip.contains(QStringLiteral("does not exist")) ||
                      tip.contains(QStringLiteral("No such file"))),
                 qPrintable(tip));
        QCOMPARE(window.runList()->runState(ids[1]), QStringLiteral("finished"));
        QCOMPARE(window.curves()->errorPlot()->pointCount(ids[1], 0), 30);
        // The window still works: it starts the next experiment.
        QVERIFY(window.startRuns({tinyRun("resnet20", 4)}, QStringLiteral("after")));
        QVERIFY(finished.wait(120000));
        QCOMPARE(window.runList()->runState(runIds(window).first()), QStringLiteral("finished"));
    }

private:
    QTemporaryDir m_settings;
};

QTEST_MAIN(TestMainWindow)
#include "test_mainwindow.moc"
