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
// are pixels of classes 0, 1, 2, … in turn.
Throughput measureTraining(Network& network, Backend& backend, int batch, int64_t images, int threads = 0,
                           const TrainConfig* recipe = nullptr);
Throughput measureInference(Network& network, Backend& backend, int batch, int64_t images, int threads = 0);

} // namespace convscope
