// The engine as the window uses it from several threads, small enough to run under
// ThreadSanitizer (scripts/test-tsan.sh) in seconds: the trainer controlled from another
// thread, and two networks computing at once on two threads (the compute thread trains
// while the GUI thread runs the drawing pad, the stepper and the thumbnails on their own
// copies). Also part of the ordinary suite.
#include "engine/training/Dataset.h"
#include "engine/lessons/Kernels.h"
#include "engine/network/LayerList.h"
#include "engine/training/Optimizer.h"
#include "engine/lessons/Pipeline.h"
#include "engine/training/Preprocess.h"
#include "engine/lessons/Saliency.h"
#include "engine/training/Trainer.h"
#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace convscope;

namespace {

// 256 + 64 images of 12x12: class k has a bright 6x6 quadrant k, with noise. A network
// learns it in a few batches; the point here is the threads, not the accuracy.
const DatasetSplit& quadrants() {
  static const DatasetSplit data = [] {
    DatasetSplit d;
    uint32_t state = 12345;
    const auto noise = [&] {
      state = state * 1664525u + 1013904223u;
      return uint8_t(state >> 27); // 0–31
    };
    for (Dataset* set : {&d.train, &d.test}) {
      const int n = set == &d.train ? 256 : 64;
      set->name = "quadrants";
      set->height = set->width = 12;
      set->classNames = {"top left", "top right", "bottom left", "bottom right"};
      for (int i = 0; i < n; ++i) {
        const int k = i % 4;
        set->labels.push_back(k);
        for (int y = 0; y < 12; ++y)
          for (int x = 0; x < 12; ++x) set->pixels.push_back(uint8_t(noise() + ((y / 6) * 2 + x / 6 == k ? 200 : 0)));
      }
    }
    return d;
  }();
  return data;
}

Network smallNetwork() {
  Network net = buildLayerList("input 1x12x12\nconv 4 3x3\nrelu\nmaxpool 2x2\nflatten\ndense 4\nsoftmax\n");
  initialize(net, InitScheme::He, 7);
  return net;
}

TrainConfig smallConfig(int epochs) {
  TrainConfig c;
  c.epochs = epochs;
  c.batchSize = 16;
  c.optimizer.learningRate = 0.05;
  c.threads = 1;
  return c;
}

template <class Condition> bool waitFor(Condition done) {
  for (int i = 0; i < 6000 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return done();
}

} // namespace

// Pause before the first batch, two single steps, resume, cancel: each from the test's
// thread while the trainer runs on its own, with the callbacks on the trainer's thread.
TEST(EngineThreads, TheTrainerObeysControlsFromAnotherThread) {
  Network net = smallNetwork();
  OnednnBackend backend;
  const DatasetSplit& data = quadrants();
  Trainer trainer(net, data, plainPreprocess(net.inputShape()), smallConfig(1000), backend);
  std::atomic<int> batches{0}, idle{0};
  std::vector<double> losses; // written on the trainer's thread, read after join
  trainer.pause();
  TrainResult result;
  std::thread worker([&] {
    result = trainer.run({[&](const BatchReport& r) {
                            losses.push_back(r.loss);
                            ++batches;
                          },
                          {},
                          [&] { ++idle; }});
  });
  ASSERT_TRUE(waitFor([&] { return idle >= 3; })); // paused: the thread's other work goes on
  EXPECT_EQ(batches, 0);
  trainer.step();
  trainer.step();
  ASSERT_TRUE(waitFor([&] { return batches >= 2; }));
  const int idleThen = idle;
  ASSERT_TRUE(waitFor([&] { return idle >= idleThen + 3; })); // paused again after the two
  EXPECT_EQ(batches, 2);
  trainer.resume();
  ASSERT_TRUE(waitFor([&] { return batches >= 40; }));
  trainer.cancel();
  worker.join();
  EXPECT_EQ(result.status, TrainResult::Status::Cancelled);
  EXPECT_EQ(int(losses.size()), batches.load());
  EXPECT_LT(losses.back(), losses.front()); // it learned something on the way
}

// The window's pattern: one thread trains and hands out parameter snapshots; another runs
// its own copy of the network on them (the inspector), a pipeline on an image (the live
// maps) and a saliency map, each with its own backend, all at once.
TEST(EngineThreads, TwoThreadsComputeAtOnceOnTheirOwnNetworks) {
  Network net = smallNetwork();
  OnednnBackend trainBackend;
  const DatasetSplit& data = quadrants();
  const Preprocess preprocess = plainPreprocess(net.inputShape());
  std::mutex mutex;
  std::vector<Tensor> snapshot; // guarded by mutex
  std::atomic<bool> done{false};
  std::thread trainer([&] {
    Trainer t(net, data, preprocess, smallConfig(8), trainBackend);
    t.run({[&](const BatchReport&) {
             std::lock_guard lock(mutex);
             snapshot = net.copyState();
           },
           {},
           {}});
    done = true;
  });
  Network copy = smallNetwork();
  OnednnBackend onednn;
  ReferenceBackend reference;
  Tensor image(Shape{1, 1, 12, 12});
  for (int64_t i = 0; i < image.size(); ++i) image.data()[i] = float((i * 37) % 255);
  int rounds = 0;
  try {
    while (!done || rounds < 3) {
      {
        std::lock_guard lock(mutex);
        if (!snapshot.empty()) copy.setState(snapshot);
      }
      const Tensor& p = copy.forward(onednn, preprocessImage(image, preprocess));
      float sum = 0;
      for (float v : p.values()) sum += v;
      EXPECT_NEAR(sum, 1.0f, 1e-4f);
      const SaliencyMap map = computeSaliency(copy, reference, preprocessImage(image, preprocess), {});
      EXPECT_EQ(map.map.size(), 12 * 12); // one value a pixel
      PipelineSpec spec;
      spec.kernels = {{"sobel-x", findClassicKernel("sobel-x")->weights}};
      const PipelineResult maps = runPipeline(rounds % 2 ? static_cast<Backend&>(onednn) : reference, image, spec);
      EXPECT_TRUE(maps.error.empty()) << maps.error;
      EXPECT_FALSE(maps.stages.empty());
      ++rounds;
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  trainer.join();       // always: a joinable thread left behind would end the process
  EXPECT_GE(rounds, 3); // at least three while it trained
}
