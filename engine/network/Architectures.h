// The lecture's well-known architectures at full size, with their published definitions:
// alexnet (the lecture's single-tower table, 3×227×227), vgg16, googlenet (Table 1, without
// the auxiliary classifiers and local response normalization), resnet18, resnet50,
// densenet121 and mobilenet (v1, width 1.0), all 3×224×224 but AlexNet, 1000 classes.
// Layer names are dotted paths whose first part is the block, as torchvision names them
// (ResNet's "layer1.0.conv1", DenseNet's "features.denseblock1.denselayer1.conv1"), so a
// block's totals are the sums over its prefix. Parameter counts follow torchvision:
// weights, biases, batch-norm scale and shift, not the running statistics.
// Not for: training on the digits (their small versions are presets of their own).
#pragma once

#include "engine/network/Network.h"

#include <string>
#include <vector>

namespace convscope {

std::vector<std::string> architectureNames(); // "alexnet", "vgg16", …
bool isArchitecture(const std::string& name);
// An untrained network (weights zero); throws std::invalid_argument for an unknown name.
Network makeArchitecture(const std::string& name);

} // namespace convscope
