// NormalizationDialog: two lines of numbers, checked by the engine (channelValues).
#include "ui/maps/NormalizationDialog.h"

#include "engine/training/Preprocess.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStringList>
#include <QVBoxLayout>

namespace convscope::ui {

namespace {
QString listed(const std::vector<float>& values) {
  QStringList parts;
  for (float v : values) parts << QString::number(double(v), 'g', 6);
  return parts.join(", ");
}
} // namespace

NormalizationDialog::NormalizationDialog(Workspace* workspace, QWidget* parent) : QDialog(parent), workspace_(workspace) {
  setWindowTitle(tr("Model Normalization"));
  setObjectName("normalizationDialog");
  about_ = new QLabel;
  about_->setWordWrap(true);
  mean_ = new QLineEdit;
  mean_->setObjectName("normalizationMean");
  mean_->setToolTip(tr("One number per input channel, on the [0, 1] scale (one number serves every channel)"));
  std_ = new QLineEdit;
  std_->setObjectName("normalizationStd");
  std_->setToolTip(tr("One number above 0 per input channel, on the [0, 1] scale"));
  resize_ = new QSpinBox;
  resize_->setObjectName("normalizationResize");
  resize_->setRange(0, 16384);
  resize_->setSpecialValueText(tr("no: the whole image to the input"));
  resize_->setSuffix(tr(" px, then the centre"));
  resize_->setToolTip(tr("Resize an image's shorter side to this many pixels first, then take its centre at the "
                         "model's input size, as torchvision's Resize and CenterCrop (256 for 224×224)"));
  error_ = new QLabel;
  error_->setObjectName("normalizationError");
  error_->setWordWrap(true);
  error_->setStyleSheet("color: #b2182b;");
  auto* form = new QFormLayout;
  form->addRow(tr("Mean"), mean_);
  form->addRow(tr("Standard deviation"), std_);
  form->addRow(tr("Shorter side first"), resize_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Close);
  QPushButton* imageNet = buttons->addButton(tr("ImageNet (torchvision)"), QDialogButtonBox::ActionRole);
  imageNet->setToolTip(tr("mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225, the shorter side to 256 and the "
                          "centre 224×224 (for this input size, in proportion): what every pretrained torchvision "
                          "classifier was trained and tested with"));
  QPushButton* own = buttons->addButton(tr("The Model's Own"), QDialogButtonBox::ResetRole);
  own->setToolTip(tr("What the model file says (an ONNX file without metadata: none, [0, 1])"));
  connect(buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &NormalizationDialog::apply);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(imageNet, &QPushButton::clicked, this, &NormalizationDialog::useImageNet);
  connect(own, &QPushButton::clicked, this, &NormalizationDialog::useModelsOwn);
  connect(mean_, &QLineEdit::returnPressed, this, &NormalizationDialog::apply);
  connect(std_, &QLineEdit::returnPressed, this, &NormalizationDialog::apply);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(about_);
  layout->addLayout(form);
  layout->addWidget(error_);
  layout->addWidget(buttons);
  connect(workspace_, &Workspace::modelChanged, this, &NormalizationDialog::refresh);
  connect(workspace_, &Workspace::preprocessChanged, this, &NormalizationDialog::refresh);
  refresh();
}

QString NormalizationDialog::errorText() const { return error_->text(); }

void NormalizationDialog::refresh() {
  const bool model = workspace_->hasModel();
  mean_->setEnabled(model);
  std_->setEnabled(model);
  resize_->setEnabled(model);
  if (!model) {
    about_->setText(tr("No model is open: open one (File → Open Model…) to say how its images are prepared."));
    mean_->clear(), std_->clear();
    resize_->setValue(0);
    return;
  }
  const Preprocess& p = workspace_->modelPreprocess();
  // The size step as it is: the whole image resized, or its shorter side first and then the centre.
  const QString size = p.resize > 0 ? tr("its shorter side resized to %1, the centre %2×%3×%4 taken")
                                           .arg(p.resize)
                                           .arg(p.channels)
                                           .arg(p.height)
                                           .arg(p.width)
                                     : tr("resized to %1×%2×%3").arg(p.channels).arg(p.height).arg(p.width);
  about_->setText(tr("How %1 sees an image: %2, scaled to [0, 1], then (x − mean) / std for each channel. "
                     "Now: %3%4.")
                      .arg(workspace_->modelName(), size)
                      .arg(QString::fromStdString(normalizationText(p)))
                      .arg(workspace_->hasNormalizationOverride() ? tr(" (yours, remembered for this file)")
                                                                  : tr(" (the model's own)")));
  mean_->setText(listed(p.mean));
  std_->setText(listed(p.stddev));
  resize_->setValue(p.resize);
}

bool NormalizationDialog::apply() {
  if (!workspace_->hasModel()) return false;
  try {
    const int channels = workspace_->modelPreprocess().channels;
    workspace_->setModelNormalization(channelValues(mean_->text().toStdString(), channels, false, "mean"),
                                      channelValues(std_->text().toStdString(), channels, true, "std"),
                                      resize_->value());
    error_->clear();
    return true;
  } catch (const std::invalid_argument& e) { // the values stay as typed, to be corrected
    error_->setText(QString::fromStdString(e.what()));
    return false;
  }
}

void NormalizationDialog::useImageNet() {
  mean_->setText(listed(imageNetMean()));
  std_->setText(listed(imageNetStd()));
  if (workspace_->hasModel()) resize_->setValue(imageNetResize(workspace_->modelPreprocess()));
  apply();
}

void NormalizationDialog::useModelsOwn() {
  workspace_->resetModelNormalization();
  error_->clear();
}

} // namespace convscope::ui
