// TrainingForm: the recipe's widgets and the request they make.
#include "ui/training/TrainingForm.h"

#include "ui/training/LayerEditor.h"

#include "engine/training/Dataset.h"
#include "engine/network/LayerList.h"
#include "engine/io/ModelFile.h"
#include "engine/network/Presets.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace convscope::ui {

TrainingForm::TrainingForm(QWidget* parent) : QWidget(parent) {
  setObjectName("trainingForm");
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
  lrGamma_->setObjectName("rateFactorBox");
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
  loss_ = combo({tr("cross-entropy"), tr("squared error")},
                tr("cross-entropy (ce); or squared error (mse): the lecture's total error ½Σ(target − output)²"));
  seed_ = spin(0, 1 << 30, 1, tr("Same seed, same thread count: the same run"));
  threads_ = spin(0, 64, 0, tr("Compute threads (0: all cores)"));
  trainImages_ = spin(0, 1 << 24, 0, tr("Train on this many images an epoch (0: all); small numbers make quick demos"));
  threads_->setSpecialValueText(tr("0 (all cores)"));
  trainImages_->setSpecialValueText(tr("0 (all)"));
  smoothingBox_ = real(0, 0.999, 0.9, 3, tr("Smoothing of the loss curve (exponential moving average)"));
  connect(smoothingBox_, &QDoubleSpinBox::valueChanged, this, &TrainingForm::smoothingChanged);

  resetButton_ = new QPushButton(tr("Reset"));
  resetButton_->setToolTip(tr("Clear the curves and views and forget the trained model (asks first when it is not "
                              "saved); the next Start begins from fresh weights"));
  saveButton_ = new QPushButton(tr("Save model…"));
  saveButton_->setEnabled(false);
  auto* exportButton = new QPushButton(tr("Export curves…"));
  exportButton->setToolTip(tr("Save the curves as SVG, PDF, PNG or CSV (every point); File → Export Figure (Ctrl+E) "
                              "has the tab's other views and tables"));
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
                                                      tr("Models and layer lists (*.json *.txt *.layers);;All files (*)"));
    if (!path.isEmpty()) openModelFile(path);
  });
  connect(resumeFileButton_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Resume from a checkpoint"), lastCheckpoint_,
                                                      tr("ConvScope checkpoints (*.json)"));
    if (!path.isEmpty()) emit resumeChosen(path);
  });
  connect(editLayersButton_, &QPushButton::clicked, this, &TrainingForm::editLayers);
  connect(resetButton_, &QPushButton::clicked, this, &TrainingForm::resetClicked);
  connect(saveButton_, &QPushButton::clicked, this, &TrainingForm::saveClicked);
  connect(exportButton, &QPushButton::clicked, this, &TrainingForm::exportClicked);

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
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(form);
  auto* keep = new QHBoxLayout;
  keep->addWidget(resetButton_);
  keep->addWidget(saveButton_);
  layout->addLayout(keep);
  layout->addWidget(exportButton);
  layout->addStretch();
}

void TrainingForm::fill(TrainingRequest& request) const {
  TrainingSpec& spec = request.spec;
  if (!spec.resume) { // resuming: the checkpoint's model
    if (model_->currentText() == customModelName())
      spec.layers = customLayers_.toStdString();
    else
      spec.model = model_->currentText().toStdString();
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
}

QString TrainingForm::modelName() const { return model_->currentText(); }
QString TrainingForm::datasetName() const { return dataset_->currentText(); }

void TrainingForm::setRunning(bool running) {
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
}

void TrainingForm::setSaveEnabled(bool enabled) { saveButton_->setEnabled(enabled); }

void TrainingForm::showCheckpointSaved(const QString& path, int epochs, const QString& problem) {
  checkpointBox_->setToolTip(problem.isEmpty() ? tr("Checkpoint of epoch %1 saved in %2: Resume… goes on from it")
                                                     .arg(epochs)
                                                     .arg(QDir::toNativeSeparators(path))
                                               : tr("The checkpoint could not be saved: %1").arg(problem));
}

QString TrainingForm::customModelName() { return tr("layer list (edited)"); }

void TrainingForm::setLayers(const QString& text) {
  customLayers_ = text;
  if (model_->findText(customModelName()) < 0) model_->addItem(customModelName());
  model_->setCurrentText(customModelName());
}

bool TrainingForm::openModelFile(const QString& path) {
  if (!isLayerListPath(path.toStdString())) {
    model_->setEditText(path); // a model file: checked when training starts, like a typed path
    return true;
  }
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
    emit message(tr("Cannot open %1: %2").arg(path, file.errorString()));
    return false;
  }
  const QString text = QString::fromUtf8(file.readAll());
  const LayerListCheck check = checkLayerList(text.toStdString());
  if (!check.fits()) {
    emit message(tr("%1: %2").arg(path, QString::fromStdString(check.error)));
    return false;
  }
  setLayers(text);
  emit message(tr("Layer list %1: %2 parameters").arg(path, QLocale().toString(qint64(check.parameters))));
  return true;
}

QString TrainingForm::currentLayerText() const {
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

void TrainingForm::editLayers() {
  LayerEditor editor(currentLayerText(), this);
  if (editor.exec() == QDialog::Accepted) setLayers(editor.text());
}

} // namespace convscope::ui
