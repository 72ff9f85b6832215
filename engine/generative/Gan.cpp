// The GAN's step, its evaluation and the census of samples.
#include "engine/generative/Gan.h"

#include "engine/generative/GenerativeLosses.h"
#include "engine/generative/SuperResolution.h"
#include "engine/core/NumberText.h"
#include "engine/layers/LayerKind.h"
#include "engine/layers/Sample.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace convscope {

namespace {
double sigmoidOf(float z) { return 1.0 / (1.0 + std::exp(-double(z))); }

// The mean probability of "real" over a batch of logits (N, 1), and how many of them call it
// `real` (logit > 0 for real, ≤ 0 for made).
double meanProbability(const Tensor& logits, bool real, int64_t& correct) {
  double sum = 0.0;
  for (float z : logits.values()) {
    sum += sigmoidOf(z);
    correct += (z > 0.0f) == real;
  }
  return logits.size() ? sum / double(logits.size()) : 0.0;
}

// BCE(logits, label) averaged over the batch — Bernoulli reconstruction of one "pixel" per image —
// with its gradient in `diff` (the logits' layout) when not null.
double bceWithLabel(const Tensor& logits, float label, Tensor& targets, Tensor* diff) {
  const Tensor z = logits.inLayout(Layout::NCHW);
  targets.reuseAs(z.shape(), Layout::NCHW);
  std::fill(targets.values().begin(), targets.values().end(), label);
  return bernoulliLoss(z, targets, diff);
}
} // namespace

int64_t noiseSize(const Network& generator) {
  const Shape in = generator.inputShape();
  if (readsImages(generator))
    throw std::invalid_argument("this generator reads " + in.toString() + " images, not noise");
  if (in.rank() != 1) throw std::invalid_argument("a GAN's generator must read a flat noise vector (input L), not " +
                                                  in.toString());
  return in[0];
}

void checkGan(const Network& generator, const Network& discriminator) {
  const Shape made = oneSample(generator.outputShape(1)), takes = discriminator.inputShape();
  if (readsImages(generator)) {
    const Shape in = generator.inputShape();
    if (takes.rank() != 3 || in[0] != takes[0] || takes[1] % in[1] || takes[2] % in[2] ||
        takes[1] / in[1] != takes[2] / in[2])
      throw std::invalid_argument("a GAN's generator reads " + in.toString() + " images, which are not the " +
                                  takes.toString() + " images of its discriminator shrunk a whole number of times");
  } else {
    noiseSize(generator);
  }
  if (made != takes)
    throw std::invalid_argument("a GAN's generator makes " + made.toString() + " images but its discriminator takes " +
                                takes.toString());
  if (takes.rank() != 3) throw std::invalid_argument("a GAN's discriminator must take images (C, H, W), not " +
                                                      takes.toString());
  const Shape verdict = discriminator.outputShape(1);
  if (verdict.rank() != 2 || verdict[1] != 1)
    throw std::invalid_argument("a GAN's discriminator must give one logit per image (N, 1), it gives " +
                                verdict.toString() + " (end with dense 1, no sigmoid)");
}

Tensor drawNoise(int64_t count, int64_t size, std::mt19937_64& random) {
  if (count < 1 || size < 1 || count * size > (int64_t(1) << 28))
    throw std::invalid_argument("noise: " + std::to_string(count) + " vectors of " + std::to_string(size) +
                                " numbers is empty or too many");
  Tensor noise(Shape{count, size});
  for (float& v : noise.values()) v = float(standardNormal(random));
  return noise;
}

void checkAdversarialWeight(const Network& generator, double weight) {
  const bool reconstructs = readsImages(generator);
  if (!(weight >= 0.0 && weight <= 1000.0) || (!reconstructs && weight == 0.0))
    throw std::invalid_argument("a GAN's adversarial weight " + formatRounded(weight, 6) +
                                (reconstructs ? " must be from 0 to 1000"
                                              : " must be above 0 (up to 1000): a generator from noise learns only "
                                                "from its discriminator"));
}

Tensor generatorInputs(const Network& generator, const Tensor& real, std::mt19937_64& noise) {
  if (!readsImages(generator)) return drawNoise(real.shape()[0], noiseSize(generator), noise);
  const Shape in = generator.inputShape();
  return shrinkImages(real, in[1], in[2]);
}

Tensor generateImages(Network& generator, Backend& backend, const Tensor& noise) {
  generator.setTraining(false);
  Tensor images = generator.forward(backend, noise).inLayout(Layout::NCHW);
  for (float& v : images.values()) v = std::clamp(v, 0.0f, 1.0f);
  return images;
}

GanStep::GanStep(Network& generator, Network& discriminator, Backend& backend, const OptimizerConfig& optimizer,
                 double adversarialWeight)
    : generator_(generator), discriminator_(discriminator), backend_(backend), adversarialWeight_(adversarialWeight),
      reconstructs_(readsImages(generator)), generatorGradients_(generator.gradients()), discriminatorGradients_(discriminator.gradients()),
      generatorOptimizer_(optimizer, generator.parameters()),
      discriminatorOptimizer_(optimizer, discriminator.parameters()) {
  checkGan(generator, discriminator);
  checkAdversarialWeight(generator, adversarialWeight);
}

GanStepReport GanStep::step(const Tensor& real, const Tensor& inputs, int epoch) {
  const int64_t n = real.shape()[0];
  const Shape in = generator_.inputShape();
  const Shape want = reconstructs_ ? Shape{n, in[0], in[1], in[2]} : Shape{n, in[0]};
  if (inputs.shape() != want)
    throw std::invalid_argument("a GAN step needs the generator's input " + want.toString() + ", got " +
                                inputs.shape().toString());
  GanStepReport r;
  const size_t dEnd = discriminator_.size();
  generator_.setTraining(true);
  discriminator_.setTraining(true);
  const Tensor& made = generator_.forward(backend_, inputs); // stays until the generator's next forward

  // 1. The discriminator: real images labelled 1, then the made ones labelled 0.
  {
    // The discriminator sees every image in one layout (its input gradient's buffer keeps the first's).
    const Tensor& logits = discriminator_.forward(backend_, real.inLayout(made.layout(), realConverted_));
    r.discriminatorLoss += bceWithLabel(logits, 1.0f, targets_, &diffLogits_);
    r.realScore = meanProbability(logits, true, r.correct);
    discriminator_.backward(backend_, diffLogits_.inLayout(logits.layout()), dEnd);
    realGradients_.resize(discriminatorGradients_.size());
    for (size_t i = 0; i < realGradients_.size(); ++i) realGradients_[i] = *discriminatorGradients_[i];
  }
  {
    const Tensor& logits = discriminator_.forward(backend_, made);
    r.discriminatorLoss += bceWithLabel(logits, 0.0f, targets_, &diffLogits_);
    r.fakeScore = meanProbability(logits, false, r.correct);
    discriminator_.backward(backend_, diffLogits_.inLayout(logits.layout()), dEnd);
    for (size_t i = 0; i < realGradients_.size(); ++i) {
      float* g = discriminatorGradients_[i]->data();
      const float* h = realGradients_[i].data();
      for (int64_t k = 0; k < discriminatorGradients_[i]->size(); ++k) g[k] += h[k];
    }
    discriminatorOptimizer_.step(discriminatorGradients_, epoch);
    r.counted = 2 * n;
  }

  // 2. The generator: the same made images through the updated discriminator, labelled real; the
  // gradient back to the images (the discriminator's own gradients are not applied), weighted,
  // plus the reconstruction's for a generator that reads images, and on through the generator.
  {
    const Tensor& logits = discriminator_.forward(backend_, made);
    r.generatorLoss = bceWithLabel(logits, 1.0f, targets_, &diffLogits_);
    int64_t ignored = 0;
    r.fakeScoreAfter = meanProbability(logits, false, ignored);
    r.objective = adversarialWeight_ * r.generatorLoss;
    const Shape madeShape = made.shape();
    diffMade_.reuseAs(madeShape, Layout::NCHW); // ∂objective/∂made, NCHW
    std::fill(diffMade_.values().begin(), diffMade_.values().end(), 0.0f);
    if (adversarialWeight_ > 0.0) {
      for (float& v : diffLogits_.values()) v *= float(adversarialWeight_);
      discriminator_.backward(backend_, diffLogits_.inLayout(logits.layout()), dEnd, true);
      diffMade_.values() = discriminator_.networkInputGradient().inLayout(Layout::NCHW).values();
    }
    if (reconstructs_) { // mean squared error over every pixel of the batch: ∂/∂made = 2 (made − real) / count
      const Tensor madeN = made.inLayout(Layout::NCHW);
      const Tensor& realN = real.inLayout(Layout::NCHW, realConverted_);
      const int64_t count = madeN.size();
      for (int64_t i = 0; i < count; ++i)
        diffMade_.data()[i] += float(2.0 * (double(madeN.data()[i]) - double(realN.data()[i])) / double(count));
      r.reconstructionLoss = meanSquaredError(madeN.data(), realN.data(), count);
      r.objective += r.reconstructionLoss;
    }
    generator_.backward(backend_, made.layout() == Layout::NCHW ? diffMade_ : diffMade_.inLayout(made.layout(), diffImages_),
                        generator_.size());
    generatorOptimizer_.step(generatorGradients_, epoch);
  }
  return r;
}

GanEvaluation evaluateGan(Network& generator, Network& discriminator, Backend& backend, const Dataset& data,
                          const Preprocess& preprocess, size_t maxImages, uint64_t seed) {
  checkGan(generator, discriminator);
  GanEvaluation e;
  e.reconstructs = readsImages(generator);
  const size_t n = maxImages ? std::min(maxImages, data.size()) : data.size();
  std::vector<size_t> indices(n);
  for (size_t i = 0; i < n; ++i) indices[i] = i;
  std::mt19937_64 random(seed);
  Tensor batch, targets;
  std::vector<int> labels;
  int64_t correct = 0;
  discriminator.setTraining(false);
  constexpr size_t kBatch = 250;
  for (size_t start = 0; start < n; start += kBatch) {
    const size_t count = std::min(kBatch, n - start);
    makeBatch(data, indices.data() + start, count, preprocess, batch, labels);
    const Tensor& realLogits = discriminator.forward(backend, batch);
    e.discriminatorLoss += bceWithLabel(realLogits, 1.0f, targets, nullptr) * double(count);
    e.realScore += meanProbability(realLogits, true, correct) * double(count);
    const Tensor made = generateImages(generator, backend, generatorInputs(generator, batch, random));
    if (e.reconstructs) {
      const Tensor real = batch.inLayout(Layout::NCHW);
      for (double p : psnrPerImage(made, real)) e.psnr += p;
      e.reconstructionLoss += meanSquaredError(made.data(), real.data(), made.size()) * double(count);
    }
    const Tensor& madeLogits = discriminator.forward(backend, made);
    e.discriminatorLoss += bceWithLabel(madeLogits, 0.0f, targets, nullptr) * double(count);
    e.fakeScore += meanProbability(madeLogits, false, correct) * double(count);
  }
  e.count = int64_t(n);
  if (n) {
    e.discriminatorLoss /= double(n), e.realScore /= double(n), e.fakeScore /= double(n);
    e.psnr /= double(n), e.reconstructionLoss /= double(n);
    e.accuracy = double(correct) / double(2 * n);
  }
  return e;
}

double SampleCensus::smallestClassFraction() const {
  if (counts.empty() || classes.empty()) return 0.0;
  return double(*std::min_element(counts.begin(), counts.end())) / double(classes.size());
}

SampleCensus sampleCensus(Network& classifier, Backend& backend, const Preprocess& classifierPreprocess,
                          const Tensor& images, double threshold) {
  const Shape s = images.shape();
  if (s.rank() != 4 || s[1] != classifierPreprocess.channels)
    throw std::invalid_argument("census: the images must be (N, " + std::to_string(classifierPreprocess.channels) +
                                ", H, W) for the classifier, they are " + s.toString());
  const Tensor pixels = images.inLayout(Layout::NCHW);
  const int64_t n = s[0], per = s[1] * s[2] * s[3];
  const int64_t classes = classifier.outputShape(1)[1];
  SampleCensus c;
  c.threshold = threshold;
  c.counts.assign(size_t(classes), 0);
  classifier.setTraining(false);
  const bool probabilities = classifier.endsInSoftmax();
  constexpr int64_t kBatch = 250;
  for (int64_t start = 0; start < n; start += kBatch) {
    const int64_t count = std::min(kBatch, n - start);
    std::vector<float> prepared;
    Shape one;
    for (int64_t i = start; i < start + count; ++i) {
      Tensor image(Shape{1, s[1], s[2], s[3]});
      for (int64_t k = 0; k < per; ++k) image.data()[k] = std::clamp(pixels.data()[i * per + k], 0.0f, 1.0f) * 255.0f;
      const Tensor p = preprocessImage(image, classifierPreprocess).inLayout(Layout::NCHW);
      one = p.shape();
      prepared.insert(prepared.end(), p.values().begin(), p.values().end());
    }
    const Tensor batch(Shape{count, one[1], one[2], one[3]}, std::move(prepared));
    const Tensor out = classifier.forward(backend, batch).inLayout(Layout::NCHW);
    for (int64_t i = 0; i < count; ++i) {
      const float* z = out.data() + i * classes;
      const int64_t best = std::max_element(z, z + classes) - z;
      double p = z[best];
      if (!probabilities) { // softmax of the scores at the best
        double sum = 0.0;
        for (int64_t k = 0; k < classes; ++k) sum += std::exp(double(z[k]) - double(z[best]));
        p = 1.0 / sum;
      }
      c.classes.push_back(int(best));
      c.probabilities.push_back(float(p));
      ++c.counts[size_t(best)];
      c.confident += p >= threshold;
    }
  }
  return c;
}

} // namespace convscope
