// The Applications tab: the lecture's "Architectures vs applications" — what convolutional
// networks are used for beyond one label per image, a page each: segmentation (SegmentationPage)
// now, detection and generation to come.
// Not for: the pages' own work (each page holds its models and training).
#pragma once

#include "ui/export/Figure.h"

#include <QTabWidget>

namespace convscope::ui {

class SegmentationPage;

class ApplicationsTab : public QTabWidget {
  Q_OBJECT
public:
  explicit ApplicationsTab(QWidget* parent = nullptr);
  SegmentationPage* segmentation() const { return segmentation_; }
  bool isTraining() const; // a page trains on the compute thread
  std::vector<Figure> figures() const; // the page shown
  void setPresenterMode(bool on);

private:
  SegmentationPage* segmentation_;
};

} // namespace convscope::ui
