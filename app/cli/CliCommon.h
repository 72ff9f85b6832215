// Shared by the command-line commands (Cli.cpp, CliTrain.cpp). Not for: the GUI.
#pragma once

#include "engine/backend/Backend.h"

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

// Commands implemented in CliTrain.cpp.
int train(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int evaluateCommand(const std::vector<std::string>& args, std::ostream& out);
int predict(const std::vector<std::string>& args, std::ostream& out);
int bench(const std::vector<std::string>& args, std::ostream& out);
int summary(const std::vector<std::string>& args, std::ostream& out);
// Commands implemented in CliModel.cpp.
int exportCommand(const std::vector<std::string>& args, std::ostream& out);
int runCommand(const std::vector<std::string>& args, std::ostream& out);

} // namespace convscope::cli
