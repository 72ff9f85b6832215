// VaePanel: the latent plane, decodes, walks and β.
#include "ui/applications/VaePanel.h"
#include "ui/core/PlotText.h"

#include "ui/applications/ImageGrid.h"
#include "ui/applications/LatentPlaneView.h"
#include "ui/training/TrainingWorker.h"

#include "engine/backend/Backend.h"
#include "engine/io/Animation.h"
#include "engine/network/Presets.h"
#include "engine/training/Preprocess.h"
#include "engine/training/Trainer.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace convscope::ui {

namespace {
// The shipped models the box offers: (preset, file in resources/models, what the box says).
struct Shipped {
  const char* preset;
  const char* file;
  const char* text;
};
const Shipped kShippedVaes[] = {
    {"mini-vae-2d", "mini-vae-2d-digits.json", "mini-vae-2d: a code of 2 numbers"},
    {"mini-vae", "mini-vae-digits.json", "mini-vae: a code of 16 numbers"},
};
constexpr int kGridSide = 10;  // decodes over the plane: 10 × 10
constexpr int kWalkSteps = 10; // the walk's strip

QString signedNumber(double v, int decimals = 2) {
  return QString::number(v, 'f', decimals).replace('-', QChar(0x2212));
}
} // namespace

VaePanel::VaePanel(QWidget* parent) : GenerativePanel("vaePanel", 10, parent) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  walkA_ = walkB_ = QPointF(nan, nan);
  modelBox_ = new QComboBox;
  modelBox_->setObjectName("vaeModel");
  for (const Shipped& s : kShippedVaes) modelBox_->addItem(tr(s.text));
  modelBox_->setToolTip(tr("Which VAE: a code of 2 numbers is a plane of its own; a longer code is shown on the plane "
                           "of its two principal directions"));
  planeView_ = new LatentPlaneView;
  planeView_->setObjectName("latentPlane");
  decodedView_ = new ImageGrid;
  decodedView_->setObjectName("vaeDecoded");
  decodedView_->setMinimumSize(168, 168);
  decodedView_->setToolTip(tr("The decoder's image of the point under the cross: sigmoid(decoder(z))"));
  codeLabel_ = new QLabel;
  codeLabel_->setObjectName("vaeCode");
  codeLabel_->setWordWrap(true);
  planeNote_ = new QLabel;
  planeNote_->setObjectName("vaePlaneNote");
  planeNote_->setWordWrap(true);
  gridView_ = new ImageGrid;
  gridView_->setObjectName("vaeGrid");
  gridView_->setToolTip(tr("The plane decoded on a 10 × 10 grid over the range shown: the decoder's map of the codes"));
  walkView_ = new ImageGrid;
  walkView_->setObjectName("vaeWalk");
  walkView_->setMinimumHeight(70);
  walkView_->setToolTip(tr("A straight walk from A to B on the plane, decoded: click the plane twice to set A and B"));
  saveWalkButton_ = new QPushButton(tr("Save walk…"));
  saveWalkButton_->setToolTip(tr("The walk from A to B as an animated GIF (or MP4), 24 steps"));
  betaSlider_ = new QSlider(Qt::Horizontal);
  betaSlider_->setObjectName("vaeBeta");
  betaSlider_->setRange(0, 40);
  betaSlider_->setValue(10);
  betaSlider_->setMaximumWidth(160);
  betaSlider_->setToolTip(tr("β weighs the KL term when training (β-VAE): 0 is a plain autoencoder whose codes "
                             "spread anywhere; larger β packs them towards N(0, I) at the cost of sharper images"));
  betaLabel_ = new QLabel;
  betaLabel_->setObjectName("vaeBetaLabel");
  curves_ = new QCustomPlot;
  curves_->setObjectName("vaeCurves");
  curves_->addGraph(), curves_->addGraph();
  curves_->graph(0)->setName(tr("reconstruction (nats per test image)"));
  curves_->graph(0)->setPen(QPen(QColor(31, 119, 180), 2));
  curves_->graph(1)->setName(tr("KL (right axis)"));
  curves_->graph(1)->setPen(QPen(QColor(214, 39, 40), 2));
  curves_->graph(1)->setValueAxis(curves_->yAxis2);
  curves_->yAxis2->setVisible(true);
  curves_->xAxis->setLabel(tr("epoch"));
  curves_->legend->setVisible(true);
  curves_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  side_ = new QTabWidget;
  side_->setObjectName("vaeSide");
  side_->addTab(gridView_, tr("Grid of decodes"));
  side_->addTab(curves_, tr("Loss: reconstruction + KL"));

  auto* decodedColumn = new QVBoxLayout;
  decodedColumn->addWidget(decodedView_, 3);
  decodedColumn->addWidget(codeLabel_);
  decodedColumn->addWidget(planeNote_);
  decodedColumn->addStretch(1);
  auto* right = new QHBoxLayout;
  right->addLayout(decodedColumn, 2);
  right->addWidget(side_, 5);
  auto* rightColumn = new QVBoxLayout;
  rightColumn->addLayout(right, 4);
  rightColumn->addWidget(walkView_, 1);
  auto* top = new QHBoxLayout;
  top->addWidget(planeView_, 5);
  top->addLayout(rightColumn, 6);
  controlRow()->insertWidget(0, modelBox_);
  auto* openButton = new QPushButton(tr("Open…"));
  openButton->setToolTip(tr("A VAE of your own: convscope train --model mini-vae --save FILE (28×28 digits)"));
  controlRow()->insertWidget(1, openButton);
  connect(openButton, &QPushButton::clicked, this, [this] {
    if (isTraining()) return;
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a trained VAE"), {}, tr("Model files (*.json)"));
    QString error;
    if (!path.isEmpty() && !loadModel(path, &error)) status_->setText(error);
  });
  controlRow()->insertWidget(2, betaLabel_);
  controlRow()->insertWidget(3, betaSlider_);
  controlRow()->addWidget(saveWalkButton_);
  controlRow()->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top, 1);
  layout->addLayout(controlRow());
  layout->addWidget(status_);
  trainButton_->setToolTip(tr("Train the chosen VAE from scratch on the 8,000 training digits with this β; the plane, "
                              "the decodes and the curves follow as it learns"));

  connect(planeView_, &LatentPlaneView::pointChosen, this, &VaePanel::decodeAt);
  connect(planeView_, &LatentPlaneView::walkChanged, this, &VaePanel::setWalk);
  connect(betaSlider_, &QSlider::valueChanged, this, [this] {
    betaLabel_->setText(tr("β = %1").arg(beta(), 0, 'f', 1));
  });
  connect(trainButton_, &QPushButton::clicked, this, &VaePanel::train);
  connect(modelBox_, qOverload<int>(&QComboBox::activated), this, &VaePanel::chooseShipped);
  connect(saveWalkButton_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the walk"), "vae-walk.gif",
                                                      tr("Animations (*.gif *.mp4)"));
    QString error;
    if (!path.isEmpty() && !saveWalkAnimation(path, &error)) status_->setText(error);
    else if (!path.isEmpty()) status_->setText(tr("Saved %1").arg(path));
  });
  betaLabel_->setText(tr("β = %1").arg(beta(), 0, 'f', 1));
  replotCurves();
}

void VaePanel::firstShown() {
  if (!vae_) chooseShipped(0);
}

VaePanel::~VaePanel() = default;

int VaePanel::codeSize() const { return vae_ ? vaeCodeSize(*vae_) : 0; }

double VaePanel::beta() const { return betaSlider_->value() / 10.0; }
void VaePanel::setBeta(double beta) { betaSlider_->setValue(int(std::lround(beta * 10))); }

void VaePanel::chooseShipped(int index) {
  if (isTraining() || index < 0 || index >= int(std::size(kShippedVaes))) return;
  modelBox_->setCurrentIndex(index);
  const QString path = QString::fromStdString(resourcesDirectory()) + "/models/" + kShippedVaes[index].file;
  QString error;
  if (!loadModel(path, &error)) status_->setText(error);
}

bool VaePanel::loadModel(const QString& path, QString* error) {
  try {
    Model m = convscope::loadModel(path.toStdString());
    if (!isVae(m.network) || !m.hasWeights || !m.info.preprocess || m.network.inputShape() != Shape{1, 28, 28})
      throw std::invalid_argument(QFileInfo(path).fileName().toStdString() +
                                  ": not a trained VAE of the 28x28 digits (convscope train --model mini-vae "
                                  "--dataset digits --save FILE)");
    const QString origin = m.info.training ? tr("%1 epochs on the digits").arg(m.info.training->epochs) : QString();
    setModel(std::move(m), QFileInfo(path).fileName() + (origin.isEmpty() ? QString() : ", " + origin));
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

void VaePanel::setModel(Model model, const QString& origin) {
  vae_ = std::make_unique<Network>(std::move(model.network));
  preprocess_ = *model.info.preprocess;
  decoder_ = vaeDecoder(*vae_);
  encodeTestDigits();
  status_->setText(tr("%1 — move over the plane to decode a point; click twice for a walk").arg(origin));
}

Network& VaePanel::activeVae() const { return live_ ? *live_ : *vae_; }

void VaePanel::encodeTestDigits() {
  if (!vae_ && !live_) return;
  if (!testDigits_) testDigits_ = std::make_shared<const Dataset>(loadDataset("digits", 1, 28, 28).test);
  const Dataset& test = *testDigits_;
  std::vector<size_t> indices(test.size());
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = i;
  Tensor batch;
  std::vector<int> labels;
  makeBatch(test, indices.data(), indices.size(), preprocess_, batch, labels);
  const Tensor means = encodeMeans(activeVae(), backend(), batch);
  plane_ = latentPlane(means);
  std::vector<LatentPlaneView::Point> points;
  for (size_t i = 0; i < test.size(); ++i) {
    const auto [x, y] = plane_.point(means.data() + i * size_t(plane_.size()));
    points.push_back({x, y, test.labels[i]});
  }
  const bool principal = plane_.principal;
  planeView_->setPoints(std::move(points), principal ? tr("first principal direction") : tr("z₁"),
                        principal ? tr("second principal direction") : tr("z₂"));
  planeNote_->setText(principal ? tr("A code of %1 numbers: the plane of its two principal directions through the "
                                     "codes' mean (%2 % of their variance)")
                                      .arg(plane_.size())
                                      .arg(100 * plane_.explained, 0, 'f', 0)
                                : tr("A code of 2 numbers: the plane is the code itself"));
  decodeGrid();
  decodeAt(planeView_->current());
  decodeWalk();
}

void VaePanel::decodeAt(QPointF at) {
  if (!vae_ && !live_) return;
  planeView_->setCurrent(at);
  code_ = plane_.code(at.x(), at.y());
  decoded_ = decodeCodes(decoder_, backend(), Tensor(Shape{1, plane_.size()}, code_));
  decodedView_->setImages(decoded_, 1);
  QString z;
  for (size_t j = 0; j < code_.size() && j < 4; ++j) z += (j ? ", " : "") + signedNumber(code_[j]);
  if (code_.size() > 4) z += ", …";
  codeLabel_->setText(plane_.principal ? tr("point (%1, %2) → z = (%3)").arg(signedNumber(at.x()), signedNumber(at.y()), z)
                                       : tr("z = (%1)").arg(z));
}

void VaePanel::decodeGrid() {
  std::vector<float> codes;
  for (int r = 0; r < kGridSide; ++r)
    for (int c = 0; c < kGridSide; ++c) { // top row: the plane's top
      const double x = planeView_->xMin() + (c + 0.5) / kGridSide * (planeView_->xMax() - planeView_->xMin());
      const double y = planeView_->yMax() - (r + 0.5) / kGridSide * (planeView_->yMax() - planeView_->yMin());
      const std::vector<float> z = plane_.code(x, y);
      codes.insert(codes.end(), z.begin(), z.end());
    }
  gridView_->setImages(decodeCodes(decoder_, backend(), Tensor(Shape{kGridSide * kGridSide, plane_.size()}, codes)),
                       kGridSide);
}

void VaePanel::setWalk(QPointF a, QPointF b) {
  walkA_ = a, walkB_ = b;
  decodeWalk();
}

void VaePanel::decodeWalk() {
  if (!vae_ || std::isnan(walkA_.x()) || std::isnan(walkB_.x())) {
    walkView_->clear();
    walkView_->setTitle(tr("Walk: click the plane twice (A, then B)"));
    return;
  }
  const std::vector<float> a = plane_.code(walkA_.x(), walkA_.y()), b = plane_.code(walkB_.x(), walkB_.y());
  const Tensor codes = codeWalk(a.data(), b.data(), plane_.size(), kWalkSteps);
  walkView_->setTitle(tr("Walk from A to B, %1 steps").arg(kWalkSteps));
  walkView_->setImages(decodeCodes(decoder_, backend(), codes), kWalkSteps);
}

bool VaePanel::saveWalkAnimation(const QString& path, QString* error) const {
  try {
    if (!vae_ || std::isnan(walkA_.x()) || std::isnan(walkB_.x()))
      throw std::invalid_argument("no walk yet: click the plane twice to set A and B");
    const std::vector<float> a = plane_.code(walkA_.x(), walkA_.y()), b = plane_.code(walkB_.x(), walkB_.y());
    Network decoder = vaeDecoder(activeVae());
    const Tensor images = decodeCodes(decoder, backend(), codeWalk(a.data(), b.data(), plane_.size(), 24));
    std::vector<RgbImage> frames;
    constexpr int kScale = 8;
    for (int64_t k = 0; k < images.shape()[0]; ++k) {
      RgbImage f{28 * kScale, 28 * kScale, {}};
      for (int y = 0; y < f.height; ++y)
        for (int x = 0; x < f.width; ++x) {
          const auto v = uint8_t(std::lround(255.0 * images.at(k, 0, y / kScale, x / kScale)));
          f.pixels.insert(f.pixels.end(), {v, v, v});
        }
      frames.push_back(std::move(f));
    }
    writeAnimation(path.toStdString(), frames, 8.0);
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

void VaePanel::train() {
  if (isTraining()) return;
  const char* preset = kShippedVaes[modelBox_->currentIndex()].preset;
  TrainingSpec spec;
  spec.model = preset;
  spec.config = presetTrainConfig(preset);
  spec.config.vae = TrainConfig::Vae{beta()};
  if (!startTraining(spec, tr("%1 with β = %2").arg(preset).arg(beta(), 0, 'f', 1))) return;
  reconstruction_.clear(), kl_.clear();
  replotCurves();
  side_->setCurrentWidget(curves_);
  live_.reset();
  modelBox_->setEnabled(false);
  betaSlider_->setEnabled(false);
}

void VaePanel::takeReports(TrainingReports& r) {
  if (r.setup) {
    try {
      live_ = std::make_unique<Network>(parseModel(r.setup->architecture, "the network in training").network);
      liveStateTensors_ = live_->copyState().size();
      preprocess_ = r.setup->preprocess;
    } catch (const std::exception&) {
      live_.reset();
    }
  }
  for (const BatchReport& b : r.batches)
    showProgress(b);
  for (const EpochReport& e : r.epochs) {
    reconstruction_.push_back({double(e.epoch + 1), e.testReconstruction});
    kl_.push_back({double(e.epoch + 1), e.testKl});
    status_->setText(tr("Epoch %1 of %2: test loss %3 nats per image = reconstruction %4 + KL %5 (β = %6)")
                         .arg(e.epoch + 1)
                         .arg(epochsBox_->value())
                         .arg(e.testLoss, 0, 'f', 1)
                         .arg(e.testReconstruction, 0, 'f', 1)
                         .arg(e.testKl, 0, 'f', 1)
                         .arg(beta(), 0, 'f', 1));
  }
  if (!r.epochs.empty()) replotCurves();
  if (r.filters && live_ && r.filters->parameters.size() == liveStateTensors_) {
    live_->setState(r.filters->parameters); // the decodes follow the weights as they learn
    decoder_ = vaeDecoder(*live_);
    if (!r.epochs.empty() || r.finished) {
      encodeTestDigits(); // through activeVae(): the live network
    } else {
      decodeAt(planeView_->current());
    }
  }
  if (!r.finished) return;
  std::unique_ptr<Network> trained = worker()->takeNetwork();
  const bool ok = r.finished->ok;
  const QString done = status_->text();
  live_.reset();
  finishTraining();
  modelBox_->setEnabled(true);
  betaSlider_->setEnabled(true);
  if (trained) { // finished, or stopped (or diverged: the last good weights): what was trained stays
    if (ok) progress_->setValue(100);
    Model m{std::move(*trained), worker()->modelInfo(), true};
    setModel(std::move(m), tr("trained here with β = %1").arg(beta(), 0, 'f', 1));
    status_->setText(ok ? tr("Done. %1").arg(done) : r.finished->message);
  } else {
    status_->setText(r.finished->message);
    if (vae_) decoder_ = vaeDecoder(*vae_);
  }
}

void VaePanel::replotCurves() {
  setCurve(curves_->graph(0), reconstruction_), setCurve(curves_->graph(1), kl_);
  curves_->xAxis->setRange(0, std::max<double>(epochsBox_->value(), 1));
  curves_->yAxis->rescale(), curves_->yAxis2->rescale();
  curves_->yAxis->setLabel(tr("reconstruction"));
  curves_->yAxis2->setLabel(tr("KL"));
  curves_->replot(QCustomPlot::rpQueuedReplot);
}

void VaePanel::setPresenterMode(bool on) {
  presenter_ = on;
  planeView_->setFontPixels(on ? 18 : 12);
  for (ImageGrid* g : {decodedView_, gridView_, walkView_}) g->setCaptionPixels(on ? 20 : 13);
  for (QLabel* l : {codeLabel_, betaLabel_}) { // the numbers a slide would print: 24 px; the rest the window's
    QFont f;
    if (on) f.setPixelSize(24);
    l->setFont(f);
  }
  setPlotText(curves_, on);
}

std::vector<Figure> VaePanel::figures() const {
  return {widgetFigure(planeView_, "generation-latent-plane", tr("VAE: the latent plane with the test digits")),
          widgetFigure(gridView_, "generation-vae-grid", tr("VAE: the plane decoded on a 10 × 10 grid")),
          widgetFigure(walkView_, "generation-vae-walk", tr("VAE: a walk between two codes, decoded")),
          plotFigure(curves_, "generation-vae-curves", tr("VAE: test reconstruction and KL per epoch"))};
}

} // namespace convscope::ui
