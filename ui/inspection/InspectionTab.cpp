// InspectionTab: the empty state, and the two pages over the workspace's model.
#include "ui/inspection/InspectionTab.h"

#include "ui/core/Workspace.h"
#include "ui/inspection/FoolPage.h"
#include "ui/inspection/ProbePage.h"

#include "engine/training/Dataset.h"

#include <QLabel>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace convscope::ui {

InspectionTab::InspectionTab(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace) {
  empty_ = new QWidget;
  emptyText_ = new QLabel(tr("Looking inside a network needs a trained one. Open your own (File → Open Model…, a "
                             "ConvScope model or an ONNX file from PyTorch), or one that comes with ConvScope:"));
  emptyText_->setWordWrap(true);
  auto* emptyLayout = new QVBoxLayout(empty_);
  emptyLayout->addStretch(1);
  emptyLayout->addWidget(emptyText_);
  const struct {
    const char* file;
    const char* label;
  } bundled[] = {{"lenet5-digits.json", QT_TR_NOOP("LeNet-5, trained on the handwritten digits")},
                 {"mini-vgg-fashion.json", QT_TR_NOOP("mini-vgg, trained on Fashion-MNIST's clothes")}};
  for (const auto& b : bundled) {
    auto* button = new QPushButton(tr(b.label));
    button->setObjectName(QStringLiteral("open-%1").arg(b.file));
    const QString path = QString::fromStdString(resourcesDirectory() + "/models/" + b.file);
    connect(button, &QPushButton::clicked, this, [this, path] { workspace_->loadModel(path, nullptr); });
    emptyLayout->addWidget(button);
  }
  emptyLayout->addStretch(2);

  probe_ = new ProbePage(workspace);
  fool_ = new FoolPage(workspace);
  pages_ = new QTabWidget;
  pages_->addTab(probe_, tr("Probe: what a unit wants to see"));
  pages_->addTab(fool_, tr("Fool it: adversarial examples"));
  pages_->setTabToolTip(0, tr("Each unit of a layer: the image that excites it most, made by gradient ascent, beside "
                              "the test images that excite it most"));
  pages_->setTabToolTip(1, tr("The smallest change to every pixel that makes the model answer wrong (FGSM, PGD)"));
  stack_ = new QStackedWidget;
  stack_->addWidget(empty_);
  stack_->addWidget(pages_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(stack_);
  connect(workspace_, &Workspace::modelChanged, this, &InspectionTab::followModel);
  followModel();
}

void InspectionTab::followModel() { stack_->setCurrentWidget(workspace_->hasModel() ? pages_ : empty_); }

void InspectionTab::setPresenterMode(bool on) {
  probe_->setPresenterMode(on);
  fool_->setPresenterMode(on);
}

} // namespace convscope::ui
