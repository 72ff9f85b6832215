// DetectionPage: the scene with the detector's boxes and anchors, NMS stepped, the
// precision–recall curve and the training.
#include "ui/applications/DetectionPage.h"
#include "ui/applications/SegmentationPage.h" // SceneCanvas

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
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QShortcut>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

namespace {
constexpr int kDetectionTestScenes = 500; // the scenes dataset's test split
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

DetectionPage::DetectionPage(QWidget* parent) : QWidget(parent) {
  setObjectName("detectionPage");
  scene_.assign(size_t(kSide) * kSide, 0.0f);
  backend_ = makeBackend(BackendKind::Onednn);
  spec_ = presetDetectorSpec("mini-ssd");

  canvas_ = new SceneCanvas(&scene_, 320, this);
  canvas_->setObjectName("detectionCanvas");
  canvas_->setDrawingEnabled(false);
  canvas_->setToolTip(tr("Click a cell to see its anchors: their IoU with the true boxes, which are matched, and "
                         "the box each decodes to (tick Draw to draw digits instead)"));
  canvas_->setOverlay([this](QPainter& p, double s) { paintOverlay(p, s); });
  sceneTitle_ = new QLabel;
  sceneTitle_->setObjectName("detectionSceneTitle");
  sceneTitle_->setWordWrap(true);
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

  scoreSlider_ = new QSlider(Qt::Horizontal);
  scoreSlider_->setObjectName("scoreThreshold");
  scoreSlider_->setRange(1, 99);
  scoreSlider_->setToolTip(tr("Score threshold: an anchor's class score must reach it to be a candidate"));
  iouSlider_ = new QSlider(Qt::Horizontal);
  iouSlider_->setObjectName("iouThreshold");
  iouSlider_->setRange(0, 100);
  iouSlider_->setToolTip(tr("NMS threshold: a kept box strikes every candidate of its class whose IoU with it is above "
                            "this"));
  scoreLabel_ = new QLabel, iouLabel_ = new QLabel;
  scoreLabel_->setObjectName("scoreLabel"), iouLabel_->setObjectName("iouLabel");
  nmsTable_ = new QTableWidget(0, 4);
  nmsTable_->setObjectName("nmsTable");
  nmsTable_->setHorizontalHeaderLabels({tr("#"), tr("class"), tr("score"), tr("decision")});
  nmsTable_->verticalHeader()->hide();
  nmsTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  nmsTable_->setSelectionMode(QAbstractItemView::NoSelection);
  nmsTable_->horizontalHeader()->setStretchLastSection(true);
  nmsTable_->setToolTip(tr("The candidates by score, highest first: each step keeps (✓) the top box not yet struck "
                           "and strikes (✗) the boxes of its class overlapping it more than the threshold, naming the "
                           "kept box and the IoU"));
  nmsLine_ = new QLabel;
  nmsLine_->setObjectName("nmsLine");
  nmsLine_->setWordWrap(true);
  stepButton_ = new QPushButton(tr("Step NMS"));
  stepButton_->setToolTip(tr("Keep the next box and strike its overlaps (N)"));
  resetButton_ = new QPushButton(tr("Reset"));
  resetButton_->setToolTip(tr("Back to the sorted candidates, nothing decided"));
  allButton_ = new QPushButton(tr("All"));
  allButton_->setToolTip(tr("Every step: the detector's boxes"));

  previousButton_ = new QPushButton(tr("◀ Scene"));
  previousButton_->setToolTip(tr("The previous test scene (digits the detector never saw in training)"));
  nextButton_ = new QPushButton(tr("Scene ▶"));
  nextButton_->setToolTip(tr("The next test scene (digits the detector never saw in training)"));
  newButton_ = new QPushButton(tr("New"));
  newButton_->setToolTip(tr("A black canvas to draw digits on (Draw is ticked)"));
  openButton_ = new QPushButton(tr("Open Image…"));
  openButton_->setToolTip(tr("Any image, in grey at 64×64 (a light background is inverted)"));
  trainButton_ = new QPushButton(tr("Train"));
  trainButton_->setToolTip(tr("Train mini-ssd from scratch on the composed scenes on the compute thread: the loss, "
                              "mAP@0.5 per epoch and the boxes follow"));
  stopButton_ = new QPushButton(tr("Stop"));
  stopButton_->setEnabled(false);
  epochsBox_ = new QSpinBox;
  epochsBox_->setRange(1, 50);
  epochsBox_->setValue(presetRecipe("mini-ssd").epochs);
  epochsBox_->setPrefix(tr("epochs "));
  epochsBox_->setToolTip(tr("The preset recipe trains 12 epochs (about a minute on 2 cores, mAP@0.5 0.99); 3 already "
                            "find most digits"));
  scenesBox_ = new QSpinBox;
  scenesBox_->setRange(32, 4000);
  scenesBox_->setSingleStep(500);
  scenesBox_->setValue(4000);
  scenesBox_->setPrefix(tr("scenes "));
  scenesBox_->setToolTip(tr("Training scenes per epoch (all 4000: the recipe)"));
  progress_ = new QProgressBar;
  progress_->setRange(0, 100);
  progress_->setValue(0);
  progress_->setMaximumWidth(160);
  status_ = new QLabel;
  status_->setObjectName("detectionStatus");
  status_->setWordWrap(true);

  prPlot_ = new QCustomPlot;
  prPlot_->setObjectName("precisionRecall");
  prPlot_->setMinimumSize(260, 220);
  prPlot_->xAxis->setLabel(tr("recall"));
  prPlot_->yAxis->setLabel(tr("precision"));
  prPlot_->xAxis->setRange(0, 1.02);
  prPlot_->yAxis->setRange(0, 1.05);
  QCPGraph* envelope = prPlot_->addGraph(); // the interpolated curve; its area is AP
  envelope->setLineStyle(QCPGraph::lsStepLeft);
  envelope->setPen(QPen(QColor(33, 102, 172), 1.5));
  envelope->setBrush(QColor(33, 102, 172, 50));
  QCPGraph* points = prPlot_->addGraph(); // each detection's (recall, precision)
  points->setLineStyle(QCPGraph::lsLine);
  points->setPen(QPen(QColor(230, 97, 1), 1.5));
  points->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
  prPlot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  prPlot_->setToolTip(tr("Each detection of the class over the 500 test scenes, highest score first: precision and "
                         "recall after it (orange); the shaded area under the interpolated curve is AP"));
  prClassBox_ = new QComboBox;
  prClassBox_->setObjectName("prClass");
  for (int d = 0; d < 10; ++d) prClassBox_->addItem(tr("class %1").arg(d));
  prClassBox_->setToolTip(tr("The class whose precision–recall curve to show"));
  buildButton_ = new QPushButton(tr("Build"));
  buildButton_->setToolTip(tr("Add the detections one at a time, highest score first (B)"));
  prLine_ = new QLabel;
  prLine_->setObjectName("prLine");
  prLine_->setWordWrap(true);
  prTimer_ = new QTimer(this);
  prTimer_->setInterval(40);

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
  auto* thresholds = new QGridLayout;
  thresholds->addWidget(scoreLabel_, 0, 0);
  thresholds->addWidget(scoreSlider_, 0, 1);
  thresholds->addWidget(iouLabel_, 1, 0);
  thresholds->addWidget(iouSlider_, 1, 1);
  middle->addLayout(thresholds);
  auto* nmsButtons = new QHBoxLayout;
  for (QWidget* w : std::initializer_list<QWidget*>{stepButton_, resetButton_, allButton_}) nmsButtons->addWidget(w);
  nmsButtons->addStretch();
  middle->addLayout(nmsButtons);
  middle->addWidget(nmsLine_);
  middle->addWidget(nmsTable_, 2);
  auto* cellScroll = new QScrollArea;
  cellScroll->setObjectName("cellScroll");
  cellScroll->setWidgetResizable(true);
  cellScroll->setFrameShape(QFrame::NoFrame);
  cellScroll->setWidget(cellText_);
  middle->addWidget(cellScroll, 1);
  auto* prPage = new QWidget;
  auto* prLayout = new QVBoxLayout(prPage);
  auto* prRow = new QHBoxLayout;
  prRow->addWidget(prClassBox_);
  prRow->addWidget(buildButton_);
  prRow->addStretch();
  prLayout->addLayout(prRow);
  prLayout->addWidget(prPlot_, 1);
  prLayout->addWidget(prLine_);
  plots_ = new QTabWidget;
  plots_->setObjectName("detectionPlots");
  plots_->addTab(prPage, tr("Precision–recall"));
  plots_->addTab(curves_, tr("Training"));
  stage_ = new QWidget;
  stage_->setObjectName("detectionStage");
  auto* stageLayout = new QHBoxLayout(stage_);
  stageLayout->setContentsMargins(0, 0, 0, 0);
  stageLayout->addLayout(left);
  stageLayout->addLayout(middle, 1);
  auto* controls = new QHBoxLayout;
  for (QWidget* b : std::initializer_list<QWidget*>{previousButton_, nextButton_, newButton_, openButton_})
    controls->addWidget(b);
  controls->addSpacing(16);
  for (QWidget* b : std::initializer_list<QWidget*>{epochsBox_, scenesBox_, trainButton_, stopButton_, progress_})
    controls->addWidget(b);
  controls->addStretch();
  auto* body = new QHBoxLayout;
  body->addWidget(stage_, 4);
  body->addWidget(plots_, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(status_);
  layout->addLayout(body, 1);

  connect(previousButton_, &QPushButton::clicked, this, &DetectionPage::previousScene);
  connect(nextButton_, &QPushButton::clicked, this, &DetectionPage::nextScene);
  connect(newButton_, &QPushButton::clicked, this, &DetectionPage::drawNew);
  connect(openButton_, &QPushButton::clicked, this, &DetectionPage::openImage);
  connect(trainButton_, &QPushButton::clicked, this, &DetectionPage::train);
  connect(stopButton_, &QPushButton::clicked, this, &DetectionPage::stop);
  connect(stepButton_, &QPushButton::clicked, this, &DetectionPage::stepNms);
  connect(resetButton_, &QPushButton::clicked, this, &DetectionPage::resetNms);
  connect(allButton_, &QPushButton::clicked, this, &DetectionPage::finishNms);
  connect(buildButton_, &QPushButton::clicked, this, &DetectionPage::buildPrCurve);
  // N and B wherever the focus is in the window, while the page shows (a hidden page's shortcuts
  // are off).
  new QShortcut(QKeySequence(Qt::Key_N), this, this, &DetectionPage::stepNms);
  new QShortcut(QKeySequence(Qt::Key_B), this, this, &DetectionPage::buildPrCurve);
  connect(scoreSlider_, &QSlider::valueChanged, this, [this] { detectionChanged(); });
  connect(iouSlider_, &QSlider::valueChanged, this, [this] { detectionChanged(); });
  connect(levelBox_, &QComboBox::currentIndexChanged, this, [this](int level) {
    if (level >= 0) selectCell(level, -1, -1);
  });
  connect(heatBox_, &QComboBox::currentIndexChanged, canvas_, qOverload<>(&QWidget::update));
  connect(anchorsBox_, &QCheckBox::toggled, canvas_, qOverload<>(&QWidget::update));
  connect(truthBox_, &QCheckBox::toggled, canvas_, qOverload<>(&QWidget::update));
  connect(drawBox_, &QCheckBox::toggled, this, [this](bool on) { canvas_->setDrawingEnabled(on); });
  connect(prClassBox_, &QComboBox::currentIndexChanged, this, [this](int k) { setPrClass(k); });
  connect(prTimer_, &QTimer::timeout, this, [this] {
    const auto& curve = testMetrics().classes[size_t(prClass_)].curve;
    prShown_ = std::min(int(curve.size()), prShown_ + std::max(1, int(curve.size()) / 75));
    if (prShown_ >= int(curve.size())) prTimer_->stop();
    replotPr();
  });
  connect(plots_, &QTabWidget::currentChanged, this, [this](int tab) {
    if (tab == 0) replotPr();
  });
  connect(canvas_, &SceneCanvas::clicked, this, &DetectionPage::canvasClicked);
  connect(canvas_, &SceneCanvas::strokeFinished, this, [this] {
    sceneIndex_ = -1;
    truths_.clear();
    sceneTitle_->setText(tr("Drawn by hand (no true boxes)"));
    sceneChanged();
  });

  worker_ = makeTrainingWorker();
  connect(worker_, &TrainingWorker::reportsReady, this, &DetectionPage::takeReports);

  scoreSlider_->blockSignals(true), iouSlider_->blockSignals(true);
  scoreSlider_->setValue(int(std::lround(spec_.scoreThreshold * 100)));
  iouSlider_->setValue(int(std::lround(spec_.nmsIou * 100)));
  scoreSlider_->blockSignals(false), iouSlider_->blockSignals(false);
  origin_ = tr("untrained: press Train");
  try {
    const QString path = QString::fromStdString(resourcesDirectory()) + "/models/" + kShippedDetector;
    QString error;
    if (!QFileInfo::exists(path) || !loadModel(path, &error)) {
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
  prClassBox_->blockSignals(true);
  prClassBox_->setCurrentIndex(prClass_);
  prClassBox_->blockSignals(false);
  replotTraining();
  detectionChanged();
}

DetectionPage::~DetectionPage() { disposeTrainingWorker(worker_); }

bool DetectionPage::event(QEvent* e) {
  if (e->type() == QEvent::Show && !shown_) { // the first scene with three digits, unless one was chosen
    shown_ = true;
    ensureScenes();
    const int first = testScenes_ ? firstSceneWith(*testScenes_, 3) : 0;
    if (!sceneChosen_) showTestScene(first);
    QTimer::singleShot(0, this, [this] { replotPr(); }); // the test scenes' curves, once shown
  }
  return QWidget::event(e);
}

void DetectionPage::ensureScenes() {
  if (testScenes_) return;
  try {
    testScenes_ = heldOutScenes();
  } catch (const std::exception& e) {
    status_->setText(tr("No composed scenes: %1").arg(QString::fromStdString(e.what())));
  }
}

void DetectionPage::setNetwork(std::unique_ptr<Network> network, const Preprocess& preprocess, const QString& origin) {
  network_ = std::move(network);
  preprocess_ = preprocess;
  origin_ = origin;
  metrics_.reset();
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

void DetectionPage::showTestScene(int index) {
  sceneChosen_ = true;
  ensureScenes();
  if (!testScenes_) return;
  const Dataset& d = *testScenes_;
  sceneIndex_ = ((index % int(d.size())) + int(d.size())) % int(d.size());
  const uint8_t* pixels = d.image(size_t(sceneIndex_));
  scene_.assign(pixels, pixels + size_t(kSide) * kSide);
  truths_ = d.boxes[size_t(sceneIndex_)];
  QStringList digits;
  for (const ObjectBox& b : truths_) digits << QString::number(b.label);
  sceneTitle_->setText(tr("Test scene %1 of %2: %3 (never seen in training)")
                           .arg(sceneIndex_ + 1)
                           .arg(d.size())
                           .arg(digits.join(", ")));
  sceneChanged();
}

void DetectionPage::nextScene() { showTestScene(sceneIndex_ + 1); }
void DetectionPage::previousScene() { showTestScene(sceneIndex_ - 1); }

void DetectionPage::drawNew() {
  sceneChosen_ = true;
  std::fill(scene_.begin(), scene_.end(), 0.0f);
  truths_.clear();
  sceneIndex_ = -1;
  drawBox_->setChecked(true);
  sceneTitle_->setText(tr("Draw digits on the black canvas (no true boxes)"));
  sceneChanged();
}

void DetectionPage::setImage(const Tensor& image, const QString& name) {
  const Shape& s = image.shape();
  if (s.rank() != 4 || s[2] < 1 || s[3] < 1) return;
  sceneChosen_ = true;
  bool inverted = false;
  scene_ = sceneFromImage(image, &inverted);
  truths_.clear();
  sceneIndex_ = -1;
  sceneTitle_->setText(tr("%1 (no true boxes)").arg(sceneFromImageText(name, inverted)));
  sceneChanged();
}

void DetectionPage::openImage() {
  QString name, error;
  const Tensor image = openSceneImage(this, tr("Open an image to look in"), &name, &error);
  if (!error.isEmpty()) status_->setText(error);
  if (image.shape().rank() == 4) setImage(image, name);
}

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

double DetectionPage::scoreThreshold() const { return scoreSlider_->value() / 100.0; }
double DetectionPage::iouThreshold() const { return iouSlider_->value() / 100.0; }

void DetectionPage::setThresholds(double score, double iou) {
  scoreSlider_->setValue(int(std::lround(score * 100)));
  iouSlider_->setValue(int(std::lround(iou * 100)));
}

void DetectionPage::detectionChanged() {
  scoreLabel_->setText(tr("score ≥ %1").arg(number(scoreThreshold(), 2)));
  iouLabel_->setText(tr("NMS IoU > %1").arg(number(iouThreshold(), 2)));
  candidates_.clear();
  nms_ = {};
  if (output_.size() == grid_.valuesPerImage && grid_.valuesPerImage > 0) {
    DetectOptions options = detectOptions(spec_);
    options.scoreThreshold = scoreThreshold(), options.nmsIou = iouThreshold();
    candidates_ = detectionCandidates(grid_, spec_, output_.data(), options);
    // Highest score first, as NMS will take them: the table's order and numbers.
    std::stable_sort(candidates_.begin(), candidates_.end(),
                     [](const Detection& a, const Detection& b) { return a.score > b.score; });
    std::vector<Box> boxes;
    std::vector<double> scores;
    std::vector<int> classes;
    for (const Detection& d : candidates_) boxes.push_back(d.box), scores.push_back(d.score), classes.push_back(d.label);
    nms_ = nmsPerClass(boxes, scores, classes, iouThreshold());
  }
  nmsStep_ = int(nms_.keep.size()); // the result, live; Reset or Step to walk through it
  showNms();
  showCell();
  QString status = origin_;
  if (!network_ && !training_) status = tr("No trained detector: press Train (about a minute), or open one with File");
  if (training_) status = tr("training: epoch %1 of %2").arg(training_->epochs + 1).arg(epochsBox_->value());
  if (!output_.empty())
    status += tr(" — %1 candidates scoring ≥ %2, %3 kept by NMS")
                  .arg(candidates_.size())
                  .arg(number(scoreThreshold(), 2))
                  .arg(nms_.keep.size());
  if (!training_ || !status_->text().startsWith("mini-ssd")) status_->setText(status);
}

std::vector<Detection> DetectionPage::detections() const {
  std::vector<Detection> out;
  for (size_t i : nms_.keep) out.push_back(candidates_[i]);
  return out;
}

int DetectionPage::candidateState(size_t candidate) const {
  if (candidate >= nms_.decisions.size()) return 0;
  // The rank among the kept boxes of each keeper: a candidate is decided once its keeper (or it,
  // kept) is among the first nmsStep_ kept.
  const auto keptRank = [&](size_t i) {
    const auto at = std::find(nms_.keep.begin(), nms_.keep.end(), i);
    return at == nms_.keep.end() ? -1 : int(at - nms_.keep.begin());
  };
  const NmsDecision& d = nms_.decisions[candidate]; // candidates are in score order: order[i] = i
  if (d.kept) return keptRank(d.candidate) < nmsStep_ ? 1 : 0;
  return keptRank(d.suppressedBy) < nmsStep_ ? 2 : 0;
}

QString DetectionPage::nmsText() const { return nmsLine_->text(); }

void DetectionPage::showNms() {
  const int rows = int(candidates_.size());
  nmsTable_->setRowCount(rows);
  QFont struckFont = nmsTable_->font();
  struckFont.setStrikeOut(true);
  const int current = nmsStep_ > 0 && nmsStep_ <= int(nms_.keep.size()) ? int(nms_.keep[size_t(nmsStep_ - 1)]) : -1;
  for (int i = 0; i < rows; ++i) {
    const Detection& c = candidates_[size_t(i)];
    const int state = candidateState(size_t(i));
    const NmsDecision& d = nms_.decisions[size_t(i)];
    QString decision;
    if (state == 1) decision = i == current ? tr("✓ keep ◀") : tr("✓ keep");
    if (state == 2) decision = tr("✗ #%1, IoU %2").arg(d.suppressedBy + 1).arg(number(d.iou, 2));
    const QStringList cells{QString::number(i + 1), QString::number(c.label), number(c.score, 3), decision};
    for (int col = 0; col < 4; ++col) {
      auto* item = new QTableWidgetItem(cells[col]);
      if (col < 3) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (state == 1) item->setBackground(QColor(220, 240, 220));
      if (state == 2) item->setBackground(QColor(250, 220, 220)), item->setFont(struckFont);
      if (i == current) item->setBackground(QColor(190, 225, 255));
      if (col == 1) item->setForeground(classColour(c.label).darker(130));
      nmsTable_->setItem(i, col, item);
    }
  }
  nmsTable_->resizeColumnsToContents();
  nmsTable_->horizontalHeader()->setStretchLastSection(true);
  if (current >= 0) nmsTable_->scrollToItem(nmsTable_->item(current, 0));
  QString line;
  if (candidates_.empty()) {
    line = output_.empty() ? tr("No detector yet.") : tr("No candidate reaches the score %1.").arg(number(scoreThreshold(), 2));
  } else if (nmsStep_ == 0) {
    line = tr("%1 candidates, highest score first: Step NMS (N) keeps the top one").arg(rows);
  } else {
    const size_t k = nms_.keep[size_t(nmsStep_ - 1)];
    QStringList struck;
    int more = 0; // past the first four: counted, the table has them all
    for (const NmsDecision& d : nms_.decisions)
      if (!d.kept && d.suppressedBy == k) {
        if (struck.size() < 4)
          struck << tr("#%1 (IoU %2)").arg(d.candidate + 1).arg(number(d.iou, 2));
        else
          ++more;
      }
    if (more > 0) struck << tr("%n more", nullptr, more);
    line = tr("Step %1 of %2: keep #%3, a %4 scoring %5")
               .arg(nmsStep_)
               .arg(nms_.keep.size())
               .arg(k + 1)
               .arg(candidates_[k].label)
               .arg(number(candidates_[k].score, 3));
    line += struck.isEmpty() ? tr("; nothing of its class overlaps it above %1").arg(number(iouThreshold(), 2))
                             : tr("; strike %1: above %2").arg(struck.join(", "), number(iouThreshold(), 2));
  }
  nmsLine_->setText(line);
  canvas_->update();
}

void DetectionPage::stepNms() {
  if (nms_.keep.empty()) return;
  if (nmsStep_ >= int(nms_.keep.size())) nmsStep_ = 0;
  ++nmsStep_;
  showNms();
}

void DetectionPage::resetNms() {
  nmsStep_ = 0;
  showNms();
}

void DetectionPage::setNmsStep(int step) {
  nmsStep_ = std::clamp(step, 0, int(nms_.keep.size()));
  showNms();
}

void DetectionPage::finishNms() {
  nmsStep_ = int(nms_.keep.size());
  showNms();
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
  const int current = nmsStep_ > 0 && nmsStep_ <= int(nms_.keep.size()) ? int(nms_.keep[size_t(nmsStep_ - 1)]) : -1;
  const bool stepping = nmsStep_ < int(nms_.keep.size());
  for (size_t i = 0; i < candidates_.size(); ++i) {
    const int state = candidateState(i);
    const QRectF r = screenRect(candidates_[i].box, s);
    if (state == 0 && stepping) {
      p.setPen(QPen(QColor(255, 255, 255, 90), 1));
      p.drawRect(r);
    } else if (state == 2 && (stepping || int(nms_.decisions[i].suppressedBy) == current)) {
      p.setPen(QPen(QColor(230, 40, 40), 1.5, Qt::DashLine));
      p.drawRect(r);
      if (int(nms_.decisions[i].suppressedBy) == current) p.drawLine(r.topLeft(), r.bottomRight());
    }
  }
  for (size_t i = 0; i < candidates_.size(); ++i) {
    if (candidateState(i) != 1) continue;
    const Detection& d = candidates_[i];
    const QColor c = classColour(d.label);
    const QRectF r = screenRect(d.box, s);
    p.setPen(QPen(c, int(i) == current ? 4 : 2.5));
    p.drawRect(r);
    drawTag(p, r, QStringLiteral("%1 %2").arg(d.label).arg(number(d.score, 2)), c, kSide * s);
  }
}

const DetectionMetrics& DetectionPage::testMetrics() {
  if (!metrics_) {
    ensureScenes();
    Network* network = activeNetwork();
    if (network && testScenes_) {
      const Preprocess& pre = training_ && training_->live ? training_->preprocess : preprocess_;
      const Evaluation e = evaluateDetector(*network, *backend_, *testScenes_, pre, spec_);
      metrics_ = averagePrecision(e.detections, testScenes_->boxes, spec_.classes(), 0.5);
    } else {
      metrics_ = averagePrecision(std::vector<std::vector<Detection>>(1), {{}}, spec_.classes(), 0.5);
    }
    prShown_ = int(metrics_->classes[size_t(prClass_)].curve.size());
  }
  return *metrics_;
}

void DetectionPage::setPrClass(int k) {
  if (k < 0 || k >= spec_.classes()) return;
  prClass_ = k;
  prTimer_->stop();
  if (prClassBox_->currentIndex() != k) prClassBox_->setCurrentIndex(k);
  prShown_ = int(testMetrics().classes[size_t(k)].curve.size());
  replotPr();
}

void DetectionPage::buildPrCurve() {
  prShown_ = 0;
  replotPr();
  prTimer_->start();
}

void DetectionPage::replotPr() {
  if (!isVisible() && !metrics_) return; // computed when first looked at
  const ClassAveragePrecision& c = testMetrics().classes[size_t(prClass_)];
  const int n = std::min(prShown_, int(c.curve.size()));
  QVector<double> x, y, ex, ey;
  for (int i = 0; i < n; ++i) x << c.curve[size_t(i)].recall, y << c.curve[size_t(i)].precision;
  // The interpolated envelope of the points so far: precision at recall r the best at any r' ≥ r.
  std::vector<PrecisionRecallPoint> shown(c.curve.begin(), c.curve.begin() + n);
  double best = 0;
  std::vector<double> envelope(shown.size());
  for (size_t i = shown.size(); i-- > 0;) envelope[i] = best = std::max(best, shown[i].precision);
  ex << 0, ey << (envelope.empty() ? 0 : envelope[0]);
  for (size_t i = 0; i < shown.size(); ++i) ex << shown[i].recall, ey << envelope[i];
  prPlot_->graph(0)->setData(ex, ey, true);
  prPlot_->graph(1)->setData(x, y, true);
  const double area = interpolatedArea(shown);
  if (c.truths == 0) {
    prLine_->setText(tr("No test scene holds a %1: no AP").arg(prClass_));
  } else if (n == 0) {
    prLine_->setText(tr("%1 true %2s in the 500 test scenes; %3 detections of the class, highest score first: Build")
                         .arg(c.truths)
                         .arg(prClass_)
                         .arg(c.curve.size()));
  } else {
    const PrecisionRecallPoint& last = c.curve[size_t(n - 1)];
    prLine_->setText(tr("detection %1 of %2: score %3, %4 (IoU %5) → precision %6, recall %7; area %8%9")
                         .arg(n)
                         .arg(c.curve.size())
                         .arg(number(last.score, 3))
                         .arg(last.truePositive ? tr("a hit") : tr("a false positive"))
                         .arg(number(last.iou, 2))
                         .arg(number(last.precision, 3))
                         .arg(number(last.recall, 3))
                         .arg(number(area, 3))
                         .arg(n == int(c.curve.size()) ? tr(" = AP of %1; mAP@0.5 %2").arg(prClass_).arg(number(metrics_->map, 3))
                                                       : QString()));
  }
  prPlot_->replot(QCustomPlot::rpQueuedReplot);
}

void DetectionPage::setPresenterMode(bool on) {
  presenter_ = on;
  QFont big = font();
  big.setPixelSize(on ? 24 : 13);
  nmsTable_->setFont(big);
  nmsTable_->horizontalHeader()->setFont(big);
  nmsTable_->verticalHeader()->setDefaultSectionSize(on ? 32 : 22);
  QFont tick = font(), label = font();
  tick.setPixelSize(on ? 16 : 11);
  label.setPixelSize(on ? 18 : 12);
  for (QCustomPlot* plot : {prPlot_, curves_}) {
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis, plot->yAxis2})
      axis->setTickLabelFont(tick), axis->setLabelFont(label);
    plot->legend->setFont(tick);
    plot->replot();
  }
  emptyText_->setFont(label);
  showNms();
}

void DetectionPage::train() {
  if (training_) return;
  if (otherTraining_ && otherTraining_()) {
    status_->setText(tr("Another run is training (the Training tab or the Segmentation page): one at a time."));
    return;
  }
  loss_.clear(), map_.clear();
  replotTraining();
  training_ = Run{};
  trainButton_->setEnabled(false);
  stopButton_->setEnabled(true);
  epochsBox_->setEnabled(false);
  scenesBox_->setEnabled(false);
  progress_->setValue(0);
  plots_->setCurrentWidget(curves_);
  TrainingRequest request;
  request.spec.model = "mini-ssd";
  request.spec.dataset = "scenes";
  request.spec.config = presetTrainConfig("mini-ssd");
  request.spec.config.epochs = epochsBox_->value();
  request.spec.config.maxTrainImages = size_t(scenesBox_->value());
  request.spec.config.maxTestImages = size_t(evaluatedScenes_);
  status_->setText(tr("mini-ssd: training on the composed scenes…"));
  emit trainingStarted();
  QMetaObject::invokeMethod(
      worker_, queuedCall([worker = worker_, request] { worker->start(request); }), Qt::QueuedConnection);
}

void DetectionPage::stop() {
  if (training_) worker_->stop();
}

void DetectionPage::takeReports() {
  TrainingReports r = worker_->takeReports();
  if (!training_) return;
  Run& run = *training_;
  if (r.setup) {
    try {
      run.live = std::make_unique<Network>(parseModel(r.setup->architecture, "the network in training").network);
      run.preprocess = r.setup->preprocess;
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
                         .arg(evaluatedScenes_ > 0 ? evaluatedScenes_ : kDetectionTestScenes));
  }
  if (r.filters && run.live && r.filters->parameters.size() == run.live->copyState().size()) {
    run.live->setState(r.filters->parameters); // the boxes follow the weights as they learn
    metrics_.reset();
    sceneChanged();
  }
  if (!r.batches.empty() || !r.epochs.empty()) replotTraining();
  if (!r.finished) return;
  const Preprocess preprocess = run.preprocess;
  const int epochs = run.epochs;
  std::unique_ptr<Network> trained = worker_->takeNetwork();
  const bool ok = r.finished->ok;
  training_.reset();
  trainButton_->setEnabled(true);
  stopButton_->setEnabled(false);
  epochsBox_->setEnabled(true);
  scenesBox_->setEnabled(true);
  if (trained && ok) {
    progress_->setValue(100);
    const QString done = status_->text();
    setNetwork(std::move(trained), preprocess, tr("trained here: %1 epochs on %2 scenes").arg(epochs).arg(scenesBox_->value()));
    status_->setText(tr("Done. %1").arg(done));
  } else {
    if (!ok) status_->setText(tr("mini-ssd: %1").arg(r.finished->message));
    metrics_.reset();
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

QString DetectionPage::statusText() const { return status_->text(); }

std::vector<Figure> DetectionPage::figures() const {
  return {widgetFigure(stage_, "detection", tr("Detection: the scene with boxes and anchors, NMS step by step")),
          plotFigure(prPlot_, "detection-precision-recall", tr("Detection: a class's precision–recall curve and AP")),
          plotFigure(curves_, "detection-curves", tr("Detection: training loss and test mAP@0.5"))};
}

} // namespace convscope::ui
