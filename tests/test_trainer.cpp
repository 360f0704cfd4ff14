#include <cmath>
#include <csignal>
#include <filesystem>

#include <sys/resource.h>

#include <QTemporaryDir>

#include "io/runfolder.h"
#include "io/weights.h"
#include "testsupport.h"
#include "train/experiment.h"
#include "train/verdict.h"

using namespace reslab;
using reslab::test::smallRun;

namespace {

std::vector<MetricRecord> trainRecords(const std::vector<MetricRecord>& all) {
    std::vector<MetricRecord> out;
    for (const auto& r : all)
        if (r.kind == MetricRecord::Kind::Train)
            out.push_back(r);
    return out;
}

} // namespace

class TestTrainer : public QObject {
    Q_OBJECT
private:
    RunData m_data;

private Q_SLOTS:
    void initTestCase() {
        torch::set_num_threads(2);
        m_data = load_run_data(smallRun("resnet20", 1).train);
        QCOMPARE(m_data.train->channels(), int64_t(1));
    }

    void schedules() {
        Schedule s;
        s.kind = Schedule::Kind::Step;
        s.base_lr = 0.1;
        // The paper: divide by 10 at 50% and 75% of training.
        QCOMPARE(s.lr_at(0, 1000), 0.1);
        QVERIFY(std::abs(s.lr_at(500, 1000) - 0.01) < 1e-12);
        QVERIFY(std::abs(s.lr_at(750, 1000) - 0.001) < 1e-12);
        s.milestones = {32000, 48000};
        QVERIFY(std::abs(s.lr_at(40000, 64000) - 0.01) < 1e-12);
        s.warmup_steps = 400;
        s.warmup_lr = 0.01; // ResNet-110's warm-up
        QCOMPARE(s.lr_at(399, 64000), 0.01);
        QCOMPARE(s.lr_at(400, 64000), 0.1);
        Schedule c;
        c.kind = Schedule::Kind::Cosine;
        c.base_lr = 0.1;
        c.warmup_steps = 200;
        QVERIFY(std::abs(c.lr_at(99, 1500) - 0.05) < 1e-12); // linear warm-up
        QVERIFY(std::abs(c.lr_at(200, 1500) - 0.1) < 1e-12);
        QVERIFY(std::abs(c.lr_at(850, 1500) - 0.05) < 1e-12); // half way down the cosine
        QVERIFY(c.lr_at(1499, 1500) < 1e-6);
    }

    void lossFalls_data() {
        QTest::addColumn<QString>("precision");
        QTest::newRow("float32") << "float32";
        QTest::newRow("bfloat16 autocast") << "bfloat16";
    }

    void lossFalls() {
        QFETCH(QString, precision);
        RunConfig config = smallRun("resnet20", 150);
        // Annealed to zero, so the last weights (and the test error the test checks) are settled
        // ones rather than wherever a constant rate left them: the margins below then hold on any
        // processor's rounding.
        config.train.schedule.kind = Schedule::Kind::Cosine;
        config.train.schedule.base_lr = 0.1;
        config.train.precision = precision.toStdString();
        QCOMPARE(run_config_from_json(to_json(config)).train.precision, config.train.precision);
        Run run(config, m_data, "");
        std::vector<MetricRecord> records;
        run.set_callback([&](const Run&, const MetricRecord& r) { records.push_back(r); });
        while (!run.done())
            run.step();
        QCOMPARE(int(run.state()), int(Run::State::Finished));
        const auto train = trainRecords(records);
        QCOMPARE(train.size(), size_t(30));
        const double first = train.front().train.loss, last = train.back().train.loss;
        qInfo("loss %.3f -> %.3f, training error %.1f%% -> %.1f%%, test error %.1f%%", first, last,
              100 * train.front().train.error, 100 * train.back().train.error,
              100 * run.last_eval().test_error);
        // Ten classes start near ln 10 = 2.30; a net that learns the shapes gets far below it.
        QVERIFY(first > 1.8);
        QVERIFY2(last < 0.8, qPrintable(QString::number(last)));
        QVERIFY(run.last_eval().test_error < 0.5); // chance is 0.9
        // The final training error is the running error of the records in the final window; the
        // records are of equal size here, so it is their mean.
        double sum = 0.0;
        int count = 0;
        for (const auto& r : train)
            if (r.train.step > 150 - final_window(150)) {
                sum += r.train.error;
                ++count;
            }
        QCOMPARE(count, 3); // a window of 15 steps, a record every 5
        QVERIFY(std::abs(run.final_train_error() - sum / count) < 1e-12);
    }

    void sameSeedSameNumbers() {
        auto runOnce = [&](uint64_t seed) {
            Run run(smallRun("plain20", 30, seed), m_data, "");
            std::vector<double> losses;
            run.set_callback([&](const Run&, const MetricRecord& r) {
                if (r.kind == MetricRecord::Kind::Train)
                    losses.push_back(r.train.loss);
            });
            while (!run.done())
                run.step();
            return std::make_pair(losses, run.net()->fc->weight.clone());
        };
        const auto a = runOnce(3), b = runOnce(3), c = runOnce(4);
        QCOMPARE(a.first, b.first); // bit for bit
        QVERIFY(torch::equal(a.second, b.second));
        QVERIFY(a.first != c.first);
    }

    void aFolderThatHoldsARunIsNotOverwritten() {
        QTemporaryDir dir;
        const std::string folder = dir.filePath("run").toStdString();
        {
            Run run(smallRun("resnet20", 10), m_data, folder);
            while (!run.done())
                run.step();
        }
        QVERIFY(read_folder_status(folder));
        QCOMPARE(int(read_folder_status(folder)->state), int(RunState::Finished));
        QCOMPARE(read_folder_status(folder)->step, int64_t(10));
        const std::string metrics = read_text(RunPaths(folder).metrics);
        const std::string trainer = read_text(RunPaths(folder).trainer);
        try {
            Run again(smallRun("resnet20", 10, /*seed=*/2), m_data, folder);
            QFAIL("a second run was allowed into a folder that holds one");
        } catch (const RunFolderError& e) {
            QVERIFY2(QString(e.what()).contains("already holds a run"), e.what());
            QVERIFY2(QString(e.what()).contains("resume"), e.what());
        }
        QCOMPARE(read_text(RunPaths(folder).metrics), metrics);
        QCOMPARE(read_text(RunPaths(folder).trainer), trainer);

        // Without its spec.json it is still a run's folder: nothing of it is overwritten.
        std::filesystem::remove(RunPaths(folder).spec);
        QVERIFY_THROWS_EXCEPTION(RunFolderError, Run(smallRun("resnet20", 10, 2), m_data, folder));
        QCOMPARE(read_text(RunPaths(folder).metrics), metrics);
        QCOMPARE(read_text(RunPaths(folder).trainer), trainer);
    }

    void aFullDiskKeepsThePreviousCheckpoint() {
        // A file size limit stands in for a full disk: writes past it fail (EFBIG) as they would
        // with ENOSPC, and the process is not killed for it.
        QTemporaryDir dir;
        const std::string folder = dir.filePath("run").toStdString();
        Run run(smallRun("resnet20", 40), m_data, folder);
        for (int i = 0; i < 10; ++i)
            run.step(); // the checkpoint of step 10
        QCOMPARE(int(run.state()), int(Run::State::Running));
        const std::string trainer = read_text(RunPaths(folder).trainer);
        const std::string checkpoint = read_text(RunPaths(folder).checkpoint);

        struct rlimit old {};
        QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
        const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit small = old;
        small.rlim_cur = checkpoint.size() / 2; // metrics.jsonl stays far below it
        QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
        for (int i = 0; i < 10 && !run.done(); ++i) {
            try {
                run.step();
            } catch (const std::exception& e) {
                run.fail(e); // what the scheduler does
            }
        }
        QCOMPARE(setrlimit(RLIMIT_FSIZE, &old), 0);
        std::signal(SIGXFSZ, oldHandler);

        QCOMPARE(int(run.state()), int(Run::State::Failed));
        QVERIFY2(QString::fromStdString(run.message())
                     .contains("could not save the checkpoint of step 20"),
                 run.message().c_str());
        QVERIFY2(QString::fromStdString(run.message()).contains("trainer.pth"),
                 run.message().c_str());
        QVERIFY2(QString::fromStdString(run.message()).contains("resume"), run.message().c_str());
        // Both files are as the step-10 checkpoint left them, and no temporary file is left over.
        QCOMPARE(read_text(RunPaths(folder).trainer), trainer);
        QCOMPARE(read_text(RunPaths(folder).checkpoint), checkpoint);
        for (const auto& entry : std::filesystem::directory_iterator(folder))
            QVERIFY2(entry.path().filename().string().find("tmp") == std::string::npos,
                     entry.path().c_str());
        // The run resumes from it once there is room again.
        auto resumed = Run::resume(folder, m_data);
        QCOMPARE(resumed->steps_done(), int64_t(10));
    }

    void stopAndResumeEqualsUninterrupted() {
        QTemporaryDir dir;
        const std::string whole = dir.filePath("whole").toStdString();
        const std::string parts = dir.filePath("parts").toStdString();
        {
            Run run(smallRun("resnet20", 40), m_data, whole);
            while (!run.done())
                run.step();
        }
        {
            Run run(smallRun("resnet20", 40), m_data, parts);
            for (int i = 0; i < 23; ++i)
                run.step();
            // A crash after step 23: the last checkpoint is step 20, and metrics.jsonl holds
            // records past it that the resumed run writes again.
        }
        auto resumed = Run::resume(parts, m_data);
        QCOMPARE(resumed->steps_done(), int64_t(20));
        while (!resumed->done())
            resumed->step();
        const auto a = read_metrics(RunPaths(whole).metrics),
                   b = read_metrics(RunPaths(parts).metrics);
        QCOMPARE(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(int(a[i].kind), int(b[i].kind));
            QCOMPARE(a[i].step(), b[i].step());
            QCOMPARE(a[i].train.loss, b[i].train.loss);
            QCOMPARE(a[i].train.error, b[i].train.error);
            QCOMPARE(a[i].eval.test_loss, b[i].eval.test_loss);
            QCOMPARE(a[i].probe.grad_norms, b[i].probe.grad_norms);
        }
        const auto wa = read_state_dict(RunPaths(whole).checkpoint);
        const auto wb = read_state_dict(RunPaths(parts).checkpoint);
        QCOMPARE(wa.size(), wb.size());
        for (size_t i = 0; i < wa.size(); ++i)
            QVERIFY2(torch::equal(wa[i].second, wb[i].second), wa[i].first.c_str());
    }

    // A trainer.pth whose counters say nonsense is refused, naming the file and the counter, and
    // changes nothing: metrics.jsonl keeps every record (step -1 used to truncate them all).
    void damagedTrainerCountersAreRefused_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<double>("value");
        QTest::addColumn<int>("elements");
        QTest::addColumn<bool>("asDouble"); // stored as a double tensor, not the trainer's own type
        QTest::newRow("step -1") << "state.step" << -1.0 << 1 << false;
        QTest::newRow("step past the run") << "state.step" << 1e15 << 1 << false;
        QTest::newRow("step of two elements") << "state.step" << 20.0 << 2 << false;
        QTest::newRow("more wrong than seen") << "state.wrong" << 1e9 << 1 << false;
        QTest::newRow("NaN loss sum") << "state.loss_sum" << std::nan("") << 1 << false;
        QTest::newRow("step 1.5") << "state.step" << 1.5 << 1 << true;
        QTest::newRow("negative time") << "state.elapsed" << -5.0 << 1 << false;
    }
    void damagedTrainerCountersAreRefused() {
        QFETCH(QString, key);
        QFETCH(double, value);
        QFETCH(int, elements);
        QFETCH(bool, asDouble);
        QTemporaryDir dir;
        const std::string folder = dir.filePath("run").toStdString();
        {
            Run run(smallRun("resnet20", 40), m_data, folder);
            for (int i = 0; i < 20; ++i)
                run.step();
        }
        const RunPaths paths(folder);
        const size_t records = read_metrics(paths.metrics).size();
        StateDict trainer = read_state_dict(paths.trainer);
        bool found = false;
        for (auto& [name, tensor] : trainer)
            if (name == key.toStdString()) {
                tensor = torch::full({elements}, value,
                                     asDouble ? tensor.options().dtype(torch::kDouble)
                                              : tensor.options());
                if (elements == 1)
                    tensor = tensor.reshape({});
                found = true;
            }
        QVERIFY(found);
        write_state_dict(trainer, paths.trainer);
        try {
            Run::resume(folder, m_data);
            QFAIL("a damaged trainer.pth was trusted");
        } catch (const RunFolderError& e) {
            const QString message = e.what();
            QVERIFY2(message.contains("trainer.pth") && message.contains(key.mid(6)), e.what());
        }
        QCOMPARE(read_metrics(paths.metrics).size(), records);
    }

    void divergingRunStopsAndKeepsItsCheckpoint() {
        QTemporaryDir dir;
        const std::string folder = dir.filePath("run").toStdString();
        RunConfig c = smallRun("plain20", 60);
        c.train.schedule.warmup_steps = 10; // ten sane steps and a checkpoint, then a huge rate
        c.train.schedule.warmup_lr = 0.01;
        c.train.schedule.base_lr = 1e6;
        Run run(c, m_data, folder);
        while (!run.done())
            run.step();
        QCOMPARE(int(run.state()), int(Run::State::Diverged));
        QVERIFY2(QString::fromStdString(run.message()).contains("smaller learning rate"),
                 run.message().c_str());
        // The folder says so to a reader that follows it.
        const auto status = read_folder_status(folder);
        QVERIFY(status);
        QCOMPARE(int(status->state), int(RunState::Diverged));
        QCOMPARE(status->step, run.steps_done());
        QCOMPARE(status->message, run.message());
        QVERIFY(run.steps_done() < 60);
        const auto weights = read_state_dict(RunPaths(folder).checkpoint);
        for (const auto& [name, tensor] : weights)
            QVERIFY2(torch::isfinite(tensor.to(torch::kFloat64)).all().item<bool>(), name.c_str());
        const auto records = read_metrics(RunPaths(folder).metrics);
        QVERIFY(std::isnan(records.back().train.loss) || std::isinf(records.back().train.loss));
    }

    void probesCoverEveryLayer_data() {
        QTest::addColumn<QString>("arch");
        QTest::newRow("resnet20") << "resnet20";
        QTest::newRow("plain20") << "plain20";
    }
    void probesCoverEveryLayer() {
        QFETCH(QString, arch);
        Run run(smallRun(arch.toStdString(), 10), m_data, "");
        std::optional<ProbeRecord> probe;
        run.set_callback([&](const Run&, const MetricRecord& r) {
            if (r.kind == MetricRecord::Kind::Probe)
                probe = r.probe;
        });
        while (!run.done())
            run.step();
        QVERIFY(probe);
        // resnet20: 19 convolutions and the classifier; 9 blocks of two 3x3 layers.
        QCOMPARE(probe->layers.size(), size_t(20));
        QCOMPARE(probe->layers.front(), std::string("conv1.weight"));
        QCOMPARE(probe->responses.size(), size_t(18));
        QCOMPARE(probe->blocks.size(), size_t(9));
        for (double v : probe->grad_norms)
            QVERIFY(std::isfinite(v) && v > 0);
        for (double v : probe->response_stds)
            QVERIFY(std::isfinite(v) && v > 0);
    }

    void finalTrainingErrorHasOneDefinition() {
        // 37 steps, a record every 5: the final window (the last 3 steps) starts inside a record
        // and the last record covers 2 steps. The records give the run's own figure.
        RunConfig c = smallRun("resnet20", 37);
        FinalTrainError fromRecords;
        Run run(c, m_data, "");
        run.set_callback([&](const Run& r, const MetricRecord& m) {
            if (m.kind == MetricRecord::Kind::Train)
                fromRecords.add(m.train.step, m.train.error, r.total_steps());
        });
        while (!run.done())
            run.step();
        QVERIFY(std::isfinite(run.final_train_error()));
        QVERIFY2(
            std::abs(fromRecords.value() - run.final_train_error()) < 1e-12,
            qPrintable(
                QStringLiteral("%1 vs %2").arg(fromRecords.value()).arg(run.final_train_error())));
        // And it is not simply the last record's error (they differ here).
        QVERIFY(run.final_train_error() != run.last_train().error);
    }

    void evaluationsScoreASubsetThenTheWholeSplit() {
        RunConfig c = smallRun("resnet20", 40);
        c.train.eval_every = 10;
        c.train.eval_subset = 100;
        std::vector<EvalRecord> evals;
        Run run(c, m_data, "");
        run.set_callback([&](const Run&, const MetricRecord& r) {
            if (r.kind == MetricRecord::Kind::Eval)
                evals.push_back(r.eval);
        });
        while (!run.done())
            run.step();
        QCOMPARE(evals.size(), size_t(4));
        for (size_t i = 0; i + 1 < evals.size(); ++i)
            QCOMPARE(evals[i].images, int64_t(100));
        QCOMPARE(evals.back().images, m_data.test->size()); // the last one: every test image
        // The same images whatever the run's seed: another run given these weights scores the same.
        RunConfig other = c;
        other.train.seed = 9;
        Run second(other, m_data, "");
        load_state_dict(*second.net(), state_dict_of(*run.net()));
        const EvalRecord a = run.evaluate(/*whole=*/false), b = second.evaluate(/*whole=*/false);
        QCOMPARE(b.images, int64_t(100));
        QCOMPARE(a.test_loss, b.test_loss);
        QCOMPARE(a.test_error, b.test_error);
        // And not the whole split: a trained net's loss over 100 images differs from its loss over
        // all.
        QVERIFY(a.test_loss != run.evaluate(/*whole=*/true).test_loss);
        const auto line = parse_json_line(
            to_json_line(MetricRecord{MetricRecord::Kind::Eval, {}, evals.front(), {}}));
        QVERIFY(line);
        QCOMPARE(line->eval.images, int64_t(100));
    }

    void badConfigsAreRefused() {
        RunConfig c = smallRun("resnet20", 10);
        c.train.batch_size = 0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Run(c, m_data, ""));
        c = smallRun("resnet20", 10);
        c.net.in_channels = 3; // the synthetic set here has one channel
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Run(c, m_data, ""));
        c = smallRun("resnet20", 10);
        c.train.device = "cuda:7";
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, Run(c, m_data, ""));
        c = smallRun("resnet20", 10);
        c.train.precision = "float8";
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Run(c, m_data, ""));
        c = smallRun("resnet20", 10);
        c.net.widths = {8, 16, 100000}; // beyond what spec.json may say, so it is never written
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Run(c, m_data, ""));
        const TrainConfig defaults;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, preset_runs("nonsense", defaults, false));
    }

    void presetsFollowTheIssue() {
        const TrainConfig defaults;
        const auto runs = preset_runs("degradation", defaults, false);
        QCOMPARE(runs.size(), size_t(4));
        QCOMPARE(runs[0].name, std::string("plain20"));
        QCOMPARE(runs[3].name, std::string("resnet56"));
        QCOMPARE(runs[0].net.widths, (std::vector<int64_t>{8, 16, 32}));
        QCOMPARE(runs[0].train.downsample, int64_t(2));
        QCOMPARE(runs[0].train.steps, int64_t(600));
        QCOMPARE(runs[0].train.eval_every, int64_t(50));
        QCOMPARE(runs[0].train.eval_subset, int64_t(1000));
        const auto paper = preset_runs("cifar-paper", defaults, false);
        QCOMPARE(paper[0].train.steps, int64_t(64000));
        QCOMPARE(paper[0].train.schedule.milestones, (std::vector<int64_t>{32000, 48000}));
        QVERIFY(paper[0].train.held_out);
    }
};

QTEST_APPLESS_MAIN(TestTrainer)
#include "test_trainer.moc"
