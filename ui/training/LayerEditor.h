// Build a sequential CNN by typing one layer a line (engine/network/LayerList.h): every line is
// checked as you type (shape arithmetic only: no weights are allocated), and a table beside
// the text shows each layer's output shape, parameters and their memory, or, in red, what
// does not fit and why. Starts from a preset or the current model; "Insert" adds a layer
// template at the cursor. OK is enabled only for a network that fits.
// Not for: graphs with branches, or weights.
#pragma once

#include "engine/io/TextTable.h"

#include "engine/network/LayerList.h"

#include <QDialog>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace convscope::ui {

class LayerEditor : public QDialog {
  Q_OBJECT
public:
  explicit LayerEditor(const QString& text, QWidget* parent = nullptr);

  QString text() const;
  void setText(const QString& text);
  const LayerListCheck& check() const { return check_; }
  // The table as it shows (line, layer, output, parameters, weights; a line that does not fit
  // with its reason), for export as a figure or as CSV, Markdown, LaTeX.
  TextTable tableText() const;
  QString summary() const; // "61,706 parameters (247 kB of weights) · output 10 values …" or the first problem
  QTableWidget* table() const { return table_; }

private:
  void recheck();
  void insertLine(const QString& line);

  QPlainTextEdit* editor_;
  QTableWidget* table_;
  QLabel* summary_;
  QPushButton* ok_;
  LayerListCheck check_;
};

} // namespace convscope::ui
