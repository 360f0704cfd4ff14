// A run's folder on disk: resuming one, and the format of its checkpoints (trainer.pth, with
// everything a resume needs, and checkpoint.pth, the weights as torchvision reads them).
#include "run.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>

#include "io/atomicfile.h"
#include "io/runfolder.h"
#include "io/weights.h"

namespace reslab {
namespace fs = std::filesystem;

namespace {

constexpr double kUnbounded = std::numeric_limits<double>::max();

/// A counter of trainer.pth: one finite number in [low, high]; throws RunFolderError naming the
/// file and the counter otherwise.
double counter_value(const std::map<std::string, torch::Tensor>& counters,
                     const std::string& path,
                     const std::string& name,
                     double low,
                     double high) {
    const torch::Tensor& t = counters.at(name);
    const bool number =
        t.numel() == 1 && (t.is_floating_point() || c10::isIntegralType(t.scalar_type(), false));
    if (!number)
        throw RunFolderError("'" + path + "' is damaged: the trainer's " + name +
                             " is not one number");
    const double v = t.to(torch::kCPU, torch::kDouble).item<double>();
    if (!std::isfinite(v) || v < low || v > high) {
        std::ostringstream s;
        s << "'" << path << "' is damaged: the trainer's " << name << " is " << v << ", outside "
          << low << " to ";
        if (high == kUnbounded)
            s << "any";
        else
            s << high;
        s << "; train the run again, or put back a good copy of the file";
        throw RunFolderError(s.str());
    }
    return v;
}

} // namespace

std::unique_ptr<Run> Run::resume(const std::string& folder, RunData data) {
    const RunPaths paths(folder);
    // In a data-parallel job every rank reads the folder (on this machine, or a file system they
    // share) and rank 0 alone changes it.
    const std::shared_ptr<ProcessGroup> group = default_process_group();
    const bool writer = !group || group->rank() == 0;
    // A process killed while it wrote a file leaves the temporary file of the write behind.
    std::error_code ec;
    if (writer)
        for (const auto& entry : fs::directory_iterator(folder, ec)) {
            if (is_interrupted_write(entry.path().filename().string()) && entry.is_regular_file(ec))
                fs::remove(entry.path(), ec);
        }
    std::unique_ptr<Run> run(
        new Run(read_config(folder), std::move(data), folder, /*resuming=*/true));
    if (fs::exists(paths.trainer)) {
        run->load_trainer_state(folder);
        // Rank 0's checkpoint is everyone's, as a new job's weights are rank 0's.
        if (run->m_group)
            broadcast_module(*run->m_group, *run->m_net);
    } else if (writer) {
        // Stopped before its first checkpoint (a compare killed early leaves such runs beside
        // others that have one): it starts again from step 0, as its seed makes it, and the
        // records it wrote before are written again.
        truncate_metrics(paths.metrics, 0);
    }
    run->write_status();
    return run;
}

void Run::load_trainer_state(const std::string& folder) {
    const RunPaths paths(folder);
    const StateDict state = read_state_dict(paths.trainer);
    StateDict model;
    std::map<std::string, torch::Tensor> momentum, counters;
    for (const auto& [key, value] : state) {
        if (key.rfind("model.", 0) == 0)
            model.emplace_back(key.substr(6), value);
        else if (key.rfind("momentum.", 0) == 0)
            momentum[key.substr(9)] = value;
        else if (key.rfind("state.", 0) == 0)
            counters[key.substr(6)] = value;
    }
    for (const char* needed : {"step", "loss_sum", "wrong", "seen", "elapsed"})
        if (!counters.count(needed))
            throw RunFolderError("'" + paths.trainer + "' lacks the trainer's " + needed);
    // The counters decide which records are kept and whether the run is done: a damaged one is
    // refused before anything is changed, rather than trusted.
    auto whole = [&](const char* name, double low, double high) {
        const double v = counter_value(counters, paths.trainer, name, low, high);
        if (v != std::floor(v))
            throw RunFolderError("'" + paths.trainer + "' is damaged: the trainer's " + name +
                                 " is " + std::to_string(v) +
                                 ", not a whole number; train the run again, or put back a good "
                                 "copy of the file");
        return static_cast<int64_t>(v);
    };
    const int64_t most_seen = m_total_steps * m_config.train.batch_size;
    const int64_t step = whole("step", 0, static_cast<double>(m_total_steps));
    const int64_t seen = whole("seen", 0, static_cast<double>(most_seen));
    const int64_t wrong = whole("wrong", 0, static_cast<double>(seen));
    const double loss_sum = counter_value(counters, paths.trainer, "loss_sum", 0, kUnbounded);
    const double elapsed = counter_value(counters, paths.trainer, "elapsed", 0, kUnbounded);
    int64_t final_seen = 0, final_wrong = 0;
    if (counters.count("final_wrong") && counters.count("final_seen")) {
        final_seen = whole("final_seen", 0, static_cast<double>(most_seen));
        final_wrong = whole("final_wrong", 0, static_cast<double>(final_seen));
    }
    // Copied into the parameters, which keep their layout and stay views of the optimiser's buffer.
    load_state_dict(*m_net, model, paths.trainer);
    std::vector<torch::Tensor> buffers;
    if (!momentum.empty()) {
        for (const auto& item : m_net->named_parameters()) {
            const auto it = momentum.find(item.key());
            if (it == momentum.end())
                throw RunFolderError("'" + paths.trainer + "' lacks the momentum of " + item.key());
            buffers.push_back(it->second);
        }
    }
    try {
        m_optimizer->set_momentum(buffers);
    } catch (const std::invalid_argument& e) {
        throw RunFolderError("'" + paths.trainer + "' does not fit the run: " + e.what());
    }
    m_step = step;
    m_loss_sum = loss_sum;
    m_wrong = wrong;
    m_seen = seen;
    m_elapsed_before = elapsed;
    m_final_wrong = final_wrong;
    m_final_seen = final_seen;
    if (!m_folder.empty()) // rank 0's, in a data-parallel job
        truncate_metrics(paths.metrics, m_step);
    if (m_step >= m_total_steps)
        m_state = State::Finished;
}

void Run::save_snapshot() {
    if (m_folder.empty())
        return;
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(m_folder) / "snapshots";
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw RunFolderError("cannot create '" + dir.string() + "': " + ec.message());
    char name[32];
    std::snprintf(name, sizeof name, "step-%08lld.pth", static_cast<long long>(m_step));
    StateDict weights;
    for (const auto& [key, value] : state_dict_of(*m_net))
        weights.emplace_back(key, value.contiguous());
    write_state_dict(weights, (dir / name).string());
}

void Run::save_checkpoint() {
    if (m_folder.empty())
        return;
    const RunPaths paths(m_folder);
    const StateDict model = state_dict_of(*m_net);
    // One self-consistent file holds everything a resume needs, so a kill between two writes can
    // never pair weights with the wrong optimiser state; checkpoint.pth is the torchvision-ready
    // copy.
    StateDict trainer;
    for (const auto& [key, value] : model)
        trainer.emplace_back("model." + key, value.contiguous());
    const auto parameters = m_net->named_parameters();
    for (size_t i = 0; i < parameters.size(); ++i) {
        const torch::Tensor buffer = m_optimizer->momentum(i);
        if (buffer.defined())
            trainer.emplace_back("momentum." + parameters[i].key(), buffer.contiguous());
    }
    const double elapsed =
        m_elapsed_before +
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
    trainer.emplace_back("state.step", torch::tensor(m_step, torch::kInt64));
    trainer.emplace_back("state.loss_sum", torch::tensor(m_loss_sum, torch::kFloat64));
    trainer.emplace_back("state.wrong", torch::tensor(m_wrong, torch::kInt64));
    trainer.emplace_back("state.seen", torch::tensor(m_seen, torch::kInt64));
    trainer.emplace_back("state.elapsed", torch::tensor(elapsed, torch::kFloat64));
    trainer.emplace_back("state.final_wrong", torch::tensor(m_final_wrong, torch::kInt64));
    trainer.emplace_back("state.final_seen", torch::tensor(m_final_seen, torch::kInt64));
    StateDict contiguous;
    for (const auto& [key, value] : model)
        contiguous.emplace_back(key, value.contiguous());
    try {
        write_state_dict(trainer, paths.trainer);
        write_state_dict(contiguous, paths.checkpoint);
        write_status();
    } catch (const WeightsError& e) {
        // Each file is replaced only once it is written whole, so the last good one is still there.
        throw RunFolderError(
            "could not save the checkpoint of step " + std::to_string(m_step) + ": " + e.what() +
            ". The last checkpoint saved before it is intact: fix the cause (a full disk?) "
            "and resume the run");
    }
}

} // namespace reslab
