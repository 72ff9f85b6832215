// The Probe page: what each unit of a layer of the open model wants to see. For eight units at a
// time, the image made by gradient ascent (engine/inspection/FeatureVisualization.h), drawn as it
// is made — the optimization runs on the compute thread in chunks of a few steps, handing each
// unit's image over after each, and only while the page is shown — beside the three test images of the model's dataset that excite the unit most, each
// with the patch its strongest position sees outlined in red. The regularizers are switches;
// every change starts the run again (the one running stops at its next step).
// Not for: one unit at length (`convscope visualize` gives its curve and file).
#pragma once

#include "ui/core/ComputeThread.h"

#include "engine/core/Tensor.h"
#include "engine/inspection/FeatureVisualization.h"

#include <QWidget>

#include <atomic>
#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTimer;

namespace convscope::ui {

class ImageGrid;
class Workspace;

class ProbePage : public QWidget {
  Q_OBJECT
public:
  explicit ProbePage(Workspace* workspace, QWidget* parent = nullptr);
  ~ProbePage() override; // the running job stops and is waited for

  static constexpr int kUnits = 8;       // units shown at a time
  static constexpr int kExamples = 3;    // dataset examples beside each
  static constexpr int kStepsAChunk = 8; // steps the compute thread takes before it hands the image over

  struct Unit {
    int64_t channel = 0;
    Tensor image; // (1, C, H, W) on the [0, 1] scale; empty until the first steps
    double start = 0.0, activation = 0.0;
    int steps = 0; // done so far
    std::vector<DatasetExample> examples;
  };
  const std::vector<Unit>& units() const { return units_; }
  QString layerName() const;
  bool setLayer(const QString& name); // false when the model has no such layer
  void setFirstUnit(int channel);
  void setRegularizers(bool l2, bool blur, bool jitter, bool fourier, bool transform = false);
  void setSteps(int steps);
  void run();                          // starts again now (the settings' changes do, after a moment)
  bool isBusy() const { return busy_; } // a run is going on
  ImageGrid* grid() const { return grid_; }
  QString status() const;
  void setPresenterMode(bool on);

signals:
  void finished(); // the run ended (all units made) or was replaced

protected:
  void showEvent(QShowEvent* event) override; // a run asked for while hidden starts

private:
  struct Run;
  void advance(std::shared_ptr<Run> run); // the run's next chunk, on the compute thread
  void followModel();
  void scheduleRun();
  void showUnits();
  void unitStepped(uint64_t generation, size_t index, Tensor image, double activation, int step, double start);
  void examplesReady(uint64_t generation, std::vector<std::vector<DatasetExample>> examples, QString note);
  void runEnded(uint64_t generation, QString error);

  Workspace* workspace_;
  QComboBox* layer_;
  QSpinBox* firstUnit_;
  QSpinBox* steps_;
  QCheckBox *l2_, *blur_, *jitter_, *transform_, *fourier_;
  QPushButton* again_;
  QLabel* status_;
  QLabel* legend_;
  QProgressBar* progress_;
  ImageGrid* grid_;
  QTimer* debounce_;
  std::vector<Unit> units_;
  QString examplesNote_;
  uint64_t shownGeneration_ = 0; // the model's
  std::shared_ptr<std::atomic<uint64_t>> current_ = std::make_shared<std::atomic<uint64_t>>(0); // the newest run
  bool busy_ = false;
  bool waitingToRun_ = false; // asked for while the page was hidden
  bool presenting_ = false;
  ComputeJobs jobs_; // last: waited for before the rest goes
};

} // namespace convscope::ui
