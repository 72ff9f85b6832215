// The trainer: epochs of shuffled mini-batches through a network with a loss and an
// optimizer, reporting through plain callbacks after every batch and every epoch. It runs
// on whatever thread calls run() and touches no global state (the thread count it sets is
// the calling thread's, and only until run() returns). pause(), resume(), step() and cancel() may be called from any
// thread; they take effect between batches. Not for: owning the data or the network, or
// any GUI concern (the GUI's worker wraps it).
#pragma once

#include "engine/detection/Anchors.h"
#include "engine/training/Dataset.h"
#include "engine/training/Loss.h"
#include "engine/network/Network.h"
#include "engine/training/Optimizer.h"
#include "engine/training/Preprocess.h"
#include "engine/training/Segmentation.h"
#include "engine/detection/AveragePrecision.h"
#include "engine/detection/Detector.h"
#include "engine/backend/Backend.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace convscope {

struct TrainConfig {
  int epochs = 10;
  int batchSize = 64;
  OptimizerConfig optimizer;
  LossKind loss = LossKind::CrossEntropy;
  PixelLossKind pixelLoss = PixelLossKind::CrossEntropy; // on segmentation data (a dataset with masks)
  // Set: the network is a detector with these anchors and classes, trained on the dataset's boxes
  // with SSD's loss (DetectionLoss.h) and judged by mAP at IoU 0.5 (AveragePrecision.h).
  std::optional<DetectorSpec> detector;
  // Set: the network is a variational autoencoder (a Sample layer in it, its output the logits of
  // its input's pixels), trained on the negative ELBO: the Bernoulli reconstruction of the input
  // plus β times the KL divergence of the code (GenerativeLosses.h). Its input must be on the
  // [0, 1] scale (the targets are the input itself).
  struct Vae {
    double beta = 1.0;
  };
  std::optional<Vae> vae;
  // The network is a GAN's generator, trained against a discriminator (Trainer's constructor)
  // batch by batch, GanStep's two halves, each network with its own optimizer of this
  // configuration. The images on the [0, 1] scale, as the generator's sigmoid makes them. A
  // generator that reads images (super-resolution) learns the reconstruction plus
  // adversarialWeight times the adversarial loss (GanStep); one from noise the adversarial alone.
  bool gan = false;
  double adversarialWeight = 1.0;
  uint64_t seed = 1;
  int threads = 0;            // 0: leave the calling thread's OpenMP setting as it is
  size_t maxTrainImages = 0;  // 0: the whole training split (a limit makes quick demos and tests)
  size_t maxTestImages = 0;   // 0: the whole test split
  bool gradientNorms = false; // report each layer's gradient norms with every batch (a pass over the gradients)

  // The reason the configuration cannot train, in words with the numbers, or "".
  std::string problem() const;
};

struct BatchReport {
  int epoch = 0; // from 0
  int batch = 0; // within the epoch, from 0
  int batchesPerEpoch = 0;
  double loss = 0.0;
  double accuracy = 0.0; // of this batch, as a fraction (of its pixels, for segmentation)
  double imagesPerSecond = 0.0;
  int64_t imagesSeen = 0;                           // since the run started
  std::vector<Network::GradientNorm> gradientNorms; // this batch's, when TrainConfig::gradientNorms
  // A GAN's (TrainConfig::gan): GanStepReport's figures; `loss` is then the generator's and
  // `accuracy` the discriminator's calls on real and made images.
  bool gan = false;
  double discriminatorLoss = 0.0, generatorLoss = 0.0, realScore = 0.0, fakeScore = 0.0;
  double reconstructionLoss = 0.0; // a generator that reads images: its pixels' mean squared error
};

struct Evaluation {
  double loss = 0.0;
  double accuracy = 0.0; // of the images, or for segmentation of the pixels
  int64_t count = 0;
  std::vector<int> predictions; // per evaluated image, in dataset order (classification)
  bool segmentation = false;
  double meanIou = 0.0;         // segmentation: over the classes the targets hold
  std::vector<double> classIou; // segmentation: per class, NaN for a class neither in a target nor predicted
  bool detection = false;
  double map50 = 0.0;             // detection: mean AP at IoU ≥ 0.5 over the classes with true boxes
  std::vector<double> classAp;    // detection: per class, NaN for a class without true boxes
  std::vector<std::vector<Detection>> detections; // detection: per evaluated image (score ≥ 0.01)
  bool vae = false;
  double reconstruction = 0.0, kl = 0.0; // a VAE's: nats per image; loss = their sum (β = 1: the negative ELBO)
  DetectionMetrics detectionMetrics;              // detection: each class's precision–recall curve and AP
};

struct EpochReport {
  int epoch = 0; // from 0
  double trainLoss = 0.0, trainAccuracy = 0.0;
  double testLoss = 0.0, testAccuracy = 0.0; // accuracies of pixels, for segmentation
  bool segmentation = false;
  double testMeanIou = 0.0;         // segmentation: Evaluation::meanIou
  std::vector<double> testClassIou; // segmentation: Evaluation::classIou
  bool detection = false;
  double testMap50 = 0.0;           // detection: Evaluation::map50
  std::vector<double> testClassAp;  // detection: Evaluation::classAp
  bool vae = false;
  double testReconstruction = 0.0, testKl = 0.0; // a VAE's: Evaluation::reconstruction and kl
  // A GAN's: the epoch's means of BatchReport's figures (trainLoss is the generator's), and the
  // discriminator on the held-out images against as many made from a fixed seed (testLoss is its
  // loss there, testAccuracy its calls; GanEvaluation).
  bool gan = false;
  double trainDiscriminatorLoss = 0.0, trainGeneratorLoss = 0.0, trainRealScore = 0.0, trainFakeScore = 0.0;
  double testRealScore = 0.0, testFakeScore = 0.0;
  // A generator that reads images: the reconstruction's mean squared error on the training
  // batches and the held-out images, and the held-out images' mean PSNR (dB).
  bool reconstructs = false;
  double trainReconstructionLoss = 0.0, testReconstructionLoss = 0.0, testPsnr = 0.0;
  double imagesPerSecond = 0.0;                     // training images per second of this epoch's training time
  double seconds = 0.0;                             // the epoch's wall time, evaluation included
  std::vector<Network::GradientNorm> gradientNorms; // means over the epoch's batches, when asked for
  std::vector<int> testPredictions;
};

// Where a run stands after an epoch, beyond the weights: what a checkpoint needs so that
// training resumes exactly (the same batches, dropout masks and updates as a run that never
// stopped).
struct TrainingState {
  int epochsDone = 0;
  std::string shuffleRandom;                                    // the shuffling stream, as text
  std::vector<std::pair<std::string, std::string>> layerRandom; // (layer name, its stream) for dropout layers
  OptimizerState optimizer;
  // A GAN's (TrainConfig::gan): the noise stream, and the discriminator's optimizer and dropout
  // streams (`optimizer` and `layerRandom` are the generator's).
  std::string noiseRandom;
  OptimizerState discriminatorOptimizer;
  std::vector<std::pair<std::string, std::string>> discriminatorLayerRandom;
};

struct TrainerCallbacks {
  std::function<void(const BatchReport&)> onBatch;
  std::function<void(const EpochReport&)> onEpoch;
  // On the training thread before every batch and every 20 ms while paused: the place for
  // other work that must share this thread (the window's live views share its OpenMP pool).
  std::function<void()> betweenBatches;
  // After each epoch (after onEpoch): the state a checkpoint saves with the weights.
  std::function<void(const TrainingState&)> onCheckpoint = {};
};

struct TrainResult {
  enum class Status { Finished, Cancelled, Diverged };
  Status status = Status::Finished;
  std::string message; // why it stopped, for Cancelled and Diverged
  std::vector<EpochReport> epochs;
};

// How a preset trains when nothing else is asked for (Presets.h's presetRecipe as a
// configuration: epochs, batch, optimizer and rate, the loss or the per-pixel loss).
TrainConfig presetTrainConfig(const std::string& model);

// A segmentation network: its output a score per class at every pixel of its input, (N, K, H, W)
// with its input's height and width.
bool isSegmentationNetwork(const Network& network);

// Loss and accuracy of `network` on (the first maxImages of) `data`; predictions included. On
// segmentation data (masks) the network's output is a score per class and pixel, the loss
// `pixelLoss`, the accuracy that of the pixels, with each class's IoU and their mean.
Evaluation evaluate(Network& network, Backend& backend, const Dataset& data, const Preprocess& preprocess,
                    LossKind loss, int batchSize = 256, size_t maxImages = 0,
                    PixelLossKind pixelLoss = PixelLossKind::CrossEntropy);
// A detector's loss (SSD's), the accuracy of its matched anchors' classes, its detections (every
// candidate scoring at least 0.01, after per-class NMS at the spec's IoU, at most 100 an image: the
// whole precision–recall curve) and mAP at IoU 0.5 on (the first maxImages of) `data`, whose
// boxes are the truth.
Evaluation evaluateDetector(Network& network, Backend& backend, const Dataset& data, const Preprocess& preprocess,
                            const DetectorSpec& spec, int batchSize = 64, size_t maxImages = 0);
// A VAE's negative ELBO on (the first maxImages of) `data`, in nats per image: the Bernoulli
// reconstruction of each image from a code drawn as training draws it (the Sample layer's own
// seeded stream) plus the KL divergence of its code to N(0, I) (β = 1 whatever it trained with).
// The images must be prepared on the [0, 1] scale (plainPreprocess).
Evaluation evaluateVae(Network& network, Backend& backend, const Dataset& data, const Preprocess& preprocess,
                       int batchSize = 256, size_t maxImages = 0);
// The node whose output a VAE's sampling layer reads ([μ | log σ²]); std::invalid_argument when
// the network has no sampling layer, or its output is not its input's shape.
size_t vaeCodeNode(const Network& network);
bool isVae(const Network& network); // vaeCodeNode would find one
// Throws std::invalid_argument naming what makes `data` unfit for `network` as `spec`'s detector
// (no boxes, a class outside the spec's, images not the network's input size).
void checkDetectionData(const Network& network, const DetectorSpec& spec, const Dataset& data);

// One training step on a batch, as the trainer runs it for every batch and `bench train`
// times it: forward in training mode, the loss and its gradient at the class scores (a final
// softmax folded into the cross-entropy), then backward and the optimizer's update. Split in
// two so the trainer can check the loss before the update changes the weights.
class TrainingStep {
public:
  // `detector` given: the network is one, trained with SSD's loss (it is copied).
  // `vae` given: the network is a VAE, trained on the negative ELBO with that β.
  TrainingStep(Network& network, Backend& backend, const OptimizerConfig& optimizer, LossKind loss,
               PixelLossKind pixelLoss = PixelLossKind::CrossEntropy, const DetectorSpec* detector = nullptr,
               const TrainConfig::Vae* vae = nullptr);
  // `pixels` given: segmentation, each pixel's class (batch·H·W), the loss pixelLoss. `boxes`
  // given (a detector): each image's true boxes.
  LossResult forward(const Tensor& batch, const std::vector<int>& labels, const std::vector<uint8_t>* pixels = nullptr,
                     const std::vector<std::vector<ObjectBox>>* boxes = nullptr);
  void update(int epoch); // backward from the last forward, then the optimizer's step
  Optimizer& optimizer() { return optimizer_; }

private:
  Network& network_;
  Backend& backend_;
  LossKind loss_;
  PixelLossKind pixelLoss_;
  size_t endNode_; // the class scores' node + 1
  std::optional<DetectorSpec> detector_;
  AnchorGrid anchors_; // a detector's
  std::optional<TrainConfig::Vae> vae_;
  size_t codeNode_ = 0; // a VAE's: the node the sampling layer reads
  Tensor diffCode_;     // a VAE's KL gradient at that node's output
  std::vector<Tensor*> gradients_;
  Optimizer optimizer_;
  Tensor diffScores_;
};

class Trainer {
public:
  // The network must end in a Softmax layer or give class scores directly; its weights
  // are used as they are (initialize() first for a fresh network). A GAN (config.gan): the
  // network is the generator and `discriminator` its opponent, trained in turn.
  Trainer(Network& network, const DatasetSplit& data, Preprocess preprocess, TrainConfig config, Backend& backend,
          Network* discriminator = nullptr);

  // Trains until the epochs are done, cancel() is called or the loss diverges: it is not
  // finite, or more than 100 times the first batch's (then the weights go back to those
  // of the last good batch).
  TrainResult run(const TrainerCallbacks& callbacks = {});
  // Before run(): go on from a checkpoint's state (its weights are the network's already);
  // run() then trains epochs epochsDone … config.epochs − 1. Throws std::invalid_argument when
  // the state does not fit this network, or leaves no epoch to run.
  void resumeFrom(TrainingState state);

  void pause();
  void resume();
  void step(); // while paused: run exactly one more batch
  void cancel();
  bool isPaused() const { return paused_; }

private:
  // Blocks while paused (running `idle` every 20 ms); false when cancelled.
  bool waitForPermission(const std::function<void()>& idle);

  Network& network_;
  Network* discriminator_; // a GAN's
  const DatasetSplit& data_;
  Preprocess preprocess_;
  TrainConfig config_;
  Backend& backend_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> paused_{false};
  std::atomic<bool> cancelled_{false};
  int pendingSteps_ = 0; // guarded by mutex_
  std::optional<TrainingState> resume_;
};

} // namespace convscope
