// Throughput measurements on synthetic data, after a warm-up: training steps (the trainer's
// own TrainingStep: forward, cross-entropy — per pixel for a segmentation network, one ending
// in a score per class at each pixel — backward, SGD with momentum, or the recipe given) and inference
// (Network::forward in evaluation mode, as predict and the window run it), the same work
// bench/pytorch_lenet.py and bench/pytorch_architectures.py give PyTorch. Not for: accuracy
// (Trainer.h).
#pragma once

#include "engine/network/Network.h"
#include "engine/backend/Backend.h"

#include <cstdint>

namespace convscope {

struct Throughput {
  double imagesPerSecond = 0.0;
  double seconds = 0.0; // of the timed part
  int64_t images = 0;   // timed
};

struct TrainConfig;
// `threads` > 0 sets the calling thread's OpenMP thread count first. `recipe`: its optimizer and
// losses (else SGD with momentum 0.9 at 0.01, cross-entropy). A segmentation network's targets
// are pixels of classes 0, 1, 2, … in turn; a detector's (recipe->detector) two boxes an image,
// image i's [4 + i mod 20, 6, 19 + i mod 20, 26) of class i mod 10 and [30, 34 + i mod 8, 44,
// 54 + i mod 8) of class (i + 3) mod 10 (bench/detection.py gives PyTorch the same); a VAE's
// (recipe->vae) batch is uniform in [0, 1], its own target.
Throughput measureTraining(Network& network, Backend& backend, int batch, int64_t images, int threads = 0,
                           const TrainConfig* recipe = nullptr);
Throughput measureInference(Network& network, Backend& backend, int batch, int64_t images, int threads = 0);
// A GAN's training steps (GanStep: the discriminator's half, then the generator's, each with the
// recipe's optimizer and adversarial weight — mini-dcgan's unless given): a real batch uniform in
// [0, 1], the noise drawn anew each step from N(0, I) (a super-resolution generator: the batch
// shrunk). Images are the real ones a step sees (the batch).
Throughput measureGanTraining(Network& generator, Network& discriminator, Backend& backend, int batch, int64_t images,
                              int threads = 0, const TrainConfig* recipe = nullptr);

} // namespace convscope
