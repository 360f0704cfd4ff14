#pragma once
// The summary every benchmark here prints for a list of timings.

#include <algorithm>
#include <vector>

struct TimeStats {
    double median = 0;
    double p95 = 0;
    double max = 0;
};

/// Median, 95th percentile and worst of a non-empty list of timings.
inline TimeStats timeStats(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 95 / 100)], v.back()};
}
