#include "trainingworker.h"

#include <chrono>
#include <thread>

#include "train/experiment.h"
#include "weightssnapshot.h"

namespace {

constexpr auto kFlushInterval = std::chrono::milliseconds(50); // at most ~20 batches a second
constexpr auto kPausePoll = std::chrono::milliseconds(20);

QString stateName(reslab::Run::State state) { return QString::fromStdString(reslab::to_string(state)); }

} // namespace

TrainingWorker::TrainingWorker(std::vector<reslab::RunConfig> runs, std::vector<std::string> folders, bool resume)
    : m_configs(std::move(runs)), m_folders(std::move(folders)), m_resume(resume) {}

TrainingWorker::~TrainingWorker() = default;

void TrainingWorker::run() {
    std::unique_ptr<reslab::Experiment> experiment;
    try {
        // Intra-op threads are per calling thread under OpenMP: set them here, on the worker.
        int threads = m_configs.empty() ? 0 : m_configs.front().train.threads;
        if (m_resume && !m_folders.empty())
            threads = reslab::Run::read_config(m_folders.front()).train.threads;
        reslab::set_intra_op_threads(threads);
        experiment = std::make_unique<reslab::Experiment>(
            m_resume ? reslab::Experiment::resume(m_folders) : reslab::Experiment(m_configs, m_folders));
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
        Q_EMIT finished();
        return;
    }
    auto& runs = experiment->runs();
    QVector<RunInfo> infos;
    qint64 total = 0;
    for (const auto& run : runs) {
        RunInfo info;
        info.name = QString::fromStdString(run->name());
        info.folder = QString::fromStdString(run->folder());
        info.residual = run->config().net.residual;
        info.depth = static_cast<int>(run->config().net.depth());
        info.totalSteps = run->total_steps();
        info.stepsDone = run->steps_done();
        total += run->total_steps();
        infos.push_back(info);
    }
    Q_EMIT experimentReady(infos);

    RunRecords pending;
    for (size_t i = 0; i < runs.size(); ++i)
        runs[i]->set_callback([&pending, i](const reslab::Run&, const reslab::MetricRecord& record) {
            pending.push_back(RunRecord{static_cast<int>(i), record});
        });
    std::vector<reslab::Run::State> states;
    for (const auto& run : runs)
        states.push_back(run->state());

    std::vector<int64_t> stepsAtStart;
    for (const auto& run : runs)
        stepsAtStart.push_back(run->steps_done());
    const auto started = std::chrono::steady_clock::now();
    auto lastFlush = started;
    // Time spent paused counts neither in images/s nor in the ETA.
    std::chrono::steady_clock::duration pausedFor{};
    std::chrono::steady_clock::time_point pausedSince;
    bool paused = false;
    auto flush = [&] {
        qint64 done = 0;
        double images = 0.0; // trained by every run together since this session started
        for (size_t i = 0; i < runs.size(); ++i) {
            done += runs[i]->steps_done();
            images += static_cast<double>((runs[i]->steps_done() - stepsAtStart[i]) *
                                          runs[i]->config().train.batch_size);
        }
        const auto now = std::chrono::steady_clock::now();
        auto busy = now - started - pausedFor;
        if (paused)
            busy -= now - pausedSince;
        const double seconds = std::chrono::duration<double>(busy).count();
        const double imagesPerSecond = seconds > 0 ? images / seconds : 0.0;
        if (!pending.isEmpty()) {
            Q_EMIT recordsReady(pending);
            pending.clear();
        }
        for (size_t i = 0; i < runs.size(); ++i)
            if (runs[i]->state() != states[i]) {
                states[i] = runs[i]->state();
                Q_EMIT runStateChanged(static_cast<int>(i), stateName(states[i]),
                                       QString::fromStdString(runs[i]->message()));
            }
        Q_EMIT progress(done, total, imagesPerSecond, seconds);
        lastFlush = std::chrono::steady_clock::now();
    };

    // Between two steps the nets are still: a copy of one is a consistent snapshot.
    auto answerSnapshot = [&] {
        const int wanted = m_snapshot.exchange(-1);
        if (wanted < 0 || wanted >= static_cast<int>(runs.size()))
            return;
        auto snapshot = std::make_shared<WeightsSnapshot>();
        snapshot->step = runs[static_cast<size_t>(wanted)]->steps_done();
        for (const auto& [name, tensor] : reslab::state_dict_of(*runs[static_cast<size_t>(wanted)]->net()))
            snapshot->state.emplace_back(name, tensor.detach().to(torch::kCPU).clone(at::MemoryFormat::Contiguous));
        Q_EMIT snapshotReady(wanted, snapshot);
    };
    bool more = true;
    while (more && !m_stop) {
        answerSnapshot();
        if (m_paused) {
            if (!paused) {
                flush();
                paused = true;
                pausedSince = std::chrono::steady_clock::now();
                Q_EMIT pausedChanged(true);
            }
            std::this_thread::sleep_for(kPausePoll);
            continue;
        }
        if (paused) {
            paused = false;
            pausedFor += std::chrono::steady_clock::now() - pausedSince;
            Q_EMIT pausedChanged(false);
        }
        more = experiment->step();
        if (std::chrono::steady_clock::now() - lastFlush >= kFlushInterval)
            flush();
    }
    if (paused)
        Q_EMIT pausedChanged(false);
    // Unfinished runs write a checkpoint they can be resumed from.
    for (auto& run : runs)
        run->stop();
    flush();
    Q_EMIT finished();
}
