// The window's start (`convscope [FILE] [WINDOW OPTIONS]`), parsed and checked before any
// window or QApplication exists; main() applies the result. Not for: the commands' options.
#pragma once

#include "engine/lessons/Filtering.h"
#include "engine/core/Geometry.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace convscope::cli {

// --tab maps|stepper|training|architectures|depthwise (the Architectures tab's second page)
enum class StartTab { FeatureMaps, Stepper, Training, Architectures, Depthwise, Applications, Detection, Generation, Gan, SuperResolution, SuperResolution4x, Probe, Fool };
enum class StartStep { Convolution, Activation, Pooling, FullyConnected, Backward, Deconv }; // --step: the stepper's modes
constexpr int64_t kMostBackwardSteps = 10000; // --cell with --step backward: steps taken at most

// Every value is checked; an unset optional leaves the window's own setting alone.
struct WindowOptions {
  std::string file;                   // FILE (an existing file), or empty
  std::vector<NamedKernel> kernels;   // --kernel, loaded, in order; empty: keep the window's bank
  bool replaceConvolution = false;    // start from FilterOptions{} rather than the window's settings
  std::optional<int64_t> stride;      // --stride, both directions
  std::optional<PaddingSpec> padding; // --padding
  std::optional<float> bias;          // --bias
  std::optional<bool> perChannel;     // --per-channel
  std::optional<ActivationKind> activation;
  std::optional<PoolMode> poolMode;  // --pooling
  std::optional<int64_t> poolSize;   // --pool-size: an N x N window
  std::optional<int64_t> poolStride; // --pool-stride, else the size when --pool-size is given
  std::string model;                 // --model (an existing file, or a network's name), or empty
  std::string select;                // --select: a layer or block of the Architectures tab's network
  bool modelIsName = false;          // --model names a preset or architecture (the Architectures tab)
  // --mean, --std, --imagenet: the open model's normalization (its count checked against the
  // model once it is open).
  std::optional<std::vector<float>> mean, stddev;
  bool imageNet = false;
  std::optional<int> resize; // --resize: a single image's shorter side first
  std::optional<StartTab> tab;
  std::optional<StartStep> step;
  std::string deconvSample; // --deconv: the transposed convolution's sample (implies --step deconv)
  std::optional<int64_t> cell; // --cell, counted from 0 row by row
  bool stepper = false, presenter = false, train = false;
  std::optional<int> camera; // --camera N: live from the start
  std::string video;         // --video FILE: the same from a file
  // Figures and animations made by a script: written once the view has settled, then quit.
  std::string exportFile;    // --export: .svg, .pdf, .png, .csv, .md or .tex
  std::string figure;        // --figure: which of the tab's figures (its name); empty: the first
  double scale = 2;          // --scale: a PNG's
  std::string animationFile; // --export-animation: .gif or .mp4
  double fps = 2;            // --fps
  bool exports() const { return !exportFile.empty() || !animationFile.empty(); }

  // Any pooling option turns pooling on.
  bool pooling() const { return poolMode || poolSize || poolStride; }
};

// The process environment: the value of a variable, or null when it is not set.
using Environment = std::function<const char*(const char*)>;

// The result of checking the window's start. When `exitStatus` is set the window must not
// open: one message has been printed (the usage too for an unknown command) and main()
// returns it: 2 bad input (unknown command or option, missing file, bad value), 1 no
// display, 0 after --help.
struct WindowStart {
  std::optional<int> exitStatus;
  WindowOptions options;
};

// `args` without the program name, as main() got them (Qt's own -platform, -style, ...
// are allowed and left for QApplication). `--step pooling` without `--kernel` pools the
// input as it is: the identity kernel, padding same, bias 0, activation none (each unless
// given).
WindowStart checkWindowStart(const std::vector<std::string>& args, const Environment& env, std::ostream& out,
                             std::ostream& err);

// Why Qt could not open a window here ("DISPLAY is not set"), or empty when it may: no
// DISPLAY and no WAYLAND_DISPLAY, unless the platform (QT_QPA_PLATFORM or -platform in
// `args`) needs no display server (offscreen, minimal, vnc, eglfs, ...).
std::string missingDisplay(const std::vector<std::string>& args, const Environment& env);

} // namespace convscope::cli
