// Arithmetic: the shape is numpy's broadcast of the two inputs; the result and its gradients
// are the backend's (Backend::arithmeticForward, arithmeticBackward).
#include "engine/layers/Arithmetic.h"

#include "engine/backend/Backend.h"
#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace convscope {

std::string Arithmetic::describe() const { return Layer::describe() + " " + toString(op_); }

std::string Arithmetic::title() const {
  switch (op_) {
  case ArithmeticOp::Add: return name() + ": add (the smaller input repeated along its axes of size 1)";
  case ArithmeticOp::Subtract: return name() + ": subtract the second input from the first";
  case ArithmeticOp::Multiply: return name() + ": multiply (a gate, or one factor per channel)";
  case ArithmeticOp::Divide: return name() + ": divide the first input by the second";
  }
  return name();
}

std::string Arithmetic::layerListLine() const { return toString(op_); }

void Arithmetic::saveFields(nlohmann::ordered_json& j) const { j["op"] = toString(op_); }

Shape Arithmetic::nodeOutputShape(const std::vector<Shape>& srcs) const {
  if (srcs.size() != 2)
    throw std::invalid_argument("Arithmetic '" + name() + "' (" + toString(op_) + ") needs two inputs, got " +
                                std::to_string(srcs.size()));
  try {
    return arithmeticShape(op_, srcs[0], srcs[1]);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("Arithmetic '" + name() + "': " + e.what());
  }
}

void Arithmetic::forwardInto(Backend&, const Tensor&, Tensor&) {
  throw std::logic_error("Arithmetic '" + name() + "' has two inputs: it runs in a graph network");
}

void Arithmetic::backward(Backend&, const Tensor&, const Tensor&, const Tensor&, Tensor*) {
  throw std::logic_error("Arithmetic '" + name() + "' has two inputs: it runs in a graph network");
}

void Arithmetic::nodeForward(Backend& backend, const std::vector<const Tensor*>& srcs, Tensor& dst) {
  backend.arithmeticForward(op_, *srcs[0], *srcs[1], dst);
}

void Arithmetic::nodeBackward(Backend& backend, const std::vector<const Tensor*>& srcs, const Tensor&,
                              const Tensor& diffDst, const std::vector<Tensor*>& diffSrcs) {
  backend.arithmeticBackward(op_, *srcs[0], *srcs[1], diffDst, diffSrcs[0], diffSrcs[1]);
}

PlannedLayer planArithmetic(const LayerListLine& line, ArithmeticOp op) {
  PlannedLayer p;
  p.name = line.names.next(toString(op));
  p.make = [name = p.name, op] { return std::unique_ptr<Layer>(std::make_unique<Arithmetic>(name, op)); };
  if (line.more.size() != 1)
    throw std::invalid_argument(line.keyword + " takes one layer name (the line before " + arithmeticSymbol(op) +
                                " that layer), got " + std::to_string(line.more.size()));
  const std::unique_ptr<Layer> layer = p.make();
  p.description = layer->describe();
  p.output = oneSample(layer->nodeOutputShape({batchOfOne(line.in), batchOfOne(line.more[0])}));
  return p;
}

LayerKind arithmeticKind() {
  LayerKind k;
  k.type = "Arithmetic";
  k.keywords = {"multiply", "subtract", "divide"};
  k.joins = true;
  k.syntax = "multiply NAME (or subtract, divide): the line before ×, − or ÷ the named layer's output, element by "
             "element; a size of 1 is repeated along its axis (one factor per channel scales a whole map, as in "
             "squeeze-and-excitation)";
  k.load = [](const LayerFields& f, const std::string& name) {
    ArithmeticOp op = ArithmeticOp::Multiply; // files before the other operations: "Multiply", no "op"
    try {
      if (f.j.contains("op")) op = arithmeticFromString(f.text("op"));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(f.where + ": " + e.what());
    }
    return std::unique_ptr<Layer>(std::make_unique<Arithmetic>(name, op));
  };
  k.plan = [](const LayerListLine& line) { return planArithmetic(line, arithmeticFromString(line.keyword)); };
  return k;
}

void Arithmetic::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                           const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  // ONNX's Add, Sub, Mul and Div broadcast as numpy does.
  const char* onnxOp = op_ == ArithmeticOp::Add        ? "Add"
                       : op_ == ArithmeticOp::Subtract ? "Sub"
                       : op_ == ArithmeticOp::Multiply ? "Mul"
                                                       : "Div";
  onnx.node(onnxOp, name(), inputs, output);
}

} // namespace convscope
