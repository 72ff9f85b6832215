// The training commands run in-process: train → save → eval gives the reported accuracy;
// predict; bench; and exit status 2 or 3 with a message for bad hyperparameters, broken
// model files and a diverging run.
#include "CliTestUtils.h"
#include "common/TestPaths.h"

#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/generative/Vae.h"
#include "engine/inspection/FeatureVisualization.h"
#include "engine/io/ModelFile.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {
using Result = convscope::test::CliResult;
using convscope::test::run;

class CliTrain : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("convscope-clitrain-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }
  static inline fs::path dir_;
};

void expectStatus(const std::vector<std::string>& args, int status, const std::string& message) {
  const Result r = run(args);
  EXPECT_EQ(r.status, status) << r.err;
  EXPECT_NE(r.err.find(message), std::string::npos) << "stderr: " << r.err;
}
} // namespace

TEST_F(CliTrain, TrainSaveEvalPredict) {
  const std::string model = path("lenet.json");
  const Result t = run({"train", "--model", "lenet5", "--dataset", "digits", "--epochs", "2", "--train-images", "1500",
                        "--threads", "2", "--seed", "4", "--json", "--save", model});
  ASSERT_EQ(t.status, 0) << t.err;
  std::istringstream lines(t.out);
  std::vector<Json> epochs;
  for (std::string line; std::getline(lines, line);) epochs.push_back(Json::parse(line));
  ASSERT_EQ(epochs.size(), 2u); // one JSON object per epoch, nothing else on stdout
  for (const char* key :
       {"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "images_per_second", "seconds"})
    EXPECT_TRUE(epochs[1].contains(key)) << key;
  EXPECT_EQ(epochs[1]["epoch"], 2);
  EXPECT_GT(epochs[1]["test_accuracy"].get<double>(), 0.8);
  EXPECT_LE(epochs[1]["test_accuracy"].get<double>(), 1.0);

  const Result e = run({"eval", "--model", model, "--dataset", "digits", "--json"});
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_EQ(Json::parse(e.out)["accuracy"], epochs[1]["test_accuracy"]); // exactly the trainer's figure
  EXPECT_EQ(Json::parse(e.out)["loss"], epochs[1]["test_loss"]);

  // A white-on-black "1": a vertical bar.
  cv::Mat one(28, 28, CV_8U, cv::Scalar(0));
  one(cv::Rect(12, 4, 4, 20)).setTo(255);
  cv::imwrite(path("one.png"), one);
  const Result p = run({"predict", "--model", model, "--input", path("one.png"), "--json"});
  ASSERT_EQ(p.status, 0) << p.err;
  const Json prediction = Json::parse(p.out);
  ASSERT_EQ(prediction["probabilities"].size(), 10u);
  double total = 0;
  for (const Json& v : prediction["probabilities"]) total += v.get<double>();
  EXPECT_NEAR(total, 1.0, 1e-5);
  EXPECT_EQ(prediction["class"], 1);
  EXPECT_EQ(prediction["label"], "1");

  const Result text = run({"predict", "--model", model, "--input", path("one.png")});
  EXPECT_EQ(text.out.substr(0, 8), "class 1 ");
}

// Segmentation: mini-unet on the composed scenes reports the test mean IoU and pixel accuracy
// per epoch; segment gives each pixel's class of a scene, as JSON, as a character map and as an
// overlay; losses that do not fit the data and a classifier given to segment are refused.
TEST_F(CliTrain, SegmentationTrainsReportsMeanIouAndSegments) {
  const std::string model = path("unet.json");
  const Result t = run({"train", "--model", "mini-unet", "--dataset", "scenes", "--epochs", "1", "--train-images",
                        "96", "--test-images", "64", "--threads", "2", "--json", "--save", model});
  ASSERT_EQ(t.status, 0) << t.err;
  const Json epoch = Json::parse(t.out);
  for (const char* key : {"test_miou", "test_pixel_accuracy", "test_class_iou"}) EXPECT_TRUE(epoch.contains(key)) << key;
  EXPECT_EQ(epoch["test_pixel_accuracy"], epoch["test_accuracy"]);
  EXPECT_GT(epoch["test_pixel_accuracy"].get<double>(), 0.8); // the background, at least
  EXPECT_GE(epoch["test_miou"].get<double>(), 0.0);
  EXPECT_LE(epoch["test_miou"].get<double>(), 1.0);
  ASSERT_EQ(epoch["test_class_iou"].size(), 11u);
  EXPECT_GT(epoch["test_class_iou"][0].get<double>(), 0.8); // the background's IoU

  const std::string scenes = path("scenes");
  ASSERT_EQ(run({"scenes", "--count", "1", "--split", "test", "--output", scenes}).status, 0);
  const std::string scene = scenes + "/scene-0000.png";
  const Result j = run({"segment", "--model", model, "--input", scene, "--json"});
  ASSERT_EQ(j.status, 0) << j.err;
  const Json mask = Json::parse(j.out);
  EXPECT_EQ(mask["shape"], Json::array({64, 64}));
  ASSERT_EQ(mask["classes"].size(), 64u);
  ASSERT_EQ(mask["classes"][0].size(), 64u);
  EXPECT_EQ(mask["names"].size(), 11u);
  EXPECT_EQ(mask["names"][0], "background");
  int64_t total = 0;
  for (const auto& [name, count] : mask["pixels"].items()) total += count.get<int64_t>();
  EXPECT_EQ(total, 64 * 64);
  const Result text = run({"segment", "--model", model, "--input", scene, "--output", path("overlay.png")});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("64x64 pixels: background "), std::string::npos) << text.out;
  EXPECT_EQ(std::count(text.out.begin(), text.out.end(), '\n'), 64 + 2); // the map, the counts, "wrote"
  const cv::Mat overlay = cv::imread(path("overlay.png"), cv::IMREAD_COLOR);
  EXPECT_EQ(overlay.rows, 256);
  EXPECT_EQ(overlay.cols, 256);

  expectStatus({"train", "--model", "mini-unet", "--dataset", "scenes", "--loss", "mse", "--epochs", "1"}, 2,
               "the mse loss is for classifying images; segmentation learns with ce (per pixel), dice or ce+dice");
  expectStatus({"train", "--model", "lenet5", "--loss", "dice", "--epochs", "1"}, 2,
               "the dice loss is for segmentation (a dataset with masks: --dataset scenes)");
  expectStatus({"train", "--model", "lenet5", "--dataset", "scenes", "--epochs", "1"}, 2,
               "segmentation needs a score per class at every pixel: the network's output must be 11x32x32, it is 10");
  expectStatus({"train", "--model", "mini-unet", "--loss", "focal"}, 2, "unknown loss 'focal'");
  const std::string classifier = path("lenet-for-segment.json");
  ASSERT_EQ(run({"train", "--model", "lenet5", "--epochs", "1", "--train-images", "64", "--save", classifier}).status, 0);
  expectStatus({"segment", "--model", classifier, "--input", scene}, 2, "is not a segmentation model");
  expectStatus({"segment", "--model", model}, 2, "--input IMAGE is required");
}

TEST_F(CliTrain, GradientNormsPerLayer) {
  const Result t = run({"train", "--model", "lenet5", "--epochs", "1", "--train-images", "256", "--threads", "2",
                        "--gradient-norms", "--json"});
  ASSERT_EQ(t.status, 0) << t.err;
  const Json epoch = Json::parse(t.out);
  ASSERT_EQ(epoch["gradient_norms"].size(), 5u);
  EXPECT_EQ(epoch["gradient_norms"][0]["layer"], "conv1");
  EXPECT_TRUE(epoch["gradient_norms"][0]["input"].is_null()); // the first layer's input gradient: not computed
  EXPECT_GT(epoch["gradient_norms"][4]["weights"].get<double>(), 0.0);
  EXPECT_GT(epoch["gradient_norms"][1]["input"].get<double>(), 0.0);
  const Result text = run({"train", "--model", "lenet5", "--epochs", "1", "--train-images", "64", "--gradient-norms"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("  conv1: |dL/dweights| "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("(first layer: not computed)"), std::string::npos) << text.out;
}

TEST_F(CliTrain, BenchPrintsImagesPerSecond) {
  for (const char* what : {"train", "infer"}) {
    const Result r = run({"bench", what, "--model", "lenet5", "--images", "512", "--batch", "64", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_GT(Json::parse(r.out)["images_per_second"].get<double>(), 100.0) << what;
  }
}

TEST_F(CliTrain, BenchLiveTimesOneUpdate) {
  for (const char* image : {"", "--new-image"}) {
    std::vector<std::string> args{"bench", "live", "--size", "64", "--filters", "4", "--runs", "3", "--json"};
    if (*image) args.push_back(image);
    const Result r = run(args);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_GT(Json::parse(r.out)["median_ms"].get<double>(), 0.0);
    EXPECT_EQ(Json::parse(r.out)["image"], *image ? "new" : "kept");
  }
}

TEST_F(CliTrain, BenchConvTimesOneKernelBesideFilter2D) {
  for (const char* channels : {"1", "3"}) {
    const Result r = run({"bench", "conv", "--size", "64", "--channels", channels, "--kernel", "sobel-x", "--runs", "3",
                          "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const Json j = Json::parse(r.out);
    EXPECT_GT(j["median_ms"].get<double>(), 0.0);
    EXPECT_GT(j["filter2d_median_ms"].get<double>(), 0.0);
    EXPECT_EQ(j["output"], Json::array({std::stoi(channels), 64, 64})); // padding 1 keeps the size
  }
  const Result valid = run({"bench", "conv", "--size", "64", "--padding", "valid", "--runs", "2", "--json"});
  ASSERT_EQ(valid.status, 0) << valid.err;
  EXPECT_EQ(Json::parse(valid.out)["output"], Json::array({1, 62, 62}));
}

TEST_F(CliTrain, BadHyperparametersExitWith2) {
  expectStatus({"train", "--model", "lenet5", "--lr", "0"}, 2, "learning rate 0 must be a positive number");
  expectStatus({"train", "--model", "lenet5", "--lr", "-0.1"}, 2, "learning rate -0.1 must be a positive number");
  expectStatus({"train", "--model", "lenet5", "--batch", "0"}, 2, "--batch 0 must be from 1 to 65536");
  expectStatus({"train", "--model", "lenet5", "--epochs", "zero"}, 2, "--epochs 'zero' is not a whole number");
  expectStatus({"train", "--model", "lenet5", "--optimizer", "rmsprop"}, 2, "unknown optimizer 'rmsprop'");
  expectStatus({"train", "--model", "lenet5", "--momentum", "1.2"}, 2, "momentum 1.2 must be in [0, 1)");
  expectStatus({"train", "--model", "resnet9000"}, 2, "model 'resnet9000' is neither a preset");
  expectStatus({"train", "--model", "lenet5", "--dataset", "idx:/no/such/folder"}, 2,
               "/no/such/folder: no such folder");
  expectStatus({"train", "--model", "lenet5", "--save", "/no/such/folder/m.json"}, 2,
               "the folder /no/such/folder does not exist");
  expectStatus({"bench", "fly"}, 2, "bench needs 'train', 'infer', 'live', 'conv', 'gui', 'browser' or 'window' first");
  expectStatus({"bench", "conv", "--channels", "2"}, 2, "--channels 2: give 1 (gray) or 3 (RGB)");
  expectStatus({"bench", "conv", "--kernel", "wobble"}, 2, "unknown kernel 'wobble'");
  expectStatus({"bench", "conv", "--padding", "-1"}, 2, "padding '-1' must not be negative");
}

TEST_F(CliTrain, BrokenModelFilesExitWith2) {
  std::ofstream(path("half.json")) << R"({"format": "convscope-model", "version": 1, "input": [1, 32)";
  expectStatus({"eval", "--model", path("half.json")}, 2, "truncated?");
  std::ofstream(path("arch.json")) << R"({"format": "convscope-model", "version": 1, "input": [1, 8, 8],
    "layers": [{"type": "Flatten", "name": "f"}, {"type": "Dense", "name": "fc", "in_features": 64, "out_features": 3}]})";
  expectStatus({"eval", "--model", path("arch.json")}, 2, "has no trained weights");
  expectStatus({"predict", "--model", path("missing.json"), "--input", "x.png"}, 2, "missing.json: no such file");
}

TEST_F(CliTrain, DivergingRunExitsWith3AndSaysSo) {
  const Result r = run({"train", "--model", "lenet5", "--lr", "100", "--epochs", "1", "--train-images", "2000",
                        "--save", path("diverged.json")});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("training diverged at epoch 1"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("diverged.json"))); // nothing saved
}

TEST_F(CliTrain, TrainsALayerListFile) {
  std::ofstream(path("small.txt")) << "# a small CNN\ninput 1x32x32\nconv 4 5x5 stride 2\nrelu\nflatten\ndense 10\n";
  const Result r = run({"train", "--model", path("small.txt"), "--dataset", "digits", "--epochs", "1", "--train-images",
                        "512", "--json", "--save", path("small.json")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_GT(Json::parse(r.out)["test_accuracy"].get<double>(), 0.3); // 512 images: well above chance (0.1)
  const Result e = run({"eval", "--model", path("small.json"), "--dataset", "digits", "--json"});
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_EQ(Json::parse(e.out)["accuracy"], Json::parse(r.out)["test_accuracy"]);
  std::ofstream(path("bad.txt")) << "input 1x32x32\nconv 4 5x5\ndense 10\n";
  expectStatus({"train", "--model", path("bad.txt")}, 2,
               "bad.txt: line 3: dense needs a flat input, but its input is 4×28×28: put 'flatten' before it");
}

TEST_F(CliTrain, CheckpointAndResumeGiveTheUninterruptedRun) {
  // 3 epochs straight against 2 with a checkpoint, then --resume to 3: the same weights, and
  // the checkpoint is a model file that eval opens.
  const std::vector<std::string> recipe{"--dataset", "digits", "--train-images", "320", "--batch",    "32",
                                        "--threads", "2",      "--lr-step",      "1",   "--lr-gamma", "0.5",
                                        "--json"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), recipe.begin(), recipe.end());
    return args;
  };
  Result r = run(with({"train", "--model", "lenet5-relu", "--epochs", "3", "--save", path("straight.json")}));
  ASSERT_EQ(r.status, 0) << r.err;
  r = run(with({"train", "--model", "lenet5-relu", "--epochs", "2", "--checkpoint", path("check.json")}));
  ASSERT_EQ(r.status, 0) << r.err;
  r = run({"eval", "--model", path("check.json"), "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  r = run({"train", "--resume", path("check.json"), "--epochs", "3", "--threads", "2", "--json", "--save",
           path("resumed.json")});
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(Json::parse(line)["epoch"], 3); // one epoch more, numbered as the whole run's third
  const auto parameters = [&](const std::string& file) {
    std::ifstream in(file);
    return Json::parse(in)["parameters"];
  };
  EXPECT_EQ(parameters(path("resumed.json")), parameters(path("straight.json")));
  std::ifstream saved(path("resumed.json"));
  const Json note = Json::parse(saved)["training"];
  EXPECT_EQ(note["epochs"], 3);
  EXPECT_EQ(note["recipe"], "sgd lr 0.05 momentum 0.9 lr-step 1 gamma 0.5 batch 32 loss ce seed 1");
  // What cannot resume says why.
  expectStatus({"train", "--resume", path("straight.json"), "--epochs", "4"}, 2, "not a checkpoint");
  expectStatus({"train", "--resume", path("check.json"), "--epochs", "2"}, 2, "has 2 epochs done; --epochs 2");
  expectStatus({"train", "--resume", path("check.json"), "--model", "lenet5"}, 2, "leave out --model");
}

// The trained models ConvScope ships (scripts/train-shipped-models.sh) are what the docs say:
// trained on Fashion-MNIST, scored on its 10,000 test images (which training never saw) at
// the accuracy BENCHMARKS.md gives, with the dataset's class names.
TEST_F(CliTrain, TheShippedFashionModelsScoreWhatTheDocsSay) {
  for (const auto& [file, accuracy] : {std::pair{"mini-vgg-fashion.json", 0.9182}, {"mini-resnet-fashion.json", 0.9055}}) {
    const std::string model = convscope::test::resourcePath(std::string("models/") + file);
    const Result e = run({"eval", "--model", model, "--dataset", "fashion-mnist", "--json"});
    ASSERT_EQ(e.status, 0) << file << ": " << e.err;
    const Json score = Json::parse(e.out);
    EXPECT_EQ(score["images"], 10000) << file;
    EXPECT_NEAR(score["accuracy"].get<double>(), accuracy, 0.002) << file;
    const Result s = run({"summary", "--model", model});
    EXPECT_EQ(s.status, 0) << s.err;
  }
}

// The Applications tab's segmenters (scripts/train-shipped-models.sh) score on the 500 held-out
// test scenes what BENCHMARKS.md says: the skips' U-Net far above the skip-less FCN.
TEST_F(CliTrain, TheShippedSegmentersScoreWhatTheDocsSay) {
  for (const auto& [file, miou] : {std::pair{"mini-unet-scenes.json", 0.911}, {"mini-fcn-scenes.json", 0.674}}) {
    const std::string model = convscope::test::resourcePath(std::string("models/") + file);
    const Result e = run({"eval", "--model", model, "--dataset", "scenes", "--json"});
    ASSERT_EQ(e.status, 0) << file << ": " << e.err;
    const Json score = Json::parse(e.out);
    EXPECT_EQ(score["images"], 500) << file;
    EXPECT_NEAR(score["miou"].get<double>(), miou, 0.001) << file;
  }
}

// The Generation page's shipped models score what BENCHMARKS.md says: the VAEs' negative ELBO on the
// 2,000 test digits, the GAN's samples as the bundled LeNet-5 reads them.
TEST_F(CliTrain, TheShippedGenerativeModelsScoreWhatTheDocsSay) {
  for (const auto& [file, nats] : {std::pair{"mini-vae-digits.json", 107.2}, {"mini-vae-2d-digits.json", 166.8}}) {
    const Result e = run({"eval", "--model", convscope::test::resourcePath(std::string("models/") + file), "--json"});
    ASSERT_EQ(e.status, 0) << file << ": " << e.err;
    EXPECT_NEAR(Json::parse(e.out)["loss"].get<double>(), nats, 0.1) << file;
  }
  const Result g = run({"generate", "--model", convscope::test::resourcePath("models/mini-dcgan-digits.json"), "--count",
                        "1000", "--seed", "2", "--census", convscope::test::resourcePath("models/lenet5-digits.json"),
                        "--json"});
  ASSERT_EQ(g.status, 0) << g.err;
  const Json census = Json::parse(g.out)["census"];
  EXPECT_NEAR(census["confident"].get<double>(), 0.743, 0.0005);
  EXPECT_NEAR(census["smallest_class"].get<double>(), 0.067, 0.0005);
}

// Detection: mini-ssd on the composed scenes reports mAP@0.5 per epoch; the shipped detector
// scores what BENCHMARKS.md says; detect gives its boxes in the input's pixels (JSON, text, a
// drawn image), nms replays the suppression decision by decision from detect's file, iou works
// one out; what does not fit is refused with exit status 2.
TEST_F(CliTrain, DetectionTrainsDetectsAndSuppresses) {
  const Result t = run({"train", "--model", "mini-ssd", "--dataset", "scenes", "--epochs", "1", "--train-images", "96",
                        "--test-images", "40", "--threads", "2", "--json"});
  ASSERT_EQ(t.status, 0) << t.err;
  const Json epoch = Json::parse(t.out);
  ASSERT_TRUE(epoch.contains("test_map50")) << t.out;
  EXPECT_GE(epoch["test_map50"].get<double>(), 0.0);
  EXPECT_LE(epoch["test_map50"].get<double>(), 1.0);
  EXPECT_EQ(epoch["test_class_ap50"].size(), 10u);

  const std::string shipped = convscope::test::resourcePath("models/mini-ssd-scenes.json");
  const Result e = run({"eval", "--model", shipped, "--dataset", "scenes", "--json"});
  ASSERT_EQ(e.status, 0) << e.err;
  const Json score = Json::parse(e.out);
  EXPECT_EQ(score["images"], 500);
  EXPECT_NEAR(score["map50"].get<double>(), 0.991, 0.001);
  EXPECT_EQ(score["class_ap50"].size(), 10u);

  const std::string scenes = path("detect-scenes");
  ASSERT_EQ(run({"scenes", "--count", "3", "--split", "test", "--seed", "2", "--output", scenes}).status, 0);
  std::ifstream meta(scenes + "/scenes.json");
  const Json truth = Json::parse(meta);
  const std::string scene = scenes + "/scene-0002.png";
  const Result j = run({"detect", "--model", shipped, "--input", scene, "--json", "--score", "0.05"});
  ASSERT_EQ(j.status, 0) << j.err;
  const Json found = Json::parse(j.out);
  EXPECT_EQ(found["image"], Json::array({64, 64}));
  ASSERT_FALSE(found["boxes"].empty());
  double last = 2.0;
  for (const Json& b : found["boxes"]) { // highest score first, inside the image
    EXPECT_LE(b["score"].get<double>(), last);
    last = b["score"].get<double>();
    EXPECT_GE(b["box"][0].get<double>(), 0.0);
    EXPECT_LE(b["box"][2].get<double>(), 64.0);
  }
  // Every digit of the scene found: its class with IoU ≥ 0.5 (x1, y1 exclusive in both).
  for (const Json& object : truth["scenes"][2]["digits"]) { // "digit" the class, "class" the mask's
    const auto& want = object["box"];
    bool hit = false;
    for (const Json& b : found["boxes"]) {
      if (b["class"] != object["digit"]) continue;
      const double ix = std::max(0.0, std::min(b["box"][2].get<double>(), want[2].get<double>()) -
                                          std::max(b["box"][0].get<double>(), want[0].get<double>()));
      const double iy = std::max(0.0, std::min(b["box"][3].get<double>(), want[3].get<double>()) -
                                          std::max(b["box"][1].get<double>(), want[1].get<double>()));
      const double a = (b["box"][2].get<double>() - b["box"][0].get<double>()) * (b["box"][3].get<double>() - b["box"][1].get<double>());
      const double w = (want[2].get<double>() - want[0].get<double>()) * (want[3].get<double>() - want[1].get<double>());
      hit = hit || ix * iy / (a + w - ix * iy) >= 0.5;
    }
    EXPECT_TRUE(hit) << object.dump() << " in " << j.out;
  }
  const Result drawn = run({"detect", "--model", shipped, "--input", scene, "--output", path("boxes.png")});
  ASSERT_EQ(drawn.status, 0) << drawn.err;
  EXPECT_NE(drawn.out.find("(score \u2265 0.3, NMS IoU > 0.45 struck)"), std::string::npos) << drawn.out;
  EXPECT_EQ(cv::imread(path("boxes.png"), cv::IMREAD_COLOR).cols, 256);

  // nms on a file as detect writes it: two overlapping 7s and a 3 on the first.
  const std::string boxes = path("candidates.json");
  std::ofstream(boxes) << R"({"boxes":[{"class":7,"score":0.6,"box":[0,0,10,10]},)"
                       << R"({"class":7,"score":0.9,"box":[1,0,11,10]},{"class":3,"score":0.8,"box":[0,0,10,10]},)"
                       << R"({"class":7,"score":0.1,"box":[40,40,50,50]}]})";
  const Result n = run({"nms", "--boxes", boxes, "--iou", "0.5", "--score", "0.2", "--json"});
  ASSERT_EQ(n.status, 0) << n.err;
  const Json nj = Json::parse(n.out);
  ASSERT_EQ(nj["kept"].size(), 2u);
  EXPECT_EQ(nj["kept"][0]["index"], 1);
  EXPECT_EQ(nj["kept"][1]["index"], 2); // another class: not struck
  ASSERT_EQ(nj["suppressed"].size(), 1u);
  EXPECT_EQ(nj["suppressed"][0]["index"], 0);
  EXPECT_EQ(nj["suppressed"][0]["by"], 1);
  EXPECT_NEAR(nj["suppressed"][0]["iou"].get<double>(), 90.0 / 110.0, 1e-6);
  EXPECT_EQ(nj["below_score"], Json::array({3}));
  const Result nt = run({"nms", "--boxes", boxes, "--iou", "0.5"});
  ASSERT_EQ(nt.status, 0) << nt.err;
  EXPECT_NE(nt.out.find("strike #0 (0.6): IoU 0.818 with #1 > 0.5  class 7 [0, 0, 10, 10)"), std::string::npos) << nt.out;
  // The file detect wrote reads back.
  std::ofstream(path("found.json")) << j.out;
  EXPECT_EQ(run({"nms", "--boxes", path("found.json"), "--iou", "0.45"}).status, 0);

  const Result i = run({"iou", "--box", "0,0,10,10", "--box", "5,5,15,15", "--json"});
  ASSERT_EQ(i.status, 0) << i.err;
  EXPECT_NEAR(Json::parse(i.out)["iou"].get<double>(), 25.0 / 175.0, 1e-6);
  EXPECT_NE(run({"iou", "--box", "0,0,10,10", "--box", "5,5,15,15"}).out.find("IoU = 25 / 175 = 0.1429"), std::string::npos);

  expectStatus({"iou", "--box", "0,0,10,10"}, 2, "iou needs two boxes");
  expectStatus({"iou", "--box", "0,0,10", "--box", "1,1,2,2"}, 2, "3 numbers; a box is four");
  expectStatus({"nms", "--boxes", boxes}, 2, "--iou T is required");
  expectStatus({"nms", "--boxes", boxes, "--iou", "1.5"}, 2, "--iou 1.5 must be from 0 to 1");
  std::ofstream(path("broken.json")) << R"({"boxes":[{"score":0.5}]})";
  expectStatus({"nms", "--boxes", path("broken.json"), "--iou", "0.5"}, 2, "box 0 needs \"score\"");
  std::ofstream(path("far.json")) << R"({"boxes":[{"class":1,"score":0.5,"box":[0,0,1e300,5]}]})";
  expectStatus({"nms", "--boxes", path("far.json"), "--iou", "0.5"}, 2, "coordinates within");
  std::ofstream(path("classes.json")) << R"({"boxes":[{"class":4294967297,"score":0.5,"box":[0,0,5,5]}]})";
  expectStatus({"nms", "--boxes", path("classes.json"), "--iou", "0.5"}, 2, "\"class\" must be a whole number from 0");
  expectStatus({"detect", "--model", convscope::test::resourcePath("models/mini-unet-scenes.json"), "--input", scene}, 2,
               "is not a detector");
  expectStatus({"detect", "--model", shipped}, 2, "--input IMAGE is required");
  expectStatus({"detect", "--model", shipped, "--input", scene, "--score", "2"}, 2, "--score 2 must be from 0 to 1");
  expectStatus({"train", "--model", "mini-ssd", "--epochs", "1"}, 2, "detection needs images with boxes");
}

// A VAE: mini-vae on the digits reports the test loss's reconstruction and KL per epoch (nats per
// image, summing to the loss); eval reports the same split.
// A GAN: each epoch's two losses and D's outputs; the file holds both networks (summary shows
// both); generate draws from the generator, decodes a given noise, walks between two seeds and
// counts its digits with a classifier; eval judges the discriminator; the bad inputs are named.
TEST_F(CliTrain, TheGanReportsBothPlayersAndGenerates) {
  const std::string model = path("gan.json");
  const Result t = run({"train", "--model", "mini-dcgan", "--dataset", "digits", "--epochs", "1", "--train-images",
                        "256", "--test-images", "128", "--json", "--save", model});
  ASSERT_EQ(t.status, 0) << t.err;
  const Json epoch = Json::parse(t.out);
  for (const char* key : {"discriminator_loss", "generator_loss", "real_score", "fake_score", "test_real_score",
                          "test_fake_score"})
    ASSERT_TRUE(epoch.contains(key)) << key;
  EXPECT_EQ(epoch["train_loss"], epoch["generator_loss"]);
  EXPECT_GT(epoch["real_score"].get<double>(), 0.0);
  EXPECT_LT(epoch["fake_score"].get<double>(), 1.0);
  const Json summary = Json::parse(run({"summary", "--model", model, "--json"}).out);
  EXPECT_EQ(summary["total_params"], 237345);
  EXPECT_EQ(summary["discriminator"]["total_params"], 36513);
  const Result e = run({"eval", "--model", model, "--json"});
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_EQ(Json::parse(e.out)["images"], 2000);
  const Result g = run({"generate", "--model", model, "--count", "20", "--seed", "3", "--json", "--census",
                        convscope::test::resourcePath("models/lenet5-digits.json")});
  ASSERT_EQ(g.status, 0) << g.err;
  const Json samples = Json::parse(g.out);
  EXPECT_EQ(samples["shape"], Json::array({20, 1, 28, 28}));
  int counted = 0;
  for (const Json& c : samples["census"]["counts"]) counted += c.get<int>();
  EXPECT_EQ(counted, 20);
  EXPECT_GE(samples["census"]["confident"].get<double>(), 0.0);
  // One given noise vector: the same image as the first of seed 3's, which drew it first.
  std::string noise;
  const convscope::Tensor z = convscope::priorCodes(1, 64, 3);
  for (float v : z.values()) {
    char text[32];
    std::snprintf(text, sizeof text, "%.9g", double(v)); // every digit a float has
    noise += (noise.empty() ? "" : ",") + std::string(text);
  }
  const Json one = Json::parse(run({"generate", "--model", model, "--code", noise, "--json"}).out);
  for (size_t y = 0; y < 28; ++y)
    for (size_t x = 0; x < 28; ++x)
      ASSERT_NEAR(one["images"][0][0][y][x].get<double>(), samples["images"][0][0][y][x].get<double>(), 1e-4);
  const Result w = run({"generate", "--model", model, "--walk", "1,2", "--steps", "5", "--output", path("gwalk.png")});
  ASSERT_EQ(w.status, 0) << w.err;
  EXPECT_EQ(cv::imread(path("gwalk.png"), cv::IMREAD_COLOR).cols, 5 * (28 * 2 + 2) + 2);
  expectStatus({"generate", "--model", model, "--code", "1,2"}, 2, "--code has 2 numbers; the model's noise has 64");
  expectStatus({"generate", "--model", model, "--census", model}, 2, "--census");
  expectStatus({"train", "--model", "mini-dcgan", "--loss", "mse", "--epochs", "1"}, 2, "adversarial");
}

// Super-resolution: mini-srgan reports the reconstruction and the test PSNR, its loss the
// reconstruction plus --adversarial times the generator's; upscale sets models side by side on the
// test digits (its figures the engine's evaluation, a grid of a row a digit) or on one image; the
// shipped pair scores what the docs say; what does not fit exits 2 with the reason.
TEST_F(CliTrain, SuperResolutionTrainsAndUpscales) {
  const std::string model = path("sr.json");
  const Result t = run({"train", "--model", "mini-srgan", "--dataset", "digits", "--epochs", "1", "--train-images",
                        "256", "--test-images", "100", "--adversarial", "0.5", "--json", "--save", model});
  ASSERT_EQ(t.status, 0) << t.err;
  const Json epoch = Json::parse(t.out);
  for (const char* key : {"reconstruction_loss", "test_reconstruction_loss", "test_psnr", "generator_loss"})
    ASSERT_TRUE(epoch.contains(key)) << key;
  EXPECT_NEAR(epoch["train_loss"].get<double>(),
              epoch["reconstruction_loss"].get<double>() + 0.5 * epoch["generator_loss"].get<double>(), 1e-5);
  EXPECT_GT(epoch["test_psnr"].get<double>(), 5.0);

  const std::string shipped = convscope::test::resourcePath("models/mini-srgan-digits.json");
  const std::string plain = convscope::test::resourcePath("models/mini-srgan-plain-digits.json");
  const std::string lenet = convscope::test::resourcePath("models/lenet5-digits.json");
  const Result u = run({"upscale", "--model", plain + "," + shipped + "," + model, "--classifier", lenet, "--json",
                        "--output", path("sr-grid.png"), "--count", "4"});
  ASSERT_EQ(u.status, 0) << u.err;
  const Json j = Json::parse(u.out);
  EXPECT_EQ(j["images"], 2000);
  ASSERT_EQ(j["models"].size(), 3u);
  // The shipped pair: the plain model closer pixel for pixel but seen through by its discriminator;
  // both far above bicubic (BENCHMARKS.md's figures).
  const Json &p = j["models"][0], &a = j["models"][1];
  EXPECT_NEAR(p["psnr"].get<double>(), 28.73, 0.01);
  EXPECT_NEAR(a["psnr"].get<double>(), 27.76, 0.01);
  EXPECT_NEAR(j["bicubic"]["psnr"].get<double>(), 20.55, 0.01);
  EXPECT_LT(p["real_score"].get<double>(), 0.1);
  EXPECT_GT(a["real_score"].get<double>(), 0.4);
  EXPECT_GT(j["real"]["accuracy"].get<double>(), 0.95);
  EXPECT_GT(p["accuracy"].get<double>(), 0.95);
  // ×4 (mini-srgan-4x, from 7×7): more is missing, the same lesson louder.
  const Result u4 = run({"upscale", "--model", convscope::test::resourcePath("models/mini-srgan-4x-plain-digits.json") +
                                                  "," + convscope::test::resourcePath("models/mini-srgan-4x-digits.json"),
                         "--classifier", lenet, "--json"});
  ASSERT_EQ(u4.status, 0) << u4.err;
  const Json j4 = Json::parse(u4.out);
  EXPECT_NEAR(j4["models"][0]["psnr"].get<double>(), 21.14, 0.01);
  EXPECT_NEAR(j4["models"][1]["psnr"].get<double>(), 19.98, 0.01);
  EXPECT_NEAR(j4["bicubic"]["psnr"].get<double>(), 14.69, 0.01);
  EXPECT_GT(j4["models"][0]["midtones"].get<double>(), j4["models"][1]["midtones"].get<double>()); // plain: greyer
  EXPECT_LT(j4["models"][0]["real_score"].get<double>(), 0.1);
  EXPECT_GT(j4["models"][1]["real_score"].get<double>(), 0.3);
  // LeNet-5 reads both models' digits nearly as well as real ones; bicubic's far worse.
  EXPECT_NEAR(j4["models"][0]["accuracy"].get<double>(), 0.9505, 0.0003);
  EXPECT_NEAR(j4["models"][1]["accuracy"].get<double>(), 0.946, 0.0005);
  EXPECT_NEAR(j4["bicubic"]["accuracy"].get<double>(), 0.814, 0.0005);
  expectStatus({"upscale", "--model", shipped + "," + convscope::test::resourcePath("models/mini-srgan-4x-digits.json")},
               2, "unlike");
  const cv::Mat grid = cv::imread(path("sr-grid.png"), cv::IMREAD_COLOR);
  EXPECT_EQ(grid.cols, 6 * (28 * 3 + 2) + 2); // given, bicubic, three models, real
  EXPECT_EQ(grid.rows, 4 * (28 * 3 + 2) + 2);

  const Result one = run({"upscale", "--model", shipped, "--input",
                          convscope::test::resourcePath("examples/digit.png"), "--json"});
  ASSERT_EQ(one.status, 0) << one.err;
  const Json o = Json::parse(one.out);
  ASSERT_EQ(o["psnr"].size(), 1u);
  EXPECT_GT(o["psnr"][0].get<double>(), o["bicubic_psnr"].get<double>());

  expectStatus({"upscale", "--model", convscope::test::resourcePath("models/mini-dcgan-digits.json")}, 2,
               "not a super-resolution GAN");
  expectStatus({"generate", "--model", shipped}, 2, "reads images, not noise");
  expectStatus({"train", "--model", "mini-srgan", "--adversarial", "2000", "--epochs", "1"}, 2,
               "adversarial weight 2000 must be from 0 to 1000");
  expectStatus({"train", "--model", "mini-dcgan", "--adversarial", "0", "--epochs", "1"}, 2, "must be above 0");
  expectStatus({"train", "--model", "lenet5", "--adversarial", "0.5", "--epochs", "1"}, 2, "lenet5 is not one");
  expectStatus({"train", "--model", model, "--epochs", "1", "--train-images", "64"}, 2, "give its adversarial weight");
  expectStatus({"upscale", "--model", shipped, "--input", convscope::test::resourcePath("examples/digit.png"),
                "--count", "3"}, 2, "--count is for the test digits");
  expectStatus({"upscale", "--model", shipped, "--classifier", shipped}, 2, "--classifier");
}

TEST_F(CliTrain, TheVaeReportsReconstructionAndKl) {
  const std::string model = path("vae.json");
  const Result t = run({"train", "--model", "mini-vae", "--dataset", "digits", "--epochs", "1", "--train-images", "256",
                        "--test-images", "128", "--json", "--save", model});
  ASSERT_EQ(t.status, 0) << t.err;
  const Json epoch = Json::parse(t.out);
  EXPECT_NEAR(epoch["test_loss"].get<double>(),
              epoch["test_reconstruction"].get<double>() + epoch["test_kl"].get<double>(), 1e-3);
  const Result e = run({"eval", "--model", model, "--dataset", "digits", "--json"});
  ASSERT_EQ(e.status, 0) << e.err;
  const Json score = Json::parse(e.out);
  EXPECT_EQ(score["images"], 2000);
  EXPECT_NEAR(score["loss"].get<double>(), score["reconstruction"].get<double>() + score["kl"].get<double>(), 1e-3);
  EXPECT_GT(score["loss"].get<double>(), 80.0);
  EXPECT_LT(score["loss"].get<double>(), 544.0);

  // generate: samples from the prior, the same for the same seed, values in [0, 1]; a walk; a grid.
  const Result g = run({"generate", "--model", model, "--count", "3", "--seed", "5", "--json"});
  ASSERT_EQ(g.status, 0) << g.err;
  const Json samples = Json::parse(g.out);
  EXPECT_EQ(samples["shape"], Json::array({3, 1, 28, 28}));
  ASSERT_EQ(samples["images"].size(), 3u);
  for (const Json& row : samples["images"][2][0])
    for (const Json& v : row) {
      EXPECT_GE(v.get<double>(), 0.0);
      EXPECT_LE(v.get<double>(), 1.0);
    }
  EXPECT_EQ(run({"generate", "--model", model, "--count", "3", "--seed", "5", "--json"}).out, g.out);
  EXPECT_NE(run({"generate", "--model", model, "--count", "3", "--seed", "6", "--json"}).out, g.out);
  const Result w = run({"generate", "--model", model, "--walk", "3,17", "--steps", "4", "--output", path("walk.png")});
  ASSERT_EQ(w.status, 0) << w.err;
  EXPECT_EQ(cv::imread(path("walk.png"), cv::IMREAD_COLOR).cols, 4 * (28 * 2 + 2) + 2);
  const Result r = run({"reconstruct", "--model", model, "--input", convscope::test::resourcePath("examples/digit.png"),
                        "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["code"].size(), 16u);
  expectStatus({"generate", "--model", model, "--walk", "3,5000"}, 2, "the test digits are 0 to 1999");
  expectStatus({"generate", "--model", model, "--count", "0"}, 2, "--count");
  const std::string classifier = path("lenet-for-generate.json");
  ASSERT_EQ(run({"train", "--model", "lenet5", "--epochs", "1", "--train-images", "64", "--save", classifier}).status, 0);
  expectStatus({"generate", "--model", classifier}, 2, "is not a VAE");
}

// Looking inside: receptive-field lists every layer (LeNet-5 by hand: 5, 6, 14, 16, then all of
// it); attack on the bundled LeNet-5 keeps L∞ within ε, the written PNG is read back by predict
// as `after` says, the test digits' accuracy falls under FGSM; what does not fit exits 2.
TEST_F(CliTrain, ReceptiveFieldsAndAttacks) {
  const Result f = run({"receptive-field", "lenet5", "--json"});
  ASSERT_EQ(f.status, 0) << f.err;
  const Json layers = Json::parse(f.out)["layers"];
  ASSERT_GE(layers.size(), 5u);
  // conv1 5×5 → 5; pool1 2×2 → 6 (jump 2); conv2 5×5 → 6 + 4·2 = 14; pool2 → 16 (jump 4).
  const int sizes[4] = {5, 6, 14, 16};
  for (int k = 0, seen = 0; k < int(layers.size()) && seen < 4; ++k) {
    if (layers[size_t(k)]["type"] == "Conv2D" || layers[size_t(k)]["type"] == "Pool2D") {
      EXPECT_EQ(layers[size_t(k)]["size"], sizes[seen++]) << layers[size_t(k)].dump();
    }
  }
  EXPECT_TRUE(layers.back()["whole"].get<bool>());
  const Result text = run({"receptive-field", "--model", "alexnet"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("195"), std::string::npos) << text.out;
  expectStatus({"receptive-field", "mini-dcgan"}, 2, "must be an image (C, H, W), it is 64");

  const std::string lenet = convscope::test::resourcePath("models/lenet5-digits.json");
  const std::string digit = convscope::test::resourcePath("examples/digit.png");
  const Result a = run({"attack", "--model", lenet, "--input", digit, "--method", "pgd", "--epsilon", "0.2", "--output",
                        path("adv.png"), "--perturbation", path("delta.png"), "--json"});
  ASSERT_EQ(a.status, 0) << a.err;
  const Json attacked = Json::parse(a.out);
  EXPECT_EQ(attacked["before"]["class"], 7);
  EXPECT_NE(attacked["after"]["class"], 7);
  EXPECT_LE(attacked["linf"].get<double>(), 0.2);
  const Result back = run({"predict", "--model", lenet, "--input", path("adv.png"), "--json"});
  ASSERT_EQ(back.status, 0) << back.err;
  EXPECT_EQ(Json::parse(back.out)["class"], attacked["after"]["class"]);
  EXPECT_EQ(cv::imread(path("delta.png"), cv::IMREAD_GRAYSCALE).cols, 32);

  const Result d = run({"attack", "--model", lenet, "--epsilon", "0.25", "--test-images", "300", "--json"});
  ASSERT_EQ(d.status, 0) << d.err;
  const Json dataset = Json::parse(d.out);
  EXPECT_EQ(dataset["images"], 300);
  EXPECT_GT(dataset["accuracy"].get<double>(), 0.95);
  EXPECT_LT(dataset["attacked_accuracy"].get<double>(), 0.5);
  EXPECT_LE(dataset["linf"].get<double>(), 0.25);

  expectStatus({"attack", "--model", lenet, "--input", digit, "--epsilon", "2"}, 2, "ε 2 must be from 0 to 1");
  expectStatus({"attack", "--model", lenet, "--input", digit, "--target", "10"}, 2, "target class 10 is out of range");
  expectStatus({"attack", "--model", lenet, "--input", digit, "--method", "cw"}, 2, "must be fgsm or pgd");
  expectStatus({"attack", "--model", lenet, "--output", path("x.png")}, 2, "--output is for one image");
  expectStatus({"attack", "--model", convscope::test::resourcePath("models/mini-dcgan-digits.json"), "--input", digit},
               2, "not a classifier");

  const Result v = run({"visualize", "--model", lenet, "--layer", "conv3", "--unit", "5", "--steps", "64",
                        "--regularize", "l2,jitter", "--output", path("unit.png"), "--json"});
  ASSERT_EQ(v.status, 0) << v.err;
  const Json seen = Json::parse(v.out);
  EXPECT_EQ(seen["steps"].size(), 64u);
  EXPECT_GT(seen["activation_end"].get<double>(), seen["activation_start"].get<double>() + 1.0);
  const cv::Mat written = cv::imread(path("unit.png"), cv::IMREAD_GRAYSCALE);
  ASSERT_EQ(written.cols, 32);
  { // read back through the network: the activation reported, up to the 8-bit rounding
    convscope::Model model = convscope::loadModel(lenet);
    convscope::Tensor image(convscope::Shape{1, 1, 32, 32});
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x) image.at(0, 0, y, x) = float(written.at<uint8_t>(y, x)) / 255.0f;
    convscope::VisualizeOptions unit;
    unit.node = size_t(model.network.nodeIndex("conv3"));
    unit.channel = 5;
    convscope::ReferenceBackend backend;
    const double activation = seen["activation_end"].get<double>();
    EXPECT_NEAR(convscope::unitActivation(model.network, backend, *model.info.preprocess, image, unit), activation,
                0.05 * std::abs(activation));
  }
  const Result fourier = run({"visualize", "--model", lenet, "--layer", "fc2", "--unit", "3", "--regularize",
                              "fourier,blur,transform", "--json"});
  ASSERT_EQ(fourier.status, 0) << fourier.err;
  EXPECT_GT(Json::parse(fourier.out)["activation_end"].get<double>(), 5.0);

  // Dataset examples: the 4 test digits that excite fc2's unit 3 (the logit of "3") most are 3s,
  // each seeing the whole image; the grid holds them side by side.
  const Result top = run({"visualize", "--model", lenet, "--layer", "fc2", "--unit", "3", "--top", "4", "--dataset",
                          "digits", "--test-images", "500", "--output", path("top.png"), "--json"});
  ASSERT_EQ(top.status, 0) << top.err;
  const Json examples = Json::parse(top.out)["examples"];
  ASSERT_EQ(examples.size(), 4u);
  for (const Json& e : examples) {
    EXPECT_EQ(e["label"], 3);
    EXPECT_LT(e["index"].get<int>(), 500);
    EXPECT_EQ(e["patch"]["height"], 32);
    EXPECT_LE(e["activation"].get<double>(), examples[0]["activation"].get<double>());
  }
  EXPECT_EQ(cv::imread(path("top.png")).cols, 4 * (32 * 4 + 2) + 2);
  const Result table = run({"visualize", "--model", lenet, "--layer", "conv1", "--unit", "2", "--top", "3",
                            "--dataset", "digits", "--test-images", "100"});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("conv1 unit 2: the 3 test images that excite it most"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("5×5"), std::string::npos) << table.out;

  expectStatus({"visualize", "--model", lenet, "--layer", "conv9"}, 2, "conv9");
  expectStatus({"visualize", "--model", lenet, "--layer", "conv1", "--unit", "6"}, 2, "unit 6 is out of range");
  expectStatus({"visualize", "--model", lenet, "--layer", "conv1", "--regularize", "dream"}, 2,
               "'dream' is not l2, blur, jitter, transform or fourier");
  expectStatus({"visualize", "--model", lenet, "--layer", "conv1", "--top", "0", "--dataset", "digits"}, 2, "--top");
  expectStatus({"visualize", "--model", lenet, "--layer", "conv1", "--top", "3", "--dataset", "digits", "--steps", "9"},
               2, "--steps is for the ascent, not --top");
  expectStatus({"visualize", "--model", lenet, "--layer", "conv1", "--dataset", "digits"}, 2,
               "--dataset is for the dataset examples (--top K)");
}
