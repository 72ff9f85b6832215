// ScenePage: the scene, its canvas and the training controls the application pages share.
#include "ui/applications/ScenePage.h"

#include "ui/core/ComputeThread.h"
#include "ui/core/ThreadSanitizer.h"
#include "ui/training/TrainingWorker.h"

#include "engine/training/Trainer.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

// ---- the canvas ------------------------------------------------------------------------

SceneCanvas::SceneCanvas(std::vector<float>* scene, int side, QWidget* parent)
    : QWidget(parent), scene_(scene), side_(side) {
  setObjectName("sceneCanvas");
  setFixedSize(side, side);
  setCursor(Qt::CrossCursor);
}

void SceneCanvas::setSide(int pixels) {
  side_ = pixels;
  setFixedSize(pixels, pixels);
  update();
}

QPointF SceneCanvas::toScene(QPointF p) const { return p * double(kSceneSide) / side_; }

// A round pen about 2.5 scene pixels wide, as the digits' strokes, with soft edges.
void SceneCanvas::drawStroke(QPointF from, QPointF to) {
  const int n = kSceneSide;
  const double radius = 1.4;
  const QPointF d = to - from;
  const double length = std::hypot(d.x(), d.y());
  const int steps = std::max(1, int(std::ceil(length / 0.25)));
  for (int s = 0; s <= steps; ++s) {
    const QPointF c = from + d * (double(s) / steps);
    for (int y = std::max(0, int(c.y() - 3)); y <= std::min(n - 1, int(c.y() + 3)); ++y)
      for (int x = std::max(0, int(c.x() - 3)); x <= std::min(n - 1, int(c.x() + 3)); ++x) {
        const double r = std::hypot(x + 0.5 - c.x(), y + 0.5 - c.y());
        const double v = 255.0 * std::clamp(radius + 0.5 - r, 0.0, 1.0);
        float& cell = (*scene_)[size_t(y) * n + size_t(x)];
        cell = std::max(cell, float(v));
      }
  }
  update();
}

void SceneCanvas::paintEvent(QPaintEvent*) {
  const int n = kSceneSide;
  QImage image(n, n, QImage::Format_Grayscale8);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x)
      image.scanLine(y)[x] = uchar(std::clamp(std::lround((*scene_)[size_t(y) * n + size_t(x)]), 0L, 255L));
  QPainter p(this);
  p.drawImage(rect(), image);
  if (overlay_) {
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    overlay_(p, double(side_) / n);
    p.restore();
  }
  p.setPen(QColor(120, 120, 120));
  p.drawRect(rect().adjusted(0, 0, -1, -1));
}

void SceneCanvas::mousePressEvent(QMouseEvent* e) {
  if (!drawingEnabled_) {
    emit clicked(toScene(e->position()));
    return;
  }
  drawing_ = true;
  last_ = toScene(e->position());
  drawStroke(last_, last_);
}
void SceneCanvas::mouseMoveEvent(QMouseEvent* e) {
  if (!drawing_) return;
  const QPointF p = toScene(e->position());
  drawStroke(last_, p);
  last_ = p;
}
void SceneCanvas::mouseReleaseEvent(QMouseEvent*) {
  if (!drawing_) return;
  drawing_ = false;
  emit strokeFinished();
}

// ---- the page --------------------------------------------------------------------------

ScenePage::ScenePage(const QString& objectName, const Texts& texts, QWidget* parent) : QWidget(parent), texts_(texts) {
  setObjectName(objectName);
  scene_.assign(size_t(kSide) * kSide, 0.0f);
  canvas_ = new SceneCanvas(&scene_, 240, this);
  canvas_->setToolTip(texts.canvasTip);
  sceneTitle_ = new QLabel;
  sceneTitle_->setWordWrap(true);
  previousButton_ = new QPushButton(tr("◀ Scene"));
  previousButton_->setToolTip(tr("The previous test scene (digits the networks never saw in training)"));
  nextButton_ = new QPushButton(tr("Scene ▶"));
  nextButton_->setToolTip(tr("The next test scene (digits the networks never saw in training)"));
  drawButton_ = new QPushButton(texts.drawText);
  drawButton_->setToolTip(texts.drawTip);
  openButton_ = new QPushButton(tr("Open Image…"));
  openButton_->setToolTip(tr("Any image, in grey at 64×64 (a light background is inverted: the scenes' digits are "
                             "white on black)"));
  trainButton_ = new QPushButton(texts.trainText);
  trainButton_->setToolTip(texts.trainTip);
  stopButton_ = new QPushButton(tr("Stop"));
  stopButton_->setEnabled(false);
  epochsBox_ = new QSpinBox;
  epochsBox_->setRange(1, 50);
  epochsBox_->setValue(texts.epochs);
  epochsBox_->setPrefix(tr("epochs "));
  epochsBox_->setToolTip(texts.epochsTip);
  scenesBox_ = new QSpinBox;
  scenesBox_->setRange(32, 4000);
  scenesBox_->setSingleStep(500);
  scenesBox_->setValue(4000);
  scenesBox_->setPrefix(tr("scenes "));
  scenesBox_->setToolTip(tr("Training scenes per epoch (all 4000: the recipe; fewer: a quicker, rougher run)"));
  progress_ = new QProgressBar;
  progress_->setRange(0, 100);
  progress_->setValue(0);
  progress_->setMaximumWidth(200);
  status_ = new QLabel;
  status_->setWordWrap(true);
  controls_ = new QHBoxLayout;
  for (QWidget* b : std::initializer_list<QWidget*>{previousButton_, nextButton_, drawButton_, openButton_})
    controls_->addWidget(b);
  controls_->addSpacing(16);
  for (QWidget* b : std::initializer_list<QWidget*>{epochsBox_, scenesBox_, trainButton_, stopButton_, progress_})
    controls_->addWidget(b);
  controls_->addStretch();

  connect(previousButton_, &QPushButton::clicked, this, &ScenePage::previousScene);
  connect(nextButton_, &QPushButton::clicked, this, &ScenePage::nextScene);
  connect(drawButton_, &QPushButton::clicked, this, &ScenePage::drawNew);
  connect(openButton_, &QPushButton::clicked, this, &ScenePage::openImage);
  connect(canvas_, &SceneCanvas::strokeFinished, this, [this] {
    sceneIndex_ = -1;
    clearTruth();
    sceneTitle_->setText(tr("Drawn by hand (%1)").arg(texts_.noTruth));
    sceneChanged();
  });
  worker_ = makeTrainingWorker();
}

ScenePage::~ScenePage() { disposeTrainingWorker(worker_); }

bool ScenePage::event(QEvent* e) {
  // The test scenes are composed when the page first shows, not at start-up; the first scene
  // with three digits (the most to look at), unless one was chosen before.
  if (e->type() == QEvent::Show && !shown_) {
    shown_ = true;
    ensureScenes();
    if (!sceneChosen_ && testScenes_) showTestScene(firstSceneWith(*testScenes_, 3));
  }
  return QWidget::event(e);
}

void ScenePage::ensureScenes() {
  if (testScenes_) return;
  try {
    testScenes_ = heldOutScenes();
  } catch (const std::exception& e) {
    status_->setText(tr("No composed scenes: %1").arg(QString::fromStdString(e.what())));
  }
}

void ScenePage::showTestScene(int index) {
  sceneChosen_ = true;
  ensureScenes();
  if (!testScenes_) return;
  const Dataset& d = *testScenes_;
  sceneIndex_ = ((index % int(d.size())) + int(d.size())) % int(d.size());
  const uint8_t* pixels = d.image(size_t(sceneIndex_));
  scene_.assign(pixels, pixels + size_t(kSide) * kSide);
  takeTruth(d, sceneIndex_);
  QStringList digits;
  for (const ObjectBox& b : d.boxes[size_t(sceneIndex_)]) digits << QString::number(b.label);
  sceneTitle_->setText(tr("Test scene %1 of %2: %3 (never seen in training)%4")
                           .arg(sceneIndex_ + 1)
                           .arg(d.size())
                           .arg(digits.join(", "), texts_.sceneExtra));
  sceneChanged();
}

void ScenePage::nextScene() { showTestScene(sceneIndex_ + 1); }
void ScenePage::previousScene() { showTestScene(sceneIndex_ - 1); }

void ScenePage::drawNew() {
  sceneChosen_ = true;
  std::fill(scene_.begin(), scene_.end(), 0.0f);
  clearTruth();
  sceneIndex_ = -1;
  sceneTitle_->setText(tr("Draw digits on the black canvas (%1)").arg(texts_.noTruth));
  drawingStarted();
  sceneChanged();
}

void ScenePage::setImage(const Tensor& image, const QString& name) {
  const Shape& s = image.shape();
  if (s.rank() != 4 || s[2] < 1 || s[3] < 1) return;
  sceneChosen_ = true;
  bool inverted = false;
  scene_ = sceneFromImage(image, &inverted);
  clearTruth();
  sceneIndex_ = -1;
  sceneTitle_->setText(tr("%1 (%2)").arg(sceneFromImageText(name, inverted), texts_.noTruth));
  sceneChanged();
}

void ScenePage::openImage() {
  QString name, error;
  const Tensor image = openSceneImage(this, tr("Open an image"), &name, &error);
  if (!error.isEmpty()) status_->setText(error);
  if (image.shape().rank() == 4) setImage(image, name);
}

QString ScenePage::statusText() const { return status_->text(); }

bool ScenePage::mayStartTraining() {
  if (otherTraining_ && otherTraining_()) {
    status_->setText(tr("Another run is training (the Training tab or another page): one run at a time — stop it "
                        "there, or wait for it."));
    return false;
  }
  return true;
}

void ScenePage::setTrainingControls(bool running) {
  trainButton_->setEnabled(!running);
  stopButton_->setEnabled(running);
  epochsBox_->setEnabled(!running);
  scenesBox_->setEnabled(!running);
}

int ScenePage::scenesScored() const { return evaluatedScenes_ > 0 ? evaluatedScenes_ : kHeldOutScenes; }

void ScenePage::startTraining(const std::string& preset) {
  TrainingRequest request;
  request.spec.model = preset;
  request.spec.dataset = "scenes";
  request.spec.config = presetTrainConfig(preset);
  request.spec.config.epochs = epochsBox_->value();
  request.spec.config.maxTrainImages = size_t(scenesBox_->value());
  request.spec.config.maxTestImages = size_t(evaluatedScenes_);
  status_->setText(tr("Training %1 on the composed scenes…").arg(QString::fromStdString(preset)));
  QMetaObject::invokeMethod(
      worker_, queuedCall([worker = worker_, request] { worker->start(request); }), Qt::QueuedConnection);
}

} // namespace convscope::ui
