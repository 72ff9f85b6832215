// LayerList: the one-layer-per-line grammar, parsed and checked line by line.
#include "LayerList.h"

#include "layers/Activation.h"
#include "layers/Conv2D.h"
#include "layers/Dense.h"
#include "layers/Flatten.h"
#include "layers/Pool2D.h"
#include "layers/Softmax.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

namespace convscope {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

int64_t positive(const std::string& token, const std::string& what) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
  if (ec != std::errc() || end != token.data() + token.size())
    throw std::invalid_argument(what + " '" + token + "' is not a whole number");
  if (v < 1) throw std::invalid_argument(what + " must be at least 1, not " + token);
  if (v > 100000) throw std::invalid_argument(what + " " + token + " is too large (at most 100000)");
  return v;
}

int64_t nonNegative(const std::string& token, const std::string& what) {
  if (token == "0") return 0;
  return positive(token, what);
}

// "5" → {5, 5}; "3x5" → {3, 5} (height x width); '×' accepted too.
std::pair<int64_t, int64_t> pair(std::string token, const std::string& what, bool allowZero = false) {
  for (const std::string times : {"×", "X"})
    for (size_t at; (at = token.find(times)) != std::string::npos;) token.replace(at, times.size(), "x");
  const size_t x = token.find('x');
  const auto one = [&](const std::string& t) { return allowZero ? nonNegative(t, what) : positive(t, what); };
  if (x == std::string::npos) {
    const int64_t v = one(token);
    return {v, v};
  }
  return {one(token.substr(0, x)), one(token.substr(x + 1))};
}

// key value pairs after the required arguments: "stride 2 pad 1".
std::map<std::string, std::string> options(const std::vector<std::string>& tokens, size_t from,
                                           const std::vector<std::string>& allowed, const std::string& layer) {
  std::map<std::string, std::string> out;
  for (size_t i = from; i < tokens.size(); i += 2) {
    const std::string key = lower(tokens[i]);
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string names;
      for (const std::string& a : allowed) names += (names.empty() ? "" : ", ") + a;
      throw std::invalid_argument("'" + tokens[i] + "' is not an option of " + layer +
                                  (names.empty() ? " (it takes none)" : " (options: " + names + ")"));
    }
    if (i + 1 >= tokens.size()) throw std::invalid_argument(key + " needs a value, e.g. '" + key + " 1'");
    out[key] = tokens[i + 1];
  }
  return out;
}

std::string shapeText(const Shape& s) {
  std::string out;
  for (int64_t d = 0; d < s.rank(); ++d) out += (d ? "×" : "") + std::to_string(s[d]);
  return out;
}

struct Counters {
  int conv = 0, act = 0, pool = 0, fc = 0, flatten = 0, softmax = 0;
};

std::string numbered(const std::string& base, int& counter, bool alwaysNumber = true) {
  ++counter;
  return alwaysNumber || counter > 1 ? base + std::to_string(counter) : base;
}

// A line's layer before it exists: what the check shows, and how to make the layer. Conv
// and dense are worked out by formula, so checking allocates no weights (a 3x500x500 image
// into dense 1000 would take 3 GB on every keystroke); `make` allocates them, when a
// network is built.
struct PlannedLayer {
  std::string description; // Layer::describe()
  std::string name;
  Shape output; // one sample
  int64_t parameters = 0;
  std::function<std::unique_ptr<Layer>()> make;
};

// More parameters than this would take more bytes than an int64_t counts.
constexpr int64_t kMaxParameters = std::numeric_limits<int64_t>::max() / int64_t(sizeof(float));

// The weights' element count (the product of their dimensions) plus the biases, or
// std::invalid_argument naming `who` when that passes kMaxParameters.
int64_t parameterCount(const std::vector<int64_t>& weightDims, int64_t biases, const std::string& who) {
  int64_t count = 1;
  bool tooMany = false;
  for (int64_t d : weightDims) tooMany = tooMany || __builtin_mul_overflow(count, d, &count);
  tooMany = tooMany || __builtin_add_overflow(count, biases, &count) || count > kMaxParameters;
  if (tooMany) {
    std::string dims;
    for (int64_t d : weightDims) dims += (dims.empty() ? "" : "×") + std::to_string(d);
    throw std::invalid_argument(who + ": " + dims + " weights are more than any computer can hold");
  }
  return count;
}

// One sample (C, H, W) or (F) with a batch of one in front, for the shape functions.
Shape batchOfOne(const Shape& sample) {
  std::vector<int64_t> dims{1};
  dims.insert(dims.end(), sample.dims().begin(), sample.dims().end());
  return Shape(std::move(dims));
}

// The shape functions' (1, …) result without its batch of one.
Shape oneSample(const Shape& batched) {
  std::vector<int64_t> dims(batched.dims().begin() + 1, batched.dims().end());
  if (dims.empty()) dims.push_back(1);
  return Shape(std::move(dims));
}

// A layer without weights: made once to ask it its shape; `make` makes it again.
template <typename L, typename... Args> PlannedLayer weightless(const Shape& in, Args... args) {
  PlannedLayer p;
  p.make = [=] { return std::unique_ptr<Layer>(std::make_unique<L>(args...)); };
  const std::unique_ptr<Layer> layer = p.make();
  p.description = layer->describe();
  p.name = layer->name();
  p.output = oneSample(layer->outputShape(batchOfOne(in)));
  return p;
}

// One layer from its tokens, fed by one sample of shape `in` (C, H, W) or (F).
PlannedLayer planLayer(const std::vector<std::string>& tokens, const Shape& in, Counters& n) {
  const std::string kind = lower(tokens[0]);
  const auto needImage = [&](const std::string& what) {
    if (in.rank() != 3)
      throw std::invalid_argument(what + " needs an image (channels × height × width), but its input is " +
                                  shapeText(in) + " values: image layers come before 'flatten'");
  };
  if (kind == "conv") {
    needImage("conv");
    if (tokens.size() < 3)
      throw std::invalid_argument("conv needs the number of filters and a kernel size, e.g. 'conv 6 5x5'");
    const int64_t filters = positive(tokens[1], "the number of filters");
    Conv2DGeometry g;
    std::tie(g.kernelH, g.kernelW) = pair(tokens[2], "the kernel size");
    const auto o = options(tokens, 3, {"stride", "pad", "dilation"}, "conv");
    if (o.count("stride")) std::tie(g.strideH, g.strideW) = pair(o.at("stride"), "the stride");
    if (o.count("dilation")) std::tie(g.dilationH, g.dilationW) = pair(o.at("dilation"), "the dilation");
    if (o.count("pad")) {
      const auto [ph, pw] = pair(o.at("pad"), "the padding", true);
      g.padTop = g.padBottom = ph;
      g.padLeft = g.padRight = pw;
    }
    // As Conv2D describes itself and counts its weights (C_out, C_in, KH, KW) and bias (C_out).
    PlannedLayer p;
    p.name = numbered("conv", n.conv);
    p.description = "Conv2D '" + p.name + "' " + std::to_string(filters) + "@" + g.toString();
    const std::string who = "Conv2D '" + p.name + "'";
    p.output = oneSample(conv2dOutputShape(batchOfOne(in), filters, g, who));
    p.parameters = parameterCount({filters, in[0], g.kernelH, g.kernelW}, filters, who);
    p.make = [name = p.name, channels = in[0], filters, g] {
      return std::unique_ptr<Layer>(std::make_unique<Conv2D>(name, channels, filters, g));
    };
    return p;
  }
  if (kind == "maxpool" || kind == "avgpool") {
    needImage(kind);
    if (tokens.size() < 2) throw std::invalid_argument(kind + " needs a window size, e.g. '" + kind + " 2x2'");
    Pool2DGeometry g;
    g.mode = kind == "maxpool" ? PoolMode::Max : PoolMode::Average;
    std::tie(g.kernelH, g.kernelW) = pair(tokens[1], "the window size");
    g.strideH = g.kernelH, g.strideW = g.kernelW;
    const auto o = options(tokens, 2, {"stride", "pad"}, kind);
    if (o.count("stride")) std::tie(g.strideH, g.strideW) = pair(o.at("stride"), "the stride");
    if (o.count("pad")) {
      const auto [ph, pw] = pair(o.at("pad"), "the padding", true);
      g.padTop = g.padBottom = ph;
      g.padLeft = g.padRight = pw;
    }
    return weightless<Pool2D>(in, numbered("pool", n.pool), g);
  }
  if (kind == "relu" || kind == "tanh" || kind == "sigmoid" || kind == "leaky-relu") {
    float alpha = 0.01f;
    if (kind == "leaky-relu" && tokens.size() == 2) {
      try {
        alpha = std::stof(tokens[1]);
      } catch (const std::exception&) {
        throw std::invalid_argument("the slope '" + tokens[1] + "' is not a number");
      }
    } else {
      options(tokens, 1, {}, kind);
    }
    const ActivationKind a = kind == "relu"      ? ActivationKind::ReLU
                             : kind == "tanh"    ? ActivationKind::Tanh
                             : kind == "sigmoid" ? ActivationKind::Sigmoid
                                                 : ActivationKind::LeakyReLU;
    return weightless<Activation>(in, numbered("act", n.act), a, alpha);
  }
  if (kind == "flatten") {
    options(tokens, 1, {}, kind);
    return weightless<Flatten>(in, numbered("flatten", n.flatten, false));
  }
  if (kind == "dense" || kind == "fc") {
    if (tokens.size() < 2) throw std::invalid_argument(kind + " needs the number of outputs, e.g. '" + kind + " 84'");
    if (in.rank() != 1)
      throw std::invalid_argument(kind + " needs a flat input, but its input is " + shapeText(in) +
                                  ": put 'flatten' before it");
    options(tokens, 2, {}, kind);
    const int64_t outputs = positive(tokens[1], "the number of outputs");
    // As Dense describes itself and counts its weights (F_out, F_in) and bias (F_out).
    PlannedLayer p;
    p.name = numbered("fc", n.fc);
    p.description = "Dense '" + p.name + "' " + std::to_string(in[0]) + "->" + std::to_string(outputs);
    p.output = Shape{outputs};
    p.parameters = parameterCount({outputs, in[0]}, outputs, "Dense '" + p.name + "'");
    p.make = [name = p.name, inputs = in[0], outputs] {
      return std::unique_ptr<Layer>(std::make_unique<Dense>(name, inputs, outputs));
    };
    return p;
  }
  if (kind == "softmax") {
    options(tokens, 1, {}, kind);
    return weightless<Softmax>(in, numbered("softmax", n.softmax, false));
  }
  throw std::invalid_argument("unknown layer '" + tokens[0] +
                              "' (layers: conv, maxpool, avgpool, relu, tanh, sigmoid, leaky-relu, flatten, dense, "
                              "softmax; the first line is 'input C×H×W')");
}

// The check, and with `makers` the layers' factories in order (the first row is the input).
LayerListCheck checkLines(const std::string& text, std::vector<std::function<std::unique_ptr<Layer>()>>* makers) {
  LayerListCheck check;
  std::istringstream lines(text);
  std::string source;
  bool haveInput = false;
  int layers = 0;
  Shape shape; // one sample, as it reaches the next line
  Counters counters;
  bool broken = false; // after a failing line, later lines cannot be checked
  for (int number = 1; std::getline(lines, source); ++number) {
    if (const size_t hash = source.find('#'); hash != std::string::npos) source.resize(hash);
    std::istringstream words(source);
    std::vector<std::string> tokens;
    for (std::string w; words >> w;) tokens.push_back(w);
    if (tokens.empty()) continue;
    LayerListRow row;
    row.line = number;
    row.kind = lower(tokens[0]);
    if (row.kind == "fc") row.kind = "dense";
    try {
      if (broken) throw std::invalid_argument("not checked: a line above does not fit");
      if (!haveInput) {
        if (lower(tokens[0]) != "input" || tokens.size() != 2)
          throw std::invalid_argument("the first line must give the input, e.g. 'input 1x32x32' (channels × height × "
                                      "width) or 'input 784'");
        std::string spec = tokens[1];
        for (const std::string times : {"×", "X"})
          for (size_t at; (at = spec.find(times)) != std::string::npos;) spec.replace(at, times.size(), "x");
        std::vector<int64_t> dims;
        std::istringstream parts(spec);
        for (std::string part; std::getline(parts, part, 'x');) dims.push_back(positive(part, "an input size"));
        if (dims.size() != 1 && dims.size() != 3)
          throw std::invalid_argument("the input '" + tokens[1] +
                                      "' must be C×H×W (e.g. 1x32x32) or a length (e.g. 784)");
        shape = dims.size() == 3 ? Shape{dims[0], dims[1], dims[2]} : Shape{dims[0]};
        haveInput = true;
        row.output = shape;
      } else {
        PlannedLayer layer = planLayer(tokens, shape, counters);
        row.layer = layer.description;
        row.name = layer.name;
        row.parameters = layer.parameters;
        row.weightBytes = layer.parameters * int64_t(sizeof(float)); // parameters ≤ kMaxParameters
        int64_t total = 0;
        if (__builtin_add_overflow(check.parameters, row.parameters, &total) || total > kMaxParameters)
          throw std::invalid_argument("with " + row.layer + " the network has more weights than any computer can hold");
        check.parameters = total;
        check.weightBytes = total * int64_t(sizeof(float));
        shape = layer.output;
        row.output = shape;
        ++layers;
        if (makers) makers->push_back(std::move(layer.make));
      }
    } catch (const std::exception& e) {
      row.error = e.what();
      row.output = Shape{};
      if (check.error.empty() && !broken) check.error = "line " + std::to_string(number) + ": " + row.error;
      broken = true;
    }
    check.rows.push_back(std::move(row));
  }
  if (check.error.empty() && !haveInput)
    check.error = "no layers: start with 'input 1x32x32'";
  else if (check.error.empty() && layers == 0)
    check.error = "only an input: add layers below it";
  return check;
}

} // namespace

LayerListCheck checkLayerList(const std::string& text) { return checkLines(text, nullptr); }

Network buildLayerList(const std::string& text) {
  std::vector<std::function<std::unique_ptr<Layer>()>> makers;
  const LayerListCheck check = checkLines(text, &makers);
  if (!check.fits()) throw std::invalid_argument(check.error);
  Network network(check.rows.front().output);
  for (size_t i = 0; i < makers.size(); ++i) {
    const LayerListRow& row = check.rows[i + 1];
    const auto tooLarge = [&row] {
      return std::invalid_argument("line " + std::to_string(row.line) + ": " + row.layer + " needs " +
                                   byteSizeText(row.weightBytes) + " for its " + std::to_string(row.parameters) +
                                   " parameters, more memory than there is");
    };
    try {
      network.add(makers[i]());
    } catch (const std::bad_alloc&) {
      throw tooLarge();
    } catch (const std::length_error&) { // a vector longer than the address space allows
      throw tooLarge();
    }
  }
  return network;
}

Network loadLayerList(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::invalid_argument(path + ": cannot open the layer list");
  std::ostringstream text;
  text << file.rdbuf();
  try {
    return buildLayerList(text.str());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

std::string layerListText(const Network& network) {
  std::ostringstream out;
  const Shape& in = network.inputShape();
  out << "input ";
  for (int64_t d = 0; d < in.rank(); ++d) out << (d ? "x" : "") << in[d];
  out << "\n";
  const auto pairText = [](int64_t a, int64_t b) {
    return a == b ? std::to_string(a) : std::to_string(a) + "x" + std::to_string(b);
  };
  for (size_t i = 0; i < network.size(); ++i) {
    const Layer& l = network.layer(i);
    if (const auto* c = dynamic_cast<const Conv2D*>(&l)) {
      const Conv2DGeometry& g = c->geometry();
      if (g.groups != 1 || g.padTop != g.padBottom || g.padLeft != g.padRight)
        throw std::invalid_argument("layer '" + l.name() + "' (groups or uneven padding) has no layer-list form");
      out << "conv " << c->outChannels() << " " << g.kernelH << "x" << g.kernelW;
      if (g.strideH != 1 || g.strideW != 1) out << " stride " << pairText(g.strideH, g.strideW);
      if (g.padTop || g.padLeft) out << " pad " << pairText(g.padTop, g.padLeft);
      if (g.dilationH != 1 || g.dilationW != 1) out << " dilation " << pairText(g.dilationH, g.dilationW);
    } else if (const auto* p = dynamic_cast<const Pool2D*>(&l)) {
      const Pool2DGeometry& g = p->geometry();
      if (g.mode == PoolMode::Sum || g.padTop != g.padBottom || g.padLeft != g.padRight)
        throw std::invalid_argument("layer '" + l.name() + "' has no layer-list form");
      out << (g.mode == PoolMode::Max ? "maxpool " : "avgpool ") << g.kernelH << "x" << g.kernelW;
      if (g.strideH != g.kernelH || g.strideW != g.kernelW) out << " stride " << pairText(g.strideH, g.strideW);
      if (g.padTop || g.padLeft) out << " pad " << pairText(g.padTop, g.padLeft);
    } else if (const auto* a = dynamic_cast<const Activation*>(&l)) {
      if (a->activation() == ActivationKind::None) continue;
      out << toString(a->activation());
      if (a->activation() == ActivationKind::LeakyReLU) out << " " << a->alpha();
    } else if (const auto* d = dynamic_cast<const Dense*>(&l)) {
      out << "dense " << d->outFeatures();
    } else if (dynamic_cast<const Flatten*>(&l)) {
      out << "flatten";
    } else if (dynamic_cast<const Softmax*>(&l)) {
      out << "softmax";
    } else {
      throw std::invalid_argument("layer '" + l.name() + "' (" + l.kind() + ") has no layer-list form");
    }
    out << "\n";
  }
  return out.str();
}

std::string byteSizeText(int64_t bytes) {
  if (bytes < 1000) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  const char* units[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
  double value = double(bytes);
  int unit = -1;
  while (value >= 999.95 && unit < 5) value /= 1000.0, ++unit;
  char buffer[32];
  // One decimal below 10 ("3.0 GB"), none above ("247 kB"): two or three digits either way.
  std::snprintf(buffer, sizeof buffer, value < 9.95 ? "%.1f %s" : "%.0f %s", value, units[unit]);
  return buffer;
}

} // namespace convscope
