// `convscope receptive-field`, `attack` and `visualize`: looking inside a network — how much of
// the input each layer's units see (engine/inspection/ReceptiveField.h), how little it takes to
// fool a classifier (Adversarial.h), what a unit wants to see (FeatureVisualization.h).
#include "app/cli/CliCommon.h"

#include "engine/inspection/Adversarial.h"
#include "engine/inspection/FeatureVisualization.h"
#include "engine/inspection/ReceptiveField.h"
#include "engine/io/ImageIO.h"
#include "engine/training/Dataset.h"
#include "engine/io/TextTable.h"
#include "engine/core/NumberText.h"
#include "engine/training/TrainingJob.h"

#include <cmath>
#include <sstream>

namespace convscope::cli {

namespace {
// A field's per-axis figure: one number when height and width agree, else [h, w].
Json axes(const double (&v)[2]) {
  const auto number = [](double x) { return std::abs(x - std::round(x)) < 1e-9 ? Json(int64_t(std::llround(x))) : Json(x); };
  return v[0] == v[1] ? number(v[0]) : Json::array({number(v[0]), number(v[1])});
}
std::string axesText(const double (&v)[2]) {
  return v[0] == v[1] ? formatRounded(v[0], 6) : formatRounded(v[0], 6) + "×" + formatRounded(v[1], 6);
}
} // namespace

int receptiveField(const std::vector<std::string>& args, std::ostream& out) {
  std::vector<std::string> options = args;
  std::string spec = takeLeadingModel(options);
  QCommandLineParser p;
  p.addOption({"model",
               "The model, if not given first: a preset (lenet5, mini-vgg, …, alexnet, vgg16, googlenet, resnet50, …), "
               "a model file, a layer list (.txt) or an ONNX file (.onnx).",
               "M"});
  if (!parse(p, "receptive-field",
             "convscope receptive-field MODEL [--json]\n"
             "Every layer's theoretical receptive field: the input cells one of its units sees (size), the\n"
             "input cells between neighbouring units (jump) and the centre of the top-left unit's window\n"
             "(start; the first input cell's centre is 0), by the standard recurrence over kernel, dilation,\n"
             "stride and padding; a node that joins branches takes the largest; after global pooling or\n"
             "flatten a unit sees the whole image (jump 0). Unclipped by the image's border, as the papers\n"
             "count. JSON: {\"layers\":[{\"name\",\"type\",\"size\",\"jump\",\"start\",\"whole\"}, …]} (a number\n"
             "when height and width agree, else [h, w]).",
             options, out))
    return 0;
  if (spec.empty()) spec = str(p.value("model"));
  if (spec.empty()) throw UsageError("receptive-field needs a model: a preset such as alexnet, a model file, a layer "
                                     "list (.txt) or an ONNX file (.onnx)");
  const Model model = modelStructureFromSpec(spec);
  std::vector<ReceptiveField> fields;
  try {
    fields = receptiveFields(model.network);
  } catch (const std::invalid_argument& e) {
    throw UsageError(spec + ": " + e.what());
  }
  if (p.isSet("json")) {
    Json layers = Json::array();
    for (size_t i = 0; i < fields.size(); ++i) {
      const ReceptiveField& f = fields[i];
      layers.push_back({{"name", f.layer},
                        {"type", model.network.layer(i).kind()},
                        {"size", axes(f.size)},
                        {"jump", axes(f.jump)},
                        {"start", axes(f.start)},
                        {"whole", f.whole}});
    }
    out << Json{{"layers", layers}}.dump() << "\n";
    return 0;
  }
  TextTable table;
  table.header = {"layer", "type", "size", "jump", "start"};
  table.numeric = {false, false, true, true, true};
  for (size_t i = 0; i < fields.size(); ++i) {
    const ReceptiveField& f = fields[i];
    table.rows.push_back({f.layer, model.network.layer(i).kind(), axesText(f.size) + (f.whole ? " (all)" : ""),
                          axesText(f.jump), axesText(f.start)});
  }
  table.notes.push_back("size: input cells one unit sees; jump: input cells between neighbouring units; start: the "
                        "top-left unit's centre (the first input cell's is 0). \"(all)\": the whole image.");
  const std::string text = formatTable(table, TableFormat::Text);
  out << text << (text.empty() || text.back() != '\n' ? "\n" : "");
  return 0;
}

int attack(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"model", "A trained classifier (e.g. resources/models/lenet5-digits.json).", "FILE"});
  p.addOption({"input", "The image to attack (prepared as the model's training images were).", "IMAGE"});
  addDatasetOption(p);
  p.addOption({"method", "fgsm (one step of ε) or pgd (--steps steps, each projected back within ε).", "NAME", "fgsm"});
  p.addOption({"epsilon", "The largest change of a pixel, on the [0, 1] scale (0.1 is 25.5 of 255).", "E", "0.1"});
  p.addOption({"steps", "PGD's steps (1 to 10000).", "N", "10"});
  p.addOption({"step-size", "PGD's step α on the [0, 1] scale (default 2.5·ε / steps).", "A"});
  p.addOption({"target", "Push the image to this class instead of away from its own.", "K"});
  p.addOption({"label", "--input's true class (default: the model's own first answer).", "K"});
  p.addOption({"test-images", "Without --input: attack the first N test images (0: all).", "N", "0"});
  p.addOption({"output", "--input: write the attacked image here (PNG: `predict` reads it back as the same class).",
               "ADV.png"});
  p.addOption({"perturbation", "--input: write the perturbation, amplified to fill 0–255 around grey, here.", "FILE"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  if (!parse(p, "attack",
             "Adversarial examples: the fast gradient sign method (FGSM, one step x + ε·sign(∇L)) or projected\n"
             "gradient descent (PGD), within ε of every pixel on the [0, 1] scale, away from the image's class\n"
             "or towards --target. The result lies on the 8-bit grid a PNG holds. With --input one image:\n"
             "JSON {\"before\":{\"class\",\"label\",\"probability\"},\"after\":{…},\"linf\":…}; without, the test\n"
             "images of --dataset: {\"images\",\"accuracy\",\"attacked_accuracy\",\"linf\"} (and \"target_rate\").",
             args, out))
    return 0;
  const std::string path = str(p.value("model"));
  if (path.empty()) throw UsageError("--model is required: a trained classifier");
  Model model = trainedModel(path);
  if (isSegmentationNetwork(model.network) || model.discriminator || model.info.detector)
    throw UsageError(path + ": not a classifier (attack needs one class per image)");
  AttackOptions options;
  try {
    options.method = attackMethodFromString(str(p.value("method")));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--method: ") + e.what());
  }
  options.epsilon = double(parseFloat(str(p.value("epsilon")), "--epsilon"));
  options.steps = wholeNumber(p, "steps", 1, 10000);
  if (p.isSet("step-size")) options.stepSize = parseFloat(str(p.value("step-size")), "--step-size");
  if (p.isSet("target")) options.target = int(parseInteger(str(p.value("target")), "--target"));
  const int64_t classes = model.network.shapes(1).back()[1];
  if (std::string problem = options.problem(classes); !problem.empty()) throw UsageError(problem);
  const Preprocess& pre = *model.info.preprocess;
  auto backend = backendOption(p);
  const auto name = [&](int k) {
    return k < int(model.info.classNames.size()) ? model.info.classNames[size_t(k)] : std::to_string(k);
  };
  const bool json = p.isSet("json");
  if (!p.isSet("input")) {
    for (const char* option : {"output", "perturbation", "label"})
      if (p.isSet(option)) throw UsageError(std::string("--") + option + " is for one image (--input)");
    const DatasetSplit data = loadDataset(str(p.value("dataset")), pre.channels, pre.height, pre.width);
    AttackEvaluation e;
    try {
      e = attackDataset(model.network, *backend, pre, data.test, options,
                        size_t(wholeNumber(p, "test-images", 0, 1 << 30)));
    } catch (const std::invalid_argument& err) {
      throw UsageError(err.what());
    }
    if (json) {
      Json j{{"images", e.count},
             {"method", toString(options.method)},
             {"epsilon", options.epsilon},
             {"accuracy", float(e.accuracy)},
             {"attacked_accuracy", float(e.attackedAccuracy)},
             {"linf", e.linf}};
      if (options.target >= 0) j["target_rate"] = float(e.targetRate);
      out << j.dump() << "\n";
      return 0;
    }
    out << e.count << " test images, " << toString(options.method) << " at ε " << formatRounded(options.epsilon, 4)
        << ": accuracy " << fixed(100 * e.accuracy, 2) << " % → " << fixed(100 * e.attackedAccuracy, 2)
        << " %; largest change " << formatRounded(e.linf, 4)
        << (options.target >= 0 ? "; classified as " + name(options.target) + ": " + fixed(100 * e.targetRate, 2) + " %"
                                : std::string())
        << "\n";
    return 0;
  }
  if (p.isSet("test-images")) throw UsageError("--test-images is for the test images; --input attacks one image");
  const Preprocess plain = withoutNormalization(pre); // the attack normalizes
  const Tensor image = preprocessImage(loadImage(str(p.value("input")), {pre.channels, false}), plain);
  const int label = p.isSet("label") ? int(parseInteger(str(p.value("label")), "--label")) : -1;
  if (label < -1 || label >= classes)
    throw UsageError("--label " + std::to_string(label) + " is out of range: the model has " + std::to_string(classes) +
                     " classes");
  AttackResult r;
  try {
    r = attackImage(model.network, *backend, pre, image, options, label);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (p.isSet("output")) saveFeatureMapImage(r.image, str(p.value("output")), MapImageStyle::Colour, 1.0f);
  if (p.isSet("perturbation")) { // grey is 0; the largest change fills the range
    Tensor shown = r.perturbation;
    const float scale = r.linf > 0 ? float(0.5 / r.linf) : 0.0f;
    for (float& v : shown.values()) v = 0.5f + v * scale;
    saveFeatureMapImage(shown, str(p.value("perturbation")), MapImageStyle::Colour, 1.0f);
  }
  const auto verdict = [&](int k, const std::vector<float>& probabilities) {
    return Json{{"class", k}, {"label", name(k)}, {"probability", probabilities[size_t(k)]}};
  };
  if (json) {
    out << Json{{"method", toString(options.method)},
                {"epsilon", options.epsilon},
                {"before", verdict(r.beforeClass, r.before)},
                {"after", verdict(r.afterClass, r.after)},
                {"linf", r.linf}}
               .dump()
        << "\n";
    return 0;
  }
  out << "before: " << name(r.beforeClass) << " (" << fixed(100 * r.before[size_t(r.beforeClass)], 1) << " %)\n"
      << "after " << toString(options.method) << " at ε " << formatRounded(options.epsilon, 4) << ": "
      << name(r.afterClass) << " (" << fixed(100 * r.after[size_t(r.afterClass)], 1) << " %); largest change "
      << formatRounded(r.linf, 4) << " (" << std::lround(r.linf * 255) << " of 255)\n";
  if (p.isSet("output")) out << "wrote " << str(p.value("output")) << "\n";
  return 0;
}

namespace {
// `visualize --top K`: the unit's dataset examples as JSON or a table, the images written side by
// side with each patch outlined in red.
int datasetExamples(const QCommandLineParser& p, Model& model, const Preprocess& pre, const std::string& layer,
                    const VisualizeOptions& unit, Backend& backend, std::ostream& out) {
  for (const char* option : {"steps", "rate", "seed", "regularize"})
    if (p.isSet(option)) throw UsageError(std::string("--") + option + " is for the ascent, not --top");
  const int k = wholeNumber(p, "top", 1, 1000);
  const DatasetSplit data = loadDataset(str(p.value("dataset")), pre.channels, pre.height, pre.width);
  std::vector<DatasetExample> examples;
  try {
    examples = topDatasetExamples(model.network, backend, pre, data.test, unit, k,
                                  size_t(wholeNumber(p, "test-images", 0, 1 << 30)));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (p.isSet("output")) {
    const Shape in = model.network.inputShape();
    Tensor images(Shape{int64_t(examples.size()), in[0], in[1], in[2]});
    for (size_t i = 0; i < examples.size(); ++i)
      std::copy(examples[i].image.values().begin(), examples[i].image.values().end(),
                images.data() + int64_t(i) * in.elementCount());
    constexpr int scale = 4;
    Tensor grid = imageGrid(images, int64_t(examples.size()), scale);
    for (size_t i = 0; i < examples.size(); ++i) { // the patch's outline, a screen pixel wide, in red
      const DatasetExample& e = examples[i];
      const int64_t y0 = 2 + e.top * scale, x0 = 2 + int64_t(i) * (in[2] * scale + 2) + e.left * scale;
      const int64_t y1 = y0 + e.height * scale - 1, x1 = x0 + e.width * scale - 1;
      const auto red = [&](int64_t y, int64_t x) {
        grid.at(0, 0, y, x) = 255.0f, grid.at(0, 1, y, x) = 0.0f, grid.at(0, 2, y, x) = 0.0f;
      };
      for (int64_t x = x0; x <= x1; ++x) red(y0, x), red(y1, x);
      for (int64_t y = y0; y <= y1; ++y) red(y, x0), red(y, x1);
    }
    saveFeatureMapImage(grid, str(p.value("output")), MapImageStyle::Colour, 1.0f);
  }
  if (p.isSet("json")) {
    Json list = Json::array();
    for (const DatasetExample& e : examples)
      list.push_back(Json{{"index", int64_t(e.index)},
                          {"label", e.label},
                          {"activation", e.activation},
                          {"position", Json::array({e.y, e.x})},
                          {"patch", Json{{"top", e.top}, {"left", e.left}, {"height", e.height}, {"width", e.width}}}});
    out << Json{{"layer", layer}, {"unit", unit.channel}, {"examples", list}}.dump() << "\n";
    return 0;
  }
  const auto name = [&](int label) {
    return size_t(label) < data.test.classNames.size() ? data.test.classNames[size_t(label)] : std::to_string(label);
  };
  TextTable table;
  table.header = {"test image", "class", "activation", "at (y, x)", "patch (top, left, h×w)"};
  table.numeric = {true, false, true, false, false};
  for (const DatasetExample& e : examples)
    table.rows.push_back({std::to_string(e.index), name(e.label), formatRounded(e.activation, 4),
                          std::to_string(e.y) + ", " + std::to_string(e.x),
                          std::to_string(e.top) + ", " + std::to_string(e.left) + ", " + std::to_string(e.height) +
                              "×" + std::to_string(e.width)});
  const std::string text = formatTable(table, TableFormat::Text);
  out << layer << " unit " << unit.channel << ": the " << examples.size() << " test images that excite it most\n"
      << text << (text.empty() || text.back() != '\n' ? "\n" : "");
  if (p.isSet("output")) out << "wrote " << str(p.value("output")) << "\n";
  return 0;
}
} // namespace

int visualize(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"model", "A trained model (e.g. resources/models/lenet5-digits.json); a preset gets random weights.",
               "M"});
  p.addOption({"layer", "The layer, by name (convscope summary lists them).", "NAME"});
  p.addOption({"unit", "Its channel (a feature map) or unit (a fully connected layer), from 0.", "U", "0"});
  p.addOption({"position", "One position of the map, Y,X (default: the channel's mean over its map).", "Y,X"});
  p.addOption({"steps", "Gradient-ascent steps (1 to 100000).", "N", "128"});
  p.addOption({"rate", "Each step's size on the [0, 1] scale.", "R", "0.05"});
  p.addOption({"seed", "The start's noise.", "S", "1"});
  p.addOption({"regularize",
               "Switches, comma-separated: l2 (decay to the start), blur (every 4 steps), jitter (±2 pixels), "
               "transform (random scale ±10 % and rotation ±10°), fourier (the decorrelated parameterization: steps "
               "filtered by 1/frequency², colours decorrelated).",
               "LIST"});
  p.addOption({"top", "Instead of ascending: the K images of --dataset's test set that excite the unit most.", "K"});
  addDatasetOption(p);
  p.addOption({"test-images", "With --top: search the first N test images (0: all).", "N", "0"});
  p.addOption({"output",
               "Write the image here (PNG, …; the model's input size); with --top, the K images side by side, "
               "each with the patch its strongest position sees outlined.",
               "IMG.png"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  if (!parse(p, "visualize",
             "What a unit wants to see: gradient ascent on the input image for one unit of a layer (a channel's\n"
             "mean, or one position), from a neutral start (the training set's mean pixel, where the model's\n"
             "normalization puts zero) with a little seeded noise, with switchable regularizers; a unit that\n"
             "is off for the whole start is restarted from noisier ones. JSON: {\"layer\",\"unit\",\n"
             "\"activation_start\",\"activation_end\",\"restarts\",\"steps\":[…]} (the activation after each\n"
             "step; the written image, read back, gives activation_end up to its 8-bit rounding).\n"
             "With --top K --dataset D: the unit's dataset examples instead, {\"layer\",\"unit\",\"examples\":\n"
             "[{\"index\",\"label\",\"activation\",\"position\":[y,x],\"patch\":{\"top\",\"left\",\"height\",\n"
             "\"width\"}}]} — the patch is the input the strongest position's receptive field covers.",
             args, out))
    return 0;
  const std::string spec = str(p.value("model"));
  if (spec.empty()) throw UsageError("--model is required");
  Model model = modelFromSpec(spec);
  if (!model.hasWeights) initialize(model.network, InitScheme::Auto, 1);
  if (model.discriminator) throw UsageError(spec + ": a GAN's generator reads noise; visualize a classifier");
  const Preprocess pre = model.info.preprocess ? *model.info.preprocess : plainPreprocess(model.network.inputShape());
  const std::string layer = str(p.value("layer"));
  if (layer.empty()) throw UsageError("--layer is required (convscope summary " + spec + " lists the layers)");
  VisualizeOptions o;
  try {
    o.node = size_t(model.network.nodeIndex(layer));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--layer: ") + e.what());
  }
  if (model.network.nodeIndex(layer) < 0) throw UsageError("--layer: name a layer, not the input");
  o.channel = parseInteger(str(p.value("unit")), "--unit");
  if (p.isSet("position")) {
    const std::string at = str(p.value("position"));
    const size_t comma = at.find(',');
    if (comma == std::string::npos) throw UsageError("--position needs Y,X (e.g. 3,4)");
    o.y = parseInteger(at.substr(0, comma), "--position"), o.x = parseInteger(at.substr(comma + 1), "--position");
    if (o.y < 0 || o.x < 0) throw UsageError("--position " + at + ": both from 0");
  }
  o.steps = wholeNumber(p, "steps", 1, 100000);
  o.rate = double(parseFloat(str(p.value("rate")), "--rate"));
  o.seed = uint64_t(parseInteger(str(p.value("seed")), "--seed"));
  if (p.isSet("regularize")) {
    std::istringstream list(str(p.value("regularize")));
    for (std::string item; std::getline(list, item, ',');) {
      if (item == "l2") o.l2 = true;
      else if (item == "blur") o.blur = true;
      else if (item == "jitter") o.jitter = true;
      else if (item == "transform") o.transform = true;
      else if (item == "fourier") o.fourier = true;
      else throw UsageError("--regularize: '" + item + "' is not l2, blur, jitter, transform or fourier");
    }
  }
  if (std::string problem = o.problem(model.network); !problem.empty()) throw UsageError(problem);
  auto backend = backendOption(p);
  if (p.isSet("top")) return datasetExamples(p, model, pre, layer, o, *backend, out);
  for (const char* option : {"dataset", "test-images"})
    if (p.isSet(option)) throw UsageError(std::string("--") + option + " is for the dataset examples (--top K)");
  const VisualizeResult r = visualizeUnit(model.network, *backend, pre, o);
  if (p.isSet("output")) saveFeatureMapImage(r.image, str(p.value("output")), MapImageStyle::Colour, 1.0f);
  if (p.isSet("json")) {
    out << Json{{"layer", layer},
                {"unit", o.channel},
                {"activation_start", r.activationStart},
                {"activation_end", r.activationEnd},
                {"restarts", r.restarts},
                {"steps", r.activations}}
               .dump()
        << "\n";
    return 0;
  }
  out << layer << " unit " << o.channel << ": activation " << formatRounded(r.activationStart, 4) << " → "
      << formatRounded(r.activationEnd, 4) << " in " << o.steps << " steps\n";
  if (p.isSet("output")) out << "wrote " << str(p.value("output")) << "\n";
  return 0;
}

} // namespace convscope::cli
