#include "trainingworker.h"

#include "data/dataset.h"
#include "train/devices.h"
#include "weightssnapshot.h"

namespace {

constexpr auto kFlushInterval = std::chrono::milliseconds(50); // at most ~20 batches a second

/// Turns what the scheduler reports into the worker's signals, on the worker's thread.
class SignalObserver : public reslab::TrainingObserver {
public:
    explicit SignalObserver(TrainingWorker& worker) : m_worker(worker) {}

    void on_records(const std::vector<reslab::RunRecord>& records) override {
        Q_EMIT m_worker.recordsReady(RunRecords(records.begin(), records.end()));
    }

    void on_progress(const std::vector<reslab::RunStatus>& runs, double seconds) override {
        if (m_states.empty())
            for (const auto& run : runs)
                m_states.push_back(run.state == reslab::Run::State::Ready
                                       ? reslab::Run::State::Running
                                       : run.state);
        qint64 done = 0, total = 0;
        double images = 0.0; // trained by every run together since this session started
        for (size_t i = 0; i < runs.size(); ++i) {
            done += runs[i].steps_done;
            total += runs[i].total_steps;
            images += static_cast<double>((runs[i].steps_done - runs[i].steps_at_start) *
                                          runs[i].batch_size);
            const reslab::Run::State state = runs[i].state == reslab::Run::State::Ready
                                                 ? reslab::Run::State::Running
                                                 : runs[i].state;
            if (state != m_states[i]) {
                m_states[i] = state;
                Q_EMIT m_worker.runStateChanged(static_cast<int>(i), state,
                                                QString::fromStdString(runs[i].message));
            }
        }
        Q_EMIT m_worker.progress(done, total, seconds > 0 ? images / seconds : 0.0, seconds);
    }

    void on_paused(bool paused) override { Q_EMIT m_worker.pausedChanged(paused); }

    void on_snapshot(int run, const reslab::ResNetImpl& net, int64_t step) override {
        auto snapshot = std::make_shared<WeightsSnapshot>();
        snapshot->step = step;
        for (const auto& [name, tensor] : reslab::state_dict_of(net))
            snapshot->state.emplace_back(
                name, tensor.detach().to(torch::kCPU).clone(at::MemoryFormat::Contiguous));
        Q_EMIT m_worker.snapshotReady(run, snapshot);
    }

private:
    TrainingWorker& m_worker;
    std::vector<reslab::Run::State> m_states;
};

} // namespace

TrainingWorker::TrainingWorker(std::vector<reslab::RunConfig> runs,
                               std::vector<std::string> folders,
                               bool resume)
    : m_configs(std::move(runs)), m_folders(std::move(folders)), m_resume(resume) {}

TrainingWorker::~TrainingWorker() = default;

void TrainingWorker::run() {
    std::unique_ptr<reslab::Experiment> experiment;
    reslab::CoreSplit split;
    try {
        experiment = std::make_unique<reslab::Experiment>(
            m_resume ? reslab::Experiment::resume(m_folders)
                     : reslab::Experiment(m_configs, m_folders));
        const reslab::TrainConfig& first = experiment->runs().front()->config().train;
        split = reslab::choose_split(*experiment, reslab::core_count(), first.parallel_runs,
                                     first.threads);
    } catch (const reslab::DataFolderNotGiven& e) {
        Q_EMIT failed(tr("%1: choose it under Data folder.").arg(QString::fromStdString(e.what())));
        Q_EMIT finished();
        return;
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
        Q_EMIT finished();
        return;
    }
    QVector<RegisteredRun> infos;
    for (const auto& run : experiment->runs()) {
        RegisteredRun info;
        info.config = run->config();
        info.folder = QString::fromStdString(run->folder());
        info.total = run->total_steps();
        info.step = run->steps_done();
        infos.push_back(info);
    }
    const std::string device = experiment->runs().front()->config().train.device;
    const QString where = device == "cpu" ? tr("CPU") : QString::fromStdString(device).toUpper();
    Q_EMIT experimentReady(infos,
                           tr("%1: %2").arg(where, QString::fromStdString(split.describe())));

    SignalObserver observer(*this);
    reslab::Scheduler(*experiment, split).run(m_controls, observer, kFlushInterval);
    Q_EMIT finished();
}
