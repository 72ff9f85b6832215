// How the open model's images are prepared: the mean and standard deviation per channel the
// model was trained with, which an ONNX file often does not say, and whether an image's shorter
// side is resized first and its centre taken (torchvision's classifiers want ImageNet's values
// and 256 then the centre 224×224, a click away). Applied to the workspace's model, remembered
// for its file. Not for: ConvScope's own trained models' statistics (their model files carry
// them; the dialog shows and can override them).
#pragma once

#include "ui/core/Workspace.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QSpinBox;

namespace convscope::ui {

class NormalizationDialog : public QDialog {
  Q_OBJECT
public:
  explicit NormalizationDialog(Workspace* workspace, QWidget* parent = nullptr);
  QLineEdit* meanEdit() const { return mean_; }
  QLineEdit* stdEdit() const { return std_; }
  QSpinBox* resizeBox() const { return resize_; }
  QString errorText() const; // why the values were not applied ("" when they were)

public slots:
  void refresh();       // the open model's values, as used now
  bool apply();         // the typed values; false (and the reason shown) when they do not fit the model
  void useImageNet();   // torchvision's ImageNet mean and std, and its resize (256 for 224×224), applied
  void useModelsOwn();  // the model's own again

private:
  Workspace* workspace_;
  QLabel* about_;
  QLineEdit* mean_;
  QLineEdit* std_;
  QSpinBox* resize_;
  QLabel* error_;
};

} // namespace convscope::ui
