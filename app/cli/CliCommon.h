// Shared by the command-line commands (app/cli/, one file a command) and the window's start
// check (app/WindowOptions.cpp): parsing options and numbers, the inputs the lecture's commands
// read, and the printing of results. Not for: the GUI.
#pragma once

#include "engine/backend/Backend.h"
#include "engine/io/ModelFile.h"
#include "engine/lessons/Filtering.h"
#include "engine/lessons/Pipeline.h"

#include <QCommandLineParser>
#include <QString>

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace convscope::cli {

// JSON with float numbers: values print in their shortest exact float form; keys keep
// the order they were added in.
using Json =
    nlohmann::basic_json<nlohmann::ordered_map, std::vector, std::string, bool, std::int64_t, std::uint64_t, float>;

// Bad input the user can fix: printed as is, exit status 2.
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

const char* const kProgram = "convscope";

std::string str(const QString& s);
int64_t parseInteger(const std::string& text, const std::string& option);
float parseFloat(const std::string& text, const std::string& option);
// A whole number of at least `minimum`: "--pool-size '0' must be a whole number of at least 1".
int64_t parseAtLeast(const std::string& text, const std::string& option, int64_t minimum);
// An engine parser (PaddingSpec::parse, poolModeFromString, ...) on an option's value: its
// std::invalid_argument becomes a UsageError that names the option, "--padding: padding ...".
template <typename Parser> auto parseOption(Parser parser, const std::string& text, const std::string& option) {
  try {
    return parser(text);
  } catch (const std::invalid_argument& e) {
    throw UsageError("--" + option + ": " + e.what());
  }
}
// "S" or "SH,SW" → two whole numbers, each at least `minimum`.
std::pair<int64_t, int64_t> parsePair(const std::string& text, const std::string& option, int64_t minimum);
// Sets up the parser with the command's options plus --help and --json; returns false
// after printing help when asked. Throws UsageError on unknown options or missing values.
bool parse(QCommandLineParser& parser, const std::string& command, const std::string& description,
           const std::vector<std::string>& args, std::ostream& out);
// A matrix text file as (C, H, W); a file that is not one is a UsageError saying it is neither
// an image OpenCV can read nor a matrix (callers have tried it as an image first).
Tensor loadMatrixInput(const std::string& path);
// The --backend option's backend.
std::unique_ptr<Backend> backendOption(const QCommandLineParser& p);

// ---- the inputs and outputs of the lecture's commands (conv, pool, explain, gradient) ----

// An image file (a format ImageHeader.h knows) or a matrix text file, as (1, C, H, W);
// channels 0 keeps the file's. Throws UsageError for a missing file.
Tensor loadInput(const std::string& path, int channels, bool normalize);
// A classic kernel by name, or a matrix file.
NamedKernel loadKernel(const std::string& spec);
Json tensorJson(const Tensor& t); // (1, C, H, W) → [[[…]]]
// Text output: small maps in full, large ones as a summary.
void printTensor(std::ostream& out, const Tensor& t);
// conv's and pool's result: {"shape":[C,H,W],"output":[[[…]]]} or text.
void printResult(std::ostream& out, const Tensor& result, bool json);
void addInputOptions(QCommandLineParser& p); // --input, --channels, --normalize, --backend
void addConvOptions(QCommandLineParser& p);  // --kernel, --stride, --padding, --dilation, --bias, --activation
int channelsOption(const QCommandLineParser& p);
FilterOptions filterOptions(const QCommandLineParser& p);
// --output, when given: the maps as an image (a grid of channels, or one colour image).
void writeOutputImage(const QCommandLineParser& p, const Tensor& result, bool colour, bool normalized);

// ---- shared by the training commands ----
std::string fixed(double v, int decimals); // "3.14"
// A model from a preset name or a model file (engine/training/TrainingJob.h); none is a UsageError.
Model modelFromSpec(const std::string& spec);
// The model named first (convscope summary resnet50 --depth 2), taken off `options`; "" when the
// first is an option.
std::string takeLeadingModel(std::vector<std::string>& options);
// A whole-number option from minimum to maximum, else a UsageError naming it.
int wholeNumber(const QCommandLineParser& p, const char* option, int minimum, int maximum);
// A model file with trained weights and its preprocessing (UsageError otherwise, or for no path).
Model trainedModel(const std::string& path);

// `bench live`'s work, shared with `bench window` (app/BenchGui.cpp): a random size x size RGB
// image (0–255) and a bank of `filters` random 3x3x3 filters with padding 1, ReLU and 2x2 max
// pooling, no classification (CliBench.cpp).
Tensor liveBenchImage(int size);
PipelineSpec liveBenchSpec(int filters);
void addDatasetOption(QCommandLineParser& p); // --dataset
// --mean R,G,B, --std R,G,B and --imagenet: the normalization a model's images get, for a model
// file that does not say it (an ONNX file from PyTorch) or to try another.
void addNormalizationOptions(QCommandLineParser& p);
// Applies them to model.info.preprocess (made "resize to the input, scale to [0, 1]" for a
// model without one); UsageError naming the option and the problem.
void applyNormalizationOptions(const QCommandLineParser& p, Model& model);

// ---- the help ----
std::string topLevelHelp(); // `convscope --help` (Cli.cpp)
// "convscope: unknown command 'x'" and the help; returns the exit status, 2.
int unknownCommand(const std::string& command, std::ostream& err);
// The window's start options, as `convscope --help` lists them (WindowOptions.cpp).
QList<QCommandLineOption> windowOptions();

// ---- the commands, each in its own file ----
int conv(const std::vector<std::string>& args, std::ostream& out);     // CliConv.cpp
int pool(const std::vector<std::string>& args, std::ostream& out);     // CliConv.cpp
int explain(const std::vector<std::string>& args, std::ostream& out);  // CliExplain.cpp
int deconv(const std::vector<std::string>& args, std::ostream& out);   // CliDeconv.cpp
int gradient(const std::vector<std::string>& args, std::ostream& out); // CliGradient.cpp
int kernels(const std::vector<std::string>& args, std::ostream& out);  // CliKernels.cpp
int scenes(const std::vector<std::string>& args, std::ostream& out);   // CliScenes.cpp
int saliency(const std::vector<std::string>& args, std::ostream& out); // CliSaliency.cpp
int train(const std::vector<std::string>& args, std::ostream& out, std::ostream& err); // CliTrain.cpp
int evaluateCommand(const std::vector<std::string>& args, std::ostream& out);         // CliEvaluate.cpp
int detect(const std::vector<std::string>& args, std::ostream& out);                  // CliDetect.cpp
int iouCommand(const std::vector<std::string>& args, std::ostream& out);              // CliDetect.cpp
int nmsCommand(const std::vector<std::string>& args, std::ostream& out);              // CliDetect.cpp
int generate(const std::vector<std::string>& args, std::ostream& out);                // CliGenerate.cpp
int reconstruct(const std::vector<std::string>& args, std::ostream& out);             // CliGenerate.cpp
int upscale(const std::vector<std::string>& args, std::ostream& out);                 // CliGenerate.cpp
int receptiveField(const std::vector<std::string>& args, std::ostream& out);          // CliInspect.cpp
int attack(const std::vector<std::string>& args, std::ostream& out);                  // CliInspect.cpp
int visualize(const std::vector<std::string>& args, std::ostream& out);               // CliInspect.cpp
int predict(const std::vector<std::string>& args, std::ostream& out);                 // CliEvaluate.cpp
int segment(const std::vector<std::string>& args, std::ostream& out);                 // CliEvaluate.cpp
int bench(const std::vector<std::string>& args, std::ostream& out);                   // CliBench.cpp
int summary(const std::vector<std::string>& args, std::ostream& out);                 // CliSummary.cpp
int exportCommand(const std::vector<std::string>& args, std::ostream& out);           // CliModel.cpp
int runCommand(const std::vector<std::string>& args, std::ostream& out);              // CliModel.cpp

// Images (N, 1 or 3, H, W) in [0, 1] side by side in rows of `columns`, a 2-pixel grey gap, each
// pixel `scale` screen pixels: (1, 3, …) 0–255 for saveFeatureMapImage's Colour style.
Tensor imageGrid(const Tensor& images, int64_t columns, int scale);

} // namespace convscope::cli
