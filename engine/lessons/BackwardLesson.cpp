// BackwardLesson: the small network, its forward and backward on the reference backend, and
// each stage's cells written out with the explain functions (Explain.h, ExplainBackward.h).
#include "engine/lessons/BackwardLesson.h"

#include "engine/training/Loss.h"

#include "engine/core/OutputSize.h"
#include "engine/lessons/Pipeline.h"
#include "engine/backend/reference/Explain.h"
#include "engine/backend/reference/ExplainBackward.h"
#include "engine/layers/Activation.h"
#include "engine/layers/Conv2D.h"
#include "engine/layers/Dense.h"
#include "engine/layers/Flatten.h"
#include "engine/layers/Pool2D.h"
#include "engine/layers/Softmax.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace convscope {

namespace {
constexpr int kDigits = kSlideDigits; // significant digits in the written-out sums

std::string fmt(double v) { return formatRounded(v, kDigits); }
std::string term(double v) { return v < 0 ? "(" + fmt(v) + ")" : fmt(v); }

Conv2D& convLayer(Network& n) { return static_cast<Conv2D&>(n.layer(0)); }
const Conv2D& convLayer(const Network& n) { return static_cast<const Conv2D&>(n.layer(0)); }
Dense& denseLayer(Network& n) { return static_cast<Dense&>(n.layer(4)); }
const Dense& denseLayer(const Network& n) { return static_cast<const Dense&>(n.layer(4)); }

Network buildNetwork(const LessonSetup& s) {
  if (s.image.shape().rank() != 4 || s.image.shape()[0] != 1)
    throw std::invalid_argument("backward lesson: the image must be one (1, C, H, W) image, got " +
                                s.image.shape().toString());
  const Shape& k = s.kernel.shape();
  if (k.rank() != 4 || k[0] != 1 || k[1] != s.image.shape()[1])
    throw std::invalid_argument("backward lesson: the kernel must be one filter (1, " +
                                std::to_string(s.image.shape()[1]) + ", KH, KW) for this image, got " + k.toString());
  if (s.classes < 2 || s.classes > 10)
    throw std::invalid_argument("backward lesson: " + std::to_string(s.classes) + " classes; the lesson takes 2 to 10");
  if (s.target < 0 || s.target >= s.classes)
    throw std::invalid_argument("backward lesson: target class " + std::to_string(s.target + 1) +
                                " is not one of the " + std::to_string(s.classes) + " classes");
  if (!(s.rate > 0.0f) || !std::isfinite(s.rate))
    throw std::invalid_argument("backward lesson: the learning rate must be positive, got " + formatNumber(s.rate));
  if (!(s.momentum >= 0.0f && s.momentum < 1.0f))
    throw std::invalid_argument("backward lesson: the momentum must be from 0 to below 1, got " +
                                formatNumber(s.momentum));
  Conv2DGeometry g = s.geometry;
  g.kernelH = k[2], g.kernelW = k[3], g.groups = 1;
  const Shape& in = s.image.shape();
  Network n(Shape{in[1], in[2], in[3]});
  n.add(std::make_unique<Conv2D>("conv", in[1], 1, g));
  n.add(std::make_unique<Activation>("relu", ActivationKind::ReLU));
  n.add(std::make_unique<Pool2D>("pool", s.pool));
  n.add(std::make_unique<Flatten>("flatten"));
  const int64_t features = n.shapes(1)[3][1];
  n.add(std::make_unique<Dense>("fc", features, s.classes));
  n.add(std::make_unique<Softmax>("softmax"));
  convLayer(n).weights() = s.kernel.reshaped(k);
  convLayer(n).bias() = Tensor(Shape{1}, s.bias);
  Tensor w, b;
  demonstrationWeights(features, s.classes, w, b, s.seed);
  denseLayer(n).weights() = w;
  denseLayer(n).bias() = b;
  return n;
}
} // namespace

std::string BackwardLesson::stageTitle(Stage stage) {
  switch (stage) {
  case Stage::Convolution: return "Forward: convolution";
  case Stage::ReLU: return "Forward: ReLU";
  case Stage::Pooling: return "Forward: pooling";
  case Stage::FullyConnected: return "Forward: fully connected";
  case Stage::Error: return "Forward: the error";
  case Stage::ErrorGradient: return "Backward: the error's gradient";
  case Stage::DenseGradient: return "Backward: fully connected weights";
  case Stage::FeatureGradient: return "Backward: into the features";
  case Stage::PoolingGradient: return "Backward: through pooling";
  case Stage::ReLUGradient: return "Backward: through ReLU";
  case Stage::KernelGradient: return "Backward: the kernel's gradient";
  case Stage::Update: return "Update: w − η·g";
  }
  return {};
}

namespace {
LessonSetup withScaledInput(LessonSetup s) {
  float largest = 0.0f;
  for (float v : s.image.values()) largest = std::max(largest, std::fabs(v));
  s.inputScale = 1.0f;
  if (largest > 1.0f && std::isfinite(largest)) {
    s.inputScale = largest;
    for (float& v : s.image.values()) v /= largest;
  }
  return s;
}
} // namespace

BackwardLesson::BackwardLesson(LessonSetup setup)
    : setup_(withScaledInput(std::move(setup))), network_(buildNetwork(setup_)) {
  OptimizerConfig config;
  config.kind = OptimizerKind::Sgd;
  config.learningRate = setup_.rate;
  config.momentum = setup_.momentum;
  optimizer_ = std::make_unique<Optimizer>(config, network_.parameters());
  run();
}

void BackwardLesson::run() {
  const Tensor& p = network_.forward(backend_, setup_.image);
  Tensor diff(p.shape());
  if (setup_.loss == LessonLoss::SquaredError) // E = ½Σ(t − p)², and ∂E/∂p to go back through the softmax
    error_ = halfSquaredError(p, int(setup_.target), &diff);
  else // E = −log p_target from the logits, and ∂E/∂z: softmax and cross-entropy together
    error_ = classificationLoss(LossKind::CrossEntropy, network_.output(network_.size() - 2), {int(setup_.target)},
                                &diff)
                 .loss;
  errors_.push_back(error_);
  if (setup_.loss == LessonLoss::SquaredError) {
    network_.backward(backend_, diff, network_.size()); // through the softmax's Jacobian
    logitGradient_ = network_.inputGradient(5);
  } else {
    network_.backward(backend_, diff, network_.size() - 1);
    logitGradient_ = diff;
  }
}

int64_t BackwardLesson::predicted() const {
  const float* p = probabilities().data();
  return std::max_element(p, p + setup_.classes) - p;
}

const Tensor& BackwardLesson::denseWeightGradient() const {
  return *const_cast<Dense&>(denseLayer(network_)).gradients()[0];
}
const Tensor& BackwardLesson::denseBiasGradient() const {
  return *const_cast<Dense&>(denseLayer(network_)).gradients()[1];
}
const Tensor& BackwardLesson::kernelGradient() const {
  return *const_cast<Conv2D&>(convLayer(network_)).gradients()[0];
}
float BackwardLesson::biasGradient() const {
  return const_cast<Conv2D&>(convLayer(network_)).gradients()[1]->data()[0];
}
const Tensor& BackwardLesson::kernel() const { return convLayer(network_).weights(); }
float BackwardLesson::bias() const { return convLayer(network_).bias().data()[0]; }
const Tensor& BackwardLesson::denseWeights() const { return denseLayer(network_).weights(); }
const Tensor& BackwardLesson::denseBias() const { return denseLayer(network_).bias(); }

float BackwardLesson::newValue(const Tensor& weights, const Tensor& gradients, const Tensor& velocity,
                               int64_t i) const {
  return explainSgdStep(weights.data()[i], gradients.data()[i], setup_.rate, setup_.momentum, velocity.data()[i])
      .weight;
}

Tensor BackwardLesson::updatedKernel() const {
  Tensor result(kernel().shape());
  for (int64_t i = 0; i < result.size(); ++i)
    result.data()[i] = newValue(kernel(), kernelGradient(), optimizer_->velocities()[0], i);
  return result;
}
float BackwardLesson::updatedBias() const {
  return explainSgdStep(bias(), biasGradient(), setup_.rate, setup_.momentum, optimizer_->velocities()[1].data()[0]).weight;
}

Tensor BackwardLesson::updatedDenseWeights() const {
  Tensor result(denseWeights().shape());
  for (int64_t i = 0; i < result.size(); ++i)
    result.data()[i] = newValue(denseWeights(), denseWeightGradient(), optimizer_->velocities()[2], i);
  return result;
}

void BackwardLesson::update() {
  optimizer_->step(network_.gradients(), 0); // the written-out update reads its velocities

  run();
}

int BackwardLesson::cellCount(Stage stage) const {
  const auto cells = [](const Tensor& t) { return int(t.size()); };
  switch (stage) {
  case Stage::Convolution:
  case Stage::ReLU:
  case Stage::PoolingGradient:
  case Stage::ReLUGradient: return cells(convOutput());
  case Stage::Pooling: return cells(pooled());
  case Stage::FullyConnected:
  case Stage::ErrorGradient: return int(setup_.classes);
  case Stage::Error: return 1;
  case Stage::DenseGradient: return cells(denseWeights());
  case Stage::FeatureGradient: return cells(features());
  case Stage::KernelGradient: return cells(kernel()) + 1;
  case Stage::Update: return cells(kernel()) + 2;
  }
  return 0;
}

std::string BackwardLesson::explain(Stage stage, int cell) const {
  if (cell < 0 || cell >= cellCount(stage))
    throw std::invalid_argument("backward lesson: cell " + std::to_string(cell) + " of '" + stageTitle(stage) +
                                "' is outside its " + std::to_string(cellCount(stage)) + " cells");
  const int64_t k = setup_.classes;
  const auto className = [](int64_t j) { return std::to_string(j + 1); };
  const int64_t wo = convOutput().shape()[3];
  const int64_t row = cell / std::max<int64_t>(1, wo), col = cell % std::max<int64_t>(1, wo);
  switch (stage) {
  case Stage::Convolution: {
    Conv2DGeometry g = setup_.geometry;
    g.kernelH = kernel().shape()[2], g.kernelW = kernel().shape()[3], g.groups = 1;
    return explanationText(explainConv2d(g, setup_.image, kernel(), &convLayer(network_).bias(), 0, 0, row, col));
  }
  case Stage::ReLU: {
    const float x = convOutput().at(0, 0, row, col);
    return "ReLU: max(0, " + fmt(x) + ") = " + fmt(std::max(0.0f, x)) + (x < 0 ? "  (negative: set to zero)" : "");
  }
  case Stage::Pooling: {
    const int64_t wp = pooled().shape()[3];
    return poolExplanationText(explainPool2d(setup_.pool, reluOutput(), 0, 0, cell / wp, cell % wp));
  }
  case Stage::FullyConnected:
    return denseExplanationText(explainDense(features(), denseWeights(), &denseBias(), 0, cell), "z" + className(cell),
                                8, kDigits);
  case Stage::Error: {
    std::vector<std::string> names;
    for (int64_t j = 0; j < k; ++j) names.push_back("p" + className(j));
    std::string text = softmaxExplanationText(logits(), probabilities(), names, kDigits);
    const float* p = probabilities().data();
    if (setup_.loss == LessonLoss::SquaredError) {
      text += "\nerror E = ½Σ(target − output)² = ½[";
      for (int64_t j = 0; j < k; ++j)
        text += (j ? " + " : "") + std::string("(") + (j == setup_.target ? "1" : "0") + " − " + fmt(p[j]) + ")²";
      text += "] = " + fmt(error_);
    } else {
      text += "\nerror E = −log p_target = −log " + fmt(p[setup_.target]) + " = " + fmt(error_);
    }
    return text;
  }
  case Stage::ErrorGradient: {
    const float* p = probabilities().data();
    const float t = cell == setup_.target ? 1.0f : 0.0f, d = logitGradient_.data()[cell];
    if (setup_.loss == LessonLoss::CrossEntropy)
      return "softmax with cross-entropy: ∂E/∂z" + className(cell) + " = p" + className(cell) + " − t" +
             className(cell) + " = " + fmt(p[cell]) + " − " + fmt(t) + " = " + fmt(d);
    // E = ½Σ(t_j − p_j)² through the softmax: ∂E/∂z_k = p_k·((p_k − t_k) − Σ_j (p_j − t_j)·p_j).
    double s = 0.0;
    std::string sum;
    for (int64_t j = 0; j < k; ++j) {
      const double tj = j == setup_.target ? 1.0 : 0.0;
      s += (p[j] - tj) * p[j];
      sum += (j ? " + " : "") + term(p[j] - tj) + "·" + fmt(p[j]);
    }
    return "∂E/∂p_j = p_j − t_j; through the softmax, ∂E/∂z_k = p_k·((p_k − t_k) − S)\n"
           "S = Σ_j (p_j − t_j)·p_j = " +
           sum + " = " + fmt(s) + "\n∂E/∂z" + className(cell) + " = " + fmt(p[cell]) + "·(" + term(p[cell] - t) +
           " − " + term(s) + ") = " + fmt(d);
  }
  case Stage::DenseGradient: {
    const int64_t f = features().size(), o = cell / f, i = cell % f;
    std::string text = "outer product: " +
                       gradientExplanationText(explainDenseWeightGradient(features(), logitGradient_, o, i), kDigits) +
                       "   (x" + std::to_string(i + 1) + "·δ" + className(o) + ")";
    if (i + 1 == f)
      text += "\n∂E/∂b" + className(o) + " = δ" + className(o) + " = " + fmt(denseBiasGradient().data()[o]);
    return text;
  }
  case Stage::FeatureGradient:
    return "weighted column sum: " +
           gradientExplanationText(explainDenseInputGradient(denseWeights(), logitGradient_, 0, cell), kDigits) +
           "   (Σ_k W[k][" + std::to_string(cell) + "]·δ_k)";
  case Stage::PoolingGradient: {
    const GradientExplanation e = explainPool2dGradient(setup_.pool, reluOutput(), pooledGradient(), 0, 0, row, col);
    if (e.terms.empty())
      return "∂E/∂x[0][" + std::to_string(row) + "][" + std::to_string(col) + "] = 0  (" +
             (setup_.pool.mode == PoolMode::Max ? "not its window's maximum: pooling passed nothing back"
                                                : "in no pooling window") +
             ")";
    return (setup_.pool.mode == PoolMode::Max ? "the window's maximum receives the gradient: "
                                              : "each cell of the window receives its share: ") +
           gradientExplanationText(e, kDigits);
  }
  case Stage::ReLUGradient: {
    const float x = convOutput().at(0, 0, row, col);
    return activationGradientText(ActivationKind::ReLU, 0.0f, x, std::max(0.0f, x),
                                  reluOutputGradient().at(0, 0, row, col), kDigits);
  }
  case Stage::KernelGradient: {
    const int64_t kh = kernel().shape()[2], kw = kernel().shape()[3];
    if (cell == cellCount(stage) - 1)
      return gradientExplanationText(explainConv2dBiasGradient(convOutputGradient(), 0), kDigits);
    Conv2DGeometry g = setup_.geometry;
    g.kernelH = kh, g.kernelW = kw, g.groups = 1;
    const int64_t c = cell / (kh * kw), i = cell % (kh * kw) / kw, j = cell % kw;
    return "input window ⋆ δ: " +
           gradientExplanationText(explainConv2dWeightGradient(g, setup_.image, convOutputGradient(), 0, c, i, j),
                                   kDigits);
  }
  case Stage::Update: {
    const int64_t n = kernel().size();
    const float rate = setup_.rate, mu = setup_.momentum;
    if (cell < n)
      return "kernel w[" + std::to_string(cell / (kernel().shape()[2] * kernel().shape()[3])) + "][" +
             std::to_string(cell / kernel().shape()[3] % kernel().shape()[2]) + "][" +
             std::to_string(cell % kernel().shape()[3]) + "]: " +
             explainSgdStep(kernel().data()[cell], kernelGradient().data()[cell], rate, mu, optimizer_->velocities()[0].data()[cell],
                            kDigits)
                 .text;
    if (cell == n)
      return "bias b: " + explainSgdStep(bias(), biasGradient(), rate, mu, optimizer_->velocities()[1].data()[0], kDigits).text;
    // The fully connected layer at once: its first rows written out.
    const int64_t f = features().size();
    std::string text = "fully connected: all " + std::to_string(denseWeights().size()) + " weights and " +
                       std::to_string(k) + " biases, each w − η·g";
    int lines = 0;
    for (int64_t o = 0; o < k && lines < 6; ++o)
      for (int64_t i = 0; i < f && lines < 6; ++i, ++lines)
        text += "\nW[" + std::to_string(o) + "][" + std::to_string(i) + "]: " +
                explainSgdStep(denseWeights().data()[o * f + i], denseWeightGradient().data()[o * f + i], rate, mu,
                               optimizer_->velocities()[2].data()[o * f + i], kDigits)
                    .text;
    if (denseWeights().size() > 6) text += "\n…";
    return text;
  }
  }
  return {};
}

} // namespace convscope
