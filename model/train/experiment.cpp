#include "experiment.h"

#include <map>
#include <stdexcept>

namespace reslab {
namespace {

/// The key under which runs share data: everything that decides which images they see.
std::string data_key(const TrainConfig& t) {
    return t.dataset + "|" + t.data_dir + "|" + std::to_string(t.downsample) + "|" +
           std::to_string(t.held_out) + "|" + std::to_string(t.synthetic_size) + "|" +
           (t.dataset == "synthetic" ? std::to_string(t.seed) : "");
}

/// The degradation config measured on this class of machine (issue notes, Python torch on 2
/// cores): base width 8, Fashion-MNIST at 14 x 14, batch 128, lr 0.1 with 200 warm-up steps,
/// then cosine to zero.
TrainConfig small_fashion(TrainConfig t, bool steps_given) {
    t.dataset = t.dataset.empty() ? "fashion-mnist" : t.dataset;
    t.downsample = 2;
    t.batch_size = 128;
    t.schedule.kind = Schedule::Kind::Cosine;
    t.schedule.base_lr = 0.1;
    t.schedule.warmup_steps = 200;
    t.schedule.warmup_lr = -1.0;
    if (!steps_given) {
        t.steps = 1500;
        t.epochs = 0.0;
    }
    t.eval_every = 500;
    t.checkpoint_every = 500;
    return t;
}

RunConfig narrow(RunConfig c, int64_t width) {
    c.net.stem_width = width;
    c.net.widths = {width, width * 2, width * 4};
    return c;
}

} // namespace

RunConfig make_run_config(const std::string& arch, const TrainConfig& train, int64_t in_channels) {
    RunConfig c;
    c.name = arch;
    c.net = named_spec(arch);
    c.net.in_channels = in_channels;
    c.net.classes = 10;
    // A CIFAR-style net keeps its natural size; an ImageNet one reads the data's size as given.
    c.train = train;
    return c;
}

std::vector<std::string> preset_names() { return {"degradation", "depth-sweep", "shortcuts", "cifar-paper"}; }

std::vector<RunConfig> preset_runs(const std::string& preset, const TrainConfig& base, bool steps_given) {
    std::vector<RunConfig> runs;
    if (preset == "degradation" || preset == "depth-sweep") {
        const TrainConfig t = small_fashion(base, steps_given);
        const std::vector<int> depths =
            preset == "degradation" ? std::vector<int>{20, 56} : std::vector<int>{20, 32, 44, 56};
        for (const char* kind : {"plain", "resnet"})
            for (int d : depths)
                runs.push_back(narrow(make_run_config(kind + std::to_string(d), t, 1), 8));
    } else if (preset == "shortcuts") {
        const TrainConfig t = small_fashion(base, steps_given);
        for (Shortcut s : {Shortcut::A, Shortcut::B, Shortcut::C}) {
            RunConfig c = narrow(make_run_config("resnet32", t, 1), 8);
            c.net.shortcut = s;
            c.name = "resnet32-" + to_string(s);
            runs.push_back(c);
        }
    } else if (preset == "cifar-paper") {
        // Section 4.2: batch 128, lr 0.1 divided by 10 at 32k and 48k iterations, stop at 64k,
        // weight decay 1e-4, momentum 0.9, 45k/5k split, 4-pixel padding, random crop and flip.
        TrainConfig t = base;
        t.dataset = "cifar10";
        t.batch_size = 128;
        t.schedule.kind = Schedule::Kind::Step;
        t.schedule.base_lr = 0.1;
        t.schedule.milestones = {32000, 48000};
        t.weight_decay = 1e-4;
        t.momentum = 0.9;
        t.held_out = true;
        t.augment_crop = true;
        t.augment_flip = true;
        if (!steps_given) {
            t.steps = 64000;
            t.epochs = 0.0;
        }
        t.eval_every = 2000;
        t.checkpoint_every = 2000;
        for (const char* arch : {"plain20", "plain56", "resnet20", "resnet56"})
            runs.push_back(make_run_config(arch, t, 3));
    } else {
        std::string known;
        for (const auto& n : preset_names())
            known += (known.empty() ? "" : ", ") + n;
        throw std::invalid_argument("unknown preset '" + preset + "'; known: " + known);
    }
    return runs;
}

Experiment::Experiment(std::vector<RunConfig> runs, const std::vector<std::string>& folders) {
    std::map<std::string, RunData> shared;
    for (size_t i = 0; i < runs.size(); ++i) {
        const std::string key = data_key(runs[i].train);
        if (!shared.count(key))
            shared[key] = load_run_data(runs[i].train);
        const std::string folder = i < folders.size() ? folders[i] : std::string();
        m_runs.push_back(std::make_unique<Run>(std::move(runs[i]), shared[key], folder));
    }
}

Experiment Experiment::resume(const std::vector<std::string>& folders) {
    Experiment e;
    std::map<std::string, RunData> shared;
    for (const auto& folder : folders) {
        const RunConfig config = Run::read_config(folder);
        const std::string key = data_key(config.train);
        if (!shared.count(key))
            shared[key] = load_run_data(config.train);
        e.m_runs.push_back(Run::resume(folder, shared[key]));
    }
    return e;
}

void Experiment::set_callback(const Run::Callback& callback) {
    for (auto& run : m_runs)
        run->set_callback(callback);
}

bool Experiment::step() {
    bool any = false;
    for (auto& run : m_runs) {
        if (run->done())
            continue;
        try {
            run->step();
        } catch (const std::exception& e) {
            run->fail(e.what());
        }
        any = any || !run->done();
    }
    return any;
}

void Experiment::run_to_end(const std::atomic<bool>* stop) {
    while (step())
        if (stop && stop->load())
            break;
    for (auto& run : m_runs)
        run->stop(); // no-op for finished runs; the others keep a checkpoint to resume from
}

} // namespace reslab
