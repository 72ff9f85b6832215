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
  throw std::invalid_argument("unknown loss '" + text + "' (expected ce or mse)");
}

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
      double loss = 0.0, dot = 0.0;
      for (int64_t k = 0; k < classes; ++k) {
        const double g = p[static_cast<size_t>(k)] - (k == label ? 1.0 : 0.0); // ∂L/∂p
        loss += 0.5 * g * g;
        dot += g * p[static_cast<size_t>(k)];
      }
      result.loss += loss;
      if (diffLogits)
        for (int64_t k = 0; k < classes; ++k) {
          const double pk = p[static_cast<size_t>(k)];
          const double g = pk - (k == label ? 1.0 : 0.0);
          diffLogits->data()[n * classes + k] = static_cast<float>(pk * (g - dot) / double(batch));
        }
    }
  }
  result.loss /= double(std::max<int64_t>(batch, 1));
  return result;
}

double totalError(const std::vector<double>& probabilities, int target) {
  double error = 0.0;
  for (size_t k = 0; k < probabilities.size(); ++k) {
    const double t = static_cast<int>(k) == target ? 1.0 : 0.0;
    error += 0.5 * (t - probabilities[k]) * (t - probabilities[k]);
  }
  return error;
}

} // namespace convscope
