// Network: shape checking on construction, forward with kept outputs, backward.
#include "engine/network/Network.h"

#include <algorithm>
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
  return add(std::move(layer), {nodes_.empty() ? std::string("input") : nodes_.back().layer->name()});
}

int Network::nodeIndex(const std::string& name) const {
  if (name == "input") return -1;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].layer->name() == name) return int(i);
  std::string known = "input";
  for (const Node& n : nodes_) known += ", " + n.layer->name();
  throw std::invalid_argument("Network: there is no layer '" + name + "' before this one (there are: " + known + ")");
}

Layer& Network::add(std::unique_ptr<Layer> layer, const std::vector<std::string>& inputs) {
  for (const Node& n : nodes_)
    if (n.layer->name() == layer->name())
      throw std::invalid_argument("Network: two layers are called '" + layer->name() + "'");
  if (layer->name() == "input") throw std::invalid_argument("Network: 'input' names the network's input, not a layer");
  const std::string who = layer->kind() + " '" + layer->name() + "'";
  if (inputs.empty()) throw std::invalid_argument("Network: " + who + " reads no input");
  if (layer->inputCount() == 1 && inputs.size() != 1)
    throw std::invalid_argument("Network: " + who + " takes one input, not " + std::to_string(inputs.size()));
  std::vector<int> indices;
  for (const std::string& name : inputs) {
    try {
      indices.push_back(nodeIndex(name));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string(e.what()).replace(0, 9, "Network: " + who + ": "));
    }
  }
  // Throws naming the layer when the shapes do not fit.
  const std::vector<Shape> all = shapes(1);
  std::vector<Shape> in;
  for (int i : indices) in.push_back(i < 0 ? batchInputShape(1) : all[size_t(i)]);
  layer->nodeOutputShape(in);
  nodes_.push_back({std::move(layer), std::move(indices)});
  return *nodes_.back().layer;
}

std::vector<Shape> Network::shapes(int64_t batch) const {
  std::vector<Shape> result;
  const Shape input = batchInputShape(batch);
  for (const Node& n : nodes_) {
    std::vector<Shape> in;
    for (int i : n.inputs) in.push_back(i < 0 ? input : result[size_t(i)]);
    result.push_back(n.layer->nodeOutputShape(in));
  }
  return result;
}

void Network::setTraining(bool on) {
  for (Node& n : nodes_) n.layer->setTraining(on);
}

void Network::setSampling(bool on) {
  for (Node& n : nodes_) n.layer->setSampling(on);
}

bool Network::isSequential() const {
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].inputs != std::vector<int>{int(i) - 1}) return false;
  return true;
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
  const std::vector<Shape> out = shapes(1);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const int first = nodes_[i].inputs.front();
    count += nodes_[i].layer->macCount(first < 0 ? batchInputShape(1) : out[size_t(first)]);
  }
  return count;
}

std::string Network::summary() const {
  std::string text;
  char line[256];
  std::snprintf(line, sizeof line, "%-44s %-16s %12s %14s\n", "layer", "output", "parameters", "MACs");
  text += line;
  text += "input " + inputShape_.toString() + "\n";
  const std::vector<Shape> out = shapes(1);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    const int first = n.inputs.front();
    const int64_t macs = n.layer->macCount(first < 0 ? batchInputShape(1) : out[size_t(first)]);
    std::vector<int64_t> perSample(out[i].dims().begin() + 1, out[i].dims().end());
    std::snprintf(line, sizeof line, "%-44s %-16s %12lld %14lld\n", n.layer->describe().c_str(),
                  Shape(perSample).toString().c_str(), static_cast<long long>(n.layer->parameterCount()),
                  static_cast<long long>(macs));
    text += line;
  }
  std::snprintf(line, sizeof line, "total: %lld parameters, %lld multiply-accumulates per sample\n",
                static_cast<long long>(parameterCount()), static_cast<long long>(macCount()));
  return text + line;
}

std::vector<Network::SummaryRow> Network::summaryRows() const {
  std::vector<SummaryRow> rows;
  const std::vector<Shape> out = shapes(1);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    const int first = n.inputs.front();
    std::vector<int64_t> perSample(out[i].dims().begin() + 1, out[i].dims().end());
    rows.push_back({n.layer->name(), n.layer->kind(), Shape(perSample), n.layer->parameterCount(),
                    n.layer->macCount(first < 0 ? batchInputShape(1) : out[size_t(first)])});
  }
  return rows;
}

const Tensor& Network::forward(Backend& backend, const Tensor& src, const std::function<void(size_t)>& afterNode) {
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
  std::vector<const Tensor*> srcs;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const std::vector<int>& in = nodes_[i].inputs;
    if (in.size() == 1) { // most layers: one input, no list to build
      nodes_[i].layer->forwardInto(backend, in[0] < 0 ? src : outputs_[size_t(in[0])], outputs_[i]);
    } else {
      srcs.clear();
      for (int j : in) srcs.push_back(j < 0 ? &src : &outputs_[size_t(j)]);
      nodes_[i].layer->nodeForward(backend, srcs, outputs_[i]);
    }
    if (afterNode) afterNode(i);
  }
  return outputs_.back();
}

void Network::backward(Backend& backend, const Tensor& diffDst, size_t endNode, bool toInput,
                       const std::vector<ExtraGradient>& extra) {
  if (!input_ || outputs_.size() != nodes_.size())
    throw std::logic_error("Network::backward: no forward pass to go back through");
  if (endNode == 0 || endNode > nodes_.size()) throw std::invalid_argument("Network::backward: endNode out of range");
  if (diffDst.shape() != outputs_[endNode - 1].shape())
    throw std::invalid_argument("Network::backward: diff_dst is " + diffDst.shape().toString() + ", the output of '" +
                                nodes_[endNode - 1].layer->name() + "' is " + outputs_[endNode - 1].shape().toString());
  // grads_[0] holds ∂loss/∂(the network's input), grads_[j + 1] ∂loss/∂(output of node j).
  if (grads_.size() != nodes_.size() + 1 || grads_.front().shape() != input_->shape() || diffLayout_ != outputLayout_) {
    diffLayout_ = outputLayout_;
    grads_.clear();
    grads_.emplace_back(input_->shape(), 0.0f, input_->layout());
    for (const Tensor& o : outputs_) grads_.emplace_back(o.shape(), 0.0f, o.layout());
    scratch_.assign(nodes_.size(), {});
  }
  // How many times each slot is read: a slot read once takes its gradient directly, one read
  // more often (a residual block's input, a branch point) sums what each reader sends back.
  std::vector<int> readers(nodes_.size() + 1, 0);
  for (size_t i = 0; i < endNode; ++i)
    for (int j : nodes_[i].inputs) ++readers[size_t(j + 1)];
  std::vector<char> written(nodes_.size() + 1, 0);
  written[endNode] = 1; // the output of node endNode − 1: diffDst itself
  std::vector<const Tensor*> srcs;
  std::vector<Tensor*> diffSrcs;
  for (size_t i = endNode; i-- > 0;) {
    const Node& node = nodes_[i];
    const Tensor& diff = i + 1 == endNode ? diffDst : grads_[i + 1];
    if (!written[i + 1]) std::fill(grads_[i + 1].values().begin(), grads_[i + 1].values().end(), 0.0f); // unread
    for (const ExtraGradient& e : extra) { // another loss term's share of this output's gradient
      if (e.node != i || i + 1 == endNode || !e.diff) continue;
      Tensor& total = grads_[i + 1];
      if (e.diff->shape() != total.shape())
        throw std::invalid_argument("Network::backward: an extra gradient for '" + node.layer->name() + "' is " +
                                    e.diff->shape().toString() + ", its output is " + total.shape().toString());
      Tensor converted;
      const Tensor& add = e.diff->inLayout(total.layout(), converted);
      for (int64_t k = 0; k < total.size(); ++k) total.data()[k] += add.data()[k];
    }
    srcs.clear();
    diffSrcs.clear();
    std::vector<Tensor>& scratch = scratch_[i];
    scratch.resize(node.inputs.size());
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      const size_t slot = size_t(node.inputs[k] + 1);
      srcs.push_back(slot == 0 ? input_ : &outputs_[slot - 1]);
      if (slot == 0 && !toInput) { // the network input's gradient is nobody's concern in training
        diffSrcs.push_back(nullptr);
      } else if (readers[slot] == 1) {
        diffSrcs.push_back(&grads_[slot]);
      } else {
        if (scratch[k].shape() != grads_[slot].shape() || scratch[k].layout() != grads_[slot].layout())
          scratch[k] = Tensor(grads_[slot].shape(), 0.0f, grads_[slot].layout());
        diffSrcs.push_back(&scratch[k]);
      }
    }
    if (node.inputs.size() == 1)
      node.layer->backward(backend, *srcs[0], outputs_[i], diff, diffSrcs[0]);
    else
      node.layer->nodeBackward(backend, srcs, outputs_[i], diff, diffSrcs);
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      const size_t slot = size_t(node.inputs[k] + 1);
      if (!diffSrcs[k]) continue;
      if (diffSrcs[k] != &grads_[slot]) { // a branch point: add this reader's share
        Tensor& total = grads_[slot];
        const Tensor part = diffSrcs[k]->layout() == total.layout() ? Tensor() : diffSrcs[k]->inLayout(total.layout());
        const float* add = part.empty() ? diffSrcs[k]->data() : part.data();
        float* sum = total.data();
        if (written[slot])
          for (int64_t e = 0; e < total.size(); ++e) sum[e] += add[e];
        else
          std::copy(add, add + total.size(), sum);
      }
      written[slot] = 1;
    }
  }
}

bool Network::endsInSoftmax() const { return nodes_.size() > 1 && nodes_.back().layer->producesProbabilities(); }

const Tensor& Network::outputGradient(size_t node) const {
  if (grads_.size() != nodes_.size() + 1) throw std::logic_error("Network::outputGradient: no backward pass yet");
  return grads_.at(node + 1);
}

const Tensor& Network::networkInputGradient() const {
  if (grads_.size() != nodes_.size() + 1) throw std::logic_error("Network::networkInputGradient: no backward pass yet");
  return grads_.front();
}

const Tensor& Network::inputGradient(size_t node) const {
  if (grads_.size() != nodes_.size() + 1) throw std::logic_error("Network::inputGradient: no backward pass yet");
  return grads_.at(size_t(nodes_.at(node).inputs.front() + 1));
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
    const int first = nodes_[i].inputs.front(); // the network's input: its gradient is not computed
    const double input = first >= 0 && grads_.size() == nodes_.size() + 1 ? norm(grads_[size_t(first + 1)])
                                                                          : std::numeric_limits<double>::quiet_NaN();
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

std::vector<Tensor> Network::copyState() const {
  std::vector<Tensor> copies;
  for (const Node& n : nodes_)
    for (const auto& [name, t] : n.layer->stateTensors()) copies.push_back(*t);
  return copies;
}

void Network::setState(const std::vector<Tensor>& values) {
  std::vector<Tensor*> state;
  for (Node& n : nodes_)
    for (const auto& [name, t] : n.layer->stateTensors()) state.push_back(t);
  if (values.size() != state.size())
    throw std::invalid_argument("Network: " + std::to_string(values.size()) + " state tensors for " +
                                std::to_string(state.size()));
  for (size_t i = 0; i < state.size(); ++i) {
    if (values[i].shape() != state[i]->shape())
      throw std::invalid_argument("Network: state tensor " + std::to_string(i) + " is " + state[i]->shape().toString() +
                                  ", got " + values[i].shape().toString());
    *state[i] = values[i];
  }
}

} // namespace convscope
