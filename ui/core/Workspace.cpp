// Workspace: input loading (through the engine's readers) and the settings.
#include "ui/core/Workspace.h"

#include "engine/io/ImageIO.h"
#include "engine/lessons/Kernels.h"
#include "engine/io/MatrixText.h"
#include "engine/io/ModelFile.h"

#include <QFileInfo>
#include <QSettings>
#include <QStringList>

#include <opencv2/imgproc.hpp>

namespace convscope::ui {

Workspace::Workspace(QObject* parent) : QObject(parent) {
  // The lecture's first example until something else is loaded.
  const std::vector<float> six{1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0,
                               1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0};
  setMatrix(Tensor(Shape{1, 6, 6}, six), "6x6 image (lecture)");
  kernels_.push_back({"filter 1", Tensor(Shape{1, 3, 3}, std::vector<float>{1, -1, -1, -1, 1, -1, -1, -1, 1})});
}

bool Workspace::loadFile(const QString& path, QString* error) {
  const std::string file = path.toStdString();
  try {
    if (isImageFile(file)) {
      const Tensor image = loadImage(file, {channelsMode_, false});
      setImage(image, QFileInfo(path).fileName());
      inputPath_ = path;
    } else {
      const Tensor chw = loadMatrixFile(file); // throws with the line and the problem
      setMatrix(chw, QFileInfo(path).fileName());
      inputPath_ = path;
    }
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

void Workspace::setMatrix(const Tensor& values, const QString& name) {
  const Shape& s = values.shape();
  original_ = s.rank() == 3 ? values.reshaped(Shape{1, s[0], s[1], s[2]}) : values;
  inputName_ = name;
  inputPath_.clear(); // not from a file: a change of channels has nothing to reload
  inputIsMatrix_ = true;
  originalSize_ = QSize(static_cast<int>(original_.shape()[3]), static_cast<int>(original_.shape()[2]));
  input_ = std::make_shared<const Tensor>(original_);
  ++inputVersion_;
  emit inputChanged();
}

void Workspace::setImage(const Tensor& image, const QString& name) {
  original_ = image;
  inputName_ = name;
  inputPath_.clear();
  inputIsMatrix_ = false;
  originalSize_ = QSize(static_cast<int>(image.shape()[3]), static_cast<int>(image.shape()[2]));
  applyWorkingSize();
  emit inputChanged();
}

void Workspace::applyWorkingSize() {
  const Shape& s = original_.shape();
  const int64_t side = std::max(s[2], s[3]);
  ++inputVersion_;
  if (inputIsMatrix_ || side <= workingSide_) {
    input_ = std::make_shared<const Tensor>(original_);
    return;
  }
  // Downscale each channel with OpenCV (area averaging keeps detail honest).
  const double factor = double(workingSide_) / double(side);
  const int h = std::max(1, static_cast<int>(std::lround(s[2] * factor)));
  const int w = std::max(1, static_cast<int>(std::lround(s[3] * factor)));
  auto input = std::make_shared<Tensor>(Shape{1, s[1], h, w});
  for (int64_t c = 0; c < s[1]; ++c) {
    cv::Mat plane(static_cast<int>(s[2]), static_cast<int>(s[3]), CV_32F,
                  const_cast<float*>(original_.data()) + c * s[2] * s[3]);
    cv::Mat target(h, w, CV_32F, input->data() + c * int64_t(h) * w);
    cv::resize(plane, target, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  }
  // An 8-bit image downscaled is an 8-bit image: whole values 0–255, as OpenCV gives for
  // 8-bit pictures (and as a lecture file stores it, exactly, as PNG).
  for (float& v : input->values()) v = std::round(v);
  input_ = std::move(input);
}

void Workspace::setChannelsMode(int channels) {
  if (channels == channelsMode_) return;
  channelsMode_ = channels;
  if (!inputIsMatrix_ && !inputPath_.isEmpty()) {
    QString ignored;
    loadFile(inputPath_, &ignored);
  }
  emit settingsChanged();
}

void Workspace::setWorkingSide(int pixels) {
  if (pixels == workingSide_) return;
  workingSide_ = pixels;
  if (!inputIsMatrix_) {
    applyWorkingSize();
    emit inputChanged();
  }
}

void Workspace::setKernels(std::vector<NamedKernel> kernels) {
  kernels_ = std::move(kernels);
  emit kernelsChanged();
}

void Workspace::setConvolution(const FilterOptions& options) {
  convolution_ = options;
  emit settingsChanged();
}

void Workspace::setActivation(ActivationKind kind) {
  activation_ = kind;
  emit settingsChanged();
}

void Workspace::setPooling(bool enabled, const Pool2DGeometry& geometry) {
  pooling_ = enabled;
  pool_ = geometry;
  emit settingsChanged();
}

void Workspace::setProcessing(const FilterOptions& convolution, ActivationKind activation, bool pooling,
                              const Pool2DGeometry& pool) {
  convolution_ = convolution;
  activation_ = activation;
  pooling_ = pooling;
  pool_ = pool;
  emit settingsChanged();
}

bool Workspace::loadModel(const QString& path, QString* error) {
  try {
    ModelSnapshot model = SharedModel::open(path.toStdString(), modelGenerations_ + 1);
    if (!model->trained() || !model->info().preprocess)
      throw std::invalid_argument(path.toStdString() + ": has no trained weights (train it first)");
    ++modelGenerations_;
    model_ = std::move(model);
    restoreModelNormalization();
    emit modelChanged();
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

void Workspace::closeModel() {
  model_.reset();
  preprocessOverride_.reset();
  emit modelChanged();
}

namespace {
// The settings key of a model file's normalization: its absolute path, encoded as one key.
QString normalizationKey(const std::string& path) {
  return QStringLiteral("modelNormalization/") +
         QString::fromLatin1(QFileInfo(QString::fromStdString(path)).absoluteFilePath().toUtf8().toBase64(
             QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}
QString joined(const std::vector<float>& values) {
  QStringList parts;
  for (float v : values) parts << QString::number(double(v), 'g', 9);
  return parts.join(',');
}
} // namespace

void Workspace::setModelNormalization(std::vector<float> mean, std::vector<float> stddev, std::optional<int> resize) {
  if (!model_) throw std::invalid_argument("no model is open: a normalization belongs to a model");
  const int crop = resize ? *resize : modelPreprocess().resize;
  preprocessOverride_ = withResize(withNormalization(model_->preprocess(), std::move(mean), std::move(stddev)), crop,
                                   "resize"); // both checked before anything changes
  QSettings settings;
  settings.setValue(normalizationKey(model_->path()) + "/mean", joined(preprocessOverride_->mean));
  settings.setValue(normalizationKey(model_->path()) + "/std", joined(preprocessOverride_->stddev));
  settings.setValue(normalizationKey(model_->path()) + "/resize", preprocessOverride_->resize);
  emit preprocessChanged();
}

void Workspace::resetModelNormalization() {
  if (!model_) return;
  preprocessOverride_.reset();
  QSettings().remove(normalizationKey(model_->path()));
  emit preprocessChanged();
}

void Workspace::restoreModelNormalization() {
  preprocessOverride_.reset();
  const QSettings settings;
  const QString key = normalizationKey(model_->path());
  if (!settings.contains(key + "/mean")) return;
  try {
    const int channels = model_->preprocess().channels;
    preprocessOverride_ = withResize(
        withNormalization(model_->preprocess(),
                          channelValues(settings.value(key + "/mean").toString().toStdString(), channels, false, "mean"),
                          channelValues(settings.value(key + "/std").toString().toStdString(), channels, true, "std")),
        settings.value(key + "/resize", model_->preprocess().resize).toInt(), "resize");
  } catch (const std::invalid_argument&) { // remembered for another version of the file: its own again
    preprocessOverride_.reset();
  }
}

QString Workspace::modelName() const { return model_ ? QString::fromStdString(model_->fileName()) : QString(); }
QString Workspace::modelPath() const { return model_ ? QString::fromStdString(model_->path()) : QString(); }

const Preprocess& Workspace::modelPreprocess() const {
  static const Preprocess none;
  if (preprocessOverride_) return *preprocessOverride_;
  return model_ ? model_->preprocess() : none;
}

const std::vector<std::string>& Workspace::modelClassNames() const {
  static const std::vector<std::string> none;
  return model_ ? model_->classNames() : none;
}

PipelineSpec Workspace::pipelineSpec() const {
  PipelineSpec spec;
  spec.model = model_;
  spec.kernels = kernels_;
  spec.convolution = convolution_;
  spec.activation = activation_;
  spec.pooling = pooling_;
  spec.pool = pool_;
  spec.inputVersion = inputVersion_;
  spec.preprocess = preprocessOverride_;
  spec.matrixInput = inputIsMatrix_;
  return spec;
}

} // namespace convscope::ui
