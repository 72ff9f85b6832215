// MainWindow's presenter mode (F11) and its settings overlay (F9).
#include "ui/window/MainWindow.h"
#include "ui/applications/ApplicationsTab.h"
#include "ui/inspection/InspectionTab.h"

#include "ui/architectures/ArchitectureTab.h"
#include "ui/maps/ControlPanels.h"
#include "ui/maps/FeatureMapView.h"
#include "ui/stepper/BackwardStepper.h"
#include "ui/stepper/Stepper.h"
#include "ui/training/TrainingPanel.h"
#include "ui/core/Workspace.h"
#include "ui/window/RecentFiles.h"

#include <QApplication>
#include <QDockWidget>
#include <QFrame>
#include <QLabel>
#include <QMenuBar>
#include <QScrollArea>
#include <QStatusBar>
#include <QVBoxLayout>

namespace convscope::ui {

// Presenter mode gives the stage to what is being explained: full screen, no side panels,
// menus or status bar (their shortcuts still work), large high-contrast text, the
// stepper's grids as large as the screen allows. F9 brings the settings back as an
// overlay over the stage, and takes them away again.
void MainWindow::setPresenterMode(bool on) {
  if (on == presenter_) return;
  presenter_ = on;
  presenterAction_->setChecked(on);
  settingsAction_->setEnabled(on);
  nextSampleAction_->setShortcut(on ? QKeySequence(Qt::Key_PageDown) : QKeySequence());
  previousSampleAction_->setShortcut(on ? QKeySequence(Qt::Key_PageUp) : QKeySequence());
  QFont font = QApplication::font();
  if (on) {
    stateBeforePresenter_ = saveState();
    paletteBeforePresenter_ = QApplication::palette();
    // High contrast for a projector: black on white, blue highlights (readable with
    // red-green colour blindness, like the maps' blue-white-red and the stepper's orange).
    QPalette contrast;
    for (auto role : {QPalette::Window, QPalette::Base, QPalette::Button, QPalette::AlternateBase})
      contrast.setColor(role, Qt::white);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) contrast.setColor(role, Qt::black);
    contrast.setColor(QPalette::Highlight, QColor(33, 102, 172));
    contrast.setColor(QPalette::HighlightedText, Qt::white);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) // disabled stays visibly so
      contrast.setColor(QPalette::Disabled, role, QColor(128, 128, 128));
    contrast.setColor(QPalette::Disabled, QPalette::Base, QColor(235, 235, 235));
    QApplication::setPalette(contrast);
    font.setPointSizeF(font.pointSizeF() * kPresenterScale);
    for (QDockWidget* d : findChildren<QDockWidget*>()) d->hide(); // the stage is the centre's
    menuBar()->hide();
    statusBar()->hide();
    showFullScreen();
    featureMaps_->setTileSize(260);
  } else {
    if (settingsOverlay_) settingsOverlay_->hide();
    QApplication::setPalette(paletteBeforePresenter_);
    font.setPointSizeF(font.pointSizeF() / kPresenterScale);
    menuBar()->show();
    statusBar()->show();
    restoreState(stateBeforePresenter_);
    showNormal();
    featureMaps_->setTileSize(150);
    stepper_->setCellSize(44);
  }
  QApplication::setFont(font);
  // The live bar's frame counter: read from the back of the hall (24 px and more) while presenting.
  for (QWidget* part : liveBar_->findChildren<QWidget*>()) {
    QFont f = font;
    if (on) f.setPixelSize(26);
    part->setFont(f);
  }
  stepper_->setPresenterMode(on);
  architectures_->setPresenterMode(on);
  training_->setPresenterMode(on);
  applications_->setPresenterMode(on);
  inspection_->setPresenterMode(on);
}

// The convolution settings over the stage, top right, while presenting (F9 again hides them).
void MainWindow::toggleSettingsOverlay() {
  if (!presenter_) return;
  if (!settingsOverlay_) {
    settingsOverlay_ = new QFrame(this);
    settingsOverlay_->setObjectName("settingsOverlay");
    settingsOverlay_->setFrameShape(QFrame::Box);
    settingsOverlay_->setAutoFillBackground(true);
    auto* layout = new QVBoxLayout(settingsOverlay_);
    auto* title = new QLabel(tr("<b>Settings</b> (F9 hides them)"));
    layout->addWidget(title);
    overlayScroll_ = new QScrollArea;
    overlayScroll_->setWidgetResizable(true);
    overlayScroll_->setFrameShape(QFrame::NoFrame);
    layout->addWidget(overlayScroll_);
  }
  if (settingsOverlay_->isVisible()) {
    settingsOverlay_->hide();
    convolutionDock_->setWidget(overlayScroll_->takeWidget()); // the panel goes home
    return;
  }
  overlayScroll_->setWidget(convolutionDock_->widget() ? convolutionDock_->widget() : convolutionPanel_);
  placeSettingsOverlay();
  settingsOverlay_->show();
  settingsOverlay_->raise();
  convolutionPanel_->setFocus();
}

// As small as its settings, in the corner that covers least of what the change shows: the
// stepper's output grid (a pooling mode changed in the overlay changes it), else top right.
void MainWindow::placeSettingsOverlay() {
  if (!settingsOverlay_) return;
  const QRect area = centralWidget()->geometry();
  settingsOverlay_->adjustSize();
  const QSize wanted = settingsOverlay_->sizeHint() + QSize(24, 24);
  const int width = std::min(area.width() / 2, std::max(360, wanted.width()));
  const int height = std::min(area.height() - 16, wanted.height());
  QRect focus;
  if (stepper_->isVisible()) {
    const QRect output = stepper_->outputGridRect(); // in the stepper's coordinates, clipped to its view
    if (!output.isEmpty()) focus = QRect(stepper_->mapTo(this, output.topLeft()), output.size());
  }
  const QPoint corners[] = {{area.right() - width - 8, area.top() + 8},
                            {area.right() - width - 8, area.bottom() - height - 8},
                            {area.left() + 8, area.bottom() - height - 8},
                            {area.left() + 8, area.top() + 8}};
  QRect best;
  int64_t leastCovered = -1;
  for (const QPoint& corner : corners) {
    const QRect place(corner, QSize(width, height));
    const QRect covered = place.intersected(focus);
    const int64_t area2 = covered.isEmpty() ? 0 : int64_t(covered.width()) * covered.height();
    if (leastCovered < 0 || area2 < leastCovered) leastCovered = area2, best = place;
  }
  settingsOverlay_->setGeometry(best);
}

} // namespace convscope::ui
