// `convscope scenes`: composed scenes written out to look at — each scene a grey PNG, its
// mask a PNG in the classes' colours, and scenes.json with every digit's class and box.
#include "app/cli/CliCommon.h"

#include "engine/io/ImageIO.h"
#include "engine/training/Scenes.h"

#include <QCommandLineParser>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace convscope::cli {

namespace {
std::string numbered(size_t i, const char* suffix) {
  char name[48];
  std::snprintf(name, sizeof name, "scene-%04zu%s.png", i, suffix);
  return name;
}
} // namespace

int scenes(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"count", "How many scenes (1 to 10000; default 16).", "N", "16"});
  p.addOption({"seed", "The composition's seed: the same seed, the same scenes (default 1).", "S", "1"});
  p.addOption({"split", "train: made of the training digits (default); test: of the test digits (--dataset scenes "
                        "tests on 500 of them with seed 2: --split test --count 500 --seed 2).",
               "NAME", "train"});
  p.addOption({"size", "The canvas's width and height in pixels (32 to 512; default 64).", "N", "64"});
  p.addOption({"output", "The folder to write into (made if missing).", "DIR"});
  if (!parse(p, "scenes",
             "Compose scenes of 1 to 3 bundled digits on a grey canvas, as --dataset scenes trains segmentation on: "
             "each scene-NNNN.png, its mask scene-NNNN-mask.png (each digit's pixels of value 128 or more in its "
             "class's colour, the background black) and scenes.json (each digit's class and box [x0, y0, x1, y1], "
             "x1 and y1 exclusive; the colours of the classes).",
             args, out))
    return 0;
  if (!p.isSet("output")) throw std::invalid_argument("--output DIR is required");
  const int count = wholeNumber(p, "count", 1, 10000);
  const int size = wholeNumber(p, "size", 32, 512);
  const int64_t seed = parseAtLeast(str(p.value("seed")), "seed", 0);
  const std::string split = str(p.value("split"));
  if (split != "train" && split != "test")
    throw std::invalid_argument("--split '" + split + "' (expected train or test)");
  const std::filesystem::path folder = str(p.value("output"));
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (!std::filesystem::is_directory(folder))
    throw std::invalid_argument("--output " + folder.string() + ": cannot make this folder");

  SceneOptions options;
  options.size = size;
  const DatasetSplit digits = loadDataset("digits");
  const Dataset scenes = composeScenes(split == "train" ? digits.train : digits.test, size_t(count), uint64_t(seed),
                                       options);
  Json list = Json::array();
  for (size_t i = 0; i < scenes.size(); ++i) {
    Tensor image(Shape{1, 1, size, size}), mask(Shape{1, 3, size, size});
    const size_t plane = size_t(size) * size_t(size);
    for (size_t k = 0; k < plane; ++k) {
      image.data()[k] = scenes.image(i)[k];
      const Rgb colour = sceneClassColour(scenes.mask(i)[k]);
      mask.data()[k] = colour.r, mask.data()[plane + k] = colour.g, mask.data()[2 * plane + k] = colour.b;
    }
    saveFeatureMapImage(image, (folder / numbered(i, "")).string(), MapImageStyle::Colour);
    saveFeatureMapImage(mask, (folder / numbered(i, "-mask")).string(), MapImageStyle::Colour);
    Json objects = Json::array();
    for (const ObjectBox& b : scenes.boxes[i])
      objects.push_back({{"digit", b.label}, {"class", b.label + 1}, {"box", {b.x0, b.y0, b.x1, b.y1}}});
    list.push_back({{"image", numbered(i, "")}, {"mask", numbered(i, "-mask")}, {"digits", std::move(objects)}});
  }
  Json palette = Json::array();
  for (int k = 0; k < kSceneClasses; ++k) {
    const Rgb c = sceneClassColour(k);
    palette.push_back({{"class", k}, {"name", scenes.pixelClassNames[size_t(k)]}, {"rgb", {c.r, c.g, c.b}}});
  }
  const Json all{{"size", size},          {"seed", seed},       {"split", split},
                 {"threshold", options.threshold}, {"classes", std::move(palette)}, {"scenes", std::move(list)}};
  std::ofstream file(folder / "scenes.json");
  file << all.dump(1) << "\n";
  if (!file) throw std::invalid_argument((folder / "scenes.json").string() + ": could not write");
  out << "wrote " << count << " scenes (" << size << "×" << size << ", " << split << " digits, seed " << seed
      << ") to " << folder.string() << ": scene-NNNN.png, scene-NNNN-mask.png, scenes.json\n";
  return 0;
}

} // namespace convscope::cli
