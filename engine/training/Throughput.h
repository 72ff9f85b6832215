// Throughput measurements on synthetic data, after a warm-up: training steps (the trainer's
// own TrainingStep: forward, cross-entropy, backward, SGD with momentum) and inference
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

// `threads` > 0 sets the calling thread's OpenMP thread count first.
Throughput measureTraining(Network& network, Backend& backend, int batch, int64_t images, int threads = 0);
Throughput measureInference(Network& network, Backend& backend, int batch, int64_t images, int threads = 0);

} // namespace convscope
