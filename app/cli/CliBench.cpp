// `convscope bench`: images per second of training or inference, one live update of the
// lecture view, and a classic kernel beside OpenCV's filter2D (gui and browser: app/BenchGui.cpp).
#include "app/cli/CliCommon.h"

#include "engine/core/Statistics.h"
#include "engine/network/Architectures.h"
#include "engine/training/Dataset.h"
#include "engine/lessons/Filtering.h"
#include "engine/io/ImageIO.h"
#include "engine/lessons/Kernels.h"
#include "engine/network/LayerList.h"
#include "engine/io/ModelFile.h"
#include "engine/lessons/Pipeline.h"
#include "engine/network/Presets.h"
#include "engine/io/TextTable.h"
#include "engine/training/Throughput.h"
#include "engine/training/Trainer.h"
#include "engine/training/TrainingJob.h"
#include "engine/backend/reference/Explain.h"
#include <fstream>
#include <optional>
#include <sstream>

#include <omp.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <unistd.h>

#include <algorithm>
#include <random>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace convscope::cli {

Tensor liveBenchImage(int size) {
  Tensor image(Shape{1, 3, size, size});
  std::mt19937 random(1);
  std::uniform_real_distribution<float> pixel(0, 255);
  for (float& v : image.values()) v = pixel(random);
  return image;
}

PipelineSpec liveBenchSpec(int filters) {
  PipelineSpec spec;
  std::mt19937 random(2);
  std::uniform_real_distribution<float> weight(-1, 1);
  for (int k = 0; k < filters; ++k) {
    Tensor w(Shape{3, 3, 3});
    for (float& v : w.values()) v = weight(random);
    spec.kernels.push_back({"random-" + std::to_string(k), w});
  }
  spec.convolution.padding = PaddingSpec::parse("1");
  spec.activation = ActivationKind::ReLU;
  spec.pooling = true;   // max 2x2, stride 2
  spec.classify = false; // the benchmark's pipeline ends at pooling
  return spec;
}

namespace {
using Clock = std::chrono::steady_clock;

// One live update of the lecture view: an RGB image through a bank of 3x3 filters, ReLU
// and 2x2 max pooling, up to displayable 8-bit images; the median of many.
int benchLive(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"size", "Image side in pixels.", "N", "1024"});
  p.addOption({"filters", "Filters in the bank (3x3, full depth).", "N", "8"});
  p.addOption({"runs", "Timed updates (after 3 warm-up updates).", "N", "30"});
  p.addOption({"threads", "Compute threads (0: all cores).", "N", "0"});
  p.addOption({"new-image",
               "A new image every update (as when images are dropped one after another); by default the image "
               "stays, as while a slider is dragged, and its stage is reused."});
  if (!parse(p, "bench live",
             "Time one live update: a size x size RGB image through a bank of 3x3 filters (padding 1),\n"
             "ReLU and 2x2 max pooling, up to displayable images. JSON: {\"median_ms\":x}",
             args, out))
    return 0;
  const int size = wholeNumber(p, "size", 8, 8192), filters = wholeNumber(p, "filters", 1, 256);
  const int runs = wholeNumber(p, "runs", 1, 100000), threads = wholeNumber(p, "threads", 0, 1024);
  if (threads > 0) omp_set_num_threads(threads);
  const Tensor image = liveBenchImage(size);
  PipelineSpec spec = liveBenchSpec(filters);
  auto backend = makeBackend(BackendKind::Onednn);
  std::vector<double> ms;
  PipelineResult previous; // as the window does: the last update's buffers are reused
  for (int i = 0; i < runs + 3; ++i) {
    const auto start = Clock::now();
    spec.inputVersion = p.isSet("new-image") ? uint64_t(i + 1) : 1; // as the window numbers its images
    PipelineResult r = runPipeline(*backend, image, spec, &previous);
    const double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!r.error.empty()) throw std::runtime_error(r.error);
    if (i >= 3) ms.push_back(elapsed);
    previous = std::move(r);
  }
  const double middle = median(ms), p90 = percentile(ms, 90);
  if (p.isSet("json"))
    out << Json{{"median_ms", static_cast<float>(middle)},
                {"p90_ms", static_cast<float>(p90)},
                {"runs", runs},
                {"image", p.isSet("new-image") ? "new" : "kept"}}
               .dump()
        << "\n";
  else
    out << "one live update: median " << fixed(middle, 2) << " ms, 90th percentile " << fixed(p90, 2) << " ms (" << size
        << "x" << size << " RGB, " << filters << " filters 3x3, ReLU, max pool 2x2; "
        << (p.isSet("new-image") ? "a new image" : "the same image") << " every update; " << runs << " runs)\n";
  return 0;
}

// One classic kernel over a random image as the window computes it (applyFilterBank into
// the backend's layout, reusing the previous result's buffer), beside OpenCV's filter2D on
// the same image in the same run: medians of alternating calls.
int benchConv(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"size", "Image side in pixels.", "N", "1024"});
  p.addOption({"channels", "1 (gray) or 3 (RGB, each channel filtered on its own).", "C", "1"});
  p.addOption({"kernel", "A classic kernel: " + QString::fromStdString(classicKernelNames()) + ".", "NAME", "sobel-x"});
  p.addOption({"padding", "Padding, as in the window and convscope conv (a number, same or valid).", "P", "1"});
  p.addOption({"runs", "Timed convolutions of each (after 3 warm-up ones).", "N", "50"});
  p.addOption({"threads", "Compute threads (0: all cores).", "N", "0"});
  if (!parse(p, "bench conv",
             "Time one convolution with a classic kernel as the window computes it, beside OpenCV's filter2D\n"
             "(constant zero border) on the same image in the same run.\n"
             "JSON: {\"median_ms\":x,\"filter2d_median_ms\":y,\"ratio\":x/y,...}",
             args, out))
    return 0;
  const int size = wholeNumber(p, "size", 8, 8192), channels = wholeNumber(p, "channels", 1, 3);
  if (channels == 2) throw UsageError("--channels 2: give 1 (gray) or 3 (RGB)");
  const int runs = wholeNumber(p, "runs", 1, 100000), threads = wholeNumber(p, "threads", 0, 1024);
  const std::string name = str(p.value("kernel"));
  const ClassicKernel* kernel = findClassicKernel(name);
  if (!kernel) throw UsageError("unknown kernel '" + name + "' (" + classicKernelNames() + ")");
  FilterOptions options;
  options.padding = PaddingSpec::parse(str(p.value("padding")));
  options.perChannel = true; // filter2D filters each channel on its own
  if (threads > 0) omp_set_num_threads(threads), cv::setNumThreads(threads);
  Tensor image(Shape{1, channels, size, size});
  std::mt19937 random(1);
  std::uniform_real_distribution<float> pixel(0, 255);
  for (float& v : image.values()) v = pixel(random);
  const std::vector<NamedKernel> bank{{kernel->name, kernel->weights}};
  auto backend = makeBackend(BackendKind::Onednn);
  // The peer: filter2D as an OpenCV user calls it, one call on the (interleaved) image.
  cv::Mat peerIn, peerOut;
  {
    std::vector<cv::Mat> planes;
    for (int c = 0; c < channels; ++c) planes.emplace_back(size, size, CV_32F, image.data() + int64_t(c) * size * size);
    cv::merge(planes, peerIn);
  }
  const Shape& k = kernel->weights.shape();
  const cv::Mat peerKernel(static_cast<int>(k[1]), static_cast<int>(k[2]), CV_32F,
                           const_cast<float*>(kernel->weights.data()));
  const KernelConvolution conv = kernelConvolution(bank[0], image.shape(), options);
  const cv::Point anchor(int(conv.geometry.padLeft), int(conv.geometry.padTop));
  const Layout layout = filterBankLayout(*backend, bank, channels, options.perChannel); // as the live view chooses it
  Tensor result;
  std::vector<double> ours, theirs;
  for (int i = 0; i < runs + 3; ++i) {
    auto start = Clock::now();
    result = applyFilterBank(*backend, image, bank, options, layout, &result);
    const double a = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    start = Clock::now();
    cv::filter2D(peerIn, peerOut, CV_32F, peerKernel, anchor, 0, cv::BORDER_CONSTANT);
    const double b = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (i >= 3) ours.push_back(a), theirs.push_back(b);
  }
  const double mine = median(ours), peer = median(theirs);
  const Shape& s = result.shape();
  if (p.isSet("json"))
    out << Json{{"median_ms", static_cast<float>(mine)},
                {"filter2d_median_ms", static_cast<float>(peer)},
                {"ratio", static_cast<float>(mine / peer)},
                {"output", {s[1], s[2], s[3]}},
                {"runs", runs}}
               .dump()
        << "\n";
  else
    out << "one convolution (" << kernel->name << ", " << size << "x" << size << ", " << channels
        << (channels == 1 ? " channel" : " channels") << ", output " << s[2] << "x" << s[3] << "): median "
        << fixed(mine, 3) << " ms; OpenCV filter2D " << fixed(peer, 3) << " ms; ConvScope / filter2D "
        << fixed(mine / peer, 2) << " (" << runs << " runs)\n";
  return 0;
}
} // namespace

int bench(const std::vector<std::string>& args, std::ostream& out) {
  const std::string what = args.empty() ? "" : args[0];
  if (what == "live") return benchLive(std::vector<std::string>(args.begin() + 1, args.end()), out);
  if (what == "conv") return benchConv(std::vector<std::string>(args.begin() + 1, args.end()), out);
  if (what != "train" && what != "infer") {
    if (what == "--help" || what == "-h") {
      out << "Usage: convscope bench train|infer --model PRESET [--batch N] [--images N] [--threads N] [--json]\n"
             "       convscope bench live [--size 1024] [--filters 8] [--json]\n"
             "       convscope bench conv [--size 1024] [--channels 1|3] [--kernel NAME] [--threads T] [--json]\n"
             "       convscope bench gui [--images N] [--rounds N]          (the real window)\n"
             "       convscope bench browser [--model NAME] [--runs N] [--json] (the real window)\n"
             "       convscope bench window [--size 1024] [--filters 8] [--json]  (the real window)\n"
             "train/infer: images per second on synthetic data after a warm-up, {\"images_per_second\":x};\n"
             "live: one live update of the lecture view, {\"median_ms\":x};\n"
             "conv: one classic kernel as the window applies it, beside OpenCV's filter2D, {\"median_ms\":x};\n"
             "gui: training in the window against the command line;\n"
             "browser: the Architectures tab's graph, forward pass and maps, {\"graph_ms\":…};\n"
             "window: one live update from a changed setting to the maps repainted, {\"median_ms\":x}.\n";
      return 0;
    }
    throw UsageError(
        "bench needs 'train', 'infer', 'live', 'conv', 'gui', 'browser' or 'window' first (see convscope bench --help)");
  }
  QCommandLineParser p;
  p.addOption({"model", "A preset or model file.", "PRESET|FILE", "lenet5"});
  p.addOption({"batch", "Batch size (default 64 for train, 256 for infer).", "N"});
  p.addOption({"images", "Images to time, after a warm-up.", "N", "64000"});
  p.addOption({"threads", "Compute threads (0: all cores).", "N", "0"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  if (!parse(p, "bench " + what,
             "Images per second of " +
                 std::string(what == "train" ? "training steps (forward, cross-entropy, backward, SGD; the "
                                               "segmentation, detection and VAE presets (and detector or VAE model "
                                               "files) with their own recipe: ce+dice per pixel, SSD's loss or the "
                                               "negative ELBO, Adam; a GAN (mini-dcgan) a discriminator step and a "
                                               "generator step, DCGAN's Adam, images counted once)"
                                             : "inference (forward with softmax)") +
                 " on synthetic data, after a warm-up.\nJSON: {\"images_per_second\":x}",
             std::vector<std::string>(args.begin() + 1, args.end()), out))
    return 0;
  Model model = modelFromSpec(str(p.value("model")));
  if (!model.hasWeights) initialize(model.network, InitScheme::Auto, 1);
  const int batch = p.isSet("batch") ? wholeNumber(p, "batch", 1, 65536) : (what == "train" ? 64 : 256);
  const int64_t images = parseInteger(str(p.value("images")), "images");
  if (images < batch) throw UsageError("--images " + std::to_string(images) + " must be at least the batch size");
  const int threads = wholeNumber(p, "threads", 0, 1024);
  auto backend = backendOption(p);
  // A segmentation, detection or generative preset trains with its own optimizer and losses; a
  // detector model file with SSD's loss and Adam, a VAE with the negative ELBO and Adam.
  const std::string name = str(p.value("model"));
  TrainConfig recipe = presetTrainConfig(isPreset(name) ? name : std::string("mini-ssd"));
  const bool vae = isVae(model.network);
  const bool ownRecipe = isSegmentationPreset(name) || isDetectionPreset(name) || model.info.detector || vae;
  if (model.info.detector) recipe.detector = model.info.detector;
  if (vae && !recipe.vae) recipe = presetTrainConfig("mini-vae"), recipe.detector.reset();
  if (model.discriminator && !model.hasWeights) initialize(*model.discriminator, InitScheme::Auto, 2);
  const TrainConfig ganRecipe = presetTrainConfig(isGanPreset(name) ? name : std::string("mini-dcgan"));
  const Throughput t = what == "train" && model.discriminator // a GAN: both players' steps
                           ? measureGanTraining(model.network, *model.discriminator, *backend, batch, images, threads,
                                                &ganRecipe)
                       : what == "train" ? measureTraining(model.network, *backend, batch, images, threads,
                                                           ownRecipe ? &recipe : nullptr)
                                         : measureInference(model.network, *backend, batch, images, threads);
  if (p.isSet("json"))
    out << Json{{"images_per_second", static_cast<float>(t.imagesPerSecond)},
                {"batch", batch},
                {"images", t.images},
                {"seconds", static_cast<float>(t.seconds)}}
               .dump()
        << "\n";
  else
    out << fixed(t.imagesPerSecond, 0) << " images/s (" << what << ", batch " << batch << ", " << t.images
        << " images in " << fixed(t.seconds, 2) << " s)\n";
  return 0;
}

} // namespace convscope::cli
