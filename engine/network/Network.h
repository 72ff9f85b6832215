// Network: layers wired as a graph of nodes, run forward (keeping every node's output for
// the backward pass) and backward. A node reads the node before it (a sequential network)
// or named earlier nodes: residual additions and concatenations read two or more, and a
// node read by several sums the gradients they send back. Not for: losses or weight updates
// (Loss.h, Optimizer.h), or files (ModelFile.h).
#pragma once

#include "engine/core/Tensor.h"
#include "engine/backend/Backend.h"
#include "engine/layers/Layer.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace convscope {

class Network {
public:
  // inputShape: one sample, (C, H, W) or (F).
  explicit Network(Shape inputShape);
  Network(Network&&) = default;
  Network& operator=(Network&&) = default;

  // Appends a layer fed by the previous node (or the input); checks that its shapes fit
  // and throws std::invalid_argument naming the layer otherwise.
  Layer& add(std::unique_ptr<Layer> layer);
  // Appends a layer fed by the named earlier layers ("input" is the network's input): a
  // residual addition reads its block's input and its last layer, a concatenation its
  // branches. Throws naming the layer and the names it knows when one is not an earlier layer.
  Layer& add(std::unique_ptr<Layer> layer, const std::vector<std::string>& inputs);
  int nodeIndex(const std::string& name) const; // -1 for "input"; throws when unknown
  bool isSequential() const;                    // every node reads the one before it
  // Training mode (dropout drops) or evaluation (the default; the trainer switches).
  void setTraining(bool on);
  // Stochastic layers (a VAE's sampling) draw even in evaluation while on (the ELBO of test
  // images); off (the default) they give their mean in evaluation.
  void setSampling(bool on);

  struct Node {
    std::unique_ptr<Layer> layer;
    std::vector<int> inputs; // node indices; -1 is the network's input
  };
  const std::vector<Node>& nodes() const { return nodes_; }
  size_t size() const { return nodes_.size(); }
  Layer& layer(size_t i) { return *nodes_.at(i).layer; }
  const Layer& layer(size_t i) const { return *nodes_.at(i).layer; }

  const Shape& inputShape() const { return inputShape_; } // one sample
  Shape batchInputShape(int64_t batch) const;
  // Each node's output shape for a batch of `batch`.
  std::vector<Shape> shapes(int64_t batch) const;
  Shape outputShape(int64_t batch) const;
  int64_t parameterCount() const;
  // The last layer is a softmax (its input holds the class scores): more than one layer,
  // the last producing probabilities.
  bool endsInSoftmax() const;
  // The node whose output holds the class scores: below a final softmax, else the last.
  size_t scoreNode() const { return size() - (endsInSoftmax() ? 2 : 1); }
  int64_t macCount() const; // per sample
  // A table: layer, output shape (per sample), parameters, MACs.
  std::string summary() const;
  // One row a layer, in execution order: its name, kind, output shape (one sample),
  // parameters (without running statistics) and multiply-accumulates for one sample
  // (convolutions and fully connected layers, biases not counted).
  struct SummaryRow {
    std::string name, type;
    Shape output;
    int64_t parameters = 0, macs = 0;
  };
  std::vector<SummaryRow> summaryRows() const;

  // Runs src (N, ...) through every node; returns the last node's output. Outputs stay
  // in place until the next forward (output(i)), for backward and for viewing; rank-4
  // outputs are in the backend's preferred layout (Tensor::inLayout converts).
  // afterNode, when given, is called after each node with its index (for progress on a
  // large network; on the calling thread).
  const Tensor& forward(Backend& backend, const Tensor& src, const std::function<void(size_t node)>& afterNode = {});
  const Tensor& output(size_t node) const { return outputs_.at(node); }

  // Back-propagates diffDst, the gradient of the loss with respect to the output of node
  // `endNode − 1`, through nodes endNode−1 … 0, filling every layer's gradients. Pass
  // endNode = size() to start from the network's output, or size() − 1 to start below a
  // final softmax whose gradient the loss has already folded in.
  // With toInput, the first layer's input gradient ∂loss/∂src is computed too (saliency),
  // else skipped as training does not need it.
  // `extra`: gradients of further loss terms with respect to other nodes' outputs (a VAE's KL
  // divergence at its sampling layer's input), each (node, ∂term/∂output of node) in that output's
  // shape, NCHW: added to what the layers above send back before the node's own backward.
  struct ExtraGradient {
    size_t node = 0;
    const Tensor* diff = nullptr;
  };
  void backward(Backend& backend, const Tensor& diffDst, size_t endNode, bool toInput = false,
                const std::vector<ExtraGradient>& extra = {});
  // After backward(): ∂loss/∂(input of node i), which is ∂loss/∂(output of node i − 1), in
  // the layout of that output. Node 0's is the network input's gradient, filled only when
  // backward was asked toInput. Throws when there was no backward pass.
  const Tensor& inputGradient(size_t node) const;
  // After backward(): ∂loss/∂(output of node) — summed over every layer that reads it — and
  // ∂loss/∂(the network's input) (filled only when backward was asked toInput).
  const Tensor& outputGradient(size_t node) const;
  const Tensor& networkInputGradient() const;

  std::vector<Tensor*> parameters();
  std::vector<Tensor*> gradients();
  // After backward(): for every layer with parameters, the L2 norm of its weight gradients
  // (all of its parameter gradients together) and of the gradient that reached its input,
  // ∂loss/∂input (NaN for the first layer, whose input gradient backward() skips). Shows
  // whether gradients vanish or explode on their way down a deep network.
  struct GradientNorm {
    std::string layer;
    double weights = 0.0;
    double input = 0.0;
  };
  std::vector<GradientNorm> gradientNorms() const;
  // Copies of every parameter (for snapshots that outlive the next update), and back.
  std::vector<Tensor> copyParameters() const;
  void setParameters(const std::vector<Tensor>& values);
  // The same with the state that is not learned (batch normalization's running statistics):
  // what a snapshot must carry for another copy of the network to compute the same.
  std::vector<Tensor> copyState() const;
  void setState(const std::vector<Tensor>& values);

private:
  Shape inputShape_;
  std::vector<Node> nodes_;
  const Tensor* input_ = nullptr; // the last forward's src (not owned)
  std::vector<Tensor> outputs_;   // node outputs of the last forward
  Layout outputLayout_ = Layout::NCHW;
  std::vector<Tensor> grads_; // ∂loss/∂(network input), then ∂loss/∂(output of each node); reused
  std::vector<std::vector<Tensor>> scratch_; // per node and input: a branch point's share before it is summed
  Layout diffLayout_ = Layout::NCHW;
};

} // namespace convscope
