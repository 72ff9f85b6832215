// The test images of a model's dataset (its training note names it: "digits", "fashion-mnist"),
// read once and kept for the Inspect tab's pages, from any thread.
// Not for: training (the job reads its own).
#pragma once

#include "engine/training/Dataset.h"
#include "engine/training/Preprocess.h"

#include <memory>
#include <string>

namespace convscope::ui {

// Throws std::invalid_argument naming the dataset when it cannot be read.
std::shared_ptr<const Dataset> testImages(const std::string& dataset, const Preprocess& preprocess);

} // namespace convscope::ui
