// TrainingCurves: the loss, accuracy and gradient-flow plots and their export.
#include "ui/training/TrainingCurves.h"

#include <QApplication>
#include <QFile>
#include <QFontInfo>
#include <QPainter>
#include <QPdfWriter>
#include <QTabWidget>
#include <QTextStream>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <cmath>

namespace convscope::ui {

void showPlotPlaceholder(QCustomPlot* plot, const QString& text) {
  plot->clearItems();
  auto* label = new QCPItemText(plot);
  label->position->setType(QCPItemPosition::ptAxisRectRatio);
  label->position->setCoords(0.5, 0.5);
  label->setText(text);
  label->setColor(plot->palette().color(QPalette::PlaceholderText));
  for (int i = 0; i < plot->plottableCount(); ++i) plot->plottable(i)->setVisible(false);
  plot->xAxis->setTickLabels(false);
  plot->yAxis->setTickLabels(false);
  plot->replot(QCustomPlot::rpQueuedReplot);
}

void showPlotContents(QCustomPlot* plot) {
  plot->clearItems();
  for (int i = 0; i < plot->plottableCount(); ++i) plot->plottable(i)->setVisible(true);
  plot->xAxis->setTickLabels(true);
  plot->yAxis->setTickLabels(true);
}

void setPlotFont(QCustomPlot* plot, const QFont& font, int tickCount) {
  for (QCPAxis* axis : plot->axisRect()->axes()) {
    axis->setTickLabelFont(font);
    axis->setLabelFont(font);
    if (tickCount > 0) axis->ticker()->setTickCount(tickCount);
  }
  plot->legend->setFont(font);
  for (int i = 0; i < plot->legend->itemCount(); ++i)
    if (auto* item = qobject_cast<QCPPlottableLegendItem*>(plot->legend->item(i))) item->setFont(font);
  plot->replot(QCustomPlot::rpQueuedReplot);
}

TrainingCurves::TrainingCurves(QWidget* parent) : QWidget(parent) {
  setObjectName("trainingCurves");
  lossPlot_ = new QCustomPlot;
  lossPlot_->addGraph();
  lossPlot_->graph(0)->setName(tr("loss per batch"));
  lossPlot_->graph(0)->setPen(QPen(QColor(33, 102, 172, 90)));
  lossPlot_->addGraph();
  lossPlot_->graph(1)->setName(tr("smoothed"));
  lossPlot_->graph(1)->setPen(QPen(QColor(230, 120, 0), 2));
  lossPlot_->xAxis->setLabel(tr("images seen"));
  lossPlot_->yAxis->setLabel(tr("loss"));
  lossPlot_->legend->setVisible(true);
  lossPlot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  lossPlot_->setMinimumHeight(125);
  // Thousands of points redrawn live: fast polylines, no antialiasing for the raw curve.
  lossPlot_->setPlottingHints(QCP::phFastPolylines | QCP::phCacheLabels);
  lossPlot_->graph(0)->setAntialiased(false);
  accuracyPlot_ = new QCustomPlot;
  accuracyPlot_->addGraph();
  accuracyPlot_->graph(0)->setName(tr("train accuracy"));
  accuracyPlot_->graph(0)->setPen(QPen(QColor(33, 102, 172), 2));
  accuracyPlot_->addGraph();
  accuracyPlot_->graph(1)->setName(tr("test accuracy"));
  accuracyPlot_->graph(1)->setPen(QPen(QColor(230, 120, 0), 2));
  for (int g = 0; g < 2; ++g) accuracyPlot_->graph(g)->setScatterStyle(QCPScatterStyle::ssDisc);
  accuracyPlot_->xAxis->setLabel(tr("epoch"));
  QSharedPointer<QCPAxisTickerFixed> wholeEpochs(new QCPAxisTickerFixed);
  wholeEpochs->setTickStep(1); // epochs are whole; many of them thin out in multiples
  wholeEpochs->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
  accuracyPlot_->xAxis->setTicker(wholeEpochs);
  accuracyPlot_->yAxis->setLabel(tr("accuracy (%)"));
  accuracyPlot_->yAxis->ticker()->setTickCount(4); // a short plot: 85, 90, 95, 100, not every 2.5
  accuracyPlot_->legend->setVisible(true);
  // Bottom right: accuracy climbs to the top right, where a legend would hide the last epochs.
  accuracyPlot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
  accuracyPlot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  accuracyPlot_->setMinimumHeight(105);
  // Gradient flow: how large each layer's weight gradients are, batch after batch, on a log
  // scale — vanishing gradients show as the first layers' curves sinking decades below the last's.
  gradientPlot_ = new QCustomPlot;
  gradientPlot_->setObjectName("gradientPlot");
  gradientPlot_->xAxis->setLabel(tr("images seen"));
  gradientPlot_->yAxis->setLabel(tr("‖gradient‖"));
  gradientPlot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
  gradientPlot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  gradientPlot_->yAxis->setNumberFormat("eb");
  gradientPlot_->yAxis->setNumberPrecision(0);
  // The legend in a row of its own above the curves, which it would otherwise cover.
  gradientPlot_->legend->setVisible(true);
  gradientPlot_->plotLayout()->insertRow(0);
  gradientPlot_->plotLayout()->addElement(0, 0, gradientPlot_->legend);
  gradientPlot_->legend->setFillOrder(QCPLegend::foColumnsFirst);
  gradientPlot_->legend->setWrap(6);
  gradientPlot_->legend->setBorderPen(Qt::NoPen);
  gradientPlot_->plotLayout()->setRowStretchFactor(0, 0.001);
  gradientPlot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  gradientPlot_->setPlottingHints(QCP::phFastPolylines | QCP::phCacheLabels);
  gradientPlot_->setMinimumHeight(105);
  gradientPlot_->setToolTip(tr("Gradient flow: the L2 norm of each layer's weight gradient, every batch (log scale). "
                               "Curves far below the others mean the gradient vanishes before it reaches that layer."));
  showPlotPlaceholder(gradientPlot_, tr("Each layer's gradient norm (log scale)\nappears here while training."));
  auto* tabs = new QTabWidget;
  tabs->setObjectName("curveTabs");
  tabs->addTab(accuracyPlot_, tr("Accuracy"));
  tabs->addTab(gradientPlot_, tr("Gradient flow"));
  tabs->setDocumentMode(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(lossPlot_, 3);
  layout->addWidget(tabs, 2);
}

void TrainingCurves::clear(double smoothing, int epochs) {
  epochsDone_.clear();
  for (QCustomPlot* plot : {lossPlot_, accuracyPlot_})
    for (int g = 0; g < plot->graphCount(); ++g) plot->graph(g)->data()->clear();
  gradientPlot_->clearGraphs();
  showPlotPlaceholder(gradientPlot_, tr("Each layer's gradient norm (log scale)\nappears here while training."));
  smoothing_ = LossSmoothing(smoothing);
  epochs_ = epochs;
  lossPlot_->replot(QCustomPlot::rpQueuedReplot);
  accuracyPlot_->replot(QCustomPlot::rpQueuedReplot);
}

void TrainingCurves::addBatches(const std::vector<BatchReport>& reports) {
  for (const BatchReport& r : reports) {
    lossPlot_->graph(0)->addData(double(r.imagesSeen), r.loss);
    lossPlot_->graph(1)->addData(double(r.imagesSeen), smoothing_.add(r.loss));
    addGradientNorms(r);
  }
}

void TrainingCurves::addGradientNorms(const BatchReport& r) {
  // One curve per layer with weights, first layer blue to last orange (ColorBrewer's PuOr ends).
  static const QColor colours[] = {QColor(33, 102, 172),  QColor(103, 169, 207), QColor(84, 39, 136),
                                   QColor(153, 112, 171), QColor(27, 120, 55),   QColor(90, 174, 97),
                                   QColor(179, 88, 6),    QColor(224, 130, 20),  QColor(178, 24, 43)};
  for (size_t i = 0; i < r.gradientNorms.size(); ++i) {
    if (int(i) >= gradientPlot_->graphCount()) {
      if (i == 0) showPlotContents(gradientPlot_);
      QCPGraph* g = gradientPlot_->addGraph();
      g->setName(QString::fromStdString(r.gradientNorms[i].layer));
      g->setPen(QPen(colours[i % std::size(colours)], 2)); // its legend item takes the legend's font
    }
    const double norm = r.gradientNorms[i].weights;
    if (norm > 0 && std::isfinite(norm)) gradientPlot_->graph(int(i))->addData(double(r.imagesSeen), norm);
  }
}

void TrainingCurves::addEpoch(const EpochReport& r) {
  EpochReport row = r;
  row.testPredictions.clear(), row.gradientNorms.clear();
  epochsDone_.push_back(std::move(row));
  accuracyPlot_->graph(0)->addData(r.epoch + 1, 100 * r.trainAccuracy);
  accuracyPlot_->graph(1)->addData(r.epoch + 1, 100 * r.testAccuracy);
  accuracyPlot_->rescaleAxes();
  const QCPRange y = accuracyPlot_->yAxis->range(); // a margin so the top point stays in view
  accuracyPlot_->yAxis->setRange(std::max(0.0, y.lower - 2), std::min(100.5, y.upper + 1));
  accuracyPlot_->xAxis->setRange(0.5, epochs_ + 0.5);
  accuracyPlot_->replot(QCustomPlot::rpQueuedReplot);
}

void TrainingCurves::replot(bool force) {
  // The numbers update every tick; the curves a few times a second, which is plenty for
  // the eye and leaves the cores to the trainer.
  if (!force && plotClock_.isValid() && plotClock_.elapsed() <= 200) return;
  plotClock_.restart();
  lossPlot_->rescaleAxes();
  lossPlot_->replot(QCustomPlot::rpQueuedReplot);
  if (gradientPlot_->graphCount() && gradientPlot_->isVisible()) {
    gradientPlot_->rescaleAxes();
    gradientPlot_->replot(QCustomPlot::rpQueuedReplot);
  }
}

void TrainingCurves::setSmoothing(double k) {
  QCPGraph* raw = lossPlot_->graph(0);
  QVector<double> keys;
  std::vector<double> losses;
  for (int i = 0; i < raw->dataCount(); ++i)
    keys << raw->data()->at(i)->key, losses.push_back(raw->data()->at(i)->value);
  const std::vector<double> smoothed = LossSmoothing::over(losses, k);
  lossPlot_->graph(1)->setData(keys, QVector<double>(smoothed.begin(), smoothed.end()), true);
  smoothing_ = LossSmoothing(k);
  for (double loss : losses) smoothing_.add(loss); // goes on from the last point
  lossPlot_->replot(QCustomPlot::rpQueuedReplot);
}

// Presenter mode: the plots' text (QCustomPlot keeps its own fonts) at least 16 px, so tick
// labels and legends read from the back of the room, with fewer ticks to make room.
void TrainingCurves::setPresenterMode(bool on) {
  QFont text = QApplication::font();
  if (on) text.setPixelSize(std::max(16, QFontInfo(text).pixelSize()));
  setPlotFont(lossPlot_, text, on ? 3 : 5);
  setPlotFont(gradientPlot_, text, on ? 3 : 5);
  setPlotFont(accuracyPlot_, text, 0);
  accuracyPlot_->xAxis->ticker()->setTickCount(on ? 3 : 5);
  accuracyPlot_->yAxis->ticker()->setTickCount(on ? 3 : 4);
  for (QCustomPlot* plot : {accuracyPlot_, gradientPlot_}) // its axis title stands whole beside it
    plot->setMinimumHeight(on ? 170 : 105);
  accuracyPlot_->yAxis->setLabel(on ? tr("accuracy %") : tr("accuracy (%)"));
}

int TrainingCurves::plotFontPixels() const { return QFontInfo(lossPlot_->xAxis->tickLabelFont()).pixelSize(); }
int TrainingCurves::lossPoints() const { return lossPlot_->graph(0)->dataCount(); }
int TrainingCurves::accuracyPoints() const { return accuracyPlot_->graph(1)->dataCount(); }

std::vector<double> TrainingCurves::smoothedLoss() const {
  std::vector<double> values;
  for (int i = 0; i < lossPlot_->graph(1)->dataCount(); ++i)
    values.push_back(lossPlot_->graph(1)->data()->at(i)->value);
  return values;
}

bool TrainingCurves::exportTo(const QString& path) const {
  if (path.endsWith(".csv", Qt::CaseInsensitive)) {
    // Long format, one file: series, x (images seen or epoch), y.
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) return false;
    QTextStream out(&file);
    out << "series,x,y\n";
    const auto write = [&out](const char* series, QCPGraph* graph) {
      for (int i = 0; i < graph->dataCount(); ++i)
        out << series << ',' << graph->data()->at(i)->key << ',' << graph->data()->at(i)->value << '\n';
    };
    write("loss", lossPlot_->graph(0));
    write("smoothed_loss", lossPlot_->graph(1));
    write("train_accuracy_percent", accuracyPlot_->graph(0));
    write("test_accuracy_percent", accuracyPlot_->graph(1));
    return out.status() == QTextStream::Ok;
  }
  // Both plots, one above the other: SVG, PDF or PNG at twice the screen's resolution.
  return writeFigure(figures().front(), path, 2.0).isEmpty();
}

} // namespace convscope::ui

namespace convscope::ui {

TextTable TrainingCurves::epochTable() const {
  TextTable t;
  t.header = {"epoch", "train loss", "train accuracy %", "test loss", "test accuracy %", "images/s", "seconds"};
  t.numeric.assign(t.header.size(), true);
  for (const EpochReport& r : epochsDone_)
    t.rows.push_back(
        {QString::number(r.epoch + 1).toStdString(), QString::number(r.trainLoss, 'f', 4).toStdString(),
         QString::number(100 * r.trainAccuracy, 'f', 2).toStdString(),
         QString::number(r.testLoss, 'f', 4).toStdString(), QString::number(100 * r.testAccuracy, 'f', 2).toStdString(),
         QString::number(r.imagesPerSecond, 'f', 0).toStdString(), QString::number(r.seconds, 'f', 1).toStdString()});
  return t;
}

QImage TrainingCurves::curvesAt(int points, int epochs) {
  // Each graph's data swapped for its first n points while the image is drawn.
  struct Swap {
    QCPGraph* graph;
    QSharedPointer<QCPGraphDataContainer> whole;
  };
  std::vector<Swap> swaps;
  const auto truncate = [&swaps](QCPGraph* graph, int n) {
    auto part = QSharedPointer<QCPGraphDataContainer>::create();
    const QSharedPointer<QCPGraphDataContainer> whole = graph->data();
    for (auto it = whole->constBegin(); it != whole->constEnd() && it - whole->constBegin() < n; ++it) part->add(*it);
    swaps.push_back({graph, whole});
    graph->setData(part);
  };
  for (int g = 0; g < 2; ++g) truncate(lossPlot_->graph(g), points), truncate(accuracyPlot_->graph(g), epochs);
  // A slide's proportions, whatever the window's size.
  const QImage image = figureImage(
      stackFigures({plotFigure(lossPlot_, {}, {}, QSize(720, 300)), plotFigure(accuracyPlot_, {}, {}, QSize(720, 220))},
                   {}, {}, 0),
      1.0);
  for (const Swap& s : swaps) s.graph->setData(s.whole);
  return image;
}

std::vector<Figure> TrainingCurves::figures() const {
  if (gradientPlot_->graphCount()) gradientPlot_->rescaleAxes(); // rescaled only while shown
  std::vector<Figure> list{
      stackFigures({plotFigure(lossPlot_, {}, {}), plotFigure(accuracyPlot_, {}, {})}, "loss-and-accuracy",
                   tr("The loss and accuracy curves"), 0),
      plotFigure(gradientPlot_, "gradient-flow", tr("The gradient flow (each layer's gradient norm)"))};
  if (!epochsDone_.empty()) list.push_back(tableFigure(epochTable(), font(), "epochs", tr("The epochs as a table")));
  return list;
}

} // namespace convscope::ui
