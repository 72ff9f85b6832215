// The live pipeline of the lecture view: an image through a bank of kernels, an
// activation and pooling, each stage's maps turned into displayable 8-bit images. One
// call is one live update of the GUI (and what `convscope bench live` times).
// Not for: training networks (Network.h) or drawing (the GUI wraps the bytes in QImages).
#pragma once

#include "engine/lessons/Filtering.h"
#include "engine/core/Geometry.h"
#include "engine/lessons/MapRendering.h"
#include "engine/io/SharedModel.h"
#include "engine/network/Network.h"
#include "engine/training/Preprocess.h"
#include "engine/core/Tensor.h"
#include "engine/backend/Backend.h"
#include "engine/inspection/ReceptiveField.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace convscope {

struct PipelineSpec {
  std::vector<NamedKernel> kernels; // the bank; empty = no convolution stage
  FilterOptions convolution;        // stride, padding, dilation, bias (its activation is ignored)
  ActivationKind activation = ActivationKind::ReLU;
  bool pooling = true;
  Pool2DGeometry pool;
  int displaySide = 512; // maps are rendered at most this many pixels a side (values stay exact)
  // The caller's number for the image: the same non-zero number on two calls means the same
  // pixels, and an earlier result's input stage (its copy and its picture) is reused, as
  // while a slider is dragged over one image. 0: unknown, always copied.
  uint64_t inputVersion = 0;
  // The classification stage: flatten → fully connected → softmax into `classes` classes,
  // with demonstrationWeights (a hand-made pipeline has nothing learned to use).
  bool classify = true;
  int classes = 4;

  // A trained model instead of the kernels: every layer of it, on the image prepared as
  // its training data was (the model's preprocessing and class names, or `preprocess` when
  // the user gave the model another normalization). Run under the model's lock
  // (SharedModel::use), so the one copy can be shared with other views.
  ModelSnapshot model;
  std::optional<Preprocess> preprocess;
  // The input is a typed matrix: the model reads its values as written (prepareMatrix), not
  // as an image's 0–255 pixels divided by 255.
  bool matrixInput = false;
};

// A derived stage's values, made once when first read (from any thread).
struct DerivedValues {
  std::once_flag once;
  Tensor values;
  // How a derived convolution is made from the stage before (its input), and one value of it.
  std::function<void(const Tensor& before, Tensor& out)> make;
  std::function<float(const Tensor& before, int64_t c, int64_t h, int64_t w)> value;
};

struct PipelineStage {
  enum class Kind { Maps, Vector, Probabilities };
  Kind kind = Kind::Maps;            // (1, C, H, W) maps; (1, F) features; (1, K) class probabilities
  std::string title;                 // "convolution", "ReLU", "max pooling 2x2/2"
  std::string detail;                // "8 maps of 512x512"
  Tensor maps;                       // (1, C, H, W), in either layout; empty for a derived stage (see below)
  std::vector<MapImage> images;      // one per channel
  std::vector<std::string> mapNames; // what made each map ("sobel-x · R"), when known

  // Values that follow from the stage before — its ReLU, its flatten, or a small bank's
  // convolution of the input (FusedStages.h: fusedBank computes it a band at a time and keeps
  // none of it) — and are made only when something reads them (hover, export, a stepper)
  // through PipelineResult::values: a 1024² photo's eight ReLU maps are 32 MB, written on every
  // update for nobody. Their pictures and ranges are made at once.
  enum class Derived { No, Relu, Flatten, Convolution };
  Derived derived = Derived::No;
  Shape derivedShape; // the values' shape, when derived
  std::shared_ptr<DerivedValues> made;
  const Shape& shape() const { return derived == Derived::No ? maps.shape() : derivedShape; }
  int64_t node = -1; // a model's: the layer (its index in the network) whose output this is; −1 none
};

struct PipelineResult {
  std::vector<PipelineStage> stages;   // input first
  std::vector<std::string> classNames; // for a model's probabilities
  std::string error;                   // the reason when a stage's geometry does not fit; stages up to it are kept
  // A model's: every layer's theoretical receptive field (ReceptiveField.h), by node; the window
  // of a unit of stage s (node n) on stage 0, the model's input, is fields[n] at the unit's place.
  std::vector<ReceptiveField> fields;
  ModelSnapshot model; // the model that made the stages (empty for the hand-made pipeline)
  uint64_t inputVersion = 0;           // the spec's, with the display side the input stage was rendered at
  int inputSide = 0;

  // Stage `index`'s values: its maps, or for a derived stage the values made from the stage
  // before (once, on the first call; safe from several threads).
  const Tensor& values(size_t index) const;
  // One value (n, c, h, w) of stage `index`'s maps, without making a derived stage's all
  // (hovering over a photo's ReLU maps reads one value, not 32 MB).
  float valueAt(size_t index, int64_t n, int64_t c, int64_t h, int64_t w) const;
};

// Runs the pipeline; a geometry that does not fit ends it with `error` set (never throws
// for bad geometry). An RGB input shown as one colour image makes one MapImage.
// `recycle`, when given, is an earlier result nobody else uses: its large buffers are
// reused (a fresh 32 MB buffer costs more than the convolution that fills it).
PipelineResult runPipeline(Backend& backend, const Tensor& image, const PipelineSpec& spec,
                           PipelineResult* recycle = nullptr);

// One layer's output (1, C, H, W) or (1, F) as a stage titled as the layer describes itself
// ("conv1: 6 filters 5x5, stride 1"): its maps, or a strip of features or probabilities.
PipelineStage layerStage(const Layer& layer, const Tensor& output, int maxSide);

// Seeded weights (K, F) and bias (K) for the classification stage of a hand-made pipeline:
// small, rounded to two decimals so they read well (a layer of more than 40,000 features, whose
// weights would all round to 0.00, to one decade below its scale: 0.0003 for a photo's half
// million), the same on every machine for a seed.
void demonstrationWeights(int64_t features, int64_t classes, Tensor& weights, Tensor& bias, uint64_t seed = 504);

} // namespace convscope
