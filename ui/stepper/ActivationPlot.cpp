#include "ui/stepper/ActivationPlot.h"
#include "ui/core/Text.h"

#include "engine/backend/reference/Explain.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <algorithm>
#include <cmath>

namespace convscope::ui {

namespace {
constexpr ActivationKind kLectureKinds[] = {ActivationKind::ReLU, ActivationKind::LeakyReLU, ActivationKind::Tanh,
                                            ActivationKind::Sigmoid, ActivationKind::ReLU6};
constexpr int kSamples = 401;
} // namespace

ActivationPlot::ActivationPlot(QWidget* parent) : QCustomPlot(parent) {
  setObjectName("activationPlot");
  setToolTip(tr("The activation function, the others of the lecture faint beside it; the dot is the current cell "
                "(drag, wheel to zoom)"));
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  legend->setVisible(true);
  legend->setBrush(Qt::white);
  // The legend in a row of its own under the plot: over it, it covered a curve or the point.
  auto* row = new QCPLayoutGrid;
  plotLayout()->addElement(1, 0, row);
  row->setMargins(QMargins(4, 0, 4, 10));
  row->addElement(0, 0, legend); // moves it out of the axis rect's inset layout
  plotLayout()->setRowStretchFactor(1, 0.001);
  xAxis->setLabel(QStringLiteral("x"));
  yAxis->setLabel(QStringLiteral("y"));
  setMinimumWidth(260);
  redraw();
}

void ActivationPlot::setPoint(ActivationKind kind, float alpha, float x, float y) {
  kind_ = kind, alpha_ = alpha, point_ = QPointF(x, y);
  redraw();
}

void ActivationPlot::setPresenterMode(bool on) {
  presenter_ = on;
  redraw();
}

void ActivationPlot::redraw() {
  clearGraphs();
  clearItems();
  // The range: the lecture's −4…4, wider when the current input lies outside it.
  const double lo = std::min(-4.0, point_.x() - 1.0), hi = std::max(4.0, point_.x() + 1.0);
  Tensor xs(Shape{1, 1, 1, kSamples}), ys(Shape{1, 1, 1, kSamples});
  for (int i = 0; i < kSamples; ++i) xs.data()[i] = float(lo + (hi - lo) * i / (kSamples - 1));
  QVector<double> kx(kSamples), ky(kSamples);
  for (int i = 0; i < kSamples; ++i) kx[i] = xs.data()[i];
  ReferenceBackend backend;
  double yLo = -1.2, yHi = 1.2;
  const auto curve = [&](ActivationKind k, bool chosen) {
    backend.activationForward(k, k == kind_ ? alpha_ : defaultActivationAlpha(k), xs, ys);
    for (int i = 0; i < kSamples; ++i) {
      ky[i] = ys.data()[i];
      if (chosen) yLo = std::min(yLo, ky[i] - 0.2), yHi = std::max(yHi, ky[i] + 0.2);
    }
    QCPGraph* g = addGraph();
    g->setData(kx, ky, true);
    g->setName(qs(activationTitle(k))); // the formula is in the stepper's heading
    g->setPen(chosen ? QPen(QColor(33, 102, 172), presenter_ ? 5 : 3) : QPen(QColor(170, 170, 170), presenter_ ? 2 : 1.5));
    g->setLayer(chosen ? "main" : "background");
    if (!chosen) g->removeFromLegend();
  };
  for (ActivationKind k : kLectureKinds)
    if (k != kind_) curve(k, false);
  curve(kind_, true);
  yHi = std::min(yHi, std::max(6.5, point_.y() + 0.5)); // ReLU on a wide range: the point stays in view
  // The faint curves, named once in the legend.
  QCPGraph* others = addGraph();
  others->setPen(QPen(QColor(170, 170, 170), presenter_ ? 2 : 1.5));
  QStringList names;
  for (ActivationKind k : kLectureKinds)
    if (k != kind_) names << qs(activationTitle(k));
  // Two names a line: the legend stays inside a narrow plot.
  const QString list = names.mid(0, 2).join(", ") + (names.size() > 2 ? ",\n" + names.mid(2).join(", ") : QString());
  others->setName(tr("grey: %1").arg(list));
  others->setLayer("background");
  // The current cell: x in, y out, with guides to the axes.
  auto* dot = new QCPItemTracer(this);
  dot->position->setCoords(point_.x(), point_.y());
  dot->setStyle(QCPItemTracer::tsCircle);
  dot->setSize(presenter_ ? 18 : 11);
  dot->setPen(QPen(Qt::black, 2));
  dot->setBrush(QColor(230, 80, 20));
  for (const auto& [from, to] : {std::pair{QPointF(point_.x(), 0), point_}, std::pair{QPointF(0, point_.y()), point_}}) {
    auto* guide = new QCPItemLine(this);
    guide->start->setCoords(from);
    guide->end->setCoords(to);
    guide->setPen(QPen(QColor(230, 80, 20), 1.5, Qt::DashLine));
  }
  auto* label = new QCPItemText(this);
  label->position->setCoords(point_.x(), point_.y());
  label->setPositionAlignment(point_.x() > (lo + hi) / 2 ? Qt::AlignRight | Qt::AlignBottom : Qt::AlignLeft | Qt::AlignTop);
  label->setPadding(QMargins(8, 4, 8, 4));
  label->setText(QStringLiteral("(%1, %2)").arg(numberText(float(point_.x())), numberText(float(point_.y()))));
  QFont tick = font(), text = font();
  tick.setPixelSize(presenter_ ? 24 : 12);
  text.setPixelSize(presenter_ ? 26 : 13);
  label->setFont(text);
  QFont legendFont = font();
  legendFont.setPixelSize(presenter_ ? 18 : 11); // words, not digits: smaller than the ticks
  legend->setFont(legendFont);
  for (QCPAxis* axis : {xAxis, yAxis}) {
    axis->setTickLabelFont(tick);
    axis->setLabelFont(text);
    axis->ticker()->setTickCount(presenter_ ? 4 : 6);
  }
  xAxis->setRange(lo, hi);
  yAxis->setRange(std::min(yLo, point_.y() - 0.5), std::max(yHi, point_.y() + 0.5));
  replot();
}

} // namespace convscope::ui
