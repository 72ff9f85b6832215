// ONNX export: each layer writes its own ONNX form (Layer::writeOnnx, in its kind's home) into
// the graph this file wires together, named as the layer; a batch normalization after a
// convolution read by it alone is folded into it.
#include "engine/io/Onnx.h"

#include "engine/layers/OnnxWriter.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <map>
#include <stdexcept>

namespace convscope {

namespace {

class Exporter final : public OnnxWriter {
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
    shapes_["input"] = network_.batchInputShape(1).dims();

    const auto& nodes = network_.nodes();
    const std::vector<Shape> shapes = network_.shapes(1);
    std::vector<int> readers(nodes.size(), 0);
    for (const Network::Node& n : nodes)
      for (int i : n.inputs)
        if (i >= 0) ++readers[size_t(i)];
    // Folding: a layer that is a per-channel affine map in evaluation (batch normalization)
    // reading, alone, a layer that can take one into its weights (a convolution).
    std::vector<int> foldedInto(nodes.size(), -1); // the convolution → the normalization folded into it
    std::vector<bool> folded(nodes.size(), false);
    std::vector<ChannelAffine> affines(nodes.size());
    if (options_.foldBatchNorm)
      for (size_t i = 0; i < nodes.size(); ++i) {
        const int from = nodes[i].inputs.size() == 1 ? nodes[i].inputs[0] : -1;
        if (from >= 0 && readers[size_t(from)] == 1 && nodes[size_t(from)].layer->canFoldAffine() &&
            nodes[i].layer->foldedAffine(affines[i]))
          foldedInto[size_t(from)] = int(i), folded[i] = true;
      }
    outputs_.resize(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) outputs_[i] = nodes[i].layer->name();
    for (size_t i = 0; i < nodes.size(); ++i)
      if (foldedInto[i] >= 0) outputs_[i] = outputs_[size_t(foldedInto[i])];

    for (size_t i = 0; i < nodes.size(); ++i) {
      if (folded[i]) continue; // already inside its convolution
      std::vector<std::string> in;
      for (int k : nodes[i].inputs) in.push_back(k < 0 ? "input" : outputs_[size_t(k)]);
      nodes[i].layer->writeOnnx(*this, in, outputs_[i], foldedInto[i] >= 0 ? &affines[size_t(foldedInto[i])] : nullptr);
      shapes_[outputs_[i]] = shapes[i].dims();
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

  void initializer(const std::string& name, const std::vector<int64_t>& dims,
                   const std::vector<float>& values) override {
    onnx::TensorProto* t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    t->set_raw_data(values.data(), values.size() * sizeof(float));
  }

  void integers(const std::string& name, const std::vector<int64_t>& values) override {
    onnx::TensorProto* t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_INT64);
    t->add_dims(int64_t(values.size()));
    t->set_raw_data(values.data(), values.size() * sizeof(int64_t));
  }

  std::vector<int64_t> shapeOf(const std::string& tensor) const override {
    const auto it = shapes_.find(tensor);
    if (it == shapes_.end()) throw std::logic_error("ONNX export: no shape for '" + tensor + "' yet");
    return it->second;
  }

  void node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
            const std::string& output, const std::vector<Attribute>& attributes) override {
    onnx::NodeProto* n = graph_->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const std::string& i : inputs) n->add_input(i);
    n->add_output(output);
    for (const Attribute& attribute : attributes) {
      onnx::AttributeProto* a = n->add_attribute();
      a->set_name(attribute.name);
      if (const auto* i = std::get_if<int64_t>(&attribute.value)) {
        a->set_type(onnx::AttributeProto_AttributeType_INT);
        a->set_i(*i);
      } else if (const auto* f = std::get_if<float>(&attribute.value)) {
        a->set_type(onnx::AttributeProto_AttributeType_FLOAT);
        a->set_f(*f);
      } else if (const auto* text = std::get_if<std::string>(&attribute.value)) {
        a->set_type(onnx::AttributeProto_AttributeType_STRING);
        a->set_s(*text);
      } else {
        a->set_type(onnx::AttributeProto_AttributeType_INTS);
        for (int64_t v : std::get<std::vector<int64_t>>(attribute.value)) a->add_ints(v);
      }
    }
  }

  const Network& network_;
  OnnxExportOptions options_;
  onnx::ModelProto model_;
  onnx::GraphProto* graph_ = nullptr;
  std::vector<std::string> outputs_; // each layer's output tensor
  std::map<std::string, std::vector<int64_t>> shapes_; // tensors written so far, batch of one
};

} // namespace

std::string exportOnnxBytes(const Network& network, const OnnxExportOptions& options) {
  return Exporter(network, options).run();
}

void exportOnnx(const std::string& path, const Network& network, const OnnxExportOptions& options) {
  writeFileAtomically(path, exportOnnxBytes(network, options));
}

} // namespace convscope
