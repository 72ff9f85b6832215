// A detector's precision–recall curve for one class, as the Detection page shows it: every
// detection of the class over the test scenes, highest score first, each a hit or a false
// positive, the precision and recall after it (the points), the interpolated curve over them
// with its area — the class's AP — shaded, and "Build" adding the points one at a time.
// Not for: computing AP (engine/detection/AveragePrecision.h); the page says where the metrics
// come from.
#pragma once

#include "engine/detection/AveragePrecision.h"

#include <QWidget>

#include <functional>
#include <optional>

class QComboBox;
class QCustomPlot;
class QLabel;
class QPushButton;
class QTimer;

namespace convscope::ui {

class PrecisionRecallPanel : public QWidget {
  Q_OBJECT
public:
  explicit PrecisionRecallPanel(int classes, QWidget* parent = nullptr); // classes: at least 1
  // The metrics, computed when first needed after invalidate() (evaluating 500 scenes takes a
  // moment: only when the panel shows or is asked).
  void setSource(std::function<DetectionMetrics()> source);
  void invalidate();
  const DetectionMetrics& metrics();
  void setClass(int k);
  int shownPoints() const { return shown_; }
  QString text() const;
  QCustomPlot* plot() const { return plot_; }
  void setPresenterMode(bool on);

public slots:
  void build(); // the points one at a time, about 3 seconds in all

protected:
  void showEvent(QShowEvent* event) override;

private:
  void replot();

  std::function<DetectionMetrics()> source_;
  std::optional<DetectionMetrics> metrics_;
  int classes_, class_, shown_ = 0; // the class shown: 7 when there is one
  QComboBox* classBox_;
  QPushButton* buildButton_;
  QCustomPlot* plot_;
  QLabel* line_;
  QTimer* timer_;
};

} // namespace convscope::ui
