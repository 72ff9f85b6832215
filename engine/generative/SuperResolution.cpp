// Super-resolution: shrinking, the bicubic baseline, PSNR and the evaluation of an upscaler.
#include "engine/generative/SuperResolution.h"

#include "engine/generative/Gan.h"
#include "engine/layers/LayerKind.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace convscope {

namespace {
// Each (image, channel) plane of `images` (N, C, H, W) resized to height × width with OpenCV.
Tensor resizePlanes(const Tensor& images, int64_t height, int64_t width, int interpolation) {
  const Shape s = images.shape();
  if (s.rank() != 4 || height < 1 || width < 1)
    throw std::invalid_argument("resize: images must be (N, C, H, W), they are " + s.toString());
  const Tensor in = images.inLayout(Layout::NCHW);
  Tensor out(Shape{s[0], s[1], height, width});
  const int64_t planes = s[0] * s[1];
  for (int64_t p = 0; p < planes; ++p) {
    const cv::Mat source{int(s[2]), int(s[3]), CV_32F, const_cast<float*>(in.data() + p * s[2] * s[3])};
    cv::Mat target{int(height), int(width), CV_32F, out.data() + p * height * width};
    cv::resize(source, target, target.size(), 0, 0, interpolation);
  }
  return out;
}
} // namespace

bool readsImages(const Network& generator) { return generator.inputShape().rank() == 3; }

Tensor shrinkImages(const Tensor& images, int64_t height, int64_t width) {
  const Shape s = images.shape();
  if (s.rank() != 4 || height < 1 || width < 1 || s[2] % height || s[3] % width)
    throw std::invalid_argument("shrink: " + s.toString() + " images cannot be averaged down to " +
                                std::to_string(height) + "x" + std::to_string(width) + " (not whole blocks)");
  if (s[2] == height && s[3] == width) return images.inLayout(Layout::NCHW);
  return resizePlanes(images, height, width, cv::INTER_AREA);
}

Tensor blockImages(const Tensor& images, int64_t height, int64_t width) {
  return resizePlanes(images, height, width, cv::INTER_NEAREST);
}

Tensor bicubicImages(const Tensor& images, int64_t height, int64_t width) {
  Tensor out = resizePlanes(images, height, width, cv::INTER_CUBIC);
  for (float& v : out.values()) v = std::clamp(v, 0.0f, 1.0f);
  return out;
}

double meanSquaredError(const float* made, const float* real, int64_t count) {
  double squares = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    const double d = double(made[i]) - double(real[i]);
    squares += d * d;
  }
  return count > 0 ? squares / double(count) : 0.0;
}

double psnr(const float* made, const float* real, int64_t count) {
  const double mse = meanSquaredError(made, real, count);
  if (!std::isfinite(mse)) return std::nan(""); // a diverged image is not a perfect one
  if (count < 1 || mse <= 0.0) return 99.0;
  return std::min(99.0, -10.0 * std::log10(mse));
}

std::vector<double> psnrPerImage(const Tensor& made, const Tensor& real) {
  if (made.shape() != real.shape() || made.shape().rank() < 1)
    throw std::invalid_argument("psnr: " + made.shape().toString() + " images against " + real.shape().toString());
  const int64_t n = made.shape()[0], per = n ? made.size() / n : 0;
  const Tensor m = made.inLayout(Layout::NCHW), r = real.inLayout(Layout::NCHW);
  std::vector<double> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[size_t(i)] = psnr(m.data() + i * per, r.data() + i * per, per);
  return out;
}

double midtoneShare(const float* pixels, int64_t count) {
  int64_t mid = 0;
  for (int64_t i = 0; i < count; ++i) mid += pixels[i] > 0.25f && pixels[i] < 0.75f;
  return count ? double(mid) / double(count) : 0.0;
}

Tensor upscaleImages(Network& generator, Backend& backend, const Tensor& small) {
  if (!readsImages(generator))
    throw std::invalid_argument("upscale: the generator reads noise " + generator.inputShape().toString() +
                                ", not images (train one with convscope train --model mini-srgan)");
  const Shape want = generator.inputShape();
  if (small.shape().rank() != 4 || oneSample(small.shape()) != want)
    throw std::invalid_argument("upscale: the generator reads " + want.toString() + " images, these are " +
                                small.shape().toString());
  generator.setTraining(false);
  Tensor images = generator.forward(backend, small).inLayout(Layout::NCHW);
  for (float& v : images.values()) v = std::clamp(v, 0.0f, 1.0f);
  return images;
}

UpscalingEvaluation evaluateUpscaling(Network& generator, Network* discriminator, Backend& backend, const Dataset& data,
                                      const Preprocess& preprocess, Network* classifier,
                                      const Preprocess* classifierPreprocess, size_t maxImages) {
  if (!readsImages(generator))
    throw std::invalid_argument("upscaling: the generator reads noise " + generator.inputShape().toString() +
                                ", not images");
  if (classifier && !classifierPreprocess)
    throw std::invalid_argument("upscaling: a classifier needs its preprocessing");
  const Shape small = generator.inputShape(), large = oneSample(generator.outputShape(1));
  if (discriminator) checkGan(generator, *discriminator);
  UpscalingEvaluation e;
  const size_t n = maxImages ? std::min(maxImages, data.size()) : data.size();
  std::vector<size_t> indices(n);
  for (size_t i = 0; i < n; ++i) indices[i] = i;
  Tensor batch;
  std::vector<int> labels;
  double madeMid = 0.0, bicubicMid = 0.0, realMid = 0.0, scores = 0.0;
  int64_t right = 0, bicubicRight = 0, realRight = 0, pixels = 0;
  constexpr size_t kBatch = 250;
  for (size_t start = 0; start < n; start += kBatch) {
    const size_t count = std::min(kBatch, n - start);
    makeBatch(data, indices.data() + start, count, preprocess, batch, labels);
    const Tensor real = batch.inLayout(Layout::NCHW);
    if (oneSample(real.shape()) != large)
      throw std::invalid_argument("upscaling: the generator makes " + large.toString() + " images, the data is " +
                                  oneSample(real.shape()).toString());
    const Tensor shrunk = shrinkImages(real, small[1], small[2]);
    const Tensor made = upscaleImages(generator, backend, shrunk);
    const Tensor bicubic = bicubicImages(shrunk, large[1], large[2]);
    for (double p : psnrPerImage(made, real)) e.psnr += p;
    for (double p : psnrPerImage(bicubic, real)) e.bicubicPsnr += p;
    madeMid += midtoneShare(made.data(), made.size()) * double(made.size());
    bicubicMid += midtoneShare(bicubic.data(), bicubic.size()) * double(bicubic.size());
    realMid += midtoneShare(real.data(), real.size()) * double(real.size());
    pixels += made.size();
    if (discriminator) {
      discriminator->setTraining(false);
      const Tensor logits = discriminator->forward(backend, made).inLayout(Layout::NCHW);
      for (float z : logits.values()) scores += 1.0 / (1.0 + std::exp(-double(z)));
    }
    if (classifier) {
      const auto reads = [&](const Tensor& images) {
        const SampleCensus c = sampleCensus(*classifier, backend, *classifierPreprocess, images);
        int64_t ok = 0;
        for (size_t i = 0; i < count; ++i) ok += c.classes[i] == labels[i];
        return ok;
      };
      right += reads(made), bicubicRight += reads(bicubic), realRight += reads(real);
    }
  }
  e.count = int64_t(n);
  if (!n) return e;
  e.psnr /= double(n), e.bicubicPsnr /= double(n);
  e.midtones = madeMid / double(pixels), e.bicubicMidtones = bicubicMid / double(pixels);
  e.realMidtones = realMid / double(pixels);
  if (discriminator) e.judged = true, e.realScore = scores / double(n);
  if (classifier) {
    e.read = true;
    e.accuracy = double(right) / double(n), e.bicubicAccuracy = double(bicubicRight) / double(n);
    e.realAccuracy = double(realRight) / double(n);
  }
  return e;
}

} // namespace convscope
