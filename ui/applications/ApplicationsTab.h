// The Applications tab: the lecture's "Architectures vs applications" — what convolutional
// networks are used for beyond one label per image, a page each: segmentation (SegmentationPage)
// detection (DetectionPage) and generation (GenerationPage).
// Not for: the pages' own work (each page holds its models and training).
#pragma once

#include "ui/export/Figure.h"

#include <QTabWidget>

#include <functional>

namespace convscope::ui {

class SegmentationPage;
class DetectionPage;
class GenerationPage;

class ApplicationsTab : public QTabWidget {
  Q_OBJECT
public:
  explicit ApplicationsTab(QWidget* parent = nullptr);
  SegmentationPage* segmentation() const { return segmentation_; }
  DetectionPage* detection() const { return detection_; }
  GenerationPage* generation() const { return generation_; }
  // One training run at a time in the window: each page asks this (and the Training tab's) first.
  void setOtherTraining(std::function<bool()> busy);
  bool isTraining() const; // a page trains on the compute thread
  std::vector<Figure> figures() const; // the page shown
  void setPresenterMode(bool on);

private:
  SegmentationPage* segmentation_;
  DetectionPage* detection_;
  GenerationPage* generation_;
};

} // namespace convscope::ui
