// The machine a run trains on: its devices, cores, memory and allocator (devices.h), and the
// device names runs are given (parse_device, run.h).
#include "devices.h"

#if __has_include(<malloc.h>)
#include <malloc.h>
#endif

#include <algorithm>
#include <limits>
#if defined(__linux__)
#include <sched.h>
#endif
#include <stdexcept>
#include <thread>
#if __has_include(<unistd.h>)
#include <unistd.h>
#endif

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include "run.h"

namespace reslab {

torch::Device parse_device(const std::string& name) {
    if (name == "cpu")
        return torch::kCPU;
    if (name.rfind("cuda", 0) == 0) {
        if (!torch::cuda::is_available())
            throw std::runtime_error(
                "the device '" + name +
                "' is not available: this LibTorch has no CUDA or sees no GPU; "
                "train on the CPU instead");
        return torch::Device(name);
    }
    throw std::runtime_error("unknown device '" + name + "'; use cpu or cuda");
}

double physical_memory_bytes() {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0)
        return static_cast<double>(pages) * static_cast<double>(page);
#endif
    return 8.0 * (1ull << 30);
}

uint64_t file_memory_budget() {
    return static_cast<uint64_t>(physical_memory_bytes() / 4);
}

int core_count() {
#if defined(__linux__)
    // The affinity mask, not the machine: a container or taskset may allow fewer cores.
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return std::max(1, CPU_COUNT(&set));
#endif
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int set_intra_op_threads(int threads) {
    const int n = threads > 0 ? threads : core_count();
    at::set_num_threads(n);
    return n;
}

void set_worker_intra_op_threads(int threads) {
    set_intra_op_threads(threads);
    at::parallel_for(0, 1, 1, [](int64_t, int64_t) {});
    set_intra_op_threads(threads);
}

int intra_op_threads() {
    return at::get_num_threads();
}

void reuse_freed_memory() {
#if defined(__GLIBC__)
    // Blocks up to 32 MiB (glibc's ceiling) come from the heap, which is never trimmed. Both are
    // needed: a fixed trim threshold alone also freezes the mmap threshold at 128 KiB.
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
    // A thread other than main gets an arena of its own, made of 64 MiB heaps that glibc unmaps
    // whenever one empties, whatever the trim threshold, so a training thread page-faults its
    // activations in again (a single training thread took 100k to 450k faults where the main
    // thread took 75k). One arena for all avoids that, but runs training side by side then queue
    // for its lock: the degradation preset's 150 steps took 23.1-23.7 s with one arena and
    // 21.9-22.3 s with one per training thread (three runs each, alternating), 50% more faults
    // included. So each of the cores' training threads gets one, and the main thread keeps its own.
    mallopt(M_ARENA_MAX, core_count() + 2);
#endif
}

std::vector<std::string> available_devices() {
    std::vector<std::string> devices{"cpu"};
    if (torch::cuda::is_available())
        // size_t in LibTorch 1.13, c10::DeviceIndex (int8_t) in 2.x.
        for (size_t i = 0, n = static_cast<size_t>(torch::cuda::device_count()); i < n; ++i)
            devices.push_back("cuda:" + std::to_string(i));
    return devices;
}

} // namespace reslab
