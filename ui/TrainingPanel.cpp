// TrainingPanel: controls, the worker thread, curves and filters.
#include "TrainingPanel.h"

#include "engine/Saliency.h"

#include "ComputeThread.h"
#include "DrawingPad.h"
#include "FeatureMapView.h"
#include "LayerEditor.h"
#include "TrainingViews.h"

#include "engine/Preprocess.h"
#include "engine/Presets.h"

#include "engine/Dataset.h"
#include "engine/LayerList.h"
#include "engine/ModelFile.h"
#include "engine/Pipeline.h"
#include "engine/layers/Activation.h"
#include "engine/layers/Conv2D.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPdfWriter>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTextStream>
#include <QTimer>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <omp.h>

namespace convscope::ui {

namespace {
// "0:42", "12:05", "1:02:09".
QString formatDuration(double seconds) {
  const qint64 s = qint64(std::max(0.0, seconds) + 0.5);
  return s >= 3600 ? QStringLiteral("%1:%2:%3")
                         .arg(s / 3600)
                         .arg(s / 60 % 60, 2, 10, QChar('0'))
                         .arg(s % 60, 2, 10, QChar('0'))
                   : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}
} // namespace

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
} // namespace

TrainingPanel::TrainingPanel(QWidget* parent) : QWidget(parent) {
  setObjectName("trainingPanel");
  qRegisterMetaType<TrainingRequest>("convscope::ui::TrainingRequest");
  qRegisterMetaType<FilterSnapshot>("convscope::ui::FilterSnapshot");
  qRegisterMetaType<std::vector<BatchReport>>("std::vector<convscope::BatchReport>");
  qRegisterMetaType<EpochReport>("convscope::EpochReport");
  qRegisterMetaType<TrainingSetup>("convscope::ui::TrainingSetup");
  liveBackend_ = makeBackend(BackendKind::Onednn);

  auto combo = [](const QStringList& items, const QString& tip) {
    auto* c = new QComboBox;
    c->addItems(items);
    c->setToolTip(tip);
    return c;
  };
  auto spin = [](int lo, int hi, int value, const QString& tip) {
    auto* s = new QSpinBox;
    s->setRange(lo, hi);
    s->setValue(value);
    s->setToolTip(tip);
    return s;
  };
  auto real = [](double lo, double hi, double value, int decimals, const QString& tip) {
    auto* s = new QDoubleSpinBox;
    s->setRange(lo, hi);
    s->setDecimals(decimals);
    s->setValue(value);
    s->setSingleStep(value / 5);
    s->setToolTip(tip);
    return s;
  };
  QStringList presets;
  for (const std::string& name : presetNames()) presets << QString::fromStdString(name);
  model_ = combo(presets, tr("lenet5: the lecture's table (tanh, average pooling); lenet5-relu: ReLU, max pooling; "
                             "mini-vgg … mini-mobilenet: the lecture's architectures in small form (Layers… shows "
                             "them); or type the path of a model file (trained further if it has weights)"));
  model_->setEditable(true);
  dataset_ = combo({"digits", "fashion-mnist"},
                   tr("digits: 8,000 + 2,000 handwritten digits, bundled; fashion-mnist: 60,000 + 10,000 clothes; "
                      "or type idx:FOLDER, folder:FOLDER (one subfolder per class) or cifar10:FOLDER"));
  dataset_->setEditable(true);
  dataset_->setObjectName("datasetBox");
  if (!QFileInfo::exists(QString::fromStdString(fashionMnistFolder()))) { // offered, greyed, until installed
    auto* items = qobject_cast<QStandardItemModel*>(dataset_->model());
    if (QStandardItem* item = items ? items->item(1) : nullptr) {
      item->setEnabled(false);
      item->setToolTip(tr("Not installed: sudo apt-get install dataset-fashion-mnist (./scripts/run.sh does this)"));
    }
  }
  epochs_ = spin(1, 1000, 10, tr("Passes over the training set"));
  batch_ = spin(1, 4096, 64, tr("Images per update"));
  learningRate_ = real(1e-5, 100, 0.05, 5,
                       tr("Step size of each update (SGD: 0.05 works for LeNet-5, 0.01 for the mini versions; "
                          "choosing a preset sets its rate)"));
  // A preset brings the learning rate it trains well with.
  connect(model_, &QComboBox::currentTextChanged, this, [this](const QString& name) {
    if (isPreset(name.toStdString())) learningRate_->setValue(presetLearningRate(name.toStdString()));
  });
  optimizer_ = combo({"SGD", "Adam"}, tr("SGD with momentum, or Adam"));
  momentum_ = real(0, 0.999, 0.9, 3, tr("SGD momentum"));
  weightDecay_ = real(0, 1, 0, 5,
                      tr("L2 weight decay: each update also pulls every weight towards 0 by this "
                         "fraction of it (0: none; 0.0005 is a common choice)"));
  lrStep_ = spin(0, 1000, 0, tr("Step schedule: multiply the learning rate by the factor every this many epochs"));
  lrStep_->setSpecialValueText(tr("0 (constant)"));
  weightDecay_->setObjectName("weightDecayBox");
  lrStep_->setObjectName("rateStepBox");
  lrGamma_ = real(0.001, 1, 0.1, 3, tr("The step schedule's factor"));
  init_ = combo({"auto", "he", "glorot", "lecun"},
                tr("Weight initialization of a fresh network: auto is He for ReLU networks, LeCun otherwise "
                   "(a model file with weights keeps them)"));
  init_->setObjectName("initBox");
  lastCheckpoint_ = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/last-run.checkpoint.json";
  checkpointBox_ = new QCheckBox(tr("after every epoch"));
  checkpointBox_->setObjectName("checkpointBox");
  checkpointBox_->setChecked(true);
  checkpointBox_->setToolTip(tr("Save the run after every epoch, so that Resume… goes on exactly where it stopped "
                                "(after a crash, a closed window or a Stop): %1")
                                 .arg(QDir::toNativeSeparators(lastCheckpoint_)));
  resumeFileButton_ = new QPushButton(tr("Resume…"));
  resumeFileButton_->setObjectName("resumeFileButton");
  resumeFileButton_->setToolTip(tr("Go on from a checkpoint to the Epochs box's total, with its recipe and dataset "
                                   "(this tab's last run, or a file from convscope train --checkpoint)"));
  lrGamma_->setObjectName("rateFactorBox");
  loss_ = combo({tr("cross-entropy"), tr("squared error")},
                tr("cross-entropy (ce); or squared error (mse): the lecture's total error ½Σ(target − output)²"));
  seed_ = spin(0, 1 << 30, 1, tr("Same seed, same thread count: the same run"));
  threads_ = spin(0, 64, 0, tr("Compute threads (0: all cores)"));
  trainImages_ = spin(0, 1 << 24, 0, tr("Train on this many images an epoch (0: all); small numbers make quick demos"));
  threads_->setSpecialValueText(tr("0 (all cores)"));
  trainImages_->setSpecialValueText(tr("0 (all)"));
  smoothingBox_ = real(0, 0.999, 0.9, 3, tr("Smoothing of the loss curve (exponential moving average)"));

  startButton_ = new QPushButton(tr("Start"));
  pauseButton_ = new QPushButton(tr("Pause"));
  stepButton_ = new QPushButton(tr("Step"));
  stepButton_->setToolTip(tr("While paused: train exactly one more batch"));
  resumeButton_ = new QPushButton(tr("Resume"));
  stopButton_ = new QPushButton(tr("Stop"));
  resetButton_ = new QPushButton(tr("Reset"));
  resetButton_->setToolTip(tr("Clear the curves and views and forget the trained model (asks first when it is not "
                              "saved); the next Start begins from fresh weights"));
  editLayersButton_ = new QPushButton(tr("Layers…"));
  editLayersButton_->setToolTip(
      tr("Build or change the network one layer a line, with every shape checked as you type"));
  browseModelButton_ = new QPushButton(tr("Open…"));
  browseModelButton_->setToolTip(tr("Train a model file (.json, from its weights) or a layer list (.txt)"));
  browseDatasetButton_ = new QPushButton(tr("Open…"));
  browseDatasetButton_->setToolTip(tr("Train on a folder: IDX files, images in one subfolder per class, or CIFAR-10"));
  auto* datasetMenu = new QMenu(browseDatasetButton_);
  const auto chooseFolder = [this](const QString& prefix, const QString& title) {
    const QString folder = QFileDialog::getExistingDirectory(this, title);
    if (!folder.isEmpty()) dataset_->setEditText(prefix + folder);
  };
  datasetMenu->addAction(tr("IDX folder (MNIST-style files)…"), this,
                         [chooseFolder] { chooseFolder("idx:", tr("Folder with train/t10k IDX files")); });
  datasetMenu->addAction(tr("Image folder (one subfolder per class)…"), this,
                         [chooseFolder] { chooseFolder("folder:", tr("Folder with one subfolder per class")); });
  datasetMenu->addAction(tr("CIFAR-10 binary folder…"), this,
                         [chooseFolder] { chooseFolder("cifar10:", tr("Folder with CIFAR-10 data_batch_*.bin")); });
  browseDatasetButton_->setMenu(datasetMenu);
  connect(browseModelButton_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a model or a layer list"), QString(),
                                                      tr("Models and layer lists (*.json *.txt);;All files (*)"));
    if (!path.isEmpty()) openModelFile(path);
  });
  connect(editLayersButton_, &QPushButton::clicked, this, &TrainingPanel::editLayers);
  connect(resetButton_, &QPushButton::clicked, this, [this] { reset(); });
  saveButton_ = new QPushButton(tr("Save model…"));
  saveButton_->setEnabled(false);
  progress_ = new QProgressBar;
  progress_->setRange(0, 100);
  progress_->setValue(0);
  status_ = new StatusLine(tr("Ready: choose a model and a dataset, then Start."));
  status_->setObjectName("trainingStatus");

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
  auto* curves = new QTabWidget;
  curves->setObjectName("curveTabs");
  curves->addTab(accuracyPlot_, tr("Accuracy"));
  curves->addTab(gradientPlot_, tr("Gradient flow"));
  curves->setDocumentMode(true);
  auto* exportButton = new QPushButton(tr("Export curves…"));
  exportButton->setToolTip(tr("Save the curves as PNG, PDF or CSV"));
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
  connect(testIndex_, &QSpinBox::valueChanged, this, &TrainingPanel::showTestImage);
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
  padVerdict_ = new QCPTextElement(padBars_, QString(), QFont(font().family(), font().pointSize() + 2, QFont::Bold));
  padBars_->plotLayout()->addElement(0, 0, padVerdict_);
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
  misclassified_ = new MisclassifiedView;
  showPlaceholders();
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
  connect(padMethod_, &QComboBox::currentIndexChanged, this, &TrainingPanel::explainDrawing);
  connect(clearPad, &QPushButton::clicked, pad_, &DrawingPad::clear);
  connect(pad_, &DrawingPad::changed, this, &TrainingPanel::predictDrawing);

  auto* form = new QFormLayout;
  auto* modelRow = new QHBoxLayout;
  modelRow->addWidget(model_, 1);
  modelRow->addWidget(editLayersButton_);
  modelRow->addWidget(browseModelButton_);
  auto* datasetRow = new QHBoxLayout;
  datasetRow->addWidget(dataset_, 1);
  datasetRow->addWidget(browseDatasetButton_);
  form->addRow(tr("Model"), modelRow);
  form->addRow(tr("Dataset"), datasetRow);
  form->addRow(tr("Epochs"), epochs_);
  form->addRow(tr("Batch"), batch_);
  form->addRow(tr("Learning rate"), learningRate_);
  form->addRow(tr("Optimizer"), optimizer_);
  form->addRow(tr("Momentum"), momentum_);
  form->addRow(tr("Weight decay"), weightDecay_);
  auto* scheduleRow = new QHBoxLayout;
  scheduleRow->addWidget(lrStep_, 1);
  scheduleRow->addWidget(new QLabel(tr("× ")));
  scheduleRow->addWidget(lrGamma_, 1);
  form->addRow(tr("Rate steps every"), scheduleRow);
  form->addRow(tr("Initialization"), init_);
  auto* checkpointRow = new QHBoxLayout;
  checkpointRow->addWidget(checkpointBox_, 1);
  checkpointRow->addWidget(resumeFileButton_);
  form->addRow(tr("Checkpoint"), checkpointRow);
  form->addRow(tr("Loss"), loss_);
  form->addRow(tr("Seed"), seed_);
  form->addRow(tr("Threads"), threads_);
  form->addRow(tr("Images per epoch"), trainImages_);
  form->addRow(tr("Smoothing"), smoothingBox_);
  connect(smoothingBox_, &QDoubleSpinBox::valueChanged, this, &TrainingPanel::resmooth);
  auto* buttons = new QHBoxLayout;
  for (QPushButton* b : {startButton_, pauseButton_, stepButton_, resumeButton_, stopButton_}) buttons->addWidget(b);
  form_ = new QWidget;
  auto* left = new QVBoxLayout(form_);
  left->setContentsMargins(0, 0, 0, 0);
  left->addLayout(form);
  auto* keep = new QHBoxLayout;
  keep->addWidget(resetButton_);
  keep->addWidget(saveButton_);
  left->addLayout(keep);
  left->addWidget(exportButton);
  left->addStretch();
  auto* right = new QVBoxLayout;
  right->addLayout(buttons);
  right->addWidget(progress_);
  right->addWidget(status_);
  right->addWidget(lossPlot_, 3);
  right->addWidget(curves, 2);
  right->addWidget(new QLabel(tr("First layer's filters")));
  right->addWidget(filterView_, 1);
  auto* testRow = new QHBoxLayout;
  testRow->addWidget(new QLabel(tr("Feature maps of test image (true → predicted)")));
  testRow->addWidget(testIndex_);
  testRow->addStretch();
  right->addLayout(testRow);
  right->addWidget(testMaps_, 1);
  misclassifiedLabel_ = new QLabel(tr("Misclassified test images (true → predicted)"));
  right->addWidget(misclassifiedLabel_);
  right->addWidget(misclassified_);
  auto* third = new QVBoxLayout;
  const auto caption = [](const QString& text) {
    auto* label = new QLabel(text);
    label->setWordWrap(true);
    return label;
  };
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
  auto* layout = new QHBoxLayout(this);
  layout->addWidget(form_);
  layout->addLayout(right, 5);
  layout->addLayout(third, 3);

  ComputeThread& compute = ComputeThread::instance();
  worker_ = new TrainingWorker(&compute);
  worker_->moveToThread(compute.thread());
  // Commands as queued signals (the worker lives on another thread).
  connect(this, &TrainingPanel::startRequested, worker_, &TrainingWorker::start);
  connect(this, &TrainingPanel::pauseRequested, worker_, &TrainingWorker::pause);
  connect(this, &TrainingPanel::stepRequested, worker_, &TrainingWorker::step);
  connect(this, &TrainingPanel::resumeRequested, worker_, &TrainingWorker::resume);
  connect(this, &TrainingPanel::stopRequested, worker_, &TrainingWorker::stop);
  connect(worker_, &TrainingWorker::batchesDone, this, [this](const std::vector<BatchReport>& reports) {
    pendingBatches_.insert(pendingBatches_.end(), reports.begin(), reports.end());
  });
  connect(worker_, &TrainingWorker::epochDone, this, [this](const EpochReport& r) {
    pendingEpochs_.push_back(r);
    emit epochReported(preset_, dataset_->currentText(), r.epoch + 1, r.testAccuracy, r.seconds);
  });
  connect(worker_, &TrainingWorker::filtersChanged, this, [this](const FilterSnapshot& f) {
    filters_ = f.weights;
    filtersDirty_ = true;
    if (live_ && f.parameters.size() == live_->copyState().size()) {
      live_->setState(f.parameters);
      predictDrawing();
      showTestImage();
    }
  });
  connect(worker_, &TrainingWorker::prepared, this, [this](const TrainingSetup& setup) {
    setup_ = setup;
    testIndex_->setRange(0, setup_.test ? std::max(0, int(setup_.test->size()) - 1) : 0);
    try { // the GUI's own copy of the network, fed with weight snapshots
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
  });
  connect(
      worker_, &TrainingWorker::checkpointSaved, this, [this](const QString& path, int epochs, const QString& problem) {
        checkpointBox_->setToolTip(problem.isEmpty() ? tr("Checkpoint of epoch %1 saved in %2: Resume… goes on from it")
                                                           .arg(epochs)
                                                           .arg(QDir::toNativeSeparators(path))
                                                     : tr("The checkpoint could not be saved: %1").arg(problem));
      });
  connect(worker_, &TrainingWorker::finished, this, [this](bool ok, const QString& message) {
    drain();
    setRunning(false);
    unsaved_ = ok || batches_ > 0;
    saveButton_->setEnabled(unsaved_);
    status_->setText(ok ? tr("Finished: %1").arg(status_->text()) : message);
    if (ok) progress_->setValue(100);
    emit trainingFinished(ok, message);
  });

  timer_ = new QTimer(this);
  timer_->setInterval(50); // 20 updates a second: smooth to the eye, few wake-ups of this thread
  connect(timer_, &QTimer::timeout, this, &TrainingPanel::drain);
  connect(startButton_, &QPushButton::clicked, this, &TrainingPanel::start);
  connect(resumeFileButton_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Resume from a checkpoint"), lastCheckpoint_,
                                                      tr("ConvScope checkpoints (*.json)"));
    if (!path.isEmpty()) resumeFrom(path);
  });
  connect(pauseButton_, &QPushButton::clicked, this, &TrainingPanel::pause);
  connect(stepButton_, &QPushButton::clicked, this, &TrainingPanel::step);
  connect(resumeButton_, &QPushButton::clicked, this, &TrainingPanel::resume);
  connect(stopButton_, &QPushButton::clicked, this, &TrainingPanel::stop);
  connect(exportButton, &QPushButton::clicked, this, &TrainingPanel::exportPlots);
  connect(saveButton_, &QPushButton::clicked, this, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Save the trained model"), "model.json", tr("ConvScope models (*.json)"));
    if (!path.isEmpty()) saveModel(path);
  });
  setRunning(false);
}

TrainingPanel::~TrainingPanel() {
  worker_->stop(); // directly: thread-safe, and the wait below needs it now
  if (worker_->thread()->isRunning()) {
    // A queued call runs after the worker's start() has returned: then it is idle.
    QMetaObject::invokeMethod(
        worker_, [] {}, Qt::BlockingQueuedConnection);
    worker_->deleteLater();
  } else {
    delete worker_;
  }
}

void TrainingPanel::setRunning(bool running) {
  training_ = running;
  startButton_->setEnabled(!running);
  stopButton_->setEnabled(running);
  setPaused(false);
  for (QWidget* w : std::initializer_list<QWidget*>{model_,
                                                    dataset_,
                                                    epochs_,
                                                    batch_,
                                                    learningRate_,
                                                    optimizer_,
                                                    momentum_,
                                                    weightDecay_,
                                                    lrStep_,
                                                    lrGamma_,
                                                    init_,
                                                    checkpointBox_,
                                                    resumeFileButton_,
                                                    loss_,
                                                    seed_,
                                                    threads_,
                                                    trainImages_,
                                                    resetButton_,
                                                    editLayersButton_,
                                                    browseModelButton_,
                                                    browseDatasetButton_})
    w->setEnabled(!running);
  form_->setVisible(!(running && presenter_)); // presenting a run: the curves and maps get the room
  if (running)
    timer_->start();
  else
    timer_->stop();
}

// Presenter mode: the plots' text (QCustomPlot keeps its own fonts) at least 16 px, so tick
// labels and legends read from the back of the room; the form hides while a run goes on.
void TrainingPanel::setPresenterMode(bool on) {
  presenter_ = on;
  QFont base = QApplication::font();
  QFont text = base, bold = base;
  if (on) text.setPixelSize(std::max(16, QFontInfo(base).pixelSize()));
  bold = text;
  bold.setBold(true);
  for (QCustomPlot* plot : {lossPlot_, accuracyPlot_, gradientPlot_, padBars_, confusionPlot_}) {
    for (QCPAxis* axis : plot->axisRect()->axes()) {
      axis->setTickLabelFont(text);
      axis->setLabelFont(text);
      if (plot != confusionPlot_) // large labels need room
        axis->ticker()->setTickCount(on ? 3 : plot == accuracyPlot_ && axis == plot->yAxis ? 4 : 5);
    }
    plot->legend->setFont(text);
    for (int i = 0; i < plot->legend->itemCount(); ++i)
      if (auto* item = qobject_cast<QCPPlottableLegendItem*>(plot->legend->item(i))) item->setFont(text);
    plot->replot(QCustomPlot::rpQueuedReplot);
  }
  padVerdict_->setFont(bold);
  for (QCustomPlot* plot : {accuracyPlot_, gradientPlot_}) // its axis title stands whole beside it
    plot->setMinimumHeight(on ? 170 : 105);
  // The screen's height goes to the curves, the maps and the pad's verdict; the confusion
  // matrix already shows the mistakes (the digits themselves come back on leaving).
  misclassifiedLabel_->setVisible(!on);
  misclassified_->setVisible(!on);
  accuracyPlot_->yAxis->setLabel(on ? tr("accuracy %") : tr("accuracy (%)"));
  form_->setVisible(!(training_ && on));
}

int TrainingPanel::plotFontPixels() const { return QFontInfo(lossPlot_->xAxis->tickLabelFont()).pixelSize(); }

void TrainingPanel::start() {
  if (training_) return;
  startRun(TrainingRequest{});
}

void TrainingPanel::startRun(TrainingRequest request) {
  TrainingSpec& spec = request.spec;
  const bool resuming = spec.resume;
  preset_ = resuming ? QString::fromStdString(spec.model) : model_->currentText();
  if (!resuming) { // resuming: the checkpoint's model, recipe and dataset
    if (preset_ == customModelName())
      spec.layers = customLayers_.toStdString();
    else
      spec.model = preset_.toStdString();
  }
  spec.dataset = dataset_->currentText().toStdString();
  if (checkpointBox_->isChecked() && QDir().mkpath(QFileInfo(lastCheckpoint_).absolutePath()))
    request.checkpoint = lastCheckpoint_;
  spec.init = InitScheme(init_->currentIndex()); // auto, he, glorot, lecun: the enum's order
  TrainConfig& c = spec.config;
  c.epochs = epochs_->value();
  c.batchSize = batch_->value();
  c.optimizer.kind = optimizer_->currentIndex() == 0 ? OptimizerKind::Sgd : OptimizerKind::Adam;
  c.optimizer.learningRate = learningRate_->value();
  c.optimizer.momentum = c.optimizer.kind == OptimizerKind::Sgd ? momentum_->value() : 0.0;
  c.optimizer.weightDecay = weightDecay_->value();
  c.optimizer.stepEvery = lrStep_->value();
  c.optimizer.stepGamma = lrGamma_->value();
  c.loss = loss_->currentIndex() == 0 ? LossKind::CrossEntropy : LossKind::HalfSquaredError;
  c.seed = static_cast<uint64_t>(seed_->value());
  c.threads = threads_->value();
  c.maxTrainImages = static_cast<size_t>(trainImages_->value());
  c.gradientNorms = true; // the gradient-flow plot
  if (const std::string problem = c.problem(); !problem.empty()) {
    status_->setText(tr("Cannot train: %1").arg(QString::fromStdString(problem)));
    return;
  }
  lossPlot_->graph(0)->data()->clear();
  lossPlot_->graph(1)->data()->clear();
  accuracyPlot_->graph(0)->data()->clear();
  accuracyPlot_->graph(1)->data()->clear();
  gradientPlot_->clearGraphs();
  pendingBatches_.clear();
  pendingEpochs_.clear();
  history_.clear();
  batches_ = 0;
  smoothing_ = LossSmoothing(smoothingBox_->value());
  runProgress_ = TrainingProgress(c.epochs);
  progress_->setFormat("%p%");
  totalEpochs_ = c.epochs;
  progress_->setValue(0);
  status_->setText(resuming ? tr("Resuming %1…").arg(QFileInfo(preset_).fileName())
                            : tr("Loading %1…").arg(dataset_->currentText()));
  setRunning(true);
  emit startRequested(request);
}

void TrainingPanel::pause() {
  emit pauseRequested();
  setPaused(true);
  status_->setText(tr("Paused (Step trains one batch, Resume goes on)"));
}
void TrainingPanel::step() { emit stepRequested(); }
void TrainingPanel::resume() {
  emit resumeRequested();
  setPaused(false);
}

void TrainingPanel::setPaused(bool paused) {
  paused_ = paused;
  pauseButton_->setEnabled(training_ && !paused);
  stepButton_->setEnabled(training_ && paused);
  resumeButton_->setEnabled(training_ && paused);
}
void TrainingPanel::stop() { emit stopRequested(); }

int TrainingPanel::lossPoints() const { return lossPlot_->graph(0)->dataCount(); }
int TrainingPanel::accuracyPoints() const { return accuracyPlot_->graph(1)->dataCount(); }
int TrainingPanel::progress() const { return progress_->value(); }
QString TrainingPanel::statusText() const { return status_->text(); }

void TrainingPanel::drain() {
  if (pendingBatches_.empty() && pendingEpochs_.empty() && !filtersDirty_) return;
  for (const BatchReport& r : pendingBatches_) {
    if (batches_ == 0) smoothing_ = LossSmoothing(smoothingBox_->value()); // a new curve
    ++batches_;
    lossPlot_->graph(0)->addData(double(r.imagesSeen), r.loss);
    lossPlot_->graph(1)->addData(double(r.imagesSeen), smoothing_.add(r.loss));
    addGradientNorms(r);
  }
  if (!pendingBatches_.empty()) {
    for (const BatchReport& b : pendingBatches_) runProgress_.batch(b); // as the command line's bar counts
    const BatchReport& r = pendingBatches_.back();
    progress_->setValue(int(100 * runProgress_.fraction()));
    const double left = runProgress_.secondsLeft();
    // The bar: where the run is and how fast; the line under it: how the loss is doing.
    // Presenting, the large text has room for the essentials only.
    progress_->setFormat(
        presenter_ ? tr("epoch %1/%2 · ETA %3 · %p%").arg(r.epoch + 1).arg(totalEpochs_).arg(formatDuration(left))
                   : tr("epoch %1/%2 · batch %3/%4 · %5 images/s · ETA %6 · %p%")
                         .arg(r.epoch + 1)
                         .arg(totalEpochs_)
                         .arg(r.batch + 1)
                         .arg(r.batchesPerEpoch)
                         .arg(QLocale().toString(qint64(runProgress_.imagesPerSecond())))
                         .arg(formatDuration(left)));
    status_->setText(tr("loss %1 (smoothed %2) · %3 images seen")
                         .arg(r.loss, 0, 'f', 4)
                         .arg(smoothing_.value(), 0, 'f', 4)
                         .arg(QLocale().toString(qint64(r.imagesSeen))));
  }
  for (const EpochReport& r : pendingEpochs_) {
    showConfusion(r);
    history_.push_back(r);
    history_.back().testPredictions.clear();
    accuracyPlot_->graph(0)->addData(r.epoch + 1, 100 * r.trainAccuracy);
    accuracyPlot_->graph(1)->addData(r.epoch + 1, 100 * r.testAccuracy);
  }
  if (!pendingEpochs_.empty()) {
    accuracyPlot_->rescaleAxes();
    const QCPRange y = accuracyPlot_->yAxis->range(); // a margin so the top point stays in view
    accuracyPlot_->yAxis->setRange(std::max(0.0, y.lower - 2), std::min(100.5, y.upper + 1));
    accuracyPlot_->xAxis->setRange(0.5, totalEpochs_ + 0.5);
    accuracyPlot_->replot(QCustomPlot::rpQueuedReplot);
  }
  if (filtersDirty_) filterView_->setRows({{tr("conv1"), filterImages(filters_)}}), filtersDirty_ = false;
  pendingBatches_.clear();
  pendingEpochs_.clear();
  // The numbers update every tick; the curves a few times a second, which is plenty for
  // the eye and leaves the cores to the trainer.
  if (!plotClock_.isValid() || plotClock_.elapsed() > 200 || !training_) {
    plotClock_.restart();
    lossPlot_->rescaleAxes();
    lossPlot_->replot(QCustomPlot::rpQueuedReplot);
    if (gradientPlot_->graphCount() && gradientPlot_->isVisible()) {
      gradientPlot_->rescaleAxes();
      gradientPlot_->replot(QCustomPlot::rpQueuedReplot);
    }
  }
}

void TrainingPanel::addGradientNorms(const BatchReport& r) {
  // One curve per layer with weights, first layer blue to last orange (ColorBrewer's PuOr ends).
  static const QColor colours[] = {QColor(33, 102, 172),  QColor(103, 169, 207), QColor(84, 39, 136),
                                   QColor(153, 112, 171), QColor(27, 120, 55),   QColor(90, 174, 97),
                                   QColor(179, 88, 6),    QColor(224, 130, 20),  QColor(178, 24, 43)};
  for (size_t i = 0; i < r.gradientNorms.size(); ++i) {
    if (int(i) >= gradientPlot_->graphCount()) {
      if (i == 0) showPlotContents(gradientPlot_);
      QCPGraph* g = gradientPlot_->addGraph();
      g->setName(QString::fromStdString(r.gradientNorms[i].layer));
      g->setPen(QPen(colours[i % std::size(colours)], 2));
    }
    const double norm = r.gradientNorms[i].weights;
    if (norm > 0 && std::isfinite(norm)) gradientPlot_->graph(int(i))->addData(double(r.imagesSeen), norm);
  }
}

void TrainingPanel::showPlaceholders() {
  // Empty plots say what will appear in them, instead of showing a meaningless default.
  const auto placeholder = [](QCustomPlot* plot, const QString& text) {
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
  };
  // Short lines: presenting, these plots are a narrow column of large text.
  placeholder(confusionPlot_, tr("The test set's\nconfusion matrix:\nafter the first epoch."));
  placeholder(padBars_, tr("Your drawing's\nclass probabilities:\nonce training starts."));
  placeholder(gradientPlot_, tr("Each layer's gradient norm (log scale)\nappears here while training."));
}

void TrainingPanel::showPlotContents(QCustomPlot* plot) {
  plot->clearItems();
  for (int i = 0; i < plot->plottableCount(); ++i) plot->plottable(i)->setVisible(true);
  plot->xAxis->setTickLabels(true);
  plot->yAxis->setTickLabels(true);
}

std::vector<double> TrainingPanel::smoothedLoss() const {
  std::vector<double> values;
  for (int i = 0; i < lossPlot_->graph(1)->dataCount(); ++i)
    values.push_back(lossPlot_->graph(1)->data()->at(i)->value);
  return values;
}

void TrainingPanel::resmooth() {
  // The whole smoothed curve again from the raw losses, so the change shows at once.
  const double k = smoothingBox_->value();
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

int TrainingPanel::misclassifiedShown() const { return misclassified_->count(); }
int TrainingPanel::testMapRows() const { return int(testMaps_->rows().size()); }

void TrainingPanel::showTestImage() {
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
    for (size_t i = 0; i < live_->size() && rows.size() < 3; ++i) {
      if (!dynamic_cast<const Conv2D*>(&live_->layer(i))) continue;
      size_t shown = i;
      if (i + 1 < live_->size() && dynamic_cast<const Activation*>(&live_->layer(i + 1))) shown = i + 1;
      const Tensor& maps = live_->output(shown);
      QString caption = QString::fromStdString(live_->layer(i).name());
      if (const auto* a = dynamic_cast<const Activation*>(&live_->layer(shown)); a && shown != i)
        caption += QStringLiteral(" + ") + QString::fromStdString(activationTitle(a->activation()));
      rows.push_back({QStringLiteral("%1 (%2)").arg(caption).arg(maps.shape()[1]), renderImages(maps)});
    }
  } catch (const std::exception& e) {
    status_->setText(QString::fromStdString(e.what()));
    return;
  }
  testMaps_->setRows(std::move(rows));
}

std::vector<QImage> TrainingPanel::renderImages(const Tensor& maps) {
  std::vector<QImage> images;
  for (const MapImage& m : renderMaps(maps, 64)) images.push_back(toQImage(m));
  return images;
}

void TrainingPanel::predictDrawing() {
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
    status_->setText(QString::fromStdString(e.what()));
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

void TrainingPanel::explainDrawing() {
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

void TrainingPanel::showConfusion(const EpochReport& report) {
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
    for (int t = 0; t < classes; ++t)
      for (int p = 0; p < classes; ++p) {
        const int count = confusion_[size_t(t * classes + p)];
        if (count == 0) continue;
        auto* label = new QCPItemText(confusionPlot_);
        label->position->setCoords(p, t);
        label->setText(QString::number(count));
        QFont small = font();
        small.setPointSizeF(small.pointSizeF() * 0.8);
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

QString TrainingPanel::customModelName() { return tr("layer list (edited)"); }

void TrainingPanel::setLayers(const QString& text) {
  customLayers_ = text;
  if (model_->findText(customModelName()) < 0) model_->addItem(customModelName());
  model_->setCurrentText(customModelName());
}

bool TrainingPanel::openModelFile(const QString& path) {
  if (!path.endsWith(".txt", Qt::CaseInsensitive)) {
    model_->setEditText(path); // a model file: checked when training starts, like a typed path
    return true;
  }
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
    status_->setText(tr("Cannot open %1: %2").arg(path, file.errorString()));
    return false;
  }
  const QString text = QString::fromUtf8(file.readAll());
  const LayerListCheck check = checkLayerList(text.toStdString());
  if (!check.fits()) {
    status_->setText(tr("%1: %2").arg(path, QString::fromStdString(check.error)));
    return false;
  }
  setLayers(text);
  status_->setText(tr("Layer list %1: %2 parameters").arg(path, QLocale().toString(qint64(check.parameters))));
  return true;
}

QString TrainingPanel::currentLayerText() const {
  const QString current = model_->currentText();
  if (current == customModelName()) return customLayers_;
  try {
    const std::string spec = current.toStdString();
    if (isPreset(spec)) return QString::fromStdString(layerListText(makePreset(spec)));
    if (current.endsWith(".json")) return QString::fromStdString(layerListText(loadModel(spec).network));
  } catch (const std::exception&) { // a file the grammar cannot express: start from LeNet-5
  }
  return QString::fromStdString(layerListText(makePreset("lenet5")));
}

void TrainingPanel::editLayers() {
  LayerEditor editor(currentLayerText(), this);
  if (editor.exec() == QDialog::Accepted) setLayers(editor.text());
}

bool TrainingPanel::reset() {
  if (training_) return false;
  if (unsaved_ && !qEnvironmentVariableIsSet("CONVSCOPE_NO_PROMPTS") &&
      QMessageBox::question(this, tr("Reset"), tr("The trained model is not saved. Forget it?"),
                            QMessageBox::Discard | QMessageBox::Cancel) != QMessageBox::Discard)
    return false;
  worker_->takeNetwork(); // dropped
  unsaved_ = false;
  saveButton_->setEnabled(false);
  for (QCustomPlot* plot : {lossPlot_, accuracyPlot_})
    for (int g = 0; g < plot->graphCount(); ++g) plot->graph(g)->data()->clear();
  gradientPlot_->clearGraphs();
  gradientPlot_->replot();
  lossPlot_->replot();
  accuracyPlot_->replot();
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
  confusion_.clear();
  padProbabilities_.clear();
  history_.clear();
  batches_ = 0;
  progress_->setValue(0);
  progress_->setFormat("%p%");
  status_->setText(tr("Ready: choose a model and a dataset, then Start."));
  return true;
}

bool TrainingPanel::saveModel(const QString& path) {
  if (training_ || !unsaved_) {
    status_->setText(tr("Nothing to save yet: train first."));
    return false;
  }
  std::unique_ptr<Network> network = worker_->takeNetwork();
  if (!network) {
    status_->setText(tr("The model was saved already."));
    return false;
  }
  try { // what the command line's train --save writes: preprocessing, classes, the training note
    convscope::saveModel(path.toStdString(), *network, worker_->modelInfo());
  } catch (const std::exception& e) {
    status_->setText(tr("Could not save: %1").arg(QString::fromStdString(e.what())));
    return false;
  }
  unsaved_ = false;
  saveButton_->setEnabled(false);
  status_->setText(tr("Saved %1").arg(path));
  emit modelSaved(path);
  return true;
}

void TrainingPanel::exportPlots() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the curves"), "training.png",
                                                    tr("PNG (*.png);;PDF (*.pdf);;CSV (*.csv)"));
  if (!path.isEmpty() && !exportCurves(path)) status_->setText(tr("Could not write %1").arg(path));
}

bool TrainingPanel::exportCurves(const QString& path) {
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
  // Both plots, one above the other, at twice the screen's resolution.
  const int width = lossPlot_->width(), lossHeight = lossPlot_->height(), accuracyHeight = accuracyPlot_->height();
  if (path.endsWith(".pdf", Qt::CaseInsensitive)) {
    QPdfWriter pdf(path);
    pdf.setPageSize(QPageSize(QSizeF(width, lossHeight + accuracyHeight), QPageSize::Point));
    pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
    pdf.setResolution(72);
    QCPPainter painter(&pdf);
    if (!painter.isActive()) return false;
    lossPlot_->toPainter(&painter, width, lossHeight);
    painter.translate(0, lossHeight);
    accuracyPlot_->toPainter(&painter, width, accuracyHeight);
    return true;
  }
  QImage image(QSize(width, lossHeight + accuracyHeight) * 2, QImage::Format_ARGB32);
  image.fill(Qt::white);
  {
    QPainter painter(&image);
    painter.drawPixmap(0, 0, lossPlot_->toPixmap(width, lossHeight, 2.0));
    painter.drawPixmap(0, 2 * lossHeight, accuracyPlot_->toPixmap(width, accuracyHeight, 2.0));
  }
  return image.save(path);
}

bool TrainingPanel::resumeFrom(const QString& checkpoint) {
  if (training_) return false;
  try { // said here, before anything changes: a file that is no checkpoint, or one already done
    const Model model = loadModel(checkpoint.toStdString());
    if (!model.info.checkpoint)
      throw std::invalid_argument("not a checkpoint (a run with Checkpoint ticked, or "
                                  "convscope train --checkpoint, writes one)");
    const int done = model.info.checkpoint->state.epochsDone;
    if (epochs_->value() <= done) epochs_->setValue(done + 1); // Epochs is the total: at least one more
  } catch (const std::exception& e) {
    status_->setText(
        tr("Cannot resume from %1: %2").arg(QFileInfo(checkpoint).fileName(), QString::fromStdString(e.what())));
    return false;
  }
  TrainingRequest request;
  request.spec.model = checkpoint.toStdString();
  request.spec.resume = true;
  startRun(request);
  return true;
}

} // namespace convscope::ui
