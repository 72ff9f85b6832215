// The interface every layer implements: output shape from input shape, parameter and
// multiply-accumulate counts, forward and backward through a backend. Layers own their
// parameters and the gradients of the last backward pass; backends own nothing.
// Not for: wiring layers together (Network does) or updating weights (Optimizer does).
#pragma once

#include "engine/core/Tensor.h"
#include "engine/backend/Backend.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <utility>
#include <vector>

namespace convscope {

// While one lives on a thread, the convolutions and fully connected layers made there are
// skeletons: their shapes and their parameter and multiply-add counts are known, their weights
// are not allocated (VGG-16's would be 528 MB), so they can be drawn and counted but not run,
// trained or saved. For graphs and summaries of a network's structure.
class StructureOnly {
public:
  StructureOnly() : was_(active_) { active_ = true; }
  ~StructureOnly() { active_ = was_; }
  StructureOnly(const StructureOnly&) = delete;
  StructureOnly& operator=(const StructureOnly&) = delete;
  static bool active() { return active_; }

private:
  bool was_;
  // Aligned to 8: mold 1.10 (Debian 12) lays a lone 1-byte .tbss at an odd address and starts
  // the read-only-after-relocation segment there, which the loader then cannot protect
  // ("cannot apply additional memory protection after relocation").
  alignas(8) static thread_local inline bool active_ = false;
};

class OnnxWriter;      // OnnxWriter.h
struct ChannelAffine;  // OnnxWriter.h
enum class InitScheme; // Optimizer.h
struct WeightRandom;   // Optimizer.h
struct LayerKind;      // LayerKind.h: how a kind is read from a model file or a layer list

// Where one output cell of a layer looks on its input, per spatial axis (0: height, 1: width), for
// receptive fields (engine/inspection/ReceptiveField.h): output cell o reads input cells from
// offset + o·stride over `extent` cells (input-cell units; fractional for the layers that make
// several cells of one: a transposed convolution's stride, upsampling). A layer that keeps each
// position to itself (activations, normalization, addition, concatenation) is the default, one
// cell onto one; `whole` marks a layer whose every output reads the whole map (global pooling,
// flatten, fully connected).
struct SpatialWindow {
  double extent[2] = {1.0, 1.0};
  double stride[2] = {1.0, 1.0};
  double offset[2] = {0.0, 0.0};
  bool whole = false;
};

// What a layer is for, as an architecture's drawing groups and colours them; each kind says
// its own (Layer::family).
enum class LayerFamily { Convolution, Pooling, FullyConnected, Join, Activation, Normalization, Other };

class Layer {
public:
  explicit Layer(std::string name) : name_(std::move(name)) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = default;
  Layer& operator=(const Layer&) = default;

  // "Conv2D", "Pool2D", ...: the type, as model files and summaries name it.
  virtual std::string kind() const = 0;
  const std::string& name() const { return name_; }
  // One line for summaries: "Conv2D 'conv1' 6@5x5 s1,1 p0,0,0,0 d1,1 g1".
  virtual std::string describe() const { return kind() + " '" + name_ + "'"; }

  // A stage's title in words: "conv1: 6 filters 5×5, stride 1", "act1: tanh".
  virtual std::string title() const { return describe(); }
  // What the layer does in a few words, for a box in an architecture's graph: "conv 3×3,
  // stride 2, pad 1", "depthwise 3×3", "pool 2×2 max", "batch norm", "ReLU". By default the
  // title after its name.
  virtual std::string words() const;
  // Its window in words: "3×3, stride 2, pad 1", "1×1, 32 groups", "2×2 max, stride 2"; empty
  // for a layer without one (Conv2D and Pool2D have one).
  virtual std::string window() const { return {}; }
  virtual LayerFamily family() const { return LayerFamily::Other; }
  // Its window on a src (N, C, H, W) input (SpatialWindow); one cell onto one unless the kind says.
  virtual SpatialWindow spatialWindow(const Shape& /*src*/) const { return {}; }
  // A layer the papers count in a network's depth (convolutions and fully connected layers).
  virtual bool isWeightLayer() const { return false; }
  // Elementwise on each channel, the shape unchanged (batch normalization, activations): what
  // a convolution's input "really" came from lies before it.
  virtual bool isElementwise() const { return false; }
  // The model file's fields beyond "type" and "name" (LayerKind::load reads them back).
  virtual void saveFields(nlohmann::ordered_json& /*fields*/) const {}
  // The layer-list line that makes this layer ("conv 6 5x5 stride 2"); "" for a layer the
  // list leaves out; throws std::invalid_argument naming the layer when it has no form.
  virtual std::string layerListLine() const;
  // Fills the weights by the scheme (fan-in and fan-out as PyTorch counts them) and zeroes
  // the biases; layers without weights do nothing. Auto is resolved before the call.
  virtual void initialize(InitScheme /*scheme*/, WeightRandom& /*random*/) {}
  // Auto initialization picks He when a layer says its non-linearity wants it (ReLU).
  virtual bool wantsHeInitialization() const { return false; }
  // Training or evaluation: layers that behave differently (dropout) follow it; the trainer
  // switches it, everything else runs in evaluation (the default).
  virtual void setTraining(bool /*on*/) {}
  // Stochastic layers (Sample) draw in evaluation too while on (Network::setSampling).
  virtual void setSampling(bool /*on*/) {}
  // A layer with its own random stream (dropout): its state as text, so that a checkpoint
  // resumes the same draws; "" for layers without one.
  virtual std::string randomState() const { return {}; }
  virtual void setRandomState(const std::string& /*state*/) {}
  // A final softmax: the trainer folds it into the cross-entropy, predictions read it.
  virtual bool producesProbabilities() const { return false; }
  // It draws a latent code from a mean and a log-variance (Sample): a VAE's KL term is taken at
  // its input.
  virtual bool drawsLatentCode() const { return false; }

  // ONNX export: writes this layer as ONNX nodes reading `inputs` and writing `output`
  // (OnnxWriter.h). `after`, when given, is a per-channel affine map to fold into this layer's
  // output (a batch normalization that follows a convolution); only a layer whose
  // canFoldAffine() says so is given one. Throws std::invalid_argument naming the layer when
  // the kind has no ONNX form.
  virtual void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                         const ChannelAffine* after = nullptr) const;
  virtual bool canFoldAffine() const { return false; }
  // The per-channel affine map this layer is in evaluation (batch normalization), for the
  // export to fold into the layer before it; false for every other kind.
  virtual bool foldedAffine(ChannelAffine& /*affine*/) const { return false; }

  // dst shape for src shape; throws std::invalid_argument naming the layer and the numbers.
  virtual Shape outputShape(const Shape& src) const = 0;
  virtual int64_t parameterCount() const { return 0; }
  // Multiply-accumulate operations of one forward pass over src (all of its batch).
  virtual int64_t macCount(const Shape& /*src*/) const { return 0; }

  // dst must already have outputShape(src.shape()); callers reuse it across batches.
  virtual void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) = 0;
  // The same, allocating dst.
  Tensor forward(Backend& backend, const Tensor& src) {
    Tensor dst(outputShape(src.shape()));
    forwardInto(backend, src, dst);
    return dst;
  }
  // From the forward pass's src and dst and diff_dst = ∂loss/∂dst: writes diff_src (skipped
  // when null, as for the first layer) and overwrites the parameter gradients.
  virtual void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                        Tensor* diffSrc) = 0;

  // ---- several inputs (graph networks) ----
  // How many inputs the layer takes: 1, or 0 for "two or more" (addition, concatenation).
  // Networks call the node forms below; a one-input layer need not override them.
  virtual int inputCount() const { return 1; }
  virtual Shape nodeOutputShape(const std::vector<Shape>& srcs) const;
  virtual void nodeForward(Backend& backend, const std::vector<const Tensor*>& srcs, Tensor& dst);
  // diffSrcs[k] is skipped when null.
  virtual void nodeBackward(Backend& backend, const std::vector<const Tensor*>& srcs, const Tensor& dst,
                            const Tensor& diffDst, const std::vector<Tensor*>& diffSrcs);

  // Learnable tensors in a fixed order (weights, then bias), and their gradients in the
  // same order and shapes.
  virtual std::vector<Tensor*> parameters() { return {}; }
  virtual std::vector<Tensor*> gradients() { return {}; }
  // Everything a saved model or a snapshot carries, named as model files name it: the
  // parameters ("weights", "bias"), then state that is not learned by gradient descent
  // (batch normalization's "running_mean" and "running_var").
  virtual std::vector<std::pair<std::string, Tensor*>> stateTensors();

private:
  std::string name_;
};

} // namespace convscope
