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

class SceneCanvas;
class TrainingWorker;

class SegmentationPage : public QWidget {
  Q_OBJECT
public:
  enum Which { UNet = 0, Fcn = 1 };
  static constexpr int kSide = 64; // the scenes' canvas, the models' input

  explicit SegmentationPage(QWidget* parent = nullptr);
  ~SegmentationPage() override;

  // The scene (kSide·kSide grey values 0–255, row by row); its true classes when it is a
  // composed scene (empty otherwise); which test scene (−1: drawn or opened).
  const std::vector<float>& scene() const { return scene_; }
  const std::vector<uint8_t>& truth() const { return truth_; }
  int sceneIndex() const { return sceneIndex_; }
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
  QString statusText() const;
  SceneCanvas* canvas() const { return canvas_; }
  QSpinBox* epochsBox() const { return epochsBox_; }
  QSpinBox* scenesBox() const { return scenesBox_; }
  // How many of the 500 test scenes each epoch is scored on (all unless set: fewer for a quick
  // check, as the tests make under the sanitizers).
  void setEvaluatedScenes(int count) { evaluatedScenes_ = count; }
  // For export: the scene and both predictions with their IoU; the training curves.
  std::vector<Figure> figures() const;
  void setPresenterMode(bool on);
  // Another training run in the window (the Training tab's): this page waits for it.
  void setOtherTraining(std::function<bool()> busy) { otherTraining_ = std::move(busy); }
  // A trained segmentation model file into a column (its network must give 11 classes a pixel
  // on a 64×64 input); false with `error` naming the problem, the column as it was.
  bool loadModel(Which w, const QString& path, QString* error);

public slots:
  void showTestScene(int index); // 0 … 499, wrapped
  void nextScene();
  void previousScene();
  void drawNew();                                       // a black canvas to draw digits on
  void setImage(const convscope::Tensor& image, const QString& name); // any image: grey, resized to 64×64
  void openImage();                                     // a file dialog
  void train();                                         // both models, U-Net first
  void stop();

signals:
  void trainingFinished();
  void trainingStarted();

protected:
  void resizeEvent(QResizeEvent* event) override;
  bool event(QEvent* event) override;

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
  void ensureScenes(); // the held-out test scenes, composed on first use
  void sceneChanged(); // the scene was replaced or drawn on: predict again
  void predict(Which w);
  void showColumn(Which w);
  void startRun(Which w);
  void takeReports();
  void replot();
  int imageSide() const; // the scene's and predictions' size on screen

  std::vector<float> scene_;
  std::vector<uint8_t> truth_;
  int sceneIndex_ = 0;
  std::shared_ptr<const Dataset> testScenes_;
  std::array<Column, 2> columns_;
  std::unique_ptr<Backend> backend_;
  std::function<bool()> otherTraining_;
  bool presenter_ = false;
  int evaluatedScenes_ = 0; // 0: all

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
  TrainingWorker* worker_ = nullptr;

  QWidget* stage_; // the scene and both predictions, with their captions
  SceneCanvas* canvas_;
  QLabel* sceneTitle_;
  QLabel* truthImage_;
  QPushButton *previousButton_, *nextButton_, *drawButton_, *openButton_, *trainButton_, *stopButton_;
  QSpinBox *epochsBox_, *scenesBox_;
  QProgressBar* progress_;
  QLabel* status_;
  QCustomPlot* curves_;
  QCPItemText* emptyText_; // what the plot will show, until a run starts
};

// The scene, magnified, that the student can draw on: white strokes (digits are white on
// black, as in the scenes) of about a digit's stroke width, reported when a stroke ends.
class SceneCanvas : public QWidget {
  Q_OBJECT
public:
  SceneCanvas(std::vector<float>* scene, int side, QWidget* parent = nullptr);
  void setSide(int pixels); // its size on screen
  void drawStroke(QPointF from, QPointF to); // in the scene's pixels (also for tests)
  // Drawn over the scene after it (the detection page's boxes and anchors), given the painter and
  // the screen pixels per scene pixel.
  void setOverlay(std::function<void(QPainter&, double)> overlay) { overlay_ = std::move(overlay); }
  // Off: a click reports where it landed (clicked) instead of drawing.
  void setDrawingEnabled(bool on) { drawingEnabled_ = on; }
  bool drawingEnabled() const { return drawingEnabled_; }

signals:
  void strokeFinished();
  void clicked(QPointF scenePoint); // in the scene's pixels, when drawing is off

protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;

private:
  QPointF toScene(QPointF widget) const;
  std::vector<float>* scene_;
  std::function<void(QPainter&, double)> overlay_;
  bool drawingEnabled_ = true;
  int side_;
  QPointF last_;
  bool drawing_ = false;
};

} // namespace convscope::ui
