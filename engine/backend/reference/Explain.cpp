// Pooling, fully-connected and softmax outputs explained term by term. Each explanation
// repeats its ReferenceBackend loop (same order, same double accumulation), so its value is
// the reference's to the bit.
#include "engine/backend/reference/Explain.h"

#include "engine/backend/reference/ReferenceBackend.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace convscope {

namespace {

std::string number(double v, int digits) { return formatValue(v, digits); }
// A term after a plus: "(−0.4)".
std::string term(double v, int digits) { return v < 0 ? "(" + number(v, digits) + ")" : number(v, digits); }

} // namespace

// The window of dst(n, c, oh, ow): input rows oh·stride − padTop + kh (likewise columns);
// the same loop as ReferenceBackend::pool2dForward, keeping the padded cells for the text.
PoolExplanation explainPool2d(const Pool2DGeometry& g, const Tensor& src, int64_t batch, int64_t channel, int64_t row,
                              int64_t col) {
  const Shape d = pool2dOutputShape(src.shape(), g, "explain");
  if (batch < 0 || batch >= d[0] || channel < 0 || channel >= d[1] || row < 0 || row >= d[2] || col < 0 || col >= d[3])
    throw std::invalid_argument("explain: position (" + std::to_string(row) + "," + std::to_string(col) +
                                ") of channel " + std::to_string(channel) + " in image " + std::to_string(batch) +
                                " is outside the pooled output " + std::to_string(d[2]) + "x" + std::to_string(d[3]) +
                                " with " + std::to_string(d[1]) + " channel(s) and " + std::to_string(d[0]) +
                                " image(s)");
  const Shape& s = src.shape();
  PoolExplanation e;
  e.batch = batch;
  e.channel = channel;
  e.row = row;
  e.col = col;
  e.mode = g.mode;
  e.divisor = g.mode == PoolMode::Average ? g.kernelH * g.kernelW : 1;
  int64_t inside = 0;
  double sum = 0.0;
  float maximum = -std::numeric_limits<float>::infinity();
  for (int64_t kh = 0; kh < g.kernelH; ++kh)
    for (int64_t kw = 0; kw < g.kernelW; ++kw) {
      PoolCell cell;
      cell.row = row * g.strideH - g.padTop + kh;
      cell.col = col * g.strideW - g.padLeft + kw;
      cell.padding = cell.row < 0 || cell.row >= s[2] || cell.col < 0 || cell.col >= s[3];
      if (!cell.padding) {
        cell.value = src.at(batch, channel, cell.row, cell.col);
        sum += cell.value;
        ++inside;
        if (g.mode == PoolMode::Max && (e.maxCell < 0 || cell.value > maximum))
          e.maxCell = static_cast<int64_t>(e.cells.size());
        maximum = std::max(maximum, cell.value);
      }
      e.cells.push_back(cell);
    }
  if (g.mode == PoolMode::Average && !g.countPadding) e.divisor = std::max<int64_t>(inside, 1);
  switch (g.mode) {
  case PoolMode::Max: e.value = maximum; break;
  case PoolMode::Average: e.value = static_cast<float>(sum / double(e.divisor)); break;
  case PoolMode::Sum: e.value = static_cast<float>(sum); break;
  }
  return e;
}

std::string poolExplanationText(const PoolExplanation& e, int digits) {
  const auto value = [digits](float v) { return number(v, digits); };
  std::string terms;
  for (const PoolCell& c : e.cells) {
    if (e.mode == PoolMode::Max) {
      if (c.padding) continue; // max ignores padding
      terms += (terms.empty() ? "" : ", ") + value(c.value);
    } else {
      terms += terms.empty() ? value(c.value) : " + " + (c.value < 0 ? "(" + value(c.value) + ")" : value(c.value));
    }
  }
  switch (e.mode) {
  case PoolMode::Max: return "max(" + terms + ") = " + value(e.value);
  case PoolMode::Average: return "(" + terms + ") / " + std::to_string(e.divisor) + " = " + value(e.value);
  case PoolMode::Sum: break;
  }
  return terms + " = " + value(e.value);
}

// dst(n, k) = bias(k) + Σ_i src(n, i) · weights(k, i), summed in the order of
// ReferenceBackend::denseForward (bias first) so the value is the reference's exactly.
DenseExplanation explainDense(const Tensor& src, const Tensor& weights, const Tensor* bias, int64_t batch,
                              int64_t output) {
  const Shape& s = src.shape();
  const Shape& w = weights.shape();
  if (s.rank() != 2 || w.rank() != 2 || s[1] != w[1])
    throw std::invalid_argument("explain dense: src " + s.toString() + " and weights " + w.toString() +
                                " do not fit (expected (N, F) and (K, F))");
  if (bias && bias->size() != w[0])
    throw std::invalid_argument("explain dense: bias has " + std::to_string(bias->size()) + " values for " +
                                std::to_string(w[0]) + " outputs");
  if (output < 0 || output >= w[0])
    throw std::invalid_argument("explain dense: output " + std::to_string(output) + " is outside the layer's " +
                                std::to_string(w[0]) + " outputs (0 to " + std::to_string(w[0] - 1) + ")");
  if (batch < 0 || batch >= s[0])
    throw std::invalid_argument("explain dense: image " + std::to_string(batch) + " is outside the batch of " +
                                std::to_string(s[0]));
  const int64_t features = s[1];
  DenseExplanation e;
  e.batch = batch;
  e.output = output;
  e.hasBias = bias != nullptr;
  e.bias = bias ? bias->data()[output] : 0.0f;
  double withBias = e.bias;
  e.terms.reserve(static_cast<size_t>(features));
  for (int64_t i = 0; i < features; ++i) {
    const DenseTerm t{src.data()[batch * features + i], weights.data()[output * features + i]};
    const double product = double(t.input) * double(t.weight);
    e.sum += product;
    withBias += product;
    e.terms.push_back(t);
  }
  e.value = static_cast<float>(withBias);
  return e;
}

std::string denseExplanationText(const DenseExplanation& e, const std::string& outputName, int maxTerms, int digits) {
  const size_t shown = std::min(e.terms.size(), static_cast<size_t>(std::max(maxTerms, 0)));
  std::string text = outputName + " =";
  for (size_t i = 0; i < shown; ++i)
    text += (i ? " + " : " ") + term(e.terms[i].weight, digits) + "·" + term(e.terms[i].input, digits);
  std::string note;
  if (shown < e.terms.size()) {
    text += shown ? " + …" : " …";
    note = std::to_string(e.terms.size()) + " products in all";
  }
  if (digits > 0) note += (note.empty() ? "" : "; ") + std::string("numbers to ") + std::to_string(digits) + " digits";
  if (e.terms.empty()) text += " 0";
  if (!note.empty()) text += " (" + note + ")";
  // The indent lines the second "=" up under the first one for short names like "z1".
  // The sum of float products carries float noise (−0.53000003 for −0.18·3 + …): written to
  // float precision, 7 significant digits, it reads as the hand computation gives it.
  text +=
      "\n" + std::string(std::max<size_t>(outputName.size(), 1) + 1, ' ') + "= " + number(e.sum, digits ? digits : 7);
  if (e.hasBias) text += " + bias " + term(e.bias, digits) + " = " + number(e.value, digits);
  return text;
}

std::string softmaxExplanationText(const Tensor& logits, const Tensor& probabilities,
                                   const std::vector<std::string>& outputNames, int digits) {
  const Shape& s = logits.shape();
  if (s.rank() != 2 || s[0] != 1 || s[1] < 1)
    throw std::invalid_argument("explain softmax: expects logits (1, K), got " + s.toString());
  if (probabilities.shape() != s)
    throw std::invalid_argument("explain softmax: probabilities " + probabilities.shape().toString() +
                                " do not match logits " + s.toString());
  const int64_t k = s[1];
  if (!outputNames.empty() && static_cast<int64_t>(outputNames.size()) != k)
    throw std::invalid_argument("explain softmax: " + std::to_string(outputNames.size()) + " names for " +
                                std::to_string(k) + " outputs");
  const float* z = logits.data();
  // Shift by the maximum only when e^z would overflow float: the plain form reads best.
  const float maximum = *std::max_element(z, z + k);
  const bool shifted = double(maximum) > 80.0; // e^80 ≈ 5.5e34 is still a float; e^89 is not
  const double m = shifted ? maximum : 0.0;
  const auto power = [&](float zj) {
    return shifted ? "e^(" + formatRounded(zj, digits) + " − " + formatRounded(m, digits) + ")"
                   : "e^" + (zj < 0 ? "(" + formatRounded(zj, digits) + ")" : formatRounded(zj, digits));
  };
  double total = 0.0;
  for (int64_t j = 0; j < k; ++j) total += std::exp(double(z[j]) - m);

  constexpr int64_t kShownTerms = 10; // of the sum; every output still gets its line
  std::string powers, values;
  for (int64_t j = 0; j < std::min(k, kShownTerms); ++j) {
    powers += (j ? " + " : "") + power(z[j]);
    values += (j ? " + " : "") + formatRounded(std::exp(double(z[j]) - m), digits);
  }
  if (k > kShownTerms) {
    powers += " + … (" + std::to_string(k) + " terms)";
    values += " + …";
  }
  std::string text = shifted
                         ? "softmax: p_k = e^(z_k − m) / Σ_j e^(z_j − m), m = max_j z_j = " + formatRounded(m, digits) +
                               "\nΣ_j e^(z_j − m) = "
                         : std::string("softmax: p_k = e^z_k / Σ_j e^z_j\nΣ_j e^z_j = ");
  text += powers + " = " + values + " = " + formatRounded(total, digits) + "\n";
  for (int64_t j = 0; j < k; ++j) {
    const std::string name = outputNames.empty() ? "p" + std::to_string(j + 1) : outputNames[size_t(j)];
    text += name + " = " + power(z[j]) + " / " + formatRounded(total, digits) + " = " +
            formatRounded(probabilities.data()[j], digits) + "\n";
  }
  return text;
}

std::string activationFormula(ActivationKind kind, float alpha) {
  switch (kind) {
  case ActivationKind::None: return "x";
  case ActivationKind::ReLU: return "max(0, x)";
  case ActivationKind::LeakyReLU: return "x if x > 0, else " + formatRounded(alpha, 3) + "·x";
  case ActivationKind::Tanh: return "(eˣ − e⁻ˣ) / (eˣ + e⁻ˣ)";
  case ActivationKind::Sigmoid: return "1 / (1 + e⁻ˣ)";
  case ActivationKind::ReLU6: return "min(max(0, x), 6)";
  case ActivationKind::ELU: return "x if x > 0, else " + formatRounded(alpha, 3) + "·(eˣ − 1)";
  case ActivationKind::HardSigmoid: return "min(max(0, " + formatRounded(alpha, 3) + "·x + 0.5), 1)";
  case ActivationKind::HardSwish: return "x·min(max(0, x + 3), 6) / 6";
  case ActivationKind::SiLU: return "x / (1 + e⁻ˣ)";
  case ActivationKind::SELU: return "1.0507·(x if x > 0, else 1.6733·(eˣ − 1))";
  case ActivationKind::GELU: return "x·(1 + erf(x / √2)) / 2";
  case ActivationKind::GELUTanh: return "x·(1 + tanh(0.79788·(x + 0.044715·x³))) / 2";
  }
  return "x";
}

std::string activationExplanationText(ActivationKind kind, float alpha, float x, float y, int digits) {
  const std::string in = formatRounded(x, digits), out = formatRounded(y, digits);
  const std::string bracketed = x < 0 ? "(" + in + ")" : in;
  switch (kind) {
  case ActivationKind::None: return "no activation: y = x = " + out;
  case ActivationKind::ReLU:
    return "ReLU(x) = max(0, x) = max(0, " + in + ") = " + out + (x < 0 ? "  (negative: set to zero)" : "");
  case ActivationKind::LeakyReLU:
    return "leaky ReLU(x) = " + activationFormula(kind, alpha) + " = " +
           (x > 0 ? in : formatRounded(alpha, digits) + "·" + bracketed) + " = " + out;
  case ActivationKind::Tanh: return "tanh(x) = " + activationFormula(kind, alpha) + " = tanh(" + in + ") = " + out;
  case ActivationKind::Sigmoid:
    return "σ(x) = " + activationFormula(kind, alpha) + " = 1 / (1 + e^" +
           (x > 0 ? "(−" + in + ")" : formatRounded(-x, digits)) + ") = " + out;
  case ActivationKind::ReLU6:
    return "ReLU6(x) = min(max(0, x), 6) = min(max(0, " + in + "), 6) = " + out +
           (x < 0 ? "  (negative: set to zero)" : x > 6 ? "  (above 6: capped)" : "");
  case ActivationKind::ELU:
    return "ELU(x) = " + activationFormula(kind, alpha) + " = " +
           (x > 0 ? in : formatRounded(alpha, digits) + "·(e^" + bracketed + " − 1)") + " = " + out;
  case ActivationKind::HardSigmoid:
    return "hard sigmoid(x) = " + activationFormula(kind, alpha) + " = min(max(0, " + formatRounded(alpha, digits) +
           "·" + bracketed + " + 0.5), 1) = " + out;
  case ActivationKind::HardSwish:
    return "hard swish(x) = " + activationFormula(kind, alpha) + " = " + bracketed + "·min(max(0, " + in +
           " + 3), 6) / 6 = " + out;
  case ActivationKind::SiLU:
    return "SiLU(x) = x·σ(x) = " + activationFormula(kind, alpha) + " = " + bracketed + " / (1 + e^" +
           (x > 0 ? "(−" + in + ")" : formatRounded(-x, digits)) + ") = " + out;
  case ActivationKind::SELU:
    return "SELU(x) = " + activationFormula(kind, alpha) + " = 1.0507·" +
           (x > 0 ? in : "1.6733·(e^" + bracketed + " − 1)") + " = " + out;
  case ActivationKind::GELU:
    return "GELU(x) = x·Φ(x) = " + activationFormula(kind, alpha) + " = " + bracketed + "·(1 + erf(" + bracketed +
           " / √2)) / 2 = " + out;
  case ActivationKind::GELUTanh:
    return "GELU(x) ≈ " + activationFormula(kind, alpha) + " = " + bracketed + "·(1 + tanh(0.79788·(" + bracketed +
           " + 0.044715·" + bracketed + "³))) / 2 = " + out;
  }
  return out;
}

} // namespace convscope
