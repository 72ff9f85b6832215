// SaliencyDialog: the controls, and the map of the workspace's model as a picture.
#include "ui/maps/SaliencyDialog.h"

#include "engine/training/Preprocess.h"
#include "engine/lessons/Saliency.h"
#include "engine/backend/onednn/OnednnBackend.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

SaliencyDialog::SaliencyDialog(Workspace* workspace, QWidget* parent)
    : QDialog(parent), workspace_(workspace), backend_(std::make_unique<OnednnBackend>()) {
  setObjectName("saliencyDialog");
  setWindowTitle(tr("Why this class? — saliency"));
  method_ = new QComboBox;
  method_->addItem(tr("input gradient"), int(SaliencyMethod::Gradient));
  method_->addItem(tr("Grad-CAM"), int(SaliencyMethod::GradCam));
  method_->addItem(tr("occlusion"), int(SaliencyMethod::Occlusion));
  method_->setToolTip(tr("Gradient: how the class score changes with each pixel. Grad-CAM: where the chosen "
                         "convolution's maps count for the class. Occlusion: how much the score drops when a grey "
                         "square covers the pixel."));
  class_ = new QComboBox;
  class_->setToolTip(tr("The class whose score is explained (the predicted one by default)"));
  layer_ = new QComboBox;
  layer_->setToolTip(tr("Grad-CAM's convolution layer"));
  picture_ = new QLabel;
  picture_->setAlignment(Qt::AlignCenter);
  picture_->setMinimumSize(320, 240);
  verdict_ = new QLabel;
  verdict_->setWordWrap(true);
  auto* form = new QFormLayout;
  form->addRow(tr("Method"), method_);
  form->addRow(tr("Class"), class_);
  form->addRow(tr("Grad-CAM layer"), layer_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(verdict_);
  layout->addWidget(picture_, 1);
  for (QComboBox* box : {method_, class_, layer_})
    connect(box, &QComboBox::currentIndexChanged, this, &SaliencyDialog::recompute);
  connect(workspace_, &Workspace::inputChanged, this, &SaliencyDialog::recompute);
  connect(workspace_, &Workspace::modelChanged, this, &SaliencyDialog::recompute);
  recompute();
}

SaliencyDialog::~SaliencyDialog() = default;

QString SaliencyDialog::text() const { return verdict_->text(); }

void SaliencyDialog::followModel() {
  const SharedModel& model = *workspace_->model();
  if (shownGeneration_ == model.generation()) return;
  shownGeneration_ = model.generation();
  const QSignalBlocker blockClass(class_), blockLayer(layer_);
  class_->clear();
  class_->addItem(tr("the predicted class"), -1);
  const auto& names = workspace_->modelClassNames();
  const int64_t classes = model.network().outputShape(1).elementCount();
  for (int64_t k = 0; k < classes; ++k)
    class_->addItem(k < int64_t(names.size()) ? QString::fromStdString(names[size_t(k)]) : tr("class %1").arg(k + 1),
                    qlonglong(k));
  layer_->clear();
  layer_->addItem(tr("the last convolution"), QString());
  for (const std::string& name : gradCamLayers(model.network()))
    layer_->addItem(QString::fromStdString(name), QString::fromStdString(name));
}

void SaliencyDialog::recompute() {
  image_ = QImage();
  picture_->setPixmap(QPixmap());
  if (!workspace_->hasModel()) {
    verdict_->setText(tr("Open a trained model (File → Open Model…) to see what it looks at in this image."));
    return;
  }
  try {
    followModel();
    layer_->setEnabled(SaliencyMethod(method_->currentData().toInt()) == SaliencyMethod::GradCam);
    SaliencyOptions options;
    options.method = SaliencyMethod(method_->currentData().toInt());
    options.classIndex = class_->currentData().toLongLong();
    options.layer = layer_->currentData().toString().toStdString();
    const Tensor& input = workspace_->input();
    const Tensor prepared = prepareInput(input, workspace_->modelPreprocess(), workspace_->inputIsMatrix());
    const SaliencyMap map = workspace_->model()->use(
        [&](Network& network) { return computeSaliency(network, *backend_, prepared, options); });
    const Tensor onImage = saliencyForImage(map.map, workspace_->modelPreprocess(), input.shape()[2], input.shape()[3]);
    const Tensor rgb = saliencyOverlay(input, onImage, 320);
    const int h = int(rgb.shape()[2]), w = int(rgb.shape()[3]);
    image_ = QImage(w, h, QImage::Format_RGB888);
    for (int y = 0; y < h; ++y) {
      uchar* line = image_.scanLine(y);
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) line[3 * x + c] = uchar(std::clamp(rgb.at(0, c, y, x), 0.0f, 255.0f));
    }
    picture_->setPixmap(QPixmap::fromImage(image_));
    const auto& names = workspace_->modelClassNames();
    const QString name = map.classIndex < int64_t(names.size()) ? QString::fromStdString(names[size_t(map.classIndex)])
                                                                : tr("class %1").arg(map.classIndex + 1);
    QString text = tr("%1 for %2: score %3").arg(method_->currentText(), name).arg(double(map.score), 0, 'g', 4);
    if (std::isfinite(map.probability)) text += tr(", probability %1 %").arg(100.0 * map.probability, 0, 'f', 1);
    if (!map.layer.empty()) text += tr(" (layer %1)").arg(QString::fromStdString(map.layer));
    verdict_->setText(text);
  } catch (const std::exception& e) {
    verdict_->setText(QString::fromStdString(e.what()));
  }
}

} // namespace convscope::ui
