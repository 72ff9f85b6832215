// The summary statistics the benchmarks report (the command line's bench commands and the
// window's): a median and a percentile of timings. One definition, so that every figure in
// BENCHMARKS.md is the same statistic.
// Not for: statistics of tensors (Tensor and MapRendering have their ranges).
#pragma once

#include <vector>

namespace convscope {

// The median: the middle value, or the mean of the middle two for an even count. Throws
// std::invalid_argument for no values.
double median(std::vector<double> values);
// The p-th percentile (0 < p ≤ 100) by nearest rank: the value at index ⌈p/100 · n⌉ − 1 of
// the sorted values (p = 99 of 200 values: the 198th). Throws std::invalid_argument for no
// values or p outside (0, 100].
double percentile(std::vector<double> values, double p);

} // namespace convscope
