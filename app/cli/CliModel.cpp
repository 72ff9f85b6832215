// Commands over a whole model: export (to ONNX) and run (one input through the network).
#include "app/cli/CliCommon.h"
#include "engine/io/ImageIO.h"
#include "engine/io/MatrixText.h"
#include "engine/io/Onnx.h"
#include "engine/training/Optimizer.h"
#include "engine/training/Preprocess.h"
#include "engine/training/TrainingJob.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <filesystem>

namespace convscope::cli {

namespace {

const char* const kModelHelp =
    "A preset (lenet5, resnet50, mini-vgg, …), a model file (.json), a layer list (.txt) or an ONNX file (.onnx).";

// The model, its weights drawn from the seed when it has none (a preset or a layer list).
Model modelWithWeights(const QCommandLineParser& p) {
  const std::string spec = str(p.value("model"));
  if (spec.empty()) throw UsageError("--model is required (" + std::string(kModelHelp) + ")");
  Model model = modelFromSpec(spec);
  if (!model.hasWeights) {
    const int64_t seed = parseAtLeast(str(p.value("seed")), "seed", 0);
    initialize(model.network, InitScheme::Auto, uint64_t(seed));
    model.hasWeights = true;
  }
  return model;
}

// {"shape":[…],"output":[…]} nested by the shape: one level per dimension.
Json nested(const float* values, const std::vector<int64_t>& dims, size_t axis) {
  Json list = Json::array();
  int64_t stride = 1;
  for (size_t k = axis + 1; k < dims.size(); ++k) stride *= dims[k];
  for (int64_t i = 0; i < dims[axis]; ++i) {
    if (axis + 1 == dims.size())
      list.push_back(values[i]);
    else
      list.push_back(nested(values + i * stride, dims, axis + 1));
  }
  return list;
}

} // namespace

int exportCommand(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"model", kModelHelp, "MODEL"});
  p.addOption({"output", "The ONNX file to write (replaced atomically).", "FILE.onnx"});
  p.addOption({"fold-batchnorm",
               "Fold each batch normalization into the convolution before it (off by default: Netron then shows "
               "no BatchNormalization nodes; the outputs are the same up to rounding)."});
  p.addOption({"seed", "Seed of the initial weights, for a model without weights (a preset, a layer list).", "N", "1"});
  if (!parse(p, "export",
             "Write a model as ONNX (opset 13): one node per layer, named as the layer, the batch dimension "
             "symbolic. Netron, OpenCV's DNN module, ONNX Runtime and PyTorch users read it.\n"
             "JSON: {\"output\":\"FILE\",\"nodes\":n,\"parameters\":p,\"bytes\":b}",
             args, out))
    return 0;
  const std::string output = str(p.value("output"));
  if (output.empty()) throw UsageError("--output FILE.onnx is required");
  const Model model = modelWithWeights(p);
  OnnxExportOptions options;
  options.foldBatchNorm = p.isSet("fold-batchnorm");
  const std::string bytes = exportOnnxBytes(model.network, options);
  writeFileAtomically(output, bytes);
  if (p.isSet("json")) {
    out << Json{{"output", output},
                {"nodes", int64_t(model.network.size())},
                {"parameters", model.network.parameterCount()},
                {"bytes", int64_t(bytes.size())}}
               .dump()
        << "\n";
  } else {
    out << "wrote " << output << " (" << model.network.size() << " layers, " << model.network.parameterCount()
        << " parameters, " << (bytes.size() + 1023) / 1024 << " KiB; opset 13"
        << (options.foldBatchNorm ? ", batch normalization folded" : "") << ")\n";
  }
  return 0;
}

int runCommand(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"model", kModelHelp, "MODEL"});
  p.addOption({"input",
               "A matrix text file (the network's input exactly as written; its shape must be the model's) or an "
               "image (prepared as the model's training images were; for an ONNX file or an untrained model, "
               "resized to the input and scaled to [0, 1]).",
               "FILE"});
  p.addOption({"seed", "Seed of the initial weights, for a model without weights (a preset, a layer list).", "N", "1"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  addNormalizationOptions(p);
  if (!parse(p, "run",
             "Run one input through a network and print its output (one sample; no softmax added).\n"
             "JSON: {\"shape\":[…],\"output\":[…]} with the output nested by its shape (without the batch).",
             args, out))
    return 0;
  const std::string input = str(p.value("input"));
  if (input.empty()) throw UsageError("--input FILE is required (a matrix text file or an image)");
  std::error_code ec;
  if (!std::filesystem::exists(input, ec)) throw UsageError(input + ": no such file");
  Model model = modelWithWeights(p);
  applyNormalizationOptions(p, model);
  const Shape& shape = model.network.inputShape();
  Tensor src;
  if (isImageFile(input)) {
    if (shape.rank() != 3)
      throw UsageError(input + " is an image, but the model reads " + shape.toString() +
                       " values (give a matrix text file)");
    const Preprocess pre = model.info.preprocess ? *model.info.preprocess : plainPreprocess(shape);
    src = preprocessImage(loadImage(input, {pre.channels, false}), pre);
  } else {
    const Tensor chw = loadMatrixInput(input);
    const Shape& m = chw.shape();
    const bool fits = shape.rank() == 3 ? m == shape : (m[0] == 1 && m[1] == 1 && m[2] == shape[0]);
    if (!fits)
      throw UsageError(input + " holds " + m.toString() + " values (channels x rows x columns), but the model reads " +
                       (shape.rank() == 3 ? shape.toString() : "one row of " + std::to_string(shape[0])));
    src = chw.reshaped(model.network.batchInputShape(1));
  }
  auto backend = backendOption(p);
  const Tensor result = model.network.forward(*backend, src).inLayout(Layout::NCHW);
  const std::vector<int64_t> dims(result.shape().dims().begin() + 1, result.shape().dims().end());
  if (p.isSet("json")) {
    out << Json{{"shape", dims}, {"output", nested(result.data(), dims, 0)}}.dump() << "\n";
    return 0;
  }
  out << "output " << Shape(dims).toString() << "\n";
  if (dims.size() == 3 && dims[1] <= 32 && dims[2] <= 32) {
    out << formatMatrixText(result.reshaped(Shape(dims)));
  } else if (dims.size() == 1 && dims[0] <= 1000) {
    for (int64_t i = 0; i < dims[0]; ++i) out << "  " << i << "  " << formatNumber(result.data()[i]) << "\n";
  } else {
    out << "(" << result.size() << " values: use --json to print them all)\n";
  }
  return 0;
}

} // namespace convscope::cli
