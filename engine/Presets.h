// Named network presets. lenet5 is exactly the lecture's LeNet-5 table (61,706 parameters);
// lenet5-relu swaps tanh for ReLU and average for max pooling.
// Not for: the architecture browser's large networks.
#pragma once

#include "Network.h"

#include <string>
#include <vector>

namespace convscope {

std::vector<std::string> presetNames(); // the ones that train on the digits
// A preset or one of the full-size architectures (Architectures.h).
bool isPreset(const std::string& name);
// An untrained network (weights zero); throws std::invalid_argument for an unknown name.
Network makePreset(const std::string& name);

} // namespace convscope
