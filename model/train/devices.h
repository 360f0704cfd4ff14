#pragma once
// Plain data (no torch in this header): which devices the LibTorch in use can train on.

#include <string>
#include <vector>

namespace reslab {

/// "cpu", then "cuda:0", "cuda:1", ... for every GPU this LibTorch sees (none with a CPU-only build).
std::vector<std::string> available_devices();

/// Sets LibTorch's intra-op threads (for the calling thread's parallel regions too): threads, or
/// one per core when 0, since LibTorch starts at 1 here. Returns the count set.
int set_intra_op_threads(int threads);
/// LibTorch's intra-op thread count now.
int intra_op_threads();

} // namespace reslab
