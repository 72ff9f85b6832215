// The bundled samples: the lecture's examples, each with the kernels and settings of its
// slide (so no earlier choice leaks into it), the handwritten digit and the sample photos;
// as a list, a menu and a gallery of thumbnails.
// Not for: opening them (MainWindow::openSample sets the workspace from a Sample).
#pragma once

#include "engine/core/Geometry.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

class QMenu;
class QWidget;

namespace convscope::ui {

struct Sample {
  QString title, path;
  QStringList kernels; // names or files
  QString padding;
  float bias = 0;
  int stride = 1;
  bool lecture = false; // a lecture example: its settings are applied, else it opens as it is
  ActivationKind activation = ActivationKind::ReLU; // None: pooling reads the convolution as it is
  bool pooling = true;
  PoolMode poolMode = PoolMode::Max;
  int poolSize = 2, poolStride = 2;
  int stepMode = 0;    // the stepper's mode for the slide (Stepper::Mode)
  int channels = 0;    // 0 as stored, 1 gray, 3 RGB
  QString description; // the gallery's tooltip: what the slide shows
  QString deconv;      // a transposed convolution's sample (TransposedStepper::sampleName): the stepper opens on it
};

// The samples found in the resources folder (none when it cannot be found).
std::vector<Sample> lectureSamples();
// One action a sample; choosing one calls open(sample).
void fillSamplesMenu(QMenu* menu, const std::vector<Sample>& samples, const std::function<void(const Sample&)>& open);
// A list of thumbnails (a matrix drawn from its smallest to its largest value); a click calls open(sample).
QWidget* makeSamplesGallery(const std::vector<Sample>& samples, std::function<void(const Sample&)> open);

} // namespace convscope::ui
