#pragma once
// Plain data (no torch in this header): which devices the LibTorch in use can train on.

#include <cstdint>
#include <string>
#include <vector>

namespace reslab {

/// "cpu", then "cuda:0", "cuda:1", ... for every GPU this LibTorch sees (none with a CPU-only
/// build).
std::vector<std::string> available_devices();

/// Sets LibTorch's intra-op threads (for the calling thread's parallel regions too): threads, or
/// one per core when 0, since LibTorch starts at 1 here. Returns the count set.
int set_intra_op_threads(int threads);
/// Sets the calling thread's intra-op threads for good, on a thread of its own (a worker that
/// trains a run, or evaluates a surface, beside others): LibTorch gives a thread its OpenMP team
/// size from the process-wide count at the thread's first parallel region, so that region is had
/// here, between two settings.
void set_worker_intra_op_threads(int threads);
/// Below this many multiply-accumulates a forward pass is too small for intra-op threads to pay:
/// the degradation preset's plain-56 (0.8 G MACs at batch 128) trained 1.11x faster on two
/// threads than on one, where two runs side by side trained 1.66x as many images (the engine
/// issue's measurements). Such work goes to one worker a core.
constexpr double kSmallForwardMacs = 20e9;
/// The cores this process may run on (at least 1).
int core_count();
/// This machine's physical memory in bytes (8 GiB where it cannot be read).
double physical_memory_bytes();
/// What one file a user hands ResLab may grow to in memory once inflated (a weights zip's
/// compressed records, a gzipped data file): a quarter of physical memory, so a decompression
/// bomb is refused by name and never ends in std::bad_alloc.
uint64_t file_memory_budget();
/// LibTorch's intra-op thread count now.
int intra_op_threads();

/// Keeps memory that training frees for the next step instead of handing it back to the kernel.
/// glibc maps every large block afresh and unmaps it on free, so each step's activations would be
/// page-faulted in again: on a 2-core machine that doubled the step time and made it vary by 2x.
/// The training threads share a few arenas (one per core) rather than one lock.
/// Call once, early in main(); a no-op where the C library is not glibc.
void reuse_freed_memory();

} // namespace reslab
