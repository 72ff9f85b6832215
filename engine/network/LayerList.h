// A CNN typed one layer per line: the Training tab's layer editor and
// `convscope train --model FILE.txt` read it. The grammar, by example:
//
//   input 1x32x32                  # channels x height x width (must come first)
//   conv 6 5x5 stride 1 pad 2      # filters, kernel (5 or 5x5); stride, pad, dilation optional
//   relu                           # or tanh, sigmoid, leaky-relu [alpha]
//   maxpool 2x2 stride 2           # or avgpool; stride defaults to the window
//   flatten
//   dense 84                       # or fc 84: output features
//   softmax
//
// Blank lines and text after '#' are ignored; names are case-insensitive. Every line is
// checked against the shape that reaches it, so an editor can show each layer's output
// shape as the user types and say, line by line, what does not fit.
// Branches: "as NAME" names a line's layer, "from NAME" reads that layer instead of the line
// before, "add NAME …" and "concat NAME …" join the named layers to the line before
// (docs/layer-lists.md shows a residual block, an inception module and a dense block).
// Not for: weights (ModelFile).
#pragma once

#include "engine/network/Network.h"

#include <string>
#include <vector>

namespace convscope {

// The largest layer-list file read: 1 MiB (a typed network is a few hundred bytes).
constexpr int64_t kMaxLayerListBytes = int64_t(1) << 20;

struct LayerListRow {
  int line = 0;      // 1-based line in the text
  std::string layer; // "Conv2D 'conv1' 6@5x5 …", empty for the input line
  std::string name;  // "conv1"
  std::string kind;  // the line's keyword as the grammar spells it: "input", "conv", "tanh", "avgpool", …
  Shape output;      // one sample's shape after this line (empty when it failed)
  int64_t parameters = 0;
  int64_t weightBytes = 0;         // what the parameters take as float32: parameters · 4
  std::string error;               // what does not fit, in words with the numbers; empty when fine
  std::vector<std::string> inputs; // the layers it reads: the line before, or "from", and what it joins
};

struct LayerListCheck {
  std::vector<LayerListRow> rows; // one per non-blank line, in order
  std::string error;              // the first problem, "line 3: …", or empty
  int64_t parameters = 0;         // of the lines that fit
  int64_t weightBytes = 0;        // of the lines that fit
  // Every line fits: buildLayerList would make the network.
  bool fits() const { return error.empty(); }
};

// Never throws: problems are in the rows and in `error`. Shapes and parameter counts are
// worked out by formula: no layer and no weight is allocated, so a list whose weights
// could never be stored (input 3x5000x5000, flatten, dense 100000: 7.5·10¹² parameters)
// checks at once and says how large it is.
LayerListCheck checkLayerList(const std::string& text);
// The network (its weights allocated, zero), or std::invalid_argument with the first
// problem ("line 3: …"), also when the weights cannot be allocated.
Network buildLayerList(const std::string& text);
// The same from a text file; problems start with the file's path.
Network loadLayerList(const std::string& path);
// A layer list's file name: .txt or .layers (ConvScope's own type for it on the desktop),
// in any case.
bool isLayerListPath(const std::string& path);
// A sequential network written in the grammar above (presets become editable text);
// throws std::invalid_argument for a layer the grammar cannot express.
std::string layerListText(const Network& network);

// A size in bytes as people read it, decimal units: "240 bytes", "247 kB", "3.0 GB", "300 TB".
std::string byteSizeText(int64_t bytes);
// A count with thousands separated: "62,378,344".
std::string withCommas(int64_t value);

} // namespace convscope
