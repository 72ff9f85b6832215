// TestImages: a cache of test sets behind a lock.
#include "ui/inspection/TestImages.h"

#include <map>
#include <mutex>

namespace convscope::ui {

std::shared_ptr<const Dataset> testImages(const std::string& dataset, const Preprocess& p) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Dataset>> cache;
  const std::string key = dataset + "/" + std::to_string(p.channels) + "/" + std::to_string(p.sourceHeight) + "x" +
                          std::to_string(p.sourceWidth);
  const std::lock_guard lock(mutex);
  if (auto found = cache.find(key); found != cache.end()) return found->second;
  auto data = std::make_shared<const Dataset>(loadDataset(dataset, p.channels, p.sourceHeight, p.sourceWidth).test);
  cache[key] = data;
  return data;
}

} // namespace convscope::ui
