// Helpers shared by the command-line commands: number parsing with messages that name the
// option, and QCommandLineParser set-up with --help and --json.
#include "app/cli/CliCommon.h"

#include <algorithm>

#include "engine/io/MatrixText.h"

#include <QStringList>

#include <charconv>
#include <cmath>

namespace convscope::cli {

std::string str(const QString& s) { return s.toStdString(); }

int64_t parseInteger(const std::string& text, const std::string& option) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
    throw UsageError("--" + option + " '" + text + "' is not a whole number");
  return v;
}

float parseFloat(const std::string& text, const std::string& option) {
  float v = 0;
  const char* first = text.data() + (!text.empty() && text[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v))
    throw UsageError("--" + option + " '" + text + "' is not a number");
  return v;
}

int64_t parseAtLeast(const std::string& text, const std::string& option, int64_t minimum) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v < minimum)
    throw UsageError("--" + option + " '" + text + "' must be a whole number of at least " + std::to_string(minimum));
  return v;
}

// "S" or "SH,SW" → two whole numbers, each at least `minimum`.
std::pair<int64_t, int64_t> parsePair(const std::string& text, const std::string& option, int64_t minimum) {
  const size_t comma = text.find(',');
  const int64_t a = parseInteger(text.substr(0, comma), option);
  const int64_t b = comma == std::string::npos ? a : parseInteger(text.substr(comma + 1), option);
  if (a < minimum || b < minimum)
    throw UsageError("--" + option + " '" + text + "' must be at least " + std::to_string(minimum));
  return {a, b};
}

// Sets up the parser with the command's options plus --help and --json; returns false and
// prints help when asked. Throws UsageError on unknown options or missing values.
bool parse(QCommandLineParser& parser, const std::string& command, const std::string& description,
           const std::vector<std::string>& args, std::ostream& out) {
  parser.setApplicationDescription(QString::fromStdString(description));
  parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
  parser.addOption({{"h", "help"}, "Show this help."});
  parser.addOption({"json", "Print exactly one JSON object on stdout."});
  QStringList list{QString(kProgram) + " " + QString::fromStdString(command)};
  for (const std::string& a : args) list << QString::fromStdString(a);
  if (!parser.parse(list)) throw UsageError(str(parser.errorText()) + " (see convscope " + command + " --help)");
  if (!parser.positionalArguments().isEmpty())
    throw UsageError("unexpected argument '" + str(parser.positionalArguments().first()) + "' (see convscope " +
                     command + " --help)");
  if (parser.isSet("help")) {
    // Qt names the program after QCoreApplication's argv[0], or "<executable_name>" when
    // there is none (the command line runs without one): name the command instead.
    std::string help = str(parser.helpText());
    const size_t options = help.find(" [options]");
    if (help.rfind("Usage: ", 0) == 0 && options != std::string::npos)
      help.replace(7, options - 7, std::string(kProgram) + " " + command);
    out << help;
    return false;
  }
  return true;
}

Tensor loadMatrixInput(const std::string& path) {
  try {
    return loadMatrixFile(path);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string(e.what()) + " (" + path +
                     " is neither an image OpenCV can read nor a matrix text file)");
  }
}

std::unique_ptr<Backend> backendOption(const QCommandLineParser& p) {
  try {
    return makeBackend(backendKindFromString(str(p.value("backend"))));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

} // namespace convscope::cli
