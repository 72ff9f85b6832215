// The interface every layer implements: output shape from input shape, parameter and
// multiply-accumulate counts, forward through a backend. Layers own their parameters;
// backends own nothing. Not for: wiring layers together (a network container does).
//
// Training adds to this interface a backward pass,
//     Tensor backward(Backend&, const Tensor& src, const Tensor& dst, const Tensor& diffDst)
// returning diff_src and accumulating diff_weights / diff_bias beside parameters().
#pragma once

#include "../Tensor.h"
#include "../backend/Backend.h"

#include <string>
#include <vector>

namespace convscope {

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

  // dst shape for src shape; throws std::invalid_argument naming the layer and the numbers.
  virtual Shape outputShape(const Shape& src) const = 0;
  virtual int64_t parameterCount() const { return 0; }
  // Multiply-accumulate operations of one forward pass over src (all of its batch).
  virtual int64_t macCount(const Shape& /*src*/) const { return 0; }

  virtual Tensor forward(Backend& backend, const Tensor& src) = 0;

  // Learnable tensors in a fixed order (weights, then bias).
  virtual std::vector<Tensor*> parameters() { return {}; }

private:
  std::string name_;
};

} // namespace convscope
