// GanPanel: samples, step mode, curves and the census.
#include "ui/applications/GanPanel.h"
#include "ui/core/PlotText.h"

#include "ui/applications/ImageGrid.h"
#include "ui/core/ThreadSanitizer.h"
#include "ui/training/TrainingWorker.h"

#include "engine/backend/Backend.h"
#include "engine/generative/Vae.h"
#include "engine/network/Presets.h"
#include "engine/training/Trainer.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include <cmath>

namespace convscope::ui {

namespace {
constexpr const char* kShippedGan = "mini-dcgan-digits.json";
constexpr size_t kMaxFrames = 240; // the training animation: at most this many grids
} // namespace

GanPanel::GanPanel(QWidget* parent) : GenerativePanel("ganPanel", presetTrainConfig("mini-dcgan").epochs, parent) {
  samples_ = new ImageGrid;
  samples_->setObjectName("ganSamples");
  samples_->setToolTip(tr("64 samples from the same fixed noise z (seed 1): as the generator learns, the same z "
                          "turns into a digit"));
  stepLabel_ = new QLabel;
  stepLabel_->setObjectName("ganStep");
  stepLabel_->setWordWrap(true);
  stepLabel_->setTextFormat(Qt::RichText);
  censusLabel_ = new QLabel;
  censusLabel_->setObjectName("ganCensusText");
  censusLabel_->setWordWrap(true);
  pauseButton_ = new QPushButton(tr("Pause"));
  pauseButton_->setObjectName("ganPause");
  pauseButton_->setEnabled(false);
  pauseButton_->setToolTip(tr("Pause training (Resume goes on); while paused, Step runs one batch"));
  stepButton_ = new QPushButton(tr("Step"));
  stepButton_->setObjectName("ganStepButton");
  stepButton_->setEnabled(false);
  stepButton_->setToolTip(tr("One discriminator step (real digits against the generator's) and one generator step "
                             "(through the updated discriminator), on the next batch of 64"));
  censusButton_ = new QPushButton(tr("Census"));
  censusButton_->setToolTip(tr("Read 1,000 new samples with the bundled LeNet-5 (95 % on the test digits)"));
  saveButton_ = new QPushButton(tr("Save grid…"));
  saveButton_->setToolTip(tr("The 64 samples as a PNG image"));
  saveAnimationButton_ = new QPushButton(tr("Save training GIF…"));
  saveAnimationButton_->setToolTip(tr("The grid as it changed during the last training run, as an animated GIF"));
  verdictBox_ = new QCheckBox(tr("D's verdict"));
  verdictBox_->setToolTip(tr("Under each sample the discriminator's probability that it is a real digit, D(G(z))"));

  const auto makePlot = [](const QString& name) {
    auto* plot = new QCustomPlot;
    plot->setObjectName(name);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->legend->setVisible(true);
    return plot;
  };
  losses_ = makePlot("ganLosses");
  for (const auto& [name, colour] : {std::pair{tr("discriminator's loss"), QColor(214, 39, 40)},
                                     std::pair{tr("generator's loss"), QColor(31, 119, 180)}}) {
    losses_->addGraph()->setName(name);
    losses_->graph()->setPen(QPen(colour, 1.5));
  }
  losses_->xAxis->setLabel(tr("step (batch of 64)"));
  losses_->yAxis->setLabel(tr("binary cross-entropy"));
  scores_ = makePlot("ganScores");
  for (const auto& [name, colour] : {std::pair{tr("D(x): real digits"), QColor(44, 160, 44)},
                                     std::pair{tr("D(G(z)): generated"), QColor(255, 127, 14)}}) {
    scores_->addGraph()->setName(name);
    scores_->graph()->setPen(QPen(colour, 1.5));
  }
  scores_->xAxis->setLabel(tr("step (batch of 64)"));
  scores_->yAxis->setLabel(tr("D's mean P(real)"));
  scores_->yAxis->setRange(0, 1);
  censusPlot_ = new QCustomPlot;
  censusPlot_->setObjectName("ganCensus");
  bars_ = new QCPBars(censusPlot_->xAxis, censusPlot_->yAxis);
  bars_->setBrush(QColor(31, 119, 180, 170));
  bars_->setPen(QPen(QColor(31, 119, 180)));
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  for (int k = 0; k < 10; ++k) ticker->addTick(k, QString::number(k));
  censusPlot_->xAxis->setTicker(ticker);
  censusPlot_->xAxis->setRange(-0.6, 9.6);
  censusPlot_->xAxis->setLabel(tr("digit, as LeNet-5 reads it"));
  censusPlot_->yAxis->setLabel(tr("% of 1,000 samples"));
  auto* fair = new QCPItemStraightLine(censusPlot_); // each digit's share if none were dropped
  fair->point1->setCoords(-1, 10), fair->point2->setCoords(10, 10);
  fair->setPen(QPen(QColor(120, 120, 120), 1.5, Qt::DashLine));
  auto* censusPage = new QWidget;
  auto* censusLayout = new QVBoxLayout(censusPage);
  censusLayout->setContentsMargins(0, 0, 0, 0);
  censusLayout->addWidget(censusPlot_, 1);
  censusLayout->addWidget(censusLabel_);
  side_ = new QTabWidget;
  side_->setObjectName("ganSide");
  side_->addTab(censusPage, tr("Census"));
  side_->addTab(losses_, tr("Losses"));
  side_->addTab(scores_, tr("D(x), D(G(z))"));

  auto* left = new QVBoxLayout;
  left->addWidget(samples_, 1);
  auto* sampleButtons = new QHBoxLayout;
  auto* openButton = new QPushButton(tr("Open…"));
  openButton->setToolTip(tr("A GAN of your own: convscope train --model mini-dcgan --save FILE"));
  connect(openButton, &QPushButton::clicked, this, [this] {
    if (isTraining()) return;
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a trained GAN"), {}, tr("Model files (*.json)"));
    QString error;
    if (!path.isEmpty() && !loadModel(path, &error)) status_->setText(error);
  });
  for (QWidget* w : std::initializer_list<QWidget*>{verdictBox_, censusButton_, saveButton_, saveAnimationButton_, openButton})
    sampleButtons->addWidget(w);
  sampleButtons->addStretch();
  left->addLayout(sampleButtons);
  auto* right = new QVBoxLayout;
  right->addWidget(stepLabel_);
  right->addWidget(side_, 1);
  auto* top = new QHBoxLayout;
  top->addLayout(left, 1);
  top->addLayout(right, 1);
  controlRow()->insertWidget(3, pauseButton_);
  controlRow()->insertWidget(4, stepButton_);
  controlRow()->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top, 1);
  layout->addLayout(controlRow());
  layout->addWidget(status_);
  trainButton_->setToolTip(tr("Train mini-dcgan from scratch on the 8,000 training digits: each batch one "
                              "discriminator step and one generator step, each with its own Adam"));

  connect(trainButton_, &QPushButton::clicked, this, &GanPanel::train);
  connect(pauseButton_, &QPushButton::clicked, this, &GanPanel::togglePause);
  connect(stepButton_, &QPushButton::clicked, this, &GanPanel::step);
  connect(censusButton_, &QPushButton::clicked, this, &GanPanel::takeCensus);
  connect(verdictBox_, &QCheckBox::toggled, this, &GanPanel::setShowVerdicts);
  connect(saveButton_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the samples"), "gan-samples.png", tr("PNG (*.png)"));
    QString error;
    if (!path.isEmpty()) status_->setText(saveSamples(path, &error) ? tr("Saved %1").arg(path) : error);
  });
  connect(saveAnimationButton_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the training animation"), "gan-training.gif",
                                                      tr("Animations (*.gif *.mp4)"));
    QString error;
    if (!path.isEmpty()) status_->setText(saveTrainingAnimation(path, &error) ? tr("Saved %1").arg(path) : error);
  });

  stepLabel_->setText(tr("Train, then Pause and Step: each step shows the two players' losses and the "
                         "discriminator's verdicts."));
  replot();
}

GanPanel::~GanPanel() = default;

void GanPanel::firstShown() {
  if (generator_ || isTraining()) return;
  QString error;
  if (!loadModel(QString::fromStdString(resourcesDirectory()) + "/models/" + kShippedGan, &error))
    status_->setText(error);
}

bool GanPanel::loadModel(const QString& path, QString* error) {
  try {
    Model m = convscope::loadModel(path.toStdString());
    if (!m.discriminator || !m.hasWeights)
      throw std::invalid_argument(QFileInfo(path).fileName().toStdString() +
                                  ": not a trained GAN (convscope train --model mini-dcgan --save FILE)");
    generator_ = std::make_unique<Network>(std::move(m.network));
    discriminator_ = std::make_unique<Network>(std::move(*m.discriminator));
    noise_ = priorCodes(kSamples, noiseSize(*generator_), 1);
    redrawSamples();
    takeCensus();
    status_->setText(tr("%1%2: the same 64 noise vectors through the generator")
                         .arg(QFileInfo(path).fileName())
                         .arg(m.info.training ? tr(", %1 epochs on the digits").arg(m.info.training->epochs) : QString()));
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

Network& GanPanel::shownGenerator() const { return liveGenerator_ ? *liveGenerator_ : *generator_; }
Network& GanPanel::shownDiscriminator() const { return liveDiscriminator_ ? *liveDiscriminator_ : *discriminator_; }

void GanPanel::redrawSamples() {
  if (!generator_ && !liveGenerator_) return;
  const Tensor images = generateImages(shownGenerator(), backend(), noise_);
  QStringList captions;
  if (verdicts_) {
    Network& d = shownDiscriminator();
    d.setTraining(false);
    const Tensor logits = d.forward(backend(), images).inLayout(Layout::NCHW);
    for (float z : logits.values()) captions << QString::number(1.0 / (1.0 + std::exp(-double(z))), 'f', 2);
  }
  samples_->setImages(images, 8, captions);
  if (isTraining() && frames_.size() < kMaxFrames) { // the animation's next frame
    const QImage grid = samples_->gridImage(2).convertToFormat(QImage::Format_RGB888);
    RgbImage f{grid.width(), grid.height(), {}};
    for (int y = 0; y < grid.height(); ++y)
      f.pixels.insert(f.pixels.end(), grid.constScanLine(y), grid.constScanLine(y) + 3 * grid.width());
    frames_.push_back(std::move(f));
  }
}

void GanPanel::setShowVerdicts(bool on) {
  verdicts_ = on;
  verdictBox_->setChecked(on);
  redrawSamples();
}

void GanPanel::takeCensus() {
  if (!generator_ && !liveGenerator_) return;
  try {
    if (!classifier_)
      classifier_ = std::make_unique<Model>(convscope::loadModel(resourcesDirectory() + "/models/lenet5-digits.json"));
    const Tensor images =
        generateImages(shownGenerator(), backend(), priorCodes(kCensusSamples, noiseSize(shownGenerator()), 2));
    census_ = sampleCensus(classifier_->network, backend(), *classifier_->info.preprocess, images);
  } catch (const std::exception& e) {
    censusLabel_->setText(tr("No census: %1").arg(QString::fromStdString(e.what())));
    return;
  }
  QVector<double> keys, values;
  for (int k = 0; k < int(census_.counts.size()); ++k) keys << k, values << 100.0 * census_.counts[size_t(k)] / kCensusSamples;
  bars_->setData(keys, values);
  censusPlot_->yAxis->setRange(0, std::max(20.0, *std::max_element(values.begin(), values.end()) * 1.1));
  censusPlot_->replot(QCustomPlot::rpQueuedReplot);
  const auto rarest = std::min_element(census_.counts.begin(), census_.counts.end());
  censusLabel_->setText(tr("LeNet-5 reads %1 % of 1,000 samples with p ≥ 0.9; the rarest digit, %2, is %3 % of them "
                           "(a fair share, dashed, is 10 %)")
                            .arg(100 * census_.confidentFraction(), 0, 'f', 1)
                            .arg(rarest - census_.counts.begin())
                            .arg(100.0 * *rarest / kCensusSamples, 0, 'f', 1));
}

QString GanPanel::stepText() const { return stepLabel_->text(); }

void GanPanel::train() {
  if (isTraining()) return;
  TrainingSpec spec;
  spec.model = "mini-dcgan";
  spec.config = presetTrainConfig("mini-dcgan");
  if (!startTraining(spec, "mini-dcgan")) return;
  dLoss_.clear(), gLoss_.clear(), real_.clear(), fake_.clear(), frames_.clear();
  liveGenerator_ = std::make_unique<Network>(makePreset("mini-dcgan"));
  liveDiscriminator_ = std::make_unique<Network>(makePresetDiscriminator("mini-dcgan"));
  liveGeneratorTensors_ = liveGenerator_->copyState().size();
  liveDiscriminatorTensors_ = liveDiscriminator_->copyState().size();
  paused_ = false;
  pauseButton_->setEnabled(true);
  pauseButton_->setText(tr("Pause"));
  stepButton_->setEnabled(false);
  side_->setCurrentWidget(losses_);
  replot();
}

void GanPanel::togglePause() {
  if (!isTraining()) return;
  paused_ = !paused_;
  TrainingWorker* w = worker();
  if (paused_)
    QMetaObject::invokeMethod(w, queuedCall([w] { w->pause(); }), Qt::QueuedConnection);
  else
    QMetaObject::invokeMethod(w, queuedCall([w] { w->resume(); }), Qt::QueuedConnection);
  pauseButton_->setText(paused_ ? tr("Resume") : tr("Pause"));
  stepButton_->setEnabled(paused_);
  status_->setText(paused_ ? tr("Paused: Step runs one discriminator step and one generator step") : tr("Training…"));
}

void GanPanel::step() {
  if (!isTraining() || !paused_) return;
  TrainingWorker* w = worker();
  QMetaObject::invokeMethod(w, queuedCall([w] { w->step(); }), Qt::QueuedConnection);
}

void GanPanel::takeReports(TrainingReports& r) {
  for (const BatchReport& b : r.batches) {
    if (!b.gan) continue;
    const double at = double(dLoss_.size() + 1);
    dLoss_.push_back({at, b.discriminatorLoss}), gLoss_.push_back({at, b.generatorLoss});
    real_.push_back({at, b.realScore}), fake_.push_back({at, b.fakeScore});
    lastStep_ = b;
    showProgress(b);
  }
  if (!r.batches.empty()) {
    const BatchReport& b = lastStep_;
    stepLabel_->setText(tr("<b>Step %1</b> (epoch %2, batch %3 of %4)<br>"
                           "D's loss <b>%5</b> = BCE(D(x), 1) + BCE(D(G(z)), 0)&nbsp;&nbsp;G's loss <b>%6</b> = "
                           "BCE(D(G(z)), 1)<br>D(x) <b>%7</b> on real digits&nbsp;&nbsp;D(G(z)) <b>%8</b> on generated")
                            .arg(stepsSeen())
                            .arg(b.epoch + 1)
                            .arg(b.batch + 1)
                            .arg(b.batchesPerEpoch)
                            .arg(b.discriminatorLoss, 0, 'f', 3)
                            .arg(b.generatorLoss, 0, 'f', 3)
                            .arg(b.realScore, 0, 'f', 3)
                            .arg(b.fakeScore, 0, 'f', 3));
    replot();
  }
  for (const EpochReport& e : r.epochs)
    status_->setText(tr("Epoch %1 of %2: D's loss %3, G's loss %4; on held-out digits D(x) %5, on new samples "
                        "D(G(z)) %6")
                         .arg(e.epoch + 1)
                         .arg(epochsBox_->value())
                         .arg(e.trainDiscriminatorLoss, 0, 'f', 3)
                         .arg(e.trainGeneratorLoss, 0, 'f', 3)
                         .arg(e.testRealScore, 0, 'f', 3)
                         .arg(e.testFakeScore, 0, 'f', 3));
  if (r.filters && liveGenerator_ && r.filters->parameters.size() == liveGeneratorTensors_ &&
      r.filters->discriminator.size() == liveDiscriminatorTensors_) {
    liveGenerator_->setState(r.filters->parameters); // the samples follow the weights
    liveDiscriminator_->setState(r.filters->discriminator);
    redrawSamples();
    if (!r.epochs.empty() || paused_) takeCensus();
  }
  if (!r.finished) return;
  std::unique_ptr<Network> trained = worker()->takeNetwork();
  const bool ok = r.finished->ok;
  const QString done = status_->text();
  if (trained && liveDiscriminator_) { // finished or stopped: what was trained stays
    generator_ = std::move(trained);
    discriminator_ = std::move(liveDiscriminator_); // the run's last snapshot: its end
  }
  liveGenerator_.reset(), liveDiscriminator_.reset();
  finishTraining();
  paused_ = false;
  pauseButton_->setEnabled(false), pauseButton_->setText(tr("Pause"));
  stepButton_->setEnabled(false);
  redrawSamples();
  takeCensus();
  if (ok) progress_->setValue(100);
  status_->setText(ok ? tr("Done. %1").arg(done) : r.finished->message);
}

void GanPanel::replot() {
  setCurve(losses_->graph(0), dLoss_), setCurve(losses_->graph(1), gLoss_);
  setCurve(scores_->graph(0), real_), setCurve(scores_->graph(1), fake_);
  for (QCustomPlot* p : {losses_, scores_}) {
    p->xAxis->setRange(0, std::max<double>(10, double(dLoss_.size())));
    if (p == losses_) p->yAxis->rescale();
    p->replot(QCustomPlot::rpQueuedReplot);
  }
}

bool GanPanel::saveSamples(const QString& path, QString* error) const {
  const QImage grid = samples_->gridImage(4);
  if (grid.isNull() || !grid.save(path, "PNG")) {
    if (error) *error = tr("%1: could not be written").arg(path);
    return false;
  }
  return true;
}

bool GanPanel::saveTrainingAnimation(const QString& path, QString* error) const {
  try {
    if (frames_.empty()) throw std::invalid_argument("no training run yet: Train first, the grid is recorded as it learns");
    writeAnimation(path.toStdString(), frames_, 8.0);
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

void GanPanel::setPresenterMode(bool on) {
  presenter_ = on;
  samples_->setCaptionPixels(on ? 18 : 12);
  for (QLabel* l : {stepLabel_, censusLabel_}) { // the step's and the census's numbers: 24 px; the rest the window's
    QFont f;
    if (on) f.setPixelSize(24);
    l->setFont(f);
  }
  for (QCustomPlot* p : {losses_, scores_, censusPlot_}) setPlotText(p, on);
}

std::vector<Figure> GanPanel::figures() const {
  return {widgetFigure(samples_, "generation-gan-samples", tr("GAN: 64 samples from a fixed noise")),
          plotFigure(censusPlot_, "generation-gan-census", tr("GAN: 1,000 samples as LeNet-5 reads them")),
          plotFigure(losses_, "generation-gan-losses", tr("GAN: the two players' losses per step")),
          plotFigure(scores_, "generation-gan-scores", tr("GAN: D(x) and D(G(z)) per step"))};
}

} // namespace convscope::ui
