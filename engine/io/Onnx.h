// ONNX in and out: networks built in PyTorch (or anything that writes ONNX) become ConvScope
// models, and ConvScope's networks become ONNX files for Netron, OpenCV and PyTorch users.
// Reading and writing use the ONNX project's own protobuf classes and its checker
// (Debian's libonnx-dev); this file maps operators to layers and back.
//
// Import accepts what PyTorch's exporter writes (opsets 7 to 17; 11 to 13 are the tested
// ones) for networks made of ConvScope's layers — the operator table is onnxOperatorTable().
// Shape arithmetic PyTorch leaves in a file (Shape, Gather, Concat, … on constants) is
// evaluated at import. An untrusted file is parsed with bounded sizes and checked counts; a
// file that is not ONNX, is damaged, or holds what ConvScope cannot compute is refused with
// std::invalid_argument naming the file, the node and the operator or attribute.
// Not for: ConvScope's own model files (ModelFile.h), running anything (Network).
#pragma once

#include "engine/io/ModelFile.h"

#include <cstdint>
#include <string>
#include <vector>

namespace convscope {

// The largest ONNX file import reads (protobuf's own limit is 2 GiB).
constexpr int64_t kMaxOnnxBytes = int64_t(1) << 30;

// A path ConvScope opens as ONNX: its name ends in ".onnx" (any case).
bool isOnnxPath(const std::string& path);

struct OnnxImportOptions {
  // The network's structure without its weights (StructureOnly): shapes, parameter and
  // multiply-add counts, for `summary` and graphs. The weights are never read from the file:
  // VGG-16's 528 MB file opens in a fraction of a second and a few MB.
  bool structureOnly = false;
  // The folder external data files are read from (importOnnx sets it to the model's own);
  // empty: a model with external data is refused (importOnnxBytes).
  std::string folder;
};

// The imported network with its weights; info.preprocess is "resize to the input, scale to
// [0, 1]", with the file's own normalization when its metadata_props give one ("mean" and
// "std": JSON arrays, one number a channel) and info.classNames its "class_names" (a JSON
// array, one name an output) — what scripts/export-torchvision.py writes. The file is mapped,
// not read whole: each layer's weights are copied once, from the file into the layer.
Model importOnnx(const std::string& path, const OnnxImportOptions& options = {});
// The same from the file's bytes; `source` names it in errors.
Model importOnnxBytes(const std::string& bytes, const std::string& source, const OnnxImportOptions& options = {});

// The operators import accepts, each with what it becomes: {"Conv", "Conv2D (groups, …)"}.
struct OnnxOperator {
  std::string name, becomes;
};
const std::vector<OnnxOperator>& onnxOperatorTable();

struct OnnxExportOptions {
  // Fold each batch normalization into the convolution before it (w·γ/√(σ²+ε), …): fewer
  // nodes, the same outputs up to rounding; off by default, since Netron then shows no
  // BatchNormalization nodes.
  bool foldBatchNorm = false;
  std::string graphName = "convscope";
};

// The network as an ONNX model (opset 13, IR version 7): one node per layer named as the
// layer, its output tensor named as the layer too, the input "input" with a symbolic batch
// dimension "batch", every intermediate shape recorded; it passes onnx::checker (checked
// before returning). Throws std::invalid_argument naming a layer ONNX cannot express.
std::string exportOnnxBytes(const Network& network, const OnnxExportOptions& options = {});
// Written atomically (a temporary file renamed over the target), as model files are.
void exportOnnx(const std::string& path, const Network& network, const OnnxExportOptions& options = {});

} // namespace convscope
