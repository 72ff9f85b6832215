// The VAE's halves.
#include "engine/generative/Vae.h"

#include "engine/layers/Sample.h"
#include "engine/network/LayerList.h"
#include "engine/training/Trainer.h"

#include <opencv2/core.hpp>

#include <cmath>
#include <random>
#include <stdexcept>

namespace convscope {

namespace {
size_t samplingNode(const Network& vae) {
  vaeCodeNode(vae); // throws for a network that is no VAE
  for (size_t i = 0; i < vae.size(); ++i)
    if (vae.layer(i).drawsLatentCode()) return i;
  throw std::invalid_argument("a VAE needs a sampling layer");
}
} // namespace

int vaeCodeSize(const Network& vae) { return int(vae.shapes(1)[samplingNode(vae)][1]); }

Network vaeDecoder(const Network& vae) {
  const size_t s = samplingNode(vae);
  const auto& nodes = vae.nodes();
  for (size_t i = s + 1; i < nodes.size(); ++i)
    if (nodes[i].inputs != std::vector<int>{int(i) - 1})
      throw std::invalid_argument("the VAE's decoder must be a chain of layers after its sampling layer ('" +
                                  nodes[i].layer->name() + "' reads another)");
  // The decoder's layers as the layer list writes them (a chain: one line a layer), read back
  // after an input line of the code's size; then their weights, tensor by tensor.
  std::string text = "input " + std::to_string(vae.shapes(1)[s][1]) + "\n";
  for (size_t i = s + 1; i < nodes.size(); ++i) text += nodes[i].layer->layerListLine() + "\n";
  Network decoder = buildLayerList(text);
  for (size_t i = s + 1, d = 0; i < nodes.size(); ++i, ++d) {
    auto from = const_cast<Layer&>(*nodes[i].layer).stateTensors();
    auto to = decoder.layer(d).stateTensors();
    if (from.size() != to.size())
      throw std::invalid_argument("the VAE's decoder layer '" + nodes[i].layer->name() + "' did not copy");
    for (size_t t = 0; t < from.size(); ++t) to[t].second->values() = from[t].second->values();
  }
  return decoder;
}

Tensor decodeCodes(Network& decoder, Backend& backend, const Tensor& codes) {
  decoder.setTraining(false);
  Tensor images = decoder.forward(backend, codes).inLayout(Layout::NCHW);
  for (float& v : images.values()) v = float(1.0 / (1.0 + std::exp(-double(v))));
  return images;
}

Tensor encodeMeans(Network& vae, Backend& backend, const Tensor& images) {
  const size_t code = vaeCodeNode(vae);
  vae.setTraining(false);
  vae.forward(backend, images);
  const Tensor& meanLogVariance = vae.output(code);
  const int64_t n = meanLogVariance.shape()[0], L = meanLogVariance.shape()[1] / 2;
  Tensor means(Shape{n, L});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < L; ++j) means.data()[i * L + j] = meanLogVariance.data()[i * 2 * L + j];
  return means;
}

Tensor priorCodes(int64_t count, int64_t size, uint64_t seed) {
  if (count < 1 || size < 1 || count * size > (int64_t(1) << 28))
    throw std::invalid_argument("prior codes: " + std::to_string(count) + " codes of " + std::to_string(size) +
                                " numbers is empty or too many");
  std::mt19937_64 random(seed);
  Tensor codes(Shape{count, size});
  for (float& v : codes.values()) v = float(standardNormal(random));
  return codes;
}

Tensor codeWalk(const float* a, const float* b, int64_t size, int64_t steps) {
  if (steps < 2 || steps > 10000) throw std::invalid_argument("a walk needs 2 to 10000 steps, not " + std::to_string(steps));
  Tensor codes(Shape{steps, size});
  for (int64_t k = 0; k < steps; ++k) {
    const double t = double(k) / double(steps - 1);
    for (int64_t j = 0; j < size; ++j) codes.data()[k * size + j] = float((1 - t) * a[j] + t * b[j]);
  }
  return codes;
}

std::vector<float> LatentPlane::code(double x, double y) const {
  std::vector<float> z(origin);
  for (size_t j = 0; j < z.size(); ++j) z[j] += float(x * axes[0][j] + y * axes[1][j]);
  return z;
}

std::pair<double, double> LatentPlane::point(const float* code) const {
  double x = 0.0, y = 0.0;
  for (size_t j = 0; j < origin.size(); ++j) {
    const double d = double(code[j]) - origin[j];
    x += d * axes[0][j], y += d * axes[1][j];
  }
  return {x, y};
}

LatentPlane latentPlane(const Tensor& codes) {
  if (codes.shape().rank() != 2 || codes.shape()[1] < 2)
    throw std::invalid_argument("a latent plane needs codes (N, L) of 2 or more numbers, not " + codes.shape().toString());
  const int64_t n = codes.shape()[0], size = codes.shape()[1];
  LatentPlane plane;
  plane.origin.assign(size_t(size), 0.0f);
  for (auto& axis : plane.axes) axis.assign(size_t(size), 0.0f);
  if (size == 2) { // the code's own plane
    plane.axes[0][0] = plane.axes[1][1] = 1.0f;
    return plane;
  }
  if (n < 3) throw std::invalid_argument("a plane through " + std::to_string(size) + "-number codes needs 3 or more codes");
  const cv::Mat data(int(n), int(size), CV_32F, const_cast<float*>(codes.data()));
  const cv::PCA pca(data, cv::noArray(), cv::PCA::DATA_AS_ROW, 2);
  double total = 0.0;
  cv::Mat centred;
  cv::repeat(pca.mean, int(n), 1, centred);
  centred = data - centred;
  total = cv::sum(centred.mul(centred))[0] / double(n);
  for (int64_t j = 0; j < size; ++j) {
    plane.origin[size_t(j)] = pca.mean.at<float>(0, int(j));
    for (int a = 0; a < 2; ++a) plane.axes[a][size_t(j)] = pca.eigenvectors.at<float>(a, int(j));
  }
  plane.principal = true;
  plane.explained = total > 0 ? (double(pca.eigenvalues.at<float>(0)) + pca.eigenvalues.at<float>(1)) / total : 1.0;
  return plane;
}

} // namespace convscope
