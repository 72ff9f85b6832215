// Lecture files: nlohmann::ordered_json, the input as PNG (base64) or numbers.
#include "engine/io/LectureFile.h"
#include "engine/io/FileText.h"

#include "engine/io/ImageIO.h"
#include "engine/io/ModelFile.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cfloat>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace convscope {

using Json = nlohmann::ordered_json;

namespace {

// What a lecture holds, checked on writing as on reading: a file this ConvScope writes, it
// reads. The geometry stays near what the window's panels offer, so that a small file
// cannot ask for gigabytes of feature maps.
constexpr int64_t kMostValues = int64_t(1) << 24;
constexpr int64_t kMostStride = 64, kMostDilation = 64, kMostPadding = 256, kMostPoolWindow = 64, kMostKernels = 64;

const char* const kTabs[] = {"maps", "stepper", "training", "architectures", "depthwise", "applications", "detection"};
const char* const kStepModes[] = {"convolution", "relu", "pooling", "fc", "backward", "deconv"};
const char* const kDeconvSamples[] = {"workspace", "k3s2p1op1", "k2s2", "k4s2p1"};
const char* const kDeconvViews[] = {"scatter", "zero-inserted"};

bool isImageLike(const Tensor& t) {
  const Shape& s = t.shape();
  if (s.rank() != 4 || s[0] != 1 || (s[1] != 1 && s[1] != 3)) return false;
  for (float v : t.values())
    if (!(v >= 0 && v <= 255 && v == std::round(v))) return false;
  return true;
}

std::string pngOf(const Tensor& t) {
  const Shape& s = t.shape();
  const int h = int(s[2]), w = int(s[3]), c = int(s[1]);
  cv::Mat image(h, w, c == 3 ? CV_8UC3 : CV_8UC1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) // OpenCV's order is BGR; the tensor's RGB
        image.ptr<uint8_t>(y)[x * c + (c == 3 ? 2 - k : 0)] = uint8_t(t.at(0, k, y, x));
  std::vector<uint8_t> bytes;
  if (!cv::imencode(".png", image, bytes)) throw std::runtime_error("cannot encode the input as PNG");
  return base64(bytes.data(), bytes.size());
}

Json numbersOf(const Tensor& t) { return {{"shape", t.shape().dims()}, {"values", t.values()}}; }

// Reading, with the field's name in every message.
struct Reader {
  const std::string& source;
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw std::invalid_argument(source + ": \"" + field + "\" " + what);
  }
  const Json& at(const Json& j, const std::string& field, const std::string& path) const {
    if (!j.is_object() || !j.contains(field)) fail(path, "is missing");
    return j.at(field);
  }
  int64_t integer(const Json& j, const std::string& field, const std::string& path, int64_t lo, int64_t hi) const {
    const Json& v = at(j, field, path);
    if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
      fail(path, "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + " (got " +
                     v.dump() + ")");
    return v.get<int64_t>();
  }
  std::string text(const Json& j, const std::string& field, const std::string& path) const {
    const Json& v = at(j, field, path);
    if (!v.is_string()) fail(path, "must be text (got " + v.dump() + ")");
    return v.get<std::string>();
  }
  bool flag(const Json& j, const std::string& field, const std::string& path) const {
    const Json& v = at(j, field, path);
    if (!v.is_boolean()) fail(path, "must be true or false (got " + v.dump() + ")");
    return v.get<bool>();
  }
  float number(const Json& j, const std::string& field, const std::string& path) const {
    const Json& v = at(j, field, path);
    if (!v.is_number() || !(std::fabs(v.get<double>()) <= double(FLT_MAX)))
      fail(path, "must be a number (got " + v.dump() + ")");
    return v.get<float>();
  }
  // {"shape": [...], "values": [...]} of at most 16 M values.
  Tensor tensor(const Json& j, const std::string& path) const {
    const Json& dims = at(j, "shape", path + ".shape");
    if (!dims.is_array() || dims.empty() || dims.size() > 4) fail(path + ".shape", "must list 1 to 4 sizes");
    std::vector<int64_t> shape;
    int64_t count = 1;
    for (const Json& d : dims) {
      if (!d.is_number_integer() || d.get<int64_t>() < 1 || d.get<int64_t>() > 65536)
        fail(path + ".shape", "must hold whole numbers from 1 to 65536 (got " + dims.dump() + ")");
      shape.push_back(d.get<int64_t>());
      count *= shape.back();
      if (count > kMostValues) fail(path + ".shape", "is too large (" + dims.dump() + ")");
    }
    const Json& values = at(j, "values", path + ".values");
    if (!values.is_array() || int64_t(values.size()) != count)
      fail(path + ".values", "must hold " + std::to_string(count) + " numbers for shape " + dims.dump());
    std::vector<float> data;
    data.reserve(size_t(count));
    for (const Json& v : values) {
      if (!v.is_number() || !(std::fabs(v.get<double>()) <= double(FLT_MAX)))
        fail(path + ".values", "holds " + v.dump());
      data.push_back(v.get<float>());
    }
    return Tensor(Shape(shape), std::move(data));
  }
  template <size_t N>
  std::string oneOf(const Json& j, const std::string& field, const std::string& path,
                    const char* const (&choices)[N]) const {
    const std::string v = text(j, field, path);
    std::string list;
    for (const char* c : choices) {
      if (v == c) return v;
      list += (list.empty() ? "" : ", ") + std::string(c);
    }
    fail(path, "must be one of " + list + " (got \"" + v + "\")");
  }
};

} // namespace

namespace {

void checkSavable(const Tensor& t, const std::string& what) {
  if (t.size() > kMostValues)
    throw std::invalid_argument(what + " has " + std::to_string(t.size()) + " values: a lecture file holds at most " +
                                std::to_string(kMostValues) + " (use a smaller working size)");
  for (float v : t.values())
    if (!std::isfinite(v)) throw std::invalid_argument(what + " holds a value that is not a finite number");
}

void checkWithin(int64_t v, int64_t lo, int64_t hi, const std::string& what) {
  if (v < lo || v > hi)
    throw std::invalid_argument(what + " " + std::to_string(v) + ": a lecture file holds " + std::to_string(lo) +
                                " to " + std::to_string(hi));
}
} // namespace

std::string serializeLecture(const LectureState& s) {
  checkSavable(s.input, "the input");
  checkWithin(int64_t(s.kernels.size()), 0, kMostKernels, "kernels in the bank:");
  for (const NamedKernel& k : s.kernels) checkSavable(k.weights, "kernel '" + k.name + "'");
  const FilterOptions& f = s.convolution;
  for (int64_t v : {f.strideH, f.strideW}) checkWithin(v, 1, kMostStride, "stride");
  for (int64_t v : {f.dilationH, f.dilationW}) checkWithin(v, 1, kMostDilation, "dilation");
  for (int64_t v : {f.padding.top, f.padding.bottom, f.padding.left, f.padding.right})
    checkWithin(v, 0, kMostPadding, "padding");
  for (int64_t v : {s.pool.kernelH, s.pool.kernelW, s.pool.strideH, s.pool.strideW})
    checkWithin(v, 1, kMostPoolWindow, "pooling window or stride");
  for (int64_t v : {s.pool.padTop, s.pool.padBottom, s.pool.padLeft, s.pool.padRight})
    checkWithin(v, 0, kMostPoolWindow, "pooling padding");
  Json input{{"name", s.inputName},
             {"matrix", s.inputIsMatrix},
             {"channels_mode", s.channelsMode},
             {"working_side", s.workingSide}};
  if (isImageLike(s.input))
    input["png"] = pngOf(s.input);
  else
    input["numbers"] = numbersOf(s.input);
  Json kernels = Json::array();
  for (const NamedKernel& k : s.kernels) kernels.push_back({{"name", k.name}, {"weights", numbersOf(k.weights)}});
  const FilterOptions& c = s.convolution;
  const char* padMode = c.padding.mode == PaddingSpec::Mode::Same    ? "same"
                        : c.padding.mode == PaddingSpec::Mode::Valid ? "valid"
                                                                     : "explicit";
  const Pool2DGeometry& p = s.pool;
  Json j{{"format", kLectureFormat},
         {"version", 2},
         {"tab", s.tab},
         {"segmentation_scene", s.segmentationScene},
         {"detection",
          {{"scene", s.detection.scene},
           {"score", s.detection.score},
           {"iou", s.detection.iou},
           {"nms_step", s.detection.nmsStep},
           {"level", s.detection.level},
           {"cell", {s.detection.cellY, s.detection.cellX}}}},
         {"presenter", s.presenter},
         {"input", input},
         {"kernels", kernels},
         {"convolution",
          {{"stride", {c.strideH, c.strideW}},
           {"padding", padMode},
           {"pad", {c.padding.top, c.padding.bottom, c.padding.left, c.padding.right}},
           {"dilation", {c.dilationH, c.dilationW}},
           {"bias", c.bias},
           {"per_channel", c.perChannel}}},
         {"activation", toString(s.activation)},
         {"pooling",
          {{"on", s.pooling},
           {"mode", toString(p.mode)},
           {"window", {p.kernelH, p.kernelW}},
           {"stride", {p.strideH, p.strideW}},
           {"pad", {p.padTop, p.padBottom, p.padLeft, p.padRight}},
           {"ceil", p.ceilMode},
           {"count_padding", p.countPadding}}},
         {"stepper",
          {{"mode", s.stepMode},
           {"position", s.stepPosition},
           {"kernel", s.stepKernel},
           {"channel", s.stepChannel},
           {"backward", {{"loop", s.backwardLoop}, {"stage", s.backwardStage}, {"cell", s.backwardCell}}},
           {"deconv",
            {{"sample", s.deconv.sample},
             {"stride", s.deconv.stride},
             {"padding", s.deconv.padding},
             {"output_padding", s.deconv.outputPadding},
             {"view", s.deconv.view},
             {"selected", s.deconv.selected},
             {"compare", s.deconv.compare}}}}},
         {"model", s.model},
         {"network", s.network},
         {"maps", {{"contrast", s.contrast}, {"shared_scale", s.sharedScale}}}};
  if (!s.modelMean.empty()) {
    j["model_normalization"] = {{"mean", s.modelMean}, {"std", s.modelStd}};
    if (s.modelResize > 0) j["model_normalization"]["resize"] = s.modelResize;
  }
  return j.dump(1) + "\n";
}

LectureState parseLecture(const std::string& text, const std::string& source) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {
    throw std::invalid_argument(source + ": not a ConvScope lecture file (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("format") || j["format"] != kLectureFormat)
    throw std::invalid_argument(source + ": not a ConvScope lecture file (no \"format\": \"" + kLectureFormat + "\")");
  const Reader r{source};
  const int64_t version = r.integer(j, "version", "version", 1, 1000);
  if (version > 2)
    r.fail("version", "is " + j["version"].dump() + ": this ConvScope reads versions 1 and 2 (a newer ConvScope wrote it?)");
  LectureState s;
  s.tab = r.oneOf(j, "tab", "tab", kTabs);
  if (j.contains("segmentation_scene")) // optional: files from before the Applications tab
    s.segmentationScene = int(r.integer(j, "segmentation_scene", "segmentation_scene", -1, 499));
  if (j.contains("detection")) { // optional: files from before the detection page
    const Json& d = j["detection"];
    LectureState::DetectionView& v = s.detection;
    v.scene = int(r.integer(d, "scene", "detection.scene", -1, 499));
    for (const char* key : {"score", "iou"}) {
      const Json& x = r.at(d, key, std::string("detection.") + key);
      if (!x.is_number() || !(x.get<double>() >= 0.0 && x.get<double>() <= 1.0))
        r.fail(std::string("detection.") + key, "must be a number from 0 to 1 (got " + x.dump() + ")");
      (std::string(key) == "score" ? v.score : v.iou) = x.get<double>();
    }
    v.nmsStep = int(r.integer(d, "nms_step", "detection.nms_step", -1, 100000));
    v.level = int(r.integer(d, "level", "detection.level", 0, 15));
    const Json& cell = r.at(d, "cell", "detection.cell");
    if (!cell.is_array() || cell.size() != 2 || !cell[0].is_number_integer() || !cell[1].is_number_integer() ||
        cell[0].get<int64_t>() < -1 || cell[1].get<int64_t>() < -1 || cell[0].get<int64_t>() > 4096 ||
        cell[1].get<int64_t>() > 4096)
      r.fail("detection.cell", "must be [row, column], each −1 (none) to 4096 (got " + cell.dump() + ")");
    v.cellY = int(cell[0].get<int64_t>()), v.cellX = int(cell[1].get<int64_t>());
  }
  s.presenter = r.flag(j, "presenter", "presenter");
  const Json& input = r.at(j, "input", "input");
  s.inputName = r.text(input, "name", "input.name");
  s.inputIsMatrix = r.flag(input, "matrix", "input.matrix");
  s.channelsMode = int(r.integer(input, "channels_mode", "input.channels_mode", 0, 3));
  if (s.channelsMode == 2) r.fail("input.channels_mode", "must be 0 (as stored), 1 (gray) or 3 (RGB)");
  s.workingSide = int(r.integer(input, "working_side", "input.working_side", 16, 8192));
  if (input.contains("png")) {
    std::vector<uint8_t> bytes;
    if (!input["png"].is_string() || !unbase64(input["png"].get<std::string>(), bytes))
      r.fail("input.png", "is not base64 text");
    try {
      s.input = decodePng(bytes, "\"input.png\"");
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(source + ": " + e.what());
    }
  } else {
    s.input = r.tensor(r.at(input, "numbers", "input.numbers"), "input.numbers");
    if (s.input.shape().rank() != 4 || s.input.shape()[0] != 1)
      r.fail("input.numbers.shape", "must be [1, C, H, W] (got " + s.input.shape().toString() + ")");
  }
  const Json& kernels = r.at(j, "kernels", "kernels");
  if (!kernels.is_array() || int64_t(kernels.size()) > kMostKernels)
    r.fail("kernels", "must be a list of at most " + std::to_string(kMostKernels) + " kernels");
  for (size_t k = 0; k < kernels.size(); ++k) {
    const std::string where = "kernels[" + std::to_string(k) + "]";
    NamedKernel kernel{r.text(kernels[k], "name", where + ".name"),
                       r.tensor(r.at(kernels[k], "weights", where + ".weights"), where + ".weights")};
    if (kernel.weights.shape().rank() != 3)
      r.fail(where + ".weights.shape", "must be [blocks, KH, KW] (got " + kernel.weights.shape().toString() + ")");
    s.kernels.push_back(std::move(kernel));
  }
  const auto pairOf = [&r](const Json& at, const std::string& field, const std::string& path, int64_t lo, int64_t hi) {
    const Json& v = r.at(at, field, path);
    if (!v.is_array() || v.size() != 2) r.fail(path, "must be two whole numbers");
    Json wrapped{{"a", v[0]}, {"b", v[1]}};
    return std::pair{r.integer(wrapped, "a", path, lo, hi), r.integer(wrapped, "b", path, lo, hi)};
  };
  const auto fourOf = [&r](const Json& at, const std::string& field, const std::string& path, int64_t hi) {
    const Json& v = r.at(at, field, path);
    if (!v.is_array() || v.size() != 4) r.fail(path, "must be four whole numbers (top, bottom, left, right)");
    std::array<int64_t, 4> out{};
    for (size_t k = 0; k < 4; ++k) {
      Json wrapped{{"v", v[k]}};
      out[k] = r.integer(wrapped, "v", path, 0, hi);
    }
    return out;
  };
  const Json& conv = r.at(j, "convolution", "convolution");
  FilterOptions& c = s.convolution;
  std::tie(c.strideH, c.strideW) = pairOf(conv, "stride", "convolution.stride", 1, kMostStride);
  std::tie(c.dilationH, c.dilationW) = pairOf(conv, "dilation", "convolution.dilation", 1, kMostDilation);
  const char* const padModes[] = {"explicit", "same", "valid"};
  const std::string padMode = r.oneOf(conv, "padding", "convolution.padding", padModes);
  c.padding.mode = padMode == "same"    ? PaddingSpec::Mode::Same
                   : padMode == "valid" ? PaddingSpec::Mode::Valid
                                        : PaddingSpec::Mode::Explicit;
  const auto pad = fourOf(conv, "pad", "convolution.pad", kMostPadding);
  c.padding.top = pad[0], c.padding.bottom = pad[1], c.padding.left = pad[2], c.padding.right = pad[3];
  c.bias = r.number(conv, "bias", "convolution.bias");
  // Version 2 says whether a one-block kernel filters each channel on its own; version 1
  // files were saved when it always did on a colour input.
  c.perChannel = conv.contains("per_channel") ? r.flag(conv, "per_channel", "convolution.per_channel") : version < 2;
  try {
    s.activation = activationFromString(r.text(j, "activation", "activation"));
  } catch (const std::invalid_argument& e) {
    r.fail("activation", e.what());
  }
  const Json& pool = r.at(j, "pooling", "pooling");
  s.pooling = r.flag(pool, "on", "pooling.on");
  try {
    s.pool.mode = poolModeFromString(r.text(pool, "mode", "pooling.mode"));
  } catch (const std::invalid_argument& e) {
    r.fail("pooling.mode", e.what());
  }
  std::tie(s.pool.kernelH, s.pool.kernelW) = pairOf(pool, "window", "pooling.window", 1, kMostPoolWindow);
  std::tie(s.pool.strideH, s.pool.strideW) = pairOf(pool, "stride", "pooling.stride", 1, kMostPoolWindow);
  const auto poolPad = fourOf(pool, "pad", "pooling.pad", kMostPoolWindow);
  s.pool.padTop = poolPad[0], s.pool.padBottom = poolPad[1], s.pool.padLeft = poolPad[2], s.pool.padRight = poolPad[3];
  s.pool.ceilMode = r.flag(pool, "ceil", "pooling.ceil");
  s.pool.countPadding = r.flag(pool, "count_padding", "pooling.count_padding");
  const Json& stepper = r.at(j, "stepper", "stepper");
  s.stepMode = r.oneOf(stepper, "mode", "stepper.mode", kStepModes);
  s.stepPosition = r.integer(stepper, "position", "stepper.position", 0, int64_t(1) << 40);
  s.stepKernel = int(r.integer(stepper, "kernel", "stepper.kernel", 0, 255));
  s.stepChannel = int(r.integer(stepper, "channel", "stepper.channel", 0, 1 << 20));
  const Json& backward = r.at(stepper, "backward", "stepper.backward");
  s.backwardLoop = int(r.integer(backward, "loop", "stepper.backward.loop", 1, 10000));
  s.backwardStage = int(r.integer(backward, "stage", "stepper.backward.stage", 0, 32));
  s.backwardCell = int(r.integer(backward, "cell", "stepper.backward.cell", 0, 1 << 20));
  if (stepper.contains("deconv")) { // optional: files from before the transposed convolution
    const Json& d = r.at(stepper, "deconv", "stepper.deconv");
    s.deconv.sample = r.oneOf(d, "sample", "stepper.deconv.sample", kDeconvSamples);
    s.deconv.stride = int(r.integer(d, "stride", "stepper.deconv.stride", 1, 4));
    s.deconv.padding = int(r.integer(d, "padding", "stepper.deconv.padding", 0, 3));
    s.deconv.outputPadding = int(r.integer(d, "output_padding", "stepper.deconv.output_padding", 0, 3));
    s.deconv.view = r.oneOf(d, "view", "stepper.deconv.view", kDeconvViews);
    s.deconv.selected = int(r.integer(d, "selected", "stepper.deconv.selected", -1, 1 << 20));
    s.deconv.compare = r.flag(d, "compare", "stepper.deconv.compare");
  }
  s.model = r.text(j, "model", "model");
  if (j.contains("model_normalization")) { // optional: the model's own when absent
    const Json& n = r.at(j, "model_normalization", "model_normalization");
    const auto numbers = [&](const char* field, bool positive) {
      const std::string path = std::string("model_normalization.") + field;
      const Json& v = r.at(n, field, path);
      if (!v.is_array() || v.empty() || v.size() > 16)
        throw std::invalid_argument(source + ": \"" + path + "\" must be a list of 1 to 16 numbers");
      std::vector<float> out;
      for (const Json& x : v) {
        if (!x.is_number() || !std::isfinite(x.get<double>()) || std::abs(x.get<double>()) > 10 ||
            (positive && x.get<double>() <= 0))
          throw std::invalid_argument(source + ": \"" + path + "\" holds " + x.dump() +
                                      (positive ? ": numbers above 0 and at most 10 are expected"
                                                : ": numbers from −10 to 10 are expected"));
        out.push_back(x.get<float>());
      }
      return out;
    };
    s.modelMean = numbers("mean", false);
    s.modelStd = numbers("std", true);
    if (s.modelMean.size() != s.modelStd.size())
      throw std::invalid_argument(source + ": \"model_normalization\" has " + std::to_string(s.modelMean.size()) +
                                  " means but " + std::to_string(s.modelStd.size()) + " standard deviations");
    if (n.contains("resize"))
      s.modelResize = int(r.integer(n, "resize", "model_normalization.resize", 0, 16384));
  }
  s.network = r.text(j, "network", "network");
  const Json& maps = r.at(j, "maps", "maps");
  s.contrast = int(r.integer(maps, "contrast", "maps.contrast", 0, 16));
  s.sharedScale = r.flag(maps, "shared_scale", "maps.shared_scale");
  return s;
}

void saveLecture(const std::string& path, const LectureState& state) {
  writeFileAtomically(path, serializeLecture(state));
}

LectureState loadLecture(const std::string& path) {
  return parseLecture(readFileText(path, kMaxLectureBytes, "lecture files"), path);
}

} // namespace convscope
