// ApplicationsTab: the pages, one per application.
#include "ui/applications/ApplicationsTab.h"
#include "ui/applications/DetectionPage.h"
#include "ui/applications/GenerationPage.h"
#include "ui/applications/SegmentationPage.h"

namespace convscope::ui {

ApplicationsTab::ApplicationsTab(QWidget* parent) : QTabWidget(parent) {
  setObjectName("applicationsTab");
  setDocumentMode(true);
  segmentation_ = new SegmentationPage;
  addTab(segmentation_, tr("Segmentation"));
  setTabToolTip(0, tr("A class for every pixel: U-Net against a skip-less FCN on composed scenes of digits"));
  detection_ = new DetectionPage;
  addTab(detection_, tr("Detection"));
  setTabToolTip(1, tr("Boxes from a feature map: a single-shot detector's anchors, matching, NMS and mAP on the scenes"));
  generation_ = new GenerationPage;
  addTab(generation_, tr("Generation"));
  setTabToolTip(2, tr("Images as output: a VAE's latent plane and a GAN learning to draw digits"));
}

bool ApplicationsTab::isTraining() const {
  return segmentation_->isTraining() || detection_->isTraining() || generation_->isTraining();
}

void ApplicationsTab::setOtherTraining(std::function<bool()> busy) {
  segmentation_->setOtherTraining(
      [this, busy] { return busy() || detection_->isTraining() || generation_->isTraining(); });
  detection_->setOtherTraining(
      [this, busy] { return busy() || segmentation_->isTraining() || generation_->isTraining(); });
  generation_->setOtherTraining(
      [this, busy] { return busy() || segmentation_->isTraining() || detection_->isTraining(); });
}

std::vector<Figure> ApplicationsTab::figures() const {
  if (currentWidget() == generation_) return generation_->figures();
  return currentWidget() == detection_ ? detection_->figures() : segmentation_->figures();
}

void ApplicationsTab::setPresenterMode(bool on) {
  segmentation_->setPresenterMode(on);
  detection_->setPresenterMode(on);
  generation_->setPresenterMode(on);
}

} // namespace convscope::ui
