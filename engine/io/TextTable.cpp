// Table writers: text, CSV (RFC 4180 quoting), Markdown (pipes escaped) and LaTeX
// (booktabs, special characters escaped).
#include "engine/io/TextTable.h"

#include "engine/network/LayerList.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace convscope {

TableFormat tableFormatFromName(const std::string& name) {
  if (name == "text") return TableFormat::Text;
  if (name == "csv") return TableFormat::Csv;
  if (name == "markdown" || name == "md") return TableFormat::Markdown;
  if (name == "latex" || name == "tex") return TableFormat::Latex;
  throw std::invalid_argument("table format '" + name + "': expected text, csv, markdown or latex");
}

TableFormat tableFormatFromPath(const std::string& path) {
  const auto ends = [&path](const std::string& suffix) {
    if (path.size() < suffix.size()) return false;
    return std::equal(suffix.rbegin(), suffix.rend(), path.rbegin(),
                      [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
  };
  if (ends(".csv")) return TableFormat::Csv;
  if (ends(".md")) return TableFormat::Markdown;
  if (ends(".tex")) return TableFormat::Latex;
  return TableFormat::Text;
}

namespace {

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string markdownCell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
  return out;
}

std::string latexCell(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (c) {
    case '&':
    case '%':
    case '$':
    case '#':
    case '_':
    case '{':
    case '}': out += '\\', out += c; break;
    case '~': out += "\\textasciitilde{}"; break;
    case '^': out += "\\textasciicircum{}"; break;
    case '\\': out += "\\textbackslash{}"; break;
    default:
      // UTF-8 "×" (shapes) and "−" read as LaTeX's own.
      if (s.compare(i, 2, "\xC3\x97") == 0)
        out += "$\\times$", ++i;
      else if (s.compare(i, 3, "\xE2\x88\x92") == 0)
        out += "$-$", i += 2;
      else
        out += c;
    }
  }
  return out;
}

// Display width of UTF-8 text: code points, not bytes.
size_t displayWidth(const std::string& s) {
  return size_t(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

} // namespace

std::string formatTable(const TextTable& t, TableFormat format) {
  const size_t columns = t.header.size();
  for (size_t r = 0; r < t.rows.size(); ++r)
    if (t.rows[r].size() != columns)
      throw std::invalid_argument("table row " + std::to_string(r + 1) + " has " + std::to_string(t.rows[r].size()) +
                                  " cells, the header " + std::to_string(columns));
  const auto isNumeric = [&t](size_t c) { return c < t.numeric.size() && t.numeric[c]; };
  std::string out;
  switch (format) {
  case TableFormat::Csv: {
    // Numbers as a spreadsheet or pandas reads them: without thousands separators.
    const auto line = [&out, &isNumeric](const std::vector<std::string>& cells, bool header) {
      for (size_t c = 0; c < cells.size(); ++c) {
        if (c) out += ',';
        std::string cell = cells[c];
        if (!header && isNumeric(c)) cell.erase(std::remove(cell.begin(), cell.end(), ','), cell.end());
        out += csvField(cell);
      }
      out += "\r\n"; // RFC 4180
    };
    line(t.header, true);
    for (const auto& row : t.rows) line(row, false);
    return out;
  }
  case TableFormat::Markdown: {
    if (!t.caption.empty()) out += "**" + markdownCell(t.caption) + "**\n\n";
    const auto line = [&out](const std::vector<std::string>& cells) {
      out += "|";
      for (const std::string& cell : cells) out.append(" ").append(markdownCell(cell)).append(" |");
      out += "\n";
    };
    line(t.header);
    out += "|";
    for (size_t c = 0; c < columns; ++c) out += isNumeric(c) ? " ---: |" : " --- |";
    out += "\n";
    for (const auto& row : t.rows) line(row);
    for (const std::string& note : t.notes) out.append("\n").append(markdownCell(note)).append("\n");
    return out;
  }
  case TableFormat::Latex: {
    // \usepackage{booktabs}
    out += "\\begin{table}\n  \\centering\n";
    if (!t.caption.empty()) out += "  \\caption{" + latexCell(t.caption) + "}\n";
    out += "  \\begin{tabular}{";
    for (size_t c = 0; c < columns; ++c) out += isNumeric(c) ? 'r' : 'l';
    out += "}\n    \\toprule\n";
    const auto line = [&out](const std::vector<std::string>& cells) {
      out += "    ";
      for (size_t c = 0; c < cells.size(); ++c) out.append(c ? " & " : "").append(latexCell(cells[c]));
      out += " \\\\\n";
    };
    line(t.header);
    out += "    \\midrule\n";
    for (const auto& row : t.rows) line(row);
    out += "    \\bottomrule\n  \\end{tabular}\n";
    for (const std::string& note : t.notes) out += "\n  \\smallskip\\footnotesize " + latexCell(note) + "\n";
    out += "\\end{table}\n";
    return out;
  }
  case TableFormat::Text: {
    std::vector<size_t> width(columns);
    for (size_t c = 0; c < columns; ++c) {
      width[c] = displayWidth(t.header[c]);
      for (const auto& row : t.rows) width[c] = std::max(width[c], displayWidth(row[c]));
    }
    if (!t.caption.empty()) out += t.caption + "\n";
    const auto line = [&](const std::vector<std::string>& cells) {
      std::string text;
      for (size_t c = 0; c < columns; ++c) {
        const std::string pad(width[c] - displayWidth(cells[c]), ' ');
        text += (c ? "  " : "") + (isNumeric(c) ? pad + cells[c] : cells[c] + pad);
      }
      while (!text.empty() && text.back() == ' ') text.pop_back();
      out += text + "\n";
    };
    line(t.header);
    size_t total = 0;
    for (size_t w : width) total += w;
    out += std::string(total + 2 * (columns ? columns - 1 : 0), '-') + "\n";
    for (const auto& row : t.rows) line(row);
    for (const std::string& note : t.notes) out += note + "\n";
    return out;
  }
  }
  return out;
}

namespace {
// The first `depth` parts of a dotted name ("layer1.0.conv1", 2 → "layer1.0").
std::string prefixOf(const std::string& name, int depth) {
  size_t at = 0;
  for (int d = 0; d < depth; ++d) {
    at = name.find('.', at);
    if (at == std::string::npos) return name;
    ++at;
  }
  return name.substr(0, at - 1);
}
} // namespace

TextTable networkSummaryTable(const Network& network, int depth) {
  return networkSummaryTable(network.summaryRows(), network.inputShape(), depth);
}

TextTable networkSummaryTable(const std::vector<Network::SummaryRow>& rows, const Shape& input, int depth) {
  int64_t params = 0, macs = 0;
  for (const auto& r : rows) params += r.parameters, macs += r.macs;
  TextTable t;
  t.header = {"layer", "type", "output shape", "parameters", "MACs", "MACs %"};
  t.numeric = {false, false, false, true, true, true};
  for (size_t i = 0; i < rows.size();) {
    const std::string block = prefixOf(rows[i].name, depth);
    size_t j = i;
    int64_t blockParams = 0, blockMacs = 0;
    std::string type = rows[i].type;
    while (j < rows.size() && prefixOf(rows[j].name, depth) == block) {
      blockParams += rows[j].parameters, blockMacs += rows[j].macs;
      if (rows[j].type != type) type = "block";
      ++j;
    }
    char share[32];
    std::snprintf(share, sizeof share, "%.1f", macs ? 100.0 * double(blockMacs) / double(macs) : 0.0);
    t.rows.push_back({j - i > 1 ? block + " (" + std::to_string(j - i) + " layers)" : block,
                      j - i > 1 ? std::string() : type, rows[j - 1].output.toString(), withCommas(blockParams),
                      withCommas(blockMacs), share});
    i = j;
  }
  int64_t activations = 0;
  for (const auto& r : rows) activations += r.output.elementCount();
  t.notes = {"input " + input.toString() + ", " + std::to_string(rows.size()) + " layers",
             "parameters: " + withCommas(params) + " (" + byteSizeText(params * 4) + " as float32)",
             "multiply-accumulates: " + withCommas(macs) + " per image (FLOPs = 2 x MACs = " + withCommas(2 * macs) +
                 ")",
             "activations: " + withCommas(activations) + " values per image (" + byteSizeText(activations * 4) +
                 " as float32, every layer's output kept)",
             "Parameters: weights, biases, normalization scales and shifts (not running statistics). MACs: convolutions "
             "and fully connected layers, biases not counted (torchvision's and thop's convention)."};
  return t;
}

TextTable confusionTable(const std::vector<int>& counts, const std::vector<std::string>& classNames) {
  const size_t classes = classNames.size();
  if (counts.size() != classes * classes)
    throw std::invalid_argument("confusion table: " + std::to_string(counts.size()) + " counts for " +
                                std::to_string(classes) + " classes (expected " + std::to_string(classes * classes) +
                                ")");
  TextTable t;
  t.header.push_back("true \\ predicted");
  for (const std::string& name : classNames) t.header.push_back(name);
  t.header.push_back("recall %");
  t.numeric.assign(classes + 2, true);
  t.numeric[0] = false;
  int64_t right = 0, all = 0;
  for (size_t truth = 0; truth < classes; ++truth) {
    std::vector<std::string> row{classNames[truth]};
    int64_t rowTotal = 0;
    for (size_t p = 0; p < classes; ++p) {
      const int n = counts[truth * classes + p];
      row.push_back(std::to_string(n));
      rowTotal += n;
    }
    right += counts[truth * classes + truth], all += rowTotal;
    char recall[32];
    std::snprintf(recall, sizeof recall, "%.1f",
                  rowTotal ? 100.0 * counts[truth * classes + truth] / double(rowTotal) : 0.0);
    row.push_back(rowTotal ? recall : "");
    t.rows.push_back(std::move(row));
  }
  char accuracy[64];
  std::snprintf(accuracy, sizeof accuracy, "%.2f", all ? 100.0 * double(right) / double(all) : 0.0);
  t.notes = {std::to_string(all) + " test images, " + std::to_string(right) + " right: accuracy " + accuracy + " %"};
  return t;
}

} // namespace convscope
