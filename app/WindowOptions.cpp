// The window's start (WindowOptions.h): its options as `convscope --help` lists them, parsed
// and checked before any window or QApplication exists.
#include "app/WindowOptions.h"

#include "app/cli/CliCommon.h"

#include "engine/core/Geometry.h"
#include "engine/io/LectureFile.h"
#include "engine/lessons/Filtering.h"
#include "engine/lessons/Kernels.h"
#include "engine/network/Presets.h"
#include "engine/training/Preprocess.h"

#include <QCommandLineParser>
#include <QStringList>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>

namespace convscope::cli {

QList<QCommandLineOption> windowOptions() {
  return {
      {"kernel", "A kernel name or matrix file for the bank (repeatable).", "NAME|FILE"},
      {"stride", "Convolution stride.", "S"},
      {"padding", "Padding: a number, same or valid.", "P"},
      {"bias", "Convolution bias.", "B"},
      {"per-channel", "A one-block kernel filters each colour channel on its own (depthwise); by default it spans "
                      "the channels (depth = number of kernels)."},
      {"activation", "Activation: none, relu, leaky-relu, tanh, sigmoid, relu6, elu, hard-sigmoid, hard-swish, silu, selu, gelu or gelu-tanh.", "NAME"},
      {"pooling", "Pooling on, with max, average or sum.", "MODE"},
      {"pool-size", "Pooling on, with an N x N window.", "N"},
      {"pool-stride", "Pooling on, with this stride (default: the window size).", "N"},
      {"model",
       "A trained model file (.json) or an ONNX file: the feature maps show its layers (and the Architectures tab "
       "its graph). A network's name (resnet50, googlenet, mini-vgg, ...) opens in the Architectures tab.",
       "FILE|NAME"},
      {"mean",
       "The model's normalization: the mean per input channel, on the [0, 1] scale (0.485,0.456,0.406), "
       "remembered for its file.",
       "R,G,B"},
      {"std", "The model's normalization: the standard deviation per input channel (0.229,0.224,0.225).", "R,G,B"},
      {"imagenet", "The model's normalization is torchvision's ImageNet one (what its pretrained classifiers want)."},
      {"resize", "Resize an image's shorter side to N pixels before the model takes its centre (torchvision's "
                 "Resize(N) and CenterCrop: 256 for its 224x224 classifiers; 0: the whole image).",
       "N"},
      {"stepper", "Start in the stepper."},
      {"step",
       "Start the stepper on convolution, activation (or relu: the --activation chosen), pooling, fc, backward (the "
       "training loop, forward and backward; "
       "pooling without --kernel pools FILE as it is) or deconv (the transposed convolution: a 3x3 sample, or "
       "FILE and its --kernel with --stride and --padding when a kernel is given).",
       "MODE"},
      {"deconv",
       "Start the stepper on the transposed convolution with this sample: k3s2p1op1 (kernel 3, stride 2, padding 1, "
       "output padding 1), k2s2, k4s2p1 (conv_arithmetic's cases on a 3x3 input), or workspace (FILE and its "
       "--kernel). Z switches to the zero-inserted view.",
       "SAMPLE"},
      {"cell",
       "Start the stepper at this output cell (counted from 0, row by row); with --step backward, this many "
       "steps into the loop (at most 10000).",
       "N"},
      {"presenter", "Start in presenter mode (F11)."},
      {"camera", "Start with camera N live through the feature maps (File → Camera; 0 is the first).", "N"},
      {"video", "Play a video file through the feature maps at its frame rate (File → Open Video…).", "FILE"},
      {"tab",
       "Start on a tab: maps, stepper, training, architectures, depthwise (the Architectures tab's standard, "
       "depthwise and pointwise convolution), applications (segmentation: U-Net against FCN on composed scenes), "
       "detection (the Applications tab's detection page: mini-ssd's anchors, NMS and mAP), generation (its "
       "generation page: a VAE's latent plane), gan (the same page's GAN learning to draw digits), "
       "super-resolution (its GAN application: 14×14 digits made 28×28, the plain loss against the adversarial) or "
       "super-resolution-4x (the same from 7×7), probe (the Inspect tab: what each unit of the open model wants to "
       "see) or fool (its adversarial examples).",
       "NAME"},
      {"select",
       "The Architectures tab: select this layer or block once the network shows (its blocks open), e.g. "
       "--model googlenet --select inception3a.concat.",
       "NAME"},
      {"train", "Open the Training tab and start training LeNet-5 on the digits."},
      {"export",
       "Write the view's figure to FILE (.svg, .pdf, .png; a table also .csv, .md, .tex) and quit: slides made by "
       "a script. Without a display: QT_QPA_PLATFORM=offscreen.",
       "FILE"},
      {"figure",
       "Which of the tab's figures --export writes, by name (stepper, stepper-grids, feature-maps, backward, "
       "NETWORK-graph, NETWORK-table, ...); default: the first.",
       "NAME"},
      {"scale", "--export's PNG at this many times the screen's size (1 to 8, default 2).", "S"},
      {"export-animation",
       "Write the stepper's sliding window over the whole layer to FILE (.gif or .mp4), one frame per output "
       "cell, and quit.",
       "FILE"},
      {"fps", "--export-animation's frames a second (0.5 to 60, default 2).", "F"},
  };
}

namespace {

// Qt's own arguments, which QApplication takes out of argv itself: -platform NAME,
// -style NAME, -reverse, ... (one or two dashes). How many of args[i...] are one: 0, 1 or 2.
size_t qtArgumentLength(const std::vector<std::string>& args, size_t i) {
  static const std::set<std::string> withValue{
      "platform", "platformpluginpath", "platformtheme", "plugin", "qwindowgeometry", "geometry", "qwindowtitle",
      "title",    "qwindowicon",        "icon",          "style",  "stylesheet",      "session",  "display"};
  static const std::set<std::string> flags{"reverse", "widgetcount", "nograb", "dograb", "sync"};
  const std::string& a = args[i];
  if (a.size() < 2 || a[0] != '-') return 0;
  const std::string name = a.substr(a[1] == '-' ? 2 : 1);
  if (flags.count(name) || name.starts_with("qmljsdebugger=") || name.starts_with("style=") ||
      name.starts_with("stylesheet="))
    return 1;
  if (withValue.count(name)) return std::min<size_t>(2, args.size() - i);
  return 0;
}

// The value of -platform (or --platform) in args, or empty.
std::string platformArgument(const std::vector<std::string>& args) {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "-platform" || args[i] == "--platform") return args[i + 1];
  return {};
}

// A first argument such as "nosuchcommand" is a mistyped command, "missing.png" a missing file.
bool looksLikeCommand(const std::string& word) {
  return !word.empty() && word[0] != '-' && word.find_first_of("./\\") == std::string::npos;
}

void requireFile(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw UsageError(what + path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw UsageError(what + path + ": a folder, not a file");
}

// The value of `option`, one of `names`: "--tab 'x' must be maps, stepper or training".
template <typename T>
T oneOf(const QCommandLineParser& p, const std::string& option, const std::vector<std::pair<std::string, T>>& names) {
  const std::string value = str(p.value(QString::fromStdString(option)));
  std::string list;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].first == value) return names[i].second;
    list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i].first;
  }
  throw UsageError("--" + option + " '" + value + "' must be " + list);
}

// Every window option's value, checked. Throws UsageError naming the option and the value.
WindowOptions readWindowOptions(const QCommandLineParser& p) {
  WindowOptions o;
  const QStringList files = p.positionalArguments();
  for (const QString& file : files) requireFile(str(file), "");
  if (files.size() > 1)
    throw UsageError("the window opens one FILE, not '" + str(files[0]) + "' and '" + str(files[1]) + "'");
  if (!files.isEmpty()) o.file = str(files.first());
  // A lecture file is read before any window opens: a bad one is bad input (exit 2).
  if (QString::fromStdString(o.file).endsWith(".convscope", Qt::CaseInsensitive)) {
    try {
      loadLecture(o.file);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  for (const QString& spec : p.values("kernel")) o.kernels.push_back(parseOption(loadKernel, str(spec), "kernel"));
  if (p.isSet("stride")) o.stride = parseAtLeast(str(p.value("stride")), "stride", 1);
  if (p.isSet("padding")) o.padding = parseOption(PaddingSpec::parse, str(p.value("padding")), "padding");
  if (p.isSet("bias")) o.bias = parseFloat(str(p.value("bias")), "bias");
  if (p.isSet("per-channel")) o.perChannel = true;
  if (p.isSet("activation")) o.activation = parseOption(activationFromString, str(p.value("activation")), "activation");
  if (p.isSet("pooling")) o.poolMode = parseOption(poolModeFromString, str(p.value("pooling")), "pooling");
  if (p.isSet("pool-size")) o.poolSize = parseAtLeast(str(p.value("pool-size")), "pool-size", 1);
  if (p.isSet("pool-stride")) o.poolStride = parseAtLeast(str(p.value("pool-stride")), "pool-stride", 1);
  if (p.isSet("tab"))
    o.tab = oneOf<StartTab>(p, "tab",
                            {{"maps", StartTab::FeatureMaps},
                             {"stepper", StartTab::Stepper},
                             {"training", StartTab::Training},
                             {"architectures", StartTab::Architectures},
                             {"depthwise", StartTab::Depthwise},
                             {"applications", StartTab::Applications},
                             {"detection", StartTab::Detection},
                             {"generation", StartTab::Generation},
                             {"gan", StartTab::Gan},
                             {"super-resolution", StartTab::SuperResolution},
                             {"super-resolution-4x", StartTab::SuperResolution4x},
                             {"probe", StartTab::Probe},
                             {"fool", StartTab::Fool}});
  if (p.isSet("model")) {
    o.model = str(p.value("model"));
    if (isPreset(o.model) && !std::filesystem::exists(o.model)) {
      // A network's name: only the Architectures tab shows an untrained network.
      if (o.tab && *o.tab != StartTab::Architectures)
        throw UsageError("--model " + o.model +
                         ": a network's name opens in the Architectures tab (--tab architectures); the other tabs "
                         "show a trained model file");
      o.tab = StartTab::Architectures;
      o.modelIsName = true;
    } else {
      requireFile(o.model, "--model ");
    }
  }
  if (p.isSet("step"))
    o.step = oneOf<StartStep>(p, "step",
                              {{"convolution", StartStep::Convolution},
                               {"activation", StartStep::Activation},
                               {"relu", StartStep::Activation},
                               {"pooling", StartStep::Pooling},
                               {"fc", StartStep::FullyConnected},
                               {"backward", StartStep::Backward},
                               {"deconv", StartStep::Deconv}});
  if (p.isSet("deconv")) {
    o.deconvSample = oneOf<std::string>(p, "deconv",
                                        {{"k3s2p1op1", "k3s2p1op1"},
                                         {"k2s2", "k2s2"},
                                         {"k4s2p1", "k4s2p1"},
                                         {"workspace", "workspace"}});
    if (o.step && *o.step != StartStep::Deconv)
      throw UsageError("--deconv " + o.deconvSample + " starts the transposed convolution: leave out --step or give "
                       "--step deconv");
    o.step = StartStep::Deconv;
  }
  if (p.isSet("select")) {
    o.select = str(p.value("select"));
    if (o.tab != StartTab::Architectures || o.model.empty())
      throw UsageError("--select " + o.select +
                       " selects a layer of the Architectures tab's network: give "
                       "--model NAME|FILE too");
  }
  if (p.isSet("mean") || p.isSet("std") || p.isSet("imagenet") || p.isSet("resize")) {
    const auto isModelFile = [](const std::string& f) {
      const QString name = QString::fromStdString(f);
      return name.endsWith(".onnx", Qt::CaseInsensitive) || name.endsWith(".json", Qt::CaseInsensitive);
    };
    if (!(!o.model.empty() && !o.modelIsName) && !isModelFile(o.file))
      throw UsageError("--mean, --std, --imagenet and --resize prepare a model's images: open a model (FILE.onnx or "
                       "--model FILE)");
    o.imageNet = p.isSet("imagenet");
    if (o.imageNet && (p.isSet("mean") || p.isSet("std")))
      throw UsageError("--imagenet sets the mean and the std: give either it or --mean/--std");
    const auto values = [&p](const char* option, bool positive) {
      const std::string text = str(p.value(option));
      const int count = int(std::count(text.begin(), text.end(), ',')) + 1; // the model checks the count
      try {
        return channelValues(text, count, positive, std::string("--") + option);
      } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
      }
    };
    if (p.isSet("mean")) o.mean = values("mean", false);
    if (p.isSet("resize")) {
      const int64_t resize = parseInteger(str(p.value("resize")), "resize");
      if (resize < 0 || resize > 16384) throw UsageError("--resize " + std::to_string(resize) + " must be from 0 to 16384");
      o.resize = int(resize); // the model checks it against its input
    }
    if (p.isSet("std")) o.stddev = values("std", true);
  }
  if (p.isSet("cell")) o.cell = parseAtLeast(str(p.value("cell")), "cell", 0);
  o.stepper = p.isSet("stepper");
  o.presenter = p.isSet("presenter");
  o.train = p.isSet("train");
  if (p.isSet("camera") && p.isSet("video")) throw UsageError("--camera and --video: one live input at a time");
  if (p.isSet("camera")) {
    const int64_t camera = parseInteger(str(p.value("camera")), "camera");
    if (camera < 0 || camera > 63) throw UsageError("--camera " + std::to_string(camera) + " must be from 0 to 63");
    o.camera = int(camera);
  }
  if (p.isSet("video")) {
    o.video = str(p.value("video"));
    requireFile(o.video, "--video ");
  }
  if (p.isSet("export")) {
    o.exportFile = str(p.value("export"));
    static const char* const kinds[] = {".svg", ".pdf", ".png", ".csv", ".md", ".tex"};
    if (std::none_of(std::begin(kinds), std::end(kinds), [&o](const char* k) {
          return QString::fromStdString(o.exportFile).endsWith(k, Qt::CaseInsensitive);
        }))
      throw UsageError("--export " + o.exportFile + ": expected a .svg, .pdf, .png, .csv, .md or .tex file");
  }
  if (p.isSet("figure")) {
    if (!p.isSet("export")) throw UsageError("--figure names the figure --export writes: give --export FILE too");
    o.figure = str(p.value("figure"));
  }
  if (p.isSet("scale")) {
    o.scale = parseFloat(str(p.value("scale")), "scale");
    if (!(o.scale >= 1 && o.scale <= 8))
      throw UsageError("--scale '" + str(p.value("scale")) + "' must be from 1 to 8");
  }
  if (p.isSet("export-animation")) {
    o.animationFile = str(p.value("export-animation"));
    const QString file = QString::fromStdString(o.animationFile);
    if (!file.endsWith(".gif", Qt::CaseInsensitive) && !file.endsWith(".mp4", Qt::CaseInsensitive))
      throw UsageError("--export-animation " + o.animationFile + ": expected a .gif or .mp4 file");
  }
  if (p.isSet("fps")) {
    o.fps = parseFloat(str(p.value("fps")), "fps");
    if (!(o.fps >= 0.5 && o.fps <= 60)) throw UsageError("--fps '" + str(p.value("fps")) + "' must be from 0.5 to 60");
  }
  if (!o.exportFile.empty() && !o.animationFile.empty())
    throw UsageError("--export and --export-animation: one at a time");
  // The stepper pools the convolution's output: without a --kernel that would be whatever
  // filter the window remembers. Pool the input itself instead.
  if (o.step == StartStep::Pooling && o.kernels.empty()) {
    const ClassicKernel* identity = findClassicKernel("identity");
    o.kernels.push_back({identity->name, identity->weights});
    o.replaceConvolution = true; // stride 1, dilation 1, bias 0 unless given
    if (!o.padding) o.padding = PaddingSpec::parse("same");
    if (!o.activation) o.activation = ActivationKind::None;
  }
  return o;
}

} // namespace

WindowStart checkWindowStart(const std::vector<std::string>& args, const Environment& env, std::ostream& out,
                             std::ostream& err) {
  WindowStart start;
  std::error_code ec;
  if (!args.empty() && looksLikeCommand(args[0]) && !std::filesystem::exists(args[0], ec)) {
    start.exitStatus = unknownCommand(args[0], err);
    return start;
  }
  QCommandLineParser parser;
  parser.addOptions(windowOptions());
  parser.addOption({{"h", "help"}, "Show the help."});
  QStringList list{kProgram};
  for (size_t i = 0; i < args.size(); ++i) {
    if (const size_t qt = qtArgumentLength(args, i)) {
      i += qt - 1;
      continue;
    }
    list << QString::fromStdString(args[i]);
  }
  try {
    if (!parser.parse(list)) throw UsageError(str(parser.errorText()) + " (see convscope --help)");
    if (parser.isSet("help")) {
      out << topLevelHelp();
      start.exitStatus = 0;
      return start;
    }
    start.options = readWindowOptions(parser);
  } catch (const std::invalid_argument& e) {
    err << kProgram << ": " << e.what() << "\n";
    start.exitStatus = 2;
    return start;
  }
  if (const std::string why = missingDisplay(args, env); !why.empty()) {
    err << kProgram << ": no display to open the window on (" << why
        << "); the commands work without one: convscope --help\n";
    start.exitStatus = 1;
  }
  return start;
}

std::string missingDisplay(const std::vector<std::string>& args, const Environment& env) {
  const auto isSet = [&](const char* name) {
    const char* value = env(name);
    return value != nullptr && *value != '\0';
  };
  std::string platforms = platformArgument(args);
  std::string source = "-platform";
  if (platforms.empty() && isSet("QT_QPA_PLATFORM")) {
    platforms = env("QT_QPA_PLATFORM");
    source = "QT_QPA_PLATFORM";
  }
  if (platforms.empty()) return isSet("DISPLAY") || isSet("WAYLAND_DISPLAY") ? "" : "DISPLAY is not set";
  // Qt tries a list such as "wayland;xcb" in order; "vnc:size=800x600" carries arguments.
  std::string needs;
  for (size_t begin = 0; begin <= platforms.size();) {
    const size_t end = std::min(platforms.find(';', begin), platforms.size());
    const std::string entry = platforms.substr(begin, end - begin);
    const std::string name = entry.substr(0, entry.find(':'));
    begin = end + 1;
    const char* server = name == "xcb" ? "DISPLAY" : name.starts_with("wayland") ? "WAYLAND_DISPLAY" : nullptr;
    if (server == nullptr && !name.empty()) return ""; // offscreen, minimal, vnc, eglfs, ...: no display server
    if (server != nullptr && isSet(server)) return "";
    if (server != nullptr) needs += std::string(needs.empty() ? "" : " or ") + server;
  }
  if (needs.empty()) return "";
  return source + " is " + platforms + " and " + needs + " is not set";
}

} // namespace convscope::cli
