// The GAN: one step's two updates against finite differences of the two losses written out here
// (binary cross-entropy as softplus, not the engine's), both backends alike, the training job's
// exact resume with both networks and both optimizers, the model file with its discriminator, and
// the census of samples by the bundled LeNet-5. Super-resolution: a generator that reads images,
// its loss (the reconstruction plus the weighted adversarial) against finite differences, the
// shrinking, PSNR and the evaluation.
#include "TestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/generative/Gan.h"
#include "engine/generative/SuperResolution.h"
#include "engine/io/ModelFile.h"
#include "engine/network/LayerList.h"
#include "engine/network/Presets.h"
#include "engine/training/TrainingJob.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

using namespace convscope;

namespace {
const char* kTinyGenerator = "input 4\ndense 32\nreshape 2x4x4\nbatchnorm\nrelu\ndeconv 1 4x4 stride 2 pad 1\nsigmoid\n";
const char* kTinyDiscriminator = "input 1x8x8\nconv 2 3x3 stride 2 pad 1\nbatchnorm\nleaky-relu 0.2\nflatten\ndense 1\n";

// Mean binary cross-entropy of logits against one label, as softplus: −log σ(z) = log(1 + e^{−z}).
double bce(const Tensor& logits, int label) {
  double sum = 0.0;
  for (float z : logits.values()) sum += std::log1p(std::exp(label ? -double(z) : double(z)));
  return sum / double(logits.size());
}

// The discriminator's loss and the generator's, both networks in training (batch statistics).
double discriminatorLoss(Network& g, Network& d, Backend& b, const Tensor& real, const Tensor& noise) {
  g.setTraining(true), d.setTraining(true);
  const Tensor made = g.forward(b, noise).inLayout(Layout::NCHW);
  const double onReal = bce(d.forward(b, real).inLayout(Layout::NCHW), 1);
  return onReal + bce(d.forward(b, made).inLayout(Layout::NCHW), 0);
}
double generatorLoss(Network& g, Network& d, Backend& b, const Tensor& noise) {
  g.setTraining(true), d.setTraining(true);
  const Tensor made = g.forward(b, noise).inLayout(Layout::NCHW);
  return bce(d.forward(b, made).inLayout(Layout::NCHW), 1);
}

std::vector<std::vector<float>> parametersOf(Network& n) {
  std::vector<std::vector<float>> out;
  for (Tensor* t : n.parameters()) out.push_back(t->values());
  return out;
}
void setParameters(Network& n, const std::vector<std::vector<float>>& values) {
  const std::vector<Tensor*> ps = n.parameters();
  for (size_t i = 0; i < ps.size(); ++i) ps[i]->values() = values[i];
}
std::vector<std::vector<float>> stateOf(const Network& n) {
  std::vector<std::vector<float>> out;
  for (const Tensor& t : n.copyState()) out.push_back(t.values());
  return out;
}

// The two copies of a network (the reference backend's, oneDNN's) hold the same state within 1e-4.
void expectSameState(Network (&n)[2], const char* which) {
  const auto a = stateOf(n[0]), b = stateOf(n[1]);
  for (size_t t = 0; t < a.size(); ++t)
    for (size_t i = 0; i < a[t].size(); ++i) ASSERT_NEAR(a[t][i], b[t][i], 1e-4) << which << " tensor " << t;
}

// ∂loss/∂(every parameter) by central differences, compared with what the step applied (SGD at
// rate 1 without momentum: the update is minus the gradient).
void expectGradient(Network& net, const std::vector<std::vector<float>>& before,
                    const std::vector<std::vector<float>>& after, const std::function<double()>& loss) {
  constexpr double h = 1e-3;
  int checked = 0;
  for (size_t t = 0; t < before.size(); ++t)
    for (size_t k = 0; k < before[t].size(); ++k) {
      std::vector<std::vector<float>> plus = before, minus = before;
      plus[t][k] += float(h), minus[t][k] -= float(h);
      setParameters(net, plus);
      const double up = loss();
      setParameters(net, minus);
      const double down = loss();
      const double numeric = (up - down) / (2 * h), applied = double(before[t][k]) - double(after[t][k]);
      EXPECT_NEAR(applied, numeric, 2e-3 + 0.03 * std::abs(numeric)) << "tensor " << t << ", value " << k;
      ++checked;
    }
  setParameters(net, before);
  EXPECT_GT(checked, 50);
}
} // namespace

TEST(Gan, OneStepUpdatesEachPlayerByItsOwnLossesGradient) {
  Network g = buildLayerList(kTinyGenerator), d = buildLayerList(kTinyDiscriminator);
  checkGan(g, d);
  initialize(g, InitScheme::Auto, 5);
  initialize(d, InitScheme::Auto, 6);
  std::mt19937_64 random(7);
  const Tensor noise = drawNoise(3, 4, random);
  Tensor real(Shape{3, 1, 8, 8});
  for (int64_t i = 0; i < real.size(); ++i) real.data()[i] = float((i * 37) % 101) / 100.0f;
  ReferenceBackend backend;
  const auto g0 = parametersOf(g), d0 = parametersOf(d);
  const double expectedD = discriminatorLoss(g, d, backend, real, noise);
  OptimizerConfig sgd;
  sgd.kind = OptimizerKind::Sgd, sgd.learningRate = 1.0, sgd.momentum = 0.0;
  GanStep step(g, d, backend, sgd);
  const GanStepReport r = step.step(real, noise, 0);
  const auto g1 = parametersOf(g), d1 = parametersOf(d);
  EXPECT_NEAR(r.discriminatorLoss, expectedD, 1e-5);
  EXPECT_EQ(r.counted, 6);
  EXPECT_GT(r.realScore, 0.0);
  EXPECT_LT(r.realScore, 1.0);

  { // The discriminator moved down its loss's gradient at the generator's old weights.
    SCOPED_TRACE("discriminator");
    setParameters(g, g0);
    expectGradient(d, d0, d1, [&] { return discriminatorLoss(g, d, backend, real, noise); });
  }
  { // The generator moved down its loss's gradient through the updated discriminator.
    SCOPED_TRACE("generator");
    setParameters(d, d1);
    setParameters(g, g0);
    EXPECT_NEAR(r.generatorLoss, generatorLoss(g, d, backend, noise), 1e-5);
    EXPECT_GT(r.fakeScoreAfter, 0.0);
    EXPECT_LT(r.fakeScoreAfter, 1.0);
    expectGradient(g, g0, g1, [&] { return generatorLoss(g, d, backend, noise); });
  }
}

namespace {
const char* kTinyUpscaler = "input 1x4x4\nconv 3 3x3 pad 1\nrelu\ndeconv 1 4x4 stride 2 pad 1\nsigmoid\n";

// A super-resolution generator's loss, written out: the mean squared error of its images to the
// real ones plus `weight` times BCE(D(G(x↓)), 1).
double upscalerLoss(Network& g, Network& d, Backend& b, const Tensor& small, const Tensor& real, double weight) {
  g.setTraining(true), d.setTraining(true);
  const Tensor made = g.forward(b, small).inLayout(Layout::NCHW);
  double squares = 0.0;
  for (int64_t i = 0; i < made.size(); ++i)
    squares += (double(made.data()[i]) - double(real.data()[i])) * (double(made.data()[i]) - double(real.data()[i]));
  return squares / double(made.size()) + weight * bce(d.forward(b, made).inLayout(Layout::NCHW), 1);
}

Tensor someDigits(int64_t n, int64_t size, int salt) {
  Tensor real(Shape{n, 1, size, size});
  for (int64_t i = 0; i < real.size(); ++i) real.data()[i] = float((i * 37 + salt * 11) % 101) / 100.0f;
  return real;
}
} // namespace

// The generator's update is the gradient of the reconstruction plus the weighted adversarial
// loss, through the discriminator already updated; with weight 0 of the reconstruction alone,
// while the discriminator still learns.
TEST(Gan, ASuperResolutionStepLowersTheReconstructionPlusTheWeightedAdversarialLoss) {
  for (const double weight : {0.3, 0.0}) {
    SCOPED_TRACE("adversarial weight " + std::to_string(weight));
    Network g = buildLayerList(kTinyUpscaler), d = buildLayerList(kTinyDiscriminator);
    checkGan(g, d);
    EXPECT_TRUE(readsImages(g));
    initialize(g, InitScheme::Auto, 5);
    initialize(d, InitScheme::Auto, 6);
    const Tensor real = someDigits(3, 8, 0);
    std::mt19937_64 unused(1);
    const Tensor small = generatorInputs(g, real, unused);
    ASSERT_EQ(small.shape(), (Shape{3, 1, 4, 4}));
    ReferenceBackend backend;
    const auto g0 = parametersOf(g), d0 = parametersOf(d);
    OptimizerConfig sgd;
    sgd.kind = OptimizerKind::Sgd, sgd.learningRate = 1.0, sgd.momentum = 0.0;
    GanStep step(g, d, backend, sgd, weight);
    const GanStepReport r = step.step(real, small, 0);
    const auto g1 = parametersOf(g), d1 = parametersOf(d);
    EXPECT_GT(r.reconstructionLoss, 0.0);
    EXPECT_NEAR(r.objective, r.reconstructionLoss + weight * r.generatorLoss, 1e-9);
    { // the discriminator: the plain GAN's loss, on the made images
      SCOPED_TRACE("discriminator");
      setParameters(g, g0);
      expectGradient(d, d0, d1, [&] { return discriminatorLoss(g, d, backend, real, small); });
    }
    {
      SCOPED_TRACE("generator");
      setParameters(d, d1);
      setParameters(g, g0);
      EXPECT_NEAR(r.objective, upscalerLoss(g, d, backend, small, real, weight), 1e-5);
      expectGradient(g, g0, g1, [&] { return upscalerLoss(g, d, backend, small, real, weight); });
    }
  }
  Network g = buildLayerList(kTinyUpscaler), d = buildLayerList(kTinyDiscriminator);
  ReferenceBackend backend;
  EXPECT_THROW(GanStep(g, d, backend, OptimizerConfig{}, -1.0), std::invalid_argument);
  Network fromNoise = buildLayerList(kTinyGenerator);
  try { // a generator from noise has nothing but the discriminator to learn from
    checkAdversarialWeight(fromNoise, 0.0);
    FAIL() << "weight 0 accepted for a generator from noise";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("adversarial weight 0 must be above 0"), std::string::npos) << e.what();
  }
  try { // 1x4x4 images are not 1x30x30 ones shrunk a whole number of times
    checkGan(g, buildLayerList("input 1x30x30\nflatten\ndense 1\n"));
    FAIL() << "a 1x4x4 upscaler set against 1x30x30 images";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("reads 1x4x4 images, which are not the 1x30x30 images"), std::string::npos)
        << e.what();
  }
}

// Shrinking is the average of each 2×2 block; PSNR and the midtones by hand; bicubic keeps a flat
// image flat; the evaluation of an upscaler that copies the bicubic baseline scores as it.
TEST(Gan, ShrinkingPsnrAndTheBaselineAreWhatTheyClaim) {
  Tensor image(Shape{1, 1, 4, 4});
  for (int64_t i = 0; i < 16; ++i) image.data()[i] = float(i) / 16.0f;
  const Tensor small = shrinkImages(image, 2, 2);
  ASSERT_EQ(small.shape(), (Shape{1, 1, 2, 2}));
  // The top-left block holds 0, 1, 4, 5 (sixteenths): 2.5/16.
  EXPECT_NEAR(small.at(0, 0, 0, 0), 2.5f / 16.0f, 1e-6);
  EXPECT_NEAR(small.at(0, 0, 0, 1), 4.5f / 16.0f, 1e-6);
  EXPECT_NEAR(small.at(0, 0, 1, 0), 10.5f / 16.0f, 1e-6);
  EXPECT_NEAR(small.at(0, 0, 1, 1), 12.5f / 16.0f, 1e-6);
  EXPECT_THROW(shrinkImages(image, 3, 3), std::invalid_argument);

  const std::vector<float> real{0.0f, 0.5f, 1.0f, 0.2f}, off{0.1f, 0.6f, 0.9f, 0.3f};
  EXPECT_NEAR(meanSquaredError(off.data(), real.data(), 4), 0.01, 1e-7);
  EXPECT_NEAR(psnr(off.data(), real.data(), 4), 20.0, 1e-5); // 10·log₁₀(1 / 0.01)
  EXPECT_EQ(psnr(real.data(), real.data(), 4), 99.0);
  EXPECT_NEAR(midtoneShare(real.data(), 4), 0.25, 1e-12); // only 0.5 is neither ink nor paper

  Tensor flat(Shape{2, 1, 3, 3}, 0.4f);
  const Tensor big = bicubicImages(flat, 6, 6);
  ASSERT_EQ(big.shape(), (Shape{2, 1, 6, 6}));
  for (float v : big.values()) EXPECT_NEAR(v, 0.4f, 1e-6);
}

TEST(Gan, BothBackendsTakeTheSameSteps) {
  Network g[2] = {buildLayerList(kTinyGenerator), buildLayerList(kTinyGenerator)};
  Network d[2] = {buildLayerList(kTinyDiscriminator), buildLayerList(kTinyDiscriminator)};
  ReferenceBackend reference;
  OnednnBackend onednn;
  Backend* backends[2] = {&reference, &onednn};
  GanStepReport last[2];
  constexpr int kSteps = 5;
  // SGD: the update is proportional to the gradient (Adam's first step is ±rate whatever the
  // gradient's size, and a convolution's bias before batch normalization has a gradient of 0 up
  // to rounding, which each backend rounds its own way).
  OptimizerConfig sgd;
  sgd.kind = OptimizerKind::Sgd, sgd.learningRate = 0.05, sgd.momentum = 0.9;
  for (int k = 0; k < 2; ++k) {
    initialize(g[k], InitScheme::Auto, 5);
    initialize(d[k], InitScheme::Auto, 6);
    std::mt19937_64 random(11);
    GanStep step(g[k], d[k], *backends[k], sgd);
    for (int s = 0; s < kSteps; ++s) {
      Tensor real(Shape{4, 1, 8, 8});
      for (int64_t i = 0; i < real.size(); ++i) real.data()[i] = float((i * 13 + s * 7) % 29) / 28.0f;
      last[k] = step.step(real, drawNoise(4, 4, random), 0);
    }
  }
  EXPECT_NEAR(last[0].discriminatorLoss, last[1].discriminatorLoss, 1e-4);
  EXPECT_NEAR(last[0].generatorLoss, last[1].generatorLoss, 1e-4);
  EXPECT_NEAR(last[0].realScore, last[1].realScore, 1e-5);
  EXPECT_NEAR(last[0].fakeScore, last[1].fakeScore, 1e-5);
  expectSameState(g, "generator");
  expectSameState(d, "discriminator");
}

TEST(Gan, TheNetworksMustFitEachOther) {
  const Network g = buildLayerList(kTinyGenerator);
  try {
    checkGan(g, buildLayerList("input 1x28x28\nflatten\ndense 1\n"));
    FAIL() << "a 1x8x8 generator was set against a 1x28x28 discriminator";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("makes 1x8x8 images but its discriminator takes 1x28x28"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(checkGan(g, buildLayerList("input 1x8x8\nflatten\ndense 2\n")), std::invalid_argument); // two logits
  EXPECT_THROW(checkGan(makePreset("lenet5"), buildLayerList(kTinyDiscriminator)), std::invalid_argument); // no noise
  checkGan(makePreset("mini-dcgan"), makePresetDiscriminator("mini-dcgan"));
  EXPECT_THROW(makePresetDiscriminator("mini-vae"), std::invalid_argument);
}

// mini-dcgan through the training job, stopped after an epoch with a checkpoint and resumed: the
// same generator, discriminator and losses as a run that never stopped (the shuffling, the noise,
// both Adams' moments, both networks' batch statistics).
TEST(Gan, AResumedGanEqualsOneThatNeverStopped) {
  TrainingSpec spec;
  spec.model = "mini-dcgan";
  spec.config = presetTrainConfig("mini-dcgan");
  ASSERT_TRUE(spec.config.gan);
  EXPECT_EQ(spec.config.optimizer.beta1, 0.5);
  spec.config.epochs = 2;
  spec.config.maxTrainImages = 128;
  spec.config.maxTestImages = 64;
  spec.config.threads = 2;
  TrainingJob straight(spec);
  ASSERT_NE(straight.discriminator(), nullptr);
  const TrainResult whole = straight.run();
  ASSERT_EQ(whole.status, TrainResult::Status::Finished) << whole.message;
  for (const EpochReport& e : whole.epochs) {
    EXPECT_TRUE(e.gan);
    EXPECT_GT(e.trainDiscriminatorLoss, 0.0);
    EXPECT_GT(e.trainRealScore, 0.0);
    EXPECT_LT(e.trainRealScore, 1.0);
    EXPECT_GT(e.testFakeScore, 0.0);
    EXPECT_LT(e.testFakeScore, 1.0);
    EXPECT_EQ(e.trainLoss, e.trainGeneratorLoss);
  }

  const std::filesystem::path file = std::filesystem::temp_directory_path() / "convscope-gan-resume.json";
  spec.config.epochs = 1;
  TrainingJob first(spec);
  TrainerCallbacks callbacks;
  EpochReport last;
  callbacks.onEpoch = [&](const EpochReport& r) { last = r; };
  callbacks.onCheckpoint = [&](const TrainingState& state) {
    saveModel(file.string(), first.network(), first.modelInfo(1, &last, &state), first.discriminator());
  };
  ASSERT_EQ(first.run(callbacks).status, TrainResult::Status::Finished);
  const Model checkpoint = loadModel(file.string());
  ASSERT_TRUE(checkpoint.discriminator && checkpoint.info.checkpoint);
  EXPECT_TRUE(checkpoint.info.checkpoint->config.gan);
  EXPECT_FALSE(checkpoint.info.checkpoint->state.noiseRandom.empty());
  EXPECT_EQ(checkpoint.info.checkpoint->state.discriminatorOptimizer.steps, 2); // 128 images in batches of 64

  TrainingSpec resume;
  resume.model = file.string();
  resume.resume = true;
  resume.config.epochs = 2;
  resume.config.threads = 2;
  TrainingJob second(resume);
  const TrainResult rest = second.run();
  ASSERT_EQ(rest.status, TrainResult::Status::Finished) << rest.message;
  EXPECT_EQ(stateOf(second.network()), stateOf(straight.network())) << "the generators differ";
  EXPECT_EQ(stateOf(*second.discriminator()), stateOf(*straight.discriminator())) << "the discriminators differ";
  EXPECT_EQ(rest.epochs.back().trainDiscriminatorLoss, whole.epochs.back().trainDiscriminatorLoss);
  EXPECT_EQ(rest.epochs.back().testRealScore, whole.epochs.back().testRealScore);
  std::filesystem::remove(file);
}

// A GAN's model file holds both networks; the preprocessing is the images' (the discriminator's
// input); a discriminator that does not fit is named.
TEST(Gan, TheModelFileHoldsBothNetworks) {
  Model gan = presetModel("mini-dcgan");
  ASSERT_TRUE(gan.discriminator);
  initialize(gan.network, InitScheme::Auto, 1);
  initialize(*gan.discriminator, InitScheme::Auto, 2);
  ModelInfo info;
  info.preprocess = plainPreprocess(gan.discriminator->inputShape());
  const std::string text = serializeModel(gan.network, info, true, &*gan.discriminator);
  const Model back = parseModel(text, "gan.json");
  ASSERT_TRUE(back.discriminator);
  EXPECT_TRUE(back.hasWeights);
  EXPECT_EQ(stateOf(back.network), stateOf(gan.network));
  EXPECT_EQ(stateOf(*back.discriminator), stateOf(*gan.discriminator));
  ASSERT_TRUE(back.info.preprocess);
  EXPECT_EQ(back.info.preprocess->height, 28);
  Network wrong = buildLayerList("input 1x32x32\nflatten\ndense 1\n");
  try {
    parseModel(serializeModel(gan.network, info, true, &wrong), "bad.json");
    FAIL() << "a discriminator of another size was read";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json: a GAN's generator makes 1x28x28 images but its discriminator "
                                         "takes 1x32x32"),
              std::string::npos)
        << e.what();
  }
}

// The census on real test digits: the bundled LeNet-5 reads nearly all of them confidently and
// as their labels; the counts add up; a blank page is not read as a confident anything.
TEST(Gan, TheCensusReadsRealDigitsAsTheirLabels) {
  Model lenet = loadModel(resourcesDirectory() + "/models/lenet5-digits.json");
  ASSERT_TRUE(lenet.info.preprocess);
  const DatasetSplit digits = loadDataset("digits", 1, 28, 28);
  const int64_t n = 300;
  Tensor images(Shape{n, 1, 28, 28});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < 784; ++k) images.data()[i * 784 + k] = float(digits.test.image(size_t(i))[k]) / 255.0f;
  OnednnBackend backend;
  const SampleCensus c = sampleCensus(lenet.network, backend, *lenet.info.preprocess, images);
  ASSERT_EQ(c.classes.size(), size_t(n));
  int sum = 0, agree = 0;
  for (int k : c.counts) sum += k;
  EXPECT_EQ(sum, n);
  for (int64_t i = 0; i < n; ++i) agree += c.classes[size_t(i)] == digits.test.labels[size_t(i)];
  EXPECT_GT(agree, 0.95 * n);
  EXPECT_GT(c.confidentFraction(), 0.9);
  EXPECT_GT(c.smallestClassFraction(), 0.03);
  int confident = 0;
  for (float p : c.probabilities) confident += p >= 0.9f;
  EXPECT_EQ(confident, c.confident);
  EXPECT_THROW(sampleCensus(lenet.network, backend, *lenet.info.preprocess, Tensor(Shape{2, 3, 28, 28})),
               std::invalid_argument); // colour images for a grey classifier
}

// Super-resolution through the training job (mini-srgan, a few batches): the epoch reports the
// reconstruction and the test PSNR, the generator's loss is the reconstruction plus the preset's
// weight times the adversarial one, the checkpoint keeps the weight, and both backends take the
// same steps. The evaluation: the bundled LeNet-5 reads the real digits, an upscaler is judged
// against bicubic.
TEST(Gan, SuperResolutionTrainsAndIsJudgedAgainstTheBaseline) {
  TrainingSpec spec;
  spec.model = "mini-srgan";
  spec.config = presetTrainConfig("mini-srgan");
  ASSERT_TRUE(spec.config.gan);
  EXPECT_EQ(spec.config.adversarialWeight, 0.01);
  spec.config.epochs = 1;
  spec.config.maxTrainImages = 192;
  spec.config.maxTestImages = 100;
  spec.config.threads = 2;
  TrainingJob job(spec);
  ASSERT_TRUE(readsImages(job.network()));
  EpochReport last;
  TrainingState state;
  TrainerCallbacks callbacks;
  callbacks.onEpoch = [&](const EpochReport& r) { last = r; };
  callbacks.onCheckpoint = [&](const TrainingState& s) { state = s; };
  ASSERT_EQ(job.run(callbacks).status, TrainResult::Status::Finished);
  EXPECT_TRUE(last.reconstructs);
  EXPECT_GT(last.trainReconstructionLoss, 0.0);
  EXPECT_NEAR(last.trainLoss, last.trainReconstructionLoss + 0.01 * last.trainGeneratorLoss, 1e-6);
  EXPECT_GT(last.testPsnr, 5.0); // three batches: still near grey (0.5 everywhere is about 7 dB)
  EXPECT_NEAR(last.testPsnr < 99 ? std::pow(10.0, -last.testPsnr / 10.0) : 0.0, last.testReconstructionLoss,
              0.5 * last.testReconstructionLoss); // the mean of the PSNRs is not the PSNR of the mean, but near

  const std::string text =
      serializeModel(job.network(), job.modelInfo(1, &last, &state), true, job.discriminator());
  Model back = parseModel(text, "sr.json");
  ASSERT_TRUE(back.discriminator && back.info.checkpoint);
  EXPECT_EQ(back.info.checkpoint->config.adversarialWeight, 0.01);

  Model lenet = loadModel(resourcesDirectory() + "/models/lenet5-digits.json");
  const DatasetSplit digits = loadDataset("digits", 1, 28, 28);
  OnednnBackend backend;
  const UpscalingEvaluation e = evaluateUpscaling(back.network, &*back.discriminator, backend, digits.test,
                                                  *back.info.preprocess, &lenet.network, &*lenet.info.preprocess, 200);
  EXPECT_EQ(e.count, 200);
  EXPECT_GT(e.realAccuracy, 0.95);
  EXPECT_GT(e.bicubicPsnr, 15.0);
  EXPECT_LT(e.bicubicPsnr, 30.0);
  EXPECT_GT(e.bicubicMidtones, e.realMidtones); // interpolation blurs
  EXPECT_TRUE(e.judged && e.read);
  EXPECT_GT(e.realScore, 0.0);
  EXPECT_LT(e.realScore, 1.0);
  Network fromNoise = makePreset("mini-dcgan");
  EXPECT_THROW(evaluateUpscaling(fromNoise, nullptr, backend, digits.test, *back.info.preprocess),
               std::invalid_argument); // a generator from noise upscales nothing
}

TEST(Gan, BothBackendsUpscaleAlike) {
  Network g[2] = {buildLayerList(kTinyUpscaler), buildLayerList(kTinyUpscaler)};
  Network d[2] = {buildLayerList(kTinyDiscriminator), buildLayerList(kTinyDiscriminator)};
  ReferenceBackend reference;
  OnednnBackend onednn;
  Backend* backends[2] = {&reference, &onednn};
  GanStepReport last[2];
  OptimizerConfig sgd;
  sgd.kind = OptimizerKind::Sgd, sgd.learningRate = 0.05, sgd.momentum = 0.9;
  for (int k = 0; k < 2; ++k) {
    initialize(g[k], InitScheme::Auto, 5);
    initialize(d[k], InitScheme::Auto, 6);
    std::mt19937_64 unused(1);
    GanStep step(g[k], d[k], *backends[k], sgd, 0.5);
    for (int s = 0; s < 4; ++s) {
      const Tensor real = someDigits(4, 8, s);
      last[k] = step.step(real, generatorInputs(g[k], real, unused), 0);
    }
  }
  EXPECT_NEAR(last[0].reconstructionLoss, last[1].reconstructionLoss, 1e-6);
  EXPECT_NEAR(last[0].objective, last[1].objective, 1e-4);
  expectSameState(g, "generator");
  expectSameState(d, "discriminator");
}
