// What a layer kind writes into an ONNX graph when a network is exported: nodes with their
// attributes and constant tensors (weights), by name. Each kind writes its own form in its
// home (Layer::writeOnnx: Conv2D.cpp writes a Conv node and its weights); engine/io/
// OnnxExport.cpp implements this over the ONNX project's protobuf classes and wires the nodes.
// Not for: reading ONNX (Onnx.cpp maps operators to layers).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace convscope {

class OnnxWriter {
public:
  struct Attribute {
    std::string name;
    std::variant<int64_t, float, std::vector<int64_t>, std::string> value;
  };
  virtual ~OnnxWriter() = default;
  // A node of operator `op` named `name`, reading `inputs` (tensor names), writing `output`.
  virtual void node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                    const std::string& output, const std::vector<Attribute>& attributes = {}) = 0;
  // A constant float tensor (a weight) named `name`, of shape `dims` ({} for a scalar).
  virtual void initializer(const std::string& name, const std::vector<int64_t>& dims,
                           const std::vector<float>& values) = 0;
  // A constant 1-D int64 tensor: a Reshape's shape, a Slice's starts and ends.
  virtual void integers(const std::string& name, const std::vector<int64_t>& values) = 0;
  // The shape of a tensor already written (the input, a layer's output) for a batch of one:
  // (1, C, H, W) or (1, F).
  virtual std::vector<int64_t> shapeOf(const std::string& tensor) const = 0;
};

// y_c = scale_c · x_c + shift_c per channel: batch normalization in evaluation, which the
// export folds into the convolution before it (Layer::foldedAffine, Layer::writeOnnx).
struct ChannelAffine {
  std::vector<double> scale, shift;
};

} // namespace convscope
