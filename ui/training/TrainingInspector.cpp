// TrainingInspector: filters, test maps, confusion matrix and the drawing pad.
#include "ui/training/TrainingInspector.h"

#include "ui/training/DrawingPad.h"
#include "ui/maps/FeatureMapView.h"
#include "ui/training/TrainingCurves.h"
#include "ui/training/TrainingViews.h"

#include "engine/lessons/Pipeline.h"
#include "engine/training/Preprocess.h"
#include "engine/lessons/Saliency.h"
#include "engine/lessons/LearnedFilters.h"

#include <QApplication>
#include <QComboBox>
#include <QFontInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <omp.h>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

namespace {
// Each filter's first input-channel block (C_out, C_in, KH, KW), on the diverging palette.
std::vector<QImage> filterImages(const Tensor& weights) {
  std::vector<QImage> images;
  if (weights.shape().rank() != 4) return images;
  const Shape& s = weights.shape();
  for (int64_t k = 0; k < s[0]; ++k) {
    Tensor block(Shape{1, 1, s[2], s[3]});
    const float* from = weights.data() + k * s[1] * s[2] * s[3];
    std::copy(from, from + s[2] * s[3], block.data());
    images.push_back(toQImage(renderMap(block, 0)));
  }
  return images;
}

std::vector<QImage> renderImages(const Tensor& maps) {
  std::vector<QImage> images;
  for (const MapImage& m : renderMaps(maps, 64)) images.push_back(toQImage(m));
  return images;
}

QLabel* caption(const QString& text) {
  auto* label = new QLabel(text);
  label->setWordWrap(true);
  return label;
}
} // namespace

TrainingInspector::TrainingInspector(QObject* parent) : QObject(parent) {
  liveBackend_ = makeBackend(BackendKind::Onednn);

  filterView_ = new MapRows(tr("The first layer's filters appear here while training."), 50);
  filterView_->setToolTip(tr("Each filter of the first convolution (its first input channel), blue negative, red "
                             "positive, updated a few times a second"));
  testIndex_ = new QSpinBox;
  testIndex_->setObjectName("testImageBox");
  testIndex_->setRange(0, 0);
  testIndex_->setToolTip(tr("Which test image to follow through the network while it trains"));
  testMaps_ = new MapRows(tr("A test image and its feature maps appear here while training."), 100);
  testMaps_->setToolTip(tr("The chosen test image and what each convolution layer makes of it, with the current "
                           "weights"));
  connect(testIndex_, &QSpinBox::valueChanged, this, &TrainingInspector::showTestImage);
  misclassified_ = new MisclassifiedView;
  misclassifiedLabel_ = new QLabel(tr("Misclassified test images (true → predicted)"));

  mapsPane_ = new QWidget;
  mapsPane_->setObjectName("trainingMaps");
  auto* maps = new QVBoxLayout(mapsPane_);
  maps->setContentsMargins(0, 0, 0, 0);
  maps->addWidget(new QLabel(tr("First layer's filters")));
  maps->addWidget(filterView_, 1);
  auto* testRow = new QHBoxLayout;
  testRow->addWidget(new QLabel(tr("Feature maps of test image (true → predicted)")));
  testRow->addWidget(testIndex_);
  testRow->addStretch();
  maps->addLayout(testRow);
  maps->addWidget(testMaps_, 1);
  maps->addWidget(misclassifiedLabel_);
  maps->addWidget(misclassified_);

  confusionPlot_ = new QCustomPlot;
  confusionPlot_->setObjectName("confusionPlot");
  auto* map = new QCPColorMap(confusionPlot_->xAxis, confusionPlot_->yAxis);
  // White for zero, deepening to blue: readable on a projector; the diagonal stands out.
  QCPColorGradient blues;
  blues.setColorStopAt(0, Qt::white);
  blues.setColorStopAt(0.05, QColor(158, 202, 225)); // a single mistake is visibly not white
  blues.setColorStopAt(1, QColor(8, 48, 107));
  map->setGradient(blues);
  map->setInterpolate(false);
  confusionPlot_->xAxis->setLabel(tr("predicted class"));
  confusionPlot_->yAxis->setLabel(tr("true class"));
  confusionPlot_->setMinimumHeight(150);
  for (QCPAxis* axis : {confusionPlot_->xAxis, confusionPlot_->yAxis}) {
    axis->setTickLengthIn(0), axis->setTickLengthOut(3);
    axis->setSubTicks(false);
    axis->grid()->setVisible(false);
  }
  pad_ = new DrawingPad;
  auto* clearPad = new QPushButton(tr("Clear"));
  padBars_ = new QCustomPlot;
  padBars_->setObjectName("padBars");
  auto* bars = new QCPBars(padBars_->xAxis, padBars_->yAxis);
  bars->setBrush(QColor(33, 102, 172));
  bars->setPen(Qt::NoPen);
  padBars_->yAxis->setRange(0, 1);
  padBars_->yAxis->setLabel(tr("probability"));
  padBars_->setMinimumHeight(120);
  padBars_->plotLayout()->insertRow(0);
  QFont bold = QApplication::font();
  bold.setPointSize(bold.pointSize() + 2);
  bold.setBold(true);
  padVerdict_ = new QCPTextElement(padBars_, QString(), bold);
  padBars_->plotLayout()->addElement(0, 0, padVerdict_);
  padMethod_ = new QComboBox;
  padMethod_->setObjectName("saliencyMethod");
  padMethod_->addItem(tr("why: gradient"), int(SaliencyMethod::Gradient));
  padMethod_->addItem(tr("why: Grad-CAM"), int(SaliencyMethod::GradCam));
  padMethod_->addItem(tr("why: occlusion"), int(SaliencyMethod::Occlusion));
  padMethod_->setToolTip(tr("What the network looks at: how its score for the class it read changes with each pixel "
                            "(gradient), where the last convolution's maps count (Grad-CAM), or how much the score "
                            "drops when a grey square covers the pixel (occlusion)"));
  padSaliency_ = new QLabel(tr("Why it reads your digit: a map here once training runs."));
  padSaliency_->setObjectName("padSaliency");
  padSaliency_->setAlignment(Qt::AlignCenter);
  padSaliency_->setWordWrap(true);
  padSaliency_->setMinimumSize(100, 100);
  padSaliency_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
  connect(padMethod_, &QComboBox::currentIndexChanged, this, &TrainingInspector::explainDrawing);
  connect(clearPad, &QPushButton::clicked, pad_, &DrawingPad::clear);
  connect(pad_, &DrawingPad::changed, this, &TrainingInspector::predictDrawing);
  showPlaceholders();

  drawingPane_ = new QWidget;
  drawingPane_->setObjectName("trainingDrawing");
  auto* third = new QVBoxLayout(drawingPane_);
  third->setContentsMargins(0, 0, 0, 0);
  third->addWidget(caption(tr("Confusion matrix of the test set")));
  third->addWidget(confusionPlot_, 1);
  third->addWidget(caption(tr("Draw a digit: the current network reads it, and shows why")));
  // The drawing and what the network looks at in it, side by side; under them, the verdict.
  auto* padButtons = new QHBoxLayout;
  padButtons->addWidget(clearPad);
  padButtons->addWidget(padMethod_, 1);
  third->addLayout(padButtons);
  auto* padRow = new QHBoxLayout;
  padRow->addWidget(pad_, 1);
  padRow->addWidget(padSaliency_, 1);
  third->addLayout(padRow, 1);
  third->addWidget(padBars_, 1);
}

TrainingInspector::~TrainingInspector() {
  for (QWidget* pane : {mapsPane_, drawingPane_})
    if (!pane->parent()) delete pane; // never placed in a layout
}

void TrainingInspector::setSetup(const TrainingSetup& setup) {
  setup_ = setup;
  testIndex_->setRange(0, setup_.test ? std::max(0, int(setup_.test->size()) - 1) : 0);
  try { // the inspector's own copy of the network, fed with weight snapshots
    live_ = std::make_unique<Network>(parseModel(setup_.architecture, "the network in training").network);
  } catch (const std::exception&) {
    live_.reset(); // the worker reports the problem
  }
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  for (size_t k = 0; k < setup_.classNames.size(); ++k)
    ticker->addTick(double(k), QString::fromStdString(setup_.classNames[k]));
  showPlotContents(padBars_);
  padBars_->xAxis->setTicker(ticker);
  padBars_->xAxis->setRange(-0.6, double(setup_.classNames.size()) - 0.4);
  padBars_->replot(QCustomPlot::rpQueuedReplot);
}

void TrainingInspector::setSnapshot(const FilterSnapshot& snapshot) {
  filters_ = snapshot.weights;
  filtersDirty_ = true;
  if (live_ && snapshot.parameters.size() == live_->copyState().size()) {
    live_->setState(snapshot.parameters);
    predictDrawing();
    showTestImage();
  }
}

void TrainingInspector::flush() {
  if (!filtersDirty_) return;
  filterView_->setRows({{tr("conv1"), filterImages(filters_)}});
  filtersDirty_ = false;
}

void TrainingInspector::clear() {
  static_cast<QCPColorMap*>(confusionPlot_->plottable(0))->data()->clear();
  static_cast<QCPBars*>(padBars_->plottable(0))->data()->clear();
  padVerdict_->setText(QString());
  showPlaceholders();
  filterView_->setRows({});
  testMaps_->setRows({});
  misclassified_->set({}, {});
  live_.reset();
  setup_ = {};
  filters_ = Tensor();
  filtersDirty_ = false;
  confusion_.clear();
  padProbabilities_.clear();
}

void TrainingInspector::showPlaceholders() {
  // Short lines: presenting, these plots are a narrow column of large text.
  showPlotPlaceholder(confusionPlot_, tr("The test set's\nconfusion matrix:\nafter the first epoch."));
  showPlotPlaceholder(padBars_, tr("Your drawing's\nclass probabilities:\nonce training starts."));
}

// Presenter mode: the plots' text at least 16 px; the screen's height goes to the maps and
// the pad's verdict, as the confusion matrix already shows the mistakes (the misclassified
// digits themselves come back on leaving).
void TrainingInspector::setPresenterMode(bool on) {
  QFont text = QApplication::font();
  if (on) text.setPixelSize(std::max(16, QFontInfo(text).pixelSize()));
  QFont bold = text;
  bold.setBold(true);
  setPlotFont(padBars_, text, on ? 3 : 5);
  setPlotFont(confusionPlot_, text, 0); // every class keeps its tick
  presenter_ = on;
  filterView_->setLargestTile(on ? 120 : 72);
  if (!confusion_.empty()) showConfusion(); // its counts' size follows
  padVerdict_->setFont(bold);
  misclassifiedLabel_->setVisible(!on);
  misclassified_->setVisible(!on);
}

int TrainingInspector::filterTilePixels() const { return filterView_->firstRowTileSide(); }

int TrainingInspector::misclassifiedShown() const { return misclassified_->count(); }
int TrainingInspector::testMapRows() const { return int(testMaps_->rows().size()); }

void TrainingInspector::showTestImage() {
  if (!live_ || !setup_.test || setup_.test->size() == 0) return;
  const Dataset& test = *setup_.test;
  const size_t index = std::min(size_t(testIndex_->value()), test.size() - 1);
  omp_set_num_threads(1); // see predictDrawing
  std::vector<MapRows::Row> rows;
  try {
    Tensor input;
    std::vector<int> labels;
    makeBatch(test, &index, 1, setup_.preprocess, input, labels);
    const Tensor& out = live_->forward(*liveBackend_, input);
    const std::vector<float> p = out.values();
    const int predicted = int(std::max_element(p.begin(), p.end()) - p.begin());
    const auto name = [&](int k) {
      return k >= 0 && size_t(k) < test.classNames.size() ? QString::fromStdString(test.classNames[size_t(k)])
                                                          : QString::number(k);
    };
    // The image as stored (gray digits stay gray), then what the convolutions make of it.
    std::vector<QImage> picture = renderImages(input);
    if (test.channels == 1)
      picture = {QImage(test.image(index), test.width, test.height, test.width, QImage::Format_Grayscale8).copy()};
    rows.push_back({tr("%1→%2").arg(name(labels[0]), name(predicted)), std::move(picture)});
    // Each convolution's maps after its activation (when one follows), the first two.
    for (const ConvolutionStage& st : convolutionStages(*live_)) {
      if (rows.size() >= 3) break;
      const Tensor& maps = live_->output(st.shown);
      rows.push_back({QStringLiteral("%1 (%2)").arg(QString::fromStdString(st.title)).arg(maps.shape()[1]),
                      renderImages(maps)});
    }
  } catch (const std::exception& e) {
    emit message(QString::fromStdString(e.what()));
    return;
  }
  testMaps_->setRows(std::move(rows));
}

void TrainingInspector::predictDrawing() {
  if (!live_) return;
  if (pad_->isEmpty()) { // cleared: no verdict on an empty pad
    padProbabilities_.clear();
    static_cast<QCPBars*>(padBars_->plottable(0))->data()->clear();
    padVerdict_->setText(QString());
    padBars_->replot(QCustomPlot::rpQueuedReplot);
    padSaliencyImage_ = QImage();
    padSaliency_->setPixmap(QPixmap());
    return;
  }
  // One image is tiny work: one thread, so the GUI thread never spins up a thread team
  // that competes with the trainer's for the cores (this thread's setting only).
  omp_set_num_threads(1);
  try {
    const Tensor& out = live_->forward(*liveBackend_, preprocessImage(pad_->digit(), setup_.preprocess));
    padProbabilities_ = out.values();
  } catch (const std::exception& e) {
    emit message(QString::fromStdString(e.what()));
    return;
  }
  QVector<double> keys, values;
  for (size_t k = 0; k < padProbabilities_.size(); ++k) keys << double(k), values << padProbabilities_[k];
  static_cast<QCPBars*>(padBars_->plottable(0))->setData(keys, values);
  const auto best = std::max_element(padProbabilities_.begin(), padProbabilities_.end());
  const size_t k = size_t(best - padProbabilities_.begin());
  padVerdict_->setText(
      tr("reads %1 (%2 %)")
          .arg(k < setup_.classNames.size() ? QString::fromStdString(setup_.classNames[k]) : QString::number(k))
          .arg(100.0 * *best, 0, 'f', 1));
  padBars_->replot(QCustomPlot::rpQueuedReplot);
  explainDrawing();
}

void TrainingInspector::explainDrawing() {
  if (!live_ || pad_->isEmpty()) return;
  omp_set_num_threads(1); // as predictDrawing: the trainer keeps the cores
  try {
    SaliencyOptions options;
    options.method = SaliencyMethod(padMethod_->currentData().toInt());
    const Tensor digit = pad_->digit();
    const SaliencyMap map = computeSaliency(*live_, *liveBackend_, preprocessImage(digit, setup_.preprocess), options);
    const Tensor onDigit = saliencyForImage(map.map, setup_.preprocess, digit.shape()[2], digit.shape()[3]);
    const Tensor rgb = saliencyOverlay(digit, onDigit, 168);
    const int h = int(rgb.shape()[2]), w = int(rgb.shape()[3]);
    QImage image(w, h, QImage::Format_RGB888);
    for (int y = 0; y < h; ++y) {
      uchar* line = image.scanLine(y);
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) line[3 * x + c] = uchar(std::clamp(rgb.at(0, c, y, x), 0.0f, 255.0f));
    }
    padSaliencyImage_ = image;
    // Beside the pad the map alone (its colour bar would be too small to read): the tooltip
    // says what the colours mean.
    const QImage alone = image.copy(0, 0, w - kSaliencyLegendWidth, h);
    padSaliency_->setPixmap(
        QPixmap::fromImage(alone).scaled(padSaliency_->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation));
    padSaliency_->setToolTip(tr("%1 for class %2 (score %3); %4")
                                 .arg(padMethod_->currentText().mid(5).trimmed())
                                 .arg(map.classIndex < int64_t(setup_.classNames.size())
                                          ? QString::fromStdString(setup_.classNames[size_t(map.classIndex)])
                                          : QString::number(map.classIndex))
                                 .arg(double(map.score), 0, 'g', 4)
                                 .arg(options.method == SaliencyMethod::Gradient
                                          ? tr("red raises the score, blue lowers it")
                                          : tr("brighter counts more")));
  } catch (const std::exception& e) {
    padSaliencyImage_ = QImage();
    padSaliency_->setText(QString::fromStdString(e.what()));
  }
}

void TrainingInspector::showEpoch(const EpochReport& report) {
  if (!setup_.test) return;
  const Dataset& test = *setup_.test;
  const int classes = int(test.classNames.size());
  confusion_ = confusionCounts(report.testPredictions, test.labels, classes);
  std::vector<QImage> wrong;
  QStringList captions;
  for (size_t i = 0; i < report.testPredictions.size() && i < test.size(); ++i) {
    const int truth = test.labels[i], predicted = report.testPredictions[i];
    if (predicted < 0 || predicted >= classes) continue;
    if (predicted != truth && wrong.size() < 16 && test.channels == 1) {
      wrong.push_back(QImage(test.image(i), test.width, test.height, test.width, QImage::Format_Grayscale8).copy());
      captions << QStringLiteral("%1→%2").arg(QString::fromStdString(test.classNames[size_t(truth)]),
                                              QString::fromStdString(test.classNames[size_t(predicted)]));
    }
  }
  misclassified_->set(std::move(wrong), captions);
  showConfusion();
}

void TrainingInspector::showConfusion() {
  const int classes = int(std::lround(std::sqrt(double(confusion_.size()))));
  if (classes == 0 || !setup_.test) return;
  const Dataset& test = *setup_.test;
  auto* map = static_cast<QCPColorMap*>(confusionPlot_->plottable(0));
  map->data()->setSize(classes, classes);
  map->data()->setRange(QCPRange(0, classes - 1), QCPRange(0, classes - 1));
  // Colour on a log scale, so single mistakes show beside the diagonal's hundreds; each
  // cell also says its count (up to 12 classes, where the numbers still fit).
  for (int t = 0; t < classes; ++t)
    for (int p = 0; p < classes; ++p)
      map->data()->setCell(p, t, std::log1p(double(confusion_[size_t(t * classes + p)])));
  map->rescaleDataRange(true);
  showPlotContents(confusionPlot_);
  if (classes <= 12) {
    const double top = map->dataRange().upper;
    QFont small = QApplication::font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    if (presenter_) small.setPixelSize(24); // the back row reads the counts
    confusionDigits_ = QFontInfo(small).pixelSize();
    for (int t = 0; t < classes; ++t)
      for (int p = 0; p < classes; ++p) {
        const int count = confusion_[size_t(t * classes + p)];
        if (count == 0) continue;
        auto* label = new QCPItemText(confusionPlot_);
        label->position->setCoords(p, t);
        label->setText(QString::number(count));
        label->setFont(small);
        // Dark text on the bright (hot) cells, light text on the dark ones.
        label->setColor(std::log1p(double(count)) > 0.6 * top ? Qt::white : Qt::black);
      }
  }
  QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
  for (int k = 0; k < classes; ++k) ticks->addTick(k, QString::number(k));
  confusionPlot_->xAxis->setTicker(ticks);
  confusionPlot_->yAxis->setTicker(ticks);
  confusionPlot_->xAxis->setRange(-0.5, classes - 0.5);
  confusionPlot_->yAxis->setRange(-0.5, classes - 0.5);
  confusionPlot_->yAxis->setRangeReversed(true); // row 0 at the top, as a matrix is written
  confusionPlot_->setToolTip(
      tr("Rows: true class; columns: predicted class; the diagonal is right. Classes: %1").arg([&] {
        QStringList names;
        for (int k = 0; k < classes; ++k)
          names << QStringLiteral("%1 %2").arg(k).arg(QString::fromStdString(test.classNames[size_t(k)]));
        return names.join(", ");
      }()));
  confusionPlot_->replot(QCustomPlot::rpQueuedReplot);
}

QImage TrainingInspector::filtersImage(const Tensor& filters) {
  filterView_->setRows({{tr("conv1"), filterImages(filters)}});
  const QImage image = filterView_->grab().toImage();
  filterView_->setRows(filters_.empty() ? std::vector<MapRows::Row>{}
                                        : std::vector<MapRows::Row>{{tr("conv1"), filterImages(filters_)}});
  return image;
}

std::vector<Figure> TrainingInspector::figures() const {
  std::vector<Figure> list{widgetFigure(mapsPane_, "filters-and-maps", tr("The filters and a test image's maps"))};
  if (!confusion_.empty() && confusion_.size() == setup_.classNames.size() * setup_.classNames.size()) {
    list.push_back(plotFigure(confusionPlot_, "confusion-matrix", tr("The confusion matrix")));
    list.push_back(tableFigure(confusionTable(confusion_, setup_.classNames), mapsPane_->font(), "confusion-table",
                               tr("The confusion matrix as a table")));
  }
  return list;
}

} // namespace convscope::ui
