// Activation maximization by normalized gradient ascent with switchable regularizers.
#include "engine/inspection/FeatureVisualization.h"

#include "engine/inspection/ReceptiveField.h"
#include "engine/layers/Sample.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <stdexcept>

namespace convscope {

namespace {
// ∂activation/∂node output: ones over the channel's map (divided by its size) or at one position.
Tensor unitSeed(const Shape& out, const VisualizeOptions& o) {
  Tensor seed(out, 0.0f);
  if (out.rank() == 2) {
    seed.data()[o.channel] = 1.0f;
    return seed;
  }
  const int64_t h = out[2], w = out[3];
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j)
      if (o.y < 0 || (i == o.y && j == o.x)) seed.at(0, o.channel, i, j) = o.y < 0 ? 1.0f / float(h * w) : 1.0f;
  return seed;
}

double activationOf(const Tensor& out, const VisualizeOptions& o) {
  const Tensor t = out.inLayout(Layout::NCHW);
  const Tensor seed = unitSeed(t.shape(), o);
  double sum = 0.0;
  for (int64_t i = 0; i < t.size(); ++i) sum += double(seed.data()[i]) * double(t.data()[i]);
  return sum;
}

// The image shifted by (dy, dx) with wrap-around (jitter; shifting back undoes it exactly).
Tensor rolled(const Tensor& x, int dy, int dx) {
  Tensor out(x.shape());
  const Shape s = x.shape();
  for (int64_t c = 0; c < s[1]; ++c)
    for (int64_t i = 0; i < s[2]; ++i)
      for (int64_t j = 0; j < s[3]; ++j)
        out.at(0, c, ((i + dy) % s[2] + s[2]) % s[2], ((j + dx) % s[3] + s[3]) % s[3]) = x.at(0, c, i, j);
  return out;
}
// The start's centre per channel: the training set's mean (the normalization's zero), or grey when
// the model states no normalization (mean 0 and deviation 1: the pixels as they are).
std::vector<float> neutralImage(const Preprocess& p, int64_t channels) {
  std::vector<float> centre(size_t(channels), 0.5f);
  const bool normalized = std::any_of(p.mean.begin(), p.mean.end(), [](float m) { return m != 0.0f; }) ||
                          std::any_of(p.stddev.begin(), p.stddev.end(), [](float d) { return d != 1.0f; });
  if (normalized)
    for (int64_t c = 0; c < channels; ++c) centre[size_t(c)] = p.mean[size_t(c) % p.mean.size()];
  return centre;
}

void noisyStart(Tensor& x, const std::vector<float>& centre, double sigma, std::mt19937_64& random) {
  const Shape s = x.shape();
  const int64_t plane = s[2] * s[3];
  for (int64_t c = 0; c < s[1]; ++c)
    for (int64_t i = 0; i < plane; ++i)
      x.data()[c * plane + i] =
          std::clamp(centre[size_t(c)] + float(sigma * standardNormal(random)), 0.0f, 1.0f);
}

// The step a gradient-ascent on the decorrelated parameters takes, in pixels: each channel's
// gradient filtered by 1/max(f, 1/max(H, W))² in the Fourier domain (f in cycles per pixel, numpy's
// fftfreq; Lucid's spectrum scale squared, since the parameters are scaled once on the way in and
// the gradient once on the way out), then for RGB mixed by C·Cᵀ, C the square root of the colour
// covariance (Lucid's color_correlation_svd_sqrt).
void decorrelate(Tensor& g) {
  if (g.shape().rank() != 4 || g.shape()[0] != 1)
    throw std::invalid_argument("decorrelate: a gradient (1, C, H, W), not " + g.shape().toString());
  const Shape s = g.shape();
  const int h = int(s[2]), w = int(s[3]);
  const double lowest = 1.0 / double(std::max(h, w));
  for (int64_t c = 0; c < s[1]; ++c) {
    cv::Mat plane{h, w, CV_32F, g.data() + c * h * w};
    cv::Mat spectrum;
    cv::dft(plane, spectrum, cv::DFT_COMPLEX_OUTPUT);
    for (int u = 0; u < h; ++u)
      for (int v = 0; v < w; ++v) {
        const double fy = double(u <= (h - 1) / 2 ? u : u - h) / h, fx = double(v <= (w - 1) / 2 ? v : v - w) / w;
        const double scale = 1.0 / std::max(std::hypot(fy, fx), lowest);
        spectrum.at<cv::Vec2f>(u, v) *= float(scale * scale);
      }
    cv::dft(spectrum, plane, cv::DFT_INVERSE | cv::DFT_SCALE | cv::DFT_REAL_OUTPUT);
  }
  if (s[1] != 3) return;
  static const double C[3][3] = {{0.26, 0.09, 0.02}, {0.27, 0.00, -0.05}, {0.27, -0.09, 0.03}};
  double CCt[3][3];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) CCt[i][j] = C[i][0] * C[j][0] + C[i][1] * C[j][1] + C[i][2] * C[j][2];
  const int64_t plane = int64_t(h) * w;
  for (int64_t i = 0; i < plane; ++i) {
    const double r = g.data()[i], gr = g.data()[plane + i], b = g.data()[2 * plane + i];
    for (int k = 0; k < 3; ++k) g.data()[k * plane + i] = float(CCt[k][0] * r + CCt[k][1] * gr + CCt[k][2] * b);
  }
}
// Bilinear warp about the centre: output pixel p reads the input at M(p − c) + c, M the inverse of
// scale·rotation. visit(out index, in index, weight) for every in-image neighbour; the weight
// missing from a sample is the padding's.
template <typename Visit> void warpWeights(const Shape& s, double scale, double degrees, Visit visit) {
  const int64_t h = s[2], w = s[3];
  const double t = -degrees * M_PI / 180.0, k = 1.0 / scale; // the inverse: turn back, shrink back
  const double a = k * std::cos(t), b = -k * std::sin(t), c = k * std::sin(t), d = k * std::cos(t);
  const double cy = double(h - 1) / 2, cx = double(w - 1) / 2;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const double sy = a * (double(y) - cy) + b * (double(x) - cx) + cy;
      const double sx = c * (double(y) - cy) + d * (double(x) - cx) + cx;
      const int64_t y0 = int64_t(std::floor(sy)), x0 = int64_t(std::floor(sx));
      const double fy = sy - double(y0), fx = sx - double(x0);
      const double weights[4] = {(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx};
      const int64_t ys[4] = {y0, y0, y0 + 1, y0 + 1}, xs[4] = {x0, x0 + 1, x0, x0 + 1};
      for (int q = 0; q < 4; ++q)
        if (ys[q] >= 0 && ys[q] < h && xs[q] >= 0 && xs[q] < w && weights[q] != 0.0)
          visit(y * w + x, ys[q] * w + xs[q], weights[q]);
    }
}
} // namespace

Tensor warpImage(const Tensor& image, double scale, double degrees, const std::vector<float>& pad) {
  const Shape s = image.shape();
  const int64_t plane = s[2] * s[3];
  Tensor out(s, 0.0f);
  std::vector<double> covered(size_t(plane), 0.0);
  warpWeights(s, scale, degrees, [&](int64_t o, int64_t, double weight) { covered[size_t(o)] += weight; });
  for (int64_t ch = 0; ch < s[1]; ++ch) {
    const float* in = image.data() + ch * plane;
    float* to = out.data() + ch * plane;
    warpWeights(s, scale, degrees, [&](int64_t o, int64_t i, double weight) { to[o] += float(weight * in[i]); });
    const float fill = pad.empty() ? 0.0f : pad[size_t(ch) % pad.size()];
    for (int64_t o = 0; o < plane; ++o) to[o] += float((1.0 - covered[size_t(o)]) * fill);
  }
  return out;
}

Tensor warpGradient(const Tensor& gradient, double scale, double degrees) {
  const Shape s = gradient.shape();
  const int64_t plane = s[2] * s[3];
  Tensor back(s, 0.0f);
  for (int64_t ch = 0; ch < s[1]; ++ch) {
    const float* g = gradient.data() + ch * plane;
    float* to = back.data() + ch * plane;
    warpWeights(s, scale, degrees, [&](int64_t o, int64_t i, double weight) { to[i] += float(weight * g[o]); });
  }
  return back;
}

void decorrelateGradient(Tensor& gradient) { decorrelate(gradient); }

std::string VisualizeOptions::problem(const Network& network) const {
  if (network.inputShape().rank() != 3)
    return "the model's input must be an image (C, H, W), it is " + network.inputShape().toString();
  if (node >= network.size())
    return "layer " + std::to_string(node) + " is out of range: the model has " + std::to_string(network.size());
  const Shape out = network.shapes(1)[node];
  if (out.rank() != 4 && out.rank() != 2)
    return network.layer(node).name() + "'s output " + out.toString() + " has no units to visualize";
  if (channel < 0 || channel >= out[1])
    return "unit " + std::to_string(channel) + " is out of range: " + network.layer(node).name() + " has " +
           std::to_string(out[1]);
  if (out.rank() == 4 && y >= 0 && (y >= out[2] || x < 0 || x >= out[3]))
    return "position (" + std::to_string(y) + ", " + std::to_string(x) + ") is outside " + network.layer(node).name() +
           "'s " + std::to_string(out[2]) + "x" + std::to_string(out[3]) + " map";
  if (steps < 1 || steps > 100000) return "steps " + std::to_string(steps) + " must be from 1 to 100000";
  if (!(rate > 0.0 && rate <= 1.0)) return "the rate must be above 0 and at most 1";
  if (blurEvery < 1 || !(blurSigma > 0.0 && blurSigma <= 10.0)) return "the blur needs every ≥ 1 and σ in (0, 10]";
  if (jitterPixels < 0 || jitterPixels > 64) return "jitter must be from 0 to 64 pixels";
  if (!(scaleRange >= 0.0 && scaleRange <= 0.5)) return "the scale's range must be from 0 to 0.5";
  if (!(rotateDegrees >= 0.0 && rotateDegrees <= 180.0)) return "the rotation must be from 0 to 180 degrees";
  return {};
}

double unitActivation(Network& network, Backend& backend, const Preprocess& preprocess, const Tensor& image,
                      const VisualizeOptions& unit) {
  if (std::string p = unit.problem(network); !p.empty()) throw std::invalid_argument("visualize: " + p);
  network.setTraining(false);
  network.forward(backend, normalizeImages(image.inLayout(Layout::NCHW), preprocess));
  return activationOf(network.output(unit.node), unit);
}

UnitAscent::UnitAscent(const Network& network, const Preprocess& preprocess, VisualizeOptions options)
    : o_(std::move(options)), preprocess_(preprocess), random_(o_.seed) {
  if (std::string p = o_.problem(network); !p.empty()) throw std::invalid_argument("visualize: " + p);
  const Shape in = network.inputShape();
  centre_ = neutralImage(preprocess_, in[0]);
  x_ = Tensor(Shape{1, in[0], in[1], in[2]});
  noisyStart(x_, centre_, 0.02, random_);
}

double UnitAscent::step(Network& network, Backend& backend) {
  if (!started_) { // the start's own activation first
    started_ = true;
    result_.activationStart = result_.activationEnd = unitActivation(network, backend, preprocess_, x_, o_);
    return result_.activationStart;
  }
  if (done()) return result_.activationEnd;
  const Shape in = x_.shape();
  const int64_t plane = in[2] * in[3];
  const int step = taken_++;
  std::uniform_int_distribution<int> shift(-o_.jitterPixels, o_.jitterPixels);
  std::uniform_real_distribution<double> scaling(1.0 - o_.scaleRange, 1.0 + o_.scaleRange),
      turning(-o_.rotateDegrees, o_.rotateDegrees);
  const int dy = o_.jitter ? shift(random_) : 0, dx = o_.jitter ? shift(random_) : 0;
  const double zoom = o_.transform ? scaling(random_) : 1.0, turn = o_.transform ? turning(random_) : 0.0;
  const Tensor shifted = o_.jitter ? rolled(x_, dy, dx) : x_;
  const Tensor seen = o_.transform ? warpImage(shifted, zoom, turn, centre_) : shifted;
  const Tensor input = normalizeImages(seen, preprocess_); // kept alive for backward
  network.setTraining(false);
  network.forward(backend, input);
  const Tensor& out = network.output(o_.node);
  network.backward(backend, unitSeed(out.shape(), o_).inLayout(out.layout()), o_.node + 1, true);
  Tensor g = network.networkInputGradient().inLayout(Layout::NCHW);
  gradientToImages(g, preprocess_); // through the normalization
  if (o_.transform) g = warpGradient(g, zoom, turn);
  if (o_.jitter) g = rolled(g, -dy, -dx);
  if (o_.fourier) decorrelate(g);
  double magnitude = 0.0;
  for (float v : g.values()) magnitude += std::abs(double(v));
  if (magnitude == 0.0) {
    // Off for the whole start (a ReLU that never fires): start again from a noisier image. Once
    // it has answered, a zero gradient means it is saturated (tanh at 1): the image stays.
    if (!answered_) noisyStart(x_, centre_, std::min(0.5, 0.1 * std::pow(2.0, result_.restarts++)), random_);
  } else {
    answered_ = true;
    magnitude /= double(g.size());
    const double rate = o_.rate * (1.0 - 0.9 * double(step) / double(o_.steps)); // to a tenth by the end
    for (int64_t i = 0; i < x_.size(); ++i) {
      double v = x_.data()[i] + rate * double(g.data()[i]) / magnitude;
      if (o_.l2) v -= rate * o_.l2Weight * (v - centre_[size_t(i / plane)]);
      x_.data()[i] = float(std::clamp(v, 0.0, 1.0));
    }
    if (o_.blur && (step + 1) % o_.blurEvery == 0)
      for (int64_t c = 0; c < in[1]; ++c) {
        cv::Mat plane2d{int(in[2]), int(in[3]), CV_32F, x_.data() + c * plane};
        cv::GaussianBlur(plane2d, plane2d, cv::Size(0, 0), o_.blurSigma);
      }
  }
  result_.activationEnd = unitActivation(network, backend, preprocess_, x_, o_);
  result_.activations.push_back(result_.activationEnd);
  return result_.activationEnd;
}

VisualizeResult UnitAscent::result() const {
  VisualizeResult r = result_;
  r.image = x_;
  return r;
}

VisualizeResult visualizeUnit(Network& network, Backend& backend, const Preprocess& preprocess,
                              const VisualizeOptions& o) {
  UnitAscent ascent(network, preprocess, o);
  ascent.step(network, backend); // the start
  while (!ascent.done()) {
    const double activation = ascent.step(network, backend);
    if (o.progress && !o.progress(ascent.stepsTaken(), ascent.image(), activation)) break;
  }
  return ascent.result();
}

std::vector<DatasetExample> topDatasetExamples(Network& network, Backend& backend, const Preprocess& preprocess,
                                               const Dataset& data, const VisualizeOptions& unit, int k,
                                               size_t maxImages) {
  return topDatasetExamples(network, backend, preprocess, data, unit, {unit.channel}, k, maxImages)[0];
}

std::vector<std::vector<DatasetExample>> topDatasetExamples(Network& network, Backend& backend,
                                                            const Preprocess& preprocess, const Dataset& data,
                                                            const VisualizeOptions& unit,
                                                            const std::vector<int64_t>& channels, int k,
                                                            size_t maxImages) {
  for (int64_t channel : channels) {
    VisualizeOptions one = unit;
    one.channel = channel;
    if (std::string p = one.problem(network); !p.empty()) throw std::invalid_argument("dataset examples: " + p);
  }
  if (k < 1 || k > 1000) throw std::invalid_argument("dataset examples: k " + std::to_string(k) + " must be from 1 to 1000");
  const size_t n = maxImages ? std::min(maxImages, data.size()) : data.size();
  if (n == 0) throw std::invalid_argument("dataset examples: the dataset has no images");
  std::vector<size_t> indices(n);
  for (size_t i = 0; i < n; ++i) indices[i] = i;
  const Preprocess plain = withoutNormalization(preprocess); // the examples' images kept on [0, 1]
  std::vector<std::vector<DatasetExample>> all(channels.size(), std::vector<DatasetExample>(n));
  Tensor batch;
  std::vector<int> labels;
  network.setTraining(false);
  constexpr size_t kBatch = 250;
  for (size_t start = 0; start < n; start += kBatch) {
    const size_t count = std::min(kBatch, n - start);
    makeBatch(data, indices.data() + start, count, plain, batch, labels);
    network.forward(backend, normalizeImages(batch, preprocess));
    const Tensor out = network.output(unit.node).inLayout(Layout::NCHW);
    const Shape s = out.shape();
    const int64_t h = s.rank() == 4 ? s[2] : 1, w = s.rank() == 4 ? s[3] : 1, map = h * w;
    for (size_t c = 0; c < channels.size(); ++c)
      for (size_t b = 0; b < count; ++b) {
        DatasetExample& e = all[c][start + b];
        e.index = start + b, e.label = labels[b];
        const float* v = out.data() + (int64_t(b) * s[1] + channels[c]) * map;
        int64_t best = unit.y >= 0 ? unit.y * w + unit.x : 0;
        double sum = 0.0;
        for (int64_t i = 0; i < map; ++i) {
          sum += v[i];
          if (unit.y < 0 && v[i] > v[best]) best = i;
        }
        e.activation = unit.y >= 0 ? double(v[best]) : sum / double(map);
        e.y = best / w, e.x = best % w;
      }
  }
  const size_t kept = std::min(size_t(k), n);
  const ReceptiveField field = receptiveFields(network)[unit.node];
  const Shape in = network.inputShape();
  for (std::vector<DatasetExample>& list : all) {
    std::partial_sort(list.begin(), list.begin() + std::ptrdiff_t(kept), list.end(),
                      [](const DatasetExample& a, const DatasetExample& b) {
                        return a.activation > b.activation || (a.activation == b.activation && a.index < b.index);
                      });
    list.resize(kept);
    for (DatasetExample& e : list) {
      makeBatch(data, &e.index, 1, plain, e.image, labels);
      const auto span = [&](int axis, int64_t at, int64_t extent, int64_t& first, int64_t& length) {
        if (field.whole) {
          first = 0, length = extent;
          return;
        }
        const double centre = field.start[axis] + double(at) * field.jump[axis];
        const int64_t lo = std::max<int64_t>(0, int64_t(std::ceil(centre - (field.size[axis] - 1) / 2)));
        const int64_t hi = std::min<int64_t>(extent - 1, int64_t(std::floor(centre + (field.size[axis] - 1) / 2)));
        first = lo, length = std::max<int64_t>(0, hi - lo + 1);
      };
      span(0, e.y, in[1], e.top, e.height);
      span(1, e.x, in[2], e.left, e.width);
    }
  }
  return all;
}

} // namespace convscope
