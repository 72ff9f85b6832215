// The compute interface every layer calls. Two implementations: ReferenceBackend (plain
// loops, the teaching view and the test oracle) and OnednnBackend (cached oneDNN
// primitives). Callers pass dst already shaped (layers know their output shape); backends
// check what they rely on and throw std::invalid_argument with the numbers otherwise.
// Not for: shape inference (Geometry.h) or parameter ownership (layers).
//
// Layouts: src/dst (N, C, H, W); conv weights (C_out, C_in/groups, KH, KW); bias (C_out);
// dense src (N, F_in), weights (F_out, F_in), dst (N, F_out). Every diff_X has X's shape.
// Backward functions overwrite their outputs (they do not accumulate).
#pragma once

#include "engine/core/Geometry.h"
#include "engine/core/Tensor.h"

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace convscope {

// Local response normalization across channels (AlexNet): each value divided by
// (k + α/size · Σ x²)^β, the sum over the `size` channels centred on its own (zeros past the
// ends), as PyTorch's LocalResponseNorm and oneDNN's lrn_across_channels. size is odd.
struct LrnParams {
  int64_t size = 5;
  float alpha = 1e-4f, beta = 0.75f, k = 1.0f;
  std::string toString() const; // "size 5 alpha 0.0001 beta 0.75 k 2"
};

class Backend {
public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // The layout this backend computes rank-4 activations in fastest; a network keeps its
  // activations in it between layers. Every function accepts either layout.
  virtual Layout preferredLayout() const { return Layout::NCHW; }
  // Whether the live pipeline computes a small bank of filters on a large photo in its own fused
  // pass (FusedStages.h: fusedBank) instead of through conv2dForward: the oneDNN backend, whose
  // kernels leave half their vector lanes empty there; the reference backend keeps its loops
  // (the oracle the fused pass is tested against).
  virtual bool fusesLiveBanks() const { return false; }

  // dst = src ⋆ weights + bias (cross-correlation, zero padding). bias may be null.
  virtual void conv2dForward(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights, const Tensor* bias,
                             Tensor& dst) = 0;
  virtual void pool2dForward(const Pool2DGeometry& g, const Tensor& src, Tensor& dst) = 0;
  // alpha is the negative slope of leaky ReLU; ignored by the others. dst may alias src.
  virtual void activationForward(ActivationKind kind, float alpha, const Tensor& src, Tensor& dst) = 0;
  // dst = src · weightsᵀ + bias
  virtual void denseForward(const Tensor& src, const Tensor& weights, const Tensor* bias, Tensor& dst) = 0;
  // Softmax over the last axis of an (N, F) tensor, computed stably (max subtracted).
  virtual void softmaxForward(const Tensor& src, Tensor& dst) = 0;

  // ---- backward: gradients of a scalar loss, given diff_dst = ∂loss/∂dst ----
  // diff_src = ∂loss/∂src of a convolution (a transposed convolution of diff_dst).
  virtual void conv2dBackwardData(const Conv2DGeometry& g, const Tensor& weights, const Tensor& diffDst,
                                  Tensor& diffSrc) = 0;
  // diff_weights, and diff_bias when not null (the sum of diff_dst per output channel).
  virtual void conv2dBackwardWeights(const Conv2DGeometry& g, const Tensor& src, const Tensor& diffDst,
                                     Tensor& diffWeights, Tensor* diffBias) = 0;
  // Max pooling routes each diff_dst to its window's (first) maximum; average and sum spread it.
  virtual void pool2dBackward(const Pool2DGeometry& g, const Tensor& src, const Tensor& diffDst, Tensor& diffSrc) = 0;
  // src is the activation's input and dst its output (tanh and sigmoid use dst).
  virtual void activationBackward(ActivationKind kind, float alpha, const Tensor& src, const Tensor& dst,
                                  const Tensor& diffDst, Tensor& diffSrc) = 0;
  virtual void denseBackwardData(const Tensor& weights, const Tensor& diffDst, Tensor& diffSrc) = 0;
  virtual void denseBackwardWeights(const Tensor& src, const Tensor& diffDst, Tensor& diffWeights,
                                    Tensor* diffBias) = 0;
  // dst is the softmax output: diff_src = dst ⊙ (diff_dst − Σ diff_dst ⊙ dst).
  virtual void softmaxBackward(const Tensor& dst, const Tensor& diffDst, Tensor& diffSrc) = 0;

  // ---- joining branches (graph networks) ----
  // Plain loops in either layout, the reference backend's; the oneDNN backend overrides
  // them with its sum, concat and reorder primitives.
  // dst = Σ srcs (residual addition); every src has dst's shape. Its backward is a copy of
  // diff_dst to each input.
  virtual void sumForward(const std::vector<const Tensor*>& srcs, Tensor& dst);
  // dst = the srcs side by side along axis 1 (channels, or features): (N, C1 + C2 + …, H, W)
  // or (N, F1 + F2 + …).
  virtual void concatForward(const std::vector<const Tensor*>& srcs, Tensor& dst);
  // Each diff_src = its own channels of diff_dst.
  virtual void concatBackward(const Tensor& diffDst, const std::vector<Tensor*>& diffSrcs);
  // dst's channel k = src's channel channels[k]: ShuffleNet's channel shuffle (a
  // permutation), a split's part (a run of channels). src and dst are maps (N, C, H, W) or
  // vectors (N, F) of any layout; every index in [0, src's channels).
  virtual void channelSelectForward(const std::vector<int64_t>& channels, const Tensor& src, Tensor& dst);
  // Its gradient: diff_src = 0, then diff_src's channel channels[k] += diff_dst's channel k
  // (channels a slice left out get none).
  virtual void channelSelectBackward(const std::vector<int64_t>& channels, const Tensor& diffDst, Tensor& diffSrc);
  // dst = a ∘ b element by element (∘ one of + − × ÷) with numpy's broadcasting: a and b of
  // one rank (maps (N, C, H, W) or vectors (N, F)), each size equal or 1 in one of them; dst
  // has the larger size on each axis (arithmeticShape). Squeeze-and-excitation's channel
  // scaling is maps × (N, C, 1, 1), a spatial attention maps × (N, 1, H, W). Any layouts.
  virtual void arithmeticForward(ArithmeticOp op, const Tensor& a, const Tensor& b, Tensor& dst);
  // diff_a = Σ diff_dst·∂(a ∘ b)/∂a over the positions that read each of a's values (all of
  // a broadcast axis), diff_b the same (either may be null: not wanted). For ÷: diff_a =
  // diff_dst / b, diff_b = −diff_dst·a / b².
  virtual void arithmeticBackward(ArithmeticOp op, const Tensor& a, const Tensor& b, const Tensor& diffDst,
                                  Tensor* diffA, Tensor* diffB);

  // ---- local response normalization (across channels) ----
  virtual void lrnForward(const LrnParams& p, const Tensor& src, Tensor& dst) = 0;
  // With D_c = k + α/size·Σ_{j near c} x_j²: diff_x_i = dy_i·D_i^−β − 2αβ/size · x_i ·
  // Σ_{c near i} dy_c·x_c·D_c^(−β−1).
  virtual void lrnBackward(const LrnParams& p, const Tensor& src, const Tensor& diffDst, Tensor& diffSrc) = 0;

  // ---- batch normalization (per channel over N, H, W) ----
  // dst = γ·(src − μ)/√(σ² + ε) + β. training: μ and σ² (biased) are the batch's, written to
  // mean and variance; otherwise they are read from them (the running statistics). Plain
  // loops in double here (the reference); oneDNN's batch normalization primitive overrides them.
  virtual void batchNormForward(const Tensor& src, const Tensor& gamma, const Tensor& beta, Tensor& mean,
                                Tensor& variance, bool training, float epsilon, Tensor& dst);
  // With x̂ = (src − μ)/σ: diff_γ = Σ diff_dst·x̂, diff_β = Σ diff_dst, and diff_src =
  // γ/σ·(diff_dst − mean(diff_dst) − x̂·mean(diff_dst·x̂)) in training (μ and σ depend on
  // the batch), γ/σ·diff_dst otherwise. diffSrc may be null.
  virtual void batchNormBackward(const Tensor& src, const Tensor& gamma, const Tensor& mean, const Tensor& variance,
                                 const Tensor& diffDst, bool training, float epsilon, Tensor* diffSrc,
                                 Tensor& diffGamma, Tensor& diffBeta);

  // ---- padding maps ----
  // dst = src with `pads` (top, bottom, left, right) cells added around each map: `value`
  // (constant), the mirror image without the edge (reflect: PyTorch's ReflectionPad2d, each
  // pad below the side's length) or the edge repeated (edge: ReplicationPad2d). Backward: each
  // diff_dst value added to the source cell it was copied from (constant's border has none).
  enum class PadMode { Constant, Reflect, Edge };
  virtual void padForward(PadMode mode, float value, const std::array<int64_t, 4>& pads, const Tensor& src,
                          Tensor& dst);
  virtual void padBackward(PadMode mode, const std::array<int64_t, 4>& pads, const Tensor& diffDst, Tensor& diffSrc);

  // ---- clamping ----
  // dst = min(max(x, lo), hi) (ONNX's Clip, PyTorch's clamp; lo may be −∞, hi +∞). Backward:
  // diff_src = diff_dst where lo ≤ x ≤ hi, else 0 (PyTorch's convention at the bounds).
  virtual void clampForward(float lo, float hi, const Tensor& src, Tensor& dst);
  virtual void clampBackward(float lo, float hi, const Tensor& src, const Tensor& diffDst, Tensor& diffSrc);

  // ---- learned leaky ReLU ----
  // dst = x where x > 0, else a·x, with a = slopes[c] for channel c (one slope per channel) or
  // slopes[0] for every value (one shared slope): PyTorch's nn.PReLU. Maps or vectors, either layout.
  virtual void preluForward(const Tensor& src, const Tensor& slopes, Tensor& dst);
  // diff_src = diff_dst where x > 0, else a·diff_dst (skipped when null); diff_slopes = Σ
  // diff_dst·x over the values ≤ 0 of each slope.
  virtual void preluBackward(const Tensor& src, const Tensor& slopes, const Tensor& diffDst, Tensor* diffSrc,
                             Tensor& diffSlopes);

  // ---- resizing maps (upsampling) ----
  // dst = src resized to dst's height and width, each channel alone, as PyTorch's
  // F.interpolate: nearest (the source cell ⌊y·H_in/H_out⌋) or bilinear with align_corners
  // false (the source point (y + ½)·H_in/H_out − ½, clamped at 0; the four cells around it
  // weighted by their nearness). Plain loops, in either layout.
  virtual void resizeForward(bool bilinear, const Tensor& src, Tensor& dst);
  // Its gradient: each diff_dst value added back to the source cells it was made of, by the
  // same weights.
  virtual void resizeBackward(bool bilinear, const Tensor& diffDst, Tensor& diffSrc);

  // ---- layer normalization (each sample's channels at each position) ----
  // dst = γ_c·(x − μ)/√(σ² + ε) + β_c, μ and σ² (biased) over the C channels of each
  // (n, h, w) of maps, or over the F features of each sample of vectors (N, F): ConvNeXt's
  // LayerNorm of channels-last values, as PyTorch's F.layer_norm over the last axis. The
  // statistics are the sample's own, in training and evaluation alike. Plain loops in double.
  virtual void layerNormForward(const Tensor& src, const Tensor& gamma, const Tensor& beta, float epsilon, Tensor& dst);
  // With x̂ = (x − μ)/σ and g = γ·diff_dst: diff_γ = Σ diff_dst·x̂ and diff_β = Σ diff_dst over
  // every sample and position; diff_src = (g − mean_c(g) − x̂·mean_c(g·x̂))/σ (diffSrc may be null).
  virtual void layerNormBackward(const Tensor& src, const Tensor& gamma, const Tensor& diffDst, float epsilon,
                                 Tensor* diffSrc, Tensor& diffGamma, Tensor& diffBeta);
};

enum class BackendKind { Reference, Onednn };
std::unique_ptr<Backend> makeBackend(BackendKind kind);
BackendKind backendKindFromString(const std::string& text); // "reference" or "onednn"

// Shared argument checks, so both backends refuse the same things with the same words.
void checkChannelSelectArguments(const std::vector<int64_t>& channels, const Shape& src, const Shape& dst);
void checkConv2DArguments(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights, const Tensor* bias,
                          const Tensor& dst);
void checkPool2DArguments(const Pool2DGeometry& g, const Tensor& src, const Tensor& dst);
void checkDenseArguments(const Tensor& src, const Tensor& weights, const Tensor* bias, const Tensor& dst);
void checkSameShape(const std::string& what, const Tensor& src, const Tensor& dst);
// LRN: an odd size from 1 to 99 and positive k; rank-4 src and dst (or diff) of one shape.
void checkLrnArguments(const LrnParams& p, const Tensor& src, const Tensor& other, const std::string& what);
// Sum: at least one src, every src of dst's shape (in any layout).
void checkSumArguments(const std::vector<const Tensor*>& srcs, const Tensor& dst);
// Element-wise arithmetic's result shape with numpy's broadcasting, else "subtract: (2, 3, 4,
// 5) and (2, 3, 2, 1) do not broadcast: axis 2 has 4 and 2 (each axis needs equal sizes, or 1
// in one of them)".
Shape arithmeticShape(ArithmeticOp op, const Shape& a, const Shape& b);
// Concatenation along axis 1: every src of dst's rank, with dst's other sizes, and dst's
// axis 1 the sum of theirs.
void checkConcatArguments(const std::vector<Shape>& srcs, const Shape& dst);
// Batch normalization: src (N, C, H, W), C values in each per-channel tensor (scales,
// shifts, statistics and their gradients), and `other` (dst or a diff) of src's shape.
void checkBatchNormArguments(const Tensor& src, const std::vector<const Tensor*>& perChannel, const Tensor& other,
                             const std::string& what);
// Backward checks: the shapes the forward pass would have had.
void checkConv2DBackward(const Conv2DGeometry& g, const Shape& src, const Shape& weights, const Shape& diffDst);
void checkPool2DBackward(const Pool2DGeometry& g, const Shape& src, const Shape& diffDst);

} // namespace convscope
