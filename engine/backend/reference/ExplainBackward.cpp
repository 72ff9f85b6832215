// The convolution's backward pass term by term (see ExplainBackward.h). The loops are the
// reference backend's, in the same order and with the same double accumulation, so each
// explained value equals the backend's gradient to the last bit.
#include "engine/backend/reference/ExplainBackward.h"

#include "engine/core/OutputSize.h"
#include "engine/backend/reference/Explain.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace convscope {

namespace {
std::string index(std::initializer_list<int64_t> i) {
  std::string text;
  for (int64_t v : i) text += "[" + std::to_string(v) + "]";
  return text;
}
std::string position(std::initializer_list<int64_t> i) {
  std::string text;
  for (int64_t v : i) text += (text.empty() ? "(" : ",") + std::to_string(v);
  return text + ")";
}
// digits = 0: exact (formatNumber); else rounded to that many significant digits.
std::string fmt(float v, int digits = 0) { return digits > 0 ? formatRounded(v, digits) : formatNumber(v); }
std::string term(float v, int digits = 0) { return v < 0 ? "(" + fmt(v, digits) + ")" : fmt(v, digits); }

void checkIndex(const std::string& what, int64_t value, int64_t size, const std::string& of) {
  if (value < 0 || value >= size)
    throw std::invalid_argument("explain gradient: " + what + " " + std::to_string(value) + " is outside " + of +
                                " (0 to " + std::to_string(size - 1) + ")");
}
} // namespace

GradientExplanation explainConv2dWeightGradient(const Conv2DGeometry& g, const Tensor& src, const Tensor& diffDst,
                                                int64_t oc, int64_t ic, int64_t kh, int64_t kw) {
  const Shape& s = src.shape();
  const Shape& d = diffDst.shape();
  const int64_t inPerGroup = s[1] / g.groups, outPerGroup = d[1] / g.groups;
  checkIndex("filter", oc, d[1], "the output channels");
  checkIndex("channel", ic, inPerGroup, "the filter's channels");
  checkIndex("kernel row", kh, g.kernelH, "the kernel");
  checkIndex("kernel column", kw, g.kernelW, "the kernel");
  const int64_t c = (oc / outPerGroup) * inPerGroup + ic;
  GradientExplanation e;
  e.quantity = "∂E/∂w" + index({oc, ic, kh, kw});
  double sum = 0.0;
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t oh = 0; oh < d[2]; ++oh) {
      const int64_t ih = oh * g.strideH - g.padTop + kh * g.dilationH;
      if (ih < 0 || ih >= s[2]) continue;
      for (int64_t ow = 0; ow < d[3]; ++ow) {
        const int64_t iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
        if (iw < 0 || iw >= s[3]) continue;
        const float delta = diffDst.at(n, oc, oh, ow), x = src.at(n, c, ih, iw);
        sum += double(delta) * x;
        e.terms.push_back({x, delta, "x" + position({n, c, ih, iw}) + "·δ" + position({n, oc, oh, ow})});
      }
    }
  e.value = static_cast<float>(sum);
  return e;
}

GradientExplanation explainConv2dBiasGradient(const Tensor& diffDst, int64_t oc) {
  const Shape& d = diffDst.shape();
  checkIndex("filter", oc, d[1], "the output channels");
  GradientExplanation e;
  e.quantity = "∂E/∂b" + index({oc});
  double sum = 0.0;
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t oh = 0; oh < d[2]; ++oh)
      for (int64_t ow = 0; ow < d[3]; ++ow) {
        sum += diffDst.at(n, oc, oh, ow);
        e.terms.push_back({1.0f, diffDst.at(n, oc, oh, ow), "δ" + position({n, oc, oh, ow})});
      }
  e.value = static_cast<float>(sum);
  return e;
}

GradientExplanation explainConv2dInputGradient(const Conv2DGeometry& g, const Tensor& weights, const Tensor& diffDst,
                                               const Shape& s, int64_t n, int64_t c, int64_t y, int64_t x) {
  const Shape& d = diffDst.shape();
  const int64_t inPerGroup = weights.shape()[1], outPerGroup = d[1] / g.groups;
  checkIndex("image", n, s[0], "the batch");
  checkIndex("channel", c, s[1], "the input's channels");
  checkIndex("row", y, s[2], "the input");
  checkIndex("column", x, s[3], "the input");
  GradientExplanation e;
  e.quantity = "∂E/∂x" + index({c, y, x});
  double sum = 0.0;
  // The backend's order: every output (oc, oh, ow) that read this input, through the tap
  // (kh, kw) that lands on it.
  for (int64_t oc = 0; oc < d[1]; ++oc) {
    const int64_t first = (oc / outPerGroup) * inPerGroup;
    if (c < first || c >= first + inPerGroup) continue; // another group's filter
    const int64_t ic = c - first;
    for (int64_t oh = 0; oh < d[2]; ++oh)
      for (int64_t ow = 0; ow < d[3]; ++ow)
        for (int64_t kh = 0; kh < g.kernelH; ++kh) {
          if (oh * g.strideH - g.padTop + kh * g.dilationH != y) continue;
          for (int64_t kw = 0; kw < g.kernelW; ++kw) {
            if (ow * g.strideW - g.padLeft + kw * g.dilationW != x) continue;
            const float w = weights.at(oc, ic, kh, kw), delta = diffDst.at(n, oc, oh, ow);
            sum += double(delta) * w;
            e.terms.push_back({w, delta, "w" + position({oc, ic, kh, kw}) + "·δ" + position({n, oc, oh, ow})});
          }
        }
  }
  e.value = static_cast<float>(sum);
  return e;
}

std::string gradientExplanationText(const GradientExplanation& e, int digits) {
  std::string text = e.quantity + " = ";
  const bool bias = e.quantity.rfind("∂E/∂b", 0) == 0;
  for (size_t i = 0; i < e.terms.size(); ++i) {
    if (i) text += " + ";
    text += bias ? term(e.terms[i].b, digits) : term(e.terms[i].a, digits) + "·" + term(e.terms[i].b, digits);
  }
  if (e.terms.empty()) return text + "0 (no output read this position: only padding)";
  return text + " = " + fmt(e.value, digits);
}

GradientExplanation explainPool2dGradient(const Pool2DGeometry& g, const Tensor& src, const Tensor& diffDst, int64_t n,
                                          int64_t c, int64_t y, int64_t x) {
  const Shape& s = src.shape();
  const Shape& d = diffDst.shape();
  checkIndex("image", n, s[0], "the batch");
  checkIndex("channel", c, s[1], "the input's channels");
  checkIndex("row", y, s[2], "the input");
  checkIndex("column", x, s[3], "the input");
  GradientExplanation e;
  e.quantity = "∂E/∂x" + index({c, y, x});
  float sum = 0.0f; // the backends accumulate pooling's gradient in float, output by output
  for (int64_t oh = 0; oh < d[2]; ++oh)
    for (int64_t ow = 0; ow < d[3]; ++ow) {
      const float delta = diffDst.at(n, c, oh, ow);
      int64_t bestH = -1, bestW = -1;
      float best = -std::numeric_limits<float>::infinity();
      bool inWindow = false;
      for (int64_t kh = 0; kh < g.kernelH; ++kh) {
        const int64_t ih = oh * g.strideH - g.padTop + kh;
        if (ih < 0 || ih >= s[2]) continue;
        for (int64_t kw = 0; kw < g.kernelW; ++kw) {
          const int64_t iw = ow * g.strideW - g.padLeft + kw;
          if (iw < 0 || iw >= s[3]) continue;
          inWindow = inWindow || (ih == y && iw == x);
          if (src.at(n, c, ih, iw) > best) best = src.at(n, c, ih, iw), bestH = ih, bestW = iw;
        }
      }
      const bool routed = g.mode == PoolMode::Max ? bestH == y && bestW == x : inWindow;
      if (!routed) continue;
      const float share = poolShare(g, s, oh, ow);
      sum += delta * share;
      e.terms.push_back(
          {share, delta, "δ" + position({n, c, oh, ow}) + (g.mode == PoolMode::Max ? ", its window's maximum" : "")});
    }
  e.value = sum;
  return e;
}

std::string activationGradientText(ActivationKind kind, float alpha, float x, float y, float delta, int digits) {
  const std::string d = term(delta, digits);
  switch (kind) {
  case ActivationKind::ReLU: {
    const float mask = x > 0.0f ? 1.0f : 0.0f;
    return "∂E/∂x = δ·[x > 0] = " + d + "·" + fmt(mask, digits) + " = " + fmt(delta * mask, digits) +
           (x > 0.0f ? "" : "  (x = " + fmt(x, digits) + " was set to zero: no gradient flows back)");
  }
  case ActivationKind::LeakyReLU: {
    const float slope = x > 0.0f ? 1.0f : alpha;
    return "∂E/∂x = δ·(x > 0 ? 1 : α) = " + d + "·" + fmt(slope, digits) + " = " + fmt(delta * slope, digits);
  }
  case ActivationKind::ReLU6: {
    const float mask = x > 0.0f && x < 6.0f ? 1.0f : 0.0f;
    return "∂E/∂x = δ·[0 < x < 6] = " + d + "·" + fmt(mask, digits) + " = " + fmt(delta * mask, digits);
  }
  case ActivationKind::Tanh:
    return "∂E/∂x = δ·(1 − y²) = " + d + "·(1 − " + term(y, digits) + "²) = " + fmt(delta * (1.0f - y * y), digits);
  case ActivationKind::Sigmoid:
    return "∂E/∂x = δ·y·(1 − y) = " + d + "·" + term(y, digits) + "·(1 − " + term(y, digits) +
           ") = " + fmt(delta * y * (1.0f - y), digits);
  case ActivationKind::ELU: {
    const float slope = x > 0.0f ? 1.0f : float(alpha * std::exp(double(x)));
    return "∂E/∂x = δ·(x > 0 ? 1 : α·eˣ) = " + d + "·" + fmt(slope, digits) + " = " + fmt(delta * slope, digits);
  }
  case ActivationKind::HardSigmoid: {
    const float z = alpha * x + 0.5f, slope = z > 0.0f && z < 1.0f ? alpha : 0.0f;
    return "∂E/∂x = δ·(0 < α·x + ½ < 1 ? α : 0) = " + d + "·" + fmt(slope, digits) + " = " +
           fmt(delta * slope, digits);
  }
  case ActivationKind::HardSwish: {
    const float slope = x < -3.0f ? 0.0f : x <= 3.0f ? x / 3.0f + 0.5f : 1.0f;
    return "∂E/∂x = δ·(x < −3 ? 0 : x ≤ 3 ? x/3 + ½ : 1) = " + d + "·" + fmt(slope, digits) + " = " +
           fmt(delta * slope, digits);
  }
  case ActivationKind::SiLU: {
    const double s = 1.0 / (1.0 + std::exp(-double(x)));
    const float slope = float(s * (1.0 + x * (1.0 - s)));
    return "∂E/∂x = δ·σ(x)·(1 + x·(1 − σ(x))) = " + d + "·" + fmt(slope, digits) + " = " +
           fmt(delta * slope, digits);
  }
  case ActivationKind::SELU: {
    const float slope = float(kSeluScale * (x > 0.0f ? 1.0 : kSeluAlpha * std::exp(double(x))));
    return "∂E/∂x = δ·1.0507·(x > 0 ? 1 : 1.6733·eˣ) = " + d + "·" + fmt(slope, digits) + " = " +
           fmt(delta * slope, digits);
  }
  case ActivationKind::GELU: {
    const double v = x;
    const float slope = float(0.5 * (1.0 + std::erf(v / std::sqrt(2.0))) +
                              v * std::exp(-0.5 * v * v) / std::sqrt(2.0 * 3.14159265358979323846));
    return "∂E/∂x = δ·(Φ(x) + x·φ(x)) = " + d + "·" + fmt(slope, digits) + " = " + fmt(delta * slope, digits);
  }
  case ActivationKind::GELUTanh: {
    const float slope = float(geluTanhSlope(x));
    return "∂E/∂x = δ·(½(1 + t) + ½x(1 − t²)·0.79788·(1 + 3·0.044715·x²)), t = tanh(0.79788·(x + 0.044715·x³)) = " + d +
           "·" + fmt(slope, digits) + " = " + fmt(delta * slope, digits);
  }
  case ActivationKind::None: break;
  }
  return "∂E/∂x = δ = " + fmt(delta, digits);
}

GradientExplanation explainDenseWeightGradient(const Tensor& src, const Tensor& diffDst, int64_t o, int64_t i) {
  const int64_t batch = src.shape()[0], in = src.shape()[1], out = diffDst.shape()[1];
  checkIndex("output", o, out, "the layer's outputs");
  checkIndex("input", i, in, "the layer's inputs");
  GradientExplanation e;
  e.quantity = "∂E/∂W" + index({o, i});
  double sum = 0.0;
  for (int64_t n = 0; n < batch; ++n) {
    const float delta = diffDst.data()[n * out + o], x = src.data()[n * in + i];
    sum += double(delta) * x;
    e.terms.push_back({x, delta, "x" + position({n, i}) + "·δ" + position({n, o})});
  }
  e.value = static_cast<float>(sum);
  return e;
}

GradientExplanation explainDenseInputGradient(const Tensor& weights, const Tensor& diffDst, int64_t n, int64_t i) {
  const int64_t out = weights.shape()[0], in = weights.shape()[1];
  checkIndex("image", n, diffDst.shape()[0], "the batch");
  checkIndex("input", i, in, "the layer's inputs");
  GradientExplanation e;
  e.quantity = "∂E/∂x" + index({i});
  double sum = 0.0;
  for (int64_t o = 0; o < out; ++o) {
    const float delta = diffDst.data()[n * out + o], w = weights.data()[o * in + i];
    sum += double(delta) * w;
    e.terms.push_back({w, delta, "W" + position({o, i}) + "·δ" + position({n, o})});
  }
  e.value = static_cast<float>(sum);
  return e;
}

SgdStep explainSgdStep(float weight, float gradient, float rate, float momentum, float velocity, int digits) {
  SgdStep r;
  if (momentum == 0.0f) {
    r.velocity = gradient;
    r.weight = weight - rate * gradient;
    r.text = "w − η·g = " + fmt(weight, digits) + " − " + fmt(rate, digits) + "·" + term(gradient, digits) + " = " +
             fmt(r.weight, digits);
    return r;
  }
  // As the trainer computes it (PyTorch's SGD): v = μ·v + g; w −= η·v.
  r.velocity = momentum * velocity + gradient;
  r.weight = weight - rate * r.velocity;
  r.text = "v = μ·v + g = " + fmt(momentum, digits) + "·" + term(velocity, digits) + " + " + term(gradient, digits) +
           " = " + fmt(r.velocity, digits) + ", then w − η·v = " + fmt(weight, digits) + " − " + fmt(rate, digits) +
           "·" + term(r.velocity, digits) + " = " + fmt(r.weight, digits);
  return r;
}

double lectureError(const Tensor& output, const Tensor& target, Tensor& outputGradient) {
  const bool scalar = target.size() == 1;
  if (!scalar && target.shape() != output.shape())
    throw std::invalid_argument("gradient: the target is " + target.shape().toString() + " but the output is " +
                                output.shape().toString() + " (give one value, or a matrix of the output's size)");
  // E = ½ Σ (target − output)², so ∂E/∂output = output − target.
  outputGradient = Tensor(output.shape());
  double loss = 0.0;
  for (int64_t i = 0; i < output.size(); ++i) {
    const float delta = output.data()[i] - (scalar ? target.data()[0] : target.data()[i]);
    outputGradient.data()[i] = delta;
    loss += 0.5 * double(delta) * delta;
  }
  return loss;
}

ConvGradients convolutionGradients(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights,
                                   const Tensor& bias, const Tensor& target) {
  ReferenceBackend backend;
  ConvGradients r;
  r.output = Tensor(conv2dOutputShape(src.shape(), weights.shape()[0], g, "gradient"));
  backend.conv2dForward(g, src, weights, &bias, r.output);
  r.loss = lectureError(r.output, target, r.outputGradient);
  r.weightsGradient = Tensor(weights.shape());
  r.biasGradient = Tensor(bias.shape());
  r.inputGradient = Tensor(src.shape());
  backend.conv2dBackwardWeights(g, src, r.outputGradient, r.weightsGradient, &r.biasGradient);
  backend.conv2dBackwardData(g, weights, r.outputGradient, r.inputGradient);
  return r;
}

} // namespace convscope
