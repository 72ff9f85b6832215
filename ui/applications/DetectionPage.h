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

class SceneCanvas;
class TrainingWorker;

class DetectionPage : public QWidget {
  Q_OBJECT
public:
  static constexpr int kSide = 64; // the scenes' canvas, the model's input

  explicit DetectionPage(QWidget* parent = nullptr);
  ~DetectionPage() override;

  // The scene (kSide·kSide grey values 0–255), its true boxes (a composed scene's; empty
  // otherwise) and which test scene it is (−1: drawn or opened).
  const std::vector<float>& scene() const { return scene_; }
  const std::vector<ObjectBox>& truths() const { return truths_; }
  int sceneIndex() const { return sceneIndex_; }
  bool hasModel() const { return network_ != nullptr; }
  const DetectorSpec& spec() const { return spec_; }
  const AnchorGrid& anchors() const { return grid_; }
  // The detector's candidates for the scene (score ≥ the threshold), NMS over them, and the
  // boxes it keeps (all steps taken).
  const std::vector<Detection>& candidates() const { return candidates_; }
  const NmsResult& suppression() const { return nms_; }
  std::vector<Detection> detections() const;
  double scoreThreshold() const;
  double iouThreshold() const;
  void setThresholds(double score, double iou); // the sliders, in hundredths
  // NMS stepped: how many kept boxes have been decided (0 … suppression().keep.size()); each
  // step keeps the next box and strikes its overlaps.
  int nmsStep() const { return nmsStep_; }
  // One candidate's state at the current step: 0 pending, 1 kept, 2 struck.
  int candidateState(size_t candidate) const;
  QString nmsText() const; // the last step's decision in words
  // The clicked cell: level (0 or 1), row, column; −1 level for none. Its explanation.
  void selectCell(int level, int y, int x);
  int selectedLevel() const { return cellLevel_; }
  int selectedCellY() const { return cellY_; }
  int selectedCellX() const { return cellX_; }
  void setNmsStep(int step); // clamped to 0 … the kept boxes
  QString cellText() const;
  // The precision–recall curves over the test scenes (computed on first use), the class shown.
  const DetectionMetrics& testMetrics();
  void setPrClass(int k);
  int prPointsShown() const { return prShown_; }
  bool isTraining() const { return training_.has_value(); }
  const std::vector<std::pair<double, double>>& lossPoints() const { return loss_; }
  const std::vector<std::pair<double, double>>& mapPoints() const { return map_; }
  QString statusText() const;
  QSpinBox* epochsBox() const { return epochsBox_; }
  QSpinBox* scenesBox() const { return scenesBox_; }
  SceneCanvas* canvas() const { return canvas_; }
  void setEvaluatedScenes(int count) { evaluatedScenes_ = count; } // per epoch (all 500 unless set)
  std::vector<Figure> figures() const;
  void setPresenterMode(bool on);
  void setOtherTraining(std::function<bool()> busy) { otherTraining_ = std::move(busy); }
  // A trained detector file (its anchors in the file, a 64×64 input); false with `error`.
  bool loadModel(const QString& path, QString* error);

public slots:
  void showTestScene(int index);
  void nextScene();
  void previousScene();
  void drawNew();
  void setImage(const convscope::Tensor& image, const QString& name);
  void openImage();
  void stepNms();     // one more kept box (from the start again after the last)
  void resetNms();    // back to the sorted candidates, nothing decided
  void finishNms();   // every step
  void buildPrCurve(); // the current class's curve point by point
  void train();
  void stop();

signals:
  void trainingStarted();
  void trainingFinished();

protected:
  bool event(QEvent* event) override;

private:
  void ensureScenes();
  void sceneChanged();           // a new scene or a stroke: run the detector again
  void detectionChanged();       // thresholds: candidates, NMS, the table, the canvas
  void showNms();
  void showCell();
  void paintOverlay(QPainter& p, double scale) const;
  void canvasClicked(QPointF at);
  void takeReports();
  void replotTraining();
  void replotPr();
  void setNetwork(std::unique_ptr<Network> network, const Preprocess& preprocess, const QString& origin);
  Network* activeNetwork() const; // the one in training (its latest weights) or the page's

  std::vector<float> scene_;
  std::vector<ObjectBox> truths_;
  int sceneIndex_ = 0;
  std::shared_ptr<const Dataset> testScenes_;
  std::unique_ptr<Network> network_;
  Preprocess preprocess_;
  DetectorSpec spec_;
  AnchorGrid grid_;
  QString origin_;
  std::vector<float> output_; // one image's D values for the scene
  std::vector<Detection> candidates_;
  NmsResult nms_;
  int nmsStep_ = 0;
  int cellLevel_ = 0, cellY_ = -1, cellX_ = -1;
  std::optional<DetectionMetrics> metrics_; // of the test scenes, for the current weights
  int prClass_ = 7, prShown_ = 0;
  std::unique_ptr<Backend> backend_;
  std::function<bool()> otherTraining_;
  bool presenter_ = false, shown_ = false, sceneChosen_ = false;
  int evaluatedScenes_ = 0;

  struct Run {
    std::unique_ptr<Network> live;
    Preprocess preprocess;
    int epochs = 0, batchesPerEpoch = 1;
  };
  std::optional<Run> training_;
  TrainingWorker* worker_ = nullptr;
  std::vector<std::pair<double, double>> loss_, map_;

  QWidget* stage_;
  SceneCanvas* canvas_;
  QLabel* sceneTitle_;
  QComboBox *levelBox_, *heatBox_, *prClassBox_;
  QCheckBox *anchorsBox_, *truthBox_, *drawBox_;
  QLabel* cellText_;
  QSlider *scoreSlider_, *iouSlider_;
  QLabel *scoreLabel_, *iouLabel_;
  QTableWidget* nmsTable_;
  QLabel* nmsLine_;
  QPushButton *stepButton_, *resetButton_, *allButton_;
  QPushButton *previousButton_, *nextButton_, *newButton_, *openButton_, *trainButton_, *stopButton_, *buildButton_;
  QSpinBox *epochsBox_, *scenesBox_;
  QProgressBar* progress_;
  QLabel* status_;
  QLabel* prLine_;
  QTabWidget* plots_;
  QCustomPlot* prPlot_;
  QCustomPlot* curves_;
  QCPItemText* emptyText_;
  QTimer* prTimer_;
};

} // namespace convscope::ui
