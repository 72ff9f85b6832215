// The side panels that edit the workspace: the input (name, sizes, channels, matrix
// editor), the convolution settings (stride, padding, dilation, bias, activation,
// pooling) and the kernels (gallery with thumbnails of their effect, editable grid, bank).
// Not for: drawing maps or stepping.
#pragma once

#include "ui/core/Workspace.h"

#include <QDialog>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QSpinBox;
class QTabWidget;
class QTableWidget;

namespace convscope::ui {

class InputPanel : public QWidget {
  Q_OBJECT
public:
  explicit InputPanel(Workspace* workspace, QWidget* parent = nullptr);
signals:
  void editMatrixRequested();

private:
  void refresh();
  Workspace* workspace_;
  QLabel* name_;
  QLabel* size_;
  QComboBox* channels_;
  QSpinBox* workingSide_;
};

class ConvolutionPanel : public QWidget {
  Q_OBJECT
public:
  explicit ConvolutionPanel(Workspace* workspace, QWidget* parent = nullptr);
  QSpinBox* strideBox() const { return stride_; }
  QComboBox* paddingBox() const { return padding_; }
  QSpinBox* paddingAmountBox() const { return paddingAmount_; }

private:
  void apply();   // widgets → workspace
  void refresh(); // workspace → widgets (settings changed elsewhere)
  Workspace* workspace_;
  QSpinBox* stride_;
  QComboBox* padding_;                                   // valid, same, custom
  QSpinBox* paddingAmount_;                              // custom: all sides…
  QSpinBox *padTop_, *padBottom_, *padLeft_, *padRight_; // …or each side
  QCheckBox* perSide_;
  QSpinBox* dilation_;
  QCheckBox* perChannel_; // a one-block kernel filters each channel on its own
  QDoubleSpinBox* bias_;
  QComboBox* activation_;
  QCheckBox* pooling_;
  QComboBox* poolMode_;
  QSpinBox* poolSize_;
  QSpinBox* poolStride_;
};

class KernelPanel : public QWidget {
  Q_OBJECT
public:
  explicit KernelPanel(Workspace* workspace, QWidget* parent = nullptr);
  QListWidget* gallery() const { return gallery_; }

public slots:
  void useClassic(const QString& name, bool addToBank);

private:
  void refreshThumbnails();
  void refreshLearned(); // the open model's convolution filters, after the classic ones
  void refreshBank();
  void loadEditorFrom(const NamedKernel& kernel);
  NamedKernel editorKernel() const;
  void resizeEditor();

  Workspace* workspace_;
  QListWidget* gallery_;
  QTableWidget* editor_;
  QSpinBox* size_;
  QSpinBox* blocks_;
  QSpinBox* block_;
  QCheckBox* normalize_;
  QListWidget* bank_;
  std::vector<std::vector<float>> editorBlocks_; // per channel block, row-major
};

// Type or paste a small input: rows, columns and channels, one table per channel.
class MatrixEditor : public QDialog {
  Q_OBJECT
public:
  explicit MatrixEditor(const Tensor& current, QWidget* parent = nullptr);
  Tensor values() const; // (C, H, W)

private:
  void reshape();
  QSpinBox *rows_, *columns_, *channels_;
  QTabWidget* tabs_;
  std::vector<QTableWidget*> tables_;
};

} // namespace convscope::ui
