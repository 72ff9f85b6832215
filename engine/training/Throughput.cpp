// Throughput on synthetic data: a fixed random batch with random labels.
#include "engine/training/Throughput.h"

#include "engine/generative/Gan.h"
#include "engine/training/Trainer.h"

#include <omp.h>

#include <chrono>
#include <random>
#include <stdexcept>

namespace convscope {

namespace {
template <typename Step> Throughput measure(int batch, int64_t images, int threads, Step&& step) {
  if (batch < 1) throw std::invalid_argument("bench: batch " + std::to_string(batch) + " must be at least 1");
  if (images < batch)
    throw std::invalid_argument("bench: images " + std::to_string(images) + " must be at least the batch " +
                                std::to_string(batch));
  if (threads > 0) omp_set_num_threads(threads);
  const int64_t batches = images / batch;
  for (int64_t i = 0; i < std::max<int64_t>(5, batches / 10); ++i) step(); // warm-up: primitives, caches
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < batches; ++i) step();
  Throughput t;
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  t.images = batches * batch;
  t.imagesPerSecond = double(t.images) / t.seconds;
  return t;
}

// Standard normal values, or uniform in [0, 1] for a network that reconstructs its input (a VAE).
Tensor randomBatch(const Network& network, int batch, bool unitScale = false) {
  Tensor x(network.batchInputShape(batch));
  std::mt19937 random(1);
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (float& v : x.values()) v = unitScale ? uniform(random) : normal(random);
  return x;
}
} // namespace

Throughput measureTraining(Network& network, Backend& backend, int batch, int64_t images, int threads,
                           const TrainConfig* recipe) {
  const Tensor x = randomBatch(network, batch, recipe && recipe->vae);
  const Shape out = network.outputShape(batch);
  const int64_t classes = out[1];
  std::vector<int> labels(static_cast<size_t>(batch));
  for (int i = 0; i < batch; ++i) labels[static_cast<size_t>(i)] = static_cast<int>(i % classes);
  std::vector<uint8_t> pixels; // segmentation: a class per pixel
  if (out.rank() == 4)
    for (int64_t i = 0; i < out[0] * out[2] * out[3]; ++i) pixels.push_back(uint8_t(i % std::min<int64_t>(classes, 256)));
  TrainConfig config;
  config.optimizer.learningRate = 0.01;
  if (recipe) config = *recipe;
  // A detector's truths: two digit-sized boxes an image, their places and classes varying.
  std::vector<std::vector<ObjectBox>> boxes;
  if (config.detector)
    for (int i = 0; i < batch; ++i)
      boxes.push_back({{i % 10, 4 + i % 20, 6, 19 + i % 20, 26}, {(i + 3) % 10, 30, 34 + i % 8, 44, 54 + i % 8}});
  TrainingStep step(network, backend, config.optimizer, config.loss, config.pixelLoss,
                    config.detector ? &*config.detector : nullptr,
                    config.vae ? &*config.vae : nullptr); // the trainer's own step
  return measure(batch, images, threads, [&] {
    step.forward(x, labels, pixels.empty() ? nullptr : &pixels, config.detector ? &boxes : nullptr);
    step.update(0);
  });
}

Throughput measureGanTraining(Network& generator, Network& discriminator, Backend& backend, int batch, int64_t images,
                              int threads, const TrainConfig* recipe) {
  const Tensor real = randomBatch(discriminator, batch, true);
  const TrainConfig config = recipe ? *recipe : presetTrainConfig("mini-dcgan");
  GanStep step(generator, discriminator, backend, config.optimizer, config.adversarialWeight); // the trainer's own
  std::mt19937_64 noise(1);
  // Noise drawn anew each step, or (super-resolution) the real batch shrunk, as the trainer does.
  return measure(batch, images, threads, [&] { step.step(real, generatorInputs(generator, real, noise), 0); });
}

Throughput measureInference(Network& network, Backend& backend, int batch, int64_t images, int threads) {
  const Tensor x = randomBatch(network, batch);
  network.setTraining(false); // evaluation mode: running statistics, no dropout
  return measure(batch, images, threads, [&] { network.forward(backend, x); });
}

} // namespace convscope
