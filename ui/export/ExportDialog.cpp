// The export dialog: figure, format, file.
#include "ui/export/ExportDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace convscope::ui {

namespace {
struct Format {
  const char* label;
  const char* extension;
  double scale; // PNG only
  bool table;   // offered for table figures only
};
constexpr Format kFormats[] = {
    {"SVG: vector, its text stays text (Inkscape, PowerPoint, LibreOffice)", "svg", 1, false},
    {"PDF: vector (LaTeX, Beamer)", "pdf", 1, false},
    {"PNG at 1× (the screen's size)", "png", 1, false},
    {"PNG at 2× (crisp on a laptop's screen)", "png", 2, false},
    {"PNG at 4× (a 4K projector)", "png", 4, false},
    {"CSV (spreadsheets)", "csv", 1, true},
    {"Markdown (a table for notes, a wiki or a README)", "md", 1, true},
    {"LaTeX (booktabs)", "tex", 1, true},
};
} // namespace

ExportFileRow makeExportFileRow(QWidget* dialog, const QString& objectName, std::function<QString()> extension) {
  ExportFileRow row;
  row.path = new QLineEdit;
  row.path->setObjectName(objectName);
  auto* browse = new QPushButton(QObject::tr("Browse…"));
  row.problem = new QLabel;
  row.problem->setWordWrap(true);
  row.problem->setStyleSheet("color: #b2182b;");
  row.problem->hide();
  auto* layout = new QHBoxLayout;
  layout->addWidget(row.path, 1);
  layout->addWidget(browse);
  row.layout = layout;
  QLineEdit* path = row.path;
  QObject::connect(browse, &QPushButton::clicked, dialog, [dialog, path, extension = std::move(extension)] {
    const QString ext = extension();
    const QString chosen = QFileDialog::getSaveFileName(dialog, QObject::tr("Export to"), path->text(),
                                                        QStringLiteral("%1 (*.%2)").arg(ext.toUpper(), ext));
    if (!chosen.isEmpty()) path->setText(chosen);
  });
  return row;
}

void showExportProblem(const ExportFileRow& row, const QString& problem) {
  row.problem->setText(problem);
  row.problem->setVisible(!problem.isEmpty());
}

QString defaultExportFolder() {
  const QString remembered = QSettings().value("export/folder").toString();
  if (!remembered.isEmpty() && QFileInfo(remembered).isDir()) return remembered;
  const QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
  return !pictures.isEmpty() && QFileInfo(pictures).isDir() ? pictures : QDir::homePath();
}

ExportDialog::ExportDialog(std::vector<Figure> figures, QWidget* parent)
    : QDialog(parent), figures_(std::move(figures)) {
  setWindowTitle(tr("Export a figure"));
  list_ = new QListWidget;
  list_->setObjectName("exportFigures");
  for (const Figure& f : figures_) list_->addItem(f.title);
  list_->setToolTip(tr("What this tab shows, as figures for slides and handouts"));
  format_ = new QComboBox;
  format_->setObjectName("exportFormat");
  file_ = makeExportFileRow(this, "exportPath", [this] { return extension(); });
  auto* form = new QFormLayout;
  form->addRow(tr("Format:"), format_);
  form->addRow(tr("File:"), file_.layout);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
  QPushButton* save = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
  save->setDefault(true);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(tr("Figure:")));
  layout->addWidget(list_, 1);
  layout->addLayout(form);
  layout->addWidget(file_.problem);
  layout->addWidget(buttons);
  resize(620, 420);

  connect(list_, &QListWidget::currentRowChanged, this, &ExportDialog::figureChosen);
  connect(format_, &QComboBox::currentIndexChanged, this, &ExportDialog::formatChosen);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(buttons, &QDialogButtonBox::accepted, this, [this] {
    if (exportChosen().isEmpty()) accept();
  });
  if (!figures_.empty()) list_->setCurrentRow(0);
}

QString ExportDialog::extension() const {
  const int i = format_->currentData().toInt();
  return i >= 0 && i < int(std::size(kFormats)) ? QString(kFormats[i].extension) : QStringLiteral("svg");
}

double ExportDialog::scale() const {
  const int i = format_->currentData().toInt();
  return i >= 0 && i < int(std::size(kFormats)) ? kFormats[i].scale : 1.0;
}

void ExportDialog::figureChosen() {
  const int row = list_->currentRow();
  if (row < 0 || row >= int(figures_.size())) return;
  const bool table = figures_[size_t(row)].table.has_value();
  const QString remembered = QSettings().value("export/format", kFormats[0].label).toString();
  QSignalBlocker block(format_);
  format_->clear();
  for (int i = 0; i < int(std::size(kFormats)); ++i)
    if (!kFormats[i].table || table) format_->addItem(tr(kFormats[i].label), i);
  const int at = format_->findText(tr(remembered.toUtf8().constData()));
  format_->setCurrentIndex(std::max(0, at));
  formatChosen();
}

void ExportDialog::formatChosen() {
  const int row = list_->currentRow();
  if (row < 0 || row >= int(figures_.size())) return;
  QString folder = defaultExportFolder();
  // The figure's name in the folder of the path shown (or the remembered one).
  if (!file_.path->text().isEmpty()) folder = QFileInfo(file_.path->text()).absolutePath();
  file_.path->setText(QDir(folder).filePath(figures_[size_t(row)].name + "." + extension()));
  showExportProblem(file_, {});
}

QString ExportDialog::exportChosen() {
  const int row = list_->currentRow();
  QString problem;
  if (row < 0 || row >= int(figures_.size()))
    problem = tr("Nothing to export on this tab yet");
  else if (file_.path->text().trimmed().isEmpty())
    problem = tr("Give the file to write");
  else
    problem = writeFigure(figures_[size_t(row)], file_.path->text().trimmed(), scale());
  showExportProblem(file_, problem);
  if (problem.isEmpty()) {
    written_ = file_.path->text().trimmed();
    QSettings().setValue("export/folder", QFileInfo(written_).absolutePath());
    QSettings().setValue("export/format", kFormats[format_->currentData().toInt()].label);
  }
  return problem;
}

} // namespace convscope::ui
