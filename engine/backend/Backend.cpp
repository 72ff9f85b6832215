// Backend factory and the argument checks both backends share.
#include "engine/backend/Backend.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace convscope {

std::unique_ptr<Backend> makeBackend(BackendKind kind) {
  if (kind == BackendKind::Reference) return std::make_unique<ReferenceBackend>();
  return std::make_unique<OnednnBackend>();
}

BackendKind backendKindFromString(const std::string& text) {
  if (text == "reference") return BackendKind::Reference;
  if (text == "onednn") return BackendKind::Onednn;
  throw std::invalid_argument("unknown backend '" + text + "' (expected reference or onednn)");
}

void checkConv2DArguments(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights, const Tensor* bias,
                          const Tensor& dst) {
  const Shape& w = weights.shape();
  if (w.rank() != 4)
    throw std::invalid_argument("conv2d: weights must be (C_out, C_in/groups, KH, KW), got " + w.toString());
  if (w[2] != g.kernelH || w[3] != g.kernelW)
    throw std::invalid_argument("conv2d: weights " + w.toString() + " do not match the kernel " +
                                std::to_string(g.kernelH) + "x" + std::to_string(g.kernelW));
  const Shape expected = conv2dOutputShape(src.shape(), w[0], g, "conv2d");
  if (w[1] * g.groups != src.shape()[1])
    throw std::invalid_argument("conv2d: weights " + w.toString() + " expect " + std::to_string(w[1] * g.groups) +
                                " input channels, the input has " + std::to_string(src.shape()[1]));
  if (bias && bias->size() != w[0])
    throw std::invalid_argument("conv2d: bias has " + std::to_string(bias->size()) + " values for " +
                                std::to_string(w[0]) + " output channels");
  if (dst.shape() != expected)
    throw std::invalid_argument("conv2d: dst is " + dst.shape().toString() + ", expected " + expected.toString());
}

void checkPool2DArguments(const Pool2DGeometry& g, const Tensor& src, const Tensor& dst) {
  const Shape expected = pool2dOutputShape(src.shape(), g, "pool2d");
  if (dst.shape() != expected)
    throw std::invalid_argument("pool2d: dst is " + dst.shape().toString() + ", expected " + expected.toString());
}

void checkDenseArguments(const Tensor& src, const Tensor& weights, const Tensor* bias, const Tensor& dst) {
  const Shape& s = src.shape();
  const Shape& w = weights.shape();
  if (s.rank() != 2 || w.rank() != 2)
    throw std::invalid_argument("dense: expects src (N, F_in) and weights (F_out, F_in), got " + s.toString() +
                                " and " + w.toString());
  if (s[1] != w[1])
    throw std::invalid_argument("dense: input has " + std::to_string(s[1]) + " features, weights expect " +
                                std::to_string(w[1]));
  if (bias && bias->size() != w[0])
    throw std::invalid_argument("dense: bias has " + std::to_string(bias->size()) + " values for " +
                                std::to_string(w[0]) + " outputs");
  if (dst.shape() != Shape{s[0], w[0]})
    throw std::invalid_argument("dense: dst is " + dst.shape().toString() + ", expected " +
                                Shape{s[0], w[0]}.toString());
}

void checkSameShape(const std::string& what, const Tensor& src, const Tensor& dst) {
  if (src.shape() != dst.shape())
    throw std::invalid_argument(what + ": dst is " + dst.shape().toString() + ", src is " + src.shape().toString());
  if (src.layout() != dst.layout()) // element-wise work goes flat over memory
    throw std::invalid_argument(what + ": src and dst of shape " + src.shape().toString() + " differ in memory layout");
}

void checkConv2DBackward(const Conv2DGeometry& g, const Shape& src, const Shape& weights, const Shape& diffDst) {
  if (weights.rank() != 4 || weights[2] != g.kernelH || weights[3] != g.kernelW)
    throw std::invalid_argument("conv2d backward: weights " + weights.toString() + " do not match the kernel " +
                                std::to_string(g.kernelH) + "x" + std::to_string(g.kernelW));
  const Shape expected = conv2dOutputShape(src, weights[0], g, "conv2d backward");
  if (weights[1] * g.groups != src[1])
    throw std::invalid_argument("conv2d backward: weights " + weights.toString() + " expect " +
                                std::to_string(weights[1] * g.groups) + " input channels, src has " +
                                std::to_string(src[1]));
  if (diffDst != expected)
    throw std::invalid_argument("conv2d backward: diff_dst is " + diffDst.toString() + ", expected " +
                                expected.toString());
}

void checkPool2DBackward(const Pool2DGeometry& g, const Shape& src, const Shape& diffDst) {
  const Shape expected = pool2dOutputShape(src, g, "pool2d backward");
  if (diffDst != expected)
    throw std::invalid_argument("pool2d backward: diff_dst is " + diffDst.toString() + ", expected " +
                                expected.toString());
}

std::string LrnParams::toString() const {
  std::ostringstream out;
  out << "size " << size << " alpha " << alpha << " beta " << beta << " k " << k;
  return out.str();
}

void checkLrnArguments(const LrnParams& p, const Tensor& src, const Tensor& other, const std::string& what) {
  if (p.size < 1 || p.size > 99 || p.size % 2 == 0)
    throw std::invalid_argument("local response normalization: size " + std::to_string(p.size) +
                                " must be odd, 1 to 99 (a window centred on each channel)");
  if (!(p.k > 0.0f) || !(p.alpha >= 0.0f) || !(p.beta >= 0.0f))
    throw std::invalid_argument("local response normalization: k must be positive, alpha and beta at least 0 (" +
                                p.toString() + ")");
  if (src.shape().rank() != 4)
    throw std::invalid_argument("local response normalization: expects maps (N, C, H, W), got " +
                                src.shape().toString());
  if (other.shape() != src.shape() || other.layout() != src.layout())
    throw std::invalid_argument("local response normalization: " + what + " " + other.shape().toString() +
                                " differs from src " + src.shape().toString() + " in shape or layout");
}

void checkSumArguments(const std::vector<const Tensor*>& srcs, const Tensor& dst) {
  if (srcs.empty()) throw std::invalid_argument("sum: no inputs");
  for (const Tensor* s : srcs) // layouts may differ
    if (s->shape() != dst.shape())
      throw std::invalid_argument("sum: dst is " + dst.shape().toString() + ", src is " + s->shape().toString());
}

void checkConcatArguments(const std::vector<Shape>& srcs, const Shape& dst) {
  if (srcs.empty()) throw std::invalid_argument("concat: no inputs");
  int64_t channels = 0;
  for (const Shape& s : srcs) {
    bool fits = s.rank() == dst.rank() && (s.rank() == 2 || s.rank() == 4);
    for (int d = 0; fits && d < s.rank(); ++d) fits = d == 1 || s[d] == dst[d];
    if (!fits)
      throw std::invalid_argument("concat: input " + s.toString() + " does not fit the output " + dst.toString() +
                                  " (all sizes but the channels must agree)");
    channels += s[1];
  }
  if (channels != dst[1])
    throw std::invalid_argument("concat: the inputs have " + std::to_string(channels) + " channels, the output " +
                                dst.toString());
}

namespace {
// Element (n, c, h, w) of a rank-2 (N, F) or rank-4 tensor in its own layout.
size_t elementAt(const Tensor& t, int64_t n, int64_t c, int64_t h, int64_t w) {
  return t.shape().rank() == 2 ? size_t(n * t.shape()[1] + c) : t.offset(n, c, h, w);
}
} // namespace

void Backend::sumForward(const std::vector<const Tensor*>& srcs, Tensor& dst) {
  checkSumArguments(srcs, dst);
  const int64_t n = dst.size();
  const bool sameLayout =
      std::all_of(srcs.begin(), srcs.end(), [&](const Tensor* s) { return s->layout() == dst.layout(); });
  if (sameLayout || dst.shape().rank() != 4) {
    float* out = dst.data();
#pragma omp parallel for
    for (int64_t i = 0; i < n; ++i) {
      float v = 0.0f;
      for (const Tensor* s : srcs) v += s->data()[i];
      out[i] = v;
    }
    return;
  }
  const Shape& d = dst.shape();
  for (int64_t b = 0; b < d[0]; ++b)
    for (int64_t c = 0; c < d[1]; ++c)
      for (int64_t h = 0; h < d[2]; ++h)
        for (int64_t w = 0; w < d[3]; ++w) {
          float v = 0.0f;
          for (const Tensor* s : srcs) v += s->at(b, c, h, w);
          dst.at(b, c, h, w) = v;
        }
}

void Backend::concatForward(const std::vector<const Tensor*>& srcs, Tensor& dst) {
  std::vector<Shape> shapes;
  for (const Tensor* s : srcs) shapes.push_back(s->shape());
  checkConcatArguments(shapes, dst.shape());
  const Shape& d = dst.shape();
  const int64_t hs = d.rank() == 4 ? d[2] : 1, ws = d.rank() == 4 ? d[3] : 1;
#pragma omp parallel for
  for (int64_t b = 0; b < d[0]; ++b) {
    int64_t base = 0;
    for (const Tensor* s : srcs) {
      for (int64_t c = 0; c < s->shape()[1]; ++c)
        for (int64_t h = 0; h < hs; ++h)
          for (int64_t w = 0; w < ws; ++w)
            dst.data()[elementAt(dst, b, base + c, h, w)] = s->data()[elementAt(*s, b, c, h, w)];
      base += s->shape()[1];
    }
  }
}

void checkChannelSelectArguments(const std::vector<int64_t>& channels, const Shape& src, const Shape& dst) {
  if ((src.rank() != 4 && src.rank() != 2) || dst.rank() != src.rank())
    throw std::invalid_argument("channel select: " + src.toString() + " to " + dst.toString() +
                                ": maps (N, C, H, W) or vectors (N, F) of one rank");
  bool fits = int64_t(channels.size()) == dst[1];
  for (int d = 0; fits && d < src.rank(); ++d) fits = d == 1 || src[d] == dst[d];
  if (!fits)
    throw std::invalid_argument("channel select: " + std::to_string(channels.size()) + " channels of " +
                                src.toString() + " do not make " + dst.toString());
  for (int64_t c : channels)
    if (c < 0 || c >= src[1])
      throw std::invalid_argument("channel select: channel " + std::to_string(c) + " of " + src.toString() +
                                  " does not exist");
}

namespace {
// Moves channel channels[k] of `from` to channel k of `to` (forward), or adds channel k of
// `from` to channel channels[k] of `to` (backward), a whole plane or a pixel's channels at a time.
void selectChannels(const std::vector<int64_t>& channels, const Tensor& from, Tensor& to, bool scatter) {
  const Shape& s = scatter ? to.shape() : from.shape();
  const int64_t n = s[0], plane = s.rank() == 4 ? s[2] * s[3] : 1;
  const int64_t srcChannels = s[1], dstChannels = int64_t(channels.size());
  const Tensor& big = scatter ? to : from;
  const float* in = from.data();
  float* out = to.data();
  if (s.rank() == 2 || big.layout() == Layout::NCHW) {
#pragma omp parallel for
    for (int64_t b = 0; b < n; ++b)
      for (int64_t k = 0; k < dstChannels; ++k) {
        const int64_t c = channels[size_t(k)];
        if (scatter) {
          const float* d = in + (b * dstChannels + k) * plane;
          float* x = out + (b * srcChannels + c) * plane;
          for (int64_t i = 0; i < plane; ++i) x[i] += d[i];
        } else {
          std::copy_n(in + (b * srcChannels + c) * plane, plane, out + (b * dstChannels + k) * plane);
        }
      }
    return;
  }
#pragma omp parallel for
  for (int64_t p = 0; p < n * plane; ++p) { // NHWC: each pixel's channels are together
    const float* pin = in + p * (scatter ? dstChannels : srcChannels);
    float* pout = out + p * (scatter ? srcChannels : dstChannels);
    for (int64_t k = 0; k < dstChannels; ++k) {
      if (scatter)
        pout[channels[size_t(k)]] += pin[k];
      else
        pout[k] = pin[channels[size_t(k)]];
    }
  }
}
} // namespace

void Backend::channelSelectForward(const std::vector<int64_t>& channels, const Tensor& src, Tensor& dst) {
  checkChannelSelectArguments(channels, src.shape(), dst.shape());
  if (src.layout() != dst.layout() && src.shape().rank() == 4) {
    Tensor same(dst.shape(), 0.0f, src.layout());
    selectChannels(channels, src, same, false);
    dst = same.inLayout(dst.layout());
    return;
  }
  selectChannels(channels, src, dst, false);
}

void Backend::channelSelectBackward(const std::vector<int64_t>& channels, const Tensor& diffDst, Tensor& diffSrc) {
  checkChannelSelectArguments(channels, diffSrc.shape(), diffDst.shape());
  std::fill(diffSrc.values().begin(), diffSrc.values().end(), 0.0f);
  if (diffDst.layout() != diffSrc.layout() && diffSrc.shape().rank() == 4) {
    selectChannels(channels, diffDst.inLayout(diffSrc.layout()), diffSrc, true);
    return;
  }
  selectChannels(channels, diffDst, diffSrc, true);
}

Shape arithmeticShape(ArithmeticOp op, const Shape& a, const Shape& b) {
  if (a.rank() != b.rank() || (a.rank() != 4 && a.rank() != 2))
    throw std::invalid_argument(toString(op) + ": " + a.toString() + " and " + b.toString() +
                                ": expects two maps (N, C, H, W) or two vectors (N, F)");
  Shape out = a;
  for (int64_t k = 0; k < a.rank(); ++k) {
    if (a[k] == b[k] || b[k] == 1) continue;
    if (a[k] != 1)
      throw std::invalid_argument(toString(op) + ": " + a.toString() + " and " + b.toString() +
                                  " do not broadcast: axis " + std::to_string(k) + " has " + std::to_string(a[k]) +
                                  " and " + std::to_string(b[k]) + " (each axis needs equal sizes, or 1 in one of them)");
    out[k] = b[k];
  }
  return out;
}

namespace {
// A tensor read through broadcasting: element (n, c, h, w) of dst's index space, an axis of
// size 1 read at 0 on every position.
struct Broadcast {
  const Tensor& t;
  int64_t sizes[4];
  explicit Broadcast(const Tensor& tensor) : t(tensor) {
    const Shape& s = t.shape();
    sizes[0] = s[0], sizes[1] = s[1], sizes[2] = s.rank() == 4 ? s[2] : 1, sizes[3] = s.rank() == 4 ? s[3] : 1;
  }
  size_t at(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return elementAt(t, sizes[0] == 1 ? 0 : n, sizes[1] == 1 ? 0 : c, sizes[2] == 1 ? 0 : h, sizes[3] == 1 ? 0 : w);
  }
};

float arithmetic(ArithmeticOp op, float a, float b) {
  switch (op) {
  case ArithmeticOp::Add: return a + b;
  case ArithmeticOp::Subtract: return a - b;
  case ArithmeticOp::Multiply: return a * b;
  case ArithmeticOp::Divide: return a / b;
  }
  return 0.0f;
}

// ∂(a ∘ b)/∂a (first) or ∂(a ∘ b)/∂b times dy.
double arithmeticGradient(ArithmeticOp op, bool first, double dy, double a, double b) {
  switch (op) {
  case ArithmeticOp::Add: return dy;
  case ArithmeticOp::Subtract: return first ? dy : -dy;
  case ArithmeticOp::Multiply: return first ? dy * b : dy * a;
  case ArithmeticOp::Divide: return first ? dy / b : -dy * a / (b * b);
  }
  return 0.0;
}

// diff of one operand (`first`: a, else b): each of its values gathers the gradient of every
// dst position that read it — one position, or a whole broadcast axis.
void arithmeticOperandGradient(ArithmeticOp op, bool first, const Tensor& a, const Tensor& b, const Tensor& diffDst,
                               Tensor& diff) {
  const Broadcast ra(a), rb(b), rd(diffDst), own(diff);
  const int64_t* d = rd.sizes;
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < own.sizes[0]; ++n)
    for (int64_t c = 0; c < own.sizes[1]; ++c)
      for (int64_t h = 0; h < own.sizes[2]; ++h)
        for (int64_t w = 0; w < own.sizes[3]; ++w) {
          // The dst positions reading this value: the whole axis where this operand has 1.
          const bool spread[4] = {own.sizes[0] == 1, own.sizes[1] == 1, own.sizes[2] == 1, own.sizes[3] == 1};
          double sum = 0.0;
          for (int64_t i = spread[0] ? 0 : n; i < (spread[0] ? d[0] : n + 1); ++i)
            for (int64_t j = spread[1] ? 0 : c; j < (spread[1] ? d[1] : c + 1); ++j)
              for (int64_t k = spread[2] ? 0 : h; k < (spread[2] ? d[2] : h + 1); ++k)
                for (int64_t l = spread[3] ? 0 : w; l < (spread[3] ? d[3] : w + 1); ++l)
                  sum += arithmeticGradient(op, first, diffDst.data()[elementAt(diffDst, i, j, k, l)],
                                            a.data()[ra.at(i, j, k, l)], b.data()[rb.at(i, j, k, l)]);
          diff.data()[elementAt(diff, n, c, h, w)] = float(sum);
        }
}
} // namespace

void Backend::arithmeticForward(ArithmeticOp op, const Tensor& a, const Tensor& b, Tensor& dst) {
  const Shape expected = arithmeticShape(op, a.shape(), b.shape());
  if (dst.shape() != expected)
    throw std::invalid_argument(toString(op) + ": dst " + dst.shape().toString() + " for " + expected.toString());
  const Broadcast ra(a), rb(b), rd(dst);
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < rd.sizes[0]; ++n)
    for (int64_t c = 0; c < rd.sizes[1]; ++c)
      for (int64_t h = 0; h < rd.sizes[2]; ++h)
        for (int64_t w = 0; w < rd.sizes[3]; ++w)
          dst.data()[elementAt(dst, n, c, h, w)] = arithmetic(op, a.data()[ra.at(n, c, h, w)], b.data()[rb.at(n, c, h, w)]);
}

void Backend::arithmeticBackward(ArithmeticOp op, const Tensor& a, const Tensor& b, const Tensor& diffDst,
                                 Tensor* diffA, Tensor* diffB) {
  const Shape expected = arithmeticShape(op, a.shape(), b.shape());
  if (diffDst.shape() != expected)
    throw std::invalid_argument(toString(op) + " backward: diff_dst " + diffDst.shape().toString() + " for " +
                                expected.toString());
  if (diffA && diffA->shape() != a.shape())
    throw std::invalid_argument(toString(op) + " backward: diff_a " + diffA->shape().toString() + " for " +
                                a.shape().toString());
  if (diffB && diffB->shape() != b.shape())
    throw std::invalid_argument(toString(op) + " backward: diff_b " + diffB->shape().toString() + " for " +
                                b.shape().toString());
  if (diffA) arithmeticOperandGradient(op, true, a, b, diffDst, *diffA);
  if (diffB) arithmeticOperandGradient(op, false, a, b, diffDst, *diffB);
}

void Backend::concatBackward(const Tensor& diffDst, const std::vector<Tensor*>& diffSrcs) {
  std::vector<Shape> shapes;
  for (const Tensor* s : diffSrcs) shapes.push_back(s->shape());
  checkConcatArguments(shapes, diffDst.shape());
  const Shape& d = diffDst.shape();
  const int64_t hs = d.rank() == 4 ? d[2] : 1, ws = d.rank() == 4 ? d[3] : 1;
#pragma omp parallel for
  for (int64_t b = 0; b < d[0]; ++b) {
    int64_t base = 0;
    for (Tensor* s : diffSrcs) {
      for (int64_t c = 0; c < s->shape()[1]; ++c)
        for (int64_t h = 0; h < hs; ++h)
          for (int64_t w = 0; w < ws; ++w)
            s->data()[elementAt(*s, b, c, h, w)] = diffDst.data()[elementAt(diffDst, b, base + c, h, w)];
      base += s->shape()[1];
    }
  }
}

void checkBatchNormArguments(const Tensor& src, const std::vector<const Tensor*>& perChannel, const Tensor& other,
                             const std::string& what) {
  if (src.shape().rank() != 4)
    throw std::invalid_argument("batch norm: expects maps (N, C, H, W), got " + src.shape().toString());
  const int64_t c = src.shape()[1];
  for (const Tensor* t : perChannel)
    if (t->size() != c)
      throw std::invalid_argument("batch norm: " + std::to_string(t->size()) + " scales or statistics for " +
                                  std::to_string(c) + " channels");
  if (other.shape() != src.shape())
    throw std::invalid_argument("batch norm: " + what + " " + other.shape().toString() + " for src " +
                                src.shape().toString());
}

namespace {
// Calls f(offset) for every element of channel c of a rank-4 tensor (either layout).
template <typename F> void forChannel(const Tensor& t, int64_t c, F f) {
  const Shape& s = t.shape();
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t h = 0; h < s[2]; ++h)
      for (int64_t w = 0; w < s[3]; ++w) f(t.offset(n, c, h, w));
}

} // namespace

void Backend::batchNormForward(const Tensor& src, const Tensor& gamma, const Tensor& beta, Tensor& mean,
                               Tensor& variance, bool training, float epsilon, Tensor& dst) {
  checkBatchNormArguments(src, {&gamma, &beta, &mean, &variance}, dst, "dst");
  const int64_t channels = src.shape()[1];
  const double count = double(src.shape()[0] * src.shape()[2] * src.shape()[3]);
#pragma omp parallel for
  for (int64_t c = 0; c < channels; ++c) {
    if (training) {
      double sum = 0.0, squares = 0.0;
      forChannel(src, c, [&](size_t i) { sum += src.data()[i]; });
      const double mu = sum / count;
      forChannel(src, c, [&](size_t i) { squares += (src.data()[i] - mu) * (src.data()[i] - mu); });
      mean.data()[c] = float(mu);
      variance.data()[c] = float(squares / count);
    }
    const double mu = mean.data()[c], inv = 1.0 / std::sqrt(double(variance.data()[c]) + epsilon);
    const double g = gamma.data()[c], b = beta.data()[c];
    const Shape& s = src.shape();
    for (int64_t n = 0; n < s[0]; ++n)
      for (int64_t h = 0; h < s[2]; ++h)
        for (int64_t w = 0; w < s[3]; ++w) dst.at(n, c, h, w) = float(g * (src.at(n, c, h, w) - mu) * inv + b);
  }
}

void Backend::batchNormBackward(const Tensor& src, const Tensor& gamma, const Tensor& mean, const Tensor& variance,
                                const Tensor& diffDst, bool training, float epsilon, Tensor* diffSrc, Tensor& diffGamma,
                                Tensor& diffBeta) {
  checkBatchNormArguments(src, {&gamma, &mean, &variance, &diffGamma, &diffBeta}, diffDst, "diff_dst");
  if (diffSrc) checkBatchNormArguments(src, {}, *diffSrc, "diff_src");
  const Shape& s = src.shape();
  const int64_t channels = s[1];
  const double count = double(s[0] * s[2] * s[3]);
#pragma omp parallel for
  for (int64_t c = 0; c < channels; ++c) {
    const double mu = mean.data()[c], inv = 1.0 / std::sqrt(double(variance.data()[c]) + epsilon);
    double sumDy = 0.0, sumDyXhat = 0.0;
    for (int64_t n = 0; n < s[0]; ++n)
      for (int64_t h = 0; h < s[2]; ++h)
        for (int64_t w = 0; w < s[3]; ++w) {
          const double dy = diffDst.at(n, c, h, w), xhat = (src.at(n, c, h, w) - mu) * inv;
          sumDy += dy;
          sumDyXhat += dy * xhat;
        }
    diffGamma.data()[c] = float(sumDyXhat);
    diffBeta.data()[c] = float(sumDy);
    if (!diffSrc) continue;
    const double g = gamma.data()[c];
    for (int64_t n = 0; n < s[0]; ++n)
      for (int64_t h = 0; h < s[2]; ++h)
        for (int64_t w = 0; w < s[3]; ++w) {
          const double dy = diffDst.at(n, c, h, w), xhat = (src.at(n, c, h, w) - mu) * inv;
          diffSrc->at(n, c, h, w) =
              float(training ? g * inv * (dy - sumDy / count - xhat * sumDyXhat / count) : g * inv * dy);
        }
  }
}

namespace {
// Where a sample's channel c at position p lies: maps (N, C, H, W) in either layout, or
// vectors (N, F) as one position of F channels.
struct ChannelWalk {
  int64_t samples, channels, positions, sampleStride, channelStride, positionStride;
  explicit ChannelWalk(const Tensor& t) {
    const Shape& s = t.shape();
    samples = s[0], channels = s[1], positions = s.rank() == 4 ? s[2] * s[3] : 1;
    sampleStride = channels * positions;
    const bool nhwc = s.rank() == 4 && t.layout() == Layout::NHWC;
    channelStride = nhwc ? 1 : positions;
    positionStride = nhwc ? channels : 1;
  }
  int64_t at(int64_t n, int64_t c, int64_t p) const { return n * sampleStride + c * channelStride + p * positionStride; }
};

void checkLayerNormArguments(const Tensor& src, const std::vector<const Tensor*>& perChannel, const Tensor& other,
                             const std::string& what) {
  const Shape& s = src.shape();
  if (s.rank() != 4 && s.rank() != 2)
    throw std::invalid_argument("layer norm: expects maps (N, C, H, W) or vectors (N, F), got " + s.toString());
  for (const Tensor* t : perChannel)
    if (t->size() != s[1])
      throw std::invalid_argument("layer norm: " + std::to_string(t->size()) + " scales for " + std::to_string(s[1]) +
                                  " channels");
  if (other.shape() != s)
    throw std::invalid_argument("layer norm: " + what + " " + other.shape().toString() + " for src " + s.toString());
}

// Each position's mean and 1/√(σ² + ε) over the channels, for positions [p0, p0 + count).
void positionStatistics(const float* x, const ChannelWalk& w, int64_t n, int64_t p0, int64_t count, float epsilon,
                        std::vector<double>& mean, std::vector<double>& inv) {
  mean.assign(size_t(count), 0.0);
  inv.assign(size_t(count), 0.0);
  for (int64_t c = 0; c < w.channels; ++c)
    for (int64_t i = 0; i < count; ++i) mean[size_t(i)] += x[w.at(n, c, p0 + i)];
  for (double& m : mean) m /= double(w.channels);
  for (int64_t c = 0; c < w.channels; ++c)
    for (int64_t i = 0; i < count; ++i) {
      const double d = x[w.at(n, c, p0 + i)] - mean[size_t(i)];
      inv[size_t(i)] += d * d;
    }
  for (double& v : inv) v = 1.0 / std::sqrt(v / double(w.channels) + double(epsilon));
}
constexpr int64_t kPositionBlock = 256;
} // namespace

void Backend::layerNormForward(const Tensor& src, const Tensor& gamma, const Tensor& beta, float epsilon, Tensor& dst) {
  checkLayerNormArguments(src, {&gamma, &beta}, dst, "dst");
  Tensor converted;
  const Tensor& in = src.inLayout(dst.layout(), converted);
  const ChannelWalk w(dst);
  const int64_t blocks = (w.positions + kPositionBlock - 1) / kPositionBlock;
  const float* x = in.data();
  float* y = dst.data();
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < w.samples; ++n)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t p0 = b * kPositionBlock, count = std::min(kPositionBlock, w.positions - p0);
      std::vector<double> mean, inv;
      positionStatistics(x, w, n, p0, count, epsilon, mean, inv);
      for (int64_t c = 0; c < w.channels; ++c) {
        const double g = gamma.data()[c], be = beta.data()[c];
        for (int64_t i = 0; i < count; ++i) {
          const int64_t k = w.at(n, c, p0 + i);
          y[k] = float((x[k] - mean[size_t(i)]) * inv[size_t(i)] * g + be);
        }
      }
    }
}

void Backend::layerNormBackward(const Tensor& src, const Tensor& gamma, const Tensor& diffDst, float epsilon,
                                Tensor* diffSrc, Tensor& diffGamma, Tensor& diffBeta) {
  checkLayerNormArguments(src, {&gamma, &diffGamma, &diffBeta}, diffDst, "diff_dst");
  if (diffSrc) checkLayerNormArguments(src, {}, *diffSrc, "diff_src");
  Tensor convertedSrc, convertedDiff;
  const Tensor& x = src.inLayout(Layout::NCHW, convertedSrc);
  const Tensor& dy = diffDst.inLayout(Layout::NCHW, convertedDiff);
  Tensor dx(src.shape());
  const ChannelWalk w(x);
  std::vector<double> sumGamma(size_t(w.channels), 0.0), sumBeta(size_t(w.channels), 0.0);
  std::vector<double> mean, inv;
  for (int64_t n = 0; n < w.samples; ++n)
    for (int64_t p0 = 0; p0 < w.positions; p0 += kPositionBlock) {
      const int64_t count = std::min(kPositionBlock, w.positions - p0);
      positionStatistics(x.data(), w, n, p0, count, epsilon, mean, inv);
      std::vector<double> meanG(size_t(count), 0.0), meanGXhat(size_t(count), 0.0);
      for (int64_t c = 0; c < w.channels; ++c)
        for (int64_t i = 0; i < count; ++i) {
          const int64_t k = w.at(n, c, p0 + i);
          const double d = dy.data()[k], xhat = (x.data()[k] - mean[size_t(i)]) * inv[size_t(i)];
          sumGamma[size_t(c)] += d * xhat;
          sumBeta[size_t(c)] += d;
          meanG[size_t(i)] += gamma.data()[c] * d / double(w.channels);
          meanGXhat[size_t(i)] += gamma.data()[c] * d * xhat / double(w.channels);
        }
      for (int64_t c = 0; c < w.channels; ++c)
        for (int64_t i = 0; i < count; ++i) {
          const int64_t k = w.at(n, c, p0 + i);
          const double xhat = (x.data()[k] - mean[size_t(i)]) * inv[size_t(i)];
          dx.data()[k] = float((gamma.data()[c] * dy.data()[k] - meanG[size_t(i)] - xhat * meanGXhat[size_t(i)]) *
                               inv[size_t(i)]);
        }
    }
  for (int64_t c = 0; c < w.channels; ++c)
    diffGamma.data()[c] = float(sumGamma[size_t(c)]), diffBeta.data()[c] = float(sumBeta[size_t(c)]);
  if (diffSrc) *diffSrc = dx.inLayout(diffSrc->layout());
}

namespace {
// Where output row (or column) o reads from an input of `in` cells resized to `out`: the two
// source cells and the second's weight (nearest: one cell, weight 0).
struct ResizeTap {
  int64_t i0 = 0, i1 = 0;
  float w1 = 0.0f;
};
std::vector<ResizeTap> resizeTaps(bool bilinear, int64_t in, int64_t out) {
  std::vector<ResizeTap> taps(static_cast<size_t>(out));
  const double scale = double(in) / double(out);
  for (int64_t o = 0; o < out; ++o) {
    ResizeTap& t = taps[size_t(o)];
    if (!bilinear) {
      t.i0 = t.i1 = std::min<int64_t>(int64_t(std::floor(double(o) * scale)), in - 1);
      continue;
    }
    const double x = std::max(0.0, (double(o) + 0.5) * scale - 0.5);
    t.i0 = std::min<int64_t>(int64_t(x), in - 1);
    t.i1 = std::min<int64_t>(t.i0 + 1, in - 1);
    t.w1 = float(x - double(t.i0));
  }
  return taps;
}

void checkResizeArguments(const Shape& src, const Shape& dst) {
  if (src.rank() != 4 || dst.rank() != 4 || src[0] != dst[0] || src[1] != dst[1])
    throw std::invalid_argument("resize: " + src.toString() + " to " + dst.toString() +
                                ": maps (N, C, H, W) of one batch and channel count");
}
} // namespace

void Backend::resizeForward(bool bilinear, const Tensor& src, Tensor& dst) {
  checkResizeArguments(src.shape(), dst.shape());
  const Shape& s = src.shape();
  const Shape& d = dst.shape();
  const std::vector<ResizeTap> rows = resizeTaps(bilinear, s[2], d[2]), cols = resizeTaps(bilinear, s[3], d[3]);
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t c = 0; c < d[1]; ++c)
      for (int64_t y = 0; y < d[2]; ++y) {
        const ResizeTap& r = rows[size_t(y)];
        for (int64_t x = 0; x < d[3]; ++x) {
          const ResizeTap& q = cols[size_t(x)];
          const float top = src.at(n, c, r.i0, q.i0) * (1 - q.w1) + src.at(n, c, r.i0, q.i1) * q.w1;
          const float bottom = src.at(n, c, r.i1, q.i0) * (1 - q.w1) + src.at(n, c, r.i1, q.i1) * q.w1;
          dst.at(n, c, y, x) = top * (1 - r.w1) + bottom * r.w1;
        }
      }
}

void Backend::resizeBackward(bool bilinear, const Tensor& diffDst, Tensor& diffSrc) {
  checkResizeArguments(diffSrc.shape(), diffDst.shape());
  const Shape& s = diffSrc.shape();
  const Shape& d = diffDst.shape();
  std::fill(diffSrc.values().begin(), diffSrc.values().end(), 0.0f);
  const std::vector<ResizeTap> rows = resizeTaps(bilinear, s[2], d[2]), cols = resizeTaps(bilinear, s[3], d[3]);
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t c = 0; c < d[1]; ++c) // each (n, c) plane is its own: no two threads add to one cell
      for (int64_t y = 0; y < d[2]; ++y) {
        const ResizeTap& r = rows[size_t(y)];
        for (int64_t x = 0; x < d[3]; ++x) {
          const ResizeTap& q = cols[size_t(x)];
          const float g = diffDst.at(n, c, y, x);
          diffSrc.at(n, c, r.i0, q.i0) += g * (1 - r.w1) * (1 - q.w1);
          diffSrc.at(n, c, r.i0, q.i1) += g * (1 - r.w1) * q.w1;
          diffSrc.at(n, c, r.i1, q.i0) += g * r.w1 * (1 - q.w1);
          diffSrc.at(n, c, r.i1, q.i1) += g * r.w1 * q.w1;
        }
      }
}

namespace {
void checkPreluArguments(const Tensor& src, const Tensor& slopes, const Shape& other, const std::string& what) {
  const Shape& s = src.shape();
  if (s.rank() != 4 && s.rank() != 2)
    throw std::invalid_argument("prelu: expects maps (N, C, H, W) or vectors (N, F), got " + s.toString());
  if (slopes.size() != 1 && slopes.size() != s[1])
    throw std::invalid_argument("prelu: " + std::to_string(slopes.size()) + " slopes for " + std::to_string(s[1]) +
                                " channels (one, or one per channel)");
  if (other != s) throw std::invalid_argument("prelu: " + what + " " + other.toString() + " for src " + s.toString());
}
} // namespace

void Backend::preluForward(const Tensor& src, const Tensor& slopes, Tensor& dst) {
  checkPreluArguments(src, slopes, dst.shape(), "dst");
  Tensor converted;
  const Tensor& in = src.inLayout(dst.layout(), converted);
  const ChannelWalk w(dst);
  const bool shared = slopes.size() == 1;
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < w.samples; ++n)
    for (int64_t c = 0; c < w.channels; ++c) {
      const float a = slopes.data()[shared ? 0 : c];
      for (int64_t p = 0; p < w.positions; ++p) {
        const int64_t k = w.at(n, c, p);
        const float x = in.data()[k];
        dst.data()[k] = x > 0.0f ? x : a * x;
      }
    }
}

void Backend::preluBackward(const Tensor& src, const Tensor& slopes, const Tensor& diffDst, Tensor* diffSrc,
                            Tensor& diffSlopes) {
  checkPreluArguments(src, slopes, diffDst.shape(), "diff_dst");
  if (diffSrc) checkPreluArguments(src, slopes, diffSrc->shape(), "diff_src");
  if (diffSlopes.size() != slopes.size())
    throw std::invalid_argument("prelu backward: " + std::to_string(diffSlopes.size()) + " slope gradients for " +
                                std::to_string(slopes.size()) + " slopes");
  Tensor convertedSrc, convertedDiff;
  const Tensor& x = src.inLayout(Layout::NCHW, convertedSrc);
  const Tensor& dy = diffDst.inLayout(Layout::NCHW, convertedDiff);
  Tensor dx(src.shape());
  const ChannelWalk w(x);
  const bool shared = slopes.size() == 1;
  std::vector<double> sums(static_cast<size_t>(slopes.size()), 0.0);
  for (int64_t n = 0; n < w.samples; ++n)
    for (int64_t c = 0; c < w.channels; ++c) {
      const float a = slopes.data()[shared ? 0 : c];
      double& sum = sums[size_t(shared ? 0 : c)];
      for (int64_t p = 0; p < w.positions; ++p) {
        const int64_t k = w.at(n, c, p);
        const float v = x.data()[k], g = dy.data()[k];
        dx.data()[k] = v > 0.0f ? g : a * g;
        if (v <= 0.0f) sum += double(g) * v;
      }
    }
  for (size_t k = 0; k < sums.size(); ++k) diffSlopes.data()[k] = float(sums[k]);
  if (diffSrc) *diffSrc = dx.inLayout(diffSrc->layout());
}

void Backend::clampForward(float lo, float hi, const Tensor& src, Tensor& dst) {
  if (src.shape() != dst.shape())
    throw std::invalid_argument("clamp: dst " + dst.shape().toString() + " for src " + src.shape().toString());
  Tensor converted;
  const Tensor& in = src.inLayout(dst.layout(), converted);
  const float* x = in.data();
  float* y = dst.data();
  const int64_t n = dst.size();
#pragma omp parallel for
  for (int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}

void Backend::clampBackward(float lo, float hi, const Tensor& src, const Tensor& diffDst, Tensor& diffSrc) {
  if (src.shape() != diffDst.shape() || src.shape() != diffSrc.shape())
    throw std::invalid_argument("clamp backward: diff_dst " + diffDst.shape().toString() + " and diff_src " +
                                diffSrc.shape().toString() + " for src " + src.shape().toString());
  Tensor convertedSrc, convertedDiff;
  const Tensor& x = src.inLayout(diffSrc.layout(), convertedSrc);
  const Tensor& dy = diffDst.inLayout(diffSrc.layout(), convertedDiff);
  const int64_t n = diffSrc.size();
#pragma omp parallel for
  for (int64_t i = 0; i < n; ++i) {
    const float v = x.data()[i];
    diffSrc.data()[i] = v >= lo && v <= hi ? dy.data()[i] : 0.0f;
  }
}

namespace {
// The source index along one axis of `n` cells for padded index o (−1: a constant border).
int64_t padSource(Backend::PadMode mode, int64_t o, int64_t before, int64_t n) {
  int64_t i = o - before;
  if (i >= 0 && i < n) return i;
  switch (mode) {
  case Backend::PadMode::Constant: return -1;
  case Backend::PadMode::Edge: return i < 0 ? 0 : n - 1;
  case Backend::PadMode::Reflect:
    if (n == 1) return 0;
    while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i; // mirrored at the edges, the edge itself not repeated
    return i;
  }
  return -1;
}

void checkPadArguments(Backend::PadMode mode, const std::array<int64_t, 4>& pads, const Shape& src, const Shape& dst) {
  if (src.rank() != 4 || dst.rank() != 4 || dst[0] != src[0] || dst[1] != src[1] ||
      dst[2] != src[2] + pads[0] + pads[1] || dst[3] != src[3] + pads[2] + pads[3])
    throw std::invalid_argument("pad: " + src.toString() + " padded by " + std::to_string(pads[0]) + "," +
                                std::to_string(pads[1]) + "," + std::to_string(pads[2]) + "," + std::to_string(pads[3]) +
                                " is not " + dst.toString());
  if (mode == Backend::PadMode::Reflect &&
      (pads[0] >= src[2] || pads[1] >= src[2] || pads[2] >= src[3] || pads[3] >= src[3]))
    throw std::invalid_argument("pad: reflecting " + std::to_string(src[2]) + "x" + std::to_string(src[3]) +
                                " maps needs each pad below the side's length");
}
} // namespace

void Backend::padForward(PadMode mode, float value, const std::array<int64_t, 4>& pads, const Tensor& src,
                         Tensor& dst) {
  checkPadArguments(mode, pads, src.shape(), dst.shape());
  const Shape& s = src.shape();
  const Shape& d = dst.shape();
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t c = 0; c < d[1]; ++c)
      for (int64_t y = 0; y < d[2]; ++y) {
        const int64_t sy = padSource(mode, y, pads[0], s[2]);
        for (int64_t x = 0; x < d[3]; ++x) {
          const int64_t sx = padSource(mode, x, pads[2], s[3]);
          dst.at(n, c, y, x) = sy < 0 || sx < 0 ? value : src.at(n, c, sy, sx);
        }
      }
}

void Backend::padBackward(PadMode mode, const std::array<int64_t, 4>& pads, const Tensor& diffDst, Tensor& diffSrc) {
  checkPadArguments(mode, pads, diffSrc.shape(), diffDst.shape());
  const Shape& s = diffSrc.shape();
  const Shape& d = diffDst.shape();
  std::fill(diffSrc.values().begin(), diffSrc.values().end(), 0.0f);
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t c = 0; c < d[1]; ++c) // each (n, c) plane its own: no two threads add to one cell
      for (int64_t y = 0; y < d[2]; ++y) {
        const int64_t sy = padSource(mode, y, pads[0], s[2]);
        for (int64_t x = 0; x < d[3]; ++x) {
          const int64_t sx = padSource(mode, x, pads[2], s[3]);
          if (sy >= 0 && sx >= 0) diffSrc.at(n, c, sy, sx) += diffDst.at(n, c, y, x);
        }
      }
}

} // namespace convscope
