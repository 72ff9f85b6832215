// Arithmetic: two values the network computes combined element by element — a − b, a ÷ b,
// a × b (a gate; squeeze-and-excitation's channel scaling, where b holds one factor per
// channel (N, C, 1, 1) that scales a's whole map; a spatial attention's (N, 1, H, W)), or a + b
// of different shapes — with numpy's broadcasting: on each axis the sizes are equal, or one of
// them is 1 and that value is read along the whole axis. (A sum of values of one shape, a
// residual connection, is the Add layer.)
#pragma once

#include "engine/core/Geometry.h"
#include "engine/layers/Layer.h"

namespace convscope {

class Arithmetic final : public Layer {
public:
  Arithmetic(std::string name, ArithmeticOp op) : Layer(std::move(name)), op_(op) {}

  std::string kind() const override { return "Arithmetic"; }
  std::string describe() const override;
  LayerFamily family() const override { return LayerFamily::Join; }
  void saveFields(nlohmann::ordered_json& j) const override;
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string title() const override;
  std::string layerListLine() const override;
  int inputCount() const override { return 2; }
  Shape outputShape(const Shape& src) const override { return src; }
  Shape nodeOutputShape(const std::vector<Shape>& srcs) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
  void nodeForward(Backend& backend, const std::vector<const Tensor*>& srcs, Tensor& dst) override;
  void nodeBackward(Backend& backend, const std::vector<const Tensor*>& srcs, const Tensor& dst, const Tensor& diffDst,
                    const std::vector<Tensor*>& diffSrcs) override;

  ArithmeticOp op() const { return op_; }

private:
  ArithmeticOp op_;
};

// The model file's "Arithmetic" (with "op": add, subtract, multiply or divide; files before it
// wrote a product as "Multiply") and the layer list's "multiply NAME", "subtract NAME", "divide
// NAME" (the line before ∘ the named layer's output); "add NAME" of two different shapes plans
// one too (addKind).
struct PlannedLayer;
struct LayerListLine;
LayerKind arithmeticKind();
// A layer-list line "KEYWORD NAME" as an Arithmetic layer: the line before ∘ the named layer.
PlannedLayer planArithmetic(const LayerListLine& line, ArithmeticOp op);

} // namespace convscope
