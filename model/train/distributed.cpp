#include "distributed.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <sstream>

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef RESLAB_WITH_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace reslab {

namespace {

std::optional<std::string> env(const char* name) {
    const char* value = std::getenv(name);
    if (!value || !*value)
        return std::nullopt;
    return std::string(value);
}

int env_int(const char* name, int low, int high, std::optional<int> fallback) {
    const std::optional<std::string> text = env(name);
    if (!text) {
        if (fallback)
            return *fallback;
        throw DistributedError(std::string("a distributed job needs ") + name +
                               " in the environment, as torchrun sets it");
    }
    char* end = nullptr;
    const long value = std::strtol(text->c_str(), &end, 10);
    if (end == text->c_str() || *end != '\0' || value < low || value > high)
        throw DistributedError(std::string(name) + "='" + *text + "' is not a number from " +
                               std::to_string(low) + " to " + std::to_string(high));
    return static_cast<int>(value);
}

/// What a c10d or Gloo exception says, without LibTorch's C++ backtrace.
[[maybe_unused]] std::string first_line(const std::exception& e) {
    const std::string what = e.what();
    return what.substr(0, what.find('\n'));
}

#ifdef RESLAB_WITH_GLOO
/// The store's key where a rank says how many collectives it has entered.
std::string progress_key(int rank) {
    return "reslab/collectives/" + std::to_string(rank);
}
#endif

std::mutex g_default_mutex;
std::shared_ptr<ProcessGroup> g_default;

} // namespace

int free_local_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        throw DistributedError("cannot open a socket to find a free port");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(fd);
    if (!ok)
        throw DistributedError("cannot find a free port on 127.0.0.1");
    return ntohs(address.sin_port);
}

void check_distributed_device(const std::string& device) {
    if (device == "cpu")
        return;
    const bool cuda = torch::cuda::is_available();
    throw DistributedError(
        "data-parallel training on '" + device + "' needs NCCL, the GPUs' collectives, and " +
        (cuda ? std::string("ResLab's process group drives Gloo over CPU tensors only")
              : std::string("this LibTorch ") + TORCH_VERSION +
                    " has neither CUDA nor NCCL (a CPU-only build, as Debian's)") +
        ". Train data-parallel with --device cpu (Gloo), or on one GPU without --nproc" +
        (cuda ? "" : " against a CUDA LibTorch (cmake -DCMAKE_PREFIX_PATH=<libtorch>)"));
}

std::optional<DistributedEnv> distributed_env_from_environment() {
    if (!env("WORLD_SIZE"))
        return std::nullopt;
    DistributedEnv e;
    e.world_size = env_int("WORLD_SIZE", 1, 1 << 20, std::nullopt);
    if (e.world_size == 1)
        return std::nullopt;
    e.rank = env_int("RANK", 0, e.world_size - 1, std::nullopt);
    e.local_rank = env_int("LOCAL_RANK", 0, e.world_size - 1, e.rank);
    e.master_addr = env("MASTER_ADDR").value_or("");
    if (e.master_addr.empty())
        throw DistributedError("a distributed job needs MASTER_ADDR in the environment (rank 0's "
                               "address), as torchrun sets it");
    e.master_port = env_int("MASTER_PORT", 1, 65535, std::nullopt);
    return e;
}

std::string laggard_words(int rank, int world, int64_t number, int64_t entered, int64_t finished) {
    std::string what;
    if (entered < number)
        what = " did not join it (it is at collective " + std::to_string(entered);
    else if (finished < number)
        what = " did not finish it (it entered collective " + std::to_string(entered) +
               " and finished " + std::to_string(finished);
    if (what.empty())
        return what;
    return "rank " + std::to_string(rank) + " of " + std::to_string(world) + what +
           ", this rank at " + std::to_string(number) + "): it hung or died";
}

#ifdef RESLAB_WITH_GLOO
struct ProcessGroup::Impl {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
    int64_t collectives = 0; // entered so far
    int64_t finished = 0;    // of those, finished

    // Each rank keeps "entered finished" in the store, written as it enters a collective and as
    // it leaves it, so that a rank whose collective times out can name the rank that never
    // joined it or never finished it (the store is served by rank 0's process and answers while
    // a stopped rank does not). A rank stopped just after it entered has entered; only the
    // second count tells it from one that finished.
    void publish(int rank) const {
        try {
            const std::string counts = std::to_string(collectives) + " " + std::to_string(finished);
            store->set(progress_key(rank), std::vector<uint8_t>(counts.begin(), counts.end()));
        } catch (const std::exception&) {
            // The store is gone with rank 0; the collective itself will say so.
        }
    }

    /// Enters the next collective; returns its number, which finish() takes.
    int64_t announce(int rank) {
        ++collectives;
        publish(rank);
        return collectives;
    }

    std::string laggards(int64_t number, int rank, int world) const {
        std::string out;
        for (int r = 0; r < world; ++r) {
            if (r == rank)
                continue;
            try {
                int64_t entered = 0, left = 0;
                if (store->check({progress_key(r)})) {
                    const auto bytes = store->get(progress_key(r));
                    std::istringstream counts(std::string(bytes.begin(), bytes.end()));
                    counts >> entered >> left;
                }
                const std::string what = laggard_words(r, world, number, entered, left);
                if (!what.empty())
                    out += (out.empty() ? "" : "; ") + what;
            } catch (const std::exception&) {
                return out; // the store is unreachable too: rank 0 is gone
            }
        }
        return out;
    }

    void finish(const c10::intrusive_ptr<c10d::Work>& work,
                int64_t number,
                const char* what,
                int rank,
                int world) {
        try {
            work->wait();
            finished = std::max(finished, number);
            publish(rank);
        } catch (const std::exception& e) {
            const std::string who = laggards(number, rank, world);
            throw DistributedError(
                std::string(what) + " failed on rank " + std::to_string(rank) +
                (who.empty() ? " (another rank died or stopped answering)" : " (" + who + ")") +
                ": " + first_line(e));
        }
    }
};

ProcessGroup::ProcessGroup(const DistributedEnv& env_in, std::chrono::milliseconds timeout)
    : m_env(env_in), m_timeout(timeout), m_impl(std::make_unique<Impl>()) {
    const std::string where = m_env.master_addr + ":" + std::to_string(m_env.master_port);
    try {
        c10d::TCPStoreOptions options;
        options.port = static_cast<std::uint16_t>(m_env.master_port);
        options.isServer = m_env.rank == 0;
        options.numWorkers = static_cast<std::size_t>(m_env.world_size);
        options.waitWorkers = true;
        options.timeout = timeout;
        m_impl->store = c10::make_intrusive<c10d::TCPStore>(m_env.master_addr, options);
    } catch (const std::exception& e) {
        throw DistributedError(
            "rank " + std::to_string(m_env.rank) + " of " + std::to_string(m_env.world_size) +
            ": the rendezvous (c10d TCPStore at " + where + ") failed: " + first_line(e));
    }
    try {
        auto options = c10d::ProcessGroupGloo::Options::create(timeout);
        // As torch.distributed chooses: GLOO_SOCKET_IFNAME's interface where it is set; the
        // loopback address for a job on one machine; else the address this host's name resolves to.
        if (const auto interface = env("GLOO_SOCKET_IFNAME"))
            options->devices.push_back(
                c10d::ProcessGroupGloo::createDeviceForInterface(*interface));
        else if (m_env.master_addr == "127.0.0.1" || m_env.master_addr == "localhost")
            options->devices.push_back(
                c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
        else
            options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        options->threads = 2;
        m_impl->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(m_impl->store, m_env.rank,
                                                                   m_env.world_size, options);
    } catch (const std::exception& e) {
        throw DistributedError("rank " + std::to_string(m_env.rank) + " of " +
                               std::to_string(m_env.world_size) +
                               ": the Gloo process group could not be made (rendezvous at " +
                               where + "): " + first_line(e));
    }
}

ProcessGroup::~ProcessGroup() = default;

void ProcessGroup::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
    if (tensors.empty())
        return;
    const int64_t number = m_impl->announce(m_env.rank);
    m_impl->finish(m_impl->gloo->allreduce(tensors), number, "an all-reduce", m_env.rank,
                   m_env.world_size);
}

std::unique_ptr<PendingCollective>
ProcessGroup::all_reduce_sum_async(std::vector<torch::Tensor>& tensors) {
    struct Pending : PendingCollective {
        std::function<void()> finish;
        void wait() override { finish(); }
    };
    const int64_t number = m_impl->announce(m_env.rank);
    auto pending = std::make_unique<Pending>();
    pending->finish = [impl = m_impl.get(), work = m_impl->gloo->allreduce(tensors), number,
                       rank = m_env.rank, world = m_env.world_size] {
        impl->finish(work, number, "an all-reduce", rank, world);
    };
    return pending;
}

void ProcessGroup::broadcast(std::vector<torch::Tensor>& tensors, int root) {
    if (tensors.empty())
        return;
    c10d::BroadcastOptions options;
    options.rootRank = root;
    // Gloo broadcasts one tensor per call for CPU tensors of several shapes.
    for (auto& t : tensors) {
        std::vector<torch::Tensor> one{t};
        const int64_t number = m_impl->announce(m_env.rank);
        m_impl->finish(m_impl->gloo->broadcast(one, options), number, "a broadcast", m_env.rank,
                       m_env.world_size);
    }
}

void ProcessGroup::barrier() {
    const int64_t number = m_impl->announce(m_env.rank);
    m_impl->finish(m_impl->gloo->barrier(), number, "a barrier", m_env.rank, m_env.world_size);
}
#else
// Built without Gloo's headers (Debian: libgloo-dev), which ProcessGroupGloo.hpp includes.
struct ProcessGroup::Impl {};

ProcessGroup::ProcessGroup(const DistributedEnv& env_in, std::chrono::milliseconds timeout)
    : m_env(env_in), m_timeout(timeout) {
    throw DistributedError("this build of ResLab has no Gloo process group: it was configured "
                           "without Gloo's headers (Debian's libgloo-dev)");
}

ProcessGroup::~ProcessGroup() = default;
void ProcessGroup::all_reduce_sum(std::vector<torch::Tensor>&) {}
std::unique_ptr<PendingCollective> ProcessGroup::all_reduce_sum_async(std::vector<torch::Tensor>&) {
    return nullptr;
}
void ProcessGroup::broadcast(std::vector<torch::Tensor>&, int) {}
void ProcessGroup::barrier() {}
#endif

bool ProcessGroup::any(bool mine) {
    std::vector<torch::Tensor> flag{torch::full({1}, mine ? 1 : 0, torch::kInt32)};
    all_reduce_sum(flag);
    return flag.front().item<int>() > 0;
}

void set_default_process_group(std::shared_ptr<ProcessGroup> group) {
    std::lock_guard<std::mutex> lock(g_default_mutex);
    g_default = std::move(group);
}

std::shared_ptr<ProcessGroup> default_process_group() {
    std::lock_guard<std::mutex> lock(g_default_mutex);
    return g_default;
}

void GroupBatchNormReducer::all_reduce_sum(torch::Tensor& t) {
    std::vector<torch::Tensor> one{t};
    m_group.all_reduce_sum(one);
}

void broadcast_module(ProcessGroup& group, torch::nn::Module& module) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> tensors;
    for (const auto& p : module.parameters())
        tensors.push_back(p);
    for (const auto& b : module.buffers())
        tensors.push_back(b);
    // Gloo wants contiguous tensors; a channels-last weight goes through a contiguous copy.
    std::vector<torch::Tensor> sent;
    sent.reserve(tensors.size());
    for (const auto& t : tensors)
        sent.push_back(t.is_contiguous() ? t : t.contiguous());
    group.broadcast(sent);
    for (size_t i = 0; i < tensors.size(); ++i)
        if (!sent[i].is_same(tensors[i]))
            tensors[i].copy_(sent[i]);
}

/// Tells the averager when AccumulateGrad has added a parameter's gradient into .grad().
struct GradientAverager::Hook : torch::autograd::FunctionPostHook {
    GradientAverager* averager;
    size_t parameter;
    Hook(GradientAverager* a, size_t p) : averager(a), parameter(p) {}
    torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                              const torch::autograd::variable_list&) override {
        averager->accumulated(parameter);
        return outputs;
    }
};

GradientAverager::GradientAverager(std::vector<torch::Tensor> parameters,
                                   int64_t bucket_bytes,
                                   std::optional<bool> overlap)
    : m_parameters(std::move(parameters)) {
    // Reverse order, as DDP's buckets: backward produces the last layers' gradients first.
    int64_t bytes = 0;
    m_bucket_of.assign(m_parameters.size(), 0);
    for (size_t k = m_parameters.size(); k-- > 0;) {
        const int64_t size = m_parameters[k].numel() * m_parameters[k].element_size();
        if (m_buckets.empty() || (bytes > 0 && bytes + size > bucket_bytes)) {
            m_buckets.emplace_back();
            bytes = 0;
        }
        m_buckets.back().push_back(k);
        m_bucket_of[k] = m_buckets.size() - 1;
        bytes += size;
    }
    if (!overlap) {
        const char* setting = std::getenv("RESLAB_DDP_OVERLAP");
        overlap = !(setting && std::string(setting) == "0");
    }
    if (!*overlap)
        return;
    for (size_t k = 0; k < m_parameters.size(); ++k) {
        std::shared_ptr<torch::autograd::Node> node =
            torch::autograd::impl::grad_accumulator(m_parameters[k]);
        if (!node) { // not a leaf that requires a gradient: no overlap, as after backward
            for (size_t i = 0; i < m_hook_keys.size(); ++i)
                std::static_pointer_cast<torch::autograd::Node>(m_accumulators[i])
                    ->del_post_hook(m_hook_keys[i]);
            m_accumulators.clear();
            m_hook_keys.clear();
            return;
        }
        m_hook_keys.push_back(node->add_post_hook(std::make_unique<Hook>(this, k)));
        m_accumulators.push_back(node);
    }
}

GradientAverager::~GradientAverager() {
    for (size_t i = 0; i < m_hook_keys.size(); ++i)
        std::static_pointer_cast<torch::autograd::Node>(m_accumulators[i])
            ->del_post_hook(m_hook_keys[i]);
}

void GradientAverager::prepare(ProcessGroup& group) {
    if (!overlaps())
        return;
    m_armed = &group;
    m_missing.clear();
    for (const auto& bucket : m_buckets)
        m_missing.push_back(bucket.size());
    m_next = 0;
    m_flat.assign(m_buckets.size(), torch::Tensor());
    m_pending.clear();
}

void GradientAverager::accumulated(size_t parameter) {
    if (!m_armed)
        return;
    const size_t b = m_bucket_of[parameter];
    if (m_missing[b] > 0)
        --m_missing[b];
    // In bucket order on every rank, so that the ranks' collectives pair up.
    while (m_next < m_buckets.size() && m_missing[m_next] == 0)
        start(m_next++);
}

void GradientAverager::start(size_t b) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> flat;
    for (size_t k : m_buckets[b]) {
        const torch::Tensor& p = m_parameters[k];
        const torch::Tensor g = p.grad();
        flat.push_back(g.defined() ? g.reshape({-1}) : torch::zeros({p.numel()}, p.options()));
    }
    // Divided before the sum, as DDP 1.13 does (exact for a world of 2, 4, 8...).
    m_flat[b] = torch::cat(flat).div_(static_cast<double>(m_armed->world_size()));
    std::vector<torch::Tensor> buffer{m_flat[b]};
    m_pending.push_back(m_armed->all_reduce_sum_async(buffer));
}

void GradientAverager::average(ProcessGroup& group) {
    const auto t0 = std::chrono::steady_clock::now();
    torch::NoGradGuard no_grad;
    if (!m_armed) { // after backward: flatten, sum and copy back one bucket at a time
        prepare(group);
        m_armed = &group;
        m_flat.assign(m_buckets.size(), torch::Tensor());
        for (size_t b = 0; b < m_buckets.size(); ++b) {
            m_pending.clear();
            start(b);
            m_pending.front()->wait();
        }
    } else {
        // Parameters that took no part in this backward count as zeros.
        while (m_next < m_buckets.size())
            start(m_next++);
        for (const auto& pending : m_pending)
            pending->wait();
    }
    m_armed = nullptr;
    m_pending.clear();
    for (size_t b = 0; b < m_buckets.size(); ++b) {
        int64_t offset = 0;
        for (size_t k : m_buckets[b]) {
            torch::Tensor& p = m_parameters[k];
            const int64_t n = p.numel();
            const torch::Tensor part = m_flat[b].narrow(0, offset, n);
            offset += n;
            // copy_ goes by index, so a channels-last gradient (a view into FlatSGD's buffer)
            // keeps its layout and storage.
            if (p.grad().defined())
                p.mutable_grad().copy_(part.view(p.sizes()));
            else
                p.mutable_grad() = part.view(p.sizes()).clone();
        }
    }
    m_flat.assign(m_buckets.size(), torch::Tensor());
    m_last_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

torch::Tensor shard_of(const torch::Tensor& order, int world, int rank, bool drop_last) {
    if (world < 1 || rank < 0 || rank >= world)
        throw std::invalid_argument("rank " + std::to_string(rank) + " is not in a world of " +
                                    std::to_string(world));
    const int64_t n = order.size(0);
    const int64_t per_rank = drop_last ? n / world : (n + world - 1) / world;
    const int64_t total = per_rank * world;
    torch::Tensor indices = order;
    if (total > n) {
        // Repeat from the start until the length is total, as DistributedSampler pads.
        std::vector<torch::Tensor> parts{order};
        int64_t have = n;
        while (have < total) {
            const int64_t take = std::min(n, total - have);
            parts.push_back(order.narrow(0, 0, take));
            have += take;
        }
        indices = torch::cat(parts);
    } else {
        indices = order.narrow(0, 0, total);
    }
    using namespace torch::indexing;
    return indices.index({Slice(rank, total, world)});
}

torch::Tensor distributed_sampler_indices(
    int64_t n, int world, int rank, uint64_t seed, int64_t epoch, bool drop_last) {
    torch::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed + epoch);
    return shard_of(torch::randperm(n, generator, torch::kInt64), world, rank, drop_last);
}

} // namespace reslab
