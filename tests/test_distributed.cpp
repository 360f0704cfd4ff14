// Data-parallel training (model/train/distributed, reslab-cli train --nproc) against PyTorch's
// own DistributedDataParallel on Gloo (tests/python/ddp_reference.py): the same initial weights
// (the run's snapshots/step-00000000.pth), data order, batch split and per-process BN. Also the
// sharding rule against torch.utils.data.DistributedSampler itself; a rank killed or stopped
// mid-run; and two ranks started as torchrun starts them, against --nproc 2.
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <thread>
#include <tuple>

#include <dirent.h>
#include <unistd.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "io/runfolder.h"
#include "io/weights.h"
#include "testsupport.h"
#include "train/distributed.h"

using namespace reslab;

namespace {

/// reslab-cli train on the fixture: resnet20, a constant rate, a record every step, the initial
/// weights kept for the reference.
QStringList trainArgs(const QString& data, const QString& out, int steps, int nproc) {
    return {"train",
            "--arch",
            "resnet20",
            "--dataset",
            "mnist",
            "--data-dir",
            data,
            "--steps",
            QString::number(steps),
            "--batch",
            "32",
            "--lr",
            "0.001",
            "--schedule",
            "constant",
            "--eval-every",
            "0",
            "--probe-every",
            "0",
            "--record-every",
            "1",
            "--snapshots",
            "1",
            "--seed",
            "3",
            "--quiet",
            "--nproc",
            QString::number(nproc),
            "--out",
            out};
}

QVector<double> recordedLosses(const QString& folder) {
    QFile file(folder + "/metrics.jsonl");
    QVector<double> losses;
    if (!file.open(QIODevice::ReadOnly))
        return losses;
    for (const QByteArray& line : file.readAll().split('\n')) {
        const QJsonObject record = QJsonDocument::fromJson(line).object();
        if (record.value("kind").toString() == "train")
            losses.push_back(record.value("loss").toDouble());
    }
    return losses;
}

/// args with option's value replaced (or the option added where it is absent).
QStringList withOption(QStringList args, const QString& option, const QString& value) {
    const int at = args.indexOf(option);
    if (at < 0)
        return args << option << value;
    args[at + 1] = value;
    return args;
}

/// args without option and its value.
QStringList withoutOption(QStringList args, const QString& option) {
    const int at = args.indexOf(option);
    if (at >= 0)
        args.erase(args.begin() + at, args.begin() + at + 2);
    return args;
}

/// The largest difference between two run folders' checkpoint.pth, over the parameters and,
/// with buffers, the BN statistics; 1e9 where they do not have the same tensors.
double checkpointDifference(const QString& a, const QString& b, bool buffers = true) {
    const StateDict x = read_state_dict(RunPaths(a.toStdString()).checkpoint);
    const StateDict y = read_state_dict(RunPaths(b.toStdString()).checkpoint);
    if (x.size() != y.size())
        return 1e9;
    double worst = 0.0;
    for (size_t i = 0; i < x.size(); ++i) {
        if (x[i].first != y[i].first || x[i].second.sizes() != y[i].second.sizes())
            return 1e9;
        if (!x[i].second.is_floating_point() ||
            (!buffers && x[i].first.find("running_") != std::string::npos))
            continue;
        worst = std::max(worst, (x[i].second.to(torch::kDouble) - y[i].second.to(torch::kDouble))
                                    .abs()
                                    .max()
                                    .item<double>());
    }
    return worst;
}

/// The training records of a finished run folder: every step from 1 to total exactly once, in
/// order, no line damaged; their losses (empty after a failed check).
QVector<double> checkContinuous(const QString& folder, int64_t total) {
    const RunFolder run = read_run_folder(folder.toStdString());
    if (!run.status || run.status->state != RunState::Finished || run.status->step != total)
        return {};
    int64_t skipped = -1;
    QVector<double> losses;
    int64_t last = 0;
    for (const MetricRecord& record : read_metrics(run.paths().metrics, &skipped)) {
        if (record.kind != MetricRecord::Kind::Train)
            continue;
        if (record.step() != last + 1)
            return {};
        last = record.step();
        losses.push_back(record.train.loss);
    }
    if (skipped != 0 || last != total)
        return {};
    return losses;
}

/// The processes whose parent is pid (/proc/<pid>/stat's fourth field), as the launcher's ranks.
std::vector<pid_t> childrenOf(pid_t pid) {
    std::vector<pid_t> children;
    DIR* proc = ::opendir("/proc");
    if (!proc)
        return children;
    while (const dirent* entry = ::readdir(proc)) {
        const pid_t candidate = static_cast<pid_t>(std::atoi(entry->d_name));
        if (candidate <= 0)
            continue;
        QFile stat(QString("/proc/%1/stat").arg(candidate));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        // "pid (comm) state ppid ...": comm may hold spaces, so read after its last ')'.
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields[1].toInt() == pid)
            children.push_back(candidate);
    }
    ::closedir(proc);
    return children;
}

/// The RANK in a process's environment; -1 where it has none or is gone.
int rankOf(pid_t pid) {
    QFile environ(QString("/proc/%1/environ").arg(pid));
    if (!environ.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& entry : environ.readAll().split('\0'))
        if (entry.startsWith("RANK="))
            return entry.mid(5).toInt();
    return -1;
}

/// The launcher's rank `rank`, once both ranks have started; 0 where none appears within 60 s.
pid_t rankProcess(QProcess& launcher, int rank) {
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 60000 && launcher.state() == QProcess::Running) {
        for (const pid_t child : childrenOf(static_cast<pid_t>(launcher.processId())))
            if (rankOf(child) == rank)
                return child;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return 0;
}

bool alive(pid_t pid) {
    return ::kill(pid, 0) == 0;
}

/// Waits until the folder holds a checkpoint and `records` lines of metrics; false if the
/// launcher ended first.
bool waitForProgress(QProcess& launcher, const QString& folder, int records) {
    const RunPaths paths(folder.toStdString());
    while (launcher.state() == QProcess::Running) {
        if (QFile::exists(QString::fromStdString(paths.trainer))) {
            QFile metrics(QString::fromStdString(paths.metrics));
            if (metrics.open(QIODevice::ReadOnly) && metrics.readAll().count('\n') >= records)
                return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

/// Starts `--nproc 2` on kSteps steps with this --dist-timeout and waits until its folder holds
/// 25 records and a checkpoint, giving the ranks' process ids (a failed check ends the test).
void startTwoRanks(QProcess& launcher,
                   const QString& data,
                   const QString& out,
                   int steps,
                   int timeout,
                   pid_t* rank0,
                   pid_t* rank1) {
    QStringList args = withOption(trainArgs(data, out, steps, 2), "--eval-every", "10");
    args = withOption(args, "--dist-timeout", QString::number(timeout));
    launcher.setStandardOutputFile(QProcess::nullDevice());
    launcher.start(QStringLiteral(RESLAB_CLI), args);
    QVERIFY(launcher.waitForStarted(10000));
    *rank0 = rankProcess(launcher, 0);
    *rank1 = rankProcess(launcher, 1);
    QVERIFY(*rank0 > 0 && *rank1 > 0);
    QVERIFY2(waitForProgress(launcher, out, 25), "the job ended before a rank could be stopped");
}

} // namespace

class TestDistributed : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void samplerMatchesPyTorch();
    void aTimedOutRankNamesTheOneBehind();
    void matchesPyTorchDdp_data();
    void matchesPyTorchDdp();
    void killedRankStopsJob();
    void hungRankTimesOut();
    void torchrunVariablesMatchNproc();
    void syncBatchNormMatchesOneProcess_data();
    void syncBatchNormMatchesOneProcess();
    void resumesOnAnyWorldSize();
    void compareTrainsDataParallel();
    void gpuWithoutNcclSaysWhatIsMissing();
    void overlapMatchesAfterBackward();

private:
    /// The folder a killed or hung job left: readable, every metrics line whole, the run failed
    /// (or stopped) short of its end.
    void checkLeftClean(const QString& folder, int64_t total);
    QTemporaryDir m_dir;
    QString m_data;
};

void TestDistributed::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_data = m_dir.filePath("data");
    QVERIFY(QDir().mkpath(m_data));
    test::runPython("ddp_reference.py", {"data", m_data});
    QVERIFY(QFile::exists(m_data + "/train-images-idx3-ubyte"));
}

// What the SIGSTOP test below cannot aim at: a rank stopped between entering a collective and
// finishing it (a window of microseconds) is told from one that never entered it.
void TestDistributed::aTimedOutRankNamesTheOneBehind() {
    QCOMPARE(QString::fromStdString(laggard_words(1, 2, 187, 186, 186)),
             QStringLiteral("rank 1 of 2 did not join it (it is at collective 186, this rank at "
                            "187): it hung or died"));
    QCOMPARE(QString::fromStdString(laggard_words(2, 4, 187, 187, 186)),
             QStringLiteral("rank 2 of 4 did not finish it (it entered collective 187 and "
                            "finished 186, this rank at 187): it hung or died"));
    // A rank that finished it, or is past it already (an async all-reduce waited later), is not
    // behind.
    QVERIFY(laggard_words(1, 2, 187, 187, 187).empty());
    QVERIFY(laggard_words(1, 2, 187, 189, 188).empty());
    // One that never wrote its counts reads as at collective 0.
    QCOMPARE(QString::fromStdString(laggard_words(3, 4, 1, 0, 0)),
             QStringLiteral("rank 3 of 4 did not join it (it is at collective 0, this rank at "
                            "1): it hung or died"));
}

void TestDistributed::samplerMatchesPyTorch() {
    // torch.utils.data.DistributedSampler itself, padded (n not a multiple of world) and cut.
    const QByteArray out = test::runPython("ddp_reference.py", {"sampler", "10", "3", "7", "2"});
    const QJsonObject expected = QJsonDocument::fromJson(out).object();
    QVERIFY2(!expected.isEmpty(), out.constData());
    for (const bool drop_last : {false, true}) {
        for (int rank = 0; rank < 3; ++rank) {
            const QJsonArray want =
                expected.value(drop_last ? "drop_last" : "padded").toArray().at(rank).toArray();
            const torch::Tensor got =
                distributed_sampler_indices(10, 3, rank, /*seed=*/7, /*epoch=*/2, drop_last);
            QCOMPARE(got.size(0), static_cast<int64_t>(want.size()));
            for (int i = 0; i < want.size(); ++i)
                QCOMPARE(got[i].item<int64_t>(), static_cast<int64_t>(want.at(i).toInt()));
        }
    }
}

void TestDistributed::matchesPyTorchDdp_data() {
    QTest::addColumn<int>("nproc");
    QTest::addColumn<int>("steps");
    QTest::addColumn<double>("tolerance");
    // Two steps: the same numbers as PyTorch to float32 rounding (measured 2.4e-7 for 2
    // processes, 5.2e-7 for one). Twenty: each step amplifies float32 rounding differences about
    // threefold in this net, so 1e-5 is out of reach of any two implementations that round
    // differently, and how far they drift depends on the processor (PyTorch against itself,
    // channels-last against NCHW: 1.1e-3 in the parameters on an AVX2 EPYC; ResLab's losses
    // 2.6e-3 from PyTorch's at step 15 on an AVX-512 Xeon). There the bound is 2e-3 or four
    // times PyTorch's own spread measured by the reference on the same machine, whichever is
    // larger; BN's semantics (per process against the whole batch) are the 2-step rows' to tell.
    QTest::newRow("2 processes, 2 steps") << 2 << 2 << 1e-5;
    QTest::newRow("1 process, 2 steps") << 1 << 2 << 1e-5;
    QTest::newRow("2 processes, 20 steps") << 2 << 20 << 2e-3;
}

void TestDistributed::matchesPyTorchDdp() {
    QFETCH(int, nproc);
    QFETCH(int, steps);
    QFETCH(double, tolerance);
    const QString out = m_dir.filePath(QString("run-%1-%2").arg(nproc).arg(steps));
    int code = -1;
    QByteArray err;
    test::runCli(trainArgs(m_data, out, steps, nproc), &code, &err);
    QVERIFY2(code == 0, err.constData());
    const bool spread = steps > 2;
    QStringList args{"train", out, QString::number(nproc)};
    if (spread)
        args << "spread";
    const QByteArray json = test::runPython("ddp_reference.py", args);
    const QJsonObject reference = QJsonDocument::fromJson(json).object();
    QVERIFY2(!reference.isEmpty(), json.constData());
    const double paramBound =
        spread ? std::max(tolerance, 4 * reference.value("spread_params").toDouble(0)) : tolerance;
    const double lossBound =
        spread ? std::max(tolerance, 4 * reference.value("spread_losses").toDouble(0)) : tolerance;
    if (spread)
        qInfo("PyTorch's own spread after %d steps: %g in the parameters, %g in the losses", steps,
              reference.value("spread_params").toDouble(),
              reference.value("spread_losses").toDouble());

    const double diff = reference.value("max_abs_diff_params").toDouble(1.0);
    QVERIFY2(diff < paramBound, qPrintable(QString("parameters differ from PyTorch by %1 (%2)")
                                               .arg(diff)
                                               .arg(reference.value("worst").toString())));
    if (steps <= 2) {
        // Running statistics and counters too.
        QVERIFY2(reference.value("max_abs_diff").toDouble(1.0) < tolerance, json.constData());
        QVERIFY(reference.value("buffers_equal").toBool());
    }
    const QJsonArray expected = reference.value("losses").toArray();
    const QVector<double> losses = recordedLosses(out);
    QCOMPARE(losses.size(), expected.size());
    QCOMPARE(losses.size(), steps);
    double worst = 0;
    for (int i = 0; i < losses.size(); ++i)
        worst = std::max(worst, std::abs(losses[i] - expected.at(i).toDouble()));
    qInfo("against PyTorch: %g in the parameters, %g in the losses", diff, worst);
    for (int i = 0; i < losses.size(); ++i)
        QVERIFY2(std::abs(losses[i] - expected.at(i).toDouble()) < lossBound,
                 qPrintable(QString("step %1: loss %2, PyTorch %3")
                                .arg(i + 1)
                                .arg(losses[i], 0, 'g', 9)
                                .arg(expected.at(i).toDouble(), 0, 'g', 9)));
    // Rank 0 alone wrote the folder; a world of 2 differs from a world of 1 at the same global
    // batch only through BN over each half, as in PyTorch (the first step's loss: 2.4785 against
    // 2.4845), so the split is really tested.
    if (nproc == 2 && steps == 2) {
        const QByteArray single = test::runPython("ddp_reference.py", {"train", out, "1"});
        const double alone =
            QJsonDocument::fromJson(single).object().value("losses").toArray().at(0).toDouble();
        QVERIFY2(std::abs(alone - losses[0]) > 1e-3,
                 "one process and two give the same first loss: the batch was not split");
    }
}

void TestDistributed::checkLeftClean(const QString& folder, int64_t total) {
    const RunFolder run = read_run_folder(folder.toStdString()); // throws on a damaged spec.json
    QVERIFY(run.status.has_value());
    QVERIFY2(run.status->state == RunState::Failed || run.status->state == RunState::Stopped,
             to_string(run.status->state).c_str());
    QVERIFY(run.status->step < total);
    int64_t skipped = -1;
    const std::vector<MetricRecord> records = read_metrics(run.paths().metrics, &skipped);
    QCOMPARE(skipped, int64_t(0));
    QVERIFY(!records.empty());
    read_state_dict(run.paths().checkpoint); // whole
}

void TestDistributed::killedRankStopsJob() {
    // Rank 1 killed mid-run (rank 0 writes the folder, so the kill cannot cut a line): the
    // launcher names it and exits within the timeout, the folder reads clean, resume finishes.
    constexpr int kTimeout = 10;
    constexpr int kSteps = 150;
    const QString out = m_dir.filePath("killed");
    QProcess launcher;
    pid_t rank0 = -1, rank1 = -1;
    startTwoRanks(launcher, m_data, out, kSteps, kTimeout, &rank0, &rank1);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(::kill(rank1, SIGKILL) == 0);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(launcher.waitForFinished((kTimeout + 60) * 1000));
    const double seconds = clock.elapsed() / 1000.0;
    const QByteArray err = launcher.readAllStandardError();
    qInfo("the launcher exited %.1f s after the kill", seconds);
    QCOMPARE(launcher.exitStatus(), QProcess::NormalExit);
    QVERIFY2(launcher.exitCode() != 0, err.constData());
    QVERIFY2(seconds < kTimeout + 5, err.constData());
    QVERIFY2(err.contains("rank 1 of 2"), err.constData());
    QVERIFY2(!alive(rank0), "rank 0 outlived the launcher");
    checkLeftClean(out, kSteps);
    if (QTest::currentTestFailed())
        return;

    int code = -1;
    QByteArray resumeErr;
    test::runCli({"resume", out, "--quiet"}, &code, &resumeErr);
    QVERIFY2(code == 0, resumeErr.constData());
    const RunFolder run = read_run_folder(out.toStdString());
    QVERIFY(run.status.has_value());
    QVERIFY2(run.status->state == RunState::Finished, to_string(run.status->state).c_str());
    QCOMPARE(run.status->step, int64_t(kSteps));
    int64_t skipped = -1;
    const std::vector<MetricRecord> records = read_metrics(run.paths().metrics, &skipped);
    QCOMPARE(skipped, int64_t(0));
    int64_t last = 0;
    for (const MetricRecord& record : records)
        if (record.kind == MetricRecord::Kind::Train) {
            QVERIFY2(record.step() > last, "a training record repeats or goes back after resume");
            last = record.step();
        }
    QCOMPARE(last, int64_t(kSteps));
}

void TestDistributed::hungRankTimesOut() {
    // Rank 1 stopped (SIGSTOP), not dead: its sockets stay open, so only the timeout can end
    // rank 0's wait. Rank 0 must give up within it, say so, and leave the folder clean.
    constexpr int kTimeout = 4;
    constexpr int kSteps = 150;
    const QString out = m_dir.filePath("hung");
    QProcess launcher;
    pid_t rank0 = -1, rank1 = -1;
    startTwoRanks(launcher, m_data, out, kSteps, kTimeout, &rank0, &rank1);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(::kill(rank1, SIGSTOP) == 0);
    QElapsedTimer clock;
    clock.start();
    while (alive(rank0) && clock.elapsed() < (kTimeout + 30) * 1000)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const double seconds = clock.elapsed() / 1000.0;
    const bool gaveUp = !alive(rank0);
    // Whatever happened, nothing is left stopped or running.
    ::kill(rank1, SIGCONT);
    if (!launcher.waitForFinished((kTimeout + 30) * 1000)) {
        ::kill(rank1, SIGKILL);
        launcher.kill();
        launcher.waitForFinished();
    }
    const QByteArray err = launcher.readAllStandardError();
    qInfo("rank 0 gave up %.1f s after rank 1 stopped", seconds);
    QVERIFY2(gaveUp, "rank 0 still waits for the stopped rank past the timeout");
    QVERIFY2(seconds < kTimeout + 5, err.constData());
    QVERIFY2(seconds > kTimeout - 1, "rank 0 gave up before the timeout");
    QVERIFY2(launcher.exitCode() != 0, err.constData());
    // Rank 0 says it timed out (Gloo's words) and names the rank that never joined the
    // collective, or joined it and never finished it (the stop can land between rank 1's entry
    // and the collective's end), from what each rank writes in the store; the launcher names
    // rank 0, the first to end.
    QVERIFY2(err.contains("rank 0 of 2"), err.constData());
    QVERIFY2(err.toLower().contains("timed out"), err.constData());
    for (const QByteArray& line : err.split('\n'))
        if (line.contains("rank 1 of 2 did not"))
            qInfo("%s", line.constData());
    QVERIFY2(err.contains("rank 1 of 2 did not join it") ||
                 err.contains("rank 1 of 2 did not finish it"),
             err.constData());
    QVERIFY2(!alive(rank1), "rank 1 outlived the launcher");
    checkLeftClean(out, kSteps);
}

void TestDistributed::torchrunVariablesMatchNproc() {
    // Two ranks started by the test as torchrun starts them, against --nproc 2 on the same command.
    constexpr int kSteps = 8;
    const QString launched = m_dir.filePath("nproc-launched");
    int code = -1;
    QByteArray err;
    test::runCli(trainArgs(m_data, launched, kSteps, 2), &code, &err);
    QVERIFY2(code == 0, err.constData());

    const QString out = m_dir.filePath("torchrun-launched");
    const QStringList args = withoutOption(trainArgs(m_data, out, kSteps, 1), "--nproc");
    const int port = free_local_port();
    QVERIFY(port > 0);
    std::vector<std::unique_ptr<QProcess>> ranks;
    for (int rank = 0; rank < 2; ++rank) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("RANK", QString::number(rank));
        env.insert("LOCAL_RANK", QString::number(rank));
        env.insert("WORLD_SIZE", "2");
        env.insert("LOCAL_WORLD_SIZE", "2");
        env.insert("MASTER_ADDR", "127.0.0.1");
        env.insert("MASTER_PORT", QString::number(port));
        auto process = std::make_unique<QProcess>();
        process->setProcessEnvironment(env);
        process->setStandardOutputFile(QProcess::nullDevice());
        process->start(QStringLiteral(RESLAB_CLI), args);
        QVERIFY(process->waitForStarted(10000));
        ranks.push_back(std::move(process));
    }
    for (int rank = 0; rank < 2; ++rank) {
        QProcess& process = *ranks[rank];
        if (!process.waitForFinished(300000))
            process.kill();
        process.waitForFinished();
        QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
                 qPrintable(QString("rank %1: %2").arg(rank).arg(process.readAllStandardError())));
    }

    int64_t skipped = -1;
    const std::vector<MetricRecord> want = read_metrics(RunPaths(launched.toStdString()).metrics);
    const std::vector<MetricRecord> got =
        read_metrics(RunPaths(out.toStdString()).metrics, &skipped);
    QCOMPARE(skipped, int64_t(0));
    QCOMPARE(got.size(), want.size());
    int train = 0;
    for (size_t i = 0; i < got.size(); ++i) {
        QVERIFY(got[i].kind == want[i].kind);
        QCOMPARE(got[i].step(), want[i].step());
        if (got[i].kind != MetricRecord::Kind::Train)
            continue;
        ++train;
        QVERIFY2(std::abs(got[i].train.loss - want[i].train.loss) <= 1e-6,
                 qPrintable(QString("step %1: loss %2 under torchrun's variables, %3 by --nproc")
                                .arg(got[i].step())
                                .arg(got[i].train.loss, 0, 'g', 9)
                                .arg(want[i].train.loss, 0, 'g', 9)));
        QCOMPARE(got[i].train.error, want[i].train.error);
        QCOMPARE(got[i].train.lr, want[i].train.lr);
    }
    QCOMPARE(train, kSteps);
    // Both folders say that a job of two ranks trained them (spec.json's "distributed").
    QCOMPARE(read_run_folder(launched.toStdString()).config.world_size, 2);
    QCOMPARE(read_run_folder(out.toStdString()).config.world_size, 2);

    const StateDict expected = read_state_dict(RunPaths(launched.toStdString()).checkpoint);
    const StateDict actual = read_state_dict(RunPaths(out.toStdString()).checkpoint);
    QCOMPARE(actual.size(), expected.size());
    double worst = 0.0;
    for (size_t i = 0; i < actual.size(); ++i) {
        QVERIFY2(actual[i].first == expected[i].first, actual[i].first.c_str());
        QVERIFY(actual[i].second.sizes() == expected[i].second.sizes());
        worst = std::max(
            worst, (actual[i].second.to(torch::kDouble) - expected[i].second.to(torch::kDouble))
                       .abs()
                       .max()
                       .item<double>());
    }
    qInfo("weights under torchrun's variables against --nproc 2: %g at most", worst);
    QVERIFY(worst <= 1e-6);
}

void TestDistributed::syncBatchNormMatchesOneProcess_data() {
    QTest::addColumn<int>("steps");
    QTest::addColumn<double>("weightTolerance");
    QTest::addColumn<double>("lossTolerance");
    // Measured against one process: after 2 steps 8.5e-7 in the parameters and 1.1e-6 with the
    // BN statistics (float32 rounding: the batch's sums taken in two halves, the gradients in
    // another order); after 10, 7.3e-5 and 2.3e-5 in the losses, since each step amplifies
    // rounding about threefold in this net (see matchesPyTorchDdp). Per-process BN: 2.1e-4 and
    // 3.5e-2 after 2 steps, 1.3e-3 and 5e-3 in the losses after 10.
    QTest::newRow("2 steps") << 2 << 1e-5 << 1e-5;
    QTest::newRow("10 steps") << 10 << 5e-4 << 2e-4;
}

void TestDistributed::syncBatchNormMatchesOneProcess() {
    // --sync-bn normalises over the global batch, so two processes on halves of a batch of 128
    // train as one process on the whole batch does; without it each half's own statistics make
    // a different net (DDP's default). resnet20's 19 BNs all take part.
    QFETCH(int, steps);
    QFETCH(double, weightTolerance);
    QFETCH(double, lossTolerance);
    auto args = [&](const QString& out, int nproc) {
        return withOption(trainArgs(m_data, out, steps, nproc), "--batch", "128");
    };
    const QString alone = m_dir.filePath(QString("sync-bn-alone-%1").arg(steps));
    const QString synced = m_dir.filePath(QString("sync-bn-2-%1").arg(steps));
    const QString halves = m_dir.filePath(QString("per-process-bn-2-%1").arg(steps));
    for (const auto& [out, nproc, sync] :
         {std::tuple{alone, 1, false}, std::tuple{synced, 2, true}, std::tuple{halves, 2, false}}) {
        int code = -1;
        QByteArray err;
        QStringList a = args(out, nproc);
        if (sync)
            a << "--sync-bn";
        test::runCli(a, &code, &err);
        QVERIFY2(code == 0, err.constData());
    }
    const RunConfig written = read_run_folder(synced.toStdString()).config;
    QVERIFY(written.sync_bn);
    QCOMPARE(written.world_size, 2);
    QVERIFY(!read_run_folder(halves.toStdString()).config.sync_bn);

    const QVector<double> want = recordedLosses(alone);
    const QVector<double> got = recordedLosses(synced);
    const QVector<double> unsynced = recordedLosses(halves);
    QCOMPARE(want.size(), steps);
    QCOMPARE(got.size(), steps);
    QCOMPARE(unsynced.size(), steps);
    double worstLoss = 0.0, unsyncedLoss = 0.0;
    for (int i = 0; i < steps; ++i) {
        worstLoss = std::max(worstLoss, std::abs(got[i] - want[i]));
        unsyncedLoss = std::max(unsyncedLoss, std::abs(unsynced[i] - want[i]));
    }
    const bool withBuffers = steps <= 2;
    const double weights = checkpointDifference(synced, alone, withBuffers);
    const double unsyncedWeights = checkpointDifference(halves, alone, withBuffers);
    qInfo("after %d steps against one process: --sync-bn %.3g in the %s, %.3g in the losses; "
          "per-process BN %.3g and %.3g",
          steps, weights, withBuffers ? "parameters and BN statistics" : "parameters", worstLoss,
          unsyncedWeights, unsyncedLoss);
    QVERIFY2(weights < weightTolerance, qPrintable(QString("weights differ by %1").arg(weights)));
    QVERIFY2(worstLoss < lossTolerance, qPrintable(QString("losses differ by %1").arg(worstLoss)));
    // The first step starts from the same weights: only the BN's statistics can differ.
    QVERIFY2(std::abs(got[0] - want[0]) < 1e-5, qPrintable(QString::number(got[0] - want[0])));
    QVERIFY2(std::abs(unsynced[0] - want[0]) > 1e-3,
             "per-process BN gives one process's first loss: the option was not tested");
    QVERIFY2(unsyncedWeights > weightTolerance, "per-process BN trains as close as --sync-bn");
}

void TestDistributed::resumesOnAnyWorldSize() {
    // A --nproc 2 job interrupted (SIGINT: every rank stops at the same step with a checkpoint),
    // then resumed on one process and on two. The global batches are the same at any world size
    // (each is the epoch order's next --batch images; the world only splits it), so the run on
    // two goes on bit for bit as if it had not stopped, and with --sync-bn the run on one trains
    // the same net up to float rounding.
    constexpr int kSteps = 30;
    auto args = [&](const QString& out) {
        return withOption(trainArgs(m_data, out, kSteps, 2), "--eval-every", "10") << "--sync-bn";
    };
    const QString reference = m_dir.filePath("resume-reference");
    int code = -1;
    QByteArray err;
    test::runCli(args(reference), &code, &err);
    QVERIFY2(code == 0, err.constData());
    const QVector<double> want = checkContinuous(reference, kSteps);
    QCOMPARE(want.size(), kSteps);

    const QString stopped = m_dir.filePath("resume-stopped");
    QProcess launcher;
    launcher.setStandardOutputFile(QProcess::nullDevice());
    launcher.start(QStringLiteral(RESLAB_CLI), args(stopped));
    QVERIFY(launcher.waitForStarted(10000));
    QVERIFY2(waitForProgress(launcher, stopped, 12), "the job ended before it could be stopped");
    QVERIFY(::kill(static_cast<pid_t>(launcher.processId()), SIGINT) == 0);
    QVERIFY(launcher.waitForFinished(120000));
    QCOMPARE(launcher.exitCode(), 130);
    const RunFolder left = read_run_folder(stopped.toStdString());
    QVERIFY(left.status.has_value());
    QCOMPARE(left.status->state, RunState::Stopped);
    const int64_t at = left.status->step;
    QVERIFY2(at > 0 && at < kSteps, qPrintable(QString::number(at)));

    for (const int nproc : {1, 2}) {
        const QString out = m_dir.filePath(QString("resume-on-%1").arg(nproc));
        std::filesystem::copy(stopped.toStdString(), out.toStdString(),
                              std::filesystem::copy_options::recursive);
        test::runCli({"resume", out, "--quiet", "--nproc", QString::number(nproc)}, &code, &err);
        QVERIFY2(code == 0, err.constData());
        const QVector<double> losses = checkContinuous(out, kSteps);
        QVERIFY2(losses.size() == kSteps,
                 qPrintable(QString("resumed on %1 from step %2: the records are not steps 1 to "
                                    "%3 once each, or the run did not finish")
                                .arg(nproc)
                                .arg(at)
                                .arg(kSteps)));
        QCOMPARE(read_run_folder(out.toStdString()).config.world_size, 2); // the job that began it
        read_state_dict(RunPaths(out.toStdString()).checkpoint);
        const double weights = checkpointDifference(out, reference);
        double loss = 0.0;
        for (int i = 0; i < kSteps; ++i)
            loss = std::max(loss, std::abs(losses[i] - want[i]));
        qInfo("resumed on %d process%s from step %lld: %.3g in the weights, %.3g in the losses "
              "against the run that was not stopped",
              nproc, nproc == 1 ? "" : "es", static_cast<long long>(at), weights, loss);
        if (nproc == 2) {
            QCOMPARE(weights, 0.0);
            QCOMPARE(loss, 0.0);
        } else {
            // The steps before the stop are the same records. After it the sums are taken in
            // another order and rounding grows about threefold a step in this net (see
            // matchesPyTorchDdp), so no bound of float precision holds 18 steps on; the figures
            // are printed above (measured 1.8e-2 in the weights, 1.1e-3 in the losses).
            for (int i = 0; i < at; ++i)
                QCOMPARE(losses[i], want[i]);
            for (int i = 0; i < kSteps; ++i)
                QVERIFY(std::isfinite(losses[i]));
        }
    }
}

void TestDistributed::compareTrainsDataParallel() {
    // compare --nproc 2 steps every run on both ranks: each run as train --nproc 2 trains it.
    constexpr int kSteps = 4;
    const QString single = m_dir.filePath("compare-single");
    int code = -1;
    QByteArray err;
    test::runCli(trainArgs(m_data, single, kSteps, 2), &code, &err);
    QVERIFY2(code == 0, err.constData());
    QStringList args = trainArgs(m_data, m_dir.filePath("compare"), kSteps, 2);
    args[0] = "compare";
    args[args.indexOf("--arch") + 1] = "resnet20,plain20";
    test::runCli(args, &code, &err);
    QVERIFY2(code == 0, err.constData());
    for (const QString name : {"resnet20", "plain20"}) {
        const QString folder = m_dir.filePath("compare/" + name);
        QCOMPARE(checkContinuous(folder, kSteps).size(), kSteps);
        QCOMPARE(read_run_folder(folder.toStdString()).config.world_size, 2);
    }
    const QVector<double> want = recordedLosses(single);
    const QVector<double> got = recordedLosses(m_dir.filePath("compare/resnet20"));
    QCOMPARE(got.size(), want.size());
    for (int i = 0; i < got.size(); ++i)
        QCOMPARE(got[i], want[i]);
    QCOMPARE(checkpointDifference(single, m_dir.filePath("compare/resnet20")), 0.0);
}

void TestDistributed::gpuWithoutNcclSaysWhatIsMissing() {
    // A data-parallel job on GPUs needs NCCL; Debian's LibTorch has no CUDA and no NCCL. Refused
    // before any rank starts, saying what is missing and what to do.
    int code = -1;
    QByteArray err;
    QStringList args = trainArgs(m_data, m_dir.filePath("nccl"), 2, 2) << "--device"
                                                                       << "cuda";
    test::runCli(args, &code, &err);
    QVERIFY2(code != 0, err.constData());
    QVERIFY2(err.contains("needs NCCL"), err.constData());
    QVERIFY2(err.contains("--device cpu"), err.constData());
    QVERIFY2(!QFile::exists(m_dir.filePath("nccl/spec.json")), "a run folder was written");
}

void TestDistributed::overlapMatchesAfterBackward() {
    // Buckets all-reduced while backward runs (AccumulateGrad post-hooks, the default) against
    // the same buckets after backward (RESLAB_DDP_OVERLAP=0): resnet18's 11.2 M parameters (45 MB)
    // make two 25 MiB buckets, the first started during backward; the same sums, bit for bit.
    const auto run = [&](const QString& out, const char* overlap) {
        QStringList args = withOption(trainArgs(m_data, out, 2, 2), "--arch", "resnet18");
        args = withOption(args, "--batch", "8");
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("RESLAB_DDP_OVERLAP", overlap);
        process.setProcessEnvironment(env);
        process.setStandardOutputFile(QProcess::nullDevice());
        process.start(QStringLiteral(RESLAB_CLI), args);
        QVERIFY(process.waitForFinished(300000));
        QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
    };
    const QString overlapped = m_dir.filePath("overlap-on");
    const QString after = m_dir.filePath("overlap-off");
    run(overlapped, "1");
    run(after, "0");
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(recordedLosses(overlapped), recordedLosses(after));
    QCOMPARE(recordedLosses(overlapped).size(), 2);
    QCOMPARE(checkpointDifference(overlapped, after), 0.0);
    // And the step did train: the weights moved from the initial ones.
    const StateDict initial =
        read_state_dict((overlapped + "/snapshots/step-00000000.pth").toStdString());
    const StateDict trained = read_state_dict(RunPaths(overlapped.toStdString()).checkpoint);
    QVERIFY(!torch::equal(initial.front().second, trained.front().second));
}

QTEST_APPLESS_MAIN(TestDistributed)
#include "test_distributed.moc"
