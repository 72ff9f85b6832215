// Bernoulli reconstruction and Gaussian KL, in double.
#include "engine/generative/GenerativeLosses.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace convscope {

double bernoulliLoss(const Tensor& logits, const Tensor& targets, Tensor* diffLogits) {
  if (logits.shape() != targets.shape() || logits.shape().rank() < 2)
    throw std::invalid_argument("Bernoulli loss: the logits are " + logits.shape().toString() + " and the targets " +
                                targets.shape().toString() + "; they must be the same (N, …)");
  Tensor converted;
  const Tensor& z = logits.inLayout(Layout::NCHW, converted);
  Tensor convertedTargets;
  const Tensor& t = targets.inLayout(Layout::NCHW, convertedTargets);
  const int64_t n = logits.shape()[0], count = logits.size();
  if (diffLogits && (diffLogits->shape() != logits.shape() || diffLogits->layout() != Layout::NCHW))
    *diffLogits = Tensor(logits.shape());
  double sum = 0;
  for (int64_t i = 0; i < count; ++i) {
    const double x = z.data()[i], y = t.data()[i];
    if (!(y >= 0.0 && y <= 1.0))
      throw std::invalid_argument("Bernoulli loss: target " + std::to_string(y) + " is outside [0, 1]");
    sum += std::max(x, 0.0) - x * y + std::log1p(std::exp(-std::abs(x)));
    if (diffLogits) diffLogits->data()[i] = float((1.0 / (1.0 + std::exp(-x)) - y) / double(n));
  }
  return sum / double(n);
}

double gaussianKl(const Tensor& meanLogVariance, Tensor* diff, double scale) {
  const Shape& s = meanLogVariance.shape();
  if (s.rank() != 2 || s[1] % 2 != 0 || s[1] < 2)
    throw std::invalid_argument("KL divergence: needs (N, 2L), a mean and a log-variance per sample, got " +
                                s.toString());
  if (diff && diff->shape() != s) throw std::invalid_argument("KL divergence: the gradient's shape differs");
  const int64_t n = s[0], L = s[1] / 2;
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < L; ++j) {
      const double mean = meanLogVariance.data()[i * 2 * L + j], logVariance = meanLogVariance.data()[i * 2 * L + L + j];
      const double variance = std::exp(logVariance);
      sum += -0.5 * (1.0 + logVariance - mean * mean - variance);
      if (diff) {
        diff->data()[i * 2 * L + j] += float(scale * mean / double(n));
        diff->data()[i * 2 * L + L + j] += float(scale * 0.5 * (variance - 1.0) / double(n));
      }
    }
  return scale * sum / double(n);
}

} // namespace convscope
