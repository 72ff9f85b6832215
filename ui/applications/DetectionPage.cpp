// DetectionPage: the scene with the detector's boxes and anchors, NMS stepped, the
// precision–recall curve and the training.
#include "ui/applications/DetectionPage.h"
#include "ui/core/PlotText.h"

#include "ui/applications/NmsPanel.h"
#include "ui/applications/PrecisionRecallPanel.h"
#include "ui/applications/Scenes.h"
#include "ui/core/ComputeThread.h"
#include "ui/training/TrainingWorker.h"

#include "engine/backend/Backend.h"
#include "engine/io/ImageIO.h"
#include "engine/io/ModelFile.h"
#include "engine/network/Presets.h"
#include "engine/training/Scenes.h"
#include "engine/training/Trainer.h"
#include "engine/training/TrainingJob.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QShortcut>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

namespace {
const char* const kShippedDetector = "mini-ssd-scenes.json";

QColor classColour(int label) { // the scenes' colour of digit `label`
  const Rgb c = sceneClassColour(label + 1);
  return QColor(c.r, c.g, c.b);
}

QString number(double v, int decimals) { return QString::number(v, 'f', decimals); }

QRectF screenRect(const Box& b, double s) { return QRectF(b.x0 * s, b.y0 * s, b.width() * s, b.height() * s); }

// A box's label in a filled tag above its top left corner (inside when there is no room).
void drawTag(QPainter& p, const QRectF& box, const QString& text, const QColor& colour, double canvasWidth) {
  const QFontMetricsF m(p.font());
  const QRectF tag(0, 0, m.horizontalAdvance(text) + 6, m.height());
  QPointF at(box.left(), box.top() - tag.height());
  if (at.y() < 0) at.setY(box.top());
  at.setX(std::clamp(at.x(), 0.0, std::max(0.0, canvasWidth - tag.width())));
  p.fillRect(tag.translated(at), colour);
  p.setPen(colour.lightness() > 150 ? Qt::black : Qt::white);
  p.drawText(tag.translated(at), Qt::AlignCenter, text);
}
} // namespace

namespace {
ScenePage::Texts detectionTexts() {
  ScenePage::Texts t;
  t.canvasTip = QObject::tr("Click a cell to see its anchors: their IoU with the true boxes, which are matched, and "
                            "the box each decodes to (tick Draw to draw digits instead)");
  t.drawText = QObject::tr("New");
  t.drawTip = QObject::tr("A black canvas to draw digits on (Draw is ticked)");
  t.trainText = QObject::tr("Train");
  t.trainTip = QObject::tr("Train mini-ssd from scratch on the composed scenes on the compute thread: the loss, "
                           "mAP@0.5 per epoch and the boxes follow");
  t.epochsTip = QObject::tr("The preset recipe trains 12 epochs (about a minute on 2 cores, mAP@0.5 0.99); 3 already "
                            "find most digits");
  t.noTruth = QObject::tr("no true boxes");
  t.epochs = presetRecipe("mini-ssd").epochs;
  return t;
}
} // namespace

DetectionPage::DetectionPage(QWidget* parent) : ScenePage("detectionPage", detectionTexts(), parent) {
  backend_ = makeBackend(BackendKind::Onednn);
  spec_ = presetDetectorSpec("mini-ssd");

  canvas_->setSide(320);
  canvas_->setObjectName("detectionCanvas");
  canvas_->setDrawingEnabled(false);
  canvas_->setOverlay([this](QPainter& p, double s) { paintOverlay(p, s); });
  sceneTitle_->setObjectName("detectionSceneTitle");
  status_->setObjectName("detectionStatus");
  levelBox_ = new QComboBox;
  levelBox_->setObjectName("anchorLevel");
  levelBox_->setToolTip(tr("Which feature map's anchors to show: level 1 is 16×16 (stride 4, small anchors), "
                           "level 2 is 8×8 (stride 8, larger anchors)"));
  heatBox_ = new QComboBox;
  heatBox_->setObjectName("heatClass");
  heatBox_->addItem(tr("no heatmap"));
  for (int d = 0; d < 10; ++d) heatBox_->addItem(tr("heat of %1").arg(d));
  heatBox_->setToolTip(tr("A class's score over the level's cells: where the network sees that digit"));
  anchorsBox_ = new QCheckBox(tr("Anchors"));
  anchorsBox_->setChecked(true);
  anchorsBox_->setToolTip(tr("The level's anchor grid and the clicked cell's anchors"));
  truthBox_ = new QCheckBox(tr("True boxes"));
  truthBox_->setChecked(true);
  truthBox_->setToolTip(tr("The composed scene's true boxes, dashed"));
  drawBox_ = new QCheckBox(tr("Draw"));
  drawBox_->setToolTip(tr("Draw digits on the scene with the mouse (off: a click picks a cell)"));
  cellText_ = new QLabel;
  cellText_->setObjectName("cellText");
  cellText_->setWordWrap(true);
  cellText_->setTextFormat(Qt::RichText);
  cellText_->setAlignment(Qt::AlignTop | Qt::AlignLeft);

  nms_ = new NmsPanel(spec_.scoreThreshold, spec_.nmsIou);

  pr_ = new PrecisionRecallPanel(spec_.classes());
  pr_->setSource([this] { return testSceneMetrics(); });
  curves_ = new QCustomPlot;
  curves_->setObjectName("detectionCurves");
  curves_->setMinimumSize(260, 220);
  curves_->yAxis2->setVisible(true);
  curves_->xAxis->setLabel(tr("epoch"));
  curves_->yAxis->setLabel(tr("training loss"));
  curves_->yAxis2->setLabel(tr("test mAP@0.5"));
  curves_->yAxis2->setRange(0, 1);
  QCPGraph* loss = curves_->addGraph(curves_->xAxis, curves_->yAxis);
  loss->setPen(QPen(QColor(33, 102, 172), 1.5));
  loss->setName(tr("loss"));
  QCPGraph* map = curves_->addGraph(curves_->xAxis, curves_->yAxis2);
  map->setPen(QPen(QColor(230, 97, 1), 2.5, Qt::DashLine));
  map->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 7));
  map->setName(tr("mAP@0.5"));
  curves_->legend->setVisible(true);
  curves_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignRight | Qt::AlignVCenter);
  curves_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  curves_->setToolTip(tr("The training loss batch by batch and mAP@0.5 on the test scenes after every epoch"));
  emptyText_ = new QCPItemText(curves_);
  emptyText_->position->setType(QCPItemPosition::ptAxisRectRatio);
  emptyText_->position->setCoords(0.5, 0.45);
  emptyText_->setText(tr("Train:\nthe curves, live"));
  emptyText_->setColor(QColor(110, 110, 110));

  // Left: the scene and what to show over it; middle: NMS; right: the curves.
  auto* left = new QVBoxLayout;
  left->addWidget(canvas_, 0, Qt::AlignTop | Qt::AlignLeft);
  auto* showRow = new QHBoxLayout;
  for (QWidget* w : std::initializer_list<QWidget*>{levelBox_, heatBox_}) showRow->addWidget(w);
  showRow->addStretch();
  left->addLayout(showRow);
  auto* tickRow = new QHBoxLayout;
  for (QWidget* w : std::initializer_list<QWidget*>{anchorsBox_, truthBox_, drawBox_}) tickRow->addWidget(w);
  tickRow->addStretch();
  left->addLayout(tickRow);
  left->addWidget(sceneTitle_);
  left->addStretch();
  auto* middle = new QVBoxLayout;
  middle->addWidget(nms_, 2);
  auto* cellScroll = new QScrollArea;
  cellScroll->setObjectName("cellScroll");
  cellScroll->setWidgetResizable(true);
  cellScroll->setFrameShape(QFrame::NoFrame);
  cellScroll->setWidget(cellText_);
  middle->addWidget(cellScroll, 1);
  plots_ = new QTabWidget;
  plots_->setObjectName("detectionPlots");
  plots_->addTab(pr_, tr("Precision–recall"));
  plots_->addTab(curves_, tr("Training"));
  stage_ = new QWidget;
  stage_->setObjectName("detectionStage");
  auto* stageLayout = new QHBoxLayout(stage_);
  stageLayout->setContentsMargins(0, 0, 0, 0);
  stageLayout->addLayout(left);
  stageLayout->addLayout(middle, 1);
  auto* body = new QHBoxLayout;
  body->addWidget(stage_, 4);
  body->addWidget(plots_, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controlRow());
  layout->addWidget(status_);
  layout->addLayout(body, 1);

  connect(trainButton_, &QPushButton::clicked, this, &DetectionPage::train);
  connect(stopButton_, &QPushButton::clicked, this, &DetectionPage::stop);
  connect(nms_, &NmsPanel::thresholdsChanged, this, &DetectionPage::detectionChanged);
  connect(nms_, &NmsPanel::stepChanged, canvas_, qOverload<>(&QWidget::update));
  // N and B wherever the focus is in the window, while the page shows (a hidden page's shortcuts
  // are off).
  new QShortcut(QKeySequence(Qt::Key_N), this, this, &DetectionPage::stepNms);
  new QShortcut(QKeySequence(Qt::Key_B), this, this, &DetectionPage::buildPrCurve);
  connect(levelBox_, &QComboBox::currentIndexChanged, this, [this](int level) {
    if (level >= 0) selectCell(level, -1, -1);
  });
  connect(heatBox_, &QComboBox::currentIndexChanged, canvas_, qOverload<>(&QWidget::update));
  connect(anchorsBox_, &QCheckBox::toggled, canvas_, qOverload<>(&QWidget::update));
  connect(truthBox_, &QCheckBox::toggled, canvas_, qOverload<>(&QWidget::update));
  connect(drawBox_, &QCheckBox::toggled, this, [this](bool on) { canvas_->setDrawingEnabled(on); });
  connect(canvas_, &SceneCanvas::clicked, this, &DetectionPage::canvasClicked);

  connect(worker(), &TrainingWorker::reportsReady, this, &DetectionPage::takeReports);

  origin_ = tr("untrained: press Train");
  try {
    const QString path = QString::fromStdString(resourcesDirectory()) + "/models/" + kShippedDetector;
    QString error;
    if (!QFileInfo::exists(path) || !loadModel(path, &error)) {
      if (!error.isEmpty()) origin_ = tr("The shipped detector did not load (%1): press Train").arg(error);
      Model m = presetModel("mini-ssd");
      grid_ = makeAnchors(m.network, spec_);
    }
  } catch (const std::exception&) {
  }
  levelBox_->blockSignals(true);
  for (size_t l = 0; l < grid_.levels.size(); ++l)
    levelBox_->addItem(tr("level %1: %2×%3, stride %4")
                           .arg(l + 1)
                           .arg(grid_.levels[l].height)
                           .arg(grid_.levels[l].width)
                           .arg(spec_.levels[l].stride));
  levelBox_->blockSignals(false);
  replotTraining();
  detectionChanged();
}

void DetectionPage::setNetwork(std::unique_ptr<Network> network, const Preprocess& preprocess, const QString& origin) {
  network_ = std::move(network);
  preprocess_ = preprocess;
  origin_ = origin;
  pr_->invalidate();
  sceneChanged();
}

bool DetectionPage::loadModel(const QString& path, QString* error) {
  try {
    Model m = convscope::loadModel(path.toStdString());
    const Shape in = m.network.inputShape();
    if (!m.info.detector || !m.info.preprocess || in.rank() != 3 || in[1] != kSide || in[2] != kSide)
      throw std::invalid_argument(QFileInfo(path).fileName().toStdString() +
                                  ": not a trained detector of 64x64 scenes (convscope train --model mini-ssd "
                                  "--dataset scenes --save FILE)");
    // The page's controls (levels, classes, the training) are mini-ssd's: a detector of that layout.
    const DetectorSpec preset = presetDetectorSpec("mini-ssd");
    const DetectorSpec& d = *m.info.detector;
    bool same = d.classes() == preset.classes() && d.levels.size() == preset.levels.size();
    for (size_t l = 0; same && l < d.levels.size(); ++l)
      same = d.levels[l].layer == preset.levels[l].layer && d.levels[l].stride == preset.levels[l].stride &&
             d.levels[l].anchorsPerCell() == preset.levels[l].anchorsPerCell();
    if (!same)
      throw std::invalid_argument(QFileInfo(path).fileName().toStdString() +
                                  ": not laid out as mini-ssd (10 classes, heads 'head1' at stride 4 and 'head2' at "
                                  "stride 8)");
    AnchorGrid grid = makeAnchors(m.network, *m.info.detector);
    spec_ = *m.info.detector;
    grid_ = std::move(grid);
    const QString origin = m.info.training ? tr("trained %1 epochs on %2")
                                                 .arg(m.info.training->epochs)
                                                 .arg(QString::fromStdString(m.info.training->dataset))
                                           : tr("loaded");
    setNetwork(std::make_unique<Network>(std::move(m.network)), *m.info.preprocess, origin);
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

Network* DetectionPage::activeNetwork() const {
  return training_ && training_->live ? training_->live.get() : network_.get();
}

void DetectionPage::takeTruth(const Dataset& scenes, int index) { truths_ = scenes.boxes[size_t(index)]; }

void DetectionPage::drawingStarted() { drawBox_->setChecked(true); }

void DetectionPage::sceneChanged() {
  output_.clear();
  if (Network* network = activeNetwork()) {
    const Preprocess& pre = training_ && training_->live ? training_->preprocess : preprocess_;
    Tensor image(Shape{1, 1, kSide, kSide});
    std::copy(scene_.begin(), scene_.end(), image.data());
    try {
      const Tensor& out = network->forward(*backend_, preprocessImage(image, pre));
      output_.assign(out.data(), out.data() + out.size());
    } catch (const std::exception& e) {
      status_->setText(QString::fromStdString(e.what()));
    }
  }
  detectionChanged();
}

double DetectionPage::scoreThreshold() const { return nms_->scoreThreshold(); }
double DetectionPage::iouThreshold() const { return nms_->iouThreshold(); }
void DetectionPage::setThresholds(double score, double iou) { nms_->setThresholds(score, iou); }
const std::vector<Detection>& DetectionPage::candidates() const { return nms_->candidates(); }
const NmsResult& DetectionPage::suppression() const { return nms_->result(); }
std::vector<Detection> DetectionPage::detections() const { return nms_->kept(); }
int DetectionPage::nmsStep() const { return nms_->step(); }
int DetectionPage::candidateState(size_t candidate) const { return nms_->state(candidate); }
QString DetectionPage::nmsText() const { return nms_->text(); }
void DetectionPage::stepNms() { nms_->stepOnce(); }
void DetectionPage::resetNms() { nms_->reset(); }
void DetectionPage::finishNms() { nms_->finish(); }
void DetectionPage::setNmsStep(int step) { nms_->setStep(step); }
const DetectionMetrics& DetectionPage::testMetrics() { return pr_->metrics(); }
void DetectionPage::setPrClass(int k) { pr_->setClass(k); }
int DetectionPage::prPointsShown() const { return pr_->shownPoints(); }
void DetectionPage::buildPrCurve() { pr_->build(); }

// The detector's candidates for the scene at the panel's score threshold; the panel sorts and
// suppresses them.
void DetectionPage::detectionChanged() {
  std::vector<Detection> candidates;
  if (output_.size() == grid_.valuesPerImage && grid_.valuesPerImage > 0) {
    DetectOptions options = detectOptions(spec_);
    options.scoreThreshold = scoreThreshold(), options.nmsIou = iouThreshold();
    try {
      candidates = detectionCandidates(grid_, spec_, output_.data(), options);
    } catch (const std::exception& e) {
      status_->setText(QString::fromStdString(e.what()));
    }
  }
  nms_->setCandidates(std::move(candidates), output_.empty() ? tr("No detector yet.")
                                                             : tr("No candidate reaches the score %1.")
                                                                   .arg(number(scoreThreshold(), 2)));
  showCell();
  QString status = origin_;
  if (!network_ && !training_) status = tr("No trained detector: press Train (about a minute)");
  if (training_) status = tr("training: epoch %1 of %2").arg(training_->epochs + 1).arg(epochsBox_->value());
  if (!output_.empty())
    status += tr(" — %1 candidates scoring ≥ %2, %3 kept by NMS")
                  .arg(nms_->candidates().size())
                  .arg(number(scoreThreshold(), 2))
                  .arg(nms_->result().keep.size());
  if (!training_ || !status_->text().startsWith("mini-ssd")) status_->setText(status);
}

void DetectionPage::canvasClicked(QPointF at) {
  const int level = std::max(0, levelBox_->currentIndex());
  if (size_t(level) >= grid_.levels.size()) return;
  const int stride = spec_.levels[size_t(level)].stride;
  selectCell(level, int(at.y()) / stride, int(at.x()) / stride);
}

void DetectionPage::selectCell(int level, int y, int x) {
  if (level >= 0 && level != levelBox_->currentIndex() && level < levelBox_->count()) {
    levelBox_->blockSignals(true);
    levelBox_->setCurrentIndex(level);
    levelBox_->blockSignals(false);
  }
  cellLevel_ = level, cellY_ = y, cellX_ = x;
  showCell();
  canvas_->update();
}

QString DetectionPage::cellText() const { return cellText_->text(); }

void DetectionPage::showCell() {
  const std::vector<size_t> anchors = grid_.cellAnchors(cellLevel_, cellY_, cellX_);
  if (anchors.empty()) {
    cellText_->setText(tr("Click a cell of the scene: its anchors, their IoU with the true boxes, which are matched "
                          "(IoU ≥ %1, or a box's best anchor) and the box each decodes to.")
                           .arg(number(spec_.matchIou, 1)));
    return;
  }
  std::vector<Box> truthBoxes;
  for (const ObjectBox& b : truths_) truthBoxes.push_back(toBox(b));
  const Matching m = matchAnchors(grid_.boxes, truthBoxes, spec_.matchIou);
  QString html = tr("<b>Level %1, cell (%2, %3)</b>: %4 anchors").arg(cellLevel_ + 1).arg(cellY_).arg(cellX_).arg(anchors.size());
  for (size_t i : anchors) {
    const AnchorPlace& p = grid_.places[i];
    html += QStringLiteral("<br>") + QString::fromStdString(explainMatch(grid_, i, truths_, spec_, m)).toHtmlEscaped();
    if (output_.size() == grid_.valuesPerImage) {
      const AnchorOutput o = anchorOutput(grid_, spec_, output_.data(), i);
      const int best = int(std::max_element(o.probabilities.begin() + 1, o.probabilities.end()) - o.probabilities.begin()) - 1;
      html += tr("<br>&nbsp;&nbsp;size %1, ratio %2; offsets (%3, %4, %5, %6) → %7; background %8, best %9 at %10")
                  .arg(p.size)
                  .arg(p.ratio)
                  .arg(number(o.offsets.tx, 2), number(o.offsets.ty, 2), number(o.offsets.tw, 2), number(o.offsets.th, 2))
                  .arg(QString::fromStdString(boxText(o.decoded)).toHtmlEscaped())
                  .arg(number(o.probabilities[0], 3))
                  .arg(best)
                  .arg(number(o.probabilities[size_t(best) + 1], 3));
    }
  }
  cellText_->setText(html);
}

void DetectionPage::paintOverlay(QPainter& p, double s) const {
  const int level = std::max(0, levelBox_->currentIndex());
  QFont font = p.font();
  font.setPixelSize(presenter_ ? 22 : 13);
  font.setBold(true);
  p.setFont(font);
  // A class's heatmap over the level's cells.
  if (heatBox_->currentIndex() > 0 && output_.size() == grid_.valuesPerImage && size_t(level) < grid_.levels.size()) {
    const int k = heatBox_->currentIndex() - 1;
    const std::vector<float> heat = classHeatmap(grid_, spec_, output_.data(), level, k);
    const AnchorGrid::Level& l = grid_.levels[size_t(level)];
    if (heat.size() != size_t(l.height) * size_t(l.width)) return;
    const double cell = spec_.levels[size_t(level)].stride * s;
    QColor c = classColour(k);
    for (int y = 0; y < l.height; ++y)
      for (int x = 0; x < l.width; ++x) {
        c.setAlpha(int(std::lround(200 * heat[size_t(y * l.width + x)])));
        p.fillRect(QRectF(x * cell, y * cell, cell, cell), c);
      }
  }
  // The level's grid, and the clicked cell's anchors with the boxes they decode to.
  if (anchorsBox_->isChecked() && size_t(level) < grid_.levels.size()) {
    const AnchorGrid::Level& l = grid_.levels[size_t(level)];
    const double cell = spec_.levels[size_t(level)].stride * s;
    p.setPen(QPen(QColor(255, 255, 255, 50), 1));
    for (int x = 1; x < l.width; ++x) p.drawLine(QPointF(x * cell, 0), QPointF(x * cell, l.height * cell));
    for (int y = 1; y < l.height; ++y) p.drawLine(QPointF(0, y * cell), QPointF(l.width * cell, y * cell));
    if (cellLevel_ == level) {
      const std::vector<size_t> anchors = grid_.cellAnchors(level, cellY_, cellX_);
      if (!anchors.empty()) {
        p.setPen(QPen(QColor(255, 220, 0), 2));
        p.drawRect(QRectF(cellX_ * cell, cellY_ * cell, cell, cell));
        std::vector<Box> truthBoxes;
        for (const ObjectBox& b : truths_) truthBoxes.push_back(toBox(b));
        const Matching m = matchAnchors(grid_.boxes, truthBoxes, spec_.matchIou);
        for (size_t i : anchors) {
          const bool matched = m.truth[i] >= 0;
          p.setPen(QPen(matched ? QColor(60, 220, 60) : QColor(200, 200, 200), matched ? 2.5 : 1.5,
                        matched ? Qt::SolidLine : Qt::DashLine));
          p.setBrush(Qt::NoBrush);
          p.drawRect(screenRect(grid_.boxes[i], s));
          if (output_.size() == grid_.valuesPerImage) { // where the offsets move it
            const AnchorOutput o = anchorOutput(grid_, spec_, output_.data(), i);
            p.setPen(QPen(QColor(255, 220, 0), 1.5, Qt::DotLine));
            p.drawRect(screenRect(o.decoded, s));
          }
        }
      }
    }
  }
  if (truthBox_->isChecked())
    for (const ObjectBox& b : truths_) {
      p.setPen(QPen(Qt::white, 1.5, Qt::DashLine));
      p.setBrush(Qt::NoBrush);
      p.drawRect(screenRect(toBox(b), s));
    }
  // NMS: boxes kept so far in their class's colour with label and score; the step's struck boxes
  // red and crossed; undecided candidates faint while stepping.
  const std::vector<Detection>& candidates = nms_->candidates();
  const NmsResult& r = nms_->result();
  const int current = nms_->currentKept();
  const bool stepping = nms_->step() < int(r.keep.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    const int state = nms_->state(i);
    const QRectF rect = screenRect(candidates[i].box, s);
    if (state == NmsPanel::Undecided && stepping) {
      p.setPen(QPen(QColor(255, 255, 255, 90), 1));
      p.drawRect(rect);
    } else if (state == NmsPanel::Struck && (stepping || int(r.decisions[i].suppressedBy) == current)) {
      p.setPen(QPen(QColor(230, 40, 40), 1.5, Qt::DashLine));
      p.drawRect(rect);
      if (int(r.decisions[i].suppressedBy) == current) p.drawLine(rect.topLeft(), rect.bottomRight());
    }
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (nms_->state(i) != NmsPanel::Kept) continue;
    const Detection& d = candidates[i];
    const QColor c = classColour(d.label);
    const QRectF rect = screenRect(d.box, s);
    p.setPen(QPen(c, int(i) == current ? 4 : 2.5));
    p.drawRect(rect);
    drawTag(p, rect, QStringLiteral("%1 %2").arg(d.label).arg(number(d.score, 2)), c, kSide * s);
  }
}

// The test scenes' precision–recall curves for the weights shown (the run's latest while training).
DetectionMetrics DetectionPage::testSceneMetrics() {
  ensureScenes();
  Network* network = activeNetwork();
  if (!network || !testScenes_) return averagePrecision(std::vector<std::vector<Detection>>(1), {{}}, spec_.classes(), 0.5);
  const Preprocess& pre = training_ && training_->live ? training_->preprocess : preprocess_;
  try {
    return evaluateDetector(*network, *backend_, *testScenes_, pre, spec_).detectionMetrics;
  } catch (const std::exception& e) {
    status_->setText(tr("The test scenes could not be scored: %1").arg(QString::fromStdString(e.what())));
    return averagePrecision(std::vector<std::vector<Detection>>(1), {{}}, spec_.classes(), 0.5);
  }
}

void DetectionPage::setPresenterMode(bool on) {
  presenter_ = on;
  nms_->setPresenterMode(on);
  pr_->setPresenterMode(on);
  emptyText_->setFont(setPlotText(curves_, on));
  canvas_->update();
}

void DetectionPage::train() {
  if (training_ || !mayStartTraining()) return;
  loss_.clear(), map_.clear();
  replotTraining();
  training_ = Run{};
  setTrainingControls(true);
  progress_->setValue(0);
  plots_->setCurrentWidget(curves_);
  emit trainingStarted();
  startTraining("mini-ssd");
}

void DetectionPage::stop() {
  if (training_) worker()->stop();
}

void DetectionPage::takeReports() {
  TrainingReports r = worker()->takeReports();
  if (!training_) return;
  Run& run = *training_;
  if (r.setup) {
    try {
      run.live = std::make_unique<Network>(parseModel(r.setup->architecture, "the network in training").network);
      run.preprocess = r.setup->preprocess;
      run.stateTensors = run.live->copyState().size(); // what a weight snapshot must hold
    } catch (const std::exception&) {
      run.live.reset();
    }
  }
  for (const BatchReport& b : r.batches) {
    run.batchesPerEpoch = std::max(1, b.batchesPerEpoch);
    const double at = b.epoch + double(b.batch + 1) / run.batchesPerEpoch;
    loss_.push_back({at, b.loss});
    progress_->setValue(int(100.0 * at / epochsBox_->value()));
  }
  for (const EpochReport& e : r.epochs) {
    run.epochs = e.epoch + 1;
    map_.push_back({double(e.epoch + 1), e.testMap50});
    status_->setText(tr("mini-ssd, epoch %1 of %2: training loss %3, test mAP@0.5 %4 on %5 scenes")
                         .arg(e.epoch + 1)
                         .arg(epochsBox_->value())
                         .arg(e.trainLoss, 0, 'f', 4)
                         .arg(e.testMap50, 0, 'f', 3)
                         .arg(scenesScored()));
  }
  if (r.filters && run.live && r.filters->parameters.size() == run.stateTensors) {
    run.live->setState(r.filters->parameters); // the boxes follow the weights as they learn
    sceneChanged();
  }
  // The curves over the 500 test scenes take a moment: again after each epoch, not each snapshot.
  if (!r.epochs.empty()) pr_->invalidate();
  if (!r.batches.empty() || !r.epochs.empty()) replotTraining();
  if (!r.finished) return;
  const Preprocess preprocess = run.preprocess;
  const int epochs = run.epochs;
  std::unique_ptr<Network> trained = worker()->takeNetwork();
  const bool ok = r.finished->ok;
  training_.reset();
  setTrainingControls(false);
  if (trained && ok) {
    progress_->setValue(100);
    const QString done = status_->text();
    setNetwork(std::move(trained), preprocess, tr("trained here: %1 epochs on %2 scenes").arg(epochs).arg(scenesBox_->value()));
    status_->setText(tr("Done. %1").arg(done));
  } else {
    if (!ok) status_->setText(tr("mini-ssd: %1").arg(r.finished->message));
    pr_->invalidate();
    sceneChanged();
  }
  emit trainingFinished();
}

void DetectionPage::replotTraining() {
  double most = 0.1, epochs = 1;
  QVector<double> x, y, ex, ey;
  for (const auto& [a, b] : loss_) x << a, y << b, most = std::max(most, b), epochs = std::max(epochs, a);
  for (const auto& [a, b] : map_) ex << a, ey << b;
  curves_->graph(0)->setData(x, y, true);
  curves_->graph(1)->setData(ex, ey, true);
  emptyText_->setVisible(loss_.empty());
  curves_->xAxis->setRange(0, std::max(double(epochsBox_->value()), epochs));
  curves_->yAxis->setRange(0, most * 1.05);
  curves_->replot(QCustomPlot::rpQueuedReplot);
}

std::vector<Figure> DetectionPage::figures() const {
  return {widgetFigure(stage_, "detection", tr("Detection: the scene with boxes and anchors, NMS step by step")),
          plotFigure(pr_->plot(), "detection-precision-recall", tr("Detection: a class's precision–recall curve and AP")),
          plotFigure(curves_, "detection-curves", tr("Detection: training loss and test mAP@0.5"))};
}

} // namespace convscope::ui
