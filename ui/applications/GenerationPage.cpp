// GenerationPage: the VAE, GAN and super-resolution panels.
#include "ui/applications/GenerationPage.h"

#include "ui/applications/GanPanel.h"
#include "ui/applications/SuperResolutionPanel.h"
#include "ui/applications/VaePanel.h"

namespace convscope::ui {

GenerationPage::GenerationPage(QWidget* parent) : QTabWidget(parent) {
  setObjectName("generationPage");
  setDocumentMode(true);
  vae_ = new VaePanel;
  addTab(vae_, tr("VAE"));
  setTabToolTip(0, tr("A variational autoencoder: codes on a plane, decoded live; the loss as reconstruction + KL"));
  gan_ = new GanPanel;
  addTab(gan_, tr("GAN"));
  setTabToolTip(1, tr("A generator against a discriminator: samples learning, step by step, and a census of their digits"));
  superResolution_ = new SuperResolutionPanel;
  addTab(superResolution_, tr("Super-resolution"));
  setTabToolTip(2, tr("The GAN application: 14×14 or 7×7 digits made 28×28, the plain reconstruction loss against "
                      "the adversarial one"));
}

bool GenerationPage::isTraining() const {
  return vae_->isTraining() || gan_->isTraining() || superResolution_->isTraining();
}

void GenerationPage::setOtherTraining(std::function<bool()> busy) {
  for (GenerativePanel* panel : panels()) // one run at a time: the window's others and this page's other panels
    panel->setOtherTraining([this, panel, busy] {
      if (busy()) return true;
      for (GenerativePanel* other : panels())
        if (other != panel && other->isTraining()) return true;
      return false;
    });
}

std::vector<GenerativePanel*> GenerationPage::panels() const { return {vae_, gan_, superResolution_}; }

std::vector<Figure> GenerationPage::figures() const {
  for (GenerativePanel* panel : panels())
    if (currentWidget() == panel) return panel->figures();
  return vae_->figures();
}

void GenerationPage::setPresenterMode(bool on) {
  for (GenerativePanel* panel : panels()) panel->setPresenterMode(on);
}

} // namespace convscope::ui
