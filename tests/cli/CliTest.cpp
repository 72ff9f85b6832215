// The command line in-process: the lecture's examples, explain, --help, status 2 with one message
// for bad input; the window's start checks; and the real executable run without a display.
#include "CliTestUtils.h"
#include "common/TempFolderTest.h"
#include "common/TestPaths.h"
#include "common/ImageBombs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {
using Result = convscope::test::CliResult;
using convscope::test::run;

std::string example(const std::string& name) { return convscope::test::examplePath(name); }

class Cli : public convscope::test::TempFolderTest {
};

// Bad input: status 2, nothing on stdout, one line on stderr that contains `expected`.
void expectBadInput(const std::vector<std::string>& args, const std::string& expected) {
  const Result r = run(args);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find(expected), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// The window's start refused: `status`, nothing on stdout, exactly `message` on stderr.
void expectWindowRefused(const std::vector<std::string>& args, int status, const std::string& message,
                         std::map<std::string, std::string> environment = {{"DISPLAY", ":0"}}) {
  const convscope::test::WindowStartResult r = convscope::test::checkWindowStart(args, std::move(environment));
  EXPECT_EQ(r.start.exitStatus, status) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, message + "\n");
}

// The convscope executable of this test's build (build/test/tests/cli_tests →
// build/test/app/convscope).
std::string convscopeExecutable() {
  return (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "app" / "convscope").string();
}

struct ProcessResult {
  int waitStatus;
  std::string out, err;
};

// Runs `program args` with this process's environment minus `unset`, stdout and stderr to files.
ProcessResult runProcess(const std::string& program, const std::vector<std::string>& args,
                         const std::vector<std::string>& unset, const fs::path& dir) {
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    if (std::find(unset.begin(), unset.end(), name) == unset.end()) environment.push_back(entry);
  }
  std::vector<char*> envp, argv{const_cast<char*>(program.c_str())};
  for (std::string& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string outPath = (dir / "stdout.txt").string(), errPath = (dir / "stderr.txt").string();
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&files, 2, errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &files, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&files);
  if (spawned != 0) return {-1, "", program + ": " + std::strerror(spawned)};
  int status = 0;
  waitpid(pid, &status, 0);
  const auto read = [](const std::string& path) {
    std::ostringstream text;
    text << std::ifstream(path).rdbuf();
    return text.str();
  };
  return {status, read(outPath), read(errPath)};
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

// The backward pass of the 6×6 example with filter 1 and target 0: E = ½Σ output² = 38,
// δ = output, ∂E/∂b = Σ output = −14; one input's gradient written out.
TEST_F(Cli, GradientOfTheLectureExample) {
  const Result r = run({"gradient", "--input", example("six.txt"), "--kernel", example("filter1.txt"), "--target", "0",
                        "--at-input", "0,0,0", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["loss"], 38.0);
  EXPECT_EQ(j["output"], Json::parse("[[[3,-1,-3,-1],[-3,1,0,-3],[-3,-3,0,1],[3,-2,-2,-1]]]"));
  EXPECT_EQ(j["output_gradient"], j["output"]); // δ = output − 0
  EXPECT_EQ(j["bias_gradient"], Json::parse("[-14]"));
  EXPECT_EQ(j["weights_gradient"].size(), 1u); // one filter: 1 x 3 x 3
  EXPECT_EQ(j["weights_gradient"][0].size(), 1u);
  EXPECT_EQ(j["input_gradient"][0].size(), 6u); // 1 x 6 x 6
  EXPECT_EQ(j["explain"]["text"], "∂E/∂x[0][0][0] = 1·3 = 3");
  EXPECT_EQ(j["explain"]["value"], 3.0);
  EXPECT_EQ(j["input_gradient"][0][0][0], 3.0);
  const Result text = run({"gradient", "--input", example("six.txt"), "--kernel", example("filter1.txt"), "--target",
                           "0", "--at-weight", "0,0,1,1"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("E = 1/2 sum (target - output)^2 = 38\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("∂E/∂w[0][0][1][1] = 1·3 + "), std::string::npos) << text.out;
  // Bad input: a one-block kernel on three channels, a target of the wrong size, no target.
  const Result blocks = run({"gradient", "--input", example("rgb5.txt"), "--kernel", "sharpen", "--target", "0"});
  EXPECT_EQ(blocks.status, 2);
  EXPECT_NE(blocks.err.find("kernel 'sharpen' has 1 channel block(s) but the input has 3 channel(s)"),
            std::string::npos)
      << blocks.err;
  const Result size = run(
      {"gradient", "--input", example("six.txt"), "--kernel", example("filter1.txt"), "--target", example("six.txt")});
  EXPECT_EQ(size.status, 2);
  EXPECT_NE(size.err.find("is 1x6x6 but the output is 1x4x4"), std::string::npos) << size.err;
  EXPECT_EQ(run({"gradient", "--input", example("six.txt"), "--kernel", example("filter1.txt")}).status, 2);
  EXPECT_EQ(run({"gradient", "--input", example("six.txt"), "--kernel", example("filter1.txt"), "--target", "0",
                 "--at-weight", "0,0,1"})
                .status,
            2);
}

TEST_F(Cli, SaliencyOfADigitWithLeNet) {
  const std::string model = example("../models/lenet5-digits.json"), digit = example("digit.png");
  const Result predicted = run({"predict", "--model", model, "--input", digit, "--json"});
  ASSERT_EQ(predicted.status, 0) << predicted.err;
  const Json prediction = Json::parse(predicted.out);
  const int k = prediction["class"].get<int>();
  for (const std::string method : {"gradient", "gradcam", "occlusion"}) {
    SCOPED_TRACE(method);
    const std::string png = (dir_ / (method + ".png")).string();
    const Result r =
        run({"saliency", "--model", model, "--input", digit, "--method", method, "--json", "--output", png});
    ASSERT_EQ(r.status, 0) << r.err;
    const Json j = Json::parse(r.out);
    EXPECT_EQ(j["class"], k); // predict's class
    EXPECT_EQ(j["label"], prediction["label"]);
    EXPECT_NEAR(j["probability"].get<double>(), prediction["probabilities"][k].get<double>(), 1e-6);
    EXPECT_GT(j["score"].get<double>(), 0.0); // the winning logit
    EXPECT_EQ(j["method"], method);
    EXPECT_EQ(j["layer"], method == "gradcam" ? "conv2" : "");
    EXPECT_EQ(j["shape"], Json::parse("[28,28]")); // the image's size, not the model's 32x32
    ASSERT_EQ(j["map"].size(), 28u);
    double lo = 1e30, hi = -1e30;
    for (const Json& row : j["map"]) {
      ASSERT_EQ(row.size(), 28u);
      for (const Json& v : row) lo = std::min(lo, v.get<double>()), hi = std::max(hi, v.get<double>());
    }
    EXPECT_GT(hi, 0.0);
    if (method == "gradcam") {
      EXPECT_GE(lo, 0.0);
    } else if (method == "gradient") {
      EXPECT_LT(lo, 0.0); // a gray image's gradient is signed
    }
    // The picture: 28x28 enlarged 10x, a colour bar beside it.
    const cv::Mat image = cv::imread(png, cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(image.empty()) << png;
    EXPECT_EQ(image.channels(), 3);
    EXPECT_EQ(image.rows, 280);
    EXPECT_GT(image.cols, 280);
  }
  Result r = run({"saliency", "--model", model, "--input", digit, "--method", "gradcam"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("class " + std::to_string(k) + " (" + std::to_string(k) + "), score ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\nmethod gradcam, layer conv2\nmap 28x28, min 0, max "), std::string::npos) << r.out;
  r = run({"saliency", "--model", model, "--input", digit, "--class", "3", "--method", "occlusion", "--patch", "5",
           "--stride", "2", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["class"], 3);

  expectBadInput({"saliency", "--model", model, "--input", digit, "--method", "lime"},
                 "--method: unknown saliency method 'lime' (expected gradient, gradcam or occlusion)");
  expectBadInput({"saliency", "--model", model, "--input", digit, "--class", "12"},
                 "class 12 is out of range: the model has 10 classes");
  expectBadInput({"saliency", "--model", model, "--input", digit, "--method", "gradcam", "--layer", "conv9"},
                 "no layer 'conv9' before its scores; its Conv2D layers are conv1, conv2, conv3");
  expectBadInput({"saliency", "--model", model, "--input", digit, "--method", "occlusion", "--patch", "40"},
                 "occlusion: patch 40 is larger than the input 32x32");
  expectBadInput({"saliency", "--model", "/no/such-model.json", "--input", digit}, "/no/such-model.json");
  expectBadInput({"saliency", "--model", model, "--input", "/no/such.png"}, "/no/such.png");
  expectBadInput({"saliency", "--input", digit}, "--model FILE is required");
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
  EXPECT_NE(r.out.find("  --tab NAME            Start on a tab: maps, stepper, training, architectures, depthwise"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  --train "), std::string::npos);
  for (const char* option : {"  --pooling MODE ", "  --pool-size N ", "  --pool-stride N ", "  --activation NAME "})
    EXPECT_NE(r.out.find(option), std::string::npos) << option;
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
                 "broken.png: a damaged PNG file: it does not start with its header chunk (IHDR)");
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

// Decompression bombs in every format are refused by their headers, before decoding (a 160 kB
// TIFF of 20000×20000 used to be decoded into 400 MB and convolved, exit 0).
TEST_F(Cli, ImagesLargerThanTheLimitAreRefusedBeforeDecoding) {
  const std::string tiff = file("bomb.tif", convscope::test::tiffOfZeros(20000));
  expectBadInput({"conv", "--input", tiff, "--kernel", "sharpen"},
                 "bomb.tif: the TIFF image declares 20000×20000 = 400,000,000 pixels; ConvScope opens images up to "
                 "67,108,864 pixels (64 megapixels)");
  const std::string pgm = file("bomb.pgm", convscope::test::pgmHeader(20000, 20000));
  expectBadInput({"pool", "--input", pgm, "--size", "2"}, "the PNM image declares 20000×20000");
  const std::string webp = file("bomb.webp", convscope::test::webpLosslessHeader(16000, 16000));
  expectBadInput({"conv", "--input", webp, "--kernel", "sharpen"}, "the WebP image declares 16000×16000");
  expectBadInput({"saliency", "--model", example("../models/lenet5-digits.json"), "--input", tiff},
                 "bomb.tif: the TIFF image declares 20000×20000");
}

TEST_F(Cli, EveryCommandsHelpNamesTheCommand) {
  for (const std::string command :
       {"conv", "pool", "explain", "gradient", "kernels", "train", "eval", "predict", "saliency", "summary", "bench"}) {
    const Result r = run({command, "--help"});
    EXPECT_EQ(r.status, 0) << command << ": " << r.err;
    EXPECT_EQ(r.out.rfind("Usage: convscope " + command + " ", 0), 0u) << r.out.substr(0, r.out.find('\n'));
  }
  const Result r = run({"bench", "train", "--help"});
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "Usage: convscope bench train [options]");
}

TEST_F(Cli, WindowStartRefusesAnUnknownCommandOrAMissingFile) {
  const convscope::test::WindowStartResult r = convscope::test::checkWindowStart({"nosuchcommand"});
  EXPECT_EQ(r.start.exitStatus, 2);
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')), "convscope: unknown command 'nosuchcommand'");
  EXPECT_NE(r.err.find("Commands:\n  conv "), std::string::npos) << r.err;
  expectWindowRefused({"missing.png"}, 2, "convscope: missing.png: no such file");
  expectWindowRefused({"--presenter", "missing.txt"}, 2, "convscope: missing.txt: no such file");
  expectWindowRefused({"--kernel", "sharpen", "nosuchfile"}, 2, "convscope: nosuchfile: no such file");
  expectWindowRefused({dir_.string()}, 2, "convscope: " + dir_.string() + ": a folder, not a file");
  expectWindowRefused({example("six.txt"), example("filter1.txt")}, 2,
                      "convscope: the window opens one FILE, not '" + example("six.txt") + "' and '" +
                          example("filter1.txt") + "'");
  expectWindowRefused({"--frobnicate"}, 2, "convscope: Unknown option 'frobnicate'. (see convscope --help)");
  expectWindowRefused({"--model", "nomodel.json"}, 2, "convscope: --model nomodel.json: no such file");

  const convscope::test::WindowStartResult ok =
      convscope::test::checkWindowStart({example("six.txt"), "--presenter", "-platform", "offscreen"});
  EXPECT_FALSE(ok.start.exitStatus) << ok.err; // Qt's own -platform is left for QApplication
  EXPECT_EQ(ok.start.options.file, example("six.txt"));
  EXPECT_TRUE(ok.start.options.presenter);
  const convscope::test::WindowStartResult help = convscope::test::checkWindowStart({example("six.txt"), "--help"});
  EXPECT_EQ(help.start.exitStatus, 0);
  EXPECT_NE(help.out.find("Window options:"), std::string::npos);
}

TEST_F(Cli, WindowOptionBadValuesExitWithStatus2NamingTheOption) {
  const std::string six = example("six.txt");
  const std::map<std::string, std::string> noDisplay; // bad input is reported first
  expectWindowRefused({six, "--pool-size", "0"}, 2, "convscope: --pool-size '0' must be a whole number of at least 1",
                      noDisplay);
  expectWindowRefused({six, "--pool-stride", "two"}, 2,
                      "convscope: --pool-stride 'two' must be a whole number of at least 1");
  expectWindowRefused({six, "--pooling", "median"}, 2,
                      "convscope: --pooling: unknown pooling mode 'median' (expected max, avg or sum)");
  expectWindowRefused(
      {six, "--activation", "swish"}, 2,
      "convscope: --activation: unknown activation 'swish' (expected none, relu, leaky-relu, tanh, sigmoid, relu6, elu, "
      "hard-sigmoid, hard-swish, silu, selu, gelu or gelu-tanh)");
  expectWindowRefused({six, "--stride", "abc"}, 2, "convscope: --stride 'abc' must be a whole number of at least 1");
  expectWindowRefused({six, "--stride", "0"}, 2, "convscope: --stride '0' must be a whole number of at least 1");
  expectWindowRefused({six, "--padding", "-1"}, 2, "convscope: --padding: padding '-1' must not be negative");
  expectWindowRefused({six, "--bias", "abc"}, 2, "convscope: --bias 'abc' is not a number");
  expectWindowRefused({six, "--tab", "plots"}, 2,
                      "convscope: --tab 'plots' must be maps, stepper, training, architectures, depthwise, "
                      "applications, detection, generation, gan, super-resolution, super-resolution-4x, probe or fool");
  // A network's name opens in the Architectures tab only; --select needs that tab's network.
  expectWindowRefused({six, "--model", "resnet50", "--tab", "training"}, 2,
                      "convscope: --model resnet50: a network's name opens in the Architectures tab (--tab "
                      "architectures); the other tabs show a trained model file");
  expectWindowRefused({six, "--select", "layer1.0"}, 2,
                      "convscope: --select layer1.0 selects a layer of the Architectures tab's network: give --model "
                      "NAME|FILE too");
  expectWindowRefused({six, "--model", "nosuchnet"}, 2, "convscope: --model nosuchnet: no such file");
  expectWindowRefused({six, "--step", "softmax"}, 2,
                      "convscope: --step 'softmax' must be convolution, activation, relu, pooling, fc, backward or "
                      "deconv");
  expectWindowRefused({six, "--deconv", "k5"}, 2,
                      "convscope: --deconv 'k5' must be k3s2p1op1, k2s2, k4s2p1 or workspace");
  expectWindowRefused({six, "--deconv", "k2s2", "--step", "pooling"}, 2,
                      "convscope: --deconv k2s2 starts the transposed convolution: leave out --step or give --step "
                      "deconv");
  expectWindowRefused({six, "--cell", "-1"}, 2, "convscope: --cell '-1' must be a whole number of at least 0");
  // Live input: one at a time, a camera by its number, a video that exists.
  expectWindowRefused({six, "--camera", "64"}, 2, "convscope: --camera 64 must be from 0 to 63");
  expectWindowRefused({six, "--camera", "front"}, 2, "convscope: --camera 'front' is not a whole number");
  expectWindowRefused({six, "--video", "lecture.mp4"}, 2, "convscope: --video lecture.mp4: no such file");
  expectWindowRefused({six, "--camera", "0", "--video", six}, 2,
                      "convscope: --camera and --video: one live input at a time");
  // Exports made by a script: a known kind of file, one at a time, --figure with --export.
  expectWindowRefused({six, "--export", "x.bmp"}, 2,
                      "convscope: --export x.bmp: expected a .svg, .pdf, .png, .csv, .md or .tex file");
  expectWindowRefused({six, "--figure", "stepper"}, 2,
                      "convscope: --figure names the figure --export writes: give --export FILE too");
  expectWindowRefused({six, "--export-animation", "x.avi"}, 2,
                      "convscope: --export-animation x.avi: expected a .gif or .mp4 file");
  expectWindowRefused({six, "--export", "x.svg", "--fps", "100"}, 2, "convscope: --fps '100' must be from 0.5 to 60");
  expectWindowRefused({six, "--export", "x.svg", "--export-animation", "x.gif"}, 2,
                      "convscope: --export and --export-animation: one at a time");
  // A lecture file is read before the window opens.
  const std::string lecture = (dir_ / "slide.convscope").string();
  std::ofstream(lecture) << "{\"format\": \"convscope-lecture\", \"version\": 3}";
  expectWindowRefused({lecture}, 2,
                      "convscope: " + lecture +
                          ": \"version\" is 3: this ConvScope reads versions 1 and 2 (a newer ConvScope wrote it?)");
  const convscope::test::WindowStartResult kernel = convscope::test::checkWindowStart({six, "--kernel", "blurry"});
  EXPECT_EQ(kernel.start.exitStatus, 2);
  EXPECT_EQ(kernel.err.rfind("convscope: --kernel: unknown kernel 'blurry': not a kernel name (identity, ", 0), 0u)
      << kernel.err;
}

TEST_F(Cli, WindowOptionValues) {
  std::vector<std::string> args{example("six.txt"), "--kernel", "sharpen", "--kernel", example("filter1.txt")};
  args.insert(args.end(), {"--stride", "2", "--padding", "same", "--bias", "1.5", "--activation", "leaky-relu"});
  args.insert(args.end(), {"--pooling", "average", "--pool-size", "3", "--tab", "maps", "--cell", "4"});
  const convscope::test::WindowStartResult r = convscope::test::checkWindowStart(args);
  ASSERT_FALSE(r.start.exitStatus) << r.err;
  const convscope::cli::WindowOptions& o = r.start.options;
  ASSERT_EQ(o.kernels.size(), 2u);
  EXPECT_EQ(o.kernels[0].name, "sharpen");
  EXPECT_EQ(o.kernels[1].name, "filter1.txt");
  EXPECT_EQ(o.kernels[1].weights.shape(), convscope::Shape({1, 3, 3}));
  EXPECT_FALSE(o.replaceConvolution);
  EXPECT_EQ(o.stride, 2);
  ASSERT_TRUE(o.padding);
  EXPECT_EQ(o.padding->mode, convscope::PaddingSpec::Mode::Same);
  EXPECT_EQ(o.bias, 1.5f);
  EXPECT_EQ(o.activation, convscope::ActivationKind::LeakyReLU);
  EXPECT_EQ(o.poolMode, convscope::PoolMode::Average);
  EXPECT_EQ(o.poolSize, 3);
  EXPECT_FALSE(o.poolStride); // the window takes the size as the stride
  EXPECT_TRUE(o.pooling());
  EXPECT_EQ(o.tab, convscope::cli::StartTab::FeatureMaps);
  EXPECT_EQ(o.cell, 4);
  EXPECT_FALSE(o.step);

  const convscope::test::WindowStartResult plain = convscope::test::checkWindowStart({example("six.txt")});
  ASSERT_FALSE(plain.start.exitStatus) << plain.err;
  EXPECT_TRUE(plain.start.options.kernels.empty()); // the window keeps its own settings
  EXPECT_FALSE(plain.start.options.pooling());
  EXPECT_FALSE(plain.start.options.stride || plain.start.options.padding || plain.start.options.bias);

  // A network's name opens the Architectures tab on it, a layer selected.
  const convscope::test::WindowStartResult net =
      convscope::test::checkWindowStart({"--model", "googlenet", "--select", "inception3a.concat"});
  ASSERT_FALSE(net.start.exitStatus) << net.err;
  EXPECT_EQ(net.start.options.tab, convscope::cli::StartTab::Architectures);
  EXPECT_TRUE(net.start.options.modelIsName);
  EXPECT_EQ(net.start.options.model, "googlenet");
  EXPECT_EQ(net.start.options.select, "inception3a.concat");
  const convscope::test::WindowStartResult depthwise = convscope::test::checkWindowStart({"--tab", "depthwise"});
  ASSERT_FALSE(depthwise.start.exitStatus) << depthwise.err;
  EXPECT_EQ(depthwise.start.options.tab, convscope::cli::StartTab::Depthwise);
}

TEST_F(Cli, StepPoolingWithoutAKernelPoolsTheInputAsItIs) {
  const convscope::test::WindowStartResult r =
      convscope::test::checkWindowStart({example("pool-max.txt"), "--step", "pooling"});
  ASSERT_FALSE(r.start.exitStatus) << r.err;
  const convscope::cli::WindowOptions& o = r.start.options;
  EXPECT_EQ(o.step, convscope::cli::StartStep::Pooling);
  ASSERT_EQ(o.kernels.size(), 1u);
  EXPECT_EQ(o.kernels[0].name, "identity");
  EXPECT_EQ(o.kernels[0].weights.values(), std::vector<float>({0, 0, 0, 0, 1, 0, 0, 0, 0}));
  EXPECT_TRUE(o.replaceConvolution); // stride 1, bias 0 from FilterOptions{}
  ASSERT_TRUE(o.padding);
  EXPECT_EQ(o.padding->mode, convscope::PaddingSpec::Mode::Same);
  EXPECT_EQ(o.activation, convscope::ActivationKind::None);
  EXPECT_FALSE(o.bias);

  const convscope::test::WindowStartResult relu =
      convscope::test::checkWindowStart({example("pool-max.txt"), "--step", "pooling", "--activation", "relu"});
  EXPECT_EQ(relu.start.options.activation, convscope::ActivationKind::ReLU);
  const convscope::test::WindowStartResult kernel =
      convscope::test::checkWindowStart({example("pool-max.txt"), "--step", "pooling", "--kernel", "sharpen"});
  ASSERT_EQ(kernel.start.options.kernels.size(), 1u);
  EXPECT_EQ(kernel.start.options.kernels[0].name, "sharpen");
  EXPECT_FALSE(kernel.start.options.replaceConvolution);
  EXPECT_FALSE(kernel.start.options.activation);
}

TEST_F(Cli, MissingDisplayIsOneLineAndStatus1) {
  const std::string six = example("six.txt");
  const std::string hint = "; the commands work without one: convscope --help";
  expectWindowRefused({six}, 1, "convscope: no display to open the window on (DISPLAY is not set)" + hint, {});
  expectWindowRefused(
      {six}, 1, "convscope: no display to open the window on (QT_QPA_PLATFORM is xcb and DISPLAY is not set)" + hint,
      {{"QT_QPA_PLATFORM", "xcb"}, {"WAYLAND_DISPLAY", "wayland-0"}});
  using convscope::cli::missingDisplay;
  const auto env = [](std::map<std::string, std::string> vars) -> convscope::cli::Environment {
    return [vars](const char* name) -> const char* {
      const auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  };
  EXPECT_EQ(missingDisplay({}, env({})), "DISPLAY is not set");
  EXPECT_EQ(missingDisplay({}, env({{"DISPLAY", ""}})), "DISPLAY is not set");
  EXPECT_EQ(missingDisplay({}, env({{"DISPLAY", ":1"}})), "");
  EXPECT_EQ(missingDisplay({}, env({{"WAYLAND_DISPLAY", "wayland-0"}})), "");
  for (const char* platform : {"offscreen", "minimal", "vnc:size=800x600", "eglfs", "wayland;offscreen"})
    EXPECT_EQ(missingDisplay({}, env({{"QT_QPA_PLATFORM", platform}})), "") << platform;
  EXPECT_EQ(missingDisplay({}, env({{"QT_QPA_PLATFORM", "wayland;xcb"}})),
            "QT_QPA_PLATFORM is wayland;xcb and WAYLAND_DISPLAY or DISPLAY is not set");
  EXPECT_EQ(missingDisplay({"-platform", "offscreen"}, env({})), "");
  EXPECT_EQ(missingDisplay({"-platform", "xcb"}, env({{"QT_QPA_PLATFORM", "offscreen"}})),
            "-platform is xcb and DISPLAY is not set");
}

// The real executable with no display: exit status 1 and one line, not Qt's abort (134).
TEST_F(Cli, ExecutableWithoutADisplayExitsWith1AndOneLine) {
  const std::string program = convscopeExecutable();
  ASSERT_TRUE(fs::exists(program)) << program << " is not built (cmake --build ... --target convscope)";
  const std::vector<std::string> noDisplay{"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"};
  const ProcessResult r = runProcess(program, {example("six.txt")}, noDisplay, dir_);
  ASSERT_FALSE(WIFSIGNALED(r.waitStatus)) << "signal " << WTERMSIG(r.waitStatus) << ": " << r.err;
  ASSERT_TRUE(WIFEXITED(r.waitStatus)) << r.err;
  EXPECT_EQ(WEXITSTATUS(r.waitStatus), 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "convscope: no display to open the window on (DISPLAY is not set); the commands work without "
                   "one: convscope --help\n");
  // An unknown command or a bad value is found before the display is looked for.
  const ProcessResult unknown = runProcess(program, {"nosuchcommand"}, noDisplay, dir_);
  ASSERT_TRUE(WIFEXITED(unknown.waitStatus)) << unknown.err;
  EXPECT_EQ(WEXITSTATUS(unknown.waitStatus), 2) << unknown.err;
  EXPECT_EQ(unknown.err.substr(0, unknown.err.find('\n')), "convscope: unknown command 'nosuchcommand'");
  const ProcessResult bad = runProcess(program, {example("six.txt"), "--pool-size", "0"}, noDisplay, dir_);
  ASSERT_TRUE(WIFEXITED(bad.waitStatus)) << bad.err;
  EXPECT_EQ(WEXITSTATUS(bad.waitStatus), 2) << bad.err;
  EXPECT_EQ(bad.err, "convscope: --pool-size '0' must be a whole number of at least 1\n");
}

TEST_F(Cli, SummaryCountsTheArchitecturesLikeTheirPapers) {
  // JSON: one row per layer, in execution order, totals equal to the published counts.
  Result r = run({"summary", "resnet50", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  Json j = Json::parse(r.out);
  EXPECT_EQ(j["total_params"], 25557032);
  EXPECT_NEAR(j["total_macs"].get<double>() / 1e9, 4.09, 0.02);
  EXPECT_EQ(j["layers"][0]["name"], "conv1");
  EXPECT_EQ(j["layers"][0]["output_shape"], Json::parse("[64,112,112]"));
  int64_t inLayer1 = 0;
  for (const Json& row : j["layers"])
    if (row["name"].get<std::string>().rfind("layer1.", 0) == 0) inLayer1 += row["params"].get<int64_t>();
  EXPECT_EQ(inLayer1, 215808); // torchvision's layer1 of ResNet-50
  // The table nests by block and states its convention.
  r = run({"summary", "lenet5"});
  EXPECT_NE(r.out.find("parameters: 61,706"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not running statistics"), std::string::npos);
  r = run({"summary", "--model", "vgg16", "--depth", "2"});
  EXPECT_NE(r.out.find("features.block1 (5 layers)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("parameters: 138,357,544"), std::string::npos);
  // A layer list at another input size.
  const std::string list = (dir_ / "small.txt").string();
  std::ofstream(list) << "input 1x28x28\nconv 4 3x3\nrelu\nflatten\ndense 10\n";
  r = run({"summary", list, "--input", "1,32,32", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["layers"][0]["output_shape"], Json::parse("[4,30,30]"));
  expectBadInput({"summary", "resnet51"}, "is neither a preset");
  // Presets at another size: ResNet-50's global pooling takes any size; AlexNet's fully
  // connected layers fix theirs, and the message names the layer.
  r = run({"summary", "resnet50", "--input", "3,320,320", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  j = Json::parse(r.out);
  EXPECT_EQ(j["layers"][0]["output_shape"], Json::parse("[64,160,160]"));
  EXPECT_EQ(j["total_params"], 25557032);
  EXPECT_EQ(j["layers"][0]["name"], "conv1");
  expectBadInput({"summary", "alexnet", "--input", "3,224,224"}, "alexnet with --input 3,224,224: ");
  expectBadInput({"summary", "resnet50", "--input", "3,224"}, "expected C,H,W");
  expectBadInput({"summary", list, "--input", "1,2,2"}, "with --input 1,2,2: line 2");
}

// `convscope scenes`: the PNGs and the JSON of boxes, the masks in the classes' colours.
TEST_F(Cli, ScenesWritesImagesMasksAndBoxes) {
  const std::string folder = (dir_ / "scenes").string();
  const Result r = run({"scenes", "--count", "3", "--seed", "5", "--output", folder});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("wrote 3 scenes (64×64, train digits, seed 5)"), std::string::npos) << r.out;
  std::ifstream file(dir_ / "scenes" / "scenes.json");
  const nlohmann::json j = nlohmann::json::parse(file);
  ASSERT_EQ(j["scenes"].size(), 3u);
  EXPECT_EQ(j["classes"].size(), 11u);
  EXPECT_EQ(j["classes"][0]["name"], "background");
  for (const auto& scene : j["scenes"]) {
    const cv::Mat image = cv::imread(folder + "/" + scene["image"].get<std::string>(), cv::IMREAD_UNCHANGED);
    const cv::Mat mask = cv::imread(folder + "/" + scene["mask"].get<std::string>(), cv::IMREAD_COLOR);
    ASSERT_EQ(image.rows, 64);
    ASSERT_EQ(mask.cols, 64);
    ASSERT_GE(scene["digits"].size(), 1u);
    for (const auto& digit : scene["digits"]) {
      const auto box = digit["box"];
      const int k = digit["class"];
      EXPECT_EQ(k, digit["digit"].get<int>() + 1);
      const auto rgb = j["classes"][size_t(k)]["rgb"];
      // The box's corner row holds a pixel of the digit's colour, and the image is bright there.
      bool found = false;
      for (int x = box[0]; x < box[2].get<int>(); ++x) {
        const cv::Vec3b bgr = mask.at<cv::Vec3b>(box[1].get<int>(), x);
        if (bgr[2] == rgb[0] && bgr[1] == rgb[1] && bgr[0] == rgb[2]) {
          found = true;
          EXPECT_GE(image.at<uint8_t>(box[1].get<int>(), x), 128);
        }
      }
      EXPECT_TRUE(found) << digit.dump();
    }
  }
  // The same seed, the same scenes.
  const std::string again = (dir_ / "again").string();
  ASSERT_EQ(run({"scenes", "--count", "3", "--seed", "5", "--output", again}).status, 0);
  std::ifstream file2(dir_ / "again" / "scenes.json");
  EXPECT_EQ(nlohmann::json::parse(file2)["scenes"], j["scenes"]);
  expectBadInput({"scenes", "--count", "0", "--output", folder}, "--count 0 must be from 1 to 10000");
  expectBadInput({"scenes", "--split", "val", "--output", folder}, "--split 'val' (expected train or test)");
  expectBadInput({"scenes", "--count", "2"}, "--output DIR is required");
  expectBadInput({"scenes", "--size", "20", "--output", folder}, "--size 20 must be from 32 to 512");
}

namespace {
// A (1, C, H, W) or (C, H, W) golden tensor's channels as matrix text (a blank line between channels).
std::string matrixText(const nlohmann::json& t, int64_t first, int64_t step, int64_t count) {
  const std::vector<int64_t> shape = t["shape"].get<std::vector<int64_t>>();
  const std::vector<float> data = t["data"].get<std::vector<float>>();
  const int64_t h = shape[shape.size() - 2], w = shape[shape.size() - 1];
  std::ostringstream text;
  text.precision(9);
  for (int64_t k = 0; k < count; ++k) {
    if (k) text << "\n";
    for (int64_t y = 0; y < h; ++y) {
      for (int64_t x = 0; x < w; ++x) text << (x ? " " : "") << data[size_t((first + k * step) * h * w + y * w + x)];
      text << "\n";
    }
  }
  return text.str();
}
} // namespace

// `convscope deconv` equals PyTorch's conv_transpose2d on the golden cases (several channels,
// stride 2 and 3, padding, output padding, dilation; kernels as matrix files, one block per
// input channel), with the overlap and one cell written out.
TEST_F(Cli, DeconvEqualsPyTorchsTransposedConvolution) {
  std::ifstream file(convscope::test::testDataPath("golden.json"));
  const nlohmann::json cases = nlohmann::json::parse(file)["cases"];
  int checked = 0;
  for (const auto& c : cases) {
    if (c["op"] != "deconv" || c["groups"] != 1) continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::vector<int64_t> w = c["weights"]["shape"].get<std::vector<int64_t>>(); // (C_in, C_out, K, K)
    const std::string input = (dir_ / "deconv-input.txt").string();
    std::ofstream(input) << matrixText(c["src"], 0, 1, c["src"]["shape"][1]);
    std::vector<std::string> args{"deconv", "--input", input, "--stride", std::to_string(c["stride"].get<int>()),
                                  "--padding", std::to_string(c["padding"].get<int>()), "--output-padding",
                                  std::to_string(c["output_padding"].get<int>()), "--dilation",
                                  std::to_string(c["dilation"].get<int>()), "--bias", "0.25", "--at", "1,2", "--json"};
    for (int64_t o = 0; o < w[1]; ++o) { // output channel o: W(i, o) for each input channel i
      const std::string kernel = (dir_ / ("deconv-kernel" + std::to_string(o) + ".txt")).string();
      std::ofstream(kernel) << matrixText(c["weights"], o, w[1], w[0]);
      args.insert(args.end(), {"--kernel", kernel});
    }
    const Result r = run(args);
    ASSERT_EQ(r.status, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    const std::vector<int64_t> shape = c["dst"]["shape"].get<std::vector<int64_t>>();
    EXPECT_EQ(j["shape"], nlohmann::json::array({shape[1], shape[2], shape[3]}));
    const std::vector<float> expected = c["dst"]["data"].get<std::vector<float>>();
    size_t i = 0;
    for (const auto& channel : j["output"])
      for (const auto& row : channel)
        for (const auto& v : row) {
          EXPECT_NEAR(v.get<float>(), expected[i], 1e-4f * (1 + std::abs(expected[i])));
          ++i;
        }
    EXPECT_EQ(i, expected.size());
    EXPECT_EQ(j["overlap"].size(), size_t(shape[2]));
    EXPECT_NEAR(j["explain"]["value"].get<float>(), expected[size_t(1 * shape[3] + 2)], 1e-4f);
    EXPECT_EQ(j["explain"]["terms"].size(), size_t(j["overlap"][1][2].get<int>() * w[0]));
    ++checked;
  }
  EXPECT_EQ(checked, 4);
  const std::string x = (dir_ / "x.txt").string(), k = (dir_ / "k.txt").string();
  std::ofstream(x) << "1 2\n3 -4\n";
  std::ofstream(k) << "1 1 1\n1 1 1\n1 1 1\n";
  const Result text = run({"deconv", "--input", x, "--kernel", k, "--stride", "2", "--at", "2,2", "--zero-inserted"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("overlap (products landing on each output cell, per input channel):\n1 1 2 1 1\n"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("= 1·1 + 2·1 + 3·1 + (−4)·1 = 2"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("zero-inserted input (7x7)"), std::string::npos) << text.out;
  expectBadInput({"deconv", "--input", x}, "--kernel is required");
  expectBadInput({"deconv", "--input", x, "--kernel", k, "--padding", "same"}, "not same or valid");
  expectBadInput({"deconv", "--input", x, "--kernel", k, "--stride", "2", "--output-padding", "2"}, "output padding");
  expectBadInput({"deconv", "--input", x, "--kernel", k, "--at", "9,9"}, "is outside the output");
}

// `convscope gradient --transposed` equals PyTorch's autograd of conv_transpose2d: with the
// target output − r, δ = r and the gradients are those of sum(output · r) (golden "deconv" cases).
TEST_F(Cli, GradientTransposedEqualsPyTorchsAutograd) {
  std::ifstream file(convscope::test::testDataPath("golden.json"));
  const nlohmann::json cases = nlohmann::json::parse(file)["cases"];
  const auto near = [](const nlohmann::json& actual, const std::vector<float>& expected, size_t at) {
    EXPECT_NEAR(actual.get<float>(), expected[at], 1e-4f * (1 + std::abs(expected[at])));
  };
  int checked = 0;
  for (const auto& c : cases) {
    if (c["op"] != "deconv" || c["groups"] != 1) continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::vector<int64_t> w = c["weights"]["shape"].get<std::vector<int64_t>>(); // (C_in, C_out, K, K)
    const std::string input = (dir_ / "gt-input.txt").string(), target = (dir_ / "gt-target.txt").string();
    std::ofstream(input) << matrixText(c["src"], 0, 1, c["src"]["shape"][1]);
    nlohmann::json goal = c["dst"]; // output − r
    const std::vector<float> r = c["r"]["data"].get<std::vector<float>>();
    std::vector<float> values = goal["data"].get<std::vector<float>>();
    for (size_t i = 0; i < values.size(); ++i) values[i] -= r[i];
    goal["data"] = values;
    std::ofstream(target) << matrixText(goal, 0, 1, goal["shape"][1]);
    std::vector<std::string> args{"gradient", "--transposed", "--input", input, "--target", target, "--stride",
                                  std::to_string(c["stride"].get<int>()), "--padding",
                                  std::to_string(c["padding"].get<int>()), "--output-padding",
                                  std::to_string(c["output_padding"].get<int>()), "--dilation",
                                  std::to_string(c["dilation"].get<int>()), "--bias", "0.25", "--json"};
    for (int64_t o = 0; o < w[1]; ++o) {
      const std::string kernel = (dir_ / ("gt-kernel" + std::to_string(o) + ".txt")).string();
      std::ofstream(kernel) << matrixText(c["weights"], o, w[1], w[0]);
      args.insert(args.end(), {"--kernel", kernel});
    }
    const int64_t lastKernel = w[1] - 1; // kernel (output channel) lastKernel, input channel 0, cell (1, 1)
    for (const std::vector<std::string>& at : {std::vector<std::string>{"--at-weight", std::to_string(lastKernel) + ",0,1,1"},
                                               std::vector<std::string>{"--at-input", "0,1,1"}}) {
      std::vector<std::string> all = args;
      all.insert(all.end(), at.begin(), at.end());
      const Result res = run(all);
      ASSERT_EQ(res.status, 0) << res.err;
      const nlohmann::json j = nlohmann::json::parse(res.out);
      const std::vector<float> dw = c["diff_weights"]["data"].get<std::vector<float>>();
      const std::vector<float> dx = c["diff_src"]["data"].get<std::vector<float>>();
      const std::vector<float> db = c["diff_bias"]["data"].get<std::vector<float>>();
      ASSERT_EQ(j["weights_gradient"].size(), size_t(w[1]));
      for (int64_t o = 0; o < w[1]; ++o) // kernel o's block i is W(i, o)
        for (int64_t i = 0; i < w[0]; ++i)
          for (int64_t y = 0; y < w[2]; ++y)
            for (int64_t x = 0; x < w[3]; ++x)
              near(j["weights_gradient"][size_t(o)][size_t(i)][size_t(y)][size_t(x)], dw,
                   size_t(((i * w[1] + o) * w[2] + y) * w[3] + x));
      for (int64_t o = 0; o < w[1]; ++o) near(j["bias_gradient"][size_t(o)], db, size_t(o));
      const int64_t h = c["src"]["shape"][2], wd = c["src"]["shape"][3];
      for (int64_t i = 0; i < w[0]; ++i)
        for (int64_t y = 0; y < h; ++y)
          for (int64_t x = 0; x < wd; ++x)
            near(j["input_gradient"][size_t(i)][size_t(y)][size_t(x)], dx, size_t((i * h + y) * wd + x));
      if (at[0] == "--at-weight")
        near(j["explain"]["value"], dw, size_t(((0 * w[1] + lastKernel) * w[2] + 1) * w[3] + 1));
      else
        near(j["explain"]["value"], dx, size_t(1 * wd + 1));
    }
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}
