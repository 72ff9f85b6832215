// The Applications tab's Generation page: networks whose output is an image — a VAE (its latent
// plane, decodes, walks and β; VaePanel), a GAN (its samples learning, step mode, the census of
// its digits; GanPanel) and the GAN application, super-resolution (SuperResolutionPanel), one tab
// each.
// Not for: the models' arithmetic (engine/generative/).
#pragma once

#include "ui/export/Figure.h"

#include <QTabWidget>

#include <functional>
#include <vector>

namespace convscope::ui {

class GanPanel;
class GenerativePanel;
class SuperResolutionPanel;
class VaePanel;

class GenerationPage : public QTabWidget {
  Q_OBJECT
public:
  explicit GenerationPage(QWidget* parent = nullptr);
  VaePanel* vae() const { return vae_; }
  GanPanel* gan() const { return gan_; }
  SuperResolutionPanel* superResolution() const { return superResolution_; }
  bool isTraining() const;
  void setOtherTraining(std::function<bool()> busy);
  std::vector<Figure> figures() const; // the panel shown
  void setPresenterMode(bool on);

private:
  VaePanel* vae_;
  GanPanel* gan_;
  SuperResolutionPanel* superResolution_;
  std::vector<GenerativePanel*> panels() const;
};

} // namespace convscope::ui
