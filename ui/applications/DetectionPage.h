// The Applications tab's Detection page: how a single-shot detector (mini-ssd) turns a feature
// map into boxes, on a scene — a held-out composed test scene, one the student draws, or any
// image. Over the scene: the detector's boxes with labels and scores, the true boxes dashed, the
// anchor grid of a level, a clicked cell's anchors (their IoU with the true boxes, which are
// matched, the box each decodes to) and a class's score heatmap. Beside it, non-maximum
// suppression stepped: the candidates sorted by score, each step keeping the top box and
// striking those whose IoU with it passes the threshold, with sliders for the score and IoU
// thresholds and the result live. On the right, the precision–recall curve of a class over the
// 500 test scenes built point by point with AP as its area, and training from scratch on the
// compute thread with the loss and mAP@0.5 per epoch. The model the preset recipe trained ships
// in resources/models and shows at once.
// Not for: the engine's detection (engine/detection/), other networks (the Training tab).
#pragma once

#include "ui/applications/ScenePage.h"
#include "ui/export/Figure.h"

#include "engine/detection/AveragePrecision.h"
#include "engine/detection/Detector.h"
#include "engine/network/Network.h"
#include "engine/training/Dataset.h"
#include "engine/training/Preprocess.h"

#include <QWidget>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QCPItemText;
class QLabel;
class QPainter;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;
class QTableWidget;
class QTabWidget;
class QTimer;

namespace convscope {
class Backend;
}

namespace convscope::ui {

class NmsPanel;
class PrecisionRecallPanel;


class DetectionPage : public ScenePage {
  Q_OBJECT
public:
  explicit DetectionPage(QWidget* parent = nullptr);

  // The scene's true boxes (a composed scene's; empty otherwise).
  const std::vector<ObjectBox>& truths() const { return truths_; }
  bool hasModel() const { return network_ != nullptr; }
  const DetectorSpec& spec() const { return spec_; }
  const AnchorGrid& anchors() const { return grid_; }
  // The detector's candidates for the scene (score ≥ the threshold, by score), NMS over them,
  // and the boxes it keeps (all steps taken): the NMS panel's.
  const std::vector<Detection>& candidates() const;
  const NmsResult& suppression() const;
  std::vector<Detection> detections() const;
  double scoreThreshold() const;
  double iouThreshold() const;
  void setThresholds(double score, double iou);
  // NMS stepped: how many kept boxes have been decided; one candidate's state (NmsPanel::State).
  int nmsStep() const;
  int candidateState(size_t candidate) const;
  QString nmsText() const; // the last step's decision in words
  void setNmsStep(int step); // clamped to 0 … the kept boxes
  // The clicked cell: level (0 or 1), row, column; −1 for none. Its explanation.
  void selectCell(int level, int y, int x);
  int selectedLevel() const { return cellLevel_; }
  int selectedCellY() const { return cellY_; }
  int selectedCellX() const { return cellX_; }
  QString cellText() const;
  // The precision–recall curves over the test scenes (computed on first use), the class shown.
  const DetectionMetrics& testMetrics();
  void setPrClass(int k);
  int prPointsShown() const;
  bool isTraining() const { return training_.has_value(); }
  const std::vector<std::pair<double, double>>& lossPoints() const { return loss_; }
  const std::vector<std::pair<double, double>>& mapPoints() const { return map_; }
  std::vector<Figure> figures() const;
  void setPresenterMode(bool on);
  // A trained detector file laid out as mini-ssd (its anchors in the file, a 64×64 input, the
  // preset's levels and classes); false with `error`.
  bool loadModel(const QString& path, QString* error);

public slots:
  void stepNms();      // one more kept box (from the start again after the last)
  void resetNms();     // back to the sorted candidates, nothing decided
  void finishNms();    // every step
  void buildPrCurve(); // the current class's curve point by point
  void train();
  void stop();

protected:
  void takeTruth(const Dataset& scenes, int index) override;
  void clearTruth() override { truths_.clear(); }
  void sceneChanged() override; // a new scene or a stroke: run the detector again
  void drawingStarted() override;

private:
  void detectionChanged(); // thresholds: candidates, NMS, the canvas
  void showCell();
  void paintOverlay(QPainter& p, double scale) const;
  void canvasClicked(QPointF at);
  void takeReports();
  void replotTraining();
  DetectionMetrics testSceneMetrics(); // evaluates the 500 test scenes
  void setNetwork(std::unique_ptr<Network> network, const Preprocess& preprocess, const QString& origin);
  Network* activeNetwork() const; // the one in training (its latest weights) or the page's

  std::vector<ObjectBox> truths_;
  std::unique_ptr<Network> network_;
  Preprocess preprocess_;
  DetectorSpec spec_;
  AnchorGrid grid_;
  QString origin_;
  std::vector<float> output_; // one image's D values for the scene
  int cellLevel_ = 0, cellY_ = -1, cellX_ = -1;
  std::unique_ptr<Backend> backend_;
  bool presenter_ = false;

  struct Run {
    std::unique_ptr<Network> live;
    Preprocess preprocess;
    int epochs = 0, batchesPerEpoch = 1;
    size_t stateTensors = 0;
  };
  std::optional<Run> training_;
  std::vector<std::pair<double, double>> loss_, map_;

  QWidget* stage_;
  QComboBox *levelBox_, *heatBox_;
  QCheckBox *anchorsBox_, *truthBox_, *drawBox_;
  QLabel* cellText_;
  NmsPanel* nms_;
  PrecisionRecallPanel* pr_;
  QTabWidget* plots_;
  QCustomPlot* curves_;
  QCPItemText* emptyText_;
};

} // namespace convscope::ui
