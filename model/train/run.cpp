#include "run.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <new>
#include <sstream>

#include <torch/nn/functional/loss.h>

#include "data/augment.h"
#include "inspect/describe.h"
#include "inspect/probes.h"
#include "io/weights.h"
#include "train/autocast.h"
#include "train/verdict.h"

namespace reslab {
namespace fs = std::filesystem;
namespace F = torch::nn::functional;

namespace {

constexpr int64_t kEvalBatch = 500; // evaluation batch: large enough to be quick, small in memory
constexpr uint64_t kEvalSubsetSeed =
    20151210; // the subset of test images scored between whole evaluations
constexpr int64_t kEagerStepsBeforeGraph = 3; // a CUDA run's warm-up before its step is captured
// A training set up to this size moves to a run's GPU once, so no batch crosses the bus.
constexpr double kDeviceDataBytes = 2.0 * (1ull << 30);

/// The same data on a GPU: images and labels copied there once, when they are small enough.
std::shared_ptr<const Dataset> on_device(const std::shared_ptr<const Dataset>& data,
                                         torch::Device device) {
    if (device.is_cpu() || static_cast<double>(data->images.nbytes()) > kDeviceDataBytes)
        return data;
    auto copy = std::make_shared<Dataset>(*data);
    copy->images = data->images.to(device);
    copy->labels = data->labels.to(device);
    return copy;
}

DataOptions data_options(const TrainConfig& c, Split split) {
    DataOptions o;
    o.name = c.dataset;
    o.data_dir = c.data_dir;
    o.split = split;
    o.held_out = c.held_out;
    o.downsample = c.downsample;
    o.seed = c.seed;
    if (c.dataset == "synthetic")
        o.count =
            split == Split::Train ? c.synthetic_size : std::max<int64_t>(500, c.synthetic_size / 4);
    return o;
}

} // namespace

RunData load_run_data(const TrainConfig& config) {
    RunData data;
    auto train = std::make_shared<Dataset>(load_dataset(data_options(config, Split::Train)));
    DataOptions test_options =
        data_options(config, config.held_out ? Split::Validation : Split::Test);
    // The synthetic test split must not repeat the training images.
    if (config.dataset == "synthetic")
        test_options.seed = config.seed + 1000003;
    auto test = std::make_shared<Dataset>(load_dataset(test_options));
    // Every split is normalised with the training split's statistics.
    test->norm = train->norm;
    data.train = std::move(train);
    data.test = std::move(test);
    return data;
}

Run::Run(RunConfig config, RunData data, std::string folder, bool resuming)
    : m_config(std::move(config)), m_data(std::move(data)), m_folder(std::move(folder)) {
    const TrainConfig& t = m_config.train;
    if (!m_data.train || !m_data.test || m_data.train->size() == 0)
        throw std::invalid_argument("the run '" + m_config.name + "' has no training data");
    if (t.batch_size < 1 || t.batch_size > m_data.train->size())
        throw std::invalid_argument("the batch size must be between 1 and the " +
                                    std::to_string(m_data.train->size()) + " training images");
    if (t.steps <= 0 && t.epochs <= 0.0)
        throw std::invalid_argument("give the run a length: steps or epochs");
    if (t.record_every < 1)
        throw std::invalid_argument("record_every must be at least 1");
    if (m_config.net.in_channels != m_data.train->channels())
        throw std::invalid_argument("the net takes " + std::to_string(m_config.net.in_channels) +
                                    " input channels, the data set has " +
                                    std::to_string(m_data.train->channels()));
    if (m_config.net.classes < static_cast<int64_t>(m_data.train->classes.size()))
        throw std::invalid_argument("the net has " + std::to_string(m_config.net.classes) +
                                    " outputs for " + std::to_string(m_data.train->classes.size()) +
                                    " classes");
    // What spec.json will say must read back: the reader's bounds are the writer's.
    try {
        run_config_from_json(to_json(m_config));
    } catch (const std::runtime_error& e) {
        throw std::invalid_argument(std::string("the run '") + m_config.name +
                                    "' cannot be described: " + e.what());
    }
    if (t.precision != "float32" && t.precision != "bfloat16")
        throw std::invalid_argument("unknown precision '" + t.precision +
                                    "'; use float32 or bfloat16");
    if (const auto group = default_process_group(); group && group->world_size() > 1)
        check_distributed_device(t.device); // before parse_device: NCCL is what is missing
    m_device = parse_device(t.device);
    m_steps_per_epoch = std::max<int64_t>(1, m_data.train->size() / t.batch_size);
    m_total_steps =
        t.steps > 0 ? t.steps : static_cast<int64_t>(std::ceil(t.epochs * m_steps_per_epoch));

    // Refused before anything is allocated: a spec.json that asks for a net of billions of weights.
    const NetGraph shape = describe(m_config.net, m_data.train->height(), m_data.train->width());
    const double bytes =
        3.0 * 4.0 * static_cast<double>(shape.params); // weights, gradients, momenta
    if (bytes > 0.5 * physical_memory_bytes())
        throw std::invalid_argument(
            "the net '" + m_config.name + "' has " + std::to_string(shape.params) +
            " parameters, which with their gradients and momenta take more than "
            "half of this machine's memory");
    m_net = build_seeded(m_config.net, t.seed);
    m_net->to(m_device);
    if (t.channels_last)
        use_channels_last(*m_net);
    m_group = default_process_group();
    if (m_group && m_group->world_size() < 2)
        m_group.reset();
    if (m_group) {
        const int world = m_group->world_size();
        if (t.batch_size % world != 0)
            throw std::invalid_argument("the global batch of " + std::to_string(t.batch_size) +
                                        " images does not split evenly over " +
                                        std::to_string(world) + " processes");
        // Every rank seeds the same weights; rank 0's are made everyone's all the same, as DDP
        // does, so that nothing else (a resumed checkpoint, a thread count) can make them differ.
        broadcast_module(*m_group, *m_net);
        if (m_group->rank() != 0)
            m_folder.clear(); // rank 0 alone writes the run folder
    }
    m_optimizer =
        std::make_unique<FlatSGD>(m_net->parameters(), t.momentum, t.weight_decay, t.nesterov);
    if (m_group)
        m_averager = std::make_unique<GradientAverager>(m_net->parameters());
    if (m_group && m_config.sync_bn)
        m_bn_reducer = std::make_unique<GroupBatchNormReducer>(*m_group);
    m_data.train = on_device(m_data.train, m_device);
    m_data.test = on_device(m_data.test, m_device);
    const auto on = torch::TensorOptions().device(m_device);
    m_pending_loss = torch::zeros({}, on.dtype(torch::kFloat64));
    m_pending_wrong = torch::zeros({}, on.dtype(torch::kInt64));
    m_cuda = std::make_unique<CudaStep>(m_device);
    if (!m_device.is_cpu()) {
        m_lr = torch::zeros({}, on.dtype(m_net->parameters().front().scalar_type()));
        m_try_graph = CudaStep::graphs_supported() && !std::getenv("RESLAB_NO_CUDA_GRAPH");
    }

    if (!m_folder.empty()) {
        const RunPaths paths(m_folder);
        if (!resuming)
            check_new_folder(m_folder);
        std::error_code ec;
        fs::create_directories(m_folder, ec);
        if (ec)
            throw RunFolderError("cannot create the run folder '" + m_folder +
                                 "': " + ec.message());
        if (!fs::exists(paths.spec)) {
            RunConfig written = m_config;
            written.world_size = world_size(); // the job that starts it
            write_text_atomic(paths.spec, to_json(written));
            write_text_atomic(paths.metrics, "");
        }
    }
    m_started = std::chrono::steady_clock::now();
    write_status();
}

void Run::check_new_folder(const std::string& folder) {
    const RunPaths paths(folder);
    // Any file of a run makes the folder a run's, spec.json or not: a new run would overwrite its
    // records and checkpoints.
    std::error_code ec;
    for (const std::string* file :
         {&paths.spec, &paths.metrics, &paths.checkpoint, &paths.trainer, &paths.status})
        if (fs::exists(*file, ec))
            throw RunFolderError("'" + folder + "' already holds a run (" +
                                 fs::path(*file).filename().string() +
                                 "); resume it or train into another folder. Nothing in it "
                                 "was changed");
}

RunConfig Run::read_config(const std::string& folder) {
    return read_run_folder(folder).config;
}

void Run::stop() {
    if (done())
        return;
    if (!read_back_counters()) {
        m_state = State::Diverged;
        m_message = "the loss became NaN or infinite before step " + std::to_string(m_step) +
                    "; the last good checkpoint is kept";
        write_status();
        return;
    }
    try {
        save_checkpoint();
    } catch (const std::exception& e) {
        fail(e);
        return;
    }
    m_state = State::Stopped;
    m_message =
        "stopped at step " + std::to_string(m_step) + " of " + std::to_string(m_total_steps);
    write_status();
}

void Run::fail(const std::exception& error) {
    std::string message = error.what();
    const bool torch = dynamic_cast<const c10::Error*>(&error) != nullptr;
    if (torch)
        message = message.substr(0, message.find('\n')); // the rest is a C++ backtrace
    const bool memory = dynamic_cast<const std::bad_alloc*>(&error) ||
                        (torch && message.find("can't allocate memory") != std::string::npos) ||
                        (torch && message.find("out of memory") != std::string::npos);
    if (memory) {
        const auto bytes = [&] {
            const size_t at = message.find("allocate ");
            const size_t digits = message.find_first_of("0123456789", at);
            return at == std::string::npos || digits == std::string::npos
                       ? 0.0
                       : std::strtod(message.c_str() + digits, nullptr);
        }();
        std::ostringstream why;
        why << "not enough memory at step " << m_step + 1 << " (batch " << m_config.train.batch_size
            << ", on " << m_device.str() << ")";
        if (bytes > 0)
            why << ": " << std::fixed << std::setprecision(0) << bytes / (1024.0 * 1024.0)
                << " MiB more were asked for";
        why << ". Lower the batch size, or train fewer runs side by side";
        message = why.str();
    }
    m_state = State::Failed;
    m_message = std::move(message);
    write_status();
}

void Run::write_status() {
    if (m_folder.empty())
        return;
    FolderStatus s = this_writer();
    s.state = m_state == State::Ready ? State::Running : m_state;
    s.step = m_step;
    s.total_steps = m_total_steps;
    s.message = m_message;
    try {
        write_folder_status(m_folder, s);
    } catch (const RunFolderError&) {
        // Only what readers are told: the records and checkpoints are what counts.
    }
}

double Run::final_train_error() const {
    return m_final_seen > 0 ? static_cast<double>(m_final_wrong) / static_cast<double>(m_final_seen)
                            : std::numeric_limits<double>::quiet_NaN();
}

bool Run::read_back_counters() {
    if (m_pending_seen == 0)
        return true;
    double loss_sum = m_pending_loss.item<double>();
    int64_t wrong = m_pending_wrong.item<int64_t>();
    if (m_group) {
        // The global batch's: every rank reads back at the same steps, so this all-reduce meets
        // its partners, and every rank decides alike whether the loss is finite.
        std::vector<torch::Tensor> sums{
            torch::tensor({loss_sum, static_cast<double>(wrong)}, torch::kFloat64)};
        m_group->all_reduce_sum(sums);
        loss_sum = sums.front()[0].item<double>();
        wrong = static_cast<int64_t>(std::llround(sums.front()[1].item<double>()));
    }
    m_loss_sum += loss_sum;
    m_wrong += wrong;
    m_seen += m_pending_seen;
    m_pending_loss.zero_();
    m_pending_wrong.zero_();
    m_pending_seen = 0;
    return std::isfinite(loss_sum);
}

torch::Tensor Run::batch_indices(int64_t step) {
    const int64_t epoch = step / m_steps_per_epoch;
    if (epoch != m_order_epoch) {
        m_order = epoch_order(m_data.train->size(), m_config.train.seed, epoch);
        m_order_epoch = epoch;
    }
    const int64_t b = m_config.train.batch_size;
    return m_order.narrow(0, (step % m_steps_per_epoch) * b, b);
}

void Run::emit(const MetricRecord& record) {
    // Opened at the first record, after a resume has cut metrics.jsonl back to its checkpoint
    // (truncating replaces the file, so a writer opened before would append to the old one).
    if (!m_metrics && !m_folder.empty())
        m_metrics = std::make_unique<MetricsWriter>(RunPaths(m_folder).metrics);
    if (m_metrics)
        m_metrics->append(record);
    if (m_callback)
        m_callback(*this, record);
}

void Run::record_train() {
    StepRecord r;
    r.step = m_step;
    r.epoch = static_cast<double>(m_step) / m_steps_per_epoch;
    r.loss = m_seen ? m_loss_sum / m_seen : 0.0;
    r.error = m_seen ? static_cast<double>(m_wrong) / m_seen : 0.0;
    r.lr = m_config.train.schedule.lr_at(m_step - 1, m_total_steps);
    r.images_per_s = m_compute_seconds > 0 ? m_seen / m_compute_seconds : 0.0;
    if (m_step > m_total_steps - final_window(m_total_steps)) {
        m_final_wrong += m_wrong;
        m_final_seen += m_seen;
    }
    r.time = m_elapsed_before +
             std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
    m_loss_sum = 0.0;
    m_wrong = 0;
    m_seen = 0;
    m_compute_seconds = 0.0;
    m_last_train = r;
    MetricRecord record;
    record.kind = MetricRecord::Kind::Train;
    record.train = r;
    emit(record);
}

void Run::train_batch(const torch::Tensor& x, const torch::Tensor& y, double lr, NetTrace* trace) {
    const TrainConfig& t = m_config.train;
    torch::Tensor logits, loss;
    // --sync-bn: every BN's statistics over the global batch, in forward and in backward (none:
    // each rank's own, as DDP's default).
    SyncBatchNormScope sync_bn(m_bn_reducer.get());
    {
        Autocast autocast(m_device, t.precision == "bfloat16");
        logits = trace ? m_net->forward_traced(x, *trace) : m_net->forward(x);
        loss = F::cross_entropy(logits, y);
    }
    m_optimizer->zero_grad();
    if (m_averager)
        m_averager->prepare(*m_group); // buckets start as backward accumulates their gradients
    loss.backward();
    if (m_averager)
        m_averager->average(*m_group); // every rank then takes the same step
    if (trace)
        m_probe = take_probe(*m_net, *trace, m_step + 1);
    // On a GPU the rate is a device scalar, so the same kernels serve eager steps and a graph.
    if (m_lr.defined())
        m_optimizer->step(m_lr);
    else
        m_optimizer->step(lr);
    // Summed in place on the device, so nothing waits for the GPU until the numbers are needed.
    torch::NoGradGuard no_grad;
    m_pending_loss.add_(loss.detach().to(torch::kFloat64) * static_cast<double>(y.size(0)));
    m_pending_wrong.add_(logits.argmax(1).ne(y).sum());
}

void Run::step() {
    if (done())
        return;
    m_state = State::Running;
    const TrainConfig& t = m_config.train;
    const auto t0 = std::chrono::steady_clock::now();
    const double lr = t.schedule.lr_at(m_step, m_total_steps);
    // The first step is probed too: a freshly initialised net is where plain and residual nets
    // differ most (plain-56's first conv gets 300-1000x the last layer's gradient norm at step 1).
    const bool probe = t.probe_every > 0 && (m_step == 0 || (m_step + 1) % t.probe_every == 0);
    m_probe.reset();
    if (t.snapshots > 0 && m_step == 0)
        save_snapshot(); // where the trajectory starts

    m_cuda->on_stream([&] {
        // The global batch is the one a run alone would take. In a job of W ranks, rank r
        // trains on its images r, r + W, r + 2W, ...: DistributedSampler's rule over the
        // epoch's order, batched at batch/W per rank, takes exactly these, and the job's
        // global batches stay those of a run alone at --batch, whatever W is.
        const torch::Tensor global = batch_indices(m_step);
        const torch::Tensor indices =
            m_group ? shard_of(global, m_group->world_size(), m_group->rank()) : global;
        Augment augment;
        augment.crop = t.augment_crop;
        augment.flip = t.augment_flip;
        const uint64_t augment_seed = t.seed * 1000003u + m_step;
        torch::Tensor x;
        if (m_group && (augment.crop || augment.flip)) {
            // The crops and flips of the whole global batch, then this rank's rows: the same
            // images as a run alone sees (at W times the augmentation's cost, which is small).
            using namespace torch::indexing;
            x = make_batch(*m_data.train, global, augment, augment_seed)
                    .index({Slice(m_group->rank(), None, m_group->world_size())});
        } else {
            x = make_batch(*m_data.train, indices, augment, augment_seed);
        }
        torch::Tensor y =
            m_data.train->labels.index_select(0, indices.to(m_data.train->labels.device()));
        if (t.channels_last)
            x = channels_last(x);
        if (m_lr.defined())
            m_lr.fill_(lr);
        m_net->train();
        if (!probe && m_cuda->captured()) {
            m_graph_x.copy_(x);
            m_graph_y.copy_(y);
            m_cuda->replay();
            return;
        }
        // A CUDA run captures its step once the eager steps before it have warmed everything up
        // (cuDNN's choices, the momentum buffer), and replays it from then on.
        if (!probe && m_try_graph && m_step >= kEagerStepsBeforeGraph) {
            m_try_graph = false;
            m_graph_x = x.clone();
            m_graph_y = y.clone();
            try {
                m_cuda->capture([this] { train_batch(m_graph_x, m_graph_y, 0.0, nullptr); });
                m_cuda->replay();
                m_note = "training step replayed as a CUDA graph from step " +
                         std::to_string(m_step + 1);
                return;
            } catch (const std::exception& e) {
                m_note = std::string(e.what()) + "; training goes on eagerly";
            }
        }
        NetTrace trace;
        train_batch(x, y, lr, probe ? &trace : nullptr);
    });
    m_pending_seen += t.batch_size;
    ++m_step;
    const bool last = m_step >= m_total_steps;
    const bool record = m_step % t.record_every == 0 || last;
    const bool eval = (t.eval_every > 0 && m_step % t.eval_every == 0) || last;
    const bool checkpoint = (t.checkpoint_every > 0 && m_step % t.checkpoint_every == 0) || last;
    // A read-back on CPU costs nothing, so a CPU run checks its loss every step; a GPU run only
    // when something needs the numbers.
    const bool read_back = m_device.is_cpu() || record || eval || checkpoint || m_probe;
    const bool finite = !read_back || read_back_counters();
    // After the read-back, which waits for a GPU's queued work: the time is the step's.
    m_compute_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!finite) {
        record_train();
        m_state = State::Diverged;
        m_message = "the loss became " +
                    std::string(std::isnan(m_last_train.loss) ? "NaN" : "infinite") +
                    (m_device.is_cpu() ? " at step " : " by step ") + std::to_string(m_step) +
                    " (learning rate " + std::to_string(lr) +
                    "); the run stopped and its last good checkpoint is kept. Try a smaller "
                    "learning rate or a longer warm-up.";
        write_status();
        return;
    }
    if (record)
        record_train();
    if (m_probe) {
        m_probe->time = m_last_train.time;
        MetricRecord r;
        r.kind = MetricRecord::Kind::Probe;
        r.probe = std::move(*m_probe);
        m_probe.reset();
        emit(r);
    }
    if (eval && rank() == 0) {
        MetricRecord r;
        r.kind = MetricRecord::Kind::Eval;
        m_cuda->on_stream([&] { r.eval = evaluate(/*whole=*/last); });
        m_last_eval = r.eval;
        emit(r);
    }
    if (last) {
        m_state = State::Finished;
        m_message = "finished " + std::to_string(m_step) + " steps";
    }
    if (checkpoint)
        save_checkpoint(); // and status.json with it: the last one says finished
    // K snapshots at evenly spaced steps, the last at the last step.
    if (t.snapshots > 0 &&
        (m_step * t.snapshots) / m_total_steps > ((m_step - 1) * t.snapshots) / m_total_steps)
        save_snapshot();
}

EvalRecord Run::evaluate(bool whole) {
    torch::NoGradGuard no_grad;
    m_net->eval();
    const Dataset& test = *m_data.test;
    const int64_t subset = m_config.train.eval_subset;
    torch::Tensor indices = torch::arange(test.size(), torch::kInt64);
    if (!whole && subset > 0 && subset < test.size()) {
        // The same images at every evaluation and in every run, whatever its seed, so the points
        // of one curve, and the curves of twins, compare.
        if (!m_eval_subset.defined())
            m_eval_subset = std::get<0>(
                epoch_order(test.size(), kEvalSubsetSeed, 0).narrow(0, 0, subset).sort());
        indices = m_eval_subset;
    }
    const int64_t count = indices.size(0);
    double loss_sum = 0.0;
    int64_t wrong = 0;
    for (int64_t start = 0; start < count; start += kEvalBatch) {
        const torch::Tensor batch = indices.narrow(0, start, std::min(kEvalBatch, count - start));
        torch::Tensor x = make_batch(test, batch).to(m_device);
        if (m_config.train.channels_last)
            x = channels_last(x);
        const torch::Tensor y =
            test.labels.index_select(0, batch.to(test.labels.device())).to(m_device);
        const torch::Tensor logits = m_net->forward(x);
        loss_sum += F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().reduction(torch::kSum))
                        .item<double>();
        wrong += logits.argmax(1).ne(y).sum().item<int64_t>();
    }
    m_net->train();
    EvalRecord r;
    r.step = m_step;
    r.epoch = static_cast<double>(m_step) / m_steps_per_epoch;
    r.test_loss = count ? loss_sum / count : 0.0;
    r.test_error = count ? static_cast<double>(wrong) / count : 0.0;
    r.images = count;
    r.time = m_elapsed_before +
             std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
    return r;
}

} // namespace reslab
