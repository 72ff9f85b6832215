// The fast backend: oneDNN primitives, created once per configuration (geometry and
// shapes) and cached for the backend's lifetime, so repeated calls only execute.
// Not for: explaining arithmetic (the reference backend does) or sharing across threads:
// use one backend per thread.
#pragma once

#include "engine/backend/Backend.h"

#include <memory>

namespace convscope {

class OnednnBackend final : public Backend {
public:
  OnednnBackend();
  ~OnednnBackend() override;
  OnednnBackend(const OnednnBackend&) = delete;
  OnednnBackend& operator=(const OnednnBackend&) = delete;

  std::string name() const override { return "onednn"; }
  Layout preferredLayout() const override { return Layout::NHWC; }
  bool fusesLiveBanks() const override { return true; }
  void conv2dForward(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights, const Tensor* bias,
                     Tensor& dst) override;
  void pool2dForward(const Pool2DGeometry& g, const Tensor& src, Tensor& dst) override;
  void activationForward(ActivationKind kind, float alpha, const Tensor& src, Tensor& dst) override;
  void denseForward(const Tensor& src, const Tensor& weights, const Tensor* bias, Tensor& dst) override;
  void softmaxForward(const Tensor& src, Tensor& dst) override;

  void conv2dBackwardData(const Conv2DGeometry& g, const Tensor& weights, const Tensor& diffDst,
                          Tensor& diffSrc) override;
  void conv2dBackwardWeights(const Conv2DGeometry& g, const Tensor& src, const Tensor& diffDst, Tensor& diffWeights,
                             Tensor* diffBias) override;
  void pool2dBackward(const Pool2DGeometry& g, const Tensor& src, const Tensor& diffDst, Tensor& diffSrc) override;
  void activationBackward(ActivationKind kind, float alpha, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                          Tensor& diffSrc) override;
  void denseBackwardData(const Tensor& weights, const Tensor& diffDst, Tensor& diffSrc) override;
  void denseBackwardWeights(const Tensor& src, const Tensor& diffDst, Tensor& diffWeights, Tensor* diffBias) override;
  void softmaxBackward(const Tensor& dst, const Tensor& diffDst, Tensor& diffSrc) override;
  void lrnForward(const LrnParams& p, const Tensor& src, Tensor& dst) override;
  void lrnBackward(const LrnParams& p, const Tensor& src, const Tensor& diffDst, Tensor& diffSrc) override;

  void sumForward(const std::vector<const Tensor*>& srcs, Tensor& dst) override;
  void concatForward(const std::vector<const Tensor*>& srcs, Tensor& dst) override;
  // Forward by oneDNN's binary primitive (add, sub, mul, div; it broadcasts its second source
  // only, so a broadcast first one of − or ÷ runs the base class's loops); the backward is the
  // base class's loops (oneDNN has no backward for it).
  void arithmeticForward(ArithmeticOp op, const Tensor& a, const Tensor& b, Tensor& dst) override;
  void concatBackward(const Tensor& diffDst, const std::vector<Tensor*>& diffSrcs) override;
  void batchNormForward(const Tensor& src, const Tensor& gamma, const Tensor& beta, Tensor& mean, Tensor& variance,
                        bool training, float epsilon, Tensor& dst) override;
  void batchNormBackward(const Tensor& src, const Tensor& gamma, const Tensor& mean, const Tensor& variance,
                         const Tensor& diffDst, bool training, float epsilon, Tensor* diffSrc, Tensor& diffGamma,
                         Tensor& diffBeta) override;

  // How many primitives are cached (tests check that a repeated call creates none).
  size_t cachedPrimitiveCount() const;

private:
  struct State; // dnnl engine, stream and the per-family caches (OnednnPrimitives.h)
  std::unique_ptr<State> state_;
};

} // namespace convscope
