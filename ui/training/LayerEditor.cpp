// LayerEditor: a text editor on the left, the engine's line-by-line check on the right.
#include "ui/training/LayerEditor.h"
#include "ui/core/Text.h"

#include "engine/layers/LayerKind.h"

#include "ui/export/ExportDialog.h"

#include "engine/network/Presets.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTextBlock>
#include <QTextDocumentFragment>
#include <QTextStream>
#include <QToolButton>
#include <QVBoxLayout>

namespace convscope::ui {


LayerEditor::LayerEditor(const QString& initialText, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Build a network, one layer a line"));
  editor_ = new QPlainTextEdit;
  editor_->setObjectName("layerText");
  editor_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  editor_->setToolTip(tr("input C×H×W first, then one layer a line:\n"
                         "conv FILTERS KxK [stride S] [pad P] [dilation D]\n"
                         "relu | tanh | sigmoid | leaky-relu [slope]\n"
                         "maxpool KxK [stride S] | avgpool KxK [stride S]\n"
                         "flatten · dense N (or fc N) · softmax\n"
                         "# starts a comment"));
  table_ = new QTableWidget(0, 5);
  table_->setObjectName("layerTable");
  table_->setHorizontalHeaderLabels({tr("Line"), tr("Layer"), tr("Output"), tr("Parameters"), tr("Memory")});
  table_->horizontalHeaderItem(2)->setToolTip(
      tr("The layer's output for one image: channels × height × width, or a length"));
  table_->horizontalHeaderItem(4)->setToolTip(
      tr("The memory the layer's parameters take, 4 bytes each (training needs as much again for their gradients)"));
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  table_->verticalHeader()->hide();
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setWordWrap(true);
  summary_ = new QLabel;
  summary_->setObjectName("layerSummary");
  summary_->setWordWrap(true);

  // Templates at the cursor, and whole networks to start from.
  auto* insert = new QToolButton;
  insert->setText(tr("Insert layer"));
  insert->setPopupMode(QToolButton::InstantPopup);
  insert->setToolTip(tr("Add a layer below the cursor's line; edit its numbers afterwards"));
  auto* menu = new QMenu(insert);
  for (const char* line : {"conv 8 3x3 pad 1", "conv 16 5x5", "relu", "tanh", "maxpool 2x2", "avgpool 2x2",
                           "batchnorm", "deconv 8 2x2 stride 2", "upsample 2 bilinear", "flatten", "dense 84", "dense 10",
                           "dropout 0.5", "softmax"})
    menu->addAction(line, this, [this, line] { insertLine(QString::fromUtf8(line)); });
  insert->setMenu(menu);
  auto* start = new QToolButton;
  start->setText(tr("Start from"));
  start->setPopupMode(QToolButton::InstantPopup);
  start->setToolTip(tr("Replace the text with a preset's layers"));
  auto* presets = new QMenu(start);
  for (const std::string& name : presetNames())
    presets->addAction(QString::fromStdString(name), this,
                       [this, name] { setText(QString::fromStdString(layerListText(makePreset(name)))); });
  presets->addAction(tr("a small CNN (2 convolutions)"), this, [this] {
    setText("input 1x32x32\nconv 8 3x3 pad 1\nrelu\nmaxpool 2x2\nconv 16 3x3 pad 1\nrelu\nmaxpool 2x2\nflatten\n"
            "dense 64\nrelu\ndense 10\nsoftmax\n");
  });
  start->setMenu(presets);
  auto* save = new QPushButton(tr("Save as…"));
  save->setToolTip(tr("Save the layer list as a text file (convscope train --model FILE.txt reads it)"));
  connect(save, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the layer list"), "network.txt",
                                                      tr("Layer lists (*.txt *.layers)"));
    if (path.isEmpty()) return;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
      summary_->setText(tr("Could not write %1: %2").arg(path, file.errorString()));
      return;
    }
    QTextStream(&file) << text();
  });

  auto* exportTable = new QPushButton(tr("Export table…"));
  exportTable->setToolTip(tr("The table as a figure (SVG, PDF, PNG) or as CSV, Markdown or LaTeX, for a handout"));
  connect(exportTable, &QPushButton::clicked, this, [this] {
    ExportDialog dialog({tableFigure(tableText(), font(), "layers", tr("The layer list's table"))}, this);
    dialog.exec();
  });

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  ok_ = buttons->button(QDialogButtonBox::Ok);
  ok_->setText(tr("Use this network"));
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* tools = new QHBoxLayout;
  tools->addWidget(start);
  tools->addWidget(insert);
  tools->addStretch();
  tools->addWidget(exportTable);
  tools->addWidget(save);
  auto* panes = new QHBoxLayout;
  panes->addWidget(editor_, 2);
  panes->addWidget(table_, 3);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(tools);
  layout->addLayout(panes, 1);
  layout->addWidget(summary_);
  layout->addWidget(buttons);
  resize(980, 520);

  connect(editor_, &QPlainTextEdit::textChanged, this, &LayerEditor::recheck);
  setText(initialText);
  editor_->setFocus(); // type at once
  editor_->moveCursor(QTextCursor::End);
}

QString LayerEditor::text() const { return editor_->toPlainText(); }
void LayerEditor::setText(const QString& text) { editor_->setPlainText(text); } // rechecks

QString LayerEditor::summary() const { return summary_->text(); }

void LayerEditor::insertLine(const QString& line) {
  QTextCursor cursor = editor_->textCursor();
  cursor.movePosition(QTextCursor::EndOfBlock);
  cursor.insertText((cursor.block().text().isEmpty() ? QString() : QStringLiteral("\n")) + line);
  editor_->setTextCursor(cursor);
  editor_->setFocus();
}

TextTable LayerEditor::tableText() const {
  TextTable t;
  for (int c = 0; c < table_->columnCount(); ++c)
    t.header.push_back(table_->horizontalHeaderItem(c) ? table_->horizontalHeaderItem(c)->text().toStdString() : "");
  t.numeric = {true, false, false, true, true};
  t.numeric.resize(t.header.size(), false);
  for (int r = 0; r < table_->rowCount(); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < table_->columnCount(); ++c)
      row.push_back(table_->item(r, c) ? table_->item(r, c)->text().toStdString() : "");
    t.rows.push_back(std::move(row));
  }
  t.notes.push_back(QTextDocumentFragment::fromHtml(summary_->text()).toPlainText().toStdString());
  return t;
}

void LayerEditor::recheck() {
  check_ = checkLayerList(text().toStdString());
  table_->setRowCount(int(check_.rows.size()));
  const QColor bad(178, 24, 43);
  for (int r = 0; r < int(check_.rows.size()); ++r) {
    const LayerListRow& row = check_.rows[size_t(r)];
    const bool ok = row.error.empty();
    // "conv1 (conv)", "act1 (tanh)"; the full description ("Conv2D 'conv1' 6@5x5 s1,1 …") in the tooltip.
    QString layer = QString::fromStdString(row.error);
    if (ok && row.layer.empty()) layer = tr("input");
    if (ok && !row.layer.empty())
      layer = QStringLiteral("%1 (%2)").arg(QString::fromStdString(row.name), QString::fromStdString(row.kind));
    const bool weights = ok && row.parameters;
    const QStringList cells{QString::number(row.line), layer, ok ? qs(shapeText(row.output)) : QString(),
                            weights ? QLocale().toString(qint64(row.parameters)) : QString(),
                            weights ? QString::fromStdString(byteSizeText(row.weightBytes)) : QString()};
    for (int c = 0; c < 5; ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      if (!ok) item->setForeground(bad);
      if (c == 1) item->setToolTip(ok ? QString::fromStdString(row.layer) : layer);
      if (c != 1 && c != 2) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      table_->setItem(r, c, item);
    }
  }
  table_->resizeRowsToContents();
  // The lines that do not fit, tinted in the text too.
  QList<QTextEdit::ExtraSelection> marks;
  for (const LayerListRow& row : check_.rows) {
    if (row.error.empty()) continue;
    QTextEdit::ExtraSelection mark;
    mark.cursor = QTextCursor(editor_->document()->findBlockByNumber(row.line - 1));
    mark.format.setBackground(QColor(253, 224, 220));
    mark.format.setProperty(QTextFormat::FullWidthSelection, true);
    mark.format.setToolTip(QString::fromStdString(row.error));
    marks << mark;
  }
  editor_->setExtraSelections(marks);
  if (check_.fits()) {
    // "750,001,000 parameters (3.0 GB of weights)": why a network is too big to train, in numbers.
    summary_->setStyleSheet(QString());
    summary_->setText(tr("%1 parameters (%2 of weights) · output %3 values · the last layer's outputs must cover the "
                         "dataset's classes")
                          .arg(QLocale().toString(qint64(check_.parameters)),
                               QString::fromStdString(byteSizeText(check_.weightBytes)),
                               QLocale().toString(qint64(check_.rows.back().output.elementCount()))));
  } else {
    summary_->setStyleSheet("color: #b2182b;");
    summary_->setText(QString::fromStdString(check_.error));
  }
  ok_->setEnabled(check_.fits());
}

} // namespace convscope::ui
