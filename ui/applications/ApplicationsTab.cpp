// ApplicationsTab: the pages, one per application.
#include "ui/applications/ApplicationsTab.h"
#include "ui/applications/SegmentationPage.h"

namespace convscope::ui {

ApplicationsTab::ApplicationsTab(QWidget* parent) : QTabWidget(parent) {
  setObjectName("applicationsTab");
  setDocumentMode(true);
  segmentation_ = new SegmentationPage;
  addTab(segmentation_, tr("Segmentation"));
  setTabToolTip(0, tr("A class for every pixel: U-Net against a skip-less FCN on composed scenes of digits"));
}

bool ApplicationsTab::isTraining() const { return segmentation_->isTraining(); }

std::vector<Figure> ApplicationsTab::figures() const { return segmentation_->figures(); }

void ApplicationsTab::setPresenterMode(bool on) { segmentation_->setPresenterMode(on); }

} // namespace convscope::ui
