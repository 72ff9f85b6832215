// The Generation page's GAN application: super-resolution of the digits, the plain reconstruction
// loss against the adversarial one, ×2 (14×14 → 28×28) or ×4 (7×7 → 28×28, remembered). Five
// held-out digits a row: shrunk (what the models are given), bicubic (learns nothing), the plain model (pixels' MSE alone), the adversarial one
// (MSE + a weight × the discriminator's loss) and the real digit, each with its PSNR; beside them a
// table over 500 held-out digits — PSNR, the share of midtone pixels (blur), each model's
// discriminator's P(real), LeNet-5's accuracy — and the curves of a run. Either model retrains
// here from scratch (the adversarial one with the weight chosen) and its column follows the live
// weights as they arrive (a few times a second). The shipped pair of each factor (resources/models/mini-srgan*-digits.json)
// shows when the page first opens or the factor changes.
// Not for: the arithmetic (engine/generative/SuperResolution.h, Gan.h).
#pragma once

#include "ui/applications/GenerativePanel.h"

#include "engine/generative/SuperResolution.h"
#include "engine/io/ModelFile.h"

#include <array>
#include <memory>
#include <vector>

class QCPItemText;
class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QTableWidget;

namespace convscope::ui {

class ImageGrid;

class SuperResolutionPanel : public GenerativePanel {
  Q_OBJECT
public:
  enum Slot { Plain = 0, Adversarial = 1 };
  static constexpr int kRows = 5, kJudged = 500;
  explicit SuperResolutionPanel(QWidget* parent = nullptr);
  ~SuperResolutionPanel() override;

  // A trained super-resolution GAN (convscope train --model mini-srgan --save FILE) into a slot;
  // false with `error`.
  bool loadModel(Slot slot, const QString& path, QString* error);
  // 2 or 4: the shipped pair of that factor in, the rows shrunk anew (not while training; before the
  // panel first shows, the factor it will open with).
  void setFactor(int factor);
  int factor() const { return factor_; }
  bool hasModel(Slot slot) const { return generators_[slot] != nullptr; }
  // Column c of the rows: 0 shrunk, 1 bicubic, 2 plain, 3 adversarial, 4 real.
  ImageGrid* column(int c) const { return columns_[size_t(c)]; }
  // The figures over kJudged held-out digits, as last computed (NaN-free once a model is in).
  const UpscalingEvaluation& evaluation(Slot slot) const { return evaluations_[slot]; }
  const UpscalingEvaluation& baseline() const { return baseline_; }
  QTableWidget* table() const { return table_; }
  QComboBox* slotBox() const { return slotBox_; }
  QDoubleSpinBox* weightBox() const { return weightBox_; }
  // The run's test PSNR per epoch (epoch, dB).
  const std::vector<std::pair<double, double>>& psnrCurve() const { return psnr_; }
  std::vector<Figure> figures() const override;
  void setPresenterMode(bool on) override;

public slots:
  void train(); // the chosen slot, from scratch

protected:
  void takeReports(TrainingReports& r) override;
  void firstShown() override; // the shipped pair

private:
  void redrawColumn(Slot slot); // the slot's model (or live network) on the rows
  void showColumn(Slot slot, const Tensor& made);
  UpscalingEvaluation judgement(Network& generator, Network& discriminator); // over kJudged digits
  void refreshTable();
  void replot();
  Network& shownGenerator(Slot slot) const;

  std::array<std::unique_ptr<Network>, 2> generators_, discriminators_;
  std::array<UpscalingEvaluation, 2> evaluations_;
  UpscalingEvaluation baseline_;
  std::unique_ptr<Network> live_, liveDiscriminator_; // in training: the latest snapshot
  size_t liveTensors_ = 0, liveDiscriminatorTensors_ = 0;
  Slot training_ = Plain;
  int factor_ = 2, openingFactor_ = 0;
  std::unique_ptr<Model> classifier_;
  std::unique_ptr<DatasetSplit> digits_;
  Preprocess preprocess_;
  Tensor real_, shrunk_; // the rows' digits and what the models are given
  std::vector<std::pair<double, double>> psnr_, fakeScore_;

  std::array<ImageGrid*, 5> columns_;
  QTableWidget* table_;
  QComboBox *factorBox_, *slotBox_;
  QDoubleSpinBox* weightBox_;
  QCustomPlot* curves_;
  QCPItemText* emptyCurves_;
  QLabel* lesson_;
};

} // namespace convscope::ui
