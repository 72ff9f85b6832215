// PrecisionRecallPanel: one class's curve, built point by point.
#include "ui/applications/PrecisionRecallPanel.h"
#include "ui/core/PlotText.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace convscope::ui {

namespace {
QString decimals(double v, int n) { return QString::number(v, 'f', n); }
} // namespace

PrecisionRecallPanel::PrecisionRecallPanel(int classes, QWidget* parent)
    : QWidget(parent), classes_(std::max(1, classes)), class_(std::min(7, std::max(1, classes) - 1)) {
  setObjectName("precisionRecallPanel");
  plot_ = new QCustomPlot;
  plot_->setObjectName("precisionRecall");
  plot_->setMinimumSize(260, 220);
  plot_->xAxis->setLabel(tr("recall"));
  plot_->yAxis->setLabel(tr("precision"));
  plot_->xAxis->setRange(0, 1.02);
  plot_->yAxis->setRange(0, 1.05);
  QCPGraph* envelope = plot_->addGraph(); // the interpolated curve; its area is AP
  envelope->setLineStyle(QCPGraph::lsStepLeft);
  envelope->setPen(QPen(QColor(33, 102, 172), 1.5));
  envelope->setBrush(QColor(33, 102, 172, 50));
  QCPGraph* points = plot_->addGraph(); // each detection's (recall, precision)
  points->setLineStyle(QCPGraph::lsLine);
  points->setPen(QPen(QColor(230, 97, 1), 1.5));
  points->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setToolTip(tr("Each detection of the class over the 500 test scenes, highest score first: precision and "
                       "recall after it (orange); the shaded area under the interpolated curve is AP"));
  classBox_ = new QComboBox;
  classBox_->setObjectName("prClass");
  for (int k = 0; k < classes; ++k) classBox_->addItem(tr("class %1").arg(k));
  classBox_->setCurrentIndex(class_);
  classBox_->setToolTip(tr("The class whose precision–recall curve to show"));
  buildButton_ = new QPushButton(tr("Build"));
  buildButton_->setToolTip(tr("Add the detections one at a time, highest score first (B)"));
  line_ = new QLabel;
  line_->setObjectName("prLine");
  line_->setWordWrap(true);
  timer_ = new QTimer(this);
  timer_->setInterval(40);
  auto* row = new QHBoxLayout;
  row->addWidget(classBox_);
  row->addWidget(buildButton_);
  row->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(row);
  layout->addWidget(plot_, 1);
  layout->addWidget(line_);
  connect(buildButton_, &QPushButton::clicked, this, &PrecisionRecallPanel::build);
  connect(classBox_, &QComboBox::currentIndexChanged, this, [this](int k) { setClass(k); });
  connect(timer_, &QTimer::timeout, this, [this] {
    const int n = int(metrics().classes[size_t(class_)].curve.size());
    shown_ = std::min(n, shown_ + std::max(1, n / 75));
    if (shown_ >= n) timer_->stop();
    replot();
  });
}

void PrecisionRecallPanel::setSource(std::function<DetectionMetrics()> source) {
  source_ = std::move(source);
  invalidate();
}

void PrecisionRecallPanel::invalidate() {
  metrics_.reset();
  timer_->stop();
  if (isVisible()) replot();
}

const DetectionMetrics& PrecisionRecallPanel::metrics() {
  if (!metrics_) {
    metrics_ = source_ ? source_() : averagePrecision(std::vector<std::vector<Detection>>(1), {{}}, classes_, 0.5);
    shown_ = int(metrics_->classes[size_t(class_)].curve.size());
  }
  return *metrics_;
}

void PrecisionRecallPanel::setClass(int k) {
  if (k < 0 || k >= classes_) return;
  class_ = k;
  timer_->stop();
  if (classBox_->currentIndex() != k) classBox_->setCurrentIndex(k);
  shown_ = int(metrics().classes[size_t(k)].curve.size());
  replot();
}

void PrecisionRecallPanel::build() {
  metrics();
  shown_ = 0;
  replot();
  timer_->start();
}

QString PrecisionRecallPanel::text() const { return line_->text(); }

void PrecisionRecallPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  replot();
}

void PrecisionRecallPanel::replot() {
  const DetectionMetrics& m = metrics();
  const ClassAveragePrecision& c = m.classes[size_t(class_)];
  const int n = std::min(shown_, int(c.curve.size()));
  QVector<double> x, y, ex, ey;
  for (int i = 0; i < n; ++i) x << c.curve[size_t(i)].recall, y << c.curve[size_t(i)].precision;
  // The interpolated envelope of the points so far: precision at recall r the best at any r' ≥ r.
  const std::vector<PrecisionRecallPoint> shown(c.curve.begin(), c.curve.begin() + n);
  double best = 0;
  std::vector<double> envelope(shown.size());
  for (size_t i = shown.size(); i-- > 0;) envelope[i] = best = std::max(best, shown[i].precision);
  ex << 0, ey << (envelope.empty() ? 0 : envelope[0]);
  for (size_t i = 0; i < shown.size(); ++i) ex << shown[i].recall, ey << envelope[i];
  plot_->graph(0)->setData(ex, ey, true);
  plot_->graph(1)->setData(x, y, true);
  if (c.truths == 0) {
    line_->setText(tr("No test scene holds a %1: no AP").arg(class_));
  } else if (n == 0) {
    line_->setText(tr("%1 true %2s in the test scenes; %3 detections of the class, highest score first: Build")
                       .arg(c.truths)
                       .arg(class_)
                       .arg(c.curve.size()));
  } else {
    const PrecisionRecallPoint& last = c.curve[size_t(n - 1)];
    line_->setText(tr("detection %1 of %2: score %3, %4 (IoU %5) → precision %6, recall %7; area %8%9")
                       .arg(n)
                       .arg(c.curve.size())
                       .arg(decimals(last.score, 3))
                       .arg(last.truePositive ? tr("a hit") : tr("a false positive"))
                       .arg(decimals(last.iou, 2))
                       .arg(decimals(last.precision, 3))
                       .arg(decimals(last.recall, 3))
                       .arg(decimals(interpolatedArea(shown), 3))
                       .arg(n == int(c.curve.size()) ? tr(" = AP of %1; mAP@0.5 %2").arg(class_).arg(decimals(m.map, 3))
                                                     : QString()));
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PrecisionRecallPanel::setPresenterMode(bool on) { setPlotText(plot_, on); }

} // namespace convscope::ui
