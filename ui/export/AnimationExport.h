// File → Export Animation (Ctrl+Shift+E): the stepper's sliding window over a whole
// convolution, ReLU, pooling or fully connected layer (one frame per output cell, the
// figure the stepper exports), or a training run's curves and filters (TrainingPanel's
// frames), written as an animated GIF or an MP4 at a chosen frame rate (engine/io/Animation.h).
#pragma once

#include "ui/export/ExportDialog.h"

#include "engine/io/Animation.h"

#include <QDialog>
#include <QImage>

#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;

namespace convscope::ui {

class Stepper;

constexpr int kMostAnimationFrames = 2000;

// Frames of different sizes placed top left on a white frame of the largest size.
std::vector<RgbImage> rgbFrames(const std::vector<QImage>& frames);
// One frame per output cell of the stepper's current (forward) mode, at `scale`; the
// stepper's cell is put back afterwards. Empty with `problem` set when the mode is the
// backward pass or there are more than kMostAnimationFrames cells.
std::vector<QImage> stepperFrames(Stepper* stepper, double scale, QString* problem);

class AnimationDialog : public QDialog {
  Q_OBJECT
public:
  // `what`: "the stepper's convolution, 16 frames"; `suggestedName` a file name's stem.
  AnimationDialog(std::vector<QImage> frames, const QString& what, const QString& suggestedName, double fps,
                  QWidget* parent = nullptr);

  // Writes the frames to the path box's file (.gif or .mp4) at the chosen rate; "" on
  // success, else what went wrong (also shown in the dialog).
  QString exportChosen();
  QString writtenPath() const { return written_; }
  QComboBox* formatBox() const { return format_; }
  QDoubleSpinBox* fpsBox() const { return fps_; }
  QLineEdit* pathBox() const { return file_.path; }

private:
  std::vector<QImage> frames_;
  QComboBox* format_;
  QDoubleSpinBox* fps_;
  ExportFileRow file_;
  QString written_;
};

} // namespace convscope::ui
