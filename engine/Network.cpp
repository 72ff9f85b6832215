// Network: shape checking on construction, forward with kept outputs, backward.
#include "Network.h"

#include <cmath>
#include <limits>

#include <cstdio>
#include <stdexcept>

namespace convscope {

Network::Network(Shape inputShape) : inputShape_(std::move(inputShape)) {
  if (inputShape_.rank() != 3 && inputShape_.rank() != 1)
    throw std::invalid_argument("Network: the input must be (C, H, W) or (F), got " + inputShape_.toString());
  for (int64_t d : inputShape_.dims())
    if (d < 1) throw std::invalid_argument("Network: input size " + inputShape_.toString() + " must be positive");
}

Shape Network::batchInputShape(int64_t batch) const {
  std::vector<int64_t> dims{batch};
  dims.insert(dims.end(), inputShape_.dims().begin(), inputShape_.dims().end());
  return Shape(dims);
}

Layer& Network::add(std::unique_ptr<Layer> layer) {
  for (const Node& n : nodes_)
    if (n.layer->name() == layer->name())
      throw std::invalid_argument("Network: two layers are called '" + layer->name() + "'");
  const Shape src = nodes_.empty() ? batchInputShape(1) : shapes(1).back();
  layer->outputShape(src); // throws naming the layer when it does not fit
  nodes_.push_back({std::move(layer), {static_cast<int>(nodes_.size()) - 1}});
  return *nodes_.back().layer;
}

std::vector<Shape> Network::shapes(int64_t batch) const {
  std::vector<Shape> result;
  Shape shape = batchInputShape(batch);
  for (const Node& n : nodes_) {
    shape = n.layer->outputShape(shape);
    result.push_back(shape);
  }
  return result;
}

Shape Network::outputShape(int64_t batch) const {
  return nodes_.empty() ? batchInputShape(batch) : shapes(batch).back();
}

int64_t Network::parameterCount() const {
  int64_t count = 0;
  for (const Node& n : nodes_) count += n.layer->parameterCount();
  return count;
}

int64_t Network::macCount() const {
  int64_t count = 0;
  Shape shape = batchInputShape(1);
  for (const Node& n : nodes_) {
    count += n.layer->macCount(shape);
    shape = n.layer->outputShape(shape);
  }
  return count;
}

std::string Network::summary() const {
  std::string text;
  char line[256];
  std::snprintf(line, sizeof line, "%-44s %-16s %12s %14s\n", "layer", "output", "parameters", "MACs");
  text += line;
  text += "input " + inputShape_.toString() + "\n";
  Shape shape = batchInputShape(1);
  for (const Node& n : nodes_) {
    const int64_t macs = n.layer->macCount(shape);
    shape = n.layer->outputShape(shape);
    std::vector<int64_t> perSample(shape.dims().begin() + 1, shape.dims().end());
    std::snprintf(line, sizeof line, "%-44s %-16s %12lld %14lld\n", n.layer->describe().c_str(),
                  Shape(perSample).toString().c_str(), static_cast<long long>(n.layer->parameterCount()),
                  static_cast<long long>(macs));
    text += line;
  }
  std::snprintf(line, sizeof line, "total: %lld parameters, %lld multiply-accumulates per sample\n",
                static_cast<long long>(parameterCount()), static_cast<long long>(macCount()));
  return text + line;
}

const Tensor& Network::forward(Backend& backend, const Tensor& src) {
  if (nodes_.empty()) throw std::invalid_argument("Network: has no layers");
  const int64_t batch = src.shape().rank() > 0 ? src.shape()[0] : 0;
  if (src.shape() != batchInputShape(batch))
    throw std::invalid_argument("Network: expects input " + batchInputShape(batch).toString() + ", got " +
                                src.shape().toString());
  // Activations in the backend's preferred layout (NHWC for oneDNN), reused across batches.
  const Layout layout = backend.preferredLayout();
  if (outputs_.size() != nodes_.size() || outputs_.front().shape()[0] != batch || outputLayout_ != layout) {
    outputs_.clear();
    for (const Shape& s : shapes(batch)) outputs_.emplace_back(s, 0.0f, layout);
    outputLayout_ = layout;
  }
  input_ = &src;
  for (size_t i = 0; i < nodes_.size(); ++i)
    nodes_[i].layer->forwardInto(backend, i == 0 ? src : outputs_[i - 1], outputs_[i]);
  return outputs_.back();
}

void Network::backward(Backend& backend, const Tensor& diffDst, size_t endNode, bool toInput) {
  if (!input_ || outputs_.size() != nodes_.size())
    throw std::logic_error("Network::backward: no forward pass to go back through");
  if (endNode == 0 || endNode > nodes_.size()) throw std::invalid_argument("Network::backward: endNode out of range");
  if (diffDst.shape() != outputs_[endNode - 1].shape())
    throw std::invalid_argument("Network::backward: diff_dst is " + diffDst.shape().toString() + ", the output of '" +
                                nodes_[endNode - 1].layer->name() + "' is " + outputs_[endNode - 1].shape().toString());
  // diffs_[i] holds ∂loss/∂(input of node i) = ∂loss/∂(output of node i − 1).
  if (diffs_.size() != nodes_.size() || diffs_.front().shape() != input_->shape() || diffLayout_ != outputLayout_) {
    diffLayout_ = outputLayout_;
    diffs_.clear();
    diffs_.emplace_back(input_->shape(), 0.0f, input_->layout());
    for (size_t i = 0; i + 1 < nodes_.size(); ++i) diffs_.emplace_back(outputs_[i].shape(), 0.0f, outputs_[i].layout());
  }
  const Tensor* diff = &diffDst;
  for (size_t i = endNode; i-- > 0;) {
    const Tensor& src = i == 0 ? *input_ : outputs_[i - 1];
    // The first layer's diff_src is nobody's concern in training: skip computing it.
    nodes_[i].layer->backward(backend, src, outputs_[i], *diff, i == 0 && !toInput ? nullptr : &diffs_[i]);
    diff = &diffs_[i];
  }
}

bool Network::endsInSoftmax() const { return nodes_.size() > 1 && nodes_.back().layer->producesProbabilities(); }

const Tensor& Network::inputGradient(size_t node) const {
  if (diffs_.size() != nodes_.size()) throw std::logic_error("Network::inputGradient: no backward pass yet");
  return diffs_.at(node);
}

std::vector<Tensor*> Network::parameters() {
  std::vector<Tensor*> all;
  for (Node& n : nodes_)
    for (Tensor* p : n.layer->parameters()) all.push_back(p);
  return all;
}

std::vector<Tensor*> Network::gradients() {
  std::vector<Tensor*> all;
  for (Node& n : nodes_)
    for (Tensor* g : n.layer->gradients()) all.push_back(g);
  return all;
}

std::vector<Network::GradientNorm> Network::gradientNorms() const {
  const auto norm = [](const Tensor& t) {
    double sum = 0.0;
    for (float v : t.values()) sum += double(v) * v;
    return std::sqrt(sum);
  };
  std::vector<GradientNorm> norms;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const std::vector<Tensor*> gradients = nodes_[i].layer->gradients();
    if (gradients.empty()) continue;
    double squares = 0.0;
    for (const Tensor* g : gradients) squares += norm(*g) * norm(*g);
    const double input =
        i > 0 && i < diffs_.size() ? norm(diffs_[i]) : std::numeric_limits<double>::quiet_NaN(); // first: not computed
    norms.push_back({nodes_[i].layer->name(), std::sqrt(squares), input});
  }
  return norms;
}

std::vector<Tensor> Network::copyParameters() const {
  std::vector<Tensor> copies;
  for (const Node& n : nodes_)
    for (Tensor* p : n.layer->parameters()) copies.push_back(*p);
  return copies;
}

void Network::setParameters(const std::vector<Tensor>& values) {
  std::vector<Tensor*> params = parameters();
  if (values.size() != params.size())
    throw std::invalid_argument("Network: " + std::to_string(values.size()) + " parameter tensors for " +
                                std::to_string(params.size()));
  for (size_t i = 0; i < params.size(); ++i) {
    if (values[i].shape() != params[i]->shape())
      throw std::invalid_argument("Network: parameter " + std::to_string(i) + " is " + params[i]->shape().toString() +
                                  ", got " + values[i].shape().toString());
    *params[i] = values[i];
  }
}

} // namespace convscope
