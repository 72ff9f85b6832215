// The Generation page's VAE: the latent plane with the 2,000 held-out digits as coloured points
// (their mean codes; for a code longer than 2 the plane of its two principal directions), the
// point under the mouse decoded live, a grid of decodes over the plane, a walk between two
// clicked points (exported as a GIF), and training from scratch with a β slider, the test loss
// split into reconstruction and KL on the curves as it trains. The shipped models (mini-vae-2d,
// mini-vae) are read when the page first shows.
// Not for: the VAE's arithmetic (engine/generative/Vae.h).
#pragma once

#include "ui/applications/GenerativePanel.h"

#include "engine/generative/Vae.h"
#include "engine/io/ModelFile.h"
#include "engine/training/Dataset.h"

#include <QPointF>

#include <memory>
#include <optional>
#include <vector>

class QComboBox;
class QCustomPlot;
class QSlider;
class QTabWidget;

namespace convscope::ui {

class ImageGrid;
class LatentPlaneView;

class VaePanel : public GenerativePanel {
  Q_OBJECT
public:
  explicit VaePanel(QWidget* parent = nullptr);
  ~VaePanel() override;

  // A trained VAE (convscope train --model mini-vae|mini-vae-2d --save FILE); false with `error`.
  bool loadModel(const QString& path, QString* error);
  bool hasModel() const { return vae_ != nullptr; }
  int codeSize() const; // L
  const LatentPlane& plane() const { return plane_; }
  LatentPlaneView* planeView() const { return planeView_; }
  // The plane's point decoded: its code (L) and its image (1, 1, 28, 28) in [0, 1].
  void decodeAt(QPointF plane);
  const std::vector<float>& decodedCode() const { return code_; }
  const Tensor& decodedImage() const { return decoded_; }
  ImageGrid* gridView() const { return gridView_; }
  ImageGrid* walkView() const { return walkView_; }
  void setWalk(QPointF a, QPointF b);
  double beta() const;
  void setBeta(double beta); // 0 … 4 in steps of 0.1
  // The curves' points: (epoch, nats per test image).
  const std::vector<std::pair<double, double>>& reconstructionPoints() const { return reconstruction_; }
  const std::vector<std::pair<double, double>>& klPoints() const { return kl_; }
  bool saveWalkAnimation(const QString& path, QString* error) const; // .gif or .mp4
  std::vector<Figure> figures() const override;
  void setPresenterMode(bool on) override;

public slots:
  void train(); // the chosen preset from scratch with the slider's β
  void chooseShipped(int index); // the model box: a shipped model

protected:
  void takeReports(TrainingReports& r) override;
  void firstShown() override; // the shipped mini-vae-2d

private:
  void setModel(Model model, const QString& origin);
  void encodeTestDigits(); // the points and the plane
  void decodeGrid();
  void decodeWalk();
  void replotCurves();
  Network& activeVae() const; // the network in training, or the page's

  std::unique_ptr<Network> vae_, live_;
  Network decoder_{Shape{1}};
  Preprocess preprocess_;
  std::shared_ptr<const Dataset> testDigits_;
  LatentPlane plane_;
  std::vector<float> code_;
  Tensor decoded_;
  QPointF walkA_, walkB_;
  std::vector<std::pair<double, double>> reconstruction_, kl_;
  size_t liveStateTensors_ = 0;

  QComboBox* modelBox_;
  LatentPlaneView* planeView_;
  ImageGrid *decodedView_, *gridView_, *walkView_;
  QLabel *codeLabel_, *planeNote_, *betaLabel_;
  QSlider* betaSlider_;
  QTabWidget* side_;
  QCustomPlot* curves_;
  QPushButton* saveWalkButton_;
};

} // namespace convscope::ui
