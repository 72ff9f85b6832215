// What the Applications tab's pages share: a scene of digits — one of the 500 held-out composed
// test scenes (◀ Scene ▶), a canvas the student draws on, or any image opened — on a canvas
// that can also be drawn over and clicked; and a run of training on the compute thread (the
// epochs and scenes boxes, Train, Stop, the progress bar, the status line, one run at a time in
// the window). Each page adds what its application shows and what it trains.
// Not for: the pages' own models, views and curves (SegmentationPage, DetectionPage).
#pragma once

#include "ui/applications/Scenes.h"

#include "engine/core/Tensor.h"
#include "engine/training/Dataset.h"

#include <QWidget>

#include <functional>
#include <memory>
#include <string>
#include <vector>

class QHBoxLayout;
class QLabel;
class QPainter;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace convscope::ui {

class TrainingWorker;

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
  int side_;
  QPointF last_;
  bool drawing_ = false;
  std::function<void(QPainter&, double)> overlay_;
  bool drawingEnabled_ = true;
};

class ScenePage : public QWidget {
  Q_OBJECT
public:
  static constexpr int kSide = kSceneSide; // the scenes' canvas, the models' input
  // What a page says about itself on the shared controls.
  struct Texts {
    QString canvasTip, drawText, drawTip, trainText, trainTip, epochsTip;
    QString noTruth;    // "no true mask: no IoU": what a drawn or opened scene lacks
    QString sceneExtra; // after "Test scene 3 of 500: 1, 7 (never seen in training)"
    int epochs = 8;     // the preset recipe's
  };

  ~ScenePage() override;
  // The scene (kSide·kSide grey values 0–255, row by row) and which test scene it is (−1: drawn
  // or opened).
  const std::vector<float>& scene() const { return scene_; }
  int sceneIndex() const { return sceneIndex_; }
  SceneCanvas* canvas() const { return canvas_; }
  QSpinBox* epochsBox() const { return epochsBox_; }
  QSpinBox* scenesBox() const { return scenesBox_; }
  QString statusText() const;
  // How many of the 500 test scenes each epoch is scored on (all unless set: fewer for a quick
  // check, as the tests make under the sanitizers).
  void setEvaluatedScenes(int count) { evaluatedScenes_ = count; }
  // Another training run in the window: this page waits for it.
  void setOtherTraining(std::function<bool()> busy) { otherTraining_ = std::move(busy); }

public slots:
  void showTestScene(int index); // 0 … 499, wrapped
  void nextScene();
  void previousScene();
  void drawNew();                                                     // a black canvas to draw digits on
  void setImage(const convscope::Tensor& image, const QString& name); // any image: grey, fitted into 64×64
  void openImage();                                                   // a file dialog

signals:
  void trainingStarted();
  void trainingFinished();

protected:
  ScenePage(const QString& objectName, const Texts& texts, QWidget* parent);

  // The page's part of a new scene: its truth from test scene `index` (or none: clearTruth),
  // and what it shows for the scene.
  virtual void takeTruth(const Dataset& scenes, int index) = 0;
  virtual void clearTruth() = 0;
  virtual void sceneChanged() = 0;
  virtual void drawingStarted() {} // New was pressed

  // The row of controls (scene buttons, then the training's), for the page's layout.
  QHBoxLayout* controlRow() const { return controls_; }
  // Training: false (with the reason in the status line) while another run goes on; the
  // controls while a run goes on or not; the worker started on the preset with the boxes'
  // epochs and scenes (status_ says so).
  bool mayStartTraining();
  void setTrainingControls(bool running);
  void startTraining(const std::string& preset);
  int scenesScored() const; // per epoch: evaluatedScenes_, or all 500
  TrainingWorker* worker() const { return worker_; }
  void ensureScenes(); // the held-out test scenes, composed on first use
  bool event(QEvent* event) override;

  std::vector<float> scene_;
  int sceneIndex_ = 0;
  std::shared_ptr<const Dataset> testScenes_;
  SceneCanvas* canvas_;
  QLabel* sceneTitle_;
  QPushButton *previousButton_, *nextButton_, *drawButton_, *openButton_, *trainButton_, *stopButton_;
  QSpinBox *epochsBox_, *scenesBox_;
  QProgressBar* progress_;
  QLabel* status_;

private:
  Texts texts_;
  bool sceneChosen_ = false, shown_ = false;
  QHBoxLayout* controls_;
  TrainingWorker* worker_ = nullptr;
  std::function<bool()> otherTraining_;
  int evaluatedScenes_ = 0;
};

} // namespace convscope::ui
