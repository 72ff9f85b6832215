// The document the lecture view shows: the input (at its working size), the kernel bank
// and the settings of convolution, activation and pooling, and the one open model. Widgets
// edit it through its setters and redraw on its signals; the pipeline and the stepper read
// it. The model is read from its file here and nowhere else in the window: views borrow
// the snapshot (model()) and hear modelChanged when another one, or the same file saved
// again, is opened.
// Not for: computing (PipelineRunner and the engine do) or drawing.
#pragma once

#include "engine/lessons/Filtering.h"
#include "engine/io/SharedModel.h"
#include "engine/network/Network.h"
#include "engine/lessons/Pipeline.h"
#include "engine/core/Tensor.h"

#include <QObject>
#include <QSize>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace convscope::ui {

class Workspace : public QObject {
  Q_OBJECT
public:
  explicit Workspace(QObject* parent = nullptr);

  // The input as the engine sees it: (1, C, H, W), values 0–255 (or as typed).
  const Tensor& input() const { return *input_; }
  // The same input as a shared immutable snapshot, for work on another thread (no copy).
  std::shared_ptr<const Tensor> sharedInput() const { return input_; }
  uint64_t inputVersion() const { return inputVersion_; } // a new number whenever input() changes
  const QString& inputName() const { return inputName_; }
  QSize originalSize() const { return originalSize_; } // before downscaling to the working size
  bool inputIsMatrix() const { return inputIsMatrix_; }

  // Loads an image (any format OpenCV reads) or a matrix text file. On failure returns
  // false with `error` set and keeps the current input.
  bool loadFile(const QString& path, QString* error);
  // Sets an input directly (a typed matrix (C, H, W) or (1, C, H, W)).
  void setMatrix(const Tensor& values, const QString& name);
  // An image given as a tensor (1, C, H, W) 0–255, downscaled to the working size.
  void setImage(const Tensor& image, const QString& name);

  int channelsMode() const { return channelsMode_; } // 0 as stored, 1 gray, 3 RGB
  void setChannelsMode(int channels);
  int workingSide() const { return workingSide_; } // large images are downscaled to this
  void setWorkingSide(int pixels);

  const std::vector<NamedKernel>& kernels() const { return kernels_; }
  void setKernels(std::vector<NamedKernel> kernels);

  const FilterOptions& convolution() const { return convolution_; }
  void setConvolution(const FilterOptions& options);
  ActivationKind activation() const { return activation_; }
  void setActivation(ActivationKind kind);
  bool pooling() const { return pooling_; }
  const Pool2DGeometry& pool() const { return pool_; }
  void setPooling(bool enabled, const Pool2DGeometry& geometry);

  // All of the processing settings at once (one settingsChanged).
  void setProcessing(const FilterOptions& convolution, ActivationKind activation, bool pooling,
                     const Pool2DGeometry& pool);

  // A trained model: the pipeline then shows its layers on the input. Loading failures
  // return false with `error` set and keep what was there. Opening the same path again reads
  // the file again (a model saved over it is seen): a new generation.
  bool loadModel(const QString& path, QString* error);
  void closeModel();
  bool hasModel() const { return model_ != nullptr; }
  // The open model (null when none), to borrow: run it through SharedModel::use.
  const ModelSnapshot& model() const { return model_; }
  QString modelName() const;
  QString modelPath() const;
  const Network* network() const { return model_ ? &model_->network() : nullptr; } // its structure
  // How images are prepared for the open model: its own preprocessing, with the normalization
  // the user gave it instead when there is one (setModelNormalization).
  const Preprocess& modelPreprocess() const;
  const std::vector<std::string>& modelClassNames() const;
  // Another mean and standard deviation per input channel for the open model (on the [0, 1]
  // scale: torchvision's ImageNet values are imageNetMean/imageNetStd). Checked: throws
  // std::invalid_argument naming the problem, and nothing changes. Remembered for the model's
  // file (QSettings) and given to it again whenever that file is opened. `resize`: a single
  // image's shorter side before its centre is taken (Preprocess::resize; 0 the whole image;
  // absent: as it is).
  void setModelNormalization(std::vector<float> mean, std::vector<float> stddev,
                             std::optional<int> resize = std::nullopt);
  void resetModelNormalization(); // the model's own again, and forgotten for its file
  bool hasNormalizationOverride() const { return preprocessOverride_.has_value(); }

  // Everything the pipeline needs, as one value.
  PipelineSpec pipelineSpec() const;

signals:
  void inputChanged();
  void modelChanged();
  void kernelsChanged();
  void settingsChanged();
  void preprocessChanged(); // the open model's normalization

private:
  void restoreModelNormalization();
  void applyWorkingSize();

  Tensor original_; // as loaded, before the working size
  std::shared_ptr<const Tensor> input_ = std::make_shared<const Tensor>(); // replaced, never changed
  uint64_t inputVersion_ = 0;
  QString inputName_;
  QString inputPath_;
  QSize originalSize_;
  bool inputIsMatrix_ = true;
  int channelsMode_ = 0;
  int workingSide_ = 512;
  std::vector<NamedKernel> kernels_;
  FilterOptions convolution_;
  ActivationKind activation_ = ActivationKind::ReLU;
  bool pooling_ = true;
  Pool2DGeometry pool_;
  ModelSnapshot model_;
  std::optional<Preprocess> preprocessOverride_; // the open model's, with the user's normalization
  uint64_t modelGenerations_ = 0;                // models opened so far
};

} // namespace convscope::ui
