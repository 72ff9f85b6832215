// The Fool it page: an adversarial example of the open classifier, made as the ε slider moves
// (engine/inspection/Adversarial.h, FGSM or PGD, untargeted or to a chosen class) — the image, the
// perturbation amplified to be seen, the attacked image, each with the model's answer, and every
// class's probability before and after. The image is the window's, a test image of the model's
// dataset, or a digit drawn on the pad. Attacks run on the compute thread; while one runs, only
// the newest request waits.
// Not for: a dataset's accuracy under attack (`convscope attack --dataset`).
#pragma once

#include "ui/core/ComputeThread.h"

#include "engine/core/Tensor.h"
#include "engine/inspection/Adversarial.h"
#include "engine/io/SharedModel.h"

#include <QWidget>

#include <memory>
#include <optional>

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

namespace convscope::ui {

class DrawingPad;
class ImageGrid;
class ProbabilityBars;
class Workspace;

class FoolPage : public QWidget {
  Q_OBJECT
public:
  explicit FoolPage(Workspace* workspace, QWidget* parent = nullptr);
  ~FoolPage() override;

  enum class Source { Window, TestImage, Drawing };
  void setSource(Source source);
  void setEpsilon255(int levels); // ε in 1/255 steps (0–64)
  void setMethod(AttackMethod method);
  void setTarget(int target);     // −1: away from its own class
  void nextTestImage();
  DrawingPad* pad() const { return pad_; }
  ImageGrid* images() const { return images_; }
  QSlider* epsilonSlider() const { return epsilon_; }
  // The result on screen (nothing before the first attack), and whether an attack is pending.
  const std::optional<AttackResult>& result() const { return result_; }
  const Tensor& original() const { return original_; } // the attacked image, (1, C, H, W) in [0, 1]
  bool isBusy() const { return running_ || pending_; }
  QString verdict() const;
  void setPresenterMode(bool on);

signals:
  void attacked(); // a result is on screen

private:
  void followModel();
  void prepareImage(); // the source's image at the model's size
  void request();
  void start();
  struct Outcome { // an attack and what it was asked on
    uint64_t number;
    ModelSnapshot model;
    Tensor image;
    int label;
    AttackOptions options;
    AttackResult result;
    QString error;
  };
  void show(const Outcome& outcome);

  Workspace* workspace_;
  QComboBox* source_;
  QPushButton* next_;
  QComboBox* method_;
  QSlider* epsilon_;
  QLabel* epsilonText_;
  QSpinBox* steps_;
  QComboBox* target_;
  DrawingPad* pad_;
  QPushButton* clearPad_;
  ImageGrid* images_;
  ProbabilityBars* bars_;
  QLabel* verdict_;
  Tensor original_;
  int label_ = -1; // a test image's true class
  size_t testIndex_ = 0;
  std::optional<AttackResult> result_;
  uint64_t requested_ = 0, shownGeneration_ = 0;
  bool running_ = false, pending_ = false;
  ComputeJobs jobs_; // last: waited for before the rest goes
};

} // namespace convscope::ui
