// Losses from logits, computed in double for a stable, exact-enough oracle.
#include "engine/training/Loss.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace convscope {

std::string toString(LossKind kind) { return kind == LossKind::CrossEntropy ? "ce" : "mse"; }

LossKind lossKindFromString(const std::string& text) {
  if (text == "ce" || text == "cross-entropy") return LossKind::CrossEntropy;
  if (text == "mse" || text == "half-squared-error") return LossKind::HalfSquaredError;
  throw std::invalid_argument("unknown loss '" + text + "' (expected ce or mse; for segmentation ce, dice or ce+dice)");
}

namespace {
// E = Σ ½ (t_k − p_k)² for a one-hot t, and ∂E/∂p_k = p_k − t_k into g when not null: the one
// place the half squared error is written, for float probabilities and the loss's doubles.
template <typename T> double halfSquared(const T* p, int64_t classes, int target, T* g) {
  double error = 0.0;
  for (int64_t k = 0; k < classes; ++k) {
    const double d = double(p[k]) - (k == target ? 1.0 : 0.0);
    error += 0.5 * d * d;
    if (g) g[k] = T(d);
  }
  return error;
}
} // namespace

LossResult classificationLoss(LossKind kind, const Tensor& logits, const std::vector<int>& labels, Tensor* diffLogits) {
  const Shape& s = logits.shape();
  if (s.rank() != 2 || static_cast<int64_t>(labels.size()) != s[0])
    throw std::invalid_argument("loss: expects (N, K) scores and N labels, got " + s.toString() + " and " +
                                std::to_string(labels.size()) + " labels");
  if (diffLogits && diffLogits->shape() != s)
    throw std::invalid_argument("loss: diff_logits is " + diffLogits->shape().toString() + ", expected " +
                                s.toString());
  const int64_t batch = s[0], classes = s[1];
  LossResult result;
  result.counted = batch;
  std::vector<double> p(static_cast<size_t>(classes));
  for (int64_t n = 0; n < batch; ++n) {
    const int label = labels[static_cast<size_t>(n)];
    if (label < 0 || label >= classes)
      throw std::invalid_argument("loss: label " + std::to_string(label) + " of sample " + std::to_string(n) +
                                  " is outside 0.." + std::to_string(classes - 1));
    const float* z = logits.data() + n * classes;
    const float zMax = *std::max_element(z, z + classes);
    double total = 0.0;
    for (int64_t k = 0; k < classes; ++k) total += p[static_cast<size_t>(k)] = std::exp(double(z[k]) - zMax);
    for (double& v : p) v /= total;
    if (std::max_element(z, z + classes) - z == label) ++result.correct;
    if (kind == LossKind::CrossEntropy) {
      result.loss += std::log(total) + zMax - z[label];
      if (diffLogits)
        for (int64_t k = 0; k < classes; ++k)
          diffLogits->data()[n * classes + k] =
              static_cast<float>((p[static_cast<size_t>(k)] - (k == label ? 1.0 : 0.0)) / double(batch));
    } else {
      std::vector<double> g(static_cast<size_t>(classes)); // ∂L/∂p
      result.loss += halfSquared(p.data(), classes, label, g.data());
      double dot = 0.0;
      for (int64_t k = 0; k < classes; ++k) dot += g[static_cast<size_t>(k)] * p[static_cast<size_t>(k)];
      if (diffLogits) // through the softmax's Jacobian: ∂L/∂z = p ⊙ (g − Σ g⊙p)
        for (int64_t k = 0; k < classes; ++k)
          diffLogits->data()[n * classes + k] =
              static_cast<float>(p[static_cast<size_t>(k)] * (g[static_cast<size_t>(k)] - dot) / double(batch));
    }
  }
  result.loss /= double(std::max<int64_t>(batch, 1));
  return result;
}

double halfSquaredError(const Tensor& probabilities, int target, Tensor* diffProbabilities) {
  const int64_t classes = probabilities.size();
  if (target < 0 || target >= classes)
    throw std::invalid_argument("target class " + std::to_string(target + 1) + " is not one of the " +
                                std::to_string(classes) + " classes");
  return halfSquared(probabilities.data(), classes, target, diffProbabilities ? diffProbabilities->data() : nullptr);
}

} // namespace convscope
