// Non-maximum suppression stepped, as the Detection page shows it: the score and IoU threshold
// sliders, the candidates in a table by score (highest first), and the steps — each keeps the
// top box not yet struck (✓) and strikes (✗) the later boxes of its class whose IoU with it is
// above the threshold, naming the kept box and the IoU — with the step's decision in words.
// Not for: making the candidates (the page decodes its detector's output) or NMS itself
// (engine/detection/Boxes.h).
#pragma once

#include "engine/detection/Boxes.h"
#include "engine/detection/Detector.h"

#include <QString>
#include <QWidget>

#include <vector>

class QLabel;
class QPushButton;
class QSlider;
class QTableWidget;

namespace convscope::ui {

class NmsPanel : public QWidget {
  Q_OBJECT
public:
  explicit NmsPanel(double score, double iou, QWidget* parent = nullptr);
  double scoreThreshold() const; // the sliders, in hundredths
  double iouThreshold() const;
  void setThresholds(double score, double iou);
  // New candidates (any order): sorted by score, suppressed at the IoU threshold, every step
  // taken (the result, live). `emptyText` says why there are none, when there are none.
  void setCandidates(std::vector<Detection> candidates, const QString& emptyText);
  const std::vector<Detection>& candidates() const { return candidates_; } // by score
  const NmsResult& result() const { return nms_; }
  std::vector<Detection> kept() const; // all steps taken
  // How many kept boxes have been decided (0 … result().keep.size()).
  int step() const { return step_; }
  void setStep(int step); // clamped
  // A candidate's state at the current step: 0 undecided, 1 kept, 2 struck; the box this step keeps (−1: none).
  enum State { Undecided = 0, Kept = 1, Struck = 2 };
  int state(size_t candidate) const;
  int currentKept() const;
  QString text() const; // the step's decision in words
  void setPresenterMode(bool on);

public slots:
  void stepOnce(); // one more kept box (from the start again after the last)
  void reset();    // nothing decided
  void finish();   // every step

signals:
  void thresholdsChanged(); // new candidates are wanted
  void stepChanged();       // what is kept and struck changed

private:
  void refresh();

  std::vector<Detection> candidates_;
  NmsResult nms_;
  std::vector<int> keptRank_; // per candidate: its rank among the kept, or its keeper's (struck)
  int step_ = 0;
  QString emptyText_;
  QSlider *scoreSlider_, *iouSlider_;
  QLabel *scoreLabel_, *iouLabel_, *line_;
  QTableWidget* table_;
  QPushButton *stepButton_, *resetButton_, *allButton_;
};

} // namespace convscope::ui
