// `convscope detect`, `convscope iou` and `convscope nms`: a trained detector's boxes on one image,
// one IoU worked out, and non-maximum suppression decision by decision.
#include "app/cli/CliCommon.h"

#include "engine/core/NumberText.h"
#include "engine/detection/BoxDrawing.h"
#include "engine/detection/Detector.h"
#include "engine/io/FileText.h"
#include "engine/io/ImageHeader.h"
#include "engine/io/ImageIO.h"
#include "engine/io/ModelFile.h"
#include "engine/training/Preprocess.h"

#include <algorithm>
#include <cmath>

namespace convscope::cli {

namespace {
// The largest boxes file nms reads: 64 MiB (a detect output is a few kB), and the most boxes in
// it: 100,000 (NMS compares each kept box with the rest of its class).
constexpr int64_t kMaxBoxesFileBytes = int64_t(64) << 20;
constexpr size_t kMaxBoxes = 100000;

double unitOption(const QCommandLineParser& p, const char* option, double fallback) {
  if (!p.isSet(option)) return fallback;
  const double v = parseFloat(str(p.value(option)), std::string("--") + option);
  if (!(v >= 0.0 && v <= 1.0))
    throw UsageError(std::string("--") + option + " " + str(p.value(option)) + " must be from 0 to 1");
  return v;
}

Json boxJson(const Box& b) { return Json::array({float(b.x0), float(b.y0), float(b.x1), float(b.y1)}); }

std::string scoreText(double s) { return fixed(s, 3); }

struct Candidate {
  int label = 0;
  double score = 0;
  Box box;
};

// The boxes of a file as `detect --json` writes it: {"boxes": [{"class", "score", "box"}, …]}.
std::vector<Candidate> readBoxes(const std::string& path) {
  const std::string text = readFileText(path, kMaxBoxesFileBytes, "boxes files");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(path + ": not JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("boxes") || !j["boxes"].is_array())
    throw UsageError(path + ": needs {\"boxes\": [{\"class\": k, \"score\": s, \"box\": [x0, y0, x1, y1]}, …]} "
                            "(as convscope detect --json writes it)");
  if (j["boxes"].size() > kMaxBoxes)
    throw UsageError(path + ": " + std::to_string(j["boxes"].size()) + " boxes; nms takes at most " +
                     std::to_string(kMaxBoxes) + " (detect writes at most 100 an image)");
  std::vector<Candidate> out;
  for (size_t i = 0; i < j["boxes"].size(); ++i) {
    const nlohmann::json& b = j["boxes"][i];
    const std::string where = path + ": box " + std::to_string(i);
    if (!b.is_object() || !b.contains("score") || !b["score"].is_number() || !b.contains("box") || !b["box"].is_array() ||
        b["box"].size() != 4)
      throw UsageError(where + " needs \"score\" (a number) and \"box\" (four numbers, x0, y0, x1, y1)");
    Candidate c;
    if (b.contains("class")) {
      if (!b["class"].is_number_integer() || b["class"].get<int64_t>() < 0 || b["class"].get<int64_t>() > 1000000)
        throw UsageError(where + ": \"class\" must be a whole number from 0 to 1000000");
      c.label = int(b["class"].get<int64_t>());
    }
    c.score = b["score"].get<double>();
    double v[4];
    for (int k = 0; k < 4; ++k) {
      if (!b["box"][size_t(k)].is_number()) throw UsageError(where + ": \"box\" must hold four numbers");
      v[k] = b["box"][size_t(k)].get<double>();
    }
    c.box = {v[0], v[1], v[2], v[3]};
    if (!std::isfinite(c.score) || !std::all_of(v, v + 4, [](double x) { return std::abs(x) <= kMaxCoordinate; }))
      throw UsageError(where + ": its score must be finite and its coordinates within ±10⁹");
    if (!(c.box.x0 <= c.box.x1 && c.box.y0 <= c.box.y1))
      throw UsageError(where + ": " + boxText(c.box) + " has x1 < x0 or y1 < y0");
    out.push_back(c);
  }
  return out;
}
} // namespace

int detect(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"model", "A trained detector (convscope train --model mini-ssd --dataset scenes --save M.json).", "FILE"});
  p.addOption({"input", "The image to look in (resized to the model's input, as its training scenes were).", "IMAGE"});
  p.addOption({"score", "Keep boxes scoring at least this (0–1; default: the model's, 0.3).", "S"});
  p.addOption({"iou", "Non-maximum suppression strikes a box whose IoU with a kept box of its class is above this "
                      "(0–1; default: the model's, 0.45).",
               "T"});
  p.addOption({"output", "Write the image with the boxes drawn and labelled (PNG, JPEG, ...; enlarged up to 16 "
                         "times towards 256 pixels across).",
               "BOXES.png"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  if (!parse(p, "detect",
             "A trained detector's boxes on one image: each anchor's scores and offsets decoded, the\n"
             "candidates reaching the score threshold suppressed per class (NMS), highest score first.\n"
             "Boxes are in the input image's pixels, [x0, y0, x1, y1) with x1 and y1 exclusive.\n"
             "JSON: {\"boxes\":[{\"class\":k,\"label\":\"7\",\"score\":s,\"box\":[x0,y0,x1,y1]},…],\"image\":[H,W]}",
             args, out))
    return 0;
  Model model = trainedModel(str(p.value("model")));
  if (!model.info.detector)
    throw UsageError(str(p.value("model")) + ": is not a detector (its file has no anchors); classify with predict, "
                                             "segment with segment");
  const DetectorSpec& spec = *model.info.detector;
  DetectOptions options = detectOptions(spec);
  options.scoreThreshold = unitOption(p, "score", options.scoreThreshold);
  options.nmsIou = unitOption(p, "iou", options.nmsIou);
  const std::string inputPath = str(p.value("input"));
  if (inputPath.empty()) throw UsageError("--input IMAGE is required");
  const Preprocess& pre = *model.info.preprocess;
  // The boxes are mapped back to the image by scaling; a preprocessing that crops or pads would move them.
  if (pre.resize > 0 || pre.sourceHeight != pre.height || pre.sourceWidth != pre.width)
    throw UsageError(str(p.value("model")) + ": its preprocessing crops or pads the image (" + normalizationText(pre) +
                     "); detect maps boxes back only through a plain resize");
  const Tensor image = loadImage(inputPath, {pre.channels, false});
  const Tensor prepared = preprocessImage(image, pre);
  auto backend = backendOption(p);
  const AnchorGrid grid = makeAnchors(model.network, spec);
  const Tensor& output = model.network.forward(*backend, prepared);
  std::vector<Detection> found = detect(grid, spec, output, options).front();
  // From the model's input back to the image's pixels (a scene of the model's size: unchanged).
  const int64_t h = image.shape()[2], w = image.shape()[3];
  const double sx = double(w) / double(pre.width), sy = double(h) / double(pre.height);
  for (Detection& d : found) d.box = {d.box.x0 * sx, d.box.y0 * sy, d.box.x1 * sx, d.box.y1 * sy};
  const auto name = [&spec](int k) { return k >= 0 && k < spec.classes() ? spec.classNames[size_t(k)] : std::to_string(k); };
  if (p.isSet("output")) {
    std::vector<LabelledBox> drawn;
    for (const Detection& d : found) drawn.push_back({d.box, d.label + 1, name(d.label) + " " + fixed(d.score, 2)});
    // At least 256 pixels across when that stays within the largest image ConvScope writes.
    int scale = int(std::clamp<int64_t>((256 + std::min(h, w) - 1) / std::min(h, w), 1, 16));
    while (scale > 1 && h * scale * w * scale > kMaxImagePixels) --scale;
    saveFeatureMapImage(drawBoxes(image, drawn, scale), str(p.value("output")), MapImageStyle::Colour);
  }
  if (p.isSet("json")) {
    Json list = Json::array();
    for (const Detection& d : found)
      list.push_back({{"class", d.label}, {"label", name(d.label)}, {"score", float(d.score)}, {"box", boxJson(d.box)}});
    out << Json{{"boxes", list}, {"image", {h, w}}}.dump() << "\n";
    return 0;
  }
  out << found.size() << (found.size() == 1 ? " box" : " boxes") << " (score \u2265 " << formatRounded(options.scoreThreshold, 3)
      << ", NMS IoU > " << formatRounded(options.nmsIou, 3) << " struck):\n";
  for (const Detection& d : found)
    out << "  " << name(d.label) << "  " << scoreText(d.score) << "  " << boxText(d.box) << "\n";
  if (p.isSet("output")) out << "wrote " << str(p.value("output")) << "\n";
  return 0;
}

int iouCommand(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"box", "A box x0,y0,x1,y1 (x1 and y1 exclusive); give two.", "BOX"});
  if (!parse(p, "iou",
             "The intersection over union of two boxes, worked out.\n"
             "JSON: {\"iou\":v,\"intersection\":[x0,y0,x1,y1],\"intersection_area\":a,\"areas\":[a,b],\"union\":u}",
             args, out))
    return 0;
  const QStringList given = p.values("box");
  if (given.size() != 2)
    throw UsageError("iou needs two boxes (--box x0,y0,x1,y1 --box x0,y0,x1,y1), " + std::to_string(given.size()) +
                     " given");
  const Box a = parseBox(str(given[0])), b = parseBox(str(given[1]));
  const IouExplanation e = explainIou(a, b);
  if (p.isSet("json")) {
    out << Json{{"iou", float(e.iou)},
                {"intersection", e.intersectionArea > 0 ? boxJson(e.intersection) : Json()},
                {"intersection_area", float(e.intersectionArea)},
                {"areas", {float(e.areaA), float(e.areaB)}},
                {"union", float(e.unionArea)}}
               .dump()
        << "\n";
    return 0;
  }
  out << "A " << boxText(a) << ", B " << boxText(b) << "\n" << e.text << "\n";
  return 0;
}

int nmsCommand(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"boxes", "The candidates, as convscope detect --json writes them.", "FILE.json"});
  p.addOption({"iou", "Strike a box whose IoU with a kept box of its class is above this (0–1).", "T"});
  p.addOption({"score", "Leave out candidates scoring below this first (0–1; default 0: none).", "S"});
  if (!parse(p, "nms",
             "Non-maximum suppression, decision by decision: the candidates by score, highest first; each\n"
             "one not yet struck is kept and strikes every later one of its class whose IoU with it is above\n"
             "the threshold (torchvision.ops.batched_nms). Indices are the file's.\n"
             "JSON: {\"kept\":[{\"index\",\"class\",\"score\",\"box\"},…],\"suppressed\":[{…,\"by\":i,\"by_box\":[…],"
             "\"iou\":v},…],\"below_score\":[i,…]}",
             args, out))
    return 0;
  if (!p.isSet("boxes")) throw UsageError("--boxes FILE.json is required");
  if (!p.isSet("iou")) throw UsageError("--iou T is required (for example 0.45)");
  const double threshold = unitOption(p, "iou", 0.5), minimum = unitOption(p, "score", 0.0);
  const std::vector<Candidate> all = readBoxes(str(p.value("boxes")));
  std::vector<size_t> index; // the file's index of each candidate NMS sees
  std::vector<Box> boxes;
  std::vector<double> scores;
  std::vector<int> classes;
  std::vector<size_t> below;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].score < minimum) {
      below.push_back(i);
      continue;
    }
    index.push_back(i), boxes.push_back(all[i].box), scores.push_back(all[i].score), classes.push_back(all[i].label);
  }
  NmsResult r;
  try {
    r = nmsPerClass(boxes, scores, classes, threshold);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (p.isSet("json")) {
    Json kept = Json::array(), struck = Json::array();
    for (const NmsDecision& d : r.decisions) {
      const Candidate& c = all[index[d.candidate]];
      Json entry{{"index", index[d.candidate]}, {"class", c.label}, {"score", float(c.score)}, {"box", boxJson(c.box)}};
      if (d.kept) {
        kept.push_back(entry);
      } else {
        entry["by"] = index[d.suppressedBy];
        entry["by_box"] = boxJson(all[index[d.suppressedBy]].box);
        entry["iou"] = float(d.iou);
        struck.push_back(entry);
      }
    }
    out << Json{{"kept", kept}, {"suppressed", struck}, {"below_score", below}}.dump() << "\n";
    return 0;
  }
  out << all.size() << " candidates";
  if (!below.empty()) out << ", " << below.size() << " below the score " << formatRounded(minimum, 3) << " left out";
  out << "; by score, highest first (IoU threshold " << formatRounded(threshold, 3) << "):\n";
  for (const NmsDecision& d : r.decisions) {
    const Candidate& c = all[index[d.candidate]];
    out << "  " << nmsDecisionText(d, scores, threshold, index) << "  class " << c.label << " " << boxText(c.box) << "\n";
  }
  out << r.keep.size() << " kept\n";
  return 0;
}

} // namespace convscope::cli
