// SharedModel: a model file read once, shared.
#include "engine/io/SharedModel.h"

#include <filesystem>

namespace convscope {

std::shared_ptr<const SharedModel> SharedModel::open(const std::string& path, uint64_t generation) {
  return std::make_shared<const SharedModel>(loadModel(path), path, generation);
}

SharedModel::SharedModel(Model model, std::string path, uint64_t generation)
    : path_(std::move(path)), generation_(generation), hasWeights_(model.hasWeights), info_(std::move(model.info)),
      network_(std::move(model.network)) {
  if (info_.preprocess)
    preprocess_ = *info_.preprocess;
  else if (network_.inputShape().rank() == 3)
    preprocess_ = plainPreprocess(network_.inputShape());
}

std::string SharedModel::fileName() const { return std::filesystem::path(path_).filename().string(); }

} // namespace convscope
