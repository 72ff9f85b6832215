// SuperResolutionPanel: the rows of digits, the table of figures, training either model.
#include "ui/applications/SuperResolutionPanel.h"

#include "ui/applications/ImageGrid.h"
#include "ui/core/PlotText.h"
#include "ui/training/TrainingWorker.h"

#include "engine/backend/Backend.h"
#include "engine/generative/Gan.h"
#include "engine/network/Presets.h"
#include "engine/training/Trainer.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace convscope::ui {

namespace {
// The shipped pairs (plain, adversarial) for ×2 and ×4, and the preset each factor trains.
constexpr const char* kShipped[2][2] = {{"mini-srgan-plain-digits.json", "mini-srgan-digits.json"},
                                        {"mini-srgan-4x-plain-digits.json", "mini-srgan-4x-digits.json"}};
constexpr const char* kPresets[2] = {"mini-srgan", "mini-srgan-4x"};
int factorIndex(int factor) { return factor == 4 ? 1 : 0; }
enum Column { Given = 0, Bicubic = 1, PlainColumn = 2, AdversarialColumn = 3, Real = 4 };
enum Row { BicubicRow = 0, PlainRow = 1, AdversarialRow = 2, RealRow = 3 };

QString percent(double v) { return QString::number(100.0 * v, 'f', 1); } // the unit is in the table's header
QString decibels(double v) { return QString::number(v, 'f', 2); }

// Each row's PSNR against the real digit, as captions.
QStringList psnrCaptions(const Tensor& made, const Tensor& real) {
  QStringList captions;
  for (double p : psnrPerImage(made, real)) captions << decibels(p) + " dB";
  return captions;
}
} // namespace

SuperResolutionPanel::SuperResolutionPanel(QWidget* parent)
    : GenerativePanel("superResolutionPanel", presetTrainConfig("mini-srgan").epochs, parent) {
  const QString titles[5] = {tr("14×14 in"), tr("Bicubic"), tr("MSE"), tr("MSE+GAN"), tr("Real")};
  const QString tips[5] = {
      tr("What every model is given: the real digit averaged over 2×2 blocks (28×28 → 14×14) or 4×4 blocks (→ 7×7)"),
      tr("Bicubic interpolation: learns nothing; the blur of not knowing"),
      tr("The generator trained on the pixels' mean squared error alone: where a stroke is uncertain its best guess "
         "is the average of the strokes that could be there"),
      tr("The same generator trained on the mean squared error plus a weight × the adversarial loss: it must also "
         "fool a discriminator that has seen real digits"),
      tr("The real 28×28 digit; the captions are each image's PSNR against it")};
  auto* rows = new QHBoxLayout;
  for (int c = 0; c < 5; ++c) {
    auto* grid = new ImageGrid;
    grid->setObjectName(QString("superResolutionColumn%1").arg(c));
    grid->setTitle(titles[c]);
    grid->setToolTip(tips[c]);
    columns_[size_t(c)] = grid;
    rows->addWidget(grid, 1);
  }

  table_ = new QTableWidget(4, 4);
  table_->setObjectName("superResolutionTable");
  table_->setHorizontalHeaderLabels({tr("PSNR\ndB"), tr("grey\npixels %"), tr("D says\nreal"), tr("LeNet-5\nright %")});
  table_->setVerticalHeaderLabels({tr("bicubic"), tr("plain (MSE)"), tr("MSE + GAN"), tr("real")});
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionMode(QAbstractItemView::NoSelection);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
  table_->setToolTip(tr("Over %1 held-out digits. PSNR: pixel for pixel against the real digit (higher is closer). "
                        "Grey pixels: between 0.25 and 0.75, neither ink nor paper (blur). D's P(real): each "
                        "model's own discriminator (trained beside it) on its images. LeNet-5 right: the bundled classifier reads the "
                        "digit as its label")
                         .arg(kJudged));
  table_->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  table_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  lesson_ = new QLabel;
  lesson_->setObjectName("superResolutionLesson");
  lesson_->setWordWrap(true);
  lesson_->setAlignment(Qt::AlignLeft | Qt::AlignTop); // under the table, whatever room is left below

  curves_ = new QCustomPlot;
  curves_->setObjectName("superResolutionCurves");
  curves_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  curves_->legend->setVisible(true);
  curves_->addGraph()->setName(tr("test PSNR (dB)"));
  curves_->graph(0)->setPen(QPen(QColor(31, 119, 180), 2));
  curves_->graph(0)->setScatterStyle(QCPScatterStyle::ssDisc);
  curves_->addGraph(curves_->xAxis, curves_->yAxis2)->setName(tr("D's P(real) on its images (right)"));
  curves_->graph(1)->setPen(QPen(QColor(255, 127, 14), 2));
  curves_->graph(1)->setScatterStyle(QCPScatterStyle::ssDisc);
  curves_->xAxis->setLabel(tr("epoch"));
  curves_->yAxis->setLabel(tr("PSNR (dB)"));
  curves_->yAxis2->setVisible(true);
  curves_->yAxis2->setRange(0, 1);
  curves_->yAxis2->setLabel(tr("P(real)"));
  emptyCurves_ = new QCPItemText(curves_); // until a run has an epoch
  emptyCurves_->position->setType(QCPItemPosition::ptAxisRectRatio);
  emptyCurves_->position->setCoords(0.5, 0.6);
  emptyCurves_->setText(tr("Train: each epoch's test PSNR\nand D's verdict appear here"));
  emptyCurves_->setColor(QColor(120, 120, 120));

  factorBox_ = new QComboBox;
  factorBox_->setObjectName("superResolutionFactor");
  factorBox_->addItems({tr("×2: 14×14 → 28×28"), tr("×4: 7×7 → 28×28")});
  factorBox_->setToolTip(tr("How much is missing: a digit averaged over 2×2 blocks, or over 4×4 (the more is "
                            "missing, the more the choice of loss shows); each has its shipped pair of models"));
  connect(factorBox_, &QComboBox::activated, this, [this](int index) {
    if ((index == 1 ? 4 : 2) != factor_) setFactor(index == 1 ? 4 : 2); // the same again keeps what is there
  });
  slotBox_ = new QComboBox;
  slotBox_->setObjectName("superResolutionSlot");
  slotBox_->addItems({tr("plain (MSE)"), tr("MSE + GAN")});
  slotBox_->setCurrentIndex(Adversarial);
  slotBox_->setToolTip(tr("Which model Train retrains from scratch and Open… replaces"));
  weightBox_ = new QDoubleSpinBox;
  weightBox_->setObjectName("superResolutionWeight");
  weightBox_->setRange(0.0, 10.0);
  weightBox_->setDecimals(3);
  weightBox_->setSingleStep(0.005);
  weightBox_->setValue(presetTrainConfig("mini-srgan").adversarialWeight);
  weightBox_->setPrefix(tr("weight "));
  weightBox_->setToolTip(tr("The adversarial loss's weight beside the mean squared error (the shipped model: 0.01; "
                            "0 is the plain model)"));
  connect(slotBox_, &QComboBox::currentIndexChanged, this,
          [this](int slot) { weightBox_->setEnabled(slot == Adversarial && !isTraining()); });
  auto* openButton = new QPushButton(tr("Open…"));
  openButton->setToolTip(tr("A super-resolution GAN of your own into the chosen column: convscope train --model "
                            "mini-srgan [--adversarial W] --save FILE"));
  connect(openButton, &QPushButton::clicked, this, [this] {
    if (isTraining()) return;
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open a super-resolution GAN"), {}, tr("Model files (*.json)"));
    QString error;
    if (!path.isEmpty() && !loadModel(Slot(slotBox_->currentIndex()), path, &error)) status_->setText(error);
  });
  controlRow()->insertWidget(0, factorBox_);
  controlRow()->insertWidget(1, slotBox_);
  controlRow()->insertWidget(2, weightBox_);
  controlRow()->addWidget(openButton);
  controlRow()->addStretch();
  trainButton_->setToolTip(tr("Train the chosen model (mini-srgan, or mini-srgan-4x for ×4) from scratch on the "
                              "8,000 training digits, each shrunk; its column follows the live weights"));

  auto* right = new QVBoxLayout;
  right->addWidget(table_);
  right->addWidget(lesson_);
  right->addWidget(curves_, 1);
  auto* top = new QHBoxLayout;
  top->addLayout(rows, 3);
  top->addLayout(right, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top, 1);
  layout->addLayout(controlRow());
  layout->addWidget(status_);
  connect(trainButton_, &QPushButton::clicked, this, &SuperResolutionPanel::train);
  refreshTable();
  replot();
}

SuperResolutionPanel::~SuperResolutionPanel() = default;

void SuperResolutionPanel::firstShown() {
  if (digits_ || isTraining()) return;
  try {
    classifier_ = std::make_unique<Model>(convscope::loadModel(resourcesDirectory() + "/models/lenet5-digits.json"));
    digits_ = std::make_unique<DatasetSplit>(loadDataset("digits", 1, 28, 28));
    preprocess_ = plainPreprocess(Shape{1, 28, 28});
    std::vector<size_t> indices(kRows);
    for (size_t i = 0; i < indices.size(); ++i) indices[i] = i;
    std::vector<int> labels;
    Tensor batch;
    makeBatch(digits_->test, indices.data(), indices.size(), preprocess_, batch, labels);
    real_ = batch.inLayout(Layout::NCHW);
    columns_[Real]->setImages(real_, 1, QStringList(kRows, QString())); // every column the same cells
  } catch (const std::exception& e) {
    status_->setText(QString::fromStdString(e.what()));
    digits_.reset();
    return;
  }
  const int remembered = QSettings().value("superResolution/factor", 2).toInt() == 4 ? 4 : 2;
  setFactor(openingFactor_ ? openingFactor_ : remembered);
}

void SuperResolutionPanel::setFactor(int factor) {
  if (isTraining() || (factor != 2 && factor != 4)) return;
  if (!digits_) { // not shown yet: firstShown reads the digits and opens with this factor
    openingFactor_ = factor;
    return;
  }
  factor_ = factor;
  factorBox_->setCurrentIndex(factorIndex(factor));
  QSettings().setValue("superResolution/factor", factor);
  for (Slot slot : {Plain, Adversarial}) {
    generators_[slot].reset(), discriminators_[slot].reset();
    evaluations_[slot] = {};
    columns_[slot == Plain ? PlainColumn : AdversarialColumn]->clear();
  }
  baseline_ = {};
  psnr_.clear(), fakeScore_.clear();
  const int64_t side = 28 / factor;
  shrunk_ = shrinkImages(real_, side, side);
  columns_[Given]->setTitle(tr("%1×%1 in").arg(side));
  columns_[Given]->setImages(blockImages(shrunk_, 28, 28), 1, QStringList(kRows, QString()));
  const Tensor bicubic = bicubicImages(shrunk_, 28, 28);
  columns_[Bicubic]->setImages(bicubic, 1, psnrCaptions(bicubic, real_));
  refreshTable();
  replot();
  QString error;
  for (Slot slot : {Plain, Adversarial})
    if (!loadModel(slot, QString::fromStdString(resourcesDirectory()) + "/models/" + kShipped[factorIndex(factor)][slot],
                   &error))
      status_->setText(error);
}

bool SuperResolutionPanel::loadModel(Slot slot, const QString& path, QString* error) {
  try {
    if (!digits_) firstShown();
    if (!digits_) throw std::runtime_error(status_->text().toStdString());
    Model m = convscope::loadModel(path.toStdString());
    if (!m.discriminator || !m.hasWeights || !readsImages(m.network))
      throw std::invalid_argument(QFileInfo(path).fileName().toStdString() +
                                  ": not a trained super-resolution GAN (convscope train --model mini-srgan --save "
                                  "FILE)");
    const Shape in = m.network.inputShape(), want{1, 28 / factor_, 28 / factor_};
    if (in != want || m.discriminator->inputShape() != Shape{1, 28, 28})
      throw std::invalid_argument(QFileInfo(path).fileName().toStdString() + ": makes " +
                                  m.discriminator->inputShape().toString() + " from " + in.toString() +
                                  "; the page shows ×" + std::to_string(factor_) + ", " + want.toString() +
                                  " → 1x28x28 (choose the other factor first)");
    // Everything worked out before anything changes: a file that fails leaves the page as it was.
    auto generator = std::make_unique<Network>(std::move(m.network));
    auto discriminator = std::make_unique<Network>(std::move(*m.discriminator));
    const Tensor made = upscaleImages(*generator, backend(), shrunk_);
    const UpscalingEvaluation judged = judgement(*generator, *discriminator);
    generators_[slot] = std::move(generator), discriminators_[slot] = std::move(discriminator);
    showColumn(slot, made);
    evaluations_[slot] = baseline_ = judged; // the bicubic and real figures are the same digits' whichever model
    refreshTable();
    status_->setText(tr("%1 in the “%2” column%3")
                         .arg(QFileInfo(path).fileName())
                         .arg(slot == Plain ? tr("plain") : tr("MSE + GAN"))
                         .arg(m.info.training ? tr(", %1 epochs on the digits").arg(m.info.training->epochs) : QString()));
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

Network& SuperResolutionPanel::shownGenerator(Slot slot) const {
  return live_ && training_ == slot ? *live_ : *generators_[slot];
}

void SuperResolutionPanel::showColumn(Slot slot, const Tensor& made) {
  columns_[slot == Plain ? PlainColumn : AdversarialColumn]->setImages(made, 1, psnrCaptions(made, real_));
}

void SuperResolutionPanel::redrawColumn(Slot slot) {
  if (!digits_ || !(generators_[slot] || (live_ && training_ == slot))) return;
  showColumn(slot, upscaleImages(shownGenerator(slot), backend(), shrunk_));
}

UpscalingEvaluation SuperResolutionPanel::judgement(Network& generator, Network& discriminator) {
  return evaluateUpscaling(generator, &discriminator, backend(), digits_->test, preprocess_, &classifier_->network,
                           &*classifier_->info.preprocess, kJudged);
}

void SuperResolutionPanel::refreshTable() {
  const auto set = [this](int row, int column, const QString& text) {
    auto* item = new QTableWidgetItem(text);
    item->setTextAlignment(Qt::AlignCenter);
    table_->setItem(row, column, item);
  };
  const bool any = baseline_.count > 0;
  const QString none = QStringLiteral("–");
  set(BicubicRow, 0, any ? decibels(baseline_.bicubicPsnr) : none);
  set(BicubicRow, 1, any ? percent(baseline_.bicubicMidtones) : none);
  set(BicubicRow, 2, none);
  set(BicubicRow, 3, any ? percent(baseline_.bicubicAccuracy) : none);
  set(RealRow, 0, none);
  set(RealRow, 1, any ? percent(baseline_.realMidtones) : none);
  set(RealRow, 2, none);
  set(RealRow, 3, any ? percent(baseline_.realAccuracy) : none);
  for (Slot slot : {Plain, Adversarial}) {
    const UpscalingEvaluation& e = evaluations_[slot];
    const int row = slot == Plain ? PlainRow : AdversarialRow;
    const bool has = e.count > 0;
    set(row, 0, has ? decibels(e.psnr) : none);
    set(row, 1, has ? percent(e.midtones) : none);
    set(row, 2, has ? QString::number(e.realScore, 'f', 2) : none);
    set(row, 3, has ? percent(e.accuracy) : none);
  }
  const UpscalingEvaluation &p = evaluations_[Plain], &a = evaluations_[Adversarial];
  if (p.count && a.count && p.realScore + 0.1 < a.realScore) {
    // Each P(real) is its own discriminator's: the plain model's trained beside it without being
    // played against, the adversarial one's in the game its generator was trained to win.
    QString text = tr("Plain: %1 pixel for pixel (%2 against %3 dB)")
                       .arg(p.psnr >= a.psnr ? tr("closer") : tr("less close"))
                       .arg(decibels(p.psnr), decibels(a.psnr));
    if (p.midtones > baseline_.realMidtones && a.midtones < p.midtones)
      text += tr(" but greyer (%1 % grey; real %2 %)").arg(percent(p.midtones), percent(baseline_.realMidtones));
    text += tr("; the discriminator beside it spots its digits (P(real) %1). The adversarial model's, which it "
               "learned to fool, says %2.")
                .arg(p.realScore, 0, 'f', 2)
                .arg(a.realScore, 0, 'f', 2);
    lesson_->setText(text);
  } else if (p.count && a.count)
    lesson_->setText(tr("PSNR %1 dB (plain) against %2 (MSE + GAN); each one's discriminator calls its digits real with "
                        "P %3 and %4.")
                         .arg(decibels(p.psnr), decibels(a.psnr))
                         .arg(p.realScore, 0, 'f', 2)
                         .arg(a.realScore, 0, 'f', 2));
  else
    lesson_->setText(tr("Two models, one architecture: one learns the pixels' mean squared error alone, the other "
                        "must also fool a discriminator."));
  // Rows of one height for the font; the whole table, no scrolling: its height is its rows'.
  table_->verticalHeader()->setDefaultSectionSize(QFontMetrics(table_->font()).height() + 8);
  int height = table_->horizontalHeader()->sizeHint().height() + 2 * table_->frameWidth() + 2;
  for (int row = 0; row < table_->rowCount(); ++row) height += table_->rowHeight(row);
  table_->setFixedHeight(height);
}

void SuperResolutionPanel::train() {
  if (isTraining()) return;
  training_ = Slot(slotBox_->currentIndex());
  TrainingSpec spec;
  const char* preset = kPresets[factorIndex(factor_)];
  spec.model = preset;
  spec.config = presetTrainConfig(preset);
  spec.config.adversarialWeight = training_ == Plain ? 0.0 : weightBox_->value();
  if (!startTraining(spec, training_ == Plain ? tr("the plain model (MSE)")
                                              : tr("MSE + %1 × GAN").arg(spec.config.adversarialWeight)))
    return;
  psnr_.clear(), fakeScore_.clear();
  live_ = std::make_unique<Network>(makePreset(preset));
  liveDiscriminator_ = std::make_unique<Network>(makePresetDiscriminator(preset));
  liveTensors_ = live_->copyState().size();
  liveDiscriminatorTensors_ = liveDiscriminator_->copyState().size();
  slotBox_->setEnabled(false), weightBox_->setEnabled(false), factorBox_->setEnabled(false);
  replot();
}

void SuperResolutionPanel::takeReports(TrainingReports& r) {
  for (const BatchReport& b : r.batches)
    showProgress(b);
  for (const EpochReport& e : r.epochs) {
    psnr_.push_back({double(e.epoch + 1), e.testPsnr});
    fakeScore_.push_back({double(e.epoch + 1), e.testFakeScore});
    status_->setText(tr("Epoch %1 of %2: reconstruction (MSE) %3; on held-out digits PSNR %4, D's P(real) %5 on the "
                        "model's images, %6 on real ones")
                         .arg(e.epoch + 1)
                         .arg(epochsBox_->value())
                         .arg(e.trainReconstructionLoss, 0, 'f', 4)
                         .arg(decibels(e.testPsnr))
                         .arg(e.testFakeScore, 0, 'f', 2)
                         .arg(e.testRealScore, 0, 'f', 2));
  }
  if (!r.epochs.empty()) replot();
  if (r.filters && live_ && r.filters->parameters.size() == liveTensors_ &&
      r.filters->discriminator.size() == liveDiscriminatorTensors_) {
    live_->setState(r.filters->parameters); // the column follows the weights
    liveDiscriminator_->setState(r.filters->discriminator);
    redrawColumn(training_);
  }
  if (!r.finished) return;
  std::unique_ptr<Network> trained = worker()->takeNetwork();
  const bool ok = r.finished->ok;
  const QString done = status_->text();
  if (trained && liveDiscriminator_) { // finished or stopped: what was trained stays
    generators_[training_] = std::move(trained);
    discriminators_[training_] = std::move(liveDiscriminator_);
  }
  live_.reset(), liveDiscriminator_.reset();
  finishTraining();
  slotBox_->setEnabled(true), factorBox_->setEnabled(true);
  weightBox_->setEnabled(slotBox_->currentIndex() == Adversarial);
  redrawColumn(training_);
  if (generators_[training_]) {
    evaluations_[training_] = baseline_ = judgement(*generators_[training_], *discriminators_[training_]);
    refreshTable();
  }
  if (ok) progress_->setValue(100);
  status_->setText(ok ? tr("Done. %1").arg(done) : r.finished->message);
}

void SuperResolutionPanel::replot() {
  setCurve(curves_->graph(0), psnr_), setCurve(curves_->graph(1), fakeScore_);
  emptyCurves_->setVisible(psnr_.empty());
  // Presenting, an empty plot gives its room to the table and the lesson until a run starts.
  curves_->setVisible(!presenter_ || !psnr_.empty() || isTraining());
  curves_->xAxis->setRange(0, std::max<double>(epochsBox_->value(), double(psnr_.size())) + 0.5);
  if (psnr_.empty())
    curves_->yAxis->setRange(15, 30);
  else { // the points inside the frame, not on its edge
    curves_->graph(0)->rescaleValueAxis(false, true);
    const QCPRange r = curves_->yAxis->range();
    curves_->yAxis->setRange(r.lower - 0.5, r.upper + 0.5);
  }
  curves_->replot(QCustomPlot::rpQueuedReplot);
}

void SuperResolutionPanel::setPresenterMode(bool on) {
  presenter_ = on;
  for (ImageGrid* g : columns_) g->setCaptionPixels(on ? 24 : 13);
  for (QWidget* w : std::initializer_list<QWidget*>{table_, lesson_}) { // the figures: 24 px when presenting
    QFont f;
    if (on) f.setPixelSize(24);
    w->setFont(f);
  }
  QFont header;
  if (on) header.setPixelSize(20);
  table_->horizontalHeader()->setFont(header);
  table_->verticalHeader()->setFont(header);
  setPlotText(curves_, on);
  refreshTable();
  replot();
}

std::vector<Figure> SuperResolutionPanel::figures() const {
  std::vector<Figure> out;
  const char* names[5] = {"given", "bicubic", "plain", "adversarial", "real"};
  for (int c = 0; c < 5; ++c)
    out.push_back(widgetFigure(columns_[size_t(c)], QString("generation-sr-") + names[c],
                               tr("Super-resolution: %1").arg(names[c])));
  out.push_back(widgetFigure(table_, "generation-sr-table", tr("Super-resolution: the figures")));
  out.push_back(plotFigure(curves_, "generation-sr-curves", tr("Super-resolution: test PSNR per epoch")));
  return out;
}

} // namespace convscope::ui
