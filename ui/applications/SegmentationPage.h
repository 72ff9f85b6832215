// The Applications tab's Segmentation page: a scene — one of the held-out composed test scenes,
// one the student draws, or any image — with the class of every pixel predicted over it by two
// networks side by side: mini-unet (an encoder–decoder with skip connections) and mini-fcn (the
// same encoder, its coarse scores upsampled at the end, no skips), so the room sees what the
// skips buy (strokes against blobs). Under each, the scene's per-class IoU when its true mask is
// known. Both train here on the scenes (U-Net, then FCN) on the compute thread, the loss and the
// test mean IoU plotted live and the predictions redrawn from the weights as they learn; the
// models trained by the preset recipe ship in resources/models and show at once.
// Not for: training other networks (the Training tab) or the engine's metrics (Segmentation.h).
#pragma once

#include "ui/applications/ScenePage.h"
#include "ui/export/Figure.h"

#include "engine/core/Tensor.h"
#include "engine/network/Network.h"
#include "engine/training/Dataset.h"
#include "engine/training/Preprocess.h"

#include <QWidget>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QCustomPlot;
class QCPItemText;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QPainter;

namespace convscope {
class Backend;
}

namespace convscope::ui {


class SegmentationPage : public ScenePage {
  Q_OBJECT
public:
  enum Which { UNet = 0, Fcn = 1 };

  explicit SegmentationPage(QWidget* parent = nullptr);

  // The scene's true classes when it is a composed scene (empty otherwise).
  const std::vector<uint8_t>& truth() const { return truth_; }
  // A model's classes for the scene (empty while it has no weights), its mean IoU on the scene
  // (NaN without a true mask or a prediction), and the epochs it has been trained here.
  const std::vector<uint8_t>& prediction(Which w) const { return columns_[w].prediction; }
  double sceneMeanIou(Which w) const;
  bool hasModel(Which w) const { return columns_[w].network != nullptr; }
  QString modelStatus(Which w) const;
  bool isTraining() const { return training_.has_value(); }
  // The run's curves so far: per model, (epochs, batch loss) and (epoch, test mean IoU).
  const std::vector<std::pair<double, double>>& lossPoints(Which w) const { return columns_[w].loss; }
  const std::vector<std::pair<double, double>>& iouPoints(Which w) const { return columns_[w].iou; }
  // For export: the scene and both predictions with their IoU; the training curves.
  std::vector<Figure> figures() const;
  void setPresenterMode(bool on);
  // A trained segmentation model file into a column (its network must give 11 classes a pixel
  // on a 64×64 input); false with `error` naming the problem, the column as it was.
  bool loadModel(Which w, const QString& path, QString* error);

public slots:
  void train(); // both models, U-Net first
  void stop();

protected:
  void takeTruth(const Dataset& scenes, int index) override;
  void clearTruth() override { truth_.clear(); }
  void sceneChanged() override; // the scene was replaced or drawn on: predict again

private:
  struct Column {
    QString title, preset, shipped; // "U-Net (skip connections)", "mini-unet", its file in resources/models
    std::unique_ptr<Network> network;
    Preprocess preprocess;
    QString origin; // "trained by the preset recipe (8 epochs)", "trained here, 3 epochs", "untrained"
    std::vector<uint8_t> prediction;
    std::vector<std::pair<double, double>> loss, iou;
    QLabel* image = nullptr;
    QLabel* iouText = nullptr;
    QLabel* status = nullptr;
  };
  void predict(Which w);
  void showColumn(Which w);
  void startRun(Which w);
  void takeReports();
  void replot();
  int imageSide() const; // the scene's and predictions' size on screen

  std::vector<uint8_t> truth_;
  std::array<Column, 2> columns_;
  std::unique_ptr<Backend> backend_;
  bool presenter_ = false;

  // The run in progress: which model, the network fed with the worker's weight snapshots, and
  // the models still to train after it.
  struct Run {
    Which which = UNet;
    std::vector<Which> next;
    std::unique_ptr<Network> live;
    Preprocess preprocess;
    int epochs = 0, batchesPerEpoch = 1;
  };
  std::optional<Run> training_;

  QWidget* stage_; // the scene and both predictions, with their captions
  QLabel* truthImage_;
  QCustomPlot* curves_;
  QCPItemText* emptyText_; // what the plot will show, until a run starts
};

} // namespace convscope::ui
