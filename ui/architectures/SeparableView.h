// The MobileNet slides: the current input (M channels) through a standard k×k convolution
// to N maps, a depthwise k×k convolution (one filter per channel: M maps), a pointwise 1×1
// convolution (N maps) and the depthwise-separable pair (depthwise, then pointwise), each
// with its maps, parameters and multiply-accumulates and its cost against the standard one,
// (k²M + MN) / (k²MN) = 1/N + 1/k², with the numbers. Seeded random weights: the counts are
// the lesson. Computed on the compute thread. Not for: the networks (ArchitectureTab).
#pragma once

#include "ui/core/ComputeThread.h"
#include "engine/network/ArchitectureIdeas.h"

#include <QWidget>

class QLabel;
class QSpinBox;
class QComboBox;

namespace convscope::ui {

class FeatureMapView;
class Workspace;

class SeparableView : public QWidget {
  Q_OBJECT
public:
  explicit SeparableView(Workspace* workspace, QWidget* parent = nullptr);
  ~SeparableView() override; // waits for its job on the compute thread

  void setOutputs(int n);    // N, 1–64
  void setKernelSize(int k); // 1, 3, 5 or 7
  const SeparableCost& cost() const { return cost_; }
  // The layers' own parameter counts, as the engine counts them (no biases).
  int64_t standardParameters() const { return counted_[0]; }
  int64_t depthwiseParameters() const { return counted_[1]; }
  int64_t pointwiseParameters() const { return counted_[2]; }
  QString costText() const;
  FeatureMapView* maps() const { return maps_; }

signals:
  void updated(); // new maps and counts are on screen

protected:
  void showEvent(QShowEvent* event) override;

private:
  void recompute();

  Workspace* workspace_;
  QSpinBox* outputs_;
  QComboBox* kernel_;
  QLabel* costs_;
  FeatureMapView* maps_;
  SeparableCost cost_;
  int64_t counted_[3] = {0, 0, 0};
  ComputeJobs jobs_;
  uint64_t requested_ = 0;
  bool stale_ = true;
};

} // namespace convscope::ui
