// `convscope generate`, `convscope reconstruct` and `convscope upscale`: a trained VAE's decoder on
// codes from the prior or on a walk between two test digits' codes, a trained GAN's generator on
// noise or on a walk between two seeds' noise, a census of the samples by a classifier; one image
// through the whole VAE; super-resolution GANs judged side by side on shrunk test digits.
#include "app/cli/CliCommon.h"

#include "engine/generative/Gan.h"
#include "engine/generative/SuperResolution.h"
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
  if (orGan && model.discriminator && readsImages(model.network))
    throw UsageError(str(p.value("model")) + ": a super-resolution GAN reads images, not noise; convscope upscale "
                                             "--model " + str(p.value("model")) + " upscales digits with it");
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

int upscale(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"model", "Trained super-resolution GANs, comma-separated to compare them (convscope train --model "
                        "mini-srgan [--adversarial 0] --save M.json).",
               "M1[,M2,…]"});
  addDatasetOption(p);
  p.addOption({"input", "Instead of the test digits: this image, prepared as the model's training images (28×28), "
                        "shrunk to its input (14×14 for mini-srgan, 7×7 for mini-srgan-4x) and made whole again.",
               "IMAGE"});
  p.addOption({"classifier", "Read the real, the bicubic and each model's images with this trained classifier "
                             "(e.g. resources/models/lenet5-digits.json): accuracy against the digits' labels.",
               "CLASSIFIER"});
  p.addOption({"test-images", "Judge on the first N test images (0: all).", "N", "0"});
  p.addOption({"count", "Test digits in the --output grid, one a row (1 to 64).", "N", "8"});
  p.addOption({"output", "A grid (PNG, …): a row a digit; the shrunk one, bicubic, each model, the real one.",
               "GRID.png"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  if (!parse(p, "upscale",
             "Super-resolution: each test digit averaged over blocks to the models' input (2×2: 28×28 → 14×14 for\n"
             "mini-srgan, 4×4: → 7×7 for mini-srgan-4x) and made whole again by each model, against bicubic\n"
             "interpolation (which learns nothing) and the real digit. Per model:\n"
             "PSNR (dB, higher is closer pixel for pixel), the share of midtone pixels (between 0.25 and 0.75:\n"
             "blur), its discriminator's mean P(real) on its images, and with --classifier the accuracy.\n"
             "JSON: {\"images\":N,\"real\":{\"midtones\",\"accuracy\"},\"bicubic\":{\"psnr\",\"midtones\",\n"
             "\"accuracy\"},\"models\":[{\"model\",\"psnr\",\"midtones\",\"real_score\",\"accuracy\"},…]}; with\n"
             "--input {\"psnr\":[one a model],\"bicubic_psnr\"}. The models of one call share their factor.",
             args, out))
    return 0;
  const std::string list = str(p.value("model"));
  if (list.empty()) throw UsageError("--model is required: a super-resolution GAN (convscope train --model mini-srgan)");
  std::vector<std::string> paths;
  std::vector<Model> models;
  {
    std::istringstream text(list);
    for (std::string path; std::getline(text, path, ',');) {
      if (path.empty()) continue;
      if (models.size() == 8) throw UsageError("--model: at most 8 models side by side");
      Model m = trainedModel(path);
      if (!m.discriminator || !readsImages(m.network))
        throw UsageError(path + ": not a super-resolution GAN (a generator that reads images, and its discriminator); "
                                "train one with convscope train --model mini-srgan");
      if (!models.empty() && (m.network.inputShape() != models.front().network.inputShape() ||
                              m.discriminator->inputShape() != models.front().discriminator->inputShape()))
        throw UsageError(path + ": makes " + m.discriminator->inputShape().toString() + " from " +
                         m.network.inputShape().toString() + ", unlike " + paths.front());
      paths.push_back(path);
      models.push_back(std::move(m));
    }
  }
  if (models.empty()) throw UsageError("--model names no file");
  const bool json = p.isSet("json");
  // Every option checked before the work: --input takes one image, the rest are for the test digits.
  if (p.isSet("input"))
    for (const char* option : {"classifier", "test-images", "count", "dataset"})
      if (p.isSet(option))
        throw UsageError(std::string("--") + option + " is for the test digits; --input upscales one image");
  const size_t limit = size_t(wholeNumber(p, "test-images", 0, 1 << 30));
  const int64_t rows = wholeNumber(p, "count", 1, 64);
  auto backend = backendOption(p);
  const Preprocess& pre = *models.front().info.preprocess;
  const Shape small = models.front().network.inputShape(), large = models.front().discriminator->inputShape();

  if (p.isSet("input")) { // one image
    const Tensor real = preprocessImage(loadImage(str(p.value("input")), {pre.channels, false}), pre).inLayout(Layout::NCHW);
    const Tensor shrunk = shrinkImages(real, small[1], small[2]);
    Tensor row(Shape{int64_t(models.size()) + 3, large[0], large[1], large[2]});
    const int64_t per = large.elementCount();
    const auto put = [&](int64_t at, const Tensor& image) { std::copy_n(image.data(), per, row.data() + at * per); };
    put(0, blockImages(shrunk, large[1], large[2]));
    const Tensor bicubic = bicubicImages(shrunk, large[1], large[2]);
    put(1, bicubic);
    Json psnrs = Json::array();
    for (size_t m = 0; m < models.size(); ++m) {
      const Tensor made = upscaleImages(models[m].network, *backend, shrunk);
      put(int64_t(m) + 2, made);
      psnrs.push_back(float(psnr(made.data(), real.data(), per)));
    }
    put(int64_t(models.size()) + 2, real);
    const float bicubicPsnr = float(psnr(bicubic.data(), real.data(), per));
    if (p.isSet("output")) saveFeatureMapImage(imageGrid(row, row.shape()[0], 4), str(p.value("output")), MapImageStyle::Colour);
    if (json) {
      out << Json{{"psnr", psnrs}, {"bicubic_psnr", bicubicPsnr}}.dump() << "\n";
      return 0;
    }
    out << "bicubic: PSNR " << fixed(bicubicPsnr, 2) << " dB\n";
    for (size_t m = 0; m < models.size(); ++m)
      out << paths[m] << ": PSNR " << fixed(psnrs[m].get<double>(), 2) << " dB\n";
    if (p.isSet("output"))
      out << "wrote " << str(p.value("output")) << " (shrunk, bicubic, " << models.size() << " model"
          << (models.size() == 1 ? "" : "s") << ", the image)\n";
    return 0;
  }

  const DatasetSplit data = loadDataset(str(p.value("dataset")), pre.channels, pre.height, pre.width);
  std::optional<Model> reader;
  if (p.isSet("classifier")) {
    const std::string path = str(p.value("classifier"));
    reader = trainedModel(path);
    if (!reader->info.preprocess)
      throw UsageError("--classifier " + path + ": the classifier has no preprocessing (a trained model file has one)");
    if (reader->info.classNames.size() != data.test.classNames.size())
      throw UsageError("--classifier " + path + ": it has " + std::to_string(reader->info.classNames.size()) +
                       " classes, the test images " + std::to_string(data.test.classNames.size()));
  }
  std::vector<UpscalingEvaluation> results;
  for (Model& m : models) {
    try {
      results.push_back(evaluateUpscaling(m.network, &*m.discriminator, *backend, data.test, pre,
                                          reader ? &reader->network : nullptr,
                                          reader ? &*reader->info.preprocess : nullptr, limit));
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  const UpscalingEvaluation& first = results.front();
  if (p.isSet("output")) { // a row a digit: shrunk (as blocks), bicubic, each model, real
    const int64_t columns = int64_t(models.size()) + 3;
    const int64_t n = std::min<int64_t>(rows, int64_t(data.test.size()));
    std::vector<size_t> indices(static_cast<size_t>(n));
    for (size_t i = 0; i < indices.size(); ++i) indices[i] = i;
    Tensor batch;
    std::vector<int> labels;
    makeBatch(data.test, indices.data(), indices.size(), pre, batch, labels);
    const Tensor real = batch.inLayout(Layout::NCHW);
    const Tensor shrunk = shrinkImages(real, small[1], small[2]);
    std::vector<Tensor> columnsMade{blockImages(shrunk, large[1], large[2]), bicubicImages(shrunk, large[1], large[2])};
    for (Model& m : models) columnsMade.push_back(upscaleImages(m.network, *backend, shrunk));
    columnsMade.push_back(real);
    Tensor grid(Shape{n * columns, large[0], large[1], large[2]});
    const int64_t per = large.elementCount();
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < columns; ++c)
        std::copy_n(columnsMade[size_t(c)].data() + r * per, per, grid.data() + (r * columns + c) * per);
    saveFeatureMapImage(imageGrid(grid, columns, 3), str(p.value("output")), MapImageStyle::Colour);
  }
  if (json) {
    Json j{{"images", first.count},
           {"real", {{"midtones", float(first.realMidtones)}}},
           {"bicubic", {{"psnr", float(first.bicubicPsnr)}, {"midtones", float(first.bicubicMidtones)}}}};
    if (reader) j["real"]["accuracy"] = float(first.realAccuracy), j["bicubic"]["accuracy"] = float(first.bicubicAccuracy);
    j["models"] = Json::array();
    for (size_t m = 0; m < models.size(); ++m) {
      Json one{{"model", paths[m]},
               {"psnr", float(results[m].psnr)},
               {"midtones", float(results[m].midtones)},
               {"real_score", float(results[m].realScore)}};
      if (reader) one["accuracy"] = float(results[m].accuracy);
      j["models"].push_back(std::move(one));
    }
    out << j.dump() << "\n";
    return 0;
  }
  const auto percent = [](double v) { return fixed(100.0 * v, 1) + " %"; };
  out << first.count << " test digits shrunk to " << small.toString() << " and made " << large.toString()
      << " again\n";
  out << "  real: midtones " << percent(first.realMidtones)
      << (reader ? ", read right " + percent(first.realAccuracy) : std::string()) << "\n";
  out << "  bicubic: PSNR " << fixed(first.bicubicPsnr, 2) << " dB, midtones " << percent(first.bicubicMidtones)
      << (reader ? ", read right " + percent(first.bicubicAccuracy) : std::string()) << "\n";
  for (size_t m = 0; m < models.size(); ++m)
    out << "  " << paths[m] << ": PSNR " << fixed(results[m].psnr, 2) << " dB, midtones "
        << percent(results[m].midtones) << ", its discriminator's P(real) " << fixed(results[m].realScore, 3)
        << (reader ? ", read right " + percent(results[m].accuracy) : std::string()) << "\n";
  if (p.isSet("output")) out << "wrote " << str(p.value("output")) << "\n";
  return 0;
}

} // namespace convscope::cli
