// The reference backend: every operation as plain loops that read like the lecture.
// It is the teaching view (explainConv2d lists every multiply-add of one output cell) and
// the oracle the oneDNN backend is tested against. Not for: speed.
#pragma once

#include "engine/backend/Backend.h"
#include "engine/core/NumberText.h"
#include "engine/backend/reference/Explain.h" // pooling, fully-connected and softmax outputs explained the same way

#include <string>
#include <vector>

namespace convscope {

// One multiply-add term of a convolution output: input(row, col) · weight(kernelRow, kernelCol).
// row/col are input coordinates; a padded position has row or col outside the input and value 0.
struct ConvTerm {
  int64_t row = 0, col = 0;
  int64_t kernelRow = 0, kernelCol = 0;
  float input = 0.0f;
  float weight = 0.0f;
  bool padding = false;
};

struct ConvChannelSum {
  int64_t channel = 0; // input channel index
  float sum = 0.0f;
  std::vector<ConvTerm> terms;
};

// How dst(n, outChannel, row, col) was computed: the per-input-channel sums, then the bias.
struct ConvExplanation {
  int64_t batch = 0, outChannel = 0, row = 0, col = 0;
  std::vector<ConvChannelSum> channels;
  float bias = 0.0f;
  float value = 0.0f;
};

// Throws std::invalid_argument if the position is outside the output.
ConvExplanation explainConv2d(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights, const Tensor* bias,
                              int64_t batch, int64_t outChannel, int64_t row, int64_t col);

// The arithmetic as a teacher writes it: one line per channel (counted from 1, as the
// lecture does) with its terms and sum, then "308 + (−498) + 164 + 1 = −25"; "(−498)" where
// a negative term follows a plus. digits = 0: every number exact (formatNumber); else as a
// slide prints them (formatSlide: the weights' typed fractions kept).
std::string explanationText(const ConvExplanation& e, int digits = 0);


class ReferenceBackend final : public Backend {
public:
  std::string name() const override { return "reference"; }
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
};

} // namespace convscope
