// What the Generation page's two panels (the VAE's, the GAN's) share: a run of training on the
// compute thread — the epochs box, Train, Stop, the progress bar, the status line, one run at a
// time in the window — and a model trained here or shipped in resources/models.
// Not for: what each panel shows (VaePanel, GanPanel).
#pragma once

#include "engine/training/TrainingJob.h"
#include "ui/export/Figure.h"

#include <QWidget>

#include <functional>
#include <memory>
#include <vector>

class QCPGraph;
class QHBoxLayout;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace convscope {
class Backend;
}

namespace convscope::ui {

class TrainingWorker;
struct TrainingReports;

class GenerativePanel : public QWidget {
  Q_OBJECT
public:
  ~GenerativePanel() override;
  bool isTraining() const { return training_; }
  QSpinBox* epochsBox() const { return epochsBox_; }
  QString statusText() const;
  // Another training run in the window: this panel waits for it.
  void setOtherTraining(std::function<bool()> busy) { otherTraining_ = std::move(busy); }
  // Images per epoch (all 8,000 training digits unless set: fewer for quick tests).
  void setTrainImages(int count) { trainImages_ = count; }
  void setTestImages(int count) { testImages_ = count; }
  virtual std::vector<Figure> figures() const = 0;
  virtual void setPresenterMode(bool on) = 0;

public slots:
  void stop();

signals:
  void trainingStarted();
  void trainingFinished();

protected:
  GenerativePanel(const QString& objectName, int epochs, QWidget* parent);
  // false (with the reason in the status line) while another run goes on; else starts the worker on
  // `spec` (the epochs box's epochs, the image limits) and says so.
  bool startTraining(TrainingSpec spec, const QString& what);
  virtual void takeReports(TrainingReports& reports) = 0; // on the GUI thread, as they arrive
  // Once, when the panel first shows: its shipped model read and drawn (not at start-up: every
  // window would pay for a page it may never open).
  virtual void firstShown() = 0;
  bool event(QEvent* event) override;
  void finishTraining(); // the controls back
  void showProgress(const BatchReport& batch); // the progress bar at this batch of the run's epochs
  // A curve's points (x, y) into a graph of a plot.
  static void setCurve(QCPGraph* graph, const std::vector<std::pair<double, double>>& points);
  TrainingWorker* worker() const { return worker_; }
  QHBoxLayout* controlRow() const { return controls_; }
  Backend& backend() const { return *backend_; }

  QSpinBox* epochsBox_;
  QPushButton *trainButton_, *stopButton_;
  QProgressBar* progress_;
  QLabel* status_;
  bool presenter_ = false;

private:
  QHBoxLayout* controls_;
  TrainingWorker* worker_ = nullptr;
  std::function<bool()> otherTraining_;
  std::unique_ptr<Backend> backend_;
  bool training_ = false, shown_ = false;
  int trainImages_ = 0, testImages_ = 0;
};

} // namespace convscope::ui
