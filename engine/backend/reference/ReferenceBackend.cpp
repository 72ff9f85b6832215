// Reference loops. Each function is the textbook definition, written to be read; the
// accumulation is in double so the oracle is at least as exact as anything it checks.
#include "engine/backend/reference/ReferenceBackend.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace convscope {

// dst(n, oc, oh, ow) = bias(oc) + Σ_ic Σ_kh Σ_kw src(n, g·icPerGroup + ic, ih, iw) · weights(oc, ic, kh, kw)
// with ih = oh·stride − padTop + kh·dilation (likewise iw); positions outside the input are
// zero padding and contribute nothing.
void ReferenceBackend::conv2dForward(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights,
                                     const Tensor* bias, Tensor& dst) {
  checkConv2DArguments(g, src, weights, bias, dst);
  const Shape& s = src.shape();
  const Shape& d = dst.shape();
  const int64_t inPerGroup = weights.shape()[1];
  const int64_t outPerGroup = d[1] / g.groups;
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t oc = 0; oc < d[1]; ++oc) {
      const int64_t firstInChannel = (oc / outPerGroup) * inPerGroup;
      for (int64_t oh = 0; oh < d[2]; ++oh)
        for (int64_t ow = 0; ow < d[3]; ++ow) {
          double sum = bias ? bias->data()[oc] : 0.0;
          for (int64_t ic = 0; ic < inPerGroup; ++ic)
            for (int64_t kh = 0; kh < g.kernelH; ++kh) {
              const int64_t ih = oh * g.strideH - g.padTop + kh * g.dilationH;
              if (ih < 0 || ih >= s[2]) continue;
              for (int64_t kw = 0; kw < g.kernelW; ++kw) {
                const int64_t iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
                if (iw < 0 || iw >= s[3]) continue;
                sum += double(src.at(n, firstInChannel + ic, ih, iw)) * double(weights.at(oc, ic, kh, kw));
              }
            }
          dst.at(n, oc, oh, ow) = static_cast<float>(sum);
        }
    }
}

ConvExplanation explainConv2d(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights, const Tensor* bias,
                              int64_t batch, int64_t outChannel, int64_t row, int64_t col) {
  const Shape d = conv2dOutputShape(src.shape(), weights.shape()[0], g, "explain");
  if (batch < 0 || batch >= d[0] || outChannel < 0 || outChannel >= d[1] || row < 0 || row >= d[2] || col < 0 ||
      col >= d[3])
    throw std::invalid_argument("explain: position (" + std::to_string(row) + "," + std::to_string(col) +
                                ") of output channel " + std::to_string(outChannel) + " is outside the output " +
                                std::to_string(d[2]) + "x" + std::to_string(d[3]) + " with " + std::to_string(d[1]) +
                                " channel(s)");
  Tensor dst(d);
  checkConv2DArguments(g, src, weights, bias, dst);
  const Shape& s = src.shape();
  const int64_t inPerGroup = weights.shape()[1];
  const int64_t firstInChannel = (outChannel / (d[1] / g.groups)) * inPerGroup;

  ConvExplanation e;
  e.batch = batch;
  e.outChannel = outChannel;
  e.row = row;
  e.col = col;
  double total = 0.0;
  for (int64_t ic = 0; ic < inPerGroup; ++ic) {
    ConvChannelSum channel;
    channel.channel = firstInChannel + ic;
    double sum = 0.0;
    for (int64_t kh = 0; kh < g.kernelH; ++kh)
      for (int64_t kw = 0; kw < g.kernelW; ++kw) {
        ConvTerm t;
        t.row = row * g.strideH - g.padTop + kh * g.dilationH;
        t.col = col * g.strideW - g.padLeft + kw * g.dilationW;
        t.kernelRow = kh;
        t.kernelCol = kw;
        t.weight = weights.at(outChannel, ic, kh, kw);
        t.padding = t.row < 0 || t.row >= s[2] || t.col < 0 || t.col >= s[3];
        t.input = t.padding ? 0.0f : src.at(batch, channel.channel, t.row, t.col);
        sum += double(t.input) * double(t.weight);
        channel.terms.push_back(t);
      }
    channel.sum = static_cast<float>(sum);
    total += sum;
    e.channels.push_back(std::move(channel));
  }
  e.bias = bias ? bias->data()[outChannel] : 0.0f;
  e.value = static_cast<float>(total + e.bias);
  return e;
}

std::string explanationText(const ConvExplanation& e, int digits) {
  const auto value = [digits](float v) { return formatValue(v, digits); };
  const auto weight = [digits](float v) { return digits > 0 ? formatSlide(v, digits, true) : formatNumber(v); };
  const auto bracket = [](float v, const std::string& t) { return v < 0 ? "(" + t + ")" : t; };
  const auto term = [&](float v) { return bracket(v, value(v)); };
  std::string text;
  std::string sums;
  for (const ConvChannelSum& c : e.channels) {
    text += "channel " + std::to_string(c.channel + 1) + ": "; // people count channels from 1
    for (size_t i = 0; i < c.terms.size(); ++i) {
      if (i) text += " + ";
      const std::string w = weight(c.terms[i].weight); // a fraction is bracketed like a negative: 3·(1/9)
      text += term(c.terms[i].input) + "·" + (w.find('/') != std::string::npos ? "(" + w + ")" : bracket(c.terms[i].weight, w));
    }
    text += " = " + value(c.sum) + "\n";
    sums += (sums.empty() ? value(c.sum) : " + " + term(c.sum));
  }
  text += "output(" + std::to_string(e.row) + "," + std::to_string(e.col) + ") = " + sums + " + " + term(e.bias) +
          " = " + value(e.value) + "\n";
  return text;
}

void ReferenceBackend::pool2dForward(const Pool2DGeometry& g, const Tensor& src, Tensor& dst) {
  checkPool2DArguments(g, src, dst);
  const Shape& s = src.shape();
  const Shape& d = dst.shape();
  const double windowCells = double(g.kernelH * g.kernelW);
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t c = 0; c < d[1]; ++c)
      for (int64_t oh = 0; oh < d[2]; ++oh)
        for (int64_t ow = 0; ow < d[3]; ++ow) {
          double sum = 0.0;
          int64_t inside = 0;
          float maximum = -std::numeric_limits<float>::infinity();
          for (int64_t kh = 0; kh < g.kernelH; ++kh) {
            const int64_t ih = oh * g.strideH - g.padTop + kh;
            if (ih < 0 || ih >= s[2]) continue; // padding: 0 for sums, ignored by max
            for (int64_t kw = 0; kw < g.kernelW; ++kw) {
              const int64_t iw = ow * g.strideW - g.padLeft + kw;
              if (iw < 0 || iw >= s[3]) continue;
              const float v = src.at(n, c, ih, iw);
              sum += v;
              ++inside;
              maximum = std::max(maximum, v);
            }
          }
          float& out = dst.at(n, c, oh, ow);
          switch (g.mode) {
          case PoolMode::Max: out = maximum; break;
          case PoolMode::Average:
            out = static_cast<float>(sum / (g.countPadding ? windowCells : double(inside)));
            break;
          case PoolMode::Sum: out = static_cast<float>(sum); break;
          }
        }
}

void ReferenceBackend::activationForward(ActivationKind kind, float alpha, const Tensor& src, Tensor& dst) {
  checkSameShape("activation", src, dst);
  const float* x = src.data();
  float* y = dst.data();
  for (int64_t i = 0; i < src.size(); ++i) {
    switch (kind) {
    case ActivationKind::None: y[i] = x[i]; break;
    case ActivationKind::ReLU: y[i] = x[i] > 0.0f ? x[i] : 0.0f; break;
    case ActivationKind::LeakyReLU: y[i] = x[i] > 0.0f ? x[i] : alpha * x[i]; break;
    case ActivationKind::Tanh: y[i] = std::tanh(x[i]); break;
    case ActivationKind::Sigmoid: y[i] = static_cast<float>(1.0 / (1.0 + std::exp(-double(x[i])))); break;
    case ActivationKind::ReLU6: y[i] = x[i] > 0.0f ? (x[i] < 6.0f ? x[i] : 6.0f) : 0.0f; break;
    case ActivationKind::ELU: y[i] = x[i] > 0.0f ? x[i] : static_cast<float>(alpha * std::expm1(double(x[i]))); break;
    case ActivationKind::HardSigmoid: y[i] = std::clamp(alpha * x[i] + 0.5f, 0.0f, 1.0f); break;
    case ActivationKind::HardSwish: y[i] = x[i] * std::clamp(x[i] + 3.0f, 0.0f, 6.0f) / 6.0f; break;
    case ActivationKind::SiLU: y[i] = static_cast<float>(double(x[i]) / (1.0 + std::exp(-double(x[i])))); break;
    case ActivationKind::SELU:
      y[i] = static_cast<float>(kSeluScale * (x[i] > 0.0f ? double(x[i]) : kSeluAlpha * std::expm1(double(x[i]))));
      break;
    case ActivationKind::GELU: // x·Φ(x), Φ(x) = (1 + erf(x/√2)) / 2
      y[i] = static_cast<float>(0.5 * double(x[i]) * (1.0 + std::erf(double(x[i]) / std::sqrt(2.0))));
      break;
    case ActivationKind::GELUTanh: {
      const double v = x[i];
      y[i] = static_cast<float>(0.5 * v * (1.0 + std::tanh(kGeluTanhScale * (v + kGeluTanhCubic * v * v * v))));
      break;
    }
    }
  }
}

void ReferenceBackend::denseForward(const Tensor& src, const Tensor& weights, const Tensor* bias, Tensor& dst) {
  checkDenseArguments(src, weights, bias, dst);
  const int64_t batch = src.shape()[0], in = src.shape()[1], out = weights.shape()[0];
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t o = 0; o < out; ++o) {
      double sum = bias ? bias->data()[o] : 0.0;
      for (int64_t i = 0; i < in; ++i) sum += double(src.data()[n * in + i]) * double(weights.data()[o * in + i]);
      dst.data()[n * out + o] = static_cast<float>(sum);
    }
}

void ReferenceBackend::softmaxForward(const Tensor& src, Tensor& dst) {
  checkSameShape("softmax", src, dst);
  if (src.shape().rank() != 2) throw std::invalid_argument("softmax: expects (N, F), got " + src.shape().toString());
  const int64_t batch = src.shape()[0], features = src.shape()[1];
  for (int64_t n = 0; n < batch; ++n) {
    const float* x = src.data() + n * features;
    float* y = dst.data() + n * features;
    const float maximum = *std::max_element(x, x + features);
    double total = 0.0;
    for (int64_t i = 0; i < features; ++i) total += std::exp(double(x[i]) - maximum);
    for (int64_t i = 0; i < features; ++i) y[i] = static_cast<float>(std::exp(double(x[i]) - maximum) / total);
  }
}

} // namespace convscope

// ---- backward ------------------------------------------------------------------------
// Each is the forward loop read the other way: every term src·weight of the forward pass
// sends diff_dst·weight to diff_src and diff_dst·src to diff_weights.

namespace convscope {

void ReferenceBackend::conv2dBackwardData(const Conv2DGeometry& g, const Tensor& weights, const Tensor& diffDst,
                                          Tensor& diffSrc) {
  checkConv2DBackward(g, diffSrc.shape(), weights.shape(), diffDst.shape());
  const Shape& s = diffSrc.shape();
  const Shape& d = diffDst.shape();
  const int64_t inPerGroup = weights.shape()[1];
  const int64_t outPerGroup = d[1] / g.groups;
  std::vector<double> acc(static_cast<size_t>(diffSrc.size()), 0.0);
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t oc = 0; oc < d[1]; ++oc) {
      const int64_t firstInChannel = (oc / outPerGroup) * inPerGroup;
      for (int64_t oh = 0; oh < d[2]; ++oh)
        for (int64_t ow = 0; ow < d[3]; ++ow) {
          const double grad = diffDst.at(n, oc, oh, ow);
          for (int64_t ic = 0; ic < inPerGroup; ++ic)
            for (int64_t kh = 0; kh < g.kernelH; ++kh) {
              const int64_t ih = oh * g.strideH - g.padTop + kh * g.dilationH;
              if (ih < 0 || ih >= s[2]) continue;
              for (int64_t kw = 0; kw < g.kernelW; ++kw) {
                const int64_t iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
                if (iw < 0 || iw >= s[3]) continue;
                acc[diffSrc.offset(n, firstInChannel + ic, ih, iw)] += grad * weights.at(oc, ic, kh, kw);
              }
            }
        }
    }
  for (int64_t i = 0; i < diffSrc.size(); ++i) diffSrc.data()[i] = static_cast<float>(acc[static_cast<size_t>(i)]);
}

void ReferenceBackend::conv2dBackwardWeights(const Conv2DGeometry& g, const Tensor& src, const Tensor& diffDst,
                                             Tensor& diffWeights, Tensor* diffBias) {
  checkConv2DBackward(g, src.shape(), diffWeights.shape(), diffDst.shape());
  const Shape& s = src.shape();
  const Shape& d = diffDst.shape();
  const int64_t inPerGroup = diffWeights.shape()[1];
  const int64_t outPerGroup = d[1] / g.groups;
  for (int64_t oc = 0; oc < d[1]; ++oc) {
    const int64_t firstInChannel = (oc / outPerGroup) * inPerGroup;
    for (int64_t ic = 0; ic < inPerGroup; ++ic)
      for (int64_t kh = 0; kh < g.kernelH; ++kh)
        for (int64_t kw = 0; kw < g.kernelW; ++kw) {
          double sum = 0.0;
          for (int64_t n = 0; n < d[0]; ++n)
            for (int64_t oh = 0; oh < d[2]; ++oh) {
              const int64_t ih = oh * g.strideH - g.padTop + kh * g.dilationH;
              if (ih < 0 || ih >= s[2]) continue;
              for (int64_t ow = 0; ow < d[3]; ++ow) {
                const int64_t iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
                if (iw < 0 || iw >= s[3]) continue;
                sum += double(diffDst.at(n, oc, oh, ow)) * src.at(n, firstInChannel + ic, ih, iw);
              }
            }
          diffWeights.at(oc, ic, kh, kw) = static_cast<float>(sum);
        }
    if (diffBias) {
      double sum = 0.0;
      for (int64_t n = 0; n < d[0]; ++n)
        for (int64_t oh = 0; oh < d[2]; ++oh)
          for (int64_t ow = 0; ow < d[3]; ++ow) sum += diffDst.at(n, oc, oh, ow);
      diffBias->data()[oc] = static_cast<float>(sum);
    }
  }
}

void ReferenceBackend::pool2dBackward(const Pool2DGeometry& g, const Tensor& src, const Tensor& diffDst,
                                      Tensor& diffSrc) {
  checkPool2DBackward(g, src.shape(), diffDst.shape());
  checkSameShape("pool2d backward", src, diffSrc);
  const Shape& s = src.shape();
  const Shape& d = diffDst.shape();
  std::fill(diffSrc.values().begin(), diffSrc.values().end(), 0.0f);
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t c = 0; c < d[1]; ++c)
      for (int64_t oh = 0; oh < d[2]; ++oh)
        for (int64_t ow = 0; ow < d[3]; ++ow) {
          const float grad = diffDst.at(n, c, oh, ow);
          const float share = poolShare(g, s, oh, ow);
          int64_t bestH = -1, bestW = -1;
          float best = -std::numeric_limits<float>::infinity();
          for (int64_t kh = 0; kh < g.kernelH; ++kh) {
            const int64_t ih = oh * g.strideH - g.padTop + kh;
            if (ih < 0 || ih >= s[2]) continue;
            for (int64_t kw = 0; kw < g.kernelW; ++kw) {
              const int64_t iw = ow * g.strideW - g.padLeft + kw;
              if (iw < 0 || iw >= s[3]) continue;
              if (g.mode != PoolMode::Max) {
                diffSrc.at(n, c, ih, iw) += grad * share;
              } else if (src.at(n, c, ih, iw) > best) {
                best = src.at(n, c, ih, iw);
                bestH = ih, bestW = iw;
              }
            }
          }
          if (g.mode == PoolMode::Max && bestH >= 0) diffSrc.at(n, c, bestH, bestW) += grad;
        }
}

void ReferenceBackend::activationBackward(ActivationKind kind, float alpha, const Tensor& src, const Tensor& dst,
                                          const Tensor& diffDst, Tensor& diffSrc) {
  checkSameShape("activation backward", src, diffDst);
  checkSameShape("activation backward", src, diffSrc);
  checkSameShape("activation backward", src, dst);
  for (int64_t i = 0; i < src.size(); ++i) {
    const float x = src.data()[i], y = dst.data()[i], gy = diffDst.data()[i];
    float& gx = diffSrc.data()[i];
    switch (kind) {
    case ActivationKind::None: gx = gy; break;
    case ActivationKind::ReLU: gx = x > 0.0f ? gy : 0.0f; break;
    case ActivationKind::LeakyReLU: gx = x > 0.0f ? gy : alpha * gy; break;
    case ActivationKind::Tanh: gx = gy * (1.0f - y * y); break;
    case ActivationKind::Sigmoid: gx = gy * y * (1.0f - y); break;
    case ActivationKind::ReLU6: gx = x > 0.0f && x < 6.0f ? gy : 0.0f; break;
    case ActivationKind::ELU: gx = x > 0.0f ? gy : static_cast<float>(gy * alpha * std::exp(double(x))); break;
    case ActivationKind::HardSigmoid: {
      const float z = alpha * x + 0.5f;
      gx = z > 0.0f && z < 1.0f ? gy * alpha : 0.0f;
      break;
    }
    case ActivationKind::HardSwish: gx = x < -3.0f ? 0.0f : x <= 3.0f ? gy * (x / 3.0f + 0.5f) : gy; break;
    case ActivationKind::SiLU: {
      const double s = 1.0 / (1.0 + std::exp(-double(x)));
      gx = static_cast<float>(gy * s * (1.0 + x * (1.0 - s)));
      break;
    }
    case ActivationKind::SELU:
      gx = static_cast<float>(gy * kSeluScale * (x > 0.0f ? 1.0 : kSeluAlpha * std::exp(double(x))));
      break;
    case ActivationKind::GELU: { // Φ(x) + x·φ(x), φ the normal density
      const double v = x, phi = std::exp(-0.5 * v * v) / std::sqrt(2.0 * 3.14159265358979323846);
      gx = static_cast<float>(gy * (0.5 * (1.0 + std::erf(v / std::sqrt(2.0))) + v * phi));
      break;
    }
    case ActivationKind::GELUTanh: gx = static_cast<float>(gy * geluTanhSlope(x)); break;
    }
  }
}

void ReferenceBackend::denseBackwardData(const Tensor& weights, const Tensor& diffDst, Tensor& diffSrc) {
  const int64_t batch = diffDst.shape()[0], out = weights.shape()[0], in = weights.shape()[1];
  if (diffSrc.shape() != Shape{batch, in} || diffDst.shape() != Shape{batch, out})
    throw std::invalid_argument("dense backward: diff_src " + diffSrc.shape().toString() + " and diff_dst " +
                                diffDst.shape().toString() + " do not fit weights " + weights.shape().toString());
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t i = 0; i < in; ++i) {
      double sum = 0.0;
      for (int64_t o = 0; o < out; ++o) sum += double(diffDst.data()[n * out + o]) * weights.data()[o * in + i];
      diffSrc.data()[n * in + i] = static_cast<float>(sum);
    }
}

void ReferenceBackend::denseBackwardWeights(const Tensor& src, const Tensor& diffDst, Tensor& diffWeights,
                                            Tensor* diffBias) {
  const int64_t batch = src.shape()[0], in = src.shape()[1], out = diffDst.shape()[1];
  if (diffWeights.shape() != Shape{out, in} || diffDst.shape()[0] != batch)
    throw std::invalid_argument("dense backward: diff_weights " + diffWeights.shape().toString() + " do not fit src " +
                                src.shape().toString() + " and diff_dst " + diffDst.shape().toString());
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i) {
      double sum = 0.0;
      for (int64_t n = 0; n < batch; ++n) sum += double(diffDst.data()[n * out + o]) * src.data()[n * in + i];
      diffWeights.data()[o * in + i] = static_cast<float>(sum);
    }
    if (diffBias) {
      double sum = 0.0;
      for (int64_t n = 0; n < batch; ++n) sum += diffDst.data()[n * out + o];
      diffBias->data()[o] = static_cast<float>(sum);
    }
  }
}

void ReferenceBackend::softmaxBackward(const Tensor& dst, const Tensor& diffDst, Tensor& diffSrc) {
  checkSameShape("softmax backward", dst, diffDst);
  checkSameShape("softmax backward", dst, diffSrc);
  const int64_t batch = dst.shape()[0], features = dst.shape()[1];
  for (int64_t n = 0; n < batch; ++n) {
    const float* y = dst.data() + n * features;
    const float* gy = diffDst.data() + n * features;
    double dot = 0.0;
    for (int64_t i = 0; i < features; ++i) dot += double(gy[i]) * y[i];
    for (int64_t i = 0; i < features; ++i) diffSrc.data()[n * features + i] = static_cast<float>(y[i] * (gy[i] - dot));
  }
}

namespace {
// D = k + α/size · Σ x² over the window of channels centred on c (clipped at the ends).
double lrnDenominator(const LrnParams& p, const Tensor& x, int64_t n, int64_t c, int64_t h, int64_t w) {
  const int64_t half = p.size / 2, channels = x.shape()[1];
  double squares = 0.0;
  for (int64_t j = std::max<int64_t>(0, c - half); j <= std::min(channels - 1, c + half); ++j) {
    const double v = x.at(n, j, h, w);
    squares += v * v;
  }
  return p.k + p.alpha / double(p.size) * squares;
}
} // namespace

void ReferenceBackend::lrnForward(const LrnParams& p, const Tensor& src, Tensor& dst) {
  checkLrnArguments(p, src, dst, "dst");
  const Shape& s = src.shape();
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < s[1]; ++c)
      for (int64_t h = 0; h < s[2]; ++h)
        for (int64_t w = 0; w < s[3]; ++w)
          dst.at(n, c, h, w) = float(src.at(n, c, h, w) / std::pow(lrnDenominator(p, src, n, c, h, w), p.beta));
}

void ReferenceBackend::lrnBackward(const LrnParams& p, const Tensor& src, const Tensor& diffDst, Tensor& diffSrc) {
  checkLrnArguments(p, src, diffDst, "diff_dst");
  checkLrnArguments(p, src, diffSrc, "diff_src");
  const Shape& s = src.shape();
  const int64_t half = p.size / 2;
  std::vector<double> denominators(static_cast<size_t>(s[1]));
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t h = 0; h < s[2]; ++h)
      for (int64_t w = 0; w < s[3]; ++w) {
        for (int64_t c = 0; c < s[1]; ++c) denominators[size_t(c)] = lrnDenominator(p, src, n, c, h, w);
        for (int64_t i = 0; i < s[1]; ++i) {
          // y_c = x_c·D_c^−β reads x_i in every D_c whose window holds i.
          double across = 0.0;
          for (int64_t c = std::max<int64_t>(0, i - half); c <= std::min(s[1] - 1, i + half); ++c)
            across += double(diffDst.at(n, c, h, w)) * src.at(n, c, h, w) *
                      std::pow(denominators[size_t(c)], -double(p.beta) - 1.0);
          const double own = diffDst.at(n, i, h, w) * std::pow(denominators[size_t(i)], -double(p.beta));
          diffSrc.at(n, i, h, w) = float(own - 2.0 * p.alpha * p.beta / double(p.size) * src.at(n, i, h, w) * across);
        }
      }
}

} // namespace convscope
