// Train from the window: choose a preset, a dataset and the recipe, then Start, Pause,
// Step, Resume, Stop; watch the loss (raw and smoothed) and accuracy curves (QCustomPlot,
// zoom and pan with the mouse, export as PNG, PDF or CSV) and the first layer's filters
// change. The trainer runs on a worker thread; what it reports arrives as value
// snapshots and is drawn on a 50 ms timer. Not for: the engine's training loop itself.
#pragma once

#include "TrainingWorker.h"

#include <QElapsedTimer>

#include <QWidget>
#include <memory>

#include <vector>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QCPTextElement;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTimer;

namespace convscope::ui {

class DrawingPad;
class MapRows;
class MisclassifiedView;
class StatusLine;

class TrainingPanel : public QWidget {
  Q_OBJECT
public:
  explicit TrainingPanel(QWidget* parent = nullptr);
  ~TrainingPanel() override; // stops the worker and waits until it has returned

  bool isTraining() const { return training_; }
  bool hasUnsavedModel() const { return unsaved_; }
  int lossPoints() const;
  int accuracyPoints() const;
  int progress() const;
  QString statusText() const;
  int64_t batchesReceived() const { return batches_; }
  const Tensor& filters() const { return filters_; }
  QSpinBox* trainImagesBox() const { return trainImages_; }
  QComboBox* modelBox() const { return model_; }
  QString currentLayerText() const; // the current model as a layer list (LeNet-5 when it has none)
  static QString customModelName(); // the model box's entry for an edited layer list
  QSpinBox* epochsBox() const { return epochs_; }
  QDoubleSpinBox* smoothingBox() const { return smoothingBox_; }
  // The smoothed loss curve's values (for tests).
  std::vector<double> smoothedLoss() const;
  QSpinBox* batchBox() const { return batch_; }
  DrawingPad* drawingPad() const { return pad_; }
  // The drawing pad's class probabilities with the latest weights (empty before training).
  std::vector<float> drawingProbabilities() const { return padProbabilities_; }
  // Why did it say 7? The chosen saliency map over the drawing (null before training).
  QImage drawingSaliency() const { return padSaliencyImage_; }
  QComboBox* saliencyMethodBox() const { return padMethod_; }
  // The last epoch's confusion matrix (K x K counts, row = true class), and misclassified count.
  const std::vector<int>& confusion() const { return confusion_; }
  int misclassifiedShown() const;
  // Rows shown for the chosen test image (image, then up to two convolutions' maps) and
  // how many maps the last row has; 0 before training.
  int testMapRows() const;
  QSpinBox* testImageBox() const { return testIndex_; }
  // This run's epoch reports so far (without their test predictions).
  const std::vector<EpochReport>& epochReports() const { return history_; }

  void setPresenterMode(bool on);
  // The gradient-flow plot's curves: one per layer with weights, named by the layer.
  QCustomPlot* gradientPlot() const { return gradientPlot_; }
  int plotFontPixels() const;                                // the curves' tick labels, in pixels
  QString lastCheckpoint() const { return lastCheckpoint_; } // where this tab's checkpoints go
  bool isFormShown() const { return !form_->isHidden(); }    // the recipe form (hidden while presenting a run)

public slots:
  void start();
  void pause();
  void step();
  void resume();
  void stop();
  bool saveModel(const QString& path); // false (with a message) when there is nothing to save
  // The loss and accuracy curves as PNG or PDF (both plots) or CSV (series,x,y rows);
  // false when the file cannot be written.
  bool exportCurves(const QString& path);
  // Clears the curves and views and forgets the trained model (asking first when unsaved);
  // false when training or when the user keeps the model.
  bool reset();
  // A .txt layer list becomes the edited network (false, with a message, when it does not
  // fit); any other path is taken as a model file.
  bool openModelFile(const QString& path);
  void setLayers(const QString& text); // use this layer list as the model
  void editLayers();                   // the layer editor, on the current model
  // Goes on from a checkpoint (train --checkpoint, or this tab's own) to the Epochs box's
  // total, with the checkpoint's recipe and dataset; false, with a message, when it cannot.
  bool resumeFrom(const QString& checkpoint);

signals:
  void startRequested(convscope::ui::TrainingRequest request);
  void pauseRequested();
  void stepRequested();
  void resumeRequested();
  void stopRequested();
  void trainingFinished(bool ok, const QString& message);
  void modelSaved(const QString& path);
  // After each epoch of a run: the network (preset name or layer-list title), its dataset,
  // the epochs done, the test accuracy (0–1) and the epoch's wall time.
  void epochReported(const QString& network, const QString& dataset, int epochs, double testAccuracy, double seconds);

private:
  void startRun(TrainingRequest request); // start() and resumeFrom(): the form's recipe, or the checkpoint's
  QWidget* form_ = nullptr;               // the recipe: model, dataset, hyperparameters
  QLabel* misclassifiedLabel_ = nullptr;
  bool presenter_ = false;
  void drain(); // the coalescing timer: draw what arrived
  void addGradientNorms(const BatchReport& r);
  void predictDrawing();
  void explainDrawing();   // the saliency map of the drawing's verdict
  void showTestImage();    // the chosen test image through the GUI's copy of the network
  void resmooth();         // the smoothed loss curve from the raw one, after the smoothing changes
  void showPlaceholders(); // the confusion and probability plots before training
  static void showPlotContents(QCustomPlot* plot); // and once they have data
  static std::vector<QImage> renderImages(const Tensor& maps);
  void showConfusion(const EpochReport& report);
  void exportPlots();
  void setRunning(bool running);
  void setPaused(bool paused); // Pause while running; Step and Resume while paused

  TrainingWorker* worker_; // lives on the compute thread
  QComboBox *model_, *dataset_, *optimizer_, *loss_;
  QSpinBox *epochs_, *batch_, *seed_, *threads_, *trainImages_;
  QDoubleSpinBox *learningRate_, *momentum_, *smoothingBox_;
  QDoubleSpinBox *weightDecay_, *lrGamma_;
  QSpinBox* lrStep_;
  QComboBox* init_;
  QCheckBox* checkpointBox_;      // save a checkpoint after every epoch
  QPushButton* resumeFileButton_; // go on from a checkpoint
  QString lastCheckpoint_;        // the file this tab's checkpoints go to
  QPushButton *resetButton_, *editLayersButton_, *browseModelButton_, *browseDatasetButton_;
  QPushButton *startButton_, *pauseButton_, *stepButton_, *resumeButton_, *stopButton_, *saveButton_;
  QProgressBar* progress_;
  StatusLine* status_;
  QCustomPlot* lossPlot_;
  QCustomPlot* accuracyPlot_;
  QCustomPlot* gradientPlot_; // each layer's weight-gradient norm per batch, log scale
  MapRows* filterView_;
  QSpinBox* testIndex_;
  MapRows* testMaps_;
  QTimer* timer_;
  DrawingPad* pad_;
  QCustomPlot* padBars_;
  QCPTextElement* padVerdict_; // "reads 7 (99.8 %)" over the bars
  QComboBox* padMethod_;       // saliency, Grad-CAM or occlusion
  QLabel* padSaliency_;        // the map over the drawing
  QImage padSaliencyImage_;
  QCustomPlot* confusionPlot_;
  MisclassifiedView* misclassified_;

  // The GUI's own copy of the network, fed with parameter snapshots (never the worker's).
  std::unique_ptr<Network> live_;
  std::unique_ptr<Backend> liveBackend_;
  TrainingSetup setup_;
  std::vector<float> padProbabilities_;
  std::vector<int> confusion_;
  QString preset_;
  QString customLayers_; // the edited layer list, used when the model box shows customModelName()
  std::vector<EpochReport> history_;
  QElapsedTimer plotClock_;

  std::vector<BatchReport> pendingBatches_;
  std::vector<EpochReport> pendingEpochs_;
  Tensor filters_;
  bool filtersDirty_ = false;
  bool training_ = false, unsaved_ = false, paused_ = false;
  int64_t batches_ = 0;
  LossSmoothing smoothing_{0.9};    // the loss curve's moving average, point by point
  TrainingProgress runProgress_{1}; // fraction, pace and time left, as the command line's bar
  int totalEpochs_ = 1;
};

} // namespace convscope::ui
