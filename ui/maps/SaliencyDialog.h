// "Why did it say 7?" for the open model and the current image: the input gradient of a
// class score, Grad-CAM on a chosen convolution, or occlusion, as a map over the image
// (engine/lessons/Saliency.h computes them). Follows the image and the model as they change.
// Not for: the drawing pad's map (the training panel shows that one beside the pad).
#pragma once

#include "ui/core/Workspace.h"

#include <QDialog>
#include <QImage>

#include <memory>

class QComboBox;
class QLabel;

namespace convscope {
class Backend;
}

namespace convscope::ui {

class SaliencyDialog : public QDialog {
  Q_OBJECT
public:
  explicit SaliencyDialog(Workspace* workspace, QWidget* parent = nullptr);
  ~SaliencyDialog() override;
  QImage image() const { return image_; } // the map over the image, as shown (null: see text())
  QString text() const;                   // the verdict, or why there is no map
  QComboBox* methodBox() const { return method_; }

public slots:
  void recompute();

private:
  void followModel(); // the class and layer choices of the workspace's model, when it changed

  Workspace* workspace_; // the model is the workspace's, borrowed (SharedModel::use)
  std::unique_ptr<Backend> backend_;
  uint64_t shownGeneration_ = 0; // the model generation the choices are for
  QImage image_;
  QComboBox *method_, *class_, *layer_;
  QLabel *picture_, *verdict_;
};

} // namespace convscope::ui
