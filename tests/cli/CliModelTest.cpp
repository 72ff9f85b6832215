// convscope run and convscope export: PyTorch's outputs from its ONNX files, outputs nested by
// their shape, exports that open again, and status 2 naming the problem for bad input.
#include "CliTestUtils.h"
#include "common/TempFolderTest.h"
#include "common/TestPaths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using Json = nlohmann::json;
using convscope::test::runCli;

namespace {

const std::string kFixtures = convscope::test::testDataPath("onnx/");

class CliModel : public convscope::test::TempFolderTest {
};

// A fixture's input (1, C, H, W) as a matrix text file: channels separated by a blank line.
std::string matrixText(const Json& tensor) {
  const auto shape = tensor["shape"].get<std::vector<int64_t>>();
  const auto data = tensor["data"].get<std::vector<float>>();
  std::ostringstream text;
  text.precision(9);
  size_t k = 0;
  for (int64_t c = 0; c < shape[1]; ++c) {
    if (c) text << "\n";
    for (int64_t h = 0; h < shape[2]; ++h) {
      for (int64_t w = 0; w < shape[3]; ++w) text << (w ? " " : "") << data[k++];
      text << "\n";
    }
  }
  return text.str();
}

std::vector<float> flatten(const Json& nested) {
  if (!nested.is_array()) return {nested.get<float>()};
  std::vector<float> all;
  for (const Json& item : nested) {
    const std::vector<float> part = flatten(item);
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

} // namespace

TEST_F(CliModel, RunOnPyTorchsOnnxFilesGivesPyTorchsOutputs) {
  for (const char* name : {"inception-module", "residual-block", "conv-ops"}) {
    SCOPED_TRACE(name);
    std::ifstream in(kFixtures + name + ".json");
    const Json fixture = Json::parse(in);
    const std::string input = file(std::string(name) + ".txt", matrixText(fixture["input"]));
    const auto r = runCli({"run", "--model", kFixtures + name + ".onnx", "--input", input, "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const Json out = Json::parse(r.out);
    auto expectedShape = fixture["output"]["shape"].get<std::vector<int64_t>>();
    expectedShape.erase(expectedShape.begin()); // run prints one sample, without the batch
    EXPECT_EQ(out["shape"].get<std::vector<int64_t>>(), expectedShape);
    const std::vector<float> actual = flatten(out["output"]);
    const auto expected = fixture["output"]["data"].get<std::vector<float>>();
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-4) << "value " << i;
  }
}

TEST_F(CliModel, RunNestsTheOutputByItsShapeAndChecksTheInputsShape) {
  const std::string list = file("net.txt", "input 1x4x4\nconv 2 3x3\n");
  const std::string m = file("m.txt", "1 2 3 4\n5 6 7 8\n9 10 11 12\n13 14 15 16\n");
  const auto r = runCli({"run", "--model", list, "--input", m, "--json", "--seed", "3"});
  ASSERT_EQ(r.status, 0) << r.err;
  const Json out = Json::parse(r.out);
  EXPECT_EQ(out["shape"], Json::array({2, 2, 2}));
  ASSERT_EQ(out["output"].size(), 2u);
  ASSERT_EQ(out["output"][0].size(), 2u);
  ASSERT_EQ(out["output"][0][0].size(), 2u);
  EXPECT_TRUE(out["output"][0][0][0].is_number());
  // The same seed gives the same weights; another seed others.
  EXPECT_EQ(runCli({"run", "--model", list, "--input", m, "--json", "--seed", "3"}).out, r.out);
  EXPECT_NE(runCli({"run", "--model", list, "--input", m, "--json", "--seed", "4"}).out, r.out);
  // Text output: the shape, then the maps.
  const auto text = runCli({"run", "--model", list, "--input", m});
  EXPECT_EQ(text.status, 0);
  EXPECT_EQ(text.out.rfind("output 2x2x2\n", 0), 0u) << text.out;
  // A matrix of another shape: status 2, both shapes named.
  const auto bad = runCli({"run", "--model", "lenet5", "--input", m});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("holds 1x4x4 values"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("the model reads 1x32x32"), std::string::npos) << bad.err;
}

TEST_F(CliModel, RunPreparesAnImageAsTheModelsInput) {
  const auto r =
      runCli({"run", "--model", "lenet5", "--input", convscope::test::examplePath("digit.png"), "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const Json out = Json::parse(r.out);
  EXPECT_EQ(out["shape"], Json::array({10}));
  double sum = 0;
  for (float p : flatten(out["output"])) sum += p;
  EXPECT_NEAR(sum, 1.0, 1e-5); // LeNet-5 ends in a softmax
}

TEST_F(CliModel, ExportWritesAFileThatRunsAsTheModelDid) {
  const std::string onnx = path("mini-resnet.onnx");
  const auto e = runCli({"export", "--model", "mini-resnet", "--output", onnx, "--seed", "7", "--json"});
  ASSERT_EQ(e.status, 0) << e.err;
  const Json info = Json::parse(e.out);
  EXPECT_EQ(info["output"], onnx);
  EXPECT_EQ(info["bytes"].get<int64_t>(), int64_t(fs::file_size(onnx)));
  std::ostringstream rows;
  for (int r = 0; r < 28; ++r) {
    for (int c = 0; c < 28; ++c) rows << (c ? " " : "") << ((r * 7 + c * 3) % 11) / 10.0;
    rows << "\n";
  }
  const std::string input = file("digit.txt", rows.str());
  const auto original = runCli({"run", "--model", "mini-resnet", "--seed", "7", "--input", input, "--json"});
  const auto exported = runCli({"run", "--model", onnx, "--input", input, "--json"});
  ASSERT_EQ(original.status, 0) << original.err;
  ASSERT_EQ(exported.status, 0) << exported.err;
  const std::vector<float> a = flatten(Json::parse(original.out)["output"]),
                           b = flatten(Json::parse(exported.out)["output"]);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5);
  // The text form says what was written.
  const auto text = runCli({"export", "--model", "lenet5", "--output", path("lenet5.onnx"), "--fold-batchnorm"});
  EXPECT_EQ(text.status, 0);
  EXPECT_NE(text.out.find("opset 13, batch normalization folded"), std::string::npos) << text.out;
  // summary reads an ONNX file as any model.
  const auto summary = runCli({"summary", kFixtures + "residual-block.onnx", "--depth", "3"});
  EXPECT_EQ(summary.status, 0) << summary.err;
  EXPECT_NE(summary.out.find("block.conv1"), std::string::npos);
}

TEST_F(CliModel, BadModelsAndArgumentsExitWith2NamingTheProblem) {
  const auto expectBad = [](const std::vector<std::string>& args, const std::string& expected) {
    const auto r = runCli(args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find(expected), std::string::npos) << "stderr: " << r.err;
  };
  const std::string m = file("m.txt", "1 2\n3 4\n");
  expectBad({"run", "--model", kFixtures + "refused-resize.onnx", "--input", m},
            "ConvScope cannot run one of its operators: Resize ×1 (first node '/1/Resize'");
  expectBad({"run", "--model", file("junk.onnx", "not a model at all"), "--input", m}, "not an ONNX model");
  expectBad({"run", "--model", "lenet5"}, "--input FILE is required");
  expectBad({"run", "--model", "lenet5", "--input", path("missing.txt")}, "no such file");
  expectBad({"export", "--model", "lenet5"}, "--output FILE.onnx is required");
  expectBad({"export", "--output", path("x.onnx")}, "--model is required");
  expectBad({"export", "--model", "no-such-net", "--output", path("x.onnx")}, "neither a preset");
  expectBad({"export", "--model", "lenet5", "--output", "/nonexistent-folder/x.onnx"}, "does not exist");
  expectBad({"summary", kFixtures + "refused-broadcast.onnx"}, "do not broadcast: axis 2 has 4 and 2");
}

TEST_F(CliModel, MeanAndStdNormalizeAnImageForAModelThatDoesNotSayHow) {
  // PyTorch's LeNet file says nothing of its normalization: [0, 1] by default, or what is given.
  const std::string model = kFixtures + "lenet-batchnorm.onnx", digit = convscope::test::examplePath("digit.png");
  const auto output = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"run", "--model", model, "--input", digit, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = runCli(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.status == 0 ? flatten(Json::parse(r.out)["output"]) : std::vector<float>{};
  };
  const std::vector<float> plain = output({});
  EXPECT_EQ(output({"--mean", "0", "--std", "1"}), plain); // the identity
  EXPECT_NE(output({"--mean", "0.1307", "--std", "0.3081"}), plain);
  EXPECT_EQ(output({"--mean", "0.1307", "--std", "0.3081"}), output({"--std", "0.3081", "--mean", "0.1307"}));
  const auto refused = [&](std::vector<std::string> extra, const std::string& message) {
    std::vector<std::string> args{"run", "--model", model, "--input", digit};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = runCli(args);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  };
  refused({"--mean", "0.1,0.2"}, "--mean: 2 values for a model of 1 input channel");
  refused({"--std", "-1"}, "--std: -1 must be above 0 (a standard deviation)");
  refused({"--imagenet"}, "--imagenet: mean: 3 values for a model of 1 input channel");
  refused({"--imagenet", "--mean", "0.5"}, "--imagenet sets the mean and the std");
  refused({"--resize", "20"}, "--resize 20 is smaller than the model's 32x32 input");
  refused({"--resize", "big"}, "--resize 'big' is not a whole number");

  // --resize 40 on a 40×48 image: no scaling, then its centre 32×32 from row 4, column 8 — the
  // same output as the cropped image given whole.
  cv::Mat wide(40, 48, CV_8U);
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 48; ++x) wide.at<uint8_t>(y, x) = uint8_t((y * 13 + x * 7) % 251);
  const std::string widePath = path("wide.png"), centrePath = path("centre.png");
  cv::imwrite(widePath, wide);
  cv::imwrite(centrePath, wide(cv::Rect(8, 4, 32, 32)));
  const auto run = [&](const std::string& input, std::vector<std::string> extra) {
    std::vector<std::string> args{"run", "--model", model, "--input", input, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = runCli(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.status == 0 ? flatten(Json::parse(r.out)["output"]) : std::vector<float>{};
  };
  EXPECT_EQ(run(widePath, {"--resize", "40"}), run(centrePath, {}));
  EXPECT_NE(run(widePath, {}), run(centrePath, {})); // without it the whole image is squeezed in
}
