// FGSM and PGD on a classifier, one image or a dataset's.
#include "engine/inspection/Adversarial.h"

#include "engine/core/NumberText.h"
#include "engine/training/Loss.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace convscope {

namespace {

// The model's class probabilities (N, K) for x on the [0, 1] scale.
Tensor probabilities(Network& net, Backend& backend, const Preprocess& p, const Tensor& x) {
  net.setTraining(false);
  net.forward(backend, normalizeImages(x, p));
  const Tensor scores = net.output(net.scoreNode()).inLayout(Layout::NCHW);
  Tensor probabilities(scores.shape());
  backend.softmaxForward(scores, probabilities);
  return probabilities;
}

// ∂L/∂x (N, C, H, W) on the [0, 1] scale: L the cross-entropy of the scores to `labels`.
Tensor lossGradient(Network& net, Backend& backend, const Preprocess& p, const Tensor& x, const std::vector<int>& labels) {
  const Tensor input = normalizeImages(x, p); // kept alive: backward reads the forward's input
  net.setTraining(false);
  net.forward(backend, input);
  const size_t scores = net.scoreNode();
  const Tensor& logits = net.output(scores);
  Tensor diff(logits.shape());
  classificationLoss(LossKind::CrossEntropy, logits.inLayout(Layout::NCHW), labels, &diff);
  net.backward(backend, diff.inLayout(logits.layout()), scores + 1, true);
  Tensor g = net.networkInputGradient().inLayout(Layout::NCHW);
  gradientToImages(g, p); // through x_n = (x − mean)/deviation
  return g;
}

// x on the 8-bit grid a PNG holds (each value k/255), clamped to [0, 1].
Tensor onGrid(const Tensor& x) {
  Tensor out = x.inLayout(Layout::NCHW);
  for (float& v : out.values()) v = float(std::clamp(std::round(double(v) * 255.0), 0.0, 255.0) / 255.0);
  return out;
}

float sign(float v) { return v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : 0.0f; }

// The attack on a batch x (N, C, H, W), [0, 1], each image against its label (or towards the
// target): the adversarial batch, on the 8-bit grid within ε of x.
Tensor attackBatch(Network& net, Backend& backend, const Preprocess& p, const Tensor& x, const std::vector<int>& labels,
                   const AttackOptions& o) {
  const bool targeted = o.target >= 0;
  const std::vector<int> aims = targeted ? std::vector<int>(labels.size(), o.target) : labels;
  const float direction = targeted ? -1.0f : 1.0f; // down the target's loss, or up the label's
  const int steps = o.method == AttackMethod::Fgsm ? 1 : o.steps;
  const double alpha = o.method == AttackMethod::Fgsm ? o.epsilon : o.stepSize > 0 ? o.stepSize : 2.5 * o.epsilon / steps;
  Tensor adv = x;
  for (int s = 0; s < steps; ++s) {
    const Tensor g = lossGradient(net, backend, p, adv, aims);
    for (int64_t i = 0; i < adv.size(); ++i) {
      const float moved = adv.data()[i] + direction * float(alpha) * sign(g.data()[i]);
      const float lo = std::max(0.0f, x.data()[i] - float(o.epsilon)), hi = std::min(1.0f, x.data()[i] + float(o.epsilon));
      adv.data()[i] = std::clamp(moved, lo, hi); // into the ball and the pixel range
    }
  }
  // Onto the grid a PNG holds: the original's nearest 8-bit value plus the perturbation in whole
  // 1/255 steps rounded towards zero (so still within ε), clamped to [0, 1].
  for (int64_t i = 0; i < adv.size(); ++i) {
    const double base = std::round(double(x.data()[i]) * 255.0);
    const double steps255 = std::trunc((double(adv.data()[i]) * 255.0 - base) * (1.0 + 1e-9));
    const double limit = std::floor(o.epsilon * 255.0 + 1e-9);
    adv.data()[i] = float(std::clamp(base + std::clamp(steps255, -limit, limit), 0.0, 255.0) / 255.0);
  }
  return adv;
}

// The largest |a − b| of two images on the 8-bit grid, counted in whole steps of 1/255 (exact).
double gridDistance(const Tensor& a, const Tensor& b) {
  long most = 0;
  for (int64_t i = 0; i < a.size(); ++i)
    most = std::max(most, std::labs(std::lround(double(a.data()[i]) * 255.0) - std::lround(double(b.data()[i]) * 255.0)));
  return double(most) / 255.0;
}

std::vector<float> row(const Tensor& t, int64_t i) {
  const int64_t k = t.shape()[1];
  return std::vector<float>(t.data() + i * k, t.data() + (i + 1) * k);
}
int argmax(const std::vector<float>& v) { return int(std::max_element(v.begin(), v.end()) - v.begin()); }

void checkClassifier(const Network& net, const Preprocess& p, const Shape& x) {
  if (net.inputShape().rank() != 3)
    throw std::invalid_argument("attack: the model's input must be an image (C, H, W), it is " +
                                net.inputShape().toString());
  const Shape scores = net.shapes(1)[net.scoreNode()];
  if (scores.rank() != 2) throw std::invalid_argument("attack: the model gives no class scores (" + scores.toString() + ")");
  if (x.rank() != 4 || Shape{x[1], x[2], x[3]} != net.inputShape())
    throw std::invalid_argument("attack: the images must be (N, " + net.inputShape().toString() +
                                ") at the model's input size, they are " + x.toString());
  if (p.mean.empty() || p.stddev.empty()) throw std::invalid_argument("attack: the preprocessing has no normalization");
}
} // namespace

std::string toString(AttackMethod method) { return method == AttackMethod::Fgsm ? "fgsm" : "pgd"; }

AttackMethod attackMethodFromString(const std::string& s) {
  if (s == "fgsm") return AttackMethod::Fgsm;
  if (s == "pgd") return AttackMethod::Pgd;
  throw std::invalid_argument("attack method '" + s + "' must be fgsm or pgd");
}

std::string AttackOptions::problem(int64_t classes) const {
  if (!(epsilon >= 0.0 && epsilon <= 1.0)) return "ε " + formatRounded(epsilon, 6) + " must be from 0 to 1 (the pixel scale)";
  if (method == AttackMethod::Pgd && (steps < 1 || steps > 10000))
    return "PGD's steps " + std::to_string(steps) + " must be from 1 to 10000";
  if (!(stepSize >= 0.0 && stepSize <= 1.0)) return "the step size " + formatRounded(stepSize, 6) + " must be from 0 to 1";
  if (target < -1 || target >= classes)
    return "target class " + std::to_string(target) + " is out of range: the model has " + std::to_string(classes) +
           " classes";
  return {};
}

AttackResult attackImage(Network& classifier, Backend& backend, const Preprocess& preprocess, const Tensor& image,
                         const AttackOptions& options, int label) {
  const Tensor x = onGrid(image); // the original as a PNG holds it: the perturbation is all the attack's
  checkClassifier(classifier, preprocess, x.shape());
  if (x.shape()[0] != 1) throw std::invalid_argument("attack: one image (1, C, H, W), not " + x.shape().toString());
  AttackResult r;
  r.before = row(probabilities(classifier, backend, preprocess, x), 0);
  const int64_t classes = int64_t(r.before.size());
  if (std::string problem = options.problem(classes); !problem.empty()) throw std::invalid_argument("attack: " + problem);
  if (label < -1 || label >= classes)
    throw std::invalid_argument("attack: label " + std::to_string(label) + " is out of range (" +
                                std::to_string(classes) + " classes)");
  r.beforeClass = argmax(r.before);
  r.image = attackBatch(classifier, backend, preprocess, x, {label >= 0 ? label : r.beforeClass}, options);
  r.after = row(probabilities(classifier, backend, preprocess, r.image), 0);
  r.afterClass = argmax(r.after);
  r.perturbation = r.image;
  for (int64_t i = 0; i < x.size(); ++i) r.perturbation.data()[i] -= x.data()[i];
  r.linf = gridDistance(r.image, x);
  return r;
}

AttackEvaluation attackDataset(Network& classifier, Backend& backend, const Preprocess& preprocess, const Dataset& data,
                               const AttackOptions& options, size_t maxImages) {
  AttackEvaluation e;
  const size_t n = maxImages ? std::min(maxImages, data.size()) : data.size();
  std::vector<size_t> indices(n);
  for (size_t i = 0; i < n; ++i) indices[i] = i;
  const Preprocess plain = withoutNormalization(preprocess); // the attack normalizes
  Tensor batch;
  std::vector<int> labels;
  int64_t right = 0, attackedRight = 0, onTarget = 0;
  constexpr size_t kBatch = 250;
  for (size_t start = 0; start < n; start += kBatch) {
    const size_t count = std::min(kBatch, n - start);
    makeBatch(data, indices.data() + start, count, plain, batch, labels);
    const Tensor x = onGrid(batch);
    checkClassifier(classifier, preprocess, x.shape());
    const Tensor before = probabilities(classifier, backend, preprocess, x);
    if (std::string problem = options.problem(before.shape()[1]); !problem.empty())
      throw std::invalid_argument("attack: " + problem);
    const Tensor adv = attackBatch(classifier, backend, preprocess, x, labels, options);
    const Tensor after = probabilities(classifier, backend, preprocess, adv);
    for (size_t i = 0; i < count; ++i) {
      right += argmax(row(before, int64_t(i))) == labels[i];
      const int got = argmax(row(after, int64_t(i)));
      attackedRight += got == labels[i];
      onTarget += got == options.target;
    }
    e.linf = std::max(e.linf, gridDistance(adv, x));
  }
  e.count = int64_t(n);
  if (n) {
    e.accuracy = double(right) / double(n), e.attackedAccuracy = double(attackedRight) / double(n);
    e.targetRate = options.target >= 0 ? double(onTarget) / double(n) : 0.0;
  }
  return e;
}

} // namespace convscope
