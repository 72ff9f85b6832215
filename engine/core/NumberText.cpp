#include "engine/core/NumberText.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace convscope {

std::string formatNumber(float value) {
  if (value == 0.0f) return "0"; // also folds −0
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "∞" : "−∞";
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, std::fabs(value));
  std::string text(buffer, ec == std::errc() ? end : buffer);
  return value < 0 ? "−" + text : text;
}

std::string formatRounded(double value, int digits) {
  if (digits <= 0 || value == 0.0 || !std::isfinite(value)) return formatNumber(static_cast<float>(value));
  const double a = std::fabs(value);
  const int exponent = static_cast<int>(std::floor(std::log10(a)));
  char buffer[64];
  std::string text;
  if (exponent >= -4 && exponent < std::max(digits, 6)) {
    std::snprintf(buffer, sizeof buffer, "%.*f", std::max(0, digits - 1 - exponent), a);
    text = buffer;
    if (text.find('.') != std::string::npos) {
      while (text.back() == '0') text.pop_back();
      if (text.back() == '.') text.pop_back();
    }
  } else {
    std::snprintf(buffer, sizeof buffer, "%.*e", digits - 1, a);
    text = buffer;
    const size_t e = text.find('e');
    std::string mantissa = text.substr(0, e);
    if (mantissa.find('.') != std::string::npos) {
      while (mantissa.back() == '0') mantissa.pop_back();
      if (mantissa.back() == '.') mantissa.pop_back();
    }
    const int power = std::stoi(text.substr(e + 1));
    text = mantissa + "e" + (power < 0 ? "−" : "") + std::to_string(std::abs(power));
  }
  if (text == "0") return "0"; // rounded away entirely: no "−0"
  return value < 0 ? "−" + text : text;
}

namespace {
// "p/q" when value is exactly the float of a fraction with one of the lecture's denominators
// and its decimal is long (0.5 stays 0.5); empty otherwise.
std::string fractionText(float f) {
  if (!std::isfinite(f) || f == 0.0f) return {};
  const std::string exact = formatNumber(f);
  if (exact.size() - (f < 0 ? std::string("−").size() : 0) <= 6) return {}; // a short decimal already
  for (int q : {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                29, 30, 31, 32, 49, 64, 81, 100, 128, 256}) {
    const double p = std::round(double(f) * q);
    if (p == 0 || std::fabs(p) > 64.0 * q || static_cast<float>(p / q) != f) continue;
    // The smallest q that matches gives the fraction in lowest terms.
    return (p < 0 ? "−" : "") + std::to_string(std::llabs(static_cast<long long>(p))) + "/" + std::to_string(q);
  }
  return {};
}
} // namespace

std::string formatSlide(double value, int digits, bool fractions) {
  if (fractions)
    if (std::string f = fractionText(static_cast<float>(value)); !f.empty()) return f;
  return formatRounded(value, digits);
}

std::string formatValue(double value, int digits) {
  return digits > 0 ? formatSlide(value, digits) : formatNumber(static_cast<float>(value));
}

std::string formatTyped(float value) {
  std::string f = fractionText(value);
  return f.empty() ? formatNumber(value) : f;
}

} // namespace convscope
