// The scheduler trains an experiment's runs side by side: a run's records and weights are the
// same bit for bit alone and beside others, records reach the observer in step order across runs,
// pause holds every run and stop leaves every run a checkpoint that resumes to the uninterrupted
// result, a diverging or failing run leaves the others going, and the split follows the nets.
#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>

#include <QTemporaryDir>

#include "io/runfolder.h"
#include "io/weights.h"
#include "testsupport.h"
#include "train/scheduler.h"

using namespace reslab;
using reslab::test::smallRun;

namespace {

/// Remembers what the scheduler reported; hooks run on the scheduler's thread.
class Recorder : public TrainingObserver {
public:
    std::vector<RunRecord> records;
    std::vector<RunStatus> last;
    std::function<void(const std::vector<RunStatus>&)> progressHook;
    std::function<void(const std::vector<RunRecord>&)> recordsHook;
    std::atomic<bool> paused{false};
    std::atomic<int64_t> snapshotStep{-1};

    void on_records(const std::vector<RunRecord>& r) override {
        records.insert(records.end(), r.begin(), r.end());
        if (recordsHook)
            recordsHook(r);
    }
    void on_progress(const std::vector<RunStatus>& runs, double) override {
        last = runs;
        if (progressHook)
            progressHook(runs);
    }
    void on_paused(bool p) override { paused = p; }
    void on_snapshot(int, const ResNetImpl&, int64_t step) override { snapshotStep = step; }

    std::vector<MetricRecord> of(int run) const {
        std::vector<MetricRecord> out;
        for (const auto& r : records)
            if (r.run == run)
                out.push_back(r.record);
        return out;
    }
};

/// Equal to the bit, apart from the wall-clock fields (time, images/s); NaN equals NaN.
bool same(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}
bool same(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](double x, double y) { return same(x, y); });
}
QString differs(const std::vector<MetricRecord>& a, const std::vector<MetricRecord>& b) {
    if (a.size() != b.size())
        return QStringLiteral("%1 records against %2").arg(a.size()).arg(b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        const MetricRecord &x = a[i], &y = b[i];
        bool ok = x.kind == y.kind && x.step() == y.step();
        if (ok && x.kind == MetricRecord::Kind::Train)
            ok = same(x.train.loss, y.train.loss) && same(x.train.error, y.train.error) &&
                 same(x.train.lr, y.train.lr);
        if (ok && x.kind == MetricRecord::Kind::Eval)
            ok = same(x.eval.test_loss, y.eval.test_loss) &&
                 same(x.eval.test_error, y.eval.test_error) && x.eval.images == y.eval.images;
        if (ok && x.kind == MetricRecord::Kind::Probe)
            ok = same(x.probe.grad_norms, y.probe.grad_norms) &&
                 same(x.probe.response_stds, y.probe.response_stds) &&
                 same(x.probe.residual_ratios, y.probe.residual_ratios);
        if (!ok)
            return QStringLiteral("record %1 (step %2) differs").arg(i).arg(x.step());
    }
    return {};
}
QString differs(const StateDict& a, const StateDict& b) {
    if (a.size() != b.size())
        return QStringLiteral("%1 tensors against %2").arg(a.size()).arg(b.size());
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].first != b[i].first || !torch::equal(a[i].second, b[i].second))
            return QString::fromStdString(a[i].first) + QStringLiteral(" differs");
    return {};
}

struct Trained {
    std::vector<std::vector<MetricRecord>> records; // per run
    std::vector<StateDict> weights;
    std::vector<Run::State> states;
    int peak = 0;
};

Trained
train(Experiment& experiment, CoreSplit split, Recorder& recorder, TrainingControls& controls) {
    Scheduler scheduler(experiment, split);
    scheduler.run(controls, recorder, std::chrono::milliseconds(20));
    Trained t;
    t.peak = scheduler.peak_parallel();
    for (size_t i = 0; i < experiment.runs().size(); ++i) {
        t.records.push_back(recorder.of(static_cast<int>(i)));
        t.weights.push_back(state_dict_of(*experiment.runs()[i]->net()));
        t.states.push_back(experiment.runs()[i]->state());
    }
    return t;
}

Trained train(std::vector<RunConfig> configs,
              CoreSplit split,
              const std::vector<std::string>& folders = {}) {
    Experiment experiment(std::move(configs), folders);
    Recorder recorder;
    TrainingControls controls;
    return train(experiment, split, recorder, controls);
}

} // namespace

class TestScheduler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sideBySideEqualsAlone_data() {
        QTest::addColumn<int>("threads");
        QTest::newRow("one thread each") << 1;
        QTest::newRow("two threads each") << 2;
    }
    void sideBySideEqualsAlone() {
        QFETCH(int, threads);
        const RunConfig target = smallRun("resnet20", 30, /*seed=*/7);
        const Trained alone = train({target}, CoreSplit{1, threads, "test"});
        const Trained beside = train({smallRun("plain20", 30, 1), target,
                                      smallRun("plain20", 30, 2), smallRun("resnet20", 30, 3)},
                                     CoreSplit{4, threads, "test"});
        QVERIFY2(beside.peak >= 2, "the four runs never stepped at the same time");
        QCOMPARE(alone.records[0].size(),
                 size_t(6 + 4 + 2)); // train every 5; probes at 1, 10, 20, 30; evals at 20, 30
        const QString records = differs(alone.records[0], beside.records[1]);
        QVERIFY2(records.isEmpty(), qPrintable(records));
        const QString weights = differs(alone.weights[0], beside.weights[1]);
        QVERIFY2(weights.isEmpty(), qPrintable(weights));
        // The runs beside it did train (their own numbers, not a copy of the target's).
        QVERIFY(!differs(beside.records[0], beside.records[2]).isEmpty());
    }

    void recordsArriveInStepOrder() {
        // Nets of different cost, so a quick one could race ahead if the scheduler let it.
        RunConfig deep = smallRun("plain56", 40, 1);
        RunConfig shallow = smallRun("resnet20", 40, 2);
        shallow.train.record_every = 1;
        Experiment experiment({deep, shallow, smallRun("plain20", 40, 3)}, {});
        Recorder recorder;
        int64_t latest = 0;
        bool ordered = true;
        recorder.recordsHook = [&](const std::vector<RunRecord>& batch) {
            for (const auto& r : batch) {
                ordered = ordered && r.record.step() >= latest;
                latest = r.record.step();
            }
        };
        // No record goes out for a step some unfinished run has not done yet.
        bool ahead = false;
        recorder.progressHook = [&](const std::vector<RunStatus>& runs) {
            for (const auto& run : runs)
                ahead = ahead || (run.state == Run::State::Running && run.steps_done < latest);
        };
        TrainingControls controls;
        const Trained t = train(experiment, CoreSplit{3, 1, "test"}, recorder, controls);
        QVERIFY(ordered);
        QVERIFY(!ahead);
        for (Run::State s : t.states)
            QCOMPARE(int(s), int(Run::State::Finished));
        QCOMPARE(t.records[1].front().step(), int64_t(1));
        QCOMPARE(std::count_if(
                     t.records[1].begin(), t.records[1].end(),
                     [](const MetricRecord& r) { return r.kind == MetricRecord::Kind::Train; }),
                 40L);
    }

    void pauseHoldsAndStopCheckpointsEveryRun() {
        QTemporaryDir dir;
        const std::vector<RunConfig> configs{
            smallRun("plain20", 40, 1), smallRun("resnet20", 40, 2), smallRun("plain20", 40, 3)};
        std::vector<std::string> folders, reference;
        for (const char* name : {"a", "b", "c"}) {
            folders.push_back(dir.filePath(name).toStdString());
            reference.push_back(dir.filePath(QStringLiteral("ref-") + name).toStdString());
        }
        const Trained whole = train(configs, CoreSplit{3, 1, "test"}, reference);

        Experiment experiment(configs, folders);
        Recorder recorder;
        TrainingControls controls;
        std::atomic<int64_t> least{0};
        recorder.progressHook = [&](const std::vector<RunStatus>& runs) {
            int64_t m = runs.front().steps_done;
            for (const auto& r : runs)
                m = std::min(m, r.steps_done);
            least = m;
        };
        std::thread trainer([&] {
            train(experiment, CoreSplit{3, 1, "test"}, recorder, controls);
        });
        auto waitFor = [](const std::function<bool()>& done) {
            for (int i = 0; i < 6000 && !done(); ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            return done();
        };
        QVERIFY(waitFor([&] { return least >= 5; }));
        controls.pause = true;
        QVERIFY(waitFor([&] { return recorder.paused.load(); }));
        std::vector<int64_t> held;
        for (const auto& run : experiment.runs())
            held.push_back(run->steps_done());
        controls.snapshot = 1; // answered while paused, from the still net
        QVERIFY(waitFor([&] { return recorder.snapshotStep >= 0; }));
        QCOMPARE(recorder.snapshotStep.load(), held[1]);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        for (size_t i = 0; i < held.size(); ++i)
            QCOMPARE(experiment.runs()[i]->steps_done(), held[i]);
        controls.pause = false;
        QVERIFY(waitFor([&] { return !recorder.paused && least >= held[0] + 3; }));
        controls.stop = true;
        trainer.join();
        for (const auto& run : experiment.runs()) {
            QCOMPARE(int(run->state()), int(Run::State::Stopped));
            QVERIFY(run->steps_done() < 40);
            int64_t saved = -1;
            for (const auto& [key, value] : read_state_dict(RunPaths(run->folder()).trainer))
                if (key == "state.step")
                    saved = value.item<int64_t>();
            QCOMPARE(saved, run->steps_done());
            const auto status = read_folder_status(run->folder());
            QVERIFY(status && status->state == RunState::Stopped && status->step == saved);
        }

        // Resumed side by side, they end where the uninterrupted runs ended.
        Experiment resumed = Experiment::resume(folders);
        Recorder again;
        TrainingControls go;
        const Trained rest = train(resumed, CoreSplit{3, 1, "test"}, again, go);
        for (size_t i = 0; i < folders.size(); ++i) {
            QCOMPARE(int(rest.states[i]), int(Run::State::Finished));
            QCOMPARE(int(read_folder_status(folders[i])->state), int(RunState::Finished));
            const QString records = differs(read_metrics(RunPaths(folders[i]).metrics),
                                            read_metrics(RunPaths(reference[i]).metrics));
            QVERIFY2(records.isEmpty(), qPrintable(records));
            const QString weights = differs(rest.weights[i], whole.weights[i]);
            QVERIFY2(weights.isEmpty(), qPrintable(weights));
        }
    }

    void aDivergingOrFailingRunLeavesTheOthersGoing() {
        QTemporaryDir dir;
        RunConfig diverging = smallRun("plain20", 30, 2);
        diverging.train.schedule.warmup_steps = 5;
        diverging.train.schedule.warmup_lr = 0.01;
        diverging.train.schedule.base_lr = 1e6;
        const std::vector<std::string> folders{
            dir.filePath("ok1").toStdString(), dir.filePath("diverging").toStdString(),
            dir.filePath("failing").toStdString(), dir.filePath("ok2").toStdString()};
        Experiment experiment({smallRun("plain20", 30, 1), diverging, smallRun("resnet20", 30, 3),
                               smallRun("resnet20", 30, 4)},
                              folders);
        Recorder recorder;
        // The failing run's folder disappears under it: its checkpoint at step 10 cannot be
        // written.
        bool removed = false;
        recorder.recordsHook = [&](const std::vector<RunRecord>& batch) {
            for (const auto& r : batch)
                if (!removed && r.run == 2 && r.record.step() >= 3) {
                    std::filesystem::remove_all(folders[2]);
                    removed = true;
                }
        };
        TrainingControls controls;
        const Trained t = train(experiment, CoreSplit{2, 1, "test"}, recorder, controls);
        QVERIFY(removed);
        QCOMPARE(int(t.states[0]), int(Run::State::Finished));
        QCOMPARE(int(t.states[1]), int(Run::State::Diverged));
        QCOMPARE(int(t.states[2]), int(Run::State::Failed));
        QVERIFY2(QString::fromStdString(experiment.runs()[2]->message()).contains("checkpoint"),
                 experiment.runs()[2]->message().c_str());
        QCOMPARE(int(t.states[3]), int(Run::State::Finished));
        QCOMPARE(experiment.runs()[3]->steps_done(), int64_t(30));
        // The runs that went on are what they would have been alone.
        const Trained alone = train({smallRun("resnet20", 30, 4)}, CoreSplit{1, 1, "test"});
        const QString weights = differs(alone.weights[0], t.weights[3]);
        QVERIFY2(weights.isEmpty(), qPrintable(weights));
    }

    void splitFollowsTheNetsAndTheCores() {
        Experiment small({smallRun("plain20", 10, 1), smallRun("plain56", 10, 2),
                          smallRun("resnet20", 10, 3), smallRun("resnet56", 10, 4)},
                         {});
        CoreSplit s = choose_split(small, /*cores=*/2, 0, 0);
        QCOMPARE(s.parallel_runs, 2);
        QCOMPARE(s.threads_per_run, 1);
        s = choose_split(small, 16, 0, 0);
        QCOMPARE(s.parallel_runs, 4);
        QCOMPARE(s.threads_per_run, 4);
        s = choose_split(small, 2, /*parallel_runs=*/1, 0);
        QCOMPARE(s.parallel_runs, 1);
        QCOMPARE(s.threads_per_run, 2);
        s = choose_split(small, 8, 0, /*threads=*/4);
        QCOMPARE(s.parallel_runs, 2);
        QCOMPARE(s.threads_per_run, 4);
        s = choose_split(small, 2, 0, 1000); // no more threads than cores
        QCOMPARE(s.threads_per_run, 2);
        QCOMPARE(s.parallel_runs, 1);
        QCOMPARE(QString::fromStdString(s.describe()),
                 QStringLiteral("one run at a time, 2 threads"));

        Experiment one({smallRun("resnet20", 10, 1)}, {});
        s = choose_split(one, 4, 0, 0);
        QCOMPARE(s.parallel_runs, 1);
        QCOMPARE(s.threads_per_run, 4);

        // resnet50 at batch 512 does 33 G multiply-accumulates a forward pass even on 28 x 28: big.
        RunConfig big = smallRun("resnet50", 10, 1);
        big.net = named_spec("resnet50");
        big.net.in_channels = 1;
        big.net.classes = 10;
        big.train.batch_size = 512;
        Experiment bigs({big, big}, {});
        s = choose_split(bigs, 2, 0, 0);
        QCOMPARE(s.parallel_runs, 1);
        QCOMPARE(s.threads_per_run, 2);
    }
};

QTEST_APPLESS_MAIN(TestScheduler)
#include "test_scheduler.moc"
