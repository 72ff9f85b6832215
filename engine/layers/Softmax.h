// Softmax: (N, F) scores to probabilities that sum to one per row.
#pragma once

#include "Layer.h"

namespace convscope {

class Softmax final : public Layer {
public:
  explicit Softmax(std::string name) : Layer(std::move(name)) {}

  std::string kind() const override { return "Softmax"; }
  Shape outputShape(const Shape& src) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
};

} // namespace convscope
