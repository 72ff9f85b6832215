// Parsing and writing the matrix text format (see MatrixText.h).
#include "engine/io/MatrixText.h"
#include "engine/io/FileText.h"

#include <optional>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace convscope {

std::optional<float> parseNumberText(std::string token) {
  // Accept the typographic minus the lecture's slides use.
  if (token.rfind("−", 0) == 0) token = "-" + token.substr(std::string("−").size());
  const auto number = [](const std::string& text, float& value) {
    const char* first = text.c_str() + (!text.empty() && text[0] == '+' ? 1 : 0);
    auto [ptr, ec] = std::from_chars(first, text.c_str() + text.size(), value);
    return !text.empty() && ec == std::errc() && ptr == text.c_str() + text.size() && std::isfinite(value);
  };
  const size_t slash = token.find('/');
  float value = 0.0f, denominator = 1.0f;
  const bool ok = slash == std::string::npos ? number(token, value)
                                             : number(token.substr(0, slash), value) &&
                                                   number(token.substr(slash + 1), denominator) && denominator != 0.0f;
  if (!ok) return std::nullopt;
  return value / denominator; // may overflow to infinity: the caller says so
}

namespace {
std::string sizeText(size_t rows, size_t cols) { return std::to_string(rows) + "x" + std::to_string(cols); }

// Numbers of one line; throws naming the line and the token.
std::vector<float> parseRow(const std::string& line, const std::string& where) {
  std::vector<float> row;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == ',' || line[i] == '\r')) ++i;
    if (i >= line.size()) break;
    size_t end = i;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != ',' && line[end] != '\r') ++end;
    const std::string token = line.substr(i, end - i);
    const std::optional<float> parsed = parseNumberText(token);
    if (!parsed) {
      throw std::invalid_argument(where + ": '" + token + "' is not a number" +
                                  (token.find('/') != std::string::npos ? " nor a fraction like 1/9" : ""));
    }
    const float value = *parsed;
    if (!std::isfinite(value)) throw std::invalid_argument(where + ": '" + line.substr(i, end - i) + "' is not finite");
    row.push_back(value);
    i = end;
  }
  return row;
}
} // namespace

Tensor parseMatrixText(const std::string& text, const std::string& source) {
  std::vector<std::vector<std::vector<float>>> channels(1);
  std::istringstream in(text);
  std::string line;
  int lineNumber = 0;
  std::vector<size_t> channelLines{1};
  int64_t total = 0;
  while (std::getline(in, line)) {
    ++lineNumber;
    const bool hadComment = line.find('#') != std::string::npos;
    if (hadComment) line.erase(line.find('#'));
    const std::string where = source + " line " + std::to_string(lineNumber);
    std::vector<float> row = parseRow(line, where);
    if (row.empty()) {
      // A blank line ends the current channel (several count as one); a comment line does not.
      if (!hadComment && !channels.back().empty()) {
        channels.emplace_back();
        channelLines.push_back(0);
      }
      continue;
    }
    auto& rows = channels.back();
    if (rows.empty()) channelLines.back() = static_cast<size_t>(lineNumber);
    if (!rows.empty() && row.size() != rows.front().size())
      throw std::invalid_argument(where + ": row has " + std::to_string(row.size()) + " numbers, the rows above have " +
                                  std::to_string(rows.front().size()));
    total += int64_t(row.size());
    if (total > kMaxMatrixValues)
      throw std::invalid_argument(
          where + ": more than " + std::to_string(kMaxMatrixValues) +
          " numbers; ConvScope reads matrices of up to that many (as many as an image's pixels)");
    rows.push_back(std::move(row));
  }
  if (channels.back().empty()) {
    channels.pop_back();
    channelLines.pop_back();
  }
  if (channels.empty()) throw std::invalid_argument(source + ": contains no numbers");
  const size_t rows = channels[0].size(), cols = channels[0][0].size();
  for (size_t c = 1; c < channels.size(); ++c)
    if (channels[c].size() != rows || channels[c][0].size() != cols)
      throw std::invalid_argument(source + " line " + std::to_string(channelLines[c]) + ": channel " +
                                  std::to_string(c + 1) + " is " + sizeText(channels[c].size(), channels[c][0].size()) +
                                  " but channel 1 is " + sizeText(rows, cols));
  std::vector<float> values;
  values.reserve(channels.size() * rows * cols);
  for (const auto& channel : channels)
    for (const auto& row : channel) values.insert(values.end(), row.begin(), row.end());
  return Tensor(Shape{static_cast<int64_t>(channels.size()), static_cast<int64_t>(rows), static_cast<int64_t>(cols)},
                std::move(values));
}

Tensor loadMatrixFile(const std::string& path) {
  return parseMatrixText(readFileText(path, kMaxMatrixFileBytes, "matrix files"), path);
}

std::string formatMatrixText(const Tensor& chw) {
  const Shape& s = chw.shape();
  if (s.rank() != 3) throw std::invalid_argument("formatMatrixText: expects (C, H, W), got " + s.toString());
  std::string text;
  char buffer[32];
  for (int64_t c = 0; c < s[0]; ++c) {
    if (c) text += "\n";
    for (int64_t h = 0; h < s[1]; ++h) {
      for (int64_t w = 0; w < s[2]; ++w) {
        auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, chw.data()[(c * s[1] + h) * s[2] + w]);
        if (w) text += ' ';
        text.append(buffer, ec == std::errc() ? end : buffer);
      }
      text += "\n";
    }
  }
  return text;
}

} // namespace convscope
