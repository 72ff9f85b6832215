// The backward stepper, the stepper's fifth mode: the lecture's training loop on its small
// network (the workspace's image → its kernel → ReLU → its pooling → fully connected →
// softmax), cell by cell — forward as the other modes, the error, then backward layer by
// layer with the gradient maps filling in as the outputs did going forward, then the update
// (old value, gradient, new value) and forward again: a loop counter and a small error plot
// show step 5. Every number and sum comes from the engine's BackwardLesson.
// Not for: the forward-only modes (Stepper) or training on datasets (TrainingPanel).
#pragma once

#include "ui/export/Figure.h"
#include "ui/stepper/PanelCanvas.h"

#include "ui/core/Workspace.h"

#include "engine/lessons/BackwardLesson.h"

#include <memory>
#include <optional>

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QScrollArea;
class QSplitter;
class QTextBrowser;
class QTimer;
class QCustomPlot;

namespace convscope::ui {


class BackwardStepper : public QWidget {
  Q_OBJECT
public:
  using Stage = BackwardLesson::Stage;

  // One grid as painted (PanelCanvas paints them).
  using Panel = convscope::ui::Panel;

  explicit BackwardStepper(Workspace* workspace, QWidget* parent = nullptr);

  // Every accessor first brings a stale stepper up to date (see workspaceChanged).
  const BackwardLesson* lesson() const { return ensureCurrent(), lesson_.get(); } // null when the setup does not fit
  Stage stage() const { return ensureCurrent(), stage_; }
  int cell() const { return ensureCurrent(), cell_; }
  // The forward pass being shown, from 1.
  int loop() const { return ensureCurrent(), lesson_ ? lesson_->iteration() + 1 : 0; }
  QString problemText() const { return ensureCurrent(), problem_; }
  QString arithmeticText() const;
  // For export: the loop's title, the grids and the current step's arithmetic; the error curve.
  std::vector<Figure> figures() const;
  const std::vector<Panel>& panels() const { return ensureCurrent(), panels_; }
  const Panel* panel(const QString& title) const; // by its title's start
  bool isPlaying() const;
  void setPresenterMode(bool on);
  int rebuilds() const { return rebuilds_; } // lessons built so far (a stale stepper waits)

public slots:
  void stepForward();
  void stepBack();
  void finishStage(); // to the stage's last cell, or the next stage's first
  void togglePlay();
  void reset();   // the first forward cell, fresh weights
  // From a fresh start, steps forward to this loop (from 1), stage and cell; false (and left
  // where it stopped) when 10,000 steps do not reach it.
  bool goTo(int loop, convscope::BackwardLesson::Stage stage, int cell);
  void rebuild(); // fresh weights from the workspace's image and kernel, at the first step
  // After the workspace changed: rebuilt now when on screen; when hidden (another tab or
  // mode), marked stale and rebuilt when shown or asked — a slider dragged on Feature maps
  // must not rebuild a lesson and replot its curve nobody sees at every step.
  void workspaceChanged();

signals:
  void moved();

protected:
  void resizeEvent(QResizeEvent* event) override;
  bool event(QEvent* event) override;

private:
  void ensureCurrent() const;
  void setStep(Stage stage, int cell);
  void buildPanels();
  void updateTexts();
  LessonSetup setupFromWorkspace(QString& problem);

  Workspace* workspace_;
  std::unique_ptr<BackwardLesson> lesson_;
  Stage stage_ = Stage::Convolution;
  int cell_ = 0;
  QString problem_;
  QString kernelName_; // the trained kernel's name in the bank
  std::vector<Panel> panels_;
  bool stale_ = false; // the workspace changed while hidden
  int rebuilds_ = 0;

  QComboBox* targetBox_;
  QComboBox* lossBox_;
  QDoubleSpinBox* rateBox_;
  QComboBox* classesBox_;
  QPushButton *resetButton_, *backButton_, *forwardButton_, *stageButton_, *playButton_;
  QLabel* stagesLabel_;
  QLabel* loopLabel_;
  QLabel* problemLabel_;
  QScrollArea* scroll_;
  PanelCanvas* canvas_;
  QTextBrowser* arithmetic_;
  QCustomPlot* errorPlot_;
  QSplitter* split_;
  QTimer* timer_;
};

} // namespace convscope::ui
