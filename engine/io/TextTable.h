// Tables for slides and handouts: a network's summary, a confusion matrix, a training
// run's epochs, written as plain text, CSV, Markdown or LaTeX (booktabs). One table type,
// one writer per format; the GUI draws the same table as a figure (ui/export/Figure.h).
// Not for: reading tables back.
#pragma once

#include "engine/network/Network.h"

#include <cstdint>
#include <string>
#include <vector>

namespace convscope {

struct TextTable {
  std::string caption;                        // LaTeX \caption, Markdown's line above; may be empty
  std::vector<std::string> header;            // one per column
  std::vector<std::vector<std::string>> rows; // each as long as the header
  std::vector<bool> numeric;                  // per column: right-aligned (numbers)
  std::vector<std::string> notes;             // lines under the table (totals, conventions)
};

enum class TableFormat { Text, Csv, Markdown, Latex };

// "text", "csv", "markdown" (or "md"), "latex" (or "tex"); anything else throws
// std::invalid_argument naming the choices.
TableFormat tableFormatFromName(const std::string& name);
// By a file's extension: .csv, .md, .tex; .txt or anything else is text.
TableFormat tableFormatFromPath(const std::string& path);

// Throws std::invalid_argument when a row's length differs from the header's.
std::string formatTable(const TextTable& table, TableFormat format);

// A network's layers as `convscope summary` prints them: rows whose dotted names share
// their first `depth` parts are one row (a ResNet block, an inception module) with the
// block's parameters and MACs; columns layer, type, output shape, parameters, MACs, MACs %.
TextTable networkSummaryTable(const Network& network, int depth);
// The same from the rows (Network::summaryRows, ArchitectureGraph::rows) and the input shape.
TextTable networkSummaryTable(const std::vector<Network::SummaryRow>& rows, const Shape& input, int depth);

// counts[truth · classes + predicted] (confusionCounts) as a table: one row per true class,
// one column per predicted class, and each row's recall.
TextTable confusionTable(const std::vector<int>& counts, const std::vector<std::string>& classNames);

} // namespace convscope
