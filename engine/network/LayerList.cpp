// LayerList: the one-layer-per-line grammar, parsed and checked line by line.
#include "engine/network/LayerList.h"
#include "engine/io/FileText.h"

#include "engine/layers/LayerKind.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
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

// One layer from its tokens, fed by one sample of shape `in` (C, H, W) or (F): the kind's
// own plan (LayerKind.h).
// Every line may end with "as NAME" (the layer's name, for later lines to read) and "from
// NAME" (read that layer instead of the line before); a joining kind's arguments (add,
// concat) name the layers it joins to its input. `known` holds each name's one-sample shape.
PlannedLayer planLayer(std::vector<std::string> tokens, const Shape& previous, const std::string& previousName,
                       LayerNames& names, const std::map<std::string, Shape>& known, std::vector<std::string>& inputs) {
  const std::string keyword = lower(tokens[0]);
  const LayerKind* kind = layerKindOfKeyword(keyword);
  if (!kind || !kind->plan)
    throw std::invalid_argument("unknown layer '" + tokens[0] + "' (layers: " + layerKeywordNames() +
                                "; the first line is 'input C×H×W')");
  std::string as, from;
  for (size_t i = 1; i + 1 < tokens.size();) {
    const std::string word = lower(tokens[i]);
    if (word != "as" && word != "from") {
      ++i;
      continue;
    }
    (word == "as" ? as : from) = tokens[i + 1];
    tokens.erase(tokens.begin() + long(i), tokens.begin() + long(i) + 2);
  }
  const auto shapeOf = [&known](const std::string& name) {
    const auto it = known.find(name);
    if (it != known.end()) return it->second;
    std::string list;
    for (const auto& [n, shape] : known) list += (list.empty() ? "" : ", ") + n;
    throw std::invalid_argument("there is no layer '" + name + "' above (names: " + list + ")");
  };
  if (!as.empty()) {
    if (known.count(as) || as == "input") throw std::invalid_argument("the name '" + as + "' is taken");
    names.chooseNext(as);
  }
  inputs = {from.empty() ? previousName : from};
  LayerListLine line{tokens, keyword, from.empty() ? previous : shapeOf(from), names};
  if (kind->joins) {
    if (tokens.size() < 2)
      throw std::invalid_argument(keyword + " needs the layers it joins, e.g. '" + keyword + " conv1'");
    for (size_t i = 1; i < tokens.size(); ++i) {
      line.more.push_back(shapeOf(tokens[i]));
      inputs.push_back(tokens[i]);
    }
    tokens.resize(1);
  }
  PlannedLayer planned = kind->plan(line);
  names.chooseNext({});
  return planned;
}

// The check, and with `makers` the layers' factories in order (the first row is the input).
LayerListCheck checkLines(const std::string& text, std::vector<std::function<std::unique_ptr<Layer>()>>* makers) {
  LayerListCheck check;
  std::istringstream lines(text);
  std::string source;
  bool haveInput = false;
  int layers = 0;
  Shape shape;                        // one sample, as it reaches the next line
  std::string shapeFrom = "input";    // the layer it comes from
  std::map<std::string, Shape> known; // every layer's one-sample output, by name
  LayerNames counters;
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
        for (std::string part; std::getline(parts, part, 'x');) dims.push_back(positiveToken(part, "an input size"));
        if (dims.size() != 1 && dims.size() != 3)
          throw std::invalid_argument("the input '" + tokens[1] +
                                      "' must be C×H×W (e.g. 1x32x32) or a length (e.g. 784)");
        shape = dims.size() == 3 ? Shape{dims[0], dims[1], dims[2]} : Shape{dims[0]};
        haveInput = true;
        row.output = shape;
        known["input"] = shape;
      } else {
        PlannedLayer layer = planLayer(tokens, shape, shapeFrom, counters, known, row.inputs);
        if (known.count(layer.name)) // an "as" above took the name this line would get
          throw std::invalid_argument("a layer above is already called '" + layer.name +
                                      "': name this one with 'as NAME'");
        row.layer = layer.description;
        row.name = layer.name;
        row.parameters = layer.parameters;
        row.weightBytes = layer.parameters * int64_t(sizeof(float)); // parameters ≤ kMaxParameters
        int64_t total = 0;
        if (__builtin_add_overflow(check.parameters, row.parameters, &total) || total > kMaxPlannedParameters)
          throw std::invalid_argument("with " + row.layer + " the network has more weights than any computer can hold");
        check.parameters = total;
        check.weightBytes = total * int64_t(sizeof(float));
        shape = layer.output;
        shapeFrom = layer.name;
        known[layer.name] = shape;
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
      network.add(makers[i](), row.inputs);
    } catch (const std::bad_alloc&) {
      throw tooLarge();
    } catch (const std::length_error&) { // a vector longer than the address space allows
      throw tooLarge();
    }
  }
  return network;
}

bool isLayerListPath(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".txt" || ext == ".layers";
}

Network loadLayerList(const std::string& path) {
  const std::string text = readFileText(path, kMaxLayerListBytes, "layer lists");
  try {
    return buildLayerList(text);
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
  // Names as the list will give them, and the wiring each line needs beyond "the line before".
  const auto& nodes = network.nodes();
  const auto nameOf = [&nodes](int k) { return k < 0 ? std::string("input") : nodes[size_t(k)].layer->name(); };
  int previous = -1; // the node the next line reads by default (lines left out do not count)
  // Layers read other than by the line after them need their name written ("as NAME").
  std::vector<int> alias(nodes.size()); // a left-out identity's input stands for it
  for (size_t i = 0; i < nodes.size(); ++i) alias[i] = int(i);
  const auto resolve = [&alias](int k) { return k < 0 ? k : alias[size_t(k)]; };
  std::vector<char> named(nodes.size(), 0);
  for (size_t i = 0; i < nodes.size(); ++i)
    for (size_t k = 0; k < nodes[i].inputs.size(); ++k)
      if (nodes[i].inputs[k] >= 0 && (k > 0 || nodes[i].inputs[k] != int(i) - 1)) named[size_t(nodes[i].inputs[k])] = 1;
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::string line = nodes[i].layer->layerListLine();
    const std::vector<int>& reads = nodes[i].inputs;
    if (line.empty()) { // an identity (activation none): the list leaves it out, readers read its input
      if (reads.size() != 1)
        throw std::invalid_argument("layer '" + nodes[i].layer->name() + "' has no layer-list form");
      alias[i] = resolve(reads[0]);
      previous = int(i);
      continue;
    }
    for (size_t k = 1; k < reads.size(); ++k) line += " " + nameOf(resolve(reads[k]));
    if (resolve(reads[0]) != resolve(previous)) line += " from " + nameOf(resolve(reads[0]));
    if (named[i]) line += " as " + nodes[i].layer->name();
    out << line << "\n";
    previous = int(i);
  }
  return out.str();
}

std::string withCommas(int64_t value) {
  const std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out = value < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
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
