// The Training tab's inspector: what the network in training makes of images, with the
// latest weights. The first layer's filters, a chosen test image and its feature maps, the
// misclassified test images (the maps pane); the test set's confusion matrix and a drawing
// pad whose digit the network reads, with a saliency map of why (the drawing pane). It runs
// its own copy of the network, fed with the worker's parameter snapshots (never the
// worker's network), on the GUI thread: one small image at a time, on one thread.
// Not for: the curves (TrainingCurves) or the run's controls (TrainingPanel).
#pragma once

#include "ui/export/Figure.h"

#include "ui/training/TrainingWorker.h"

#include <QImage>
#include <QObject>

#include <memory>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPTextElement;
class QLabel;
class QSpinBox;
class QWidget;

namespace convscope::ui {

class DrawingPad;
class MapRows;
class MisclassifiedView;

class TrainingInspector : public QObject {
  Q_OBJECT
public:
  explicit TrainingInspector(QObject* parent = nullptr);
  ~TrainingInspector() override;

  // The two panes, for the tab's layout (it takes ownership of them).
  QWidget* mapsPane() const { return mapsPane_; }
  QWidget* drawingPane() const { return drawingPane_; }
  // The first layer's filters as the filter view draws them, for given weights (a training
  // animation's lower half); the view shows the latest filters again afterwards.
  QImage filtersImage(const Tensor& filters);

  // A run's data is loaded: its network (without weights yet), classes and test set.
  void setSetup(const TrainingSetup& setup);
  // New weights from the worker: the views that depend on them follow (the filters at the
  // next flush()).
  void setSnapshot(const FilterSnapshot& snapshot);
  void flush(); // draws the latest filters, if new ones came
  // After an epoch: the confusion matrix and the misclassified images of its test predictions.
  void showEpoch(const EpochReport& report);
  void clear(); // back to the empty state: no network, placeholders in every view
  void setPresenterMode(bool on);
  // What a lecture hall sees, as last drawn (for tests): the confusion matrix's counts in
  // pixels, and the side of a first-layer filter's tile.
  int confusionDigitPixels() const { return confusionDigits_; }
  int filterTilePixels() const;

  const Tensor& filters() const { return filters_; }
  DrawingPad* drawingPad() const { return pad_; }
  // The drawing pad's class probabilities with the latest weights (empty before training).
  std::vector<float> drawingProbabilities() const { return padProbabilities_; }
  // Why did it say 7? The chosen saliency map over the drawing (null before training).
  QImage drawingSaliency() const { return padSaliencyImage_; }
  QComboBox* saliencyMethodBox() const { return padMethod_; }
  // The last epoch's confusion matrix (K x K counts, row = true class), and misclassified count.
  const std::vector<int>& confusion() const { return confusion_; }
  // For export: the filters and test maps, the confusion matrix as a plot and as a table.
  std::vector<Figure> figures() const;
  int misclassifiedShown() const;
  // Rows shown for the chosen test image (image, then up to two convolutions' maps); 0 before training.
  int testMapRows() const;
  QSpinBox* testImageBox() const { return testIndex_; }

signals:
  void message(const QString& text); // a problem, for the tab's status line

private:
  void showConfusion(); // confusion_ as a colour map with its counts
  bool presenter_ = false;
  int confusionDigits_ = 0;
  void predictDrawing();
  void explainDrawing(); // the saliency map of the drawing's verdict
  void showTestImage();  // the chosen test image through the inspector's copy of the network
  void showPlaceholders();

  QWidget* mapsPane_;
  QWidget* drawingPane_;
  MapRows* filterView_;
  QSpinBox* testIndex_;
  MapRows* testMaps_;
  QLabel* misclassifiedLabel_;
  MisclassifiedView* misclassified_;
  QCustomPlot* confusionPlot_;
  DrawingPad* pad_;
  QCustomPlot* padBars_;
  QCPTextElement* padVerdict_; // "reads 7 (99.8 %)" over the bars
  QComboBox* padMethod_;       // saliency, Grad-CAM or occlusion
  QLabel* padSaliency_;        // the map over the drawing

  std::unique_ptr<Network> live_;
  std::unique_ptr<Backend> liveBackend_;
  TrainingSetup setup_;
  Tensor filters_;
  bool filtersDirty_ = false;
  std::vector<float> padProbabilities_;
  QImage padSaliencyImage_;
  std::vector<int> confusion_;
};

} // namespace convscope::ui
