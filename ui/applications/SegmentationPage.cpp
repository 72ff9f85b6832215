// SegmentationPage: the scene, the two models' predictions and their training.
#include "ui/applications/SegmentationPage.h"
#include "ui/core/PlotText.h"

#include "ui/applications/Scenes.h"
#include "ui/core/ComputeThread.h"
#include "ui/core/Text.h"
#include "ui/core/ThreadSanitizer.h"
#include "ui/training/TrainingWorker.h"

#include "engine/backend/Backend.h"
#include "engine/io/ImageIO.h"
#include "engine/io/ModelFile.h"
#include "engine/training/Scenes.h"
#include "engine/training/Segmentation.h"
#include "engine/training/Trainer.h"

#include <qcustomplot.h>

#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

namespace {
const QColor kColours[2] = {QColor(33, 102, 172), QColor(230, 97, 1)}; // U-Net blue, FCN orange

// (1, 3, H, W) values 0–255 as an image.
QImage rgbImage(const Tensor& t) {
  const int h = int(t.shape()[2]), w = int(t.shape()[3]);
  QImage image(w, h, QImage::Format_RGB888);
  const size_t plane = size_t(h) * size_t(w);
  for (int y = 0; y < h; ++y) {
    uchar* line = image.scanLine(y);
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        line[3 * x + c] = uchar(std::clamp(std::lround(t.data()[size_t(c) * plane + size_t(y) * w + x]), 0L, 255L));
  }
  return image;
}

QImage overlayImage(const std::vector<float>& grey, const std::vector<uint8_t>& classes, int side) {
  return rgbImage(classOverlay(grey, SegmentationPage::kSide, SegmentationPage::kSide, classes, 1))
      .scaled(side, side, Qt::IgnoreAspectRatio, Qt::FastTransformation);
}

QString iouText(double v) { return std::isnan(v) ? QStringLiteral("–") : QString::number(v, 'f', 2); }
} // namespace



namespace {
ScenePage::Texts segmentationTexts() {
  ScenePage::Texts t;
  t.canvasTip = QObject::tr("Draw digits here (white on black, as the scenes): both networks segment what you draw");
  t.drawText = QObject::tr("Draw");
  t.drawTip = QObject::tr("A black canvas: draw digits with the mouse and watch both networks segment them");
  t.trainText = QObject::tr("Train Both");
  t.trainTip = QObject::tr("Train mini-unet, then mini-fcn, from scratch on the composed scenes, on the compute "
                           "thread: the curves and both predictions follow");
  t.epochsTip = QObject::tr("The preset recipe trains 8 epochs (about 2 minutes for the U-Net on 2 cores); 3 reach "
                            "a test mean IoU near 0.82 in about 45 seconds");
  t.noTruth = QObject::tr("no true mask: no IoU");
  t.sceneExtra = QObject::tr("; its true mask:");
  t.epochs = 8;
  return t;
}
} // namespace

SegmentationPage::SegmentationPage(QWidget* parent) : ScenePage("segmentationPage", segmentationTexts(), parent) {
  backend_ = makeBackend(BackendKind::Onednn);
  columns_[UNet].title = tr("U-Net: skip connections");
  columns_[UNet].preset = "mini-unet";
  columns_[UNet].shipped = "mini-unet-scenes.json";
  columns_[Fcn].title = tr("FCN: no skips");
  columns_[Fcn].preset = "mini-fcn";
  columns_[Fcn].shipped = "mini-fcn-scenes.json";

  canvas_->setSide(imageSide());
  sceneTitle_->setObjectName("sceneTitle");
  sceneTitle_->setMaximumWidth(imageSide()); // the plot gets the width that is left
  truthImage_ = new QLabel;
  truthImage_->setObjectName("truthImage");
  truthImage_->setToolTip(tr("The scene's true classes (a composed scene's mask)"));
  status_->setObjectName("segmentationStatus");

  curves_ = new QCustomPlot;
  curves_->setObjectName("segmentationCurves");
  curves_->setMinimumSize(260, 200);
  curves_->yAxis2->setVisible(true);
  curves_->xAxis->setLabel(tr("epoch"));
  curves_->yAxis->setLabel(tr("training loss"));
  curves_->yAxis2->setLabel(tr("test mean IoU"));
  curves_->yAxis2->setRange(0, 1);
  // The legend under the plot, two columns: the curves keep the whole rectangle.
  curves_->legend->setVisible(true);
  auto* legendRow = new QCPLayoutGrid;
  curves_->plotLayout()->addElement(1, 0, legendRow);
  legendRow->setMargins(QMargins(4, 0, 4, 4));
  curves_->axisRect()->insetLayout()->take(curves_->legend);
  legendRow->addElement(0, 0, curves_->legend);
  curves_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  curves_->legend->setWrap(2);
  curves_->plotLayout()->setRowStretchFactor(1, 0.001);
  emptyText_ = new QCPItemText(curves_);
  emptyText_->position->setType(QCPItemPosition::ptAxisRectRatio);
  emptyText_->position->setCoords(0.5, 0.45);
  emptyText_->setText(tr("Train Both:\nthe curves, live"));
  emptyText_->setColor(QColor(110, 110, 110));
  for (int w : {UNet, Fcn}) {
    QCPGraph* loss = curves_->addGraph(curves_->xAxis, curves_->yAxis);
    loss->setPen(QPen(kColours[w], 1.5));
    loss->setName(tr("%1 loss").arg(w == UNet ? tr("U-Net") : tr("FCN")));
    QCPGraph* iou = curves_->addGraph(curves_->xAxis, curves_->yAxis2);
    iou->setPen(QPen(kColours[w], 2.5, Qt::DashLine));
    iou->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 7));
    iou->setName(tr("%1 IoU").arg(w == UNet ? tr("U-Net") : tr("FCN")));
  }
  curves_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  curves_->setToolTip(tr("Each model's training loss (batch by batch) and its mean IoU on the 500 test scenes after "
                         "every epoch (drag, wheel to zoom; File → Export Figure)"));

  // Scene | U-Net | FCN, each with its caption under it; the curves on the right.
  auto* grid = new QGridLayout;
  auto* sceneHeader = new QLabel(tr("<b>Scene</b>"));
  grid->addWidget(sceneHeader, 0, 0);
  grid->addWidget(canvas_, 1, 0, Qt::AlignTop);
  auto* sceneBelow = new QVBoxLayout;
  sceneBelow->addWidget(sceneTitle_);
  sceneBelow->addWidget(truthImage_);
  sceneBelow->addStretch();
  grid->addLayout(sceneBelow, 2, 0);
  for (int w : {UNet, Fcn}) {
    Column& c = columns_[size_t(w)];
    auto* header = new QLabel(QStringLiteral("<b style='color:%1'>%2</b>").arg(kColours[w].name(), c.title));
    c.image = new QLabel;
    c.image->setObjectName(w == UNet ? "unetPrediction" : "fcnPrediction");
    c.image->setToolTip(tr("Each pixel's predicted class in its colour over the scene"));
    c.iouText = new QLabel;
    c.iouText->setObjectName(w == UNet ? "unetIou" : "fcnIou");
    c.iouText->setTextFormat(Qt::RichText);
    c.iouText->setWordWrap(true);
    c.status = new QLabel;
    c.status->setWordWrap(true);
    c.iouText->setMaximumWidth(imageSide() + 40), c.status->setMaximumWidth(imageSide() + 40);
    grid->addWidget(header, 0, w + 1);
    grid->addWidget(c.image, 1, w + 1, Qt::AlignTop);
    auto* below = new QVBoxLayout;
    below->addWidget(c.iouText);
    below->addWidget(c.status);
    below->addStretch();
    grid->addLayout(below, 2, w + 1);
  }
  grid->setRowStretch(2, 1);
  stage_ = new QWidget;
  stage_->setObjectName("segmentationStage");
  stage_->setLayout(grid);
  auto* body = new QHBoxLayout;
  body->addWidget(stage_);
  body->addWidget(curves_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controlRow());
  layout->addWidget(status_);
  layout->addLayout(body, 1);

  connect(trainButton_, &QPushButton::clicked, this, &SegmentationPage::train);
  connect(stopButton_, &QPushButton::clicked, this, &SegmentationPage::stop);
  connect(worker(), &TrainingWorker::reportsReady, this, &SegmentationPage::takeReports);

  // The models the preset recipe trained (scripts/train-shipped-models.sh), when present.
  for (Which w : {UNet, Fcn}) {
    Column& c = columns_[w];
    c.origin = tr("untrained: press Train Both");
    QString error;
    try {
      const QString path = QString::fromStdString(resourcesDirectory()) + "/models/" + c.shipped;
      if (QFileInfo::exists(path) && loadModel(w, path, &error))
        c.origin = tr("shipped: the preset recipe, %1 epochs").arg(epochsBox_->value());
    } catch (const std::exception&) {
    }
  }
  replot();
}

bool SegmentationPage::loadModel(Which w, const QString& path, QString* error) {
  try {
    Model m = convscope::loadModel(path.toStdString());
    const Shape in = m.network.inputShape(), out = m.network.outputShape(1);
    if (!isSegmentationNetwork(m.network) || in.rank() != 3 || in[1] != kSide || in[2] != kSide ||
        out[1] != kSceneClasses || !m.info.preprocess)
      throw std::invalid_argument(QFileInfo(path).fileName().toStdString() +
                                  ": not a model segmenting 64x64 scenes into 11 classes (its output is " +
                                  out.toString() + ")");
    columns_[w].network = std::make_unique<Network>(std::move(m.network));
    columns_[w].preprocess = *m.info.preprocess;
    columns_[w].origin = m.info.training ? tr("trained %1 epochs on %2")
                                               .arg(m.info.training->epochs)
                                               .arg(QString::fromStdString(m.info.training->dataset))
                                         : tr("loaded");
    predict(w);
    showColumn(w);
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

void SegmentationPage::takeTruth(const Dataset& scenes, int index) {
  const uint8_t* mask = scenes.mask(size_t(index));
  truth_.assign(mask, mask + size_t(kSide) * kSide);
}

void SegmentationPage::sceneChanged() {
  canvas_->update();
  const int side = imageSide();
  truthImage_->setVisible(!truth_.empty());
  if (!truth_.empty()) {
    const int small = std::max(64, side / 2);
    truthImage_->setPixmap(QPixmap::fromImage(overlayImage(scene_, truth_, small)));
  }
  for (Which w : {UNet, Fcn}) {
    predict(w);
    showColumn(w);
  }
}

// A column's classes for the scene: the network being trained (its latest weights) while it
// trains, else the column's own.
void SegmentationPage::predict(Which w) {
  Column& c = columns_[w];
  Network* network = training_ && training_->which == w && training_->live ? training_->live.get() : c.network.get();
  const Preprocess& pre = training_ && training_->which == w && training_->live ? training_->preprocess : c.preprocess;
  c.prediction.clear();
  if (!network) return;
  Tensor image(Shape{1, 1, kSide, kSide});
  std::copy(scene_.begin(), scene_.end(), image.data());
  try {
    c.prediction = pixelClasses(network->forward(*backend_, preprocessImage(image, pre)));
  } catch (const std::exception& e) {
    c.status->setText(QString::fromStdString(e.what()));
  }
}

double SegmentationPage::sceneMeanIou(Which w) const {
  const Column& c = columns_[w];
  if (truth_.empty() || c.prediction.size() != truth_.size()) return std::nan("");
  SegmentationMetrics m(kSceneClasses);
  m.add(c.prediction, truth_);
  return m.meanIou();
}

QString SegmentationPage::modelStatus(Which w) const { return columns_[w].status->text(); }

void SegmentationPage::showColumn(Which w) {
  Column& c = columns_[w];
  const int side = imageSide();
  if (c.prediction.empty()) {
    QImage blank(side, side, QImage::Format_RGB888);
    blank.fill(QColor(235, 235, 235));
    QPainter p(&blank);
    p.setPen(QColor(90, 90, 90));
    p.drawText(blank.rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
               tr("No weights yet: Train Both, or wait for the first snapshot"));
    p.end();
    c.image->setPixmap(QPixmap::fromImage(blank));
  } else {
    c.image->setPixmap(QPixmap::fromImage(overlayImage(scene_, c.prediction, side)));
  }
  // The scene's IoU per class present in the truth or the prediction, with the class's colour.
  QString html;
  if (!truth_.empty() && !c.prediction.empty()) {
    SegmentationMetrics m(kSceneClasses);
    m.add(c.prediction, truth_);
    html = tr("<b>mean IoU %1</b>").arg(iouText(m.meanIou()));
    const std::vector<std::string> names = sceneClassNames();
    for (int k = 1; k < kSceneClasses; ++k) {
      if (std::isnan(m.iou(k))) continue;
      const Rgb colour = sceneClassColour(k);
      html += QStringLiteral("<br><span style='color:rgb(%1,%2,%3)'>■</span> %4: %5%6")
                  .arg(colour.r)
                  .arg(colour.g)
                  .arg(colour.b)
                  .arg(QString::fromStdString(names[size_t(k)]), iouText(m.iou(k)),
                       m.present(k) ? QString() : tr(" (not in the scene)"));
    }
    html += tr("<br>background: %1").arg(iouText(m.iou(0)));
  } else if (!c.prediction.empty()) { // no truth: what it found
    std::vector<int> counts(kSceneClasses, 0);
    for (uint8_t k : c.prediction) ++counts[k];
    QStringList found;
    const std::vector<std::string> names = sceneClassNames();
    for (int k = 1; k < kSceneClasses; ++k)
      if (counts[size_t(k)] > 0) found << tr("%1 (%2 px)").arg(QString::fromStdString(names[size_t(k)])).arg(counts[size_t(k)]);
    html = found.isEmpty() ? tr("only background") : tr("found: %1").arg(found.join(", "));
  }
  c.iouText->setText(html);
  QString status = c.origin;
  if (training_ && training_->which == w) status = tr("training: epoch %1 of %2").arg(training_->epochs + 1).arg(epochsBox_->value());
  c.status->setText(status);
}

int SegmentationPage::imageSide() const { return presenter_ ? 270 : 240; }

void SegmentationPage::setPresenterMode(bool on) {
  presenter_ = on;
  canvas_->setSide(imageSide());
  sceneTitle_->setMaximumWidth(imageSide());
  emptyText_->setFont(setPlotText(curves_, on));
  sceneChanged();
}

void SegmentationPage::train() {
  if (training_ || !mayStartTraining()) return;
  for (Which w : {UNet, Fcn}) columns_[w].loss.clear(), columns_[w].iou.clear();
  replot();
  training_ = Run{};
  training_->next = {Fcn};
  setTrainingControls(true);
  progress_->setValue(0);
  emit trainingStarted();
  startRun(UNet);
}

void SegmentationPage::startRun(Which w) {
  Run& run = *training_;
  run.which = w;
  run.live.reset();
  run.epochs = 0;
  startTraining(columns_[w].preset.toStdString());
  showColumn(w);
}

void SegmentationPage::stop() {
  if (!training_) return;
  training_->next.clear();
  worker()->stop(); // directly: thread-safe; the run ends before its next batch
}

void SegmentationPage::takeReports() {
  TrainingReports r = worker()->takeReports();
  if (!training_) return;
  Run& run = *training_;
  Column& c = columns_[run.which];
  if (r.setup) {
    try {
      run.live = std::make_unique<Network>(parseModel(r.setup->architecture, "the network in training").network);
      run.preprocess = r.setup->preprocess;
    } catch (const std::exception&) {
      run.live.reset();
    }
  }
  const int total = epochsBox_->value() * 2;
  for (const BatchReport& b : r.batches) {
    run.batchesPerEpoch = std::max(1, b.batchesPerEpoch);
    c.loss.push_back({b.epoch + double(b.batch + 1) / run.batchesPerEpoch, b.loss});
    const double done = (run.which == UNet ? 0 : epochsBox_->value()) + b.epoch + double(b.batch + 1) / run.batchesPerEpoch;
    progress_->setValue(int(100.0 * done / total));
  }
  for (const EpochReport& e : r.epochs) {
    run.epochs = e.epoch + 1;
    c.iou.push_back({double(e.epoch + 1), e.testMeanIou});
    status_->setText(tr("%1, epoch %2 of %3: training loss %4, test mean IoU %5 on %6 scenes")
                         .arg(c.preset)
                         .arg(e.epoch + 1)
                         .arg(epochsBox_->value())
                         .arg(e.trainLoss, 0, 'f', 4)
                         .arg(e.testMeanIou, 0, 'f', 3)
                         .arg(scenesScored()));
  }
  if (r.filters && run.live && r.filters->parameters.size() == run.live->copyState().size()) {
    run.live->setState(r.filters->parameters); // the prediction follows the weights as they learn
    predict(run.which);
    showColumn(run.which);
  }
  if (!r.batches.empty() || !r.epochs.empty()) replot();
  if (!r.finished) return;
  // The run ended: its network becomes the column's, then the next model, or the end.
  if (std::unique_ptr<Network> trained = worker()->takeNetwork(); trained && r.finished->ok) {
    c.network = std::move(trained);
    c.preprocess = run.preprocess;
    c.origin = tr("trained here: %1 epochs on %2 scenes").arg(run.epochs).arg(scenesBox_->value());
  } else if (!r.finished->ok) {
    status_->setText(tr("%1: %2").arg(c.preset, r.finished->message));
  }
  run.live.reset();
  const Which finished = run.which;
  predict(finished);
  showColumn(finished);
  if (!run.next.empty() && r.finished->ok) {
    const Which next = run.next.front();
    run.next.erase(run.next.begin());
    return startRun(next);
  }
  const bool ok = r.finished->ok;
  training_.reset();
  for (Which w : {UNet, Fcn}) showColumn(w);
  setTrainingControls(false);
  if (ok) {
    progress_->setValue(100);
    status_->setText(tr("Done: on %1 test scenes, U-Net mean IoU %2, FCN %3 — the skips keep the strokes.")
                         .arg(scenesScored())
                         .arg(iouText(columns_[UNet].iou.empty() ? std::nan("") : columns_[UNet].iou.back().second),
                              iouText(columns_[Fcn].iou.empty() ? std::nan("") : columns_[Fcn].iou.back().second)));
  }
  emit trainingFinished();
}

void SegmentationPage::replot() {
  double most = 0.1, epochs = 1;
  for (int w : {UNet, Fcn}) {
    const Column& c = columns_[size_t(w)];
    QVector<double> x, y, ex, ey;
    for (const auto& [a, b] : c.loss) x << a, y << b, most = std::max(most, b), epochs = std::max(epochs, a);
    for (const auto& [a, b] : c.iou) ex << a, ey << b;
    curves_->graph(2 * w)->setData(x, y, true);
    curves_->graph(2 * w + 1)->setData(ex, ey, true);
  }
  emptyText_->setVisible(columns_[UNet].loss.empty() && columns_[Fcn].loss.empty());
  curves_->xAxis->setRange(0, std::max(double(epochsBox_->value()), epochs));
  curves_->yAxis->setRange(0, most * 1.05);
  curves_->replot(QCustomPlot::rpQueuedReplot);
}

std::vector<Figure> SegmentationPage::figures() const {
  return {widgetFigure(stage_, "segmentation", tr("Segmentation: the scene, U-Net's and FCN's predictions and IoU")),
          plotFigure(curves_, "segmentation-curves", tr("Segmentation: training loss and test mean IoU"))};
}

} // namespace convscope::ui
