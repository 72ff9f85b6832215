// Activation maximization by normalized gradient ascent with switchable regularizers.
#include "engine/inspection/FeatureVisualization.h"

#include "engine/layers/Sample.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <random>
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
} // namespace

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
  return {};
}

double unitActivation(Network& network, Backend& backend, const Preprocess& preprocess, const Tensor& image,
                      const VisualizeOptions& unit) {
  if (std::string p = unit.problem(network); !p.empty()) throw std::invalid_argument("visualize: " + p);
  network.setTraining(false);
  network.forward(backend, normalizeImages(image.inLayout(Layout::NCHW), preprocess));
  return activationOf(network.output(unit.node), unit);
}

VisualizeResult visualizeUnit(Network& network, Backend& backend, const Preprocess& preprocess,
                              const VisualizeOptions& o) {
  if (std::string p = o.problem(network); !p.empty()) throw std::invalid_argument("visualize: " + p);
  const Shape in = network.inputShape();
  std::mt19937_64 random(o.seed);
  Tensor x(Shape{1, in[0], in[1], in[2]});
  for (float& v : x.values()) v = std::clamp(0.5f + 0.02f * float(standardNormal(random)), 0.0f, 1.0f);
  VisualizeResult r;
  r.activationStart = unitActivation(network, backend, preprocess, x, o);
  std::uniform_int_distribution<int> shift(-o.jitterPixels, o.jitterPixels);
  for (int step = 0; step < o.steps; ++step) {
    const int dy = o.jitter ? shift(random) : 0, dx = o.jitter ? shift(random) : 0;
    const Tensor shifted = o.jitter ? rolled(x, dy, dx) : x;
    const Tensor input = normalizeImages(shifted, preprocess); // kept alive for backward
    network.setTraining(false);
    network.forward(backend, input);
    const Tensor& out = network.output(o.node);
    network.backward(backend, unitSeed(out.shape(), o).inLayout(out.layout()), o.node + 1, true);
    Tensor g = network.networkInputGradient().inLayout(Layout::NCHW);
    if (o.jitter) g = rolled(g, -dy, -dx);
    gradientToImages(g, preprocess); // through the normalization
    const int64_t plane = in[1] * in[2];
    double magnitude = 0.0;
    for (float v : g.values()) magnitude += std::abs(double(v));
    magnitude = magnitude / double(g.size()) + 1e-12;
    for (int64_t i = 0; i < x.size(); ++i) {
      double v = x.data()[i] + o.rate * double(g.data()[i]) / magnitude;
      if (o.l2) v -= o.rate * o.l2Weight * (v - 0.5);
      x.data()[i] = float(std::clamp(v, 0.0, 1.0));
    }
    if (o.blur && (step + 1) % o.blurEvery == 0)
      for (int64_t c = 0; c < in[0]; ++c) {
        cv::Mat plane2d{int(in[1]), int(in[2]), CV_32F, x.data() + c * plane};
        cv::GaussianBlur(plane2d, plane2d, cv::Size(0, 0), o.blurSigma);
      }
    r.activations.push_back(unitActivation(network, backend, preprocess, x, o));
  }
  r.image = x;
  r.activationEnd = r.activations.empty() ? r.activationStart : r.activations.back();
  return r;
}

} // namespace convscope
