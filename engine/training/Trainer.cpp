// The training loop.
#include "engine/training/Trainer.h"

#include "engine/detection/AveragePrecision.h"
#include "engine/detection/DetectionLoss.h"
#include "engine/generative/Gan.h"
#include "engine/generative/GenerativeLosses.h"
#include "engine/layers/LayerKind.h"
#include "engine/network/Presets.h"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace convscope {

namespace {
using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string shortNumber(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

bool endsInSoftmax(const Network& network) { return network.endsInSoftmax(); }

// The class scores: the softmax's input when the network ends in one, else the output.
const Tensor& scores(const Network& network) {
  return network.output(network.size() - (endsInSoftmax(network) ? 2 : 1));
}

// Segmentation: a score per class at every pixel of the input, (N, K, H, W).
void checkSegmenter(const Network& network, size_t classes) {
  const Shape out = network.outputShape(1), in = network.inputShape();
  if (!isSegmentationNetwork(network))
    throw std::invalid_argument("segmentation needs a score per class at every pixel: the network's output must be " +
                                std::to_string(classes) + "x" + (in.rank() == 3 ? std::to_string(in[1]) + "x" +
                                std::to_string(in[2]) : std::string("H×W")) + ", it is " + shapeText(oneSample(out)) +
                                " (end with a 1x1 convolution of one filter per class at the input's size)");
  if (size_t(out[1]) != classes)
    throw std::invalid_argument("the network gives " + std::to_string(out[1]) + " scores per pixel but the dataset has " +
                                std::to_string(classes) + " pixel classes");
}

void checkClassifier(const Network& network, size_t classes) {
  const Shape out = network.outputShape(1);
  if (out.rank() != 2)
    throw std::invalid_argument("the network's output must be class scores (N, K), it is " + out.toString() +
                                " (end with Flatten, Dense and Softmax)");
  if (static_cast<size_t>(out[1]) < classes)
    throw std::invalid_argument("the network gives " + std::to_string(out[1]) + " class scores but the dataset has " +
                                std::to_string(classes) + " classes");
}
} // namespace

TrainConfig presetTrainConfig(const std::string& model) {
  const PresetRecipe r = presetRecipe(model);
  TrainConfig c;
  c.epochs = r.epochs, c.batchSize = r.batchSize;
  c.optimizer.kind = optimizerKindFromString(r.optimizer);
  c.optimizer.learningRate = r.learningRate;
  if (c.optimizer.kind == OptimizerKind::Adam) c.optimizer.momentum = 0.0; // Adam's moments are its betas
  c.optimizer.beta1 = r.beta1;
  if (r.loss == "dice" || r.loss == "ce+dice")
    c.pixelLoss = pixelLossKindFromString(r.loss);
  else if (r.loss == "ssd")
    c.detector = presetDetectorSpec(model);
  else if (r.loss == "elbo")
    c.vae = TrainConfig::Vae{};
  else if (r.loss == "gan")
    c.gan = true, c.adversarialWeight = r.adversarialWeight;
  else
    c.loss = lossKindFromString(r.loss);
  return c;
}

bool isSegmentationNetwork(const Network& network) {
  const Shape out = network.outputShape(1), in = network.inputShape();
  return out.rank() == 4 && in.rank() == 3 && out[2] == in[1] && out[3] == in[2];
}

std::string TrainConfig::problem() const {
  if (epochs < 1) return "epochs " + std::to_string(epochs) + " must be at least 1";
  if (batchSize < 1) return "batch size " + std::to_string(batchSize) + " must be at least 1";
  if (batchSize > 65536) return "batch size " + std::to_string(batchSize) + " is too large (at most 65536)";
  if (threads < 0) return "threads " + std::to_string(threads) + " must not be negative";
  return optimizer.problem();
}

Evaluation evaluate(Network& network, Backend& backend, const Dataset& data, const Preprocess& preprocess,
                    LossKind loss, int batchSize, size_t maxImages, PixelLossKind pixelLoss) {
  const bool segmentation = !data.masks.empty();
  if (segmentation)
    checkSegmenter(network, data.pixelClassNames.size());
  else
    checkClassifier(network, data.classNames.size());
  Evaluation e;
  e.segmentation = segmentation;
  SegmentationMetrics metrics(segmentation ? int(data.pixelClassNames.size()) : 1);
  std::vector<uint8_t> pixels;
  int64_t counted = 0;
  const size_t n = maxImages ? std::min(maxImages, data.size()) : data.size();
  std::vector<size_t> indices(n);
  for (size_t i = 0; i < n; ++i) indices[i] = i;
  Tensor batch;
  std::vector<int> labels;
  double lossSum = 0.0;
  int64_t correct = 0;
  network.setTraining(false); // evaluation: dropout passes everything
  for (size_t start = 0; start < n; start += static_cast<size_t>(batchSize)) {
    const size_t count = std::min(static_cast<size_t>(batchSize), n - start);
    makeBatch(data, indices.data() + start, count, preprocess, batch, labels, segmentation ? &pixels : nullptr);
    network.forward(backend, batch);
    const Tensor& logits = scores(network);
    const LossResult r = segmentation ? convscope::pixelLoss(pixelLoss, logits, pixels, nullptr)
                                      : classificationLoss(loss, logits, labels, nullptr);
    lossSum += r.loss * double(count);
    correct += r.correct;
    counted += r.counted;
    if (segmentation) {
      metrics.add(pixelClasses(logits), pixels);
      continue;
    }
    const int64_t classes = logits.shape()[1];
    for (size_t i = 0; i < count; ++i) {
      const float* z = logits.data() + i * classes;
      e.predictions.push_back(static_cast<int>(std::max_element(z, z + classes) - z));
    }
  }
  e.count = static_cast<int64_t>(n);
  e.loss = n ? lossSum / double(n) : 0.0;
  e.accuracy = counted ? double(correct) / double(counted) : 0.0;
  if (segmentation) {
    e.meanIou = metrics.meanIou();
    for (int k = 0; k < metrics.classes(); ++k) e.classIou.push_back(metrics.iou(k));
  }
  return e;
}

void checkDetectionData(const Network& network, const DetectorSpec& spec, const Dataset& data) {
  if (data.boxes.size() != data.size() || data.size() == 0)
    throw std::invalid_argument("detection needs images with boxes (--dataset scenes); '" + data.name +
                                "' has none");
  const Shape in = network.inputShape();
  if (in.rank() != 3 || in[0] != data.channels || in[1] != data.height || in[2] != data.width)
    throw std::invalid_argument("detection: the network takes " + in.toString() + " but the images are " +
                                std::to_string(data.channels) + "x" + std::to_string(data.height) + "x" +
                                std::to_string(data.width) + " (boxes are not resized: they must be the same)");
  for (const auto& image : data.boxes)
    for (const ObjectBox& b : image)
      if (b.label < 0 || b.label >= spec.classes())
        throw std::invalid_argument("detection: a box of class " + std::to_string(b.label) + " but the detector has " +
                                    std::to_string(spec.classes()) + " classes");
}

Evaluation evaluateDetector(Network& network, Backend& backend, const Dataset& data, const Preprocess& preprocess,
                            const DetectorSpec& spec, int batchSize, size_t maxImages) {
  checkDetectionData(network, spec, data);
  const AnchorGrid grid = makeAnchors(network, spec);
  DetectOptions options = detectOptions(spec);
  options.scoreThreshold = 0.01; // the whole curve: AP reaches down to the least confident detections
  Evaluation e;
  e.detection = true;
  const size_t n = maxImages ? std::min(maxImages, data.size()) : data.size();
  std::vector<size_t> indices(n);
  for (size_t i = 0; i < n; ++i) indices[i] = i;
  Tensor batch;
  std::vector<int> labels;
  double lossSum = 0.0;
  int64_t correct = 0, counted = 0;
  network.setTraining(false);
  for (size_t start = 0; start < n; start += static_cast<size_t>(batchSize)) {
    const size_t count = std::min(static_cast<size_t>(batchSize), n - start);
    makeBatch(data, indices.data() + start, count, preprocess, batch, labels);
    const Tensor& out = network.forward(backend, batch);
    const std::vector<std::vector<ObjectBox>> truths(data.boxes.begin() + std::ptrdiff_t(start),
                                                     data.boxes.begin() + std::ptrdiff_t(start + count));
    const LossResult r = detectionLoss(grid, spec, out, truths, nullptr);
    lossSum += r.loss * double(count);
    correct += r.correct, counted += r.counted;
    for (auto& d : detect(grid, spec, out, options)) e.detections.push_back(std::move(d));
  }
  const std::vector<std::vector<ObjectBox>> truths(data.boxes.begin(), data.boxes.begin() + std::ptrdiff_t(n));
  e.detectionMetrics = averagePrecision(e.detections, truths, spec.classes(), 0.5);
  const DetectionMetrics& m = e.detectionMetrics;
  e.count = int64_t(n);
  e.loss = n ? lossSum / double(n) : 0.0;
  e.accuracy = counted ? double(correct) / double(counted) : 0.0;
  e.map50 = m.map;
  for (const ClassAveragePrecision& c : m.classes) e.classAp.push_back(c.ap);
  return e;
}

size_t vaeCodeNode(const Network& network) {
  const Shape in = network.inputShape(), out = network.outputShape(1);
  if (oneSample(out) != in)
    throw std::invalid_argument("a VAE's output must be its input's shape (the logits of each pixel): the input is " +
                                in.toString() + ", the output " + oneSample(out).toString());
  for (size_t i = 0; i < network.size(); ++i)
    if (network.layer(i).drawsLatentCode()) {
      const int from = network.nodes()[i].inputs.front();
      if (from < 0) throw std::invalid_argument("a VAE's sampling layer must read a layer, not the input");
      return size_t(from);
    }
  throw std::invalid_argument("a VAE needs a sampling layer ('sample': z = μ + σ·ε from a flat [μ | log σ²])");
}

bool isVae(const Network& network) {
  try {
    vaeCodeNode(network);
    return true;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

namespace {
// A VAE's targets (its input) and a GAN's real images (set against its generator's sigmoid) must be
// on the [0, 1] scale.
void checkUnitScale(const Tensor& batch, const char* why) {
  for (float v : batch.values())
    if (!(v >= 0.0f && v <= 1.0f))
      throw std::invalid_argument(std::string(why) + ", which must be on the [0, 1] scale (prepared without "
                                  "normalization), but a value is " + shortNumber(v));
}
void checkVaeTargets(const Tensor& batch) { checkUnitScale(batch, "a VAE reconstructs its input"); }
} // namespace

Evaluation evaluateVae(Network& network, Backend& backend, const Dataset& data, const Preprocess& preprocess,
                       int batchSize, size_t maxImages) {
  const size_t codeNode = vaeCodeNode(network);
  Evaluation e;
  e.vae = true;
  const size_t n = maxImages ? std::min(maxImages, data.size()) : data.size();
  std::vector<size_t> indices(n);
  for (size_t i = 0; i < n; ++i) indices[i] = i;
  Tensor batch;
  std::vector<int> labels;
  network.setTraining(false);
  network.setSampling(true); // the ELBO draws its code
  try {
    for (size_t start = 0; start < n; start += static_cast<size_t>(batchSize)) {
      const size_t count = std::min(static_cast<size_t>(batchSize), n - start);
      makeBatch(data, indices.data() + start, count, preprocess, batch, labels);
      checkVaeTargets(batch);
      const Tensor& logits = network.forward(backend, batch);
      e.reconstruction += bernoulliLoss(logits, batch.inLayout(Layout::NCHW), nullptr) * double(count);
      e.kl += gaussianKl(network.output(codeNode), nullptr) * double(count);
    }
  } catch (...) {
    network.setSampling(false);
    throw;
  }
  network.setSampling(false);
  e.count = int64_t(n);
  if (n) e.reconstruction /= double(n), e.kl /= double(n);
  e.loss = e.reconstruction + e.kl;
  return e;
}

TrainingStep::TrainingStep(Network& network, Backend& backend, const OptimizerConfig& optimizer, LossKind loss,
                           PixelLossKind pixelLoss, const DetectorSpec* detector, const TrainConfig::Vae* vae)
    : network_(network), backend_(backend), loss_(loss), pixelLoss_(pixelLoss), endNode_(network.size() - (endsInSoftmax(network) ? 1 : 0)),
      gradients_(network.gradients()), optimizer_(optimizer, network.parameters()) {
  if (detector) {
    detector_ = *detector;
    anchors_ = makeAnchors(network, *detector);
    endNode_ = network.size(); // the heads' raw outputs: no softmax to fold
  }
  if (vae) {
    vae_ = *vae;
    codeNode_ = vaeCodeNode(network);
    endNode_ = network.size(); // the pixels' logits
  }
}

LossResult TrainingStep::forward(const Tensor& batch, const std::vector<int>& labels,
                                 const std::vector<uint8_t>* pixels, const std::vector<std::vector<ObjectBox>>* boxes) {
  network_.setTraining(true); // an evaluation between epochs switched it off
  network_.forward(backend_, batch);
  if (vae_) { // the negative ELBO: reconstruct the input, keep the code near N(0, I)
    const Tensor& logits = network_.output(network_.size() - 1);
    const Tensor target = batch.inLayout(Layout::NCHW);
    checkVaeTargets(target);
    LossResult r;
    r.loss = bernoulliLoss(logits, target, &diffScores_);
    if (diffScores_.layout() != logits.layout()) diffScores_ = diffScores_.inLayout(logits.layout());
    const Tensor& code = network_.output(codeNode_);
    if (diffCode_.shape() != code.shape()) diffCode_ = Tensor(code.shape());
    std::fill(diffCode_.values().begin(), diffCode_.values().end(), 0.0f);
    r.loss += gaussianKl(code, &diffCode_, vae_->beta);
    return r;
  }
  if (detector_) {
    if (!boxes) throw std::invalid_argument("training a detector needs each image's boxes");
    const Tensor& out = network_.output(network_.size() - 1);
    return detectionLoss(anchors_, *detector_, out, *boxes, &diffScores_);
  }
  const Tensor& logits = scores(network_);
  if (diffScores_.shape() != logits.shape() || diffScores_.layout() != logits.layout())
    diffScores_ = Tensor(logits.shape(), 0.0f, logits.layout());
  if (pixels) return pixelLoss(pixelLoss_, logits, *pixels, &diffScores_);
  return classificationLoss(loss_, logits, labels, &diffScores_);
}

void TrainingStep::update(int epoch) {
  if (vae_)
    network_.backward(backend_, diffScores_, endNode_, false, {{codeNode_, &diffCode_}});
  else
    network_.backward(backend_, diffScores_, endNode_);
  optimizer_.step(gradients_, epoch);
}

Trainer::Trainer(Network& network, const DatasetSplit& data, Preprocess preprocess, TrainConfig config,
                 Backend& backend, Network* discriminator)
    : network_(network), discriminator_(discriminator), data_(data), preprocess_(std::move(preprocess)),
      config_(config), backend_(backend) {
  if (std::string p = config_.problem(); !p.empty()) throw std::invalid_argument("training: " + p);
  if (data.train.size() == 0) throw std::invalid_argument("training: the training set is empty");
  if (config_.gan) {
    if (!discriminator_) throw std::invalid_argument("training: a GAN needs its discriminator");
    checkGan(network, *discriminator_);
    checkAdversarialWeight(network, config_.adversarialWeight);
    if (config_.loss != LossKind::CrossEntropy || config_.pixelLoss != PixelLossKind::CrossEntropy)
      throw std::invalid_argument("training: a GAN learns with the adversarial loss (binary cross-entropy of the "
                                  "discriminator's call); --loss does not apply");
  } else if (config_.vae) {
    vaeCodeNode(network); // throws when the network is no VAE
    if (!(config_.vae->beta >= 0.0 && config_.vae->beta <= 1000.0))
      throw std::invalid_argument("training: β " + shortNumber(config_.vae->beta) + " must be from 0 to 1000");
    if (config_.loss != LossKind::CrossEntropy || config_.pixelLoss != PixelLossKind::CrossEntropy)
      throw std::invalid_argument("training: a VAE learns with the negative ELBO (reconstruction + KL); --loss does "
                                  "not apply");
  } else if (config_.detector) {
    if (std::string p = config_.detector->problem(); !p.empty()) throw std::invalid_argument("training: detector: " + p);
    checkDetectionData(network, *config_.detector, data.train);
    checkDetectionData(network, *config_.detector, data.test);
    makeAnchors(network, *config_.detector); // throws when the network is not the spec's detector
    if (config_.loss != LossKind::CrossEntropy || config_.pixelLoss != PixelLossKind::CrossEntropy)
      throw std::invalid_argument("training: a detector learns with SSD's loss (smooth L1 on the offsets + cross-entropy); "
                                  "--loss does not apply");
  } else if (!data.train.masks.empty()) {
    checkSegmenter(network, data.train.pixelClassNames.size());
    if (config_.loss != LossKind::CrossEntropy)
      throw std::invalid_argument("training: the " + toString(config_.loss) + " loss is for classifying images; "
                                  "segmentation learns with ce (per pixel), dice or ce+dice");
  } else {
    checkClassifier(network, data.train.classNames.size());
    if (config_.pixelLoss != PixelLossKind::CrossEntropy)
      throw std::invalid_argument("training: the " + toString(config_.pixelLoss) + " loss is for segmentation (a "
                                  "dataset with masks: --dataset scenes); images are classified with ce or mse");
  }
  const Shape in = config_.gan ? discriminator_->inputShape() : network.inputShape(); // the images'
  if (in.rank() != 3 || in[0] != preprocess_.channels || in[1] != preprocess_.height || in[2] != preprocess_.width)
    throw std::invalid_argument("training: the network takes " + in.toString() + " but the data is prepared as " +
                                std::to_string(preprocess_.channels) + "x" + std::to_string(preprocess_.height) + "x" +
                                std::to_string(preprocess_.width));
}

void Trainer::resumeFrom(TrainingState state) {
  if (state.epochsDone < 1 || state.epochsDone >= config_.epochs)
    throw std::invalid_argument("resume: the checkpoint has " + std::to_string(state.epochsDone) +
                                " epochs done; --epochs " + std::to_string(config_.epochs) +
                                " must be more (it is the total, those done included)");
  const auto restore = [](Network& network, const std::vector<std::pair<std::string, std::string>>& streams) {
    for (const auto& [name, random] : streams) {
      const int node = network.nodeIndex(name);
      if (node < 0) throw std::invalid_argument("resume: the checkpoint names a layer '" + name + "' the network lacks");
      network.layer(size_t(node)).setRandomState(random);
    }
  };
  restore(network_, state.layerRandom);
  if (config_.gan) restore(*discriminator_, state.discriminatorLayerRandom);
  resume_ = std::move(state);
}

void Trainer::pause() { paused_ = true; }

void Trainer::resume() {
  {
    std::lock_guard lock(mutex_);
    paused_ = false;
  }
  wake_.notify_all();
}

void Trainer::step() {
  {
    std::lock_guard lock(mutex_);
    ++pendingSteps_;
  }
  wake_.notify_all();
}

void Trainer::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  wake_.notify_all();
}

bool Trainer::waitForPermission(const std::function<void()>& idle) {
  if (idle) idle();
  std::unique_lock lock(mutex_);
  const auto mayGo = [&] { return cancelled_ || !paused_ || pendingSteps_ > 0; };
  while (!wake_.wait_for(lock, std::chrono::milliseconds(20), mayGo))
    if (idle) {
      lock.unlock();
      idle();
      lock.lock();
    }
  if (cancelled_) return false;
  if (paused_ && pendingSteps_ > 0) --pendingSteps_;
  return true;
}

TrainResult Trainer::run(const TrainerCallbacks& callbacks) {
  // This thread's OpenMP setting only, and only for the run: the thread may do other work
  // afterwards (the window's compute thread updates the feature maps with all cores).
  struct ThreadCount {
    int before = omp_get_max_threads();
    explicit ThreadCount(int threads) {
      if (threads > 0) omp_set_num_threads(threads);
    }
    ~ThreadCount() { omp_set_num_threads(before); }
  } threadCount(config_.threads);
  TrainResult result;
  const Dataset& train = data_.train;
  const size_t trainCount = config_.maxTrainImages ? std::min(config_.maxTrainImages, train.size()) : train.size();
  const size_t batchSize = static_cast<size_t>(config_.batchSize);
  const int batchesPerEpoch = static_cast<int>((trainCount + batchSize - 1) / batchSize);
  const DetectorSpec* detector = config_.detector ? &*config_.detector : nullptr;
  const TrainConfig::Vae* vae = config_.vae ? &*config_.vae : nullptr;
  std::optional<TrainingStep> step; // one network against a loss
  std::optional<GanStep> gan;       // two against each other
  if (config_.gan)
    gan.emplace(network_, *discriminator_, backend_, config_.optimizer, config_.adversarialWeight);
  else
    step.emplace(network_, backend_, config_.optimizer, config_.loss, config_.pixelLoss, detector, vae);
  const bool segmentation = !detector && !vae && !gan && !train.masks.empty();
  std::vector<std::vector<ObjectBox>> boxes; // a detector's batch's truths
  std::vector<uint8_t> pixels;
  std::mt19937_64 random(config_.seed);
  std::mt19937_64 noise(config_.seed + 0x9E3779B97F4A7C15ull); // a GAN's, a stream apart from the shuffling's
  int firstEpoch = 0;
  if (resume_) {
    std::istringstream text(resume_->shuffleRandom);
    if (!(text >> random)) throw std::invalid_argument("resume: the checkpoint's shuffling stream is damaged");
    if (gan) {
      gan->generatorOptimizer().setState(resume_->optimizer);
      gan->discriminatorOptimizer().setState(resume_->discriminatorOptimizer);
      std::istringstream noiseText(resume_->noiseRandom);
      if (!(noiseText >> noise)) throw std::invalid_argument("resume: the checkpoint's noise stream is damaged");
    } else {
      step->optimizer().setState(resume_->optimizer);
    }
    firstEpoch = resume_->epochsDone;
  }
  // The parameters and the running statistics, as copyState lists them (a GAN's of both networks).
  std::vector<Network*> trained{&network_};
  if (gan) trained.push_back(discriminator_);
  std::vector<Tensor> lastGood;
  std::vector<Tensor*> state;
  for (Network* net : trained)
    for (const auto& node : net->nodes())
      for (const auto& [name, t] : node.layer->stateTensors()) state.push_back(t), lastGood.push_back(*t);
  const auto restoreLastGood = [&] {
    for (size_t i = 0; i < lastGood.size(); ++i) state[i]->values() = lastGood[i].values();
  };
  Tensor batch;
  std::vector<int> labels;
  int64_t imagesSeen = 0;
  double firstLoss = -1.0; // divergence: a loss that is not finite or 100 times this

  for (int epoch = firstEpoch; epoch < config_.epochs; ++epoch) {
    const auto epochStart = Clock::now();
    double trainSeconds = 0.0, lossSum = 0.0;
    double ganSums[5] = {0.0, 0.0, 0.0, 0.0, 0.0}; // a GAN's D loss, G loss, D(x), D(G(z)), reconstruction, each × images
    int64_t correct = 0, counted = 0, seen = 0;
    std::vector<Network::GradientNorm> epochNorms; // sums over the epoch's batches
    // Shuffle the whole training split, then take the first trainCount of the order.
    const std::vector<size_t> order = shuffledOrder(train.size(), random);
    for (int b = 0; b < batchesPerEpoch; ++b) {
      if (cancelled_ || !waitForPermission(callbacks.betweenBatches)) {
        result.status = TrainResult::Status::Cancelled;
        result.message =
            "training cancelled at epoch " + std::to_string(epoch + 1) + ", batch " + std::to_string(b + 1);
        return result;
      }
      const auto batchStart = Clock::now();
      const size_t start = size_t(b) * batchSize;
      const size_t count = std::min(batchSize, trainCount - start);
      makeBatch(train, order.data() + start, count, preprocess_, batch, labels, segmentation ? &pixels : nullptr);
      if (detector) {
        boxes.clear();
        for (size_t i = 0; i < count; ++i) boxes.push_back(train.boxes[order[start + i]]);
      }
      LossResult r;
      GanStepReport g;
      if (gan) { // both halves at once: the losses come with the updates
        checkUnitScale(batch, "a GAN sets real images against its generator's sigmoid");
        for (size_t i = 0; i < lastGood.size(); ++i) lastGood[i].values() = state[i]->values();
        g = gan->step(batch, generatorInputs(network_, batch, noise), epoch);
        r.loss = g.objective, r.correct = g.correct, r.counted = g.counted;
        if (!std::isfinite(g.discriminatorLoss)) r.loss = g.discriminatorLoss;
        firstLoss = 1e300; // the players' losses rise and fall against each other: only a non-finite one diverges
      } else {
        r = step->forward(batch, labels, segmentation ? &pixels : nullptr, detector ? &boxes : nullptr);
      }
      if (firstLoss < 0 && std::isfinite(r.loss)) firstLoss = std::max(r.loss, 1e-3);
      if (!std::isfinite(r.loss) || r.loss > 100 * firstLoss) {
        restoreLastGood();
        result.status = TrainResult::Status::Diverged;
        const std::string what = std::isnan(r.loss)   ? "the loss is not a number (NaN)"
                                 : std::isinf(r.loss) ? "the loss is infinite"
                                                      : "the loss rose to " + shortNumber(r.loss) +
                                                            ", over 100 times its first value " + shortNumber(firstLoss);
        result.message = "training diverged at epoch " + std::to_string(epoch + 1) + ", batch " +
                         std::to_string(b + 1) + ": " + what + " (learning rate " +
                         shortNumber(config_.optimizer.learningRate) +
                         " is probably too high); the weights are those of the last good batch";
        return result;
      }
      // These weights gave a sound loss: keep them before the update changes them (a GAN's were kept before its step).
      if (step) {
        for (size_t i = 0; i < lastGood.size(); ++i) lastGood[i].values() = state[i]->values();
        step->update(epoch);
      }
      ganSums[0] += g.discriminatorLoss * double(count), ganSums[1] += g.generatorLoss * double(count);
      ganSums[2] += g.realScore * double(count), ganSums[3] += g.fakeScore * double(count);
      ganSums[4] += g.reconstructionLoss * double(count);
      const double seconds = secondsSince(batchStart);
      trainSeconds += seconds;
      lossSum += r.loss * double(count);
      correct += r.correct;
      counted += r.counted;
      seen += static_cast<int64_t>(count);
      imagesSeen += static_cast<int64_t>(count);
      std::vector<Network::GradientNorm> norms;
      if (config_.gradientNorms) { // after the update the weight gradients are still this batch's
        norms = network_.gradientNorms();
        if (epochNorms.empty()) epochNorms.assign(norms.size(), {});
        for (size_t i = 0; i < norms.size(); ++i) {
          epochNorms[i].layer = norms[i].layer;
          epochNorms[i].weights += norms[i].weights;
          epochNorms[i].input += norms[i].input;
        }
      }
      if (callbacks.onBatch)
        callbacks.onBatch({epoch, b, batchesPerEpoch, r.loss, r.counted ? double(r.correct) / double(r.counted) : 0.0,
                           seconds > 0 ? double(count) / seconds : 0.0, imagesSeen, std::move(norms), bool(gan),
                           g.discriminatorLoss, g.generatorLoss, g.realScore, g.fakeScore, g.reconstructionLoss});
    }
    EpochReport report;
    report.epoch = epoch;
    report.trainLoss = seen ? lossSum / double(seen) : 0.0;
    report.trainAccuracy = counted ? double(correct) / double(counted) : 0.0;
    if (gan) {
      const GanEvaluation ge = evaluateGan(network_, *discriminator_, backend_, data_.test, preprocess_,
                                           config_.maxTestImages, config_.seed);
      report.gan = true;
      report.testLoss = ge.discriminatorLoss, report.testAccuracy = ge.accuracy;
      report.testRealScore = ge.realScore, report.testFakeScore = ge.fakeScore;
      report.reconstructs = ge.reconstructs;
      report.testReconstructionLoss = ge.reconstructionLoss, report.testPsnr = ge.psnr;
      if (seen) {
        report.trainReconstructionLoss = ganSums[4] / double(seen);
        report.trainDiscriminatorLoss = ganSums[0] / double(seen), report.trainGeneratorLoss = ganSums[1] / double(seen);
        report.trainRealScore = ganSums[2] / double(seen), report.trainFakeScore = ganSums[3] / double(seen);
      }
    }
    Evaluation test = gan        ? Evaluation{}
                      : vae        ? evaluateVae(network_, backend_, data_.test, preprocess_, 256, config_.maxTestImages)
                      : detector ? evaluateDetector(network_, backend_, data_.test, preprocess_, *detector, 64,
                                                    config_.maxTestImages)
                               : evaluate(network_, backend_, data_.test, preprocess_, config_.loss,
                                          segmentation ? 64 : 256, config_.maxTestImages, config_.pixelLoss);
    if (!gan) report.testLoss = test.loss, report.testAccuracy = test.accuracy;
    report.segmentation = test.segmentation;
    report.testMeanIou = test.meanIou;
    report.testClassIou = std::move(test.classIou);
    report.detection = test.detection;
    report.testMap50 = test.map50;
    report.testClassAp = std::move(test.classAp);
    report.vae = test.vae;
    report.testReconstruction = test.reconstruction;
    report.testKl = test.kl;
    report.testPredictions = std::move(test.predictions);
    report.imagesPerSecond = trainSeconds > 0 ? double(seen) / trainSeconds : 0.0;
    report.seconds = secondsSince(epochStart);
    for (Network::GradientNorm& n : epochNorms) n.weights /= batchesPerEpoch, n.input /= batchesPerEpoch;
    report.gradientNorms = std::move(epochNorms);
    if (callbacks.onEpoch) callbacks.onEpoch(report);
    if (callbacks.onCheckpoint) {
      TrainingState now;
      now.epochsDone = epoch + 1;
      std::ostringstream text;
      text << random;
      now.shuffleRandom = text.str();
      const auto streams = [](const Network& net) {
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& node : net.nodes())
          if (std::string r = node.layer->randomState(); !r.empty()) out.emplace_back(node.layer->name(), r);
        return out;
      };
      now.layerRandom = streams(network_);
      if (gan) {
        now.optimizer = gan->generatorOptimizer().state();
        now.discriminatorOptimizer = gan->discriminatorOptimizer().state();
        now.discriminatorLayerRandom = streams(*discriminator_);
        std::ostringstream noiseText;
        noiseText << noise;
        now.noiseRandom = noiseText.str();
      } else {
        now.optimizer = step->optimizer().state();
      }
      callbacks.onCheckpoint(now);
    }
    report.testPredictions.clear(); // the result keeps the curves, not every prediction
    result.epochs.push_back(std::move(report));
  }
  return result;
}

} // namespace convscope
