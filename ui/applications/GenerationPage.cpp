// GenerationPage: the VAE and GAN panels.
#include "ui/applications/GenerationPage.h"

#include "ui/applications/GanPanel.h"
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
}

bool GenerationPage::isTraining() const { return vae_->isTraining() || gan_->isTraining(); }

void GenerationPage::setOtherTraining(std::function<bool()> busy) {
  vae_->setOtherTraining([this, busy] { return busy() || gan_->isTraining(); });
  gan_->setOtherTraining([this, busy] { return busy() || vae_->isTraining(); });
}

std::vector<Figure> GenerationPage::figures() const {
  return currentWidget() == gan_ ? gan_->figures() : vae_->figures();
}

void GenerationPage::setPresenterMode(bool on) {
  vae_->setPresenterMode(on);
  gan_->setPresenterMode(on);
}

} // namespace convscope::ui
