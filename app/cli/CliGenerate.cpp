// `convscope generate` and `convscope reconstruct`: a trained VAE's decoder on codes from the
// prior or on a walk between two test digits' codes, a trained GAN's generator on noise or on a
// walk between two seeds' noise, a census of the samples by a classifier; and one image through
// the whole VAE.
#include "app/cli/CliCommon.h"

#include "engine/generative/Gan.h"
#include "engine/generative/Vae.h"
#include "engine/io/ImageIO.h"
#include "engine/training/Dataset.h"
#include "engine/training/Preprocess.h"
#include "engine/training/Trainer.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

namespace convscope::cli {

namespace {
// Images (N, 1, H, W) in [0, 1] side by side in rows of `columns`, a 2-pixel grey gap, each pixel
// `scale` screen pixels: (1, 3, …) 0–255 for saveFeatureMapImage's Colour style.
Tensor imageGrid(const Tensor& images, int64_t columns, int scale) {
  const int64_t n = images.shape()[0], h = images.shape()[2], w = images.shape()[3], gap = 2;
  const int64_t rows = (n + columns - 1) / columns;
  const int64_t H = rows * (h * scale + gap) + gap, W = columns * (w * scale + gap) + gap;
  Tensor grid(Shape{1, 3, H, W}, 96.0f);
  for (int64_t k = 0; k < n; ++k) {
    const int64_t top = gap + (k / columns) * (h * scale + gap), left = gap + (k % columns) * (w * scale + gap);
    for (int64_t y = 0; y < h * scale; ++y)
      for (int64_t x = 0; x < w * scale; ++x) {
        const float v = 255.0f * std::clamp(images.at(k, 0, y / scale, x / scale), 0.0f, 1.0f);
        for (int64_t c = 0; c < 3; ++c) grid.at(0, c, top + y, left + x) = v;
      }
  }
  return grid;
}

Json imagesJson(const Tensor& images) {
  Json list = Json::array();
  const int64_t n = images.shape()[0], per = images.size() / std::max<int64_t>(n, 1);
  for (int64_t k = 0; k < n; ++k) {
    Tensor one(Shape{1, images.shape()[1], images.shape()[2], images.shape()[3]},
               std::vector<float>(images.data() + k * per, images.data() + (k + 1) * per));
    list.push_back(tensorJson(one));
  }
  return list;
}

bool isImagePath(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".tif" || ext == ".tiff" ||
         ext == ".webp";
}

// Writes the images as one grid image (OUT.png) or one file a sample into a folder (made if missing).
void writeImages(const Tensor& images, const std::string& output, int64_t columns, std::ostream& out) {
  if (isImagePath(output)) {
    saveFeatureMapImage(imageGrid(images, columns, 2), output, MapImageStyle::Colour);
    out << "wrote " << output << "\n";
    return;
  }
  std::filesystem::create_directories(output);
  const int64_t n = images.shape()[0];
  for (int64_t k = 0; k < n; ++k) {
    Tensor one = imageGrid(Tensor(Shape{1, 1, images.shape()[2], images.shape()[3]},
                                  std::vector<float>(images.data() + k * images.shape()[2] * images.shape()[3],
                                                     images.data() + (k + 1) * images.shape()[2] * images.shape()[3])),
                           1, 1);
    char name[32];
    std::snprintf(name, sizeof name, "sample-%04lld.png", static_cast<long long>(k));
    saveFeatureMapImage(one, (std::filesystem::path(output) / name).string(), MapImageStyle::Colour);
  }
  out << "wrote " << n << " images to " << output << "\n";
}

// A VAE, or a GAN when `orGan`.
Model vaeModel(const QCommandLineParser& p, bool orGan = false) {
  Model model = trainedModel(str(p.value("model")));
  if (orGan && model.discriminator) return model;
  if (!isVae(model.network))
    throw UsageError(str(p.value("model")) + ": is not a VAE (no sampling layer, or its output is not its input's "
                                             "shape)" + (orGan ? std::string(" nor a GAN") : std::string()) +
                     "; train one with convscope train --model mini-vae" + (orGan ? " or mini-dcgan" : ""));
  return model;
}
} // namespace

int generate(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"model", "A trained VAE or GAN (convscope train --model mini-vae|mini-dcgan --save M.json).", "FILE"});
  p.addOption({"count", "How many samples from the prior N(0, I) (1 to 1024).", "N", "64"});
  p.addOption({"seed", "The codes' seed: the same seed, the same samples.", "S", "1"});
  p.addOption({"walk", "Instead of samples: for a VAE a walk between the codes of two test digits (their indices in "
                       "the bundled test digits, 0 to 1999), for a GAN between the noise of two seeds; e.g. 3,17.",
               "A,B"});
  p.addOption({"code", "Instead of samples: decode this one code (a VAE's, L numbers) or this noise (a GAN's), "
                       "comma-separated, e.g. 0.5,-1.2 for a 2-number code.",
               "Z1,Z2,…"});
  p.addOption({"census", "Read the samples with this trained classifier (e.g. resources/models/lenet5-digits.json): "
                         "how many of each class, and how many it reads with probability >= 0.9.",
               "CLASSIFIER"});
  p.addOption({"steps", "The walk's steps, both ends included (2 to 64).", "K", "10"});
  p.addOption({"output", "One grid image (a .png name) or a folder of sample-NNNN.png files.", "GRID.png|DIR"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  if (!parse(p, "generate",
             "Images from a trained VAE's decoder: codes drawn from the prior N(0, I), or a walk between the\n"
             "mean codes of two test digits; or from a trained GAN's generator: noise from N(0, I), or a walk\n"
             "between two seeds' noise. Values in [0, 1] (a sigmoid's).\n"
             "JSON: {\"shape\":[N,1,28,28],\"images\":[[[[…]]],…]} and with --census \"census\": {\"counts\":[…],\n"
             "\"confident\": fraction read with p >= 0.9, \"smallest_class\": the rarest class's fraction}.",
             args, out))
    return 0;
  Model model = vaeModel(p, true);
  auto backend = backendOption(p);
  const bool gan = model.discriminator.has_value();
  const int64_t size = gan ? noiseSize(model.network) : vaeCodeSize(model.network);
  Tensor codes;
  if (p.isSet("code")) { // one given code
    std::vector<float> z;
    std::istringstream text(str(p.value("code")));
    for (std::string item; std::getline(text, item, ',');) {
      const double v = parseFloat(item, "--code");
      if (!std::isfinite(v) || std::abs(v) > 1e6) throw UsageError("--code: " + item + " is not a number up to 1e6");
      z.push_back(float(v));
    }
    if (int64_t(z.size()) != size)
      throw UsageError("--code has " + std::to_string(z.size()) + " numbers; the model's " +
                       (gan ? "noise" : "code") + " has " + std::to_string(size));
    codes = Tensor(Shape{1, size}, z);
  } else if (p.isSet("walk") && gan) { // between two seeds' noise
    const std::string walk = str(p.value("walk"));
    const size_t comma = walk.find(',');
    if (comma == std::string::npos) throw UsageError("--walk needs two seeds, A,B (e.g. 3,17)");
    const Tensor a = priorCodes(1, size, uint64_t(parseInteger(walk.substr(0, comma), "--walk")));
    const Tensor b = priorCodes(1, size, uint64_t(parseInteger(walk.substr(comma + 1), "--walk")));
    codes = codeWalk(a.data(), b.data(), size, wholeNumber(p, "steps", 2, 64));
  } else if (p.isSet("walk")) {
    const std::string walk = str(p.value("walk"));
    const size_t comma = walk.find(',');
    if (comma == std::string::npos) throw UsageError("--walk needs two test digits' indices, A,B (e.g. 3,17)");
    const int64_t a = parseInteger(walk.substr(0, comma), "--walk"), b = parseInteger(walk.substr(comma + 1), "--walk");
    const Preprocess& pre = *model.info.preprocess;
    const DatasetSplit digits = loadDataset("digits", pre.channels, pre.height, pre.width);
    if (a < 0 || b < 0 || size_t(a) >= digits.test.size() || size_t(b) >= digits.test.size())
      throw UsageError("--walk " + walk + ": the test digits are 0 to " + std::to_string(digits.test.size() - 1));
    const size_t ends[2] = {size_t(a), size_t(b)};
    Tensor batch;
    std::vector<int> labels;
    makeBatch(digits.test, ends, 2, pre, batch, labels);
    const Tensor means = encodeMeans(model.network, *backend, batch);
    codes = codeWalk(means.data(), means.data() + size, size, wholeNumber(p, "steps", 2, 64));
  } else {
    codes = priorCodes(wholeNumber(p, "count", 1, 1024), size, uint64_t(parseInteger(str(p.value("seed")), "--seed")));
  }
  Tensor images;
  if (gan) {
    images = generateImages(model.network, *backend, codes);
  } else {
    Network decoder = vaeDecoder(model.network);
    images = decodeCodes(decoder, *backend, codes);
  }
  const int64_t n = images.shape()[0];
  Json census;
  if (p.isSet("census")) {
    const std::string path = str(p.value("census"));
    Model reader = trainedModel(path);
    if (!reader.info.preprocess)
      throw UsageError("--census " + path + ": the classifier has no preprocessing (a trained model file has one)");
    SampleCensus c;
    try {
      c = sampleCensus(reader.network, *backend, *reader.info.preprocess, images);
    } catch (const std::invalid_argument& e) {
      throw UsageError("--census " + path + ": " + e.what());
    }
    census = {{"classifier", path}, {"threshold", c.threshold}, {"confident", float(c.confidentFraction())},
              {"smallest_class", float(c.smallestClassFraction())}, {"counts", c.counts}};
    if (!p.isSet("json")) {
      out << "census by " << path << ": " << formatRounded(100 * c.confidentFraction(), 3) << " % of " << n
          << " read with probability >= 0.9; per class:";
      for (size_t k = 0; k < c.counts.size(); ++k)
        out << " " << (k < reader.info.classNames.size() ? reader.info.classNames[k] : std::to_string(k)) << ":"
            << c.counts[k];
      out << "\n";
    }
  }
  if (p.isSet("output")) {
    std::ostringstream quiet; // with --json, stdout holds the JSON alone
    writeImages(images, str(p.value("output")), p.isSet("walk") ? n : int64_t(std::ceil(std::sqrt(double(n)))),
                p.isSet("json") ? quiet : out);
  }
  if (p.isSet("json")) {
    Json j{{"shape", images.shape().dims()}, {"images", imagesJson(images)}};
    if (!census.is_null()) j["census"] = census;
    out << j.dump() << "\n";
  } else if (!p.isSet("output")) {
    out << n << " images of " << images.shape()[2] << "x" << images.shape()[3] << " from "
        << (p.isSet("walk") ? "a walk between two codes" : gan ? "the generator" : "the prior")
        << "; --output GRID.png writes them\n";
  }
  return 0;
}

int reconstruct(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"model", "A trained VAE.", "FILE"});
  p.addOption({"input", "The image (prepared as the VAE's training images were).", "IMAGE"});
  p.addOption({"output", "Write the image and its reconstruction side by side (PNG, …).", "OUT.png"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  if (!parse(p, "reconstruct",
             "One image through a trained VAE: its mean code and the decoder's image of that code.\n"
             "JSON: {\"code\":[…],\"image\":[[[…]]]} (values in [0, 1])",
             args, out))
    return 0;
  Model model = vaeModel(p);
  const std::string input = str(p.value("input"));
  if (input.empty()) throw UsageError("--input IMAGE is required");
  const Preprocess& pre = *model.info.preprocess;
  const Tensor prepared = preprocessImage(loadImage(input, {pre.channels, false}), pre);
  auto backend = backendOption(p);
  const Tensor code = encodeMeans(model.network, *backend, prepared);
  Network decoder = vaeDecoder(model.network);
  const Tensor image = decodeCodes(decoder, *backend, code);
  if (p.isSet("output")) {
    Tensor pair(Shape{2, 1, image.shape()[2], image.shape()[3]});
    const Tensor original = prepared.inLayout(Layout::NCHW);
    std::copy(original.values().begin(), original.values().end(), pair.data());
    std::copy(image.values().begin(), image.values().end(), pair.data() + image.size());
    saveFeatureMapImage(imageGrid(pair, 2, 4), str(p.value("output")), MapImageStyle::Colour);
  }
  if (p.isSet("json")) {
    out << Json{{"code", code.values()}, {"image", tensorJson(image)}}.dump() << "\n";
    return 0;
  }
  out << "code:";
  for (float v : code.values()) out << " " << fixed(v, 3);
  out << "\n";
  if (p.isSet("output")) out << "wrote " << str(p.value("output")) << " (the image, then its reconstruction)\n";
  return 0;
}

} // namespace convscope::cli
