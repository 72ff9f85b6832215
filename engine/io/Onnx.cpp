// ONNX import: an ONNX graph's nodes become a Network's layers (OnnxExport.cpp writes them back).
#include "engine/io/Onnx.h"
#include "engine/io/FileText.h"

#include "engine/core/OutputSize.h"

#include "engine/layers/Activation.h"
#include "engine/layers/Add.h"
#include "engine/layers/BatchNorm.h"
#include "engine/layers/Concat.h"
#include "engine/layers/Conv2D.h"
#include "engine/layers/Dense.h"
#include "engine/layers/Dropout.h"
#include "engine/layers/Flatten.h"
#include "engine/layers/GlobalAvgPool.h"
#include "engine/layers/LayerKind.h"
#include "engine/layers/LocalResponseNorm.h"
#include "engine/layers/Arithmetic.h"
#include "engine/layers/ChannelShuffle.h"
#include "engine/layers/ChannelSlice.h"
#include "engine/layers/LayerNorm.h"
#include "engine/layers/ChannelScale.h"
#include "engine/layers/ConvTranspose2D.h"
#include "engine/layers/Upsample.h"
#include "engine/layers/PReLU.h"
#include "engine/layers/Clamp.h"
#include "engine/layers/Pad2D.h"
#include "engine/layers/ChannelShift.h"
#include "engine/layers/Pool2D.h"
#include "engine/layers/Softmax.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace convscope {

bool isOnnxPath(const std::string& path) {
  if (path.size() < 5) return false;
  std::string tail = path.substr(path.size() - 5);
  std::transform(tail.begin(), tail.end(), tail.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return tail == ".onnx";
}

const std::vector<OnnxOperator>& onnxOperatorTable() {
  static const std::vector<OnnxOperator> table{
      {"Conv", "Conv2D: groups (depthwise), dilations, strides, asymmetric pads, auto_pad; 2-D only"},
      {"ConvTranspose", "ConvTranspose2D: groups, dilations, strides, pads, output_padding (each below the stride); "
                        "2-D only"},
      {"Resize", "Upsample: nearest (PyTorch's: 'asymmetric', 'floor') or bilinear without align_corners "
                 "('pytorch_half_pixel'), by whole scales or to sizes"},
      {"Upsample", "Upsample nearest, by whole scales (before opset 10)"},
      {"PRelu", "PReLU: one learned slope, or one per channel (C, 1, 1)"},
      {"BatchNormalization", "BatchNorm (inference form: scale, bias, running mean and variance, epsilon, momentum)"},
      {"Relu", "Activation relu"},
      {"LeakyRelu", "Activation leaky-relu (alpha)"},
      {"Sigmoid", "Activation sigmoid"},
      {"Clip", "Activation relu6 (min 0, max 6) or relu (min 0, no max); any other bounds, Clamp"},
      {"Elu", "Activation elu (alpha)"},
      {"HardSigmoid", "Activation hard-sigmoid (alpha; beta 0.5)"},
      {"HardSwish", "Activation hard-swish"},
      {"Selu", "Activation selu (PyTorch's alpha and gamma, ONNX's defaults)"},
      {"Mul", "Activation silu or hard-swish: x times its own Sigmoid or HardSigmoid (alpha 1/6), as PyTorch writes "
              "nn.SiLU and nn.Hardswish before opset 14; else Arithmetic multiply: two network values with numpy "
              "broadcasting (a gate; maps times one factor per channel (N, C, 1, 1): squeeze-and-excitation; "
              "times (N, 1, H, W): a spatial attention); by a constant in GELU; by one "
              "constant per channel (or one number), ChannelScale (ConvNeXt's layer scale, x·2) or, right after "
              "F.layer_norm's nodes, its γ"},
      {"Div", "Activation gelu, with Erf, Add and Mul: x·(1 + erf(x/√2))·0.5 as PyTorch writes nn.GELU() (Div by "
              "√2, Erf, Add 1, Mul by x, Mul by 0.5); in LayerNorm's steps (see Sub); by one constant per channel (or one "
              "number), ChannelScale of its reciprocal (a baked-in normalization's / std); of two network values, "
              "Arithmetic divide (numpy broadcasting); of constants, evaluated"},
      {"Erf", "Activation gelu (the second of its five nodes; see Div)"},
      {"Tanh", "Activation tanh; in GELU's tanh form (x·x, ·x, ·0.044715, + x, ·√(2/π), Tanh, + 1, ·x, ·0.5, as PyTorch "
               "writes nn.GELU(approximate='tanh')), Activation gelu-tanh"},
      {"MaxPool", "Pool2D max: kernel, strides, pads, ceil_mode (no dilations, no indices output)"},
      {"AveragePool", "Pool2D average: kernel, strides, pads, ceil_mode, count_include_pad"},
      {"GlobalAveragePool", "GlobalAvgPool"},
      {"ReduceMean", "GlobalAvgPool, over height and width (with keepdims 0, then Flatten): x.mean([2, 3]); over "
                     "the last axis, a step of LayerNorm (see Sub)"},
      {"Pad", "zeros read by convolutions or average pooling become their padding; other fills, reflect and edge "
              "(and zeros read by anything else): Pad2D"},
      {"Add", "Add (two network values of one shape); Arithmetic add (two network values of different shapes, numpy "
              "broadcasting); the bias after a MatMul, GELU's + 1, or ChannelShift (one "
              "constant per channel, or one number); Add, Sub, Mul and Div of two constants are evaluated at import "
              "(shape arithmetic, numpy broadcasting)"},
      {"Concat", "Concat along the channels (axis 1)"},
      {"Flatten", "Flatten (axis 1)"},
      {"Reshape", "Flatten, when the shape is constant and flat: (batch, features); with Transpose, a channel "
                  "shuffle"},
      {"Transpose", "ChannelShuffle: maps reshaped to (N, G, C/G, H, W), perm 0, 2, 1, 3, 4, reshaped back to "
                    "(N, C, H, W), as ShuffleNet writes it; maps to channels-last (perm 0, 2, 3, 1) and back (0, 3, "
                    "1, 2) around ConvNeXt's layer normalization, MatMul, GELU and additions"},
      {"Slice", "ChannelSlice: a run of channels (axis 1, step 1), as x.chunk(2, dim=1) or x[:, a:b] write it"},
      {"Split", "ChannelSlice per output: parts along the channels (axis 1)"},
      {"Gemm", "Dense (transB 0 or 1, alpha and beta folded into the weights)"},
      {"MatMul", "Dense, by a constant matrix (an Add of a constant after it becomes its bias); of channels-last "
                 "maps, a 1×1 Conv2D (ConvNeXt's nn.Linear layers)"},
      {"Softmax", "Softmax over the features (axis 1 or −1 of a flat input)"},
      {"LayerNormalization", "LayerNorm over the last axis: the channels of channels-last maps (ConvNeXt), the "
                             "features of vectors"},
      {"Sub", "Arithmetic subtract: two network values (numpy broadcasting); ChannelScale by −1 and ChannelShift: "
              "one constant per channel (or one number) minus network values (a gate's 1 − g); ChannelShift: network "
              "values minus "
              "one constant per channel (or one number), as a baked-in "
              "normalization's x − mean; LayerNorm, with ReduceMean, Pow, Add, Sqrt and Div: F.layer_norm as PyTorch "
              "writes it before opset 17 (a Mul by γ and an Add of β after it are taken into the layer); Sub of "
              "constants is evaluated"},
      {"Pow", "LayerNorm (the squares of x − μ; see Sub)"},
      {"Sqrt", "LayerNorm (√(σ² + ε); see Sub)"},
      {"LRN", "LocalResponseNorm (size, alpha, beta, bias)"},
      {"Dropout", "Dropout (ratio; passes everything in evaluation)"},
      {"Identity", "nothing: its output is its input"},
      {"Constant", "a constant; with Shape, Gather, Unsqueeze, Squeeze, Concat, Reshape, Slice, Transpose, Cast and "
                   "ConstantOfShape on constants, evaluated at import (the shape arithmetic PyTorch writes)"},
  };
  return table;
}

namespace {

constexpr int64_t kMaxTensorElements = int64_t(1) << 30; // 4 GiB of floats
constexpr int64_t kMaxExternalBytes = int64_t(1) << 34;  // an external data file: 16 GiB, mapped, not read
constexpr int64_t kMaxFoldedElements = 4096;             // shape arithmetic works on small tensors
constexpr int64_t kMaxNodes = 100000;
constexpr int64_t kMaxWindow = 100000; // kernels, strides, dilations and padding, as ConvScope's input sizes

std::string supportedNames() {
  std::string names;
  for (const OnnxOperator& op : onnxOperatorTable()) names += (names.empty() ? "" : ", ") + op.name;
  return names + " (and Shape, Gather, Unsqueeze, Squeeze, Slice, Transpose, Cast, ConstantOfShape on constants)";
}

// Operators on constants only: the shape arithmetic PyTorch's exporter leaves in files.
const std::set<std::string>& foldableOperators() {
  static const std::set<std::string> ops{"Identity", "Gather",    "Unsqueeze", "Squeeze", "Concat",          "Reshape",
                                         "Slice",    "Transpose", "Cast",      "Shape",   "ConstantOfShape", "Flatten"};
  return ops;
}

const std::set<std::string>& knownOperators() {
  static const std::set<std::string> ops = [] {
    std::set<std::string> all = foldableOperators();
    for (const OnnxOperator& op : onnxOperatorTable()) all.insert(op.name);
    return all;
  }();
  return ops;
}

std::string dataTypeName(int type) {
  if (onnx::TensorProto_DataType_IsValid(type))
    return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(type));
  return "type " + std::to_string(type);
}

// A constant tensor: weights (float) or shape arithmetic (integers).
struct Constant {
  std::vector<int64_t> dims;
  bool integer = false;
  std::vector<float> f;   // when !integer and not stored
  std::vector<int64_t> i; // when integer
  // A large float initializer's values left where they are in the file (float32, little-endian,
  // `storedCount` of them): read when a layer takes them (floats()), never by an import of the
  // structure alone. The file outlives the import.
  const char* stored = nullptr;
  int64_t storedCount = 0;
  const MappedFile* file = nullptr;

  int64_t count() const { return stored ? storedCount : integer ? int64_t(i.size()) : int64_t(f.size()); }
  double at(int64_t k) const {
    if (stored) {
      float v;
      std::memcpy(&v, stored + 4 * k, 4);
      return v;
    }
    return integer ? double(i[size_t(k)]) : double(f[size_t(k)]);
  }
  // The float values, as a layer takes them: from the file when stored, a band at a time, each
  // band's pages let go of once copied (VGG-16's 411 MB fc6 never sits in memory twice).
  std::vector<float> floats() const {
    if (!stored) return f;
    std::vector<float> v(static_cast<size_t>(storedCount));
    constexpr int64_t kBand = int64_t(1) << 22; // floats: 16 MB
    for (int64_t k = 0; k < storedCount; k += kBand) {
      const int64_t n = std::min(kBand, storedCount - k);
      std::memcpy(v.data() + k, stored + 4 * k, size_t(4 * n));
      if (file) file->release(stored + 4 * k, size_t(4 * n));
    }
    return v;
  }
};

// The product of the dimensions, refused past kMaxTensorElements. Zeros are skipped in the bound,
// so no partial product of a checked shape overflows even when the shape holds no values at all.
int64_t checkedCount(const std::vector<int64_t>& dims, const std::string& what) {
  int64_t n = 1, bound = 1;
  for (int64_t d : dims) {
    if (d < 0) throw std::invalid_argument(what + " has a negative dimension " + std::to_string(d));
    if (d != 0 && bound > kMaxTensorElements / d)
      throw std::invalid_argument(what + " declares more than " + std::to_string(kMaxTensorElements) + " values");
    bound *= std::max<int64_t>(d, 1);
    n *= d;
  }
  return n;
}

Constant constantOf(const onnx::TensorProto& t, const std::string& what) {
  if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    throw std::invalid_argument(what + " keeps its values in an external file, which ConvScope does not read "
                                       "(export the model in one file)");
  Constant c;
  c.dims.assign(t.dims().begin(), t.dims().end());
  const int64_t n = checkedCount(c.dims, what);
  const std::string& raw = t.raw_data();
  const auto fromRaw = [&](size_t width, auto convert) {
    if (int64_t(raw.size()) != n * int64_t(width))
      throw std::invalid_argument(what + " declares " + std::to_string(n) + " values but holds " +
                                  std::to_string(raw.size()) + " bytes (the file is damaged)");
    for (int64_t k = 0; k < n; ++k) convert(raw.data() + size_t(k) * width);
  };
  const auto needCount = [&](int64_t have) {
    if (have != n)
      throw std::invalid_argument(what + " declares " + std::to_string(n) + " values but holds " +
                                  std::to_string(have) + " (the file is damaged)");
  };
  switch (t.data_type()) {
  case onnx::TensorProto_DataType_FLOAT:
    c.f.reserve(size_t(n));
    if (t.has_raw_data())
      fromRaw(4, [&](const char* p) {
        float v;
        std::memcpy(&v, p, 4);
        c.f.push_back(v);
      });
    else
      needCount(t.float_data_size()), c.f.assign(t.float_data().begin(), t.float_data().end());
    break;
  case onnx::TensorProto_DataType_DOUBLE:
    if (t.has_raw_data())
      fromRaw(8, [&](const char* p) {
        double v;
        std::memcpy(&v, p, 8);
        c.f.push_back(float(v));
      });
    else
      needCount(t.double_data_size()), c.f.assign(t.double_data().begin(), t.double_data().end());
    break;
  case onnx::TensorProto_DataType_INT64:
    c.integer = true;
    if (t.has_raw_data())
      fromRaw(8, [&](const char* p) {
        int64_t v;
        std::memcpy(&v, p, 8);
        c.i.push_back(v);
      });
    else
      needCount(t.int64_data_size()), c.i.assign(t.int64_data().begin(), t.int64_data().end());
    break;
  case onnx::TensorProto_DataType_INT32:
  case onnx::TensorProto_DataType_BOOL:
    c.integer = true;
    if (t.has_raw_data()) {
      const size_t width = t.data_type() == onnx::TensorProto_DataType_BOOL ? 1 : 4;
      fromRaw(width, [&](const char* p) {
        int32_t v = 0;
        if (width == 1)
          v = *p != 0;
        else
          std::memcpy(&v, p, 4);
        c.i.push_back(v);
      });
    } else {
      needCount(t.int32_data_size()), c.i.assign(t.int32_data().begin(), t.int32_data().end());
    }
    break;
  default:
    throw std::invalid_argument(what + " holds " + dataTypeName(t.data_type()) +
                                " values; ConvScope reads FLOAT, DOUBLE, INT64, INT32 and BOOL tensors");
  }
  return c;
}

// The model's bytes with its large initializers' values left in the file. The protobuf
// classes copy every byte they parse (a 528 MB VGG-16 became two more copies of its weights
// before a layer held one); this walks the wire format of ModelProto.graph (field 7) →
// GraphProto.initializer (5) → TensorProto.raw_data (9), notes where each large raw_data lies
// in the file and writes the model without them (one byte each, so the checker still sees
// one value field), a few hundred KB that parse at once.
struct Skeleton {
  std::string bytes;
  std::vector<std::string_view> payloads; // per initializer, in the graph's order: its raw_data in the file, or empty
};

constexpr size_t kStoredBytes = 64 * 1024; // raw_data from this size stays in the file

class WireReader {
public:
  WireReader(const char* begin, const char* end) : p_(begin), end_(end) {}
  bool done() const { return p_ >= end_; }
  const char* position() const { return p_; }
  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) return false;
      const uint8_t b = uint8_t(*p_++);
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  // One field: its number, wire type and, for length-delimited ones, its payload; the bytes
  // it spans from its tag. False for a damaged or truncated message (or a group).
  bool field(uint64_t& number, int& wire, std::string_view& payload, std::string_view& whole) {
    const char* start = p_;
    uint64_t key;
    if (!varint(key)) return false;
    number = key >> 3, wire = int(key & 7);
    uint64_t v;
    switch (wire) {
    case 0:
      if (!varint(v)) return false;
      break;
    case 1:
    case 5:
      if (size_t(end_ - p_) < size_t(wire == 1 ? 8 : 4)) return false;
      p_ += wire == 1 ? 8 : 4;
      break;
    case 2:
      if (!varint(v) || v > uint64_t(end_ - p_)) return false;
      payload = std::string_view(p_, size_t(v));
      p_ += v;
      break;
    default:
      return false;
    }
    whole = std::string_view(start, size_t(p_ - start));
    return true;
  }

private:
  const char* p_;
  const char* end_;
};

void appendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) out.push_back(char(uint8_t(v) | 0x80)), v >>= 7;
  out.push_back(char(v));
}

// Copies the message [begin, end) into out, field by field, with the length-delimited fields
// numbered `number` rewritten by `rewrite`. False for a damaged message.
template <class Rewrite>
bool copyMessage(std::string_view message, std::string& out, uint64_t number, Rewrite rewrite) {
  WireReader r(message.data(), message.data() + message.size());
  while (!r.done()) {
    uint64_t n;
    int wire;
    std::string_view payload, whole;
    if (!r.field(n, wire, payload, whole)) return false;
    if (n == number && wire == 2) {
      std::string inner;
      if (!rewrite(payload, inner)) return false;
      appendVarint(out, (n << 3) | 2);
      appendVarint(out, inner.size());
      out += inner;
    } else {
      out.append(whole.data(), whole.size());
    }
  }
  return true;
}

bool skeletonOf(std::string_view model, Skeleton& skeleton) {
  skeleton.bytes.reserve(1 << 20);
  const auto tensor = [&](std::string_view t, std::string& out) {
    std::string_view stored;
    const bool ok = copyMessage(t, out, 9, [&](std::string_view raw, std::string& kept) {
      if (raw.size() < kStoredBytes) {
        kept.assign(raw.data(), raw.size());
      } else {
        stored = raw;
        kept.assign(1, '\0');
      }
      return true;
    });
    skeleton.payloads.push_back(stored);
    return ok;
  };
  const auto graph = [&](std::string_view g, std::string& out) { return copyMessage(g, out, 5, tensor); };
  return copyMessage(model, skeleton.bytes, 7, graph);
}

// A value while the graph is read: a network node's output (or the input, node −1), a
// constant, or a node's output waiting for a Pad to be folded into the layer that reads it.
struct Value {
  // Refused: from a node ConvScope cannot run. GeluPart: a step of GELU as PyTorch writes it,
  // x/√2 → Erf → + 1 → · x → · ½, on network node `node` (`step` 1 to 4 done); the last
  // step makes one GELU layer. ChannelGroups: node `node`'s maps reshaped to (N, G, C/G, H, W),
  // `groups` G, and `swapped` once a Transpose has exchanged axes 1 and 2: the reshape back to
  // (N, C, H, W) makes a channel shuffle.
  // LayerNormPart: a step of layer normalization as PyTorch writes F.layer_norm before opset
  // 17, over the last axis of node `node`'s values (`step` counts the steps: 1 the mean, 2
  // x − mean, 3 its squares, 4 their mean, 5 + ε (`epsilon`), 6 its square root); Div of step
  // 2 by step 6 makes one LayerNorm layer.
  // GeluTanhPart: a step of GELU's tanh form as PyTorch writes it (x·x, ·x, ·0.044715, + x,
  // ·√(2/π), Tanh, + 1, ·x, ·0.5; `step` 1 to 8 done); the ninth makes one layer.
  enum class Kind { Node, Constant, Padded, Refused, GeluPart, ChannelGroups, LayerNormPart, GeluTanhPart } kind = Kind::Node;
  int node = -1;
  int step = 0; // how far a composite (GeluPart, LayerNormPart, GeluTanhPart) has come
  int64_t groups = 0;
  bool swapped = false;
  double epsilon = 0.0;
  // The node's maps seen channels-last, (N, H, W, C), after a Transpose with perm 0, 2, 3, 1
  // (ConvNeXt's blocks): the tensor is the node's own, in ConvScope's (N, C, H, W).
  bool channelsLast = false;
  Constant constant;
  std::array<int64_t, 4> pads{}; // Padded: top, bottom, left, right
  std::string padNode;           // Padded: the Pad node's name
};

// A node's attributes, read with checks; unknown ones are refused.
class Attributes {
public:
  Attributes(const onnx::NodeProto& node, std::initializer_list<const char*> known) {
    for (const onnx::AttributeProto& a : node.attribute()) {
      if (std::find_if(known.begin(), known.end(), [&](const char* k) { return a.name() == k; }) == known.end())
        throw std::invalid_argument("attribute '" + a.name() + "' of " + node.op_type() +
                                    " is not supported by ConvScope");
      byName_[a.name()] = &a;
    }
  }
  bool has(const std::string& name) const { return byName_.count(name) > 0; }
  int64_t integer(const std::string& name, int64_t fallback) const {
    const onnx::AttributeProto* a = get(name, onnx::AttributeProto_AttributeType_INT);
    return a ? a->i() : fallback;
  }
  float number(const std::string& name, float fallback) const {
    const onnx::AttributeProto* a = get(name, onnx::AttributeProto_AttributeType_FLOAT);
    return a ? a->f() : fallback;
  }
  std::string text(const std::string& name, const std::string& fallback) const {
    const onnx::AttributeProto* a = get(name, onnx::AttributeProto_AttributeType_STRING);
    return a ? a->s() : fallback;
  }
  std::vector<int64_t> integers(const std::string& name, std::vector<int64_t> fallback) const {
    const onnx::AttributeProto* a = get(name, onnx::AttributeProto_AttributeType_INTS);
    if (!a) return fallback;
    if (a->ints_size() > 64) throw std::invalid_argument("attribute '" + name + "' has too many values");
    return {a->ints().begin(), a->ints().end()};
  }
  const onnx::TensorProto* tensor(const std::string& name) const {
    const onnx::AttributeProto* a = get(name, onnx::AttributeProto_AttributeType_TENSOR);
    return a ? &a->t() : nullptr;
  }

private:
  const onnx::AttributeProto* get(const std::string& name, onnx::AttributeProto_AttributeType type) const {
    const auto it = byName_.find(name);
    if (it == byName_.end()) return nullptr;
    if (it->second->type() != type && it->second->type() != onnx::AttributeProto_AttributeType_UNDEFINED)
      throw std::invalid_argument("attribute '" + name + "' has the wrong type");
    return it->second;
  }
  std::map<std::string, const onnx::AttributeProto*> byName_;
};

// A number of shape arithmetic as a whole number, clamped to ±2⁶² so that converting a double
// near 2⁶³ is defined and sums of two cannot overflow.
int64_t wholeNumber(double d) {
  constexpr double most = double(int64_t(1) << 62);
  return std::isnan(d) ? 0 : int64_t(std::clamp(d, -most, most));
}

// Numbers of a small constant as doubles, for shape arithmetic.
std::vector<double> numbersOf(const Constant& c) {
  if (c.count() > kMaxFoldedElements)
    throw std::invalid_argument("shape arithmetic on a constant of " + std::to_string(c.count()) + " values");
  std::vector<double> v(size_t(c.count()));
  for (int64_t k = 0; k < c.count(); ++k) v[size_t(k)] = c.at(k);
  return v;
}

// An input that must hold one number (Clip's bounds, Dropout's ratio, Pad's value): an empty
// or longer tensor is refused (the fuzzer's empty Clip bound escaped as std::out_of_range).
double scalarOf(const Constant& c, const std::string& what) {
  if (c.count() != 1) throw std::invalid_argument(what + " must be one number, not " + std::to_string(c.count()));
  return c.at(0);
}

Constant constantFrom(std::vector<int64_t> dims, const std::vector<double>& values, bool integer) {
  Constant c;
  c.dims = std::move(dims);
  c.integer = integer;
  for (double v : values) {
    if (integer)
      c.i.push_back(v >= 9.2e18    ? std::numeric_limits<int64_t>::max()
                    : v <= -9.2e18 ? std::numeric_limits<int64_t>::min()
                                   : int64_t(v));
    else
      c.f.push_back(float(v));
  }
  return c;
}

int64_t normalizedAxis(int64_t axis, int64_t rank, const std::string& what) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    throw std::invalid_argument(what + " axis " + std::to_string(axis) + " is outside a rank-" + std::to_string(rank) +
                                " tensor");
  return axis < 0 ? axis + rank : axis;
}

// Strides of a row-major tensor.
std::vector<int64_t> stridesOf(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (int k = int(dims.size()) - 2; k >= 0; --k) s[size_t(k)] = s[size_t(k) + 1] * dims[size_t(k) + 1];
  return s;
}

// A PyTorch node name's module path and operator: "/layer1/layer1.0/conv1/Conv" →
// {"layer1.0.conv1", "Conv"}, "/features/features.0/Conv" → {"features.0", "Conv"},
// "/Relu_1" → {"", "Relu_1"}; a name not in that form is all operator.
std::pair<std::string, std::string> scopeOf(const std::string& full) {
  if (full.empty() || full[0] != '/') return {"", full};
  std::vector<std::string> parts;
  std::stringstream in(full.substr(1));
  for (std::string part; std::getline(in, part, '/');)
    if (!part.empty()) parts.push_back(part);
  if (parts.empty()) return {"", ""};
  const std::string op = parts.back();
  parts.pop_back();
  std::string scope;
  for (const std::string& part : parts)
    scope = scope.empty() || part.rfind(scope + ".", 0) == 0 ? part : scope + "." + part;
  return {scope, op};
}

std::string lowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

// The checker's "Unrecognized attribute: wobble for operator Conv\n\n==> Context: Bad node
// spec for node. Name: odd_conv OpType: Conv" as one line naming the node first.
std::string checkerMessage(std::string what) {
  const size_t context = what.find("==> Context:");
  std::string node;
  if (context != std::string::npos) {
    const size_t name = what.find("Name: ", context), type = what.find(" OpType: ", context);
    if (name != std::string::npos && type != std::string::npos && type > name)
      node = "node '" + what.substr(name + 6, type - name - 6) + "' (" + what.substr(type + 9) + "): ";
    what = what.substr(0, context);
  }
  for (char& c : what)
    if (c == '\n') c = ' ';
  while (!what.empty() && what.back() == ' ') what.pop_back();
  if (what.size() > 400) what = what.substr(0, 400) + "…";
  std::string line = node + what;
  line.erase(std::remove(line.begin(), line.end(), '\n'), line.end());
  return line;
}

// The operators a file needs that ConvScope cannot run, in the order first met: how many
// nodes each, the first one's name and why.
class Blockers {
public:
  void add(const std::string& op, const std::string& node, const std::string& why) {
    auto [it, added] = byOperator_.try_emplace(op);
    if (added) order_.push_back(op), it->second.node = node, it->second.why = why;
    ++it->second.count;
  }
  bool empty() const { return order_.empty(); }
  // "cannot run 3 of its operators: Elu ×2 (first node 'elu1': …); HardSwish ×1 (…). ConvScope reads: …"
  std::string text() const {
    std::string list;
    for (const std::string& op : order_) {
      const Entry& e = byOperator_.at(op);
      list += (list.empty() ? "" : "; ") + op + " ×" + std::to_string(e.count) + " (first node '" + e.node +
              "': " + e.why + ")";
    }
    return (order_.size() == 1 ? "ConvScope cannot run one of its operators: "
                               : "ConvScope cannot run " + std::to_string(order_.size()) +
                                     " of its operators, all listed here: ") +
           list +
           ". ConvScope reads: " + supportedNames();
  }

private:
  struct Entry {
    int count = 0;
    std::string node, why;
  };
  std::map<std::string, Entry> byOperator_;
  std::vector<std::string> order_;
};

// Why an operator ConvScope does not know is refused: the ones that are not about
// convolutional networks by what they are.
std::string unsupportedReason(const std::string& op) {
  static const std::map<std::string, std::string> outside{
      {"LSTM", "a recurrent layer (long short-term memory)"},
      {"GRU", "a recurrent layer (gated recurrent unit)"},
      {"RNN", "a recurrent layer"},
      {"Attention", "attention"},
      {"MultiHeadAttention", "attention"},
      {"com.microsoft.Attention", "attention"},
      {"com.microsoft.MultiHeadAttention", "attention"},
      {"Loop", "a loop over a subgraph"},
      {"If", "a branch into subgraphs"},
      {"Scan", "a scan over a subgraph"},
  };
  const auto it = outside.find(op);
  if (it != outside.end()) return it->second + ": not part of a convolutional network, which is what ConvScope opens";
  return "not an operator ConvScope implements";
}

class Importer {
public:
  Importer(std::string source, const OnnxImportOptions& options) : source_(std::move(source)), options_(options) {}

  // `file`, when given, holds `bytes` (the large initializers' values are read from it as the
  // layers take them, and let go of).
  Model run(std::string_view bytes, const MappedFile* file) {
    if (bytes.empty()) fail("the file is empty: not an ONNX model");
    if (int64_t(bytes.size()) > kMaxOnnxBytes)
      fail("the file is " + std::to_string(bytes.size() >> 20) + " MiB; ConvScope reads ONNX files up to " +
           std::to_string(kMaxOnnxBytes >> 20) + " MiB");
    // The structure alone: convolutions and fully connected layers without weights, and the
    // large initializers never read from the file.
    std::optional<StructureOnly> structure;
    if (options_.structureOnly) structure.emplace();
    Skeleton skeleton;
    onnx::ModelProto model;
    if (!skeletonOf(bytes, skeleton) || !model.ParseFromString(skeleton.bytes))
      fail("not an ONNX model, or a damaged or truncated one (the protobuf could not be read)");
    if (!model.has_graph() || model.graph().node_size() == 0) fail("not an ONNX model: it holds no graph of nodes");
    opset_ = 0;
    for (const onnx::OperatorSetIdProto& o : model.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = o.version();
    if (opset_ == 0) fail("not an ONNX model ConvScope reads: it imports no operator set of the default domain");
    if (opset_ < 7 || opset_ > 17)
      fail("operator set " + std::to_string(opset_) + " is not supported (ConvScope reads opsets 7 to 17)");
    const bool external = std::any_of(model.graph().initializer().begin(), model.graph().initializer().end(),
                                      [](const onnx::TensorProto& t) {
                                        return t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL;
                                      });
    if (external && options_.folder.empty())
      fail("its weights are in external data files, which are read from the model's folder: open the .onnx file "
           "itself");
    try {
      if (external) // the checker finds the data files from the model's own path
        onnx::checker::check_model(source_);
      else
        onnx::checker::check_model(model);
    } catch (const std::exception& e) {
      fail("the ONNX checker refuses the model: " + checkerMessage(e.what()));
    }
    const onnx::GraphProto& graph = model.graph();
    if (graph.node_size() > kMaxNodes) fail("the graph has more than " + std::to_string(kMaxNodes) + " nodes");
    for (int k = 0; k < graph.initializer_size(); ++k) {
      const onnx::TensorProto& t = graph.initializer(k);
      const std::string what = "initializer '" + t.name() + "'";
      const std::string_view stored =
          size_t(k) < skeleton.payloads.size() ? skeleton.payloads[size_t(k)] : std::string_view();
      if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
        values_[t.name()] = constantValue(externalConstant(t, what));
      else
        values_[t.name()] = constantValue(stored.empty() ? constantOf(t, what) : storedConstant(t, stored, file, what));
    }
    readInput(graph);
    for (const onnx::NodeProto& node : graph.node()) {
      for (const std::string& in : node.input()) ++readers_[in], consumers_[in].push_back(&node);
      if (node.op_type() != "Constant") ++scopeOperators_[scopeOf(node.name()).first];
    }
    // Every node is tried, so that one refusal names every operator the file needs that
    // ConvScope cannot run (with its count and first node), not only the first: a node that
    // fails is a blocker, and the values it would compute are refused too, so the nodes that
    // read them are consequences, not counted.
    Blockers blockers;
    for (const onnx::NodeProto& node : graph.node()) {
      const bool otherDomain = !node.domain().empty() && node.domain() != "ai.onnx";
      const std::string op = otherDomain ? node.domain() + "." + node.op_type() : node.op_type();
      const auto refuse = [&](const std::string& why) {
        blockers.add(op, node.name(), why);
        for (const std::string& out : node.output()) values_[out].kind = Value::Kind::Refused;
      };
      if (otherDomain || !knownOperators().count(op)) {
        refuse(unsupportedReason(op));
        continue;
      }
      if (std::any_of(node.input().begin(), node.input().end(), [this](const std::string& in) {
            const auto it = values_.find(in);
            return it != values_.end() && it->second.kind == Value::Kind::Refused;
          })) {
        for (const std::string& out : node.output()) values_[out].kind = Value::Kind::Refused;
        continue;
      }
      for (const std::string& in : node.input()) {
        const auto it = values_.find(in);
        if (it != values_.end() && it->second.kind != Value::Kind::Constant && it->second.node >= 0)
          --pendingReads_[it->second.node];
      }
      try {
        convert(node);
      } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        if (what.rfind(source_ + ": ", 0) == 0) throw;
        refuse(what);
      }
    }
    if (!blockers.empty()) fail(blockers.text());
    if (graph.output_size() != 1)
      fail("the graph has " + std::to_string(graph.output_size()) + " outputs; ConvScope's networks have one");
    const std::string& outputName = graph.output(0).name();
    const Value& out = value(outputName);
    if (out.kind != Value::Kind::Node || out.node < 0)
      fail("the output '" + outputName + "' is not computed from the input by any layer");
    if (out.channelsLast)
      fail("the output '" + outputName + "' is channels-last (N, H, W, C); ConvScope's networks end in (N, C, H, W) "
           "maps or (N, F) vectors");
    if (size_t(out.node) + 1 != network_->size())
      fail("the output '" + outputName + "' comes from layer '" + network_->layer(size_t(out.node)).name() +
           "', but later nodes do not lead to it (ConvScope's networks end in their output)");
    Model result{std::move(*network_), {}, true};
    const Shape& in = result.network.inputShape();
    if (in.rank() == 3) result.info.preprocess = plainPreprocess(in);
    readMetadata(model, result);
    return result;
  }

private:
  [[noreturn]] void fail(const std::string& what) const { throw std::invalid_argument(source_ + ": " + what); }

  // An initializer whose values stayed in the file (Skeleton): float32 ones are read when a
  // layer takes them; another type is read at once, as it would have been.
  static Constant storedConstant(const onnx::TensorProto& t, std::string_view raw, const MappedFile* file,
                                 const std::string& what) {
    if (t.data_type() != onnx::TensorProto_DataType_FLOAT || t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL) {
      onnx::TensorProto whole = t;
      whole.set_raw_data(std::string(raw));
      return constantOf(whole, what);
    }
    Constant c;
    c.dims.assign(t.dims().begin(), t.dims().end());
    const int64_t n = checkedCount(c.dims, what);
    if (int64_t(raw.size()) != 4 * n)
      throw std::invalid_argument(what + " declares " + std::to_string(n) + " values but holds " +
                                  std::to_string(raw.size()) + " bytes (the file is damaged)");
    c.stored = raw.data(), c.storedCount = n, c.file = file;
    return c;
  }

  // An initializer kept in an external data file (ONNX's form for models over 2 GB, or any model
  // saved with save_as_external_data): "location" relative to the model's folder (no absolute
  // path, no ".."), "offset" and "length" in bytes. The file is mapped, not read; float32 values
  // are read as a layer takes them, as for the model's own file.
  Constant externalConstant(const onnx::TensorProto& t, const std::string& what) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const onnx::StringStringEntryProto& e : t.external_data()) {
      try {
        if (e.key() == "location") location = e.value();
        else if (e.key() == "offset") offset = std::stoll(e.value());
        else if (e.key() == "length") length = std::stoll(e.value());
      } catch (const std::exception&) {
        throw std::invalid_argument(what + ": external data " + e.key() + " '" + e.value() + "' is not a number");
      }
    }
    if (location.empty()) throw std::invalid_argument(what + " is in external data without a location");
    const std::filesystem::path relative(location);
    if (relative.is_absolute() || std::any_of(relative.begin(), relative.end(), [](const auto& p) { return p == ".."; }))
      throw std::invalid_argument(what + ": external data '" + location +
                                  "' must be a file in the model's folder or below it");
    auto& mapped = externalFiles_[location];
    if (!mapped)
      mapped = std::make_unique<MappedFile>((std::filesystem::path(options_.folder) / relative).string(),
                                            kMaxExternalBytes, "ONNX external data files");
    Constant c;
    c.dims.assign(t.dims().begin(), t.dims().end());
    const int64_t n = checkedCount(c.dims, what);
    const int64_t size = int64_t(mapped->size());
    if (length < 0) length = size - offset;
    if (offset < 0 || length < 0 || offset > size || length > size - offset)
      throw std::invalid_argument(what + ": " + std::to_string(length) + " bytes from byte " + std::to_string(offset) +
                                  " of '" + location + "', which holds " + std::to_string(size));
    const std::string_view raw(mapped->data() + offset, size_t(length));
    if (t.data_type() == onnx::TensorProto_DataType_FLOAT) {
      if (length != 4 * n)
        throw std::invalid_argument(what + " declares " + std::to_string(n) + " values but its external data holds " +
                                    std::to_string(length) + " bytes");
      c.stored = raw.data(), c.storedCount = n, c.file = mapped.get();
      return c;
    }
    onnx::TensorProto whole = t;
    whole.clear_external_data();
    whole.set_data_location(onnx::TensorProto_DataLocation_DEFAULT);
    whole.set_raw_data(std::string(raw));
    return constantOf(whole, what);
  }

  // The model's own description in metadata_props (scripts/export-torchvision.py writes it):
  // "class_names" (a JSON array of strings, one per output), "mean" and "std" (JSON arrays,
  // one number per input channel, on the [0, 1] scale, as torchvision's transforms take
  // them). A key that is present but wrong is refused, naming it; other keys are ignored.
  void readMetadata(const onnx::ModelProto& model, Model& result) const {
    std::vector<float> mean, stddev;
    const int64_t channels = result.network.inputShape().rank() == 3 ? result.network.inputShape()[0] : 0;
    const auto numbers = [&](const std::string& key, const std::string& text) {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(text);
      } catch (const std::exception&) {
        fail("metadata '" + key + "' is not a JSON array of numbers: " + text.substr(0, 80));
      }
      if (!j.is_array() || int64_t(j.size()) != channels)
        fail("metadata '" + key + "' must hold one number per input channel (" + std::to_string(channels) + ")");
      std::vector<float> v;
      for (const auto& x : j) {
        if (!x.is_number() || !std::isfinite(x.get<double>())) fail("metadata '" + key + "' holds a value that is not a number");
        v.push_back(x.get<float>());
      }
      return v;
    };
    for (const onnx::StringStringEntryProto& entry : model.metadata_props()) {
      if (entry.key() == "class_names") {
        nlohmann::json j;
        try {
          j = nlohmann::json::parse(entry.value());
        } catch (const std::exception&) {
          fail("metadata 'class_names' is not a JSON array of names");
        }
        if (!j.is_array()) fail("metadata 'class_names' is not a JSON array of names");
        std::vector<std::string> names;
        for (const auto& x : j) {
          if (!x.is_string()) fail("metadata 'class_names' holds an entry that is not a name");
          names.push_back(x.get<std::string>());
        }
        const Shape out = result.network.outputShape(1); // (1, K)
        if (out.rank() != 2 || out[1] != int64_t(names.size()))
          fail("metadata 'class_names' names " + std::to_string(names.size()) + " classes but the network has " +
               out.toString() + " outputs");
        result.info.classNames = std::move(names);
      } else if (entry.key() == "mean") {
        mean = numbers("mean", entry.value());
      } else if (entry.key() == "std") {
        stddev = numbers("std", entry.value());
        for (float d : stddev)
          if (!(d > 0)) fail("metadata 'std' must be positive");
      }
    }
    if (mean.empty() != stddev.empty()) fail("metadata gives '" + std::string(mean.empty() ? "std" : "mean") + "' without '" + (mean.empty() ? "mean" : "std") + "'");
    if (!mean.empty() && result.info.preprocess) result.info.preprocess->mean = mean, result.info.preprocess->stddev = stddev;
  }

  static Value constantValue(Constant c) {
    Value v;
    v.kind = Value::Kind::Constant;
    v.constant = std::move(c);
    return v;
  }

  void readInput(const onnx::GraphProto& graph) {
    std::set<std::string> initializers;
    for (const onnx::TensorProto& t : graph.initializer()) initializers.insert(t.name());
    const onnx::ValueInfoProto* input = nullptr;
    int count = 0;
    for (const onnx::ValueInfoProto& v : graph.input())
      if (!initializers.count(v.name())) input = &v, ++count;
    if (count != 1)
      fail("the graph has " + std::to_string(count) + " inputs; ConvScope's networks read one image or vector");
    const std::string what = "the input '" + input->name() + "'";
    if (!input->type().has_tensor_type()) fail(what + " is not a tensor");
    const onnx::TypeProto_Tensor& t = input->type().tensor_type();
    if (t.elem_type() != onnx::TensorProto_DataType_FLOAT)
      fail(what + " holds " + dataTypeName(t.elem_type()) + " values; ConvScope's networks read FLOAT");
    if (!t.has_shape()) fail(what + " has no shape");
    const int rank = t.shape().dim_size();
    if (rank != 4 && rank != 2)
      fail(what + " has rank " + std::to_string(rank) +
           "; ConvScope reads images (batch, channels, height, width) or vectors (batch, features)");
    std::vector<int64_t> dims;
    for (int k = 1; k < rank; ++k) {
      const auto& d = t.shape().dim(k);
      if (!d.has_dim_value() || d.dim_value() < 1 || d.dim_value() > 100000)
        fail(what + ": dimension " + std::to_string(k) + " is " +
             (d.has_dim_param() ? "'" + d.dim_param() + "' (not fixed)" : std::to_string(d.dim_value())) +
             "; ConvScope needs a fixed size, 1 to 100000, for every dimension but the batch");
      dims.push_back(d.dim_value());
    }
    checkedCount(dims, what);
    network_.emplace(Shape(dims));
    Value v;
    v.node = -1;
    values_[input->name()] = v;
  }

  const Value& value(const std::string& name) const {
    const auto it = values_.find(name);
    if (it == values_.end()) throw std::invalid_argument("reads '" + name + "', which no earlier node computes");
    return it->second;
  }
  const Constant& constant(const onnx::NodeProto& node, int k, const std::string& what) const {
    if (k >= node.input_size() || node.input(k).empty()) throw std::invalid_argument("has no " + what);
    const Value& v = value(node.input(k));
    if (v.kind != Value::Kind::Constant)
      throw std::invalid_argument("its " + what + " '" + node.input(k) + "' is computed by the network; ConvScope " +
                                  "needs it to be a constant");
    return v.constant;
  }
  bool hasInput(const onnx::NodeProto& node, int k) const { return k < node.input_size() && !node.input(k).empty(); }
  // The network node an input reads (a Pad waiting to be folded is refused unless allowed).
  // Channels-last values are refused unless `channelsLastAllowed` (the converters that read
  // them: activations, additions, layer normalization, MatMul over the channels).
  const Value& nodeInput(const onnx::NodeProto& node, int k, bool padAllowed = false,
                         bool channelsLastAllowed = false) const {
    if (!hasInput(node, k)) throw std::invalid_argument("has no input " + std::to_string(k + 1));
    const Value& v = value(node.input(k));
    if (v.kind == Value::Kind::Constant)
      throw std::invalid_argument("input '" + node.input(k) +
                                  "' is a constant; ConvScope computes this operator on the network's values only");
    if (v.kind == Value::Kind::GeluTanhPart)
      throw std::invalid_argument("reads '" + node.input(k) + "', a step of GELU's tanh form x·(1 + tanh(√(2/π)·(x + "
                                  "0.044715·x³)))/2 that other nodes must finish first; ConvScope reads it whole, as "
                                  "PyTorch writes nn.GELU(approximate='tanh')");
    if (v.kind == Value::Kind::GeluPart)
      throw std::invalid_argument("reads '" + node.input(k) + "', a step of GELU's x·(1 + erf(x/√2))/2 that other "
                                  "nodes must finish first; ConvScope reads GELU whole, as PyTorch writes it");
    if (v.kind == Value::Kind::LayerNormPart)
      throw std::invalid_argument("reads '" + node.input(k) + "', a step of layer normalization (ReduceMean, Sub, Pow, "
                                  "ReduceMean, Add ε, Sqrt, Div) that other nodes must finish first; ConvScope reads "
                                  "it whole, as PyTorch writes F.layer_norm");
    if (v.channelsLast && !channelsLastAllowed)
      throw std::invalid_argument("reads '" + node.input(k) + "', maps transposed to channels-last (N, H, W, C: a "
                                  "Transpose with perm 0, 2, 3, 1); ConvScope reads those only in layer normalization "
                                  "over the channels, MatMul over the channels, activations, additions and the "
                                  "Transpose back (perm 0, 3, 1, 2), as ConvNeXt's blocks");
    if (v.kind == Value::Kind::ChannelGroups)
      throw std::invalid_argument("reads '" + node.input(k) + "', maps viewed as " + std::to_string(v.groups) +
                                  " groups of channels (N, G, C/G, H, W); ConvScope reads such a view only in a "
                                  "channel shuffle: Transpose with perm 0, 2, 1, 3, 4, then Reshape back to (N, C, H, W)");
    if (v.kind == Value::Kind::Padded && !padAllowed)
      throw std::invalid_argument("reads the output of Pad node '" + v.padNode +
                                  "'; ConvScope supports a Pad only right before a convolution or an average pooling "
                                  "that counts padding (it becomes their padding)");
    return v;
  }
  Shape shapeOf(int node) const { return node < 0 ? network_->batchInputShape(1) : shapes_[size_t(node)]; }

  // PyTorch-style layer names: a layer with weights is named after them ("block.conv1.weight"
  // → "block.conv1"); another after its module ("features.1" when the module computes this
  // one operator, "block.relu_1" when it computes several), "relu" at the top.
  std::string baseName(const onnx::NodeProto& node, const std::string& weightName) const {
    std::string name;
    if (weightName.size() > 7 && weightName.compare(weightName.size() - 7, 7, ".weight") == 0 &&
        weightName.rfind("onnx::", 0) != 0) {
      name = weightName.substr(0, weightName.size() - 7);
    } else {
      const auto [scope, op] = scopeOf(node.name());
      const auto it = scopeOperators_.find(scope);
      if (!scope.empty() && it != scopeOperators_.end() && it->second == 1)
        name = scope;
      else if (!op.empty())
        name = scope.empty() ? lowerCase(op) : scope + "." + lowerCase(op);
      else
        name = lowerCase(node.op_type());
    }
    for (char& ch : name)
      if (std::isspace(static_cast<unsigned char>(ch)) || ch == '#') ch = '_';
    return name.empty() || name == "input" ? name + "_layer" : name;
  }

  // A layer made of several nodes (GELU's five, F.layer_norm's seven): named after the module
  // that wrote them ("block.4", PyTorch's own name for that nn.GELU), else as its last node.
  std::string compositeName(const onnx::NodeProto& node) const {
    const std::string scope = scopeOf(node.name()).first;
    return scope.empty() || scope == "input" ? baseName(node, "") : scope;
  }

  std::string uniqueName(const std::string& base) {
    std::string name = base;
    for (int k = 2; names_.count(name); ++k) name = base + "_" + std::to_string(k);
    names_.insert(name);
    return name;
  }

  int add(std::unique_ptr<Layer> layer, const std::vector<int>& inputs) {
    std::vector<std::string> names;
    std::vector<Shape> in;
    for (int i : inputs) {
      names.push_back(i < 0 ? "input" : network_->layer(size_t(i)).name());
      in.push_back(shapeOf(i));
    }
    const Shape out = layer->nodeOutputShape(in);
    network_->add(std::move(layer), names);
    shapes_.push_back(out);
    return int(network_->size()) - 1;
  }
  void produce(const onnx::NodeProto& node, int networkNode) {
    if (node.output_size() < 1 || node.output(0).empty()) throw std::invalid_argument("has no output");
    for (int k = 1; k < node.output_size(); ++k)
      if (!node.output(k).empty() && readers_[node.output(k)] > 0)
        throw std::invalid_argument("its output " + std::to_string(k + 1) + " ('" + node.output(k) +
                                    "') is read by the graph; ConvScope computes the first output only");
    Value v;
    v.node = networkNode;
    for (const std::string& in : node.input()) { // an element-wise layer on channels-last values keeps them so
      const auto it = values_.find(in);
      if (it != values_.end() && it->second.channelsLast) v.channelsLast = true;
    }
    setValue(node.output(0), v);
  }
  void alias(const onnx::NodeProto& node, const Value& v) {
    if (node.output_size() < 1) throw std::invalid_argument("has no output");
    setValue(node.output(0), v);
  }
  // Records a value, and that its readers will read its network node.
  void setValue(const std::string& name, const Value& v) {
    values_[name] = v;
    if (v.kind != Value::Kind::Constant && v.node >= 0) pendingReads_[v.node] += readers_[name];
  }
  // No node still to be converted reads `networkNode`'s output, and no layer came after it:
  // its weights can take a scale or a shift that follows (the bias after a MatMul, ConvNeXt's
  // layer scale, layer normalization's γ and β).
  bool lastAndUnread(int networkNode) const {
    const auto it = pendingReads_.find(networkNode);
    return networkNode >= 0 && size_t(networkNode) + 1 == network_->size() &&
           (it == pendingReads_.end() || it->second == 0);
  }

  void convert(const onnx::NodeProto& node) {
    const std::string& op = node.op_type();
    if (op == "Constant") return convertConstant(node);
    // Shape arithmetic on constants is evaluated now.
    bool allConstant = node.input_size() > 0;
    for (const std::string& in : node.input())
      if (!in.empty() && value(in).kind != Value::Kind::Constant) allConstant = false;
    if (op == "Shape" && hasInput(node, 0) && value(node.input(0)).kind == Value::Kind::Node) return convertShape(node);
    if (allConstant && foldableOperators().count(op)) return alias(node, constantValue(fold(node)));
    if (allConstant && (op == "Add" || op == "Sub" || op == "Mul" || op == "Div"))
      return alias(node, constantValue(foldArithmetic(node)));
    if (op == "Transpose") return convertTranspose(node);
    if (op == "LayerNormalization") return convertLayerNorm(node);
    if (op == "Sub" || op == "Pow" || op == "Sqrt") return convertLayerNormStep(node);
    if (op == "Slice") return convertSlice(node);
    if (op == "Split") return convertSplit(node);
    if (op == "Identity") {
      Attributes a(node, {});
      return alias(node, value(node.input(0)));
    }
    if (op == "Conv") return convertConv(node);
    if (op == "ConvTranspose") return convertConvTranspose(node);
    if (op == "Resize" || op == "Upsample") return convertResize(node);
    if (op == "PRelu") return convertPRelu(node);
    if (op == "BatchNormalization") return convertBatchNorm(node);
    if (op == "Relu" || op == "LeakyRelu" || op == "Tanh" || op == "Sigmoid" || op == "Clip" || op == "Elu" ||
        op == "HardSigmoid" || op == "HardSwish" || op == "Selu")
      return convertActivation(node);
    if (op == "Mul") return convertMul(node);
    if (op == "Div" || op == "Erf") return convertGeluStep(node);
    if (op == "MaxPool" || op == "AveragePool") return convertPool(node);
    if (op == "GlobalAveragePool") {
      Attributes a(node, {});
      const int in = nodeInput(node, 0).node;
      return produce(node, add(std::make_unique<GlobalAvgPool>(uniqueName(baseName(node, ""))), {in}));
    }
    if (op == "Pad") return convertPad(node);
    if (op == "ReduceMean") return convertReduceMean(node);
    if (op == "Add") return convertAdd(node);
    if (op == "Concat") return convertConcat(node);
    if (op == "Flatten" || op == "Reshape") return convertFlatten(node);
    if (op == "Gemm" || op == "MatMul") return convertDense(node);
    if (op == "Softmax") return convertSoftmax(node);
    if (op == "LRN") {
      Attributes a(node, {"size", "alpha", "beta", "bias"});
      LrnParams p;
      p.size = a.integer("size", 0);
      if (!a.has("size")) throw std::invalid_argument("has no size");
      p.alpha = a.number("alpha", 1e-4f), p.beta = a.number("beta", 0.75f), p.k = a.number("bias", 1.0f);
      const int in = nodeInput(node, 0).node;
      return produce(node, add(std::make_unique<LocalResponseNorm>(uniqueName(baseName(node, "")), p), {in}));
    }
    if (op == "Dropout") {
      Attributes a(node, {"ratio", "seed", "is_test"});
      float ratio = a.number("ratio", 0.5f);
      if (hasInput(node, 1)) ratio = float(scalarOf(constant(node, 1, "ratio"), "ratio"));
      if (!(ratio >= 0.0f && ratio < 1.0f))
        throw std::invalid_argument("ratio " + std::to_string(ratio) + " must be 0 to below 1");
      if (hasInput(node, 2) && scalarOf(constant(node, 2, "training mode"), "training mode") != 0.0)
        throw std::invalid_argument("is in training mode; ConvScope imports networks in evaluation form");
      const int in = nodeInput(node, 0).node;
      return produce(node, add(std::make_unique<Dropout>(uniqueName(baseName(node, "")), ratio), {in}));
    }
    throw std::invalid_argument("ConvScope computes " + op + " on constants only (shape arithmetic)");
  }

  void convertConstant(const onnx::NodeProto& node) {
    Attributes a(node, {"value", "value_float", "value_floats", "value_int", "value_ints"});
    if (const onnx::TensorProto* t = a.tensor("value")) return alias(node, constantValue(constantOf(*t, "its value")));
    if (a.has("value_float")) return alias(node, constantValue(constantFrom({}, {a.number("value_float", 0)}, false)));
    if (a.has("value_int"))
      return alias(node, constantValue(constantFrom({}, {double(a.integer("value_int", 0))}, true)));
    if (a.has("value_ints")) {
      const auto v = a.integers("value_ints", {});
      return alias(node, constantValue(constantFrom({int64_t(v.size())}, {v.begin(), v.end()}, true)));
    }
    for (const onnx::AttributeProto& at : node.attribute())
      if (at.name() == "value_floats") {
        std::vector<double> v(at.floats().begin(), at.floats().end());
        return alias(node, constantValue(constantFrom({int64_t(v.size())}, v, false)));
      }
    throw std::invalid_argument("has no value");
  }

  // Shape of a network value: (batch, …) with the batch written as 1.
  void convertShape(const onnx::NodeProto& node) {
    Attributes a(node, {"start", "end"});
    const Shape s = shapeOf(nodeInput(node, 0, true).node);
    std::vector<double> dims(s.dims().begin(), s.dims().end());
    const int64_t rank = int64_t(dims.size());
    int64_t start = a.integer("start", 0), end = a.integer("end", rank);
    start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
    end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
    std::vector<double> part(dims.begin() + start, dims.begin() + std::max(start, end));
    alias(node, constantValue(constantFrom({int64_t(part.size())}, part, true)));
  }

  Constant fold(const onnx::NodeProto& node) {
    const std::string& op = node.op_type();
    const Constant& x = constant(node, 0, "input");
    if (op == "Identity") {
      Attributes a(node, {});
      return x;
    }
    if (op == "Cast") {
      Attributes a(node, {"to", "saturate"});
      const int64_t to = a.integer("to", 0);
      const bool integer = to == onnx::TensorProto_DataType_INT64 || to == onnx::TensorProto_DataType_INT32 ||
                           to == onnx::TensorProto_DataType_BOOL;
      if (!integer && to != onnx::TensorProto_DataType_FLOAT && to != onnx::TensorProto_DataType_DOUBLE)
        throw std::invalid_argument("casting to " + dataTypeName(int(to)) + " is not supported");
      if (!integer) {
        Constant c = x;
        if (c.integer) c = constantFrom(x.dims, numbersOf(x), false);
        return c;
      }
      return constantFrom(x.dims, numbersOf(x), true);
    }
    const std::vector<double> v = numbersOf(x);
    const int64_t rank = int64_t(x.dims.size());
    if (op == "ConstantOfShape") {
      Attributes a(node, {"value"});
      double fill = 0.0;
      bool integer = false;
      if (const onnx::TensorProto* t = a.tensor("value")) {
        const Constant c = constantOf(*t, "its value");
        if (c.count() != 1) throw std::invalid_argument("its value must be one number");
        fill = c.at(0), integer = c.integer;
      }
      std::vector<int64_t> dims;
      for (double d : v) dims.push_back(wholeNumber(d));
      const int64_t n = checkedCount(dims, "its shape");
      if (n > kMaxFoldedElements) throw std::invalid_argument("makes a constant of " + std::to_string(n) + " values");
      return constantFrom(dims, std::vector<double>(size_t(n), fill), integer);
    }
    if (op == "Reshape" || op == "Flatten") {
      std::vector<int64_t> dims;
      if (op == "Flatten") {
        Attributes a(node, {"axis"});
        const int64_t axis = normalizedAxis(a.integer("axis", 1), rank + 1, "Flatten");
        int64_t outer = 1;
        for (int64_t k = 0; k < axis; ++k) outer *= x.dims[size_t(k)];
        dims = {outer, outer ? x.count() / outer : 0};
      } else {
        Attributes a(node, {"allowzero"});
        for (double d : numbersOf(constant(node, 1, "shape"))) dims.push_back(wholeNumber(d));
        int64_t known = 1, unknown = -1;
        for (size_t k = 0; k < dims.size(); ++k) {
          if (dims[k] == 0 && k < x.dims.size()) dims[k] = x.dims[k];
          if (dims[k] == -1) {
            if (unknown >= 0) throw std::invalid_argument("a shape with two −1");
            unknown = int64_t(k);
          } else if (dims[k] > 0) {
            if (known > kMaxTensorElements / dims[k])
              throw std::invalid_argument("reshapes " + std::to_string(x.count()) + " values to more than " +
                                          std::to_string(kMaxTensorElements));
            known *= dims[k];
          } else {
            known = 0;
          }
        }
        if (unknown >= 0) dims[size_t(unknown)] = known ? x.count() / known : 0;
      }
      if (checkedCount(dims, "the new shape") != x.count())
        throw std::invalid_argument("reshapes " + std::to_string(x.count()) + " values to another count");
      Constant c = x;
      c.dims = dims;
      return c;
    }
    if (op == "Unsqueeze" || op == "Squeeze") {
      Attributes a(node, {"axes"});
      std::vector<int64_t> axes = a.integers("axes", {});
      if (hasInput(node, 1))
        for (double d : numbersOf(constant(node, 1, "axes"))) axes.push_back(wholeNumber(d));
      std::vector<int64_t> dims = x.dims;
      if (op == "Unsqueeze") {
        const int64_t outRank = rank + int64_t(axes.size());
        for (int64_t& axis : axes) axis = normalizedAxis(axis, outRank, op);
        std::sort(axes.begin(), axes.end());
        for (int64_t axis : axes) dims.insert(dims.begin() + std::min<int64_t>(axis, int64_t(dims.size())), 1);
      } else {
        if (axes.empty())
          for (int64_t k = 0; k < rank; ++k)
            if (x.dims[size_t(k)] == 1) axes.push_back(k);
        for (int64_t& axis : axes) axis = normalizedAxis(axis, rank, op);
        std::sort(axes.rbegin(), axes.rend());
        for (int64_t axis : axes) {
          if (dims[size_t(axis)] != 1) throw std::invalid_argument("squeezes an axis that is not 1");
          dims.erase(dims.begin() + axis);
        }
      }
      Constant c = x;
      c.dims = dims;
      return c;
    }
    if (op == "Gather") {
      Attributes a(node, {"axis"});
      const int64_t axis = normalizedAxis(a.integer("axis", 0), rank, op);
      const Constant& idx = constant(node, 1, "indices");
      const std::vector<double> indices = numbersOf(idx);
      std::vector<int64_t> dims(x.dims.begin(), x.dims.begin() + axis);
      dims.insert(dims.end(), idx.dims.begin(), idx.dims.end());
      dims.insert(dims.end(), x.dims.begin() + axis + 1, x.dims.end());
      int64_t outer = 1, inner = 1;
      for (int64_t k = 0; k < axis; ++k) outer *= x.dims[size_t(k)];
      for (int64_t k = axis + 1; k < rank; ++k) inner *= x.dims[size_t(k)];
      const int64_t n = x.dims[size_t(axis)];
      std::vector<double> out;
      for (int64_t o = 0; o < outer; ++o)
        for (double d : indices) {
          int64_t i = wholeNumber(d);
          if (i < 0) i += n;
          if (i < 0 || i >= n)
            throw std::invalid_argument("index " + std::to_string(wholeNumber(d)) + " is out of range");
          for (int64_t k = 0; k < inner; ++k) out.push_back(v[size_t((o * n + i) * inner + k)]);
        }
      return constantFrom(dims, out, x.integer);
    }
    if (op == "Concat") {
      Attributes a(node, {"axis"});
      const int64_t axis = normalizedAxis(a.integer("axis", 0), rank, op);
      std::vector<const Constant*> parts;
      for (int k = 0; k < node.input_size(); ++k) parts.push_back(&constant(node, k, "input"));
      std::vector<int64_t> dims = x.dims;
      dims[size_t(axis)] = 0;
      for (const Constant* p : parts) {
        if (p->dims.size() != x.dims.size()) throw std::invalid_argument("concatenates tensors of different ranks");
        dims[size_t(axis)] += p->dims[size_t(axis)];
      }
      int64_t outer = 1;
      for (int64_t k = 0; k < axis; ++k) outer *= x.dims[size_t(k)];
      std::vector<double> out;
      for (int64_t o = 0; o < outer; ++o)
        for (const Constant* p : parts) {
          const std::vector<double> pv = numbersOf(*p);
          const int64_t block = outer ? int64_t(pv.size()) / outer : 0;
          out.insert(out.end(), pv.begin() + o * block, pv.begin() + (o + 1) * block);
        }
      if (checkedCount(dims, "the result") != int64_t(out.size()))
        throw std::invalid_argument("concatenates tensors whose other dimensions differ");
      return constantFrom(dims, out, x.integer);
    }
    if (op == "Transpose") {
      Attributes a(node, {"perm"});
      std::vector<int64_t> perm = a.integers("perm", {});
      if (perm.empty())
        for (int64_t k = rank - 1; k >= 0; --k) perm.push_back(k);
      if (int64_t(perm.size()) != rank) throw std::invalid_argument("perm does not match the rank");
      std::vector<bool> named(size_t(rank), false); // a permutation: every axis once (the fuzzer
      for (int64_t p : perm) {                      // found [0, 0] reading past the data)
        const int64_t axis = normalizedAxis(p, rank, op);
        if (named[size_t(axis)]) throw std::invalid_argument("perm names axis " + std::to_string(axis) + " twice");
        named[size_t(axis)] = true;
      }
      std::vector<int64_t> dims;
      for (int64_t p : perm) dims.push_back(x.dims.at(size_t(normalizedAxis(p, rank, op))));
      const std::vector<int64_t> inStrides = stridesOf(x.dims), outStrides = stridesOf(dims);
      std::vector<double> out(v.size());
      for (size_t flat = 0; flat < out.size(); ++flat) {
        int64_t rest = int64_t(flat), src = 0;
        for (int64_t k = 0; k < rank; ++k) {
          const int64_t coord = rest / outStrides[size_t(k)];
          rest %= outStrides[size_t(k)];
          src += coord * inStrides[size_t(normalizedAxis(perm[size_t(k)], rank, op))];
        }
        out[flat] = v[size_t(src)];
      }
      return constantFrom(dims, out, x.integer);
    }
    if (op == "Slice") {
      Attributes a(node, {"starts", "ends", "axes"});
      std::vector<int64_t> starts = a.integers("starts", {}), ends = a.integers("ends", {}),
                           axes = a.integers("axes", {}), steps;
      const auto ints = [&](int k, const char* what) {
        std::vector<int64_t> r;
        if (hasInput(node, k))
          for (double d : numbersOf(constant(node, k, what))) r.push_back(wholeNumber(d));
        return r;
      };
      if (hasInput(node, 1))
        starts = ints(1, "starts"), ends = ints(2, "ends"), axes = ints(3, "axes"), steps = ints(4, "steps");
      if (axes.empty())
        for (size_t k = 0; k < starts.size(); ++k) axes.push_back(int64_t(k));
      if (steps.empty()) steps.assign(starts.size(), 1);
      if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
        throw std::invalid_argument("starts, ends, axes and steps differ in length");
      std::vector<int64_t> begin(size_t(rank), 0), step(size_t(rank), 1), dims = x.dims;
      for (size_t k = 0; k < starts.size(); ++k) {
        const size_t axis = size_t(normalizedAxis(axes[k], rank, op));
        const int64_t n = x.dims[axis];
        if (steps[k] == 0) throw std::invalid_argument("a step of 0");
        // A step longer than the axis takes one value either way; clamped, no sum overflows
        // (found by the fuzzer).
        const int64_t s = std::clamp<int64_t>(steps[k], -(n + 1), n + 1);
        int64_t b = starts[k] < 0 ? std::max<int64_t>(starts[k], -n) + n : starts[k];
        int64_t e = ends[k] < 0 ? std::max<int64_t>(ends[k], -n - 1) + n : ends[k];
        if (s > 0) {
          b = std::clamp<int64_t>(b, 0, n), e = std::clamp<int64_t>(e, 0, n);
          dims[axis] = e > b ? (e - b + s - 1) / s : 0;
        } else {
          b = std::clamp<int64_t>(b, 0, n - 1), e = std::clamp<int64_t>(e, -1, n - 1);
          dims[axis] = b > e ? (b - e - s - 1) / -s : 0;
        }
        begin[axis] = b, step[axis] = s;
      }
      const std::vector<int64_t> inStrides = stridesOf(x.dims), outStrides = stridesOf(dims);
      std::vector<double> out(size_t(checkedCount(dims, "the slice")));
      for (size_t flat = 0; flat < out.size(); ++flat) {
        int64_t rest = int64_t(flat), src = 0;
        for (int64_t k = 0; k < rank; ++k) {
          const int64_t coord = rest / outStrides[size_t(k)];
          rest %= outStrides[size_t(k)];
          src += (begin[size_t(k)] + coord * step[size_t(k)]) * inStrides[size_t(k)];
        }
        out[flat] = v[size_t(src)];
      }
      return constantFrom(dims, out, x.integer);
    }
    throw std::invalid_argument("ConvScope computes " + op + " on network values only");
  }

  // Add, Mul or Div of two constants with numpy's broadcasting: the shape arithmetic around a
  // channel shuffle (a channel count halved for a split, at a dynamic batch). Whole numbers
  // divide as ONNX's integer Div does, rounding toward zero.
  Constant foldArithmetic(const onnx::NodeProto& node) {
    Attributes a(node, {});
    if (node.input_size() != 2) throw std::invalid_argument("needs two inputs");
    const Constant& x = constant(node, 0, "first input");
    const Constant& y = constant(node, 1, "second input");
    const std::vector<double> u = numbersOf(x), v = numbersOf(y);
    const size_t rank = std::max(x.dims.size(), y.dims.size());
    std::vector<int64_t> xd(rank - x.dims.size(), 1), yd(rank - y.dims.size(), 1), dims(rank);
    xd.insert(xd.end(), x.dims.begin(), x.dims.end());
    yd.insert(yd.end(), y.dims.begin(), y.dims.end());
    for (size_t k = 0; k < rank; ++k) {
      if (xd[k] != yd[k] && xd[k] != 1 && yd[k] != 1)
        throw std::invalid_argument("shapes " + Shape(x.dims).toString() + " and " + Shape(y.dims).toString() +
                                    " do not broadcast");
      dims[k] = xd[k] == 1 ? yd[k] : xd[k];
    }
    const int64_t n = checkedCount(dims, "the result");
    if (n > kMaxFoldedElements) throw std::invalid_argument("makes a constant of " + std::to_string(n) + " values");
    const std::vector<int64_t> xs = stridesOf(xd), ys = stridesOf(yd), out = stridesOf(dims);
    const bool integer = x.integer && y.integer;
    const std::string& op = node.op_type();
    std::vector<double> r(static_cast<size_t>(n));
    for (int64_t flat = 0; flat < n; ++flat) {
      int64_t rest = flat, i = 0, j = 0;
      for (size_t k = 0; k < rank; ++k) {
        const int64_t coord = rest / out[k];
        rest %= out[k];
        if (xd[k] != 1) i += coord * xs[k];
        if (yd[k] != 1) j += coord * ys[k];
      }
      const double p = u[size_t(i)], q = v[size_t(j)];
      if (op == "Add") {
        r[size_t(flat)] = p + q;
      } else if (op == "Sub") {
        r[size_t(flat)] = p - q;
      } else if (op == "Mul") {
        r[size_t(flat)] = p * q;
      } else {
        if (integer && q == 0) throw std::invalid_argument("divides a whole number by 0");
        r[size_t(flat)] = integer ? std::trunc(p / q) : p / q;
      }
    }
    return constantFrom(dims, r, integer);
  }

  // A Transpose of network values: the middle of a channel shuffle (perm 0, 2, 1, 3, 4 of maps
  // viewed as groups).
  void convertTranspose(const onnx::NodeProto& node) {
    Attributes a(node, {"perm"});
    if (!hasInput(node, 0)) throw std::invalid_argument("has no input");
    const Value& in = value(node.input(0));
    const std::vector<int64_t> perm = a.integers("perm", {});
    if (in.kind == Value::Kind::ChannelGroups && !in.swapped && perm == std::vector<int64_t>{0, 2, 1, 3, 4}) {
      Value v = in;
      v.swapped = true;
      return alias(node, v);
    }
    const Value& v = nodeInput(node, 0, false, true);
    const Shape s = shapeOf(v.node);
    if (s.rank() == 4 && !v.channelsLast && perm == std::vector<int64_t>{0, 2, 3, 1}) {
      Value last = v;
      last.channelsLast = true;
      return alias(node, last);
    }
    if (v.channelsLast && perm == std::vector<int64_t>{0, 3, 1, 2}) {
      Value back = v;
      back.channelsLast = false;
      return alias(node, back);
    }
    std::string text;
    for (int64_t p : perm) text += (text.empty() ? "" : ", ") + std::to_string(p);
    throw std::invalid_argument("transposes " + s.toString() + (v.channelsLast ? " (channels-last)" : "") + " (perm " +
                                (text.empty() ? "reversed" : text) +
                                "); ConvScope transposes network values to channels-last and back (perm 0, 2, 3, 1 "
                                "and 0, 3, 1, 2, as ConvNeXt) and in a channel shuffle (Reshape to (N, G, C/G, H, W), "
                                "Transpose 0, 2, 1, 3, 4, Reshape back)");
  }

  // Slice of network values: a run of channels (axis 1, step 1) is a ChannelSlice layer.
  void convertSlice(const onnx::NodeProto& node) {
    Attributes a(node, {"starts", "ends", "axes"});
    const Value& in = nodeInput(node, 0);
    const Shape src = shapeOf(in.node);
    std::vector<int64_t> starts = a.integers("starts", {}), ends = a.integers("ends", {}), axes = a.integers("axes", {}),
                         steps;
    const auto ints = [&](int k, const char* what) {
      std::vector<int64_t> r;
      if (hasInput(node, k))
        for (double d : numbersOf(constant(node, k, what))) r.push_back(wholeNumber(d));
      return r;
    };
    if (hasInput(node, 1)) starts = ints(1, "starts"), ends = ints(2, "ends"), axes = ints(3, "axes"), steps = ints(4, "steps");
    if (axes.empty())
      for (size_t k = 0; k < starts.size(); ++k) axes.push_back(int64_t(k));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
      throw std::invalid_argument("starts, ends, axes and steps differ in length");
    int64_t from = 0, to = src[1];
    for (size_t k = 0; k < starts.size(); ++k) {
      const int64_t axis = normalizedAxis(axes[k], src.rank(), "Slice");
      const int64_t n = src[size_t(axis)];
      int64_t b = starts[k] < 0 ? std::max<int64_t>(starts[k] + n, 0) : std::min(starts[k], n);
      int64_t e = ends[k] < 0 ? std::max<int64_t>(ends[k] + n, 0) : std::min(ends[k], n);
      if (b == 0 && e == n && steps[k] == 1) continue; // the whole axis
      if (axis != 1 || steps[k] != 1)
        throw std::invalid_argument("slices axis " + std::to_string(axis) + " of " + src.toString() +
                                    (steps[k] != 1 ? " with step " + std::to_string(steps[k]) : std::string()) +
                                    "; ConvScope slices a run of channels (axis 1, step 1)");
      if (e <= b) throw std::invalid_argument("keeps no channels of " + src.toString());
      from = b, to = e;
    }
    if (from == 0 && to == src[1]) return alias(node, in);
    produce(node, add(std::make_unique<ChannelSlice>(uniqueName(baseName(node, "")), from, to), {in.node}));
  }

  // Split of network values along the channels: each output read is a ChannelSlice layer.
  void convertSplit(const onnx::NodeProto& node) {
    Attributes a(node, {"axis", "split"});
    const Value& in = nodeInput(node, 0);
    const Shape src = shapeOf(in.node);
    if (normalizedAxis(a.integer("axis", 0), src.rank(), "Split") != 1)
      throw std::invalid_argument("splits axis " + std::to_string(a.integer("axis", 0)) + " of " + src.toString() +
                                  "; ConvScope splits the channels (axis 1)");
    std::vector<int64_t> parts = a.integers("split", {});
    if (hasInput(node, 1))
      for (double d : numbersOf(constant(node, 1, "split"))) parts.push_back(wholeNumber(d));
    const int outputs = node.output_size();
    if (outputs < 1) throw std::invalid_argument("has no outputs");
    if (parts.empty()) {
      if (src[1] % outputs != 0)
        throw std::invalid_argument(std::to_string(src[1]) + " channels do not split into " + std::to_string(outputs) +
                                    " equal parts");
      parts.assign(size_t(outputs), src[1] / outputs);
    }
    if (int64_t(parts.size()) != outputs)
      throw std::invalid_argument("gives " + std::to_string(parts.size()) + " sizes for " + std::to_string(outputs) +
                                  " outputs");
    int64_t from = 0;
    const std::string base = baseName(node, "");
    for (int k = 0; k < outputs; ++k) {
      const int64_t to = from + parts[size_t(k)];
      if (parts[size_t(k)] < 1 || to > src[1])
        throw std::invalid_argument("parts of " + std::to_string(parts[size_t(k)]) + " channels do not fit " +
                                    src.toString());
      if (!node.output(k).empty() && readers_[node.output(k)] > 0) {
        Value v;
        v.node = add(std::make_unique<ChannelSlice>(uniqueName(base), from, to), {in.node});
        setValue(node.output(k), v);
      }
      from = to;
    }
    if (from != src[1])
      throw std::invalid_argument("parts of " + std::to_string(from) + " channels in all for " + src.toString());
  }

  void convertConv(const onnx::NodeProto& node) {
    Attributes a(node, {"kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"});
    const Value& in = nodeInput(node, 0, true);
    const Constant& w = constant(node, 1, "weights");
    if (w.dims.size() != 4 || w.integer)
      throw std::invalid_argument("weights of shape " + Shape(w.dims).toString() +
                                  "; ConvScope computes 2-D convolutions (weights: out × in/groups × height × width)");
    const Shape src = shapeOf(in.node);
    if (src.rank() != 4) throw std::invalid_argument("reads a flat input; a convolution needs an image");
    Conv2DGeometry g;
    g.groups = a.integer("group", 1);
    if (g.groups < 1 || g.groups > 65536)
      throw std::invalid_argument("group " + std::to_string(g.groups) + " must be 1 to 65536");
    g.kernelH = w.dims[2], g.kernelW = w.dims[3];
    const auto kernel = a.integers("kernel_shape", {g.kernelH, g.kernelW});
    if (kernel != std::vector<int64_t>{g.kernelH, g.kernelW})
      throw std::invalid_argument("kernel_shape disagrees with the weights' shape " + Shape(w.dims).toString());
    const auto strides = a.integers("strides", {1, 1}), dilations = a.integers("dilations", {1, 1});
    if (strides.size() != 2 || dilations.size() != 2)
      throw std::invalid_argument("strides and dilations need 2 values");
    for (int64_t v : {strides[0], strides[1], dilations[0], dilations[1]})
      if (v < 1 || v > kMaxWindow)
        throw std::invalid_argument("strides and dilations must be 1 to " + std::to_string(kMaxWindow) + ", not " +
                                    std::to_string(v));
    g.strideH = strides[0], g.strideW = strides[1], g.dilationH = dilations[0], g.dilationW = dilations[1];
    setPads(a, src, {g.kernelH, g.kernelW}, {g.strideH, g.strideW}, {g.dilationH, g.dilationW}, g.padTop, g.padBottom,
            g.padLeft, g.padRight);
    addPadding(in, g.padTop, g.padBottom, g.padLeft, g.padRight);
    const int64_t inChannels = src[1], outChannels = w.dims[0];
    if (g.groups < 1 || w.dims[1] * g.groups != inChannels)
      throw std::invalid_argument("weights " + Shape(w.dims).toString() + " with " + std::to_string(g.groups) +
                                  " group(s) do not fit an input of " + std::to_string(inChannels) + " channels");
    const bool hasBias = hasInput(node, 2);
    auto conv =
        std::make_unique<Conv2D>(uniqueName(baseName(node, node.input(1))), inChannels, outChannels, g, hasBias);
    if (!StructureOnly::active()) conv->weights().values() = w.floats(); // a skeleton holds no weights
    if (hasBias) {
      const Constant& b = constant(node, 2, "bias");
      if (b.count() != outChannels || b.integer)
        throw std::invalid_argument("a bias of " + std::to_string(b.count()) + " values for " +
                                    std::to_string(outChannels) + " filters");
      if (!StructureOnly::active()) conv->bias().values() = b.floats();
    }
    produce(node, add(std::move(conv), {in.node}));
  }

  // ConvTranspose: weights (C_in, C_out/group, KH, KW) as PyTorch's ConvTranspose2d writes them.
  void convertConvTranspose(const onnx::NodeProto& node) {
    Attributes a(node, {"kernel_shape", "strides", "pads", "dilations", "group", "output_padding", "output_shape",
                        "auto_pad"});
    const Value& in = nodeInput(node, 0);
    const Constant& w = constant(node, 1, "weights");
    if (w.dims.size() != 4 || w.integer)
      throw std::invalid_argument("weights of shape " + Shape(w.dims).toString() +
                                  "; ConvScope computes 2-D transposed convolutions (weights: in × out/groups × height × "
                                  "width)");
    const Shape src = shapeOf(in.node);
    if (src.rank() != 4) throw std::invalid_argument("reads a flat input; a transposed convolution needs an image");
    Conv2DGeometry g;
    g.groups = a.integer("group", 1);
    if (g.groups < 1 || g.groups > 65536)
      throw std::invalid_argument("group " + std::to_string(g.groups) + " must be 1 to 65536");
    g.kernelH = w.dims[2], g.kernelW = w.dims[3];
    if (a.integers("kernel_shape", {g.kernelH, g.kernelW}) != std::vector<int64_t>{g.kernelH, g.kernelW})
      throw std::invalid_argument("kernel_shape disagrees with the weights' shape " + Shape(w.dims).toString());
    const auto strides = a.integers("strides", {1, 1}), dilations = a.integers("dilations", {1, 1}),
               outputPadding = a.integers("output_padding", {0, 0});
    if (strides.size() != 2 || dilations.size() != 2 || outputPadding.size() != 2)
      throw std::invalid_argument("strides, dilations and output_padding need 2 values");
    g.strideH = strides[0], g.strideW = strides[1], g.dilationH = dilations[0], g.dilationW = dilations[1];
    if (a.text("auto_pad", "NOTSET") != "NOTSET")
      throw std::invalid_argument("auto_pad '" + a.text("auto_pad", "") + "' is not supported (give pads)");
    const auto pads = a.integers("pads", {0, 0, 0, 0});
    if (pads.size() != 4) throw std::invalid_argument("pads need 4 values for a 2-D window");
    for (int64_t p : pads)
      if (p < 0 || p > kMaxWindow)
        throw std::invalid_argument("padding " + std::to_string(p) + " must be 0 to " + std::to_string(kMaxWindow));
    g.padTop = pads[0], g.padLeft = pads[1], g.padBottom = pads[2], g.padRight = pads[3];
    const int64_t inChannels = src[1], outChannels = w.dims[1] * g.groups;
    if (w.dims[0] != inChannels)
      throw std::invalid_argument("weights " + Shape(w.dims).toString() + " do not fit an input of " +
                                  std::to_string(inChannels) + " channels");
    const bool hasBias = hasInput(node, 2);
    auto deconv = std::make_unique<ConvTranspose2D>(uniqueName(baseName(node, node.input(1))), inChannels, outChannels,
                                                    g, outputPadding[0], outputPadding[1], hasBias);
    if (a.has("output_shape")) {
      const Shape out = deconv->outputShape(src);
      if (a.integers("output_shape", {}) != std::vector<int64_t>{out[2], out[3]})
        throw std::invalid_argument("output_shape differs from the size its pads and output_padding give (" +
                                    std::to_string(out[2]) + "x" + std::to_string(out[3]) + ")");
    }
    if (!StructureOnly::active()) deconv->weights().values() = w.floats();
    if (hasBias) {
      const Constant& b = constant(node, 2, "bias");
      if (b.count() != outChannels || b.integer)
        throw std::invalid_argument("a bias of " + std::to_string(b.count()) + " values for " +
                                    std::to_string(outChannels) + " output channels");
      if (!StructureOnly::active()) deconv->bias().values() = b.floats();
    }
    produce(node, add(std::move(deconv), {in.node}));
  }

  // Resize (opset 10 and later) and Upsample (before): PyTorch's nn.Upsample and F.interpolate,
  // nearest ("asymmetric" coordinates, "floor") and bilinear without align_corners ("linear",
  // "pytorch_half_pixel" or "half_pixel"), by whole factors or to a size; the batch and the
  // channels unchanged.
  void convertResize(const onnx::NodeProto& node) {
    const bool resize = node.op_type() == "Resize";
    Attributes a = resize ? Attributes(node, {"mode", "coordinate_transformation_mode", "nearest_mode",
                                              "cubic_coeff_a", "exclude_outside", "extrapolation_value"})
                          : Attributes(node, {"mode", "scales"});
    const Value& in = nodeInput(node, 0);
    const Shape src = shapeOf(in.node);
    if (src.rank() != 4) throw std::invalid_argument("resizes " + src.toString() + "; ConvScope resizes maps (N, C, H, W)");
    const std::string mode = a.text("mode", "nearest");
    const bool bilinear = mode == "linear" || mode == "bilinear";
    if (!bilinear && mode != "nearest")
      throw std::invalid_argument("mode '" + mode + "'; ConvScope resizes nearest or bilinear");
    if (resize && opset_ < 11 && bilinear) {
      throw std::invalid_argument("Resize 'linear' at opset 10 places its samples otherwise than PyTorch's bilinear "
                                  "(asymmetric); export at opset 11 or later");
    } else if (resize && opset_ >= 11) { // opset 10's Resize is asymmetric and floors, as PyTorch's nearest
      const std::string coordinates = a.text("coordinate_transformation_mode", "half_pixel");
      const std::string nearest = a.text("nearest_mode", "round_prefer_floor");
      if (!bilinear && (coordinates != "asymmetric" || nearest != "floor"))
        throw std::invalid_argument("nearest with coordinate_transformation_mode '" + coordinates + "' and nearest_mode '" +
                                    nearest + "'; ConvScope's nearest is PyTorch's ('asymmetric', 'floor')");
      if (bilinear && coordinates != "pytorch_half_pixel" && coordinates != "half_pixel")
        throw std::invalid_argument("linear with coordinate_transformation_mode '" + coordinates +
                                    "'; ConvScope's bilinear is PyTorch's with align_corners=False ('pytorch_half_pixel')");
      if (a.integer("exclude_outside", 0) != 0) throw std::invalid_argument("exclude_outside 1 is not supported");
    } else if (bilinear) {
      throw std::invalid_argument("Upsample 'linear' (before opset 10) places its samples otherwise than PyTorch's "
                                  "bilinear; export at opset 11 or later");
    }
    // The sizes, from `sizes` or from `scales` (whole factors).
    std::vector<double> scales;
    for (const onnx::AttributeProto& at : node.attribute()) // Upsample at opset 7: an attribute
      if (!resize && at.name() == "scales") scales.assign(at.floats().begin(), at.floats().end());
    const int scalesInput = resize ? (opset_ >= 11 ? 2 : 1) : 1;
    if (hasInput(node, scalesInput) && constant(node, scalesInput, "scales").count() > 0)
      scales = numbersOf(constant(node, scalesInput, "scales"));
    std::vector<double> sizes;
    if (resize && opset_ >= 11 && hasInput(node, 3)) sizes = numbersOf(constant(node, 3, "sizes"));
    int64_t factorH = 1, factorW = 1, sizeH = 0, sizeW = 0;
    if (!sizes.empty()) {
      if (sizes.size() != 4 || wholeNumber(sizes[1]) != src[1])
        throw std::invalid_argument("sizes must be (N, C, H, W) with the input's " + std::to_string(src[1]) + " channels");
      sizeH = wholeNumber(sizes[2]), sizeW = wholeNumber(sizes[3]);
      if (sizeH == src[2] * (sizeH / src[2]) && sizeW == src[3] * (sizeW / src[3]) && sizeH >= src[2] && sizeW >= src[3])
        factorH = sizeH / src[2], factorW = sizeW / src[3], sizeH = sizeW = 0;
    } else {
      if (scales.size() != 4 || scales[0] != 1.0 || scales[1] != 1.0)
        throw std::invalid_argument("scales must be 1, 1, height, width (the batch and the channels unchanged)");
      if (scales[2] != std::floor(scales[2]) || scales[3] != std::floor(scales[3]) || scales[2] < 1 || scales[3] < 1)
        throw std::invalid_argument("scales " + std::to_string(scales[2]) + " and " + std::to_string(scales[3]) +
                                    " are not whole factors; ConvScope resizes by whole factors or to a size");
      factorH = wholeNumber(scales[2]), factorW = wholeNumber(scales[3]);
    }
    produce(node, add(std::make_unique<Upsample>(uniqueName(baseName(node, "")), bilinear, factorH, factorW, sizeH, sizeW),
                      {in.node}));
  }

  // PRelu: PyTorch's nn.PReLU, its slope shaped (C, 1, 1) for one per channel of maps, (F) for
  // one per feature of vectors, or one value for all.
  void convertPRelu(const onnx::NodeProto& node) {
    Attributes a(node, {});
    const Value& in = nodeInput(node, 0);
    const Shape src = shapeOf(in.node);
    const Constant& slope = constant(node, 1, "slope");
    std::vector<int64_t> dims = slope.dims;
    while (!dims.empty() && dims.front() == 1 && int64_t(dims.size()) > src.rank() - 1) dims.erase(dims.begin());
    const bool shared = slope.count() == 1;
    const bool perChannel = src.rank() == 4 ? dims == std::vector<int64_t>{src[1], 1, 1}
                                            : dims == std::vector<int64_t>{src[1]};
    if (slope.integer || (!shared && !perChannel))
      throw std::invalid_argument("a slope of shape " + Shape(slope.dims).toString() + " for " + src.toString() +
                                  "; ConvScope's PReLU has one slope, or one per channel (C, 1, 1)");
    auto prelu = std::make_unique<PReLU>(uniqueName(baseName(node, node.input(1))), shared ? 1 : src[1]);
    if (!StructureOnly::active()) prelu->slopes().values() = slope.floats();
    produce(node, add(std::move(prelu), {in.node}));
  }

  // pads / auto_pad → top, bottom, left, right.
  static void setPads(const Attributes& a, const Shape& src, std::array<int64_t, 2> kernel,
                      std::array<int64_t, 2> stride, std::array<int64_t, 2> dilation, int64_t& top, int64_t& bottom,
                      int64_t& left, int64_t& right) {
    const std::string autoPad = a.text("auto_pad", "NOTSET");
    if (autoPad == "NOTSET") {
      const auto pads = a.integers("pads", {0, 0, 0, 0});
      if (pads.size() != 4) throw std::invalid_argument("pads need 4 values for a 2-D window");
      for (int64_t p : pads)
        if (p < 0 || p > kMaxWindow)
          throw std::invalid_argument("padding " + std::to_string(p) + " must be 0 to " + std::to_string(kMaxWindow));
      top = pads[0], left = pads[1], bottom = pads[2], right = pads[3];
    } else if (autoPad == "VALID") {
      top = bottom = left = right = 0;
    } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t* begin[2] = {&top, &left};
      int64_t* end[2] = {&bottom, &right};
      for (int k = 0; k < 2; ++k) { // SAME_UPPER puts the extra cell at the end, as samePadding does
        const AxisPadding same = samePadding(src[2 + k], kernel[size_t(k)], stride[size_t(k)], dilation[size_t(k)]);
        *begin[k] = autoPad == "SAME_UPPER" ? same.begin : same.end;
        *end[k] = autoPad == "SAME_UPPER" ? same.end : same.begin;
      }
    } else {
      throw std::invalid_argument("auto_pad '" + autoPad + "' is not supported");
    }
  }
  static void addPadding(const Value& in, int64_t& top, int64_t& bottom, int64_t& left, int64_t& right) {
    if (in.kind != Value::Kind::Padded) return;
    top += in.pads[0], bottom += in.pads[1], left += in.pads[2], right += in.pads[3];
  }

  // Pad: zeros read only by convolutions and average poolings become their padding (a Padded
  // value, folded when they read it); any other padding (another fill, reflect, edge, or read by
  // anything else) is a Pad2D layer.
  void convertPad(const onnx::NodeProto& node) {
    Attributes a(node, {"mode", "pads", "value"});
    const std::string mode = a.text("mode", "constant");
    if (mode != "constant" && mode != "reflect" && mode != "edge")
      throw std::invalid_argument("mode '" + mode + "' is not supported (constant, reflect or edge)");
    std::vector<int64_t> pads = a.integers("pads", {});
    float fill = a.number("value", 0.0f);
    if (hasInput(node, 1))
      for (double d : numbersOf(constant(node, 1, "pads"))) pads.push_back(wholeNumber(d));
    if (hasInput(node, 2)) fill = float(scalarOf(constant(node, 2, "constant value"), "constant value"));
    if (hasInput(node, 3)) throw std::invalid_argument("pads chosen axes; ConvScope pads height and width only");
    const Value& in = nodeInput(node, 0, true);
    if (pads.size() != 8 || shapeOf(in.node).rank() != 4)
      throw std::invalid_argument("ConvScope pads images (4 dimensions) only");
    if (pads[0] || pads[1] || pads[4] || pads[5])
      throw std::invalid_argument("pads the batch or the channels; ConvScope pads height and width only");
    for (int64_t p : pads)
      if (p < 0 || p > kMaxWindow)
        throw std::invalid_argument("padding " + std::to_string(p) + " must be 0 to " + std::to_string(kMaxWindow) +
                                    " (negative padding, cropping, is not supported)");
    if (std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; })) return alias(node, in);
    const auto readers = consumers_.find(node.output(0));
    const bool folded = mode == "constant" && fill == 0.0f && in.kind != Value::Kind::Padded &&
                        readers != consumers_.end() &&
                        std::all_of(readers->second.begin(), readers->second.end(), [](const onnx::NodeProto* n) {
                          return n->op_type() == "Conv" || n->op_type() == "AveragePool";
                        });
    if (!folded) {
      if (in.kind == Value::Kind::Padded)
        throw std::invalid_argument("pads the output of Pad node '" + in.padNode + "' again");
      const std::array<int64_t, 4> sides{pads[2], pads[6], pads[3], pads[7]};
      auto layer = std::make_unique<Pad2D>(uniqueName(baseName(node, "")), sides, padModeFromString(mode), fill);
      return produce(node, add(std::move(layer), {in.node}));
    }
    Value v = in;
    v.kind = Value::Kind::Padded;
    v.pads[0] += pads[2], v.pads[1] += pads[6], v.pads[2] += pads[3], v.pads[3] += pads[7];
    v.padNode = node.name();
    alias(node, v);
  }

  void convertActivation(const onnx::NodeProto& node) {
    const std::string& op = node.op_type();
    ActivationKind kind = ActivationKind::ReLU;
    float alpha = 0.01f;
    if (op == "LeakyRelu") {
      Attributes a(node, {"alpha"});
      kind = ActivationKind::LeakyReLU, alpha = a.number("alpha", 0.01f);
    } else if (op == "Clip") {
      Attributes a(node, {"min", "max"});
      double lo = a.number("min", -std::numeric_limits<float>::infinity());
      double hi = a.number("max", std::numeric_limits<float>::infinity());
      if (hasInput(node, 1)) lo = scalarOf(constant(node, 1, "min"), "min");
      if (hasInput(node, 2)) hi = scalarOf(constant(node, 2, "max"), "max");
      if (lo == 0.0 && hi == 6.0)
        kind = ActivationKind::ReLU6;
      else if (lo == 0.0 && std::isinf(hi) && hi > 0)
        kind = ActivationKind::ReLU;
      else if (lo <= hi && !std::isnan(lo) && !std::isnan(hi)) // any other bounds: a Clamp layer
        return produce(node, add(std::make_unique<Clamp>(uniqueName(baseName(node, "")), float(lo), float(hi)),
                                 {nodeInput(node, 0, false, true).node}));
      else
        throw std::invalid_argument("clips to [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                    "]: the lower bound must not be above the upper");
    } else if (op == "Elu") {
      Attributes a(node, {"alpha"});
      kind = ActivationKind::ELU, alpha = a.number("alpha", 1.0f);
    } else if (op == "Selu") { // PyTorch's nn.SELU: its fixed constants, which are ONNX's defaults
      Attributes a(node, {"alpha", "gamma"});
      const double selAlpha = a.number("alpha", float(kSeluAlpha)), gamma = a.number("gamma", float(kSeluScale));
      if (std::abs(selAlpha - kSeluAlpha) > 1e-6 || std::abs(gamma - kSeluScale) > 1e-6)
        throw std::invalid_argument("has alpha " + std::to_string(selAlpha) + " and gamma " + std::to_string(gamma) +
                                    "; ConvScope's SELU has PyTorch's constants (alpha 1.6733, gamma 1.0507)");
      kind = ActivationKind::SELU;
    } else if (op == "HardSigmoid") {
      Attributes a(node, {"alpha", "beta"});
      kind = ActivationKind::HardSigmoid, alpha = a.number("alpha", 0.2f);
      const double beta = a.number("beta", 0.5f);
      if (std::abs(beta - 0.5) > 1e-6)
        throw std::invalid_argument("has beta " + std::to_string(beta) +
                                    "; ConvScope's hard sigmoid is min(max(0, α·x + 0.5), 1) (beta 0.5)");
    } else {
      Attributes a(node, {});
      kind = op == "Relu"        ? ActivationKind::ReLU
             : op == "Tanh"      ? ActivationKind::Tanh
             : op == "HardSwish" ? ActivationKind::HardSwish
                                 : ActivationKind::Sigmoid;
    }
    if (op == "Tanh" && geluTanhStep(node)) return; // GELU's tanh form's tanh
    const int in = nodeInput(node, 0, false, true).node;
    const int made = add(std::make_unique<Activation>(uniqueName(baseName(node, "")), kind, alpha), {in});
    if (kind == ActivationKind::Sigmoid || kind == ActivationKind::HardSigmoid) gateInput_[made] = in;
    produce(node, made);
  }

  // GELU as PyTorch (1.13, every opset) writes nn.GELU(): Div(x, √2) → Erf → Add(·, 1) →
  // Mul(x, ·) → Mul(·, 0.5), each step read by the next alone. Div and Erf start and continue
  // it (ConvScope divides by a constant and takes erf only there).
  void convertGeluStep(const onnx::NodeProto& node) {
    Attributes a(node, {});
    const std::string& op = node.op_type();
    const std::string shape = "GELU's x·(1 + erf(x/√2))/2 as PyTorch writes it (Div by √2, Erf, Add 1, Mul by x, Mul "
                              "by 0.5)";
    if (op == "Div") {
      if (node.input_size() != 2) throw std::invalid_argument("needs two inputs");
      const Value& x = value(node.input(0));
      const Value& d = value(node.input(1));
      if (x.kind == Value::Kind::LayerNormPart || d.kind == Value::Kind::LayerNormPart) return convertLayerNormStep(node);
      if (x.kind != Value::Kind::Node || d.kind != Value::Kind::Constant || d.constant.count() != 1 ||
          std::abs(d.constant.at(0) - std::sqrt(2.0)) > 1e-4 || readers_[node.output(0)] != 1) {
        if (foldPerChannel(node, '/')) return; // x / one constant per channel: a ChannelScale
        if (x.kind == Value::Kind::Node && d.kind == Value::Kind::Node) return convertArithmetic(node, ArithmeticOp::Divide);
        throw std::invalid_argument("divides; ConvScope divides two values the network computes, by one constant per "
                                    "channel, and as the first step of " + shape);
      }
      Value part;
      part.kind = Value::Kind::GeluPart, part.node = x.node, part.step = 1, part.channelsLast = x.channelsLast;
      return alias(node, part);
    }
    const Value& x = value(node.input(0));
    if (x.kind != Value::Kind::GeluPart || x.step != 1 || readers_[node.output(0)] != 1)
      throw std::invalid_argument("is the error function; ConvScope takes it only as the second step of " + shape);
    Value part = x;
    part.step = 2;
    alias(node, part);
  }

  // Whether `node` (an Add or Mul of a and b) is GELU's step after `after`: the step's other
  // operand is the constant `constant` (step 3: the network value GELU reads). Done, it records
  // the next step, or (after step 4) the GELU layer.
  bool geluStep(const onnx::NodeProto& node, const Value& a, const Value& b, int after, double constant) {
    for (int k : {0, 1}) {
      const Value& part = k == 0 ? a : b;
      const Value& other = k == 0 ? b : a;
      if (part.kind != Value::Kind::GeluPart || part.step != after) continue;
      const bool fits = after == 3 ? other.kind == Value::Kind::Node && other.node == part.node
                                   : other.kind == Value::Kind::Constant && other.constant.count() == 1 &&
                                         std::abs(other.constant.at(0) - constant) < 1e-6;
      if (!fits || (after < 4 && readers_[node.output(0)] != 1))
        throw std::invalid_argument("continues GELU's steps otherwise than PyTorch writes them (Div by √2, Erf, Add 1, "
                                    "Mul by x, Mul by 0.5)");
      if (after == 4) {
        produce(node, add(std::make_unique<Activation>(uniqueName(compositeName(node)), ActivationKind::GELU, 0.01f),
                          {part.node}));
      } else {
        Value next = part;
        next.step = after + 1;
        alias(node, next);
      }
      return true;
    }
    return false;
  }

  // GELU's tanh form as PyTorch (1.13) writes nn.GELU(approximate="tanh"): step 1 x·x, 2 x·x²,
  // 3 ·0.044715, 4 + x, 5 ·√(2/π), 6 Tanh, 7 + 1, 8 x·(…), 9 ·0.5 — each read by the next alone
  // (x is read by steps 1, 2, 4 and 8). True when `node` is one of the steps (the ninth makes
  // the layer); false when it does not start or continue one.
  bool geluTanhStep(const onnx::NodeProto& node) {
    const std::string& op = node.op_type();
    const auto constantNear = [](const Value& v, double c) {
      return v.kind == Value::Kind::Constant && v.constant.count() == 1 && std::abs(v.constant.at(0) - c) < 1e-6;
    };
    const auto readOnce = [&] { return readers_[node.output(0)] == 1; };
    const std::string form = "GELU's tanh form as PyTorch writes it (x·x, ·x, ·0.044715, + x, ·√(2/π), Tanh, + 1, "
                             "·x, ·0.5)";
    if (op == "Tanh") {
      const Value& v = value(node.input(0));
      if (v.kind != Value::Kind::GeluTanhPart) return false;
      if (v.step != 5 || !readOnce()) throw std::invalid_argument("continues " + form + " otherwise");
      Value next = v;
      next.step = 6;
      alias(node, next);
      return true;
    }
    if (node.input_size() != 2) return false;
    const Value& a = value(node.input(0));
    const Value& b = value(node.input(1));
    if (op == "Mul" && a.kind == Value::Kind::Node && b.kind == Value::Kind::Node && a.node == b.node &&
        node.input(0) == node.input(1)) { // x·x, when the one node reading it is x·(x·x)
      const auto next = consumers_.find(node.output(0));
      if (!readOnce() || next == consumers_.end() || next->second.size() != 1 || next->second[0]->op_type() != "Mul")
        return false;
      const onnx::NodeProto& cube = *next->second[0];
      if (cube.input_size() != 2 || (cube.input(0) != node.input(0) && cube.input(1) != node.input(0))) return false;
      Value part = a;
      part.kind = Value::Kind::GeluTanhPart, part.step = 1;
      alias(node, part);
      return true;
    }
    for (int k : {0, 1}) {
      const Value& part = k == 0 ? a : b;
      const Value& other = k == 0 ? b : a;
      if (part.kind != Value::Kind::GeluTanhPart) continue;
      const int step = part.step;
      const bool isX = other.kind == Value::Kind::Node && other.node == part.node;
      const bool fits = op == "Mul" ? (step == 1 && isX) || (step == 2 && constantNear(other, kGeluTanhCubic)) ||
                                          (step == 4 && constantNear(other, kGeluTanhScale)) ||
                                          (step == 7 && isX) || (step == 8 && constantNear(other, 0.5))
                                    : (step == 3 && isX) || (step == 6 && constantNear(other, 1.0));
      if (!fits || (step < 8 && !readOnce())) throw std::invalid_argument("continues " + form + " otherwise");
      if (step == 8) {
        produce(node, add(std::make_unique<Activation>(uniqueName(compositeName(node)), ActivationKind::GELUTanh, 0.01f),
                          {part.node}));
      } else {
        Value next = part;
        next.step = step + 1;
        alias(node, next);
      }
      return true;
    }
    return false;
  }

  // Mul: x times its own sigmoid is SiLU (swish), x times its own hard sigmoid (slope 1/6) is
  // hard swish: PyTorch writes nn.SiLU and nn.Hardswish so at opsets before 14. The gate layer,
  // read by this Mul alone, becomes the one activation. Other products of two network values
  // — a gate, squeeze-and-excitation's one factor per channel — are a Multiply layer.
  void convertMul(const onnx::NodeProto& node) {
    Attributes a(node, {});
    if (node.input_size() != 2) throw std::invalid_argument("has " + std::to_string(node.input_size()) + " inputs");
    if (geluStep(node, value(node.input(0)), value(node.input(1)), 3, 0.0) ||
        geluStep(node, value(node.input(0)), value(node.input(1)), 4, 0.5))
      return; // GELU's x·(1 + erf(x/√2)), then its ·½
    if (geluTanhStep(node)) return;
    for (int k : {0, 1}) {
      const Value& gate = value(node.input(k));
      const Value& x = value(node.input(1 - k));
      if (gate.kind != Value::Kind::Node || x.kind != Value::Kind::Node || gate.node < 0) continue;
      const auto it = gateInput_.find(gate.node);
      if (it == gateInput_.end() || it->second != x.node || readers_[node.input(k)] != 1) continue;
      auto& activation = *layerAs<Activation>(network_->layer(size_t(gate.node)));
      if (activation.activation() == ActivationKind::Sigmoid)
        activation.setActivation(ActivationKind::SiLU, 0.01f);
      else if (std::abs(activation.alpha() - 1.0f / 6.0f) < 1e-6f)
        activation.setActivation(ActivationKind::HardSwish, 0.01f);
      else
        continue;
      gateInput_.erase(it);
      return alias(node, gate);
    }
    const Value& a0 = value(node.input(0));
    const Value& a1 = value(node.input(1));
    if ((a0.kind == Value::Kind::Constant || a1.kind == Value::Kind::Constant) && foldPerChannel(node, '*')) return;
    if (a0.kind != Value::Kind::Node || a1.kind != Value::Kind::Node)
      throw std::invalid_argument("multiplies by a constant; ConvScope multiplies two values the network computes "
                                  "(a gate, one factor per channel), a value by its own sigmoid (SiLU, hard swish), "
                                  "and by one constant per channel (ConvNeXt's layer scale, layer normalization's γ)");
    convertArithmetic(node, ArithmeticOp::Multiply);
  }

  // Two values the network computes, combined element by element with numpy's broadcasting
  // (a gate, a spatial attention's (N, 1, H, W), a difference, a ratio): an Arithmetic layer.
  // Both in ConvScope's order or both channels-last (broadcasting is axis by axis either way).
  void convertArithmetic(const onnx::NodeProto& node, ArithmeticOp op) {
    if (node.input_size() != 2) throw std::invalid_argument("needs two inputs");
    const Value& a = nodeInput(node, 0, false, true);
    const Value& b = nodeInput(node, 1, false, true);
    if (a.channelsLast != b.channelsLast)
      throw std::invalid_argument("combines channels-last values with maps in ConvScope's order; transpose one of "
                                  "them first");
    const Shape sa = shapeOf(a.node), sb = shapeOf(b.node);
    try {
      arithmeticShape(op, sa, sb);
    } catch (const std::invalid_argument& e) { // "add: 1x2x4x4 and 1x2x2x2 do not broadcast: axis 2 …"
      const std::string what = e.what();
      const std::string verb = op == ArithmeticOp::Add        ? "adds "
                               : op == ArithmeticOp::Subtract ? "subtracts "
                               : op == ArithmeticOp::Multiply ? "multiplies "
                                                              : "divides ";
      const size_t cut = what.find(" do not broadcast");
      throw std::invalid_argument(cut == std::string::npos ? what
                                                           : verb + sa.toString() + " and " + sb.toString() +
                                                                 ", which" + what.substr(cut));
    }
    if (sa == sb && op == ArithmeticOp::Add) // a residual connection
      return produce(node, add(std::make_unique<Add>(uniqueName(baseName(node, ""))), {a.node, b.node}));
    produce(node, add(std::make_unique<Arithmetic>(uniqueName(baseName(node, "")), op), {a.node, b.node}));
  }

  void convertBatchNorm(const onnx::NodeProto& node) {
    Attributes a(node, {"epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs"});
    if (a.integer("spatial", 1) != 1)
      throw std::invalid_argument("spatial 0 (per-position statistics) is not supported");
    if (a.integer("training_mode", 0) != 0)
      throw std::invalid_argument("is in training mode; ConvScope imports networks in evaluation form");
    const int in = nodeInput(node, 0).node;
    const Shape src = shapeOf(in);
    const int64_t channels = src[1];
    const Constant* parts[4] = {&constant(node, 1, "scale"), &constant(node, 2, "bias"), &constant(node, 3, "mean"),
                                &constant(node, 4, "variance")};
    for (const Constant* p : parts)
      if (p->count() != channels || p->integer)
        throw std::invalid_argument("statistics of " + std::to_string(p->count()) + " values for " +
                                    std::to_string(channels) + " channels");
    // ONNX's momentum keeps the old statistics (running·m + batch·(1 − m)); PyTorch's and
    // ConvScope's is the share of the new batch.
    auto bn = std::make_unique<BatchNorm>(uniqueName(baseName(node, node.input(1))), channels,
                                          a.number("epsilon", 1e-5f), 1.0f - a.number("momentum", 0.9f));
    bn->gamma().values() = parts[0]->floats();
    bn->beta().values() = parts[1]->floats();
    bn->runningMean().values() = parts[2]->floats();
    bn->runningVariance().values() = parts[3]->floats();
    produce(node, add(std::move(bn), {in}));
  }

  void convertPool(const onnx::NodeProto& node) {
    const bool max = node.op_type() == "MaxPool";
    Attributes a =
        max ? Attributes(node,
                         {"kernel_shape", "strides", "pads", "ceil_mode", "auto_pad", "dilations", "storage_order"})
            : Attributes(node, {"kernel_shape", "strides", "pads", "ceil_mode", "auto_pad", "count_include_pad"});
    const Value& in = nodeInput(node, 0, !max);
    const Shape src = shapeOf(in.node);
    if (src.rank() != 4) throw std::invalid_argument("reads a flat input; pooling needs an image");
    const auto kernel = a.integers("kernel_shape", {});
    if (kernel.size() != 2) throw std::invalid_argument("kernel_shape must have 2 values (2-D pooling)");
    const auto strides = a.integers("strides", {1, 1});
    if (strides.size() != 2) throw std::invalid_argument("strides need 2 values");
    for (int64_t v : {kernel[0], kernel[1], strides[0], strides[1]})
      if (v < 1 || v > kMaxWindow)
        throw std::invalid_argument("the window and strides must be 1 to " + std::to_string(kMaxWindow) + ", not " +
                                    std::to_string(v));
    if (a.integers("dilations", {1, 1}) != std::vector<int64_t>{1, 1})
      throw std::invalid_argument("dilated pooling is not supported");
    if (a.integer("storage_order", 0) != 0) throw std::invalid_argument("storage_order 1 is not supported");
    Pool2DGeometry g;
    g.mode = max ? PoolMode::Max : PoolMode::Average;
    g.kernelH = kernel[0], g.kernelW = kernel[1], g.strideH = strides[0], g.strideW = strides[1];
    g.ceilMode = a.integer("ceil_mode", 0) != 0;
    setPads(a, src, {g.kernelH, g.kernelW}, {g.strideH, g.strideW}, {1, 1}, g.padTop, g.padBottom, g.padLeft,
            g.padRight);
    if (!max) {
      g.countPadding = a.integer("count_include_pad", 0) != 0;
      const bool ownPadding = g.padTop || g.padBottom || g.padLeft || g.padRight;
      if (in.kind == Value::Kind::Padded) {
        // The Pad's zeros are values to the pooling: they count (PyTorch writes its
        // count_include_pad=True this way).
        if (ownPadding && !g.countPadding)
          throw std::invalid_argument("reads Pad node '" + in.padNode +
                                      "' and pads again without counting its own padding; ConvScope's pooling "
                                      "counts all padding or none");
        g.countPadding = true;
        addPadding(in, g.padTop, g.padBottom, g.padLeft, g.padRight);
      }
      const bool padded = g.padTop || g.padBottom || g.padLeft || g.padRight;
      // Without padding both counts agree, except in a ceil-mode partial window, where
      // ONNX and PyTorch divide by the cells inside the image.
      if (!padded) g.countPadding = !g.ceilMode;
      if (g.ceilMode && g.countPadding)
        throw std::invalid_argument("ceil mode with padding counted (count_include_pad 1) is not supported: its "
                                    "last, partial window is divided differently");
    }
    auto pool = std::make_unique<Pool2D>(uniqueName(baseName(node, "")), g);
    produce(node, add(std::move(pool), {in.node}));
  }

  // The mean over height and width (x.mean([2, 3]) in PyTorch, MnasNet's and EfficientNet's
  // head) is global average pooling; without keepdims, flattened too.
  void convertReduceMean(const onnx::NodeProto& node) {
    Attributes a(node, {"axes", "keepdims"});
    std::vector<int64_t> axes = a.integers("axes", {});
    if (hasInput(node, 1))
      for (double d : numbersOf(constant(node, 1, "axes"))) axes.push_back(wholeNumber(d));
    if (hasInput(node, 0)) { // layer normalization's two means, over the last axis
      const Value& v = value(node.input(0));
      const bool squares = v.kind == Value::Kind::LayerNormPart && v.step == 3 && overLastAxis(v, axes);
      if ((v.kind == Value::Kind::Node && overLastAxis(v, axes)) || squares) {
        if (a.integer("keepdims", 1) == 0)
          throw std::invalid_argument("averages the last axis without keepdims; ConvScope reads this mean only in "
                                      "layer normalization, as PyTorch writes F.layer_norm");
        Value part = v;
        part.kind = Value::Kind::LayerNormPart, part.step = squares ? 4 : 1;
        return alias(node, part);
      }
    }
    const int in = nodeInput(node, 0).node;
    const Shape src = shapeOf(in);
    for (int64_t& axis : axes) axis = normalizedAxis(axis, src.rank(), "ReduceMean");
    std::sort(axes.begin(), axes.end());
    if (src.rank() != 4 || axes != std::vector<int64_t>{2, 3})
      throw std::invalid_argument("averages " + src.toString() +
                                  " over other axes than height and width; ConvScope "
                                  "averages each map (axes 2 and 3 of an image)");
    const std::string base = baseName(node, "");
    const int pooled = add(std::make_unique<GlobalAvgPool>(uniqueName(base)), {in});
    if (a.integer("keepdims", 1) != 0) return produce(node, pooled);
    produce(node, add(std::make_unique<Flatten>(uniqueName(base + "_flatten")), {pooled}));
  }

  // Whether `axes` is just the last axis of `v`'s values as ONNX sees them: channels-last maps
  // (axis 3) or vectors (axis 1): layer normalization over the channels (the features).
  bool overLastAxis(const Value& v, std::vector<int64_t> axes) const {
    if (axes.size() != 1) return false;
    const Shape s = shapeOf(v.node);
    const bool maps = s.rank() == 4 && v.channelsLast, vectors = s.rank() == 2 && !v.channelsLast;
    if (!maps && !vectors) return false;
    const int64_t axis = axes[0] < 0 ? axes[0] + s.rank() : axes[0];
    return axis == s.rank() - 1;
  }

  // Layer normalization, opset 17's operator: over the channels of channels-last maps, or over
  // the features of vectors (axis −1).
  void convertLayerNorm(const onnx::NodeProto& node) {
    Attributes a(node, {"axis", "epsilon", "stash_type"});
    const Value& v = nodeInput(node, 0, false, true);
    if (!overLastAxis(v, {a.integer("axis", -1)}))
      throw std::invalid_argument("normalizes " + shapeOf(v.node).toString() + (v.channelsLast ? " (channels-last)" : "") +
                                  " from axis " + std::to_string(a.integer("axis", -1)) +
                                  "; ConvScope's LayerNorm normalizes the last axis alone: the channels of channels-last "
                                  "maps (ConvNeXt) or the features of vectors");
    for (int k = 1; k < node.output_size(); ++k)
      if (!node.output(k).empty() && readers_[node.output(k)] > 0)
        throw std::invalid_argument("its mean or inverse deviation output is read; ConvScope computes the first output only");
    const int64_t channels = shapeOf(v.node)[1];
    auto ln = std::make_unique<LayerNorm>(uniqueName(baseName(node, node.input(1))), channels, a.number("epsilon", 1e-5f));
    const Constant& scale = constant(node, 1, "scale");
    if (scale.count() != channels || scale.integer)
      throw std::invalid_argument("a scale of " + std::to_string(scale.count()) + " values for " +
                                  std::to_string(channels) + " channels");
    ln->gamma().values() = scale.floats();
    if (hasInput(node, 2)) {
      const Constant& b = constant(node, 2, "bias");
      if (b.count() != channels || b.integer)
        throw std::invalid_argument("a bias of " + std::to_string(b.count()) + " values for " +
                                    std::to_string(channels) + " channels");
      ln->beta().values() = b.floats();
    }
    produce(node, add(std::move(ln), {v.node}));
  }

  // Layer normalization as PyTorch writes F.layer_norm before opset 17: μ = ReduceMean(x),
  // d = Sub(x, μ), Pow(d, 2), ReduceMean, Add ε, Sqrt, Div(d, ·) — then, as its own nodes, Mul
  // by γ and Add β (folded into the layer by convertMul and convertAdd). Each step must read
  // the step before on the same values; the Div makes one LayerNorm layer.
  void convertLayerNormStep(const onnx::NodeProto& node) {
    const std::string& op = node.op_type();
    Attributes a(node, {});
    const std::string form = "layer normalization as PyTorch writes F.layer_norm before opset 17 (ReduceMean, Sub, "
                             "Pow 2, ReduceMean, Add ε, Sqrt, Div)";
    const auto part = [&](int k, int step) -> const Value* {
      if (!hasInput(node, k)) return nullptr;
      const Value& v = value(node.input(k));
      return v.kind == Value::Kind::LayerNormPart && v.step == step ? &v : nullptr;
    };
    if (op == "Sub") {
      const Value* mean = part(1, 1);
      const Value& x = value(node.input(0));
      if (node.input_size() != 2 || !mean || x.kind != Value::Kind::Node || x.node != mean->node ||
          x.channelsLast != mean->channelsLast) {
        if (foldPerChannel(node, '-')) return; // x − one constant per channel: a ChannelShift
        if (node.input_size() == 2 && x.kind == Value::Kind::Node && value(node.input(1)).kind == Value::Kind::Node)
          return convertArithmetic(node, ArithmeticOp::Subtract);
        throw std::invalid_argument("subtracts; ConvScope subtracts two values the network computes, one constant "
                                    "per channel, or the mean in " + form);
      }
      Value next = *mean;
      next.step = 2;
      return alias(node, next);
    }
    if (op == "Pow") {
      const Value* centred = part(0, 2);
      if (node.input_size() != 2 || !centred || value(node.input(1)).kind != Value::Kind::Constant ||
          scalarOf(value(node.input(1)).constant, "the exponent") != 2.0)
        throw std::invalid_argument("raises to a power; ConvScope squares only in " + form);
      Value next = *centred;
      next.step = 3;
      return alias(node, next);
    }
    if (op == "Sqrt") {
      const Value* shifted = part(0, 5);
      if (!shifted) throw std::invalid_argument("takes a square root; ConvScope takes it only in " + form);
      Value next = *shifted;
      next.step = 6;
      return alias(node, next);
    }
    // Div: (x − μ) / √(σ² + ε)
    const Value* centred = part(0, 2);
    const Value* sigma = part(1, 6);
    if (node.input_size() != 2 || !centred || !sigma || centred->node != sigma->node)
      throw std::invalid_argument("divides; ConvScope divides (x − μ) by √(σ² + ε) only in " + form);
    const int64_t channels = shapeOf(centred->node)[1];
    const int made = add(std::make_unique<LayerNorm>(uniqueName(compositeName(node)), channels, float(sigma->epsilon)),
                         {centred->node});
    Value v;
    v.node = made, v.channelsLast = centred->channelsLast;
    alias(node, v);
    layerNormAffine_[made] = 0;
  }

  // Network values and a constant of one number per channel, or one number: x·c, x + c, x − c,
  // x / c. γ and β of a LayerNorm from F.layer_norm's nodes are taken into the layer (Mul by γ,
  // then Add β, right after it); otherwise a product or quotient is a ChannelScale layer (ConvNeXt's
  // layer scale, x·2, a baked-in normalization's 1/std) and a sum or difference a ChannelShift
  // (its −mean); c − x (a gate's 1 − g) is a ChannelScale by −1, then a ChannelShift by c. The
  // constant is (C, 1, 1) or (1, C, 1, 1) for maps, (C) for channels-last maps and vectors. False
  // when the constant is none of these, and for c / x.
  bool foldPerChannel(const onnx::NodeProto& node, char op) {
    if (node.input_size() != 2) return false;
    for (int k : {0, 1}) {
      if (k == 0 && op == '/') continue; // c / x is not a per-channel map of x
      const bool reversed = k == 0 && op == '-'; // c − x
      const Value& v = value(node.input(1 - k));
      const Value& c = value(node.input(k));
      if (c.kind != Value::Kind::Constant || v.kind != Value::Kind::Node || c.constant.integer) continue; // −1: the input
      const Shape s = shapeOf(v.node);
      const int64_t channels = s[1];
      const std::vector<int64_t>& d = c.constant.dims;
      const bool lastAxis = d.size() == 1 && d[0] == channels && (v.channelsLast || s.rank() == 2);
      const bool perMap = !v.channelsLast && s.rank() == 4 && c.constant.count() == channels &&
                          ((d.size() == 3 && d[1] == 1 && d[2] == 1) || (d.size() == 4 && d[0] == 1 && d[2] == 1 && d[3] == 1));
      const bool one = c.constant.count() == 1 && int64_t(d.size()) <= s.rank();
      if (!lastAxis && !perMap && !one) continue;
      std::vector<float> values = c.constant.floats();
      if (one) values.assign(size_t(channels), values[0]);
      for (float& x : values) {
        if (op == '-' && !reversed) x = -x;
        if (op == '/') {
          if (x == 0.0f) throw std::invalid_argument("divides by 0");
          x = 1.0f / x;
        }
      }
      const bool multiply = op == '*' || op == '/';
      const auto affine = layerNormAffine_.find(v.node);
      auto* ln = v.node >= 0 ? layerAs<LayerNorm>(network_->layer(size_t(v.node))) : nullptr;
      if ((op == '*' || op == '+') && !one && ln && lastAndUnread(v.node) && affine != layerNormAffine_.end() &&
          affine->second < (multiply ? 1 : 2)) {
        for (int64_t ch = 0; ch < channels; ++ch) {
          if (multiply) {
            ln->gamma().values()[size_t(ch)] *= values[size_t(ch)];
            ln->beta().values()[size_t(ch)] *= values[size_t(ch)];
          } else {
            ln->beta().values()[size_t(ch)] += values[size_t(ch)];
          }
        }
        affine->second = multiply ? 1 : 2;
        alias(node, v);
        return true;
      }
      const std::string name = uniqueName(baseName(node, node.input(k)));
      if (multiply) {
        auto scale = std::make_unique<ChannelScale>(name, channels);
        if (!StructureOnly::active()) scale->gamma().values() = values;
        produce(node, add(std::move(scale), {v.node}));
      } else {
        int in = v.node;
        if (reversed) { // −x first
          auto negate = std::make_unique<ChannelScale>(uniqueName(name + "_negate"), channels);
          if (!StructureOnly::active()) negate->gamma().values().assign(size_t(channels), -1.0f);
          in = add(std::move(negate), {in});
        }
        auto shift = std::make_unique<ChannelShift>(name, channels);
        if (!StructureOnly::active()) shift->shift().values() = values;
        produce(node, add(std::move(shift), {in}));
      }
      return true;
    }
    return false;
  }

  void convertAdd(const onnx::NodeProto& node) {
    Attributes a(node, {});
    if (node.input_size() != 2) throw std::invalid_argument("needs two inputs");
    const Value& x = value(node.input(0));
    const Value& y = value(node.input(1));
    if (geluStep(node, x, y, 2, 1.0)) return; // GELU's 1 + erf(x/√2)
    if (geluTanhStep(node)) return;           // its tanh form's x + 0.044715·x³ and 1 + tanh(…)
    for (int k : {0, 1}) { // layer normalization's σ² + ε
      const Value& part = k == 0 ? x : y;
      const Value& eps = k == 0 ? y : x;
      if (part.kind != Value::Kind::LayerNormPart || part.step != 4) continue;
      if (eps.kind != Value::Kind::Constant || eps.constant.count() != 1 || !(scalarOf(eps.constant, "ε") > 0))
        throw std::invalid_argument("adds to the variance of layer normalization something else than a positive ε");
      Value next = part;
      next.step = 5, next.epsilon = eps.constant.at(0);
      return alias(node, next);
    }
    if (x.kind == Value::Kind::Constant || y.kind == Value::Kind::Constant) {
      const Value& v = x.kind == Value::Kind::Constant ? y : x;
      if (v.kind == Value::Kind::Node && !matmuls_.count(v.node) && foldPerChannel(node, '+')) return;
      const Constant& c = x.kind == Value::Kind::Constant ? x.constant : y.constant;
      Conv2D* conv = v.kind == Value::Kind::Node && v.node >= 0 && matmuls_.count(v.node)
                         ? layerAs<Conv2D>(network_->layer(size_t(v.node)))
                         : nullptr;
      if (conv && lastAndUnread(v.node)) { // the bias after a MatMul over channels-last maps
        const bool lastAxis = c.dims == std::vector<int64_t>{conv->outChannels()} ||
                              c.dims == std::vector<int64_t>{1, 1, 1, conv->outChannels()};
        if (!lastAxis || c.integer)
          throw std::invalid_argument("a bias of " + std::to_string(c.count()) + " values for " +
                                      std::to_string(conv->outChannels()) + " outputs");
        if (!StructureOnly::active()) conv->bias().values() = c.floats();
        matmuls_.erase(v.node);
        return alias(node, v);
      }
    }
    if (x.kind == Value::Kind::Constant || y.kind == Value::Kind::Constant) {
      const Value& v = x.kind == Value::Kind::Constant ? y : x;
      const Constant& c = x.kind == Value::Kind::Constant ? x.constant : y.constant;
      const std::string& vName = x.kind == Value::Kind::Constant ? node.input(1) : node.input(0);
      Dense* dense = v.kind == Value::Kind::Node && v.node >= 0 && matmuls_.count(v.node)
                         ? layerAs<Dense>(network_->layer(size_t(v.node)))
                         : nullptr;
      if (!dense || readers_[vName] != 1 || size_t(v.node) + 1 != network_->size())
        throw std::invalid_argument("adds a constant of shape " + Shape(c.dims).toString() +
                                    "; ConvScope adds one constant per channel (or one number), or a MatMul's bias");
      if (c.count() != dense->outFeatures() || c.integer)
        throw std::invalid_argument("a bias of " + std::to_string(c.count()) + " values for " +
                                    std::to_string(dense->outFeatures()) + " outputs");
      if (!StructureOnly::active()) dense->bias().values() = c.floats();
      matmuls_.erase(v.node);
      return alias(node, v);
    }
    convertArithmetic(node, ArithmeticOp::Add);
  }

  void convertConcat(const onnx::NodeProto& node) {
    Attributes a(node, {"axis"});
    std::vector<int> inputs;
    for (int k = 0; k < node.input_size(); ++k) inputs.push_back(nodeInput(node, k).node);
    if (inputs.empty()) throw std::invalid_argument("has no inputs");
    const int64_t rank = shapeOf(inputs[0]).rank();
    if (normalizedAxis(a.integer("axis", 1), rank, "Concat") != 1)
      throw std::invalid_argument("concatenates along axis " + std::to_string(a.integer("axis", 1)) +
                                  "; ConvScope concatenates channels (axis 1)");
    if (inputs.size() == 1) return alias(node, value(node.input(0)));
    produce(node, add(std::make_unique<Concat>(uniqueName(baseName(node, ""))), inputs));
  }

  void convertFlatten(const onnx::NodeProto& node) {
    if (node.op_type() == "Reshape" && hasInput(node, 0)) {
      const Value& v = value(node.input(0));
      if (v.kind == Value::Kind::ChannelGroups || (v.kind == Value::Kind::Node && shapeOf(v.node).rank() == 4))
        if (reshapeChannels(node, v)) return;
    }
    const Value& in = nodeInput(node, 0);
    const Shape src = shapeOf(in.node);
    const int64_t features = src.elementCount() / std::max<int64_t>(src[0], 1);
    if (node.op_type() == "Flatten") {
      Attributes a(node, {"axis"});
      if (normalizedAxis(a.integer("axis", 1), src.rank() + 1, "Flatten") != 1)
        throw std::invalid_argument("flattens from axis " + std::to_string(a.integer("axis", 1)) +
                                    "; ConvScope flattens everything but the batch (axis 1)");
    } else {
      Attributes a(node, {"allowzero"});
      const std::vector<double> shape = numbersOf(constant(node, 1, "shape"));
      const bool batchFirst = shape.size() == 2 && (shape[0] == 0 || shape[0] == 1 || shape[0] == -1);
      const bool flat = batchFirst && (shape[1] == double(features) || (shape[1] == -1 && shape[0] != -1));
      const bool flatGuessed = shape.size() == 2 && shape[0] == -1 && shape[1] == double(features);
      if (!flat && !flatGuessed) {
        std::string text;
        for (double d : shape) text += (text.empty() ? "" : ", ") + std::to_string(wholeNumber(d));
        throw std::invalid_argument("reshapes " + src.toString() + " to (" + text +
                                    "); ConvScope supports a reshape to a flat (batch, " + std::to_string(features) +
                                    ") vector only");
      }
    }
    if (src.rank() == 2) return alias(node, in);
    produce(node, add(std::make_unique<Flatten>(uniqueName(baseName(node, ""))), {in.node}));
  }

  // A channel shuffle as PyTorch writes it: maps (N, C, H, W) reshaped to (N, G, C/G, H, W),
  // axes 1 and 2 swapped (convertTranspose), reshaped back. True when this Reshape was one of
  // its two; false for any other reshape.
  bool reshapeChannels(const onnx::NodeProto& node, const Value& in) {
    if (in.channelsLast) return false; // its ONNX shape is (N, H, W, C): not a shuffle of channels
    const Shape src = shapeOf(in.node); // (1, C, H, W)
    std::vector<int64_t> dims;
    for (double d : numbersOf(constant(node, 1, "shape"))) dims.push_back(wholeNumber(d));
    const auto batch = [](int64_t d) { return d == 0 || d == 1 || d == -1; };
    if (in.kind == Value::Kind::Node) {
      if (dims.size() != 5 || !batch(dims[0]) || dims[1] < 1 || dims[3] != src[2] || dims[4] != src[3]) return false;
      const int64_t groups = dims[1];
      if (src[1] % groups != 0 || (dims[2] != src[1] / groups && !(dims[2] == -1 && dims[0] != -1))) return false;
      Attributes a(node, {"allowzero"});
      Value v = in;
      v.kind = Value::Kind::ChannelGroups, v.groups = groups, v.swapped = false;
      alias(node, v);
      return true;
    }
    const bool back = dims.size() == 4 && batch(dims[0]) && (dims[1] == src[1] || (dims[1] == -1 && dims[0] != -1)) &&
                      dims[2] == src[2] && dims[3] == src[3];
    if (!back) return false;
    Attributes a(node, {"allowzero"});
    if (!in.swapped) { // reshaped into groups and straight back: nothing moved
      Value v = in;
      v.kind = Value::Kind::Node;
      alias(node, v);
      return true;
    }
    produce(node, add(std::make_unique<ChannelShuffle>(uniqueName(baseName(node, "")), in.groups), {in.node}));
    return true;
  }

  void convertDense(const onnx::NodeProto& node) {
    const bool gemm = node.op_type() == "Gemm";
    Attributes a = gemm ? Attributes(node, {"alpha", "beta", "transA", "transB", "broadcast"}) : Attributes(node, {});
    if (!gemm && nodeInput(node, 0, false, true).channelsLast) return convertChannelsLastMatMul(node);
    const int in = nodeInput(node, 0).node;
    const Shape src = shapeOf(in);
    if (src.rank() != 2)
      throw std::invalid_argument("reads " + src.toString() + "; ConvScope's fully connected layers read a flat " +
                                  "(batch, features) input (flatten it first)");
    if (gemm && a.integer("transA", 0) != 0) throw std::invalid_argument("transA 1 is not supported");
    const Constant& w = constant(node, 1, "weights");
    if (w.dims.size() != 2 || w.integer) throw std::invalid_argument("weights must be a matrix");
    const bool transposed = gemm && a.integer("transB", 0) != 0; // (out, in), ConvScope's order
    const int64_t inF = transposed ? w.dims[1] : w.dims[0], outF = transposed ? w.dims[0] : w.dims[1];
    if (inF != src[1])
      throw std::invalid_argument("weights " + Shape(w.dims).toString() + " do not fit " + std::to_string(src[1]) +
                                  " input features");
    auto dense = std::make_unique<Dense>(uniqueName(baseName(node, node.input(1))), inF, outF, true);
    const float alpha = gemm ? a.number("alpha", 1.0f) : 1.0f, beta = gemm ? a.number("beta", 1.0f) : 1.0f;
    if (!StructureOnly::active()) { // a skeleton holds no weights
      std::vector<float>& weights = dense->weights().values();
      if (transposed && alpha == 1.0f) { // PyTorch's Linear: (out, in) as they are, one copy from the file
        weights = w.floats();
      } else {
        const std::vector<float> given = w.floats();
        for (int64_t o = 0; o < outF; ++o)
          for (int64_t i = 0; i < inF; ++i)
            weights[size_t(o * inF + i)] =
                alpha * (transposed ? given[size_t(o * inF + i)] : given[size_t(i * outF + o)]);
      }
    }
    if (gemm && hasInput(node, 2)) {
      const Constant& b = constant(node, 2, "bias");
      if ((b.count() != outF && b.count() != 1) || b.integer)
        throw std::invalid_argument("a bias of " + std::to_string(b.count()) + " values for " + std::to_string(outF) +
                                    " outputs");
      if (!StructureOnly::active()) {
        const std::vector<float> given = b.floats();
        for (int64_t o = 0; o < outF; ++o) dense->bias().values()[size_t(o)] = beta * given[size_t(b.count() == 1 ? 0 : o)];
      }
    }
    const int made = add(std::move(dense), {in});
    if (!gemm) matmuls_.insert(made);
    produce(node, made);
  }

  // MatMul of channels-last maps (N, H, W, C) by a constant (C, C'): the same linear map at
  // every position — a 1×1 convolution (ConvNeXt's nn.Linear layers), its bias from the Add after.
  void convertChannelsLastMatMul(const onnx::NodeProto& node) {
    const Value& v = nodeInput(node, 0, false, true);
    const Shape src = shapeOf(v.node);
    const Constant& w = constant(node, 1, "weights");
    if (w.dims.size() != 2 || w.integer || w.dims[0] != src[1])
      throw std::invalid_argument("weights " + Shape(w.dims).toString() + " do not fit channels-last maps of " +
                                  std::to_string(src[1]) + " channels");
    const int64_t in = w.dims[0], out = w.dims[1];
    Conv2DGeometry g;
    g.kernelH = g.kernelW = 1;
    auto conv = std::make_unique<Conv2D>(uniqueName(baseName(node, node.input(1))), in, out, g, true);
    if (!StructureOnly::active()) {
      const std::vector<float> given = w.floats();
      std::vector<float>& weights = conv->weights().values();
      for (int64_t o = 0; o < out; ++o)
        for (int64_t i = 0; i < in; ++i) weights[size_t(o * in + i)] = given[size_t(i * out + o)];
    }
    const int made = add(std::move(conv), {v.node});
    matmuls_.insert(made);
    produce(node, made);
  }

  void convertSoftmax(const onnx::NodeProto& node) {
    Attributes a(node, {"axis"});
    const int in = nodeInput(node, 0).node;
    const Shape src = shapeOf(in);
    const int64_t axis = normalizedAxis(a.integer("axis", opset_ >= 13 ? -1 : 1), src.rank(), "Softmax");
    if (src.rank() != 2 || axis != 1)
      throw std::invalid_argument("over axis " + std::to_string(axis) + " of " + src.toString() +
                                  "; ConvScope's softmax is over the features of a flat (batch, features) input");
    produce(node, add(std::make_unique<Softmax>(uniqueName(baseName(node, ""))), {in}));
  }

  std::string source_;
  int64_t opset_ = 0;
  std::optional<Network> network_;
  std::vector<Shape> shapes_; // each network node's output for a batch of one
  std::map<std::string, Value> values_;
  std::map<std::string, int> readers_; // how many node inputs read each value
  std::map<std::string, std::vector<const onnx::NodeProto*>> consumers_; // each value: the nodes that read it
  std::map<int, int> gateInput_;        // a Sigmoid or HardSigmoid layer: the network node it reads (SiLU, hard swish)
  std::set<std::string> names_;
  std::set<int> matmuls_;                     // Dense (or 1×1 Conv2D) layers from MatMul, whose bias may follow as an Add
  std::map<int, int> pendingReads_;           // each network node: reads of its values by nodes not yet converted
  std::map<int, int> layerNormAffine_;        // LayerNorms from F.layer_norm's nodes: 0 fresh, 1 γ taken, 2 β taken
  std::map<std::string, int> scopeOperators_; // how many operators each module path computes
  OnnxImportOptions options_;
  std::map<std::string, std::unique_ptr<MappedFile>> externalFiles_; // external data, by location
};

} // namespace

Model importOnnxBytes(const std::string& bytes, const std::string& source, const OnnxImportOptions& options) {
  return Importer(source, options).run(bytes, nullptr);
}

Model importOnnx(const std::string& path, const OnnxImportOptions& options) {
  const MappedFile file(path, kMaxOnnxBytes, "ONNX files"); // read as the layers take it, not copied whole
  OnnxImportOptions withFolder = options;
  withFolder.folder = std::filesystem::path(path).parent_path().string();
  if (withFolder.folder.empty()) withFolder.folder = ".";
  return Importer(path, withFolder).run(std::string_view(file.data(), file.size()), &file);
}

} // namespace convscope
