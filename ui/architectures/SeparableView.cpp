#include "ui/architectures/SeparableView.h"
#include "ui/core/ThreadSanitizer.h"
#include "ui/core/Text.h"

#include "ui/core/ComputeThread.h"
#include "ui/maps/FeatureMapView.h"
#include "ui/core/Workspace.h"

#include "engine/network/LayerList.h"
#include "engine/training/Optimizer.h"
#include "engine/lessons/Pipeline.h"
#include "engine/backend/Backend.h"
#include "engine/layers/Conv2D.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

namespace convscope::ui {

namespace {


std::unique_ptr<Conv2D> conv(const std::string& name, int64_t in, int64_t out, int64_t k, int64_t groups) {
  Conv2DGeometry g;
  g.kernelH = g.kernelW = k;
  g.padTop = g.padBottom = g.padLeft = g.padRight = k / 2; // "same": every output as large as the input
  g.groups = groups;
  return std::make_unique<Conv2D>(name, in, out, g, false);
}

} // namespace

SeparableView::SeparableView(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace) {
  outputs_ = new QSpinBox;
  outputs_->setRange(1, 64);
  outputs_->setValue(8);
  outputs_->setToolTip(tr("N: the output channels of the standard and the pointwise convolution"));
  kernel_ = new QComboBox;
  for (int k : {1, 3, 5, 7}) kernel_->addItem(QStringLiteral("%1×%1").arg(k), k);
  kernel_->setCurrentIndex(1);
  kernel_->setToolTip(tr("k: the kernel of the standard and the depthwise convolution"));
  costs_ = new QLabel;
  costs_->setTextFormat(Qt::RichText);
  costs_->setWordWrap(true);
  costs_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  maps_ = new FeatureMapView;
  maps_->setTileSize(100);
  auto* scroll = new QScrollArea;
  scroll->setWidget(maps_);
  scroll->setWidgetResizable(true);
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Output channels N:")));
  bar->addWidget(outputs_);
  bar->addSpacing(12);
  bar->addWidget(new QLabel(tr("Kernel k:")));
  bar->addWidget(kernel_);
  bar->addSpacing(12);
  auto* note = new QLabel(tr("Input: the current image or matrix, its M channels (a colour photo has M = 3). "
                             "Seeded random weights: the costs are the lesson."));
  note->setWordWrap(true);
  bar->addWidget(note, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(costs_);
  layout->addWidget(scroll, 1);
  connect(outputs_, &QSpinBox::valueChanged, this, [this] { recompute(); });
  connect(kernel_, &QComboBox::currentIndexChanged, this, [this] { recompute(); });
  connect(workspace_, &Workspace::inputChanged, this, [this] {
    stale_ = true;
    if (isVisible()) recompute();
  });
}

SeparableView::~SeparableView() { jobs_.wait(); }

void SeparableView::setOutputs(int n) { outputs_->setValue(n); }

void SeparableView::setKernelSize(int k) {
  const int index = kernel_->findData(k);
  if (index >= 0) kernel_->setCurrentIndex(index);
}

void SeparableView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (stale_) recompute();
}

QString SeparableView::costText() const {
  const SeparableCost& c = cost_;
  const auto row = [&](const QString& what, int64_t params, int64_t macs) {
    return QStringLiteral("<tr><td>%1</td><td align=right>%2</td><td align=right>%3</td><td align=right>%4</td></tr>")
        .arg(what, qs(withCommas(params)), qs(withCommas(macs)))
        .arg(double(macs) / double(std::max<int64_t>(c.standardMacs(), 1)), 0, 'f', 3);
  };
  QString html = tr("<p>M = %1 input channels → N = %2 output channels, kernel k = %3, output %4×%5 "
                    "(MACs: multiply-accumulates)</p>")
                     .arg(c.m)
                     .arg(c.n)
                     .arg(c.k)
                     .arg(c.h)
                     .arg(c.w);
  html += QStringLiteral("<table cellspacing=0 cellpadding=3><tr><th align=left></th><th>%1</th><th>%2</th>"
                         "<th>%3</th></tr>")
              .arg(tr("parameters"), tr("MACs"), tr("cost / standard"));
  html += row(tr("standard k×k·M·N"), c.standardParameters(), c.standardMacs());
  html += row(tr("depthwise k×k·M"), c.depthwiseParameters(), c.depthwiseMacs());
  html += row(tr("pointwise M·N"), c.pointwiseParameters(), c.pointwiseMacs());
  html += row(tr("<b>depthwise-separable</b>"), c.depthwiseParameters() + c.pointwiseParameters(),
              c.depthwiseMacs() + c.pointwiseMacs());
  html += "</table>";
  html += tr("<p><b>(k²M + MN) / (k²MN) = 1/N + 1/k² = 1/%1 + 1/%2 = %3</b>: the pair costs %4× less than the "
             "standard convolution.</p>")
              .arg(c.n)
              .arg(c.k * c.k)
              .arg(c.ratio(), 0, 'f', 3)
              .arg(1.0 / c.ratio(), 0, 'f', 1);
  return html;
}

void SeparableView::recompute() {
  const Tensor& image = workspace_->input();
  if (image.size() == 0) return;
  stale_ = false;
  const int64_t n = outputs_->value(), k = kernel_->currentData().toInt();
  const uint64_t number = ++requested_;
  jobs_.post([this, image = image.inLayout(Layout::NCHW), n, k, number] {
    auto result = std::make_shared<PipelineResult>();
    SeparableCost cost;
    int64_t counted[3] = {0, 0, 0};
    try {
      const Shape& s = image.shape();
      const int64_t m = s[1];
      cost = {m, n, k, s[2], s[3]};
      // One network, four branches from the input (the pair's pointwise reads the depthwise maps).
      Network net(Shape{m, s[2], s[3]});
      net.add(conv("standard", m, n, k, 1), {"input"});
      net.add(conv("depthwise", m, m, k, m), {"input"});
      net.add(conv("pointwise", m, n, 1, 1), {"input"});
      net.add(conv("separable", m, n, 1, 1), {"depthwise"});
      initialize(net, InitScheme::He, 7);
      // The pair's pointwise is the pointwise branch: the same weights, so the maps compare.
      *net.layer(3).parameters().front() = *net.layer(2).parameters().front(); // the weights (bias zero)
      for (int i = 0; i < 3; ++i) counted[i] = net.layer(size_t(i)).parameterCount();
      Tensor input = image;
      for (float& v : input.values()) v /= 255.0f;
      auto backend = makeBackend(BackendKind::Onednn);
      net.forward(*backend, input);
      PipelineStage in;
      in.title = "input: " + std::to_string(m) + (m == 1 ? " channel" : " channels");
      in.detail = std::to_string(m) + " × " + std::to_string(s[2]) + "×" + std::to_string(s[3]);
      if (m == 3) in.mapNames = {"R", "G", "B"};
      in.images = renderMaps(input, 256);
      in.maps = input;
      result->stages.push_back(std::move(in));
      const std::string kk = std::to_string(k) + "×" + std::to_string(k), from = std::to_string(m) + " → ";
      const std::string titles[] = {"standard " + kk + " convolution, " + from + std::to_string(n),
                                    "depthwise " + kk + ", one filter per channel, " + from + std::to_string(m),
                                    "pointwise 1×1, " + from + std::to_string(n),
                                    "depthwise-separable: depthwise " + kk + ", then pointwise 1×1, " + from +
                                        std::to_string(n)};
      const int64_t params[] = {cost.standardParameters(), cost.depthwiseParameters(), cost.pointwiseParameters(),
                                cost.depthwiseParameters() + cost.pointwiseParameters()};
      const int64_t macs[] = {cost.standardMacs(), cost.depthwiseMacs(), cost.pointwiseMacs(),
                              cost.depthwiseMacs() + cost.pointwiseMacs()};
      for (size_t i = 0; i < 4; ++i) {
        PipelineStage st = layerStage(net.layer(i), net.output(i), 256);
        st.title = titles[i] + ": " + withCommas(params[i]) + " parameters, " + shortCount(macs[i]) + " MACs";
        result->stages.push_back(std::move(st));
      }
    } catch (const std::exception& e) {
      result->error = e.what();
    }
    QMetaObject::invokeMethod(
        this,
        queuedCall([this, result, cost, number, c0 = counted[0], c1 = counted[1], c2 = counted[2]] {
          if (number != requested_) return;
          cost_ = cost;
          counted_[0] = c0, counted_[1] = c1, counted_[2] = c2;
          costs_->setText(result->error.empty() ? costText() : qs(result->error).toHtmlEscaped());
          maps_->setResult(result);
          emit updated();
        }),
        Qt::QueuedConnection);
  });
}

} // namespace convscope::ui
