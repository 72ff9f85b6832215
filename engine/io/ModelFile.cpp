// Model files in JSON (nlohmann::json), weights as base64 little-endian float32 + CRC-32.
#include "engine/io/ModelFile.h"
#include "engine/io/FileText.h"
#include "engine/generative/Gan.h"

#include "engine/network/LayerList.h"
#include "engine/io/Onnx.h"

#include "engine/layers/LayerKind.h"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace convscope {

using Json = nlohmann::ordered_json;

namespace {
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
} // namespace

std::string base64(const uint8_t* data, size_t size) {
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  for (size_t i = 0; i < size; i += 3) {
    const uint32_t v =
        uint32_t(data[i]) << 16 | (i + 1 < size ? uint32_t(data[i + 1]) << 8 : 0) | (i + 2 < size ? data[i + 2] : 0);
    out += kBase64[v >> 18 & 63];
    out += kBase64[v >> 12 & 63];
    out += i + 1 < size ? kBase64[v >> 6 & 63] : '=';
    out += i + 2 < size ? kBase64[v & 63] : '=';
  }
  return out;
}

bool unbase64(const std::string& text, std::vector<uint8_t>& out) {
  if (text.size() % 4 != 0) return false;
  int8_t table[256];
  std::memset(table, -1, sizeof table);
  for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(kBase64[i])] = static_cast<int8_t>(i);
  out.clear();
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t v = 0;
    int padding = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        ++padding;
        v <<= 6;
        continue;
      }
      if (padding || table[static_cast<uint8_t>(c)] < 0) return false;
      v = v << 6 | static_cast<uint32_t>(table[static_cast<uint8_t>(c)]);
    }
    out.push_back(static_cast<uint8_t>(v >> 16));
    if (padding < 2) out.push_back(static_cast<uint8_t>(v >> 8));
    if (padding < 1) out.push_back(static_cast<uint8_t>(v));
  }
  return true;
}

namespace {

Json pair(int64_t a, int64_t b) { return Json::array({a, b}); }

Json layerJson(const Layer& layer) {
  Json j{{"type", layer.kind()}, {"name", layer.name()}};
  layer.saveFields(j);
  return j;
}

// The layer's kind reads its own fields (LayerKind.h); errors name the layer.
std::unique_ptr<Layer> layerFromJson(const Json& j, const std::string& where) {
  if (!j.is_object()) throw std::invalid_argument(where + ": must be an object");
  const LayerFields f{j, where};
  const std::string type = f.text("type"), name = f.text("name");
  const LayerKind* kind = layerKindOfType(type);
  if (!kind)
    throw std::invalid_argument(where + ": unknown layer type \"" + type + "\" (expected " + layerTypeNames() + ")");
  try {
    return kind->load(f, name);
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    if (message.rfind(where, 0) == 0) throw;
    throw std::invalid_argument(where + ": " + message);
  }
}

} // namespace

namespace {
Json tensorJson(const Tensor& t) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(t.data()); // little-endian hosts only (x86, ARM)
  const size_t size = static_cast<size_t>(t.size()) * sizeof(float);
  return {
      {"shape", t.shape().dims()}, {"crc32", crc32(0L, bytes, static_cast<uInt>(size))}, {"data", base64(bytes, size)}};
}

// A JSON list of whole numbers equal to shape's dimensions (anything else is not).
bool isShape(const Json& dims, const Shape& shape) {
  if (!dims.is_array() || dims.size() != shape.dims().size()) return false;
  for (size_t k = 0; k < dims.size(); ++k)
    if (!dims[k].is_number_integer() || dims[k].get<int64_t>() != shape.dims()[k]) return false;
  return true;
}

// A tensor of the given shape from tensorJson's object, checked as the weights are.
Tensor tensorOfShape(const Json& j, const Shape& shape, const std::string& where) {
  const LayerFields f{j, where};
  const Json& dims = f.at("shape");
  if (!isShape(dims, shape))
    throw std::invalid_argument(where + ": shape " + dims.dump() + " does not match " + shape.toString());
  std::vector<uint8_t> bytes;
  if (!unbase64(f.text("data"), bytes)) throw std::invalid_argument(where + ": \"data\" is not valid base64");
  Tensor t(shape);
  const size_t needed = static_cast<size_t>(t.size()) * sizeof(float);
  if (bytes.size() != needed)
    throw std::invalid_argument(where + ": expected " + std::to_string(t.size()) + " values, found " +
                                std::to_string(bytes.size() / 4));
  if (static_cast<int64_t>(crc32(0L, bytes.data(), static_cast<uInt>(bytes.size()))) != f.integer("crc32"))
    throw std::invalid_argument(where + ": checksum mismatch (the file was changed or damaged)");
  std::memcpy(t.data(), bytes.data(), needed);
  return t;
}

Json checkpointJson(const Checkpoint& c) {
  const TrainConfig& k = c.config;
  const OptimizerConfig& o = k.optimizer;
  Json j{{"dataset", c.dataset},
         {"init", toString(c.init)},
         {"epochs_done", c.state.epochsDone},
         {"config",
          {{"batch", k.batchSize},
           {"loss", toString(k.loss)},
           {"pixel_loss", toString(k.pixelLoss)},
           {"seed", k.seed},
           {"train_images", k.maxTrainImages},
           {"test_images", k.maxTestImages},
           {"optimizer", toString(o.kind)},
           {"lr", o.learningRate},
           {"momentum", o.momentum},
           {"weight_decay", o.weightDecay},
           {"beta1", o.beta1},
           {"beta2", o.beta2},
           {"epsilon", o.epsilon},
           {"lr_step", o.stepEvery},
           {"lr_gamma", o.stepGamma}}},
         {"shuffle_random", c.state.shuffleRandom}};
  const auto optimizerJson = [&](const std::string& prefix, const OptimizerState& state) {
    j[prefix + "optimizer_steps"] = state.steps;
    j[prefix + "optimizer_first"] = Json::array();
    j[prefix + "optimizer_second"] = Json::array();
    for (const Tensor& t : state.first) j[prefix + "optimizer_first"].push_back(tensorJson(t));
    for (const Tensor& t : state.second) j[prefix + "optimizer_second"].push_back(tensorJson(t));
  };
  const auto randomJson = [](const std::vector<std::pair<std::string, std::string>>& streams) {
    Json r = Json::object();
    for (const auto& [name, random] : streams) r[name] = random;
    return r;
  };
  j["layer_random"] = randomJson(c.state.layerRandom);
  optimizerJson("", c.state.optimizer);
  if (c.config.gan) { // the discriminator's side, the noise and the generator's weighing of its losses
    j["config"]["adversarial_weight"] = c.config.adversarialWeight;
    j["noise_random"] = c.state.noiseRandom;
    j["discriminator_layer_random"] = randomJson(c.state.discriminatorLayerRandom);
    optimizerJson("discriminator_", c.state.discriminatorOptimizer);
  }
  return j;
}

// A GAN's (`discriminator` given) also holds the noise stream and the discriminator's side.
Checkpoint checkpointFromJson(const Json& j, const Network& network, const Network* discriminator,
                              const std::string& source) {
  const std::string where = source + ": \"checkpoint\"";
  const LayerFields f{j, where};
  Checkpoint c;
  c.dataset = f.text("dataset");
  c.init = initSchemeFromString(f.text("init"));
  c.state.epochsDone = int(f.integer("epochs_done"));
  const LayerFields k{f.at("config"), where + ": \"config\""};
  c.config.batchSize = int(k.integer("batch"));
  c.config.loss = lossKindFromString(k.text("loss"));
  if (k.j.contains("pixel_loss")) c.config.pixelLoss = pixelLossKindFromString(k.text("pixel_loss"));
  c.config.seed = uint64_t(k.integer("seed"));
  c.config.maxTrainImages = size_t(k.integer("train_images"));
  c.config.maxTestImages = size_t(k.integer("test_images"));
  OptimizerConfig& o = c.config.optimizer;
  o.kind = optimizerKindFromString(k.text("optimizer"));
  const auto real = [&](const char* key) {
    const Json& v = k.at(key);
    if (!v.is_number()) throw std::invalid_argument(k.where + ": \"" + key + "\" must be a number");
    return v.get<double>();
  };
  o.learningRate = real("lr"), o.momentum = real("momentum"), o.weightDecay = real("weight_decay");
  o.beta1 = real("beta1"), o.beta2 = real("beta2"), o.epsilon = real("epsilon");
  o.stepEvery = int(k.integer("lr_step"));
  o.stepGamma = real("lr_gamma");
  if (const std::string problem = c.config.problem(); !problem.empty())
    throw std::invalid_argument(where + ": " + problem);
  c.state.shuffleRandom = f.text("shuffle_random");
  const auto streams = [&](const char* key) {
    std::vector<std::pair<std::string, std::string>> out;
    const Json& layers = f.at(key);
    if (!layers.is_object()) throw std::invalid_argument(where + ": \"" + key + "\" must be an object");
    for (const auto& [name, random] : layers.items()) {
      if (!random.is_string()) throw std::invalid_argument(where + ": \"" + key + "\" holds text");
      out.emplace_back(name, random.get<std::string>());
    }
    return out;
  };
  // An optimizer's tensors have its network's parameters' shapes, in their order.
  const auto optimizer = [&](const std::string& prefix, const Network& net) {
    OptimizerState state;
    state.steps = f.integer((prefix + "optimizer_steps").c_str());
    const std::vector<Tensor*> params = const_cast<Network&>(net).parameters();
    for (const std::string& key : {prefix + "optimizer_first", prefix + "optimizer_second"}) {
      const bool second = key == prefix + "optimizer_second";
      const Json& list = f.at(key.c_str());
      if (!list.is_array() || (list.size() != params.size() && !(list.empty() && second)))
        throw std::invalid_argument(where + ": \"" + key + "\" must hold one tensor per parameter (" +
                                    std::to_string(params.size()) + ")");
      for (size_t i = 0; i < list.size(); ++i)
        (second ? state.second : state.first)
            .push_back(tensorOfShape(list[i], params[i]->shape(), where + ": " + key + " " + std::to_string(i + 1)));
    }
    return state;
  };
  c.state.layerRandom = streams("layer_random");
  c.state.optimizer = optimizer("", network);
  if (discriminator) { // a GAN's
    c.config.gan = true;
    if (k.j.contains("adversarial_weight")) c.config.adversarialWeight = real("adversarial_weight");
    c.state.noiseRandom = f.text("noise_random");
    c.state.discriminatorLayerRandom = streams("discriminator_layer_random");
    c.state.discriminatorOptimizer = optimizer("discriminator_", *discriminator);
  }
  return c;
}

Json detectorJson(const DetectorSpec& d) {
  Json levels = Json::array();
  for (const AnchorLevel& l : d.levels)
    levels.push_back({{"layer", l.layer}, {"stride", l.stride}, {"sizes", l.sizes}, {"ratios", l.ratios}});
  return {{"levels", levels},
          {"classes", d.classNames},
          {"variances", {d.centreVariance, d.sizeVariance}},
          {"match_iou", d.matchIou},
          {"negatives_per_positive", d.negativesPerPositive},
          {"score_threshold", d.scoreThreshold},
          {"nms_iou", d.nmsIou}};
}

DetectorSpec detectorFromJson(const Json& j, const Network& network, const std::string& source) {
  const std::string where = source + ": \"detector\"";
  if (!j.is_object()) throw std::invalid_argument(where + " must be an object");
  const auto numbers = [&](const Json& v, const std::string& what, size_t min, size_t max) {
    if (!v.is_array() || v.size() < min || v.size() > max)
      throw std::invalid_argument(where + ": \"" + what + "\" must be a list of " + std::to_string(min) + " to " +
                                  std::to_string(max) + " numbers");
    std::vector<double> out;
    for (const Json& x : v) {
      if (!x.is_number() || !std::isfinite(x.get<double>()))
        throw std::invalid_argument(where + ": \"" + what + "\" must hold numbers");
      out.push_back(x.get<double>());
    }
    return out;
  };
  const auto number = [&](const char* key, double fallback) {
    if (!j.contains(key)) return fallback;
    if (!j[key].is_number() || !std::isfinite(j[key].get<double>()))
      throw std::invalid_argument(where + ": \"" + key + "\" must be a number");
    return j[key].get<double>();
  };
  DetectorSpec d;
  if (!j.contains("levels") || !j["levels"].is_array() || j["levels"].empty() || j["levels"].size() > 16)
    throw std::invalid_argument(where + ": \"levels\" must be a list of 1 to 16 levels");
  for (const Json& l : j["levels"]) {
    if (!l.is_object() || !l.contains("layer") || !l["layer"].is_string() || !l.contains("stride") ||
        !l["stride"].is_number_integer())
      throw std::invalid_argument(where + ": each level needs \"layer\" (a name), \"stride\", \"sizes\" and \"ratios\"");
    AnchorLevel level;
    level.layer = l["layer"].get<std::string>();
    const int64_t stride = l["stride"].get<int64_t>();
    if (stride < 1 || stride > 4096) throw std::invalid_argument(where + ": stride " + std::to_string(stride) + " must be 1 to 4096");
    level.stride = int(stride);
    level.sizes = numbers(l.value("sizes", Json()), "sizes", 1, 64);
    level.ratios = numbers(l.value("ratios", Json()), "ratios", 1, 64);
    d.levels.push_back(level);
  }
  if (!j.contains("classes") || !j["classes"].is_array()) throw std::invalid_argument(where + ": \"classes\" must be a list of names");
  for (const Json& c : j["classes"]) {
    if (!c.is_string()) throw std::invalid_argument(where + ": \"classes\" must be a list of names");
    d.classNames.push_back(c.get<std::string>());
  }
  if (j.contains("variances")) {
    const std::vector<double> v = numbers(j["variances"], "variances", 2, 2);
    d.centreVariance = v[0], d.sizeVariance = v[1];
  }
  d.matchIou = number("match_iou", d.matchIou);
  const double negatives = number("negatives_per_positive", d.negativesPerPositive);
  if (negatives != std::floor(negatives) || negatives < 0 || negatives > 100)
    throw std::invalid_argument(where + ": \"negatives_per_positive\" must be a whole number from 0 to 100");
  d.negativesPerPositive = int(negatives);
  d.scoreThreshold = number("score_threshold", d.scoreThreshold);
  d.nmsIou = number("nms_iou", d.nmsIou);
  if (std::string p = d.problem(); !p.empty()) throw std::invalid_argument(where + ": " + p);
  try {
    makeAnchors(network, d);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where + " does not fit the layers: " + e.what());
  }
  return d;
}
} // namespace

std::string serializeModel(const Network& network, const ModelInfo& info, bool withWeights,
                           const Network* discriminator) {
  Json j;
  j["format"] = "convscope-model";
  j["version"] = kModelFormatVersion;
  j["input"] = network.inputShape().dims();
  j["layers"] = Json::array();
  const auto& nodes = network.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    Json layer = layerJson(*nodes[i].layer);
    // A layer reading anything but the one before it names its inputs.
    if (nodes[i].inputs != std::vector<int>{int(i) - 1}) {
      Json inputs = Json::array();
      for (int k : nodes[i].inputs) inputs.push_back(k < 0 ? std::string("input") : nodes[size_t(k)].layer->name());
      layer["inputs"] = inputs;
    }
    j["layers"].push_back(layer);
  }
  if (!info.classNames.empty()) j["classes"] = info.classNames;
  if (info.preprocess && !discriminator) { // a GAN's is its discriminator's (the images')
    const Preprocess& p = *info.preprocess;
    j["preprocess"] = {{"source_size", pair(p.sourceHeight, p.sourceWidth)}, {"mean", p.mean}, {"std", p.stddev}};
    if (p.resize > 0) j["preprocess"]["resize"] = p.resize; // a single image's shorter side, before its centre
  }
  if (info.training) {
    const TrainingNote& t = *info.training;
    j["training"] = {{"dataset", t.dataset},
                     {"epochs", t.epochs},
                     {"test_accuracy", t.testAccuracy},
                     {"test_loss", t.testLoss},
                     {"recipe", t.recipe}};
    if (t.testMap50) j["training"]["test_map50"] = *t.testMap50;
  }
  if (info.detector) j["detector"] = detectorJson(*info.detector);
  if (info.checkpoint) j["checkpoint"] = checkpointJson(*info.checkpoint);
  if (discriminator) // a GAN's: a model of its own (input, layers, weights) inside this one
    j["discriminator"] = Json::parse(serializeModel(*discriminator, ModelInfo{info.preprocess, {}, {}, {}, {}}, withWeights));
  if (withWeights) {
    j["parameters"] = Json::array();
    for (const auto& node : network.nodes()) {
      for (const auto& [tensorName, tensor] : node.layer->stateTensors()) {
        const Tensor& t = *tensor;
        const auto* bytes = reinterpret_cast<const uint8_t*>(t.data()); // little-endian hosts only (x86, ARM)
        const size_t size = static_cast<size_t>(t.size()) * sizeof(float);
        j["parameters"].push_back({{"layer", node.layer->name()},
                                   {"tensor", tensorName},
                                   {"shape", t.shape().dims()},
                                   {"crc32", crc32(0L, bytes, static_cast<uInt>(size))},
                                   {"data", base64(bytes, size)}});
      }
    }
  }
  return j.dump(1) + "\n";
}

void saveModel(const std::string& path, const Network& network, const ModelInfo& info,
               const Network* discriminator) {
  writeFileAtomically(path, serializeModel(network, info, true, discriminator));
}

void writeFileAtomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(folder))
    throw std::invalid_argument(path + ": the folder " + folder.string() + " does not exist");
  std::string temp = (folder / ("." + target.filename().string() + ".XXXXXX")).string();
  const int fd = mkstemp(temp.data());
  if (fd < 0)
    throw std::invalid_argument(path + ": cannot create a file in " + folder.string() + " (" + std::strerror(errno) +
                                ")");
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n <= 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(temp.c_str());
      throw std::invalid_argument(path + ": writing failed (" + reason + "); the previous file, if any, is untouched");
    }
    written += static_cast<size_t>(n);
  }
  ::fchmod(fd, 0644);
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    throw std::invalid_argument(path + ": saving failed (" + reason + "); the previous file, if any, is untouched");
  }
}

namespace {
// The weights a layer's fields declare, as its kind counts them (LayerKind::declaredWeights),
// worked out before anything is allocated; 0 for kinds without weights, or fields the
// layer's loader will refuse anyway. The product saturates at 2⁶⁰.
int64_t declaredWeights(const Json& layer) {
  if (!layer.is_object() || !layer.contains("type") || !layer["type"].is_string()) return 0;
  const LayerKind* kind = layerKindOfType(layer["type"].get<std::string>());
  if (!kind || !kind->declaredWeights) return 0;
  std::vector<int64_t> dims;
  try {
    dims = kind->declaredWeights(LayerFields{layer, "layer"});
  } catch (const std::exception&) { // the loader says what is wrong with the fields
    return 0;
  }
  int64_t count = 1;
  for (const int64_t d : dims) {
    if (d <= 0) return 0;
    if (__builtin_mul_overflow(count, d, &count) || count > (int64_t(1) << 60)) return int64_t(1) << 60;
  }
  return count;
}

void checkDeclaredSize(const Json& layers, bool withWeights, size_t fileBytes, const std::string& source) {
  int64_t total = 0;
  for (const Json& layer : layers) total = std::min(total + declaredWeights(layer), int64_t(1) << 60);
  if (total > kMaxModelParameters)
    throw std::invalid_argument(source + ": its layers declare " + withCommas(total) +
                                " weights; ConvScope opens models of up to " + withCommas(kMaxModelParameters) +
                                " parameters (" + byteSizeText(kMaxModelParameters * 4) + " as float32)");
  // Each weight takes 4 bytes, 5⅓ characters of base64: a file declaring more than it can
  // hold is cut short or damaged, and is refused before its layers are made.
  if (withWeights && double(total) * 16.0 / 3.0 > double(fileBytes))
    throw std::invalid_argument(source + ": its layers declare " + withCommas(total) + " weights (" +
                                byteSizeText(total * 4) + "), more than the file's " +
                                byteSizeText(int64_t(fileBytes)) + " can hold: the file is damaged or not whole");
}
} // namespace

Model parseModelText(const std::string& text, const std::string& source);

Model parseModel(const std::string& text, const std::string& source) {
  try {
    return parseModelText(text, source);
  } catch (const nlohmann::json::exception& e) { // a field of an unexpected type the checks above missed
    throw std::invalid_argument(source + ": not a valid model file: " + e.what());
  }
}

Model parseModelText(const std::string& text, const std::string& source) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::invalid_argument(source + ": not a valid model file: JSON error at byte " + std::to_string(e.byte) +
                                (e.byte >= text.size() ? " (the file ends early: truncated?)" : ""));
  } catch (const nlohmann::json::exception& e) { // a number too large for any type (found by the fuzzer)
    throw std::invalid_argument(source + ": not a valid model file: " + e.what());
  }
  if (!j.is_object() || !j.contains("format") || j["format"] != "convscope-model")
    throw std::invalid_argument(source + ": not a ConvScope model file (no \"format\": \"convscope-model\")");
  const LayerFields top{j, source};
  const int64_t version = top.integer("version");
  if (version < 1 || version > kModelFormatVersion)
    throw std::invalid_argument(source + ": model format version " + std::to_string(version) +
                                " is not supported (this ConvScope reads version 1 to " +
                                std::to_string(kModelFormatVersion) + ")");
  const Json& input = top.at("input");
  if (!input.is_array() || (input.size() != 3 && input.size() != 1))
    throw std::invalid_argument(source + ": \"input\" must be [C, H, W] or [F]");
  std::vector<int64_t> dims;
  for (const Json& d : input) {
    if (!d.is_number_integer() || d.get<int64_t>() < 1 || d.get<int64_t>() > 16384)
      throw std::invalid_argument(source + ": \"input\" sizes must be whole numbers from 1 to 16384");
    dims.push_back(d.get<int64_t>());
  }
  Model model{Network(Shape(dims)), {}, false};
  const Json& layers = top.at("layers");
  if (!layers.is_array() || layers.empty())
    throw std::invalid_argument(source + ": \"layers\" must be a non-empty list");
  checkDeclaredSize(layers, j.contains("parameters"), text.size(), source);
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string where = source + ": layer " + std::to_string(i + 1) +
                              (layers[i].is_object() && layers[i].contains("name") && layers[i]["name"].is_string()
                                   ? " ('" + layers[i]["name"].get<std::string>() + "')"
                                   : "");
    std::unique_ptr<Layer> layer = layerFromJson(layers[i], where);
    std::vector<std::string> inputs; // absent: the layer before
    if (layers[i].contains("inputs")) {
      const Json& list = layers[i]["inputs"];
      if (!list.is_array() || list.empty() || list.size() > 1024)
        throw std::invalid_argument(where + ": \"inputs\" must be a list of 1 to 1024 layer names");
      for (const Json& name : list) {
        if (!name.is_string()) throw std::invalid_argument(where + ": \"inputs\" must be a list of layer names");
        inputs.push_back(name.get<std::string>());
      }
    }
    try {
      if (inputs.empty())
        model.network.add(std::move(layer));
      else
        model.network.add(std::move(layer), inputs);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(where + " does not fit: " + e.what());
    }
  }
  if (j.contains("classes")) {
    if (!j["classes"].is_array()) throw std::invalid_argument(source + ": \"classes\" must be a list of names");
    for (const Json& c : j["classes"]) {
      if (!c.is_string()) throw std::invalid_argument(source + ": \"classes\" must be a list of names");
      model.info.classNames.push_back(c.get<std::string>());
    }
  }
  if (j.contains("preprocess")) {
    const LayerFields p{j["preprocess"], source + ": \"preprocess\""};
    Preprocess pre;
    const Shape in = model.network.inputShape();
    if (in.rank() != 3) throw std::invalid_argument(source + ": \"preprocess\" needs an image input [C, H, W]");
    pre.channels = static_cast<int>(in[0]), pre.height = static_cast<int>(in[1]), pre.width = static_cast<int>(in[2]);
    const auto size = p.integers("source_size", 2);
    if (size[0] < 1 || size[1] < 1 || size[0] > 16384 || size[1] > 16384)
      throw std::invalid_argument(source + ": \"preprocess\": \"source_size\" must be 1 to 16384");
    pre.sourceHeight = static_cast<int>(size[0]), pre.sourceWidth = static_cast<int>(size[1]);
    for (const char* key : {"mean", "std"}) {
      const Json& v = p.at(key);
      if (!v.is_array() || v.size() != static_cast<size_t>(pre.channels))
        throw std::invalid_argument(source + ": \"preprocess\": \"" + key + "\" needs one number per input channel (" +
                                    std::to_string(pre.channels) + ")");
      std::vector<float> values;
      for (const Json& x : v) {
        if (!x.is_number() || !std::isfinite(x.get<double>()))
          throw std::invalid_argument(source + ": \"preprocess\": \"" + key + "\" must hold numbers");
        values.push_back(x.get<float>());
      }
      (std::string(key) == "mean" ? pre.mean : pre.stddev) = values;
    }
    for (float s : pre.stddev)
      if (!(s > 0)) throw std::invalid_argument(source + ": \"preprocess\": \"std\" values must be positive");
    if (p.j.contains("resize")) pre = withResize(pre, p.integer("resize"), source + ": \"preprocess\": \"resize\"");
    model.info.preprocess = pre;
  }
  if (j.contains("training") && j["training"].is_object()) {
    const Json& t = j["training"];
    TrainingNote note;
    note.dataset = t.value("dataset", "");
    note.epochs = t.value("epochs", 0);
    note.testAccuracy = t.value("test_accuracy", 0.0);
    note.testLoss = t.value("test_loss", 0.0);
    note.recipe = t.value("recipe", "");
    if (t.contains("test_map50") && t["test_map50"].is_number()) note.testMap50 = t["test_map50"].get<double>();
    model.info.training = note;
  }
  if (j.contains("parameters")) {
    const Json& params = j["parameters"];
    if (!params.is_array()) throw std::invalid_argument(source + ": \"parameters\" must be a list");
    std::vector<std::pair<std::string, Tensor*>> expected;
    for (size_t i = 0; i < model.network.size(); ++i) {
      for (const auto& [tensorName, tensor] : model.network.layer(i).stateTensors())
        expected.emplace_back(model.network.layer(i).name() + " " + tensorName, tensor);
    }
    if (params.size() != expected.size())
      throw std::invalid_argument(source + ": the layers need " + std::to_string(expected.size()) +
                                  " parameter tensors, the file has " + std::to_string(params.size()));
    std::vector<uint8_t> bytes;
    for (size_t i = 0; i < expected.size(); ++i) {
      const auto& [name, tensor] = expected[i];
      const LayerFields f{params[i], source + ": parameters of " + name};
      const std::string label = f.text("layer") + " " + f.text("tensor");
      if (label != name)
        throw std::invalid_argument(source + ": parameter tensor " + std::to_string(i + 1) + " is '" + label +
                                    "', expected '" + name + "'");
      const Json& shape = f.at("shape");
      if (!isShape(shape, tensor->shape()))
        throw std::invalid_argument(f.where + ": shape " + shape.dump() + " does not match the layer's " +
                                    tensor->shape().toString());
      if (!unbase64(f.text("data"), bytes)) throw std::invalid_argument(f.where + ": \"data\" is not valid base64");
      const size_t needed = static_cast<size_t>(tensor->size()) * sizeof(float);
      if (bytes.size() != needed)
        throw std::invalid_argument(f.where + ": expected " + std::to_string(tensor->size()) + " values (" +
                                    tensor->shape().toString() + "), found " + std::to_string(bytes.size() / 4));
      const uint64_t crc = crc32(0L, bytes.data(), static_cast<uInt>(bytes.size()));
      if (static_cast<int64_t>(crc) != f.integer("crc32"))
        throw std::invalid_argument(f.where + ": checksum mismatch (the weights were changed or damaged)");
      std::memcpy(tensor->data(), bytes.data(), needed);
      for (float v : tensor->values())
        if (!std::isfinite(v)) throw std::invalid_argument(f.where + ": holds a value that is not finite");
    }
    model.hasWeights = true;
  }
  if (j.contains("detector")) model.info.detector = detectorFromJson(j["detector"], model.network, source);
  if (j.contains("discriminator")) { // a GAN's, read as a model file of its own
    const std::string where = source + ": \"discriminator\"";
    if (!j["discriminator"].is_object()) throw std::invalid_argument(where + " must be a model (input, layers)");
    Model d = parseModelText(j["discriminator"].dump(), where);
    if (d.hasWeights != model.hasWeights)
      throw std::invalid_argument(source + ": the generator and the discriminator must both have weights or neither");
    try {
      checkGan(model.network, d.network);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(source + ": " + e.what());
    }
    model.discriminator = std::move(d.network);
    model.info.preprocess = d.info.preprocess;
  }
  if (j.contains("checkpoint")) {
    if (!model.hasWeights) throw std::invalid_argument(source + ": a checkpoint without weights");
    model.info.checkpoint = checkpointFromJson(j["checkpoint"], model.network,
                                               model.discriminator ? &*model.discriminator : nullptr, source);
    model.info.checkpoint->config.detector = model.info.detector;
  }
  return model;
}

Model loadModel(const std::string& path) {
  if (isOnnxPath(path)) return importOnnx(path);
  return parseModel(readFileText(path, kMaxModelFileBytes, "model files"), path);
}

} // namespace convscope
