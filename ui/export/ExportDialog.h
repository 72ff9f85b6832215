// File → Export Figure (Ctrl+E): the figures the current tab offers (Figure.h), a format
// (SVG with text as text, PDF, PNG at 1×, 2× or 4×; a table also as CSV, Markdown or LaTeX)
// and a file. The folder and format are remembered. A failed write says why and keeps the
// dialog open.
#pragma once

#include "ui/export/Figure.h"

#include <QDialog>

#include <functional>
#include <vector>

class QComboBox;
class QLabel;
class QLayout;
class QLineEdit;
class QListWidget;

namespace convscope::ui {

// Where exports go first: the folder used last, else ~/Pictures when it exists, else home.
QString defaultExportFolder();

// The file part of an export dialog: the path box with Browse… (asking for a file of the
// extension `extension()` gives at the time), and the red line a failed write shows in.
struct ExportFileRow {
  QLineEdit* path;
  QLabel* problem;
  QLayout* layout; // path and Browse… side by side, for a form row
};
ExportFileRow makeExportFileRow(QWidget* dialog, const QString& objectName, std::function<QString()> extension);
void showExportProblem(const ExportFileRow& row, const QString& problem); // "" hides the line

class ExportDialog : public QDialog {
  Q_OBJECT
public:
  ExportDialog(std::vector<Figure> figures, QWidget* parent = nullptr);

  // Writes the chosen figure to the path box's file in the chosen format; "" on success,
  // else what went wrong (also shown in the dialog).
  QString exportChosen();
  QString writtenPath() const { return written_; }

  QListWidget* figureList() const { return list_; }
  QComboBox* formatBox() const { return format_; }
  QLineEdit* pathBox() const { return file_.path; }

private:
  void figureChosen();
  void formatChosen();
  QString extension() const; // the chosen format's, without the dot
  double scale() const;      // PNG's

  std::vector<Figure> figures_;
  QListWidget* list_;
  QComboBox* format_;
  ExportFileRow file_;
  QString written_;
};

} // namespace convscope::ui
