// ONNX export: each layer becomes one ONNX node (a sum pooling two), named as the layer.
#include "engine/io/Onnx.h"

#include "engine/layers/Activation.h"
#include "engine/layers/BatchNorm.h"
#include "engine/layers/Conv2D.h"
#include "engine/layers/Dense.h"
#include "engine/layers/Dropout.h"
#include "engine/layers/LocalResponseNorm.h"
#include "engine/layers/Pool2D.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <stdexcept>

namespace convscope {

namespace {

class Exporter {
public:
  Exporter(const Network& network, const OnnxExportOptions& options) : network_(network), options_(options) {}

  std::string run() {
    model_.set_ir_version(7);
    model_.set_producer_name("ConvScope");
    model_.set_model_version(1);
    onnx::OperatorSetIdProto* opset = model_.add_opset_import();
    opset->set_domain("");
    opset->set_version(13);
    graph_ = model_.mutable_graph();
    graph_->set_name(options_.graphName);
    describe(graph_->add_input(), "input", network_.batchInputShape(1));

    const auto& nodes = network_.nodes();
    const std::vector<Shape> shapes = network_.shapes(1);
    std::vector<int> readers(nodes.size(), 0);
    for (const Network::Node& n : nodes)
      for (int i : n.inputs)
        if (i >= 0) ++readers[size_t(i)];
    // Folding: a batch normalization whose input is a convolution read by it alone.
    std::vector<int> foldedInto(nodes.size(), -1); // conv index → its batch normalization
    if (options_.foldBatchNorm)
      for (size_t i = 0; i < nodes.size(); ++i)
        if (dynamic_cast<const BatchNorm*>(nodes[i].layer.get()) && nodes[i].inputs[0] >= 0 &&
            dynamic_cast<const Conv2D*>(nodes[size_t(nodes[i].inputs[0])].layer.get()) &&
            readers[size_t(nodes[i].inputs[0])] == 1)
          foldedInto[size_t(nodes[i].inputs[0])] = int(i);
    outputs_.resize(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) outputs_[i] = nodes[i].layer->name();
    for (size_t i = 0; i < nodes.size(); ++i)
      if (foldedInto[i] >= 0) outputs_[i] = outputs_[size_t(foldedInto[i])];

    for (size_t i = 0; i < nodes.size(); ++i) {
      const Layer& layer = *nodes[i].layer;
      std::vector<std::string> in;
      for (int k : nodes[i].inputs) in.push_back(k < 0 ? "input" : outputs_[size_t(k)]);
      const bool folded = dynamic_cast<const BatchNorm*>(&layer) && nodes[i].inputs[0] >= 0 &&
                          foldedInto[size_t(nodes[i].inputs[0])] == int(i);
      if (folded) continue; // already inside its convolution
      emit(layer, in, outputs_[i],
           foldedInto[i] >= 0 ? dynamic_cast<const BatchNorm*>(nodes[size_t(foldedInto[i])].layer.get()) : nullptr);
      if (i + 1 < nodes.size()) describe(graph_->add_value_info(), outputs_[i], shapes[i]);
    }
    if (nodes.empty()) throw std::invalid_argument("ONNX export: the network has no layers");
    describe(graph_->add_output(), outputs_.back(), shapes.back());
    try {
      onnx::checker::check_model(model_);
    } catch (const std::exception& e) {
      throw std::logic_error(std::string("ONNX export: the ONNX checker refuses the result: ") + e.what());
    }
    std::string bytes;
    if (!model_.SerializeToString(&bytes))
      throw std::invalid_argument("ONNX export: the model is too large for one ONNX file (2 GiB)");
    return bytes;
  }

private:
  // A value's type: float, (batch, …) with the batch symbolic.
  static void describe(onnx::ValueInfoProto* v, const std::string& name, const Shape& batchOfOne) {
    v->set_name(name);
    onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    onnx::TensorShapeProto* s = t->mutable_shape();
    s->add_dim()->set_dim_param("batch");
    for (int k = 1; k < batchOfOne.rank(); ++k) s->add_dim()->set_dim_value(batchOfOne[k]);
  }

  void initializer(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values) {
    onnx::TensorProto* t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    t->set_raw_data(values.data(), values.size() * sizeof(float));
  }

  onnx::NodeProto* node(const std::string& op, const std::string& name, const std::vector<std::string>& in,
                        const std::string& out) {
    onnx::NodeProto* n = graph_->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const std::string& i : in) n->add_input(i);
    n->add_output(out);
    return n;
  }
  static void attribute(onnx::NodeProto* n, const std::string& name, int64_t value) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto_AttributeType_INT);
    a->set_i(value);
  }
  static void attribute(onnx::NodeProto* n, const std::string& name, float value) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto_AttributeType_FLOAT);
    a->set_f(value);
  }
  static void attribute(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& values) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto_AttributeType_INTS);
    for (int64_t v : values) a->add_ints(v);
  }

  void emit(const Layer& layer, const std::vector<std::string>& in, const std::string& out, const BatchNorm* fold) {
    const std::string& name = layer.name();
    const std::string kind = layer.kind();
    if (const auto* conv = dynamic_cast<const Conv2D*>(&layer)) {
      const Conv2DGeometry& g = conv->geometry();
      std::vector<float> w = conv->weights().values();
      std::vector<float> b = conv->hasBias() ? conv->bias().values() : std::vector<float>();
      if (fold) {
        // w·γ/√(σ² + ε) and (b − μ)·γ/√(σ² + ε) + β, channel by channel.
        const BatchNorm& bn = *fold;
        const int64_t perFilter = int64_t(w.size()) / conv->outChannels();
        b.resize(size_t(conv->outChannels()), 0.0f);
        for (int64_t c = 0; c < conv->outChannels(); ++c) {
          const double scale = double(bn.gamma().values()[size_t(c)]) /
                               std::sqrt(double(bn.runningVariance().values()[size_t(c)]) + double(bn.epsilon()));
          for (int64_t k = 0; k < perFilter; ++k)
            w[size_t(c * perFilter + k)] = float(w[size_t(c * perFilter + k)] * scale);
          b[size_t(c)] = float((double(b[size_t(c)]) - bn.runningMean().values()[size_t(c)]) * scale +
                               bn.beta().values()[size_t(c)]);
        }
      }
      std::vector<std::string> inputs{in[0], name + ".weight"};
      initializer(name + ".weight", conv->weights().shape().dims(), w);
      if (!b.empty()) {
        inputs.push_back(name + ".bias");
        initializer(name + ".bias", {conv->outChannels()}, b);
      }
      onnx::NodeProto* n = node("Conv", name, inputs, out);
      attribute(n, "kernel_shape", std::vector<int64_t>{g.kernelH, g.kernelW});
      attribute(n, "strides", std::vector<int64_t>{g.strideH, g.strideW});
      attribute(n, "pads", std::vector<int64_t>{g.padTop, g.padLeft, g.padBottom, g.padRight});
      attribute(n, "dilations", std::vector<int64_t>{g.dilationH, g.dilationW});
      attribute(n, "group", g.groups);
    } else if (const auto* pool = dynamic_cast<const Pool2D*>(&layer)) {
      const Pool2DGeometry& g = pool->geometry();
      const bool sum = g.mode == PoolMode::Sum;
      onnx::NodeProto* n =
          node(g.mode == PoolMode::Max ? "MaxPool" : "AveragePool", name, in, sum ? name + "/average" : out);
      attribute(n, "kernel_shape", std::vector<int64_t>{g.kernelH, g.kernelW});
      attribute(n, "strides", std::vector<int64_t>{g.strideH, g.strideW});
      attribute(n, "pads", std::vector<int64_t>{g.padTop, g.padLeft, g.padBottom, g.padRight});
      if (g.ceilMode) attribute(n, "ceil_mode", int64_t(1));
      if (g.mode != PoolMode::Max) attribute(n, "count_include_pad", int64_t(sum || g.countPadding ? 1 : 0));
      if (sum) { // a sum is the average times the window's cells
        initializer(name + ".cells", {}, {float(g.kernelH * g.kernelW)});
        node("Mul", name + "/sum", {name + "/average", name + ".cells"}, out);
      }
    } else if (const auto* act = dynamic_cast<const Activation*>(&layer)) {
      switch (act->activation()) {
      case ActivationKind::ReLU: node("Relu", name, in, out); break;
      case ActivationKind::LeakyReLU: attribute(node("LeakyRelu", name, in, out), "alpha", act->alpha()); break;
      case ActivationKind::Tanh: node("Tanh", name, in, out); break;
      case ActivationKind::Sigmoid: node("Sigmoid", name, in, out); break;
      case ActivationKind::None: node("Identity", name, in, out); break;
      case ActivationKind::ReLU6:
        initializer(name + ".min", {}, {0.0f});
        initializer(name + ".max", {}, {6.0f});
        node("Clip", name, {in[0], name + ".min", name + ".max"}, out);
        break;
      }
    } else if (const auto* dense = dynamic_cast<const Dense*>(&layer)) {
      std::vector<std::string> inputs{in[0], name + ".weight"};
      initializer(name + ".weight", dense->weights().shape().dims(), dense->weights().values());
      if (dense->hasBias()) {
        inputs.push_back(name + ".bias");
        initializer(name + ".bias", {dense->outFeatures()}, dense->bias().values());
      }
      attribute(node("Gemm", name, inputs, out), "transB", int64_t(1));
    } else if (const auto* bn = dynamic_cast<const BatchNorm*>(&layer)) {
      initializer(name + ".weight", {bn->channels()}, bn->gamma().values());
      initializer(name + ".bias", {bn->channels()}, bn->beta().values());
      initializer(name + ".running_mean", {bn->channels()}, bn->runningMean().values());
      initializer(name + ".running_var", {bn->channels()}, bn->runningVariance().values());
      onnx::NodeProto* n =
          node("BatchNormalization", name,
               {in[0], name + ".weight", name + ".bias", name + ".running_mean", name + ".running_var"}, out);
      attribute(n, "epsilon", bn->epsilon());
      attribute(n, "momentum", 1.0f - bn->momentum());
    } else if (const auto* lrn = dynamic_cast<const LocalResponseNorm*>(&layer)) {
      onnx::NodeProto* n = node("LRN", name, in, out);
      attribute(n, "size", lrn->params().size);
      attribute(n, "alpha", lrn->params().alpha);
      attribute(n, "beta", lrn->params().beta);
      attribute(n, "bias", lrn->params().k);
    } else if (const auto* dropout = dynamic_cast<const Dropout*>(&layer)) {
      initializer(name + ".ratio", {}, {dropout->rate()});
      node("Dropout", name, {in[0], name + ".ratio"}, out);
    } else if (kind == "Flatten") {
      attribute(node("Flatten", name, in, out), "axis", int64_t(1));
    } else if (kind == "Softmax") {
      attribute(node("Softmax", name, in, out), "axis", int64_t(1));
    } else if (kind == "GlobalAvgPool") {
      node("GlobalAveragePool", name, in, out);
    } else if (kind == "Concat") {
      attribute(node("Concat", name, in, out), "axis", int64_t(1));
    } else if (kind == "Add") {
      // ONNX's Add takes two inputs: three or more become a chain.
      std::string sum = in[0];
      for (size_t k = 1; k < in.size(); ++k) {
        const std::string next = k + 1 == in.size() ? out : name + "/" + std::to_string(k);
        node("Add", k + 1 == in.size() ? name : name + "/" + std::to_string(k), {sum, in[k]}, next);
        sum = next;
      }
    } else {
      throw std::invalid_argument("ONNX export: layer '" + name + "' (" + kind + ") has no ONNX form in ConvScope");
    }
  }

  const Network& network_;
  OnnxExportOptions options_;
  onnx::ModelProto model_;
  onnx::GraphProto* graph_ = nullptr;
  std::vector<std::string> outputs_; // each layer's output tensor
};

} // namespace

std::string exportOnnxBytes(const Network& network, const OnnxExportOptions& options) {
  return Exporter(network, options).run();
}

void exportOnnx(const std::string& path, const Network& network, const OnnxExportOptions& options) {
  writeFileAtomically(path, exportOnnxBytes(network, options));
}

} // namespace convscope
