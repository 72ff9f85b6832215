// Two architectures side by side: depth (weight layers on the longest path, as the papers
// count it), layers, parameters, multiply-accumulates, activation memory, the input, the
// family's idea, and for networks trained in this window's Training tab their test accuracy
// and time per epoch (remembered per network). Both are made on the compute thread.
// Not for: the graphs (ArchitectureTab's Network page).
#pragma once

#include "ui/core/ComputeThread.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QTableWidget;

namespace convscope::ui {

class CompareView : public QWidget {
  Q_OBJECT
public:
  // names: (network name, title) pairs the two lists offer.
  explicit CompareView(const std::vector<std::pair<QString, QString>>& names, QWidget* parent = nullptr);
  ~CompareView() override; // waits for its job on the compute thread

  void compare(const QString& first, const QString& second);
  QTableWidget* table() const { return table_; }
  // A training run of `network` in the Training tab: its last epoch's test accuracy (0–1) and
  // wall time, remembered (QSettings) for the comparison.
  static void rememberTraining(const QString& network, const QString& dataset, int epochs, double testAccuracy,
                               double secondsPerEpoch);

signals:
  void compared(); // the table shows the two asked for last

protected:
  void showEvent(QShowEvent* event) override;

private:
  QComboBox* first_;
  QComboBox* second_;
  QTableWidget* table_;
  QLabel* note_;
  ComputeJobs jobs_;
  uint64_t requested_ = 0;
};

} // namespace convscope::ui
