// Each kind of layer in one place: its model-file type and how to read its fields, its
// layer-list keywords and how to plan a line, next to the layer's class (Conv2D.cpp holds
// conv2dKind(), and so on). The layer itself says the rest through Layer's virtual hooks:
// its fields to save, its layer-list line, its title, its weight initialization. Adding a
// kind is its file pair, one line in layerKinds(), and its tests.
// Also the small helpers those homes share: reading model-file fields with errors that name
// the layer and the field, and reading layer-list tokens with errors that name the value.
// Not for: wiring layers (Network), the layer-list grammar as a whole (LayerList).
#pragma once

#include "engine/layers/Layer.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace convscope {

// A layer's model-file object, read with errors such as "layer 3 (conv1): \"kernel\" must be
// a list of 2 whole numbers".
struct LayerFields {
  const nlohmann::ordered_json& j;
  std::string where;
  const nlohmann::ordered_json& at(const char* key) const;
  int64_t integer(const char* key) const;
  std::string text(const char* key) const;
  bool flag(const char* key, bool fallback) const;
  float number(const char* key, float fallback) const;
  std::vector<int64_t> integers(const char* key, size_t count) const;
  // An integer list's values each in [lo, hi], else "…: stride must be 1 to 4096".
  static void checkRange(const std::vector<int64_t>& values, int64_t lo, int64_t hi, const std::string& what);
};

// A layer-list line's layer before it exists: what the check shows, and how to make the
// layer. Layers with weights are worked out by formula, so checking allocates no weights
// (a 3x500x500 image into dense 1000 would take 3 GB on every keystroke); `make` allocates
// them when a network is built.
struct PlannedLayer {
  std::string description; // Layer::describe()
  std::string name;
  Shape output; // one sample
  int64_t parameters = 0;
  std::function<std::unique_ptr<Layer>()> make;
};

// Names layers as a layer list does: conv1, conv2, …; "flatten", then flatten2.
class LayerNames {
public:
  // The next name for `base` ("conv3"), or the name the line chose with "as NAME" (the count
  // goes on either way, so the other names do not change).
  std::string next(const std::string& base, bool alwaysNumber = true);
  void chooseNext(std::string name) { chosen_ = std::move(name); }

private:
  std::map<std::string, int> counts_;
  std::string chosen_;
};

// One layer-list line, and readers for its tokens.
struct LayerListLine {
  const std::vector<std::string>& tokens; // tokens[0] is the keyword as typed
  std::string keyword;                    // lower case
  Shape in;                               // one sample reaching the line: (C, H, W) or (F)
  LayerNames& names;
  std::vector<Shape> more = {}; // a joining kind's other inputs: the named layers' outputs

  // Throws unless the input is an image: "conv needs an image (channels × height × width) …".
  void needImage() const;
  // Throws unless the input is flat: "dense needs a flat input … put 'flatten' before it".
  void needFlat() const;
  // "key value" pairs from token `from` on, each key one of `allowed`.
  std::map<std::string, std::string> options(size_t from, const std::vector<std::string>& allowed) const;
};
int64_t positiveToken(const std::string& token, const std::string& what); // 1 … 100000
// "5" → {5, 5}; "3x5" → {3, 5} (height × width; '×' too).
std::pair<int64_t, int64_t> pairToken(std::string token, const std::string& what, bool allowZero = false);
float numberToken(const std::string& token, const std::string& what);
std::string shapeText(const Shape& s); // "6×14×14"
// One sample (C, H, W) or (F) with a batch of one in front, and back.
Shape batchOfOne(const Shape& sample);
Shape oneSample(const Shape& batched);
// The weights' element count plus the biases, or std::invalid_argument naming `who` when the
// network could not be stored ("… weights are more than any computer can hold").
int64_t plannedParameters(const std::vector<int64_t>& weightDims, int64_t biases, const std::string& who);
constexpr int64_t kMaxPlannedParameters = std::numeric_limits<int64_t>::max() / int64_t(sizeof(float));

// A layer without weights, or with a few per channel (a scale, a shift, PReLU's slopes): made
// once to ask it its description, shape and parameter count; `make` makes it again.
template <typename L, typename... Args> PlannedLayer planWeightless(const Shape& in, Args... args) {
  PlannedLayer p;
  p.make = [=] { return std::unique_ptr<Layer>(std::make_unique<L>(args...)); };
  const std::unique_ptr<Layer> layer = p.make();
  p.description = layer->describe();
  p.name = layer->name();
  p.output = oneSample(layer->outputShape(batchOfOne(in)));
  p.parameters = layer->parameterCount();
  return p;
}

// A joining layer (add, concat): the line's input and the named layers' outputs; its
// shape check is the layer's own.
template <typename L> PlannedLayer planJoin(const LayerListLine& line, const std::string& base) {
  PlannedLayer p;
  p.name = line.names.next(base);
  p.make = [name = p.name] { return std::unique_ptr<Layer>(std::make_unique<L>(name)); };
  std::vector<Shape> shapes{batchOfOne(line.in)};
  for (const Shape& s : line.more) shapes.push_back(batchOfOne(s));
  const std::unique_ptr<Layer> layer = p.make();
  p.description = layer->describe();
  p.output = oneSample(layer->nodeOutputShape(shapes));
  return p;
}

struct LayerKind {
  std::string type;                  // the model file's "type" and Layer::kind(): "Conv2D"
  std::vector<std::string> keywords; // the layer list's words: "conv"; empty: no layer-list form
  std::string syntax;                // one line of help: "conv FILTERS KxK [stride S] [pad P] [dilation D]"
  bool joins = false;                // its layer-list arguments are layer names (add, concat)
  std::function<std::unique_ptr<Layer>(const LayerFields& fields, const std::string& name)> load;
  std::function<PlannedLayer(const LayerListLine& line)> plan; // null without keywords
  // A kind with weights: the dimensions its model-file fields declare, read before the layer
  // is made (a model file's size check: a few bytes must not declare terabytes). Throws like
  // load() on a missing or malformed field. Null for kinds without weights.
  std::function<std::vector<int64_t>(const LayerFields& fields)> declaredWeights;
};

// Every kind, in the order help texts list them.
const std::vector<LayerKind>& layerKinds();
const LayerKind* layerKindOfType(const std::string& type);       // null when unknown
const LayerKind* layerKindOfKeyword(const std::string& keyword); // lower case; null when unknown
std::string layerTypeNames();                                    // "Conv2D, Activation, …"
std::string layerKeywordNames();                                 // "conv, maxpool, …"

// The layer as its own class when it is of that kind, else null: the one place a layer's
// kind is told by its class. Code that needs a kind's own fields (a convolution's weights and
// geometry, the fully connected layer a lesson steps through) asks here; what differs from
// kind to kind in behaviour belongs in the kind's own file, behind Layer's virtual hooks.
template <typename Kind> const Kind* layerAs(const Layer& layer) { return dynamic_cast<const Kind*>(&layer); }
template <typename Kind> Kind* layerAs(Layer& layer) { return dynamic_cast<Kind*>(&layer); }

} // namespace convscope
