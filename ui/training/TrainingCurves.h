// The Training tab's curves: the loss per batch with its moving average, and in tabs under
// it the train and test accuracy per epoch and the gradient flow (each layer's weight-
// gradient norm, log scale). QCustomPlot: zoom and pan with the mouse; export as PNG, PDF
// or CSV. Fed with the worker's reports by the panel; replots a few times a second.
// Not for: the run's controls (TrainingPanel) or the maps (TrainingInspector).
#pragma once

#include "ui/export/Figure.h"

#include "engine/training/Trainer.h"
#include "engine/training/TrainingJob.h"

#include <QElapsedTimer>
#include <QWidget>

#include <vector>

class QCustomPlot;
class QFont;

namespace convscope::ui {

// Plot helpers the Training tab's views share: an empty plot says what will appear in it;
// once it has data its contents and tick labels show; presenter mode sets its fonts.
void showPlotPlaceholder(QCustomPlot* plot, const QString& text);
void showPlotContents(QCustomPlot* plot);
void setPlotFont(QCustomPlot* plot, const QFont& font, int tickCount); // tickCount 0: keep the axes' tickers

class TrainingCurves : public QWidget {
  Q_OBJECT
public:
  explicit TrainingCurves(QWidget* parent = nullptr);

  // A new run: empty curves, the smoothing restarted with factor k, epochs on the x axis 1…epochs.
  void clear(double smoothing, int epochs);
  // The batches since the last call: raw and smoothed loss, gradient norms. The smoothed
  // value after the last one is smoothedValue().
  void addBatches(const std::vector<BatchReport>& reports);
  void addEpoch(const EpochReport& report);
  double smoothedValue() const { return smoothing_.value(); }
  // Redraws the loss and gradient curves at most five times a second unless forced.
  void replot(bool force);
  // The whole smoothed curve again from the raw losses with a new factor, shown at once.
  void setSmoothing(double k);
  void setPresenterMode(bool on);
  // The loss and accuracy curves as SVG, PDF or PNG (both plots) or CSV (series,x,y rows:
  // every point); false when the file cannot be written.
  bool exportTo(const QString& path) const;
  // For export: the loss and accuracy curves, the gradient flow, and the epochs as a table.
  std::vector<Figure> figures() const;
  TextTable epochTable() const; // one row per epoch: losses, accuracies, images per second, seconds
  // The loss and accuracy plots as they were after `points` loss points and `epochs`
  // epochs, on the axes they have now (a training animation's frame: the curves grow over
  // fixed axes), 720 pixels wide. The plots show their whole data again afterwards.
  QImage curvesAt(int points, int epochs);

  int lossPoints() const;
  int accuracyPoints() const;               // test accuracy points: epochs done
  std::vector<double> smoothedLoss() const; // the smoothed curve's values (for tests)
  QCustomPlot* gradientPlot() const { return gradientPlot_; }
  int plotFontPixels() const; // the curves' tick labels, in pixels

private:
  void addGradientNorms(const BatchReport& r);

  QCustomPlot* lossPlot_;
  QCustomPlot* accuracyPlot_;
  QCustomPlot* gradientPlot_; // each layer's weight-gradient norm per batch, log scale
  LossSmoothing smoothing_{0.9};
  int epochs_ = 1;
  QElapsedTimer plotClock_;
  std::vector<EpochReport> epochsDone_; // without their predictions (the table's rows)
};

} // namespace convscope::ui
