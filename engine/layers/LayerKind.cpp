// LayerKind: the registry of layer kinds and the helpers their homes share.
#include "engine/layers/LayerKind.h"

#include "engine/layers/Activation.h"
#include "engine/layers/Add.h"
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
#include "engine/layers/BatchNorm.h"
#include "engine/layers/Concat.h"
#include "engine/layers/Conv2D.h"
#include "engine/layers/Dense.h"
#include "engine/layers/Dropout.h"
#include "engine/layers/LocalResponseNorm.h"
#include "engine/layers/Flatten.h"
#include "engine/layers/Reshape.h"
#include "engine/layers/Sample.h"
#include "engine/layers/GlobalAvgPool.h"
#include "engine/layers/Pool2D.h"
#include "engine/layers/Softmax.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <utility>

namespace convscope {

// ---- model-file fields -------------------------------------------------------------------

const nlohmann::ordered_json& LayerFields::at(const char* key) const {
  if (!j.contains(key)) throw std::invalid_argument(where + ": missing \"" + key + "\"");
  return j[key];
}

int64_t LayerFields::integer(const char* key) const {
  const nlohmann::ordered_json& v = at(key);
  if (!v.is_number_integer()) throw std::invalid_argument(where + ": \"" + key + "\" must be a whole number");
  return v.get<int64_t>();
}

std::string LayerFields::text(const char* key) const {
  const nlohmann::ordered_json& v = at(key);
  if (!v.is_string()) throw std::invalid_argument(where + ": \"" + key + "\" must be a string");
  return v.get<std::string>();
}

bool LayerFields::flag(const char* key, bool fallback) const {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_boolean()) throw std::invalid_argument(where + ": \"" + key + "\" must be true or false");
  return j[key].get<bool>();
}

float LayerFields::number(const char* key, float fallback) const {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_number()) throw std::invalid_argument(where + ": \"" + key + "\" must be a number");
  return j[key].get<float>();
}

std::vector<int64_t> LayerFields::integers(const char* key, size_t count) const {
  const nlohmann::ordered_json& v = at(key);
  const auto wrong = [&] {
    return std::invalid_argument(where + ": \"" + key + "\" must be a list of " + std::to_string(count) +
                                 " whole numbers");
  };
  if (!v.is_array() || v.size() != count) throw wrong();
  std::vector<int64_t> out;
  for (const nlohmann::ordered_json& x : v) {
    if (!x.is_number_integer()) throw wrong();
    out.push_back(x.get<int64_t>());
  }
  return out;
}

void LayerFields::checkRange(const std::vector<int64_t>& values, int64_t lo, int64_t hi, const std::string& what) {
  for (int64_t v : values)
    if (v < lo || v > hi)
      throw std::invalid_argument(what + " must be " + std::to_string(lo) + " to " + std::to_string(hi));
}

// ---- layer-list tokens -------------------------------------------------------------------

std::string LayerNames::next(const std::string& base, bool alwaysNumber) {
  const int n = ++counts_[base];
  if (!chosen_.empty()) return std::exchange(chosen_, std::string());
  return alwaysNumber || n > 1 ? base + std::to_string(n) : base;
}

void LayerListLine::needImage() const {
  if (in.rank() != 3)
    throw std::invalid_argument(keyword + " needs an image (channels × height × width), but its input is " +
                                shapeText(in) + " values: image layers come before 'flatten'");
}

void LayerListLine::needFlat() const {
  if (in.rank() != 1)
    throw std::invalid_argument(keyword + " needs a flat input, but its input is " + shapeText(in) +
                                ": put 'flatten' before it");
}

std::map<std::string, std::string> LayerListLine::options(size_t from, const std::vector<std::string>& allowed) const {
  std::map<std::string, std::string> out;
  for (size_t i = from; i < tokens.size(); i += 2) {
    std::string key = tokens[i];
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw std::invalid_argument("'" + tokens[i] + "' is not an option of " + keyword +
                                  (list.empty() ? " (it takes none)" : " (options: " + list + ")"));
    }
    if (i + 1 >= tokens.size()) throw std::invalid_argument(key + " needs a value, e.g. '" + key + " 1'");
    out[key] = tokens[i + 1];
  }
  return out;
}

int64_t positiveToken(const std::string& token, const std::string& what) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
  if (ec != std::errc() || end != token.data() + token.size())
    throw std::invalid_argument(what + " '" + token + "' is not a whole number");
  if (v < 1) throw std::invalid_argument(what + " must be at least 1, not " + token);
  if (v > 100000) throw std::invalid_argument(what + " " + token + " is too large (at most 100000)");
  return v;
}

std::pair<int64_t, int64_t> pairToken(std::string token, const std::string& what, bool allowZero) {
  for (const std::string times : {"×", "X"})
    for (size_t at; (at = token.find(times)) != std::string::npos;) token.replace(at, times.size(), "x");
  const size_t x = token.find('x');
  const auto one = [&](const std::string& t) { return allowZero && t == "0" ? 0 : positiveToken(t, what); };
  if (x == std::string::npos) {
    const int64_t v = one(token);
    return {v, v};
  }
  return {one(token.substr(0, x)), one(token.substr(x + 1))};
}

float numberToken(const std::string& token, const std::string& what) {
  try {
    size_t used = 0;
    const float v = std::stof(token, &used);
    if (used == token.size()) return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(what + " '" + token + "' is not a number");
}

std::string shapeText(const Shape& s) {
  std::string out;
  for (int64_t d = 0; d < s.rank(); ++d) out += (d ? "×" : "") + std::to_string(s[d]);
  return out;
}

Shape batchOfOne(const Shape& sample) {
  std::vector<int64_t> dims{1};
  dims.insert(dims.end(), sample.dims().begin(), sample.dims().end());
  return Shape(std::move(dims));
}

Shape oneSample(const Shape& batched) {
  std::vector<int64_t> dims(batched.dims().begin() + 1, batched.dims().end());
  if (dims.empty()) dims.push_back(1);
  return Shape(std::move(dims));
}

int64_t plannedParameters(const std::vector<int64_t>& weightDims, int64_t biases, const std::string& who) {
  int64_t count = 1;
  bool tooMany = false;
  for (int64_t d : weightDims) tooMany = tooMany || __builtin_mul_overflow(count, d, &count);
  tooMany = tooMany || __builtin_add_overflow(count, biases, &count) || count > kMaxPlannedParameters;
  if (tooMany) {
    std::string dims;
    for (int64_t d : weightDims) dims += (dims.empty() ? "" : "×") + std::to_string(d);
    throw std::invalid_argument(who + ": " + dims + " weights are more than any computer can hold");
  }
  return count;
}

// ---- the registry --------------------------------------------------------------------------

const std::vector<LayerKind>& layerKinds() {
  static const std::vector<LayerKind> kinds{conv2dKind(),        convTranspose2dKind(), upsampleKind(), pad2dKind(), pool2dKind(),  activationKind(), preluKind(), clampKind(), flattenKind(), reshapeKind(), sampleKind(),
                                            denseKind(),         softmaxKind(), addKind(),        arithmeticKind(),        concatKind(),
                                            channelSliceKind(),  channelShuffleKind(), channelScaleKind(), channelShiftKind(),
                                            globalAvgPoolKind(), dropoutKind(), batchNormKind(), layerNormKind(),  localResponseNormKind()};
  return kinds;
}

const LayerKind* layerKindOfType(const std::string& type) {
  if (type == "Multiply") return layerKindOfType("Arithmetic"); // model files before Arithmetic wrote products so
  for (const LayerKind& k : layerKinds())
    if (k.type == type) return &k;
  return nullptr;
}

const LayerKind* layerKindOfKeyword(const std::string& keyword) {
  for (const LayerKind& k : layerKinds())
    if (std::find(k.keywords.begin(), k.keywords.end(), keyword) != k.keywords.end()) return &k;
  return nullptr;
}

std::string layerTypeNames() {
  std::string out;
  for (const LayerKind& k : layerKinds()) out += (out.empty() ? "" : ", ") + k.type;
  return out;
}

std::string layerKeywordNames() {
  std::string out;
  for (const LayerKind& k : layerKinds())
    for (const std::string& w : k.keywords)
      if (w != "fc") out += (out.empty() ? "" : ", ") + w; // fc is dense's other name
  return out;
}

} // namespace convscope

namespace convscope {
Shape Layer::nodeOutputShape(const std::vector<Shape>& srcs) const {
  if (srcs.size() != 1)
    throw std::invalid_argument(kind() + " '" + name() + "' takes one input, not " + std::to_string(srcs.size()));
  return outputShape(srcs[0]);
}

void Layer::nodeForward(Backend& backend, const std::vector<const Tensor*>& srcs, Tensor& dst) {
  forwardInto(backend, *srcs.at(0), dst);
}

void Layer::nodeBackward(Backend& backend, const std::vector<const Tensor*>& srcs, const Tensor& dst,
                         const Tensor& diffDst, const std::vector<Tensor*>& diffSrcs) {
  backward(backend, *srcs.at(0), dst, diffDst, diffSrcs.at(0));
}

std::vector<std::pair<std::string, Tensor*>> Layer::stateTensors() {
  std::vector<std::pair<std::string, Tensor*>> named;
  const std::vector<Tensor*> params = parameters();
  for (size_t k = 0; k < params.size(); ++k) named.emplace_back(k == 0 ? "weights" : "bias", params[k]);
  return named;
}

void Layer::writeOnnx(OnnxWriter&, const std::vector<std::string>&, const std::string&, const ChannelAffine* after) const {
  if (after)
    throw std::logic_error("ONNX export: layer '" + name() + "' (" + kind() + ") cannot take a folded normalization");
  throw std::invalid_argument("ONNX export: layer '" + name() + "' (" + kind() + ") has no ONNX form in ConvScope");
}

std::string Layer::words() const {
  const std::string t = title();
  const size_t colon = t.find(": ");
  return colon == std::string::npos ? kind() : t.substr(colon + 2);
}

std::string Layer::layerListLine() const {
  throw std::invalid_argument("layer '" + name() + "' (" + kind() + ") has no layer-list form");
}
} // namespace convscope
