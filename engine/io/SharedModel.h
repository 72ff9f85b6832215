// One trained model held once, shared by everything that shows or runs it. The window's
// workspace opens a model file into one SharedModel and hands out snapshots (shared
// pointers): the live feature maps run it on the compute thread, the stepper and the saliency
// dialog on the GUI thread, the Architectures tab draws it. Nobody else reads the file, so a
// model saved again under the same path and reopened is seen by all of them at once (a new
// generation).
// A Network is not safe to run from two threads at once (a forward pass keeps every node's
// output in it), so running goes through use(), which holds the model's lock; the structure
// (layers, names, shapes, counts, weights) is read without it, since running changes none of it.
// Not for: a network being trained (the training job owns its own), or writing files.
#pragma once

#include "engine/io/ModelFile.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace convscope {

class SharedModel {
public:
  // Reads a model file (ConvScope's JSON or ONNX) as loadModel does; throws the same
  // std::invalid_argument naming the file. `generation` tells this opening from earlier ones.
  static std::shared_ptr<const SharedModel> open(const std::string& path, uint64_t generation);
  SharedModel(Model model, std::string path, uint64_t generation);

  const std::string& path() const { return path_; }
  // The file's name without its folder ("lenet5-digits.json").
  std::string fileName() const;
  uint64_t generation() const { return generation_; }
  bool trained() const { return hasWeights_; }
  const ModelInfo& info() const { return info_; }
  // How images are prepared for it: the file's, or for an untrained architecture file its
  // input size with no normalization.
  const Preprocess& preprocess() const { return preprocess_; }
  const std::vector<std::string>& classNames() const { return info_.classNames; }

  // The structure and the weights, read-only (running the network needs use()).
  const Network& network() const { return network_; }
  // Runs run(Network&) with the model to itself: a forward pass and its outputs, a backward
  // pass for saliency. Other threads' use() waits.
  template <typename Run> decltype(auto) use(Run&& run) const {
    std::lock_guard lock(mutex_);
    return run(network_);
  }

private:
  std::string path_;
  uint64_t generation_;
  bool hasWeights_;
  ModelInfo info_;
  Preprocess preprocess_;
  mutable std::mutex mutex_;
  mutable Network network_;
};

using ModelSnapshot = std::shared_ptr<const SharedModel>;

} // namespace convscope
