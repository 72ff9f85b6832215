// A generative adversarial network's two halves and the step that trains them against each
// other. The generator takes noise z (L numbers from N(0, I)) to an image on the [0, 1] scale (it
// ends in a sigmoid); the discriminator takes an image to one logit, "real" when positive. One
// step, as pytorch/examples' DCGAN takes it:
//   1. the discriminator on a batch of real images (label 1) and on as many made ones G(z)
//      (label 0), each half its own forward and backward, the gradients summed, its optimizer's
//      update. Its loss: BCE(D(x), 1) + BCE(D(G(z)), 0), each averaged over the batch;
//   2. the generator through the updated discriminator on the same made images, labelled real
//      (the non-saturating loss BCE(D(G(z)), 1)), the gradient carried back through the
//      discriminator to the images and on through the generator; the generator's optimizer's
//      update. The discriminator's weights do not move in this half.
// D(x) and D(G(z)) are the discriminator's mean probabilities of "real" on the two halves.
// A generator may read images instead of noise (super-resolution, SuperResolution.h): it is given
// each real image shrunk to its input size, and its loss is then the reconstruction (the mean
// squared error of its pixels to the real image's) plus `adversarialWeight` times the adversarial
// loss above — weight 0 trains it on the reconstruction alone while the discriminator still
// learns to tell its images from real ones.
// Also: a census of samples as a trained classifier reads them (mode collapse shows as one class
// eating the others).
// Not for: the training loop (Trainer.h runs this step batch after batch), the VAE (Vae.h).
#pragma once

#include "engine/backend/Backend.h"
#include "engine/network/Network.h"
#include "engine/training/Dataset.h"
#include "engine/training/Optimizer.h"
#include "engine/training/Preprocess.h"

#include <cstdint>
#include <random>
#include <vector>

namespace convscope {

// Throws std::invalid_argument naming the mismatch: the generator must read a flat noise vector
// (L) or images (C, h, w) that a whole number of times h and w are the discriminator's, and give
// an image of the discriminator's input shape; the discriminator must give one logit per image
// (N, 1).
void checkGan(const Network& generator, const Network& discriminator);
int64_t noiseSize(const Network& generator); // L; throws for a generator that reads images

// The adversarial loss's weight in the generator's: 0 to 1000, and above 0 for a generator from
// noise (it has nothing else to learn from). Throws std::invalid_argument naming the weight.
void checkAdversarialWeight(const Network& generator, double weight);

// What the generator is given for a batch of real images (N, C, H, W): N noise vectors from
// `noise`, or, for a generator that reads images, the real ones shrunk to its input (NCHW).
Tensor generatorInputs(const Network& generator, const Tensor& real, std::mt19937_64& noise);

// N noise vectors (N, L) from N(0, I), drawn from `random` (Sample.h's standardNormal: the same
// numbers on every platform).
Tensor drawNoise(int64_t count, int64_t size, std::mt19937_64& random);
// The generator's images (N, C, H, W), NCHW, in evaluation (batch normalization's running
// statistics), clamped to [0, 1].
Tensor generateImages(Network& generator, Backend& backend, const Tensor& noise);

struct GanStepReport {
  double discriminatorLoss = 0.0; // BCE(D(x), 1) + BCE(D(G(z)), 0), before the update
  double generatorLoss = 0.0;     // BCE(D(G(z)), 1) through the updated discriminator (unweighted)
  double reconstructionLoss = 0.0; // a generator that reads images: mean squared error of G(x↓) to x
  double objective = 0.0;          // what the generator's update lowers: reconstruction + weight × adversarial
  double realScore = 0.0;         // D(x): mean sigmoid of the logits on the real images
  double fakeScore = 0.0;         // D(G(z)) before the discriminator's update
  double fakeScoreAfter = 0.0;    // D(G(z)) after it (what the generator's step starts from)
  int64_t correct = 0, counted = 0; // the discriminator's calls (logit > 0 for real) on both halves
};

class GanStep {
public:
  // Both optimizers from one configuration (DCGAN's: Adam, rate 0.0002, β₁ 0.5), each over its
  // own network's parameters. adversarialWeight: the adversarial loss's weight in the generator's
  // (0 to 1000; 0 only for a generator that reads images). Throws as checkGan, or for the weight.
  GanStep(Network& generator, Network& discriminator, Backend& backend, const OptimizerConfig& optimizer,
          double adversarialWeight = 1.0);
  // real: a batch of prepared images (N, C, H, W) on the [0, 1] scale; inputs: generatorInputs'
  // (noise (N, L), or the real images shrunk).
  GanStepReport step(const Tensor& real, const Tensor& inputs, int epoch);
  Optimizer& generatorOptimizer() { return generatorOptimizer_; }
  Optimizer& discriminatorOptimizer() { return discriminatorOptimizer_; }

private:
  Network& generator_;
  Network& discriminator_;
  Backend& backend_;
  double adversarialWeight_;
  bool reconstructs_; // the generator reads images: the reconstruction is in its loss
  std::vector<Tensor*> generatorGradients_, discriminatorGradients_;
  std::vector<Tensor> realGradients_; // the discriminator's gradients from the real half, kept while the made half runs
  Optimizer generatorOptimizer_, discriminatorOptimizer_;
  Tensor targets_, diffLogits_, diffImages_, realConverted_, diffMade_;
};

// The discriminator judged on (the first maxImages of) held-out real images and as many of the
// generator's from a fixed seed, in evaluation: its loss BCE(D(x), 1) + BCE(D(G(z)), 0) and its
// mean probabilities of "real" on both.
struct GanEvaluation {
  double discriminatorLoss = 0.0, realScore = 0.0, fakeScore = 0.0;
  double accuracy = 0.0; // its calls on both halves
  int64_t count = 0;     // real images judged
  // A generator that reads images (made from the held-out ones shrunk): their reconstruction loss
  // (mean squared error) and mean PSNR against the real ones, dB.
  bool reconstructs = false;
  double reconstructionLoss = 0.0, psnr = 0.0;
};
GanEvaluation evaluateGan(Network& generator, Network& discriminator, Backend& backend, const Dataset& data,
                          const Preprocess& preprocess, size_t maxImages = 0, uint64_t seed = 1);

// How a classifier reads a set of images: each one's class and that class's probability, how many
// of each class, and how many it reads with at least `threshold`.
struct SampleCensus {
  std::vector<int> classes;          // per image, the most probable
  std::vector<float> probabilities;  // per image, that class's probability
  std::vector<int> counts;           // per class
  int confident = 0;                 // images read with probability ≥ threshold
  double threshold = 0.9;
  double confidentFraction() const { return classes.empty() ? 0.0 : double(confident) / double(classes.size()); }
  double smallestClassFraction() const; // of all the images (mode collapse: near 0)
};
// images (N, C, H, W) on the [0, 1] scale, prepared as the classifier's own images (its
// preprocessing: size, mean and deviation). The classifier ends in a softmax or gives scores.
SampleCensus sampleCensus(Network& classifier, Backend& backend, const Preprocess& classifierPreprocess,
                          const Tensor& images, double threshold = 0.9);

} // namespace convscope
