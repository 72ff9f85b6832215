// The Generation page's GAN: 64 samples from a fixed noise redrawn as the generator learns (with
// the discriminator's P(real) under each when asked), training from scratch on the compute thread
// with pause and step mode (one discriminator step and one generator step a click, the two losses
// and D(x), D(G(z)) of that step), the losses and D's outputs as curves, and the census of a
// thousand samples as the bundled LeNet-5 reads them — mode collapse shows as one bar eating the
// others. The shipped mini-dcgan shows when the page first opens; the grid exports as PNG and its training as a GIF.
// Not for: the GAN's arithmetic (engine/generative/Gan.h).
#pragma once

#include "ui/applications/GenerativePanel.h"

#include "engine/generative/Gan.h"
#include "engine/io/Animation.h"
#include "engine/io/ModelFile.h"

#include <memory>
#include <optional>
#include <vector>

class QCheckBox;
class QCPBars;
class QCustomPlot;
class QTabWidget;

namespace convscope::ui {

class ImageGrid;

class GanPanel : public GenerativePanel {
  Q_OBJECT
public:
  static constexpr int kSamples = 64, kCensusSamples = 1000;
  explicit GanPanel(QWidget* parent = nullptr);
  ~GanPanel() override;

  // A trained GAN (convscope train --model mini-dcgan --save FILE); false with `error`.
  bool loadModel(const QString& path, QString* error);
  bool hasModel() const { return generator_ != nullptr; }
  ImageGrid* samplesView() const { return samples_; }
  const Tensor& noise() const { return noise_; } // the fixed noise (64, L), seed 1
  // The census of 1,000 samples (seed 2) by the bundled LeNet-5, as last taken.
  const SampleCensus& census() const { return census_; }
  void takeCensus();
  void setShowVerdicts(bool on); // D's P(real) under each sample
  // Training: batches (D step + G step) reported so far, the last one's report.
  int stepsSeen() const { return int(dLoss_.size()); }
  const BatchReport& lastStep() const { return lastStep_; }
  QString stepText() const;
  bool isPaused() const { return paused_; }
  const std::vector<std::pair<double, double>>& discriminatorLosses() const { return dLoss_; }
  bool saveSamples(const QString& path, QString* error) const;            // PNG
  bool saveTrainingAnimation(const QString& path, QString* error) const;  // GIF/MP4 of the grid as it learned
  int animationFrames() const { return int(frames_.size()); }
  std::vector<Figure> figures() const override;
  void setPresenterMode(bool on) override;

public slots:
  void train();
  void togglePause(); // pause, or resume
  void step();        // while paused: one discriminator step and one generator step

protected:
  void takeReports(TrainingReports& r) override;
  void firstShown() override; // the shipped mini-dcgan

private:
  void redrawSamples(); // the fixed noise through the generator shown (in training, the live one)
  void replot();
  Network& shownGenerator() const;
  Network& shownDiscriminator() const;

  std::unique_ptr<Network> generator_, discriminator_;      // the page's
  std::unique_ptr<Network> liveGenerator_, liveDiscriminator_; // in training: the latest snapshot
  size_t liveGeneratorTensors_ = 0, liveDiscriminatorTensors_ = 0;
  std::unique_ptr<Model> classifier_; // LeNet-5, read on first use
  Tensor noise_;
  SampleCensus census_;
  bool paused_ = false, verdicts_ = false;
  BatchReport lastStep_;
  std::vector<std::pair<double, double>> dLoss_, gLoss_, real_, fake_; // (batches, value)
  std::vector<RgbImage> frames_;

  ImageGrid* samples_;
  QLabel *stepLabel_, *censusLabel_;
  QPushButton *pauseButton_, *stepButton_, *censusButton_, *saveButton_, *saveAnimationButton_;
  QCheckBox* verdictBox_;
  QTabWidget* side_;
  QCustomPlot *losses_, *scores_, *censusPlot_;
  QCPBars* bars_;
};

} // namespace convscope::ui
