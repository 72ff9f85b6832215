// The command line run in-process: JSON output of the lecture's examples, the explain
#include <algorithm>
// text, --help, and exit status 2 with one clear message for every kind of bad input.
#include "CliTestUtils.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {
using Result = convscope::test::CliResult;
Result run(const std::vector<std::string>& args) { return convscope::test::runCli(args); }

std::string example(const std::string& name) { return std::string(CONVSCOPE_EXAMPLES) + "/" + name; }

class Cli : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("convscope-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name, const std::string& content) const {
    const std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  fs::path dir_;
};

// Bad input: status 2, nothing on stdout, one line on stderr that contains `expected`.
void expectBadInput(const std::vector<std::string>& args, const std::string& expected) {
  const Result r = run(args);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find(expected), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}
} // namespace

TEST_F(Cli, ConvPrintsTheLectureMatrixAsJson) {
  const Result r = run({"conv", "--input", example("six.txt"), "--kernel", example("filter1.txt"), "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["shape"], Json::parse("[1,4,4]"));
  EXPECT_EQ(j["output"], Json::parse("[[[3,-1,-3,-1],[-3,1,0,-3],[-3,-3,0,1],[3,-2,-2,-1]]]"));
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1); // exactly one JSON object
}

TEST_F(Cli, ConvFilterBankOnBothBackendsAndTextOutput) {
  for (const char* backend : {"reference", "onednn"}) {
    const Result r = run({"conv", "--input", example("six.txt"), "--kernel", example("filter1.txt"), "--kernel",
                          example("filter2.txt"), "--backend", backend, "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(Json::parse(r.out)["shape"], Json::parse("[2,4,4]"));
    EXPECT_EQ(Json::parse(r.out)["output"][1][3], Json::parse("[-1,0,-4,3]"));
  }
  const Result text = run({"conv", "--input", example("padding5.txt"), "--kernel", "sharpen", "--padding", "1"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_EQ(text.out.substr(0, text.out.find('\n', text.out.find('\n') + 1)),
            "shape 1x5x5 (channels x rows x columns)\n114 328 -26 470 158");
}

TEST_F(Cli, ConvOptionsStridePaddingDilationBiasActivation) {
  const Result r = run({"conv", "--input", example("stride5.txt"), "--kernel", example("stride-kernel.txt"),
                        "--padding", "1", "--stride", "2", "--bias", "-3", "--activation", "relu", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["output"], Json::parse("[[[0,2,3],[4,5,0],[0,7,1]]]"));
  const Result d = run({"conv", "--input", example("six.txt"), "--kernel", "identity", "--dilation", "2", "--json"});
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_EQ(Json::parse(d.out)["shape"], Json::parse("[1,2,2]")); // 6 − 2·2 = 2
  // The dilated identity's centre tap sits 2 cells in: output(r, c) = input(r + 2, c + 2).
  EXPECT_EQ(Json::parse(d.out)["output"], Json::parse("[[[1,1],[0,0]]]"));
}

TEST_F(Cli, ConvWritesAnImage) {
  const std::string png = (dir_ / "maps.png").string();
  const Result r = run({"conv", "--input", example("six.txt"), "--kernel", example("filter1.txt"), "--kernel",
                        example("filter2.txt"), "--output", png});
  ASSERT_EQ(r.status, 0) << r.err;
  const cv::Mat image = cv::imread(png, cv::IMREAD_UNCHANGED);
  EXPECT_EQ(image.rows, 4);
  EXPECT_EQ(image.cols, 2 * 4 + 2);
}

TEST_F(Cli, ExplainShowsTheRgbArithmetic) {
  const Result r = run({"explain", "--input", example("rgb5.txt"), "--kernel", example("rgb-kernel.txt"), "--padding",
                        "1", "--bias", "1", "--at", "0,0"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("308 + (−498) + 164 + 1 = −25"), std::string::npos) << r.out;

  const Result j = run({"explain", "--input", example("rgb5.txt"), "--kernel", example("rgb-kernel.txt"), "--padding",
                        "1", "--bias", "1", "--at", "0,0", "--json"});
  ASSERT_EQ(j.status, 0) << j.err;
  const Json e = Json::parse(j.out);
  EXPECT_EQ(e["value"], -25);
  EXPECT_EQ(e["bias"], 1);
  ASSERT_EQ(e["channels"].size(), 3u);
  EXPECT_EQ(e["channels"][1]["sum"], -498);
  EXPECT_EQ(e["channels"][0]["terms"][4], Json::parse(R"({"row":0,"col":0,"input":156,"weight":1,"padding":false})"));
  EXPECT_EQ(e["channels"][0]["terms"][0]["row"], -1);
}

TEST_F(Cli, PoolLectureExamples) {
  const Result r = run({"pool", "--input", example("pool-max.txt"), "--mode", "max", "--size", "2", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["output"], Json::parse("[[[100,184],[12,45]]]"));
  const Result a = run({"pool", "--input", example("pool-avg.txt"), "--mode", "avg", "--size", "2", "--json"});
  EXPECT_EQ(Json::parse(a.out)["output"], Json::parse("[[[36.5,80],[12,15]]]"));
  const Result s =
      run({"pool", "--input", example("feature-map.txt"), "--mode", "sum", "--size", "2", "--stride", "2", "--json"});
  EXPECT_EQ(Json::parse(s.out)["output"], Json::parse("[[[21,21],[12,12]]]"));
}

TEST_F(Cli, HelpAndVersion) {
  Result r = run({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("explain"), std::string::npos);
  // The window's start options too, each with its value name.
  EXPECT_NE(r.out.find("  --tab NAME            Start on a tab: maps, stepper or training."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  --train "), std::string::npos);
  for (const char* command : {"conv", "pool", "explain", "kernels"}) {
    r = run({command, "--help"});
    EXPECT_EQ(r.status, 0) << command;
    EXPECT_NE(r.out.find("--json"), std::string::npos) << command;
  }
  r = run({"--version"});
  EXPECT_EQ(r.out, std::string("convscope ") + "0.1.0\n");
  r = run({"kernels", "--json"});
  EXPECT_EQ(Json::parse(r.out)["kernels"][4]["name"], "sharpen");
}

TEST_F(Cli, UnknownCommandExitsWithStatus2AndShowsUsage) {
  const Result r = run({"frobnicate"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')), "convscope: unknown command 'frobnicate'");
  EXPECT_NE(r.err.find("Commands:"), std::string::npos);
}

TEST_F(Cli, BadInputExitsWithStatus2AndSaysWhy) {
  const std::string six = example("six.txt");
  expectBadInput({"conv", "--input", "/no/such.png", "--kernel", "sharpen"}, "/no/such.png: no such file");
  const std::string brokenPng = file("broken.png", std::string("\x89PNG\r\n\x1a\n garbage \x01\x02", 20));
  expectBadInput({"conv", "--input", brokenPng, "--kernel", "sharpen"},
                 "broken.png: not an image file OpenCV can read");
  const std::string binary = file("noise.bin", std::string("\x01\x02\x03 garbage\x00\xff", 14));
  expectBadInput({"conv", "--input", binary, "--kernel", "sharpen"},
                 "is neither an image OpenCV can read nor a matrix");
  const std::string ragged = file("ragged.txt", "1 2 3\n4 5\n");
  expectBadInput({"conv", "--input", ragged, "--kernel", "sharpen"},
                 "line 2: row has 2 numbers, the rows above have 3");
  const std::string words = file("words.txt", "1 2\nthree 4\n");
  expectBadInput({"conv", "--input", words, "--kernel", "sharpen"}, "line 2: 'three' is not a number");
  expectBadInput({"conv", "--input", six, "--kernel", "blurry"}, "unknown kernel 'blurry'");
  expectBadInput({"conv", "--input", six, "--kernel", "sharpen", "--stride", "0"}, "--stride '0' must be at least 1");
  expectBadInput({"conv", "--input", six, "--kernel", "gaussian-blur-5", "--dilation", "2"},
                 "kernel 5x5 (dilated 9x9) is larger than the padded input 6x6");
  expectBadInput({"conv", "--input", six, "--kernel", "sharpen", "--padding", "-1"}, "must not be negative");
  expectBadInput({"conv", "--input", six, "--kernel", "sharpen", "--bias", "abc"}, "--bias 'abc' is not a number");
  expectBadInput({"conv", "--input", six, "--kernel", "sharpen", "--activation", "swish"},
                 "unknown activation 'swish'");
  expectBadInput({"conv", "--input", six}, "--kernel is required");
  expectBadInput({"conv", "--input", six, "--kernel", "sharpen", "--frobnicate"}, "Unknown option 'frobnicate'");
  expectBadInput({"conv", "--input", six, "--kernel", example("rgb-kernel.txt")},
                 "has 3 channel blocks but the input has 1 channels");
  expectBadInput({"pool", "--input", six, "--size", "7"}, "kernel 7 is larger than the padded input 6");
  expectBadInput({"pool", "--input", six, "--size", "2", "--mode", "median"}, "unknown pooling mode 'median'");
  expectBadInput({"explain", "--input", six, "--kernel", "sharpen", "--at", "9,9"}, "is outside the output 4x4");
  expectBadInput({"explain", "--input", six, "--kernel", "sharpen", "--at", "1"}, "--at '1' must be ROW,COL");
  expectBadInput({"conv", "--input", six, "--kernel", "sharpen", "--output", (dir_ / "x.nope").string()},
                 "cannot write an image here");
}
