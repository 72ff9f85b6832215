// Training: losses, optimizers, initialization, datasets, preprocessing, the trainer's
// controls (pause, step, cancel, divergence, determinism) and model files.
#include "TestUtils.h"

#include "engine/training/Dataset.h"
#include "engine/training/Loss.h"
#include "engine/io/ModelFile.h"
#include "engine/training/Optimizer.h"
#include "engine/training/Preprocess.h"
#include "engine/network/LayerList.h"
#include "engine/network/Presets.h"
#include "engine/training/Trainer.h"
#include "engine/backend/onednn/OnednnBackend.h"

#include <gtest/gtest.h>

#include <omp.h>
#include <opencv2/imgcodecs.hpp>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <thread>

using namespace convscope;
using convscope::test::randomTensor;
using convscope::test::tensor;
using convscope::test::tensorsClose;
namespace fs = std::filesystem;

namespace {

class TempDir {
public:
  TempDir()
      : path_(fs::temp_directory_path() /
              ("convscope-train-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

const DatasetSplit& digits() {
  static const DatasetSplit data = loadDataset("digits");
  return data;
}

void writeIdx(const std::string& path, uint32_t magic, std::vector<uint32_t> dims, const std::vector<uint8_t>& data,
              bool gzip) {
  std::string bytes;
  auto be = [&](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) bytes += static_cast<char>(v >> s & 255);
  };
  be(magic);
  for (uint32_t d : dims) be(d);
  bytes.append(data.begin(), data.end());
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream(path, std::ios::binary) << bytes;
  }
}

TrainConfig quickConfig() {
  TrainConfig c;
  c.epochs = 1;
  c.batchSize = 32;
  c.maxTrainImages = 640;
  c.maxTestImages = 200;
  c.threads = 2;
  return c;
}

} // namespace

TEST(Loss, TheLecturesTotalError) {
  // Output probabilities [0.2, 0.4, 0.1, 0.3] against the target [0, 0, 1, 0]:
  // ½(0.2² + 0.4² + 0.9² + 0.3²) = ½ · 1.1 = 0.55.
  Tensor diff(Shape{1, 4});
  EXPECT_NEAR(halfSquaredError(Tensor(Shape{1, 4}, std::vector<float>{0.2f, 0.4f, 0.1f, 0.3f}), 2, &diff), 0.55, 1e-7);
  EXPECT_FLOAT_EQ(diff.data()[2], 0.1f - 1.0f); // ∂E/∂p = p − t
  EXPECT_FLOAT_EQ(diff.data()[1], 0.4f);
  // And from logits whose softmax is that: the same loss through classificationLoss.
  const Tensor logits = tensor({1, 4}, {std::log(0.2f), std::log(0.4f), std::log(0.1f), std::log(0.3f)});
  EXPECT_NEAR(classificationLoss(LossKind::HalfSquaredError, logits, {2}, nullptr).loss, 0.55, 1e-6);
  EXPECT_NEAR(classificationLoss(LossKind::CrossEntropy, logits, {2}, nullptr).loss, -std::log(0.1), 1e-6);
}

TEST(Loss, CrossEntropyGradientIsProbabilitiesMinusOneHotOverN) {
  const Tensor logits = tensor({2, 3}, {0, 0, 0, 1, 2, 3});
  Tensor diff({2, 3});
  const LossResult r = classificationLoss(LossKind::CrossEntropy, logits, {1, 2}, &diff);
  EXPECT_EQ(r.correct, 1); // the first row is a three-way tie: argmax is class 0
  EXPECT_NEAR(diff.data()[0], (1.0 / 3) / 2, 1e-7);
  EXPECT_NEAR(diff.data()[1], (1.0 / 3 - 1) / 2, 1e-7);
  EXPECT_EQ(errorOf([&] {
              classificationLoss(LossKind::CrossEntropy, logits, {1, 7}, nullptr);
            }),
            "loss: label 7 of sample 1 is outside 0..2");
}

TEST(Optimizer, RefusesBadHyperparametersAndSchedulesSteps) {
  OptimizerConfig c;
  c.learningRate = 0;
  EXPECT_EQ(c.problem(), "learning rate 0 must be a positive number");
  c.learningRate = -1;
  EXPECT_EQ(c.problem(), "learning rate -1 must be a positive number");
  c.learningRate = 0.1;
  c.momentum = 1.5;
  EXPECT_EQ(c.problem(), "momentum 1.5 must be in [0, 1)");
  c.momentum = 0.9;
  c.stepEvery = 2;
  c.stepGamma = 0.5;
  EXPECT_EQ(c.problem(), "");
  EXPECT_DOUBLE_EQ(c.rateAtEpoch(1), 0.1);
  EXPECT_DOUBLE_EQ(c.rateAtEpoch(2), 0.05);
  EXPECT_DOUBLE_EQ(c.rateAtEpoch(5), 0.025);
  TrainConfig t;
  t.batchSize = 0;
  EXPECT_EQ(t.problem(), "batch size 0 must be at least 1");
}

TEST(Initialization, DeterministicAndScaledByFanIn) {
  Network a = makePreset("lenet5"), b = makePreset("lenet5"), c = makePreset("lenet5");
  initialize(a, InitScheme::LeCun, 7);
  initialize(b, InitScheme::LeCun, 7);
  initialize(c, InitScheme::LeCun, 8);
  EXPECT_TRUE(tensorsClose(*a.parameters()[0], *b.parameters()[0], 0, 0));
  EXPECT_FALSE(tensorsClose(*a.parameters()[0], *c.parameters()[0], 0, 0));
  // conv3 has fan-in 16·5·5 = 400: LeCun's standard deviation is 1/20.
  const Tensor& w = *a.parameters()[4];
  const double meanSquare =
      std::inner_product(w.values().begin(), w.values().end(), w.values().begin(), 0.0) / double(w.size());
  EXPECT_NEAR(std::sqrt(meanSquare), 0.05, 0.002);
  EXPECT_EQ(a.parameters()[5]->values(), std::vector<float>(120, 0.0f)); // biases zero
}

TEST(Datasets, IdxGzippedPlainAndBroken) {
  TempDir dir;
  std::vector<uint8_t> images(3 * 2 * 2), labels{0, 2, 1};
  std::iota(images.begin(), images.end(), 0);
  writeIdx(dir / "train-images-idx3-ubyte.gz", 0x803, {3, 2, 2}, images, true);
  writeIdx(dir / "train-labels-idx1-ubyte.gz", 0x801, {3}, labels, true);
  writeIdx(dir / "t10k-images-idx3-ubyte", 0x803, {1, 2, 2}, {9, 8, 7, 6}, false);
  writeIdx(dir / "t10k-labels-idx1-ubyte", 0x801, {1}, {1}, false);
  const DatasetSplit d = loadIdxFolder(dir / "");
  EXPECT_EQ(d.train.size(), 3u);
  EXPECT_EQ(d.train.image(2)[3], 11);
  EXPECT_EQ(d.train.labels[1], 2);
  EXPECT_EQ(d.test.image(0)[0], 9);
  EXPECT_EQ(d.train.classNames.size(), 3u);
  writeIdx(dir / "t10k-images-idx3-ubyte", 0x803, {2, 2, 2}, {9, 8, 7, 6}, false); // says 2, holds 1
  EXPECT_NE(errorOf([&] { loadIdxFolder(dir / ""); }).find("2 images of 2x2 need 24 bytes, the file has 20"),
            std::string::npos);
  fs::remove(dir / "t10k-images-idx3-ubyte");
  EXPECT_NE(errorOf([&] { loadIdxFolder(dir / ""); }).find("no t10k-images-idx3-ubyte"), std::string::npos);
}

// Damaged IDX and CIFAR-10 files: each refused naming the file and what is wrong.
TEST(Datasets, DamagedIdxAndCifarFilesAreNamed) {
  TempDir dir;
  const auto valid = [&] {
    writeIdx(dir / "train-images-idx3-ubyte", 0x803, {3, 2, 2}, std::vector<uint8_t>(12, 1), false);
    writeIdx(dir / "train-labels-idx1-ubyte", 0x801, {3}, {0, 1, 2}, false);
    writeIdx(dir / "t10k-images-idx3-ubyte", 0x803, {1, 2, 2}, {9, 8, 7, 6}, false);
    writeIdx(dir / "t10k-labels-idx1-ubyte", 0x801, {1}, {1}, false);
  };
  const auto error = [&] { return errorOf([&] { loadIdxFolder(dir / ""); }); };
  valid();
  EXPECT_EQ(error(), "(no error)");
  writeIdx(dir / "train-images-idx3-ubyte", 0x801, {3, 2, 2}, std::vector<uint8_t>(12, 1), false); // label magic
  EXPECT_NE(error().find("not an IDX image file (magic number 2051 expected)"), std::string::npos) << error();
  valid();
  writeIdx(dir / "train-labels-idx1-ubyte", 0x803, {3}, {0, 1, 2}, false);
  EXPECT_NE(error().find("not an IDX label file (magic number 2049 expected)"), std::string::npos) << error();
  valid();
  writeIdx(dir / "train-labels-idx1-ubyte", 0x801, {3}, {0, 1}, false); // says 3, holds 2
  EXPECT_NE(error().find("3 labels need 11 bytes, the file has 10"), std::string::npos) << error();
  valid();
  writeIdx(dir / "train-labels-idx1-ubyte", 0x801, {2}, {0, 1}, false); // 2 labels for 3 images
  EXPECT_NE(error().find("2 labels for 3 images"), std::string::npos) << error();
  valid();
  writeIdx(dir / "train-images-idx3-ubyte", 0x803, {3, 2, 2}, std::vector<uint8_t>(13, 1), false); // a byte too many
  EXPECT_NE(error().find("3 images of 2x2 need 28 bytes, the file has 29"), std::string::npos) << error();
  writeIdx(dir / "train-images-idx3-ubyte", 0x803, {3, 0, 2}, {}, false);
  EXPECT_NE(error().find("implausible image size 0x2"), std::string::npos) << error();
  // A gzip cut short.
  valid();
  writeIdx(dir / "train-images-idx3-ubyte.gz", 0x803, {3, 2, 2}, std::vector<uint8_t>(12, 1), true);
  fs::remove(dir / "train-images-idx3-ubyte");
  std::string gz;
  {
    std::ifstream in(dir / "train-images-idx3-ubyte.gz", std::ios::binary);
    gz.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::ofstream(dir / "train-images-idx3-ubyte.gz", std::ios::binary) << gz.substr(0, gz.size() - 12);
  EXPECT_NE(error().find("train-images-idx3-ubyte.gz"), std::string::npos) << error();
  EXPECT_FALSE(error().empty());

  TempDir cifar;
  std::string record(1 + 3072, '\x05');
  record[0] = 12; // no such class
  std::ofstream(cifar / "data_batch_1.bin", std::ios::binary) << record;
  record[0] = 1;
  std::ofstream(cifar / "test_batch.bin", std::ios::binary) << record;
  EXPECT_NE(errorOf([&] { loadCifar10(cifar / ""); }).find("label 12 is outside 0..9"), std::string::npos);
  std::ofstream(cifar / "data_batch_1.bin", std::ios::binary); // empty
  EXPECT_NE(errorOf([&] { loadCifar10(cifar / ""); }).find("0 bytes is not a whole number"), std::string::npos);
  fs::remove(cifar / "data_batch_1.bin");
  EXPECT_NE(errorOf([&] { loadCifar10(cifar / ""); }).find("needs CIFAR-10's binary batches"), std::string::npos);
  // The memory a dataset may take is half of this computer's.
  EXPECT_GT(maxDatasetBytes(), int64_t(1) << 28);
}

TEST(Datasets, BundledDigitsFromAnyFolder) {
  const auto cwd = fs::current_path();
  fs::current_path(fs::temp_directory_path());
  const DatasetSplit d = loadDataset("digits");
  fs::current_path(cwd);
  EXPECT_EQ(d.train.size(), 8000u);
  EXPECT_EQ(d.test.size(), 2000u);
  EXPECT_EQ(d.train.height, 28);
  std::vector<int> counts(10, 0);
  for (int label : d.train.labels) ++counts[static_cast<size_t>(label)];
  EXPECT_EQ(counts, (std::vector<int>{784, 898, 795, 851, 788, 685, 816, 848, 767, 768})); // SOURCE.md
}

TEST(Datasets, FashionMnistWhenInstalled) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed (scripts/test.sh installs it)";
  const DatasetSplit d = loadDataset("fashion-mnist");
  EXPECT_EQ(d.train.size(), 60000u);
  EXPECT_EQ(d.test.size(), 10000u);
  EXPECT_EQ(d.train.classNames[9], "Ankle boot");
}

TEST(Datasets, ImageFolderAndCifar10) {
  TempDir dir;
  for (const char* cls : {"cats", "dogs"}) {
    fs::create_directories(dir / cls);
    for (int i = 0; i < 5; ++i)
      cv::imwrite(dir / (std::string(cls) + "/" + std::to_string(i) + ".png"),
                  cv::Mat(40, 30, CV_8UC3, cv::Scalar(i * 10, cls[0] == 'c' ? 200 : 20, 50)));
  }
  std::ofstream(dir / "cats/readme.txt") << "not an image";
  const DatasetSplit f = loadImageFolder(dir / "", 3, 16, 16);
  EXPECT_EQ(f.train.size(), 8u); // every 5th image of each class is a test image
  EXPECT_EQ(f.test.size(), 2u);
  EXPECT_EQ(f.train.classNames, (std::vector<std::string>{"cats", "dogs"}));
  EXPECT_EQ(f.train.height, 16);
  EXPECT_EQ(f.train.image(0)[16 * 16], 200); // green channel of a cat
  EXPECT_NE(errorOf([&] { loadImageFolder(dir / "cats", 3, 16, 16); }).find("needs one subfolder per class"),
            std::string::npos);

  TempDir cifar;
  std::string record(1 + 3072, '\x05');
  record[0] = 3;
  std::ofstream(cifar / "data_batch_1.bin", std::ios::binary) << record << record;
  record[0] = 9;
  std::ofstream(cifar / "test_batch.bin", std::ios::binary) << record;
  const DatasetSplit c = loadCifar10(cifar / "");
  EXPECT_EQ(c.train.size(), 2u);
  EXPECT_EQ(c.test.labels[0], 9);
  EXPECT_EQ(c.train.classNames[3], "cat");
  std::ofstream(cifar / "test_batch.bin", std::ios::binary) << "short";
  EXPECT_NE(errorOf([&] { loadCifar10(cifar / ""); }).find("is not a whole number of 3073-byte CIFAR-10 records"),
            std::string::npos);
  EXPECT_EQ(errorOf([] { loadDataset("mnist-ish"); }),
            "unknown dataset 'mnist-ish' (expected digits, fashion-mnist, scenes, idx:DIR, folder:DIR or cifar10:DIR)");
}

TEST(Preprocess, PadsDigitsTo32AndNormalizes) {
  const Dataset& train = digits().train;
  const Preprocess p = preprocessFor(Shape{1, 32, 32}, train);
  EXPECT_NEAR(p.mean[0], 0.13, 0.01); // MNIST's familiar statistics
  EXPECT_NEAR(p.stddev[0], 0.31, 0.01);
  Tensor batch;
  std::vector<int> labels;
  const size_t indices[] = {0, 1};
  makeBatch(train, indices, 2, p, batch, labels);
  ASSERT_EQ(batch.shape(), (Shape{2, 1, 32, 32}));
  const float background = -p.mean[0] / p.stddev[0];
  EXPECT_FLOAT_EQ(batch.at(0, 0, 0, 0), background); // padding is a black pixel
  EXPECT_FLOAT_EQ(batch.at(1, 0, 31, 31), background);
  // Pixel (r, c) of the 28x28 image lands at (r + 2, c + 2).
  const uint8_t* img = train.image(1);
  for (int r : {5, 14, 20})
    for (int c : {6, 13})
      EXPECT_FLOAT_EQ(batch.at(1, 0, r + 2, c + 2), (img[r * 28 + c] / 255.0f - p.mean[0]) / p.stddev[0]);
  EXPECT_EQ(labels[1], train.labels[1]);
}

TEST(Trainer, LearnsDigitsAndSavedModelEvaluatesIdentically) {
  Network net = makePreset("lenet5");
  initialize(net, InitScheme::Auto, 1);
  OnednnBackend backend;
  const Preprocess p = preprocessFor(net.inputShape(), digits().train);
  TrainConfig config = quickConfig();
  config.maxTrainImages = 2000;
  config.epochs = 2;
  int batches = 0;
  std::vector<EpochReport> epochs;
  Trainer trainer(net, digits(), p, config, backend);
  const TrainResult result = trainer.run({[&](const BatchReport& r) {
                                            ++batches;
                                            EXPECT_GT(r.imagesPerSecond, 0);
                                          },
                                          [&](const EpochReport& r) { epochs.push_back(r); },
                                          {}});
  ASSERT_EQ(result.status, TrainResult::Status::Finished);
  EXPECT_EQ(batches, 2 * 63); // ⌈2000 / 32⌉ per epoch
  ASSERT_EQ(epochs.size(), 2u);
  EXPECT_EQ(epochs[1].testPredictions.size(), 200u);
  EXPECT_GT(epochs[1].testAccuracy, 0.85);
  EXPECT_LT(epochs[1].trainLoss, epochs[0].trainLoss);

  TempDir dir;
  ModelInfo info;
  info.preprocess = p;
  info.classNames = digits().train.classNames;
  saveModel(dir / "lenet.json", net, info);
  Model loaded = loadModel(dir / "lenet.json");
  ASSERT_TRUE(loaded.hasWeights);
  const Evaluation e =
      evaluate(loaded.network, backend, digits().test, *loaded.info.preprocess, LossKind::CrossEntropy, 256, 200);
  EXPECT_EQ(e.accuracy, epochs[1].testAccuracy); // exactly what the trainer reported
  EXPECT_DOUBLE_EQ(e.loss, epochs[1].testLoss);
  EXPECT_EQ(loaded.info.classNames, info.classNames);
}

// Gradient norms (for the gradient-flow view): one per layer with weights, the weight norm
// equal to the norm of that layer's gradients, NaN for the first layer's input, and the
// epoch's figure the mean of its batches'.
TEST(Trainer, ReportsEachLayersGradientNormsWhenAsked) {
  Network net = makePreset("lenet5");
  initialize(net, InitScheme::Auto, 1);
  OnednnBackend backend;
  TrainConfig config = quickConfig();
  config.maxTrainImages = 96; // three batches of 32
  config.epochs = 1;
  config.gradientNorms = true;
  std::vector<std::vector<Network::GradientNorm>> batches;
  std::vector<double> conv1FromGradients;
  std::vector<EpochReport> epochs;
  Trainer trainer(net, digits(), preprocessFor(net.inputShape(), digits().train), config, backend);
  trainer.run({[&](const BatchReport& r) {
                 batches.push_back(r.gradientNorms);
                 double sum = 0; // conv1's weight and bias gradients, read directly
                 for (Tensor* g : net.layer(0).gradients())
                   for (float v : g->values()) sum += double(v) * v;
                 conv1FromGradients.push_back(std::sqrt(sum));
               },
               [&](const EpochReport& r) { epochs.push_back(r); },
               {}});
  ASSERT_EQ(batches.size(), 3u);
  ASSERT_EQ(batches[0].size(), 5u); // conv1, conv2, conv3, fc1, fc2
  EXPECT_EQ(batches[0][0].layer, "conv1");
  EXPECT_EQ(batches[0][4].layer, "fc2");
  EXPECT_TRUE(std::isnan(batches[0][0].input)); // the first layer's input gradient is never computed
  for (size_t b = 0; b < 3; ++b) {
    EXPECT_NEAR(batches[b][0].weights, conv1FromGradients[b], 1e-9 * conv1FromGradients[b]);
    for (size_t l = 1; l < 5; ++l) EXPECT_GT(batches[b][l].input, 0.0) << batches[b][l].layer;
  }
  ASSERT_EQ(epochs.size(), 1u);
  ASSERT_EQ(epochs[0].gradientNorms.size(), 5u);
  EXPECT_NEAR(epochs[0].gradientNorms[2].weights,
              (batches[0][2].weights + batches[1][2].weights + batches[2][2].weights) / 3, 1e-12);
  // Off by default: nothing is computed.
  config.gradientNorms = false;
  Trainer quiet(net, digits(), preprocessFor(net.inputShape(), digits().train), config, backend);
  bool any = false;
  quiet.run({[&](const BatchReport& r) { any = any || !r.gradientNorms.empty(); }, {}, {}});
  EXPECT_FALSE(any);
}

TEST(Trainer, DeterministicForASeedAndThreadCount) {
  auto trainOnce = [] {
    Network net = makePreset("lenet5");
    initialize(net, InitScheme::Auto, 3);
    OnednnBackend backend;
    TrainConfig config = quickConfig();
    config.seed = 3;
    Trainer trainer(net, digits(), preprocessFor(net.inputShape(), digits().train), config, backend);
    std::vector<double> losses;
    trainer.run({[&](const BatchReport& r) { losses.push_back(r.loss); }, {}, {}});
    return std::make_pair(losses, net.copyParameters());
  };
  const auto [lossesA, weightsA] = trainOnce();
  const auto [lossesB, weightsB] = trainOnce();
  EXPECT_EQ(lossesA, lossesB);
  for (size_t i = 0; i < weightsA.size(); ++i) EXPECT_EQ(weightsA[i].values(), weightsB[i].values());
}

TEST(Trainer, ThreadCountHoldsOnlyForTheRun) {
  Network net = makePreset("lenet5");
  initialize(net, InitScheme::Auto, 1);
  OnednnBackend backend;
  TrainConfig config = quickConfig();
  config.epochs = 1;
  config.maxTrainImages = 64;
  config.threads = 1;
  const int before = omp_get_max_threads();
  int during = 0;
  Trainer trainer(net, digits(), preprocessFor(net.inputShape(), digits().train), config, backend);
  trainer.run({[&](const BatchReport&) { during = omp_get_max_threads(); }, {}, {}});
  EXPECT_EQ(during, 1);
  EXPECT_EQ(omp_get_max_threads(), before); // the calling thread's setting is back
}

TEST(Trainer, PauseStepResumeAndCancelFromAnotherThread) {
  Network net = makePreset("lenet5");
  initialize(net, InitScheme::Auto, 1);
  OnednnBackend backend;
  TrainConfig config = quickConfig();
  config.epochs = 50;
  Trainer trainer(net, digits(), preprocessFor(net.inputShape(), digits().train), config, backend);
  std::atomic<int> batches{0};
  trainer.pause();
  TrainResult result;
  std::atomic<int> idle{0}; // betweenBatches: before every batch and every 20 ms while paused
  std::thread worker([&] { result = trainer.run({[&](const BatchReport&) { ++batches; }, {}, [&] { ++idle; }}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(batches, 0); // paused before the first batch
  for (int i = 0; i < 3000 && idle < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(idle, 3); // the thread's other work goes on while paused
  trainer.step();
  trainer.step();
  // Generous waits: this checks behaviour, not speed, and CI machines may be busy.
  for (int i = 0; i < 3000 && batches < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(batches, 2); // exactly the two steps
  trainer.resume();
  for (int i = 0; i < 3000 && batches < 30; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  trainer.cancel();
  worker.join();
  EXPECT_EQ(result.status, TrainResult::Status::Cancelled);
  EXPECT_GE(batches, 30);
  EXPECT_LT(batches, 50 * 20); // stopped long before 50 epochs
  EXPECT_NE(result.message.find("training cancelled at epoch"), std::string::npos) << result.message;
}

TEST(Trainer, DivergenceStopsWithAMessageAndKeepsTheLastGoodWeights) {
  Network net = makePreset("lenet5");
  initialize(net, InitScheme::Auto, 1);
  OnednnBackend backend;
  TrainConfig config = quickConfig();
  config.optimizer.learningRate = 100;
  Trainer trainer(net, digits(), preprocessFor(net.inputShape(), digits().train), config, backend);
  const TrainResult result = trainer.run();
  ASSERT_EQ(result.status, TrainResult::Status::Diverged);
  EXPECT_NE(result.message.find("training diverged at epoch 1, batch "), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("learning rate 100 is probably too high"), std::string::npos) << result.message;
  for (const Tensor& t : net.copyParameters())
    for (float v : t.values()) ASSERT_TRUE(std::isfinite(v));
}

TEST(ModelFile, RefusesDamagedFilesWithReasons) {
  Network net = makePreset("lenet5");
  initialize(net, InitScheme::Auto, 1);
  ModelInfo info;
  info.preprocess = preprocessFor(net.inputShape(), digits().train);
  const std::string text = serializeModel(net, info);
  EXPECT_NO_THROW(parseModel(text, "m.json"));
  EXPECT_NE(errorOf([&] { parseModel(text.substr(0, text.size() / 2), "m.json"); }).find("truncated?"),
            std::string::npos);
  std::string edited = text;
  const size_t data = edited.find("\"data\": \"") + 12;
  edited[data] = edited[data] == 'A' ? 'B' : 'A';
  EXPECT_NE(errorOf([&] { parseModel(edited, "m.json"); }).find("parameters of conv1 weights: checksum mismatch"),
            std::string::npos);
  std::string reshaped = text;
  reshaped.replace(reshaped.find("\"out_channels\": 6"), 17, "\"out_channels\": 7");
  EXPECT_NE(errorOf([&] { parseModel(reshaped, "m.json"); }).find("layer 4 ('conv2') does not fit"), std::string::npos)
      << errorOf([&] { parseModel(reshaped, "m.json"); });
  std::string future = text;
  future.replace(future.find("\"version\": 1"), 12, "\"version\": 9");
  EXPECT_NE(errorOf([&] { parseModel(future, "m.json"); }).find("model format version 9 is not supported"),
            std::string::npos);
  EXPECT_EQ(errorOf([] { parseModel("{\"hello\": 1}", "x.json"); }),
            "x.json: not a ConvScope model file (no \"format\": \"convscope-model\")");
  EXPECT_EQ(errorOf([] { loadModel("/no/such/model.json"); }), "/no/such/model.json: no such file");
}

// What a file declares is checked before anything is allocated: more than ConvScope opens,
// or more weights than the file can hold.
TEST(ModelFile, DeclaredSizesAreCheckedBeforeAnyLayerIsMade) {
  const std::string huge = R"({"format": "convscope-model", "version": 1, "input": [1000],
    "layers": [{"type": "Dense", "name": "fc", "in_features": 1000, "out_features": 16777216},
               {"type": "Dense", "name": "fc2", "in_features": 16777216, "out_features": 16777216}]})";
  EXPECT_NE(errorOf([&] { parseModel(huge, "huge.json"); })
                .find("huge.json: its layers declare 281,491,753,926,656 weights; ConvScope opens models of up to "
                      "2,147,483,648 parameters (8.6 GB as float32)"),
            std::string::npos)
      << errorOf([&] { parseModel(huge, "huge.json"); });
  // 100 million weights declared, in a file of a few hundred bytes claiming to hold them.
  const std::string cut = R"({"format": "convscope-model", "version": 1, "input": [10000],
    "layers": [{"type": "Dense", "name": "fc", "in_features": 10000, "out_features": 10000}],
    "parameters": [{"layer": "fc", "name": "weights", "shape": [10000, 10000], "crc32": 0, "data": ""}]})";
  EXPECT_NE(errorOf([&] {
              parseModel(cut, "cut.json");
            }).find("its layers declare 100,000,000 weights (400 MB), more than the file's"),
            std::string::npos)
      << errorOf([&] { parseModel(cut, "cut.json"); });
  // The same architecture without weights is a model to train: it opens.
  const std::string arch = R"({"format": "convscope-model", "version": 1, "input": [100],
    "layers": [{"type": "Dense", "name": "fc", "in_features": 100, "out_features": 10}]})";
  EXPECT_EQ(parseModel(arch, "arch.json").network.parameterCount(), 1010);
}

TEST(ModelFile, SavingIsAtomicAndArchitectureOnlyFilesLoad) {
  TempDir dir;
  Network net = makePreset("lenet5-relu");
  saveModel(dir / "m.json", net, {});
  saveModel(dir / "m.json", net, {}); // overwrite in place
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir / "")) ++files;
  EXPECT_EQ(files, 1); // no temporary left behind
  EXPECT_THROW(saveModel(dir / "missing/m.json", net, {}), std::invalid_argument);
  // An architecture without weights is a model to train.
  const std::string arch = serializeModel(net, {}, false);
  const Model m = parseModel(arch, "arch.json");
  EXPECT_FALSE(m.hasWeights);
  EXPECT_EQ(m.network.parameterCount(), 61'706);
  EXPECT_EQ(m.network.layer(2).describe(), "Pool2D 'pool1' max 2x2 s2,2 p0,0,0,0");
}

// --resize N: the shorter side to N (the longer truncated), then the centre of the input's size
// with halves rounded to even, as torchvision's Resize(N) and CenterCrop; checked against the
// input's size; kept in model files.
TEST(Preprocess, AResizeTakesTheCentreAsTorchvisionDoes) {
  Preprocess p = plainPreprocess(Shape{1, 224, 224});
  EXPECT_THROW(withResize(p, 200), std::invalid_argument);
  try {
    withResize(p, 200, "--resize");
    FAIL() << "200 < 224";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--resize 200 is smaller than the model's 224x224 input"), std::string::npos)
        << e.what();
  }
  p = withResize(p, 256);
  const ResizeCrop c = resizeCrop(p, 300, 400); // 256 × 341 (341.33 truncated), centre at 16, 58.5 → 58
  EXPECT_EQ((std::vector<int>{c.scaledH, c.scaledW, c.top, c.left}), (std::vector<int>{256, 341, 16, 58}));
  EXPECT_EQ(imageNetResize(p), 256);
  EXPECT_EQ(imageNetResize(plainPreprocess(Shape{3, 299, 299})), 342); // torchvision's Inception v3
  // An image whose shorter side is already 256: the centre crop alone, value for value.
  Tensor image(Shape{1, 1, 256, 320});
  for (int64_t y = 0; y < 256; ++y)
    for (int64_t x = 0; x < 320; ++x) image.at(0, 0, y, x) = float((y * 7 + x * 3) % 256);
  const Tensor out = preprocessImage(image, p);
  ASSERT_EQ(out.shape(), (Shape{1, 1, 224, 224}));
  for (int64_t y : {0, 100, 223})
    for (int64_t x : {0, 57, 223}) EXPECT_FLOAT_EQ(out.at(0, 0, y, x), image.at(0, 0, y + 16, x + 48) / 255.0f);
  EXPECT_NE(normalizationText(p).find("shorter side to 256, centre 224×224"), std::string::npos);
  // A model file keeps it.
  Network net = buildLayerList("input 1x224x224\nconv 2 3x3\nflatten\ndense 2\n");
  ModelInfo info;
  info.preprocess = p;
  EXPECT_EQ(parseModel(serializeModel(net, info), "m").info.preprocess->resize, 256);
}

TEST(Preprocess, AMatrixIsTheNetworksInputAsWritten) {
  // The lecture's 6×6 of 0s and 1s for a model of 32×32: each value a block of cells, still 0 or
  // 1 (an image's path would round to 8 bits and divide by 255: all but black).
  Preprocess p = plainPreprocess(Shape{1, 32, 32});
  p.mean = {0.5f}, p.stddev = {0.25f}; // a matrix is not normalized either
  Tensor six(Shape{1, 1, 6, 6});
  for (int64_t k = 0; k < 36; ++k) six.data()[k] = float((k * 7) % 3 == 0);
  const Tensor grown = prepareMatrix(six, p);
  ASSERT_EQ(grown.shape(), (Shape{1, 1, 32, 32}));
  for (float v : grown.values()) EXPECT_TRUE(v == 0.0f || v == 1.0f) << v;
  EXPECT_EQ(grown.at(0, 0, 0, 0), six.at(0, 0, 0, 0));
  EXPECT_EQ(grown.at(0, 0, 31, 31), six.at(0, 0, 5, 5));
  // The model's own size: exactly the values; three channels for an RGB model; negative values kept.
  six.data()[1] = -2.5f;
  EXPECT_EQ(prepareMatrix(six, plainPreprocess(Shape{1, 6, 6})).values(), six.values());
  const Tensor rgb = prepareMatrix(six, plainPreprocess(Shape{3, 6, 6}));
  EXPECT_EQ(rgb.shape(), (Shape{1, 3, 6, 6}));
  EXPECT_EQ(rgb.at(0, 2, 0, 1), -2.5f);
  // An image still goes through preprocessImage: 255 → 1, normalized.
  Tensor white(Shape{1, 1, 32, 32}, 255.0f);
  EXPECT_EQ(prepareInput(white, p, false).at(0, 0, 3, 3), (1.0f - 0.5f) / 0.25f);
}

TEST(Preprocess, ANormalizationIsOneCheckedNumberPerChannel) {
  EXPECT_EQ(channelValues("0.485, 0.456,0.406", 3, false, "--mean"), imageNetMean());
  EXPECT_EQ(channelValues("0.5", 3, true, "--std"), (std::vector<float>{0.5f, 0.5f, 0.5f})); // one serves all
  const auto refusal = [](const std::string& text, int channels, bool positive) {
    try {
      channelValues(text, channels, positive, "--std");
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(read)");
  };
  EXPECT_EQ(refusal("0.2,0.2", 1, true), "--std: 2 values for a model of 1 input channel");
  EXPECT_EQ(refusal("0.2,x,0.2", 3, true), "--std: 'x' is not a number (give one number a channel: 0.485,0.456,0.406)");
  EXPECT_EQ(refusal("0.2,0,0.2", 3, true), "--std: 0 must be above 0 (a standard deviation)");
  EXPECT_EQ(refusal("1e9", 3, false), "--std: 1e9 is outside −10 … 10 (values are on the [0, 1] scale)");
  EXPECT_EQ(refusal("", 3, false), "--std: no values (give one number a channel: 0.485,0.456,0.406)");
  const Preprocess p = withNormalization(plainPreprocess(Shape{3, 8, 8}), imageNetMean(), imageNetStd());
  EXPECT_EQ(p.stddev, imageNetStd());
  EXPECT_EQ(normalizationText(p), "mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225");
  EXPECT_EQ(normalizationText(plainPreprocess(Shape{3, 8, 8})), "none ([0, 1])");
  EXPECT_THROW(withNormalization(plainPreprocess(Shape{1, 8, 8}), imageNetMean(), imageNetStd()), std::invalid_argument);
}
