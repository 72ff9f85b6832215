// Median and percentile of timings.
#include "engine/core/Statistics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace convscope {

double median(std::vector<double> values) {
  if (values.empty()) throw std::invalid_argument("median of no values");
  const size_t n = values.size(), mid = n / 2;
  std::nth_element(values.begin(), values.begin() + long(mid), values.end());
  if (n % 2) return values[mid];
  const double upper = values[mid];
  return (*std::max_element(values.begin(), values.begin() + long(mid)) + upper) / 2;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) throw std::invalid_argument("percentile of no values");
  if (!(p > 0 && p <= 100)) throw std::invalid_argument("percentile: p must be in (0, 100]");
  std::sort(values.begin(), values.end());
  const auto rank = size_t(std::ceil(p / 100 * double(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

} // namespace convscope
